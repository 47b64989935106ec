//! Percentiles as Excel's PERCENTILE.INC and NumPy's default define them:
//! linear interpolation between order statistics at rank `h = (n - 1) p`.

use super::Z95;

/// `PERCENTILE.INC(sorted, p)` of ascending, finite-or-infinite values.
///
/// An interpolation that touches `+inf` (an iteration with no payback within
/// the horizon) gives `+inf`, read as "beyond the horizon".
///
/// # Formula
/// `h = (n - 1) p`, `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
pub fn percentile_inc(sorted: &[f64], p: f64) -> f64 {
    percentile_inc_by(sorted.len(), p, |i| sorted[i])
}

/// [`percentile_inc`] of `n` ascending values read by `at(i)` (the value
/// of rank `i`, 0-based), for values not held as a slice of `f64`.
pub fn percentile_inc_by(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    assert!(n > 0, "percentile of no values");
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let a = at(lo);
    if frac == 0.0 || lo + 1 >= n {
        return a;
    }
    let b = at(lo + 1);
    if a.is_infinite() || b.is_infinite() {
        return f64::INFINITY;
    }
    a + frac * (b - a)
}

/// A percentile with its Monte Carlo uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentile {
    pub p: f64,
    /// `+inf` when it lies beyond the horizon (payback only).
    pub value: f64,
    /// Distribution-free 95% interval from the binomial law of order
    /// statistics: the values at ranks `(n-1)p -/+ 1.96 sqrt(n p (1-p))`.
    pub ci95: (f64, f64),
    /// Standard error read off that interval: its width / (2 x 1.96);
    /// infinite when the interval reaches beyond the horizon.
    pub se: f64,
}

impl Percentile {
    /// The percentile `p` of ascending values, with its interval.
    pub fn of(sorted: &[f64], p: f64) -> Percentile {
        let n = sorted.len();
        let value = percentile_inc(sorted, p);
        let half = Z95 * (n as f64 * p * (1.0 - p)).sqrt();
        let centre = (n - 1) as f64 * p;
        let lo = (centre - half).floor().max(0.0) as usize;
        let hi = ((centre + half).ceil() as usize).min(n - 1);
        let ci95 = (sorted[lo], sorted[hi]);
        let se = (ci95.1 - ci95.0) / (2.0 * Z95);
        Percentile { p, value, ci95, se }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_excel_percentile_inc_on_a_worked_example() {
        // Excel: PERCENTILE.INC({1,2,3,4,10}, 0.1) = 1.4; 0.5 -> 3; 0.9 -> 7.6
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((percentile_inc(&x, 0.1) - 1.4).abs() < 1e-12);
        assert_eq!(percentile_inc(&x, 0.5), 3.0);
        assert!((percentile_inc(&x, 0.9) - 7.6).abs() < 1e-12);
        assert_eq!(percentile_inc(&x, 0.0), 1.0);
        assert_eq!(percentile_inc(&x, 1.0), 10.0);
    }

    #[test]
    fn an_interpolation_touching_no_payback_reads_beyond() {
        let x = [1.0, 2.0, f64::INFINITY, f64::INFINITY];
        // h = 3 * 0.5 = 1.5: between 2 and inf
        assert_eq!(percentile_inc(&x, 0.5), f64::INFINITY);
        // h = 3 * 0.3 = 0.9: between 1 and 2
        assert!((percentile_inc(&x, 0.3) - 1.9).abs() < 1e-12);
    }

    #[test]
    fn the_interval_brackets_the_percentile() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let q = Percentile::of(&x, 0.5);
        assert_eq!(q.value, 499.5);
        // half-width 1.96 * sqrt(250) = 31.0 ranks
        assert_eq!(q.ci95, (468.0, 531.0));
        assert!((q.se - 63.0 / (2.0 * Z95)).abs() < 1e-12);
    }
}
