//! The cost ramp: mean monthly cost stacked by category against mean
//! monthly benefits. Means, because the medians of the parts do not add up
//! to the median of the whole.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, upx, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::money_short;
use crate::summary::Summary;

pub struct CostRamp;

/// How a cost category reads on the chart.
pub fn category_label(key: &str) -> String {
    match key {
        "stage" => "Stage burn & one-offs".into(),
        "run_fixed" => "Running costs (fixed)".into(),
        "per_user" => "Per active user".into(),
        "onboarding" => "Onboarding".into(),
        "retraining" => "Retraining".into(),
        other => other.replace('_', " "),
    }
}

impl Chart for CostRamp {
    type Input = Summary;
    const NAME: &'static str = "cost-ramp";

    fn title(s: &Summary) -> String {
        theme::title("Mean monthly costs by category vs mean benefits", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.currency;
        let h = s.horizon_months;
        let parts = &s.monthly.mean_cost_by_category;
        let benefits: Vec<f64> = s
            .monthly
            .lagging
            .iter()
            .find(|b| b.key == "benefits")
            .map_or(Vec::new(), |b| b.months.iter().map(|m| m.mean).collect());
        let months = parts
            .iter()
            .map(|(_, v)| v.len())
            .max()
            .unwrap_or(0)
            .max(benefits.len());
        let cost_at = |m: usize| -> f64 {
            parts
                .iter()
                .map(|(_, v)| v.get(m).copied().unwrap_or(0.0))
                .sum()
        };
        // first month from which mean benefits exceed mean costs for good
        let mut cross = None;
        for m in (0..months).rev() {
            if benefits.get(m).copied().unwrap_or(0.0) > cost_at(m) {
                cross = Some(m + 1);
            } else {
                break;
            }
        }
        let mut facts = vec![
            Fact::new(
                format!(
                    "Mean total cost {}",
                    money_short(s.total_cost.mean.value, c)
                ),
                theme::NAVY,
            ),
            Fact::new(
                format!(
                    "Mean total benefits {}",
                    money_short(s.total_benefit.mean.value, c)
                ),
                theme::GREEN,
            ),
        ];
        if cross.is_none() {
            facts.push(Fact::new(
                format!("Mean benefits stay below mean costs through month {h}"),
                theme::RED,
            ));
        }
        let mut legend: Vec<(Swatch, String)> = parts
            .iter()
            .enumerate()
            .map(|(i, (k, _))| {
                (
                    Swatch::Fill(theme::COST_COLORS[i % theme::COST_COLORS.len()]),
                    category_label(k),
                )
            })
            .collect();
        legend.push((Swatch::Line(theme::GREEN, 4), "Mean benefits".into()));
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Mean over all runs of each month's costs ({c}, overruns included), stacked by category, against mean benefits"
            ),
            facts,
            legend,
            notes: vec![
                "Means, not medians: the medians of the parts do not add up. Killed runs count with their costs and benefits of 0 after the kill.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        let max = (0..months)
            .map(|m| cost_at(m).max(benefits.get(m).copied().unwrap_or(0.0)))
            .fold(0.0f64, f64::max);
        let (yt, step) = theme::ticks(0.0, (max * 1.03).max(1.0), 6);
        let fmt = theme::money_ticks(&yt, step);
        let left_w = theme::y_area(root, yt.iter().map(&fmt))?;

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(0.0, h as f64, theme::month_ticks(h)),
                Axis::over(yt),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Month")
            .y_desc(format!("{c} per month (mean)"))
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&fmt)
            .draw()?;
        let gap = if months > 60 { 0.0 } else { 0.1 };
        for m in 0..months {
            let mut base = 0.0;
            for (i, (_, v)) in parts.iter().enumerate() {
                let x = v.get(m).copied().unwrap_or(0.0).max(0.0);
                if x > 0.0 {
                    let color = theme::COST_COLORS[i % theme::COST_COLORS.len()];
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(m as f64 + gap, base), (m as f64 + 1.0 - gap, base + x)],
                        color.filled(),
                    )))?;
                }
                base += x;
            }
        }
        // benefits as a flow: each month's mean at its middle
        let line: Vec<(f64, f64)> = benefits
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 0.5, *v))
            .collect();
        chart.draw_series(LineSeries::new(
            line.clone(),
            theme::WHITE.stroke_width(upx(8)),
        ))?;
        chart.draw_series(LineSeries::new(line, theme::GREEN.stroke_width(upx(4))))?;
        let frame = Frame::of(chart.plotting_area());
        if let Some(m) = cross {
            let x = chart.backend_coord(&(m as f64 - 1.0, 0.0)).0;
            theme::markers(
                root,
                frame,
                &[Marker::dashed(
                    x,
                    format!("Mean benefits exceed mean costs from month {m}"),
                    theme::MARKER,
                )],
            )?;
        }
        Ok(vec![Mark::new(
            "Mean benefits exceed mean costs from month",
            cross.map(|m| m as f64),
        )])
    }
}
