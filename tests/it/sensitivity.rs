//! Sensitivity analysis against values known in closed form.

use gatecast::engine::{self, RunOptions};
use gatecast::scenario::Scenario;
use gatecast::sensitivity::{analyse, MAX_ITERATIONS};
use gatecast::stats::sensitivity::{swing, Target};

/// NPV is linear in three independent inputs: 10 users active from month
/// 1 to 36, no discounting, so
/// NPV = 360 v - c - 36 r, with v ~ U[10, 20] (value per user-month),
/// c ~ U[0, 2000] (one-off), r ~ U[0, 40] (run cost per month).
/// Standard deviations: 360 x 10/sqrt(12), 2000/sqrt(12), 36 x 40/sqrt(12),
/// so the variance shares are 3600^2 : 2000^2 : 1440^2 over their sum.
const LINEAR: &str = r#"
[scenario]
name = "Linear NPV"
horizon_months = 36
[[stage]]
name = "Live"
duration_months = 0
one_off_cost = { uniform = [0, 2000] }
scope = 1
[adoption]
target_users = 10
curve = "bass"
ceiling = 1
p = 1000
q = 0
[costs]
run_fixed_per_month = { uniform = [0, 40] }
[[benefit]]
name = "Value"
per_active_user_month = { uniform = [10, 20] }
"#;

fn shares() -> [(&'static str, f64); 3] {
    let (v, c, r) = (3600f64.powi(2), 2000f64.powi(2), 1440f64.powi(2));
    let t = v + c + r;
    [
        ("benefit.Value.per_active_user_month", v / t),
        ("stage.Live.one_off_cost", c / t),
        ("costs.run_fixed_per_month", r / t),
    ]
}

#[test]
fn the_tornado_ranks_a_linear_npv_s_inputs_by_their_weight() {
    let sc = Scenario::from_toml(LINEAR, "t.toml").unwrap();
    let s = analyse(&sc, 5, 10_000, None, Target::Npv).unwrap();
    let order: Vec<&str> = s.deciles.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        order,
        shares().map(|(p, _)| p).to_vec(),
        "decile tornado order"
    );
    let pinned: Vec<&str> = s.pinned.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        pinned,
        shares().map(|(p, _)| p).to_vec(),
        "pinned tornado order"
    );
    // deciles of a uniform: the mean of its top and bottom tenth differ by
    // 0.9 of its range, times its weight in NPV: 360 x 9 = 3240 for v
    let v = &s.deciles[0];
    assert!((swing(v.low, v.high) - 3240.0).abs() < 150.0, "{v:?}");
    // pinned at P10 and P90 of U[10, 20]: 11 and 19, NPV moves 360 x 8 = 2880 exactly
    let p = &s.pinned[0];
    assert!((swing(p.low, p.high) - 2880.0).abs() < 1e-6, "{p:?}");
}

#[test]
fn contributions_to_variance_match_the_analytic_shares() {
    let sc = Scenario::from_toml(LINEAR, "t.toml").unwrap();
    let s = analyse(&sc, 6, 10_000, None, Target::Npv).unwrap();
    for (path, share) in shares() {
        let d = s.deciles.iter().find(|d| d.path == path).unwrap();
        assert!(
            (d.contribution - share).abs() < 0.02,
            "{path}: {} vs {share}",
            d.contribution
        );
        assert!(d.spearman.abs() > 0.2);
    }
    let total: f64 = s.deciles.iter().map(|d| d.contribution).sum();
    assert!((total - 1.0).abs() < 1e-12);
}

/// Pinning an input at its P50 leaves the mean where it was, within its
/// standard error: on the linear NPV, the median of each uniform is its mean.
/// (Where NPV bends with an input, as with the adoption ceiling against the
/// pilot's usage bar, E[NPV | input at P50] differs from E[NPV]: that is
/// information, not error.)
#[test]
fn pinning_at_the_median_reproduces_the_base_mean() {
    let sc = Scenario::from_toml(LINEAR, "t.toml").unwrap();
    let n = MAX_ITERATIONS;
    let opts = RunOptions {
        iterations: n,
        seed: 8,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
    };
    let base = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    let mean = base.records.npv.iter().sum::<f64>() / n as f64;
    let sd = (base
        .records
        .npv
        .iter()
        .map(|v| (v - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64)
        .sqrt();
    let se = sd / (n as f64).sqrt();
    let s = analyse(&sc, 8, n, None, Target::Npv).unwrap();
    assert!((s.base.unwrap() - mean).abs() < 1e-6 * mean.abs());
    assert_eq!(s.spider.len(), 3);
    for line in &s.spider {
        let (p, _, at_p50) = line.points[2];
        assert_eq!(p, 0.5);
        let at_p50 = at_p50.unwrap();
        assert!(
            (at_p50 - mean).abs() < se,
            "{}: {at_p50} vs {mean} +/- {se}",
            line.path
        );
        assert_eq!(line.points.len(), 5);
    }
}

/// Gate outcomes are inputs of the pinned tornado: always passing the
/// pilot gate beats always killing there.
#[test]
fn a_gate_pinned_to_pass_beats_the_same_gate_pinned_to_kill() {
    let sc = Scenario::from_toml(gatecast::scenario::EXAMPLE_TOML, "t.toml").unwrap();
    let s = analyse(&sc, 8, 1_000, None, Target::Npv).unwrap();
    let pilot = s.pinned.iter().find(|b| b.path == "gate.Pilot").unwrap();
    assert_eq!(
        (pilot.low_setting.as_str(), pilot.high_setting.as_str()),
        ("always kill", "always pass")
    );
    assert!(pilot.high.unwrap() > pilot.low.unwrap());
    assert_eq!(
        s.pinned.len(),
        sc.uncertain_inputs().len() + 3,
        "every input and the three gates"
    );
}

#[test]
fn payback_sensitivity_ranks_no_payback_beyond_every_payback() {
    let sc = Scenario::from_toml(gatecast::scenario::EXAMPLE_TOML, "t.toml").unwrap();
    let s = analyse(&sc, 9, 1_500, None, Target::Payback).unwrap();
    assert_eq!(s.statistic, "median payback (months)");
    // the value per user shortens payback: a negative rank correlation
    let v = s
        .deciles
        .iter()
        .find(|d| d.path == "benefit.Handling time saved.per_active_user_month")
        .unwrap();
    assert!(v.spearman < -0.05, "{v:?}");
    let csv = String::from_utf8(gatecast::sensitivity::csv(&s).unwrap()).unwrap();
    assert!(csv.lines().count() > s.deciles.len());
}
