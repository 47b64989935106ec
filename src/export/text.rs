//! The summary as words: the terminal's ten-second read and `summary.md`.

use std::fmt::Write as _;

use crate::engine::Sampling;
use crate::format::{money, money_short, months, pct, thousands};
use crate::ontrack::{show, OnTrack};
use crate::sensitivity::Sensitivity;
use crate::stats::ontrack::{Band, GROUPS};
use crate::stats::sensitivity::Target;
use crate::summary::{Pct, Summary};

fn pct_months(p: &Pct) -> String {
    months(p.value)
}

/// The headline in plain words, for the terminal and the reports.
pub fn headline(s: &Summary) -> String {
    let h = s.horizon_months;
    let mut out = format!(
        "A {} chance of paying back within {h} months",
        pct(s.payback.p_within_horizon.value)
    );
    match s.payback.p50.value {
        Some(m) => {
            let _ = write!(out, "; median payback {m:.1} months");
        }
        None => out.push_str("; median payback beyond the horizon"),
    }
    if let Some(kills) = kills_phrase(s) {
        out.push_str("; ");
        out.push_str(&kills);
    }
    out.push('.');
    out
}

/// The gate that kills most, in words: "1 in N initiatives like this is
/// killed at the X gate" (N = 1 / P(killed there), rounded), "K in 10 ..."
/// when more than half are, "every initiative ..." when all are, and "no
/// initiative like this is killed at any gate" when none is. `None` when
/// the scenario has no gate, or when no gate kills 1% or more but some
/// kill does happen.
fn kills_phrase(s: &Summary) -> Option<String> {
    let (stage, g) = s
        .funnel
        .iter()
        .filter_map(|f| f.gate.as_ref().map(|g| (&f.stage, g)))
        .max_by(|a, b| a.1.p_killed.value.total_cmp(&b.1.p_killed.value))?;
    let p = g.p_killed.value;
    let at = format!("killed at the {stage} gate");
    if s.p_killed.value == 0.0 {
        Some("no initiative like this is killed at any gate".into())
    } else if p >= 1.0 {
        Some(format!("every initiative like this is {at}"))
    } else if p > 0.5 {
        // "1 in 1" would claim every one: say how many in 10 instead
        match (p * 10.0).round() {
            t if t >= 10.0 => Some(format!("nearly every initiative like this is {at}")),
            t => Some(format!("{t:.0} in 10 initiatives like this are {at}")),
        }
    } else if p >= 0.01 {
        let one_in = (1.0 / p).round();
        Some(format!("1 in {one_in:.0} initiatives like this is {at}"))
    } else {
        None
    }
}

/// " (Latin hypercube)" after the iteration count; nothing for plain
/// Monte Carlo, the default.
pub fn sampling_note(sampling: Sampling) -> String {
    match sampling {
        Sampling::Mc => String::new(),
        other => format!(" ({})", other.label()),
    }
}

/// Where a `--precision` run stopped, and why, in one sentence.
pub fn precision_note(s: &Summary) -> Option<String> {
    let p = s.precision.as_ref()?;
    let c = &s.currency;
    let se = |v: f64| match p.target {
        Target::Npv | Target::PeakFunding => money(v, c),
        Target::Roi => format!("{v:.4}"),
        Target::Payback => format!("{v:.4}"),
    };
    Some(if !p.achieved_se.is_finite() {
        format!(
            "Precision not reached: {} has no standard error, being defined in too few runs, after {} iterations.",
            p.figure,
            thousands(s.iterations as f64)
        )
    } else if p.reached {
        format!(
            "Stopped at {} iterations, when the standard error of {} reached {} (at most {} wanted).",
            thousands(s.iterations as f64),
            p.figure,
            se(p.achieved_se),
            se(p.wanted_se)
        )
    } else {
        format!(
            "Precision not reached: the standard error of {} is {} at the cap of {} iterations ({} wanted); raise --iterations.",
            p.figure,
            se(p.achieved_se),
            thousands(p.max_iterations as f64),
            se(p.wanted_se)
        )
    })
}

/// The short summary printed after a run.
pub fn terminal(s: &Summary, out: Option<(&str, &[String])>) -> String {
    if let Some(rf) = &s.actuals {
        return super::reforecast::terminal(s, rf, out);
    }
    let c = &s.currency;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{}: {} iterations{}, seed {}, {}-month horizon, money in {c}",
        s.scenario,
        thousands(s.iterations as f64),
        sampling_note(s.sampling),
        s.seed,
        s.horizon_months
    );
    if let Some(note) = precision_note(s) {
        let _ = writeln!(t, "{note}");
    }
    let _ = writeln!(t, "\n  {}\n", headline(s));
    let p = &s.payback;
    let p36 = p
        .p_within_36_months
        .map_or("n/a".to_string(), |x| pct(x.value));
    let _ = writeln!(t, "PAYBACK (lagging)");
    let _ = writeln!(
        t,
        "  Chance of payback within 12 / 24 / 36 months   {} / {} / {}   (within the horizon: {})",
        pct(p.p_within_12_months.value),
        pct(p.p_within_24_months.value),
        p36,
        pct(p.p_within_horizon.value)
    );
    let _ = writeln!(
        t,
        "  Payback P10 / P50 / P90                        {} / {} / {}",
        pct_months(&p.p10),
        pct_months(&p.p50),
        pct_months(&p.p90)
    );
    let v = |x: &Pct| x.value.map_or("n/a".into(), |v| money_short(v, c));
    let _ = writeln!(
        t,
        "\nVALUE (lagging; NPV discounted at {} a year)",
        s.discount_rate
    );
    let _ = writeln!(
        t,
        "  NPV P10 / P50 / P90                            {} / {} / {}",
        v(&s.npv.spread.p10),
        v(&s.npv.spread.p50),
        v(&s.npv.spread.p90)
    );
    let _ = writeln!(
        t,
        "  Chance NPV > 0                                 {}",
        pct(s.npv.p_positive.value)
    );
    let _ = writeln!(
        t,
        "  Peak funding needed P50 / P90                  {} / {}",
        v(&s.peak_funding.p50),
        v(&s.peak_funding.p90)
    );
    let _ = writeln!(
        t,
        "\nSTAGE FUNNEL                      started   killed at its gate"
    );
    for f in &s.funnel {
        let killed = f
            .gate
            .as_ref()
            .map_or("-".to_string(), |g| pct(g.p_killed.value));
        let _ = writeln!(
            t,
            "  {:<30} {:>7}   {:>8}",
            f.stage,
            pct(f.p_started.value),
            killed
        );
    }
    let _ = writeln!(t, "\nADOPTION (leading)");
    let first = s
        .leading
        .first_access_month
        .as_ref()
        .and_then(|f| f.p50.value)
        .map_or("never".into(), |m| format!("month {m:.1}"));
    let _ = write!(
        t,
        "  Users get access in {} of runs (median first access: {first})",
        pct(s.leading.p_access.value)
    );
    if let Some(usage) = s.monthly.leading.iter().find(|b| b.key == "usage_rate") {
        let h = s.horizon_months;
        let at = |m: usize| pct(usage.months[m - 1].p50);
        let mut marks: Vec<usize> = [12, 24, h].into_iter().filter(|m| *m <= h).collect();
        marks.dedup();
        let text: Vec<String> = marks
            .iter()
            .map(|m| format!("month {m}: {}", at(*m)))
            .collect();
        let _ = write!(t, "\n  Median usage rate at {}", text.join(", "));
    }
    if let Some(on) = &s.on_track {
        let _ = write!(t, "\n  {}", on.sentence());
        if let Some(band) = on.band_sentence() {
            let _ = write!(t, "\n  {band}");
        }
    }
    t.push('\n');
    if let Some(sens) = &s.sensitivity {
        t.push_str(&drivers(sens, &s.currency));
    }
    if let Some((dir, files)) = out {
        let _ = writeln!(t, "\nResults: {dir}/ ({})", files.join(", "));
    }
    t
}

/// A target statistic in words: money, a ratio or months.
pub(crate) fn stat_text(sens: &Sensitivity, v: Option<f64>, currency: &str) -> String {
    match (sens.target, v) {
        (_, None) => "beyond the horizon".into(),
        (Target::Payback, Some(m)) => format!("{m:.1} months"),
        (Target::Roi, Some(r)) => format!("{:.0}%", r * 100.0),
        (_, Some(x)) => money_short(x, currency),
    }
}

/// The terminal's "what drives" lines.
fn drivers(sens: &Sensitivity, currency: &str) -> String {
    let mut t = String::new();
    let label = sens.target.label();
    if sens.pinned.is_empty() {
        let _ = writeln!(
            t,
            "\nWHAT DRIVES {} (rank correlation; share of variance)",
            label.to_uppercase()
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
        let _ = writeln!(
            t,
            "  (--sensitivity adds the pinned tornado: each input at its P10 and P90, each gate)"
        );
    } else {
        let _ = writeln!(
            t,
            "\nWHAT DRIVES {} ({} with one input pinned low / high, same random numbers)",
            label.to_uppercase(),
            sens.statistic
        );
        for b in sens.pinned.iter().take(5) {
            let _ = writeln!(
                t,
                "  {:<44} {:>14} -> {:<14} {} -> {}",
                b.path,
                b.low_setting,
                b.high_setting,
                stat_text(sens, b.low, currency),
                stat_text(sens, b.high, currency)
            );
        }
    }
    t
}

fn row(t: &mut String, cells: &[String]) {
    let _ = writeln!(t, "| {} |", cells.join(" | "));
}

/// The shares paying back at or below the tripwire and above it.
pub(crate) fn sides(f: &crate::stats::ontrack::Checkpoint) -> String {
    match (f.p_payback_at_or_below, f.p_payback_above) {
        (Some(lo), Some(hi)) => format!("{} / {}", pct(lo), pct(hi)),
        (Some(lo), None) => format!("{} / nothing above", pct(lo)),
        _ => "-".into(),
    }
}

/// summary.md's section of what on track looks like (MODEL.md 9.1).
fn on_track_markdown(on: &OnTrack) -> String {
    let mut t = String::new();
    let tm = on.target_months;
    let _ = writeln!(
        t,
        "\n## What on track looks like (what the pilot must show)\n"
    );
    let _ = writeln!(t, "**{}.**\n", on.sentence());
    let _ = writeln!(
        t,
        "At each checkpoint month, over the futures in which users have access then: the band (P10 / P50 / P90) of each leading indicator among the futures that pay back within {tm} months, beside the band over all of them; and the tripwire, the upper edge of the highest tenth of futures (by the indicator) in which fewer than half pay back within {tm} months. Method: {}.\n",
        on.method
    );
    for ind in &on.indicators {
        let unit = if ind.key == "usage_rate" {
            "%"
        } else {
            "users"
        };
        let _ = writeln!(t, "### {} ({unit})\n", ind.label);
        row(
            &mut t,
            &[
                "Month".into(),
                "Futures with access".into(),
                format!("Of those, pay back within {tm} months"),
                "Paying back: P10 / P50 / P90".into(),
                "All with access: P10 / P50 / P90".into(),
                "Tripwire".into(),
                "Pay back: at or below it / above it".into(),
            ],
        );
        row(&mut t, &vec!["---:".to_string(); 7]);
        let band = |b: &Option<Band>| {
            b.map_or("n/a".into(), |b| {
                format!(
                    "{} / {} / {}",
                    show(&ind.key, b.p10),
                    show(&ind.key, b.p50),
                    show(&ind.key, b.p90)
                )
            })
        };
        for c in &ind.checkpoints {
            let f = &c.figures;
            row(
                &mut t,
                &[
                    c.month.to_string(),
                    thousands(f.with_access as f64),
                    if f.with_access > 0 {
                        pct(f.paid_back as f64 / f.with_access as f64)
                    } else {
                        "n/a".into()
                    },
                    band(&f.paying_back),
                    band(&f.all),
                    f.tripwire.map_or("none".into(), |v| show(&ind.key, v)),
                    sides(f),
                ],
            );
        }
        let _ = writeln!(
            t,
            "\nShare paying back within {tm} months in each tenth of the futures with access, lowest {} first (- for a tenth that ties emptied):\n",
            ind.label.to_lowercase()
        );
        let mut head = vec!["Month".to_string()];
        head.extend((1..=GROUPS).map(|g| g.to_string()));
        row(&mut t, &head);
        row(&mut t, &vec!["---:".to_string(); GROUPS + 1]);
        for c in &ind.checkpoints {
            let mut cells = vec![c.month.to_string()];
            cells.extend(
                c.figures
                    .groups
                    .iter()
                    .map(|g| g.share.map_or("-".into(), pct)),
            );
            row(&mut t, &cells);
        }
        t.push('\n');
    }
    if let Some(month) = on.featured_month {
        let _ = writeln!(t, "### Decile table at month {month}\n");
        for (key, at) in ["usage_rate", "active_users"]
            .into_iter()
            .filter_map(|key| Some((key, on.at(key, month)?)))
        {
            let _ = writeln!(
                t,
                "{} at month {} ({}):\n",
                if key == "usage_rate" {
                    "Usage rate"
                } else {
                    "Active users"
                },
                at.month,
                if key == "usage_rate" { "%" } else { "users" }
            );
            row(
                &mut t,
                &[
                    "Tenth".into(),
                    "From".into(),
                    "To".into(),
                    "Futures".into(),
                    format!("Pay back within {tm} months"),
                ],
            );
            row(&mut t, &vec!["---:".to_string(); 5]);
            for g in &at.figures.groups {
                row(
                    &mut t,
                    &[
                        g.group.to_string(),
                        g.lo.map_or("-".into(), |v| show(key, v)),
                        g.hi.map_or("-".into(), |v| show(key, v)),
                        thousands(g.count as f64),
                        g.share.map_or("-".into(), pct),
                    ],
                );
            }
            t.push('\n');
        }
    }
    t
}

fn se_money(x: Option<f64>, c: &str) -> String {
    x.map_or("n/a".into(), |v| money(v, c))
}

/// `summary.md`: every figure with its standard error, for the audit file.
pub fn markdown(s: &Summary) -> String {
    let c = &s.currency;
    let mut t = String::new();
    let _ = writeln!(t, "# {}: gatecast summary\n", s.scenario);
    match &s.actuals {
        Some(rf) => {
            let _ = writeln!(t, "**{}**\n", rf.headline);
        }
        None => {
            let _ = writeln!(t, "**{}**\n", headline(s));
        }
    }
    let _ = writeln!(
        t,
        "Scenario file `{}` · {} iterations{} · seed {} · horizon {} months · money in {c} · gatecast {}\n",
        s.scenario_file,
        thousands(s.iterations as f64),
        sampling_note(s.sampling),
        s.seed,
        s.horizon_months,
        s.gatecast_version
    );
    let _ = writeln!(
        t,
        "Percentiles follow Excel's PERCENTILE.INC over all iterations. \"± x\" is the Monte Carlo standard error; \
         the 95% interval of a percentile comes from the order statistics.\n"
    );
    if let Some(note) = precision_note(s) {
        let _ = writeln!(t, "{note}\n");
    }
    if let Some(rf) = &s.actuals {
        t.push_str(&super::reforecast::markdown(s, rf));
    }
    if s.sampling != Sampling::Mc {
        let _ = writeln!(
            t,
            "Standard errors ({}): {}.\n",
            s.sampling.label(),
            s.standard_errors
        );
    }

    let _ = writeln!(t, "## Payback (lagging)\n");
    row(
        &mut t,
        &["Figure".into(), "Value".into(), "Standard error".into()],
    );
    row(&mut t, &["---".into(), "---:".into(), "---:".into()]);
    let p = &s.payback;
    let prob = |t: &mut String, name: &str, x: Option<crate::summary::Prob>| {
        row(
            t,
            &[
                name.into(),
                x.map_or("n/a".into(), |x| pct(x.value)),
                x.map_or("".into(), |x| format!("± {:.1} points", x.se * 100.0)),
            ],
        )
    };
    prob(
        &mut t,
        "P(payback within 12 months)",
        Some(p.p_within_12_months),
    );
    prob(
        &mut t,
        "P(payback within 24 months)",
        Some(p.p_within_24_months),
    );
    prob(&mut t, "P(payback within 36 months)", p.p_within_36_months);
    prob(
        &mut t,
        &format!("P(payback within the {}-month horizon)", s.horizon_months),
        Some(p.p_within_horizon),
    );
    for q in [&p.p10, &p.p50, &p.p90] {
        let ci = match (q.ci95_low, q.ci95_high) {
            (Some(a), Some(b)) => format!("95% interval {a:.1} to {b:.1} months"),
            (Some(a), None) => format!("95% interval {a:.1} months to beyond the horizon"),
            _ => "95% interval beyond the horizon".into(),
        };
        row(
            &mut t,
            &[format!("Payback P{:.0}", q.p * 100.0), months(q.value), ci],
        );
    }

    let _ = writeln!(t, "\n## Value (lagging, {c})\n");
    let _ = writeln!(
        t,
        "NPV is discounted at {} a year, monthly: N(m) / (1 + r)^(m/12).\n",
        s.discount_rate
    );
    row(
        &mut t,
        &[
            "Figure".into(),
            "Mean".into(),
            "P10".into(),
            "P50".into(),
            "P90".into(),
        ],
    );
    row(
        &mut t,
        &[
            "---".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
        ],
    );
    let spread =
        |t: &mut String, name: &str, sp: &crate::summary::Spread, f: &dyn Fn(f64) -> String| {
            row(
                t,
                &[
                    name.into(),
                    format!("{} ± {}", f(sp.mean.value), f(sp.mean.se)),
                    sp.p10.value.map_or("n/a".into(), f),
                    sp.p50.value.map_or("n/a".into(), f),
                    sp.p90.value.map_or("n/a".into(), f),
                ],
            )
        };
    let m = |v: f64| money(v, c);
    spread(&mut t, &format!("NPV ({c})"), &s.npv.spread, &m);
    if let Some(r) = &s.roi.stats {
        spread(&mut t, "ROI (total benefits / total costs - 1)", r, &|v| {
            format!("{:.1}%", v * 100.0)
        });
    }
    spread(&mut t, &format!("Peak funding ({c})"), &s.peak_funding, &m);
    spread(
        &mut t,
        &format!("Total cost over the horizon ({c})"),
        &s.total_cost,
        &m,
    );
    spread(
        &mut t,
        &format!("Total benefit over the horizon ({c})"),
        &s.total_benefit,
        &m,
    );
    let _ = writeln!(
        t,
        "\nP(NPV > 0) = {} ± {:.1} points. ROI is defined in {} of iterations (those with costs).",
        pct(s.npv.p_positive.value),
        s.npv.p_positive.se * 100.0,
        pct(s.roi.defined_share)
    );
    let _ = writeln!(
        t,
        "Standard errors of the percentiles: NPV P50 {}; peak funding P90 {}.",
        se_money(s.npv.spread.p50.se, c),
        se_money(s.peak_funding.p90.se, c)
    );

    let _ = writeln!(t, "\n## Stage funnel\n");
    row(
        &mut t,
        &[
            "Stage".into(),
            "P(started)".into(),
            "P(gate decided)".into(),
            "P(killed at gate)".into(),
            "Killed, of those decided".into(),
            "Mean reworks".into(),
        ],
    );
    row(
        &mut t,
        &[
            "---".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
        ],
    );
    for f in &s.funnel {
        let (d, k, kd, rw) = match &f.gate {
            Some(g) => (
                pct(g.p_decision.value),
                pct(g.p_killed.value),
                g.p_killed_given_decision.map_or("n/a".into(), pct),
                g.mean_reworks_given_decision
                    .map_or("n/a".into(), |r| format!("{r:.2}")),
            ),
            None => ("no gate".into(), "-".into(), "-".into(), "-".into()),
        };
        row(
            &mut t,
            &[f.stage.clone(), pct(f.p_started.value), d, k, kd, rw],
        );
    }
    let _ = writeln!(
        t,
        "\nP(killed at some gate within the horizon) = {}.",
        pct(s.p_killed.value)
    );

    let _ = writeln!(t, "\n## Leading indicators\n");
    let _ = writeln!(
        t,
        "Users got access in {} of iterations{}.\n",
        pct(s.leading.p_access.value),
        s.leading
            .first_access_month
            .as_ref()
            .map_or(String::new(), |f| format!(
                "; first access P10 / P50 / P90: {} / {} / {}",
                months(f.p10.value),
                months(f.p50.value),
                months(f.p90.value)
            ))
    );
    let step = if s.horizon_months <= 60 { 1 } else { 6 };
    let lead = &s.monthly.leading;
    let lag = &s.monthly.lagging;
    row(
        &mut t,
        &[
            "Month".into(),
            "Usage rate P10 / P50 / P90".into(),
            "Active users P50".into(),
        ],
    );
    row(&mut t, &["---:".into(), "---:".into(), "---:".into()]);
    for mth in (1..=s.horizon_months).filter(|m| m % step == 0 || *m == s.horizon_months) {
        let u = lead[0].months[mth - 1];
        let a = lead[1].months[mth - 1];
        row(
            &mut t,
            &[
                mth.to_string(),
                format!("{} / {} / {}", pct(u.p10), pct(u.p50), pct(u.p90)),
                thousands(a.p50),
            ],
        );
    }
    if let Some(on) = &s.on_track {
        t.push_str(&on_track_markdown(on));
    }
    let _ = writeln!(t, "\n## Lagging indicators by month ({c})\n");
    row(
        &mut t,
        &[
            "Month".into(),
            "Costs mean".into(),
            "Benefits mean".into(),
            "Net cash mean".into(),
            "Cumulative net cash P10 / P50 / P90".into(),
        ],
    );
    row(
        &mut t,
        &[
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
            "---:".into(),
        ],
    );
    for mth in (1..=s.horizon_months).filter(|m| m % step == 0 || *m == s.horizon_months) {
        let i = mth - 1;
        let cum = lag[3].months[i];
        row(
            &mut t,
            &[
                mth.to_string(),
                thousands(lag[0].months[i].mean),
                thousands(lag[1].months[i].mean),
                thousands(lag[2].months[i].mean),
                format!(
                    "{} / {} / {}",
                    thousands(cum.p10),
                    thousands(cum.p50),
                    thousands(cum.p90)
                ),
            ],
        );
    }
    let _ = writeln!(t, "\nMonthly bands: {}.", s.monthly.method);
    if let Some(sens) = &s.sensitivity {
        let _ = writeln!(t, "\n## What drives {}\n", sens.target.label());
        let _ = writeln!(
            t,
            "Over the first {} iterations. Decile tornado: the {} among the iterations where the input lies in its lowest and in its highest tenth. \
             Contribution: the input's squared rank correlation with {}, as a share of all inputs'.{}\n",
            thousands(sens.iterations as f64),
            sens.statistic,
            sens.target.label(),
            if sens.target == Target::Payback {
                " No payback within the horizon ranks beyond every payback."
            } else {
                ""
            }
        );
        row(
            &mut t,
            &[
                "Input".into(),
                "Rank correlation".into(),
                "Share of variance".into(),
                "Lowest tenth".into(),
                "Highest tenth".into(),
            ],
        );
        row(
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
            row(
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
        if !sens.pinned.is_empty() {
            let _ = writeln!(t, "\nPinned tornado: the {} with one input (or gate) pinned, all else drawn from the same random numbers.\n", sens.statistic);
            row(
                &mut t,
                &[
                    "Input or gate".into(),
                    "Pinned low".into(),
                    "Pinned high".into(),
                    "Low".into(),
                    "High".into(),
                ],
            );
            row(
                &mut t,
                &[
                    "---".into(),
                    "---".into(),
                    "---".into(),
                    "---:".into(),
                    "---:".into(),
                ],
            );
            for b in &sens.pinned {
                row(
                    &mut t,
                    &[
                        format!("`{}`", b.path),
                        b.low_setting.clone(),
                        b.high_setting.clone(),
                        stat_text(sens, b.low, c),
                        stat_text(sens, b.high, c),
                    ],
                );
            }
        }
    }
    t
}
