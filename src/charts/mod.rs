//! Board-ready charts (plotters), one module per chart, all fed by the one
//! [`Summary`] so they can never disagree with the other outputs.
//!
//! Every chart renders to SVG (for the HTML report and slides) and to PNG
//! (1600x900, 16:9). The PNG's text is drawn with the embedded DejaVu Sans,
//! so it looks the same on every machine; the SVG carries the subset of
//! DejaVu Sans its text uses ([`svg_font`]), with DejaVu Sans, Verdana (the
//! same metrics) and sans-serif named behind it. The look (palette,
//! type sizes, header, legend, axes) is defined once, in [`theme`].
//!
//! A chart is a type implementing [`Chart`]; [`render`] turns one into a
//! [`ChartFile`] and [`render_all`] runs the table of the per-scenario
//! charts. A new chart is one more module and, if it reads a [`Summary`], one
//! more line in [`CHARTS`]; the overlays of several runs read a
//! [`Compared`] and are drawn by [`render_comparison`].

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::summary::Summary;

mod cost_ramp;
mod cumulative;
mod funnel;
mod leading_lagging;
mod npv;
mod on_track;
pub mod overlay;
mod payback;
pub mod portfolio;
pub mod reforecast;
mod spider;
pub mod svg_font;
pub mod theme;
mod tornado;

pub use cost_ramp::CostRamp;
pub use cumulative::CumulativeNetCash;
pub use funnel::StageFunnel;
pub use leading_lagging::LeadingVsLagging;
pub use npv::NpvDistribution;
pub use on_track::OnTrackChart;
pub use overlay::{Compared, NpvOverlay, PaybackOverlay};
pub use payback::PaybackDistribution;
pub use spider::Spider;
pub use tornado::{Tornado, MAX_BARS as MAX_TORNADO_BARS};

/// A figure drawn on a chart (a P50 marker, the no-payback share...), kept
/// so tests can check that what is drawn equals what the summary says.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub label: String,
    /// `None` for a mark that reads in words, such as "beyond the horizon".
    pub value: Option<f64>,
}

impl Mark {
    pub fn new(label: impl Into<String>, value: Option<f64>) -> Mark {
        Mark {
            label: label.into(),
            value,
        }
    }
}

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct ChartFile {
    /// File stem, e.g. `payback-distribution`.
    pub name: &'static str,
    /// The chart's title as drawn.
    pub title: String,
    /// SVG document, when SVG was asked for.
    pub svg: Option<String>,
    /// PNG bytes, when PNG was asked for.
    pub png: Option<Vec<u8>>,
    pub marks: Vec<Mark>,
}

/// What drawing on a backend `DB` returns.
pub type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// One chart: its file stem, its title and how it draws itself on any
/// plotters backend (the same code makes the SVG and the PNG).
pub trait Chart {
    /// What the chart reads: a [`Summary`] for the per-scenario charts (a
    /// comparison chart would read a slice of them).
    type Input: ?Sized;
    /// File stem, e.g. `payback-distribution`.
    const NAME: &'static str;
    /// The title as drawn, naming the scenario.
    fn title(input: &Self::Input) -> String;
    /// Draws the whole chart on `root` (1600x900) and returns the figures
    /// it marked.
    fn draw<DB: DrawingBackend>(
        input: &Self::Input,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB>;
}

/// Renders one chart of a summary: `(summary, svg, png)`.
pub type Render = fn(&Summary, bool, bool) -> anyhow::Result<ChartFile>;

/// The per-scenario charts, in the order the report shows them.
pub const CHARTS: &[Render] = &[
    render::<PaybackDistribution>,
    render::<CumulativeNetCash>,
    render::<LeadingVsLagging>,
    render::<StageFunnel>,
    render::<NpvDistribution>,
    render::<CostRamp>,
];

/// Whether a summary has what a chart draws.
pub type Has = fn(&Summary) -> bool;

/// What on track looks like (MODEL.md 9.1), when the run kept checkpoints.
pub const ON_TRACK_CHARTS: &[(Render, Has)] = &[(render::<OnTrackChart>, |s| s.on_track.is_some())];

/// The charts of what drives the result, each with the test of whether the
/// summary has what it draws: the tornado when the run was analysed, the
/// spider when the analysis pinned inputs through their percentiles.
pub const SENSITIVITY_CHARTS: &[(Render, Has)] = &[
    (render::<Tornado>, |s| s.sensitivity.is_some()),
    (render::<Spider>, |s| {
        s.sensitivity.as_ref().is_some_and(|x| !x.spider.is_empty())
    }),
];

/// The charts of a run under actuals (see [`reforecast`]), each with the
/// test of whether the summary has what it draws.
pub const REFORECAST_CHARTS: &[(Render, Has)] = &[
    (render::<reforecast::ReforecastCash>, |s| {
        s.actuals.is_some()
    }),
    (render::<reforecast::ReforecastPayback>, |s| {
        s.actuals.is_some()
    }),
    (render::<reforecast::ReforecastLeading>, |s| {
        s.actuals.is_some()
    }),
    (render::<reforecast::ReforecastTornado>, |s| {
        s.actuals
            .as_ref()
            .is_some_and(|a| a.after.sensitivity.is_some())
    }),
];

/// Renders every chart for the summary in the formats asked for (side by
/// side; the bytes do not depend on the number of threads): the
/// [`CHARTS`], then those of [`ON_TRACK_CHARTS`], [`SENSITIVITY_CHARTS`]
/// and [`REFORECAST_CHARTS`] the summary has data for.
pub fn render_all(summary: &Summary, svg: bool, png: bool) -> anyhow::Result<Vec<ChartFile>> {
    let renders: Vec<Render> = CHARTS
        .iter()
        .copied()
        .chain(
            ON_TRACK_CHARTS
                .iter()
                .chain(SENSITIVITY_CHARTS)
                .chain(REFORECAST_CHARTS)
                .filter(|(_, has)| has(summary))
                .map(|(r, _)| *r),
        )
        .collect();
    renders
        .par_iter()
        .map(|render| render(summary, svg, png))
        .collect()
}

/// Renders the overlay charts of a comparison (a base and its stresses, or
/// several scenario files) side by side: the payback S-curves, then the NPV
/// distributions.
pub fn render_comparison(
    compared: &Compared,
    svg: bool,
    png: bool,
) -> anyhow::Result<Vec<ChartFile>> {
    let (payback, npv) = rayon::join(
        || render::<PaybackOverlay>(compared, svg, png),
        || render::<NpvOverlay>(compared, svg, png),
    );
    Ok(vec![payback?, npv?])
}

/// Renders one chart as SVG and/or PNG. The marks come from the drawing
/// itself (an SVG is drawn and dropped when neither format is asked for).
pub fn render<C: Chart>(input: &C::Input, svg: bool, png: bool) -> anyhow::Result<ChartFile> {
    theme::register_fonts()?;
    let (w, h) = theme::SIZE;
    let mut marks = Vec::new();
    let mut svg_text = None;
    if svg || !png {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
            marks = C::draw(input, &root).map_err(|e| draw_error::<C>(&e))?;
            root.present().map_err(|e| draw_error::<C>(&e))?;
        }
        if svg {
            svg_text = Some(svg_font::embed(&text).map_err(|e| draw_error::<C>(&e))?);
        }
    }
    let mut png_bytes = None;
    if png {
        let k = theme::SUPERSAMPLE as u32;
        let (bw, bh) = (w * k, h * k);
        // the supersampled canvas (17 MB) is kept for the thread's next
        // chart: fresh, its pages would all be faulted in and zeroed again
        let mut big = CANVAS.with_borrow_mut(std::mem::take);
        big.clear();
        big.resize(bw as usize * bh as usize * 3, 0);
        {
            let _scale = theme::Scale::set(theme::SUPERSAMPLE, true);
            let root = BitMapBackend::with_buffer(&mut big, (bw, bh)).into_drawing_area();
            let drawn = C::draw(input, &root).map_err(|e| draw_error::<C>(&e))?;
            root.present().map_err(|e| draw_error::<C>(&e))?;
            if svg_text.is_none() {
                marks = drawn;
            }
        }
        let rgb = downsample(&big, bw as usize, bh as usize, k as usize);
        CANVAS.with_borrow_mut(|kept| *kept = big);
        png_bytes = Some(encode_png(&rgb, w, h)?);
    }
    Ok(ChartFile {
        name: C::NAME,
        title: C::title(input),
        svg: svg_text,
        png: png_bytes,
        marks,
    })
}

fn draw_error<C: Chart>(e: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("cannot draw the {} chart: {e}", C::NAME)
}

thread_local! {
    /// A worker thread's supersampled PNG canvas, between charts.
    static CANVAS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Averages each `k` x `k` block of an RGB8 buffer `w` x `h`.
fn downsample(big: &[u8], w: usize, h: usize, k: usize) -> Vec<u8> {
    let (sw, sh) = (w / k, h / k);
    let mut out = vec![0u8; sw * sh * 3];
    let row = w * 3;
    if k == 2 {
        // add the two rows, then the pixel pairs: both loops vectorise
        let mut pair = vec![0u16; row];
        for (y, o_row) in out.chunks_exact_mut(sw * 3).enumerate() {
            let (r0, r1) = big[2 * y * row..(2 * y + 2) * row].split_at(row);
            for ((p, a), b) in pair.iter_mut().zip(r0).zip(r1) {
                *p = *a as u16 + *b as u16;
            }
            for (o, p) in o_row.chunks_exact_mut(3).zip(pair.chunks_exact(6)) {
                o[0] = ((p[0] + p[3] + 2) >> 2) as u8;
                o[1] = ((p[1] + p[4] + 2) >> 2) as u8;
                o[2] = ((p[2] + p[5] + 2) >> 2) as u8;
            }
        }
        return out;
    }
    let n = (k * k) as u32;
    for (y, o_row) in out.chunks_exact_mut(sw * 3).enumerate().take(sh) {
        for (x, o) in o_row.chunks_exact_mut(3).enumerate() {
            let mut sum = [0u32; 3];
            for dy in 0..k {
                let start = (y * k + dy) * row + x * k * 3;
                for p in big[start..start + k * 3].chunks_exact(3) {
                    for c in 0..3 {
                        sum[c] += p[c] as u32;
                    }
                }
            }
            for c in 0..3 {
                o[c] = ((sum[c] + n / 2) / n) as u8;
            }
        }
    }
    out
}

/// RGB8 pixels to PNG bytes, with 150 pixels per inch recorded so that a
/// 1600-pixel chart pastes onto a slide at a sensible 10.7 inches.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 5906,
            yppu: 5906,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}
