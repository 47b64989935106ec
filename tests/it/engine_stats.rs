//! Statistical checks of whole runs against values known in closed form,
//! with tolerances of four Monte Carlo standard errors at a fixed seed.

use gatecast::engine::{self, RunOptions};
use gatecast::export::iterations::IterationsCsv;
use gatecast::scenario::Scenario;
use gatecast::summary::Summary;

fn run(toml: &str, iterations: u64, threads: Option<usize>) -> (Scenario, engine::RunResult) {
    let sc = Scenario::from_toml(toml, "test.toml").unwrap();
    let opts = RunOptions {
        iterations,
        seed: 11,
        threads,
        sampling: gatecast::engine::Sampling::Mc,
    };
    let r = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    (sc, r)
}

/// One-off of 1000 at time 0; 10 users active from the start; benefit
/// v ~ uniform[5, 25] per user-month. C(m) = 10 v m - 1000 is linear, so
/// payback is exactly 100 / v, in [4, 20] months.
const LINEAR: &str = r#"
    [scenario]
    name = "Linear payback"
    horizon_months = 36
    [[stage]]
    name = "Live"
    duration_months = 0
    one_off_cost = 1000
    scope = 1
    [adoption]
    target_users = 10
    curve = "bass"
    ceiling = 1
    p = 1000
    q = 0
    [[benefit]]
    name = "Value"
    per_active_user_month = { uniform = [5, 25] }
"#;

#[test]
fn payback_probabilities_and_percentiles_match_their_closed_forms() {
    let n = 20_000;
    let (sc, r) = run(LINEAR, n, None);
    let s = Summary::new(&sc, "test.toml", &r);
    // P(100 / v <= 12) = P(v >= 25 / 3) = (25 - 25/3) / 20 = 5/6
    let p = 5.0 / 6.0;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let got = s.payback.p_within_12_months.value;
    assert!(
        (got - p).abs() < 4.0 * se,
        "P(payback <= 12) = {got}, want {p} +/- {}",
        4.0 * se
    );
    assert!((s.payback.p_within_12_months.se - se).abs() < 0.1 * se);
    assert_eq!(s.payback.p_within_24_months.value, 1.0);
    // median payback = 100 / median(v) = 100 / 15; its standard error is
    // sqrt(0.25 / n) / f(t50), with the density f(t) = (1/20) 100 / t^2
    let t50 = 100.0 / 15.0;
    let se50 = (0.25 / n as f64).sqrt() / (5.0 / (t50 * t50));
    let got = s.payback.p50.value.unwrap();
    assert!(
        (got - t50).abs() < 4.0 * se50,
        "payback P50 {got}, want {t50} +/- {}",
        4.0 * se50
    );
    // mean NPV at a zero rate = 36 x 10 x E[v] - 1000 = 4400; se = 360 sd(v) / sqrt(n)
    let se_npv = 360.0 * (20.0 / 12f64.sqrt()) / (n as f64).sqrt();
    let got = s.npv.spread.mean.value;
    assert!(
        (got - 4400.0).abs() < 4.0 * se_npv,
        "mean NPV {got}, want 4400 +/- {}",
        4.0 * se_npv
    );
    assert!((s.npv.spread.mean.se - se_npv).abs() < 0.05 * se_npv);
    assert_eq!(s.npv.p_positive.value, 1.0);
}

/// A gate with pass 0.6, rework 0.2 and one rework allowed lets through
/// 0.6 + 0.2 x 0.6 = 0.72 of iterations; 0.28 are killed there.
#[test]
fn the_stage_funnel_matches_the_gate_probabilities() {
    let toml = r#"
        [scenario]
        name = "Funnel"
        horizon_months = 24
        [[stage]]
        name = "Pilot"
        duration_months = { uniform = [1, 2] }
        [stage.gate]
        pass = 0.6
        rework = 0.2
        rework_months = 1
        max_reworks = 1
        [[stage]]
        name = "Production"
        duration_months = 1
        scope = 1
        [adoption]
        target_users = 10
        curve = "bass"
        ceiling = 1
        p = 0.1
        q = 0.3
    "#;
    let n = 20_000;
    let (sc, r) = run(toml, n, Some(2));
    let s = Summary::new(&sc, "test.toml", &r);
    let p = 0.72;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let got = s.funnel[1].p_started.value;
    assert!(
        (got - p).abs() < 4.0 * se,
        "P(start Production) = {got}, want {p} +/- {}",
        4.0 * se
    );
    assert_eq!(s.funnel[0].p_started.value, 1.0);
    let gate = s.funnel[0].gate.as_ref().unwrap();
    assert!(
        (gate.p_killed.value + got - 1.0).abs() < 1e-12,
        "every iteration passes or is killed"
    );
    // expected reworks per decided iteration: P(first draw is rework) = 0.2
    let reworks = gate.mean_reworks_given_decision.unwrap();
    let se_rw = (0.2f64 * 0.8 / n as f64).sqrt();
    assert!(
        (reworks - 0.2).abs() < 4.0 * se_rw,
        "mean reworks {reworks}"
    );
    assert!((s.p_killed.value - 0.28).abs() < 4.0 * se);
}

/// Thread count changes nothing: every record and every monthly sum is
/// bit-for-bit the same.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let example = gatecast::scenario::EXAMPLE_TOML;
    let (_, a) = run(example, 10_000, Some(1));
    let (_, b) = run(example, 10_000, Some(3));
    assert_eq!(
        a.records
            .npv
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        b.records
            .npv
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(a.funnel, b.funnel);
    for (x, y) in a.monthly.sums.iter().zip(&b.monthly.sums) {
        assert_eq!(
            x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
    assert_eq!(a.monthly.sketches, b.monthly.sketches);
}

/// Property of any run: P10 <= P50 <= P90 for every figure and band, and
/// costs are never negative.
#[test]
fn percentiles_are_ordered_and_costs_never_negative() {
    let (sc, r) = run(gatecast::scenario::EXAMPLE_TOML, 5_000, None);
    let s = Summary::new(&sc, "test.toml", &r);
    let ordered = |a: Option<f64>, b: Option<f64>, c: Option<f64>| {
        let inf = f64::INFINITY;
        a.unwrap_or(inf) <= b.unwrap_or(inf) && b.unwrap_or(inf) <= c.unwrap_or(inf)
    };
    assert!(ordered(
        s.payback.p10.value,
        s.payback.p50.value,
        s.payback.p90.value
    ));
    assert!(ordered(
        s.npv.spread.p10.value,
        s.npv.spread.p50.value,
        s.npv.spread.p90.value
    ));
    for band in s.monthly.leading.iter().chain(&s.monthly.lagging) {
        for m in &band.months {
            assert!(
                m.p10 <= m.p50 && m.p50 <= m.p90,
                "{} band out of order",
                band.key
            );
        }
    }
    let costs = &s.monthly.lagging[0];
    assert!(costs.months.iter().all(|m| m.p10 >= 0.0 && m.mean >= 0.0));
    assert!(r.records.total_cost.iter().all(|c| *c >= 0.0));
}

/// `[[correlation]]` by Iman-Conover: at 10,000 iterations the achieved
/// Spearman correlations are within 0.03 of their targets, and each input
/// keeps exactly the draws of the uncorrelated run (only their order
/// changes, within each block).
#[test]
fn correlated_inputs_reach_their_rank_targets_with_unchanged_marginals() {
    let extra = r#"
[[correlation]]
between = ["adoption.ceiling", "benefit.Handling time saved.per_active_user_month"]
rank = 0.6

[[correlation]]
between = ["costs.overrun", "stage.Pilot.duration_months"]
rank = -0.4
"#;
    let plain = gatecast::scenario::EXAMPLE_TOML.to_string();
    let correlated = format!("{plain}\n{extra}");
    let columns = |toml: &str| {
        let sc = Scenario::from_toml(toml, "t.toml").unwrap();
        let mut sink = IterationsCsv::new(&sc, Vec::new()).unwrap();
        let opts = RunOptions {
            iterations: 10_000,
            seed: 3,
            threads: None,
            sampling: gatecast::engine::Sampling::Mc,
        };
        engine::run(&sc, &opts, Some(&mut sink), &|_| {}).unwrap();
        let rows = sink.finish().unwrap();
        let mut rdr = csv::Reader::from_reader(rows.as_slice());
        let names: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for rec in rdr.records() {
            for (c, v) in cols.iter_mut().zip(rec.unwrap().iter()) {
                c.push(v.parse().unwrap_or(f64::NAN));
            }
        }
        (names, cols)
    };
    let (names, base) = columns(&plain);
    let (_, corr) = columns(&correlated);
    let col = |name: &str| names.iter().position(|n| n == name).unwrap();
    let spearman = gatecast::stats::correlation::spearman;
    for (a, b, target) in [
        (
            "adoption.ceiling",
            "benefit.Handling time saved.per_active_user_month",
            0.6,
        ),
        ("costs.overrun", "stage.Pilot.duration_months", -0.4),
    ] {
        let got = spearman(&corr[col(a)], &corr[col(b)]);
        assert!((got - target).abs() < 0.03, "{a} ~ {b}: {got} vs {target}");
        let before = spearman(&base[col(a)], &base[col(b)]);
        assert!(before.abs() < 0.03, "independent before: {before}");
        for name in [a, b] {
            let (mut x, mut y) = (base[col(name)].clone(), corr[col(name)].clone());
            x.sort_by(f64::total_cmp);
            y.sort_by(f64::total_cmp);
            assert_eq!(x, y, "{name} keeps its draws");
        }
    }
    // inputs outside any correlation are untouched, row by row
    let q = col("adoption.q");
    assert_eq!(base[q], corr[q]);
}
