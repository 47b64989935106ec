//! The main command as a user runs it: files written, byte-identical on any
//! thread count, summary figures reproducible from iterations.csv.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn gatecast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("gatecast").unwrap();
    c.current_dir(dir);
    c
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const FILES: [&str; 4] = [
    "iterations.csv",
    "monthly.csv",
    "summary.json",
    "summary.md",
];

#[test]
fn running_with_no_arguments_simulates_the_built_in_example() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["--iterations", "3000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Claims triage copilot"))
        .stdout(predicate::str::contains(
            "chance of paying back within 36 months",
        ))
        .stdout(predicate::str::contains("STAGE FUNNEL"));
    for f in FILES {
        assert!(
            tmp.path().join("output/example").join(f).is_file(),
            "{f} written"
        );
    }
    // nothing else is left beside it
    let entries: Vec<_> = fs::read_dir(tmp.path().join("output")).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn outputs_are_byte_identical_on_one_thread_and_on_eight() {
    let tmp = tempfile::tempdir().unwrap();
    for (threads, out) in [("1", "one"), ("8", "eight")] {
        gatecast(tmp.path())
            .args([
                "run",
                "--iterations",
                "9000",
                "--seed",
                "7",
                "--quiet",
                "--threads",
                threads,
            ])
            .args(["--out", out])
            .assert()
            .success()
            .stdout("");
    }
    let files = all_files(&tmp.path().join("one"));
    assert!(
        files.len() >= 4 + 12 + 3,
        "core files, 12 charts, report, workbook, sensitivity: {files:?}"
    );
    assert_eq!(files, all_files(&tmp.path().join("eight")));
    for f in files {
        let a = fs::read(tmp.path().join("one").join(&f)).unwrap();
        let b = fs::read(tmp.path().join("eight").join(&f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 8 threads");
    }
}

/// Every file under `dir`, as sorted relative paths.
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

#[test]
fn a_different_seed_gives_different_draws() {
    let tmp = tempfile::tempdir().unwrap();
    for (seed, out) in [("1", "a"), ("2", "b")] {
        gatecast(tmp.path())
            .args(["run", "-n", "500", "--quiet", "--seed", seed, "--out", out])
            .assert()
            .success();
    }
    let a = fs::read(tmp.path().join("a/iterations.csv")).unwrap();
    let b = fs::read(tmp.path().join("b/iterations.csv")).unwrap();
    assert_ne!(a, b);
}

fn percentile_inc(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    if lo + 1 >= sorted.len() {
        return sorted[lo];
    }
    sorted[lo] + (h - lo as f64) * (sorted[lo + 1] - sorted[lo])
}

/// A finance analyst recomputes the summary from the audit trail: the same
/// numbers come out.
#[test]
fn summary_figures_can_be_recomputed_from_iterations_csv() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["run", "-n", "4000", "--quiet", "--out", "r"])
        .assert()
        .success();
    let mut rdr = csv::Reader::from_path(tmp.path().join("r/iterations.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (c_npv, c_payback, c_peak) = (col("npv"), col("payback_months"), col("peak_funding"));
    let (mut npv, mut paid, mut peak) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0usize;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        n += 1;
        npv.push(rec[c_npv].parse::<f64>().unwrap());
        peak.push(rec[c_peak].parse::<f64>().unwrap());
        if !rec[c_payback].is_empty() {
            paid.push(rec[c_payback].parse::<f64>().unwrap());
        }
    }
    assert_eq!(n, 4000);
    npv.sort_by(f64::total_cmp);
    peak.sort_by(f64::total_cmp);
    let s: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    let get = |v: &Value| v.as_f64().unwrap();
    assert_eq!(get(&s["npv"]["p50"]["value"]), percentile_inc(&npv, 0.5));
    assert_eq!(get(&s["npv"]["p10"]["value"]), percentile_inc(&npv, 0.1));
    assert_eq!(
        get(&s["peak_funding"]["p90"]["value"]),
        percentile_inc(&peak, 0.9)
    );
    let within24 = paid.iter().filter(|p| **p <= 24.0).count() as f64 / n as f64;
    assert_eq!(get(&s["payback"]["p_within_24_months"]["value"]), within24);
    let positive = npv.iter().filter(|v| **v > 0.0).count() as f64 / n as f64;
    assert_eq!(get(&s["npv"]["p_positive"]["value"]), positive);
    // payback percentiles: no payback ranks beyond every payback
    let mut all: Vec<f64> = paid.clone();
    all.resize(n, f64::INFINITY);
    all.sort_by(f64::total_cmp);
    let p10 = percentile_inc(&all, 0.1);
    assert_eq!(
        s["payback"]["p10"]["value"].as_f64(),
        p10.is_finite().then_some(p10)
    );
}

#[test]
fn the_iterations_csv_can_be_left_out_for_large_runs() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["run", "-n", "1000", "--no-iterations-csv", "--out", "r"])
        .assert()
        .success()
        .stdout(predicate::str::contains("iterations.csv").not());
    assert!(!tmp.path().join("r/iterations.csv").exists());
    assert!(tmp.path().join("r/summary.json").is_file());
}

#[test]
fn a_rerun_replaces_the_previous_results_whole() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["run", "-n", "300", "-q", "--out", "r"])
        .assert()
        .success();
    fs::write(tmp.path().join("r/stale.txt"), "old").unwrap();
    gatecast(tmp.path())
        .args(["run", "-n", "300", "-q", "--out", "r"])
        .assert()
        .success();
    assert!(!tmp.path().join("r/stale.txt").exists());
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["r".to_string()],
        "no staging folders left behind"
    );
}

/// Every shipped scenario validates (listing its inputs) and runs.
#[test]
fn every_shipped_scenario_validates_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        seen += 1;
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with('#'),
            "{} opens with a comment saying what it represents",
            path.display()
        );
        gatecast(tmp.path())
            .args(["validate"])
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains("valid"))
            .stdout(predicate::str::contains("P10"));
        gatecast(tmp.path())
            .args(["run", "-n", "2000", "--no-iterations-csv"])
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains("PAYBACK"));
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(tmp
            .path()
            .join("output")
            .join(&stem)
            .join("summary.json")
            .is_file());
    }
    assert!(seen >= 5, "the five playbooks ship; found {seen}");
}

#[test]
fn init_writes_a_starter_that_validates_and_runs_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["init", "mine.toml"])
        .assert()
        .success();
    gatecast(tmp.path())
        .args(["validate", "mine.toml"])
        .assert()
        .success();
    gatecast(tmp.path())
        .args(["run", "mine.toml", "-n", "500", "-q"])
        .assert()
        .success();
    assert!(tmp.path().join("output/mine/summary.md").is_file());
    gatecast(tmp.path())
        .args(["init", "mine.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists already"));
}

#[test]
fn validate_lists_each_uncertain_input_with_its_percentiles() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .arg("validate")
        .arg(repo("scenarios/example.toml"))
        .assert()
        .success()
        // pert [0.5, 0.75, 1.0] is symmetric: its P50 is its mode
        .stdout(
            predicate::str::is_match(r"stage\.Discovery\.duration_months\s+\S+\s+0\.75\s").unwrap(),
        )
        // lognormal p10 = 1.0, p90 = 1.6 truncated at 3: P10 a little above 1
        .stdout(predicate::str::contains("costs.overrun"))
        .stdout(predicate::str::contains("adoption.ceiling"));
}

#[test]
fn help_describes_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("run"))
        .stdout(predicate::str::contains("validate"))
        .stdout(predicate::str::contains("init"));
    gatecast(tmp.path())
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--iterations"))
        .stdout(predicate::str::contains("--no-iterations-csv"));
}

/// Comparing the four playbooks tells the field's story: small real
/// deployments pay back soonest, pilot purgatory is far worse than all.
#[test]
fn comparing_the_playbooks_tells_the_story_the_field_tells() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        "enterprise-stage-gate",
        "mid-market-12-month",
        "small-real-deployments",
        "pilot-purgatory",
    ];
    let mut cmd = gatecast(tmp.path());
    cmd.arg("compare");
    for f in files {
        cmd.arg(repo(&format!("scenarios/{f}.toml")));
    }
    cmd.args(["-n", "4000", "--out", "cmp", "-q"])
        .assert()
        .success();
    let mut rdr = csv::Reader::from_path(tmp.path().join("cmp/comparison.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let p36: Vec<f64> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    let p24: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    let (enterprise, mid, small, purgatory) = (0, 1, 2, 3);
    for other in [enterprise, mid, purgatory] {
        assert!(
            p24[small] > p24[other] + 0.2,
            "small real deployments pay back soonest: {p24:?}"
        );
    }
    for other in [enterprise, mid, small] {
        assert!(p36[purgatory] < p36[other], "purgatory is worst: {p36:?}");
    }
    assert!(p36[purgatory] < 0.5 * p36[mid], "far worse: {p36:?}");
    for f in files {
        assert!(tmp.path().join("cmp").join(format!("{f}.json")).is_file());
    }
    // each file's figures are those of a run of that file alone, on the
    // comparison's seed (the first file's) and iterations
    let read =
        |p: &Path| -> serde_json::Value { serde_json::from_slice(&fs::read(p).unwrap()).unwrap() };
    let compared = read(&tmp.path().join("cmp/pilot-purgatory.json"));
    let seed = compared["seed"].as_u64().unwrap().to_string();
    gatecast(tmp.path())
        .arg("run")
        .arg(repo("scenarios/pilot-purgatory.toml"))
        .args([
            "-n",
            "4000",
            "-s",
            &seed,
            "--out",
            "alone",
            "-q",
            "--formats",
            "html",
        ])
        .assert()
        .success();
    let alone = read(&tmp.path().join("alone/summary.json"));
    for key in [
        "payback",
        "npv",
        "roi",
        "peak_funding",
        "funnel",
        "monthly",
        "iterations",
    ] {
        assert_eq!(compared[key], alone[key], "{key}");
    }
}

#[test]
fn a_stress_in_the_file_runs_beside_the_base() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[[stress]]\nname = \"Pilot stalls\"\nset = {{ \"stage.Pilot.gate.decision_delay_months\" = {{ uniform = [3, 6] }} }}\n",
        fs::read_to_string(repo("scenarios/example.toml")).unwrap()
    );
    fs::write(tmp.path().join("s.toml"), text).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "s.toml",
            "-n",
            "2000",
            "--no-iterations-csv",
            "--formats",
            "html",
        ])
        .args(["--scale", "adoption.ceiling=0.9"])
        .assert()
        .success()
        .stdout(predicate::str::contains("STRESS TESTS"))
        .stdout(predicate::str::contains("Pilot stalls"))
        .stdout(predicate::str::contains("adoption.ceiling x 0.9"));
    let out = tmp.path().join("output/s");
    let csv = fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        4,
        "header, base and two stresses: {csv}"
    );
    assert!(out.join("stresses/pilot-stalls.json").is_file());
}

#[test]
fn the_sensitivity_analysis_names_the_drivers_in_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "-n",
            "600",
            "--sensitivity",
            "--target",
            "payback",
            "--out",
            "r",
        ])
        .args(["--formats", "html", "--no-iterations-csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("WHAT DRIVES PAYBACK"))
        .stdout(predicate::str::contains("gate.Pilot"));
    let csv = fs::read_to_string(tmp.path().join("r/sensitivity.csv")).unwrap();
    assert!(csv.starts_with("input,spearman_rank_correlation,contribution_to_variance"));
    assert!(csv.contains("gate.Pilot,"), "gates are pinned too");
    assert!(csv.contains("adoption.ceiling,"));
    let s: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(s["sensitivity"]["target"], "payback");
    assert_eq!(s["sensitivity"]["statistic"], "median payback (months)");
    assert_eq!(s["sensitivity"]["iterations"], 600);
    let md = fs::read_to_string(tmp.path().join("r/summary.md")).unwrap();
    assert!(md.contains("## What drives payback"));
}
