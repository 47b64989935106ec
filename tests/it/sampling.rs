//! Latin hypercube and Sobol sampling (`--sampling lhs|sobol`) and
//! `--precision`: every input keeps exactly its distribution, each block's
//! draws are stratified, nothing depends on the thread count, common
//! random numbers hold, the estimates settle faster than plain Monte
//! Carlo, and a precision run stops at the first block where the standard
//! error is small enough.

use assert_cmd::Command;
use gatecast::dist::Shape;
use gatecast::engine::{self, RunOptions, RunResult, Sampling, BLOCK};
use gatecast::scenario::{Scenario, EXAMPLE_TOML};
use gatecast::summary::Summary;

const DESIGNS: [Sampling; 2] = [Sampling::Lhs, Sampling::Sobol];

fn example() -> Scenario {
    Scenario::from_toml(EXAMPLE_TOML, "example.toml").unwrap()
}

fn opts(iterations: u64, seed: u64, sampling: Sampling) -> RunOptions {
    RunOptions {
        iterations,
        seed,
        threads: None,
        sampling,
    }
}

fn run_inputs(sc: &Scenario, o: &RunOptions) -> RunResult {
    engine::run_keeping_inputs(sc, o, None, &|_| {}).unwrap()
}

/// Where each draw of a block falls among the block's `n` equally likely
/// slices of its input's distribution, and how far into its slice.
fn slices(sc: &Scenario, j: usize, draws: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let input = &sc.inputs[j];
    let n = draws.len() as f64;
    draws
        .iter()
        .map(|x| {
            let at = input.dist.cdf(x / input.scale) * n;
            (at as usize, at.fract())
        })
        .unzip()
}

/// The defining property: within a block, every continuous input has
/// exactly one draw in each of the block's equally likely slices (Latin
/// hypercube by construction; Sobol because the first 2^12 points of a
/// scrambled Sobol sequence are a (0, 12, 1)-net in each coordinate). A
/// broken inverse CDF or permutation puts two draws in one slice. Within
/// its slice a draw sits uniformly: the mean offset is 1/2 within four
/// standard errors, sqrt(1/12 / n).
#[test]
fn each_block_has_one_draw_in_each_slice_of_every_input() {
    let sc = example();
    for sampling in DESIGNS {
        let r = run_inputs(&sc, &opts(BLOCK + 1000, 3, sampling));
        for (k, &j) in sc.uncertain_inputs().iter().enumerate() {
            if matches!(sc.inputs[j].dist.shape(), Shape::Discrete { .. }) {
                continue;
            }
            let mut blocks = vec![&r.records.inputs[k][..BLOCK as usize]];
            if sampling == Sampling::Lhs {
                // a shorter last block is a Latin hypercube of its own size
                blocks.push(&r.records.inputs[k][BLOCK as usize..]);
            }
            for draws in blocks {
                let (mut cells, offsets) = slices(&sc, j, draws);
                cells.sort_unstable();
                let expected: Vec<usize> = (0..draws.len()).collect();
                assert_eq!(cells, expected, "{sampling:?}: {}", sc.inputs[j].path);
                let mean = offsets.iter().sum::<f64>() / offsets.len() as f64;
                let se = (1.0 / 12.0 / offsets.len() as f64).sqrt();
                assert!(
                    (mean - 0.5).abs() < 4.0 * se,
                    "{sampling:?}: offsets {mean}"
                );
            }
        }
    }
}

/// Plain Monte Carlo draws are not stratified: the same check finds
/// slices with two draws (so the check above can fail).
#[test]
fn plain_monte_carlo_draws_are_not_stratified() {
    let sc = example();
    let r = run_inputs(&sc, &opts(BLOCK, 3, Sampling::Mc));
    let j = sc.uncertain_inputs()[0];
    let (mut cells, _) = slices(&sc, j, &r.records.inputs[0]);
    cells.sort_unstable();
    cells.dedup();
    // about 1 - 1/e of the slices are hit by independent draws
    assert!(
        cells.len() < (0.7 * BLOCK as f64) as usize,
        "{}",
        cells.len()
    );
}

/// Payback is 100 / v with v ~ uniform[5, 25] (worked by hand in
/// tests/engine_stats.rs): its mean is 100 ln(25/5) / 20 = 5 ln 5. Its
/// standard deviation is sqrt(80 - (5 ln 5)^2) = 3.90, so plain Monte
/// Carlo's standard error at 10,000 iterations is 0.039. Both designs must
/// be unbiased (within four of those) and, stratifying a single smooth
/// input, far more precise (within a quarter of one).
#[test]
fn designs_are_unbiased_and_precise_on_a_case_worked_by_hand() {
    let toml = r#"
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
    let sc = Scenario::from_toml(toml, "linear.toml").unwrap();
    let exact = 5.0 * 5f64.ln();
    let mc_se = (80.0 - exact * exact).sqrt() / 100.0;
    for sampling in DESIGNS {
        let r = engine::run(&sc, &opts(10_000, 5, sampling), None, &|_| {}).unwrap();
        let mean = r.records.payback.iter().sum::<f64>() / 10_000.0;
        assert!(
            (mean - exact).abs() < 0.25 * mc_se,
            "{sampling:?}: mean payback {mean} vs {exact}"
        );
    }
}

/// At equal iterations the designs' estimates vary less from seed to seed
/// than plain Monte Carlo's. Over 16 seeds of 4,096 iterations of the
/// example, the standard deviation of mean NPV is measured at about 0.5
/// (lhs) and 0.35 (sobol) of plain Monte Carlo's (benches/sampling.rs);
/// with 15 degrees of freedom a ratio's estimate scatters by about 25%,
/// so 0.85 leaves room while catching a design that does nothing.
#[test]
fn designs_settle_faster_than_plain_monte_carlo() {
    let sc = example();
    let spread = |sampling: Sampling| {
        let means: Vec<f64> = (0..16)
            .map(|seed| {
                let r = engine::run(&sc, &opts(BLOCK, 100 + seed, sampling), None, &|_| {});
                let npv = r.unwrap().records.npv;
                npv.iter().sum::<f64>() / npv.len() as f64
            })
            .collect();
        let m = means.iter().sum::<f64>() / means.len() as f64;
        (means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (means.len() - 1) as f64).sqrt()
    };
    let mc = spread(Sampling::Mc);
    for sampling in DESIGNS {
        let ratio = spread(sampling) / mc;
        assert!(
            ratio < 0.85,
            "{sampling:?}: {ratio} of plain Monte Carlo's spread"
        );
    }
}

/// The same results on one thread or three, with a rank correlation
/// (Iman-Conover within each block) on top of the design.
#[test]
fn designs_do_not_depend_on_the_thread_count() {
    let toml = format!(
        "{EXAMPLE_TOML}\n[[correlation]]\nbetween = [\"adoption.ceiling\", \"costs.overrun\"]\nrank = -0.5\n"
    );
    let sc = Scenario::from_toml(&toml, "example.toml").unwrap();
    for sampling in DESIGNS {
        let one = RunOptions {
            threads: Some(1),
            ..opts(2 * BLOCK + 77, 8, sampling)
        };
        let three = RunOptions {
            threads: Some(3),
            ..one
        };
        let (a, b) = (run_inputs(&sc, &one), run_inputs(&sc, &three));
        assert_eq!(a.records.inputs, b.records.inputs, "{sampling:?}");
        assert_eq!(a.records.npv, b.records.npv, "{sampling:?}");
        assert_eq!(a.funnel, b.funnel, "{sampling:?}");
    }
}

/// Common random numbers under a design: replacing one input's
/// distribution changes that input's draws only.
#[test]
fn designs_keep_common_random_numbers() {
    let sc = example();
    let k = sc
        .inputs
        .iter()
        .position(|i| i.path == "adoption.ceiling")
        .unwrap();
    let mut stressed = sc.clone();
    stressed.inputs[k].dist =
        gatecast::dist::Dist::new(Shape::Uniform { lo: 0.1, hi: 0.2 }, None, None).unwrap();
    let ids = sc.uncertain_inputs();
    for sampling in DESIGNS {
        let o = opts(BLOCK + 10, 4, sampling);
        let (a, b) = (run_inputs(&sc, &o), run_inputs(&stressed, &o));
        for (col, &j) in ids.iter().enumerate() {
            if j == k {
                assert_ne!(a.records.inputs[col], b.records.inputs[col]);
            } else {
                assert_eq!(
                    a.records.inputs[col], b.records.inputs[col],
                    "{}",
                    sc.inputs[j].path
                );
            }
        }
    }
}

/// Under a design the summary's standard errors come from the spread
/// between blocks once there are ten of them: mean NPV's equals the
/// batch-means formula over the records. With fewer blocks that estimate
/// is too noisy, and the independent-draws figure (sd / sqrt(n)) stays.
#[test]
fn the_summary_reports_the_spread_between_blocks() {
    let sc = example();
    let blocks = 10;
    let r = engine::run(
        &sc,
        &opts(blocks * BLOCK, 2, Sampling::Sobol),
        None,
        &|_| {},
    )
    .unwrap();
    let s = Summary::new(&sc, "example.toml", &r);
    let block = BLOCK as usize;
    let means: Vec<f64> = r
        .records
        .npv
        .chunks(block)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    let b = blocks as f64;
    let m = means.iter().sum::<f64>() / b;
    let sd = (means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
    let se = s.npv.spread.mean.se;
    assert!(
        (se - sd / b.sqrt()).abs() < 1e-9 * sd,
        "{se} vs {}",
        sd / b.sqrt()
    );
    // and not the independent-draws formula, which is much larger here
    let (_, iid) = gatecast::stats::mean_se(r.records.npv.iter().copied()).unwrap();
    assert!(se < 0.8 * iid, "{se} vs {iid}");
    assert_eq!(s.sampling, Sampling::Sobol);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["sampling"], "sobol");
    // nine blocks: the independent-draws figure
    let r = engine::run(&sc, &opts(9 * BLOCK, 2, Sampling::Sobol), None, &|_| {}).unwrap();
    let s = Summary::new(&sc, "example.toml", &r);
    let (_, iid) = gatecast::stats::mean_se(r.records.npv.iter().copied()).unwrap();
    assert!((s.npv.spread.mean.se - iid).abs() < 1e-9 * iid);
    assert!(s.standard_errors.contains("as for independent draws"));
}

fn gatecast() -> Command {
    Command::cargo_bin("gatecast").unwrap()
}

fn summary_json(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// `--precision` stops at the first block boundary where the standard
/// error of mean NPV is at most the one wanted: the block before it was
/// not yet there (a plain run of that many iterations says so), and the
/// figures equal those of a plain run of the same iterations.
#[test]
fn precision_stops_at_the_first_block_that_is_precise_enough() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |name: &str| tmp.path().join(name);
    let wanted = 12_000.0;
    gatecast()
        .args([
            "run",
            "scenarios/example.toml",
            "--quiet",
            "--formats",
            "html",
        ])
        .args(["--precision", &wanted.to_string(), "--out"])
        .arg(out("p"))
        .assert()
        .success();
    let p = summary_json(&out("p"));
    let n = p["iterations"].as_u64().unwrap();
    assert_eq!(n % BLOCK, 0);
    assert!(n >= 2 * BLOCK);
    assert_eq!(p["precision"]["reached"], true);
    let achieved = p["precision"]["achieved_se"].as_f64().unwrap();
    assert!(achieved <= wanted);
    assert_eq!(p["npv"]["mean"]["se"].as_f64().unwrap(), achieved);
    let plain = |iterations: u64, name: &str| {
        gatecast()
            .args([
                "run",
                "scenarios/example.toml",
                "--quiet",
                "--formats",
                "html",
            ])
            .args(["--iterations", &iterations.to_string(), "--out"])
            .arg(out(name))
            .assert()
            .success();
        summary_json(&out(name))
    };
    let same = plain(n, "same");
    assert_eq!(same["npv"], p["npv"]);
    assert_eq!(same["payback"], p["payback"]);
    assert_eq!(same["monthly"], p["monthly"]);
    assert!(
        n > 2 * BLOCK,
        "the goal is met only after the first check: {n}"
    );
    let before = plain(n - BLOCK, "before");
    assert!(before["npv"]["mean"]["se"].as_f64().unwrap() > wanted);
}

/// A precision run stops at the same iteration on any thread count, and
/// says plainly when the cap comes first.
#[test]
fn precision_runs_are_reproducible_and_say_when_the_cap_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, extra: &[&str], name: &str| {
        let dir = tmp.path().join(name);
        let o = gatecast()
            .args([
                "run",
                "scenarios/example.toml",
                "--formats",
                "html",
                "--sampling",
                "lhs",
            ])
            .args(["--threads", threads, "--out"])
            .arg(&dir)
            .args(extra)
            .assert()
            .success();
        (
            String::from_utf8(o.get_output().stdout.clone()).unwrap(),
            std::fs::read(dir.join("summary.json")).unwrap(),
        )
    };
    let (_, one) = run("1", &["--precision", "4000"], "one");
    let (_, three) = run("3", &["--precision", "4000"], "three");
    assert_eq!(one, three);
    let (text, _) = run("2", &["--precision", "1", "--iterations", "41000"], "cap");
    assert!(
        text.contains("Precision not reached") && text.contains("at the cap of 41,000 iterations"),
        "{text}"
    );
}

/// A cap below the first check could never stop on precision: refused.
#[test]
fn a_precision_cap_below_the_first_check_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (sampling, cap, least) in [("mc", "8000", "8,192"), ("sobol", "40000", "40,960")] {
        let o = gatecast()
            .args([
                "run",
                "--precision",
                "1000",
                "--sampling",
                sampling,
                "-n",
                cap,
                "--out",
            ])
            .arg(tmp.path().join("x"))
            .assert()
            .code(2);
        let err = String::from_utf8(o.get_output().stderr.clone()).unwrap();
        assert!(err.contains("--iterations") && err.contains(least), "{err}");
        assert!(!tmp.path().join("x").exists());
    }
}

/// A beta shape too extreme to tabulate (b = 0.05) draws no NaN under a
/// design (found by review: one draw in six was NaN and killed its run):
/// the mean of the scope it sets, 1 / 1.05, holds within four standard
/// errors of plain Monte Carlo's (the design's are smaller).
#[test]
fn an_extreme_beta_input_is_drawn_under_every_method() {
    let toml = EXAMPLE_TOML.replacen("scope = 0.1", "scope = { beta = { a = 1, b = 0.05 } }", 1);
    assert_ne!(toml, EXAMPLE_TOML, "the example's pilot scope moved");
    let sc = Scenario::from_toml(&toml, "extreme.toml").unwrap();
    let k = sc
        .uncertain_inputs()
        .iter()
        .position(|&j| sc.inputs[j].path.ends_with(".scope"))
        .unwrap();
    for sampling in DESIGNS {
        let r = run_inputs(&sc, &opts(2 * BLOCK, 6, sampling));
        let x = &r.records.inputs[k];
        assert!(
            x.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "{sampling:?}"
        );
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        // Beta(1, b): mean 1 / (1 + b), variance b / ((1 + b)^2 (2 + b))
        let (m, var) = (1.0 / 1.05, 0.05 / (1.05f64.powi(2) * 2.05));
        let se = (var / x.len() as f64).sqrt();
        assert!((mean - m).abs() < 4.0 * se, "{sampling:?}: {mean} vs {m}");
        assert!(r.records.npv.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn a_precision_that_is_not_a_positive_number_is_refused() {
    for bad in ["0", "-5", "NaN"] {
        let tmp = tempfile::tempdir().unwrap();
        let o = gatecast()
            .args(["run", "scenarios/example.toml", "--precision", bad, "--out"])
            .arg(tmp.path().join("x"))
            .assert()
            .code(2);
        let err = String::from_utf8(o.get_output().stderr.clone()).unwrap();
        assert!(
            err.contains("--precision") && err.contains("above 0"),
            "{err}"
        );
        assert!(!tmp.path().join("x").exists());
    }
}

/// `compare` and `solve` take `--sampling` too, and record it.
#[test]
fn compare_and_solve_sample_as_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let cmp = tmp.path().join("cmp");
    let o = gatecast()
        .args([
            "compare",
            "scenarios/example.toml",
            "scenarios/pilot-purgatory.toml",
        ])
        .args(["-n", "3000", "--sampling", "lhs", "--out"])
        .arg(&cmp)
        .assert()
        .success();
    let text = String::from_utf8(o.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("3,000 iterations each (Latin hypercube)"),
        "{text}"
    );
    for file in ["example.json", "pilot-purgatory.json"] {
        let j: serde_json::Value =
            serde_json::from_slice(&std::fs::read(cmp.join(file)).unwrap()).unwrap();
        assert_eq!(j["sampling"], "lhs", "{file}");
    }
    let md = std::fs::read_to_string(cmp.join("comparison.md")).unwrap();
    assert!(
        md.contains("3000 iterations (Latin hypercube) on seed"),
        "{md}"
    );
    gatecast()
        .args([
            "solve",
            "scenarios/example.toml",
            "--vary",
            "adoption.ceiling",
        ])
        .args([
            "--until",
            "P(NPV>0) >= 0.5",
            "-n",
            "500",
            "--sampling",
            "sobol",
            "--out",
        ])
        .arg(tmp.path().join("solve"))
        .assert()
        .success();
    let o = gatecast()
        .args(["run", "--sampling", "random", "--out"])
        .arg(tmp.path().join("bad"))
        .assert()
        .code(2);
    let err = String::from_utf8(o.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("--sampling") && err.contains("mc, lhs, sobol"),
        "{err}"
    );
}
