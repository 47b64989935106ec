//! The one look of every chart: canvas size, font, palette, type sizes, and
//! the pieces each chart is built from (header, legend, footer, axes,
//! percentile lines and labels that never overlap).

use std::cell::Cell;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle, FontTransform};

use super::DrawResult;
use crate::format::thousands;
use crate::summary::Summary;

/// Every chart is 1600x900 pixels (16:9), PNG and SVG alike.
pub const SIZE: (u32, u32) = (1600, 900);
/// Left and right page margin.
pub const MARGIN: i32 = 44;

/// The PNG is drawn `SUPERSAMPLE` times larger and averaged down, for
/// smooth lines and evenly spaced text (the bitmap backend snaps each glyph
/// to whole pixels).
pub const SUPERSAMPLE: i32 = 2;

/// ab_glyph scales a font so that ascent - descent spans the size (1.164 em
/// for DejaVu Sans) where the SVG sets 1 em to size / 1.24: drawn at this
/// factor, the PNG's text is the size of the SVG's.
const BITMAP_GLYPH_SCALE: f64 = 1.164 / 1.24;

thread_local! {
    static SCALE: Cell<i32> = const { Cell::new(1) };
    static BITMAP: Cell<bool> = const { Cell::new(false) };
}

/// While alive, the charts drawn on this thread are drawn at `scale` times
/// the logical size, for a bitmap or not.
pub struct Scale {
    _private: (),
}

impl Scale {
    pub(crate) fn set(scale: i32, bitmap: bool) -> Scale {
        SCALE.with(|s| s.set(scale));
        BITMAP.with(|b| b.set(bitmap));
        Scale { _private: () }
    }
}

impl Drop for Scale {
    fn drop(&mut self) {
        SCALE.with(|s| s.set(1));
        BITMAP.with(|b| b.set(false));
    }
}

fn scale() -> i32 {
    SCALE.with(|s| s.get())
}

/// Logical pixels (of the 1600x900 chart) to pixels of the canvas.
pub fn px(v: i32) -> i32 {
    v * scale()
}

/// [`px`] for widths and sizes.
pub fn upx(v: u32) -> u32 {
    v * scale() as u32
}

/// The canvas size in pixels.
pub fn canvas() -> (i32, i32) {
    (px(SIZE.0 as i32), px(SIZE.1 as i32))
}

/// A font size in logical pixels to the size to ask plotters for.
fn font_size(size: f64) -> f64 {
    let k = scale() as f64;
    if BITMAP.with(|b| b.get()) {
        size * k * BITMAP_GLYPH_SCALE
    } else {
        size * k
    }
}

/// The embedded font's family name. In the SVG it reads as a CSS list
/// behind the subset each SVG carries ([`super::svg_font`]), so a viewer
/// that ignores it falls back to DejaVu Sans, then Verdana (the same
/// metrics).
pub const FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// Registers the embedded DejaVu Sans (regular and bold) once per process.
pub fn register_fonts() -> anyhow::Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    anyhow::ensure!(ok, "cannot load the embedded DejaVu Sans font");
    Ok(())
}

// ---- palette -------------------------------------------------------------

/// Text.
pub const INK: RGBColor = RGBColor(0x1d, 0x26, 0x30);
/// Secondary text: subtitles, ticks, notes.
pub const MUTED: RGBColor = RGBColor(0x5f, 0x6b, 0x78);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(0x9a, 0xa5, 0xb1);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xe6, 0xe9, 0xed);
pub const WHITE: RGBColor = RGBColor(0xff, 0xff, 0xff);

/// The main series: navy, with two opaque tints for the P25-P75 and
/// P10-P90 bands (opaque, so PNG and SVG look the same).
pub const NAVY: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
pub const NAVY_MID: RGBColor = RGBColor(0x8f, 0xb1, 0xd3);
pub const NAVY_LIGHT: RGBColor = RGBColor(0xd3, 0xe1, 0xee);
/// Bars of a histogram.
pub const BAR: RGBColor = RGBColor(0x5b, 0x8d, 0xbf);
/// A leading indicator (usage): teal, with its band tint.
pub const TEAL: RGBColor = RGBColor(0x0f, 0x7c, 0x74);
pub const TEAL_LIGHT: RGBColor = RGBColor(0xc4, 0xe4, 0xe0);
/// Benefits and good outcomes: green, with its band tint.
pub const GREEN: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
pub const GREEN_LIGHT: RGBColor = RGBColor(0xcd, 0xe6, 0xce);
/// Losses, kills, no payback.
pub const RED: RGBColor = RGBColor(0xb8, 0x3b, 0x3b);
pub const RED_BAR: RGBColor = RGBColor(0xd9, 0x8a, 0x84);
/// Runs still waiting (in a stage or on a gate) at the horizon.
pub const WAITING: RGBColor = RGBColor(0xb8, 0xc2, 0xcc);
/// Cumulative probability curves and highlights: orange.
pub const ORANGE: RGBColor = RGBColor(0xd9, 0x6c, 0x06);
/// Percentile marker lines.
pub const MARKER: RGBColor = RGBColor(0x33, 0x3d, 0x47);
/// The five cost categories, darkest first.
pub const COST_COLORS: [RGBColor; 5] = [
    RGBColor(0x1f, 0x4e, 0x79),
    RGBColor(0x4f, 0x86, 0xbd),
    RGBColor(0x9d, 0xc3, 0xe6),
    RGBColor(0xe8, 0xa3, 0x3d),
    RGBColor(0xb5, 0x7f, 0xb0),
];

// ---- type ----------------------------------------------------------------

pub const TITLE_SIZE: f64 = 36.0;
pub const SUBTITLE_SIZE: f64 = 21.0;
pub const FACT_SIZE: f64 = 22.0;
pub const LEGEND_SIZE: f64 = 19.0;
pub const TICK_SIZE: f64 = 19.0;
pub const AXIS_TITLE_SIZE: f64 = 20.0;
pub const LABEL_SIZE: f64 = 19.0;
pub const NOTE_SIZE: f64 = 16.0;

/// Regular text of a size and colour, anchored at its top left.
pub fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    let mut st = TextStyle::from((FAMILY, font_size(size)).into_font());
    st.color = color.to_backend_color();
    st
}

/// Bold text of a size and colour, anchored at its top left.
pub fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    let mut st = TextStyle::from((FAMILY, font_size(size), FontStyle::Bold).into_font());
    st.color = color.to_backend_color();
    st
}

/// The same style anchored elsewhere.
pub fn anchored(style: &TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.clone().pos(Pos::new(h, v))
}

/// Draws `s` at `pos` (canvas pixels). On a bitmap the line is moved down
/// to where the SVG puts it (plotters' bitmap text sits higher).
pub fn put<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    pos: (i32, i32),
) -> DrawResult<(), DB> {
    let mut pos = pos;
    if BITMAP.with(|b| b.get()) {
        let logical = style.font.get_size() / BITMAP_GLYPH_SCALE;
        let k = match style.pos.v_pos {
            VPos::Top | VPos::Center => 0.14,
            VPos::Bottom => 0.07,
        };
        pos.1 += (logical * k).round() as i32;
    }
    root.draw_text(s, style, pos)?;
    Ok(())
}

/// The width of `s` in canvas pixels as drawn in `style` (embedded font
/// metrics; a little wider than the text comes out, never narrower).
pub fn width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
) -> DrawResult<i32, DB> {
    let w = root.estimate_text_size(s, style)?.0 as f64;
    Ok(if BITMAP.with(|b| b.get()) {
        (w / BITMAP_GLYPH_SCALE).ceil() as i32
    } else {
        w as i32
    })
}

/// The largest size from `size` down to `min` at which `s` fits `max`
/// pixels, with `s` cut short with an ellipsis when even `min` does not fit.
pub fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    size: f64,
    min: f64,
    max: i32,
    style: impl Fn(f64) -> TextStyle<'static>,
) -> DrawResult<(String, TextStyle<'static>), DB> {
    let mut sz = size;
    while sz > min && width(root, s, &style(sz))? > max {
        sz -= 1.0;
    }
    let st = style(sz);
    if width(root, s, &st)? <= max {
        return Ok((s.to_string(), st));
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(root, &cut, &st)? <= max {
            return Ok((cut, st));
        }
    }
    Ok((String::new(), st))
}

// ---- page: header, legend, footer ----------------------------------------

/// A legend swatch.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled box (bars, bands, areas).
    Fill(RGBColor),
    /// A solid line of a width (logical pixels).
    Line(RGBColor, u32),
    /// A dashed line of a width (logical pixels).
    Dashed(RGBColor, u32),
}

/// A statement drawn in bold under the subtitle, in its colour.
#[derive(Debug, Clone)]
pub struct Fact {
    pub text: String,
    pub color: RGBColor,
}

impl Fact {
    pub fn new(text: impl Into<String>, color: RGBColor) -> Fact {
        Fact {
            text: text.into(),
            color,
        }
    }
}

/// Everything drawn around the plot.
pub struct Page<'a> {
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<Fact>,
    pub legend: Vec<(Swatch, String)>,
    /// Notes drawn at the bottom above the source line.
    pub notes: Vec<String>,
    pub summary: &'a Summary,
}

/// The title of a chart: what it shows, for which scenario.
pub fn title(what: &str, s: &Summary) -> String {
    format!("{what} — {}", s.scenario)
}

/// "discounted at 10% a year", or at a rate drawn from a distribution.
pub fn discounting(s: &Summary) -> String {
    if s.discount_rate.ends_with('%') {
        format!("discounted at {} a year", s.discount_rate)
    } else {
        format!("annual discount rate {}", s.discount_rate)
    }
}

/// The source line at the foot of every chart.
pub fn source(s: &Summary) -> String {
    format!(
        "Source: gatecast {} Monte Carlo simulation, {} runs (seed {}), {}-month horizon, scenario file {}",
        s.gatecast_version,
        thousands(s.iterations as f64),
        s.seed,
        s.horizon_months,
        s.scenario_file
    )
}

/// Draws the white page, header, legend and footer; returns the canvas
/// pixel rows `(top, bottom)` left for the plot.
pub fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Page,
) -> DrawResult<(i32, i32), DB> {
    page_with_source(root, p, &source(p.summary))
}

/// [`page`] with its own source line (a chart of several runs names them
/// all, not one summary's file).
pub fn page_with_source<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Page,
    source_line: &str,
) -> DrawResult<(i32, i32), DB> {
    root.fill(&WHITE)?;
    let (w, h) = canvas();
    let (left, right) = (px(MARGIN), w - px(MARGIN));
    let usable = right - left;
    let mut y = px(24);
    for (t, st) in title_lines(root, &p.title, usable)? {
        put(root, &t, &st, (left, y))?;
        y += px(46);
    }
    y += px(6);
    if !p.subtitle.is_empty() {
        let (t, st) = fit(root, &p.subtitle, SUBTITLE_SIZE, 15.0, usable, |z| {
            text(z, MUTED)
        })?;
        put(root, &t, &st, (left, y))?;
        y += px(36);
    }
    // facts in a row, wrapping when they do not fit
    let mut x = left;
    for (i, f) in p.facts.iter().enumerate() {
        let (t, st) = fit(root, &f.text, FACT_SIZE, 15.0, usable, |z| bold(z, f.color))?;
        let tw = width(root, &t, &st)?;
        if i > 0 && x + tw > right {
            x = left;
            y += px(34);
        }
        put(root, &t, &st, (x, y))?;
        x += tw + px(48);
    }
    if !p.facts.is_empty() {
        y += px(40);
    }
    if !p.legend.is_empty() {
        y = legend(root, &p.legend, left, y, right)? + px(6);
    }
    // footer, bottom up
    let mut fy = h - px(18);
    let foot = |z: f64| anchored(&text(z, MUTED), HPos::Left, VPos::Bottom);
    let (t, st) = fit(root, source_line, NOTE_SIZE, 12.0, usable, foot)?;
    put(root, &t, &st, (left, fy))?;
    for n in p.notes.iter().rev() {
        fy -= px(24);
        let (t, st) = fit(root, n, NOTE_SIZE, 12.0, usable, foot)?;
        put(root, &t, &st, (left, fy))?;
    }
    Ok((y, fy - px(28)))
}

/// The title on one line, shrunk down to 28 px if need be; else on two,
/// broken after the dash before the scenario's name (or between words).
fn title_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    max: i32,
) -> DrawResult<Vec<(String, TextStyle<'static>)>, DB> {
    let style = |z: f64| bold(z, INK);
    let (one, st) = fit(root, title, TITLE_SIZE, 28.0, max, style)?;
    if one == title {
        return Ok(vec![(one, st)]);
    }
    let size = 30.0;
    let (first, rest) = match title.split_once(" — ") {
        Some((what, name)) if width(root, &format!("{what} —"), &style(size))? <= max => {
            (format!("{what} —"), name.to_string())
        }
        _ => {
            let mut first = String::new();
            let mut words = title.split(' ').peekable();
            while let Some(w) = words.peek() {
                let next = if first.is_empty() {
                    w.to_string()
                } else {
                    format!("{first} {w}")
                };
                if width(root, &next, &style(size))? > max && !first.is_empty() {
                    break;
                }
                first = next;
                words.next();
            }
            (first, words.collect::<Vec<_>>().join(" "))
        }
    };
    let mut lines = vec![fit(root, &first, size, 22.0, max, style)?];
    if !rest.is_empty() {
        lines.push(fit(root, &rest, size, 22.0, max, style)?);
    }
    Ok(lines)
}

/// Draws legend entries in a row from `(x0, y0)`, wrapping before `right`;
/// returns the bottom of the last row.
pub fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
    x0: i32,
    y0: i32,
    right: i32,
) -> DrawResult<i32, DB> {
    let st = text(LEGEND_SIZE, INK);
    let (sw, row, gap, pad) = (px(32), px(32), px(36), px(10));
    let (mut x, mut y) = (x0, y0);
    for (swatch, label) in items {
        let tw = width(root, label, &st)?;
        if x > x0 && x + sw + pad + tw > right {
            x = x0;
            y += row;
        }
        let cy = y + px(12);
        match *swatch {
            Swatch::Fill(c) => {
                root.draw(&Rectangle::new(
                    [(x, cy - px(9)), (x + sw, cy + px(9))],
                    c.filled(),
                ))?;
            }
            Swatch::Line(c, lw) => {
                root.draw(&PathElement::new(
                    vec![(x, cy), (x + sw, cy)],
                    c.stroke_width(upx(lw)),
                ))?;
            }
            Swatch::Dashed(c, lw) => line(root, (x, cy), (x + sw, cy), c, lw, true)?,
        }
        put(root, label, &st, (x + sw + pad, y))?;
        x += sw + pad + tw + gap;
    }
    Ok(y + row)
}

// ---- plot frames, lines, labels -------------------------------------------

/// The plotting rectangle of a chart, in canvas pixels.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Frame {
    pub fn of<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(
        area: &DrawingArea<DB, CT>,
    ) -> Frame {
        let (x, y) = area.get_base_pixel();
        let (w, h) = area.dim_in_pixel();
        Frame {
            left: x,
            top: y,
            right: x + w as i32,
            bottom: y + h as i32,
        }
    }
}

/// A straight line of width `lw` (logical pixels), solid or dashed.
pub fn line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    to: (i32, i32),
    color: RGBColor,
    lw: u32,
    dashed: bool,
) -> DrawResult<(), DB> {
    let style = color.stroke_width(upx(lw));
    if !dashed {
        root.draw(&PathElement::new(vec![from, to], style))?;
        return Ok(());
    }
    let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
    let len = (dx * dx + dy * dy).sqrt();
    let (dash, space) = (px(4 * lw as i32) as f64, px(3 * lw as i32) as f64);
    let at = |u: f64| {
        (
            from.0 + (dx * u / len).round() as i32,
            from.1 + (dy * u / len).round() as i32,
        )
    };
    let mut t = 0.0;
    while t < len {
        let e = (t + dash).min(len);
        root.draw(&PathElement::new(vec![at(t), at(e)], style))?;
        t += dash + space;
    }
    Ok(())
}

/// Text on a white box so it reads over bars and bands; `left_top` is the
/// text's top left corner.
pub fn boxed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle<'static>,
    left_top: (i32, i32),
) -> DrawResult<(), DB> {
    let w = width(root, s, style)?;
    let h = (style.font.get_size() * 1.0) as i32;
    let (x, y) = left_top;
    root.draw(&Rectangle::new(
        [(x - px(6), y - px(3)), (x + w + px(6), y + h + px(3))],
        WHITE.filled(),
    ))?;
    put(root, s, style, (x, y))
}

/// Places labels of `widths` as near their `centers` as they can be, on one
/// row between `lo` and `hi`, at least `gap` apart; returns their left
/// edges, in the order given.
pub fn spread_labels(centers: &[f64], widths: &[f64], lo: f64, hi: f64, gap: f64) -> Vec<f64> {
    let n = centers.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| centers[*a].total_cmp(&centers[*b]).then(a.cmp(b)));
    let mut left: Vec<f64> = order
        .iter()
        .map(|&i| (centers[i] - widths[i] / 2.0).clamp(lo, (hi - widths[i]).max(lo)))
        .collect();
    for k in 1..n {
        let prev_right = left[k - 1] + widths[order[k - 1]] + gap;
        if left[k] < prev_right {
            left[k] = prev_right;
        }
    }
    for k in (0..n).rev() {
        let limit = if k + 1 < n {
            left[k + 1] - gap - widths[order[k]]
        } else {
            hi - widths[order[k]]
        };
        if left[k] > limit {
            left[k] = limit;
        }
    }
    if let Some(first) = left.first_mut() {
        if *first < lo {
            let shift = lo - *first;
            for l in &mut left {
                *l += shift;
            }
        }
    }
    let mut out = vec![0.0; n];
    for (k, &i) in order.iter().enumerate() {
        out[i] = left[k];
    }
    out
}

/// A labelled marker: a vertical line at canvas pixel `x` through the frame
/// and a label above it.
pub struct Marker {
    pub x: i32,
    pub label: String,
    pub color: RGBColor,
    pub dashed: bool,
    pub bold: bool,
    /// Line width in logical pixels.
    pub width: u32,
    /// `false` for a label with no line (a figure beyond the axis, said in
    /// words at the frame's edge).
    pub line: bool,
}

impl Marker {
    /// A dashed marker line with a regular label.
    pub fn dashed(x: i32, label: impl Into<String>, color: RGBColor) -> Marker {
        Marker {
            x,
            label: label.into(),
            color,
            dashed: true,
            bold: false,
            width: 2,
            line: true,
        }
    }

    /// A heavier dashed marker line with a bold label (a median).
    pub fn strong(x: i32, label: impl Into<String>, color: RGBColor) -> Marker {
        Marker {
            x,
            label: label.into(),
            color,
            dashed: true,
            bold: true,
            width: 3,
            line: true,
        }
    }

    /// A label with no line, at the frame's right edge.
    pub fn words(x: i32, label: impl Into<String>, color: RGBColor) -> Marker {
        Marker {
            x,
            label: label.into(),
            color,
            dashed: false,
            bold: true,
            width: 0,
            line: false,
        }
    }
}

/// Height of the lane above a frame that holds the marker labels (logical
/// pixels).
pub const LANE: i32 = 46;

/// Draws the markers' lines through the frame and their labels in the
/// lane above it, spread so that no two overlap, with a short leader where
/// a label had to move off its line.
pub fn markers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: Frame,
    ms: &[Marker],
) -> DrawResult<(), DB> {
    markers_from(root, frame, ms, frame.left - px(24))
}

/// [`markers`] with the labels kept right of canvas column `lo` (to clear a
/// caption in the lane).
pub fn markers_from<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: Frame,
    ms: &[Marker],
    lo: i32,
) -> DrawResult<(), DB> {
    let styles: Vec<TextStyle> = ms
        .iter()
        .map(|m| {
            if m.bold {
                bold(LABEL_SIZE, m.color)
            } else {
                text(LABEL_SIZE, m.color)
            }
        })
        .collect();
    let mut widths = Vec::new();
    for (m, st) in ms.iter().zip(&styles) {
        widths.push(width(root, &m.label, st)? as f64);
    }
    let centers: Vec<f64> = ms.iter().map(|m| m.x as f64).collect();
    let lefts = spread_labels(
        &centers,
        &widths,
        lo as f64,
        (frame.right + px(24)) as f64,
        px(20) as f64,
    );
    let label_y = frame.top - px(LANE) + px(2);
    let elbow = frame.top - px(10);
    for ((m, st), (l, w)) in ms.iter().zip(&styles).zip(lefts.iter().zip(&widths)) {
        let lx = l.round() as i32;
        if m.line {
            line(
                root,
                (m.x, frame.top),
                (m.x, frame.bottom),
                m.color,
                m.width,
                m.dashed,
            )?;
            // the leader meets the label at the point of it nearest the line
            let inset = (px(12) as f64).min(w / 2.0);
            let center = (m.x as f64).clamp(l + inset, l + w - inset).round() as i32;
            let path = if (center - m.x).abs() > px(2) {
                vec![(m.x, frame.top), (m.x, elbow), (center, elbow - px(6))]
            } else {
                vec![(m.x, frame.top), (m.x, elbow - px(6))]
            };
            root.draw(&PathElement::new(
                path,
                m.color.stroke_width(upx(m.width.min(2))),
            ))?;
        }
        put(root, &m.label, st, (lx, label_y))?;
    }
    Ok(())
}

// ---- axes ------------------------------------------------------------------

/// A linear axis from `lo` to `hi` with its tick values chosen here (no
/// minor grid lines), so every chart's ticks are round numbers.
#[derive(Debug, Clone)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Axis {
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis { lo, hi, ticks }
    }

    /// From the first tick to the last.
    pub fn over(ticks: Vec<f64>) -> Axis {
        let lo = ticks.first().copied().unwrap_or(0.0);
        let hi = ticks.last().copied().unwrap_or(1.0);
        Axis { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !span.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let u = (v - self.lo) / span;
        let px = limit.0 as f64 + (limit.1 - limit.0) as f64 * u;
        px.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks
                .iter()
                .copied()
                .filter(|t| *t >= self.lo.min(self.hi) - 1e-9 && *t <= self.hi.max(self.lo) + 1e-9)
                .collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Ticks at a "nice" step covering `[lo, hi]`, about `target` intervals
/// of it: the ticks and the step.
pub fn ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let target = target.max(1) as f64;
    let coarse = nice_step((hi - lo) / target);
    let fine = nice_below(coarse);
    let count = |step: f64| (hi / step - 1e-9).ceil() - (lo / step + 1e-9).floor();
    // the step whose number of intervals is nearest the target; the
    // coarser one on a tie
    let step = if (count(fine) - target).abs() < (count(coarse) - target).abs() {
        fine
    } else {
        coarse
    };
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    let t = (first..=last).map(|k| clean(k as f64 * step)).collect();
    (t, step)
}

/// The nice step just below a nice step.
fn nice_below(step: f64) -> f64 {
    let power = 10f64.powf(step.log10().floor());
    let m = (step / power * 10.0).round() / 10.0;
    let below = [1.0, 2.0, 2.5, 5.0, 10.0]
        .windows(2)
        .find(|w| (w[1] - m).abs() < 1e-6)
        .map_or(0.5, |w| w[0]);
    below * power
}

/// Rounds away float noise (0.30000000000000004 -> 0.3).
fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Month ticks from 0 to `h` at a step of 1, 2, 3, 6, 12 or 24 months
/// giving at most 13 ticks.
pub fn month_ticks(h: usize) -> Vec<f64> {
    let step = [1, 2, 3, 6, 12, 24, 60]
        .into_iter()
        .find(|s| h / s <= 12)
        .unwrap_or(120);
    let mut t: Vec<f64> = (0..=h).step_by(step).map(|m| m as f64).collect();
    if !h.is_multiple_of(step) && (h % step) * 2 >= step {
        t.push(h as f64);
    }
    t
}

/// Money tick labels sharing one suffix and one number of decimals, from
/// the ticks' step: `0`, `250k`, `500k` or `0.5M`, `1.0M`, `1.5M`.
pub fn money_ticks(ticks: &[f64], step: f64) -> impl Fn(&f64) -> String {
    let top = ticks.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let (unit, suffix) = if top >= 1e9 {
        (1e9, "B")
    } else if top >= 1e6 {
        (1e6, "M")
    } else if top >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let rel = step / unit;
    let decimals = (0..4)
        .find(|d| {
            let x = rel * 10f64.powi(*d);
            (x - x.round()).abs() < 1e-6
        })
        .unwrap_or(4) as usize;
    move |v: &f64| {
        let v = clean(*v);
        if v == 0.0 {
            return "0".into();
        }
        if unit == 1.0 {
            return thousands(v);
        }
        format!("{:.*}{suffix}", decimals, v / unit)
    }
}

/// Percent tick labels for shares on a 0-100 axis (`25%`).
pub fn percent_tick(v: &f64) -> String {
    let v = clean(*v);
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}%")
    } else {
        format!("{v:.1}%")
    }
}

/// Month tick labels (`12`).
pub fn month_tick(v: &f64) -> String {
    format!("{:.0}", v)
}

/// The width the y-axis label area needs for these tick labels and a
/// rotated axis title.
pub fn y_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl IntoIterator<Item = String>,
) -> DrawResult<i32, DB> {
    let st = text(TICK_SIZE, MUTED);
    let mut w = 0;
    for l in labels {
        w = w.max(width(root, &l, &st)?);
    }
    Ok(w + px(58))
}

/// Months as a marker label: `22.5 mo`.
pub fn mo(v: f64) -> String {
    format!("{v:.1} mo")
}

/// The house style of axes and grid: light horizontal grid lines, grey
/// axes, muted tick labels, dark axis titles.
pub fn style_mesh<'a, 'b, 'm, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    m: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB> {
    m.bold_line_style(GRID.stroke_width(upx(1)))
        .axis_style(AXIS.stroke_width(upx(1)))
        .label_style(text(TICK_SIZE, MUTED))
        .axis_desc_style(text(AXIS_TITLE_SIZE, INK))
        .set_all_tick_mark_size(px(6))
}

/// The band of the canvas between two pixel rows, for the plot.
pub fn body<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    top: i32,
    bottom: i32,
) -> DrawingArea<DB, Shift> {
    let (w, _) = canvas();
    root.clone()
        .shrink((0, top), (w as u32, (bottom - top).max(1) as u32))
}

/// A message in a white box in the middle of a frame (an empty plot).
pub fn message<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: Frame,
    msg: &str,
    color: RGBColor,
) -> DrawResult<(), DB> {
    let (m, st) = fit(root, msg, 28.0, 16.0, f.right - f.left - px(40), |z| {
        bold(z, color)
    })?;
    let w = width(root, &m, &st)?;
    let h = st.font.get_size() as i32;
    let (x, y) = ((f.left + f.right - w) / 2, (f.top + f.bottom - h) / 2);
    root.draw(&Rectangle::new(
        [(x - px(18), y - px(14)), (x + w + px(18), y + h + px(14))],
        WHITE.filled(),
    ))?;
    put(root, &m, &st, (x, y))
}

/// A right-hand axis drawn by hand (plotters' secondary axis crowds its
/// labels): tick marks and labels at canvas rows `ticks`, and a title
/// reading upwards, like the left axis's.
pub fn right_axis<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: Frame,
    ticks: &[(i32, String)],
    title: &str,
) -> DrawResult<(), DB> {
    root.draw(&PathElement::new(
        vec![(f.right, f.top), (f.right, f.bottom)],
        AXIS.stroke_width(upx(1)),
    ))?;
    let st = anchored(&text(TICK_SIZE, MUTED), HPos::Left, VPos::Center);
    let mut widest = 0;
    for (y, label) in ticks {
        root.draw(&PathElement::new(
            vec![(f.right, *y), (f.right + px(6), *y)],
            AXIS.stroke_width(upx(1)),
        ))?;
        put(root, label, &st, (f.right + px(10), *y))?;
        widest = widest.max(width(root, label, &st)?);
    }
    let desc = anchored(&text(AXIS_TITLE_SIZE, INK), HPos::Center, VPos::Top)
        .transform(FontTransform::Rotate270);
    root.draw_text(
        title,
        &desc,
        (f.right + px(10) + widest + px(16), (f.top + f.bottom) / 2),
    )?;
    Ok(())
}

/// The room a [`right_axis`] needs beside the frame (canvas pixels).
pub fn right_axis_room<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[&str],
) -> DrawResult<i32, DB> {
    let st = text(TICK_SIZE, MUTED);
    let mut w = 0;
    for l in labels {
        w = w.max(width(root, l, &st)?);
    }
    Ok(w + px(58))
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|n| m <= n + 1e-9)
        .unwrap_or(10.0);
    nice * power
}

/// An axis over `[lo, hi]` padded by 4% at each end (not at a bound of 0,
/// where bars start, unless `pad_zero`), with round ticks inside it: the
/// axis and the step.
pub fn padded(lo: f64, hi: f64, target: usize, pad_zero: bool) -> (Axis, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let pad = (hi - lo) * 0.04;
    let a = if lo == 0.0 && !pad_zero {
        0.0
    } else {
        lo - pad
    };
    let b = if hi == 0.0 && !pad_zero {
        0.0
    } else {
        hi + pad
    };
    let (t, step) = ticks(a, b, target);
    let inside: Vec<f64> = t
        .into_iter()
        .filter(|v| *v >= a - 1e-9 && *v <= b + 1e-9)
        .collect();
    (Axis::new(a, b, inside), step)
}

/// A marker label inside the frame, at its top, beside the line (right of
/// it, or left where it would run out of the frame), on a white box.
pub fn inside_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: Frame,
    x: i32,
    label: &str,
    color: RGBColor,
) -> DrawResult<(), DB> {
    line(root, (x, f.top), (x, f.bottom), color, 2, true)?;
    let st = text(LABEL_SIZE, color);
    let w = width(root, label, &st)?;
    let lx = if x + px(10) + w <= f.right {
        x + px(10)
    } else {
        x - px(10) - w
    };
    boxed(root, label, &st, (lx, f.top + px(6)))
}
