//! report.html's "What the pilot must show" section (MODEL.md 9.1): the
//! tripwire statement, the on-track bands by checkpoint, the decile table
//! at the featured checkpoint and the "What on track looks like" chart.

use std::fmt::Write as _;

use super::{esc, figure, pct};
use crate::charts::ChartFile;
use crate::export::text::sides;
use crate::format::thousands;
use crate::ontrack::{show, OnTrack};
use crate::stats::ontrack::Band;
use crate::summary::Summary;

/// The chart the section shows, with the sentence that says how to read it.
pub const CHART: (&str, &str) = (
    "on-track",
    "At each checkpoint month, the left bar is the usage rate of all futures in which users have access (P10 to P90, the line at the median); the right bar is the same for the futures that pay back. The red line is the tripwire: a pilot whose usage is at or below it is in the tenth of futures where fewer than half pay back.",
);

fn band(key: &str, b: &Option<Band>) -> String {
    b.map_or("n/a".into(), |b| {
        format!(
            "{} / {} / {}",
            esc(&show(key, b.p10)),
            esc(&show(key, b.p50)),
            esc(&show(key, b.p90))
        )
    })
}

/// The section; returns the number of the last figure drawn.
pub fn section(
    o: &mut String,
    s: &Summary,
    on: &OnTrack,
    charts: &[ChartFile],
    figures: usize,
) -> usize {
    let tm = on.target_months;
    let _ = writeln!(
        o,
        "<section id=\"on-track\" class=\"major\">\n<h2>What the pilot must show</h2>\n\
         <p class=\"lead\">{}.</p>\n\
         <p>The leading indicators, measured at the checkpoint months, against the lagging result: in the futures that pay \
         back within {tm} months, what usage rate and how many active users the initiative had reached, beside all futures \
         in which users have access at that month. The <strong>tripwire</strong> is the upper edge of the highest tenth of \
         futures (ranked by the indicator) in which fewer than half pay back within {tm} months: a pilot at or below it \
         is more likely off track than on.</p>",
        esc(&on.sentence())
    );
    for ind in &on.indicators {
        let unit = if ind.key == "usage_rate" {
            "%"
        } else {
            "users"
        };
        let _ = writeln!(
            o,
            "<div class=\"scroll\"><table>\n<caption>{} at each checkpoint ({unit})</caption>\n<thead><tr><th class=\"r\">Month</th>\
             <th class=\"r\">Futures with access</th><th class=\"r\">Of those, pay back within {tm} months</th>\
             <th class=\"r\">Paying back: P10 / P50 / P90</th><th class=\"r\">All with access: P10 / P50 / P90</th>\
             <th class=\"r\">Tripwire</th><th class=\"r\">Pay back: at or below it / above it</th></tr></thead>\n<tbody>",
            esc(&ind.label)
        );
        for c in &ind.checkpoints {
            let f = &c.figures;
            let share = if f.with_access > 0 {
                pct(f.paid_back as f64 / f.with_access as f64)
            } else {
                "n/a".into()
            };
            let _ = writeln!(
                o,
                "<tr><td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{share}</td>\
                 <td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>",
                c.month,
                thousands(f.with_access as f64),
                band(&ind.key, &f.paying_back),
                band(&ind.key, &f.all),
                f.tripwire.map_or("none".into(), |v| esc(&show(&ind.key, v))),
                esc(&sides(f))
            );
        }
        o.push_str("</tbody>\n</table></div>\n");
    }
    if let Some(month) = on.featured_month {
        for (key, at) in ["usage_rate", "active_users"]
            .into_iter()
            .filter_map(|key| Some((key, on.at(key, month)?)))
        {
            let (label, unit) = if key == "usage_rate" {
                ("Usage rate", "%")
            } else {
                ("Active users", "users")
            };
            let _ = writeln!(
                o,
                "<div class=\"scroll\"><table>\n<caption>{label} at month {}: the futures with access in ten groups ({unit})</caption>\n\
                 <thead><tr><th class=\"r\">Tenth</th><th class=\"r\">From</th><th class=\"r\">To</th><th class=\"r\">Futures</th>\
                 <th class=\"r\">Pay back within {tm} months</th></tr></thead>\n<tbody>",
                at.month
            );
            for g in &at.figures.groups {
                let _ = writeln!(
                    o,
                    "<tr><td class=\"r num\">{}</td><td class=\"r num\">{}</td><td class=\"r num\">{}</td>\
                     <td class=\"r num\">{}</td><td class=\"r num\">{}</td></tr>",
                    g.group,
                    g.lo.map_or("-".into(), |v| esc(&show(key, v))),
                    g.hi.map_or("-".into(), |v| esc(&show(key, v))),
                    thousands(g.count as f64),
                    g.share.map_or("-".into(), pct)
                );
            }
            o.push_str("</tbody>\n</table></div>\n");
        }
        o.push_str(
            "<p>A run of futures with the same value stays in one group (the group of the lowest of them), so groups may \
             differ in size; a group that such a run emptied shows a dash.</p>\n",
        );
    }
    let mut no = figures;
    for c in charts.iter().filter(|c| c.name == CHART.0) {
        no += 1;
        figure(o, s, no, c, CHART.1);
    }
    o.push_str("</section>\n");
    no
}
