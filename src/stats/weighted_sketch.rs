//! The log-linear histogram of [`super::sketch`] with a weight per value,
//! for the conditioned month-by-month bands (MODEL.md 8 allows a
//! documented approximation there).
//!
//! Each bucket holds the sum of its values' weights. A percentile `p` is
//! read at the bucket where the weight below it first passes `p` of the
//! total weight (no interpolation between buckets): within the bucket's
//! half-width (0.78%) of the exact weighted percentile, plus the gap to the
//! next value when one iteration carries a large share of the weight.
//!
//! Weights are relative to a reference log-weight that the owner moves up
//! as larger ones arrive ([`WeightedSketch::scale`]); everything is added
//! in one fixed order (iteration order within a block, blocks in order),
//! so the bytes do not depend on the thread count.

use super::sketch::{key, midpoint, TINY};

#[derive(Debug, Clone, Default, PartialEq)]
struct Buckets {
    offset: u32,
    weights: Vec<f64>,
}

impl Buckets {
    fn add(&mut self, key: u32, w: f64) {
        if self.weights.is_empty() {
            self.offset = key;
            self.weights.push(w);
            return;
        }
        if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.weights.splice(0..0, std::iter::repeat_n(0.0, grow));
            self.offset = key;
        }
        let i = (key - self.offset) as usize;
        if i >= self.weights.len() {
            self.weights.resize(i + 1, 0.0);
        }
        self.weights[i] += w;
    }

    fn merge(&mut self, other: &Buckets, factor: f64) {
        for (i, &w) in other.weights.iter().enumerate() {
            if w > 0.0 {
                self.add(other.offset + i as u32, w * factor);
            }
        }
    }

    fn scale(&mut self, factor: f64) {
        self.weights.iter_mut().for_each(|w| *w *= factor);
    }
}

/// Weights of values in log-linear buckets, for approximate weighted
/// percentiles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeightedSketch {
    pos: Buckets,
    neg: Buckets,
    zeros: f64,
    total: f64,
}

impl WeightedSketch {
    /// Adds finite `x` with weight `w > 0`.
    #[inline]
    pub fn insert(&mut self, x: f64, w: f64) {
        self.total += w;
        if x.abs() < TINY {
            self.zeros += w;
        } else if x > 0.0 {
            self.pos.add(key(x), w);
        } else {
            self.neg.add(key(-x), w);
        }
    }

    /// Multiplies every weight by `factor`.
    pub fn scale(&mut self, factor: f64) {
        self.total *= factor;
        self.zeros *= factor;
        self.pos.scale(factor);
        self.neg.scale(factor);
    }

    /// Adds another sketch's weights, each times `factor`.
    pub fn merge(&mut self, other: &WeightedSketch, factor: f64) {
        self.total += other.total * factor;
        self.zeros += other.zeros * factor;
        self.pos.merge(&other.pos, factor);
        self.neg.merge(&other.neg, factor);
    }

    /// The sum of the weights.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The weighted percentile `p` to within the buckets' precision:
    /// the value of the bucket where the weight below it first passes
    /// `p` of the total. `NaN` with no weight.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.total <= 0.0 {
            return f64::NAN;
        }
        let target = p.clamp(0.0, 1.0) * self.total;
        let mut seen = 0.0;
        let mut last = f64::NAN;
        for (i, &w) in self.neg.weights.iter().enumerate().rev() {
            if w > 0.0 {
                seen += w;
                last = -midpoint(self.neg.offset + i as u32);
                if seen >= target {
                    return last;
                }
            }
        }
        if self.zeros > 0.0 {
            seen += self.zeros;
            last = 0.0;
            if seen >= target {
                return last;
            }
        }
        for (i, &w) in self.pos.weights.iter().enumerate() {
            if w > 0.0 {
                seen += w;
                last = midpoint(self.pos.offset + i as u32);
                if seen >= target {
                    return last;
                }
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::weighted::WeightedSorted;

    /// Against the exact weighted percentile: within the bucket error plus
    /// one value's weight of position.
    #[test]
    fn weighted_sketch_quantiles_are_close_to_the_exact_weighted_percentile() {
        let n = 20_000;
        let values: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 10_007) as f64 - 3000.0)
            .collect();
        let weights: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
        let mut s = WeightedSketch::default();
        for (x, w) in values.iter().zip(&weights) {
            s.insert(*x, *w);
        }
        let exact = WeightedSorted::new(&values, &weights).unwrap();
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let e = exact.percentile(p);
            let got = s.quantile(p);
            assert!(
                (got - e).abs() <= e.abs() / 128.0 + 2.0,
                "p = {p}: {got} vs {e}"
            );
        }
    }

    #[test]
    fn scaling_then_merging_equals_inserting_with_the_scaled_weights() {
        let (mut a, mut b) = (WeightedSketch::default(), WeightedSketch::default());
        for i in 0..100 {
            a.insert(i as f64, 2.0);
            b.insert(-(i as f64), 1.0);
        }
        let mut merged = a.clone();
        merged.scale(0.5);
        merged.merge(&b, 1.0);
        assert_eq!(merged.total(), 200.0);
        // 99 negatives below, then two zeros: the 100th unit of weight is 0
        assert_eq!(merged.quantile(0.5), 0.0);
        // the 50th unit of weight is -50
        assert!((merged.quantile(0.25) + 50.0).abs() <= 50.0 / 128.0);
    }
}
