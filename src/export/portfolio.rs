//! The files and terminal text of `gatecast portfolio`, all read from one
//! [`PortfolioSummary`] (and, for `iterations.csv`, the run's records).

use std::fmt::Write as _;
use std::io;

use crate::format::{money_short, months, pct, thousands};
use crate::portfolio::figures::{Count, PortfolioSummary, SubsetFigures};
use crate::portfolio::PortfolioRun;
use crate::summary::Prob;

fn csv_bytes(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// A float for a CSV cell: empty when not finite (no payback, undefined).
fn cell(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

/// `summary.json`: the whole summary.
pub fn summary_json(s: &PortfolioSummary) -> io::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(s).map_err(io::Error::other)?;
    v.push(b'\n');
    Ok(v)
}

/// `monthly.csv`: per month, the programme's bands (P10/P25/P50/P75/P90
/// and mean) of cumulative net cash, net cash, costs, benefits and active
/// users, then each initiative's mean net cash and mean cumulative net
/// cash.
pub fn monthly_csv(s: &PortfolioSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["month".to_string()];
    for key in [
        "cumulative_net_cash",
        "net_cash",
        "costs",
        "benefits",
        "active_users",
    ] {
        for stat in ["p10", "p25", "p50", "p75", "p90", "mean"] {
            header.push(format!("{key}_{stat}"));
        }
    }
    for i in &s.initiatives {
        header.push(format!("{} net_cash_mean", i.name));
    }
    for i in &s.initiatives {
        header.push(format!("{} cumulative_net_cash_mean", i.name));
    }
    w.write_record(&header)?;
    for m in &s.monthly {
        let mut row = vec![m.month.to_string()];
        for b in [
            m.cumulative_net_cash,
            m.net_cash,
            m.costs,
            m.benefits,
            m.active_users,
        ] {
            row.extend([b.p10, b.p25, b.p50, b.p75, b.p90, b.mean].map(|v| v.to_string()));
        }
        row.extend(m.initiative_mean_net_cash.iter().map(|v| v.to_string()));
        row.extend(m.initiative_mean_cumulative.iter().map(|v| v.to_string()));
        w.write_record(&row)?;
    }
    csv_bytes(w)
}

/// `iterations.csv`: one row per iteration: the programme's results, then
/// each initiative's start month, NPV, payback (empty: none within the
/// horizon) and furthest stage started.
pub fn iterations_csv(s: &PortfolioSummary, r: &PortfolioRun) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "iteration",
        "payback_months",
        "npv",
        "roi",
        "peak_funding",
        "total_cost",
        "total_benefit",
        "reached_last_stage",
        "value_concentration",
    ]
    .map(String::from)
    .to_vec();
    for i in &s.initiatives {
        for col in ["start_month", "npv", "payback_months", "furthest_stage"] {
            header.push(format!("{} {col}", i.name));
        }
    }
    w.write_record(&header)?;
    let rec = &r.records;
    let stage_names: Vec<Vec<&str>> = s
        .initiatives
        .iter()
        .map(|i| i.summary.funnel.iter().map(|f| f.stage.as_str()).collect())
        .collect();
    for it in 0..r.iterations as usize {
        let mut row = vec![
            (it + 1).to_string(),
            cell(rec.payback[it]),
            cell(rec.npv[it]),
            cell(rec.roi[it]),
            cell(rec.peak_funding[it]),
            cell(rec.total_cost[it]),
            cell(rec.total_benefit[it]),
            r.reached_last[it].to_string(),
            cell(r.concentration[it]),
        ];
        for (j, run) in r.initiatives.iter().enumerate() {
            row.push(cell(r.starts[j][it]));
            row.push(cell(run.records.npv[it]));
            row.push(cell(run.records.payback[it]));
            row.push(stage_names[j][r.furthest[j][it] as usize].to_string());
        }
        w.write_record(&row)?;
    }
    csv_bytes(w)
}

/// `initiatives.csv`: one row per initiative: its figures on the
/// portfolio clock and its marginal contribution.
pub fn initiatives_csv(s: &PortfolioSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "initiative",
        "scenario_file",
        "start_month",
        "seed",
        "last_stage",
        "p_reaches_last_stage",
        "p_payback_within_horizon",
        "payback_p50_months",
        "npv_mean",
        "npv_mean_se",
        "npv_p10",
        "npv_p50",
        "npv_p90",
        "p_npv_positive",
        "peak_funding_p50",
        "peak_funding_p90",
        "contribution_npv_mean",
        "contribution_p_payback_within_target",
        "contribution_peak_funding_p90",
        "programme_without_npv_mean",
        "programme_without_p_payback_within_target",
        "programme_without_peak_funding_p90",
    ])?;
    for i in &s.initiatives {
        let sm = &i.summary;
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        let c = &i.contribution;
        w.write_record([
            i.name.clone(),
            i.scenario_file.clone(),
            i.start_month.clone(),
            i.seed.to_string(),
            i.last_stage.clone(),
            i.p_reaches_last_stage.value.to_string(),
            sm.payback.p_within_horizon.value.to_string(),
            opt(sm.payback.p50.value),
            sm.npv.spread.mean.value.to_string(),
            sm.npv.spread.mean.se.to_string(),
            opt(sm.npv.spread.p10.value),
            opt(sm.npv.spread.p50.value),
            opt(sm.npv.spread.p90.value),
            sm.npv.p_positive.value.to_string(),
            opt(sm.peak_funding.p50.value),
            opt(sm.peak_funding.p90.value),
            c.mean_npv.to_string(),
            c.p_payback_within_target.to_string(),
            c.peak_funding_p90.to_string(),
            c.without.mean_npv.value.to_string(),
            c.without.p_payback_within_target.value.to_string(),
            c.without.peak_funding_p90.to_string(),
        ])?;
    }
    csv_bytes(w)
}

/// `frontier.csv`: the efficient frontier (empty but for its header
/// without a budget), then the chosen subset's fresh-draw re-estimate.
pub fn frontier_csv(s: &PortfolioSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "initiatives",
        "count",
        "mean_npv",
        "mean_npv_se",
        "p_payback_within_target",
        "peak_funding_p90",
        "within_budget",
        "chosen",
        "draws",
    ])?;
    let row = |f: &SubsetFigures, within: bool, chosen: bool, draws: &str| {
        vec![
            f.initiatives.join(" + "),
            f.initiatives.len().to_string(),
            f.mean_npv.value.to_string(),
            f.mean_npv.se.to_string(),
            f.p_payback_within_target.value.to_string(),
            f.peak_funding_p90.to_string(),
            within.to_string(),
            chosen.to_string(),
            draws.to_string(),
        ]
    };
    if let Some(sel) = &s.selection {
        for p in &sel.frontier {
            w.write_record(row(&p.figures, p.within_budget, p.chosen, "selection"))?;
        }
        if let Some(f) = &sel.fresh {
            let within = f.peak_funding_p90 <= sel.budget;
            w.write_record(row(
                f,
                within,
                true,
                &format!("fresh (seed {})", sel.fresh_seed),
            ))?;
        }
    }
    csv_bytes(w)
}

/// "2 of 8"-style median count, with P(at least 1).
fn median_count(c: &Count) -> String {
    let p50 = c.p50;
    if p50.fract() == 0.0 {
        format!("{p50:.0}")
    } else {
        format!("{p50:.1}")
    }
}

/// The headline: the answer in one sentence (or two, with a budget).
pub fn headline(s: &PortfolioSummary) -> String {
    let n = s.initiatives.len();
    let t = s.payback_target_months;
    let c = &s.reaching_last_stage;
    let mut out = format!(
        "A {} chance the programme pays back within {t:.0} months; {} of {n} initiatives reach their last stage in the median future (P(at least 1) = {})",
        pct(s.programme.p_payback_within_target.value),
        median_count(c),
        pct(c.at_least.get(1).map_or(0.0, |p| p.value)),
    );
    if let Some(p50) = s.value_concentration.p50 {
        let _ = write!(
            out,
            "; the top initiative carries {} of the positive value (median)",
            pct(p50)
        );
    }
    out.push('.');
    if let Some(sel) = &s.selection {
        let budget = money_short(sel.budget, &s.currency);
        match (&sel.chosen, &sel.fresh) {
            (Some(ch), fresh) => {
                let _ = write!(
                    out,
                    " Within a {budget} budget, fund {}: mean NPV {}, P90 peak funding {}",
                    list(&ch.initiatives),
                    money_short(ch.mean_npv.value, &s.currency),
                    money_short(ch.peak_funding_p90, &s.currency),
                );
                if let Some(f) = fresh {
                    let _ = write!(
                        out,
                        " ({} and {} on fresh draws)",
                        money_short(f.mean_npv.value, &s.currency),
                        money_short(f.peak_funding_p90, &s.currency),
                    );
                }
                out.push('.');
            }
            (None, _) => {
                let _ = write!(
                    out,
                    " No subset fits a {budget} budget at its P90 peak funding."
                );
            }
        }
    }
    out
}

/// Names joined as people write them: "A, B and C".
fn list(names: &[String]) -> String {
    match names.len() {
        0 => "nothing".into(),
        1 => names[0].clone(),
        k => format!("{} and {}", names[..k - 1].join(", "), names[k - 1]),
    }
}

fn prob(p: &Prob) -> String {
    pct(p.value)
}

/// The terminal summary.
pub fn terminal(s: &PortfolioSummary, folder: &str, files: &str) -> String {
    let cur = &s.currency;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} initiatives, {} iterations, seed {}, {}-month horizon, money in {}{}\n",
        s.portfolio,
        s.initiatives.len(),
        thousands(s.iterations as f64),
        s.seed,
        s.horizon_months,
        cur,
        if s.readiness > 0.0 {
            format!(", readiness {}", s.readiness)
        } else {
            String::new()
        }
    );
    let _ = writeln!(o, "  {}\n", headline(s));
    let p = &s.programme;
    let _ = writeln!(o, "PROGRAMME");
    let _ = writeln!(
        o,
        "  Chance of payback within 12 / 24 / 36 months   {} / {} / {}",
        prob(&p.payback.p_within_12_months),
        prob(&p.payback.p_within_24_months),
        p.payback
            .p_within_36_months
            .as_ref()
            .map_or("n/a".into(), prob)
    );
    let _ = writeln!(
        o,
        "  Payback P10 / P50 / P90                        {} / {} / {}",
        months(p.payback.p10.value),
        months(p.payback.p50.value),
        months(p.payback.p90.value)
    );
    let m = |v: Option<f64>| v.map_or("-".into(), |v| money_short(v, cur));
    let _ = writeln!(
        o,
        "  NPV mean (P10 / P50 / P90)                     {} ({} / {} / {})",
        money_short(p.npv.spread.mean.value, cur),
        m(p.npv.spread.p10.value),
        m(p.npv.spread.p50.value),
        m(p.npv.spread.p90.value)
    );
    let _ = writeln!(
        o,
        "  Peak funding needed P50 / P90                  {} / {}",
        m(p.peak_funding.p50.value),
        m(p.peak_funding.p90.value)
    );
    let c = &s.reaching_last_stage;
    let at_least: Vec<String> = c
        .at_least
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, p)| format!("{k}+: {}", pct(p.value)))
        .collect();
    let _ = writeln!(
        o,
        "  Initiatives reaching their last stage          mean {:.1}; {}",
        c.mean.value,
        at_least.join(", ")
    );
    let t = s.payback_target_months;
    let _ = writeln!(
        o,
        "\nINITIATIVES (programme clock)           start  P(last stage)   mean NPV   with it vs without: P(payback<={t:.0})  P90 peak funding"
    );
    let mut order: Vec<usize> = (0..s.initiatives.len()).collect();
    order.sort_by(|&a, &b| {
        s.initiatives[b]
            .contribution
            .mean_npv
            .total_cmp(&s.initiatives[a].contribution.mean_npv)
    });
    for j in order {
        let i = &s.initiatives[j];
        let c = &i.contribution;
        let _ = writeln!(
            o,
            "  {:<36} {:>7}  {:>13}  {:>9}  {:>31}  {:>16}",
            truncate(&i.name, 36),
            truncate(&i.start, 7),
            pct(i.p_reaches_last_stage.value),
            money_short(i.summary.npv.spread.mean.value, cur),
            format!("{:+.1} pts", c.p_payback_within_target * 100.0),
            signed_money(c.peak_funding_p90, cur)
        );
    }
    if let Some(sel) = &s.selection {
        let _ = writeln!(
            o,
            "\nSELECTION (budget {} on P90 peak funding; {} subsets)",
            money_short(sel.budget, cur),
            sel.subsets
        );
        match &sel.chosen {
            Some(ch) => {
                let _ = writeln!(o, "  Fund {}", list(&ch.initiatives));
                let _ = writeln!(
                    o,
                    "  As chosen: mean NPV {}, P90 peak funding {}, P(payback within {:.0} months) {}",
                    money_short(ch.mean_npv.value, cur),
                    money_short(ch.peak_funding_p90, cur),
                    s.payback_target_months,
                    pct(ch.p_payback_within_target.value)
                );
                if let Some(f) = &sel.fresh {
                    let _ = writeln!(
                        o,
                        "  Fresh draws (seed {}): mean NPV {}, P90 peak funding {}, P(payback within {:.0} months) {}",
                        sel.fresh_seed,
                        money_short(f.mean_npv.value, cur),
                        money_short(f.peak_funding_p90, cur),
                        s.payback_target_months,
                        pct(f.p_payback_within_target.value)
                    );
                }
            }
            None => {
                let _ = writeln!(o, "  No subset's P90 peak funding is within the budget.");
            }
        }
        let _ = writeln!(
            o,
            "  Efficient frontier: {} subsets (frontier.csv)",
            sel.frontier.len()
        );
    }
    let _ = writeln!(o, "\nResults: {folder}/ ({files})");
    o
}

/// Money with its sign always shown: `+EUR 1.2M`, `-EUR 40k`.
fn signed_money(v: f64, cur: &str) -> String {
    let sign = if v < 0.0 { "-" } else { "+" };
    format!("{sign}{}", money_short(v.abs(), cur))
}

fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('~');
        t
    }
}

/// `summary.md`: the figures with their standard errors.
pub fn markdown(s: &PortfolioSummary) -> String {
    let cur = &s.currency;
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", s.portfolio);
    let _ = writeln!(o, "{}\n", headline(s));
    let _ = writeln!(
        o,
        "{} initiatives, {} iterations ({}), seed {}, {}-month horizon, discount rate {}% a year, readiness {}, money in {}. Portfolio file: `{}`.\n",
        s.initiatives.len(),
        thousands(s.iterations as f64),
        s.sampling.label(),
        s.seed,
        s.horizon_months,
        s.discount_rate * 100.0,
        s.readiness,
        cur,
        s.portfolio_file
    );
    let p = &s.programme;
    let _ = writeln!(o, "## The programme\n");
    let _ = writeln!(o, "| figure | value | standard error |\n|---|---:|---:|");
    let pr = |o: &mut String, name: &str, p: &Prob| {
        let _ = writeln!(o, "| {name} | {} | {:.4} |", pct(p.value), p.se);
    };
    pr(
        &mut o,
        "P(payback within 12 months)",
        &p.payback.p_within_12_months,
    );
    pr(
        &mut o,
        "P(payback within 24 months)",
        &p.payback.p_within_24_months,
    );
    if let Some(p36) = &p.payback.p_within_36_months {
        pr(&mut o, "P(payback within 36 months)", p36);
    }
    pr(
        &mut o,
        "P(payback within the horizon)",
        &p.payback.p_within_horizon,
    );
    for (name, q) in [
        ("Payback P10", &p.payback.p10),
        ("Payback P50", &p.payback.p50),
        ("Payback P90", &p.payback.p90),
    ] {
        let _ = writeln!(
            o,
            "| {name} | {} | {} |",
            months(q.value),
            q.se.map_or("-".into(), |v| format!("{v:.2}"))
        );
    }
    let money_row = |o: &mut String, name: &str, sp: &crate::summary::Spread| {
        let _ = writeln!(
            o,
            "| {name} mean | {} | {} |",
            money_short(sp.mean.value, cur),
            money_short(sp.mean.se, cur)
        );
        for (k, q) in [("P10", &sp.p10), ("P50", &sp.p50), ("P90", &sp.p90)] {
            let _ = writeln!(
                o,
                "| {name} {k} | {} | {} |",
                q.value.map_or("-".into(), |v| money_short(v, cur)),
                q.se.map_or("-".into(), |v| money_short(v, cur))
            );
        }
    };
    money_row(&mut o, "NPV", &p.npv.spread);
    pr(&mut o, "P(NPV > 0)", &p.npv.p_positive);
    if let Some(roi) = &p.roi.stats {
        let _ = writeln!(
            o,
            "| ROI mean | {:.3} | {:.3} |",
            roi.mean.value, roi.mean.se
        );
    }
    money_row(&mut o, "Peak funding", &p.peak_funding);
    let _ = writeln!(o, "\n## How many initiatives get there\n");
    let _ = writeln!(
        o,
        "| initiatives | P(exactly k) reach their last stage | P(at least k) |\n|---:|---:|---:|"
    );
    let c = &s.reaching_last_stage;
    for (k, (e, a)) in c.exactly.iter().zip(&c.at_least).enumerate() {
        let _ = writeln!(
            o,
            "| {k} | {} (se {:.4}) | {} (se {:.4}) |",
            pct(e.value),
            e.se,
            pct(a.value),
            a.se
        );
    }
    let _ = writeln!(
        o,
        "\nMean {:.2} (se {:.3}), median {}.\n",
        c.mean.value, c.mean.se, c.p50
    );
    let _ = writeln!(
        o,
        "| stage | mean number of initiatives starting it | P(at least 1) |\n|---|---:|---:|"
    );
    for st in &s.stages {
        let _ = writeln!(
            o,
            "| {} | {:.2} | {} |",
            st.stage,
            st.mean.value,
            pct(st.at_least.get(1).map_or(0.0, |p| p.value))
        );
    }
    let vc = &s.value_concentration;
    let _ = writeln!(
        o,
        "\nValue concentration (largest positive initiative NPV over the sum of the positive ones), defined in {} of futures: mean {}, median {}.\n",
        pct(vc.defined_share),
        vc.mean.map_or("-".into(), |m| format!("{} (se {:.4})", pct(m.value), m.se)),
        vc.p50.map_or("-".into(), pct)
    );
    let _ = writeln!(o, "## Initiatives, on the programme clock\n");
    let _ = writeln!(
        o,
        "| initiative | start | seed | P(last stage) | P(payback in horizon) | mean NPV (se) | P90 peak funding | contribution: mean NPV | P(payback within {:.0} months) | P90 peak funding |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        s.payback_target_months
    );
    for i in &s.initiatives {
        let sm = &i.summary;
        let c = &i.contribution;
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} ({}) | {} | {} | {:+.1} pts | {} |",
            i.name,
            i.start_month,
            i.seed,
            pct(i.p_reaches_last_stage.value),
            pct(sm.payback.p_within_horizon.value),
            money_short(sm.npv.spread.mean.value, cur),
            money_short(sm.npv.spread.mean.se, cur),
            sm.peak_funding
                .p90
                .value
                .map_or("-".into(), |v| money_short(v, cur)),
            money_short(c.mean_npv, cur),
            c.p_payback_within_target * 100.0,
            money_short(c.peak_funding_p90, cur)
        );
    }
    let _ = writeln!(
        o,
        "\nA contribution is the programme with the initiative minus the programme without it, on the same draws."
    );
    if let Some(sel) = &s.selection {
        let _ = writeln!(
            o,
            "\n## Selection under a budget of {}\n",
            money_short(sel.budget, cur)
        );
        let fig = |f: &SubsetFigures| {
            format!(
                "mean NPV {} (se {}), P90 peak funding {}, P(payback within {:.0} months) {}",
                money_short(f.mean_npv.value, cur),
                money_short(f.mean_npv.se, cur),
                money_short(f.peak_funding_p90, cur),
                s.payback_target_months,
                pct(f.p_payback_within_target.value)
            )
        };
        match &sel.chosen {
            Some(ch) => {
                let _ = writeln!(o, "Fund **{}**: {}.\n", list(&ch.initiatives), fig(ch));
                if let Some(f) = &sel.fresh {
                    let _ = writeln!(
                        o,
                        "Re-estimated on fresh draws (seed {}): {}. The best of {} noisy estimates is biased upward (the optimizer's curse); these are the figures to plan on.\n",
                        sel.fresh_seed,
                        fig(f),
                        sel.subsets
                    );
                }
            }
            None => {
                let _ = writeln!(o, "No subset's P90 peak funding is within the budget.\n");
            }
        }
        let _ = writeln!(
            o,
            "Efficient frontier (no other subset has both a higher mean NPV and a lower P90 peak funding){}:\n",
            if sel.exact_percentiles {
                ""
            } else {
                "; P90s within 0.78% (sketched)"
            }
        );
        let _ = writeln!(
            o,
            "| subset | mean NPV | P90 peak funding | within budget |\n|---|---:|---:|---|"
        );
        for p in &sel.frontier {
            let _ = writeln!(
                o,
                "| {}{} | {} | {} | {} |",
                p.figures.initiatives.join(" + "),
                if p.chosen { " (chosen)" } else { "" },
                money_short(p.figures.mean_npv.value, cur),
                money_short(p.figures.peak_funding_p90, cur),
                if p.within_budget { "yes" } else { "no" }
            );
        }
    }
    o
}
