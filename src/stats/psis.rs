//! The Pareto k diagnostic of importance weights (Pareto-smoothed
//! importance sampling; Vehtari, Simpson, Gelman, Yao and Gabry, 2024):
//! how heavy the tail of the largest weights is, and so how far the
//! weighted estimates can be trusted. No I/O.
//!
//! The largest `M = ceil(min(0.2 S, 3 sqrt(S)))` of `S` weights, less the
//! next largest, are fitted with a generalized Pareto distribution by the
//! method of Zhang and Stephens (2009) with the weakly informative prior
//! of the R package loo (`gpdfit`), whose sign convention it keeps: `k > 0`
//! is a heavy tail. The usual reading: below 0.5 good, below 0.7 reliable,
//! from 0.7 the estimates may be far off, from 1 the mean does not exist.

/// Threshold below which the estimates are reliable.
pub const RELIABLE: f64 = 0.7;

/// The generalized Pareto fit to a sample: shape `k` and scale `sigma`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpdFit {
    pub k: f64,
    pub sigma: f64,
}

/// Fits a generalized Pareto distribution with location 0 to positive
/// `x` by Zhang and Stephens' profile-likelihood weighted estimate, then
/// pulls `k` towards 0.5 by the weakly informative prior of loo
/// (`k n / (n + 10) + 5 / (n + 10)`). `None` for fewer than 5 values or
/// no spread.
///
/// # Formula
/// `x` ascending, `n` values, `m = 30 + floor(sqrt n)` grid points
/// `theta_j = 1 / x_n + (1 - sqrt(m / (j - 1/2))) / (3 x_q)` with `x_q`
/// the first quartile; profile log-likelihood
/// `l(theta) = n (log(-theta / k(theta)) - k(theta) - 1)`,
/// `k(theta) = mean log(1 - theta x)`; `theta_hat` the mean of the grid
/// weighted by `exp(l)`; `k = mean log(1 - theta_hat x)`,
/// `sigma = -k / theta_hat`.
pub fn gpd_fit(x: &[f64]) -> Option<GpdFit> {
    let mut x: Vec<f64> = x.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len();
    if n < 5 || x[n - 1] <= 0.0 || x[n - 1] == x[0] {
        return None;
    }
    let prior = 3.0;
    let m = 30 + (n as f64).sqrt().floor() as usize;
    let quartile = x[((n as f64) / 4.0 + 0.5).floor() as usize - 1];
    if quartile <= 0.0 {
        // too many equal values at 0 for the grid: spread it from the
        // smallest positive value instead
        let positive = x.iter().copied().find(|v| *v > 0.0)?;
        return fit_on_grid(&x, positive, prior, m);
    }
    fit_on_grid(&x, quartile, prior, m)
}

fn fit_on_grid(x: &[f64], quartile: f64, prior: f64, m: usize) -> Option<GpdFit> {
    let n = x.len() as f64;
    let max = x[x.len() - 1];
    let theta: Vec<f64> = (1..=m)
        .map(|j| 1.0 / max + (1.0 - (m as f64 / (j as f64 - 0.5)).sqrt()) / prior / quartile)
        .collect();
    let profile: Vec<f64> = theta
        .iter()
        .map(|&t| {
            let a = -t;
            let k = x.iter().map(|v| (a * v).ln_1p()).sum::<f64>() / n;
            n * ((a / k).ln() - k - 1.0)
        })
        .collect();
    let top = profile
        .iter()
        .copied()
        .filter(|l| l.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return None;
    }
    let weights: Vec<f64> = profile
        .iter()
        .map(|l| if l.is_finite() { (l - top).exp() } else { 0.0 })
        .collect();
    let total: f64 = weights.iter().sum();
    let theta_hat = theta
        .iter()
        .zip(&weights)
        .map(|(t, w)| t * w / total)
        .sum::<f64>();
    let k = x.iter().map(|v| (-theta_hat * v).ln_1p()).sum::<f64>() / n;
    let sigma = -k / theta_hat;
    // loo's weakly informative prior, centred on 0.5 with weight 10
    let k = k * n / (n + 10.0) + 10.0 * 0.5 / (n + 10.0);
    (k.is_finite() && sigma.is_finite()).then_some(GpdFit { k, sigma })
}

/// How many of `s` weights form the tail: `ceil(min(0.2 s, 3 sqrt(s)))`.
pub fn tail_length(s: usize) -> usize {
    let s = s as f64;
    (0.2 * s).min(3.0 * s.sqrt()).ceil() as usize
}

/// The Pareto k of importance weights given as log-weights (`-inf` for a
/// weight of 0): the generalized Pareto shape of the largest
/// [`tail_length`] weights above the next largest. `None` when the tail
/// has fewer than 5 weights or no spread (then nothing can be said).
pub fn pareto_k(log_weights: &[f64]) -> Option<f64> {
    let s = log_weights.len();
    let tail = tail_length(s);
    if tail < 5 || tail >= s {
        return None;
    }
    let mut sorted: Vec<f64> = log_weights.to_vec();
    sorted.sort_by(f64::total_cmp);
    let max = sorted[s - 1];
    if !max.is_finite() {
        return None;
    }
    let cutoff = (sorted[s - tail - 1] - max).exp();
    let x: Vec<f64> = sorted[s - tail..]
        .iter()
        .map(|l| (l - max).exp() - cutoff)
        .collect();
    gpd_fit(&x).map(|f| f.k)
}

/// The reading of a Pareto k, in words.
pub fn reading(k: Option<f64>) -> &'static str {
    match k {
        None => "too few weights to tell",
        Some(k) if k < 0.5 => "good",
        Some(k) if k < RELIABLE => "reliable",
        Some(k) if k < 1.0 => "unreliable: a few futures carry most of the weight",
        Some(_) => "very unreliable: the weights are too uneven for the figures to settle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Draws from a generalized Pareto distribution by its quantile
    /// function `sigma / k ((1 - u)^-k - 1)`.
    fn gpd_sample(k: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                sigma / k * ((1.0 - u).powf(-k) - 1.0)
            })
            .collect()
    }

    /// On 2,000 draws the estimate's standard error is about
    /// (1 + k) / sqrt(n) = 0.03; within 0.1 over several seeds.
    #[test]
    fn the_fit_recovers_the_shape_of_known_generalized_pareto_samples() {
        for (k, sigma) in [(0.5, 1.0), (0.2, 3.0), (0.8, 0.5)] {
            for seed in 1..=4 {
                let x = gpd_sample(k, sigma, 2000, seed);
                let fit = gpd_fit(&x).unwrap();
                assert!(
                    (fit.k - k).abs() < 0.1,
                    "k = {k}, seed {seed}: estimated {}",
                    fit.k
                );
                assert!(
                    (fit.sigma / sigma - 1.0).abs() < 0.15,
                    "sigma = {sigma}, seed {seed}: estimated {}",
                    fit.sigma
                );
            }
        }
    }

    /// Importance weights whose tail is a known Pareto: weights
    /// `(1 - u)^-k` are Pareto with shape k (heavy tail), light weights
    /// (uniform) give a k far below 0.5. With 200,000 weights the tail
    /// holds 1,342 and the estimate's standard error is about
    /// (1 + k) / sqrt(1342) = 0.05: within three of them.
    #[test]
    fn pareto_k_reads_the_tail_of_importance_weights() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let heavy: Vec<f64> = (0..200_000)
            .map(|_| {
                let u: f64 = rng.random();
                -0.8 * (1.0 - u).ln()
            })
            .collect();
        let k = pareto_k(&heavy).unwrap();
        assert!((k - 0.8).abs() < 0.15, "{k}");
        let light: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>().ln()).collect();
        let k = pareto_k(&light).unwrap();
        assert!(k < 0.0, "{k}");
        assert_eq!(reading(Some(0.3)), "good");
        assert_eq!(pareto_k(&[0.0; 10]), None);
        assert_eq!(tail_length(10_000), 300);
        assert_eq!(tail_length(100), 20);
    }
}
