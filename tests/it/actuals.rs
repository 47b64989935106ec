//! Actuals (MODEL.md 9.2): the forecast conditioned on what has happened.
//!
//! - an analytic case: one normal input seen through a linear metric with
//!   normal measurement error has a closed-form posterior;
//! - every conditioned figure of summary.json recomputed from
//!   iterations.csv (weight and result columns), and every weighted
//!   iteration agreeing with every stated fact;
//! - byte-identical outputs on one thread and on eight;
//! - bad input: each class ends with exit 2, the file, the line and the
//!   path, and nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use gatecast::actuals::{self, Likelihood, Settings};
use gatecast::engine::{RunOptions, Sampling};
use gatecast::reforecast;
use gatecast::scenario::Scenario;
use gatecast::stats::weighted;
use gatecast::summary::Summary;

fn gatecast(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("gatecast").expect("the gatecast binary builds");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// One stage from month 0 with every user given access, no gate, no
/// costs; usage at month m is `c F(m)` with the Bass curve's p and q fixed
/// and the ceiling `c ~ N(0.5, 0.05)` (truncated at 10 sd: no difference),
/// and total benefit `100 x 1000 x c x sum F(m)`, linear in c.
const ANALYTIC: &str = r#"
[scenario]
name = "Normal-normal"
horizon_months = 12
iterations = 20000
seed = 3

[[stage]]
name = "Run"
duration_months = 12
scope = 1.0

[adoption]
target_users = 1000
curve = "bass"
ceiling = { normal = { mean = 0.5, sd = 0.05 }, min = 0, max = 1 }
p = 0.1
q = 0.3

[[benefit]]
name = "Value"
per_active_user_month = 100

[actuals]
as_of_month = 6
[[actuals.stage]]
name = "Run"
started = 0
[[actuals.observe]]
metric = "usage_rate"
month = 6
value = 0.33
sd = 0.02
"#;

fn bass(tau: f64) -> f64 {
    let (p, q) = (0.1f64, 0.3f64);
    let e = (-(p + q) * tau).exp();
    (1.0 - e) / (1.0 + q / p * e)
}

/// The conditioned mean of the ceiling and of NPV (total benefit, linear
/// in it) match the normal-normal posterior within 3 standard errors; the
/// reported prior percentile matches its closed form.
#[test]
fn a_normal_input_seen_through_a_linear_metric_has_the_closed_form_posterior() {
    let sc = Scenario::from_toml(ANALYTIC, "analytic.toml").unwrap();
    let act = sc.actuals.clone().expect("inline actuals");
    let lik = Likelihood::new(&sc, &act);
    let opts = RunOptions {
        iterations: sc.iterations,
        seed: sc.seed,
        threads: None,
        sampling: Sampling::Mc,
    };
    let settings = Settings {
        min_ess: 4000.0,
        min_iterations: 20_000,
        cap: 400_000,
        pinned: true,
    };
    let c = actuals::condition(&sc, &lik, &opts, settings, None, None, &|_| {}).unwrap();
    assert!(c.reached, "ESS {} after {}", c.ess, c.run.iterations);
    assert_eq!(c.agreeing, c.run.iterations, "no discrete fact can fail");

    // closed form: x = c F + e, c ~ N(m0, s0^2), e ~ N(0, sd^2)
    let (m0, s0, v, sd) = (0.5f64, 0.05f64, 0.33f64, 0.02f64);
    let f = bass(6.0);
    let precision = 1.0 / (s0 * s0) + f * f / (sd * sd);
    let post_mean = (m0 / (s0 * s0) + f * v / (sd * sd)) / precision;

    // the ceiling's weighted mean, from the inputs kept with the weights
    let ids = sc.uncertain_inputs();
    assert_eq!(ids.len(), 1, "the ceiling is the only uncertain input");
    let weights: Vec<f64> = c.kept.iter().map(|&i| c.weights[i as usize]).collect();
    let (mean, se) = weighted::mean_se(&c.kept_inputs, &weights).unwrap();
    assert!(
        (mean - post_mean).abs() < 3.0 * se,
        "ceiling: conditioned mean {mean} ± {se}, closed form {post_mean}"
    );
    assert!(se > 0.0 && se < 0.002, "{se}");

    // NPV (no costs, no discount) = 100 x 1000 x c x sum of F(m), m = 1..12
    let k = 100.0 * 1000.0 * (1..=12).map(|m| bass(m as f64)).sum::<f64>();
    let prior = Summary::new(&sc, "analytic.toml", &c.plan);
    let rf = reforecast::reforecast(&sc, &act, &prior, &c);
    let npv = rf.conditioned.npv.spread.mean;
    assert!(
        (npv.value - k * post_mean).abs() < 3.0 * npv.se,
        "NPV: conditioned mean {} ± {}, closed form {}",
        npv.value,
        npv.se,
        k * post_mean
    );
    // the prior's mean is the plan's: k x 0.5, far from the posterior
    assert!((prior.npv.spread.mean.value - k * m0).abs() < 3.0 * prior.npv.spread.mean.se);
    assert!((prior.npv.spread.mean.value - npv.value).abs() > 20.0 * npv.se);

    // prior percentile: P(c F + e <= v) = Phi((v - m0 F) / sqrt(F^2 s0^2 + sd^2))
    let closed = actuals::normal_cdf((v - m0 * f) / (f * f * s0 * s0 + sd * sd).sqrt());
    let got = rf.observations[0].prior_percentile;
    // Monte Carlo error of a mean of values in [0, 1] over the plan's 20,000 draws
    assert_eq!(c.plan.iterations, 20_000);
    let tol = 3.0 * 0.5 / (c.plan.iterations as f64).sqrt();
    assert!((got - closed).abs() < tol, "{got} vs {closed}");
    assert_eq!(rf.observations[0].surprise, !(0.05..=0.95).contains(&got));
}

/// A pilot whose gate is forced to rework while usage is below a drawn bar
/// (`min_usage_rate`), else passes, reworks or kills by chance. The facts:
/// exactly one rework at the pilot gate, then the rollout started. A
/// forced rework has probability 1 and a chance one 0.3, so the pinned
/// futures' weights differ from future to future.
const FORCED: &str = r#"
[scenario]
name = "Pinned gates"
horizon_months = 24
iterations = 4096
seed = 11

[[stage]]
name = "Pilot"
duration_months = { uniform = [1, 3] }
cost_per_month = { uniform = [100000, 300000] }
scope = 0.2
[stage.gate]
pass = 0.6
rework = 0.3
rework_months = { uniform = [0.5, 1.5] }
max_reworks = 2
min_usage_rate = { uniform = [0, 0.4] }

[[stage]]
name = "Rollout"
duration_months = 2
scope = 1.0

[adoption]
target_users = 1000
curve = "bass"
ceiling = { pert = [0.3, 0.5, 0.7] }
p = 0.1
q = 0.4

[[benefit]]
name = "Value"
per_active_user_month = 100

[actuals]
as_of_month = 8
date_sd = 1.0
[[actuals.stage]]
name = "Pilot"
started = 0
reworks = 1
[[actuals.stage]]
name = "Rollout"
started = 4
"#;

/// Pinning the gate decisions the facts fix (MODEL.md 9.2: "draws pinned
/// to the facts") estimates the same conditioned forecast as plain
/// likelihood weighting, with fewer futures: the conditioned mean of the
/// usage bar (which decides whether the rework was forced, and so the
/// pinned futures' weights), of NPV and P(payback) agree within 4
/// standard errors of their difference.
#[test]
fn pinned_gate_decisions_estimate_the_same_conditioned_forecast() {
    let sc = Scenario::from_toml(FORCED, "forced.toml").unwrap();
    let act = sc.actuals.clone().expect("inline actuals");
    let lik = Likelihood::new(&sc, &act);
    // the first decision reworks, the second passes
    assert_eq!(
        lik.pins,
        vec![Some((0.6, 0.6 + 0.3)), Some((0.0, 0.6)), None]
    );
    let opts = RunOptions {
        iterations: sc.iterations,
        seed: sc.seed,
        threads: None,
        sampling: Sampling::Mc,
    };
    let run = |pinned: bool| {
        let settings = Settings {
            min_ess: 4000.0,
            min_iterations: 4096,
            cap: 1_000_000,
            pinned,
        };
        let c = actuals::condition(&sc, &lik, &opts, settings, None, None, &|_| {}).unwrap();
        assert!(c.reached, "ESS {} after {}", c.ess, c.run.iterations);
        c
    };
    let (pinned, plain) = (run(true), run(false));
    // most first decisions here are forced reworks, which pinning cannot
    // spare: fewer futures all the same
    assert!(
        pinned.run.iterations < plain.run.iterations,
        "pinned {} vs plain {} iterations",
        pinned.run.iterations,
        plain.run.iterations
    );
    let bar = sc
        .uncertain_inputs()
        .iter()
        .position(|&i| sc.inputs[i].path.ends_with("min_usage_rate"))
        .expect("the usage bar is uncertain");
    let width = sc.uncertain_inputs().len();
    let bar_mean = |c: &actuals::Conditioned| {
        let x: Vec<f64> = c
            .kept_inputs
            .iter()
            .skip(bar)
            .step_by(width)
            .copied()
            .collect();
        let w: Vec<f64> = c.kept.iter().map(|&i| c.weights[i as usize]).collect();
        weighted::mean_se(&x, &w).unwrap()
    };
    let figures = |c: &actuals::Conditioned| {
        let prior = Summary::new(&sc, "forced.toml", &c.plan);
        let rf = reforecast::reforecast(&sc, &act, &prior, c);
        let npv = rf.conditioned.npv.spread.mean;
        let paid = rf.after.payback.p_within_horizon;
        [bar_mean(c), (npv.value, npv.se), (paid.value, paid.se)]
    };
    let (a, b) = (figures(&pinned), figures(&plain));
    for (what, ((x, sx), (y, sy))) in ["usage bar", "NPV", "P(payback)"]
        .iter()
        .zip(a.iter().zip(&b))
    {
        let se = (sx * sx + sy * sy).sqrt();
        assert!(se > 0.0, "{what}: pinned {x}, plain {y}");
        assert!(
            (x - y).abs() < 4.0 * se,
            "{what}: pinned {x} ± {sx}, plain {y} ± {sy}"
        );
    }
}

/// The weighted percentile as MODEL.md 9.2 defines it, written out afresh:
/// values with positive weight sorted, the j-th at position (weight before
/// it) / (weight of all but the last), linear between positions.
fn weighted_percentile(values: &[f64], weights: &[f64], p: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(x, w)| !x.is_nan() && **w > 0.0)
        .map(|(x, w)| (*x, *w))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pairs.len();
    if n == 1 {
        return pairs[0].0;
    }
    let total: f64 = pairs.iter().map(|x| x.1).sum();
    let span = total - pairs[n - 1].1;
    let mut before = 0.0;
    let mut positions = Vec::with_capacity(n);
    for (_, w) in &pairs {
        positions.push(before / span);
        before += w;
    }
    for j in 0..n - 1 {
        if p >= positions[j] && p <= positions[j + 1] {
            let (a, b) = (pairs[j].0, pairs[j + 1].0);
            let u = (p - positions[j]) / (positions[j + 1] - positions[j]);
            if u <= 0.0 {
                return a;
            }
            if u >= 1.0 {
                return b;
            }
            if a.is_infinite() || b.is_infinite() {
                return f64::INFINITY;
            }
            return a + u * (b - a);
        }
    }
    pairs[n - 1].0
}

/// Weighted mean and standard error `sqrt(sum v^2 (x - m)^2)`, `v = w / sum w`.
fn weighted_mean(values: &[f64], weights: &[f64]) -> (f64, f64) {
    let keep: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(x, _)| !x.is_nan())
        .map(|(x, w)| (*x, *w))
        .collect();
    let total: f64 = keep.iter().map(|p| p.1).sum();
    let mean = keep.iter().map(|(x, w)| w * x).sum::<f64>() / total;
    let var: f64 = keep
        .iter()
        .map(|(x, w)| (w / total).powi(2) * (x - mean).powi(2))
        .sum();
    (mean, var.sqrt())
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{what}: summary.json {a} vs iterations.csv {b}"
    );
}

/// iterations.csv read as columns of numbers (empty cells as NaN) and text.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut rdr = csv::Reader::from_path(path).unwrap();
        let headers = rdr.headers().unwrap().iter().map(String::from).collect();
        let rows = rdr
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        Table { headers, rows }
    }

    fn index(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn text(&self, name: &str) -> Vec<&str> {
        let i = self.index(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    fn num(&self, name: &str) -> Vec<f64> {
        self.text(name)
            .iter()
            .map(|v| {
                if v.is_empty() {
                    f64::NAN
                } else {
                    v.parse().unwrap()
                }
            })
            .collect()
    }
}

/// A finance analyst recomputes every conditioned figure from the audit
/// trail: the same numbers come out, to 1e-9. Every iteration with weight
/// agrees with every stated fact.
#[test]
fn every_conditioned_figure_can_be_recomputed_from_iterations_csv() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "--quiet",
            "--out",
            "r",
            "--formats",
            "svg",
            "--no-charts",
        ])
        .args(["--min-ess", "400", "-n", "4096", "--actuals"])
        .arg(repo("scenarios/actuals/example-behind-plan.toml"))
        .assert()
        .success();
    let t = Table::read(&tmp.path().join("r/iterations.csv"));
    let s: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    let a = &s["actuals"];
    let c = &a["conditioned"];
    let get = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    let w = t.num("weight");
    let n = w.len();
    assert_eq!(n as u64, a["iterations"].as_u64().unwrap());
    // relative weights, mean 1
    close(w.iter().sum::<f64>() / n as f64, 1.0, "mean weight");
    let ess = w.iter().sum::<f64>().powi(2) / w.iter().map(|x| x * x).sum::<f64>();
    close(
        get(&a["effective_sample_size"]),
        ess,
        "effective sample size",
    );
    assert!(ess >= 400.0);

    // every weighted iteration agrees with every fact (as of month 5:
    // Discovery, POC and Pilot started, the rollout not, no kill; exactly
    // one rework at the POC gate, none at Discovery's, none yet at the
    // Pilot's)
    let start = |st: &str| t.num(&format!("start_month.{st}"));
    let (disc, poc, pilot, prod) = (
        start("Discovery"),
        start("POC"),
        start("Pilot"),
        start("Production rollout"),
    );
    let kill = t.num("kill_month");
    let (rw_d, rw_p) = (t.num("reworks.Discovery"), t.num("reworks.POC"));
    let mut weighted_rows = 0;
    for i in (0..n).filter(|&i| w[i] > 0.0) {
        weighted_rows += 1;
        assert_eq!(disc[i], 0.0);
        assert!(poc[i] <= 5.0 && pilot[i] <= 5.0, "row {i}");
        assert!(prod[i].is_nan() || prod[i] > 5.0, "row {i}");
        assert!(kill[i].is_nan() || kill[i] > 5.0, "row {i}");
        // a listed stage followed by another passed its gate before the
        // next started: every rework it had was ordered by month 5
        assert_eq!((rw_d[i], rw_p[i]), (0.0, 1.0), "row {i}");
    }
    assert_eq!(
        weighted_rows as u64,
        a["agreeing_iterations"].as_u64().unwrap()
    );
    // and every iteration that agrees has a weight
    for i in 0..n {
        let agrees = poc[i] <= 5.0
            && pilot[i] <= 5.0
            && (prod[i].is_nan() || prod[i] > 5.0)
            && (kill[i].is_nan() || kill[i] > 5.0)
            && rw_d[i] == 0.0
            && rw_p[i] == 1.0;
        if !agrees {
            assert_eq!(w[i], 0.0, "row {i} contradicts a fact");
        }
    }

    // payback
    let payback: Vec<f64> = t
        .num("payback_months")
        .into_iter()
        .map(|p| if p.is_nan() { f64::INFINITY } else { p })
        .collect();
    for (key, months) in [
        ("p_within_12_months", 12.0),
        ("p_within_24_months", 24.0),
        ("p_within_36_months", 36.0),
        ("p_within_horizon", 36.0),
    ] {
        let ind: Vec<f64> = payback
            .iter()
            .map(|p| f64::from(u8::from(*p <= months)))
            .collect();
        let (m, se) = weighted_mean(&ind, &w);
        close(get(&c["payback"][key]["value"]), m, key);
        close(get(&c["payback"][key]["se"]), se, key);
    }
    for key in ["p10", "p50", "p90"] {
        let p = get(&c["payback"][key]["p"]);
        let v = weighted_percentile(&payback, &w, p);
        match c["payback"][key]["value"].as_f64() {
            Some(x) => close(x, v, &format!("payback {key}")),
            None => assert!(v.is_infinite(), "payback {key} beyond the horizon"),
        }
    }
    // money figures: mean (with standard error) and percentiles
    let spread = |json: &Value, values: &[f64], what: &str| {
        let (m, se) = weighted_mean(values, &w);
        close(get(&json["mean"]["value"]), m, what);
        close(get(&json["mean"]["se"]), se, what);
        for key in ["p10", "p50", "p90"] {
            let p = get(&json[key]["p"]);
            close(
                get(&json[key]["value"]),
                weighted_percentile(values, &w, p),
                &format!("{what} {key}"),
            );
        }
    };
    let npv = t.num("npv");
    spread(&c["npv"], &npv, "NPV");
    let pos: Vec<f64> = npv.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    close(
        get(&c["npv"]["p_positive"]["value"]),
        weighted_mean(&pos, &w).0,
        "P(NPV > 0)",
    );
    let roi = t.num("roi");
    spread(&c["roi"]["stats"], &roi, "ROI");
    let defined: Vec<f64> = roi
        .iter()
        .map(|r| f64::from(u8::from(!r.is_nan())))
        .collect();
    close(
        get(&c["roi"]["defined_share"]),
        weighted_mean(&defined, &w).0,
        "ROI defined",
    );
    spread(&c["peak_funding"], &t.num("peak_funding"), "peak funding");
    spread(&c["total_cost"], &t.num("total_cost"), "total cost");
    spread(
        &c["total_benefit"],
        &t.num("total_benefit"),
        "total benefit",
    );
    let first = t.num("first_access_month");
    spread(&c["leading"]["first_access_month"], &first, "first access");
    let access: Vec<f64> = first
        .iter()
        .map(|v| f64::from(u8::from(!v.is_nan())))
        .collect();
    close(
        get(&c["leading"]["p_access"]["value"]),
        weighted_mean(&access, &w).0,
        "P(access)",
    );
    let killed_at = t.text("killed_at_gate");
    let killed: Vec<f64> = killed_at
        .iter()
        .map(|k| f64::from(u8::from(!k.is_empty())))
        .collect();
    close(
        get(&c["p_killed"]["value"]),
        weighted_mean(&killed, &w).0,
        "P(killed)",
    );

    // the funnel: a gate decided when it reworked, passed (the next stage
    // started) or killed
    let stages = ["Discovery", "POC", "Pilot", "Production rollout"];
    for (j, st) in stages.iter().enumerate() {
        let f = &c["funnel"][j];
        assert_eq!(f["stage"], *st);
        let started: Vec<f64> = start(st)
            .iter()
            .map(|v| f64::from(u8::from(!v.is_nan())))
            .collect();
        close(
            get(&f["p_started"]["value"]),
            weighted_mean(&started, &w).0,
            "started",
        );
        if j + 1 == stages.len() {
            assert!(f["gate"].is_null());
            continue;
        }
        let next = start(stages[j + 1]);
        let rw = t.num(&format!("reworks.{st}"));
        let here: Vec<bool> = killed_at.iter().map(|k| *k == *st).collect();
        let decided: Vec<f64> = (0..n)
            .map(|i| f64::from(u8::from(rw[i] > 0.0 || !next[i].is_nan() || here[i])))
            .collect();
        let g = &f["gate"];
        close(
            get(&g["p_decision"]["value"]),
            weighted_mean(&decided, &w).0,
            "decided",
        );
        let k: Vec<f64> = here.iter().map(|h| f64::from(u8::from(*h))).collect();
        close(
            get(&g["p_killed"]["value"]),
            weighted_mean(&k, &w).0,
            "killed at gate",
        );
        let wd: f64 = (0..n).map(|i| w[i] * decided[i]).sum();
        let wk: f64 = (0..n).map(|i| w[i] * k[i]).sum();
        let wr: f64 = (0..n).map(|i| w[i] * rw[i]).sum();
        close(
            get(&g["p_killed_given_decision"]),
            wk / wd,
            "killed of decided",
        );
        close(
            get(&g["mean_reworks_given_decision"]),
            wr / wd,
            "reworks of decided",
        );
    }

    // the plan's own futures, unweighted, in plan-iterations.csv: the rows
    // a run without the actuals writes to iterations.csv
    let plan = Table::read(&tmp.path().join("r/plan-iterations.csv"));
    let plan_npv = plan.num("npv");
    assert_eq!(plan_npv.len(), 4096, "the run's usual iterations");
    // the usual columns and the observations', without weight or kill month
    let usual: Vec<&String> = t
        .headers
        .iter()
        .filter(|h| *h != "weight" && *h != "kill_month")
        .collect();
    assert_eq!(plan.headers.iter().collect::<Vec<_>>(), usual);

    // each observation: its prior percentile over the plan's futures, its
    // conditioned mean with the weights
    for o in a["observations"].as_array().unwrap() {
        let x = t.num(o["column"].as_str().unwrap());
        let (value, sd) = (get(&o["value"]), get(&o["sd"]));
        let planned = plan.num(o["column"].as_str().unwrap());
        let p = planned
            .iter()
            .map(|x| actuals::normal_cdf((value - x) / sd))
            .sum::<f64>()
            / planned.len() as f64;
        close(get(&o["prior_percentile"]), p, "prior percentile");
        let (m, se) = weighted_mean(&x, &w);
        close(
            get(&o["conditioned_mean"]["value"]),
            m,
            "observed metric mean",
        );
        close(get(&o["conditioned_mean"]["se"]), se, "observed metric se");
    }
    // each uncertain input's conditioned percentiles
    for asm in a["conditioned_assumptions"].as_array().unwrap() {
        let x = t.num(asm["path"].as_str().unwrap());
        for (key, p) in [("p10", 0.1), ("p50", 0.5), ("p90", 0.9)] {
            close(
                get(&asm[key]),
                weighted_percentile(&x, &w, p),
                asm["path"].as_str().unwrap(),
            );
        }
    }
    // the prior figures stand beside: unweighted, over the plan's futures
    let ones = vec![1.0; plan_npv.len()];
    let (pm, _) = weighted_mean(&plan_npv, &ones);
    close(
        get(&a["prior"]["npv"]["mean"]["value"]),
        pm,
        "prior mean NPV",
    );
    close(
        get(&s["npv"]["mean"]["value"]),
        pm,
        "top-level (prior) mean NPV",
    );
}

/// Every file, charts and workbook included, is the same on one thread
/// and on eight under actuals.
#[test]
fn outputs_under_actuals_are_byte_identical_on_one_thread_and_on_eight() {
    let tmp = tempfile::tempdir().unwrap();
    for (threads, out) in [("1", "one"), ("8", "eight")] {
        gatecast(tmp.path())
            .args(["run", "--quiet", "--threads", threads, "--out", out])
            .args(["-n", "4096", "--min-ess", "300", "--actuals"])
            .arg(repo("scenarios/actuals/example-on-plan.toml"))
            .assert()
            .success()
            .stdout("");
    }
    let files = all_files(&tmp.path().join("one"));
    assert!(files.iter().any(|f| f == "iterations.csv"));
    assert!(files.iter().any(|f| f == "report.xlsx"));
    assert_eq!(files, all_files(&tmp.path().join("eight")));
    for f in files {
        let a = fs::read(tmp.path().join("one").join(&f)).unwrap();
        let b = fs::read(tmp.path().join("eight").join(&f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 8 threads");
    }
}

fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The terminal opens with the re-forecast, says before and after, each
/// observation against the plan, and the effective sample size and
/// Pareto k; the shipped behind-plan file reads as behind plan.
#[test]
fn the_terminal_opens_with_the_reforecast_before_and_after() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gatecast(tmp.path())
        .args(["run", "--out", "r", "--formats", "svg", "--no-charts"])
        .args(["--no-iterations-csv", "--min-ess", "300", "--actuals"])
        .arg(repo("scenarios/actuals/example-behind-plan.toml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("re-forecast from actuals as of month 5"));
    assert!(lines[3]
        .trim_start()
        .starts_with("With what we have seen by month 5, a "));
    assert!(lines[3].contains("in the plan"));
    for needle in [
        "BEFORE AND AFTER",
        "plan (before)",
        "re-forecast",
        "P(payback within 36 months)",
        "Payback P50",
        "NPV P10",
        "P(NPV > 0)",
        "Peak funding P90",
        "WHAT WE HAVE SEEN",
        "POC at month 1.1 (1 rework)",
        "Usage of 2% at month 5 is at the",
        "percentile of what the plan expected",
        "Effective sample size",
        "Pareto k",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    let md = fs::read_to_string(tmp.path().join("r/summary.md")).unwrap();
    assert!(md.contains("## Re-forecast from actuals (as of month 5)"));
    assert!(md.contains("Before (plan)") && md.contains("After (re-forecast)"));
    assert!(md.contains("The sections below are the plan as written"));
    let csv = fs::read_to_string(tmp.path().join("r/monthly.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("month,conditioned_usage_rate_p10,"));
    assert!(header.contains(",prior_usage_rate_p10,"));
}

/// A re-forecast from an actuals file lands beside the plan's results,
/// never over them: output/<actuals file>/ when its name starts with the
/// scenario's, output/<scenario>-<actuals file>/ otherwise.
#[test]
fn a_reforecast_goes_beside_the_plan_not_over_it() {
    let tmp = tempfile::tempdir().unwrap();
    let behind = repo("scenarios/actuals/example-behind-plan.toml");
    fs::copy(&behind, tmp.path().join("month-5.toml")).unwrap();
    for actuals in [behind, tmp.path().join("month-5.toml")] {
        gatecast(tmp.path())
            .args(["run", "--quiet", "--formats", "svg", "--no-charts"])
            .args(["--no-iterations-csv", "--min-ess", "200", "--actuals"])
            .arg(actuals)
            .assert()
            .success();
    }
    let mut made: Vec<String> = fs::read_dir(tmp.path().join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["example-behind-plan", "example-month-5"]);
}

/// `[actuals]` may sit in the scenario file itself.
#[test]
fn actuals_in_the_scenario_file_condition_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("analytic.toml"), ANALYTIC).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "analytic.toml",
            "--quiet",
            "--out",
            "r",
            "--formats",
            "svg",
        ])
        .args(["--no-charts", "--no-iterations-csv"])
        .assert()
        .success();
    let s: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(s["actuals"]["as_of_month"], 6.0);
    assert_eq!(s["actuals"]["file"], "analytic.toml");
    // without actuals there is no such object at all
    let plain = ANALYTIC.split("[actuals]").next().unwrap();
    fs::write(tmp.path().join("plain.toml"), plain).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "plain.toml",
            "--quiet",
            "--out",
            "p",
            "--formats",
            "svg",
        ])
        .args(["--no-charts", "--no-iterations-csv"])
        .assert()
        .success();
    let p: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("p/summary.json")).unwrap()).unwrap();
    assert!(p.get("actuals").is_none());
}

// ---- bad input ----

/// A small scenario for the bad actuals: Discovery (no gate) for a fixed
/// month, a POC with a gate allowing one rework, a Pilot, Production.
const PLAN: &str = r#"[scenario]
name = "Actuals errors"
horizon_months = 24
iterations = 500
seed = 1

[[stage]]
name = "Discovery"
duration_months = 1
cost_per_month = 10000

[[stage]]
name = "POC"
duration_months = { uniform = [1, 2] }
cost_per_month = 20000
[stage.gate]
pass = 0.7
rework = 0.2
rework_months = 1
max_reworks = 1

[[stage]]
name = "Pilot"
duration_months = 2
scope = 0.1
[stage.gate]
pass = 0.8

[[stage]]
name = "Production"
duration_months = 1
scope = 1.0

[adoption]
target_users = 500
curve = "bass"
ceiling = { pert = [0.4, 0.6, 0.8] }
p = 0.05
q = 0.4

[[benefit]]
name = "Value"
per_active_user_month = 200
"#;

/// Good actuals for PLAN, which the bad ones change in one place.
const GOOD: &str = r#"[actuals]
as_of_month = 4
date_sd = 0.25

[[actuals.stage]]
name = "Discovery"
started = 0
[[actuals.stage]]
name = "POC"
started = 1
reworks = 0
[[actuals.stage]]
name = "Pilot"
started = 2.6

[[actuals.observe]]
metric = "usage_rate"
month = 4
value = 0.2
sd = 0.05
"#;

fn good_with(from: &str, to: &str) -> String {
    assert_eq!(GOOD.matches(from).count(), 1, "{from:?} must match once");
    GOOD.replacen(from, to, 1)
}

/// Runs PLAN with `actuals` as `bad-actuals.toml`; checks exit 2, the
/// message naming the file, the first line starting with `line_of` and
/// the path, and that nothing was written. Returns stderr.
fn refused(actuals: &str, line_of: &str, path: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("plan.toml"), PLAN).unwrap();
    fs::write(tmp.path().join("bad-actuals.toml"), actuals).unwrap();
    let out = gatecast(tmp.path())
        .args([
            "run",
            "plan.toml",
            "--actuals",
            "bad-actuals.toml",
            "--out",
            "out",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: bad-actuals.toml"), "{err}");
    let line = actuals
        .lines()
        .position(|l| l.trim_start().starts_with(line_of))
        .unwrap_or_else(|| panic!("{line_of:?} not in the file"))
        + 1;
    assert!(
        err.contains(&format!("line {line},")),
        "line {line} in {err}"
    );
    assert!(err.contains(&format!("at {path}:")), "path {path} in {err}");
    // nothing written: no output folder, no staging folder left beside it
    let mut names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["bad-actuals.toml", "plan.toml"], "{err}");
    err
}

#[test]
fn the_good_actuals_for_the_error_tests_run() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("plan.toml"), PLAN).unwrap();
    fs::write(tmp.path().join("good.toml"), GOOD).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "plan.toml",
            "--actuals",
            "good.toml",
            "--quiet",
            "--out",
            "o",
        ])
        .args(["--formats", "svg", "--no-charts", "--min-ess", "200"])
        .assert()
        .success();
}

#[test]
fn an_unknown_stage_is_refused() {
    let e = refused(
        &good_with("name = \"Pilot\"", "name = \"Pilott\""),
        "name = \"Pilott\"",
        "actuals.stage[2].name",
    );
    assert!(e.contains("no stage is named \"Pilott\""), "{e}");
    assert!(
        e.contains("\"Discovery\", \"POC\", \"Pilot\", \"Production\""),
        "{e}"
    );
}

#[test]
fn stages_out_of_order_are_refused() {
    let swapped = good_with(
        "name = \"POC\"\nstarted = 1\nreworks = 0",
        "name = \"Pilot\"\nstarted = 1",
    )
    .replacen(
        "name = \"Pilot\"\nstarted = 2.6",
        "name = \"POC\"\nstarted = 2.6",
        1,
    );
    let e = refused(&swapped, "name = \"Pilot\"", "actuals.stage.Pilot.name");
    assert!(e.contains("out of order"), "{e}");
    assert!(e.contains("\"Pilot\" is listed before \"POC\""), "{e}");
}

#[test]
fn a_stage_listed_after_a_gap_is_refused() {
    let gap = good_with(
        "name = \"POC\"\nstarted = 1\nreworks = 0",
        "name = \"Pilot\"\nstarted = 1",
    )
    .replacen(
        "[[actuals.stage]]\nname = \"Pilot\"\nstarted = 2.6\n",
        "",
        1,
    );
    let e = refused(&gap, "name = \"Pilot\"", "actuals.stage.Pilot.name");
    assert!(e.contains("after a gap"), "{e}");
    assert!(e.contains("\"POC\" must be listed before it"), "{e}");
}

#[test]
fn a_start_after_the_as_of_month_is_refused() {
    let e = refused(
        &good_with("started = 2.6", "started = 4.5"),
        "started = 4.5",
        "actuals.stage.Pilot.started",
    );
    assert!(e.contains("after as_of_month"), "{e}");
}

#[test]
fn a_start_before_the_previous_stage_could_have_started_is_refused() {
    let e = refused(
        &good_with("started = 2.6", "started = 0.5"),
        "started = 0.5",
        "actuals.stage.Pilot.started",
    );
    assert!(
        e.contains("before the previous stage could have started"),
        "{e}"
    );
}

#[test]
fn a_kill_before_the_stage_started_is_refused() {
    let e = refused(
        &good_with("started = 2.6", "started = 2.6\nkilled = 2.0"),
        "killed = 2.0",
        "actuals.stage.Pilot.killed",
    );
    assert!(e.contains("before the stage started"), "{e}");
}

#[test]
fn an_as_of_month_outside_the_horizon_is_refused() {
    for bad in ["as_of_month = 0", "as_of_month = 30", "as_of_month = -1"] {
        let e = refused(
            &good_with("as_of_month = 4", bad),
            bad,
            "actuals.as_of_month",
        );
        assert!(e.contains("24-month horizon"), "{e}");
    }
}

#[test]
fn an_observation_after_the_as_of_month_or_outside_the_horizon_is_refused() {
    let e = refused(
        &good_with("\nmonth = 4", "\nmonth = 5"),
        "month = 5",
        "actuals.observe[0].month",
    );
    assert!(e.contains("after as_of_month"), "{e}");
    let e = refused(
        &good_with("\nmonth = 4", "\nmonth = 0"),
        "month = 0",
        "actuals.observe[0].month",
    );
    assert!(e.contains("outside the horizon"), "{e}");
}

#[test]
fn an_unknown_metric_is_refused() {
    let e = refused(
        &good_with("metric = \"usage_rate\"", "metric = \"usage\""),
        "metric = \"usage\"",
        "actuals.observe[0].metric",
    );
    assert!(e.contains("unknown metric \"usage\""), "{e}");
    assert!(e.contains("cumulative_net_cash"), "{e}");
}

#[test]
fn a_standard_deviation_that_is_not_positive_is_refused() {
    let e = refused(
        &good_with("sd = 0.05", "sd = 0"),
        "sd = 0",
        "actuals.observe[0].sd",
    );
    assert!(e.contains("greater than 0"), "{e}");
    let e = refused(
        &good_with("date_sd = 0.25", "date_sd = -0.5"),
        "date_sd = -0.5",
        "actuals.date_sd",
    );
    assert!(e.contains("greater than 0"), "{e}");
}

#[test]
fn negative_reworks_or_more_than_max_reworks_are_refused() {
    let e = refused(
        &good_with("reworks = 0", "reworks = -1"),
        "reworks = -1",
        "actuals.stage.POC.reworks",
    );
    assert!(e.contains("cannot be negative"), "{e}");
    let e = refused(
        &good_with("reworks = 0", "reworks = 2"),
        "reworks = 2",
        "actuals.stage.POC.reworks",
    );
    assert!(e.contains("more than max_reworks"), "{e}");
    assert!(e.contains("max_reworks = 1"), "{e}");
}

/// Facts that no simulated future has: the message names the facts, and
/// the one that alone excludes every future. Discovery lasts exactly one
/// month, so the POC cannot start at month 0.5 (by as_of_month 0.6).
#[test]
fn facts_no_future_agrees_with_are_refused_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("plan.toml"), PLAN).unwrap();
    let impossible = "[actuals]\nas_of_month = 0.6\n\n[[actuals.stage]]\nname = \"Discovery\"\nstarted = 0\n[[actuals.stage]]\nname = \"POC\"\nstarted = 0.5\n";
    fs::write(tmp.path().join("bad-actuals.toml"), impossible).unwrap();
    let out = gatecast(tmp.path())
        .args([
            "run",
            "plan.toml",
            "--actuals",
            "bad-actuals.toml",
            "--out",
            "out",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.starts_with("error: bad-actuals.toml, at actuals:"), "{e}");
    assert!(
        e.contains("no simulated future agrees with the actuals"),
        "{e}"
    );
    assert!(
        e.contains("This one alone already excludes every future: \"POC\" started by month 0.6"),
        "{e}"
    );
    assert!(e.contains("\"Pilot\" not started by month 0.6"), "{e}");
    assert!(!tmp.path().join("out").exists());
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 2, "nothing written beside the two files");
}

/// A syntax or type error in the actuals file names it with its line.
#[test]
fn a_malformed_actuals_file_names_its_line() {
    let e = refused(
        &good_with("started = 2.6", "started = \"soon\""),
        "started = \"soon\"",
        "actuals.stage[2].started",
    );
    assert!(
        e.contains("expected a number") || e.contains("invalid type"),
        "{e}"
    );
}

/// The on-plan re-forecast of the example, built through the library.
fn on_plan() -> Summary {
    let sc = Scenario::from_toml(gatecast::scenario::EXAMPLE_TOML, "example.toml").unwrap();
    let text = fs::read_to_string(repo("scenarios/actuals/example-on-plan.toml")).unwrap();
    let act = sc.actuals_from_toml(&text, "example-on-plan.toml").unwrap();
    let lik = Likelihood::new(&sc, &act);
    let opts = RunOptions {
        iterations: 4096,
        seed: 42,
        threads: None,
        sampling: Sampling::Mc,
    };
    let settings = Settings {
        min_ess: 300.0,
        min_iterations: 4096,
        cap: 200_000,
        pinned: true,
    };
    let c = actuals::condition(&sc, &lik, &opts, settings, None, None, &|_| {}).unwrap();
    let mut s = Summary::new(&sc, "example.toml", &c.plan);
    let mut rf = reforecast::reforecast(&sc, &act, &s, &c);
    let drivers =
        reforecast::conditioned_drivers(&sc, &c, gatecast::stats::sensitivity::Target::Npv);
    rf.after.sensitivity = Some(drivers.clone());
    rf.conditioned_drivers = Some(drivers);
    s.actuals = Some(rf);
    s
}

/// The charts, report.html and report.xlsx under actuals draw and state
/// the re-forecast's own figures, beside the plan's.
#[test]
fn the_charts_report_and_workbook_show_the_reforecast_beside_the_plan() {
    use gatecast::charts::{self, ChartFile};
    let s = on_plan();
    let rf = s.actuals.as_ref().unwrap();
    let files = charts::render_all(&s, true, false).unwrap();
    let chart = |name: &str| -> &ChartFile {
        files
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no chart {name}"))
    };
    let mark = |c: &ChartFile, label: &str| -> Option<f64> {
        c.marks
            .iter()
            .find(|m| m.label == label)
            .unwrap_or_else(|| panic!("{} has no mark {label}: {:?}", c.name, c.marks))
            .value
    };
    // the S-curve before and after: each line's figure at 36 months is
    // its summary's P(payback within 36 months)
    let payback = chart("reforecast-payback");
    assert_eq!(
        mark(payback, "The plan (before the actuals): by month 36"),
        Some(s.payback.p_within_36_months.unwrap().value)
    );
    assert_eq!(
        mark(payback, "Re-forecast (actuals as of month 5): by month 36"),
        Some(rf.conditioned.payback.p_within_36_months.unwrap().value)
    );
    assert_eq!(
        mark(payback, "Re-forecast (actuals as of month 5): median"),
        rf.conditioned.payback.p50.value
    );
    // cumulative net cash: the actual points and the as-of line
    let cash = chart("reforecast-cumulative-net-cash");
    assert_eq!(mark(cash, "As of month"), Some(5.0));
    assert_eq!(mark(cash, "Actual at month 3"), Some(-150_000.0));
    assert_eq!(mark(cash, "Actual at month 5"), Some(-295_000.0));
    let leading = chart("reforecast-leading");
    assert_eq!(mark(leading, "usage_rate at month 5"), Some(0.2));
    assert!(files.iter().any(|c| c.name == "reforecast-tornado"));

    // report.html: well-formed, "Where we are" first, its four figures
    // numbered before the plan's
    let html = gatecast::report::html(&s, &files);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, opts).expect("report.html parses as XML");
    let where_at = html
        .find("id=\"where-we-are\"")
        .expect("a Where we are section");
    assert!(where_at < html.find("id=\"key-figures\"").unwrap());
    assert!(html.contains(&gatecast::report::esc(&rf.headline)));
    assert!(html.contains("id=\"chart-reforecast-payback\""));
    assert!(html.contains("Figure 1</span>"));
    assert_eq!(html.matches("id=\"chart-reforecast-payback\"").count(), 1);
    assert!(html.contains("Before (plan)") && html.contains("After (re-forecast)"));

    // report.xlsx: the Re-forecast sheet first, with the same figures
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let bytes = gatecast::export::xlsx::workbook(&s, None).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "Re-forecast");
    assert!(names.iter().any(|n| n == "Re-forecast monthly"));
    assert!(names.iter().any(|n| n == "Re-forecast drivers"));
    let r = wb.worksheet_range("Re-forecast").unwrap();
    let (h, _) = r.end().unwrap();
    let row = (0..=h)
        .find(|&i| r.get_value((i, 0)) == Some(&Data::String("P(payback within 36 months)".into())))
        .expect("a row for P(payback within 36 months)");
    let num = |c: u32| match r.get_value((row, c)) {
        Some(Data::Float(v)) => *v,
        other => panic!("expected a number, got {other:?}"),
    };
    assert_eq!(num(1), s.payback.p_within_36_months.unwrap().value);
    assert_eq!(
        num(2),
        rf.conditioned.payback.p_within_36_months.unwrap().value
    );
    assert_eq!(
        num(3),
        rf.conditioned.payback.p_within_36_months.unwrap().se
    );
}

/// `gatecast init --actuals SCENARIO [FILE]` writes a commented actuals
/// file that validates and runs as written, for every shipped scenario,
/// and never replaces a file without --force.
#[test]
fn init_writes_an_actuals_file_that_validates_and_runs_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let file = format!("{stem}-actuals.toml");
        gatecast(tmp.path())
            .args(["init", "--actuals"])
            .arg(&path)
            .arg(&file)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Wrote {file}")));
        let text = fs::read_to_string(tmp.path().join(&file)).unwrap();
        for needle in [
            "[actuals]",
            "as_of_month = ",
            "date_sd = ",
            "[[actuals.stage]]",
            "reworks",
            "killed",
            "[[actuals.observe]]",
            "metric = ",
            "cumulative_net_cash",
        ] {
            assert!(text.contains(needle), "{stem}: {needle:?} in\n{text}");
        }
        gatecast(tmp.path())
            .arg("validate")
            .arg(&path)
            .args(["--actuals", &file])
            .assert()
            .success()
            .stdout(predicate::str::contains("Actuals (").and(predicate::str::contains("valid")));
        gatecast(tmp.path())
            .arg("run")
            .arg(&path)
            .args(["--actuals", &file, "--quiet", "--out", &stem])
            .args([
                "--min-ess",
                "200",
                "-n",
                "4096",
                "--formats",
                "svg",
                "--no-charts",
            ])
            .args(["--no-iterations-csv"])
            .assert()
            .success();
        assert!(tmp.path().join(&stem).join("summary.json").is_file());
    }
    // the default name, and no replacing without --force
    gatecast(tmp.path())
        .args(["init", "--actuals"])
        .arg(repo("scenarios/example.toml"))
        .assert()
        .success();
    assert!(tmp.path().join("actuals.toml").is_file());
    gatecast(tmp.path())
        .args(["init", "--actuals"])
        .arg(repo("scenarios/example.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists already"));
}

/// The two shipped actuals files validate against the example.
#[test]
fn the_shipped_actuals_files_validate_against_the_example() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["example-on-plan.toml", "example-behind-plan.toml"] {
        let text = fs::read_to_string(repo(&format!("scenarios/actuals/{f}"))).unwrap();
        assert!(text.starts_with('#'), "{f} opens with what it represents");
        gatecast(tmp.path())
            .arg("validate")
            .arg(repo("scenarios/example.toml"))
            .arg("--actuals")
            .arg(repo(&format!("scenarios/actuals/{f}")))
            .assert()
            .success()
            .stdout(predicate::str::contains("As of month 5: 3 stages started"));
    }
}
