//! Goal seek against values worked out by hand.

use assert_cmd::Command;
use gatecast::engine::RunOptions;
use gatecast::scenario::Scenario;
use gatecast::solve::{solve, Goal, Vary};

/// A one-off of 1000 at time 0, 10 users active from the start, a fixed
/// benefit v per user-month: C(m) = 10 v m - 1000, so payback = 100 / v
/// months exactly, and payback <= 10 months holds from v = 10 on.
const FIXED: &str = r#"
[scenario]
name = "Hand-worked payback"
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
per_active_user_month = 5
"#;

const OPTS: RunOptions = RunOptions {
    iterations: 50,
    seed: 1,
    threads: Some(1),
};

#[test]
fn solve_recovers_the_value_worked_out_by_hand() {
    let sc = Scenario::from_toml(FIXED, "t.toml").unwrap();
    let goal = Goal::parse("P(payback<=10) >= 1").unwrap();
    let s = solve(
        &sc,
        "benefit.Value.per_active_user_month",
        Vary::Value,
        (1.0, 40.0),
        goal,
        &OPTS,
    )
    .unwrap();
    let v = s.answer.unwrap();
    assert!((v - 10.0).abs() < 1e-6, "v = {v}, want 10");
    assert!(!s.holds_everywhere);
    assert!(!s.curve[0].holds && s.curve[10].holds);
    // as a scale on the written value 5: twice it
    let s = solve(
        &sc,
        "benefit.Value.per_active_user_month",
        Vary::Scale,
        (0.5, 4.0),
        goal,
        &OPTS,
    )
    .unwrap();
    assert!((s.answer.unwrap() - 2.0).abs() < 1e-6);
}

#[test]
fn solve_says_plainly_when_no_value_in_range_makes_the_goal_true() {
    let sc = Scenario::from_toml(FIXED, "t.toml").unwrap();
    let goal = Goal::parse("P(payback<=10) >= 1").unwrap();
    let s = solve(
        &sc,
        "benefit.Value.per_active_user_month",
        Vary::Value,
        (1.0, 5.0),
        goal,
        &OPTS,
    )
    .unwrap();
    assert_eq!(s.answer, None);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), FIXED).unwrap();
    Command::cargo_bin("gatecast")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "solve",
            "s.toml",
            "--vary",
            "benefit.Value.per_active_user_month",
        ])
        .args([
            "--until",
            "P(payback<=10) >= 1",
            "--between",
            "1,5",
            "-n",
            "20",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("No value from 1 to 5 makes"));
    Command::cargo_bin("gatecast")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "solve",
            "s.toml",
            "--vary",
            "benefit.Value.per_active_user_month",
        ])
        .args([
            "--until",
            "P(payback<=10) >= 1",
            "--between",
            "1,40",
            "-n",
            "20",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "starts to hold at benefit.Value.per_active_user_month = 10",
        ));
    assert!(tmp.path().join("output/s-solve/solve.json").is_file());
}

#[test]
fn solve_refuses_an_unreadable_goal_and_an_unknown_input() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), FIXED).unwrap();
    Command::cargo_bin("gatecast")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "solve",
            "s.toml",
            "--vary",
            "benefit.Value.per_active_user_month",
            "--until",
            "NPV is big",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--until"));
    Command::cargo_bin("gatecast")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "solve",
            "s.toml",
            "--vary",
            "adoption.nope",
            "--until",
            "P(NPV>0) >= 0.5",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no input is named \"adoption.nope\"",
        ));
    assert!(!tmp.path().join("output").exists());
}
