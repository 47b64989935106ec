//! The stage funnel: one horizontal bar per stage for the chance of
//! starting it within the horizon, the part killed at its gate in red, and
//! each gate's kill share written beside it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::theme::{self, px, Axis, Fact, Frame, Page, Swatch};
use super::{Chart, DrawResult, Mark};
use crate::format::pct;
use crate::summary::Summary;

pub struct StageFunnel;

impl Chart for StageFunnel {
    type Input = Summary;
    const NAME: &'static str = "stage-funnel";

    fn title(s: &Summary) -> String {
        theme::title("Stage funnel", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &Summary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let h = s.horizon_months;
        let stages = &s.funnel;
        let n = stages.len().max(1);
        let mut facts = Vec::new();
        if let Some(last) = stages.last() {
            facts.push(Fact::new(
                format!(
                    "{} of runs reach {} within {h} months",
                    pct(last.p_started.value),
                    last.stage
                ),
                theme::NAVY,
            ));
        }
        facts.push(Fact::new(
            format!("{} of runs are killed at a gate", pct(s.p_killed.value)),
            theme::RED,
        ));
        // the share of all runs in each part of each bar, in percent:
        // moved on (to the next stage), waiting (at the horizon), killed
        let parts: Vec<(f64, f64, f64)> = stages
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let started = f.p_started.value * 100.0;
                let killed = f
                    .gate
                    .as_ref()
                    .map_or(0.0, |g| g.p_killed.value * 100.0)
                    .min(started);
                // the next stage starts when this one's gate passes it
                let moved_on = match stages.get(i + 1) {
                    Some(next) => (next.p_started.value * 100.0).min(started - killed),
                    None => started - killed,
                };
                (moved_on, started - killed - moved_on, killed)
            })
            .collect();
        let mut legend = vec![
            (
                Swatch::Fill(theme::NAVY),
                "Moved on to the next stage (last stage: reached it)".to_string(),
            ),
            (
                Swatch::Fill(theme::RED_BAR),
                "Killed at the stage's gate".into(),
            ),
        ];
        if parts.iter().any(|p| p.1 >= 0.05) {
            legend.push((
                Swatch::Fill(theme::WAITING),
                format!("Still in the stage or awaiting its gate at month {h}"),
            ));
        }
        let page = Page {
            title: Self::title(s),
            subtitle: format!(
                "Chance of starting each stage within the {h}-month horizon, and the share of all runs each gate kills"
            ),
            facts,
            legend,
            notes: vec![
                "Each bar is the share of all runs that started the stage within the horizon, split by what happened next.".into(),
            ],
            summary: s,
        };
        let (top, bottom) = theme::page(root, &page)?;

        // stage names on the left, gate notes on the right
        let name_st = theme::bold(theme::TICK_SIZE + 1.0, theme::INK);
        let kill_st = theme::bold(theme::LABEL_SIZE, theme::RED);
        let note_st = theme::text(theme::NOTE_SIZE + 1.0, theme::MUTED);
        let mut name_w = 0;
        let mut gate_w = 0;
        let mut gate_text = Vec::new();
        for f in stages {
            name_w = name_w.max(theme::width(root, &f.stage, &name_st)?);
            let t = match &f.gate {
                Some(g) => (
                    format!("Gate kills {} of all runs", pct(g.p_killed.value)),
                    match g.p_killed_given_decision {
                        Some(k) => format!("({} of the runs it decided on)", pct(k)),
                        None => format!("(no decision within {h} months)"),
                    },
                ),
                None => (String::new(), "No gate: runs on to the horizon".to_string()),
            };
            gate_w = gate_w
                .max(theme::width(root, &t.0, &kill_st)?)
                .max(theme::width(root, &t.1, &note_st)?);
            gate_text.push(t);
        }
        let name_w = name_w.min(px(420));
        // room right of a full bar for its value
        let value_st = theme::bold(theme::LABEL_SIZE + 1.0, theme::INK);
        let value_w = theme::width(root, "100%", &value_st)? + px(16);
        let (cw, _) = theme::canvas();
        let left_margin = px(theme::MARGIN) + name_w + px(20);
        let right_margin = px(theme::MARGIN) + gate_w + px(40);
        let plot_w = (cw - left_margin - right_margin).max(px(200)) as f64;
        let x_hi = 100.0 * plot_w / (plot_w - value_w as f64).max(1.0);

        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(left_margin)
            .margin_right(right_margin)
            .margin_top(px(10))
            .x_label_area_size(px(66))
            .y_label_area_size(0)
            .build_cartesian_2d(
                Axis::new(0.0, x_hi, vec![0.0, 25.0, 50.0, 75.0, 100.0]),
                Axis::new(n as f64, 0.0, vec![]),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .x_desc("Share of all runs")
            .x_label_formatter(&theme::percent_tick)
            .draw()?;
        let frame = Frame::of(chart.plotting_area());

        let bar_half = 0.32;
        for (i, (f, (kill, note))) in stages.iter().zip(&gate_text).enumerate() {
            let row = i as f64 + 0.5;
            let (moved_on, waiting, killed) = parts[i];
            let started = moved_on + waiting + killed;
            let (a, b) = (row - bar_half, row + bar_half);
            let segments = [
                (0.0, moved_on, theme::NAVY),
                (moved_on, moved_on + waiting, theme::WAITING),
                (moved_on + waiting, started, theme::RED_BAR),
            ];
            chart.draw_series(
                segments
                    .iter()
                    .filter(|(x0, x1, _)| x1 > x0)
                    .map(|(x0, x1, c)| Rectangle::new([(*x0, a), (*x1, b)], c.filled())),
            )?;
            let (x_end, y_mid) = chart.backend_coord(&(started, row));
            // stage name
            let (name, st) =
                theme::fit(root, &f.stage, theme::TICK_SIZE + 1.0, 13.0, name_w, |z| {
                    theme::anchored(&theme::bold(z, theme::INK), HPos::Right, VPos::Center)
                })?;
            theme::put(root, &name, &st, (frame.left - px(16), y_mid))?;
            // value at the bar's end: outside when there is room
            let label = pct(f.p_started.value);
            let vst = theme::anchored(&value_st, HPos::Left, VPos::Center);
            theme::put(root, &label, &vst, (x_end + px(10), y_mid))?;
            // gate note, right of the frame
            let gx = frame.right + px(32);
            let row_h = chart.backend_coord(&(0.0, row + 1.0)).1 - y_mid;
            if kill.is_empty() {
                theme::put(
                    root,
                    note,
                    &theme::anchored(&note_st, HPos::Left, VPos::Center),
                    (gx, y_mid),
                )?;
            } else if row_h < px(54) {
                // no room for two lines
                theme::put(
                    root,
                    kill,
                    &theme::anchored(&kill_st, HPos::Left, VPos::Center),
                    (gx, y_mid),
                )?;
            } else {
                theme::put(
                    root,
                    kill,
                    &theme::anchored(&kill_st, HPos::Left, VPos::Bottom),
                    (gx, y_mid + px(2)),
                )?;
                theme::put(
                    root,
                    note,
                    &theme::anchored(&note_st, HPos::Left, VPos::Top),
                    (gx, y_mid + px(6)),
                )?;
            }
        }
        let marks = stages
            .iter()
            .map(|f| Mark::new(format!("P(start {})", f.stage), Some(f.p_started.value)))
            .collect();
        Ok(marks)
    }
}
