//! report.xlsx under actuals: the Re-forecast sheet (before and after,
//! what has been seen, how far the weighted futures can be trusted, the
//! assumptions before and after), and the re-forecast's monthly bands and
//! drivers on sheets of their own.

use anyhow::Result;
use rust_xlsxwriter::{Format, Worksheet};

use super::{drivers_sheet, header_row, monthly_sheet, widths, Formats};
use crate::reforecast::Reforecast;
use crate::summary::{Pct, Prob, Summary};

/// One row of a before/after table.
enum Val<'a> {
    Num(f64, &'a Format),
    Text(String),
}

fn write(ws: &mut Worksheet, row: u32, col: u16, v: &Val) -> Result<()> {
    match v {
        Val::Num(x, f) => {
            ws.write_number_with_format(row, col, *x, f)?;
        }
        Val::Text(t) => {
            ws.write_string(row, col, t)?;
        }
    }
    Ok(())
}

/// A cell with its standard error, where it has one.
type Cell<'a> = (Val<'a>, Option<Val<'a>>);

/// A before/after row: the figure, before, after and the unit.
type Row<'a> = (String, Cell<'a>, Cell<'a>, &'a str);

fn prob<'a>(p: Option<Prob>, fmt: &'a Formats) -> Cell<'a> {
    match p {
        Some(p) => (
            Val::Num(p.value, &fmt.pct),
            Some(Val::Num(p.se, &fmt.pct_se)),
        ),
        None => (Val::Text("n/a".into()), None),
    }
}

fn pct<'a>(q: &Pct, f: &'a Format, missing: &str) -> Cell<'a> {
    match q.value {
        Some(v) => (Val::Num(v, f), q.se.map(|se| Val::Num(se, f))),
        None => (Val::Text(missing.into()), None),
    }
}

/// The Re-forecast sheet.
pub(super) fn reforecast_sheet(
    ws: &mut Worksheet,
    s: &Summary,
    rf: &Reforecast,
    fmt: &Formats,
) -> Result<()> {
    ws.set_name("Re-forecast")?;
    widths(ws, &[46.0, 20.0, 20.0, 20.0, 30.0])?;
    ws.write_string_with_format(0, 0, &rf.headline, &fmt.header)?;
    ws.write_string_with_format(
        1,
        0,
        format!(
            "Actuals as of month {} from {}. Before: the plan as written. After: the same simulated futures weighted by how well they agree with the actuals. Every other sheet shows the plan, except those named Re-forecast.",
            rf.as_of_month, rf.file
        ),
        &fmt.note,
    )?;
    header_row(
        ws,
        3,
        &[
            "Figure",
            "Before (plan)",
            "After (re-forecast)",
            "Standard error (after)",
            "Unit",
        ],
        fmt,
    )?;
    let (b, a) = (&rf.prior, &rf.conditioned);
    let c = s.currency.as_str();
    let h = s.horizon_months;
    let mut rows: Vec<Row> = vec![
        (
            "P(payback within 12 months)".into(),
            prob(Some(b.payback.p_within_12_months), fmt),
            prob(Some(a.payback.p_within_12_months), fmt),
            "probability",
        ),
        (
            "P(payback within 24 months)".into(),
            prob(Some(b.payback.p_within_24_months), fmt),
            prob(Some(a.payback.p_within_24_months), fmt),
            "probability",
        ),
        (
            "P(payback within 36 months)".into(),
            prob(b.payback.p_within_36_months, fmt),
            prob(a.payback.p_within_36_months, fmt),
            "probability",
        ),
        (
            format!("P(payback within the {h}-month horizon)"),
            prob(Some(b.payback.p_within_horizon), fmt),
            prob(Some(a.payback.p_within_horizon), fmt),
            "probability",
        ),
    ];
    for (name, qb, qa) in [
        ("Payback P10", &b.payback.p10, &a.payback.p10),
        ("Payback P50", &b.payback.p50, &a.payback.p50),
        ("Payback P90", &b.payback.p90, &a.payback.p90),
    ] {
        rows.push((
            name.into(),
            pct(qb, &fmt.months, "beyond the horizon"),
            pct(qa, &fmt.months, "beyond the horizon"),
            "months",
        ));
    }
    rows.push((
        "NPV mean".into(),
        (Val::Num(b.npv.spread.mean.value, &fmt.money), None),
        (
            Val::Num(a.npv.spread.mean.value, &fmt.money),
            Some(Val::Num(a.npv.spread.mean.se, &fmt.money)),
        ),
        c,
    ));
    for (name, qb, qa) in [
        ("NPV P10", &b.npv.spread.p10, &a.npv.spread.p10),
        ("NPV P50", &b.npv.spread.p50, &a.npv.spread.p50),
        ("NPV P90", &b.npv.spread.p90, &a.npv.spread.p90),
    ] {
        rows.push((
            name.into(),
            pct(qb, &fmt.money, "n/a"),
            pct(qa, &fmt.money, "n/a"),
            c,
        ));
    }
    rows.push((
        "P(NPV > 0)".into(),
        prob(Some(b.npv.p_positive), fmt),
        prob(Some(a.npv.p_positive), fmt),
        "probability",
    ));
    for (name, qb, qa) in [
        ("Peak funding P50", &b.peak_funding.p50, &a.peak_funding.p50),
        ("Peak funding P90", &b.peak_funding.p90, &a.peak_funding.p90),
    ] {
        rows.push((
            name.into(),
            pct(qb, &fmt.money, "n/a"),
            pct(qa, &fmt.money, "n/a"),
            c,
        ));
    }
    rows.push((
        "P(killed at some gate)".into(),
        prob(Some(b.p_killed), fmt),
        prob(Some(a.p_killed), fmt),
        "probability",
    ));
    let mut row = 4;
    for (name, (vb, _), (va, se), unit) in &rows {
        ws.write_string(row, 0, name)?;
        write(ws, row, 1, vb)?;
        write(ws, row, 2, va)?;
        if let Some(se) = se {
            write(ws, row, 3, se)?;
        }
        ws.write_string(row, 4, *unit)?;
        row += 1;
    }

    row += 1;
    ws.write_string_with_format(row, 0, "What we have seen", &fmt.header)?;
    row += 1;
    ws.write_string(row, 0, crate::export::reforecast::timeline(rf))?;
    row += 1;
    header_row(
        ws,
        row,
        &[
            "Observation",
            "Value",
            "Measurement sd",
            "Prior percentile",
            "Reading",
            "Plan P10",
            "Plan P50",
            "Plan P90",
            "Re-forecast mean",
        ],
        fmt,
    )?;
    row += 1;
    for o in &rf.observations {
        let f = if o.metric.money() {
            &fmt.money
        } else if o.metric.leading() && o.metric.key() == "usage_rate" {
            &fmt.pct
        } else {
            &fmt.decimal
        };
        ws.write_string(row, 0, format!("{} at month {}", o.metric.key(), o.month))?;
        ws.write_number_with_format(row, 1, o.value, f)?;
        ws.write_number_with_format(row, 2, o.sd, f)?;
        ws.write_number_with_format(row, 3, o.prior_percentile, &fmt.pct)?;
        ws.write_string(
            row,
            4,
            format!(
                "{}{}",
                o.reading,
                if o.surprise { " (a surprise)" } else { "" }
            ),
        )?;
        ws.write_number_with_format(row, 5, o.prior_p10, f)?;
        ws.write_number_with_format(row, 6, o.prior_p50, f)?;
        ws.write_number_with_format(row, 7, o.prior_p90, f)?;
        ws.write_number_with_format(row, 8, o.conditioned_mean.value, f)?;
        row += 1;
    }
    ws.write_string(row, 0, format!("Stated facts: {}", rf.facts.join("; ")))?;
    row += 2;

    ws.write_string_with_format(
        row,
        0,
        "How far the re-forecast can be trusted",
        &fmt.header,
    )?;
    row += 1;
    let facts: [(&str, Val); 5] = [
        (
            "Effective sample size",
            Val::Num(rf.effective_sample_size, &fmt.count),
        ),
        (
            "Iterations simulated",
            Val::Num(rf.iterations as f64, &fmt.count),
        ),
        (
            "Iterations agreeing with every fact",
            Val::Num(rf.agreeing_iterations as f64, &fmt.count),
        ),
        (
            "Pareto k",
            rf.pareto_k
                .map_or(Val::Text("n/a".into()), |k| Val::Num(k, &fmt.decimal)),
        ),
        ("Pareto k reading", Val::Text(rf.pareto_k_reading.clone())),
    ];
    for (name, v) in &facts {
        ws.write_string(row, 0, *name)?;
        write(ws, row, 1, v)?;
        row += 1;
    }
    for w in &rf.warnings {
        ws.write_string_with_format(row, 0, format!("Warning: {w}"), &fmt.note)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, format!("Method: {}", rf.method), &fmt.note)?;
    row += 2;

    ws.write_string_with_format(row, 0, "The assumptions, before and after", &fmt.header)?;
    row += 1;
    header_row(
        ws,
        row,
        &[
            "Input",
            "Plan P10",
            "Plan P50",
            "Plan P90",
            "Re-forecast P10",
            "Re-forecast P50",
            "Re-forecast P90",
        ],
        fmt,
    )?;
    row += 1;
    for (pa, ca) in s.assumptions.iter().zip(&rf.conditioned_assumptions) {
        let f = fmt.for_unit(&pa.unit, c);
        ws.write_string(row, 0, &pa.path)?;
        for (col, v) in [pa.p10, pa.p50, pa.p90, ca.p10, ca.p50, ca.p90]
            .into_iter()
            .enumerate()
        {
            ws.write_number_with_format(row, 1 + col as u16, v, f)?;
        }
        row += 1;
    }
    Ok(())
}

/// The re-forecast's monthly bands, as the Monthly sheet lays out the plan's.
pub(super) fn monthly(ws: &mut Worksheet, rf: &Reforecast, fmt: &Formats) -> Result<()> {
    monthly_sheet(ws, &rf.after, fmt)?;
    ws.set_name("Re-forecast monthly")?;
    Ok(())
}

/// What drives the re-forecast, as the Drivers sheet lays out the plan's.
pub(super) fn drivers(ws: &mut Worksheet, rf: &Reforecast, fmt: &Formats) -> Result<()> {
    drivers_sheet(ws, &rf.after, fmt)?;
    ws.set_name("Re-forecast drivers")?;
    Ok(())
}
