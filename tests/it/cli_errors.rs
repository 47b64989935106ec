//! Bad input, end to end: every class of mistake in a scenario file or on
//! the command line ends with exit code 2 and one clear message on stderr
//! that names the file, the line (and column where TOML gives one), the
//! input's path and what was expected; never a panic, and nothing left
//! half-written beside the output folder.
//!
//! Each bad file is the small valid `BASE` scenario with one thing changed.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

/// A small valid scenario: three stages, a gate with rework on the second,
/// a Bass adoption curve, costs with an overrun and one benefit.
pub(super) const BASE: &str = r#"[scenario]
name = "Error test"
horizon_months = 24
iterations = 200
seed = 7

[[stage]]
name = "Discovery"
duration_months = { pert = [0.5, 1, 2] }
cost_per_month = 20000
scope = 0.0

[[stage]]
name = "Pilot"
duration_months = { triangular = [2, 3, 4] }
cost_per_month = { pert = [40000, 60000, 90000] }
one_off_cost = 25000
scope = 0.1
[stage.gate]
pass = 0.7
rework = 0.2
rework_months = { uniform = [1, 2] }
max_reworks = 1
decision_delay_months = 0.5

[[stage]]
name = "Production"
duration_months = 1.5
cost_per_month = 50000
scope = 1.0

[adoption]
target_users = 1000
curve = "bass"
ceiling = { pert = [0.4, 0.6, 0.8] }
p = 0.03
q = 0.4

[costs]
run_fixed_per_month = 10000
overrun = { lognormal = { p10 = 1.0, p90 = 1.5 } }

[[benefit]]
name = "Time saved"
per_active_user_month = { pert = [150, 220, 300] }
lag_months = 1
"#;

/// The file name every bad scenario is written under.
const FILE: &str = "bad.toml";

/// `BASE` with the one occurrence of `from` replaced by `to`.
pub(super) fn base_with(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "the test's edit {from:?} must match BASE exactly once"
    );
    BASE.replacen(from, to, 1)
}

/// `BASE` with `extra` appended.
fn base_plus(extra: &str) -> String {
    format!("{BASE}{extra}")
}

/// "line N" for the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> String {
    let n = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in the scenario"));
    format!("line {}", n + 1)
}

/// "line N" for the last line of `text` containing `needle`.
fn last_line_of(text: &str, needle: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let n = lines
        .iter()
        .rposition(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in the scenario"));
    format!("line {}", n + 1)
}

fn gatecast(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("gatecast").expect("the gatecast binary builds");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// The names in a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// Runs `gatecast <args>` in `dir` and checks the common contract of a
/// failure: exit code 2, an `error:` line on stderr, no panic, nothing on
/// stdout. Returns stderr.
fn fails_in(dir: &Path, args: &[&str]) -> String {
    let out = gatecast(dir)
        .args(args)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::starts_with("error: ")
                .and(predicate::str::contains("panicked").not())
                .and(predicate::str::contains("RUST_BACKTRACE").not())
                .and(predicate::str::contains("stack backtrace").not()),
        )
        .get_output()
        .clone();
    String::from_utf8(out.stderr).expect("stderr is UTF-8")
}

/// Writes `scenario` as `bad.toml` in a fresh folder, runs it with `--out`
/// inside that folder, checks that it fails cleanly and that nothing was
/// written beside the scenario (no output folder, no `.NAME.partial-*`).
/// Returns stderr.
fn run_fails(scenario: &str) -> String {
    run_fails_with(scenario, &[])
}

fn run_fails_with(scenario: &str, extra: &[&str]) -> String {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join(FILE), scenario).unwrap();
    let mut args = vec!["run", FILE, "--out", "out/result", "--quiet"];
    args.extend_from_slice(extra);
    let stderr = fails_in(tmp.path(), &args);
    assert_eq!(
        entries(tmp.path()),
        [FILE],
        "a failed run must write nothing; stderr was:\n{stderr}"
    );
    stderr
}

/// Asserts that stderr contains every one of `parts`.
fn says(stderr: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            stderr.contains(part),
            "stderr should contain {part:?}, but it is:\n{stderr}"
        );
    }
}

#[test]
fn the_base_scenario_used_by_these_tests_is_valid_and_runs() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("base.toml"), BASE).unwrap();
    gatecast(tmp.path())
        .args(["validate", "base.toml"])
        .assert()
        .success();
    gatecast(tmp.path())
        .args(["run", "base.toml", "--out", "out/result", "--quiet"])
        .assert()
        .success();
    assert!(tmp.path().join("out/result/summary.json").is_file());
    assert_eq!(entries(&tmp.path().join("out")), ["result"]);
}

// ---------------------------------------------------------------- unknown keys

#[test]
fn fails_with_an_unknown_key_in_a_gate() {
    let text = base_with("pass = 0.7", "pas = 0.7");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pas = 0.7"),
            "column 1",
            "stage.Pilot.gate.pas",
            "unknown key `pas`",
            "`pass`",
        ],
    );
}

#[test]
fn fails_with_an_unknown_key_in_a_distribution_table() {
    let text = base_with(
        "rework_months = { uniform = [1, 2] }",
        "rework_months = { uniform = [1, 2], mni = 0 }",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "mni = 0"),
            "stage.Pilot.gate.rework_months",
            "unknown key `mni`",
            "`min`",
        ],
    );
}

#[test]
fn fails_with_an_unknown_key_inside_distribution_parameters() {
    let text = base_with("p10 = 1.0, p90 = 1.5", "p10 = 1.0, p95 = 1.5");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "p95"),
            "costs.overrun",
            "unknown key `p95`",
            "`p10` or `p90`",
        ],
    );
}

#[test]
fn fails_with_an_unknown_key_in_a_stage() {
    let text = base_with("scope = 1.0\n", "scope = 1.0\ncolour = \"red\"\n");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "colour"),
            "stage.Production.colour",
            "unknown key `colour`",
            "`duration_months`",
        ],
    );
}

#[test]
fn fails_with_an_unknown_curve() {
    let text = base_with("curve = \"bass\"", "curve = \"gompertz\"");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "gompertz"),
            "adoption.curve",
            "`gompertz`",
            "`bass` or `logistic`",
        ],
    );
}

#[test]
fn fails_with_an_unknown_distribution() {
    let text = base_with("lag_months = 1", "lag_months = { weibull = [1, 2] }");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "weibull"),
            "benefit.Time saved.lag_months",
            "unknown key `weibull`",
            "`pert`",
        ],
    );
}

// ---------------------------------------------------------------- missing keys

#[test]
fn fails_when_a_stage_lacks_duration_months() {
    let text = base_with("duration_months = { pert = [0.5, 1, 2] }\n", "");
    let err = run_fails(&text);
    // Reported at the stage's [[stage]] header, the first in the file.
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "[[stage]]"),
            "stage.Discovery.duration_months",
            "missing required key `duration_months`",
        ],
    );
}

#[test]
fn fails_when_adoption_lacks_a_curve() {
    let text = base_with("curve = \"bass\"\n", "");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "[adoption]"),
            "adoption.curve",
            "missing required key `curve`",
        ],
    );
}

#[test]
fn fails_when_a_bass_curve_lacks_p() {
    let text = base_with("p = 0.03\n", "");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "curve = \"bass\""),
            "adoption.p",
            "missing required key `p`",
            "bass curve needs p and q",
        ],
    );
}

#[test]
fn fails_when_a_gate_with_rework_lacks_max_reworks() {
    let text = base_with("max_reworks = 1\n", "");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "[stage.gate]"),
            "stage.Pilot.gate.max_reworks",
            "missing required key `max_reworks`",
            "rework = 0.2 > 0",
        ],
    );
}

// ---------------------------------------------------------------- gate probabilities

#[test]
fn fails_with_pass_plus_rework_above_one() {
    let text = base_with("rework = 0.2", "rework = 0.4");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = 0.7"),
            "stage.Pilot.gate.pass",
            "pass + rework must be at most 1",
            "0.7 + 0.4",
        ],
    );
}

#[test]
fn fails_with_pass_outside_zero_to_one() {
    for bad in ["1.3", "-0.1"] {
        let text = base_with("pass = 0.7", &format!("pass = {bad}"));
        let err = run_fails(&text);
        says(
            &err,
            &[
                FILE,
                &line_of(&text, "pass = "),
                "stage.Pilot.gate.pass",
                "must lie between 0 and 1",
                &format!("got {bad}"),
            ],
        );
    }
}

#[test]
fn fails_with_too_many_reworks_instead_of_running_out_of_memory() {
    let text = base_with("max_reworks = 1", "max_reworks = 4000000000");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "max_reworks"),
            "stage.Pilot.gate.max_reworks",
            "max_reworks must be at most",
        ],
    );
}

// ---------------------------------------------------------------- distribution parameters

#[test]
fn fails_with_pert_min_above_mode() {
    let text = base_with(
        "pert = [40000, 60000, 90000]",
        "pert = [70000, 60000, 90000]",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "[70000, 60000, 90000]"),
            "column 18",
            "stage.Pilot.cost_per_month",
            "pert = [min, mode, max] needs min <= mode <= max",
        ],
    );
}

#[test]
fn fails_with_triangular_mode_above_max() {
    let text = base_with("triangular = [2, 3, 4]", "triangular = [2, 5, 4]");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "triangular"),
            "stage.Pilot.duration_months",
            "triangular = [min, mode, max] needs min <= mode <= max",
            "[2, 5, 4]",
        ],
    );
}

#[test]
fn fails_with_uniform_lo_above_hi() {
    let text = base_with("uniform = [1, 2]", "uniform = [2, 1]");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "uniform"),
            "stage.Pilot.gate.rework_months",
            "needs lo <= hi",
        ],
    );
}

#[test]
fn fails_with_lognormal_p10_not_below_p90() {
    let text = base_with("p10 = 1.0, p90 = 1.5", "p10 = 1.5, p90 = 1.5");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "lognormal"),
            "costs.overrun",
            "lognormal needs p10 < p90",
        ],
    );
}

#[test]
fn fails_with_lognormal_non_positive_values() {
    for (p10, p90) in [("0", "1.5"), ("-1", "1.5"), ("-2", "-1")] {
        let text = base_with("p10 = 1.0, p90 = 1.5", &format!("p10 = {p10}, p90 = {p90}"));
        let err = run_fails(&text);
        says(
            &err,
            &[
                FILE,
                &line_of(&text, "lognormal"),
                "costs.overrun",
                "must both be > 0",
            ],
        );
    }
}

#[test]
fn fails_with_a_distribution_of_the_wrong_length() {
    let text = base_with(
        "duration_months = 1.5",
        "duration_months = { pert = [1, 2] }",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pert = [1, 2]"),
            "stage.Production.duration_months",
            "needs 3 numbers, got 2",
        ],
    );
}

#[test]
fn fails_with_a_string_where_a_number_is_expected() {
    let text = base_with("pass = 0.7", "pass = \"0.7\"");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = "),
            "stage.Pilot.gate.pass",
            "expected a number",
        ],
    );
    assert!(!err.contains("f64"), "no Rust type names:\n{err}");
}

// ---------------------------------------------------------------- negative quantities

#[test]
fn fails_with_a_negative_duration() {
    let text = base_with("duration_months = 1.5", "duration_months = -1.5");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "-1.5"),
            "stage.Production.duration_months",
            "cannot be negative",
            "got -1.5",
        ],
    );
}

#[test]
fn fails_with_a_negative_fixed_cost() {
    let text = base_with("one_off_cost = 25000", "one_off_cost = -25000");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "one_off_cost"),
            "stage.Pilot.one_off_cost",
            "cannot be negative",
            "got -25000",
        ],
    );
}

#[test]
fn fails_with_a_cost_distribution_that_can_draw_negatives() {
    let text = base_with(
        "run_fixed_per_month = 10000",
        "run_fixed_per_month = { normal = { mean = 10000, sd = 5000 } }",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "run_fixed_per_month"),
            "costs.run_fixed_per_month",
            "cannot be negative",
            "can draw values",
            "`min`",
        ],
    );
}

#[test]
fn a_normal_cost_truncated_at_zero_is_accepted() {
    // The fix the message above suggests must work.
    let tmp = TempDir::new().unwrap();
    let text = base_with(
        "run_fixed_per_month = 10000",
        "run_fixed_per_month = { normal = { mean = 10000, sd = 5000 }, min = 0 }",
    );
    fs::write(tmp.path().join(FILE), text).unwrap();
    gatecast(tmp.path())
        .args(["validate", FILE])
        .assert()
        .success();
}

// ---------------------------------------------------------------- scenario settings

#[test]
fn fails_with_a_horizon_of_zero_months() {
    let text = base_with("horizon_months = 24", "horizon_months = 0");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "horizon_months"),
            "scenario.horizon_months",
            "from 1 to 600",
            "got 0",
        ],
    );
}

#[test]
fn fails_with_a_horizon_of_601_months() {
    let text = base_with("horizon_months = 24", "horizon_months = 601");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "horizon_months"),
            "scenario.horizon_months",
            "from 1 to 600",
            "got 601",
        ],
    );
}

#[test]
fn fails_with_a_fractional_horizon() {
    let text = base_with("horizon_months = 24", "horizon_months = 24.5");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "horizon_months"),
            "scenario.horizon_months",
            "expected a whole number",
        ],
    );
}

#[test]
fn fails_with_zero_iterations_in_the_file() {
    let text = base_with("iterations = 200", "iterations = 0");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "iterations"),
            "scenario.iterations",
            "iterations must be from 1 to",
            "got 0",
        ],
    );
}

#[test]
fn fails_with_zero_iterations_on_the_command_line() {
    let err = run_fails_with(BASE, &["--iterations", "0"]);
    says(
        &err,
        &["--iterations", "iterations must be from 1 to", "got 0"],
    );
}

// ---------------------------------------------------------------- names and structure

#[test]
fn fails_with_duplicate_stage_names() {
    let text = base_with("name = \"Pilot\"", "name = \"Discovery\"");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &last_line_of(&text, "name = \"Discovery\""),
            "stage.Discovery.name",
            "two stages are named \"Discovery\"",
            "must be unique",
        ],
    );
}

#[test]
fn fails_with_duplicate_benefit_names() {
    let text = base_plus("\n[[benefit]]\nname = \"Time saved\"\nper_active_user_month = 10\n");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &last_line_of(&text, "name = \"Time saved\""),
            "benefit.Time saved.name",
            "two benefits are named \"Time saved\"",
            "must be unique",
        ],
    );
}

#[test]
fn fails_with_no_stages() {
    let start = BASE.find("[[stage]]").unwrap();
    let end = BASE.find("[adoption]").unwrap();
    let text = format!("{}{}", &BASE[..start], &BASE[end..]);
    let err = run_fails(&text);
    // No line to point at: there is no stage anywhere.
    says(
        &err,
        &[FILE, "at stage", "no stages", "add at least one [[stage]]"],
    );
}

#[test]
fn fails_with_min_usage_rate_before_any_stage_grants_access() {
    // Discovery has scope 0 and is the first stage: nobody can use it yet.
    let text = base_with(
        "scope = 0.0\n",
        "scope = 0.0\n[stage.gate]\nmin_usage_rate = 0.5\nrework_months = 1\nmax_reworks = 1\n",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "min_usage_rate"),
            "stage.Discovery.gate.min_usage_rate",
            "min_usage_rate needs users with access",
            "scope > 0",
        ],
    );
}

#[test]
fn fails_with_a_gate_on_the_last_stage() {
    let text = base_with("scope = 1.0\n", "scope = 1.0\n[stage.gate]\npass = 0.5\n");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &last_line_of(&text, "[stage.gate]"),
            "stage.Production.gate",
            "the last stage cannot have a gate",
        ],
    );
}

// ---------------------------------------------------------------- non-finite numbers

#[test]
fn fails_with_nan_as_a_probability() {
    let text = base_with("pass = 0.7", "pass = nan");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = nan"),
            "stage.Pilot.gate.pass",
            "must lie between 0 and 1",
            "NaN",
        ],
    );
}

#[test]
fn fails_with_an_infinite_duration() {
    let text = base_with("duration_months = 1.5", "duration_months = inf");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "= inf"),
            "stage.Production.duration_months",
            "must be a finite number",
            "got inf",
        ],
    );
}

#[test]
fn fails_with_non_finite_numbers_inside_a_distribution() {
    for (bad, what) in [
        ("pert = [150, 220, inf]", "pert max"),
        ("pert = [nan, 220, 300]", "pert min"),
        ("pert = [-inf, 220, 300]", "pert min"),
    ] {
        let text = base_with("pert = [150, 220, 300]", bad);
        let err = run_fails(&text);
        says(
            &err,
            &[
                FILE,
                &line_of(&text, bad),
                "benefit.Time saved.per_active_user_month",
                what,
                "must be a finite number",
            ],
        );
    }
}

#[test]
fn fails_with_a_non_finite_horizon() {
    let text = base_with("horizon_months = 24", "horizon_months = inf");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "horizon_months"),
            "scenario.horizon_months",
            "expected a whole number",
        ],
    );
}

// ---------------------------------------------------------------- not supported yet

#[test]
fn fails_with_a_correlation_naming_an_input_that_does_not_exist() {
    let text = base_plus(
        "\n[[correlation]]\nbetween = [\"adoption.ceilling\", \"adoption.p\"]\nrank = 0.4\n",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "between = "),
            "at correlation[0].between",
            "no input is named \"adoption.ceilling\"",
        ],
    );
}

#[test]
fn fails_with_a_stress_that_names_no_input() {
    let text =
        base_plus("\n[[stress]]\nname = \"Stall\"\nscale = { \"adoption.cieling\" = 0.8 }\n");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "scale = "),
            "at stress.Stall.scale",
            "no input is named \"adoption.cieling\"",
        ],
    );
}

#[test]
fn fails_with_a_command_line_scale_that_is_not_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("gatecast").unwrap();
    cmd.current_dir(dir.path())
        .args([
            "run",
            "-n",
            "100",
            "--scale",
            "adoption.ceiling=lots",
            "--out",
            "out",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--scale"))
        .stderr(predicates::str::contains("expected PATH=FACTOR"));
    assert!(!dir.path().join("out").exists());
}

// ---------------------------------------------------------------- TOML itself

#[test]
fn fails_with_a_toml_syntax_error() {
    let text = base_with("pass = 0.7", "pass = = 0.7");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = = 0.7"),
            "column 8",
            "stage.Pilot.gate.pass",
            "not valid TOML",
        ],
    );
    assert_eq!(
        err.trim_end().lines().count(),
        2,
        "one message line and the source line:\n{err}"
    );
}

#[test]
fn fails_with_a_duplicate_key() {
    let text = base_with("pass = 0.7", "pass = 0.7\npass = 0.8");
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = 0.8"),
            "stage.Pilot.gate.pass",
            "not valid TOML",
            "duplicate key `pass`",
        ],
    );
}

#[test]
fn fails_with_an_empty_file() {
    let err = run_fails("");
    says(
        &err,
        &[FILE, "at scenario", "missing required key `scenario`"],
    );
}

// ---------------------------------------------------------------- files and folders

#[test]
fn fails_when_the_scenario_file_does_not_exist() {
    let tmp = TempDir::new().unwrap();
    let runs: [&[&str]; 2] = [
        &["run", "missing.toml", "--out", "out/result", "--quiet"],
        &["validate", "missing.toml"],
    ];
    for args in runs {
        let err = fails_in(tmp.path(), args);
        says(
            &err,
            &[
                "missing.toml",
                "cannot read the scenario file",
                "no such file",
            ],
        );
    }
    assert!(entries(tmp.path()).is_empty(), "nothing may be written");
}

#[test]
fn fails_when_the_output_folder_cannot_be_written() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("base.toml"), BASE).unwrap();
    fs::write(tmp.path().join("afile"), "in the way").unwrap();
    let err = fails_in(
        tmp.path(),
        &["run", "base.toml", "--out", "afile/sub", "--quiet"],
    );
    says(&err, &["afile/sub", "cannot write the output folder"]);
    assert_eq!(entries(tmp.path()), ["afile", "base.toml"]);
    assert_eq!(
        fs::read_to_string(tmp.path().join("afile")).unwrap(),
        "in the way"
    );

    // --out naming the file itself.
    let err = fails_in(
        tmp.path(),
        &["run", "base.toml", "--out", "afile", "--quiet"],
    );
    says(
        &err,
        &[
            "afile",
            "cannot write the output folder",
            "a file of that name exists",
        ],
    );
    assert_eq!(entries(tmp.path()), ["afile", "base.toml"]);
}

#[test]
fn validate_fails_on_a_bad_file() {
    let tmp = TempDir::new().unwrap();
    let text = base_with("rework = 0.2", "rework = 0.4");
    fs::write(tmp.path().join(FILE), &text).unwrap();
    let err = fails_in(tmp.path(), &["validate", FILE]);
    says(
        &err,
        &[
            FILE,
            &line_of(&text, "pass = 0.7"),
            "stage.Pilot.gate.pass",
            "pass + rework must be at most 1",
        ],
    );
    assert_eq!(entries(tmp.path()), [FILE], "validate writes nothing");
}

#[test]
fn a_failing_run_leaves_no_partial_folder_and_keeps_the_previous_results() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("base.toml"), BASE).unwrap();
    gatecast(tmp.path())
        .args(["run", "base.toml", "--out", "out/result", "--quiet"])
        .assert()
        .success();
    let summary = tmp.path().join("out/result/summary.json");
    let before = fs::read(&summary).unwrap();
    let files_before = entries(&tmp.path().join("out/result"));

    let text = base_with("pass = 0.7", "pas = 0.7");
    fs::write(tmp.path().join(FILE), text).unwrap();
    fails_in(tmp.path(), &["run", FILE, "--out", "out/result", "--quiet"]);
    // A bad flag, found after the scenario has loaded.
    fails_in(
        tmp.path(),
        &[
            "run",
            "base.toml",
            "--out",
            "out/result",
            "--quiet",
            "--threads",
            "0",
        ],
    );

    assert_eq!(
        entries(&tmp.path().join("out")),
        ["result"],
        "no .result.partial-* or .result.old-* left"
    );
    assert_eq!(entries(&tmp.path().join("out/result")), files_before);
    assert_eq!(
        fs::read(&summary).unwrap(),
        before,
        "the earlier results are untouched"
    );
}

// ------------------------------------------------ what-ifs on gate probabilities

#[test]
fn fails_with_a_stress_that_makes_pass_plus_rework_exceed_one() {
    // BASE's Pilot gate has rework = 0.2: pass 0.9 leaves a sum of 1.1
    let text = base_plus(
        "\n[[stress]]\nname = \"Easy pilot\"\nset = { \"stage.Pilot.gate.pass\" = 0.9 }\n",
    );
    let err = run_fails(&text);
    says(
        &err,
        &[
            FILE,
            &last_line_of(&text, "set = "),
            "at stress.Easy pilot.set",
            "stage.Pilot.gate.pass: pass + rework must be at most 1",
            "0.9 + stage.Pilot.gate.rework = 0.2",
        ],
    );
}

#[test]
fn fails_with_a_command_line_set_of_pass_plus_rework_above_one() {
    let err = run_fails_with(BASE, &["--set", "stage.Pilot.gate.pass=0.85"]);
    says(
        &err,
        &[
            "error: --set",
            "stage.Pilot.gate.pass: pass + rework must be at most 1",
        ],
    );
}

#[test]
fn fails_with_a_command_line_set_of_a_negative_pass() {
    let err = run_fails_with(BASE, &["--set", "stage.Pilot.gate.pass=-0.1"]);
    says(
        &err,
        &[
            "error: --set",
            "stage.Pilot.gate.pass: pass is a probability and must lie between 0 and 1, got -0.1",
        ],
    );
}

#[test]
fn fails_with_a_distribution_or_a_scale_too_far_on_a_gate_probability() {
    let err = run_fails_with(
        BASE,
        &["--set", "stage.Pilot.gate.pass={ uniform = [0.5, 0.7] }"],
    );
    says(
        &err,
        &[
            "error: --set",
            "stage.Pilot.gate.pass",
            "plain number between 0 and 1",
        ],
    );
    // rework 0.2 x 6 = 1.2 is no probability
    let err = run_fails_with(BASE, &["--scale", "stage.Pilot.gate.rework=6"]);
    says(
        &err,
        &[
            "error: --scale",
            "stage.Pilot.gate.rework: rework is a probability and must lie between 0 and 1",
        ],
    );
}

// ------------------------------------------------ hostile input (issue 8)
//
// The six inputs a fuzzer found to panic ("capacity overflow") or to run
// forever: each is now refused before anything runs, at its line and path.

/// Runs `text` as `bad.toml` and checks it is refused at the line holding
/// `needle`, naming `path` and saying `what`.
fn refused_at(text: &str, needle: &str, path: &str, what: &str) {
    let err = run_fails(text);
    says(&err, &[FILE, &line_of(text, needle), path, what]);
}

#[test]
fn refuses_a_stage_cost_lognormal_spanning_1e_300_to_1e300() {
    let text = base_with(
        "cost_per_month = { pert = [40000, 60000, 90000] }",
        "cost_per_month = { lognormal = { p10 = 1e-300, p90 = 1e300 } }",
    );
    refused_at(
        &text,
        "p90 = 1e300",
        "stage.Pilot.cost_per_month",
        "lognormal p90 must be at most 1e100 in size, got 1e300",
    );
}

#[test]
fn refuses_a_scope_drawn_near_1e300() {
    let text = base_with(
        "scope = 0.1",
        "scope = { normal = { mean = 1e300, sd = 1e300 }, min = 0 }",
    );
    refused_at(
        &text,
        "mean = 1e300",
        "stage.Pilot.scope",
        "normal mean must be at most 1e100 in size, got 1e300",
    );
}

#[test]
fn refuses_1e308_target_users_beside_a_huge_benefit() {
    let text = base_with("target_users = 1000", "target_users = 1e308").replacen(
        "per_active_user_month = { pert = [150, 220, 300] }",
        "per_active_user_month = 1e300",
        1,
    );
    refused_at(
        &text,
        "target_users",
        "adoption.target_users",
        "a number of users must be at most 1e10, got 1e308",
    );
}

/// `BASE` with retraining every `every` months.
fn retraining_every(every: &str) -> String {
    base_with(
        "run_fixed_per_month = 10000\n",
        &format!(
            "run_fixed_per_month = 10000\nretraining_every_months = {every}\nretraining_cost = 5000\n"
        ),
    )
}

#[test]
fn refuses_retraining_every_5e_324_months() {
    refused_at(
        &retraining_every("5e-324"),
        "retraining_every_months",
        "costs.retraining_every_months",
        "5e-324 is too small to mean anything",
    );
}

#[test]
fn refuses_a_bass_q_whose_pert_reaches_1e308() {
    let text = base_with("q = 0.4", "q = { pert = [0.30, 0.45, 1e308] }");
    refused_at(
        &text,
        "q = ",
        "adoption.q",
        "pert max must be at most 1e100 in size, got 1e308",
    );
}

#[test]
fn refuses_a_cost_drawn_from_a_beta_with_shapes_of_1e_9() {
    let text = base_with(
        "run_fixed_per_month = 10000",
        "run_fixed_per_month = { beta = { a = 1e-9, b = 1e-9 } }",
    );
    refused_at(
        &text,
        "beta = ",
        "costs.run_fixed_per_month",
        "beta needs a and b from 0.01 to 10000",
    );
}

/// One input per kind of limit, just beyond it; docs/SCENARIO.md lists
/// them (a distribution's unbounded tail counts 8 sd out).
#[test]
fn refuses_each_kind_of_quantity_beyond_its_limit() {
    let cases = [
        (
            "cost_per_month = 20000",
            "cost_per_month = 2e15",
            "stage.Discovery.cost_per_month",
            "a money amount must be at most 1e15, got 2e15",
        ),
        (
            "cost_per_month = 20000",
            "cost_per_month = { lognormal = { p10 = 1000, p90 = 1e7 } }",
            "stage.Discovery.cost_per_month",
            "a money amount must be at most 1e15, but this distribution can draw values up to",
        ),
        (
            "target_users = 1000",
            "target_users = 2e10",
            "adoption.target_users",
            "a number of users must be at most 1e10",
        ),
        (
            "scope = 1.0",
            "scope = 1001",
            "stage.Production.scope",
            "a share of the target users must be at most 1000",
        ),
        (
            "duration_months = 1.5",
            "duration_months = 20000",
            "stage.Production.duration_months",
            "a time in months must be at most 10000",
        ),
        (
            "q = 0.4",
            "q = 10001",
            "adoption.q",
            "a rate per month must be at most 10000",
        ),
        (
            "seed = 7",
            "seed = 7\ndiscount_rate = -0.6",
            "scenario.discount_rate",
            "an annual discount rate must be at least -0.5",
        ),
        (
            "overrun = { lognormal = { p10 = 1.0, p90 = 1.5 } }",
            "overrun = 1001",
            "costs.overrun",
            "a factor must be at most 1000",
        ),
        (
            "lag_months = 1",
            "lag_months = 1e-12",
            "benefit.Time saved.lag_months",
            "1e-12 is too small to mean anything",
        ),
    ];
    for (from, to, path, what) in cases {
        let text = base_with(from, to);
        let needle = to.lines().last().unwrap();
        refused_at(&text, needle, path, what);
    }
}

/// At the edge of every limit at once, a run still finishes and writes
/// finite numbers only.
#[test]
fn a_scenario_at_the_limits_runs_and_writes_finite_figures() {
    let text = BASE
        .replacen("target_users = 1000", "target_users = 1e10", 1)
        .replacen("scope = 1.0", "scope = 1000", 1)
        .replacen(
            "per_active_user_month = { pert = [150, 220, 300] }",
            "per_active_user_month = { uniform = [-1e15, 1e15] }",
            1,
        )
        .replacen("cost_per_month = 20000", "cost_per_month = 1e15", 1)
        .replacen("seed = 7", "seed = 7\ndiscount_rate = -0.5", 1)
        .replacen("q = 0.4", "q = 1e4", 1)
        .replacen(
            "overrun = { lognormal = { p10 = 1.0, p90 = 1.5 } }",
            "overrun = 1000\nretraining_every_months = 0.25\nretraining_cost = 1e15",
            1,
        );
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join(FILE), &text).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            FILE,
            "--out",
            "out",
            "--quiet",
            "--iterations",
            "300",
        ])
        .args(["--formats", "html"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    for f in ["monthly.csv", "iterations.csv", "sensitivity.csv"] {
        let csv = fs::read_to_string(tmp.path().join("out").join(f)).unwrap();
        for field in csv.lines().flat_map(|l| l.split(',')) {
            let t = field.to_ascii_lowercase();
            assert!(
                !matches!(t.as_str(), "nan" | "inf" | "-inf"),
                "{f} holds {field}"
            );
        }
    }
}

/// The fuzzer's case 874,096: an overrun drawn from a beta with a = 0.01
/// underflows to a few times 1e-310, and so do the total costs it
/// multiplies. ROI is then undefined (MODEL.md 7, costs of 0), not infinite:
/// the run succeeds and iterations.csv leaves those ROIs empty.
#[test]
fn an_overrun_that_underflows_leaves_roi_empty_rather_than_infinite() {
    let text = BASE.replacen(
        "overrun = { lognormal = { p10 = 1.0, p90 = 1.5 } }",
        "overrun = { beta = { a = 0.01, b = 1e4 } }",
        1,
    );
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join(FILE), &text).unwrap();
    gatecast(tmp.path())
        .args(["run", FILE, "--out", "out", "--quiet", "-n", "200"])
        .args(["--formats", "html"])
        .assert()
        .success();
    let csv = fs::read_to_string(tmp.path().join("out").join("iterations.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let roi = header.iter().position(|h| h.starts_with("roi")).unwrap();
    let (mut empty, mut rows) = (0, 0);
    for line in lines {
        let field = line.split(',').nth(roi).unwrap();
        assert!(!field.to_ascii_lowercase().contains("inf"), "ROI {field}");
        rows += 1;
        empty += usize::from(field.is_empty());
    }
    assert_eq!(rows, 200);
    // with total costs before the overrun near 1e5-1e6, ROI is empty when
    // the overrun is below about 1e-15: I(1e-15; 0.01, 1e4) ~ x^a / (a B(a, b))
    // = 0.708 / 0.907 ~ 0.78, so about 156 of 200, and never all of them
    assert!(empty > 60 && empty < 200, "{empty} empty ROIs of 200");
}

// ------------------------------------------------ the contract, MODEL.md section 1

/// A gate that can only pass or kill needs no rework_months: max_reworks
/// = 0 alone is valid.
#[test]
fn a_gate_with_max_reworks_0_and_no_rework_months_is_valid() {
    let text = base_with(
        "scope = 0.0\n",
        "scope = 0.0\n[stage.gate]\npass = 0.9\nmax_reworks = 0\n",
    );
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join(FILE), &text).unwrap();
    gatecast(tmp.path())
        .args(["validate", FILE])
        .assert()
        .success();
    gatecast(tmp.path())
        .args(["run", FILE, "--out", "out", "--quiet", "--formats", "html"])
        .assert()
        .success();
    let json = fs::read_to_string(tmp.path().join("out/summary.json")).unwrap();
    assert!(json.contains("Discovery"), "{json}");
}

#[test]
fn refuses_retraining_every_0_months_or_a_distribution_that_can_draw_0() {
    refused_at(
        &retraining_every("0"),
        "retraining_every_months",
        "costs.retraining_every_months",
        "must be greater than 0, got 0",
    );
    refused_at(
        &retraining_every("{ uniform = [-1, 6] }"),
        "retraining_every_months",
        "costs.retraining_every_months",
        "must be greater than 0, but uniform [-1, 6] can draw values from -1 to 6",
    );
    refused_at(
        &retraining_every("{ uniform = [0.1, 6] }"),
        "retraining_every_months",
        "costs.retraining_every_months",
        "the months between retrainings (about a week at the least) must be at least 0.25",
    );
}

/// A truncation keeping 3.7e-51 of a normal (cut 15 sd above its mean) is
/// drawn as written, with a warning naming the file, line, path and mass.
#[test]
fn warns_of_a_truncation_that_keeps_almost_none_of_its_distribution() {
    let text = base_with(
        "lag_months = 1",
        "lag_months = { normal = { mean = 5, sd = 1 }, min = 20 }",
    );
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join(FILE), &text).unwrap();
    let warning = format!(
        "warning: {FILE}:{}: at benefit.Time saved.lag_months: the truncation keeps only 3.7e-51 of the distribution's mass",
        line_of(&text, "min = 20").trim_start_matches("line ")
    );
    for args in [
        vec!["validate", FILE],
        vec!["run", FILE, "--out", "out", "--quiet", "--formats", "html"],
    ] {
        gatecast(tmp.path())
            .args(&args)
            .assert()
            .success()
            .stderr(predicate::str::starts_with(warning.as_str()));
    }
    assert!(tmp.path().join("out/summary.json").is_file());
}
