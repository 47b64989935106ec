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

/// One `@font-face` embedded in an SVG: its family, whether it is the bold
/// face, and the font file.
pub struct EmbeddedFace {
    pub family: String,
    pub bold: bool,
    pub data: Vec<u8>,
}

/// The faces of an SVG's `<style>` elements, each with its font data
/// decoded from the base64 `data:` URL.
pub fn embedded_faces(doc: &roxmltree::Document) -> Vec<EmbeddedFace> {
    use base64::Engine as _;
    let css: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("style"))
        .filter_map(|n| n.text())
        .collect();
    css.split("@font-face")
        .skip(1)
        .map(|rule| {
            let field = |name: &str| {
                let at = rule.find(&format!("{name}:")).unwrap_or_else(|| {
                    panic!("@font-face without {name}: {rule:.80}");
                });
                let v = &rule[at + name.len() + 1..];
                v[..v.find([';', '}']).unwrap()].trim().to_string()
            };
            let src = &rule[rule.find("src:").expect("@font-face without src") + 4..];
            let b64 = src
                .strip_prefix("url(data:font/ttf;base64,")
                .and_then(|s| s.split(')').next())
                .unwrap_or_else(|| panic!("not an inline TrueType font: {src:.60}"));
            EmbeddedFace {
                family: field("font-family").trim_matches('"').to_string(),
                bold: field("font-weight") == "bold",
                data: base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            }
        })
        .collect()
}

/// Checks that a chart's SVG parses as XML and carries its font: every
/// text asks first for a face embedded in the SVG, of its weight, whose
/// glyphs cover every character of the text with DejaVu Sans's advance and
/// outline box; the embedded fonts are subsets (under 40 kB in all).
pub fn assert_svg_carries_its_font(c: &ChartFile) {
    let svg = c.svg.as_ref().expect("an SVG");
    let doc =
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{} is not XML: {e}", c.name));
    let faces = embedded_faces(&doc);
    assert!(!faces.is_empty(), "{} embeds no font", c.name);
    let total: usize = faces.iter().map(|f| f.data.len()).sum();
    assert!(total < 40_000, "{} embeds {total} bytes of font", c.name);
    let parsed: Vec<(&EmbeddedFace, ttf_parser::Face)> = faces
        .iter()
        .map(|f| (f, ttf_parser::Face::parse(&f.data, 0).unwrap()))
        .collect();
    let full_regular = ttf_parser::Face::parse(dejavu::sans::regular(), 0).unwrap();
    let full_bold = ttf_parser::Face::parse(dejavu::sans::bold(), 0).unwrap();
    for (f, face) in &parsed {
        assert_eq!(
            face.is_bold(),
            f.bold,
            "{}: the weight of {}",
            c.name,
            f.family
        );
        assert!(
            face.number_of_glyphs() < 200,
            "{}: {} glyphs is no subset",
            c.name,
            face.number_of_glyphs()
        );
    }
    let mut texts = 0;
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let family = t.attribute("font-family").unwrap_or_default();
        let first = family.split(',').next().unwrap_or_default().trim();
        assert!(
            family.ends_with(", DejaVu Sans, Verdana, sans-serif"),
            "{}: font-family {family:?}",
            c.name
        );
        let bold = t.attribute("font-weight") == Some("bold");
        let (_, face) = parsed
            .iter()
            .find(|(f, _)| f.family == first && f.bold == bold)
            .unwrap_or_else(|| panic!("{}: no embedded {first} (bold {bold})", c.name));
        let full = if bold { &full_bold } else { &full_regular };
        for ch in t
            .text()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
        {
            let g = face
                .glyph_index(ch)
                .filter(|g| g.0 != 0)
                .unwrap_or_else(|| panic!("{}: {ch:?} is not in the embedded font", c.name));
            let g_full = full.glyph_index(ch).unwrap();
            assert_eq!(
                face.glyph_hor_advance(g),
                full.glyph_hor_advance(g_full),
                "{}: the advance of {ch:?}",
                c.name
            );
            assert_eq!(
                face.glyph_bounding_box(g),
                full.glyph_bounding_box(g_full),
                "{}: the outline of {ch:?}",
                c.name
            );
        }
        texts += 1;
    }
    assert!(texts > 0, "{} has no text", c.name);
}
