//! The overlay charts of a comparison: the payback S-curves and the NPV
//! curves of several runs on one chart, as drawn from the summaries and as
//! the `compare` and `run` commands write them.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use gatecast::charts::overlay::{curve_at, npv_exceedance, payback_curve};
use gatecast::charts::{self, ChartFile, Compared};
use gatecast::engine::{self, Records, RunOptions, Sampling};
use gatecast::scenario::{Change, Scenario, EXAMPLE_TOML};
use gatecast::summary::Summary;

use crate::common::{assert_svg_carries_its_font, chart, mark, svg_words, text_box};

const PLAYBOOKS: [&str; 4] = [
    "small-real-deployments",
    "mid-market-12-month",
    "enterprise-stage-gate",
    "pilot-purgatory",
];

fn opts(iterations: u64) -> RunOptions {
    RunOptions {
        iterations,
        seed: 7,
        threads: None,
        sampling: Sampling::Mc,
    }
}

/// A scenario's summary and its per-iteration records.
fn simulate(sc: &Scenario, file: &str, iterations: u64) -> (Summary, Records) {
    let r = engine::run(sc, &opts(iterations), None, &|_| {}).unwrap();
    (Summary::new(sc, file, &r), r.records)
}

fn load(stem: &str) -> Scenario {
    let path = format!("scenarios/{stem}.toml");
    Scenario::from_toml(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

/// The four playbooks, named as `gatecast compare` names them.
fn playbooks() -> &'static [(String, String, Summary, Records)] {
    static P: OnceLock<Vec<(String, String, Summary, Records)>> = OnceLock::new();
    P.get_or_init(|| {
        PLAYBOOKS
            .iter()
            .map(|stem| {
                let sc = load(stem);
                let (s, r) = simulate(&sc, &format!("scenarios/{stem}.toml"), 2_000);
                (format!("{} ({stem})", sc.name), stem.to_string(), s, r)
            })
            .collect()
    })
}

fn compared(runs: &[(String, String, Summary, Records)]) -> Compared<'_> {
    let lines: Vec<(String, String, &Summary)> = runs
        .iter()
        .map(|(n, stem, s, _)| (n.clone(), stem.clone(), s))
        .collect();
    Compared::scenarios(&lines)
}

fn playbook_charts() -> &'static [ChartFile] {
    static C: OnceLock<Vec<ChartFile>> = OnceLock::new();
    C.get_or_init(|| {
        let files = charts::render_comparison(&compared(playbooks()), true, true).unwrap();
        // to look at them: OVERLAY_CHARTS_OUT=/tmp/overlay cargo test --test overlay_charts
        if let Ok(dir) = std::env::var("OVERLAY_CHARTS_OUT") {
            std::fs::create_dir_all(&dir).unwrap();
            for f in &files {
                let p = Path::new(&dir).join(f.name);
                std::fs::write(p.with_extension("png"), f.png.as_ref().unwrap()).unwrap();
                std::fs::write(p.with_extension("svg"), f.svg.as_ref().unwrap()).unwrap();
            }
        }
        files
    })
}

/// The example as base, with a stalled pilot decision and a lower
/// adoption ceiling as its stresses.
fn stressed() -> &'static [(String, Summary)] {
    static S: OnceLock<Vec<(String, Summary)>> = OnceLock::new();
    S.get_or_init(|| {
        let base = Scenario::from_toml(EXAMPLE_TOML, "example.toml").unwrap();
        let stall = base
            .with_changes(&[(
                "stage.Pilot.gate.decision_delay_months".into(),
                Change::Scale(3.0),
            )])
            .unwrap();
        let ceiling = base
            .with_changes(&[("adoption.ceiling".into(), Change::Scale(0.7))])
            .unwrap();
        vec![
            ("Base".into(), simulate(&base, "example.toml", 2_000).0),
            (
                "Pilot decision stalls".into(),
                simulate(&stall, "example.toml", 2_000).0,
            ),
            (
                "Lower ceiling".into(),
                simulate(&ceiling, "example.toml", 2_000).0,
            ),
        ]
    })
}

/// The curves of an SVG chart, in drawing order: (stroke, width, points).
fn curves(svg: &str) -> Vec<(String, String, usize)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| {
            let points = n.attribute("points")?.split_whitespace().count();
            // a curve has a point a month (or a bin); legend swatches and
            // ticks have two
            (points > 20).then(|| {
                (
                    n.attribute("stroke").unwrap_or("").to_string(),
                    n.attribute("stroke-width").unwrap_or("").to_string(),
                    points,
                )
            })
        })
        .collect()
}

#[test]
fn both_overlays_are_1600_by_900_pngs_and_svgs_that_parse() {
    let files = playbook_charts();
    let names: Vec<&str> = files.iter().map(|c| c.name).collect();
    assert_eq!(names, ["compare-payback", "compare-npv"]);
    for c in files {
        let png = c.png.as_ref().expect("a PNG");
        let mut reader = png::Decoder::new(Cursor::new(png.as_slice()))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1600, 900), "{}", c.name);
        assert!(buf.iter().any(|b| *b < 100), "{} is blank", c.name);
        let doc = roxmltree::Document::parse(c.svg.as_ref().unwrap()).unwrap();
        assert_eq!(doc.root_element().attribute("width"), Some("1600"));
        assert_eq!(doc.root_element().attribute("height"), Some("900"));
        assert!(
            svg_words(c.svg.as_ref().unwrap()).contains(&c.title),
            "{} does not draw its title",
            c.name
        );
    }
    assert_eq!(
        chart(files, "compare-payback").title,
        "Chance of payback by month — 4 scenarios"
    );
}

#[test]
fn both_overlay_svgs_carry_the_glyphs_of_their_text() {
    for c in playbook_charts() {
        assert_svg_carries_its_font(c);
    }
}

#[test]
fn the_legend_names_every_scenario_and_states_its_figures() {
    let files = playbook_charts();
    for (name, _, s, _) in playbooks() {
        let payback = svg_words(chart(files, "compare-payback").svg.as_ref().unwrap());
        assert!(payback.contains(name.as_str()), "{name} missing: {payback}");
        assert!(
            payback.contains(&format!(
                "{} by month 36",
                gatecast::format::pct(s.payback.p_within_horizon.value)
            )),
            "{payback}"
        );
        let npv = svg_words(chart(files, "compare-npv").svg.as_ref().unwrap());
        assert!(npv.contains(name.as_str()), "{name} missing: {npv}");
        assert!(
            npv.contains(&format!(
                "P(NPV > 0) {}",
                gatecast::format::pct(s.npv.p_positive.value)
            )),
            "{npv}"
        );
    }
    // the playbooks are in three currencies: the chart says so, and does
    // not pretend they are one
    let npv = svg_words(chart(files, "compare-npv").svg.as_ref().unwrap());
    assert!(npv.contains("Mixed currencies (GBP, EUR, USD)"), "{npv}");
    assert!(npv.contains("each line in its own currency: GBP, EUR, USD"));
}

#[test]
fn each_line_has_its_own_colour_and_the_story_is_told_in_the_facts() {
    for c in playbook_charts() {
        let lines = curves(c.svg.as_ref().unwrap());
        assert_eq!(lines.len(), 4, "{}: {lines:?}", c.name);
        let mut colours: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), 4, "{}: {lines:?}", c.name);
    }
    let words = svg_words(
        chart(playbook_charts(), "compare-payback")
            .svg
            .as_ref()
            .unwrap(),
    );
    assert!(words.contains("Soonest: small-real-deployments"), "{words}");
    assert!(
        words.contains("Least likely to pay back within 36 months: pilot-purgatory"),
        "{words}"
    );
}

#[test]
fn the_s_curve_reads_the_summarys_chance_of_payback_at_12_24_and_36_months() {
    let c = chart(playbook_charts(), "compare-payback");
    for (name, _, s, _) in playbooks() {
        let p = &s.payback;
        assert_eq!(
            mark(c, &format!("{name}: by month 12")),
            Some(p.p_within_12_months.value)
        );
        assert_eq!(
            mark(c, &format!("{name}: by month 24")),
            Some(p.p_within_24_months.value)
        );
        assert_eq!(
            mark(c, &format!("{name}: by month 36")),
            p.p_within_36_months.map(|x| x.value)
        );
        assert_eq!(
            mark(c, &format!("{name}: by the horizon")),
            Some(p.p_within_horizon.value)
        );
        assert_eq!(mark(c, &format!("{name}: median")), p.p50.value);
    }
    // and the story the field tells, as drawn at month 24
    let at24: Vec<f64> = playbooks()
        .iter()
        .map(|(n, ..)| mark(c, &format!("{n}: by month 24")).unwrap())
        .collect();
    assert!(
        at24[0] > at24[1] && at24[0] > at24[2] && at24[0] > at24[3],
        "{at24:?}"
    );
}

#[test]
fn the_s_curve_at_every_month_is_the_share_of_runs_paid_back_by_then() {
    for (name, _, s, records) in playbooks() {
        let curve = payback_curve(s);
        assert_eq!(curve.len(), s.horizon_months + 1, "{name}");
        let n = records.payback.len() as f64;
        for (m, v) in &curve {
            // the summary's months count runs paying back at exactly m;
            // the others, the runs paying back before m
            let stated = [12.0, 24.0, 36.0].contains(m) || *m == s.horizon_months as f64;
            let paid = records
                .payback
                .iter()
                .filter(|p| if stated { **p <= *m } else { **p < *m })
                .count() as f64;
            assert!(
                (v - paid / n).abs() < 1e-12,
                "{name} at month {m}: drawn {v}, counted {}",
                paid / n
            );
        }
        assert!(curve.windows(2).all(|w| w[0].1 <= w[1].1), "{name} falls");
        // the median's dot sits on the line, within the month it falls in
        if let Some(m) = s.payback.p50.value {
            let at = curve_at(&curve, m).unwrap();
            let month = m.floor() as usize;
            let step = curve[month + 1].1 - curve[month].1;
            assert!((at - 0.5).abs() <= step + 1e-12, "{name}: {at} at {m}");
        }
    }
}

#[test]
fn the_npv_curve_is_the_share_of_runs_with_at_least_each_amount() {
    let c = chart(playbook_charts(), "compare-npv");
    for (name, _, s, records) in playbooks() {
        let curve = npv_exceedance(s);
        let n = records.npv.len() as f64;
        let last = curve.len() - 1;
        for (i, (x, v)) in curve.iter().enumerate() {
            let at_least = records
                .npv
                .iter()
                .filter(|v| if i == last { **v > *x } else { **v >= *x })
                .count() as f64;
            assert!((v - at_least / n).abs() < 1e-12, "{name} at {x}: {v}");
        }
        assert!(curve.windows(2).all(|w| w[0].1 >= w[1].1), "{name} rises");
        // read at NPV = 0, the line gives the summary's P(NPV > 0)
        assert!(records.npv.iter().all(|v| *v != 0.0));
        let at_zero = mark(c, &format!("{name}: at least 0")).expect("0 within the bins");
        assert!(
            (at_zero - s.npv.p_positive.value).abs() < 1e-9,
            "{name}: {at_zero} vs {}",
            s.npv.p_positive.value
        );
        assert_eq!(mark(c, &format!("{name}: median")), s.npv.spread.p50.value);
    }
}

#[test]
fn a_stress_comparison_draws_the_base_first_and_heaviest() {
    let runs = stressed();
    let files = charts::render_comparison(&Compared::stresses(runs), true, false).unwrap();
    for c in &files {
        let lines = curves(c.svg.as_ref().unwrap());
        assert_eq!(lines.len(), 3, "{}: {lines:?}", c.name);
        assert_eq!(lines[0].0, "#1F4E79", "{}: the base in navy first", c.name);
        assert_eq!(lines[0].1, "6", "{}", c.name);
        for l in &lines[1..] {
            assert_eq!(l.1, "3", "{}: {lines:?}", c.name);
            assert_ne!(l.0, lines[0].0);
        }
        assert_ne!(lines[1].0, lines[2].0);
        let words = svg_words(c.svg.as_ref().unwrap());
        for (name, _) in runs {
            assert!(words.contains(name.as_str()), "{}: {name}", c.name);
        }
        assert!(
            c.title
                .ends_with("— Claims triage copilot: base and stress tests"),
            "{}",
            c.title
        );
    }
    let words = svg_words(chart(&files, "compare-payback").svg.as_ref().unwrap());
    assert!(words.contains("Base: "), "{words}");
    assert!(words.contains("Largest change: "), "{words}");
    // the stalled decision delays payback: the drawn line says so at month 24
    let c = chart(&files, "compare-payback");
    let base = mark(c, "Base: by month 24").unwrap();
    let stall = mark(c, "Pilot decision stalls: by month 24").unwrap();
    assert!(stall < base, "{stall} vs {base}");
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let again = charts::render_comparison(&compared(playbooks()), true, true).unwrap();
    for (a, b) in playbook_charts().iter().zip(&again) {
        assert_eq!(a.svg, b.svg, "{}", a.name);
        assert!(a.png == b.png, "{}", a.name);
        assert_eq!(a.marks, b.marks, "{}", a.name);
    }
}

fn assert_no_text_overlaps(files: &[ChartFile]) {
    charts::theme::register_fonts().unwrap();
    for c in files {
        let doc = roxmltree::Document::parse(c.svg.as_ref().unwrap()).unwrap();
        let boxes: Vec<(String, (f64, f64, f64, f64))> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| Some((n.text()?.trim().to_string(), text_box(n)?)))
            .collect();
        assert!(boxes.len() > 10, "{}: too few texts", c.name);
        for (i, (a, p)) in boxes.iter().enumerate() {
            assert!(
                p.0 >= 0.0 && p.2 <= 1600.0 && p.1 >= 0.0 && p.3 <= 900.0,
                "{}: {a:?} runs off the canvas",
                c.name
            );
            for (b, q) in &boxes[i + 1..] {
                let apart = p.2 <= q.0 || q.2 <= p.0 || p.3 <= q.1 || q.3 <= p.1;
                assert!(apart, "{}: {a:?} {p:?} overlaps {b:?} {q:?}", c.name);
            }
        }
    }
}

#[test]
fn no_two_texts_overlap_on_the_overlays() {
    assert_no_text_overlaps(playbook_charts());
    assert_no_text_overlaps(
        &charts::render_comparison(&Compared::stresses(stressed()), true, false).unwrap(),
    );
}

#[test]
fn nine_lines_with_long_names_still_fit_without_overlaps() {
    // the four playbooks and the example, twice over less one: the ninth
    // line repeats the first colour, dashed
    let mut runs: Vec<(String, String, &Summary)> = Vec::new();
    for round in 0..2 {
        for (name, stem, s, _) in playbooks() {
            runs.push((format!("{name} {round}"), format!("{stem}-{round}"), s));
        }
    }
    let (ex, _) = simulate(
        &Scenario::from_toml(EXAMPLE_TOML, "example.toml").unwrap(),
        "example.toml",
        500,
    );
    runs.push((
        "Claims triage copilot (example)".into(),
        "example".into(),
        &ex,
    ));
    let files = charts::render_comparison(&Compared::scenarios(&runs), true, false).unwrap();
    assert_no_text_overlaps(&files);
    for c in &files {
        let lines = curves(c.svg.as_ref().unwrap());
        // the ninth line draws in dashes: many short polylines, none of them
        // a whole curve
        assert_eq!(lines.len(), 8, "{}", c.name);
        let words = svg_words(c.svg.as_ref().unwrap());
        for (name, stem, _) in &runs {
            assert!(
                words.contains(name.as_str()) || words.contains(stem.as_str()),
                "{}: {name} is not named: {words}",
                c.name
            );
        }
    }
}

#[test]
fn a_comparison_where_nothing_pays_back_says_so() {
    let never = r#"
        [scenario]
        name = "Never pays back"
        currency = "EUR"
        horizon_months = 24
        [[stage]]
        name = "Build"
        duration_months = 2
        cost_per_month = 50000
        one_off_cost = 100000
        scope = 1
        [adoption]
        target_users = 10
        curve = "bass"
        ceiling = 1
        p = 0.3
        q = 0.3
        [[benefit]]
        name = "Tiny value"
        per_active_user_month = { uniform = [1, 2] }
    "#;
    let sc = Scenario::from_toml(never, "never.toml").unwrap();
    let (s, _) = simulate(&sc, "never.toml", 300);
    let runs = vec![("Base".to_string(), s.clone()), ("Again".to_string(), s)];
    let files = charts::render_comparison(&Compared::stresses(&runs), true, true).unwrap();
    assert_no_text_overlaps(&files);
    let c = chart(&files, "compare-payback");
    assert_eq!(mark(c, "Base: by the horizon"), Some(0.0));
    assert_eq!(mark(c, "Base: median"), None);
    let words = svg_words(c.svg.as_ref().unwrap());
    assert!(
        words.contains("No run of any line paid back within its horizon"),
        "{words}"
    );
    assert!(words.contains("median beyond the horizon"), "{words}");
}

// ---- as the commands write them ------------------------------------------

fn gatecast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("gatecast").unwrap();
    c.current_dir(dir);
    c
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const OVERLAYS: [&str; 4] = [
    "compare-payback.png",
    "compare-payback.svg",
    "compare-npv.png",
    "compare-npv.svg",
];

#[test]
fn compare_writes_the_overlay_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = gatecast(tmp.path());
    cmd.arg("compare");
    for f in PLAYBOOKS {
        cmd.arg(repo(&format!("scenarios/{f}.toml")));
    }
    cmd.args(["-n", "400", "--out", "cmp", "-q"])
        .assert()
        .success();
    for f in OVERLAYS {
        let p = tmp.path().join("cmp/charts").join(f);
        assert!(p.is_file(), "{f} missing");
    }
    let svg = std::fs::read_to_string(tmp.path().join("cmp/charts/compare-payback.svg")).unwrap();
    let words = svg_words(&svg);
    for stem in PLAYBOOKS {
        assert!(words.contains(&format!("({stem})")), "{stem}: {words}");
    }
}

#[test]
fn a_run_with_stresses_writes_the_overlays_and_reports_them() {
    let tmp = tempfile::tempdir().unwrap();
    gatecast(tmp.path())
        .args(["run", "-n", "400", "--no-iterations-csv", "--out", "r"])
        .args(["--formats", "svg,html"])
        .args(["--scale", "adoption.ceiling=0.8"])
        .assert()
        .success();
    let charts_dir = tmp.path().join("r/charts");
    assert!(charts_dir.join("compare-payback.svg").is_file());
    assert!(charts_dir.join("compare-npv.svg").is_file());
    // --formats: no PNG asked for, none written
    assert!(!charts_dir.join("compare-payback.png").exists());
    let html = std::fs::read_to_string(tmp.path().join("r/report.html")).unwrap();
    assert!(html.contains("<h2>Stress tests</h2>"), "no section");
    assert!(
        html.contains("<a href=\"#stresses\">Stress tests</a>"),
        "no link"
    );
    assert!(html.contains("id=\"chart-compare-payback\""));
    assert!(html.contains("id=\"chart-compare-npv\""));
    assert!(html.contains("adoption.ceiling x 0.8"));
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, opts).expect("well-formed report");

    // --no-charts: no chart files, and the report still has its section
    gatecast(tmp.path())
        .args(["run", "-n", "300", "--no-iterations-csv", "--out", "q"])
        .args(["--no-charts", "--formats", "html"])
        .args(["--scale", "adoption.ceiling=0.8"])
        .assert()
        .success();
    assert!(!tmp.path().join("q/charts").exists());
    let html = std::fs::read_to_string(tmp.path().join("q/report.html")).unwrap();
    assert!(html.contains("id=\"chart-compare-npv\""));

    // without stresses, neither the charts nor the section
    gatecast(tmp.path())
        .args(["run", "-n", "300", "--no-iterations-csv", "--out", "p"])
        .args(["--formats", "svg,html"])
        .assert()
        .success();
    assert!(!tmp.path().join("p/charts/compare-payback.svg").exists());
    let html = std::fs::read_to_string(tmp.path().join("p/report.html")).unwrap();
    assert!(!html.contains("Stress tests"));
}
