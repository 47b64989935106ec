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
    sampling: gatecast::engine::Sampling::Mc,
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

/// One gate between a one-off of 1000 and a stage that earns 35,000 over
/// the horizon: NPV > 0 exactly in the futures whose gate passes. Its
/// rework has no reworks left (`max_reworks = 0`), so a rework is a kill and
/// P(NPV > 0) = P(u < pass) = pass, u being the gate's uniform draw.
const ONE_GATE: &str = r#"
[scenario]
name = "One gate"
horizon_months = 36
[[stage]]
name = "Pilot"
duration_months = 1
one_off_cost = 1000
scope = 0
[stage.gate]
pass = 0.5
rework = 0.1
rework_months = 1
max_reworks = 0
[[stage]]
name = "Live"
duration_months = 0
scope = 1
[adoption]
target_users = 10
curve = "bass"
ceiling = 1
p = 1000
q = 0
[[benefit]]
name = "Value"
per_active_user_month = 100
"#;

#[test]
fn solve_finds_the_gate_pass_rate_worked_out_by_hand() {
    let sc = Scenario::from_toml(ONE_GATE, "t.toml").unwrap();
    let gp = sc.gate_probability("stage.Pilot.gate.pass").unwrap();
    assert_eq!(
        (gp.value, gp.max),
        (0.5, 0.9),
        "pass lies in [0, 1 - rework]"
    );
    let opts = RunOptions {
        iterations: 4_000,
        seed: 11,
        threads: Some(2),
        sampling: gatecast::engine::Sampling::Mc,
    };
    let goal = Goal::parse("P(NPV > 0) >= 0.7").unwrap();
    let s = solve(
        &sc,
        "stage.Pilot.gate.pass",
        Vary::Value,
        (0.0, gp.max),
        goal,
        &opts,
    )
    .unwrap();
    let pass = s.answer.unwrap();
    // By hand: P(NPV > 0) = pass, so pass = 0.7, up to the Monte Carlo
    // error of the empirical 70% quantile of n uniforms, sqrt(0.7 * 0.3 / n).
    let se = (0.7_f64 * 0.3 / opts.iterations as f64).sqrt();
    assert!(
        (pass - 0.7).abs() < 4.0 * se,
        "pass = {pass}, want 0.7 +- {se:.4} x 4"
    );
    // Exactly: the goal first holds just above the 2,800th smallest of the
    // gate's uniforms (2,800 of 4,000 futures pass once pass exceeds it).
    let mut u: Vec<f64> = (0..opts.iterations)
        .map(|i| {
            let mut x = vec![0.0; sc.inputs.len()];
            let mut g = vec![0.0; sc.gate_draws()];
            gatecast::engine::draw(&sc, opts.seed, i, &mut x, &mut g);
            g[0]
        })
        .collect();
    u.sort_by(f64::total_cmp);
    let k = (0.7 * opts.iterations as f64).ceil() as usize;
    assert!(
        pass > u[k - 1] && pass <= u[k - 1] + 1e-8,
        "pass = {pass}, the {k}th smallest gate uniform is {}",
        u[k - 1]
    );
    // the traced curve is P(NPV > 0) = pass at every point, within the error
    assert_eq!(s.curve.len(), 11);
    assert_eq!((s.curve[0].at, s.curve[10].at), (0.0, 0.9));
    for p in &s.curve {
        let se = (p.at * (1.0 - p.at) / opts.iterations as f64).sqrt();
        let f = p.figure.unwrap();
        assert!((f - p.at).abs() <= 4.0 * se + 1e-12, "at {}: {f}", p.at);
    }
    assert!(!s.curve[0].holds && s.curve[10].holds);
}

#[test]
fn solve_varies_a_gate_pass_rate_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("g.toml"), ONE_GATE).unwrap();
    let solve = |extra: &[&str]| {
        let mut cmd = Command::cargo_bin("gatecast").unwrap();
        cmd.current_dir(tmp.path())
            .args(["solve", "g.toml", "--vary", "stage.Pilot.gate.pass"])
            .args(["--until", "P(NPV > 0) >= 0.7", "-n", "2000", "--seed", "3"])
            .args(extra);
        cmd
    };
    solve(&[])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "value of stage.Pilot.gate.pass from 0 to 0.9",
        ))
        .stdout(predicates::str::contains(
            "starts to hold at stage.Pilot.gate.pass = 0.",
        ));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("output/g-solve/solve.json")).unwrap(),
    )
    .unwrap();
    let pass = json["answer"].as_f64().unwrap();
    let se = (0.7_f64 * 0.3 / 2000.0).sqrt();
    assert!((pass - 0.7).abs() < 4.0 * se, "pass = {pass}");
    // a range beyond 1 - rework, and a scale, are refused
    solve(&["--between", "0.2,0.95"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--between"))
        .stderr(predicates::str::contains(
            "stage.Pilot.gate.pass can move from 0 to 0.9",
        ));
    solve(&["--as", "scale"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--as"))
        .stderr(predicates::str::contains("moved by value"));
}

/// Scaling a share searches, by default, only as far as its largest draw
/// stays a share: the example's adoption.ceiling is pert [0.6, 0.8, 0.95],
/// so the scale runs from 0.25 to 1 / 0.95 (it used to stop with an error
/// at the first scale past that).
#[test]
fn the_default_scale_range_of_a_share_stays_a_share() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    Command::cargo_bin("gatecast")
        .unwrap()
        .args([
            "solve",
            "scenarios/example.toml",
            "--vary",
            "adoption.ceiling",
        ])
        .args(["--until", "P(NPV>0) >= 0.5", "-n", "300", "--out"])
        .arg(&out)
        .assert()
        .success();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("solve.json")).unwrap()).unwrap();
    assert_eq!(j["range"][0].as_f64(), Some(0.25));
    assert!(
        (j["range"][1].as_f64().unwrap() - 1.0 / 0.95).abs() < 1e-12,
        "{}",
        j["range"]
    );
}
