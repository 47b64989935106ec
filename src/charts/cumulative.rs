//! Cumulative net cash by month as a fan: the P10-P90 and P25-P75 bands,
//! the median, the zero line and the median payback marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, px, upx, Axis, Fact, Frame, Marker, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::{money_short, months};
use crate::summary::{Band, Summary};

pub struct CumulativeNetCash;

impl Chart for CumulativeNetCash {
    type Input = Summary;
    const NAME: &'static str = "cumulative-net-cash";

    fn title(s: &Summary) -> String {
        theme::title("Cumulative net cash", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.currency;
        let h = s.horizon_months;
        let bands: &[Band] = s
            .monthly
            .lagging
            .iter()
            .find(|b| b.key == "cumulative_net_cash")
            .map_or(&[], |b| &b.months);
        let median_payback = s.payback.p50.value;
        let mut facts = vec![Fact::new(
            match median_payback {
                Some(m) => format!("Median payback: {}", months(Some(m))),
                None => format!("Median payback: beyond the {h}-month horizon"),
            },
            theme::NAVY,
        )];
        if let Some(last) = bands.last() {
            facts.push(Fact::new(
                format!(
                    "At month {h}: median {} (P10 {}, P90 {})",
                    money_short(last.p50, c),
                    money_short(last.p10, c),
                    money_short(last.p90, c)
                ),
                theme::INK,
            ));
        }
        let mut legend = vec![
            (
                Swatch::Fill(theme::NAVY_LIGHT),
                "P10–P90 (80% of runs)".to_string(),
            ),
            (
                Swatch::Fill(theme::NAVY_MID),
                "P25–P75 (50% of runs)".into(),
            ),
            (Swatch::Line(theme::NAVY, 4), "Median".into()),
            (
                Swatch::Line(theme::INK, 2),
                "Zero: cash back to where it started".into(),
            ),
        ];
        if median_payback.is_some() {
            legend.push((Swatch::Dashed(theme::MARKER, 3), "Median payback".into()));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Costs and benefits added up month by month ({c}, undiscounted); the bands hold the middle 80% and 50% of runs"
            ),
            facts,
            legend,
            notes: vec![
                "Each band is a month-by-month percentile across runs, not the path of any one run.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        let lo = bands.iter().fold(0.0f64, |a, b| a.min(b.p10));
        let hi = bands.iter().fold(0.0f64, |a, b| a.max(b.p90));
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

        draw_fan(&mut chart, bands, h)?;

        let frame = Frame::of(chart.plotting_area());
        // beyond the horizon, the header says so in words
        if let Some(m) = median_payback {
            let (x, y) = chart.backend_coord(&(m, 0.0));
            let marker =
                Marker::strong(x, format!("Median payback {}", theme::mo(m)), theme::MARKER);
            theme::markers(root, frame, &[marker])?;
            root.draw(&Circle::new((x, y), upx(7), theme::MARKER.filled()))?;
            root.draw(&Circle::new((x, y), upx(4), theme::WHITE.filled()))?;
        }
        Ok(vec![Mark::new("Median payback", median_payback)])
    }
}

/// Month `m`'s figure of each band as points, from month 0 (where the
/// cumulative cash is 0) to the horizon.
fn fan_points(bands: &[Band], f: fn(&Band) -> f64) -> Vec<(f64, f64)> {
    std::iter::once((0.0, 0.0))
        .chain(
            bands
                .iter()
                .enumerate()
                .map(|(i, b)| ((i + 1) as f64, f(b))),
        )
        .collect()
}

/// The cumulative net cash fan, as this chart and the programme's draw it:
/// the P10-P90 and P25-P75 bands, the zero line over the `h` months and the
/// median.
pub(super) fn draw_fan<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
    bands: &[Band],
    h: usize,
) -> DrawResult<(), DB> {
    let band = |lower: fn(&Band) -> f64, upper: fn(&Band) -> f64| {
        let mut poly = fan_points(bands, upper);
        poly.extend(fan_points(bands, lower).into_iter().rev());
        poly
    };
    chart.draw_series(std::iter::once(Polygon::new(
        band(|b| b.p10, |b| b.p90),
        theme::NAVY_LIGHT.filled(),
    )))?;
    chart.draw_series(std::iter::once(Polygon::new(
        band(|b| b.p25, |b| b.p75),
        theme::NAVY_MID.filled(),
    )))?;
    chart.draw_series(LineSeries::new(
        vec![(0.0, 0.0), (h as f64, 0.0)],
        theme::INK.stroke_width(upx(2)),
    ))?;
    chart.draw_series(LineSeries::new(
        fan_points(bands, |b| b.p50),
        theme::NAVY.stroke_width(upx(4)),
    ))?;
    Ok(())
}
