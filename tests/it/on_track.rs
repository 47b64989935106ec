//! What on track looks like (MODEL.md 9.1): the on-track band, the decile
//! table and the tripwire of the leading indicators at the checkpoints.
//!
//! - a decile table with ties, worked by hand;
//! - a closed-form case: usage equal to a uniform ceiling, payback exactly
//!   when the ceiling reaches one half;
//! - every figure of summary.json recomputed from the iterations
//!   simulated one by one;
//! - byte-identical on one thread and on eight;
//! - `--checkpoints` bad input: exit 2, the flag and what was wrong;
//! - the cross-check with actuals (MODEL.md 9.2): observing usage at its
//!   tripwire leaves about an even chance of payback.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use gatecast::engine::{self, RunOptions, Sampling};
use gatecast::model::{self, Workspace};
use gatecast::ontrack::OnTrack;
use gatecast::scenario::Scenario;
use gatecast::stats::ontrack::{checkpoint, widen};
use gatecast::stats::percentile_inc;
use gatecast::summary::Summary;

fn gatecast(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("gatecast").expect("the gatecast binary builds");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Worked by hand: twelve futures with access, usage and payback as below
/// (two more have no access and do not count). Ranks 0-11 go to groups
/// floor(10 r / 12): 0,0,1,2,3,4,5,5,6,7,8,9; the tie at 0.30 (ranks 3, 4
/// and 5) stays in the group of rank 3, emptying those of ranks 4 and 5.
#[test]
fn a_decile_table_with_ties_is_worked_by_hand() {
    let usage: [f32; 14] = [
        0.10,
        0.60,
        f32::NAN,
        0.30,
        0.20,
        0.30,
        0.70,
        0.30,
        0.05,
        0.40,
        0.80,
        f32::NAN,
        0.50,
        0.90,
    ];
    let paid = [
        false, true, true, false, false, true, true, false, false, true, true, false, false, true,
    ];
    let c = checkpoint(&usage, |i| paid[i]);
    assert_eq!((c.with_access, c.paid_back), (12, 6));
    // by rank: 0.05 n, 0.10 n, 0.20 n, 0.30 n, 0.30 y, 0.30 n, 0.40 y,
    // 0.50 n, 0.60 y, 0.70 y, 0.80 y, 0.90 y
    let table: Vec<(u64, u64, Option<f64>)> = c
        .groups
        .iter()
        .map(|g| (g.count, g.paid_back, g.hi))
        .collect();
    assert_eq!(
        table,
        vec![
            (2, 0, Some(0.10)), // 0.05, 0.10
            (1, 0, Some(0.20)),
            (3, 1, Some(0.30)), // the tie: one of three pays back
            (0, 0, None),
            (0, 0, None),
            (2, 1, Some(0.50)), // 0.40 y, 0.50 n: one half, not below it
            (1, 1, Some(0.60)),
            (1, 1, Some(0.70)),
            (1, 1, Some(0.80)),
            (1, 1, Some(0.90)),
        ]
    );
    assert_eq!(c.groups[2].lo, Some(0.30));
    assert_eq!(c.tripwire, Some(0.30));
    // all twelve: h = 11 p; P10 = 0.10 + 0.1 x 0.10, P50 = 0.30 + 0.5 x 0.10
    let all = c.all.unwrap();
    assert!((all.p10 - 0.11).abs() < 1e-12, "{}", all.p10);
    assert!((all.p50 - 0.35).abs() < 1e-12, "{}", all.p50);
    // paying back: 0.30 0.40 0.60 0.70 0.80 0.90, h = 5 p
    let pb = c.paying_back.unwrap();
    assert!((pb.p10 - 0.35).abs() < 1e-12, "{}", pb.p10);
    assert!((pb.p50 - 0.65).abs() < 1e-12, "{}", pb.p50);
    assert!((pb.p90 - 0.85).abs() < 1e-12, "{}", pb.p90);
}

/// Everyone has access from month 0; the Bass curve with p = 50 is 1 from
/// month 1 on, so usage at every checkpoint is the ceiling `c ~ U(0, 1)`.
/// A one-off EUR 18,000 against 100 users x EUR 10 x c a month pays back
/// within 36 months exactly when `36,000 c >= 18,000`, i.e. `c >= 0.5`.
const CLOSED_FORM: &str = r#"
[scenario]
name = "Closed form"
horizon_months = 36
iterations = 20000
seed = 11

[[stage]]
name = "Live"
duration_months = 36
one_off_cost = 18000
scope = 1.0

[adoption]
target_users = 100
curve = "bass"
ceiling = { uniform = [0, 1] }
p = 50
q = 0

[[benefit]]
name = "Value"
per_active_user_month = 10
"#;

fn run_summary(toml: &str, checkpoints: Vec<usize>, n: u64, threads: Option<usize>) -> Summary {
    let mut sc = Scenario::from_toml(toml, "test.toml").unwrap();
    sc.checkpoints = checkpoints;
    let opts = RunOptions {
        iterations: n,
        seed: sc.seed,
        threads,
        sampling: Sampling::Mc,
    };
    let r = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    Summary::new(&sc, "test.toml", &r)
}

#[test]
fn a_uniform_ceiling_gives_the_closed_form_band_deciles_and_tripwire() {
    let n = 20_000u64;
    let s = run_summary(CLOSED_FORM, vec![3, 12], n, None);
    let on = s.on_track.as_ref().unwrap();
    assert_eq!(on.target_months, 36);
    assert_eq!(on.months, vec![3, 12]);
    let usage = on.indicator("usage_rate").unwrap();
    // the standard error of a share or of a U(0, 1) percentile is at most
    // 0.5 / sqrt(n) = 0.0035: allow 4 of them
    let tol = 0.015;
    let near = |a: f64, b: f64, what: &str| assert!((a - b).abs() < tol, "{what}: {a} vs {b}");
    for c in &usage.checkpoints {
        let f = &c.figures;
        assert_eq!(f.with_access, n, "everyone has access");
        near(f.paid_back as f64 / n as f64, 0.5, "P(pay back)");
        let all = f.all.unwrap();
        near(all.p10, 0.1, "P10 of all");
        near(all.p50, 0.5, "P50 of all");
        near(all.p90, 0.9, "P90 of all");
        // those paying back are U(0.5, 1)
        let pb = f.paying_back.unwrap();
        near(pb.p10, 0.55, "P10 paying back");
        near(pb.p50, 0.75, "P50 paying back");
        near(pb.p90, 0.95, "P90 paying back");
        // below one half nobody pays back, above it everybody: the lowest
        // four tenths never, the highest four always
        let shares: Vec<f64> = f.groups.iter().map(|g| g.share.unwrap()).collect();
        assert!(shares[..4].iter().all(|s| *s == 0.0), "{shares:?}");
        assert!(shares[6..].iter().all(|s| *s == 1.0), "{shares:?}");
        assert!(f.groups.iter().all(|g| g.count == n / 10));
        // the tripwire: the top of the fifth tenth, the median
        near(f.tripwire.unwrap(), 0.5, "tripwire");
        assert_eq!(f.tripwire, f.groups[4].hi);
        // active users are 100 c: the same picture in users
        let active = &on.indicator("active_users").unwrap().checkpoints[0].figures;
        near(
            active.tripwire.unwrap() / 100.0,
            0.5,
            "active users tripwire",
        );
    }
    // both checkpoints separate perfectly (0% below, 100% above): the earlier
    assert_eq!(on.featured_month, Some(3));
    let f = &usage.checkpoints[0].figures;
    // the tenths next to one half may mix a few either side of it
    assert!(f.p_payback_at_or_below.unwrap() < 0.01 && f.p_payback_above.unwrap() > 0.99);
    assert_eq!(
        on.sentence(),
        format!(
            "On track at month 3: usage at least {} (below that, fewer than half of futures pay back within 36 months)",
            gatecast::ontrack::say("usage_rate", f.tripwire.unwrap())
        )
    );
}

/// The same figures come from 1 and 8 threads, and from the CLI on both.
#[test]
fn on_track_figures_do_not_depend_on_the_thread_count() {
    let one = run_summary(
        gatecast::scenario::EXAMPLE_TOML,
        vec![4, 6, 9],
        9000,
        Some(1),
    );
    let eight = run_summary(
        gatecast::scenario::EXAMPLE_TOML,
        vec![4, 6, 9],
        9000,
        Some(8),
    );
    assert_eq!(one.on_track, eight.on_track);
    assert!(one.on_track.is_some());
    let tmp = tempfile::tempdir().unwrap();
    for (threads, out) in [("1", "one"), ("8", "eight")] {
        gatecast(tmp.path())
            .args(["run", "-n", "9000", "--quiet", "--no-iterations-csv"])
            .args(["--checkpoints", "2,5,7", "--threads", threads, "--out", out])
            .assert()
            .success();
    }
    for f in [
        "summary.json",
        "summary.md",
        "report.html",
        "charts/on-track.svg",
        "charts/on-track.png",
    ] {
        let a = fs::read(tmp.path().join("one").join(f)).unwrap();
        let b = fs::read(tmp.path().join("eight").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 8 threads");
    }
    let s = read_json(&tmp.path().join("one/summary.json"));
    assert_eq!(s["on_track"]["months"], serde_json::json!([2, 5, 7]));
}

/// One iteration's (usage, active users) at each checkpoint; `None` without
/// access.
type Row = Vec<Option<(f32, f32)>>;

/// Groups by the definition, written out plainly: (count, paid, lo, hi).
fn naive_groups(pairs: &[(f64, bool)]) -> Vec<(u64, u64, Option<f64>, Option<f64>)> {
    let n = pairs.len();
    let mut groups = vec![(0u64, 0u64, None, None); 10];
    let mut start_of_tie = 0;
    for (r, (v, paid)) in pairs.iter().enumerate() {
        if r == 0 || pairs[r - 1].0 != *v {
            start_of_tie = r;
        }
        let g = &mut groups[10 * start_of_tie / n];
        g.0 += 1;
        g.1 += u64::from(*paid);
        if g.2.is_none() {
            g.2 = Some(*v);
        }
        g.3 = Some(*v);
    }
    groups
}

/// Every on-track figure of summary.json, recomputed from the iterations
/// simulated one at a time (draws, model): usage and active users read at
/// the month's end where someone has access, payback within 36 months.
#[test]
fn summary_json_on_track_figures_are_recomputed_from_each_iteration() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 3000u64;
    gatecast(tmp.path())
        .args(["run", "-n", "3000", "--quiet", "--no-iterations-csv"])
        .args(["--formats", "svg", "--no-charts", "--out", "r"])
        .assert()
        .success();
    let s = read_json(&tmp.path().join("r/summary.json"));
    let on = &s["on_track"];
    let sc = Scenario::from_toml(gatecast::scenario::EXAMPLE_TOML, "example.toml").unwrap();
    let months: Vec<usize> = (3..=36).step_by(3).collect();
    assert_eq!(on["months"], serde_json::json!(months));
    assert_eq!(on["target_months"], 36);
    // simulate each iteration on its own
    let mut ws = Workspace::new(&sc);
    let mut x = vec![0.0; sc.inputs.len()];
    let mut gate_u = vec![0.0; sc.gate_draws()];
    let mut rows: Vec<(Row, bool)> = Vec::new();
    for i in 0..n {
        engine::draw(&sc, sc.seed, i, &mut x, &mut gate_u);
        model::simulate(&sc, &x, &gate_u, &mut ws);
        let m = &ws.months;
        let at = months
            .iter()
            .map(|&mo| {
                (m.access[mo - 1] > 0.0).then(|| (m.usage[mo - 1] as f32, m.active[mo - 1] as f32))
            })
            .collect();
        let paid = ws.outcome.payback.is_some_and(|p| p <= 36.0);
        rows.push((at, paid));
    }
    let num = |v: &Value| v.as_f64();
    for (k, ind) in ["usage_rate", "active_users"].into_iter().enumerate() {
        let json = on["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == ind)
            .unwrap();
        for (c, &month) in months.iter().enumerate() {
            let got = &json["checkpoints"][c];
            assert_eq!(got["month"], month);
            let mut pairs: Vec<(f64, bool)> = rows
                .iter()
                .filter_map(|(at, paid)| {
                    at[c].map(|(u, a)| (widen(if k == 0 { u } else { a }), *paid))
                })
                .collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let values: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let paying: Vec<f64> = pairs.iter().filter(|p| p.1).map(|p| p.0).collect();
            assert_eq!(
                got["with_access"],
                values.len() as u64,
                "{ind} month {month}"
            );
            assert_eq!(got["paid_back"], paying.len() as u64, "{ind} month {month}");
            for (band, sorted) in [("all", &values), ("paying_back", &paying)] {
                if sorted.is_empty() {
                    assert!(got[band].is_null());
                    continue;
                }
                for (p, key) in [(0.1, "p10"), (0.5, "p50"), (0.9, "p90")] {
                    assert_eq!(
                        num(&got[band][key]),
                        Some(percentile_inc(sorted, p)),
                        "{ind} month {month} {band} {key}"
                    );
                }
            }
            if values.is_empty() {
                continue;
            }
            let groups = naive_groups(&pairs);
            let json_groups: Vec<(u64, u64, Option<f64>, Option<f64>)> = got["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    (
                        g["count"].as_u64().unwrap(),
                        g["paid_back"].as_u64().unwrap(),
                        num(&g["lo"]),
                        num(&g["hi"]),
                    )
                })
                .collect();
            assert_eq!(json_groups, groups, "{ind} month {month}");
            let tripwire = groups
                .iter()
                .rev()
                .find(|g| g.0 > 0 && 2 * g.1 < g.0)
                .and_then(|g| g.3);
            assert_eq!(num(&got["tripwire"]), tripwire, "{ind} month {month}");
            let cut = groups.iter().rposition(|g| g.0 > 0 && 2 * g.1 < g.0);
            let share = |gs: &[(u64, u64, Option<f64>, Option<f64>)]| {
                let (paid, count) = gs.iter().fold((0, 0), |(p, c), g| (p + g.1, c + g.0));
                (count > 0).then(|| paid as f64 / count as f64)
            };
            assert_eq!(
                num(&got["p_payback_at_or_below"]),
                cut.and_then(|k| share(&groups[..=k]))
            );
            assert_eq!(
                num(&got["p_payback_above"]),
                cut.and_then(|k| share(&groups[k + 1..]))
            );
        }
    }
    // summary.md says what summary.json holds
    let md = fs::read_to_string(tmp.path().join("r/summary.md")).unwrap();
    match on["featured_month"].as_u64() {
        Some(m) => assert!(md.contains(&format!("On track at month {m}: usage at least"))),
        None => assert!(md.contains("**No ")),
    }
}

#[test]
fn bad_checkpoints_end_with_exit_2_and_say_what_was_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    for (list, says) in [
        (
            "0",
            "a checkpoint must be a month from 1 to the 36-month horizon, got 0",
        ),
        (
            "3,37",
            "a checkpoint must be a month from 1 to the 36-month horizon, got 37",
        ),
        (
            "-6",
            "a checkpoint must be a month from 1 to the 36-month horizon, got -6",
        ),
        (
            "six",
            "expected whole months from 1 to the 36-month horizon, such as 3,6,9, got `six`",
        ),
        ("2.5", "got `2.5`"),
        ("3,,6", "an empty entry"),
    ] {
        gatecast(tmp.path())
            .args(["run", "-n", "200", "--out", "r"])
            .arg(format!("--checkpoints={list}"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--checkpoints"))
            .stderr(predicate::str::contains(says));
        assert!(!tmp.path().join("r").exists(), "nothing written for {list}");
    }
}

#[test]
fn the_terminal_says_where_on_track_begins() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("closed.toml"), CLOSED_FORM).unwrap();
    let out = gatecast(tmp.path())
        .args(["run", "closed.toml", "-n", "4000", "--no-iterations-csv"])
        .args(["--formats", "svg"])
        .args(["--no-charts", "--checkpoints", "6,12", "--out", "r"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let s = read_json(&tmp.path().join("r/summary.json"));
    let on: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("On track at month"))
        .collect();
    assert_eq!(on.len(), 1, "{text}");
    let month = s["on_track"]["featured_month"].as_u64().unwrap();
    let usage = &s["on_track"]["indicators"][0];
    let c = usage["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["month"] == month)
        .unwrap();
    let tripwire = c["tripwire"].as_f64().unwrap();
    assert_eq!(month, 6, "both separate perfectly: the earlier");
    assert_eq!(
        on[0].trim(),
        format!(
            "On track at month 6: usage at least {} (below that, fewer than half of futures pay back within 36 months)",
            gatecast::ontrack::say("usage_rate", tripwire)
        )
    );
    // then the shares either side of it, then the bands
    let c_sides = (
        c["p_payback_at_or_below"].as_f64().unwrap(),
        c["p_payback_above"].as_f64().unwrap(),
    );
    assert!(c_sides.0 < 0.03 && c_sides.1 > 0.97, "{c_sides:?}");
    assert!(
        text.contains(&format!(
            "At or below it {} of futures with access pay back, above it {}; usage P10 / P50 / P90 in futures that pay back",
            gatecast::format::pct(c_sides.0),
            gatecast::format::pct(c_sides.1)
        )),
        "{text}"
    );
}

/// The closed form with the value per user uncertain too, `v ~ U(5, 15)`:
/// payback within 36 months when `c v >= 5`, so at usage c the chance is
/// `(15 - 5 / c) / 10`, one half at `c = 0.5`: usage no longer separates
/// the futures perfectly.
const NOISY: &str = r#"
[scenario]
name = "Closed form, noisy"
horizon_months = 36
iterations = 20000
seed = 12

[[stage]]
name = "Live"
duration_months = 36
one_off_cost = 18000
scope = 1.0

[adoption]
target_users = 100
curve = "bass"
ceiling = { uniform = [0, 1] }
p = 50
q = 0

[[benefit]]
name = "Value"
per_active_user_month = { uniform = [5, 15] }
"#;

/// MODEL.md 9.1 against 9.2: observing usage at a checkpoint equal to its
/// tripwire, with a small sd, leaves the chance of payback within 36
/// months near one half: between the shares paying back in the tenth the
/// tripwire tops and in the tenth above it.
#[test]
fn observing_usage_at_its_tripwire_leaves_about_an_even_chance_of_payback() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("noisy.toml"), NOISY).unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "noisy.toml",
            "-n",
            "20000",
            "--quiet",
            "--no-iterations-csv",
        ])
        .args([
            "--formats",
            "svg",
            "--no-charts",
            "--checkpoints",
            "6",
            "--out",
            "plan",
        ])
        .assert()
        .success();
    let s = read_json(&tmp.path().join("plan/summary.json"));
    let c = &s["on_track"]["indicators"][0]["checkpoints"][0];
    assert_eq!(c["month"], 6);
    let tripwire = c["tripwire"].as_f64().expect("a tripwire at month 6");
    let groups = c["groups"].as_array().unwrap();
    let k = groups
        .iter()
        .position(|g| g["hi"].as_f64() == Some(tripwire))
        .unwrap();
    let share = |g: &Value| g["share"].as_f64().unwrap();
    let below = share(&groups[k]);
    let above = groups[k + 1..]
        .iter()
        .find(|g| g["count"].as_u64() > Some(0))
        .map(share)
        .unwrap();
    assert!(below < 0.5 && above >= 0.5, "{below} {above}");
    // the closed form: the tripwire near 0.5, the tenths about 0.39 and 0.59
    assert!((tripwire - 0.5).abs() < 0.02, "{tripwire}");
    assert!((below - 0.39).abs() < 0.05 && (above - 0.59).abs() < 0.05);
    fs::write(
        tmp.path().join("seen.toml"),
        format!(
            "[actuals]\nas_of_month = 6\n[[actuals.stage]]\nname = \"Live\"\nstarted = 0\n[[actuals.observe]]\nmetric = \"usage_rate\"\nmonth = 6\nvalue = {tripwire}\nsd = 0.01\n"
        ),
    )
    .unwrap();
    gatecast(tmp.path())
        .args([
            "run",
            "noisy.toml",
            "-n",
            "20000",
            "--quiet",
            "--no-iterations-csv",
        ])
        .args([
            "--formats",
            "svg",
            "--no-charts",
            "--actuals",
            "seen.toml",
            "--out",
            "seen",
        ])
        .assert()
        .success();
    let s = read_json(&tmp.path().join("seen/summary.json"));
    let after = s["actuals"]["conditioned"]["payback"]["p_within_36_months"]["value"]
        .as_f64()
        .unwrap();
    let (lo, hi) = (below.min(above), below.max(above));
    assert!(
        after >= lo - 0.05 && after <= hi + 0.05,
        "P(payback within 36 | usage at the tripwire {tripwire}) = {after}, deciles {below} and {above}"
    );
}

/// A run of the CLI keeps no checkpoint for other commands' scenarios:
/// a Summary built without checkpoints has no on-track section.
#[test]
fn without_checkpoints_there_is_no_on_track_section() {
    let s = run_summary(gatecast::scenario::EXAMPLE_TOML, Vec::new(), 500, Some(1));
    assert!(s.on_track.is_none());
    let json = serde_json::to_value(&s).unwrap();
    assert!(json.get("on_track").is_none());
    let _: Option<&OnTrack> = s.on_track.as_ref();
}

/// The chart draws what the summary says: a tripwire mark per checkpoint
/// equal to summary.json's; its SVG carries its font and no two texts
/// overlap, on scenarios with and without tripwires.
#[test]
fn the_on_track_chart_marks_the_tripwires_and_keeps_its_texts_apart() {
    use gatecast::charts::{self, OnTrackChart};
    for (file, n) in [
        ("scenarios/enterprise-stage-gate.toml", 4000),
        ("scenarios/mid-market-12-month.toml", 4000),
        ("scenarios/example.toml", 2000),
    ] {
        let toml = fs::read_to_string(file).unwrap();
        let s = run_summary(&toml, (3..=36).step_by(3).collect(), n, None);
        let chart = charts::render::<OnTrackChart>(&s, true, false).unwrap();
        let on = s.on_track.as_ref().unwrap();
        for c in &on.indicator("usage_rate").unwrap().checkpoints {
            let label = format!("Usage tripwire at month {}", c.month);
            assert_eq!(
                crate::common::mark(&chart, &label),
                c.figures.tripwire,
                "{file}"
            );
        }
        crate::common::assert_svg_carries_its_font(&chart);
        let doc = roxmltree::Document::parse(chart.svg.as_ref().unwrap()).unwrap();
        let boxes: Vec<(String, (f64, f64, f64, f64))> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| Some((n.text()?.trim().to_string(), crate::common::text_box(n)?)))
            .collect();
        for (i, (a, p)) in boxes.iter().enumerate() {
            assert!(
                p.0 >= 0.0 && p.2 <= 1600.0,
                "{file}: {a:?} runs off the canvas"
            );
            for (b, q) in &boxes[i + 1..] {
                let apart = p.2 <= q.0 || q.2 <= p.0 || p.3 <= q.1 || q.3 <= p.1;
                assert!(apart, "{file}: {a:?} {p:?} overlaps {b:?} {q:?}");
            }
        }
    }
}
