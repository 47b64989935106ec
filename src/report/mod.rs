//! `report.html`: one self-contained page (charts inline as SVG, no
//! network, no JavaScript) that a sponsor can read in five minutes.
//!
//! In order: the title and headline, key figures as cards, every figure of
//! `summary.md` with its standard error, the charts with a caption each, what
//! drives the result and the stress tests (when the run has them), the
//! stage funnel, the assumptions, the run details and a short guide. Every
//! text that comes from the scenario is escaped; the same [`Summary`] gives
//! the same bytes. The markup is well-formed XML as well as HTML, so tests
//! can parse it.

mod markup;
mod on_track;
pub mod portfolio;
mod reforecast;

use std::fmt::Write as _;

use crate::charts::ChartFile;
use crate::compare::Comparison;
use crate::export::text::headline;
use crate::format::{money, money_short, months, sig, thousands};
use crate::stats::sensitivity::Target;
use crate::summary::{IndicatorBands, Pct, Prob, Spread, Summary};

pub use markup::esc;

const STYLE: &str = include_str!("style.css");
const GUIDE: &str = include_str!("guide.html");

/// The six charts, in the order the report shows them, with the sentence
/// that says how to read each. Charts with other names follow, in the
/// order given.
const CHART_ORDER: [(&str, &str); 6] = [
    (
        "payback-distribution",
        "Each bar is the share of all runs that pay back in that month; the S-curve (right axis) is the chance of having paid back by then, and it ends below 100% by the share that does not pay back within the horizon.",
    ),
    (
        "cumulative-net-cash",
        "The line is the median cumulative net cash month by month; the bands hold the middle 50% and 80% of runs. The dip below zero is the funding the initiative needs, and where the bands cross zero, payback becomes likely.",
    ),
    (
        "leading-vs-lagging",
        "The upper panel is the leading indicator, the usage rate among users with access, measurable within weeks of launch; the lower panel is the lagging benefit it brings. The gap between the two dashed lines is how long the cash trails the usage: usage below its band early warns that the benefits will fall short later.",
    ),
    (
        "stage-funnel",
        "Each bar is the share of all runs that start the stage; its red end is the share killed at that stage's gate, so what is left of the bar is roughly where the next stage's bar ends (the rest still wait on a decision at the horizon).",
    ),
    (
        "npv-distribution",
        "Each bar is the share of runs with an NPV in that range, in today's money: red bars lose value, blue bars create it, and the lines mark P10, the median (P50) and P90.",
    ),
    (
        "cost-ramp",
        "Each bar is the mean cost of that month, stacked by category with overruns included; the line is the mean benefit. Where the line rises above the bars, the initiative on average earns more each month than it spends.",
    ),
];

const GENERIC_CAPTION: &str = "Drawn from the same simulated runs as every figure in this report.";

macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {
        let _ = write!($dst, $($arg)*);
    };
}

/// The stress tests run beside the base: their table and overlay charts.
pub struct Stresses<'a> {
    /// The base first, then each stress.
    pub comparison: &'a Comparison,
    /// The overlay charts (`compare-payback`, `compare-npv`).
    pub charts: &'a [ChartFile],
}

/// The whole report as one HTML document.
pub fn html(summary: &Summary, charts: &[ChartFile]) -> String {
    html_with_stresses(summary, charts, None)
}

/// The whole report, with a section on the stress tests when there are any.
pub fn html_with_stresses(
    summary: &Summary,
    charts: &[ChartFile],
    stresses: Option<&Stresses>,
) -> String {
    let s = summary;
    let mut o = String::with_capacity(
        64 * 1024 + charts_len(charts) + stresses.map_or(0, |st| charts_len(st.charts)),
    );
    w!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"gatecast {}\"/>\n<title>{}: gatecast report</title>\n\
         <style>\n{}</style>\n</head>\n<body>\n<main class=\"report\">\n",
        esc(&s.gatecast_version),
        esc(&s.scenario),
        STYLE
    );
    cover(&mut o, s, stresses.is_some());
    let figures = match &s.actuals {
        Some(rf) => reforecast::where_we_are(&mut o, s, rf, charts),
        None => 0,
    };
    key_figures(&mut o, s);
    summary_tables(&mut o, s);
    let figures = chart_section(&mut o, s, charts, figures);
    let figures = match &s.on_track {
        Some(on) => on_track::section(&mut o, s, on, charts, figures),
        None => figures,
    };
    let figures = drivers(&mut o, s, charts, figures);
    if let Some(st) = stresses {
        stress_tests(&mut o, s, st, figures);
    }
    funnel(&mut o, s);
    assumptions(&mut o, s);
    run_details(&mut o, s);
    o.push_str(
        &GUIDE
            .replace("{{iterations}}", &thousands(s.iterations as f64))
            .replace("{{horizon}}", &s.horizon_months.to_string()),
    );
    w!(
        o,
        "<footer>{} &#183; gatecast {} &#183; scenario file <code>{}</code> &#183; seed {} &#183; {} iterations. \
         Every figure here also appears in summary.md and summary.json from the same run.</footer>\n",
        esc(&s.scenario),
        esc(&s.gatecast_version),
        esc(&s.scenario_file),
        s.seed,
        thousands(s.iterations as f64)
    );
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn charts_len(charts: &[ChartFile]) -> usize {
    charts
        .iter()
        .map(|c| {
            c.svg.as_ref().map_or(0, String::len) + c.png.as_ref().map_or(0, |p| p.len() * 4 / 3)
        })
        .sum()
}

// ---------------------------------------------------------------- formats

/// A probability as a percentage, escaped for the page ("<0.1%" has a
/// "<" in it).
fn pct(p: f64) -> String {
    esc(&crate::format::pct(p))
}

/// "± 0.4 points" for a probability's standard error.
fn se_points(p: &Prob) -> String {
    format!("&#177; {:.1} points", p.se * 100.0)
}

/// A number as written in an assumptions table: three significant figures,
/// thousands separated.
fn plain(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    if a >= 1000.0 {
        return thousands(v);
    }
    if a == 0.0 {
        return "0".into();
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

fn neg_class(v: Option<f64>) -> &'static str {
    match v {
        Some(x) if x < 0.0 && x.round() != 0.0 => " neg",
        _ => "",
    }
}

/// A standard error in months: one decimal, two below 0.1.
fn se_months(e: f64) -> String {
    if e < 0.1 {
        format!("{e:.2}")
    } else {
        format!("{e:.1}")
    }
}

fn months_short(v: Option<f64>) -> String {
    v.map_or("beyond the horizon".into(), |m| format!("{m:.1}"))
}

// ---------------------------------------------------------------- sections

fn cover(o: &mut String, s: &Summary, stressed: bool) {
    w!(
        o,
        "<header class=\"cover\">\n<p class=\"kicker\">Business case &#183; Monte Carlo simulation</p>\n\
         <h1>{}</h1>\n<p class=\"headline\">{}</p>\n\
         <p class=\"meta\">{} simulated runs{} &#183; {}-month horizon &#183; money in {} &#183; \
         NPV discounted at {} a year &#183; seed {}</p>\n",
        esc(&s.scenario),
        esc(&s.actuals.as_ref().map_or_else(|| headline(s), |rf| rf.headline.clone())),
        thousands(s.iterations as f64),
        esc(&crate::export::text::sampling_note(s.sampling)),
        s.horizon_months,
        esc(&s.currency),
        esc(&s.discount_rate),
        s.seed
    );
    let drivers_link = if s.sensitivity.is_some() {
        "<a href=\"#drivers\">What drives the result</a>"
    } else {
        ""
    };
    let on_track_link = if s.on_track.is_some() {
        "<a href=\"#on-track\">What the pilot must show</a>"
    } else {
        ""
    };
    let stress_link = if stressed {
        "<a href=\"#stresses\">Stress tests</a>"
    } else {
        ""
    };
    let where_link = if s.actuals.is_some() {
        "<a href=\"#where-we-are\">Where we are</a>"
    } else {
        ""
    };
    if s.actuals.is_some() {
        o.push_str(
            "<p class=\"meta\">Under actuals: the section Where we are gives the re-forecast beside the plan; \
             every other section shows the plan as written, before the actuals.</p>\n",
        );
    }
    w!(
        o,
        "<nav class=\"contents\">{where_link}<a href=\"#key-figures\">Key figures</a><a href=\"#summary\">All figures</a>\
         <a href=\"#charts\">Charts</a>{on_track_link}{drivers_link}{stress_link}<a href=\"#funnel\">Stage funnel</a><a href=\"#assumptions\">Assumptions</a>\
         <a href=\"#run\">Run details</a><a href=\"#guide\">How to read this report</a></nav>\n</header>\n"
    );
}

fn card(o: &mut String, class: &str, title: &str, big: &str, big_class: &str, sub: &str) {
    w!(
        o,
        "<div class=\"card{class}\"><h3>{title}</h3><div class=\"big{big_class}\">{big}</div><div class=\"sub\">{sub}</div></div>\n"
    );
}

fn key_figures(o: &mut String, s: &Summary) {
    let c = &s.currency;
    let p = &s.payback;
    let h = s.horizon_months;
    o.push_str("<section id=\"key-figures\">\n<div class=\"cards\">\n");
    card(
        o,
        "",
        "Chance of payback",
        &pct(p.p_within_horizon.value),
        "",
        &format!(
            "within the {h}-month horizon &#183; {}",
            se_points(&p.p_within_horizon)
        ),
    );
    // 12 / 24 / 36 side by side
    let mut trio = String::from("<div class=\"trio\">");
    for (m, x) in [
        (12, Some(p.p_within_12_months)),
        (24, Some(p.p_within_24_months)),
        (36, p.p_within_36_months),
    ] {
        w!(
            trio,
            "<div><div class=\"big\">{}</div><div class=\"when\">{m} months</div></div>",
            x.map_or("n/a".into(), |x| pct(x.value))
        );
    }
    trio.push_str("</div>");
    w!(
        o,
        "<div class=\"card\"><h3>Chance of payback within</h3>{trio}<div class=\"sub\">{}</div></div>\n",
        if p.p_within_36_months.is_none() {
            format!("36 months is n/a: the horizon is {h} months")
        } else {
            "the chance of having paid back by each date".to_string()
        }
    );
    let (big, class, sub) = match p.p50.value {
        Some(m) => (
            months(Some(m)),
            "",
            format!(
                "half of the runs pay back sooner &#183; P10 {} to P90 {}",
                months(p.p10.value),
                months(p.p90.value)
            ),
        ),
        None => (
            "beyond the horizon".to_string(),
            " words",
            format!("fewer than half of the runs pay back within {h} months"),
        ),
    };
    card(o, "", "Median payback", &big, class, &sub);
    let npv = &s.npv.spread;
    card(
        o,
        " teal",
        "NPV, median (P50)",
        &npv.p50
            .value
            .map_or("n/a".into(), |v| esc(&money_short(v, c))),
        neg_class(npv.p50.value),
        &format!(
            "P10 {} to P90 {}",
            npv.p10
                .value
                .map_or("n/a".into(), |v| esc(&money_short(v, c))),
            npv.p90
                .value
                .map_or("n/a".into(), |v| esc(&money_short(v, c)))
        ),
    );
    card(
        o,
        " teal",
        "Chance NPV is positive",
        &pct(s.npv.p_positive.value),
        "",
        &format!(
            "discounted at {} a year &#183; {}",
            esc(&s.discount_rate),
            se_points(&s.npv.p_positive)
        ),
    );
    let pf = &s.peak_funding;
    card(
        o,
        " teal",
        "Peak funding needed (P90)",
        &pf.p90
            .value
            .map_or("n/a".into(), |v| esc(&money_short(v, c))),
        "",
        &format!(
            "nine runs in ten need no more &#183; median {}",
            pf.p50
                .value
                .map_or("n/a".into(), |v| esc(&money_short(v, c)))
        ),
    );
    o.push_str(
        "</div>\n<p class=\"cover-note\">P50 is the median: half of the simulated runs come out below it, half above. \
         P10 and P90 bracket the middle 80%: one run in ten falls below P10, one in ten above P90. \
         &#177; is the simulation&#8217;s standard error. See <a href=\"#guide\">How to read this report</a>.</p>\n</section>\n",
    );
}

fn prob_row(o: &mut String, name: &str, x: Option<Prob>, na_note: &str) {
    match x {
        Some(x) => {
            w!(
                o,
                "<tr><td>{name}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>\n",
                pct(x.value),
                se_points(&x)
            );
        }
        None => {
            w!(
                o,
                "<tr><td>{name}</td><td class=\"r na\">n/a</td><td class=\"r na\">{na_note}</td></tr>\n"
            );
        }
    }
}

fn interval_months(q: &Pct) -> String {
    match (q.ci95_low, q.ci95_high) {
        (Some(a), Some(b)) => format!("{a:.1} to {b:.1} months"),
        (Some(a), None) => format!("{a:.1} months to beyond the horizon"),
        _ => "beyond the horizon".into(),
    }
}

/// A money/ratio cell: the value, and its standard error beneath (`fe`).
fn spread_cell(q: &Pct, f: &dyn Fn(f64) -> String, fe: &dyn Fn(f64) -> String) -> String {
    let se =
        q.se.map_or("&#177; n/a".into(), |e| format!("&#177; {}", fe(e)));
    format!(
        "<td class=\"r num{}\">{}<span class=\"se\">{se}</span></td>",
        neg_class(q.value),
        q.value.map_or("n/a".into(), f)
    )
}

/// `f` formats values, `fe` their standard errors.
fn spread_row(
    o: &mut String,
    name: &str,
    sp: &Spread,
    f: &dyn Fn(f64) -> String,
    fe: &dyn Fn(f64) -> String,
) {
    w!(
        o,
        "<tr><td>{name}</td><td class=\"r num{}\">{}<span class=\"se\">&#177; {}</span></td>{}{}{}</tr>\n",
        neg_class(Some(sp.mean.value)),
        f(sp.mean.value),
        fe(sp.mean.se),
        spread_cell(&sp.p10, f, fe),
        spread_cell(&sp.p50, f, fe),
        spread_cell(&sp.p90, f, fe)
    );
}

fn band<'a>(list: &'a [IndicatorBands], key: &str) -> Option<&'a IndicatorBands> {
    list.iter().find(|b| b.key == key)
}

/// Milestone months for the month tables: about a dozen rows at most,
/// always ending at the horizon.
fn milestones(h: usize) -> Vec<usize> {
    let step = if h <= 18 {
        3
    } else if h <= 72 {
        6
    } else {
        (h.div_ceil(12)).div_ceil(12) * 12
    };
    let mut v: Vec<usize> = (1..=h).filter(|m| m % step == 0).collect();
    if v.last() != Some(&h) {
        v.push(h);
    }
    v
}

fn summary_tables(o: &mut String, s: &Summary) {
    let c = &s.currency;
    let ce = esc(c);
    let h = s.horizon_months;
    let p = &s.payback;
    o.push_str(
        "<section id=\"summary\" class=\"major\">\n<h2>All figures</h2>\n\
         <p class=\"lead\">Every figure of summary.md, each with its Monte Carlo standard error (&#177;). \
         Percentiles follow Excel&#8217;s PERCENTILE.INC over all simulated runs.</p>\n",
    );

    // chances
    o.push_str(
        "<div class=\"scroll\"><table>\n<caption>Chances</caption>\n<thead><tr><th>Figure</th>\
         <th class=\"r\">Chance</th><th class=\"r\">Standard error</th></tr></thead>\n<tbody>\n",
    );
    let na36 = format!("the horizon is {h} months");
    prob_row(
        o,
        "Payback within 12 months (lagging)",
        Some(p.p_within_12_months),
        "",
    );
    prob_row(
        o,
        "Payback within 24 months (lagging)",
        Some(p.p_within_24_months),
        "",
    );
    prob_row(
        o,
        "Payback within 36 months (lagging)",
        p.p_within_36_months,
        &na36,
    );
    prob_row(
        o,
        &format!("Payback within the {h}-month horizon (lagging)"),
        Some(p.p_within_horizon),
        "",
    );
    prob_row(o, "NPV above zero (lagging)", Some(s.npv.p_positive), "");
    prob_row(
        o,
        "Killed at some gate within the horizon",
        Some(s.p_killed),
        "",
    );
    prob_row(
        o,
        "Users get access within the horizon (leading)",
        Some(s.leading.p_access),
        "",
    );
    o.push_str("</tbody>\n</table></div>\n");

    // payback time
    o.push_str(
        "<div class=\"scroll\"><table>\n<caption>Payback time (lagging)</caption>\n<thead><tr><th>Figure</th>\
         <th class=\"r\">Value</th><th class=\"r\">Standard error</th><th class=\"r\">95% interval</th></tr></thead>\n<tbody>\n",
    );
    for q in [&p.p10, &p.p50, &p.p90] {
        w!(
            o,
            "<tr><td>Payback P{:.0}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>\n",
            q.p * 100.0,
            months(q.value),
            q.se.map_or("n/a (reaches beyond the horizon)".into(), |e| format!("&#177; {} months", se_months(e))),
            interval_months(q)
        );
    }
    o.push_str("</tbody>\n</table></div>\n");
    w!(
        o,
        "<p class=\"note\">Over all runs: those that do not pay back within {h} months count as later than every month, \
         so a percentile reads &#8220;beyond the horizon&#8221; when that many runs have not paid back.</p>\n"
    );

    // money
    w!(
        o,
        "<div class=\"scroll\"><table>\n<caption>Value and funding (lagging, {ce})</caption>\n<thead><tr><th>Figure</th>\
         <th class=\"r\">Mean</th><th class=\"r\">P10</th><th class=\"r\">P50</th><th class=\"r\">P90</th></tr></thead>\n<tbody>\n"
    );
    let m = |v: f64| esc(&money(v, c));
    spread_row(
        o,
        &format!("NPV at {} a year", esc(&s.discount_rate)),
        &s.npv.spread,
        &m,
        &m,
    );
    if let Some(r) = &s.roi.stats {
        spread_row(
            o,
            "ROI (total benefit / total cost &#8722; 1)",
            r,
            &|v| format!("{:.1}%", v * 100.0),
            &|e| format!("{:.1} points", e * 100.0),
        );
    } else {
        o.push_str(
            "<tr><td>ROI (total benefit / total cost &#8722; 1)</td><td class=\"r na\" colspan=\"4\">n/a: no run has any cost</td></tr>\n",
        );
    }
    spread_row(o, "Peak funding needed", &s.peak_funding, &m, &m);
    spread_row(
        o,
        &format!("Total cost over {h} months"),
        &s.total_cost,
        &m,
        &m,
    );
    spread_row(
        o,
        &format!("Total benefit over {h} months"),
        &s.total_benefit,
        &m,
        &m,
    );
    o.push_str("</tbody>\n</table></div>\n");
    w!(
        o,
        "<p class=\"note\">The grey line under each figure is its standard error. NPV is discounted monthly, \
         N(m) / (1 + r)<sup>m/12</sup>. ROI is defined in {} of runs (those with any cost). \
         Peak funding is the deepest point of cumulative net cash.</p>\n",
        pct(s.roi.defined_share)
    );

    // leading and lagging at milestones
    let lead = &s.monthly.leading;
    let lag = &s.monthly.lagging;
    let usage = band(lead, "usage_rate");
    let active = band(lead, "active_users");
    let cum = band(lag, "cumulative_net_cash");
    let first = s
        .leading
        .first_access_month
        .as_ref()
        .map_or(String::new(), |f| {
            format!(
                "; first access P10 / P50 / P90: month {} / {} / {}",
                months_short(f.p10.value),
                months_short(f.p50.value),
                months_short(f.p90.value)
            )
        });
    w!(
        o,
        "<h3>Leading and lagging, month by month</h3>\n<p>Users get access in {} of runs{first}. \
         The leading columns can be checked against reality within weeks of launch; the lagging column follows them.</p>\n",
        pct(s.leading.p_access.value)
    );
    o.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th class=\"r\">Month</th>\
         <th class=\"r\">Usage rate P10 / P50 / P90 (leading)</th><th class=\"r\">Active users P50 (leading)</th>",
    );
    w!(
        o,
        "<th class=\"r\">Cumulative net cash P10 / P50 / P90 ({ce}, lagging)</th></tr></thead>\n<tbody>\n"
    );
    for mth in milestones(h) {
        let i = mth - 1;
        let u = usage
            .and_then(|b| b.months.get(i))
            .map_or("n/a".into(), |u| {
                format!("{} / {} / {}", pct(u.p10), pct(u.p50), pct(u.p90))
            });
        let a = active
            .and_then(|b| b.months.get(i))
            .map_or("n/a".into(), |a| thousands(a.p50));
        let k = cum.and_then(|b| b.months.get(i)).map_or("n/a".into(), |k| {
            format!(
                "{} / {} / {}",
                esc(&money_short(k.p10, c)),
                esc(&money_short(k.p50, c)),
                esc(&money_short(k.p90, c))
            )
        });
        w!(
            o,
            "<tr><td class=\"r num\">{mth}</td><td class=\"r num\">{u}</td><td class=\"r num\">{a}</td><td class=\"r num\">{k}</td></tr>\n"
        );
    }
    o.push_str("</tbody>\n</table></div>\n");
    w!(
        o,
        "<p class=\"note\">Month-by-month bands: {}. summary.md and monthly.csv list every month.</p>\n</section>\n",
        esc(&s.monthly.method)
    );
}

/// The charts after figure `before` (the figures of an earlier section);
/// returns the number of the last figure drawn.
fn chart_section(o: &mut String, s: &Summary, charts: &[ChartFile], before: usize) -> usize {
    o.push_str(
        "<section id=\"charts\" class=\"major\">\n<h2>Charts</h2>\n\
         <div class=\"callout\"><p><strong>Leading and lagging indicators.</strong> Leading indicators (usage rate and \
         active users) move first and can be measured within weeks of launch. Lagging indicators (costs, benefits, cash, \
         payback and NPV) follow months later. Watch the leading ones to learn early whether the lagging ones will arrive.</p></div>\n",
    );
    let mut ordered: Vec<(&ChartFile, &str)> = Vec::new();
    for (name, caption) in CHART_ORDER {
        ordered.extend(
            charts
                .iter()
                .filter(|c| c.name == name)
                .map(|c| (c, caption)),
        );
    }
    ordered.extend(
        charts
            .iter()
            .filter(|c| !CHART_ORDER.iter().any(|(n, _)| *n == c.name))
            .filter(|c| !DRIVER_CHARTS.iter().any(|(n, _)| *n == c.name))
            .filter(|c| !reforecast::CHARTS.iter().any(|(n, _)| *n == c.name))
            .filter(|c| c.name != on_track::CHART.0)
            .map(|c| (c, GENERIC_CAPTION)),
    );
    if ordered.is_empty() {
        o.push_str("<p class=\"missing\">No charts were drawn for this run.</p>\n");
    }
    let mut n = before;
    for (chart, caption) in ordered {
        n += 1;
        figure(o, s, n, chart, caption);
    }
    o.push_str("</section>\n");
    n
}

/// One chart as a numbered figure with its caption.
fn figure(o: &mut String, s: &Summary, no: usize, chart: &ChartFile, caption: &str) {
    let title = esc(&chart.title);
    w!(
        o,
        "<figure class=\"chart\" id=\"chart-{}\">\n",
        esc(chart.name)
    );
    let drawn = chart
        .svg
        .as_deref()
        .and_then(|svg| markup::inline_svg(svg, &format!("g{no}"), &chart.title));
    match (drawn, &chart.png) {
        (Some(svg), _) => {
            o.push_str(&svg);
            o.push('\n');
        }
        (None, Some(png)) => {
            w!(
                o,
                "<img alt=\"{title}\" src=\"data:image/png;base64,{}\"/>\n",
                markup::base64(png)
            );
        }
        (None, None) => {
            o.push_str("<p class=\"missing\">This chart was not drawn for this run.</p>\n");
        }
    }
    // the chart draws its own title: the caption names it once more, as
    // a document's figure caption does, and says how to read it
    w!(
        o,
        "<figcaption><span class=\"fig-title\"><span class=\"fig-no\">Figure {no}</span>{title}.</span> {}</figcaption>\n</figure>\n",
        caption_for(s, chart.name, caption)
    );
}

/// The charts of what drives the result, shown in their own section.
const DRIVER_CHARTS: [(&str, &str); 2] = [
    (
        "tornado",
        "Each bar shows how far the statistic moves when one input goes from low to high (or a gate from always killing to always passing), with everything else drawn as usual; the line is the base. Where drawn, the orange ticks show how far the P50 moves with the same pin (light: pinned low, dark: pinned high). The longest bars are the inputs worth pinning down first.",
    ),
    (
        "spider",
        "Each line follows the statistic as one input is pinned at its P10, P30, P50, P70 and P90; the steeper the line, the more the result hangs on that input. The dashed line is the base.",
    ),
];

/// A statistic of the sensitivity target in words.
fn driver_value(s: &Summary, target: Target, v: Option<f64>) -> String {
    match (target, v) {
        (Target::Payback, None) => "beyond the horizon".into(),
        (_, None) => "n/a".into(),
        (Target::Payback, Some(m)) => format!("{m:.1} months"),
        (Target::Roi, Some(r)) => format!("{:.1}%", r * 100.0),
        (_, Some(x)) => money_short(x, &s.currency),
    }
}

/// "What drives the result": the tornado and spider, and their table.
/// Returns the number of the last figure drawn so far.
fn drivers(o: &mut String, s: &Summary, charts: &[ChartFile], figures: usize) -> usize {
    let Some(sens) = &s.sensitivity else {
        return figures;
    };
    let stat = esc(&sens.statistic);
    w!(
        o,
        "<section id=\"drivers\" class=\"major\">\n<h2>What drives the result</h2>\n<p class=\"lead\">Which uncertain inputs \
         (and gates) move the {stat} most, from the first {} runs on common random numbers. Read it top down: the inputs at the \
         top of the table are the ones to pin down first; a rank correlation near &#177;1 means the result rises (or falls) with \
         the input almost run for run, and the share of variance is each input&#8217;s part of all the inputs&#8217; squared rank \
         correlations.</p>\n",
        thousands(sens.iterations as f64)
    );
    let mut no = figures;
    for (name, caption) in DRIVER_CHARTS {
        for c in charts.iter().filter(|c| c.name == name) {
            no += 1;
            figure(o, s, no, c, caption);
        }
    }
    let pinned = !sens.pinned.is_empty();
    w!(
        o,
        "<div class=\"scroll\"><table>\n<thead><tr><th>Input</th><th class=\"r\">Rank correlation</th>\
         <th class=\"r\">Share of variance</th><th class=\"r\">{stat}, lowest tenth</th><th class=\"r\">{stat}, highest tenth</th>"
    );
    if pinned {
        w!(
            o,
            "<th class=\"r\">{stat}, pinned low</th><th class=\"r\">{stat}, pinned high</th>"
        );
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    let order: Vec<&str> = if pinned {
        sens.pinned.iter().map(|b| b.path.as_str()).collect()
    } else {
        sens.deciles.iter().map(|d| d.path.as_str()).collect()
    };
    let dash = "<td class=\"r na\">&#8211;</td>";
    for path in order {
        w!(o, "<tr><td><code>{}</code></td>", esc(path));
        match sens.deciles.iter().find(|d| d.path == path) {
            Some(d) => {
                w!(
                    o,
                    "<td class=\"r num\">{:.2}</td><td class=\"r num\">{}</td>\
                     <td class=\"r num\">{} <span class=\"note\">(input &#8804; {})</span></td>\
                     <td class=\"r num\">{} <span class=\"note\">(input &#8805; {})</span></td>",
                    d.spearman,
                    pct(d.contribution),
                    esc(&driver_value(s, sens.target, d.low)),
                    esc(&sig(d.low_edge)),
                    esc(&driver_value(s, sens.target, d.high)),
                    esc(&sig(d.high_edge))
                );
            }
            None => {
                for _ in 0..4 {
                    o.push_str(dash);
                }
            }
        }
        if let Some(b) = sens.pinned.iter().find(|b| b.path == path) {
            w!(
                o,
                "<td class=\"r num\">{} <span class=\"note\">({})</span></td>\
                 <td class=\"r num\">{} <span class=\"note\">({})</span></td>",
                esc(&driver_value(s, sens.target, b.low)),
                esc(&b.low_setting),
                esc(&driver_value(s, sens.target, b.high)),
                esc(&b.high_setting)
            );
        }
        o.push_str("</tr>\n");
    }
    w!(
        o,
        "</tbody>\n</table></div>\n<p class=\"note\">Base {stat}: {}. The tenths are the runs with the input in its lowest \
         and highest tenth; pinned means every run with the input fixed at that value (a gate: always kill or always pass). \
         Gates have no rank correlation. sensitivity.csv has every figure in full.</p>\n</section>\n",
        esc(&driver_value(s, sens.target, sens.base))
    );
    no
}

/// The overlay charts of a comparison, with the sentence that says how to
/// read each.
const STRESS_CHARTS: [(&str, &str); 2] = [
    (
        "compare-payback",
        "Each line is the chance of having paid back by each month, one line per run; the base is the heavy navy line. A dot marks each median payback, and a line ends below 100% by the share of runs with no payback within the horizon.",
    ),
    (
        "compare-npv",
        "Each line is the chance of an NPV at least as high as each amount: the further right, the more value. Where a line crosses NPV = 0 reads its chance of creating value; a dot marks each median.",
    ),
];

/// "Stress tests": the base and each stress side by side, as a table and
/// as the two overlay charts.
fn stress_tests(o: &mut String, s: &Summary, st: &Stresses, figures: usize) {
    o.push_str(
        "<section id=\"stresses\" class=\"major\">\n<h2>Stress tests</h2>\n<p class=\"lead\">Each stress test reruns the \
         base&#8217;s futures with one change, on the same random numbers, so each difference from the base is the effect of \
         that change alone. comparison.csv has the table; stresses/ has each stress&#8217;s full summary.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr>",
    );
    for (i, h) in Comparison::HEADER.iter().enumerate() {
        let class = if i == 0 { "" } else { " class=\"r\"" };
        w!(o, "<th{class}>{}</th>", esc(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for (k, row) in st.comparison.text_rows().iter().enumerate() {
        o.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            match (i, k) {
                (0, 0) => {
                    w!(o, "<td><strong>{}</strong></td>", esc(cell));
                }
                (0, _) => {
                    w!(o, "<td><code>{}</code></td>", esc(cell));
                }
                _ => {
                    w!(o, "<td class=\"r num\">{}</td>", esc(cell));
                }
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
    let mut no = figures;
    for (name, caption) in STRESS_CHARTS {
        for c in st.charts.iter().filter(|c| c.name == name) {
            no += 1;
            figure(o, s, no, c, caption);
        }
    }
    o.push_str("</section>\n");
}

/// The reading sentence, with the scenario's own horizon where it helps.
fn caption_for(s: &Summary, name: &str, caption: &str) -> String {
    let text = esc(caption);
    match name {
        "payback-distribution" => format!(
            "{text} Here {} of runs pay back within {} months.",
            pct(s.payback.p_within_horizon.value),
            s.horizon_months
        ),
        "npv-distribution" => format!(
            "{text} Here {} of runs have an NPV above zero.",
            pct(s.npv.p_positive.value)
        ),
        _ => text,
    }
}

fn funnel(o: &mut String, s: &Summary) {
    o.push_str(
        "<section id=\"funnel\">\n<h2>Stage funnel</h2>\n<p class=\"lead\">How far the initiative gets within the horizon. \
         Shares are of all simulated runs unless said otherwise.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Stage</th>\
         <th>Started</th><th class=\"r\">Gate decided</th><th class=\"r\">Killed at its gate</th>\
         <th class=\"r\">Killed, of those decided</th><th class=\"r\">Mean reworks</th></tr></thead>\n<tbody>\n",
    );
    for f in &s.funnel {
        let width = (f.p_started.value.clamp(0.0, 1.0) * 100.0).round();
        w!(
            o,
            "<tr><td>{}</td><td class=\"num\"><span class=\"bar\"><span style=\"width:{width:.0}%\"></span></span>{} \
             <span class=\"note\">{}</span></td>",
            esc(&f.stage),
            pct(f.p_started.value),
            se_points(&f.p_started)
        );
        match &f.gate {
            Some(g) => {
                w!(
                    o,
                    "<td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>\n",
                    pct(g.p_decision.value),
                    pct(g.p_killed.value),
                    g.p_killed_given_decision.map_or("n/a".into(), pct),
                    g.mean_reworks_given_decision.map_or("n/a".into(), |r| format!("{r:.2}"))
                );
            }
            None => {
                o.push_str(
                    "<td class=\"r na\">no gate</td><td class=\"r na\">&#8211;</td><td class=\"r na\">&#8211;</td><td class=\"r na\">&#8211;</td></tr>\n",
                );
            }
        }
    }
    w!(
        o,
        "</tbody>\n</table></div>\n<p class=\"note\">Killed at some gate within the horizon: {} ({}). \
         &#8220;Gate decided&#8221; counts runs whose gate made a decision within the horizon; a decision still \
         pending at the horizon is neither a pass nor a kill. &#8220;Mean reworks&#8221; is per run that reached the decision.</p>\n</section>\n",
        pct(s.p_killed.value),
        se_points(&s.p_killed)
    );
}

fn assumptions(o: &mut String, s: &Summary) {
    w!(
        o,
        "<section id=\"assumptions\" class=\"major\">\n<h2>Assumptions</h2>\n<p class=\"lead\">Every uncertain input of the \
         scenario, as written in the scenario file, with the range it was drawn from: one run in ten drew below P10, \
         one in ten above P90. Fixed inputs are in the scenario file. Money is in {}.</p>\n\
         <div class=\"scroll\"><table class=\"assumptions\">\n<thead><tr><th>Input</th><th>Distribution as written</th><th>Unit</th>\
         <th class=\"r\">P10</th><th class=\"r\">P50</th><th class=\"r\">P90</th></tr></thead>\n<tbody>\n",
        esc(&s.currency)
    );
    if s.assumptions.is_empty() {
        o.push_str("<tr><td colspan=\"6\" class=\"na\">No uncertain inputs: every input is fixed.</td></tr>\n");
    }
    for a in &s.assumptions {
        w!(
            o,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"r num\">{}</td>\
             <td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>\n",
            esc(&a.path),
            esc(&a.distribution),
            esc(&a.unit),
            plain(a.p10),
            plain(a.p50),
            plain(a.p90)
        );
    }
    w!(
        o,
        "</tbody>\n</table></div>\n<p class=\"note\">Discount rate for NPV: {} a year.</p>\n</section>\n",
        esc(&s.discount_rate)
    );
}

fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+,=".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn run_details(o: &mut String, s: &Summary) {
    let row = |o: &mut String, k: &str, v: &str| {
        w!(o, "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>\n");
    };
    o.push_str("<section id=\"run\">\n<h2>Run details</h2>\n<table class=\"details\">\n<tbody>\n");
    row(o, "Scenario", &esc(&s.scenario));
    row(
        o,
        "Scenario file",
        &format!("<code>{}</code>", esc(&s.scenario_file)),
    );
    row(o, "Seed", &s.seed.to_string());
    row(
        o,
        "Iterations (simulated runs)",
        &thousands(s.iterations as f64),
    );
    row(
        o,
        "Sampling",
        &format!(
            "{}; standard errors: {}",
            s.sampling.label(),
            esc(&s.standard_errors)
        ),
    );
    if let Some(note) = crate::export::text::precision_note(s) {
        row(o, "Precision", &esc(&note));
    }
    row(o, "Horizon", &format!("{} months", s.horizon_months));
    row(o, "Currency", &esc(&s.currency));
    row(o, "Discount rate (annual)", &esc(&s.discount_rate));
    row(o, "gatecast version", &esc(&s.gatecast_version));
    row(
        o,
        "Percentiles",
        "Excel&#8217;s PERCENTILE.INC over all iterations; a percentile&#8217;s 95% interval comes from the order \
         statistics and its standard error is that interval&#8217;s width / 3.92",
    );
    row(o, "Monthly bands", &esc(&s.monthly.method));
    row(
        o,
        "To reproduce",
        &format!(
            "<code>gatecast run{} --seed {} --iterations {}{}</code> gives the same figures, byte for byte, on any machine and thread count",
            // the built-in example runs with no file named
            match s.scenario_file.strip_suffix(" (built in)") {
                Some(_) => String::new(),
                None => format!(" {}", esc(&shell_word(&s.scenario_file))),
            },
            s.seed,
            s.iterations,
            match s.sampling {
                crate::engine::Sampling::Mc => String::new(),
                other => format!(" --sampling {}", other.key()),
            }
        ),
    );
    o.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_keep_three_significant_figures() {
        assert_eq!(plain(45_000.0), "45,000");
        assert_eq!(plain(0.15), "0.15");
        assert_eq!(plain(0.000_4), "0.0004");
        assert_eq!(plain(220.4), "220");
        assert_eq!(plain(1.234_5), "1.23");
        assert_eq!(plain(0.0), "0");
        assert_eq!(plain(-12.26), "-12.3");
    }

    #[test]
    fn milestones_end_at_the_horizon() {
        assert_eq!(milestones(36), vec![6, 12, 18, 24, 30, 36]);
        assert_eq!(milestones(10), vec![3, 6, 9, 10]);
        assert_eq!(milestones(1), vec![1]);
        assert!(milestones(600).len() <= 13);
        assert_eq!(*milestones(600).last().unwrap(), 600);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_word("scenarios/example.toml"),
            "scenarios/example.toml"
        );
        assert_eq!(shell_word("my plan's.toml"), "'my plan'\\''s.toml'");
    }
}
