//! Pure statistics: quantiles, intervals and the monthly-band sketch. No I/O.

pub mod correlation;
pub mod quantile;
pub mod sensitivity;
pub mod sketch;
pub mod sort;

pub use quantile::{percentile_inc, Percentile};
pub use sketch::Sketch;
pub use sort::sort_f64;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Mean and its Monte Carlo standard error `sd / sqrt(n)` of finite values.
pub fn mean_se(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    // Welford's update: stable, and one pass in a fixed order.
    let (mut n, mut mean, mut m2) = (0u64, 0.0, 0.0);
    for v in values {
        n += 1;
        let d = v - mean;
        mean += d / n as f64;
        m2 += d * (v - mean);
    }
    match n {
        0 => None,
        1 => Some((mean, 0.0)),
        _ => Some((mean, (m2 / (n - 1) as f64).sqrt() / (n as f64).sqrt())),
    }
}

/// A share `k / n` and its standard error `sqrt(p (1 - p) / n)`.
pub fn share_se(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let p = k as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}
