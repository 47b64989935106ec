//! The font an SVG chart carries, so that it is set in DejaVu Sans, at the
//! widths its labels were measured at, wherever it is opened.
//!
//! [`embed`] reads the characters of the chart's `<text>` elements, cuts
//! from the embedded DejaVu Sans (regular and bold) a subset holding just
//! their glyphs (skera, the fontations port of HarfBuzz's subsetter: no
//! hinting, kerning kept, nothing else of the layout tables), and puts it
//! in a `<style>` element as an `@font-face` with the font inline (base64
//! `data:` URL). The texts ask for that face first, then DejaVu Sans,
//! Verdana and sans-serif as before.
//!
//! The face's family name ends with a hash of the characters it holds, so
//! that charts sharing one page (report.html inlines them all, and their
//! `@font-face` rules all apply to the whole page) never take each other's
//! subset. The bytes depend only on the chart's text.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use base64::Engine as _;
use read_fonts::collections::IntSet;
use read_fonts::types::{NameId, Tag};
use read_fonts::FontRef;
use skera::{Plan, SubsetFlags};

use super::theme::FAMILY;

/// The characters drawn in a chart, by weight.
#[derive(Debug, Default, PartialEq)]
pub struct UsedChars {
    pub regular: BTreeSet<char>,
    pub bold: BTreeSet<char>,
}

/// The characters of an SVG's `<text>` elements as plotters writes them
/// (attribute values and text escaped, so no `>` inside a start tag), by
/// weight; control characters (the line breaks around each text) left out.
pub fn used_chars(svg: &str) -> UsedChars {
    let mut used = UsedChars::default();
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</text>") else {
            break;
        };
        let set = if rest[..open_end].contains(" font-weight=\"bold\"") {
            &mut used.bold
        } else {
            &mut used.regular
        };
        let body = unescape(&rest[open_end + 1..close.max(open_end + 1)]);
        set.extend(body.chars().filter(|c| !c.is_control()));
        rest = &rest[close..];
    }
    used
}

/// Undoes the five entities plotters writes.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The family name of the face embedded for these characters:
/// `gatecast-<hash> DejaVu Sans`, with the FNV-1a hash (32 bits, hex) of
/// the regular then the bold characters (a CSS identifier, so it needs no
/// quotes).
pub fn family(used: &UsedChars) -> String {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |c: char| {
        for b in (c as u32).to_le_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    used.regular.iter().copied().for_each(&mut eat);
    eat('\u{0}');
    used.bold.iter().copied().for_each(&mut eat);
    format!("gatecast-{h:08x} DejaVu Sans")
}

/// A subset of `font` (TrueType bytes) holding the glyphs of `chars`, with
/// their kerning, without hinting; the name table keeps its first seven
/// records (copyright, family... version, PostScript name) in English.
pub fn subset(font: &[u8], chars: &BTreeSet<char>) -> anyhow::Result<Vec<u8>> {
    let font = FontRef::new(font)?;
    let unicodes: IntSet<u32> = chars.iter().map(|c| u32::from(*c)).collect();
    let drop_tables: IntSet<Tag> = skera::DEFAULT_DROP_TABLES.iter().copied().collect();
    let mut scripts = IntSet::<Tag>::empty();
    scripts.invert();
    let features: IntSet<Tag> = [Tag::new(b"kern")].into_iter().collect();
    let mut name_ids = IntSet::<NameId>::empty();
    name_ids.insert_range(NameId::from(0)..=NameId::from(6));
    let languages: IntSet<u16> = [0x0409].into_iter().collect();
    let plan = Plan::new(
        &IntSet::empty(),
        &unicodes,
        &font,
        SubsetFlags::SUBSET_FLAGS_NO_HINTING | SubsetFlags::SUBSET_FLAGS_NO_BIDI_CLOSURE,
        &drop_tables,
        &scripts,
        &features,
        &name_ids,
        &languages,
    );
    skera::subset_font(&font, &plan).map_err(|e| anyhow::anyhow!("cannot subset the font: {e}"))
}

/// `svg` with the subsets of DejaVu Sans its text uses embedded (a
/// `<style>` element first thing in the root) and every text's
/// font-family led by the embedded face. An SVG without text is returned
/// as it is.
pub fn embed(svg: &str) -> anyhow::Result<String> {
    let used = used_chars(svg);
    if used.regular.is_empty() && used.bold.is_empty() {
        return Ok(svg.to_string());
    }
    let family = family(&used);
    let mut style = String::from("<style>");
    for (chars, font, weight) in [
        (&used.regular, dejavu::sans::regular(), "normal"),
        (&used.bold, dejavu::sans::bold(), "bold"),
    ] {
        if chars.is_empty() {
            continue;
        }
        let data = base64::engine::general_purpose::STANDARD.encode(subset(font, chars)?);
        let _ = write!(
            style,
            "@font-face{{font-family:\"{family}\";font-style:normal;font-weight:{weight};\
             src:url(data:font/ttf;base64,{data}) format(\"truetype\")}}"
        );
    }
    style.push_str("</style>\n");
    let root = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
        .ok_or_else(|| anyhow::anyhow!("the chart's SVG has no root element"))?;
    let head = &svg[..root];
    let body = svg[root..].replace(
        &format!("font-family=\"{FAMILY}\""),
        &format!("font-family=\"{family}, {FAMILY}\""),
    );
    let line_break = if body.starts_with('\n') { "\n" } else { "" };
    Ok(format!(
        "{head}{line_break}{style}{}",
        &body[line_break.len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_chars_reads_texts_by_weight_and_unescapes_them() {
        let svg = "<svg>\n<text x=\"1\" font-family=\"F\">\nA &amp; B\n</text>\n\
                   <text x=\"2\" font-weight=\"bold\">\n&lt;Cé&gt;\n</text>\n<rect/>\n</svg>\n";
        let used = used_chars(svg);
        assert_eq!(used.regular, "A& B".chars().collect());
        assert_eq!(used.bold, "<Cé>".chars().collect());
    }

    #[test]
    fn the_family_name_follows_the_characters_and_their_weight() {
        let of = |r: &str, b: &str| {
            family(&UsedChars {
                regular: r.chars().collect(),
                bold: b.chars().collect(),
            })
        };
        assert_eq!(of("ab", "c"), of("ba", "c"));
        assert_ne!(of("ab", "c"), of("abc", ""));
        assert_ne!(of("ab", "c"), of("ab", "d"));
        assert!(of("a", "").starts_with("gatecast-"));
    }

    #[test]
    fn an_svg_without_text_is_left_as_it_is() {
        let svg = "<svg width=\"2\">\n<rect/>\n</svg>\n";
        assert_eq!(embed(svg).unwrap(), svg);
    }
}
