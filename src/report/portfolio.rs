//! `report.html` for a programme (`gatecast portfolio`): one
//! self-contained page, the same figures as `summary.md` (its text is
//! turned into HTML line by line, so the two cannot disagree) with the
//! programme's charts inline as SVG. Every text from the files is escaped.

use std::fmt::Write as _;

use super::markup::{base64, esc, inline_svg};
use super::STYLE;
use crate::charts::ChartFile;
use crate::export::portfolio::markdown;
use crate::portfolio::figures::PortfolioSummary;

/// How to read each programme chart.
const CAPTIONS: [(&str, &str); 5] = [
    ("programme-cumulative-cash", "Above, the programme's cumulative net cash: the median and the bands holding the middle 50% and 80% of futures. Below, each initiative's mean cumulative net cash, stacked: the stack's top is the programme's mean."),
    ("how-many-reach-production", "Each bar is the share of futures in which exactly that many initiatives start their last stage; the figure under it is the chance of at least that many."),
    ("contributions", "Each bar is what the initiative adds to the programme's mean NPV: the programme with it minus the programme without it, on the same simulated futures."),
    ("efficient-frontier", "Each dot is a subset of the initiatives; the line joins those that no other subset beats on both mean NPV and P90 peak funding. The dashed line is the budget; the ring marks the subset chosen."),
    ("initiative-payback", "Each line is one initiative's chance of having paid back by each month of the programme, on the programme's clock."),
];

/// Inline markdown (`**bold**`, `` `code` ``) of escaped text to HTML.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let (mut bold, mut code) = (false, false);
    let mut rest = esc(text);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = r.to_string();
        } else if let Some(r) = rest.strip_prefix('`') {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = r.to_string();
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = rest[c.len_utf8()..].to_string();
        }
    }
    if bold {
        out.push_str("</strong>");
    }
    if code {
        out.push_str("</code>");
    }
    out
}

/// The markdown of `summary.md` (headings, paragraphs, pipe tables) as HTML.
fn body(md: &str) -> String {
    let mut o = String::new();
    let mut table: Vec<&str> = Vec::new();
    let flush = |o: &mut String, table: &mut Vec<&str>| {
        if table.is_empty() {
            return;
        }
        o.push_str("<table>\n");
        for (i, row) in table.iter().enumerate() {
            if i == 1 {
                continue; // the |---| line
            }
            let tag = if i == 0 { "th" } else { "td" };
            o.push_str("<tr>");
            for cell in row.trim().trim_matches('|').split('|') {
                let _ = write!(o, "<{tag}>{}</{tag}>", inline(cell.trim()));
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</table>\n");
        table.clear();
    };
    for line in md.lines() {
        if line.starts_with('|') {
            table.push(line);
            continue;
        }
        flush(&mut o, &mut table);
        if let Some(h) = line.strip_prefix("## ") {
            let _ = writeln!(o, "<h2>{}</h2>", inline(h));
        } else if let Some(h) = line.strip_prefix("# ") {
            let _ = writeln!(o, "<h1>{}</h1>", inline(h));
        } else if !line.trim().is_empty() {
            let _ = writeln!(o, "<p>{}</p>", inline(line));
        }
    }
    flush(&mut o, &mut table);
    o
}

/// The whole programme report as one HTML document.
pub fn html(s: &PortfolioSummary, charts: &[ChartFile]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"gatecast {}\"/>\n<title>{}: gatecast programme report</title>\n\
         <style>\n{}</style>\n</head>\n<body>\n<main class=\"report\">\n",
        esc(&s.gatecast_version),
        esc(&s.portfolio),
        STYLE
    );
    o.push_str(&body(&markdown(s)));
    if !charts.is_empty() {
        o.push_str("<section id=\"charts\" class=\"major\">\n<h2>Charts</h2>\n");
        for (no, c) in charts.iter().enumerate() {
            let no = no + 1;
            let title = esc(&c.title);
            let _ = writeln!(o, "<figure class=\"chart\" id=\"chart-{}\">", esc(c.name));
            match (
                c.svg
                    .as_deref()
                    .and_then(|svg| inline_svg(svg, &format!("g{no}"), &c.title)),
                &c.png,
            ) {
                (Some(svg), _) => {
                    o.push_str(&svg);
                    o.push('\n');
                }
                (None, Some(png)) => {
                    let _ = writeln!(
                        o,
                        "<img alt=\"{title}\" src=\"data:image/png;base64,{}\"/>",
                        base64(png)
                    );
                }
                (None, None) => {}
            }
            let caption = CAPTIONS
                .iter()
                .find(|(n, _)| *n == c.name)
                .map_or("", |(_, t)| t);
            let _ = writeln!(
                o,
                "<figcaption><span class=\"fig-title\"><span class=\"fig-no\">Figure {no}</span>{title}.</span> {}</figcaption>\n</figure>",
                esc(caption)
            );
        }
        o.push_str("</section>\n");
    }
    let _ = write!(
        o,
        "<footer>{} &#183; gatecast {} &#183; portfolio file <code>{}</code> &#183; seed {} &#183; {} iterations. \
         Every figure here also appears in summary.md and summary.json from the same run.</footer>\n</main>\n</body>\n</html>\n",
        esc(&s.portfolio),
        esc(&s.gatecast_version),
        esc(&s.portfolio_file),
        s.seed,
        s.iterations
    );
    o
}
