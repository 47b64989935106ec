//! The NPV distribution: the summary's histogram (shares of all runs),
//! losses in red, P10/P50/P90 marked, the zero line, P(NPV > 0) stated.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::{money_short, pct};
use crate::summary::Summary;

pub struct NpvDistribution;

impl Chart for NpvDistribution {
    type Input = Summary;
    const NAME: &'static str = "npv-distribution";

    fn title(s: &Summary) -> String {
        theme::title("NPV distribution", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.currency;
        let npv = &s.npv;
        let hist = &s.npv_histogram;
        let total = hist.total.max(1) as f64;
        let positive = npv.p_positive.value;
        let marks = vec![
            Mark::new("P10", npv.spread.p10.value),
            Mark::new("P50", npv.spread.p50.value),
            Mark::new("P90", npv.spread.p90.value),
            Mark::new("P(NPV > 0)", Some(positive)),
        ];
        let mut facts = vec![Fact::new(
            format!("P(NPV > 0) = {}", pct(positive)),
            if positive >= 0.5 {
                theme::GREEN
            } else {
                theme::RED
            },
        )];
        if let Some(m) = npv.spread.p50.value {
            facts.push(Fact::new(
                format!("Median NPV {}", money_short(m, c)),
                theme::NAVY,
            ));
        }
        facts.push(Fact::new(
            format!("Mean NPV {}", money_short(npv.spread.mean.value, c)),
            theme::INK,
        ));
        let mut notes = Vec::new();
        let bins = hist.counts.len();
        let (lo, hi) = (hist.lo, hist.lo + hist.width * bins as f64);
        // show zero unless it lies far off the bins
        let span = (hi - lo).max(f64::MIN_POSITIVE);
        let zero_shown = (lo - span..=hi + span).contains(&0.0);
        if !zero_shown {
            let side = if hi < 0.0 { "right" } else { "left" };
            notes.push(format!(
                "NPV = 0 lies far to the {side} of every bin, off the chart."
            ));
        }
        if hist.below + hist.above > 0 {
            notes.push(format!(
                "The bins span NPV's P1 to P99: {} of runs lie below the chart and {} above it.",
                pct(hist.below as f64 / total),
                pct(hist.above as f64 / total)
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Net present value over the {}-month horizon ({c}, {}), share of runs in each bin",
                s.horizon_months,
                theme::discounting(s)
            ),
            facts,
            legend: vec![
                (
                    Swatch::Fill(theme::RED_BAR),
                    "Runs losing value (NPV below 0)".into(),
                ),
                (
                    Swatch::Fill(theme::BAR),
                    "Runs creating value (NPV above 0)".into(),
                ),
                (Swatch::Dashed(theme::MARKER, 3), "P50 (median)".into()),
                (Swatch::Dashed(theme::MARKER, 2), "P10 and P90".into()),
                (Swatch::Line(theme::INK, 2), "Zero".into()),
            ],
            notes,
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        let (x_lo, x_hi) = if zero_shown {
            (lo.min(0.0), hi.max(0.0))
        } else {
            (lo, hi)
        };
        let (xt, xstep) = theme::ticks(x_lo, x_hi, 8);
        let xfmt = theme::money_ticks(&xt, xstep);
        let shares: Vec<f64> = hist
            .counts
            .iter()
            .map(|k| *k as f64 / total * 100.0)
            .collect();
        let max_share = shares.iter().fold(0.0f64, |a, v| a.max(*v));
        let (yt, _) = theme::ticks(0.0, (max_share * 1.05).max(0.5), 5);
        let left_w = theme::y_area(root, yt.iter().map(theme::percent_tick))?;

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(x_lo - xstep * 0.15, x_hi + xstep * 0.15, xt),
                Axis::over(yt),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc(format!("Net present value ({c})"))
            .y_desc("Share of all runs in the bin")
            .x_label_formatter(&xfmt)
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let gap = hist.width * if bins > 60 { 0.0 } else { 0.06 };
        chart.draw_series(
            shares
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| {
                    let a = lo + i as f64 * hist.width;
                    let b = a + hist.width;
                    let color = if b <= 0.0 { theme::RED_BAR } else { theme::BAR };
                    Rectangle::new([(a + gap, 0.0), (b - gap, *v)], color.filled())
                }),
        )?;

        let frame = Frame::of(chart.plotting_area());
        let x_of = |v: f64| chart.backend_coord(&(v, 0.0)).0;
        let mut ms = Vec::new();
        for q in [&npv.spread.p10, &npv.spread.p50, &npv.spread.p90] {
            if let Some(v) = q.value {
                let label = format!("P{:.0} {}", q.p * 100.0, money_short(v, c));
                ms.push(if q.p == 0.5 {
                    Marker::strong(x_of(v), label, theme::MARKER)
                } else {
                    Marker::dashed(x_of(v), label, theme::MARKER)
                });
            }
        }
        if zero_shown {
            let x = x_of(0.0);
            root.draw(&PathElement::new(
                vec![(x, frame.top), (x, frame.bottom)],
                theme::INK.stroke_width(theme::upx(2)),
            ))?;
        }
        theme::markers(root, frame, &ms)?;
        Ok(marks)
    }
}
