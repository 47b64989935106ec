//! Leading against lagging: usage rate (leading) above monthly benefits
//! (lagging), sharing the month axis, each with its P10-P90 band and
//! median, and the month each median reaches half its peak marked so the
//! lag reads at a glance.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, upx, Axis, Fact, Frame, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::{money_short, pct};
use crate::summary::{Band, Summary};

pub struct LeadingVsLagging;

/// The (fractional) month at which `values` (month 1 first, 0 at month 0)
/// first reach half their peak, by straight lines between month ends;
/// `None` when the peak is not above zero.
pub fn half_peak_month(values: &[f64]) -> Option<f64> {
    let peak = values.iter().fold(0.0f64, |a, v| a.max(*v));
    if peak <= 0.0 {
        return None;
    }
    let half = peak / 2.0;
    let mut prev = 0.0;
    for (i, v) in values.iter().enumerate() {
        if *v >= half {
            let t = if *v > prev {
                (half - prev) / (v - prev)
            } else {
                1.0
            };
            return Some(i as f64 + t.clamp(0.0, 1.0));
        }
        prev = *v;
    }
    None
}

impl Chart for LeadingVsLagging {
    type Input = Summary;
    const NAME: &'static str = "leading-vs-lagging";

    fn title(s: &Summary) -> String {
        theme::title("Leading vs lagging indicators", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.currency;
        let h = s.horizon_months;
        let find = |v: &[crate::summary::IndicatorBands], key: &str| -> Vec<Band> {
            v.iter()
                .find(|b| b.key == key)
                .map_or(Vec::new(), |b| b.months.clone())
        };
        // usage as a percentage
        let usage: Vec<Band> = find(&s.monthly.leading, "usage_rate")
            .into_iter()
            .map(|b| Band {
                p10: b.p10 * 100.0,
                p25: b.p25 * 100.0,
                p50: b.p50 * 100.0,
                p75: b.p75 * 100.0,
                p90: b.p90 * 100.0,
                mean: b.mean * 100.0,
            })
            .collect();
        let benefits = find(&s.monthly.lagging, "benefits");
        let usage_half = half_peak_month(&usage.iter().map(|b| b.p50).collect::<Vec<_>>());
        let benefit_half = half_peak_month(&benefits.iter().map(|b| b.p50).collect::<Vec<_>>());

        let mut facts = Vec::new();
        match (usage_half, benefit_half) {
            (Some(u), Some(b)) => facts.push(Fact::new(
                format!(
                    "The median usage rate reaches half its peak in month {u:.1}; median benefits only in month {b:.1}"
                ),
                theme::NAVY,
            )),
            (Some(_), None) => facts.push(Fact::new(
                "Usage rises, but the median run earns no benefits within the horizon",
                theme::RED,
            )),
            _ => facts.push(Fact::new(
                format!("The median run has no active users within {h} months"),
                theme::RED,
            )),
        }
        if let (Some(u), Some(b)) = (usage.last(), benefits.last()) {
            facts.push(Fact::new(
                format!(
                    "Month {h}: median usage {}, median benefits {} a month",
                    pct(u.p50 / 100.0),
                    money_short(b.p50, c)
                ),
                theme::INK,
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: "Leading: the share of users with access who are active. Lagging: the value they bring, which arrives later.".into(),
            facts,
            legend: vec![
                (Swatch::Fill(theme::TEAL_LIGHT), "Usage rate P10–P90".into()),
                (Swatch::Line(theme::TEAL, 4), "Usage rate median".into()),
                (Swatch::Fill(theme::GREEN_LIGHT), "Monthly benefits P10–P90".into()),
                (Swatch::Line(theme::GREEN, 4), "Monthly benefits median".into()),
                (Swatch::Dashed(theme::MARKER, 2), "Median reaches half its peak".into()),
            ],
            notes: vec![
                "Bands are month-by-month percentiles across runs; usage is 0 in a month where no one has access (including killed runs).".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        let u_max = usage.iter().fold(0.0f64, |a, b| a.max(b.p90));
        let (ut, _) = theme::ticks(0.0, u_max.clamp(1.0, 100.0), 4);
        let ut: Vec<f64> = ut.into_iter().filter(|t| *t <= 100.0 + 1e-9).collect();
        let b_max = benefits.iter().fold(0.0f64, |a, b| a.max(b.p90));
        let (bt, bstep) = theme::ticks(0.0, b_max.max(1.0), 4);
        let bfmt = theme::money_ticks(&bt, bstep);
        let y_w = theme::y_area(
            root,
            ut.iter()
                .map(theme::percent_tick)
                .chain(bt.iter().map(&bfmt)),
        )?;

        let body = theme::body(root, top, bottom);
        let (_, body_h) = body.dim_in_pixel();
        let x_area = px(66);
        let caption = px(34);
        let gap = px(22);
        let panel_h = (body_h as i32 - x_area - gap - 2 * caption) / 2;
        let (upper, lower) = body.split_vertically(caption + panel_h + gap);
        let x_axis = || Axis::new(0.0, h as f64, theme::month_ticks(h));

        let mut marks = Vec::new();
        // top: usage rate
        {
            let mut chart = ChartBuilder::on(&upper)
                .margin_left(px(14))
                .margin_right(px(theme::MARGIN))
                .margin_top(caption)
                .margin_bottom(gap)
                .x_label_area_size(0)
                .y_label_area_size(y_w)
                .build_cartesian_2d(x_axis(), Axis::over(ut.clone()))?;
            theme::style_mesh(&mut chart.configure_mesh())
                .y_desc("Usage rate")
                .x_label_formatter(&|_| String::new())
                .y_label_formatter(&theme::percent_tick)
                .draw()?;
            let frame = Frame::of(chart.plotting_area());
            fan(&mut chart, &usage, theme::TEAL_LIGHT, theme::TEAL)?;
            panel(
                root,
                frame,
                "LEADING  Usage rate (% of users with access who are active)",
                theme::TEAL,
            )?;
            if let Some(m) = usage_half {
                let x = chart.backend_coord(&(m, 0.0)).0;
                let label = format!("Median at half its peak: month {m:.1}");
                theme::inside_marker(root, frame, x, &label, theme::TEAL)?;
            }
            marks.push(Mark::new(
                "Usage median reaches half its peak (month)",
                usage_half,
            ));
        }
        // bottom: monthly benefits
        {
            let mut chart = ChartBuilder::on(&lower)
                .margin_left(px(14))
                .margin_right(px(theme::MARGIN))
                .margin_top(caption)
                .x_label_area_size(x_area)
                .y_label_area_size(y_w)
                .build_cartesian_2d(x_axis(), Axis::over(bt.clone()))?;
            theme::style_mesh(&mut chart.configure_mesh())
                .x_desc("Month")
                .y_desc(format!("Benefits ({c} per month)"))
                .x_label_formatter(&theme::month_tick)
                .y_label_formatter(&bfmt)
                .draw()?;
            let frame = Frame::of(chart.plotting_area());
            fan(&mut chart, &benefits, theme::GREEN_LIGHT, theme::GREEN)?;
            panel(
                root,
                frame,
                &format!("LAGGING  Monthly benefits ({c})"),
                theme::GREEN,
            )?;
            if let Some(m) = benefit_half {
                let x = chart.backend_coord(&(m, 0.0)).0;
                let label = format!("Median at half its peak: month {m:.1}");
                theme::inside_marker(root, frame, x, &label, theme::GREEN)?;
            }
            marks.push(Mark::new(
                "Benefits median reaches half its peak (month)",
                benefit_half,
            ));
        }
        Ok(marks)
    }
}

/// The P10-P90 band and the median of monthly values (month m at x = m,
/// starting from 0 at month 0).
fn fan<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, plotters::coord::cartesian::Cartesian2d<Axis, Axis>>,
    bands: &[Band],
    light: RGBColor,
    dark: RGBColor,
) -> DrawResult<(), DB> {
    let pts = |f: fn(&Band) -> f64| -> Vec<(f64, f64)> {
        std::iter::once((0.0, 0.0))
            .chain(
                bands
                    .iter()
                    .enumerate()
                    .map(|(i, b)| ((i + 1) as f64, f(b))),
            )
            .collect()
    };
    let mut poly = pts(|b| b.p90);
    poly.extend(pts(|b| b.p10).into_iter().rev());
    chart.draw_series(std::iter::once(Polygon::new(poly, light.filled())))?;
    chart.draw_series(LineSeries::new(pts(|b| b.p50), dark.stroke_width(upx(4))))?;
    Ok(())
}

/// A panel's caption, top left in the lane above its frame.
fn panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: Frame,
    caption: &str,
    color: RGBColor,
) -> DrawResult<(), DB> {
    let st = theme::bold(theme::LABEL_SIZE, color);
    theme::put(root, caption, &st, (f.left, f.top - px(30)))
}
