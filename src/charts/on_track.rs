//! What on track looks like (MODEL.md 9.1): at each checkpoint month, the
//! usage rate's P10-P90 range and median over all futures with access,
//! beside the same over the futures that pay back within the target, with
//! each month's tripwire marked (below it, fewer than half pay back).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, upx, Axis, Fact, Frame, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::ontrack::{say, OnTrack};
use crate::stats::ontrack::Band;
use crate::summary::Summary;

pub struct OnTrackChart;

/// The colours of the two ranges and of the tripwire.
const ALL_FILL: RGBColor = theme::NAVY_LIGHT;
const ALL_LINE: RGBColor = theme::NAVY;
const PAID_FILL: RGBColor = theme::TEAL_LIGHT;
const PAID_LINE: RGBColor = theme::TEAL;
const TRIPWIRE: RGBColor = theme::RED;

impl Chart for OnTrackChart {
    type Input = Summary;
    const NAME: &'static str = "on-track";

    fn title(s: &Summary) -> String {
        theme::title("What on track looks like", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let Some(on) = s.on_track.as_ref() else {
            return Ok(Vec::new());
        };
        let t = on.target_months;
        let usage = on
            .indicator("usage_rate")
            .map_or(&[][..], |u| &u.checkpoints[..]);
        let usage_featured = on.indicator("usage_rate").and_then(|u| u.featured_month);
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Usage rate at each checkpoint month: all futures in which users have access, beside those that pay back within {t} months"
            ),
            facts: facts(on),
            legend: vec![
                (Swatch::Fill(ALL_FILL), "All futures with access: P10–P90, line at the median".into()),
                (Swatch::Fill(PAID_FILL), format!("Futures that pay back within {t} months: P10–P90, median")),
                (Swatch::Line(TRIPWIRE, 4), "Tripwire: below it, fewer than half pay back".into()),
            ],
            notes: vec![format!(
                "Tripwire: the upper edge of the highest tenth of futures (ranked by usage at that month) in which fewer than half pay back within {t} months; none where every tenth reaches one half."
            )],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;
        // each checkpoint gets a slot as wide as the nearest gap allows
        let slot = on
            .months
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64)
            .fold(3.0f64, f64::min);
        let half = slot * 0.17;
        let offset = slot * 0.2;
        // room right of the last checkpoint for its two bars
        let h =
            (s.horizon_months as f64).max(on.months.last().map_or(0.0, |m| *m as f64) + slot * 0.5);
        let hi = usage
            .iter()
            .filter_map(|c| c.figures.all.map(|b| b.p90))
            .chain(usage.iter().filter_map(|c| c.figures.tripwire))
            .fold(0.0f64, f64::max)
            * 100.0;
        let (yt, _) = theme::ticks(0.0, (hi * 1.12).clamp(10.0, 100.0), 5);
        let yt: Vec<f64> = yt.into_iter().filter(|v| *v <= 100.0 + 1e-9).collect();
        let y_w = theme::y_area(root, yt.iter().map(theme::percent_tick))?;
        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(16))
            .x_label_area_size(px(66))
            .y_label_area_size(y_w)
            .build_cartesian_2d(
                Axis::new(0.0, h, theme::month_ticks(s.horizon_months)),
                Axis::over(yt.clone()),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .x_desc("Checkpoint month")
            .y_desc("Usage rate (% of users with access who are active)")
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let frame = Frame::of(chart.plotting_area());
        let mut marks = Vec::new();
        let y_of = |v: f64| chart.backend_coord(&(0.0, v * 100.0)).1;
        let x_of = |m: f64| chart.backend_coord(&(m, 0.0)).0;
        for c in usage {
            let m = c.month as f64;
            let f = &c.figures;
            range(
                root,
                &x_of,
                &y_of,
                m - offset,
                half,
                f.all,
                ALL_FILL,
                ALL_LINE,
            )?;
            range(
                root,
                &x_of,
                &y_of,
                m + offset,
                half,
                f.paying_back,
                PAID_FILL,
                PAID_LINE,
            )?;
            if let Some(v) = f.tripwire {
                let (l, r) = (x_of(m - offset - half * 1.5), x_of(m + offset + half * 1.5));
                let y = y_of(v);
                root.draw(&PathElement::new(
                    vec![(l, y), (r, y)],
                    TRIPWIRE.stroke_width(upx(4)),
                ))?;
                let featured = usage_featured == Some(c.month);
                let label = say("usage_rate", v);
                let st = if featured {
                    theme::bold(theme::LABEL_SIZE, TRIPWIRE)
                } else {
                    theme::text(theme::NOTE_SIZE, TRIPWIRE)
                };
                // left of the two bars, on the line's level, clear of both
                let w = theme::width(root, &label, &st)?;
                let lh = st.font.get_size() as i32;
                let lx = (l - px(8) - w).max(frame.left + px(4));
                theme::boxed(root, &label, &st, (lx, y - lh / 2 - px(2)))?;
            }
            marks.push(Mark::new(
                format!("Usage tripwire at month {}", c.month),
                f.tripwire,
            ));
        }
        if usage.iter().all(|c| c.figures.with_access == 0) {
            theme::message(
                root,
                frame,
                "Nobody has access at any checkpoint",
                theme::RED,
            )?;
        }
        marks.push(Mark::new(
            "Featured checkpoint of usage (month)",
            usage_featured.map(|m| m as f64),
        ));
        Ok(marks)
    }
}

fn facts(on: &OnTrack) -> Vec<Fact> {
    let t = on.target_months;
    let headline = if on.featured_month.is_some() {
        on.sentence()
    } else if on
        .indicator("usage_rate")
        .is_some_and(|u| u.checkpoints.iter().any(|c| c.figures.tripwire.is_some()))
    {
        format!("No usage level at a checkpoint marks the line between futures that pay back within {t} months and those that do not")
    } else {
        format!("No tripwire: even the tenth of futures with the lowest usage pays back within {t} months at least half the time")
    };
    let color = if on.featured_month.is_some() {
        TRIPWIRE
    } else if headline.starts_with("No tripwire") {
        theme::GREEN
    } else {
        theme::INK
    };
    let mut facts = vec![Fact::new(headline, color)];
    if let Some(("usage_rate", usage)) = on.featured() {
        if let (Some(p), Some(a)) = (usage.figures.paying_back, usage.figures.all) {
            facts.push(Fact::new(
                format!(
                    "Median usage at month {}: {} in futures that pay back, {} in all",
                    usage.month,
                    say("usage_rate", p.p50),
                    say("usage_rate", a.p50)
                ),
                theme::INK,
            ));
        }
    }
    facts
}

/// One P10-P90 range bar centred at month `x` (half width `half` months),
/// with its median across it.
#[allow(clippy::too_many_arguments)]
fn range<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x_of: &dyn Fn(f64) -> i32,
    y_of: &dyn Fn(f64) -> i32,
    x: f64,
    half: f64,
    band: Option<Band>,
    fill: RGBColor,
    line: RGBColor,
) -> DrawResult<(), DB> {
    let Some(b) = band else {
        return Ok(());
    };
    let (l, r) = (x_of(x - half), x_of(x + half));
    let (top, bottom) = (y_of(b.p90), y_of(b.p10));
    root.draw(&Rectangle::new(
        [(l, top), (r, bottom.max(top + px(2)))],
        fill.filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(l, top), (r, bottom.max(top + px(2)))],
        line.stroke_width(upx(1)),
    ))?;
    let y = y_of(b.p50);
    root.draw(&PathElement::new(
        vec![(l, y), (r, y)],
        line.stroke_width(upx(3)),
    ))?;
    Ok(())
}
