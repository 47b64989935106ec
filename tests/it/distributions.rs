//! Statistical tests of `gatecast::dist` against MODEL.md section 2.
//!
//! Every continuous check is a one-sample Kolmogorov-Smirnov test of
//! `Dist::sample` against the exact CDF computed *independently* with statrs
//! (never with `Dist::cdf`), every discrete check is a chi-square goodness of
//! fit against the written weights, and quantiles are compared with statrs's
//! inverse CDFs. A self-test shows the KS criterion rejects a wrong
//! distribution, so a pass here means something.
//!
//! Run `cargo test --test distributions -- --nocapture` to see every D
//! statistic next to its critical value.

use gatecast::dist::{Dist, Shape};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{
    Beta, ChiSquared, ContinuousCDF, LogNormal, Normal, Triangular, Uniform,
};

/// Draws per KS / chi-square test.
const N: usize = 20_000;

/// The base seed of the statistical tests; each test adds its own offset so
/// that no two tests share a stream (with one stream, every inverse-CDF
/// sampler would show the same D). The tests are deterministic.
const SEED: u64 = 20_240_917;

/// z with Phi(z) = 0.9, written out independently of `gatecast::dist::Z90`.
const Z90: f64 = 1.281_551_565_544_600_4;

/// KS critical value for a one-sample test at alpha = 0.001.
///
/// The asymptotic (Kolmogorov) distribution of sqrt(n) * D_n gives
/// P(sqrt(n) D_n > K) ~= 2 exp(-2 K^2), so K_alpha = sqrt(ln(2 / alpha) / 2)
/// = sqrt(ln(2000) / 2) = 1.9495 for alpha = 0.001, rounded to 1.95. With
/// n = 20,000 the asymptotic value is accurate to far better than the
/// rounding, and the critical value is 1.95 / sqrt(20000) = 0.01379. A
/// correct sampler fails one such test once in a thousand seeds; at a fixed
/// seed the result is deterministic.
fn ks_critical(n: usize) -> f64 {
    1.95 / (n as f64).sqrt()
}

/// Chi-square upper critical values at alpha = 0.001, indexed by degrees of
/// freedom (index 0 unused). Source: NIST/SEMATECH e-Handbook of Statistical
/// Methods, section 1.3.6.7.4 "Critical Values of the Chi-Square
/// Distribution", column 0.001 (upper tail). Checked against statrs's
/// chi-square CDF in `chi_square_critical_values_match_their_source`.
const CHI2_CRIT_0001: [f64; 6] = [f64::NAN, 10.828, 13.816, 16.266, 18.467, 20.515];

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn draw(d: &Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n).map(|_| d.sample(&mut r)).collect()
}

/// The one-sample KS statistic D = sup_x |F_n(x) - F(x)|.
///
/// The empirical CDF is a step function, so the supremum is reached at a
/// sample point, on one side of its step or the other: with the samples
/// sorted, x_(1) <= ... <= x_(n), D = max_i max(i/n - F(x_(i)),
/// F(x_(i)) - (i-1)/n). Ties are handled by the same formula (the step at a
/// repeated value is the sum of its small steps, and the maximum over them
/// is the same).
fn ks_statistic(samples: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut xs = samples.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    xs.iter().enumerate().fold(0.0_f64, |d, (i, &x)| {
        let f = cdf(x);
        let above = (i + 1) as f64 / n - f; // F_n just at (after) the step
        let below = f - i as f64 / n; // F_n just before the step
        d.max(above).max(below)
    })
}

/// Asserts the samples pass KS at alpha = 0.001 against `cdf`; prints D.
fn assert_ks_passes(name: &str, samples: &[f64], cdf: impl Fn(f64) -> f64) {
    let d = ks_statistic(samples, cdf);
    let crit = ks_critical(samples.len());
    println!("KS {name}: D = {d:.5}, critical = {crit:.5}");
    assert!(
        d < crit,
        "{name}: KS statistic D = {d:.5} >= critical value {crit:.5} (alpha 0.001, n = {})",
        samples.len()
    );
}

/// The exact CDF of `F` truncated to [a, b]: (F(x) - F(a)) / (F(b) - F(a)).
fn truncated(f: impl Fn(f64) -> f64, a: f64, b: f64) -> impl Fn(f64) -> f64 {
    let (fa, fb) = (f(a), f(b));
    move |x| {
        if x < a {
            0.0
        } else if x >= b {
            1.0
        } else {
            (f(x) - fa) / (fb - fa)
        }
    }
}

/// A statrs distribution on a scaled support as a plain CDF.
fn scaled_beta_cdf(alpha: f64, beta: f64, lo: f64, hi: f64) -> impl Fn(f64) -> f64 {
    let b = Beta::new(alpha, beta).unwrap();
    move |x| {
        let y = (x - lo) / (hi - lo);
        if y <= 0.0 {
            0.0
        } else if y >= 1.0 {
            1.0
        } else {
            b.cdf(y)
        }
    }
}

/// The Beta parameters of PERT, as MODEL.md (and the PERT literature) define them.
fn pert_alpha_beta(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
    (
        1.0 + lambda * (mode - min) / (max - min),
        1.0 + lambda * (max - mode) / (max - min),
    )
}

fn pert_cdf(min: f64, mode: f64, max: f64, lambda: f64) -> impl Fn(f64) -> f64 {
    let (a, b) = pert_alpha_beta(min, mode, max, lambda);
    scaled_beta_cdf(a, b, min, max)
}

fn lognormal_statrs(p10: f64, p90: f64) -> LogNormal {
    let mu = (p10.ln() + p90.ln()) / 2.0;
    let sigma = (p90.ln() - p10.ln()) / (2.0 * Z90);
    LogNormal::new(mu, sigma).unwrap()
}

fn cdf_of<D: ContinuousCDF<f64, f64>>(d: D) -> impl Fn(f64) -> f64 {
    move |x| d.cdf(x)
}

fn pert(min: f64, mode: f64, max: f64, lambda: f64) -> Shape {
    Shape::Pert {
        min,
        mode,
        max,
        lambda,
    }
}

/// Asserts every sample lies in [a, b] and none sits exactly on a bound:
/// truncation conditions the distribution, it never clamps (a clamp would
/// pile the cut-off mass on the bound).
fn assert_within_and_not_clamped(name: &str, samples: &[f64], a: f64, b: f64) {
    let outside = samples.iter().filter(|x| **x < a || **x > b).count();
    assert_eq!(outside, 0, "{name}: {outside} samples outside [{a}, {b}]");
    let on_bound = samples.iter().filter(|x| **x == a || **x == b).count();
    assert_eq!(
        on_bound, 0,
        "{name}: {on_bound} samples exactly on a bound of [{a}, {b}]: clamped, not truncated"
    );
}

// ---------------------------------------------------------------------------
// 0. The KS helper itself
// ---------------------------------------------------------------------------

#[test]
fn ks_statistic_matches_a_hand_computed_value() {
    // One point at 0.5 against U(0, 1): the step goes 0 -> 1 at F = 0.5.
    assert!((ks_statistic(&[0.5], |x| x) - 0.5).abs() < 1e-15);
    // {0.1, 0.2, 0.9} against U(0, 1): steps at 1/3, 2/3, 1.
    // above: 1/3-0.1, 2/3-0.2, 1-0.9 -> max 0.4667; below: 0.1, 0.2-1/3, 0.9-2/3 = 0.2333.
    let d = ks_statistic(&[0.9, 0.1, 0.2], |x| x);
    assert!((d - (2.0 / 3.0 - 0.2)).abs() < 1e-12, "D = {d}");
    // {0.8, 0.9} against U(0, 1): the largest gap is just below the first step: 0.8 - 0.
    let d = ks_statistic(&[0.8, 0.9], |x| x);
    assert!((d - 0.8).abs() < 1e-12, "D = {d}");
}

#[test]
fn ks_test_rejects_pert_samples_against_a_uniform_cdf() {
    // pert [0, 1, 2] drawn, uniform [0, 2] claimed: the test must fail.
    let d = Dist::new(pert(0.0, 1.0, 2.0, 4.0), None, None).unwrap();
    let xs = draw(&d, N, SEED + 1);
    let stat = ks_statistic(&xs, cdf_of(Uniform::new(0.0, 2.0).unwrap()));
    let crit = ks_critical(N);
    println!("KS self-test pert[0,1,2] vs uniform[0,2]: D = {stat:.5}, critical = {crit:.5}");
    assert!(stat >= crit, "a wrong CDF passed: D = {stat} < {crit}");
}

#[test]
fn ks_test_rejects_a_pert_with_the_wrong_lambda() {
    // A subtler error: lambda 4 drawn, lambda 3 claimed. Still rejected at n = 20,000.
    let d = Dist::new(pert(0.0, 1.0, 2.0, 4.0), None, None).unwrap();
    let xs = draw(&d, N, SEED + 2);
    let stat = ks_statistic(&xs, pert_cdf(0.0, 1.0, 2.0, 3.0));
    let crit = ks_critical(N);
    println!("KS self-test pert lambda 4 vs lambda 3: D = {stat:.5}, critical = {crit:.5}");
    assert!(stat >= crit, "a wrong lambda passed: D = {stat} < {crit}");
}

#[test]
fn ks_test_rejects_clamping_instead_of_truncation() {
    // What a clamped normal(0, 1) at min 0 looks like, against the truncated CDF.
    let d = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, None, None).unwrap();
    let xs: Vec<f64> = draw(&d, N, SEED + 3)
        .into_iter()
        .map(|x| x.max(0.0))
        .collect();
    let n = Normal::new(0.0, 1.0).unwrap();
    let stat = ks_statistic(&xs, truncated(move |x| n.cdf(x), 0.0, f64::INFINITY));
    assert!(stat >= ks_critical(N), "clamping passed: D = {stat}");
}

// ---------------------------------------------------------------------------
// 1. Untruncated shapes: KS against statrs
// ---------------------------------------------------------------------------

#[test]
fn uniform_samples_follow_the_uniform_cdf() {
    let d = Dist::new(Shape::Uniform { lo: 2.0, hi: 5.0 }, None, None).unwrap();
    let xs = draw(&d, N, SEED + 4);
    assert_ks_passes(
        "uniform [2, 5]",
        &xs,
        cdf_of(Uniform::new(2.0, 5.0).unwrap()),
    );
}

#[test]
fn triangular_samples_follow_the_triangular_cdf() {
    let d = Dist::new(
        Shape::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        },
        None,
        None,
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 5);
    // statrs argument order: (min, max, mode)
    assert_ks_passes(
        "triangular [1, 2, 4]",
        &xs,
        cdf_of(Triangular::new(1.0, 4.0, 2.0).unwrap()),
    );
}

#[test]
fn triangular_with_the_mode_at_either_end_follows_its_cdf() {
    // mode == min once made the CDF 0/0 = NaN at min, and every draw NaN.
    for (mode, seed) in [(0.0, 31), (3.0, 32)] {
        let d = Dist::new(
            Shape::Triangular {
                min: 0.0,
                mode,
                max: 3.0,
            },
            None,
            None,
        )
        .unwrap();
        let xs = draw(&d, N, SEED + seed);
        assert_ks_passes(
            &format!("triangular [0, {mode}, 3]"),
            &xs,
            cdf_of(Triangular::new(0.0, 3.0, mode).unwrap()),
        );
        let t = Triangular::new(0.0, 3.0, mode).unwrap();
        assert_quantiles(&format!("triangular [0, {mode}, 3]"), &d, |p| {
            t.inverse_cdf(p)
        });
    }
}

#[test]
fn triangular_with_the_mode_at_min_truncated_follows_the_conditioned_cdf() {
    let t = Triangular::new(0.0, 3.0, 0.0).unwrap();
    let tri = Shape::Triangular {
        min: 0.0,
        mode: 0.0,
        max: 3.0,
    };
    for (a, b, seed) in [(0.0, 1.0, 33), (0.5, 3.0, 34)] {
        let d = Dist::new(tri.clone(), Some(a), Some(b)).unwrap();
        let xs = draw(&d, N, SEED + seed);
        assert_within_and_not_clamped("triangular [0, 0, 3] truncated", &xs, a, b);
        assert_ks_passes(
            &format!("triangular [0, 0, 3] in [{a}, {b}]"),
            &xs,
            truncated(move |x| t.cdf(x), a, b),
        );
    }
}

#[test]
fn pert_with_the_mode_at_an_end_follows_its_beta_cdf() {
    for (mode, seed) in [(2.0, 35), (7.0, 36)] {
        let d = Dist::new(pert(2.0, mode, 7.0, 4.0), None, None).unwrap();
        let xs = draw(&d, N, SEED + seed);
        assert_ks_passes(
            &format!("pert [2, {mode}, 7]"),
            &xs,
            pert_cdf(2.0, mode, 7.0, 4.0),
        );
    }
}

#[test]
fn pert_with_the_default_lambda_follows_its_beta_cdf() {
    let d = Dist::new(pert(2.0, 3.0, 7.0, 4.0), None, None).unwrap();
    let xs = draw(&d, N, SEED + 7);
    assert_ks_passes("pert [2, 3, 7]", &xs, pert_cdf(2.0, 3.0, 7.0, 4.0));
}

#[test]
fn pert_with_another_lambda_follows_its_beta_cdf() {
    for lambda in [1.5, 9.0] {
        let d = Dist::new(pert(2.0, 3.0, 7.0, lambda), None, None).unwrap();
        let xs = draw(&d, N, SEED + 100 + lambda as u64);
        assert_ks_passes(
            &format!("pert [2, 3, 7] lambda {lambda}"),
            &xs,
            pert_cdf(2.0, 3.0, 7.0, lambda),
        );
    }
}

#[test]
fn normal_samples_follow_the_normal_cdf() {
    let d = Dist::new(
        Shape::Normal {
            mean: 10.0,
            sd: 2.0,
        },
        None,
        None,
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 8);
    assert_ks_passes(
        "normal (10, 2)",
        &xs,
        cdf_of(Normal::new(10.0, 2.0).unwrap()),
    );
}

#[test]
fn lognormal_samples_follow_the_lognormal_with_the_written_p10_and_p90() {
    let d = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, None).unwrap();
    let xs = draw(&d, N, SEED + 9);
    assert_ks_passes(
        "lognormal p10 1, p90 1.6",
        &xs,
        cdf_of(lognormal_statrs(1.0, 1.6)),
    );
}

#[test]
fn beta_samples_follow_the_beta_cdf() {
    for (a, b) in [(2.0, 5.0), (0.5, 0.5)] {
        let d = Dist::new(Shape::Beta { a, b }, None, None).unwrap();
        let xs = draw(&d, N, SEED + 10);
        assert_ks_passes(
            &format!("beta ({a}, {b})"),
            &xs,
            cdf_of(Beta::new(a, b).unwrap()),
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Truncated shapes: KS against the exact truncated CDF, no clamping
// ---------------------------------------------------------------------------

#[test]
fn normal_truncated_at_min_only_follows_the_conditioned_cdf() {
    let d = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, Some(-0.5), None).unwrap();
    let xs = draw(&d, N, SEED + 11);
    let n = Normal::new(0.0, 1.0).unwrap();
    assert_within_and_not_clamped("normal min -0.5", &xs, -0.5, f64::INFINITY);
    assert_ks_passes(
        "normal (0, 1) min -0.5",
        &xs,
        truncated(move |x| n.cdf(x), -0.5, f64::INFINITY),
    );
}

#[test]
fn normal_truncated_far_in_its_tail_follows_the_conditioned_cdf() {
    // min 2 sd above the mean: only 2.3% of the mass is kept.
    let d = Dist::new(Shape::Normal { mean: 5.0, sd: 1.0 }, Some(7.0), None).unwrap();
    let xs = draw(&d, N, SEED + 12);
    let n = Normal::new(5.0, 1.0).unwrap();
    assert_within_and_not_clamped("normal min +2sd", &xs, 7.0, f64::INFINITY);
    assert_ks_passes(
        "normal (5, 1) min 7",
        &xs,
        truncated(move |x| n.cdf(x), 7.0, f64::INFINITY),
    );
}

#[test]
fn lognormal_truncated_at_max_follows_the_conditioned_cdf() {
    let d = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, Some(1.3)).unwrap();
    let xs = draw(&d, N, SEED + 13);
    let ln = lognormal_statrs(1.0, 1.6);
    assert_within_and_not_clamped("lognormal max 1.3", &xs, 0.0, 1.3);
    assert_ks_passes(
        "lognormal p10 1, p90 1.6, max 1.3",
        &xs,
        truncated(move |x| if x <= 0.0 { 0.0 } else { ln.cdf(x) }, 0.0, 1.3),
    );
}

#[test]
fn pert_truncated_to_a_narrow_window_follows_the_conditioned_cdf() {
    // pert [0, 1, 10] = 10 * Beta(1.4, 4.6); [5, 7] keeps well under 25% of
    // the mass, so dist.rs samples it by inverse CDF.
    let (a, b) = (5.0, 7.0);
    let f = pert_cdf(0.0, 1.0, 10.0, 4.0);
    let mass = f(b) - f(a);
    assert!(
        mass < 0.25,
        "window mass {mass} should select the inverse-CDF path"
    );
    let d = Dist::new(pert(0.0, 1.0, 10.0, 4.0), Some(a), Some(b)).unwrap();
    let xs = draw(&d, N, SEED + 14);
    assert_within_and_not_clamped("pert narrow", &xs, a, b);
    println!("pert narrow window mass = {mass:.4}");
    assert_ks_passes("pert [0, 1, 10] in [5, 7]", &xs, truncated(f, a, b));
}

#[test]
fn pert_truncated_to_a_wide_window_follows_the_conditioned_cdf() {
    // [0.5, 4] keeps more than 25% of the mass: the rejection path.
    let (a, b) = (0.5, 4.0);
    let f = pert_cdf(0.0, 1.0, 10.0, 4.0);
    let mass = f(b) - f(a);
    assert!(
        mass >= 0.25,
        "window mass {mass} should select the rejection path"
    );
    let d = Dist::new(pert(0.0, 1.0, 10.0, 4.0), Some(a), Some(b)).unwrap();
    let xs = draw(&d, N, SEED + 15);
    assert_within_and_not_clamped("pert wide", &xs, a, b);
    println!("pert wide window mass = {mass:.4}");
    assert_ks_passes("pert [0, 1, 10] in [0.5, 4]", &xs, truncated(f, a, b));
}

#[test]
fn pert_truncated_on_one_side_with_another_lambda_follows_the_conditioned_cdf() {
    let a = 3.5;
    let f = pert_cdf(2.0, 3.0, 7.0, 2.0);
    let d = Dist::new(pert(2.0, 3.0, 7.0, 2.0), Some(a), None).unwrap();
    let xs = draw(&d, N, SEED + 16);
    assert_within_and_not_clamped("pert lambda 2 min 3.5", &xs, a, 7.0);
    assert_ks_passes(
        "pert [2, 3, 7] lambda 2, min 3.5",
        &xs,
        truncated(f, a, 7.0),
    );
}

#[test]
fn beta_truncated_to_its_tail_follows_the_conditioned_cdf() {
    // beta (2, 5) above 0.6 keeps about 4% of the mass: inverse-CDF path.
    let be = Beta::new(2.0, 5.0).unwrap();
    let d = Dist::new(Shape::Beta { a: 2.0, b: 5.0 }, Some(0.6), None).unwrap();
    let xs = draw(&d, N, SEED + 17);
    assert_within_and_not_clamped("beta min 0.6", &xs, 0.6, 1.0);
    assert_ks_passes(
        "beta (2, 5) min 0.6",
        &xs,
        truncated(move |x| be.cdf(x), 0.6, 1.0),
    );
}

#[test]
fn triangular_truncated_on_both_sides_follows_the_conditioned_cdf() {
    let (a, b) = (1.5, 3.0);
    let t = Triangular::new(1.0, 4.0, 2.0).unwrap();
    let d = Dist::new(
        Shape::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        },
        Some(a),
        Some(b),
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 18);
    assert_within_and_not_clamped("triangular truncated", &xs, a, b);
    assert_ks_passes(
        "triangular [1, 2, 4] in [1.5, 3]",
        &xs,
        truncated(move |x| t.cdf(x), a, b),
    );
}

#[test]
fn uniform_truncated_on_both_sides_follows_the_conditioned_cdf() {
    let (a, b) = (3.0, 4.5);
    let u = Uniform::new(2.0, 5.0).unwrap();
    let d = Dist::new(Shape::Uniform { lo: 2.0, hi: 5.0 }, Some(a), Some(b)).unwrap();
    let xs = draw(&d, N, SEED + 19);
    assert_within_and_not_clamped("uniform truncated", &xs, a, b);
    assert_ks_passes(
        "uniform [2, 5] in [3, 4.5]",
        &xs,
        truncated(move |x| u.cdf(x), a, b),
    );
}

#[test]
fn bounds_outside_the_support_change_nothing() {
    // min/max wider than the support: the plain distribution.
    let d = Dist::new(pert(2.0, 3.0, 7.0, 4.0), Some(-10.0), Some(100.0)).unwrap();
    assert_eq!(d.range(), (2.0, 7.0));
    let xs = draw(&d, N, SEED + 20);
    assert_ks_passes(
        "pert [2, 3, 7] in [-10, 100]",
        &xs,
        pert_cdf(2.0, 3.0, 7.0, 4.0),
    );
}

// ---------------------------------------------------------------------------
// 3. Discrete: chi-square goodness of fit
// ---------------------------------------------------------------------------

#[test]
fn chi_square_critical_values_match_their_source() {
    for (df, crit) in CHI2_CRIT_0001.iter().enumerate().skip(1) {
        let upper = 1.0 - ChiSquared::new(df as f64).unwrap().cdf(*crit);
        assert!(
            (upper - 0.001).abs() < 2e-6,
            "df {df}: P(X > {crit}) = {upper}, expected 0.001"
        );
    }
}

/// Chi-square statistic of the drawn values against expected probabilities.
/// Panics if any sample is not one of `values`.
fn chi_square(samples: &[f64], values: &[f64], probs: &[f64]) -> f64 {
    let mut counts = vec![0usize; values.len()];
    for x in samples {
        let i = values
            .iter()
            .position(|v| v == x)
            .unwrap_or_else(|| panic!("drew {x}, not one of the allowed values {values:?}"));
        counts[i] += 1;
    }
    let n = samples.len() as f64;
    counts
        .iter()
        .zip(probs)
        .map(|(&o, &p)| {
            let e = n * p;
            (o as f64 - e).powi(2) / e
        })
        .sum()
}

#[test]
fn discrete_samples_match_their_weights() {
    // Unsorted values and a zero-weight value that must never be drawn.
    let values = vec![5.0, 1.0, 3.0, 2.0, 8.0, 13.0];
    let weights = vec![2.0, 1.0, 3.0, 2.0, 1.5, 0.0];
    let d = Dist::new(
        Shape::Discrete {
            values: values.clone(),
            weights: weights.clone(),
        },
        None,
        None,
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 21);
    // Categories: the five values with positive weight.
    let total: f64 = weights.iter().sum();
    let allowed = &values[..5];
    let probs: Vec<f64> = weights[..5].iter().map(|w| w / total).collect();
    let stat = chi_square(&xs, allowed, &probs);
    let df = allowed.len() - 1;
    let crit = CHI2_CRIT_0001[df];
    println!("chi-square discrete: X2 = {stat:.3}, df = {df}, critical = {crit}");
    assert!(stat < crit, "chi-square {stat} >= {crit} (df {df})");
}

#[test]
fn truncated_discrete_samples_match_the_renormalised_weights() {
    let values = vec![5.0, 1.0, 3.0, 2.0, 8.0];
    let weights = vec![2.0, 1.0, 3.0, 2.0, 1.5];
    // [2, 5] keeps 5, 3, 2 (bounds inclusive) and drops 1 and 8.
    let d = Dist::new(
        Shape::Discrete {
            values: values.clone(),
            weights: weights.clone(),
        },
        Some(2.0),
        Some(5.0),
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 22);
    let allowed = [5.0, 3.0, 2.0];
    let kept = [2.0, 3.0, 2.0];
    let total: f64 = kept.iter().sum();
    let probs: Vec<f64> = kept.iter().map(|w| w / total).collect();
    let stat = chi_square(&xs, &allowed, &probs);
    let df = allowed.len() - 1;
    let crit = CHI2_CRIT_0001[df];
    println!("chi-square truncated discrete: X2 = {stat:.3}, df = {df}, critical = {crit}");
    assert!(stat < crit, "chi-square {stat} >= {crit} (df {df})");
}

#[test]
fn chi_square_test_rejects_the_wrong_weights() {
    // Self-test: the weights 2:3:2 drawn, equal weights claimed.
    let d = Dist::new(
        Shape::Discrete {
            values: vec![2.0, 3.0, 5.0],
            weights: vec![2.0, 3.0, 2.0],
        },
        None,
        None,
    )
    .unwrap();
    let xs = draw(&d, N, SEED + 23);
    let stat = chi_square(&xs, &[2.0, 3.0, 5.0], &[1.0 / 3.0; 3]);
    assert!(stat >= CHI2_CRIT_0001[2], "wrong weights passed: {stat}");
}

#[test]
fn discrete_quantiles_follow_the_renormalised_weights() {
    let d = Dist::new(
        Shape::Discrete {
            values: vec![5.0, 1.0, 3.0, 2.0, 8.0],
            weights: vec![2.0, 1.0, 3.0, 2.0, 1.5],
        },
        Some(2.0),
        Some(5.0),
    )
    .unwrap();
    // kept 2:3:2 on values 2, 3, 5 -> cumulative 2/7, 5/7, 1
    assert_eq!(d.quantile(0.1), 2.0);
    assert_eq!(d.quantile(0.5), 3.0);
    assert_eq!(d.quantile(0.9), 5.0);
}

// ---------------------------------------------------------------------------
// 4. Quantiles against statrs's inverse CDFs
// ---------------------------------------------------------------------------

const PS: [f64; 3] = [0.1, 0.5, 0.9];

fn assert_rel_close(name: &str, p: f64, got: f64, want: f64) {
    let tol = 1e-6 * want.abs();
    assert!(
        (got - want).abs() <= tol,
        "{name}: quantile({p}) = {got}, statrs says {want} (tolerance {tol})"
    );
}

/// Checks `d.quantile(p)` for p in PS against `inv` (an independent inverse CDF).
fn assert_quantiles(name: &str, d: &Dist, inv: impl Fn(f64) -> f64) {
    for p in PS {
        assert_rel_close(name, p, d.quantile(p), inv(p));
    }
}

/// The independent inverse CDF of `F` truncated to [a, b].
fn truncated_inv<D: ContinuousCDF<f64, f64>>(d: D, a: f64, b: f64) -> impl Fn(f64) -> f64 {
    let (fa, fb) = (d.cdf(a), d.cdf(b));
    move |p| d.inverse_cdf(fa + p * (fb - fa))
}

#[test]
fn quantiles_of_plain_shapes_match_statrs() {
    let u = Uniform::new(2.0, 5.0).unwrap();
    let d = Dist::new(Shape::Uniform { lo: 2.0, hi: 5.0 }, None, None).unwrap();
    assert_quantiles("uniform", &d, |p| u.inverse_cdf(p));

    let t = Triangular::new(1.0, 4.0, 2.0).unwrap();
    let d = Dist::new(
        Shape::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        },
        None,
        None,
    )
    .unwrap();
    assert_quantiles("triangular", &d, |p| t.inverse_cdf(p));

    for lambda in [4.0, 1.5, 9.0] {
        let (a, b) = pert_alpha_beta(2.0, 3.0, 7.0, lambda);
        let be = Beta::new(a, b).unwrap();
        let d = Dist::new(pert(2.0, 3.0, 7.0, lambda), None, None).unwrap();
        assert_quantiles(&format!("pert lambda {lambda}"), &d, |p| {
            2.0 + 5.0 * be.inverse_cdf(p)
        });
    }

    let n = Normal::new(10.0, 2.0).unwrap();
    let d = Dist::new(
        Shape::Normal {
            mean: 10.0,
            sd: 2.0,
        },
        None,
        None,
    )
    .unwrap();
    assert_quantiles("normal", &d, |p| n.inverse_cdf(p));

    let ln = lognormal_statrs(1.0, 1.6);
    let d = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, None).unwrap();
    assert_quantiles("lognormal", &d, |p| ln.inverse_cdf(p));

    let be = Beta::new(2.0, 5.0).unwrap();
    let d = Dist::new(Shape::Beta { a: 2.0, b: 5.0 }, None, None).unwrap();
    assert_quantiles("beta", &d, |p| be.inverse_cdf(p));
}

#[test]
fn lognormal_quantiles_at_10_and_90_percent_are_the_written_p10_and_p90() {
    for (p10, p90) in [(1.0, 1.6), (2_000.0, 35_000.0), (0.02, 0.021)] {
        let d = Dist::new(Shape::LogNormal { p10, p90 }, None, None).unwrap();
        assert_rel_close("lognormal p10", 0.1, d.quantile(0.1), p10);
        assert_rel_close("lognormal p90", 0.9, d.quantile(0.9), p90);
    }
}

#[test]
fn quantiles_of_truncated_shapes_match_statrs() {
    let d = Dist::new(Shape::Uniform { lo: 2.0, hi: 5.0 }, Some(3.0), Some(4.5)).unwrap();
    assert_quantiles(
        "uniform in [3, 4.5]",
        &d,
        truncated_inv(Uniform::new(2.0, 5.0).unwrap(), 3.0, 4.5),
    );

    let tri = Shape::Triangular {
        min: 1.0,
        mode: 2.0,
        max: 4.0,
    };
    let d = Dist::new(tri, Some(1.5), Some(3.0)).unwrap();
    assert_quantiles(
        "triangular in [1.5, 3]",
        &d,
        truncated_inv(Triangular::new(1.0, 4.0, 2.0).unwrap(), 1.5, 3.0),
    );

    for (a, b) in [(5.0, 7.0), (0.5, 4.0)] {
        let (al, be) = pert_alpha_beta(0.0, 1.0, 10.0, 4.0);
        let beta = Beta::new(al, be).unwrap();
        let inv = truncated_inv(beta, a / 10.0, b / 10.0);
        let d = Dist::new(pert(0.0, 1.0, 10.0, 4.0), Some(a), Some(b)).unwrap();
        assert_quantiles(&format!("pert in [{a}, {b}]"), &d, |p| 10.0 * inv(p));
    }

    let d = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, Some(-0.5), None).unwrap();
    assert_quantiles(
        "normal min -0.5",
        &d,
        truncated_inv(Normal::new(0.0, 1.0).unwrap(), -0.5, f64::INFINITY),
    );

    let d = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, Some(1.3)).unwrap();
    let ln = lognormal_statrs(1.0, 1.6);
    let f13 = ln.cdf(1.3);
    assert_quantiles("lognormal max 1.3", &d, |p| ln.inverse_cdf(p * f13));

    let d = Dist::new(Shape::Beta { a: 2.0, b: 5.0 }, Some(0.6), None).unwrap();
    assert_quantiles(
        "beta min 0.6",
        &d,
        truncated_inv(Beta::new(2.0, 5.0).unwrap(), 0.6, 1.0),
    );
}

// ---------------------------------------------------------------------------
// 5. Properties over random parameters
// ---------------------------------------------------------------------------

/// A random valid pert / triangular / uniform, possibly truncated inside its support.
fn bounded_dist() -> impl Strategy<Value = (Shape, Option<f64>, Option<f64>)> {
    (
        0..3usize,
        -1.0e4..1.0e4f64,
        1.0e-3..1.0e4f64,
        prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64],
        0.1..20.0f64,
        prop::option::of(0.0..0.5f64),
        prop::option::of(0.5..=1.0f64),
    )
        .prop_map(|(kind, min, width, mode_at, lambda, lo_at, hi_at)| {
            let max = min + width;
            let mode = (min + mode_at * width).clamp(min, max);
            let shape = match kind {
                0 => Shape::Uniform { lo: min, hi: max },
                1 => Shape::Triangular { min, mode, max },
                _ => Shape::Pert {
                    min,
                    mode,
                    max,
                    lambda,
                },
            };
            (
                shape,
                lo_at.map(|f| min + f * width),
                hi_at.map(|f| min + f * width),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_sample_lies_in_range_and_quantiles_never_decrease(
        (shape, lo, hi) in bounded_dist(),
        seed in any::<u64>(),
    ) {
        // A window may keep no representable mass (e.g. far in a PERT tail);
        // Dist::new then rightly refuses it.
        let d = Dist::new(shape.clone(), lo, hi);
        prop_assume!(d.is_ok());
        let d = d.unwrap();
        let (a, b) = d.range();
        prop_assert!(a <= b);
        let mut r = rng(seed);
        for _ in 0..200 {
            let x = d.sample(&mut r);
            prop_assert!(x >= a && x <= b, "{:?} [{:?}, {:?}]: drew {} outside [{}, {}]", shape, lo, hi, x, a, b);
        }
        let mut prev = f64::NEG_INFINITY;
        for i in 0..=200 {
            let p = i as f64 / 200.0;
            let q = d.quantile(p);
            prop_assert!(q >= prev, "{:?} [{:?}, {:?}]: quantile({}) = {} < previous {}", shape, lo, hi, p, q, prev);
            prop_assert!(q >= a && q <= b, "{:?}: quantile({}) = {} outside [{}, {}]", shape, p, q, a, b);
            prev = q;
        }
    }
}
