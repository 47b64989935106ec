//! The charts of a run under actuals (MODEL.md 9.2): where we are against
//! the plan, and what the actuals change.
//!
//! - [`ReforecastCash`]: cumulative net cash, the re-forecast's bands with
//!   the plan's median, the actual cumulative points with their error bars
//!   (95%: 1.96 sd) and the as-of line;
//! - [`ReforecastPayback`]: the payback S-curve of the plan and of the
//!   re-forecast, drawn by the overlay chart;
//! - [`ReforecastLeading`]: the leading indicators, each observation drawn
//!   on the plan's band, with the re-forecast's median;
//! - [`ReforecastTornado`]: what drives the re-forecast (weighted).
//!
//! Each reads the summary of the run, whose `actuals` holds the
//! re-forecast; the plan's figures are the summary's own.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::overlay::{Compared, Kind, PaybackOverlay, Run};
use super::theme::{self, px, upx, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark, Tornado};
use crate::format::{money_short, months, sig};
use crate::reforecast::{ObservationReport, Reforecast};
use crate::scenario::Metric;
use crate::summary::{Band, IndicatorBands, Summary};

/// A band series from month 0 (value 0) to the horizon.
fn series(bands: &[Band], f: fn(&Band) -> f64, scale: f64) -> Vec<(f64, f64)> {
    std::iter::once((0.0, 0.0))
        .chain(
            bands
                .iter()
                .enumerate()
                .map(|(i, b)| ((i + 1) as f64, f(b) * scale)),
        )
        .collect()
}

fn find<'a>(list: &'a [IndicatorBands], key: &str) -> &'a [Band] {
    list.iter()
        .find(|b| b.key == key)
        .map_or(&[], |b| &b.months)
}

fn polygon(lower: Vec<(f64, f64)>, upper: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut poly = upper;
    poly.extend(lower.into_iter().rev());
    poly
}

/// An observation as a dot with a 95% error bar (value -/+ 1.96 sd), in
/// chart units (`scale` turns a share into a percentage).
fn observation<DB: DrawingBackend>(
    chart: &ChartContext<DB, plotters::coord::cartesian::Cartesian2d<Axis, Axis>>,
    root: &DrawingArea<DB, Shift>,
    o: &ObservationReport,
    scale: f64,
    color: RGBColor,
) -> DrawResult<(), DB> {
    let m = o.month as f64;
    let half = 1.959_963_984_540_054 * o.sd * scale;
    let (x, y) = chart.backend_coord(&(m, o.value * scale));
    let (_, y_lo) = chart.backend_coord(&(m, o.value * scale - half));
    let (_, y_hi) = chart.backend_coord(&(m, o.value * scale + half));
    let stroke = color.stroke_width(upx(3));
    root.draw(&PathElement::new(vec![(x, y_lo), (x, y_hi)], stroke))?;
    for yy in [y_lo, y_hi] {
        root.draw(&PathElement::new(
            vec![(x - px(9), yy), (x + px(9), yy)],
            stroke,
        ))?;
    }
    root.draw(&Circle::new((x, y), upx(9), color.filled()))?;
    root.draw(&Circle::new((x, y), upx(4), theme::WHITE.filled()))?;
    Ok(())
}

/// The as-of line: a dashed vertical line through the frame, labelled.
fn as_of<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: Frame,
    x: i32,
    t: f64,
) -> DrawResult<(), DB> {
    theme::markers(
        root,
        frame,
        &[Marker::strong(
            x,
            format!("As of month {}", sig(t)),
            theme::ORANGE,
        )],
    )
}

/// The actual color for observations.
const ACTUAL: RGBColor = theme::ORANGE;

/// Cumulative net cash: the re-forecast's fan, the plan's median, the
/// actual cumulative points and the as-of line.
pub struct ReforecastCash;

impl Chart for ReforecastCash {
    type Input = Summary;
    const NAME: &'static str = "reforecast-cumulative-net-cash";

    fn title(s: &Summary) -> String {
        theme::title("Where we are: cumulative net cash against the plan", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let Some(rf) = &s.actuals else {
            return Ok(Vec::new());
        };
        let c = &s.currency;
        let h = s.horizon_months;
        let after = find(&rf.conditioned.monthly.lagging, "cumulative_net_cash");
        let plan = find(&rf.prior.monthly.lagging, "cumulative_net_cash");
        let seen: Vec<&ObservationReport> = rf
            .observations
            .iter()
            .filter(|o| o.metric == Metric::CumulativeNetCash)
            .collect();
        let payback_after = rf.conditioned.payback.p50.value;
        let mut facts = vec![Fact::new(
            format!(
                "Re-forecast median payback: {} (the plan: {})",
                months(payback_after),
                months(rf.prior.payback.p50.value)
            ),
            theme::NAVY,
        )];
        if let Some(o) = seen.last() {
            facts.push(Fact::new(
                format!(
                    "Seen at month {}: {} (the plan's median {}), at the {} of the plan",
                    o.month,
                    money_short(o.value, c),
                    money_short(o.prior_p50, c),
                    crate::actuals::ordinal_percentile(o.prior_percentile)
                ),
                ACTUAL,
            ));
        } else {
            facts.push(Fact::new(
                "No cumulative net cash was measured: the bands are conditioned on the other actuals",
                theme::INK,
            ));
        }
        let mut legend = vec![
            (
                Swatch::Fill(theme::NAVY_LIGHT),
                "Re-forecast P10–P90".to_string(),
            ),
            (Swatch::Fill(theme::NAVY_MID), "Re-forecast P25–P75".into()),
            (Swatch::Line(theme::NAVY, 4), "Re-forecast median".into()),
            (Swatch::Dashed(theme::MUTED, 3), "The plan's median".into()),
        ];
        if !seen.is_empty() {
            legend.push((
                Swatch::Line(ACTUAL, 4),
                "Actual, with its 95% error bar".into(),
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Costs and benefits added up month by month ({c}, undiscounted), re-forecast from the actuals as of month {}",
                sig(rf.as_of_month)
            ),
            facts,
            legend,
            notes: vec![
                "The re-forecast weighs the plan's futures (the gate outcomes the facts fix drawn as stated) by how well they agree with the actuals; each band is a month-by-month percentile.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        let mut lo = 0.0f64;
        let mut hi = 0.0f64;
        for b in after.iter().chain(plan) {
            lo = lo.min(b.p10).min(b.p50);
            hi = hi.max(b.p90).max(b.p50);
        }
        for o in &seen {
            lo = lo.min(o.value - 2.0 * o.sd);
            hi = hi.max(o.value + 2.0 * o.sd);
        }
        let (y_axis, step) = theme::padded(lo, hi, 6, true);
        let fmt = theme::money_ticks(&y_axis.ticks, step);
        let left_w = theme::y_area(root, y_axis.ticks.iter().map(&fmt))?;
        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(Axis::new(0.0, h as f64, theme::month_ticks(h)), y_axis)?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Month")
            .y_desc(format!("Cumulative net cash ({c})"))
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&fmt)
            .draw()?;
        chart.draw_series(std::iter::once(Polygon::new(
            polygon(series(after, |b| b.p10, 1.0), series(after, |b| b.p90, 1.0)),
            theme::NAVY_LIGHT.filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            polygon(series(after, |b| b.p25, 1.0), series(after, |b| b.p75, 1.0)),
            theme::NAVY_MID.filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (h as f64, 0.0)],
            theme::INK.stroke_width(upx(2)),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            series(plan, |b| b.p50, 1.0),
            px(12) as u32,
            px(8) as u32,
            theme::MUTED.stroke_width(upx(3)),
        ))?;
        chart.draw_series(LineSeries::new(
            series(after, |b| b.p50, 1.0),
            theme::NAVY.stroke_width(upx(4)),
        ))?;
        let frame = Frame::of(chart.plotting_area());
        let x_as_of = chart.backend_coord(&(rf.as_of_month, 0.0)).0;
        as_of(root, frame, x_as_of, rf.as_of_month)?;
        for o in &seen {
            observation(&chart, root, o, 1.0, ACTUAL)?;
        }
        let mut marks = vec![
            Mark::new("As of month", Some(rf.as_of_month)),
            Mark::new("Re-forecast median payback", payback_after),
        ];
        for o in &seen {
            marks.push(Mark::new(
                format!("Actual at month {}", o.month),
                Some(o.value),
            ));
        }
        Ok(marks)
    }
}

/// The runs of the before/after S-curve: the plan, then the re-forecast.
fn before_after<'a>(s: &'a Summary, rf: &'a Reforecast) -> Compared<'a> {
    Compared {
        kind: Kind::Reforecast,
        runs: vec![
            Run {
                name: "The plan (before the actuals)".into(),
                short: "Plan".into(),
                summary: s,
            },
            Run {
                name: format!("Re-forecast (actuals as of month {})", sig(rf.as_of_month)),
                short: "Re-forecast".into(),
                summary: &rf.after,
            },
        ],
    }
}

/// The payback S-curve before and after the actuals.
pub struct ReforecastPayback;

impl Chart for ReforecastPayback {
    type Input = Summary;
    const NAME: &'static str = "reforecast-payback";

    fn title(s: &Summary) -> String {
        match &s.actuals {
            Some(rf) => PaybackOverlay::title(&before_after(s, rf)),
            None => theme::title("Chance of payback by month", s),
        }
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        match &s.actuals {
            Some(rf) => PaybackOverlay::draw(&before_after(s, rf), root),
            None => Ok(Vec::new()),
        }
    }
}

/// The leading indicators against the plan: usage rate and active users,
/// each the plan's P10–P90 band and median, the re-forecast's median, the
/// observations with their error bars and the as-of line.
pub struct ReforecastLeading;

impl Chart for ReforecastLeading {
    type Input = Summary;
    const NAME: &'static str = "reforecast-leading";

    fn title(s: &Summary) -> String {
        theme::title("Where we are: the leading indicators against the plan", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let Some(rf) = &s.actuals else {
            return Ok(Vec::new());
        };
        let h = s.horizon_months;
        let leading: Vec<&ObservationReport> = rf
            .observations
            .iter()
            .filter(|o| o.metric.leading())
            .collect();
        let mut facts: Vec<Fact> = leading
            .iter()
            .take(2)
            .map(|o| {
                Fact::new(
                    o.sentence.clone(),
                    if o.surprise { theme::RED } else { theme::INK },
                )
            })
            .collect();
        if facts.is_empty() {
            facts.push(Fact::new(
                "No usage or active users were measured: the re-forecast's medians follow the other actuals",
                theme::INK,
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "The plan's band (P10–P90) and median, the re-forecast's median, and what was measured by month {}",
                sig(rf.as_of_month)
            ),
            facts,
            legend: vec![
                (Swatch::Fill(theme::TEAL_LIGHT), "The plan's P10–P90".into()),
                (Swatch::Dashed(theme::TEAL, 3), "The plan's median".into()),
                (Swatch::Line(theme::NAVY, 4), "Re-forecast median".into()),
                (
                    Swatch::Line(ACTUAL, 4),
                    "Actual, with its 95% error bar".into(),
                ),
            ],
            notes: vec![
                "Usage is the share of users with access who are active; it is 0 in a month where no one has access yet (or after a kill).".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;
        let panels = [
            (Metric::UsageRate, "usage_rate", 100.0, "Usage rate"),
            (Metric::ActiveUsers, "active_users", 1.0, "Active users"),
        ];
        let body = theme::body(root, top, bottom);
        let (bw, _) = body.dim_in_pixel();
        let gap = px(30);
        let (left, right) = body.split_horizontally((bw as i32 - gap) / 2 + gap);
        let mut marks = Vec::new();
        for ((metric, key, scale, label), area) in panels.into_iter().zip([left, right]) {
            let plan = find(&rf.prior.monthly.leading, key);
            let after = find(&rf.conditioned.monthly.leading, key);
            let seen: Vec<&&ObservationReport> =
                leading.iter().filter(|o| o.metric == metric).collect();
            let mut hi = 0.0f64;
            for b in plan.iter().chain(after) {
                hi = hi.max(b.p90 * scale).max(b.p50 * scale);
            }
            for o in &seen {
                hi = hi.max((o.value + 2.0 * o.sd) * scale);
            }
            let hi = if metric == Metric::UsageRate {
                hi.clamp(1.0, 100.0)
            } else {
                hi.max(1.0)
            };
            let (ticks, step) = theme::ticks(0.0, hi, 4);
            let fmt_users = theme::money_ticks(&ticks, step);
            let fmt = move |v: &f64| {
                if metric == Metric::UsageRate {
                    theme::percent_tick(v)
                } else {
                    fmt_users(v)
                }
            };
            let y_w = theme::y_area(root, ticks.iter().map(&fmt))?;
            let mut chart = ChartBuilder::on(&area)
                .margin_left(px(14))
                .margin_right(px(theme::MARGIN))
                .margin_top(px(theme::LANE))
                .x_label_area_size(px(66))
                .y_label_area_size(y_w)
                .build_cartesian_2d(
                    Axis::new(0.0, h as f64, theme::month_ticks(h)),
                    Axis::over(ticks.clone()),
                )?;
            theme::style_mesh(&mut chart.configure_mesh())
                .disable_x_mesh()
                .x_desc("Month")
                .y_desc(label)
                .x_label_formatter(&theme::month_tick)
                .y_label_formatter(&fmt)
                .draw()?;
            chart.draw_series(std::iter::once(Polygon::new(
                polygon(
                    series(plan, |b| b.p10, scale),
                    series(plan, |b| b.p90, scale),
                ),
                theme::TEAL_LIGHT.filled(),
            )))?;
            chart.draw_series(DashedLineSeries::new(
                series(plan, |b| b.p50, scale),
                px(12) as u32,
                px(8) as u32,
                theme::TEAL.stroke_width(upx(3)),
            ))?;
            chart.draw_series(LineSeries::new(
                series(after, |b| b.p50, scale),
                theme::NAVY.stroke_width(upx(4)),
            ))?;
            let frame = Frame::of(chart.plotting_area());
            let x = chart.backend_coord(&(rf.as_of_month, 0.0)).0;
            as_of(root, frame, x, rf.as_of_month)?;
            for o in &seen {
                observation(&chart, root, o, scale, ACTUAL)?;
                marks.push(Mark::new(
                    format!("{} at month {}", metric.key(), o.month),
                    Some(o.value),
                ));
            }
        }
        marks.push(Mark::new("As of month", Some(rf.as_of_month)));
        Ok(marks)
    }
}

/// What drives the re-forecast: the tornado of the weighted decile
/// analysis (the plan's own is `tornado`).
pub struct ReforecastTornado;

impl Chart for ReforecastTornado {
    type Input = Summary;
    const NAME: &'static str = "reforecast-tornado";

    fn title(s: &Summary) -> String {
        match &s.actuals {
            Some(rf) => format!("{} (re-forecast from actuals)", Tornado::title(&rf.after)),
            None => Tornado::title(s),
        }
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        match &s.actuals {
            Some(rf) => Tornado::draw(&rf.after, root),
            None => Ok(Vec::new()),
        }
    }
}
