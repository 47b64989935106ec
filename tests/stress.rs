//! Stress tests run beside the base on common random numbers, and agree
//! with separate runs of the stressed files.

use gatecast::engine::{self, RunOptions};
use gatecast::scenario::{Change, Scenario, EXAMPLE_TOML};
use gatecast::summary::Summary;

fn summary(sc: &Scenario) -> Summary {
    let opts = RunOptions {
        iterations: 4_000,
        seed: 17,
        threads: None,
    };
    Summary::new(
        sc,
        "t.toml",
        &engine::run(sc, &opts, None, &|_| {}).unwrap(),
    )
}

const STRESS: &str = r#"
[[stress]]
name = "Pilot decision stalls"
set = { "stage.Pilot.gate.decision_delay_months" = { uniform = [3, 6] } }

[[stress]]
name = "Lower ceiling"
scale = { "adoption.ceiling" = 0.8 }
"#;

#[test]
fn a_set_stress_equals_a_run_of_the_edited_file() {
    let sc = Scenario::from_toml(&format!("{EXAMPLE_TOML}{STRESS}"), "t.toml").unwrap();
    assert_eq!(sc.stresses.len(), 2);
    let stressed = sc.with_changes(&sc.stresses[0].changes).unwrap();
    let edited = EXAMPLE_TOML.replace(
        "decision_delay_months = { triangular = [0.5, 1, 3] }",
        "decision_delay_months = { uniform = [3, 6] }",
    );
    assert_ne!(edited, EXAMPLE_TOML);
    let separate = Scenario::from_toml(&edited, "t.toml").unwrap();
    let (a, b) = (summary(&stressed), summary(&separate));
    assert_eq!(a.payback, b.payback);
    assert_eq!(a.npv, b.npv);
    assert_eq!(a.funnel, b.funnel);
    // and it really is worse than the base
    let base = summary(&sc);
    assert!(a.payback.p_within_24_months.value < base.payback.p_within_24_months.value);
}

#[test]
fn a_scale_stress_equals_a_run_with_the_scaled_distribution() {
    let sc = Scenario::from_toml(&format!("{EXAMPLE_TOML}{STRESS}"), "t.toml").unwrap();
    let stressed = sc.with_changes(&sc.stresses[1].changes).unwrap();
    // 0.8 x pert [0.6, 0.8, 0.95] is pert [0.48, 0.64, 0.76]: the same draws
    // up to the last bit of rounding
    let edited = EXAMPLE_TOML.replace(
        "ceiling = { pert = [0.6, 0.8, 0.95] }",
        "ceiling = { pert = [0.48, 0.64, 0.76] }",
    );
    let separate = Scenario::from_toml(&edited, "t.toml").unwrap();
    let (a, b) = (summary(&stressed), summary(&separate));
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
    assert!(close(a.npv.spread.mean.value, b.npv.spread.mean.value));
    assert!(close(
        a.npv.spread.p50.value.unwrap(),
        b.npv.spread.p50.value.unwrap()
    ));
    assert_eq!(a.payback.p_within_36_months, b.payback.p_within_36_months);
}

#[test]
fn common_random_numbers_leave_untouched_inputs_identical() {
    // a stress on benefits cannot change the stage-gate timeline at all
    let sc = Scenario::from_toml(EXAMPLE_TOML, "t.toml").unwrap();
    let stressed = sc
        .with_changes(&[(
            "benefit.Handling time saved.per_active_user_month".into(),
            Change::Scale(0.5),
        )])
        .unwrap();
    let (a, b) = (summary(&sc), summary(&stressed));
    assert_eq!(
        a.funnel, b.funnel,
        "the same gates pass and fail in every iteration"
    );
    assert_eq!(a.total_cost, b.total_cost);
    assert!(b.total_benefit.mean.value < a.total_benefit.mean.value);
}

#[test]
fn a_what_if_that_breaks_an_input_rule_is_refused() {
    let sc = Scenario::from_toml(EXAMPLE_TOML, "t.toml").unwrap();
    let e = sc
        .with_changes(&[("adoption.ceiling".into(), Change::Scale(1.5))])
        .unwrap_err();
    assert!(e.contains("must lie between 0 and 1"), "{e}");
    let e = sc
        .with_changes(&[("stage.Pilot.gate.pass".into(), Change::Scale(0.9))])
        .unwrap_err();
    assert!(e.contains("not inputs"), "{e}");
}
