//! Payback distribution: a histogram of months to payback (one-month bins,
//! as shares of all runs) with the cumulative share paid back on a second
//! axis, P10/P50/P90 marked, and the runs with no payback said in words.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, upx, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::pct;
use crate::summary::Summary;

pub struct PaybackDistribution;

/// The share of runs with no payback within the horizon, as the summary
/// states it (1 - P(payback within the horizon)).
pub fn no_payback_share(s: &Summary) -> f64 {
    1.0 - s.payback.p_within_horizon.value
}

impl Chart for PaybackDistribution {
    type Input = Summary;
    const NAME: &'static str = "payback-distribution";

    fn title(s: &Summary) -> String {
        theme::title("Payback distribution", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let h = s.horizon_months;
        let hf = h as f64;
        let p = &s.payback;
        let none = no_payback_share(s);
        let hist = &s.payback_histogram;
        let total = hist.total.max(1) as f64;
        let shares: Vec<f64> = hist
            .counts
            .iter()
            .map(|c| *c as f64 / total * 100.0)
            .collect();

        let marks = vec![
            Mark::new("P10", p.p10.value),
            Mark::new("P50", p.p50.value),
            Mark::new("P90", p.p90.value),
            Mark::new("No payback within the horizon", Some(none)),
        ];

        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Months from the start of the first stage until cumulative net cash is back to zero, over {} simulated runs",
                crate::format::thousands(s.iterations as f64)
            ),
            facts: vec![
                Fact {
                    text: format!("{} of runs pay back within {h} months", pct(p.p_within_horizon.value)),
                    color: theme::NAVY,
                },
                Fact {
                    text: format!("{} of runs: no payback within {h} months", pct(none)),
                    color: theme::RED,
                },
            ],
            legend: vec![
                (Swatch::Fill(theme::BAR), "Runs paying back in the month (left axis)".into()),
                (Swatch::Line(theme::ORANGE, 4), "Cumulative share paid back (right axis)".into()),
                (Swatch::Dashed(theme::MARKER, 3), "P50 (median)".into()),
                (Swatch::Dashed(theme::MARKER, 2), "P10 and P90".into()),
            ],
            notes: vec![
                "Shares are of all runs, so the bars and the curve leave out the runs with no payback within the horizon.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        // left axis in four equal steps, so its grid lines meet the right
        // axis's 0 / 25 / 50 / 75 / 100%
        let max_share = shares.iter().fold(0.0f64, |a, v| a.max(*v));
        // with no bars at all, the left axis reads like the right one
        let step = if max_share > 0.0 {
            theme::nice_step(max_share * 1.06 / 4.0)
        } else {
            25.0
        };
        let y_ticks: Vec<f64> = (0..=4).map(|k| k as f64 * step).collect();
        let y_top = 4.0 * step;
        let left_w = theme::y_area(root, y_ticks.iter().map(theme::percent_tick))?;
        let right_w = theme::right_axis_room(root, &["100%"])?;

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .margin_right(right_w)
            .build_cartesian_2d(
                Axis::new(0.0, hf, theme::month_ticks(h)),
                Axis::new(0.0, y_top, y_ticks),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Months to payback")
            .y_desc("Share of all runs paying back in the month")
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let gap = if h > 60 { 0.0 } else { 0.08 };
        chart.draw_series(
            shares
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| {
                    let x = hist.lo + i as f64 * hist.width;
                    Rectangle::new(
                        [(x + gap, 0.0), (x + hist.width - gap, *v)],
                        theme::BAR.filled(),
                    )
                }),
        )?;
        let mut cum = 0.0;
        let mut curve = vec![(hist.lo, 0.0)];
        for (i, c) in hist.counts.iter().enumerate() {
            cum += *c as f64 / total * 100.0;
            curve.push((hist.lo + (i + 1) as f64 * hist.width, cum));
        }
        // the curve on the right axis: 100% at the top of the left one
        let to_left = y_top / 100.0;
        chart.draw_series(LineSeries::new(
            curve.into_iter().map(|(x, c)| (x, c * to_left)),
            theme::ORANGE.stroke_width(upx(4)),
        ))?;

        let frame = Frame::of(chart.plotting_area());
        let right_ticks: Vec<(i32, String)> = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|v| {
                (
                    chart.backend_coord(&(0.0, v * to_left)).1,
                    theme::percent_tick(v),
                )
            })
            .collect();
        theme::right_axis(
            root,
            frame,
            &right_ticks,
            "Cumulative share of all runs paid back",
        )?;
        let x_of = |v: f64| chart.backend_coord(&(v, 0.0)).0;
        let mut ms = Vec::new();
        let mut beyond = Vec::new();
        for q in [&p.p10, &p.p50, &p.p90] {
            let name = format!("P{:.0}", q.p * 100.0);
            match q.value {
                Some(v) => {
                    let label = format!("{name} {}", theme::mo(v));
                    ms.push(if q.p == 0.5 {
                        Marker::strong(x_of(v), label, theme::MARKER)
                    } else {
                        Marker::dashed(x_of(v), label, theme::MARKER)
                    });
                }
                None => beyond.push(name),
            }
        }
        if !beyond.is_empty() {
            ms.push(Marker::words(
                frame.right,
                format!("{}: beyond the {h}-month horizon →", join_and(&beyond)),
                theme::RED,
            ));
        }
        theme::markers(root, frame, &ms)?;
        if max_share == 0.0 {
            let msg = format!("No run paid back within the {h}-month horizon");
            theme::message(root, frame, &msg, theme::RED)?;
        }
        Ok(marks)
    }
}

/// `["P10", "P50", "P90"]` -> `"P10, P50 and P90"`.
fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
