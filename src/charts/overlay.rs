//! Overlay charts of several runs, one line each: a base and its stress
//! tests (on the same random numbers), or several scenario files run on
//! one seed. [`PaybackOverlay`] draws the payback S-curves (the chance of
//! having paid back by each month), [`NpvOverlay`] the NPV distributions as
//! the chance of an NPV at least as high as each amount. Both mark each
//! run's median with a dot where its line crosses 50%, and name each run in
//! a legend with its key figures.

use std::marker::PhantomData;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::theme::{self, px, upx, Axis, Fact, Frame, Marker, Page};
use super::{Chart, DrawResult, Mark};
use crate::format::{money_short, pct, thousands};
use crate::summary::Summary;

/// The lines' colours, told apart on a slide and by most colour-blind
/// readers; a ninth line and beyond repeat them dashed.
pub const COLORS: [RGBColor; 8] = [
    theme::NAVY,
    theme::ORANGE,
    theme::TEAL,
    theme::RED,
    RGBColor(0x7b, 0x4f, 0x9d),
    RGBColor(0x6b, 0x8e, 0x23),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x6b, 0x77, 0x85),
];

/// What a comparison compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first run is the base, the others its stress tests, all on the
    /// same random numbers: the base is drawn first and heaviest.
    Stresses,
    /// Scenario files run on the same seed and number of iterations.
    Scenarios,
    /// The plan (`runs[0]`) and its re-forecast from actuals (`runs[1]`):
    /// the plan's futures, and the re-forecast's (drawn from the plan with
    /// the gate outcomes the facts fix pinned) weighted by how well they
    /// agree with the actuals.
    Reforecast,
    /// The initiatives of a programme (`gatecast portfolio`), each on the
    /// programme's clock and under its own seed.
    Initiatives,
}

/// One line of an overlay chart.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    /// The name in full, as the comparison table has it.
    pub name: String,
    /// A shorter name (the file stem), for when the full one does not fit.
    pub short: String,
    pub summary: &'a Summary,
}

/// The runs an overlay chart draws, in legend order (the base first).
#[derive(Debug, Clone)]
pub struct Compared<'a> {
    pub kind: Kind,
    pub runs: Vec<Run<'a>>,
}

impl<'a> Compared<'a> {
    /// A base and its stress tests: `runs[0]` is the base.
    pub fn stresses(runs: &'a [(String, Summary)]) -> Compared<'a> {
        Compared {
            kind: Kind::Stresses,
            runs: runs
                .iter()
                .map(|(name, s)| Run {
                    name: name.clone(),
                    short: name.clone(),
                    summary: s,
                })
                .collect(),
        }
    }

    /// Several scenario files: `(full name, file stem, summary)` each.
    pub fn scenarios(runs: &[(String, String, &'a Summary)]) -> Compared<'a> {
        Compared {
            kind: Kind::Scenarios,
            runs: runs
                .iter()
                .map(|(name, short, s)| Run {
                    name: name.clone(),
                    short: short.clone(),
                    summary: s,
                })
                .collect(),
        }
    }

    /// A programme's initiatives: `(name, summary)` each, on its clock.
    pub fn initiatives(runs: &[(String, &'a Summary)]) -> Compared<'a> {
        Compared {
            kind: Kind::Initiatives,
            runs: runs
                .iter()
                .map(|(name, s)| Run {
                    name: name.clone(),
                    short: name.clone(),
                    summary: s,
                })
                .collect(),
        }
    }

    /// What the title says is compared.
    fn label(&self) -> String {
        match (self.kind, self.runs.first()) {
            (Kind::Stresses, Some(base)) => {
                format!("{}: base and stress tests", base.summary.scenario)
            }
            (Kind::Reforecast, Some(plan)) => {
                format!("{}: the plan and the re-forecast", plan.summary.scenario)
            }
            (Kind::Initiatives, _) => {
                format!("{} initiatives on the programme's clock", self.runs.len())
            }
            _ => format!("{} scenarios", self.runs.len()),
        }
    }

    /// The source line: the runs' size, seed and files.
    fn source(&self) -> String {
        let Some(first) = self.runs.first() else {
            return String::new();
        };
        let s = first.summary;
        let horizons = self.horizons();
        let horizon = if horizons.0 == horizons.1 {
            format!("{}-month horizon", horizons.1)
        } else {
            format!("{}- to {}-month horizons", horizons.0, horizons.1)
        };
        match self.kind {
            Kind::Reforecast => format!(
                "Source: gatecast {} Monte Carlo simulation, the plan on {} runs, the re-forecast on {} futures weighted by the actuals (seed {}), {horizon}, scenario file {}",
                s.gatecast_version,
                thousands(s.iterations as f64),
                thousands(self.runs.get(1).map_or(0, |r| r.summary.iterations) as f64),
                s.seed,
                s.scenario_file
            ),
            Kind::Stresses => format!(
                "Source: gatecast {} Monte Carlo simulation, {} runs per line on the same random numbers (seed {}), {horizon}, scenario file {}",
                s.gatecast_version,
                thousands(s.iterations as f64),
                s.seed,
                s.scenario_file
            ),
            Kind::Initiatives => format!(
                "Source: gatecast {} Monte Carlo simulation, {} runs of the programme, each initiative on its own seed (initiatives.csv), {horizon}",
                s.gatecast_version,
                thousands(s.iterations as f64),
            ),
            Kind::Scenarios => {
                // the files' names without their folders, to fit the line
                let files: Vec<String> = self
                    .runs
                    .iter()
                    .map(|r| {
                        let f = &r.summary.scenario_file;
                        std::path::Path::new(f)
                            .file_name()
                            .map_or(f.clone(), |n| n.to_string_lossy().to_string())
                    })
                    .collect();
                format!(
                    "Source: gatecast {} Monte Carlo simulation, {} runs per scenario (seed {}), {horizon}, files {}",
                    s.gatecast_version,
                    thousands(s.iterations as f64),
                    s.seed,
                    files.join(", ")
                )
            }
        }
    }

    /// The shortest and longest horizon, in months.
    fn horizons(&self) -> (usize, usize) {
        let hs = self.runs.iter().map(|r| r.summary.horizon_months);
        (
            hs.clone().min().unwrap_or(36),
            hs.max().unwrap_or(36).max(1),
        )
    }

    /// How run `k` is drawn: the base of a stress comparison heavier and
    /// first, every line in its own colour.
    fn pen(&self, k: usize) -> Pen {
        let (slot, width) = match self.kind {
            Kind::Stresses if k == 0 => (0, 6),
            Kind::Stresses => (1 + (k - 1) % (COLORS.len() - 1), 3),
            Kind::Scenarios | Kind::Initiatives => (k % COLORS.len(), 4),
            // the plan grey and dashed, the re-forecast heavy
            Kind::Reforecast if k == 0 => {
                return Pen {
                    color: COLORS[7],
                    width: 4,
                    dashed: true,
                }
            }
            Kind::Reforecast => (0, 6),
        };
        let round = match self.kind {
            Kind::Stresses if k > 0 => (k - 1) / (COLORS.len() - 1),
            _ => k / COLORS.len(),
        };
        Pen {
            color: COLORS[slot],
            width,
            dashed: round % 2 == 1,
        }
    }
}

/// How one line is drawn.
#[derive(Debug, Clone, Copy)]
struct Pen {
    color: RGBColor,
    /// Logical pixels.
    width: u32,
    dashed: bool,
}

/// The summary's own P(payback within `m` months), for the months it
/// states: 12, 24, 36 and the horizon.
fn stated_within(s: &Summary, m: f64) -> Option<f64> {
    let p = &s.payback;
    if m == s.horizon_months as f64 {
        return Some(p.p_within_horizon.value);
    }
    if m == 12.0 {
        Some(p.p_within_12_months.value)
    } else if m == 24.0 {
        Some(p.p_within_24_months.value)
    } else if m == 36.0 {
        p.p_within_36_months.map(|x| x.value)
    } else {
        None
    }
}

/// One run's payback S-curve: `(m, share of all runs paid back by month
/// m)` at every whole month from 0 to the horizon, from the summary's
/// payback histogram (one-month bins; runs with no payback count in no
/// bin, so the curve ends below 1 by their share).
///
/// # Formula
///
/// At 12, 24 and 36 months and at the horizon the value is the summary's
/// own P(payback <= m); at the other months it is the share of runs paying
/// back before month m (the sum of the bins below m over all runs). The two
/// differ only by the runs paying back at exactly month m, so the curve
/// never falls.
pub fn payback_curve(s: &Summary) -> Vec<(f64, f64)> {
    let hist = &s.payback_histogram;
    let total = hist.total.max(1) as f64;
    let mut out = vec![(hist.lo, 0.0)];
    let mut paid = 0u64;
    for (i, c) in hist.counts.iter().enumerate() {
        paid += c;
        let m = hist.lo + (i + 1) as f64 * hist.width;
        out.push((m, stated_within(s, m).unwrap_or(paid as f64 / total)));
    }
    out
}

/// One run's NPV curve: `(x, share of all runs with an NPV of at least x)`
/// at each edge of the summary's NPV bins (its P1 to P99, so the curve
/// runs from about 0.99 down to about 0.01).
///
/// # Formula
///
/// At edge `x`: `1 - (runs below the bins + runs in the bins left of x) /
/// all runs`; at the last edge, the share of runs above the bins.
pub fn npv_exceedance(s: &Summary) -> Vec<(f64, f64)> {
    let hist = &s.npv_histogram;
    let total = hist.total.max(1) as f64;
    let mut below = hist.below;
    let mut out = vec![(hist.lo, 1.0 - below as f64 / total)];
    for (i, c) in hist.counts.iter().enumerate() {
        below += c;
        let x = hist.lo + (i + 1) as f64 * hist.width;
        out.push((x, 1.0 - below as f64 / total));
    }
    out
}

/// A curve's value at `x` by linear interpolation; `None` off its ends.
pub fn curve_at(curve: &[(f64, f64)], x: f64) -> Option<f64> {
    let i = curve.partition_point(|p| p.0 < x);
    let b = curve.get(i)?;
    if b.0 == x {
        return Some(b.1);
    }
    let a = curve.get(i.checked_sub(1)?)?;
    let u = (x - a.0) / (b.0 - a.0);
    Some(a.1 + (b.1 - a.1) * u)
}

/// A change in a share as points: `+5 points`, `-0.4 points`.
fn points(d: f64) -> String {
    let x = d * 100.0;
    if x.abs() < 9.95 {
        format!("{x:+.1} points")
    } else {
        format!("{x:+.0} points")
    }
}

/// A legend entry: the line, the run's name and its key figures.
struct Entry {
    pen: Pen,
    name: String,
    short: String,
    detail: String,
}

/// Draws a straight or dashed line through canvas points.
fn polyline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    pen: Pen,
) -> DrawResult<(), DB> {
    let style = pen.color.stroke_width(upx(pen.width));
    if !pen.dashed {
        root.draw(&PathElement::new(pts.to_vec(), style))?;
        return Ok(());
    }
    let dash = px(4 * pen.width as i32) as f64;
    let period = dash + px(3 * pen.width as i32) as f64;
    let mut along = 0.0;
    for seg in pts.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let len = (dx * dx + dy * dy).sqrt();
        let at = |u: f64| {
            (
                a.0 + (dx * u / len).round() as i32,
                a.1 + (dy * u / len).round() as i32,
            )
        };
        let mut t = 0.0;
        while t < len {
            let phase = (along + t) % period;
            if phase < dash {
                let e = (t + dash - phase).min(len);
                root.draw(&PathElement::new(vec![at(t), at(e)], style))?;
                t = e;
            } else {
                t += period - phase;
            }
        }
        along += len;
    }
    Ok(())
}

/// A run's median as a dot on its line: its colour ringed in white.
fn dot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    color: RGBColor,
) -> DrawResult<(), DB> {
    root.draw(&Circle::new(at, upx(9), theme::WHITE.filled()))?;
    root.draw(&Circle::new(at, upx(7), color.filled()))?;
    root.draw(&Circle::new(at, upx(3), theme::WHITE.filled()))?;
    Ok(())
}

/// Draws the legend as a grid from row `y0`: as many columns as fit every
/// full name with its figures, in at most four rows (more for more than
/// eight lines); else the short names; else names cut short. Returns the
/// row below it.
fn legend_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    y0: i32,
) -> DrawResult<i32, DB> {
    let n = entries.len();
    if n == 0 {
        return Ok(y0);
    }
    let (cw, _) = theme::canvas();
    let left = px(theme::MARGIN);
    let usable = cw - 2 * left;
    let name_st = theme::bold(theme::LEGEND_SIZE, theme::INK);
    let detail_st = theme::text(theme::LEGEND_SIZE, theme::MUTED);
    let (sw, pad, inner, gap, row) = (px(40), px(10), px(14), px(36), px(31));
    let mut widths = Vec::new();
    for e in entries {
        widths.push((
            theme::width(root, &e.name, &name_st)?,
            theme::width(root, &e.short, &name_st)?,
            theme::width(root, &e.detail, &detail_st)?,
        ));
    }
    let cell = |cols: usize| (usable - (cols as i32 - 1) * gap) / cols as i32;
    // four rows at most, five for nine or ten lines, and so on
    let max_rows = 4.max(n.div_ceil(2));
    let mut layout = None;
    'search: for short in [false, true] {
        for cols in (1..=n.min(4)).rev() {
            if n.div_ceil(cols) > max_rows {
                continue;
            }
            let fits = widths.iter().all(|(full, sh, d)| {
                let name = if short { *sh } else { *full };
                sw + pad + name + inner + d <= cell(cols)
            });
            if fits {
                layout = Some((cols, short));
                break 'search;
            }
        }
    }
    let (cols, short) = layout.unwrap_or((n.div_ceil(max_rows).clamp(1, 2), true));
    let cw_cell = cell(cols);
    // the figures start in one column, after the widest name that fits
    let name_w = |w: &(i32, i32, i32)| if short { w.1 } else { w.0 };
    let widest = widths
        .iter()
        .filter(|w| sw + pad + name_w(w) + inner + w.2 <= cw_cell)
        .map(name_w)
        .max()
        .unwrap_or(0);
    for (i, (e, (_, _, dw))) in entries.iter().zip(&widths).enumerate() {
        let x = left + (i % cols) as i32 * (cw_cell + gap);
        let y = y0 + (i / cols) as i32 * row;
        let cy = y + px(12);
        let pen = Pen {
            width: e.pen.width.min(5),
            ..e.pen
        };
        polyline(root, &[(x, cy), (x + sw, cy)], pen)?;
        let name = if short { &e.short } else { &e.name };
        let room = (cw_cell - sw - pad - inner - dw).max(px(120));
        let (name, st) = theme::fit(root, name, theme::LEGEND_SIZE, 14.0, room, |z| {
            theme::bold(z, theme::INK)
        })?;
        let nx = x + sw + pad;
        theme::put(root, &name, &st, (nx, y))?;
        let drawn = theme::width(root, &name, &st)?;
        let dx = if drawn <= widest && nx + widest + inner + dw <= x + cw_cell {
            nx + widest + inner
        } else {
            nx + drawn + inner
        };
        let (detail, dst) = theme::fit(
            root,
            &e.detail,
            theme::LEGEND_SIZE,
            13.0,
            (x + cw_cell - dx).max(px(60)),
            |z| theme::text(z, theme::MUTED),
        )?;
        theme::put(root, &detail, &dst, (dx, y))?;
    }
    Ok(y0 + n.div_ceil(cols) as i32 * row + px(4))
}

/// A page with no runs on it says so.
fn nothing<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> DrawResult<Vec<Mark>, DB> {
    root.fill(&theme::WHITE)?;
    let (cw, ch) = theme::canvas();
    let f = Frame {
        left: 0,
        top: 0,
        right: cw,
        bottom: ch,
    };
    theme::message(root, f, "No runs to compare", theme::MUTED)?;
    Ok(vec![])
}

/// The 50% line across the frame, dashed.
fn half_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: Frame,
    y: i32,
) -> DrawResult<(), DB> {
    theme::line(root, (f.left, y), (f.right, y), theme::MUTED, 2, true)
}

/// The payback S-curves of the runs compared.
pub struct PaybackOverlay<'a>(PhantomData<&'a ()>);

impl<'a> Chart for PaybackOverlay<'a> {
    type Input = Compared<'a>;
    const NAME: &'static str = "compare-payback";

    fn title(c: &Compared<'a>) -> String {
        format!("Chance of payback by month — {}", c.label())
    }

    fn draw<DB: DrawingBackend>(
        c: &Compared<'a>,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let runs = &c.runs;
        let Some(first) = runs.first() else {
            return nothing(root);
        };
        let (h_min, h_max) = c.horizons();
        let curves: Vec<Vec<(f64, f64)>> = runs.iter().map(|r| payback_curve(r.summary)).collect();
        let within = |r: &Run| r.summary.payback.p_within_horizon.value;
        let median = |r: &Run| match r.summary.payback.p50.value {
            Some(m) => format!("median {}", theme::mo(m)),
            None => "median beyond the horizon".into(),
        };

        // the figure every fact compares: the chance of payback by the
        // shortest horizon, which every line reaches
        let by = |k: usize| curve_at(&curves[k], h_min as f64).unwrap_or(0.0);
        let mut facts = Vec::new();
        match c.kind {
            Kind::Reforecast if runs.len() == 2 => {
                facts.push(Fact::new(
                    format!(
                        "Re-forecast: {} pay back within {h_min} months ({})",
                        pct(by(1)),
                        median(&runs[1])
                    ),
                    theme::NAVY,
                ));
                facts.push(Fact::new(
                    format!(
                        "The plan: {} ({}); the actuals move it {}",
                        pct(by(0)),
                        median(&runs[0]),
                        points(by(1) - by(0))
                    ),
                    theme::INK,
                ));
            }
            Kind::Stresses => {
                facts.push(Fact::new(
                    format!(
                        "Base: {} pay back within {h_min} months ({})",
                        pct(by(0)),
                        median(&runs[0])
                    ),
                    theme::NAVY,
                ));
                let biggest = (1..runs.len())
                    .max_by(|a, b| (by(*a) - by(0)).abs().total_cmp(&(by(*b) - by(0)).abs()));
                if let Some(k) = biggest {
                    facts.push(Fact::new(
                        format!(
                            "Largest change: {}, {} within {h_min} months ({})",
                            runs[k].name,
                            pct(by(k)),
                            points(by(k) - by(0))
                        ),
                        theme::INK,
                    ));
                }
            }
            _ if runs.len() > 1 => {
                let soonest = (0..runs.len())
                    .filter(|k| runs[*k].summary.payback.p50.value.is_some())
                    .min_by(|a, b| {
                        let m = |k: &usize| runs[*k].summary.payback.p50.value.unwrap_or(f64::MAX);
                        m(a).total_cmp(&m(b))
                    });
                if let Some(k) = soonest {
                    facts.push(Fact::new(
                        format!("Soonest: {} ({})", runs[k].short, median(&runs[k])),
                        theme::NAVY,
                    ));
                }
                let least = (0..runs.len()).min_by(|a, b| by(*a).total_cmp(&by(*b)));
                if let Some(k) = least {
                    facts.push(Fact::new(
                        format!(
                            "Least likely to pay back within {h_min} months: {} ({})",
                            runs[k].short,
                            pct(by(k))
                        ),
                        theme::RED,
                    ));
                }
            }
            _ => {}
        }
        let entries: Vec<Entry> = runs
            .iter()
            .enumerate()
            .map(|(k, r)| Entry {
                pen: c.pen(k),
                name: r.name.clone(),
                short: r.short.clone(),
                detail: format!(
                    "{} · {} by month {}",
                    median(r),
                    pct(within(r)),
                    r.summary.horizon_months
                ),
            })
            .collect();
        let mut notes = vec![
            "A line ends below 100% by the share of runs with no payback within the horizon; the figure at its end is the share paid back by then.".to_string(),
        ];
        if c.kind == Kind::Reforecast {
            notes.push("The plan counts its own futures alike; the re-forecast weighs futures drawn from the plan (the gate outcomes the facts fix drawn as stated) by how well each agrees with the actuals.".into());
        }
        if c.kind == Kind::Stresses {
            notes.push("Each stress reruns the base's futures with one change, so the gap between two lines is the effect of that change alone.".into());
        }
        let page = Page {
            title: Self::title(c),
            subtitle: format!(
                "Share of runs whose cumulative net cash is back to zero by each month; a dot marks each median payback{}",
                match c.kind {
                    Kind::Scenarios => ", every file run on the same seed",
                    Kind::Initiatives => "; months count from the programme's start",
                    _ => "",
                }
            ),
            facts,
            legend: vec![],
            notes,
            summary: first.summary,
        };
        let (top, bottom) = theme::page_with_source(root, &page, &c.source())?;
        let top = legend_grid(root, &entries, top)?;

        let y_ticks = vec![0.0, 25.0, 50.0, 75.0, 100.0];
        let left_w = theme::y_area(root, y_ticks.iter().map(theme::percent_tick))?;
        let end_st = theme::bold(theme::LABEL_SIZE, theme::INK);
        let end_w = theme::width(root, "100%", &end_st)? + px(28);
        let body = theme::body(root, top, bottom);
        let hf = h_max as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN) + end_w)
            .margin_top(px(16))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(0.0, hf, theme::month_ticks(h_max)),
                Axis::new(0.0, 100.0, y_ticks),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc(if c.kind == Kind::Initiatives {
                "Month of the programme"
            } else {
                "Months from the start of the first stage"
            })
            .y_desc("Chance of having paid back")
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let frame = Frame::of(chart.plotting_area());
        let to_px = |p: (f64, f64)| chart.backend_coord(&(p.0, p.1 * 100.0));
        // a light line at each year
        for year in (12..h_max).step_by(12) {
            let x = to_px((year as f64, 0.0)).0;
            root.draw(&PathElement::new(
                vec![(x, frame.top), (x, frame.bottom)],
                theme::GRID.stroke_width(upx(2)),
            ))?;
        }
        half_line(root, frame, to_px((0.0, 0.5)).1)?;
        for (k, curve) in curves.iter().enumerate() {
            let pts: Vec<(i32, i32)> = curve.iter().map(|p| to_px(*p)).collect();
            polyline(root, &pts, c.pen(k))?;
        }
        for (k, r) in runs.iter().enumerate() {
            if let Some(m) = r.summary.payback.p50.value {
                dot(root, to_px((m, 0.5)), c.pen(k).color)?;
            }
        }
        // each line's share paid back by its horizon, right of the frame
        let lh = px(theme::LABEL_SIZE as i32 + 4) as f64;
        let ends: Vec<(i32, i32)> = curves
            .iter()
            .map(|cv| to_px(*cv.last().unwrap_or(&(0.0, 0.0))))
            .collect();
        let centers: Vec<f64> = ends.iter().map(|e| e.1 as f64).collect();
        let tops = theme::spread_labels(
            &centers,
            &vec![lh; ends.len()],
            (frame.top - px(10)) as f64,
            (frame.bottom + px(10)) as f64,
            px(2) as f64,
        );
        for (k, (r, t)) in runs.iter().zip(&tops).enumerate() {
            let color = c.pen(k).color;
            let ly = (t + lh / 2.0).round() as i32;
            let (ex, ey) = ends[k];
            let x0 = frame.right + px(8);
            if ex >= frame.right - px(1) {
                root.draw(&PathElement::new(
                    vec![(frame.right + px(1), ey), (x0 + px(4), ly)],
                    color.stroke_width(upx(1)),
                ))?;
            }
            let st = theme::anchored(
                &theme::bold(theme::LABEL_SIZE, color),
                HPos::Left,
                VPos::Center,
            );
            theme::put(root, &pct(within(r)), &st, (x0 + px(8), ly))?;
        }
        if curves.iter().all(|cv| cv.iter().all(|p| p.1 == 0.0)) {
            let msg = "No run of any line paid back within its horizon";
            theme::message(root, frame, msg, theme::RED)?;
        }

        let mut marks = Vec::new();
        for (r, curve) in runs.iter().zip(&curves) {
            for m in [12.0, 24.0, 36.0] {
                if m <= r.summary.horizon_months as f64 {
                    marks.push(Mark::new(
                        format!("{}: by month {m:.0}", r.name),
                        curve_at(curve, m),
                    ));
                }
            }
            marks.push(Mark::new(
                format!("{}: median", r.name),
                r.summary.payback.p50.value,
            ));
            marks.push(Mark::new(
                format!("{}: by the horizon", r.name),
                curve.last().map(|p| p.1),
            ));
        }
        Ok(marks)
    }
}

/// The NPV distributions of the runs compared, as the chance of an NPV at
/// least as high as each amount.
pub struct NpvOverlay<'a>(PhantomData<&'a ()>);

impl<'a> Chart for NpvOverlay<'a> {
    type Input = Compared<'a>;
    const NAME: &'static str = "compare-npv";

    fn title(c: &Compared<'a>) -> String {
        format!("NPV distributions compared — {}", c.label())
    }

    fn draw<DB: DrawingBackend>(
        c: &Compared<'a>,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let runs = &c.runs;
        let Some(first) = runs.first() else {
            return nothing(root);
        };
        let curves: Vec<Vec<(f64, f64)>> = runs.iter().map(|r| npv_exceedance(r.summary)).collect();
        let mut currencies: Vec<&str> = Vec::new();
        for r in runs {
            if !currencies.contains(&r.summary.currency.as_str()) {
                currencies.push(&r.summary.currency);
            }
        }
        let mixed = currencies.len() > 1;
        let positive = |k: usize| runs[k].summary.npv.p_positive.value;
        let p50 = |k: usize| runs[k].summary.npv.spread.p50.value;
        let money = |k: usize, v: Option<f64>| {
            v.map_or("n/a".into(), |v| money_short(v, &runs[k].summary.currency))
        };

        let mut facts = Vec::new();
        if mixed {
            facts.push(Fact::new(
                format!(
                    "Mixed currencies ({}): each line in its own, not converted",
                    currencies.join(", ")
                ),
                theme::RED,
            ));
        }
        match c.kind {
            Kind::Stresses => {
                facts.push(Fact::new(
                    format!(
                        "Base: median NPV {}, P(NPV > 0) = {}",
                        money(0, p50(0)),
                        pct(positive(0))
                    ),
                    theme::NAVY,
                ));
                let shift = |k: usize| match (p50(k), p50(0)) {
                    (Some(a), Some(b)) => a - b,
                    _ => 0.0,
                };
                let biggest =
                    (1..runs.len()).max_by(|a, b| shift(*a).abs().total_cmp(&shift(*b).abs()));
                if let Some(k) = biggest {
                    let d = shift(k);
                    facts.push(Fact::new(
                        format!(
                            "Largest change: {}, median NPV {} ({}{})",
                            runs[k].name,
                            money(k, p50(k)),
                            if d < 0.0 { "-" } else { "+" },
                            money(k, Some(d.abs()))
                        ),
                        theme::INK,
                    ));
                }
            }
            _ if runs.len() > 1 => {
                let most = (0..runs.len()).max_by(|a, b| positive(*a).total_cmp(&positive(*b)));
                let least = (0..runs.len()).min_by(|a, b| positive(*a).total_cmp(&positive(*b)));
                if let (Some(m), Some(l)) = (most, least) {
                    facts.push(Fact::new(
                        format!(
                            "Most likely to create value: {} (P(NPV > 0) = {})",
                            runs[m].short,
                            pct(positive(m))
                        ),
                        theme::GREEN,
                    ));
                    facts.push(Fact::new(
                        format!("Least likely: {} ({})", runs[l].short, pct(positive(l))),
                        theme::RED,
                    ));
                }
            }
            _ => {}
        }
        let entries: Vec<Entry> = runs
            .iter()
            .enumerate()
            .map(|(k, r)| Entry {
                pen: c.pen(k),
                name: r.name.clone(),
                short: r.short.clone(),
                detail: format!(
                    "median {} · P(NPV > 0) {}",
                    money(k, p50(k)),
                    pct(positive(k))
                ),
            })
            .collect();
        let rates: Vec<&str> = runs
            .iter()
            .map(|r| r.summary.discount_rate.as_str())
            .collect();
        let discounting = if rates.iter().all(|x| *x == rates[0]) {
            theme::discounting(first.summary)
        } else {
            "each at its own discount rate".into()
        };
        let page = Page {
            title: Self::title(c),
            subtitle: format!(
                "Chance of a net present value at least as high as each amount ({discounting}); a dot marks each median"
            ),
            facts,
            legend: vec![],
            notes: vec![
                "Further right is more value. Where a line crosses NPV = 0 reads its chance of creating value; each line spans its runs' P1 to P99.".into(),
            ],
            summary: first.summary,
        };
        let (top, bottom) = theme::page_with_source(root, &page, &c.source())?;
        let top = legend_grid(root, &entries, top)?;

        let lo = curves
            .iter()
            .filter_map(|cv| cv.first().map(|p| p.0))
            .fold(f64::INFINITY, f64::min);
        let hi = curves
            .iter()
            .filter_map(|cv| cv.last().map(|p| p.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let span = (hi - lo).max(f64::MIN_POSITIVE);
        // show zero unless it lies far off every line
        let zero_shown = (lo - span..=hi + span).contains(&0.0);
        let (x_lo, x_hi) = if zero_shown {
            (lo.min(0.0), hi.max(0.0))
        } else {
            (lo, hi)
        };
        let (xt, xstep) = theme::ticks(x_lo, x_hi, 8);
        let xfmt = theme::money_ticks(&xt, xstep);
        let y_ticks = vec![0.0, 25.0, 50.0, 75.0, 100.0];
        let left_w = theme::y_area(root, y_ticks.iter().map(theme::percent_tick))?;
        let x_desc = if mixed {
            format!(
                "Net present value (each line in its own currency: {})",
                currencies.join(", ")
            )
        } else {
            format!("Net present value ({})", currencies.first().unwrap_or(&""))
        };
        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(x_lo - xstep * 0.15, x_hi + xstep * 0.15, xt),
                Axis::new(0.0, 100.0, y_ticks),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc("Chance of an NPV at least this high")
            .x_label_formatter(&xfmt)
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let frame = Frame::of(chart.plotting_area());
        let to_px = |p: (f64, f64)| chart.backend_coord(&(p.0, p.1 * 100.0));
        half_line(root, frame, to_px((0.0, 0.5)).1)?;
        if zero_shown {
            let x = to_px((0.0, 0.0)).0;
            let zero = Marker {
                x,
                label: "NPV = 0".into(),
                color: theme::INK,
                dashed: false,
                bold: true,
                width: 2,
                line: true,
            };
            theme::markers(root, frame, &[zero])?;
        }
        for (k, curve) in curves.iter().enumerate() {
            let pts: Vec<(i32, i32)> = curve.iter().map(|p| to_px(*p)).collect();
            polyline(root, &pts, c.pen(k))?;
        }
        for k in 0..runs.len() {
            if let Some(m) = p50(k) {
                dot(root, to_px((m, 0.5)), c.pen(k).color)?;
            }
        }

        let mut marks = Vec::new();
        for (k, (r, curve)) in runs.iter().zip(&curves).enumerate() {
            marks.push(Mark::new(format!("{}: median", r.name), p50(k)));
            marks.push(Mark::new(
                format!("{}: at least 0", r.name),
                curve_at(curve, 0.0),
            ));
        }
        Ok(marks)
    }
}
