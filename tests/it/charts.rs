//! The charts: sizes, valid files, the figures drawn equal to the summary,
//! the same bytes for the same input, and the edge cases said in words.

use std::sync::OnceLock;

use gatecast::charts::{self, theme, ChartFile};
use gatecast::engine::{self, RunOptions};
use gatecast::scenario::Scenario;
use gatecast::summary::Summary;

use crate::common::{assert_svg_carries_its_font, chart, mark, svg_words, text_box};

fn summary_of(toml: &str, name: &str, iterations: u64) -> Summary {
    let sc = Scenario::from_toml(toml, name).unwrap();
    let opts = RunOptions {
        iterations,
        seed: 7,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
    };
    let r = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    Summary::new(&sc, name, &r)
}

fn example() -> &'static Summary {
    static S: OnceLock<Summary> = OnceLock::new();
    S.get_or_init(|| {
        let toml = std::fs::read_to_string("scenarios/example.toml").unwrap();
        summary_of(&toml, "example.toml", 2_000)
    })
}

fn example_charts() -> &'static [ChartFile] {
    static C: OnceLock<Vec<ChartFile>> = OnceLock::new();
    C.get_or_init(|| charts::render_all(example(), true, true).unwrap())
}

/// An initiative whose benefits never cover its costs.
const NEVER_PAYS_BACK: &str = r#"
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

#[test]
fn render_all_draws_the_six_charts_in_report_order() {
    let names: Vec<&str> = example_charts().iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "payback-distribution",
            "cumulative-net-cash",
            "leading-vs-lagging",
            "stage-funnel",
            "npv-distribution",
            "cost-ramp"
        ]
    );
}

#[test]
fn every_png_decodes_and_is_1600_by_900() {
    for c in example_charts() {
        let bytes = c.png.as_ref().expect("png asked for");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.as_slice()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1600, 900), "{}", c.name);
        // not a blank page: the title's ink is there
        assert!(buf.iter().any(|b| *b < 100), "{} is blank", c.name);
    }
}

#[test]
fn every_svg_parses_as_xml_with_the_same_16_by_9_geometry() {
    for c in example_charts() {
        let svg = c.svg.as_ref().expect("svg asked for");
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("{} is not XML: {e}", c.name));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("1600"), "{}", c.name);
        assert_eq!(root.attribute("height"), Some("900"), "{}", c.name);
    }
}

#[test]
fn every_svg_carries_the_glyphs_of_its_text() {
    for c in example_charts() {
        assert_svg_carries_its_font(c);
    }
    let never = summary_of(NEVER_PAYS_BACK, "never.toml", 300);
    for c in &charts::render_all(&never, true, false).unwrap() {
        assert_svg_carries_its_font(c);
    }
}

#[test]
fn the_font_check_catches_a_character_missing_from_the_embedded_font() {
    let c = chart(example_charts(), "cost-ramp");
    let svg = c.svg.as_ref().unwrap();
    let title = c.title.replace('&', "&amp;");
    assert!(svg.contains(&title));
    // Ω is drawn nowhere, so it is in no subset
    let broken = ChartFile {
        svg: Some(svg.replacen(&title, &format!("{title} Ω"), 1)),
        ..c.clone()
    };
    let caught = std::panic::catch_unwind(|| assert_svg_carries_its_font(&broken));
    assert!(caught.is_err(), "a missing glyph went unnoticed");
}

#[test]
fn every_chart_is_titled_with_what_it_shows_and_the_scenario() {
    for c in example_charts() {
        assert!(c.title.ends_with("— Claims triage copilot"), "{}", c.title);
        let words = svg_words(c.svg.as_ref().unwrap());
        assert!(
            words.contains(&c.title),
            "{} does not draw its title",
            c.name
        );
    }
}

#[test]
fn every_text_lies_inside_the_canvas() {
    for c in example_charts() {
        let doc = roxmltree::Document::parse(c.svg.as_ref().unwrap()).unwrap();
        for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let x: f64 = t.attribute("x").unwrap().parse().unwrap();
            let y: f64 = t.attribute("y").unwrap().parse().unwrap();
            assert!(
                (0.0..=1600.0).contains(&x) && (0.0..=900.0).contains(&y),
                "{}: {:?} at ({x}, {y})",
                c.name,
                t.text()
            );
        }
    }
}

#[test]
fn payback_marks_equal_the_summary() {
    let s = example();
    let c = chart(example_charts(), "payback-distribution");
    assert_eq!(mark(c, "P10"), s.payback.p10.value);
    assert_eq!(mark(c, "P50"), s.payback.p50.value);
    assert_eq!(mark(c, "P90"), s.payback.p90.value);
    assert_eq!(
        mark(c, "No payback within the horizon"),
        Some(1.0 - s.payback.p_within_horizon.value)
    );
    // and what the marks say is written on the chart
    let words = svg_words(c.svg.as_ref().unwrap());
    let share = gatecast::format::pct(1.0 - s.payback.p_within_horizon.value);
    assert!(
        words.contains(&format!("{share} of runs: no payback within 36 months")),
        "{words}"
    );
    if let Some(p50) = s.payback.p50.value {
        assert!(words.contains(&format!("P50 {p50:.1} mo")), "{words}");
    }
}

#[test]
fn npv_marks_equal_the_summary() {
    let s = example();
    let c = chart(example_charts(), "npv-distribution");
    assert_eq!(mark(c, "P10"), s.npv.spread.p10.value);
    assert_eq!(mark(c, "P50"), s.npv.spread.p50.value);
    assert_eq!(mark(c, "P90"), s.npv.spread.p90.value);
    assert_eq!(mark(c, "P(NPV > 0)"), Some(s.npv.p_positive.value));
    let words = svg_words(c.svg.as_ref().unwrap());
    let p = gatecast::format::pct(s.npv.p_positive.value);
    assert!(words.contains(&format!("P(NPV > 0) = {p}")), "{words}");
    let p50 = gatecast::format::money_short(s.npv.spread.p50.value.unwrap(), "EUR");
    assert!(words.contains(&format!("P50 {p50}")), "{words}");
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let again = charts::render_all(example(), true, true).unwrap();
    for (a, b) in example_charts().iter().zip(&again) {
        assert_eq!(a.svg, b.svg, "{} SVG differs", a.name);
        assert!(a.png == b.png, "{} PNG differs", a.name);
        assert_eq!(a.marks, b.marks, "{} marks differ", a.name);
    }
}

#[test]
fn only_the_formats_asked_for_are_rendered_with_the_same_marks() {
    let svg_only = charts::render_all(example(), true, false).unwrap();
    let png_only = charts::render_all(example(), false, true).unwrap();
    let neither = charts::render_all(example(), false, false).unwrap();
    for (((all, s), p), n) in example_charts()
        .iter()
        .zip(&svg_only)
        .zip(&png_only)
        .zip(&neither)
    {
        assert!(s.svg.is_some() && s.png.is_none());
        assert!(p.svg.is_none() && p.png.is_some());
        assert!(n.svg.is_none() && n.png.is_none());
        assert_eq!(s.svg, all.svg);
        assert!(p.png == all.png);
        for marks in [&s.marks, &p.marks, &n.marks] {
            assert_eq!(marks, &all.marks);
        }
    }
}

#[test]
fn a_scenario_that_never_pays_back_renders_and_says_so() {
    let s = summary_of(NEVER_PAYS_BACK, "never.toml", 500);
    assert_eq!(s.payback.p_within_horizon.value, 0.0);
    let files = charts::render_all(&s, true, true).unwrap();
    let c = chart(&files, "payback-distribution");
    assert_eq!(mark(c, "P50"), None);
    assert_eq!(mark(c, "No payback within the horizon"), Some(1.0));
    let words = svg_words(c.svg.as_ref().unwrap());
    assert!(
        words.contains("100% of runs: no payback within 24 months"),
        "{words}"
    );
    assert!(
        words.contains("No run paid back within the 24-month horizon"),
        "{words}"
    );
    assert!(
        words.contains("P10, P50 and P90: beyond the 24-month horizon"),
        "{words}"
    );
    let cum = svg_words(chart(&files, "cumulative-net-cash").svg.as_ref().unwrap());
    assert!(
        cum.contains("Median payback: beyond the 24-month horizon"),
        "{cum}"
    );
    let npv = chart(&files, "npv-distribution");
    assert_eq!(mark(npv, "P(NPV > 0)"), Some(0.0));
    for f in &files {
        assert!(f.png.is_some() && f.svg.is_some(), "{}", f.name);
    }
}

fn assert_no_text_overlaps(files: &[ChartFile]) {
    for c in files {
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
}

#[test]
fn no_two_texts_overlap_on_any_chart() {
    assert_no_text_overlaps(example_charts());
    let never = summary_of(NEVER_PAYS_BACK, "never.toml", 300);
    assert_no_text_overlaps(&charts::render_all(&never, true, false).unwrap());
    let purgatory = std::fs::read_to_string("scenarios/pilot-purgatory.toml").unwrap();
    let s = summary_of(&purgatory, "pilot-purgatory.toml", 1_000);
    assert_no_text_overlaps(&charts::render_all(&s, true, false).unwrap());
}

#[test]
fn the_overlap_check_catches_overlapping_texts() {
    charts::theme::register_fonts().unwrap();
    let text = |x: u32, y: u32, s: &str| {
        format!(
            r#"<text x="{x}" y="{y}" dy="0.76em" text-anchor="start" font-family="{}" font-size="16">{s}</text>"#,
            theme::FAMILY
        )
    };
    let file = |body: String| ChartFile {
        name: "test",
        title: String::new(),
        svg: Some(format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">{body}</svg>"#
        )),
        png: None,
        marks: Vec::new(),
    };
    let apart = file(text(100, 100, "P10 17.1 mo") + &text(260, 100, "P50 22.4 mo"));
    assert_no_text_overlaps(&[apart]);
    let clash = file(text(100, 100, "P10 17.1 mo") + &text(150, 104, "P50 22.4 mo"));
    let caught = std::panic::catch_unwind(|| assert_no_text_overlaps(&[clash]));
    assert!(
        caught.is_err(),
        "two texts on top of each other went unnoticed"
    );
}

#[test]
fn marker_labels_never_overlap_and_stay_in_bounds() {
    let cases: [(&[f64], &[f64]); 4] = [
        (&[100.0, 105.0, 110.0], &[120.0, 130.0, 140.0]),
        (&[1490.0, 1495.0, 1500.0], &[150.0, 150.0, 300.0]),
        (&[0.0, 0.0, 0.0], &[100.0, 100.0, 100.0]),
        (&[700.0, 300.0, 500.0], &[200.0, 200.0, 200.0]),
    ];
    for (centers, widths) in cases {
        let lefts = theme::spread_labels(centers, widths, 0.0, 1500.0, 20.0);
        let mut spans: Vec<(f64, f64)> =
            lefts.iter().zip(widths).map(|(l, w)| (*l, l + w)).collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in spans.windows(2) {
            assert!(w[0].1 + 20.0 <= w[1].0 + 1e-9, "{spans:?}");
        }
        assert!(
            spans[0].0 >= 0.0 && spans.last().unwrap().1 <= 1500.0,
            "{spans:?}"
        );
    }
}

#[test]
fn money_ticks_share_one_suffix_and_one_number_of_decimals() {
    let (t, step) = theme::ticks(-1_020_000.0, 3_780_000.0, 6);
    let f = theme::money_ticks(&t, step);
    let labels: Vec<String> = t.iter().map(&f).collect();
    assert_eq!(labels, ["-2M", "-1M", "0", "1M", "2M", "3M", "4M"]);
    let (t, step) = theme::ticks(0.0, 1_300_000.0, 6);
    let labels: Vec<String> = t.iter().map(theme::money_ticks(&t, step)).collect();
    assert_eq!(
        labels,
        ["0", "0.25M", "0.50M", "0.75M", "1.00M", "1.25M", "1.50M"]
    );
    let (t, step) = theme::ticks(0.0, 7_400.0, 4);
    let labels: Vec<String> = t.iter().map(theme::money_ticks(&t, step)).collect();
    assert_eq!(labels, ["0", "2,000", "4,000", "6,000", "8,000"]);
}

/// Writes every chart of the shipped scenarios to /tmp/charts/ to look at,
/// with timings: `cargo test --release --test charts -- --ignored --nocapture`.
#[test]
#[ignore]
fn writes_the_charts_of_the_shipped_scenarios_to_look_at() {
    for name in [
        "example",
        "pilot-purgatory",
        "small-real-deployments",
        "enterprise-stage-gate",
        "mid-market-12-month",
    ] {
        let path = format!("scenarios/{name}.toml");
        let s = summary_of(&std::fs::read_to_string(&path).unwrap(), &path, 10_000);
        let t = std::time::Instant::now();
        let files = charts::render_all(&s, true, true).unwrap();
        eprintln!("{name}: six charts, PNG and SVG, in {:?}", t.elapsed());
        assert_no_text_overlaps(&files);
        let dir = format!("/tmp/charts/{name}");
        std::fs::create_dir_all(&dir).unwrap();
        for f in files {
            std::fs::write(format!("{dir}/{}.png", f.name), f.png.unwrap()).unwrap();
            std::fs::write(format!("{dir}/{}.svg", f.name), f.svg.unwrap()).unwrap();
        }
    }
    let never = summary_of(NEVER_PAYS_BACK, "never.toml", 500);
    std::fs::create_dir_all("/tmp/charts/never").unwrap();
    for f in charts::render_all(&never, false, true).unwrap() {
        std::fs::write(format!("/tmp/charts/never/{}.png", f.name), f.png.unwrap()).unwrap();
    }
}
