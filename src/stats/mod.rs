//! Pure statistics: quantiles, intervals and the monthly-band sketch. No I/O.

pub mod correlation;
pub mod ontrack;
pub mod psis;
pub mod quantile;
pub mod sensitivity;
pub mod sketch;
pub mod sort;
pub mod weighted;
pub mod weighted_sketch;

pub use quantile::{percentile_inc, Percentile};
pub use sketch::{BlockSketch, Count, Sketch};
pub use sort::{order_of, sort_f64, sorted_f64};

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

/// The standard error of a mean from the spread between independent
/// blocks (batch means), for designs whose draws are not independent
/// within a block (Latin hypercube, Sobol) but are between blocks.
///
/// `values` are in iteration order, cut into blocks of `block`; `keep`
/// maps each to the quantity averaged, or `None` to leave it out. With
/// block means `m_b` over `n_b` values and the overall mean `m` over `N`:
/// `se = sqrt(sum n_b (m_b - m)^2 / ((B - 1) N))`, which for equal blocks
/// is the standard deviation of the block means over `sqrt(B)`. `None`
/// with fewer than two blocks holding values.
pub fn batch_se(values: &[f64], block: usize, keep: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    let blocks: Vec<(f64, f64)> = values
        .chunks(block)
        .filter_map(|chunk| {
            let (mut sum, mut n) = (0.0, 0.0);
            for v in chunk.iter().filter_map(|v| keep(*v)) {
                sum += v;
                n += 1.0;
            }
            (n > 0.0).then(|| (sum / n, n))
        })
        .collect();
    if blocks.len() < 2 {
        return None;
    }
    let total: f64 = blocks.iter().map(|(_, n)| n).sum();
    let mean = blocks.iter().map(|(m, n)| m * n).sum::<f64>() / total;
    let spread: f64 = blocks.iter().map(|(m, n)| n * (m - mean).powi(2)).sum();
    Some((spread / ((blocks.len() - 1) as f64 * total)).sqrt())
}

/// A share `k / n` and its standard error `sqrt(p (1 - p) / n)`.
pub fn share_se(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let p = k as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: blocks [1, 1] and [3, 3] have means 1 and 3, whose
    /// standard deviation sqrt(2) over sqrt(2 blocks) is 1.
    #[test]
    fn batch_se_is_the_spread_of_block_means() {
        assert_eq!(batch_se(&[1.0, 1.0, 3.0, 3.0], 2, Some), Some(1.0));
        // unequal blocks [1, 1, 1] and [4]: mean 1.75,
        // sqrt((3 * 0.75^2 + 1 * 2.25^2) / (1 * 4)) = sqrt(1.6875)
        let se = batch_se(&[1.0, 1.0, 1.0, 4.0], 3, Some).unwrap();
        assert!((se - 1.6875f64.sqrt()).abs() < 1e-15);
        // left-out values do not count: blocks [1] and [3, 3], mean 7/3,
        // sqrt((1 * (4/3)^2 + 2 * (2/3)^2) / (1 * 3)) = sqrt(8/9); one
        // block is not enough
        let keep = |v: f64| (!v.is_nan()).then_some(v);
        let se = batch_se(&[1.0, f64::NAN, 3.0, 3.0], 2, keep).unwrap();
        assert!((se - (8.0f64 / 9.0).sqrt()).abs() < 1e-15);
        assert_eq!(batch_se(&[1.0, 2.0, 3.0], 4, Some), None);
        assert_eq!(batch_se(&[1.0, 2.0, f64::NAN, f64::NAN], 2, keep), None);
    }
}
