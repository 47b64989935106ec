//! Helpers the chart tests share: find a chart, read a mark, read an
//! SVG's words. Each test binary uses some of them.
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
