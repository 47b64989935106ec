//! The tornado: what drives the result. One horizontal bar per input (and
//! per gate), largest swing on top, two-sided around the base statistic:
//! the pinned tornado (each input pinned at its P10 and P90, each gate
//! always killing or always passing) when the run made one, else the
//! decile tornado (the statistic among the runs in each input's lowest and
//! highest tenth). On a pinned tornado of a mean, a tick at each bar marks
//! how far the target's P50 moves with the input pinned there, drawn from
//! the base line as the bar is (light for the low end, dark for the high
//! end, as the bars).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::theme::{self, px, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::{money_short, sig};
use crate::sensitivity::Sensitivity;
use crate::stats::sensitivity::{swing, Target};
use crate::summary::Summary;

/// The most bars drawn.
pub const MAX_BARS: usize = 12;

/// The P50 ticks: light for the input pinned low, dark for it pinned high
/// (on a white edge, so they read on either blue).
const P50_LOW: RGBColor = RGBColor(0xf2, 0xa1, 0x4b);
const P50_HIGH: RGBColor = RGBColor(0xb3, 0x52, 0x00);

pub struct Tornado;

/// How a target's statistic reads: plotted, labelled, on its axis.
pub(super) struct Units<'a> {
    pub target: Target,
    pub currency: &'a str,
    pub horizon: usize,
}

impl<'a> Units<'a> {
    pub fn of(s: &'a Summary, sens: &Sensitivity) -> Units<'a> {
        Units {
            target: sens.target,
            currency: &s.currency,
            horizon: s.horizon_months,
        }
    }

    /// The value as plotted (ROI in percent).
    pub fn plot(&self, v: f64) -> f64 {
        match self.target {
            Target::Roi => v * 100.0,
            _ => v,
        }
    }

    /// A statistic as a label: `EUR 1.23M`, `18.5 mo`, `42.0%`.
    pub fn label(&self, v: Option<f64>) -> String {
        match (self.target, v) {
            (Target::Payback, None) => "beyond the horizon".into(),
            (_, None) => "n/a".into(),
            (Target::Payback, Some(m)) => theme::mo(m),
            (Target::Roi, Some(r)) => format!("{:.1}%", r * 100.0),
            (_, Some(x)) => money_short(x, self.currency),
        }
    }

    /// The axis title.
    pub fn desc(&self, statistic: &str) -> String {
        let mut cap = statistic.to_string();
        if let Some(f) = cap.get(0..1) {
            cap = f.to_uppercase() + &cap[1..];
        }
        match self.target {
            Target::Payback => cap,
            Target::Roi => format!("{cap} (%)"),
            _ => format!("{cap} ({})", self.currency),
        }
    }

    /// Tick labels for ticks at `step`.
    pub fn ticks(&self, ticks: &[f64], step: f64) -> Box<dyn Fn(&f64) -> String> {
        match self.target {
            Target::Payback => Box::new(theme::month_tick),
            Target::Roi => Box::new(theme::percent_tick),
            _ => Box::new(theme::money_ticks(ticks, step)),
        }
    }

    /// Where a missing statistic is drawn: past the horizon for payback.
    pub fn beyond(&self) -> Option<f64> {
        (self.target == Target::Payback).then_some(self.horizon as f64)
    }
}

/// One bar as drawn.
struct Bar {
    path: String,
    low: Option<f64>,
    high: Option<f64>,
    low_setting: String,
    high_setting: String,
    /// The target's P50 at each end (pinned tornado only).
    low_p50: Option<f64>,
    high_p50: Option<f64>,
}

/// The bars to draw (largest swing first, at most [`MAX_BARS`]), whether
/// they are pinned, and how many there were in all.
fn bars(sens: &Sensitivity) -> (Vec<Bar>, bool, usize) {
    let pinned = !sens.pinned.is_empty();
    let all: Vec<Bar> = if pinned {
        sens.pinned
            .iter()
            .map(|b| Bar {
                path: b.path.clone(),
                low: b.low,
                high: b.high,
                low_setting: b.low_setting.clone(),
                high_setting: b.high_setting.clone(),
                low_p50: b.low_p50,
                high_p50: b.high_p50,
            })
            .collect()
    } else {
        sens.deciles
            .iter()
            .map(|d| Bar {
                path: d.path.clone(),
                low: d.low,
                high: d.high,
                low_setting: format!("≤ {}", sig(d.low_edge)),
                high_setting: format!("≥ {}", sig(d.high_edge)),
                low_p50: None,
                high_p50: None,
            })
            .collect()
    };
    let total = all.len();
    (all.into_iter().take(MAX_BARS).collect(), pinned, total)
}

/// The base P50 of the target over the analysed runs, which the pinned
/// P50s move from, for a target whose statistic is a mean (for payback the
/// bars are the P50 already). `None` otherwise.
pub fn base_p50(sens: &Sensitivity) -> Option<f64> {
    match sens.target {
        Target::Payback => None,
        _ => sens.base_p50,
    }
}

/// The text at a bar's end: `P10 = 0.702: EUR 1.2M`.
fn end_label(setting: &str, value: Option<f64>, u: &Units) -> String {
    format!("{setting}: {}", u.label(value))
}

impl Chart for Tornado {
    type Input = Summary;
    const NAME: &'static str = "tornado";

    fn title(s: &Summary) -> String {
        let what = s
            .sensitivity
            .as_ref()
            .map_or("the result".to_string(), |x| x.statistic.clone());
        theme::title(&format!("What drives {what}"), s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let Some(sens) = s.sensitivity.as_ref() else {
            let page = Page {
                title: Self::title(s),
                subtitle: String::new(),
                facts: vec![],
                legend: vec![],
                notes: vec![],
                summary: s,
            };
            let (top, bottom) = theme::page(root, &page)?;
            let (cw, _) = theme::canvas();
            let f = Frame {
                left: px(theme::MARGIN),
                top,
                right: cw - px(theme::MARGIN),
                bottom,
            };
            theme::message(root, f, "No sensitivity analysis in this run", theme::MUTED)?;
            return Ok(vec![]);
        };
        let u = Units::of(s, sens);
        let (bars, pinned, total) = bars(sens);
        let n = bars.len().max(1);
        let beyond = u.beyond();
        // a missing statistic sits at the horizon (payback), else is not drawn
        let at = |v: Option<f64>| v.map(|x| u.plot(x)).or(beyond);
        let base_x = at(sens.base);

        let mut facts = Vec::new();
        if let Some(top) = bars.first() {
            let sw = swing(top.low, top.high);
            let by = if sw.is_finite() {
                match u.target {
                    Target::Payback => format!("{sw:.1} months"),
                    Target::Roi => format!("{:.1} points", sw * 100.0),
                    _ => money_short(sw, u.currency),
                }
            } else {
                "past the horizon".into()
            };
            facts.push(Fact::new(
                format!("Biggest driver: {} (swing {by})", top.path),
                theme::NAVY,
            ));
        }
        facts.push(Fact::new(
            format!("Base {}: {}", sens.statistic, u.label(sens.base)),
            theme::INK,
        ));
        let (low_name, high_name) = if pinned {
            (
                "Input pinned at its P10 (gate: always kill)",
                "Input pinned at its P90 (gate: always pass)",
            )
        } else {
            (
                "Runs in the input's lowest tenth",
                "Runs in the input's highest tenth",
            )
        };
        // the P50 ticks, where the bars are a pinned mean (for payback
        // the bars are the P50 already)
        let base_median = if pinned { base_p50(sens) } else { None };
        let ticks = base_median.is_some();
        let mut legend = vec![
            (Swatch::Fill(theme::NAVY_MID), low_name.to_string()),
            (Swatch::Fill(theme::NAVY), high_name.to_string()),
            (
                Swatch::Line(theme::INK, 2),
                "Base (every input drawn as usual)".into(),
            ),
        ];
        if ticks {
            legend.push((Swatch::Line(P50_LOW, 5), "Change in P50, pinned low".into()));
            legend.push((
                Swatch::Line(P50_HIGH, 5),
                "Change in P50, pinned high".into(),
            ));
        }
        let subtitle = if pinned {
            format!(
                "The {} with one input at a time pinned low and high, every other draw unchanged; largest swing on top",
                sens.statistic
            )
        } else {
            format!(
                "The {} among the runs in each input's lowest and highest tenth; largest swing on top",
                sens.statistic
            )
        };
        let mut notes = vec![format!(
            "Analysed on the first {} runs, on common random numbers. Bar ends: the setting (input value or gate) and the {} there{}.",
            crate::format::thousands(sens.iterations as f64),
            sens.statistic,
            if ticks {
                "; ticks: the change in P50 there, from the base line"
            } else {
                ""
            }
        )];
        if total > bars.len() {
            notes.push(format!(
                "The {} largest of {total} bars; sensitivity.csv lists every input.",
                bars.len()
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle,
            facts,
            legend,
            notes,
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        // label widths, for the room each side of the bars
        let name_st = theme::bold(theme::TICK_SIZE, theme::INK);
        let end_st = theme::text(theme::LABEL_SIZE - 2.0, theme::INK);
        let mut name_w = 0;
        let mut left_w = 0;
        let mut right_w = 0;
        let mut ends = Vec::new();
        for b in &bars {
            name_w = name_w.max(theme::width(root, &b.path, &name_st)?);
            let lo = end_label(&b.low_setting, b.low, &u);
            let hi = end_label(&b.high_setting, b.high, &u);
            let (xl, xh) = (at(b.low), at(b.high));
            // the end further left takes the left label
            let low_left = match (xl, xh) {
                (Some(a), Some(c)) => a <= c,
                (None, _) => false,
                (_, None) => true,
            };
            let (l, r) = if low_left { (lo, hi) } else { (hi, lo) };
            left_w = left_w.max(theme::width(root, &l, &end_st)?);
            right_w = right_w.max(theme::width(root, &r, &end_st)?);
            ends.push((l, r));
        }
        let name_w = name_w.min(px(480));
        let arrow = px(16);
        let (cw, _) = theme::canvas();
        let left_margin = px(theme::MARGIN) + name_w + px(20);
        let right_margin = px(theme::MARGIN);
        let plot_w = (cw - left_margin - right_margin).max(px(300)) as f64;
        let pad = px(12) as f64;
        let room_l = left_w as f64 + pad;
        let room_r = right_w as f64 + pad + arrow as f64;
        // a tick sits as far from the base line as the P50 moved
        let p50s = |b: &Bar| match (base_median, base_x) {
            (Some(m), Some(bx)) => [
                b.low_p50.map(|v| bx + u.plot(v) - u.plot(m)),
                b.high_p50.map(|v| bx + u.plot(v) - u.plot(m)),
            ],
            _ => [None, None],
        };
        let vals: Vec<f64> = bars
            .iter()
            .flat_map(|b| [at(b.low), at(b.high)].into_iter().chain(p50s(b)))
            .chain([base_x])
            .flatten()
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            (lo - 1.0, lo + 1.0)
        } else {
            (0.0, 1.0)
        };
        let inner = (plot_w - room_l - room_r).max(plot_w * 0.3);
        let per_px = (hi - lo) / inner;
        let (x_lo, x_hi) = (lo - room_l * per_px, hi + room_r * per_px);
        let (xt, step) = theme::ticks(x_lo, x_hi, 8);
        let xt: Vec<f64> = xt
            .into_iter()
            .filter(|t| *t >= x_lo - 1e-9 && *t <= x_hi + 1e-9)
            .collect();
        let xfmt = u.ticks(&xt, step);

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(left_margin)
            .margin_right(right_margin)
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(0)
            .build_cartesian_2d(Axis::new(x_lo, x_hi, xt), Axis::new(n as f64, 0.0, vec![]))?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_y_mesh()
            .x_desc(u.desc(&sens.statistic))
            .x_label_formatter(&xfmt)
            .draw()?;
        let frame = Frame::of(chart.plotting_area());
        let base_v = base_x.unwrap_or((x_lo + x_hi) / 2.0);

        let bar_half = 0.3;
        let end_anchor_l = theme::anchored(&end_st, HPos::Right, VPos::Center);
        let end_anchor_r = theme::anchored(&end_st, HPos::Left, VPos::Center);
        for (i, (b, (l, r))) in bars.iter().zip(&ends).enumerate() {
            let row = i as f64 + 0.5;
            let (a, c) = (row - bar_half, row + bar_half);
            let mut segs: Vec<(f64, RGBColor)> =
                [(at(b.low), theme::NAVY_MID), (at(b.high), theme::NAVY)]
                    .into_iter()
                    .filter_map(|(v, col)| v.map(|v| (v, col)))
                    .collect();
            // the longer first, so a shorter one on the same side shows
            segs.sort_by(|p, q| (q.0 - base_v).abs().total_cmp(&(p.0 - base_v).abs()));
            for (v, col) in &segs {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(base_v.min(*v), a), (base_v.max(*v), c)],
                    col.filled(),
                )))?;
            }
            let y_mid = chart.backend_coord(&(base_v, row)).1;
            // an arrow past the end of a side beyond the horizon
            let mut right_extra = 0;
            for (v, col) in [(b.low, theme::NAVY_MID), (b.high, theme::NAVY)] {
                if let (None, Some(edge)) = (v, beyond) {
                    let x = chart.backend_coord(&(edge, row)).0;
                    let hh = (chart.backend_coord(&(edge, c)).1 - y_mid).abs();
                    root.draw(&Polygon::new(
                        vec![(x, y_mid - hh), (x + arrow - px(2), y_mid), (x, y_mid + hh)],
                        col.filled(),
                    ))?;
                    right_extra = arrow;
                }
            }
            // the P50 ticks through the bar, each on a white edge so it
            // reads on either blue
            let tick_half = (chart.backend_coord(&(base_v, c)).1 - y_mid).abs() + px(6);
            for (v, col) in p50s(b).into_iter().zip([P50_LOW, P50_HIGH]) {
                if let Some(v) = v {
                    let x = chart.backend_coord(&(v, row)).0;
                    let ends = vec![(x, y_mid - tick_half), (x, y_mid + tick_half)];
                    root.draw(&PathElement::new(
                        ends.clone(),
                        theme::WHITE.stroke_width(theme::upx(9)),
                    ))?;
                    root.draw(&PathElement::new(ends, col.stroke_width(theme::upx(5))))?;
                }
            }
            let xs: Vec<f64> = segs
                .iter()
                .map(|p| p.0)
                .chain([base_v])
                .chain(p50s(b).into_iter().flatten())
                .collect();
            let min_x = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let max_x = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let px_l = chart.backend_coord(&(min_x, row)).0;
            let px_r = chart.backend_coord(&(max_x, row)).0;
            theme::put(root, l, &end_anchor_l, (px_l - px(8), y_mid))?;
            theme::put(root, r, &end_anchor_r, (px_r + px(8) + right_extra, y_mid))?;
            // the input's name, left of the frame
            let (name, st) = theme::fit(root, &b.path, theme::TICK_SIZE, 13.0, name_w, |z| {
                theme::anchored(&theme::bold(z, theme::INK), HPos::Right, VPos::Center)
            })?;
            theme::put(root, &name, &st, (frame.left - px(16), y_mid))?;
        }
        // the base line, over the bars
        let bx = chart.backend_coord(&(base_v, 0.0)).0;
        let label = match base_median {
            Some(m) => format!("Base {}, P50 {}", u.label(sens.base), u.label(Some(m))),
            None => format!("Base {}", u.label(sens.base)),
        };
        theme::markers(
            root,
            frame,
            &[Marker {
                x: bx,
                label,
                color: theme::INK,
                dashed: false,
                bold: true,
                width: 2,
                line: true,
            }],
        )?;

        let mut marks: Vec<Mark> = bars
            .iter()
            .map(|b| {
                let sw = swing(b.low, b.high);
                Mark::new(b.path.clone(), sw.is_finite().then_some(sw))
            })
            .collect();
        marks.push(Mark::new("base", sens.base));
        if ticks {
            for b in &bars {
                marks.push(Mark::new(format!("{} P50 low", b.path), b.low_p50));
                marks.push(Mark::new(format!("{} P50 high", b.path), b.high_p50));
            }
            marks.push(Mark::new("base P50", base_median));
        }
        Ok(marks)
    }
}
