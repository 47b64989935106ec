//! Stress tests run beside the base on common random numbers, and agree
//! with separate runs of the stressed files.

use gatecast::engine::{self, RunOptions};
use gatecast::scenario::{parse_dist, Change, Scenario, EXAMPLE_TOML};
use gatecast::summary::Summary;

fn summary(sc: &Scenario) -> Summary {
    let opts = RunOptions {
        iterations: 4_000,
        seed: 17,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
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
    // a gate's pass x 1.5 = 1.125 is no probability; x 1.2 = 0.9 leaves
    // pass + rework = 1.05
    let e = sc
        .with_changes(&[("stage.Pilot.gate.pass".into(), Change::Scale(1.5))])
        .unwrap_err();
    assert!(
        e.starts_with(
            "stage.Pilot.gate.pass: pass is a probability and must lie between 0 and 1, got 1.125"
        ),
        "{e}"
    );
    let e = sc
        .with_changes(&[("stage.Pilot.gate.pass".into(), Change::Scale(1.2))])
        .unwrap_err();
    assert!(e.contains("pass + rework must be at most 1"), "{e}");
    assert!(e.contains("stage.Pilot.gate.rework = 0.15"), "{e}");
    let e = sc
        .with_changes(&[("stage.Pilot.gate.max_reworks".into(), Change::Scale(2.0))])
        .unwrap_err();
    assert!(e.contains("not an input"), "{e}");
}

/// The example with the Pilot gate's `pass = 0.75` replaced by `pass`.
fn example_with_pilot_pass(pass: &str) -> String {
    let pilot = "pass = 0.75\nrework = 0.15\nrework_months = { uniform = [1, 2] }";
    assert_eq!(EXAMPLE_TOML.matches(pilot).count(), 1);
    EXAMPLE_TOML.replace(
        pilot,
        &pilot.replace("pass = 0.75", &format!("pass = {pass}")),
    )
}

#[test]
fn a_gate_pass_set_equals_a_run_of_the_edited_file() {
    let sc = Scenario::from_toml(EXAMPLE_TOML, "t.toml").unwrap();
    // what `--set stage.Pilot.gate.pass=0.6` makes
    let change = Change::Set(parse_dist("0.6").unwrap());
    let stressed = sc
        .with_changes(&[("stage.Pilot.gate.pass".into(), change)])
        .unwrap();
    let separate = Scenario::from_toml(&example_with_pilot_pass("0.6"), "t.toml").unwrap();
    let (a, b) = (summary(&stressed), summary(&separate));
    assert_eq!(a.payback, b.payback);
    assert_eq!(a.npv, b.npv);
    assert_eq!(a.funnel, b.funnel);
    assert_eq!(a.total_cost, b.total_cost);
    // the same futures reach the Pilot gate; more of them die there
    let base = summary(&sc);
    assert_eq!(a.funnel[2].p_started, base.funnel[2].p_started);
    let killed = |s: &Summary| s.funnel[2].gate.as_ref().unwrap().p_killed.value;
    assert!(
        killed(&a) > killed(&base) + 0.05,
        "{} vs {}",
        killed(&a),
        killed(&base)
    );
}

#[test]
fn a_gate_pass_scale_in_a_stress_equals_a_run_of_the_edited_file() {
    // x 0.5 is exact in binary: 0.75 becomes 0.375 to the last bit
    let text = format!(
        "{EXAMPLE_TOML}\n[[stress]]\nname = \"Half the pilots pass\"\nscale = {{ \"stage.Pilot.gate.pass\" = 0.5 }}\n"
    );
    let sc = Scenario::from_toml(&text, "t.toml").unwrap();
    let stressed = sc.with_changes(&sc.stresses[0].changes).unwrap();
    assert_eq!(stressed.stages[2].gate.as_ref().unwrap().pass, 0.375);
    let separate = Scenario::from_toml(&example_with_pilot_pass("0.375"), "t.toml").unwrap();
    let (a, b) = (summary(&stressed), summary(&separate));
    assert_eq!(a.payback, b.payback);
    assert_eq!(a.npv, b.npv);
    assert_eq!(a.funnel, b.funnel);
}

#[test]
fn a_command_line_gate_pass_set_writes_what_a_run_of_the_edited_file_writes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("edited.toml"),
        example_with_pilot_pass("0.6"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("gatecast")
            .unwrap()
            .current_dir(tmp.path())
            .args([
                "run",
                "-n",
                "3000",
                "--seed",
                "5",
                "--quiet",
                "--no-iterations-csv",
            ])
            .args(args)
            .assert()
            .success();
    };
    run(&["--set", "stage.Pilot.gate.pass=0.6", "--out", "stressed"]);
    run(&["edited.toml", "--out", "edited"]);
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(tmp.path().join(p)).unwrap()).unwrap()
    };
    let a = read("stressed/stresses/stage-pilot-gate-pass-0-6.json");
    let b = read("edited/summary.json");
    for key in [
        "leading",
        "payback",
        "npv",
        "roi",
        "peak_funding",
        "total_cost",
        "total_benefit",
        "p_killed",
        "funnel",
        "monthly",
        "payback_histogram",
        "npv_histogram",
    ] {
        assert_eq!(a[key], b[key], "{key}");
        assert!(!a[key].is_null(), "{key}");
    }
    // and the stress is not the base
    assert_ne!(read("stressed/summary.json")["funnel"], a["funnel"]);
}
