//! report.html as a sponsor and a browser meet it: self-contained, escaped,
//! complete and byte-for-byte reproducible.

use std::sync::OnceLock;

use gatecast::charts::{self, ChartFile};
use gatecast::engine::{self, RunOptions};
use gatecast::export::text::headline;
use gatecast::report;
use gatecast::scenario::Scenario;
use gatecast::summary::Summary;

const EXAMPLE: &str = include_str!("../../scenarios/example.toml");

fn summary_of(toml: &str, file: &str, iterations: u64) -> Summary {
    summary_seeded(toml, file, iterations, 7)
}

fn summary_seeded(toml: &str, file: &str, iterations: u64, seed: u64) -> Summary {
    let sc = Scenario::from_toml(toml, file).unwrap();
    let opts = RunOptions {
        iterations,
        seed,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
    };
    let r = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    Summary::new(&sc, file, &r)
}

/// The example, 2,000 iterations.
fn example() -> &'static Summary {
    static S: OnceLock<Summary> = OnceLock::new();
    S.get_or_init(|| summary_of(EXAMPLE, "scenarios/example.toml", 2_000))
}

/// The example with markup characters in its name and a stage's name.
fn awkward() -> &'static Summary {
    static S: OnceLock<Summary> = OnceLock::new();
    S.get_or_init(|| {
        let toml = EXAMPLE
            .replace("name = \"Claims triage copilot\"", "name = \"A & B <x>\"")
            .replace("name = \"Pilot\"", "name = \"Pilot \\\"<b>\\\" & 'co'\"");
        summary_of(&toml, "scenarios/a&b <x>.toml", 1_000)
    })
}

const SIX: [&str; 6] = [
    "payback-distribution",
    "cumulative-net-cash",
    "leading-vs-lagging",
    "stage-funnel",
    "npv-distribution",
    "cost-ramp",
];

/// Six charts shaped like plotters' SVG output: an XML prolog, a namespace,
/// fixed pixel sizes and markup characters in their titles.
fn six_fake_charts() -> Vec<ChartFile> {
    SIX.iter()
        .enumerate()
        .map(|(i, name)| ChartFile {
            name,
            title: format!("Chart {i}: <{name}> & \"friends\""),
            svg: Some(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"1600\" height=\"900\" \
                 viewBox=\"0 0 1600 900\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                 <clipPath id=\"clip\"><rect x=\"0\" y=\"0\" width=\"10\" height=\"10\"/></clipPath>\n\
                 <rect clip-path=\"url(#clip)\" fill=\"#1F3A5F\" width=\"100\" height=\"50\"/>\n\
                 <text x=\"5\" y=\"20\">fake {name} &amp; co</text>\n</svg>\n"
            )),
            png: None,
            marks: Vec::new(),
        })
        .collect()
}

fn real_charts(s: &Summary) -> Vec<ChartFile> {
    charts::render_all(s, true, false).unwrap()
}

/// Parses the page as XML (the `<!DOCTYPE html>` allowed), so every tag is
/// closed and every `&` is an entity.
fn parse(html: &str) {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    if let Err(e) = roxmltree::Document::parse_with_options(html, opts) {
        panic!("report.html does not parse as XML: {e}");
    }
}

fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "http://",
        "https://",
        "<link",
        "@import",
        "<iframe",
        "<object",
        "<embed",
        "javascript:",
        " onload=",
        " onclick=",
        "src=\"//",
        "url(//",
    ] {
        assert!(!lower.contains(bad), "the report contains {bad:?}");
    }
    // the charts' fonts are inline: every `url(` is a data URI or a
    // reference within the page
    for (i, _) in lower.match_indices("url(") {
        assert!(
            lower[i..].starts_with("url(data:") || lower[i..].starts_with("url(#"),
            "external url at {i}"
        );
    }
    // the only `src=` is a data URI (a chart drawn only as PNG)
    for (i, _) in lower.match_indices(" src=\"") {
        assert!(
            lower[i..].starts_with(" src=\"data:"),
            "external source at {i}"
        );
    }
}

#[test]
fn the_report_is_well_formed_and_self_contained_with_the_real_charts() {
    let s = example();
    let html = report::html(s, &real_charts(s));
    parse(&html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_self_contained(&html);
}

#[test]
fn the_report_is_well_formed_and_self_contained_with_six_charts_and_awkward_names() {
    let html = report::html(awkward(), &six_fake_charts());
    parse(&html);
    assert_self_contained(&html);
}

#[test]
fn the_report_leads_with_the_scenario_name_and_the_headline() {
    let s = example();
    let html = report::html(s, &[]);
    let h1 = html.find("<h1>Claims triage copilot</h1>").expect("title");
    let head = html.find(&report::esc(&headline(s))).expect("headline");
    assert!(h1 < head);
    // the headline comes before every other section
    assert!(head < html.find("id=\"summary\"").unwrap());
}

#[test]
fn every_real_chart_appears_with_its_title_and_an_inline_svg() {
    let s = example();
    let charts = real_charts(s);
    let html = report::html(s, &charts);
    for c in &charts {
        assert!(html.contains(&report::esc(&c.title)), "title of {}", c.name);
        assert!(
            html.contains(&format!("id=\"chart-{}\"", c.name)),
            "{}",
            c.name
        );
    }
    let drawn = charts.iter().filter(|c| c.svg.is_some()).count();
    assert_eq!(html.matches("<svg").count(), drawn);
    // each inline chart keeps the font it carries
    assert_eq!(html.matches("<style>@font-face").count(), drawn);
    assert!(!html.contains("<?xml"));
}

#[test]
fn six_charts_appear_in_order_with_titles_captions_and_scalable_svg() {
    let charts = six_fake_charts();
    let html = report::html(example(), &charts);
    assert_eq!(html.matches("<svg").count(), 6);
    assert_eq!(html.matches("<figcaption>").count(), 6);
    assert!(!html.contains("<?xml"));
    assert!(
        !html.contains("width=\"1600\""),
        "fixed sizes give way to the viewBox"
    );
    let mut last = 0;
    for c in &charts {
        let at = html.find(&report::esc(&c.title)).expect("title");
        assert!(at > last, "{} out of order", c.name);
        last = at;
        assert!(html.contains(&format!(
            "Chart {}: &lt;{}&gt; &amp; &quot;friends&quot;",
            &c.title[6..7],
            c.name
        )));
    }
    // two charts may not share an id
    assert!(html.contains("id=\"g1-clip\"") && html.contains("id=\"g6-clip\""));
    assert!(html.contains("url(#g3-clip)"));
}

#[test]
fn a_chart_drawn_only_as_png_is_embedded_as_a_data_uri() {
    let chart = ChartFile {
        name: "cost-ramp",
        title: "Cost ramp".into(),
        svg: None,
        png: Some(vec![0x89, b'P', b'N', b'G']),
        marks: Vec::new(),
    };
    let html = report::html(example(), &[chart]);
    assert!(html.contains("src=\"data:image/png;base64,iVBORw==\""));
    assert_self_contained(&html);
}

#[test]
fn every_assumption_path_and_distribution_is_listed() {
    let s = example();
    assert!(!s.assumptions.is_empty());
    let html = report::html(s, &[]);
    for a in &s.assumptions {
        assert!(
            html.contains(&format!("<code>{}</code>", report::esc(&a.path))),
            "{}",
            a.path
        );
        assert!(
            html.contains(&report::esc(&a.distribution)),
            "{}",
            a.distribution
        );
    }
}

#[test]
fn the_run_details_name_the_seed_iterations_horizon_and_method() {
    let s = example();
    let html = report::html(s, &[]);
    assert!(html.contains("<th scope=\"row\">Seed</th><td>7</td>"));
    assert!(html.contains("<td>2,000</td>"));
    assert!(html.contains("--seed 7 --iterations 2000"));
    assert!(html.contains("<td>36 months</td>"));
    assert!(html.contains(&report::esc(&s.monthly.method)));
    assert!(html.contains(&s.gatecast_version));
    assert!(html.contains("scenarios/example.toml"));
    assert!(html
        .contains("<code>gatecast run scenarios/example.toml --seed 7 --iterations 2000</code>"));
    assert!(html.contains("plain Monte Carlo; standard errors: independent draws"));
}

/// The command to reproduce a run names its method, and runs the built-in
/// example with no file (its label, "(built in)", is not a path).
#[test]
fn the_command_to_reproduce_runs_as_written() {
    let sc = Scenario::from_toml(EXAMPLE, "scenarios/example.toml").unwrap();
    let opts = RunOptions {
        iterations: 5_000,
        seed: 3,
        threads: None,
        sampling: gatecast::engine::Sampling::Lhs,
    };
    let r = engine::run(&sc, &opts, None, &|_| {}).unwrap();
    let s = Summary::new(&sc, "scenarios/example.toml (built in)", &r);
    let html = report::html(&s, &[]);
    assert!(
        html.contains("<code>gatecast run --seed 3 --iterations 5000 --sampling lhs</code>"),
        "{}",
        &html[html.find("To reproduce").unwrap()..][..300]
    );
    // two blocks: too few for the spread between blocks (ten needed)
    assert!(html.contains(
        "Latin hypercube; standard errors: as for independent draws (conservative): the spread between blocks is used from 40,960 iterations"
    ));
}

#[test]
fn every_money_figure_carries_its_currency_and_standard_error() {
    let s = example();
    let html = report::html(s, &[]);
    let summary = &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"charts\"").unwrap()];
    let npv = &s.npv.spread;
    for v in [
        npv.mean.value,
        npv.p10.value.unwrap(),
        npv.p50.value.unwrap(),
        npv.p90.value.unwrap(),
    ] {
        assert!(
            summary.contains(&gatecast::format::money(v, "EUR")),
            "NPV {v}"
        );
    }
    assert!(summary.contains(&format!(
        "&#177; {}",
        gatecast::format::money(npv.mean.se, "EUR")
    )));
    assert!(summary.contains(&format!(
        "&#177; {:.1} points",
        s.payback.p_within_12_months.se * 100.0
    )));
    let p50 = gatecast::format::money(s.peak_funding.p90.value.unwrap(), "EUR");
    assert!(summary.contains(&p50));
}

#[test]
fn text_from_the_scenario_is_escaped() {
    let s = awkward();
    let html = report::html(s, &[]);
    assert!(html.contains("<h1>A &amp; B &lt;x&gt;</h1>"));
    assert!(html.contains("<title>A &amp; B &lt;x&gt;: gatecast report</title>"));
    assert!(!html.contains("A & B <x>"));
    assert!(html.contains("Pilot &quot;&lt;b&gt;&quot; &amp; &#39;co&#39;"));
    assert!(!html.contains("<b>\""));
    assert!(html.contains("a&amp;b &lt;x&gt;.toml"));
    parse(&html);
}

#[test]
fn the_same_summary_gives_identical_bytes() {
    let s = example();
    let charts = six_fake_charts();
    let a = report::html(s, &charts);
    let b = report::html(&s.clone(), &charts);
    assert_eq!(a, b);
    // and a fresh run of the same scenario and seed gives the same page
    let again = summary_of(EXAMPLE, "scenarios/example.toml", 2_000);
    assert_eq!(a, report::html(&again, &charts));
}

#[test]
fn beyond_the_horizon_is_said_in_words_and_36_months_is_na_on_a_short_horizon() {
    let toml = EXAMPLE.replace("horizon_months = 36 ", "horizon_months = 6 ");
    let s = summary_of(&toml, "short.toml", 500);
    assert!(s.payback.p_within_36_months.is_none());
    let html = report::html(&s, &[]);
    assert!(html.contains("Payback within 36 months (lagging)</td><td class=\"r na\">n/a</td>"));
    assert!(html.contains("36 months is n/a: the horizon is 6 months"));
    assert_eq!(s.payback.p50.value, None, "nothing pays back in 6 months");
    assert!(html.contains("<div class=\"big words\">beyond the horizon</div>"));
    assert!(html.contains("<td class=\"r num\">beyond the horizon</td>"));
    assert!(!html.contains("NaN") && !html.contains("inf months"));
}

#[test]
fn the_report_says_what_no_charts_means() {
    let html = report::html(example(), &[]);
    assert!(html.contains("No charts were drawn for this run."));
    assert!(!html.contains("<svg"));
}

/// Writes the example's report for a look in a browser:
/// `GATECAST_REPORT=/tmp/report.html cargo test --test report -- --ignored`.
#[test]
#[ignore]
fn writes_the_example_report_for_a_look() {
    let path = std::env::var("GATECAST_REPORT").unwrap_or("/tmp/report.html".into());
    let s = summary_seeded(EXAMPLE, "scenarios/example.toml", 10_000, 42);
    let charts = real_charts(&s);
    std::fs::write(&path, report::html(&s, &charts)).unwrap();
    eprintln!("{} charts; wrote {path}", charts.len());
}
