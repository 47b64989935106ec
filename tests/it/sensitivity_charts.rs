//! What drives the result, as drawn: the tornado and spider charts, the
//! report's section and the workbook's Drivers sheet.

use std::io::Cursor;
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx};
use gatecast::charts::{self, ChartFile};
use gatecast::engine::{self, RunOptions};
use gatecast::export::xlsx::workbook;
use gatecast::report;
use gatecast::scenario::Scenario;
use gatecast::stats::sensitivity::Target;
use gatecast::summary::Summary;

use crate::common::{assert_svg_carries_its_font, mark, svg_words, text_box};

const SEED: u64 = 7;

fn scenario() -> Scenario {
    let toml = std::fs::read_to_string("scenarios/example.toml").unwrap();
    Scenario::from_toml(&toml, "example.toml").unwrap()
}

fn plain() -> Summary {
    let sc = scenario();
    let opts = RunOptions {
        iterations: 1_000,
        seed: SEED,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
    };
    Summary::new(
        &sc,
        "t.toml",
        &engine::run(&sc, &opts, None, &|_| {}).unwrap(),
    )
}

/// The example with the full analysis (pinned tornado and spider).
fn full() -> &'static Summary {
    static S: OnceLock<Summary> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = plain();
        s.sensitivity = Some(
            gatecast::sensitivity::analyse(&scenario(), SEED, 1000, None, Target::Npv).unwrap(),
        );
        s
    })
}

/// The example with the quick analysis (deciles only).
fn quick() -> &'static Summary {
    static S: OnceLock<Summary> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = plain();
        s.sensitivity = Some(
            gatecast::sensitivity::analyse_quick(&scenario(), SEED, 1000, None, Target::Npv)
                .unwrap(),
        );
        s
    })
}

fn full_charts() -> &'static [ChartFile] {
    static C: OnceLock<Vec<ChartFile>> = OnceLock::new();
    C.get_or_init(|| {
        let files = charts::render_all(full(), true, true).unwrap();
        // to look at them: SENSITIVITY_CHARTS_OUT=/tmp/charts cargo test ...
        if let Ok(dir) = std::env::var("SENSITIVITY_CHARTS_OUT") {
            std::fs::create_dir_all(&dir).unwrap();
            for f in &files {
                let p = std::path::Path::new(&dir).join(f.name);
                std::fs::write(p.with_extension("png"), f.png.as_ref().unwrap()).unwrap();
                std::fs::write(p.with_extension("svg"), f.svg.as_ref().unwrap()).unwrap();
            }
        }
        files
    })
}

fn chart<'a>(files: &'a [ChartFile], name: &str) -> Option<&'a ChartFile> {
    files.iter().find(|c| c.name == name)
}

fn assert_valid(c: &ChartFile) {
    let png = c.png.as_ref().expect("a PNG");
    let decoder = png::Decoder::new(Cursor::new(png.as_slice()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!((info.width, info.height), (1600, 900), "{}", c.name);
    let svg = c.svg.as_ref().expect("an SVG");
    let doc = roxmltree::Document::parse(svg).unwrap();
    assert_eq!(doc.root_element().attribute("width"), Some("1600"));
    assert_eq!(doc.root_element().attribute("height"), Some("900"));
}

const SIX: [&str; 6] = [
    "payback-distribution",
    "cumulative-net-cash",
    "leading-vs-lagging",
    "stage-funnel",
    "npv-distribution",
    "cost-ramp",
];

#[test]
fn with_the_full_analysis_the_tornado_and_spider_are_drawn() {
    let files = full_charts();
    let names: Vec<&str> = files.iter().map(|c| c.name).collect();
    let mut want = SIX.to_vec();
    want.extend(["tornado", "spider"]);
    assert_eq!(names, want);
    let t = chart(files, "tornado").unwrap();
    assert_valid(t);
    assert!(
        t.title.starts_with("What drives mean NPV — "),
        "{}",
        t.title
    );
    assert_valid(chart(files, "spider").unwrap());
}

#[test]
fn every_svg_of_the_full_analysis_carries_the_glyphs_of_its_text() {
    for c in full_charts() {
        assert_svg_carries_its_font(c);
    }
}

#[test]
fn the_tornado_lists_the_pinned_bars_in_order() {
    let sens = full().sensitivity.as_ref().unwrap();
    assert!(!sens.pinned.is_empty());
    let t = chart(full_charts(), "tornado").unwrap();
    let bars: Vec<&str> = t
        .marks
        .iter()
        .filter(|m| m.label != "base" && !m.label.contains("P50"))
        .map(|m| m.label.as_str())
        .collect();
    let want: Vec<&str> = sens
        .pinned
        .iter()
        .take(charts::MAX_TORNADO_BARS)
        .map(|b| b.path.as_str())
        .collect();
    assert_eq!(bars, want);
    let base = t.marks.iter().find(|m| m.label == "base").unwrap();
    assert_eq!(base.value, sens.base);
}

/// The vertical strokes of a colour in an SVG, in drawing order: (x, top,
/// bottom).
fn vertical_strokes(svg: &str, colour: &str) -> Vec<(f64, f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(colour))
        .filter_map(|n| {
            let pts: Vec<(f64, f64)> = n
                .attribute("points")?
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            match pts[..] {
                [(x0, y0), (x1, y1)] if x0 == x1 && y0 != y1 => Some((x0, y0.min(y1), y0.max(y1))),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_pinned_tornado_marks_the_p50_at_both_ends_of_every_bar() {
    let s = full();
    let sens = s.sensitivity.as_ref().unwrap();
    let t = chart(full_charts(), "tornado").unwrap();
    // the analysis ran on all 1,000 runs: its base P50 is the summary's
    assert_eq!(sens.iterations, s.iterations);
    let base_p50 = s.npv.spread.p50.value.unwrap();
    assert_eq!(mark(t, "base P50"), Some(base_p50));
    let bars: Vec<_> = sens.pinned.iter().take(charts::MAX_TORNADO_BARS).collect();
    for b in &bars {
        assert_eq!(mark(t, &format!("{} P50 low", b.path)), b.low_p50);
        assert_eq!(mark(t, &format!("{} P50 high", b.path)), b.high_p50);
        assert!(b.low_p50.is_some() && b.high_p50.is_some(), "{}", b.path);
    }
    let svg = t.svg.as_ref().unwrap();
    let words = svg_words(svg);
    assert!(words.contains("Change in P50, pinned low"), "{words}");
    assert!(words.contains("Change in P50, pinned high"), "{words}");
    let p50 = gatecast::format::money_short(base_p50, "EUR");
    assert!(words.contains(&format!(", P50 {p50}")), "{words}");

    // drawn: one light and one dark tick a bar, top to bottom in the bars'
    // order, each a little taller than its bar
    let low = vertical_strokes(svg, "#F2A14B");
    let high = vertical_strokes(svg, "#B35200");
    assert_eq!((low.len(), high.len()), (bars.len(), bars.len()));
    assert!(low.windows(2).all(|w| w[0].1 < w[1].1), "{low:?}");
    // the base line, and the scale from the widest bar (pixels per EUR)
    let base_x = vertical_strokes(svg, "#1D2630")
        .iter()
        .max_by(|a, b| (a.2 - a.1).total_cmp(&(b.2 - b.1)))
        .unwrap()
        .0;
    let base = sens.base.unwrap();
    let doc = roxmltree::Document::parse(svg).unwrap();
    let widest = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#8FB1D3"))
        .filter_map(|n| n.attribute("width")?.parse::<f64>().ok())
        .fold(0.0f64, f64::max);
    let swing_low = bars
        .iter()
        .map(|b| (b.low.unwrap() - base).abs())
        .fold(0.0f64, f64::max);
    let per_eur = widest / swing_low;
    // each tick sits as far from the base line as the P50 moved (within
    // the pixel rounding)
    for (b, (l, h)) in bars.iter().zip(low.iter().zip(&high)) {
        let want_l = base_x + per_eur * (b.low_p50.unwrap() - base_p50);
        let want_h = base_x + per_eur * (b.high_p50.unwrap() - base_p50);
        assert!(
            (l.0 - want_l).abs() <= 2.5,
            "{}: low tick at {} not {want_l}",
            b.path,
            l.0
        );
        assert!(
            (h.0 - want_h).abs() <= 2.5,
            "{}: high tick at {} not {want_h}",
            b.path,
            h.0
        );
        assert!(
            (l.1 - h.1).abs() < 1.0,
            "{}: the two ticks share a row",
            b.path
        );
        assert!(l.2 - l.1 > 20.0, "{}: a tick as tall as its bar", b.path);
    }
}

#[test]
fn a_payback_tornado_has_no_p50_ticks_since_its_bars_are_the_p50() {
    let mut s = plain();
    s.sensitivity = Some(
        gatecast::sensitivity::analyse(&scenario(), SEED, 1000, None, Target::Payback).unwrap(),
    );
    let t = charts::render::<charts::Tornado>(&s, true, false).unwrap();
    assert!(
        t.marks.iter().all(|m| !m.label.contains("P50")),
        "{:?}",
        t.marks
    );
    assert!(vertical_strokes(t.svg.as_ref().unwrap(), "#F2A14B").is_empty());
    assert_no_text_overlaps(&t);
}

#[test]
fn with_deciles_only_the_tornado_follows_the_deciles_and_there_is_no_spider() {
    let files = charts::render_all(quick(), true, true).unwrap();
    let sens = quick().sensitivity.as_ref().unwrap();
    assert!(sens.pinned.is_empty() && sens.spider.is_empty());
    assert!(chart(&files, "spider").is_none());
    let t = chart(&files, "tornado").unwrap();
    assert_valid(t);
    let bars: Vec<&str> = t
        .marks
        .iter()
        .filter(|m| m.label != "base")
        .map(|m| m.label.as_str())
        .collect();
    let want: Vec<&str> = sens
        .deciles
        .iter()
        .take(charts::MAX_TORNADO_BARS)
        .map(|b| b.path.as_str())
        .collect();
    assert_eq!(bars, want);
}

#[test]
fn without_sensitivity_only_the_six_charts_are_drawn_unchanged() {
    let s = plain();
    let without = charts::render_all(&s, true, false).unwrap();
    let names: Vec<&str> = without.iter().map(|c| c.name).collect();
    assert_eq!(names, SIX.to_vec());
    // the six are the same bytes with or without the analysis
    for (a, b) in without.iter().zip(full_charts()) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.svg, b.svg, "{}", a.name);
        assert_eq!(a.marks, b.marks, "{}", a.name);
    }
}

#[test]
fn the_report_says_what_drives_the_result() {
    let html = report::html(full(), full_charts());
    assert!(html.contains("What drives"), "no section");
    assert!(html.contains("id=\"chart-tornado\""));
    assert!(html.contains("id=\"chart-spider\""));
    let first = &full().sensitivity.as_ref().unwrap().pinned[0].path;
    assert!(html.contains(first.as_str()));
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    if let Err(e) = roxmltree::Document::parse_with_options(&html, opts) {
        let at = match e {
            roxmltree::Error::InvalidName(p) => p.row as usize,
            _ => 1,
        };
        panic!("{e}: {}", html.lines().nth(at - 1).unwrap_or(""));
    }
    let s = plain();
    let html = report::html(&s, &charts::render_all(&s, true, false).unwrap());
    assert!(!html.contains("What drives the result"));
}

#[test]
fn the_workbook_has_a_drivers_sheet_in_the_tornado_order() {
    let bytes = workbook(full(), None).unwrap();
    let mut x: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert!(x.sheet_names().contains(&"Drivers".to_string()));
    let r = x.worksheet_range("Drivers").unwrap();
    let sens = full().sensitivity.as_ref().unwrap();
    assert_eq!(r.get((0, 0)), Some(&Data::String("Input".into())));
    assert_eq!(
        r.get((1, 0)),
        Some(&Data::String(sens.pinned[0].path.clone()))
    );
    // numbers as numbers, on every input's row (gates have no correlation)
    for (i, bar) in sens.pinned.iter().enumerate() {
        let row = i as u32 + 1;
        assert_eq!(
            r.get((row as usize, 0)),
            Some(&Data::String(bar.path.clone()))
        );
        match sens.deciles.iter().find(|d| d.path == bar.path) {
            Some(d) => match r.get((row as usize, 1)) {
                Some(Data::Float(v)) => assert!((v - d.spearman).abs() < 1e-12),
                other => panic!("rank correlation is {other:?}"),
            },
            None => assert!(bar.path.starts_with("gate.")),
        }
        if let Some(v) = bar.high {
            assert_eq!(r.get((row as usize, 10)), Some(&Data::Float(v)));
        }
    }
    let bytes = workbook(&plain(), None).unwrap();
    let x: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert!(!x.sheet_names().contains(&"Drivers".to_string()));
}

#[test]
fn a_payback_tornado_draws_in_months() {
    let mut s = plain();
    s.sensitivity = Some(
        gatecast::sensitivity::analyse_quick(&scenario(), SEED, 1000, None, Target::Payback)
            .unwrap(),
    );
    let files = charts::render_all(&s, true, true).unwrap();
    let t = chart(&files, "tornado").unwrap();
    assert_valid(t);
    assert!(t.title.contains("median payback"), "{}", t.title);
    assert_no_text_overlaps(t);
}

#[test]
fn no_two_texts_overlap_on_the_tornado_or_spider() {
    for name in ["tornado", "spider"] {
        assert_no_text_overlaps(chart(full_charts(), name).unwrap());
    }
    let files = charts::render_all(quick(), true, false).unwrap();
    assert_no_text_overlaps(chart(&files, "tornado").unwrap());
}

fn assert_no_text_overlaps(c: &ChartFile) {
    charts::theme::register_fonts().unwrap();
    let doc = roxmltree::Document::parse(c.svg.as_ref().unwrap()).unwrap();
    let boxes: Vec<(String, (f64, f64, f64, f64))> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| Some((n.text()?.trim().to_string(), text_box(n)?)))
        .collect();
    for (i, (a, p)) in boxes.iter().enumerate() {
        assert!(
            p.0 >= 0.0 && p.2 <= 1600.0,
            "{}: {a:?} runs off the canvas",
            c.name
        );
        for (b, q) in &boxes[i + 1..] {
            let apart = p.2 <= q.0 || q.2 <= p.0 || p.3 <= q.1 || q.3 <= p.1;
            assert!(apart, "{}: {a:?} {p:?} overlaps {b:?} {q:?}", c.name);
        }
    }
}
