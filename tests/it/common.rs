//! Helpers the chart tests share: find a chart, read a mark, read an
//! SVG's words, measure the box a text covers. Each test binary uses some
//! of them.
#![allow(dead_code)]

use gatecast::charts::ChartFile;

/// The chart of that name; panics naming it when it is missing.
pub fn chart<'a>(files: &'a [ChartFile], name: &str) -> &'a ChartFile {
    files
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chart {name}"))
}

/// The value of a chart's mark; panics listing the marks when missing.
pub fn mark(c: &ChartFile, label: &str) -> Option<f64> {
    c.marks
        .iter()
        .find(|m| m.label == label)
        .unwrap_or_else(|| panic!("{} has no mark {label}: {:?}", c.name, c.marks))
        .value
}

/// All the words drawn in an SVG, in order.
pub fn svg_words(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The box `(left, top, right, bottom)` a horizontal SVG text covers, from
/// its position, anchor, baseline shift and the embedded font's metrics;
/// `None` for rotated text.
pub fn text_box(t: roxmltree::Node) -> Option<(f64, f64, f64, f64)> {
    if t.attribute("transform").is_some() {
        return None;
    }
    let num = |a: &str| t.attribute(a).and_then(|v| v.parse::<f64>().ok());
    let (x, y, em) = (num("x")?, num("y")?, num("font-size")?);
    let text = t.text()?.trim();
    let style = if t.attribute("font-weight") == Some("bold") {
        plotters::style::FontStyle::Bold
    } else {
        plotters::style::FontStyle::Normal
    };
    let font = plotters::style::FontDesc::new(
        plotters::style::FontFamily::Name(gatecast::charts::theme::FAMILY),
        em * 1.24,
        style,
    );
    // the estimate runs a little wide: take 94% of it
    let w = font.box_size(text).ok()?.0 as f64 * 0.94;
    let left = match t.attribute("text-anchor") {
        Some("middle") => x - w / 2.0,
        Some("end") => x - w,
        _ => x,
    };
    // baseline from dy, then cap height above it and descenders below
    let baseline = match t.attribute("dy") {
        Some("0.76em") => y + 0.76 * em,
        Some("0.5ex") => y + 0.27 * em,
        Some("-0.5ex") => y - 0.27 * em,
        _ => y,
    };
    Some((left, baseline - 0.73 * em, left + w, baseline + 0.2 * em))
}
