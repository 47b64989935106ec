//! The files a run under actuals adds or changes: iterations.csv with each
//! iteration's weight, kill month and observed metrics; monthly.csv with
//! the conditioned bands beside the prior ones.

use std::fs;
use std::io;

use super::OutputDir;
use crate::actuals::Conditioned;
use crate::engine::INDICATORS;
use crate::model::COST_PARTS;
use crate::reforecast::Reforecast;
use crate::scenario::{Actuals, Scenario};
use crate::summary::{MonthlyBands, Summary};

/// The side file iterations.csv's rows stream to before their weights are
/// known; removed once iterations.csv is written.
pub const UNWEIGHTED_ROWS: &str = ".iterations-unweighted.csv";

/// The plan's own iterations under actuals, one row each, unweighted: the
/// rows a run without the actuals writes to iterations.csv, plus each
/// observation's simulated value, from which every "plan (before)" figure
/// and each prior percentile is recomputed.
pub const PLAN_ROWS: &str = "plan-iterations.csv";

/// The side file the plan's rows stream to before their observation
/// columns are added.
pub const PLAN_SIDE: &str = ".plan-iterations-unweighted.csv";

/// The columns a run under actuals adds to iterations.csv, after the
/// usual ones: `weight` (relative, mean 1; 0 where the iteration
/// contradicts a stated fact), `kill_month` (when a gate killed it, in
/// months; empty if none did within the horizon) and one
/// `observed.<metric>.m<month>` per observation (its simulated value).
pub fn extra_columns(act: &Actuals) -> Vec<String> {
    let mut h = vec!["weight".to_string(), "kill_month".to_string()];
    let mut seen: Vec<String> = Vec::new();
    for o in &act.observations {
        let mut name = o.column();
        // the same metric and month observed twice: number the repeats
        let repeats = seen.iter().filter(|s| **s == name).count();
        seen.push(name.clone());
        if repeats > 0 {
            name = format!("{name}.{}", repeats + 1);
        }
        h.push(name);
    }
    h
}

/// Writes iterations.csv from the side file that
/// [`super::iterations::IterationsCsv`] streamed during the run (header and
/// rows, without weights), adding the columns of [`extra_columns`] to each
/// row, then removes the side file; and plan-iterations.csv from its side
/// file [`PLAN_SIDE`], adding the observation columns (each plan future's
/// simulated value of the observed metric, for the prior percentiles).
pub fn write_iterations_csv(
    dir: &OutputDir,
    sc: &Scenario,
    act: &Actuals,
    c: &Conditioned,
) -> io::Result<()> {
    let names = extra_columns(act);
    append_columns(
        dir,
        sc,
        UNWEIGHTED_ROWS,
        "iterations.csv",
        &names,
        |i, field| {
            field(c.weights[i]);
            field(c.kill_time[i]);
            for column in &c.observed {
                field(column[i]);
            }
        },
    )?;
    append_columns(dir, sc, PLAN_SIDE, PLAN_ROWS, &names[2..], |i, field| {
        for column in &c.plan_observed {
            field(column[i]);
        }
    })
}

/// Copies the side file `side` to `target`, adding the columns `names`,
/// whose values `row(i, field)` gives for row i, then removes the side
/// file.
fn append_columns(
    dir: &OutputDir,
    sc: &Scenario,
    side: &str,
    target: &str,
    names: &[String],
    row: impl Fn(usize, &mut dyn FnMut(f64)),
) -> io::Result<()> {
    let part = dir.path(side);
    {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&part)
            .map_err(io::Error::other)?;
        let mut w = csv::Writer::from_writer(dir.file(target)?);
        let mut record = csv::ByteRecord::new();
        // the side file's header, as export::iterations wrote it
        reader
            .read_byte_record(&mut record)
            .map_err(io::Error::other)?;
        debug_assert_eq!(record.len(), super::iterations::header(sc).len());
        for name in names {
            record.push_field(name.as_bytes());
        }
        w.write_byte_record(&record)?;
        let mut i = 0usize;
        let mut buf = String::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(io::Error::other)?
        {
            row(i, &mut |v: f64| {
                buf.clear();
                if !v.is_nan() {
                    use std::fmt::Write as _;
                    let _ = write!(buf, "{v}");
                }
                record.push_field(buf.as_bytes());
            });
            w.write_byte_record(&record)?;
            i += 1;
        }
        w.flush()?;
    }
    fs::remove_file(part)
}

fn band_columns(header: &mut Vec<String>, prefix: &str, m: &MonthlyBands) {
    for b in m.leading.iter().chain(&m.lagging) {
        for stat in ["p10", "p25", "p50", "p75", "p90", "mean"] {
            header.push(format!("{prefix}{}_{stat}", b.key));
        }
    }
    for part in COST_PARTS {
        header.push(format!("{prefix}cost_{part}_mean"));
    }
}

fn band_values(row: &mut Vec<String>, m: &MonthlyBands, month: usize) {
    for b in m.leading.iter().chain(&m.lagging) {
        let x = b.months[month];
        row.extend([x.p10, x.p25, x.p50, x.p75, x.p90, x.mean].map(|v| v.to_string()));
    }
    for (_, means) in &m.mean_cost_by_category {
        row.push(means[month].to_string());
    }
}

/// monthly.csv under actuals: per month, the conditioned bands
/// (`conditioned_` columns: the re-forecast), then the prior's (`prior_`
/// columns: the plan as written), each indicator's P10/P25/P50/P75/P90
/// and mean, then the mean cost by category.
pub fn monthly_csv(s: &Summary, rf: &Reforecast) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["month".to_string()];
    band_columns(&mut header, "conditioned_", &rf.conditioned.monthly);
    band_columns(&mut header, "prior_", &rf.prior.monthly);
    debug_assert_eq!(
        header.len(),
        1 + 2 * (6 * INDICATORS.len() + COST_PARTS.len())
    );
    w.write_record(&header)?;
    for m in 0..s.horizon_months {
        let mut row = vec![(m + 1).to_string()];
        band_values(&mut row, &rf.conditioned.monthly, m);
        band_values(&mut row, &rf.prior.monthly, m);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}
