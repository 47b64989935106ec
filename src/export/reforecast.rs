//! The re-forecast from actuals in words: the terminal's read and its
//! section of summary.md. The plan (before) and the re-forecast (after)
//! always stand side by side, each named as such.

use std::fmt::Write as _;

use super::text::{sampling_note, stat_text};
use crate::format::{money, money_short, months, pct, sig, thousands};
use crate::reforecast::{Figures, Reforecast};
use crate::summary::{Pct, Prob, Summary};

/// A before/after row: name, before, after, the after's standard error.
struct Row {
    name: String,
    before: String,
    after: String,
    se: String,
}

fn prob_row(name: &str, b: Option<Prob>, a: Option<Prob>) -> Row {
    Row {
        name: name.into(),
        before: b.map_or("n/a".into(), |p| pct(p.value)),
        after: a.map_or("n/a".into(), |p| pct(p.value)),
        se: a.map_or(String::new(), |p| format!("± {:.1} points", p.se * 100.0)),
    }
}

fn money_row(name: &str, b: &Pct, a: &Pct, c: &str) -> Row {
    let v = |x: &Pct| x.value.map_or("n/a".into(), |v| money_short(v, c));
    Row {
        name: name.into(),
        before: v(b),
        after: v(a),
        se: a
            .se
            .map_or(String::new(), |e| format!("± {}", money_short(e, c))),
    }
}

fn months_row(name: &str, b: &Pct, a: &Pct) -> Row {
    Row {
        name: name.into(),
        before: months(b.value),
        after: months(a.value),
        se: a.se.map_or(String::new(), |e| format!("± {e:.1} months")),
    }
}

/// The before/after rows of the headline figures.
fn rows(rf: &Reforecast, c: &str) -> Vec<Row> {
    let (b, a): (&Figures, &Figures) = (&rf.prior, &rf.conditioned);
    let h = rf
        .prior
        .monthly
        .leading
        .first()
        .map_or(0, |x| x.months.len());
    vec![
        prob_row(
            "P(payback within 12 months)",
            Some(b.payback.p_within_12_months),
            Some(a.payback.p_within_12_months),
        ),
        prob_row(
            "P(payback within 24 months)",
            Some(b.payback.p_within_24_months),
            Some(a.payback.p_within_24_months),
        ),
        prob_row(
            "P(payback within 36 months)",
            b.payback.p_within_36_months,
            a.payback.p_within_36_months,
        ),
        prob_row(
            &format!("P(payback within the {h}-month horizon)"),
            Some(b.payback.p_within_horizon),
            Some(a.payback.p_within_horizon),
        ),
        months_row("Payback P50", &b.payback.p50, &a.payback.p50),
        money_row("NPV P10", &b.npv.spread.p10, &a.npv.spread.p10, c),
        money_row("NPV P50", &b.npv.spread.p50, &a.npv.spread.p50, c),
        money_row("NPV P90", &b.npv.spread.p90, &a.npv.spread.p90, c),
        prob_row("P(NPV > 0)", Some(b.npv.p_positive), Some(a.npv.p_positive)),
        money_row(
            "Peak funding P90",
            &b.peak_funding.p90,
            &a.peak_funding.p90,
            c,
        ),
    ]
}

/// The stages as stated, in one line: "Discovery started at month 0; POC
/// at month 1.1 (1 rework); Pilot at month 3.6".
pub fn timeline(rf: &Reforecast) -> String {
    let parts: Vec<String> = rf
        .stages
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let mut p = if i == 0 {
                format!("{} started at month {}", st.stage, sig(st.started))
            } else {
                format!("{} at month {}", st.stage, sig(st.started))
            };
            if st.reworks > 0 {
                let _ = write!(
                    p,
                    " ({} rework{})",
                    st.reworks,
                    if st.reworks == 1 { "" } else { "s" }
                );
            }
            if let Some(k) = st.killed {
                let _ = write!(p, ", killed at its gate at month {}", sig(k));
            }
            p
        })
        .collect();
    parts.join("; ")
}

/// The reliability line: effective sample size and Pareto k.
pub fn reliability(rf: &Reforecast) -> String {
    format!(
        "Effective sample size {} (of {} simulated futures, the gate decisions the facts fix pinned; {} agreeing with every stated fact); Pareto k {} ({}).",
        thousands(rf.effective_sample_size.floor()),
        thousands(rf.iterations as f64),
        thousands(rf.agreeing_iterations as f64),
        rf.pareto_k.map_or("n/a".into(), |k| format!("{k:.2}")),
        rf.pareto_k_reading
    )
}

/// The terminal's read of a run under actuals: the re-forecast headline,
/// the before/after table, what has been seen, how far the weighted
/// futures can be trusted, the re-forecast's funnel and drivers.
pub fn terminal(s: &Summary, rf: &Reforecast, out: Option<(&str, &[String])>) -> String {
    let c = &s.currency;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{}: re-forecast from actuals as of month {} ({})",
        s.scenario,
        sig(rf.as_of_month),
        rf.file
    );
    let _ = writeln!(
        t,
        "The plan on {} iterations{}, the re-forecast on {} weighted futures; seed {}, {}-month horizon, money in {c}",
        thousands(s.iterations as f64),
        sampling_note(s.sampling),
        thousands(rf.iterations as f64),
        s.seed,
        s.horizon_months
    );
    let _ = writeln!(t, "\n  {}\n", rf.headline);
    let _ = writeln!(
        t,
        "BEFORE AND AFTER                          {:>14}   {:>14}",
        "plan (before)", "re-forecast"
    );
    for r in rows(rf, c) {
        let _ = writeln!(
            t,
            "  {:<40} {:>14}   {:>14}  {}",
            r.name, r.before, r.after, r.se
        );
    }
    let _ = writeln!(
        t,
        "\nWHAT WE HAVE SEEN (as of month {})",
        sig(rf.as_of_month)
    );
    let _ = writeln!(t, "  {}.", timeline(rf));
    for o in &rf.observations {
        let _ = writeln!(t, "  {}", o.sentence);
    }
    let _ = writeln!(t, "\nHOW FAR THE RE-FORECAST CAN BE TRUSTED");
    let _ = writeln!(t, "  {}", reliability(rf));
    for w in &rf.warnings {
        let _ = writeln!(t, "  Warning: {w}");
    }
    let _ = writeln!(
        t,
        "\nSTAGE FUNNEL                      started (before -> after)   killed at its gate"
    );
    for (b, a) in rf.prior.funnel.iter().zip(&rf.conditioned.funnel) {
        let killed = match (&b.gate, &a.gate) {
            (Some(gb), Some(ga)) => {
                format!("{} -> {}", pct(gb.p_killed.value), pct(ga.p_killed.value))
            }
            _ => "-".into(),
        };
        let _ = writeln!(
            t,
            "  {:<30} {:>10} -> {:<10}   {killed}",
            a.stage,
            pct(b.p_started.value),
            pct(a.p_started.value)
        );
    }
    if let Some(sens) = &rf.conditioned_drivers {
        let _ = writeln!(
            t,
            "\nWHAT DRIVES {} NOW (weighted rank correlation over the futures that agree; share of variance)",
            sens.target.label().to_uppercase()
        );
        let mut top: Vec<_> = sens.deciles.iter().collect();
        top.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        for d in top.iter().take(4) {
            let _ = writeln!(
                t,
                "  {:<52} {:>+6.2}   {:>4}",
                d.path,
                d.spearman,
                pct(d.contribution)
            );
        }
    }
    if let Some((dir, files)) = out {
        let _ = writeln!(
            t,
            "\nThe plan's own figures (before the actuals) are in summary.md; the re-forecast's in its first section."
        );
        let _ = writeln!(t, "Results: {dir}/ ({})", files.join(", "));
    }
    t
}

fn md_row(t: &mut String, cells: &[String]) {
    let _ = writeln!(t, "| {} |", cells.join(" | "));
}

/// summary.md's first section under actuals: the re-forecast, before and
/// after, with standard errors; the rest of summary.md is the plan.
pub fn markdown(s: &Summary, rf: &Reforecast) -> String {
    let c = &s.currency;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "## Re-forecast from actuals (as of month {})\n",
        sig(rf.as_of_month)
    );
    let _ = writeln!(
        t,
        "Actuals from `{}`. Before: the plan as written (every simulated future counts the same). \
         After: futures drawn from the plan (the gate outcomes the actuals state drawn as stated), weighted by how well they agree with the actuals (MODEL.md 9.2). \
         \"± x\" is the standard error of the re-forecast.\n",
        rf.file
    );
    md_row(
        &mut t,
        &[
            "Figure".into(),
            "Before (plan)".into(),
            "After (re-forecast)".into(),
            "Standard error (after)".into(),
        ],
    );
    md_row(
        &mut t,
        &["---".into(), "---:".into(), "---:".into(), "---:".into()],
    );
    for r in rows(rf, c) {
        md_row(&mut t, &[r.name, r.before, r.after, r.se]);
    }
    let (b, a) = (&rf.prior, &rf.conditioned);
    md_row(
        &mut t,
        &[
            "Mean NPV".into(),
            money(b.npv.spread.mean.value, c),
            money(a.npv.spread.mean.value, c),
            format!("± {}", money(a.npv.spread.mean.se, c)),
        ],
    );
    md_row(
        &mut t,
        &[
            "P(killed at some gate)".into(),
            pct(b.p_killed.value),
            pct(a.p_killed.value),
            format!("± {:.1} points", a.p_killed.se * 100.0),
        ],
    );
    let _ = writeln!(t, "\n### What we have seen\n");
    let _ = writeln!(t, "- {}.", timeline(rf));
    for o in &rf.observations {
        let _ = writeln!(
            t,
            "- {} (`{}`, measured with sd {}; the plan's P10 / P50 / P90: {} / {} / {}; re-forecast mean {}.)",
            o.sentence,
            o.column,
            crate::actuals::metric_text(o.metric, o.sd, c),
            crate::actuals::metric_text(o.metric, o.prior_p10, c),
            crate::actuals::metric_text(o.metric, o.prior_p50, c),
            crate::actuals::metric_text(o.metric, o.prior_p90, c),
            crate::actuals::metric_text(o.metric, o.conditioned_mean.value, c),
        );
    }
    let _ = writeln!(
        t,
        "\nThe stated facts, which every weighted future agrees with: {}.\n",
        rf.facts.join("; ")
    );
    let _ = writeln!(t, "### How far the re-forecast can be trusted\n");
    let _ = writeln!(t, "{}\n", reliability(rf));
    for w in &rf.warnings {
        let _ = writeln!(t, "**Warning:** {w}\n");
    }
    let _ = writeln!(t, "Method: {}.\n", rf.method);
    let _ = writeln!(t, "### Stage funnel, before and after\n");
    md_row(
        &mut t,
        &[
            "Stage".into(),
            "P(started) before".into(),
            "after".into(),
            "P(killed at gate) before".into(),
            "after".into(),
        ],
    );
    md_row(
        &mut t,
        &[
            "---".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
        ],
    );
    for (fb, fa) in b.funnel.iter().zip(&a.funnel) {
        let k = |f: &crate::summary::StageFunnel| {
            f.gate
                .as_ref()
                .map_or("-".into(), |g| pct(g.p_killed.value))
        };
        md_row(
            &mut t,
            &[
                fa.stage.clone(),
                pct(fb.p_started.value),
                pct(fa.p_started.value),
                k(fb),
                k(fa),
            ],
        );
    }
    let _ = writeln!(t, "\n### What the actuals say about the assumptions\n");
    let _ = writeln!(
        t,
        "Each uncertain input's median in the plan and under the weights: the inputs the actuals have moved.\n"
    );
    md_row(
        &mut t,
        &[
            "Input".into(),
            "Plan P10 / P50 / P90".into(),
            "Re-forecast P10 / P50 / P90".into(),
        ],
    );
    md_row(&mut t, &["---".into(), "---:".into(), "---:".into()]);
    for (pa, ca) in s.assumptions.iter().zip(&rf.conditioned_assumptions) {
        md_row(
            &mut t,
            &[
                format!("`{}`", pa.path),
                format!("{} / {} / {}", sig(pa.p10), sig(pa.p50), sig(pa.p90)),
                format!("{} / {} / {}", sig(ca.p10), sig(ca.p50), sig(ca.p90)),
            ],
        );
    }
    if let Some(sens) = &rf.conditioned_drivers {
        let _ = writeln!(t, "\n### What drives {} now\n", sens.target.label());
        let _ = writeln!(
            t,
            "Weighted decile tornado and weighted Spearman rank correlations over the {} futures that agree with the facts: {} in each input's lowest and highest weighted tenth.\n",
            thousands(sens.iterations as f64),
            sens.statistic
        );
        md_row(
            &mut t,
            &[
                "Input".into(),
                "Rank correlation".into(),
                "Share of variance".into(),
                "Lowest tenth".into(),
                "Highest tenth".into(),
            ],
        );
        md_row(
            &mut t,
            &[
                "---".into(),
                "---:".into(),
                "---:".into(),
                "---:".into(),
                "---:".into(),
            ],
        );
        for d in &sens.deciles {
            md_row(
                &mut t,
                &[
                    format!("`{}`", d.path),
                    format!("{:+.3}", d.spearman),
                    pct(d.contribution),
                    stat_text(sens, d.low, c),
                    stat_text(sens, d.high, c),
                ],
            );
        }
    }
    let _ = writeln!(
        t,
        "\n---\n\n**The sections below are the plan as written (the prior, before the actuals).**\n"
    );
    t
}
