//! The spider: the statistic as each of the top inputs of the pinned
//! tornado is pinned at its P10, P30, P50, P70 and P90 (every other draw
//! unchanged), one line per input, the base statistic as a reference line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::theme::{self, px, Axis, Fact, Frame, Page, Swatch};
use super::tornado::Units;
use super::{Chart, DrawResult, Mark};
use crate::summary::Summary;

pub struct Spider;

/// The lines' colours, in the tornado's order.
const COLORS: [RGBColor; 5] = [
    theme::NAVY,
    theme::ORANGE,
    theme::TEAL,
    theme::RED,
    RGBColor(0x8e, 0x5b, 0x9a),
];

impl Chart for Spider {
    type Input = Summary;
    const NAME: &'static str = "spider";

    fn title(s: &Summary) -> String {
        let what = s
            .sensitivity
            .as_ref()
            .map_or("the result".to_string(), |x| x.statistic.clone());
        theme::title(&format!("How {what} moves with each driver"), s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let sens = s.sensitivity.as_ref();
        let lines = sens.map_or(&[][..], |x| &x.spider[..]);
        let statistic = sens.map_or("the result".to_string(), |x| x.statistic.clone());
        let mut facts = Vec::new();
        let mut legend = Vec::new();
        let u = sens.map(|x| Units::of(s, x));
        if let (Some(sens), Some(u)) = (sens, &u) {
            facts.push(Fact::new(
                format!("Base {}: {}", sens.statistic, u.label(sens.base)),
                theme::INK,
            ));
            legend.push((
                Swatch::Dashed(theme::MARKER, 2),
                "Base (every input drawn as usual)".to_string(),
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "The {statistic} with one input at a time pinned at its P10, P30, P50, P70 and P90, every other draw unchanged"
            ),
            facts,
            legend,
            notes: vec![
                "A steep line is an input worth pinning down; a flat one matters little. Inputs: the largest swings of the tornado.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;
        let (Some(sens), Some(u)) = (sens, u) else {
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
        let beyond = u.beyond();
        let at = |v: Option<f64>| v.map(|x| u.plot(x)).or(beyond);
        let vals: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| at(p.2)))
            .chain([at(sens.base)])
            .flatten()
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let (yaxis, ystep) = theme::padded(lo, hi, 6, true);
        let yfmt = u.ticks(&yaxis.ticks, ystep);
        let left_w = theme::y_area(root, yaxis.ticks.iter().map(&yfmt))?;

        // line labels right of the frame
        let label_st = theme::bold(theme::LABEL_SIZE, theme::INK);
        let mut label_w = 0;
        for l in lines {
            label_w = label_w.max(theme::width(root, &l.path, &label_st)?);
        }
        let label_w = label_w.min(px(480));

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN) + label_w + px(24))
            .margin_top(px(20))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(6.0, 94.0, vec![10.0, 30.0, 50.0, 70.0, 90.0]),
                yaxis,
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .x_desc("Percentile the input is pinned at (every other input drawn as usual)")
            .y_desc(u.desc(&sens.statistic))
            .x_label_formatter(&|v: &f64| format!("P{v:.0}"))
            .y_label_formatter(&|v: &f64| yfmt(v))
            .draw()?;
        let frame = Frame::of(chart.plotting_area());
        if let Some(b) = at(sens.base) {
            let y = chart.backend_coord(&(50.0, b)).1;
            theme::line(
                root,
                (frame.left, y),
                (frame.right, y),
                theme::MARKER,
                2,
                true,
            )?;
            let label = format!("Base {}", u.label(sens.base));
            let st = theme::bold(theme::LABEL_SIZE - 2.0, theme::MARKER);
            let lh = (st.font.get_size() as i32).max(px(14));
            theme::boxed(root, &label, &st, (frame.left + px(12), y - lh - px(8)))?;
        }
        let mut ends = Vec::new();
        for (k, l) in lines.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter_map(|p| at(p.2).map(|v| (p.0 * 100.0, v)))
                .collect();
            chart.draw_series(std::iter::once(PathElement::new(
                pts.clone(),
                color.stroke_width(theme::upx(3)),
            )))?;
            chart.draw_series(
                pts.iter()
                    .map(|p| Circle::new(*p, theme::upx(5), color.filled())),
            )?;
            if let Some(last) = pts.last() {
                ends.push((chart.backend_coord(last).1 as f64, k, l));
            }
        }
        // labels at the lines' right ends, spread so that none overlap
        let h = px(theme::LABEL_SIZE as i32 + 4) as f64;
        let centers: Vec<f64> = ends.iter().map(|e| e.0).collect();
        let heights = vec![h; ends.len()];
        let tops = theme::spread_labels(
            &centers,
            &heights,
            frame.top as f64,
            frame.bottom as f64,
            px(4) as f64,
        );
        for ((y, k, l), t) in ends.iter().zip(&tops) {
            let color = COLORS[*k % COLORS.len()];
            let ly = (t + h / 2.0).round() as i32;
            let x0 = frame.right + px(8);
            root.draw(&PathElement::new(
                vec![(frame.right - px(2), *y as i32), (x0 + px(8), ly)],
                color.stroke_width(theme::upx(1)),
            ))?;
            let (name, st) = theme::fit(root, &l.path, theme::LABEL_SIZE, 13.0, label_w, |z| {
                theme::bold(z, color)
            })?;
            let st = theme::anchored(&st, HPos::Left, VPos::Center);
            theme::put(root, &name, &st, (x0 + px(12), ly))?;
        }
        Ok(lines
            .iter()
            .map(|l| Mark::new(l.path.clone(), l.points.last().and_then(|p| p.2)))
            .collect())
    }
}
