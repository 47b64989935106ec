//! The programme's charts (`gatecast portfolio`), in the one theme: the
//! programme's cumulative cash fan over each initiative's stacked mean,
//! how many initiatives reach their last stage, each initiative's
//! contribution, the efficient frontier and the initiatives' payback
//! S-curves (the overlay chart of [`super::overlay`]).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rayon::prelude::*;

use super::overlay::{Compared, PaybackOverlay, COLORS};
use super::theme::{self, px, upx, Axis, Fact, Page, Swatch};
use super::{render, Chart, ChartFile, DrawResult, Mark};
use crate::format::{money_short, pct, thousands};
use crate::portfolio::figures::PortfolioSummary;
use crate::summary::Band;

/// The title of a programme chart.
fn title(what: &str, s: &PortfolioSummary) -> String {
    format!("{what} — {}", s.portfolio)
}

/// The source line at the foot of every programme chart.
fn source(s: &PortfolioSummary) -> String {
    format!(
        "Source: gatecast {} Monte Carlo simulation, {} runs of the programme (seed {}), {}-month horizon, portfolio file {}",
        s.gatecast_version,
        thousands(s.iterations as f64),
        s.seed,
        s.horizon_months,
        s.portfolio_file
    )
}

/// The colour of initiative `j`.
fn color(j: usize) -> RGBColor {
    COLORS[j % COLORS.len()]
}

/// Draws the page around a programme chart; returns the plot's rows.
fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &PortfolioSummary,
    title: String,
    subtitle: String,
    facts: Vec<Fact>,
    legend: Vec<(Swatch, String)>,
    notes: Vec<String>,
) -> DrawResult<(i32, i32), DB> {
    let p = Page {
        title,
        subtitle,
        facts,
        legend,
        notes,
        summary: &s.initiatives[0].summary,
    };
    theme::page_with_source(root, &p, &source(s))
}

/// The programme's cumulative net cash: its P10-P90 and P25-P75 bands and
/// median, above each initiative's mean cumulative net cash stacked.
pub struct ProgrammeCash;

impl Chart for ProgrammeCash {
    type Input = PortfolioSummary;
    const NAME: &'static str = "programme-cumulative-cash";

    fn title(s: &PortfolioSummary) -> String {
        title("Programme cumulative net cash", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &PortfolioSummary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.currency;
        let h = s.horizon_months;
        let bands: Vec<Band> = s.monthly.iter().map(|m| m.cumulative_net_cash).collect();
        let p50 = s.programme.payback.p50.value;
        let mut facts = vec![Fact::new(
            match p50 {
                Some(m) => format!("Median programme payback: {}", theme::mo(m)),
                None => format!("Median programme payback: beyond the {h}-month horizon"),
            },
            theme::NAVY,
        )];
        if let Some(p90) = s.programme.peak_funding.p90.value {
            facts.push(Fact::new(
                format!("P90 peak funding: {}", money_short(p90, c)),
                theme::INK,
            ));
        }
        let mut legend = vec![
            (Swatch::Fill(theme::NAVY_LIGHT), "P10–P90".to_string()),
            (Swatch::Fill(theme::NAVY_MID), "P25–P75".into()),
            (Swatch::Line(theme::NAVY, 4), "Median".into()),
        ];
        for (j, i) in s.initiatives.iter().enumerate() {
            legend.push((Swatch::Fill(color(j)), i.name.clone()));
        }
        let (top, bottom) = page(
            root,
            s,
            Self::title(s),
            format!("Above: the programme's bands ({c}, undiscounted). Below: each initiative's mean cumulative net cash, stacked in file order"),
            facts,
            legend,
            vec!["The stacked means add up to the programme's mean; an initiative below zero pulls the stack down.".into()],
        )?;
        let body = theme::body(root, top, bottom);
        let (upper, lower) = body.split_vertically(((bottom - top) as f64 * 0.55) as i32);

        // the fan
        let lo = bands.iter().fold(0.0f64, |a, b| a.min(b.p10));
        let hi = bands.iter().fold(0.0f64, |a, b| a.max(b.p90));
        let (y_axis, step) = theme::padded(lo, hi, 5, true);
        let fmt = theme::money_ticks(&y_axis.ticks, step);
        // the stack
        let n = s.initiatives.len();
        let mut stacks: Vec<Vec<(f64, f64)>> = vec![vec![(0.0, 0.0)]; n + 1];
        for m in &s.monthly {
            let mut acc = 0.0;
            stacks[0].push((m.month as f64, 0.0));
            for (j, v) in m.initiative_mean_cumulative.iter().enumerate() {
                acc += v;
                stacks[j + 1].push((m.month as f64, acc));
            }
        }
        let slo = stacks.iter().flatten().fold(0.0f64, |a, p| a.min(p.1));
        let shi = stacks.iter().flatten().fold(0.0f64, |a, p| a.max(p.1));
        let (s_axis, s_step) = theme::padded(slo, shi, 4, true);
        let sfmt = theme::money_ticks(&s_axis.ticks, s_step);
        let left_w = theme::y_area(
            root,
            y_axis
                .ticks
                .iter()
                .map(&fmt)
                .chain(s_axis.ticks.iter().map(&sfmt)),
        )?;

        let mut chart = ChartBuilder::on(&upper)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(12))
            .x_label_area_size(px(10))
            .y_label_area_size(left_w)
            .build_cartesian_2d(Axis::new(0.0, h as f64, theme::month_ticks(h)), y_axis)?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_label_formatter(&|_| String::new())
            .y_desc(format!("Programme ({c})"))
            .y_label_formatter(&fmt)
            .draw()?;
        super::cumulative::draw_fan(&mut chart, &bands, h)?;
        if let Some(m) = p50 {
            chart.draw_series(std::iter::once(Circle::new(
                (m, 0.0),
                upx(7),
                theme::MARKER.filled(),
            )))?;
        }

        let mut stack = ChartBuilder::on(&lower)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(16))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(Axis::new(0.0, h as f64, theme::month_ticks(h)), s_axis)?;
        theme::style_mesh(&mut stack.configure_mesh())
            .disable_x_mesh()
            .x_desc("Month of the programme")
            .y_desc(format!("Mean by initiative ({c})"))
            .x_label_formatter(&theme::month_tick)
            .y_label_formatter(&sfmt)
            .draw()?;
        // each initiative's area: its stack's top, then the one below back
        let band = |lower: &[(f64, f64)], upper: &[(f64, f64)]| {
            let mut poly = upper.to_vec();
            poly.extend(lower.iter().rev());
            poly
        };
        for j in 0..n {
            stack.draw_series(std::iter::once(Polygon::new(
                band(&stacks[j], &stacks[j + 1]),
                color(j).mix(0.55).filled(),
            )))?;
            stack.draw_series(LineSeries::new(
                stacks[j + 1].clone(),
                color(j).stroke_width(upx(2)),
            ))?;
        }
        stack.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (h as f64, 0.0)],
            theme::INK.stroke_width(upx(2)),
        ))?;
        Ok(vec![Mark::new("Median programme payback", p50)])
    }
}

/// How many initiatives reach their last stage: bars of P(exactly k) with
/// P(at least k) written on them.
pub struct ReachCount;

impl Chart for ReachCount {
    type Input = PortfolioSummary;
    const NAME: &'static str = "how-many-reach-production";

    fn title(s: &PortfolioSummary) -> String {
        title("How many initiatives reach their last stage", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &PortfolioSummary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let c = &s.reaching_last_stage;
        let n = c.exactly.len() - 1;
        let facts = vec![
            Fact::new(
                format!("Median: {} of {n}; mean {:.1}", c.p50, c.mean.value),
                theme::NAVY,
            ),
            Fact::new(
                format!(
                    "P(at least 1) = {}",
                    pct(c.at_least.get(1).map_or(0.0, |p| p.value))
                ),
                theme::GREEN,
            ),
        ];
        let (top, bottom) = page(
            root,
            s,
            Self::title(s),
            format!(
                "Share of the programme's futures in which exactly k of its {n} initiatives start their last stage within {} months; on each bar, the chance of at least k",
                s.horizon_months
            ),
            facts,
            vec![
                (Swatch::Fill(theme::BAR), "P(exactly k)".into()),
            ],
            vec!["Shared organisational readiness makes initiatives succeed and fail together, which widens this distribution.".into()],
        )?;
        let top_share = c.exactly.iter().fold(0.0f64, |a, p| a.max(p.value));
        let (y_axis, _) = theme::padded(0.0, top_share * 100.0 * 1.15, 5, true);
        let left_w = theme::y_area(root, y_axis.ticks.iter().map(theme::percent_tick))?;
        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(theme::LANE))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(
                Axis::new(-0.6, n as f64 + 0.6, (0..=n).map(|k| k as f64).collect()),
                y_axis,
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Initiatives reaching their last stage (k)")
            .y_desc("Share of futures")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&theme::percent_tick)
            .draw()?;
        let mut marks = Vec::new();
        for (k, (e, a)) in c.exactly.iter().zip(&c.at_least).enumerate() {
            let x = k as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, 0.0), (x + 0.35, e.value * 100.0)],
                theme::BAR.filled(),
            )))?;
            let (px_x, px_y) = chart.backend_coord(&(x, e.value * 100.0));
            let st = theme::anchored(
                &theme::bold(theme::LABEL_SIZE, theme::INK),
                HPos::Center,
                VPos::Bottom,
            );
            theme::put(root, &pct(e.value), &st, (px_x, px_y - px(30)))?;
            let st2 = theme::anchored(
                &theme::text(theme::NOTE_SIZE, theme::MUTED),
                HPos::Center,
                VPos::Bottom,
            );
            theme::put(
                root,
                &format!("≥{k}: {}", pct(a.value)),
                &st2,
                (px_x, px_y - px(8)),
            )?;
            marks.push(Mark::new(format!("P(at least {k})"), Some(a.value)));
        }
        Ok(marks)
    }
}

/// Each initiative's marginal contribution to the programme's mean NPV,
/// sorted, with its change in P90 peak funding written beside.
pub struct Contributions;

impl Chart for Contributions {
    type Input = PortfolioSummary;
    const NAME: &'static str = "contributions";

    fn title(s: &PortfolioSummary) -> String {
        title("What each initiative adds", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &PortfolioSummary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let cur = &s.currency;
        let mut rows: Vec<(&str, f64, f64, f64)> = s
            .initiatives
            .iter()
            .map(|i| {
                (
                    i.name.as_str(),
                    i.contribution.mean_npv,
                    i.contribution.peak_funding_p90,
                    i.contribution.p_payback_within_target,
                )
            })
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (top, bottom) = page(
            root,
            s,
            Self::title(s),
            format!(
                "The programme's mean NPV with each initiative minus without it, on the same simulated futures ({cur}, discounted at {}% a year)",
                s.discount_rate * 100.0
            ),
            vec![Fact::new(
                format!(
                    "Programme mean NPV: {}",
                    money_short(s.all_initiatives.mean_npv.value, cur)
                ),
                theme::NAVY,
            )],
            vec![
                (Swatch::Fill(theme::GREEN), "Adds value".into()),
                (Swatch::Fill(theme::RED), "Destroys value".into()),
            ],
            vec![format!(
                "Beside each bar: the change in the programme's P90 peak funding and in its chance of payback within {:.0} months.",
                s.payback_target_months
            )],
        )?;
        let lo = rows.iter().fold(0.0f64, |a, r| a.min(r.1));
        let hi = rows.iter().fold(0.0f64, |a, r| a.max(r.1));
        let (x_axis, step) = theme::padded(lo, hi + (hi - lo) * 0.8, 6, true);
        let fmt = theme::money_ticks(&x_axis.ticks, step);
        let label_st = theme::text(theme::LABEL_SIZE, theme::INK);
        let mut left_w = 0;
        for r in &rows {
            left_w = left_w.max(theme::width(root, r.0, &label_st)?);
        }
        let body = theme::body(root, top, bottom);
        let n = rows.len();
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(12))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w + px(30))
            .build_cartesian_2d(
                x_axis,
                Axis::new(n as f64 - 0.5, -0.5, (0..n).map(|k| k as f64).collect()),
            )?;
        theme::style_mesh(&mut chart.configure_mesh())
            .disable_y_mesh()
            .x_desc(format!("Change in the programme's mean NPV ({cur})"))
            .x_label_formatter(&fmt)
            .y_label_formatter(&|v| {
                rows.get(v.round() as usize)
                    .map_or(String::new(), |r| r.0.to_string())
            })
            .draw()?;
        let mut marks = Vec::new();
        for (k, (name, npv, peak, pay)) in rows.iter().enumerate() {
            let y = k as f64;
            let col = if *npv >= 0.0 {
                theme::GREEN
            } else {
                theme::RED
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.32), (*npv, y + 0.32)],
                col.filled(),
            )))?;
            let (x0, py) = chart.backend_coord(&(npv.max(0.0), y));
            let text = format!(
                "{}  (P90 peak {}{}, payback {:+.1} pts)",
                money_short(*npv, cur),
                if *peak >= 0.0 { "+" } else { "-" },
                money_short(peak.abs(), cur),
                pay * 100.0
            );
            let st = theme::anchored(&label_st, HPos::Left, VPos::Center);
            theme::put(root, &text, &st, (x0 + px(10), py))?;
            marks.push(Mark::new(name.to_string(), Some(*npv)));
        }
        Ok(marks)
    }
}

/// The efficient frontier: every subset's P90 peak funding against its
/// mean NPV, the frontier joined, the budget line and the chosen subset.
pub struct Frontier;

impl Chart for Frontier {
    type Input = PortfolioSummary;
    const NAME: &'static str = "efficient-frontier";

    fn title(s: &PortfolioSummary) -> String {
        title("Which initiatives to fund: the efficient frontier", s)
    }

    fn draw<DB: DrawingBackend>(
        s: &PortfolioSummary,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<Vec<Mark>, DB> {
        let cur = &s.currency;
        let Some(sel) = &s.selection else {
            return Ok(Vec::new());
        };
        let mut facts = Vec::new();
        if let Some(ch) = &sel.chosen {
            facts.push(Fact::new(
                format!(
                    "Chosen: mean NPV {}, P90 peak funding {}",
                    money_short(ch.mean_npv.value, cur),
                    money_short(ch.peak_funding_p90, cur)
                ),
                theme::ORANGE,
            ));
        }
        if let Some(f) = &sel.fresh {
            facts.push(Fact::new(
                format!(
                    "On fresh draws: {} and {}",
                    money_short(f.mean_npv.value, cur),
                    money_short(f.peak_funding_p90, cur)
                ),
                theme::MUTED,
            ));
        }
        let (top, bottom) = page(
            root,
            s,
            Self::title(s),
            format!(
                "Each dot is one subset of the {} initiatives; the line joins those no other beats on both mean NPV and P90 peak funding ({cur})",
                s.initiatives.len()
            ),
            facts,
            vec![
                (Swatch::Fill(theme::WAITING), "A subset".into()),
                (Swatch::Line(theme::NAVY, 3), "Efficient frontier".into()),
                (Swatch::Dashed(theme::RED, 3), format!("Budget {}", money_short(sel.budget, cur))),
                (Swatch::Fill(theme::ORANGE), "Chosen".into()),
            ],
            sel.chosen.as_ref().map_or(Vec::new(), |ch| {
                vec![format!("Chosen: {}.", ch.initiatives.join(", "))]
            }),
        )?;
        let xs = sel.points.iter().map(|p| p[0]).chain([sel.budget]);
        let x_hi = xs.fold(0.0f64, f64::max);
        let y_lo = sel.points.iter().fold(0.0f64, |a, p| a.min(p[1]));
        let y_hi = sel.points.iter().fold(0.0f64, |a, p| a.max(p[1]));
        let (x_axis, xstep) = theme::padded(0.0, x_hi * 1.05, 6, true);
        let (y_axis, ystep) = theme::padded(y_lo, y_hi, 6, true);
        let xfmt = theme::money_ticks(&x_axis.ticks, xstep);
        let yfmt = theme::money_ticks(&y_axis.ticks, ystep);
        let left_w = theme::y_area(root, y_axis.ticks.iter().map(&yfmt))?;
        let body = theme::body(root, top, bottom);
        let mut chart = ChartBuilder::on(&body)
            .margin_left(px(14))
            .margin_right(px(theme::MARGIN))
            .margin_top(px(12))
            .x_label_area_size(px(66))
            .y_label_area_size(left_w)
            .build_cartesian_2d(x_axis, y_axis.clone())?;
        theme::style_mesh(&mut chart.configure_mesh())
            .x_desc(format!("P90 peak funding ({cur})"))
            .y_desc(format!("Mean NPV ({cur})"))
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()?;
        chart.draw_series(
            sel.points
                .iter()
                .map(|p| Circle::new((p[0], p[1]), upx(4), theme::WAITING.filled())),
        )?;
        let line: Vec<(f64, f64)> = sel
            .frontier
            .iter()
            .map(|p| (p.figures.peak_funding_p90, p.figures.mean_npv.value))
            .collect();
        chart.draw_series(LineSeries::new(
            line.clone(),
            theme::NAVY.stroke_width(upx(3)),
        ))?;
        chart.draw_series(
            line.iter()
                .map(|p| Circle::new(*p, upx(6), theme::NAVY.filled())),
        )?;
        // the budget, dashed
        let (y0, y1) = (y_axis.lo, y_axis.hi);
        let seg = (y1 - y0) / 40.0;
        for k in 0..40 {
            if k % 2 == 0 {
                let a = y0 + k as f64 * seg;
                chart.draw_series(LineSeries::new(
                    vec![(sel.budget, a), (sel.budget, a + seg)],
                    theme::RED.stroke_width(upx(3)),
                ))?;
            }
        }
        let mut marks = vec![Mark::new("Budget", Some(sel.budget))];
        if let Some(ch) = &sel.chosen {
            let p = (ch.peak_funding_p90, ch.mean_npv.value);
            chart.draw_series(std::iter::once(Circle::new(
                p,
                upx(11),
                theme::ORANGE.filled(),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                p,
                upx(5),
                theme::WHITE.filled(),
            )))?;
            marks.push(Mark::new("Chosen mean NPV", Some(ch.mean_npv.value)));
        }
        Ok(marks)
    }
}

/// Every programme chart, as PNG and/or SVG: the frontier only with a
/// budget; the initiatives' payback S-curves last.
pub fn render_all(s: &PortfolioSummary, svg: bool, png: bool) -> anyhow::Result<Vec<ChartFile>> {
    type R = fn(&PortfolioSummary, bool, bool) -> anyhow::Result<ChartFile>;
    let mut renders: Vec<R> = vec![
        render::<ProgrammeCash>,
        render::<ReachCount>,
        render::<Contributions>,
    ];
    if s.selection.is_some() {
        renders.push(render::<Frontier>);
    }
    let mut files: Vec<ChartFile> = renders
        .par_iter()
        .map(|r| r(s, svg, png))
        .collect::<anyhow::Result<_>>()?;
    let lines: Vec<(String, &crate::summary::Summary)> = s
        .initiatives
        .iter()
        .map(|i| (i.name.clone(), &i.summary))
        .collect();
    let mut curves = render::<PaybackOverlay>(&Compared::initiatives(&lines), svg, png)?;
    curves.name = "initiative-payback";
    files.push(curves);
    Ok(files)
}
