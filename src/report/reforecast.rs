//! report.html's "Where we are" section, for a run under actuals: the
//! re-forecast headline, the figures before and after, what has been seen
//! against the plan, how far the weighted futures can be trusted, the
//! re-forecast's charts, and what the actuals say about the assumptions.

use std::fmt::Write as _;

use super::{esc, figure, pct};
use crate::charts::ChartFile;
use crate::format::{money_short, months, sig};
use crate::reforecast::Reforecast;
use crate::summary::{Pct, Prob, Summary};

/// The re-forecast's charts, in the order the section shows them, with
/// the sentence that says how to read each.
pub const CHARTS: [(&str, &str); 4] = [
    (
        "reforecast-payback",
        "The dashed grey line is the plan: the chance of having paid back by each month, every simulated future counting the same. The heavy line is the re-forecast: futures drawn from the plan (the gate outcomes the actuals state drawn as stated) and weighted by how well they agree with the actuals. The gap between them is what the actuals have changed.",
    ),
    (
        "reforecast-cumulative-net-cash",
        "The bands and the heavy line are the re-forecast of cumulative net cash; the dashed line is the plan's median. The orange points are what was measured, with the range the measurement could be off by (95%); the orange line marks the month the actuals are as of.",
    ),
    (
        "reforecast-leading",
        "Each panel is a leading indicator: the plan's band (P10 to P90) and median, the re-forecast's median, and what was measured, drawn on the plan's band. A point below the band is a pilot well behind what the plan expected.",
    ),
    (
        "reforecast-tornado",
        "What drives the re-forecast: each bar shows how far the statistic moves between the lowest and the highest tenth of one input, over the futures that agree with the actuals, each counted with its weight.",
    ),
];

fn cell_prob(x: Option<Prob>) -> String {
    x.map_or("n/a".into(), |p| pct(p.value))
}

fn se_prob(x: Option<Prob>) -> String {
    x.map_or(String::new(), |p| {
        format!("&#177; {:.1} points", p.se * 100.0)
    })
}

fn row(o: &mut String, name: &str, before: &str, after: &str, se: &str) {
    let _ = writeln!(
        o,
        "<tr><td>{name}</td><td class=\"r num\">{before}</td><td class=\"r num\">{after}</td><td class=\"r num\">{se}</td></tr>"
    );
}

/// The section; returns the number of the last figure it drew.
pub fn where_we_are(o: &mut String, s: &Summary, rf: &Reforecast, charts: &[ChartFile]) -> usize {
    let c = &s.currency;
    let (b, a) = (&rf.prior, &rf.conditioned);
    let _ = writeln!(
        o,
        "<section id=\"where-we-are\" class=\"major\">\n<h2>Where we are: the re-forecast from actuals</h2>\n\
         <p class=\"lead\">{}</p>\n\
         <p>Actuals as of month {} from <code>{}</code>. <strong>Before</strong> is the plan as written, every \
         simulated future counting the same; <strong>after</strong> is the re-forecast: futures drawn from the plan \
         (the gate outcomes the actuals state drawn as stated), weighted by how well they agree with what has happened. Every other section of this report shows the plan.</p>",
        esc(&rf.headline),
        esc(&sig(rf.as_of_month)),
        esc(&rf.file)
    );
    o.push_str(
        "<div class=\"scroll\"><table>\n<caption>Before and after the actuals</caption>\n<thead><tr><th>Figure</th>\
         <th class=\"r\">Before (plan)</th><th class=\"r\">After (re-forecast)</th><th class=\"r\">Standard error (after)</th></tr></thead>\n<tbody>\n",
    );
    let h = s.horizon_months;
    for (name, pb, pa) in [
        (
            "Payback within 12 months".to_string(),
            Some(b.payback.p_within_12_months),
            Some(a.payback.p_within_12_months),
        ),
        (
            "Payback within 24 months".into(),
            Some(b.payback.p_within_24_months),
            Some(a.payback.p_within_24_months),
        ),
        (
            "Payback within 36 months".into(),
            b.payback.p_within_36_months,
            a.payback.p_within_36_months,
        ),
        (
            format!("Payback within the {h}-month horizon"),
            Some(b.payback.p_within_horizon),
            Some(a.payback.p_within_horizon),
        ),
    ] {
        row(o, &name, &cell_prob(pb), &cell_prob(pa), &se_prob(pa));
    }
    let months_se = |q: &Pct| {
        q.se.map_or(String::new(), |e| format!("&#177; {e:.1} months"))
    };
    row(
        o,
        "Payback P50",
        &esc(&months(b.payback.p50.value)),
        &esc(&months(a.payback.p50.value)),
        &months_se(&a.payback.p50),
    );
    let money = |q: &Pct| q.value.map_or("n/a".into(), |v| esc(&money_short(v, c)));
    let money_se = |q: &Pct| {
        q.se.map_or(String::new(), |e| {
            format!("&#177; {}", esc(&money_short(e, c)))
        })
    };
    for (name, qb, qa) in [
        ("NPV P10", &b.npv.spread.p10, &a.npv.spread.p10),
        ("NPV P50", &b.npv.spread.p50, &a.npv.spread.p50),
        ("NPV P90", &b.npv.spread.p90, &a.npv.spread.p90),
    ] {
        row(o, name, &money(qb), &money(qa), &money_se(qa));
    }
    row(
        o,
        "NPV above zero",
        &cell_prob(Some(b.npv.p_positive)),
        &cell_prob(Some(a.npv.p_positive)),
        &se_prob(Some(a.npv.p_positive)),
    );
    row(
        o,
        "Peak funding P90",
        &money(&b.peak_funding.p90),
        &money(&a.peak_funding.p90),
        &money_se(&a.peak_funding.p90),
    );
    row(
        o,
        "Killed at some gate",
        &cell_prob(Some(b.p_killed)),
        &cell_prob(Some(a.p_killed)),
        &se_prob(Some(a.p_killed)),
    );
    o.push_str("</tbody>\n</table></div>\n<h3>What we have seen</h3>\n<ul>\n");
    let _ = writeln!(
        o,
        "<li>{}.</li>",
        esc(&crate::export::reforecast::timeline(rf))
    );
    for ob in &rf.observations {
        let _ = writeln!(
            o,
            "<li{}>{}</li>",
            if ob.surprise {
                " class=\"surprise\""
            } else {
                ""
            },
            esc(&ob.sentence)
        );
    }
    o.push_str("</ul>\n<h3>How far the re-forecast can be trusted</h3>\n");
    let _ = writeln!(
        o,
        "<p>{}</p>",
        esc(&crate::export::reforecast::reliability(rf))
    );
    for w in &rf.warnings {
        let _ = writeln!(
            o,
            "<div class=\"callout\"><p><strong>Warning.</strong> {}</p></div>",
            esc(w)
        );
    }
    let mut n = 0;
    for (name, caption) in CHARTS {
        if let Some(chart) = charts.iter().find(|ch| ch.name == name) {
            n += 1;
            figure(o, s, n, chart, caption);
        }
    }
    o.push_str(
        "<h3>What the actuals say about the assumptions</h3>\n<p>Each uncertain input in the plan and under the \
         weights of the re-forecast: the inputs whose range the actuals have moved are the ones they have taught \
         something about.</p>\n<div class=\"scroll\"><table class=\"assumptions\">\n<thead><tr><th>Input</th>\
         <th class=\"r\">Plan P10 / P50 / P90</th><th class=\"r\">Re-forecast P10 / P50 / P90</th></tr></thead>\n<tbody>\n",
    );
    for (pa, ca) in s.assumptions.iter().zip(&rf.conditioned_assumptions) {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td class=\"r num\">{} / {} / {}</td><td class=\"r num\">{} / {} / {}</td></tr>",
            esc(&pa.path),
            sig(pa.p10),
            sig(pa.p50),
            sig(pa.p90),
            sig(ca.p10),
            sig(ca.p50),
            sig(ca.p90)
        );
    }
    let _ = writeln!(
        o,
        "</tbody>\n</table></div>\n<p class=\"note\">Method: {}.</p>\n</section>",
        esc(&rf.method)
    );
    n
}
