//! Weighted statistics, for the forecast conditioned on actuals (MODEL.md
//! section 9.2): every figure of section 8 with weights `w_i`. No I/O.
//!
//! Weights need not add up to 1: each function normalises them. Values
//! that are `NaN` (undefined, such as ROI with no costs) are left out, with
//! their weight; `+inf` (no payback within the horizon) is a value like any
//! other, beyond every finite one.

use super::sensitivity::{swing, DecileBar, Target};
use super::Z95;

/// The effective sample size of a set of weights.
///
/// # Formula
/// `(sum w)^2 / sum w^2`; 0 when every weight is 0.
pub fn ess(weights: &[f64]) -> f64 {
    let (s1, s2) = weights
        .iter()
        .fold((0.0, 0.0), |(a, b), w| (a + w, b + w * w));
    if s2 > 0.0 {
        s1 * s1 / s2
    } else {
        0.0
    }
}

/// Weighted mean and its standard error over the values that are not
/// `NaN`; `None` when their weights add up to 0.
///
/// # Formula
/// With `v_i = w_i / sum w`: mean `m = sum v_i x_i`, standard error
/// `sqrt(sum v_i^2 (x_i - m)^2)`.
pub fn mean_se(values: &[f64], weights: &[f64]) -> Option<(f64, f64)> {
    let total: f64 = values
        .iter()
        .zip(weights)
        .filter(|(x, _)| !x.is_nan())
        .map(|(_, w)| w)
        .sum();
    if total <= 0.0 {
        return None;
    }
    // the sum of w x over the same sum of w: a share that always holds is
    // exactly 1
    let mean: f64 = values
        .iter()
        .zip(weights)
        .filter(|(x, w)| !x.is_nan() && **w > 0.0)
        .map(|(x, w)| w * x)
        .sum::<f64>()
        / total;
    let var: f64 = values
        .iter()
        .zip(weights)
        .filter(|(x, w)| !x.is_nan() && **w > 0.0)
        .map(|(x, w)| {
            let v = w / total;
            v * v * (x - mean) * (x - mean)
        })
        .sum();
    Some((mean, var.sqrt()))
}

/// The weighted share of iterations where `event` holds, and its standard
/// error: [`mean_se`] of the 0/1 indicator.
pub fn share_se(events: impl Iterator<Item = bool>, weights: &[f64]) -> (f64, f64) {
    let x: Vec<f64> = events.map(|e| f64::from(u8::from(e))).collect();
    mean_se(&x, weights).unwrap_or((0.0, 0.0))
}

/// Values with positive weight, sorted ascending, for weighted percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedSorted {
    values: Vec<f64>,
    weights: Vec<f64>,
    /// `before[j]`: the weight of the values before the j-th.
    before: Vec<f64>,
    total: f64,
}

impl WeightedSorted {
    /// Sorts the values with positive weight (`NaN` values left out); ties
    /// keep their iteration order. `None` when there are none.
    pub fn new(values: &[f64], weights: &[f64]) -> Option<WeightedSorted> {
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(x, w)| !x.is_nan() && **w > 0.0)
            .map(|(x, w)| (*x, *w))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut before = Vec::with_capacity(pairs.len());
        let mut total = 0.0;
        for (_, w) in &pairs {
            before.push(total);
            total += w;
        }
        let (values, weights) = pairs.into_iter().unzip();
        Some(WeightedSorted {
            values,
            weights,
            before,
            total,
        })
    }

    /// How many values have positive weight.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: [`WeightedSorted::new`] refuses an empty sample.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The sum of the weights.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The values, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The effective sample size of these weights.
    pub fn ess(&self) -> f64 {
        ess(&self.weights)
    }

    /// The weighted percentile `p` (MODEL.md 9.2): the j-th value sits at
    /// position `(weight of the values before it) / (weight of all values
    /// but the last)`, and the percentile interpolates linearly between
    /// positions. With equal weights this is PERCENTILE.INC exactly. An
    /// interpolation that touches `+inf` gives `+inf` ("beyond the
    /// horizon").
    ///
    /// # Formula
    /// `h = p (W - w_last)`; with `j` the last value such that
    /// `before_j <= h`: `x_j + ((h - before_j) / w_j) (x_{j+1} - x_j)`.
    pub fn percentile(&self, p: f64) -> f64 {
        let n = self.values.len();
        if n == 1 {
            return self.values[0];
        }
        let span = self.total - self.weights[n - 1];
        let h = span * p.clamp(0.0, 1.0);
        // the last j in 0..n-1 with before[j] <= h
        let j = self.before[..n - 1]
            .partition_point(|b| *b <= h)
            .saturating_sub(1);
        let a = self.values[j];
        let frac = (h - self.before[j]) / self.weights[j];
        if frac <= 0.0 {
            return a;
        }
        let b = self.values[j + 1];
        if frac >= 1.0 {
            return b;
        }
        if a.is_infinite() || b.is_infinite() {
            return f64::INFINITY;
        }
        a + frac * (b - a)
    }

    /// The percentile with a 95% interval: the values at positions
    /// `p -/+ 1.96 sqrt(p (1 - p) / ESS)`, the binomial law of order
    /// statistics with the effective sample size standing for n.
    pub fn percentile_with_interval(&self, p: f64) -> super::Percentile {
        let value = self.percentile(p);
        let half = Z95 * (p * (1.0 - p) / self.ess().max(1.0)).sqrt();
        let ci95 = (
            self.percentile((p - half).max(0.0)),
            self.percentile((p + half).min(1.0)),
        );
        super::Percentile {
            p,
            value,
            ci95,
            se: (ci95.1 - ci95.0) / (2.0 * Z95),
        }
    }

    /// The weighted share of values at most `x`.
    pub fn share_at_most(&self, x: f64) -> f64 {
        let k = self.values.partition_point(|v| *v <= x);
        if k == self.values.len() {
            return 1.0;
        }
        self.before[k] / self.total
    }
}

/// Weighted mid-ranks, scaled to (0, 1): each value's rank is the weight
/// below it plus half the weight of its ties, over the total weight.
/// Values with zero weight get the rank of their place all the same.
pub fn mid_ranks(values: &[f64], weights: &[f64]) -> Vec<f64> {
    let n = values.len();
    let order = super::order_of(values);
    let total: f64 = weights.iter().sum();
    let mut ranks = vec![0.0; n];
    if total <= 0.0 {
        return ranks;
    }
    let mut below = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        let mut tied = 0.0;
        while j < n && values[order[j]] == values[order[i]] {
            tied += weights[order[j]];
            j += 1;
        }
        let r = (below + tied / 2.0) / total;
        for &k in &order[i..j] {
            ranks[k] = r;
        }
        below += tied;
        i = j;
    }
    ranks
}

/// The weighted Pearson correlation of `x` and `y`; 0 when either has no
/// spread under the weights.
pub fn pearson(x: &[f64], y: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mean = |v: &[f64]| v.iter().zip(weights).map(|(a, w)| a * w).sum::<f64>() / total;
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for ((a, b), w) in x.iter().zip(y).zip(weights) {
        sxy += w * (a - mx) * (b - my);
        sxx += w * (a - mx) * (a - mx);
        syy += w * (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// The weighted Spearman rank correlation: the weighted Pearson
/// correlation of the weighted mid-ranks ([`mid_ranks`]). With equal
/// weights this is the usual Spearman correlation with mid-ranks for ties.
pub fn spearman(x: &[f64], y: &[f64], weights: &[f64]) -> f64 {
    pearson(&mid_ranks(x, weights), &mid_ranks(y, weights), weights)
}

/// The target's statistic over weighted iterations: the weighted median
/// for payback (`None` beyond the horizon), else the weighted mean;
/// `None` when the weights add up to 0.
pub fn statistic(kind: Target, values: &[f64], weights: &[f64]) -> Option<f64> {
    match kind {
        Target::Payback => {
            let m = WeightedSorted::new(values, weights)?.percentile(0.5);
            m.is_finite().then_some(m)
        }
        _ => mean_se(values, weights).map(|(m, _)| m),
    }
}

/// The decile tornado and rank correlations under weights: for each input,
/// its lowest and highest weighted deciles (the iterations whose weighted
/// mid-rank is below 0.1, or above 0.9), the target's weighted statistic
/// in each, and the weighted Spearman correlation of input and target
/// (over the iterations where the target is defined). `inputs[k]` holds
/// input k's draws; bars come sorted by swing, largest first, as
/// [`super::sensitivity::decile_tornado`] sorts them.
pub fn decile_tornado(
    paths: &[String],
    inputs: &[Vec<f64>],
    target: &[f64],
    weights: &[f64],
    kind: Target,
) -> Vec<DecileBar> {
    let defined: Vec<usize> = (0..target.len()).filter(|&i| !target[i].is_nan()).collect();
    let t_def: Vec<f64> = defined.iter().map(|&i| target[i]).collect();
    let w_def: Vec<f64> = defined.iter().map(|&i| weights[i]).collect();
    let mut bars: Vec<DecileBar> = paths
        .iter()
        .zip(inputs)
        .map(|(path, x)| {
            let ranks = mid_ranks(x, weights);
            let pick = |keep: &dyn Fn(f64) -> bool| -> Vec<f64> {
                ranks
                    .iter()
                    .zip(weights)
                    .map(|(r, w)| if keep(*r) { *w } else { 0.0 })
                    .collect()
            };
            let (w_lo, w_hi) = (pick(&|r| r < 0.1), pick(&|r| r > 0.9));
            let sorted = WeightedSorted::new(x, weights);
            let edge = |p: f64| sorted.as_ref().map_or(f64::NAN, |s| s.percentile(p));
            let x_def: Vec<f64> = defined.iter().map(|&i| x[i]).collect();
            DecileBar {
                path: path.clone(),
                low_edge: edge(0.1),
                high_edge: edge(0.9),
                low: statistic(kind, target, &w_lo),
                high: statistic(kind, target, &w_hi),
                // ranks order +inf (no payback) beyond every finite value
                spearman: spearman(&x_def, &t_def, &w_def),
                contribution: 0.0,
            }
        })
        .collect();
    let total: f64 = bars.iter().map(|b| b.spearman * b.spearman).sum();
    for b in &mut bars {
        b.contribution = if total > 0.0 {
            b.spearman * b.spearman / total
        } else {
            0.0
        };
    }
    bars.sort_by(|a, b| {
        swing(b.low, b.high)
            .total_cmp(&swing(a.low, a.high))
            .then(a.path.cmp(&b.path))
    });
    bars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::percentile_inc;

    /// Worked by hand: values 1, 2, 4 with weights 1, 2, 1. Positions are
    /// (weight before) / (weight of all but the last) = 0/3, 1/3, 3/3.
    /// P50 = position 0.5: between 2 (1/3) and 4 (1): 2 + (0.5 - 1/3) /
    /// (2/3) x 2 = 2.5. P10: between 1 and 2 at 0.3 of the way: 1.3.
    #[test]
    fn weighted_percentiles_follow_the_definition_worked_by_hand() {
        let w = WeightedSorted::new(&[4.0, 1.0, 2.0], &[1.0, 1.0, 2.0]).unwrap();
        assert!((w.percentile(0.5) - 2.5).abs() < 1e-12);
        assert!((w.percentile(0.1) - 1.3).abs() < 1e-12);
        assert_eq!(w.percentile(0.0), 1.0);
        assert_eq!(w.percentile(1.0), 4.0);
        // position 1/3 is exactly the value 2
        assert!((w.percentile(1.0 / 3.0) - 2.0).abs() < 1e-12);
        // zero weights and NaN values are left out
        let z = WeightedSorted::new(
            &[4.0, 1.0, 2.0, 100.0, f64::NAN],
            &[1.0, 1.0, 2.0, 0.0, 5.0],
        )
        .unwrap();
        assert_eq!(z.percentile(0.5), w.percentile(0.5));
        assert_eq!(z.len(), 3);
    }

    #[test]
    fn with_equal_weights_they_are_percentile_inc_exactly() {
        let x: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1009) as f64 * 1.37 - 300.0)
            .collect();
        let ones = vec![1.0; x.len()];
        let w = WeightedSorted::new(&x, &ones).unwrap();
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        for k in 0..=200 {
            let p = k as f64 / 200.0;
            assert_eq!(w.percentile(p), percentile_inc(&sorted, p), "p = {p}");
        }
        for p in [0.1, 0.5, 0.9, 0.123_456] {
            assert_eq!(w.percentile(p), percentile_inc(&sorted, p), "p = {p}");
        }
        // the Excel example: PERCENTILE.INC({1,2,3,4,10}, 0.1) = 1.4
        let e = WeightedSorted::new(&[1.0, 2.0, 3.0, 4.0, 10.0], &[1.0; 5]).unwrap();
        assert!((e.percentile(0.1) - 1.4).abs() < 1e-12);
        assert!((e.percentile(0.9) - 7.6).abs() < 1e-12);
    }

    #[test]
    fn a_percentile_touching_no_payback_reads_beyond() {
        let w = WeightedSorted::new(&[1.0, 2.0, f64::INFINITY], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(w.percentile(0.9), f64::INFINITY);
        assert!((w.percentile(0.25) - 1.5).abs() < 1e-12);
    }

    /// (1 + 1 + 1 + 1)^2 / 4 = 4; (2 + 1 + 1)^2 / (4 + 1 + 1) = 16 / 6;
    /// a single positive weight is one effective draw.
    #[test]
    fn the_effective_sample_size_matches_hand_worked_weights() {
        assert_eq!(ess(&[1.0, 1.0, 1.0, 1.0]), 4.0);
        assert!((ess(&[2.0, 1.0, 1.0]) - 16.0 / 6.0).abs() < 1e-12);
        assert_eq!(ess(&[0.0, 3.0, 0.0]), 1.0);
        assert_eq!(ess(&[0.0, 0.0]), 0.0);
        // scale-free
        assert!((ess(&[20.0, 10.0, 10.0]) - 16.0 / 6.0).abs() < 1e-12);
    }

    /// Values 1, 3 with weights 3, 1: mean (3 + 3) / 4 = 1.5; standard
    /// error sqrt(0.75^2 x 0.5^2 + 0.25^2 x 1.5^2) = sqrt(0.28125).
    #[test]
    fn the_weighted_mean_and_its_standard_error_match_the_formula() {
        let (m, se) = mean_se(&[1.0, 3.0, f64::NAN], &[3.0, 1.0, 7.0]).unwrap();
        assert!((m - 1.5).abs() < 1e-12);
        assert!((se - 0.28125f64.sqrt()).abs() < 1e-12);
        // equal weights: the standard error is the population sd / sqrt(n)
        let (m, se) = mean_se(&[1.0, 2.0, 3.0, 4.0], &[1.0; 4]).unwrap();
        assert_eq!(m, 2.5);
        assert!((se - (1.25f64 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_se(&[1.0], &[0.0]), None);
        let (p, _) = share_se([true, false, false].into_iter(), &[2.0, 1.0, 1.0]);
        assert_eq!(p, 0.5);
    }

    #[test]
    fn weighted_rank_correlation_is_spearman_with_equal_weights() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0];
        // Spearman by hand: d = (-1, 1, -1, 1, 0), 1 - 6 x 4 / (5 x 24) = 0.8
        assert!((spearman(&x, &y, &[1.0; 5]) - 0.8).abs() < 1e-12);
        // weight on the agreeing ends only: a perfect rank agreement
        let r = spearman(&x, &y, &[1.0, 0.0, 0.0, 0.0, 1.0]);
        assert!((r - 1.0).abs() < 1e-12, "{r}");
    }
}
