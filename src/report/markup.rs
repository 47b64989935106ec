//! Markup helpers: text escaping, charts' SVG made fit to sit inline in the
//! page, and PNG as a data URI for a chart drawn without SVG.

use std::fmt::Write as _;

/// Text made safe for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Index just past the `>` closing the start tag that begins at `start`,
/// with quoted attribute values skipped.
fn tag_end(s: &str, start: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(start + i + 1),
            (None, _) => {}
        }
    }
    None
}

/// `name="value"` pairs of a start tag's attribute text.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        let Some(eq) = s.find('=') else { break };
        let name = s[..eq].trim().to_string();
        let rest = s[eq + 1..].trim_start();
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(close) = rest[1..].find(q) else {
            break;
        };
        out.push((name, rest[1..1 + close].to_string()));
        s = &rest[1 + close + 1..];
    }
    out
}

/// The first `<svg` start tag in `s` (not `<svgfoo`).
fn find_svg_open(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find("<svg") {
        let at = from + i;
        match s[at + 4..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => return Some(at),
            _ => from = at + 4,
        }
    }
    None
}

fn number(v: &str) -> Option<f64> {
    v.trim()
        .trim_end_matches("px")
        .parse::<f64>()
        .ok()
        .filter(|x| *x > 0.0)
}

/// A chart's SVG document made ready to sit inline in HTML: the XML prolog,
/// doctype and comments before the root go; the namespace declarations go
/// (HTML puts `<svg>` in the SVG namespace itself, and the page references
/// no URL); fixed width and height give way to a viewBox so the chart
/// scales to the page; ids get a per-chart prefix so two charts never
/// share one. `None` when there is no `<svg` element.
pub fn inline_svg(svg: &str, prefix: &str, label: &str) -> Option<String> {
    let open = find_svg_open(svg)?;
    let head_end = tag_end(svg, open)?;
    let head = &svg[open + 4..head_end - 1];
    let self_closing = head.trim_end().ends_with('/');
    let head = head.trim_end().trim_end_matches('/');
    let attrs = attributes(head);
    let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut out = String::from("<svg");
    if get("viewBox").is_none() {
        if let (Some(w), Some(h)) = (
            get("width").and_then(number),
            get("height").and_then(number),
        ) {
            let _ = write!(out, " viewBox=\"0 0 {w} {h}\"");
        }
    }
    for (name, value) in &attrs {
        let drop = name == "xmlns"
            || name.starts_with("xmlns:")
            || name == "width"
            || name == "height"
            || name == "role"
            || name == "aria-label";
        if !drop {
            let _ = write!(out, " {name}=\"{}\"", esc(&unescape_quotes(value)));
        }
    }
    let _ = write!(out, " role=\"img\" aria-label=\"{}\"", esc(label));
    if self_closing {
        out.push_str("></svg>");
        return Some(out);
    }
    out.push('>');
    let body_end = svg.rfind("</svg>").filter(|e| *e >= head_end)?;
    let body = &svg[head_end..body_end];
    out.push_str(&prefix_ids(&body.replace("xlink:href=", "href="), prefix));
    out.push_str("</svg>");
    Some(out)
}

/// Attribute values are re-escaped on output: undo the quote entities only,
/// so nothing is escaped twice.
fn unescape_quotes(v: &str) -> String {
    if v.contains('&') {
        v.replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    } else {
        v.to_string()
    }
}

/// `id="x"` becomes `id="prefix-x"`, and references to it (`url(#x)`,
/// `href="#x"`) follow.
fn prefix_ids(body: &str, prefix: &str) -> String {
    if !body.contains(" id=") {
        return body.to_string();
    }
    body.replace(" id=\"", &format!(" id=\"{prefix}-"))
        .replace(" id='", &format!(" id='{prefix}-"))
        .replace("url(#", &format!("url(#{prefix}-"))
        .replace("href=\"#", &format!("href=\"#{prefix}-"))
        .replace("href='#", &format!("href='#{prefix}-"))
}

/// Standard base64 with padding, for a PNG data URI.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            esc(r#"A & B <x> "q" 'a'"#),
            "A &amp; B &lt;x&gt; &quot;q&quot; &#39;a&#39;"
        );
    }

    #[test]
    fn inline_svg_drops_the_prolog_and_namespace_and_scales() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE svg>\n\
                   <svg width=\"1600\" height=\"900\" xmlns=\"http://www.w3.org/2000/svg\" \
                   xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<clipPath id=\"c\"/>\
                   <rect clip-path=\"url(#c)\"/><use xlink:href=\"#c\"/><text>a &amp; b</text></svg>\n";
        let s = inline_svg(doc, "npv", "NPV <x>").unwrap();
        assert!(
            s.starts_with(
                "<svg viewBox=\"0 0 1600 900\" role=\"img\" aria-label=\"NPV &lt;x&gt;\">"
            ),
            "{s}"
        );
        assert!(!s.contains("http"));
        assert!(!s.contains("<?xml"));
        assert!(
            s.contains("id=\"npv-c\"")
                && s.contains("url(#npv-c)")
                && s.contains("href=\"#npv-c\"")
        );
        assert!(s.ends_with("</svg>"));
        assert!(s.contains("a &amp; b"));
    }

    #[test]
    fn inline_svg_keeps_an_existing_view_box() {
        let s = inline_svg(
            "<svg width=\"10\" height=\"5\" viewBox=\"0 0 20 10\"><g/></svg>",
            "x",
            "t",
        )
        .unwrap();
        assert_eq!(
            s,
            "<svg viewBox=\"0 0 20 10\" role=\"img\" aria-label=\"t\"><g/></svg>"
        );
        assert_eq!(inline_svg("no chart here", "x", "t"), None);
    }

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
