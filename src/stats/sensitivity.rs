//! What drives the result, from one run's inputs and target values (pure
//! statistics; the pinned reruns live in `crate::sensitivity`).
//!
//! Payback needs care: an iteration with no payback within the horizon is
//! ranked beyond every payback (`+inf`), and payback is summarised by its
//! median (a mean of payback is undefined as soon as one future never pays
//! back).

use rayon::prelude::*;
use serde::Serialize;

use super::correlation::spearman;
use super::percentile_inc;

/// The figure whose drivers are sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Npv,
    Payback,
    Roi,
    PeakFunding,
}

impl Target {
    pub fn label(self) -> &'static str {
        match self {
            Target::Npv => "NPV",
            Target::Payback => "payback (months)",
            Target::Roi => "ROI",
            Target::PeakFunding => "peak funding",
        }
    }

    /// The statistic a tornado bar shows: the median for payback, else the
    /// mean. `None` for a payback median beyond the horizon.
    pub fn statistic(self, values: &[f64]) -> Option<f64> {
        let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        match self {
            Target::Payback => {
                let mut s = v;
                s.sort_by(f64::total_cmp);
                let m = percentile_inc(&s, 0.5);
                m.is_finite().then_some(m)
            }
            _ => Some(v.iter().sum::<f64>() / v.len() as f64),
        }
    }

    /// The statistic's name: "mean NPV", "median payback (months)".
    pub fn statistic_label(self) -> String {
        match self {
            Target::Payback => format!("median {}", self.label()),
            _ => format!("mean {}", self.label()),
        }
    }
}

/// One input's decile bars and rank correlation with the target.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecileBar {
    pub path: String,
    /// The input's value at the edge of its lowest and highest decile.
    pub low_edge: f64,
    pub high_edge: f64,
    /// The target's statistic over the iterations in each decile.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Spearman rank correlation of the input with the target.
    pub spearman: f64,
    /// Squared rank correlation, normalised so all inputs add to 1.
    pub contribution: f64,
}

/// The input rows of the lowest and highest decile by the input's rank.
fn decile_rows(input: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let n = input.len();
    let k = (n / 10).max(1);
    let order = super::order_of(input);
    (order[..k].to_vec(), order[n - k..].to_vec())
}

/// The change-in-output tornado and rank correlations for every input.
/// `inputs[k]` holds input k's draws, `target[i]` the target of iteration
/// i (`+inf` for no payback, `NaN` where undefined, such as ROI with no
/// costs). Bars come sorted by swing, largest first.
pub fn decile_tornado(
    paths: &[String],
    inputs: &[Vec<f64>],
    target: &[f64],
    kind: Target,
) -> Vec<DecileBar> {
    let defined: Vec<usize> = (0..target.len()).filter(|&i| !target[i].is_nan()).collect();
    let t_def: Vec<f64> = defined.iter().map(|&i| target[i]).collect();
    // each input's bar on its own: side by side
    let mut bars: Vec<DecileBar> = paths
        .par_iter()
        .zip(inputs)
        .map(|(path, x)| {
            let (lo_rows, hi_rows) = decile_rows(x);
            let pick = |rows: &[usize]| rows.iter().map(|&i| target[i]).collect::<Vec<f64>>();
            let x_def: Vec<f64> = defined.iter().map(|&i| x[i]).collect();
            DecileBar {
                path: path.clone(),
                low_edge: x[*lo_rows.last().expect("a decile")],
                high_edge: x[hi_rows[0]],
                low: kind.statistic(&pick(&lo_rows)),
                high: kind.statistic(&pick(&hi_rows)),
                spearman: spearman(&x_def, &t_def),
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

/// The width of a bar; a side beyond the horizon counts as infinitely far.
pub fn swing(low: Option<f64>, high: Option<f64>) -> f64 {
    match (low, high) {
        (Some(a), Some(b)) => (b - a).abs(),
        (None, None) => 0.0,
        _ => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payback_statistic_is_a_median_that_can_be_beyond() {
        assert_eq!(Target::Payback.statistic(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(
            Target::Payback.statistic(&[1.0, f64::INFINITY, f64::INFINITY]),
            None
        );
        assert_eq!(Target::Npv.statistic(&[1.0, 2.0, f64::NAN, 6.0]), Some(3.0));
    }

    /// y = 3 a + b with a, b independent uniforms on 0..1: a's deciles
    /// move the mean by 3 x 0.9 = 2.7, b's by 0.9.
    #[test]
    fn a_linear_target_ranks_its_inputs_by_weight() {
        let n = 10_000;
        let a: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % n) as f64 / n as f64)
            .collect();
        let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| 3.0 * a + b).collect();
        let bars = decile_tornado(&["a".into(), "b".into()], &[a, b], &y, Target::Npv);
        assert_eq!(bars[0].path, "a");
        assert!(
            (swing(bars[0].low, bars[0].high) - 2.7).abs() < 0.05,
            "{:?}",
            bars[0]
        );
        assert!(
            (swing(bars[1].low, bars[1].high) - 0.9).abs() < 0.05,
            "{:?}",
            bars[1]
        );
        assert!((bars[0].contribution + bars[1].contribution - 1.0).abs() < 1e-12);
    }
}
