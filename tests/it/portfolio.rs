//! `gatecast portfolio` (MODEL.md section 10): the count of successes, the
//! readiness copula, the clock, a one-initiative programme against `run`,
//! exact marginal contributions, a hand-worked selection, thread
//! independence and bad input.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use gatecast::engine::{self, RunOptions, Sampling};
use gatecast::model::{simulate_from, Workspace};
use gatecast::portfolio::figures::{all_figures, PortfolioSummary};
use gatecast::portfolio::{self, initiative_seed, Subsets};
use gatecast::scenario::portfolio::Portfolio;
use gatecast::scenario::Scenario;
use gatecast::summary::Summary;
use predicates::prelude::*;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use tempfile::TempDir;

/// A scenario with one gate: "Build" (gate: pass `p`, else kill), then
/// "Production". Deterministic apart from the gate.
fn one_gate(name: &str, p: f64) -> String {
    format!(
        r#"[scenario]
name = "{name}"
currency = "EUR"
horizon_months = 24

[[stage]]
name = "Build"
duration_months = 2
cost_per_month = 10000
[stage.gate]
pass = {p}

[[stage]]
name = "Production"
duration_months = 1
scope = 1.0

[adoption]
target_users = 100
curve = "bass"
ceiling = 0.5
p = 0.05
q = 0.3

[[benefit]]
name = "Time saved"
per_active_user_month = 300
"#
    )
}

/// A deterministic scenario worked by hand: "Build" burns `burn` a month
/// for `months`, then "Run" gives 1,000 users access, all active from the
/// next month end (Bass p = 1000), each worth `per_user` a month.
fn by_hand(name: &str, months: u32, burn: f64, per_user: f64) -> String {
    format!(
        r#"[scenario]
name = "{name}"
currency = "EUR"

[[stage]]
name = "Build"
duration_months = {months}
cost_per_month = {burn}

[[stage]]
name = "Run"
duration_months = 1
scope = 1.0

[adoption]
target_users = 1000
curve = "bass"
ceiling = 1.0
p = 1000
q = 0

[[benefit]]
name = "Value"
per_active_user_month = {per_user}
"#
    )
}

/// Writes `files` into `dir`, then reads the portfolio file `main`.
fn portfolio(dir: &Path, files: &[(&str, String)], main: &str) -> Portfolio {
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    Portfolio::from_file(&dir.join(main)).unwrap()
}

fn header(extra: &str) -> String {
    format!(
        "[portfolio]\nname = \"Test programme\"\ncurrency = \"EUR\"\nhorizon_months = 24\n{extra}\n"
    )
}

fn initiative(file: &str, name: &str, start: &str) -> String {
    format!("[[initiative]]\nscenario = \"{file}\"\nname = \"{name}\"\nstart_month = {start}\n\n")
}

fn opts(iterations: u64, seed: u64) -> RunOptions {
    RunOptions {
        iterations,
        seed,
        threads: None,
        sampling: Sampling::Mc,
    }
}

fn summarise(pf: &Portfolio, o: &RunOptions, subsets: &Subsets) -> PortfolioSummary {
    let r = portfolio::run(pf, o, subsets, &|_| {}).unwrap();
    PortfolioSummary::new(pf, &r, None)
}

/// One-gate initiatives `p`, independent or under `readiness`.
fn one_gate_programme(dir: &Path, ps: &[f64], readiness: f64) -> Portfolio {
    let mut files = Vec::new();
    let mut text = header(&format!("readiness = {readiness}"));
    for (j, p) in ps.iter().enumerate() {
        let file = format!("g{j}.toml");
        files.push((file.clone(), one_gate(&format!("Gate {j}"), *p)));
        text.push_str(&initiative(&file, &format!("Gate {j}"), "0"));
    }
    let mut all: Vec<(&str, String)> = files.iter().map(|(f, t)| (f.as_str(), t.clone())).collect();
    all.push(("programme.toml", text));
    portfolio(dir, &all, "programme.toml")
}

/// The exact distribution of the number of successes of independent
/// trials with probabilities `ps` (Poisson-binomial), by recursion.
fn poisson_binomial(ps: &[f64]) -> Vec<f64> {
    let mut d = vec![1.0];
    for &p in ps {
        let mut next = vec![0.0; d.len() + 1];
        for (k, q) in d.iter().enumerate() {
            next[k] += q * (1.0 - p);
            next[k + 1] += q * p;
        }
        d = next;
    }
    d
}

/// With readiness 0, the number of one-gate initiatives that reach their
/// last stage follows the exact Poisson-binomial: chi-square at seed 11
/// (4 degrees of freedom; the 0.1% critical value is 18.47).
#[test]
fn the_count_of_successes_is_poisson_binomial_without_readiness() {
    let dir = TempDir::new().unwrap();
    let ps = [0.2, 0.5, 0.7, 0.9];
    let pf = one_gate_programme(dir.path(), &ps, 0.0);
    let n = 20_000;
    let s = summarise(&pf, &opts(n, 11), &Subsets::leave_one_out(ps.len()));
    let exact = poisson_binomial(&ps);
    let observed: Vec<f64> = s
        .reaching_last_stage
        .exactly
        .iter()
        .map(|p| p.value * n as f64)
        .collect();
    let chi2: f64 = observed
        .iter()
        .zip(&exact)
        .map(|(o, e)| (o - e * n as f64).powi(2) / (e * n as f64))
        .sum();
    assert!(chi2 < 18.47, "chi-square {chi2}: {observed:?} vs {exact:?}");
    // P(at least k) sums the tail
    let at_least_2: f64 = exact[2..].iter().sum();
    let got = s.reaching_last_stage.at_least[2];
    assert!(
        (got.value - at_least_2).abs() < 4.0 * got.se,
        "{got:?} vs {at_least_2}"
    );
    assert_eq!(s.reaching_last_stage.at_least[0].value, 1.0);
}

/// The bivariate normal distribution function `Phi2(a, b; r)`, integrated
/// over the shared factor: `int phi(z) Phi((a - sqrt(r) z) / sqrt(1 - r))
/// Phi((b - sqrt(r) z) / sqrt(1 - r)) dz` (Simpson's rule on [-10, 10]).
fn phi2(a: f64, b: f64, r: f64) -> f64 {
    let std = Normal::standard();
    let (k, steps) = (r.sqrt(), 20_000);
    let h = 20.0 / steps as f64;
    let f = |z: f64| {
        std.pdf(z)
            * std.cdf((a - k * z) / (1.0 - r).sqrt())
            * std.cdf((b - k * z) / (1.0 - r).sqrt())
    };
    let mut sum = f(-10.0) + f(10.0);
    for i in 1..steps {
        let z = -10.0 + i as f64 * h;
        sum += f(z) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

/// Under readiness r, each gate keeps its pass share, and two gates both
/// pass with the bivariate normal probability `Phi2(Phi^-1(p1),
/// Phi^-1(p2); r)`, within 4 standard errors.
#[test]
fn readiness_keeps_each_gate_and_couples_them_as_the_bivariate_normal() {
    let dir = TempDir::new().unwrap();
    let (p1, p2, r) = (0.3, 0.6, 0.5);
    let pf = one_gate_programme(dir.path(), &[p1, p2], r);
    let n = 40_000;
    let run = portfolio::run(&pf, &opts(n, 5), &Subsets::leave_one_out(2), &|_| {}).unwrap();
    let s = PortfolioSummary::new(&pf, &run, None);
    for (i, p) in s.initiatives.iter().zip([p1, p2]) {
        let got = i.p_reaches_last_stage;
        assert!(
            (got.value - p).abs() < 4.0 * got.se,
            "{}: {got:?} vs {p}",
            i.name
        );
    }
    let both = s.reaching_last_stage.exactly[2];
    let std = Normal::standard();
    let want = phi2(std.inverse_cdf(p1), std.inverse_cdf(p2), r);
    assert!(
        (both.value - want).abs() < 4.0 * both.se,
        "P(both) {both:?} vs Phi2 {want}"
    );
    // independence would give p1 p2 = 0.18, far outside
    assert!(both.value - p1 * p2 > 10.0 * both.se);
}

/// The variance of the count grows with readiness.
#[test]
fn the_variance_of_the_count_grows_with_readiness() {
    let variance = |r: f64| {
        let dir = TempDir::new().unwrap();
        let pf = one_gate_programme(dir.path(), &[0.5, 0.5, 0.5, 0.5], r);
        let s = summarise(&pf, &opts(10_000, 3), &Subsets::leave_one_out(4));
        let d = &s.reaching_last_stage.exactly;
        let mean: f64 = d.iter().enumerate().map(|(k, p)| k as f64 * p.value).sum();
        d.iter()
            .enumerate()
            .map(|(k, p)| (k as f64 - mean).powi(2) * p.value)
            .sum::<f64>()
    };
    let v: Vec<f64> = [0.0, 0.3, 0.6].iter().map(|&r| variance(r)).collect();
    // exact: 1.0 independent; 1 + 12 asin(r) / (2 pi) under readiness r
    for (got, r) in v.iter().zip([0.0f64, 0.3, 0.6]) {
        let want = 1.0 + 12.0 * r.asin() / (2.0 * std::f64::consts::PI);
        assert!(
            (got - want).abs() < 0.1,
            "r = {r}: variance {got} vs {want}"
        );
    }
    assert!(v[0] < v[1] && v[1] < v[2], "{v:?}");
}

/// On a deterministic scenario, starting at month s moves every stage
/// start, the first access and the payback by exactly s.
#[test]
fn a_start_month_moves_the_whole_timeline_by_exactly_that_much() {
    let text = by_hand("Clock", 4, 100_000.0, 50.0)
        .replace("[scenario]\n", "[scenario]\nhorizon_months = 48\n");
    let sc = Scenario::from_toml(&text, "clock.toml").unwrap();
    let x: Vec<f64> = sc.inputs.iter().map(|i| i.quantile(0.5)).collect();
    let mut at0 = Workspace::new(&sc);
    simulate_from(&sc, &x, &[], 0.0, &mut at0);
    for s in [1.0, 5.0, 12.0] {
        let mut moved = Workspace::new(&sc);
        simulate_from(&sc, &x, &[], s, &mut moved);
        let (a, b) = (&at0.outcome, &moved.outcome);
        for (x0, xs) in a.stage_start.iter().zip(&b.stage_start) {
            assert_eq!(xs.unwrap(), x0.unwrap() + s);
        }
        assert_eq!(b.first_access.unwrap(), a.first_access.unwrap() + s);
        assert_eq!(a.payback, Some(12.0));
        assert!(
            (b.payback.unwrap() - (12.0 + s)).abs() < 1e-12,
            "{:?}",
            b.payback
        );
        // the months before the start hold nothing
        assert!(moved.months.net[..s as usize].iter().all(|v| *v == 0.0));
    }
    // through a portfolio file, the same
    let dir = TempDir::new().unwrap();
    let main = header("").replace("horizon_months = 24", "horizon_months = 48")
        + &initiative("clock.toml", "Clock", "5");
    let pf = portfolio(
        dir.path(),
        &[("clock.toml", text.clone()), ("p.toml", main)],
        "p.toml",
    );
    let s = summarise(&pf, &opts(10, 1), &Subsets::leave_one_out(1));
    assert_eq!(s.programme.payback.p50.value, Some(17.0));
    let first = s.initiatives[0]
        .summary
        .leading
        .first_access_month
        .as_ref()
        .unwrap();
    assert_eq!(first.mean.value, 9.0);
}

/// A one-initiative programme at start 0 with the scenario's horizon and
/// discount rate reproduces `run` at the initiative's seed exactly: its
/// own figures, and the programme's.
#[test]
fn a_one_initiative_programme_reproduces_run_exactly() {
    let dir = TempDir::new().unwrap();
    let example = fs::read_to_string("scenarios/example.toml").unwrap();
    let main = "[portfolio]\nname = \"One\"\ncurrency = \"EUR\"\nhorizon_months = 36\ndiscount_rate = 0.10\nseed = 3\n\n".to_string()
        + &initiative("example.toml", "Claims", "0");
    let pf = portfolio(
        dir.path(),
        &[("example.toml", example), ("p.toml", main)],
        "p.toml",
    );
    let o = opts(6000, 3);
    let s = summarise(&pf, &o, &Subsets::leave_one_out(1));
    let sc = &pf.initiatives[0].scenario;
    let seed = initiative_seed(3, "Claims");
    assert_eq!(s.initiatives[0].seed, seed);
    let r = engine::run(sc, &opts(6000, seed), None, &|_| {}).unwrap();
    let want = Summary::new(sc, &pf.initiatives[0].file, &r);
    let got = &s.initiatives[0].summary;
    assert_eq!(got, &want);
    // the programme of one is the initiative
    let p = &s.programme;
    assert_eq!(p.payback, want.payback);
    assert_eq!(p.npv, want.npv);
    assert_eq!(p.roi, want.roi);
    assert_eq!(p.peak_funding, want.peak_funding);
    assert_eq!(p.total_cost, want.total_cost);
}

/// Three uncertain initiatives under readiness; marginal contributions.
fn three(dir: &Path, skip: Option<usize>) -> Portfolio {
    let base = fs::read_to_string("scenarios/example.toml").unwrap();
    let names = ["Alpha", "Beta", "Gamma"];
    let starts = ["0", "4", "{ uniform = [2, 10] }"];
    let mut text = "[portfolio]\nname = \"Three\"\ncurrency = \"EUR\"\nhorizon_months = 40\ndiscount_rate = 0.08\nreadiness = 0.4\n\n".to_string();
    for j in (0..3).filter(|j| Some(*j) != skip) {
        text.push_str(&initiative("example.toml", names[j], starts[j]));
    }
    let main = format!("p{}.toml", skip.map_or(9, |s| s));
    portfolio(dir, &[("example.toml", base), (&main, text)], &main)
}

/// Each initiative's marginal contribution is exactly the programme with
/// it minus the programme run without it (a file without it), on the same
/// draws.
#[test]
fn marginal_contributions_are_exact_differences_on_the_same_draws() {
    let dir = TempDir::new().unwrap();
    let o = opts(5000, 21);
    let all = summarise(&three(dir.path(), None), &o, &Subsets::leave_one_out(3));
    for j in 0..3 {
        let pf = three(dir.path(), Some(j));
        let without = summarise(&pf, &o, &Subsets::leave_one_out(2));
        let c = &all.initiatives[j].contribution;
        assert_eq!(c.without, without.all_initiatives, "initiative {j}");
        assert_eq!(
            c.mean_npv,
            all.all_initiatives.mean_npv.value - without.all_initiatives.mean_npv.value
        );
        assert_eq!(
            c.p_payback_within_target,
            all.all_initiatives.p_payback_within_target.value
                - without.all_initiatives.p_payback_within_target.value
        );
        assert_eq!(
            c.peak_funding_p90,
            all.all_initiatives.peak_funding_p90 - without.all_initiatives.peak_funding_p90
        );
        // the others' own figures do not change when one leaves
        for (k, i) in without.initiatives.iter().enumerate() {
            let same = all.initiatives.iter().find(|x| x.name == i.name).unwrap();
            assert_eq!(i.summary.npv, same.summary.npv, "{k}");
        }
    }
    // NPV is additive: the contribution to mean NPV is the initiative's mean NPV
    let c = all.initiatives[1].contribution.mean_npv;
    let own = all.initiatives[1].summary.npv.spread.mean.value;
    assert!((c - own).abs() <= 1e-6 * own.abs().max(1.0), "{c} vs {own}");
}

/// Four deterministic initiatives over 24 months at a 0% discount rate,
/// worked by hand (NPV = total net cash; peak funding = the deepest the
/// summed cumulative cash goes):
///
/// | | build months | burn/month | value/month after | NPV | peak |
/// |---|---|---|---|---|---|
/// | A | 4 | 100k | 50k | 600k | 400k |
/// | B | 2 | 100k | 25k | 350k | 200k |
/// | C | 6 | 100k | 50k | 300k | 600k |
/// | D | 3 | 50k | 5k | -45k | 150k |
///
/// Subsets (NPV, peak): A+B (950k, 550k: -400k - 150k at month 4),
/// A+C (900k, 900k), A+B+C (1.25M, 1.0M), A+B+D (905k, 695k), B+C (650k,
/// 700k)... Within a 900k budget the best is A+B (A+C fits exactly, with
/// less NPV); the frontier is D, B, A, A+B, A+B+C.
#[test]
fn selection_and_frontier_are_the_hand_worked_ones() {
    let dir = TempDir::new().unwrap();
    let specs = [
        ("A", 4, 100_000.0, 50.0),
        ("B", 2, 100_000.0, 25.0),
        ("C", 6, 100_000.0, 50.0),
        ("D", 3, 50_000.0, 5.0),
    ];
    let mut files = Vec::new();
    let mut text = header("budget = 900000");
    for (name, months, burn, per_user) in specs {
        let file = format!("{name}.toml");
        files.push((file.clone(), by_hand(name, months, burn, per_user)));
        text.push_str(&initiative(&file, name, "0"));
    }
    let mut all: Vec<(&str, String)> = files.iter().map(|(f, t)| (f.as_str(), t.clone())).collect();
    all.push(("p.toml", text));
    let pf = portfolio(dir.path(), &all, "p.toml");
    let o = opts(50, 1);
    let r = portfolio::run(&pf, &o, &Subsets::All, &|_| {}).unwrap();
    let (sub, fresh) =
        portfolio::re_estimate(&pf, 0b0011, &RunOptions { seed: 2, ..o }, &|_| {}).unwrap();
    let s = PortfolioSummary::new(&pf, &r, all_figures(&sub, &fresh));
    let sel = s.selection.as_ref().unwrap();
    assert_eq!(sel.subsets, 15);
    let chosen = sel.chosen.as_ref().unwrap();
    assert_eq!(chosen.initiatives, ["A", "B"]);
    assert_eq!(chosen.mean_npv.value, 950_000.0);
    assert_eq!(chosen.peak_funding_p90, 550_000.0);
    let frontier: Vec<(String, f64, f64)> = sel
        .frontier
        .iter()
        .map(|p| {
            (
                p.figures.initiatives.join("+"),
                p.figures.mean_npv.value,
                p.figures.peak_funding_p90,
            )
        })
        .collect();
    assert_eq!(
        frontier,
        [
            ("D".to_string(), -45_000.0, 150_000.0),
            ("B".to_string(), 350_000.0, 200_000.0),
            ("A".to_string(), 600_000.0, 400_000.0),
            ("A+B".to_string(), 950_000.0, 550_000.0),
            ("A+B+C".to_string(), 1_250_000.0, 1_000_000.0),
        ]
    );
    let within: Vec<bool> = sel.frontier.iter().map(|p| p.within_budget).collect();
    assert_eq!(within, [true, true, true, true, false]);
    // deterministic: the fresh draws agree, and are reported beside
    assert_eq!(sel.fresh.as_ref(), Some(chosen));
    assert_eq!(sel.fresh_seed, 2);
    // A's payback by hand: -400k at month 4, +50k a month: month 12
    assert_eq!(s.initiatives[0].summary.payback.p50.value, Some(12.0));
}

/// Results are byte-identical on 1 and 8 threads (two blocks and a half).
#[test]
fn a_programme_is_byte_identical_on_one_and_eight_threads() {
    let pf =
        Portfolio::from_file(Path::new("scenarios/portfolio/group-ai-programme.toml")).unwrap();
    let json = |threads: usize| {
        let o = RunOptions {
            threads: Some(threads),
            ..opts(9000, 7)
        };
        let r = portfolio::run(&pf, &o, &Subsets::All, &|_| {}).unwrap();
        let s = PortfolioSummary::new(&pf, &r, None);
        let csv = gatecast::export::portfolio::iterations_csv(&s, &r).unwrap();
        (serde_json::to_string(&s).unwrap(), csv)
    };
    let (a, b) = (json(1), json(8));
    assert!(a.0 == b.0, "summary differs between 1 and 8 threads");
    assert!(a.1 == b.1, "iterations.csv differs between 1 and 8 threads");
}

// ---- the command line ----

fn gatecast() -> Command {
    Command::cargo_bin("gatecast").unwrap()
}

/// A valid two-initiative programme in `dir`: `p.toml`, `a.toml`, `b.toml`.
fn write_valid(dir: &Path, extra: &str) {
    fs::write(dir.join("a.toml"), one_gate("Alpha", 0.6)).unwrap();
    fs::write(dir.join("b.toml"), one_gate("Beta", 0.8)).unwrap();
    fs::write(
        dir.join("p.toml"),
        header(&format!("iterations = 300\n{extra}"))
            + &initiative("a.toml", "Alpha", "0")
            + &initiative("b.toml", "Beta", "3"),
    )
    .unwrap();
}

#[test]
fn the_portfolio_command_writes_every_file_and_validate_accepts_it() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "budget = 100000\nreadiness = 0.2");
    let out = dir.path().join("out");
    gatecast()
        .args([
            "portfolio",
            "p.toml",
            "--out",
            "out",
            "--formats",
            "svg,html,xlsx",
        ])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("chance the programme pays back"))
        .stdout(predicate::str::contains("Fresh draws (seed 1)"));
    for f in [
        "summary.json",
        "summary.md",
        "monthly.csv",
        "iterations.csv",
        "initiatives.csv",
        "frontier.csv",
        "report.html",
        "report.xlsx",
        "charts/efficient-frontier.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    roxmltree::Document::parse(&html.replace("<!DOCTYPE html>", "")).unwrap();
    assert!(html.contains("Selection under a budget"));
    let csv = fs::read_to_string(out.join("iterations.csv")).unwrap();
    assert_eq!(csv.lines().count(), 301);
    assert!(csv.lines().next().unwrap().contains("Beta furthest_stage"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["initiatives"].as_array().unwrap().len(), 2);
    assert_eq!(json["selection"]["subsets"], 3);
    gatecast()
        .args(["validate", "p.toml"])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "valid. Portfolio \"Test programme\": 2 initiatives",
        ));
}

#[test]
fn init_portfolio_writes_a_programme_that_validates_and_runs() {
    let dir = TempDir::new().unwrap();
    gatecast()
        .args(["init", "--portfolio", "prog.toml"])
        .current_dir(dir.path())
        .assert()
        .success();
    for f in [
        "prog.toml",
        "claims-copilot.toml",
        "service-drafting.toml",
        "document-review.toml",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    gatecast()
        .args([
            "portfolio",
            "prog.toml",
            "-n",
            "500",
            "--quiet",
            "--formats",
            "png",
        ])
        .current_dir(dir.path())
        .assert()
        .success();
    // not twice
    gatecast()
        .args(["init", "--portfolio", "prog.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists already"));
}

/// Runs a bad programme: exit 2, every `needle` in the message, and no
/// output folder.
fn fails(dir: &Path, needles: &[&str]) {
    let assert = gatecast()
        .args(["portfolio", "p.toml", "--out", "out"])
        .current_dir(dir)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
    assert!(!dir.join("out").exists(), "an output folder was written");
}

/// Replaces `from` by `to` in the valid programme's `p.toml`.
fn bad(from: &str, to: &str, needles: &[&str]) {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    let p = dir.path().join("p.toml");
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from}");
    fs::write(&p, text.replacen(from, to, 1)).unwrap();
    fails(dir.path(), needles);
}

#[test]
fn a_missing_initiative_scenario_is_an_error_at_its_line() {
    bad(
        "scenario = \"b.toml\"",
        "scenario = \"nowhere.toml\"",
        &[
            "p.toml, line 13",
            "initiative.Beta.scenario",
            "nowhere.toml",
            "no such file",
        ],
    );
}

#[test]
fn a_broken_initiative_scenario_names_both_files_and_lines() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    let b = dir.path().join("b.toml");
    let text = fs::read_to_string(&b)
        .unwrap()
        .replace("pass = 0.8", "pass = 1.8");
    fs::write(&b, text).unwrap();
    fails(
        dir.path(),
        &[
            "p.toml, line 13",
            "initiative.Beta.scenario",
            "b.toml, line 11",
            "stage.Build.gate.pass",
        ],
    );
}

#[test]
fn a_currency_mismatch_is_an_error() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    let b = dir.path().join("b.toml");
    let text = fs::read_to_string(&b)
        .unwrap()
        .replace("\"EUR\"", "\"USD\"");
    fs::write(&b, text).unwrap();
    fails(
        dir.path(),
        &["p.toml, line 13", "initiative.Beta.scenario", "USD", "EUR"],
    );
}

#[test]
fn duplicate_initiative_names_are_an_error() {
    bad(
        "name = \"Beta\"",
        "name = \"Alpha\"",
        &[
            "p.toml, line 14",
            "initiative.Alpha.name",
            "two initiatives are named \"Alpha\"",
        ],
    );
}

#[test]
fn readiness_outside_zero_to_one_is_an_error() {
    bad(
        "iterations = 300",
        "iterations = 300\nreadiness = 1.0",
        &["p.toml, line 6", "portfolio.readiness", "[0, 1)"],
    );
}

#[test]
fn a_start_month_negative_or_past_the_horizon_is_an_error() {
    bad(
        "start_month = 3",
        "start_month = -1",
        &[
            "p.toml, line 15",
            "initiative.Beta.start_month",
            "from 0 to the horizon",
        ],
    );
    bad(
        "start_month = 3",
        "start_month = { uniform = [20, 30] }",
        &[
            "p.toml, line 15",
            "initiative.Beta.start_month",
            "horizon (24)",
        ],
    );
}

#[test]
fn a_budget_that_is_not_positive_is_an_error() {
    bad(
        "iterations = 300",
        "iterations = 300\nbudget = 0",
        &["p.toml, line 6", "portfolio.budget", "greater than 0"],
    );
}

#[test]
fn a_programme_without_initiatives_is_an_error() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("p.toml"), header("")).unwrap();
    fails(dir.path(), &["p.toml", "at initiative", "no initiatives"]);
}

#[test]
fn an_initiative_that_is_itself_a_portfolio_is_an_error() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    fs::write(
        dir.path().join("b.toml"),
        header("") + &initiative("a.toml", "Alpha", "0"),
    )
    .unwrap();
    fails(
        dir.path(),
        &[
            "p.toml, line 13",
            "initiative.Beta.scenario",
            "itself a portfolio file",
        ],
    );
}

#[test]
fn more_initiatives_than_the_limit_is_an_error() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    let mut text = header("");
    for j in 0..13 {
        text.push_str(&initiative("a.toml", &format!("A{j}"), "0"));
    }
    fs::write(dir.path().join("p.toml"), text).unwrap();
    fails(dir.path(), &["p.toml, line", "at initiative", "at most 12"]);
}

/// Every shipped programme validates, and the charts come out at
/// 1600x900 in PNG and SVG, the frontier's marks the summary's figures.
#[test]
fn the_shipped_programmes_validate_and_draw_their_charts() {
    for f in ["group-ai-programme.toml", "four-playbooks.toml"] {
        gatecast()
            .args(["validate", &format!("scenarios/portfolio/{f}")])
            .assert()
            .success()
            .stdout(predicate::str::contains("valid. Portfolio"));
    }
    let pf =
        Portfolio::from_file(Path::new("scenarios/portfolio/group-ai-programme.toml")).unwrap();
    let s = summarise(&pf, &opts(2000, 7), &Subsets::All);
    let charts = gatecast::charts::portfolio::render_all(&s, true, true).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "programme-cumulative-cash",
            "how-many-reach-production",
            "contributions",
            "efficient-frontier",
            "initiative-payback"
        ]
    );
    for c in &charts {
        let png = c.png.as_ref().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
        let info = decoder.read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), (1600, 900), "{}", c.name);
        assert!(c.svg.as_ref().unwrap().contains("<svg"), "{}", c.name);
    }
    let frontier = &charts[3];
    let sel = s.selection.as_ref().unwrap();
    let chosen = frontier
        .marks
        .iter()
        .find(|m| m.label == "Chosen mean NPV")
        .unwrap();
    assert_eq!(
        chosen.value,
        Some(sel.chosen.as_ref().unwrap().mean_npv.value)
    );
    let reach = &charts[1];
    let one = reach
        .marks
        .iter()
        .find(|m| m.label == "P(at least 1)")
        .unwrap();
    assert_eq!(one.value, Some(s.reaching_last_stage.at_least[1].value));
}

/// The README shows two charts of the shipped programme, committed under
/// docs/img/; this fails when they no longer match what gatecast draws
/// (`gatecast portfolio scenarios/portfolio/group-ai-programme.toml` from
/// the repository's root regenerates them).
#[test]
fn the_programme_charts_in_the_readme_are_current() {
    let tmp = TempDir::new().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    gatecast()
        .current_dir(repo)
        .args([
            "portfolio",
            "scenarios/portfolio/group-ai-programme.toml",
            "--quiet",
            "--no-iterations-csv",
            "--formats",
            "png",
            "--out",
        ])
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let readme = fs::read_to_string(repo.join("README.md")).unwrap();
    for name in ["how-many-reach-production", "efficient-frontier"] {
        let file = format!("docs/img/{name}.png");
        assert!(readme.contains(&file), "the README shows {file}");
        let committed = fs::read(repo.join(&file)).unwrap();
        let fresh = fs::read(tmp.path().join(format!("out/charts/{name}.png"))).unwrap();
        assert!(
            committed == fresh,
            "{file} is stale: regenerate and copy it"
        );
    }
}

#[test]
fn a_scenario_file_given_to_portfolio_says_which_command_reads_it() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("p.toml"), one_gate("Alpha", 0.5)).unwrap();
    fails(
        dir.path(),
        &["p.toml", "this is a scenario file", "gatecast run"],
    );
}

#[test]
fn a_broken_portfolio_file_is_read_as_a_portfolio_by_validate() {
    let dir = TempDir::new().unwrap();
    write_valid(dir.path(), "");
    let p = dir.path().join("p.toml");
    let text = fs::read_to_string(&p)
        .unwrap()
        .replace("start_month = 3", "start_month = [3");
    fs::write(&p, text).unwrap();
    gatecast()
        .args(["validate", "p.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("p.toml, line"))
        .stderr(predicate::str::contains("not valid TOML"));
}

/// The fresh-draws re-estimate simulates the chosen initiatives alone; it
/// gives exactly the figures the whole programme's run on the same seed
/// gives that subset (each initiative's draws depend on its name only).
#[test]
fn a_re_estimate_of_a_subset_equals_that_subset_in_the_whole_run() {
    let pf =
        Portfolio::from_file(Path::new("scenarios/portfolio/group-ai-programme.toml")).unwrap();
    let o = opts(3000, 8);
    let r = portfolio::run(&pf, &o, &Subsets::All, &|_| {}).unwrap();
    let mask = 0b1010_0101;
    let (sub, fresh) = portfolio::re_estimate(&pf, mask, &o, &|_| {}).unwrap();
    let alone = all_figures(&sub, &fresh).unwrap();
    assert_eq!(
        alone.initiatives,
        gatecast::portfolio::figures::names(&pf, mask)
    );
    let in_whole = gatecast::portfolio::figures::figures_of(&pf, &r, mask).unwrap();
    assert_eq!(in_whole, alone);
    let direct = portfolio::run(&sub, &o, &Subsets::leave_one_out(4), &|_| {}).unwrap();
    assert_eq!(all_figures(&sub, &direct).unwrap(), alone);
}

/// Under Latin hypercube and Sobol sampling too, a one-initiative
/// programme is `run` at the initiative's seed: each initiative draws
/// through the engine's own block designs.
#[test]
fn a_one_initiative_programme_reproduces_run_under_lhs_and_sobol() {
    let dir = TempDir::new().unwrap();
    let example = fs::read_to_string("scenarios/example.toml").unwrap();
    let main = "[portfolio]\nname = \"One\"\ncurrency = \"EUR\"\nhorizon_months = 36\ndiscount_rate = 0.10\nseed = 5\n\n".to_string()
        + &initiative("example.toml", "Claims", "0");
    let pf = portfolio(
        dir.path(),
        &[("example.toml", example), ("p.toml", main)],
        "p.toml",
    );
    let sc = &pf.initiatives[0].scenario;
    let seed = initiative_seed(5, "Claims");
    for sampling in [Sampling::Lhs, Sampling::Sobol] {
        let o = RunOptions {
            sampling,
            ..opts(5000, 5)
        };
        let s = summarise(&pf, &o, &Subsets::leave_one_out(1));
        let r = engine::run(sc, &RunOptions { seed, ..o }, None, &|_| {}).unwrap();
        let want = Summary::new(sc, &pf.initiatives[0].file, &r);
        assert_eq!(s.initiatives[0].summary, want, "{sampling:?}");
        assert_eq!(s.programme.npv.spread.p50, want.npv.spread.p50);
    }
}
