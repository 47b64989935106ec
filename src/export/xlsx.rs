//! `report.xlsx`: the numbers for a finance analyst to audit in Excel.
//!
//! Five sheets: Summary (run facts, headline and every headline figure with
//! its standard error), Assumptions (every uncertain input), Monthly (the
//! month-by-month bands), Funnel (the stage funnel) and Iterations (the rows
//! of `iterations.csv`, the first [`ITERATIONS_SHEET_CAP`] of them at most,
//! with a note saying so); with a sensitivity
//! analysis, a Drivers sheet (what drives the result) before Iterations. Numbers are written as
//! numbers, with display formats (money in the scenario's currency,
//! percentages, months) except on the Iterations sheet, which keeps Excel's
//! General format like the CSV; words stand only where there is no number
//! ("beyond the horizon", "n/a").
//! The same input gives the same bytes: the document's creation time is
//! fixed and nothing else in the file depends on the clock.

pub mod portfolio;
mod reforecast;

use std::path::Path;

use anyhow::{bail, Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use crate::export::text::headline;
use crate::format::thousands;
use crate::ontrack::OnTrack;
use crate::stats::sensitivity::Target;
use crate::summary::{Pct, Prob, Spread, Summary};

/// Excel's rows per worksheet, header included.
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// The most iteration rows the Iterations sheet holds (header aside);
/// past it, a note in the sheet and on the Summary sheet points to
/// `iterations.csv`, which has them all. The sheet costs about 5 s of
/// writing per 100,000 rows, so this holds it to about 5 s at any run size,
/// against about 50 s at Excel's own limit of 1,048,575 rows. 100,000 iterations are more than a spreadsheet check
/// needs: a mean or a share recomputed from them has a standard error of
/// 1/sqrt(100,000), 0.3%, of the draws' standard deviation.
pub const ITERATIONS_SHEET_CAP: u64 = 100_000;

/// What the Summary sheet says where `iterations.csv` was not written.
pub const NO_ITERATIONS_CSV: &str = "iterations.csv was not written (--no-iterations-csv)";

/// The workbook's bytes; the Iterations sheet is read back from
/// `iterations_csv` when there is one.
pub fn workbook(summary: &Summary, iterations_csv: Option<&Path>) -> Result<Vec<u8>> {
    workbook_with_cap(summary, iterations_csv, ITERATIONS_SHEET_CAP)
}

/// Writes the workbook to `path`, streaming the Iterations sheet (its rows
/// never sit in memory).
pub fn write_workbook(summary: &Summary, iterations_csv: Option<&Path>, path: &Path) -> Result<()> {
    Ok(build(summary, iterations_csv, sheet_rows(ITERATIONS_SHEET_CAP))?.save(path)?)
}

/// [`workbook`] with the Iterations sheet held to `cap` iteration rows
/// below its header ([`ITERATIONS_SHEET_CAP`] in [`workbook`]; smaller in
/// tests; never more than Excel holds).
pub fn workbook_with_cap(
    summary: &Summary,
    iterations_csv: Option<&Path>,
    cap: u64,
) -> Result<Vec<u8>> {
    Ok(build(summary, iterations_csv, sheet_rows(cap))?.save_to_buffer()?)
}

/// The sheet's rows, header included, for a cap of `cap` iteration rows.
fn sheet_rows(cap: u64) -> u32 {
    cap.saturating_add(1).min(u64::from(EXCEL_MAX_ROWS)) as u32
}

/// Opens `iterations.csv` and reads its header row.
fn open_with_header(
    path: &Path,
    shown: &str,
) -> Result<(csv::Reader<std::fs::File>, csv::ByteRecord)> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .with_context(|| format!("cannot read {shown}"))?;
    let mut record = csv::ByteRecord::new();
    if !rd
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {shown}"))?
    {
        bail!("{shown} is empty: it should start with a header row");
    }
    Ok((rd, record))
}

/// The rows of iterations.csv: the run's iterations, or under actuals the
/// re-forecast's weighted futures (the plan's are in plan-iterations.csv).
fn csv_rows(s: &Summary) -> u64 {
    s.actuals.as_ref().map_or(s.iterations, |a| a.iterations)
}

/// How much of the CSV the Iterations sheet will hold, from its header and
/// the run's size, so the Summary sheet can say so before any row is read.
fn plan_extent(s: &Summary, path: Option<&Path>, max_rows: u32) -> Result<Extent> {
    let Some(path) = path else {
        return Ok(Extent::NotWritten);
    };
    let shown = path.display().to_string();
    let (_, record) = open_with_header(path, &shown)?;
    let columns = record.len().min(usize::from(u16::MAX)) as u16;
    let room = u64::from(max_rows - 1);
    Ok(if csv_rows(s) > room {
        Extent::Capped {
            shown: room,
            iterations: csv_rows(s),
            columns,
        }
    } else {
        Extent::All {
            iterations: csv_rows(s),
            columns,
        }
    })
}

fn build(summary: &Summary, iterations_csv: Option<&Path>, max_rows: u32) -> Result<Workbook> {
    let max_rows = max_rows.clamp(2, EXCEL_MAX_ROWS);
    let mut wb = Workbook::new();
    // The fastest deflate: with level 1 (and ryu for the numbers) the
    // 100,000-iteration run with every file took 2.8 s against 4.9 s for
    // an earlier build at level 6, for a report.xlsx of 81 MB, not 54 MB
    // (README "Speed and memory").
    wb.set_zip_compression_level(1);
    let fmt = Formats::new(&summary.currency);
    let extent = plan_extent(summary, iterations_csv, max_rows)?;
    if let Some((rows, columns)) = extent.shown() {
        // about 30 bytes of XML a cell: past ~4 GB the zip needs ZIP64
        if rows * u64::from(columns) > 120_000_000 {
            wb.use_zip_large_file(true);
        }
    }

    if let Some(rf) = &summary.actuals {
        let mut sheet = Worksheet::new();
        reforecast::reforecast_sheet(&mut sheet, summary, rf, &fmt)?;
        wb.push_worksheet(sheet);
    }
    let mut sheet = Worksheet::new();
    summary_sheet(&mut sheet, summary, &extent, &fmt)?;
    wb.push_worksheet(sheet);
    let mut sheet = Worksheet::new();
    assumptions_sheet(&mut sheet, summary, &fmt)?;
    wb.push_worksheet(sheet);
    let mut sheet = Worksheet::new();
    monthly_sheet(&mut sheet, summary, &fmt)?;
    wb.push_worksheet(sheet);
    let mut sheet = Worksheet::new();
    funnel_sheet(&mut sheet, summary, &fmt)?;
    wb.push_worksheet(sheet);
    if let Some(on) = &summary.on_track {
        let mut sheet = Worksheet::new();
        on_track_sheet(&mut sheet, on, &fmt)?;
        wb.push_worksheet(sheet);
    }
    if summary.sensitivity.is_some() {
        let mut sheet = Worksheet::new();
        drivers_sheet(&mut sheet, summary, &fmt)?;
        wb.push_worksheet(sheet);
    }
    if let Some(rf) = &summary.actuals {
        let mut sheet = Worksheet::new();
        reforecast::monthly(&mut sheet, rf, &fmt)?;
        wb.push_worksheet(sheet);
        if rf.after.sensitivity.is_some() {
            let mut sheet = Worksheet::new();
            reforecast::drivers(&mut sheet, rf, &fmt)?;
            wb.push_worksheet(sheet);
        }
    }
    // The Iterations sheet streams to a temporary file row by row (constant
    // memory), so a million rows never sit in memory.
    let iterations = wb.add_worksheet_with_constant_memory()?;
    iterations.set_name("Iterations")?;
    let written = iterations_sheet(iterations, summary, iterations_csv, max_rows, &fmt)?;
    if written != extent {
        bail!("the Iterations sheet came out as {written:?}, not the {extent:?} the Summary sheet describes");
    }

    // A fixed creation time: the same run gives the same bytes.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    let properties = DocProperties::new()
        .set_title(format!("gatecast report: {}", summary.scenario))
        .set_subject(summary.scenario_file.clone())
        .set_comment(format!(
            "gatecast {}; {} iterations; seed {}",
            summary.gatecast_version, summary.iterations, summary.seed
        ))
        .set_creation_datetime(&created);
    wb.set_properties(&properties);
    Ok(wb)
}

/// The display formats, made once.
struct Formats {
    header: Format,
    note: Format,
    /// Whole units of the scenario's currency: `"EUR "#,##0`.
    money: Format,
    /// With cents, for small per-unit amounts: `"EUR "#,##0.00`.
    money_cents: Format,
    pct: Format,
    /// Standard errors of probabilities are small: one more decimal.
    pct_se: Format,
    months: Format,
    /// Inputs in months, such as durations under one month.
    months_2dp: Format,
    count: Format,
    decimal: Format,
    integer: Format,
}

impl Formats {
    fn new(currency: &str) -> Formats {
        // a quote cannot stand inside Excel's quoted literal text
        let code: String = currency.chars().filter(|c| *c != '"').collect();
        let prefix = if code.is_empty() {
            String::new()
        } else {
            format!("\"{code} \"")
        };
        Formats {
            header: Format::new().set_bold(),
            note: Format::new().set_italic(),
            money: Format::new().set_num_format(format!("{prefix}#,##0")),
            money_cents: Format::new().set_num_format(format!("{prefix}#,##0.00")),
            pct: Format::new().set_num_format("0.0%"),
            pct_se: Format::new().set_num_format("0.00%"),
            months: Format::new().set_num_format("0.0"),
            months_2dp: Format::new().set_num_format("0.00"),
            count: Format::new().set_num_format("#,##0"),
            decimal: Format::new().set_num_format("0.000"),
            integer: Format::new().set_num_format("0"),
        }
    }

    /// The format for an input of this unit (as `Unit::label` writes it).
    fn for_unit(&self, unit: &str, currency: &str) -> &Format {
        if unit == currency {
            &self.money
        } else if !currency.is_empty() && unit.starts_with(&format!("{currency}/")) {
            &self.money_cents
        } else {
            match unit {
                "months" => &self.months_2dp,
                "share (0-1)" | "per year" => &self.pct,
                "users" => &self.count,
                _ => &self.decimal,
            }
        }
    }
}

/// How much of `iterations.csv` the Iterations sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    NotWritten,
    All {
        iterations: u64,
        columns: u16,
    },
    Capped {
        shown: u64,
        iterations: u64,
        columns: u16,
    },
}

impl Extent {
    /// Rows (header included) and columns of the Iterations sheet.
    fn shown(&self) -> Option<(u64, u16)> {
        match *self {
            Extent::NotWritten => None,
            Extent::All {
                iterations,
                columns,
            } => Some((iterations + 1, columns)),
            Extent::Capped { shown, columns, .. } => Some((shown + 1, columns)),
        }
    }

    fn describe(&self) -> String {
        match *self {
            Extent::NotWritten => NO_ITERATIONS_CSV.to_string(),
            Extent::All { iterations, .. } => {
                format!("all {} iterations", thousands(iterations as f64))
            }
            Extent::Capped {
                shown, iterations, ..
            } => capped_note(shown, iterations),
        }
    }
}

fn capped_note(shown: u64, iterations: u64) -> String {
    format!(
        "Capped: shows iterations 1 to {} of {}; iterations.csv has all {}. \
         The sheet stops there to keep report.xlsx quick to write and to open",
        thousands(shown as f64),
        thousands(iterations as f64),
        thousands(iterations as f64),
    )
}

/// Writes headers in bold on row `row` from column 0.
fn header_row(ws: &mut Worksheet, row: u32, names: &[&str], fmt: &Formats) -> Result<()> {
    for (c, name) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *name, &fmt.header)?;
    }
    Ok(())
}

fn widths(ws: &mut Worksheet, widths: &[f64]) -> Result<()> {
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

/// One cell of the Summary's table.
enum Cell<'a> {
    Num(f64, &'a Format),
    Text(String),
    Empty,
}

impl Cell<'_> {
    fn write(&self, ws: &mut Worksheet, row: u32, col: u16) -> Result<()> {
        match self {
            Cell::Num(v, f) => {
                ws.write_number_with_format(row, col, *v, f)?;
            }
            Cell::Text(s) => {
                ws.write_string(row, col, s)?;
            }
            Cell::Empty => {}
        }
        Ok(())
    }
}

/// The Summary table as it is built: one figure a row.
struct Table<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    section: &'a Format,
}

impl Table<'_> {
    fn figure(&mut self, name: &str, value: Cell, se: Cell, unit: &str) -> Result<()> {
        self.ws.write_string(self.row, 0, name)?;
        value.write(self.ws, self.row, 1)?;
        se.write(self.ws, self.row, 2)?;
        if !unit.is_empty() {
            self.ws.write_string(self.row, 3, unit)?;
        }
        self.row += 1;
        Ok(())
    }

    fn section(&mut self, title: &str) -> Result<()> {
        self.row += 1;
        self.ws
            .write_string_with_format(self.row, 0, title, self.section)?;
        self.row += 1;
        Ok(())
    }
}

fn prob<'a>(p: &Prob, fmt: &'a Formats) -> (Cell<'a>, Cell<'a>) {
    (Cell::Num(p.value, &fmt.pct), Cell::Num(p.se, &fmt.pct_se))
}

/// A percentile's value and standard error; `missing` says a missing value
/// in words ("beyond the horizon" for payback).
fn pct<'a>(p: &Pct, f: &'a Format, missing: &str) -> (Cell<'a>, Cell<'a>) {
    match p.value {
        None => (Cell::Text(missing.to_string()), Cell::Empty),
        Some(v) => (
            Cell::Num(v, f),
            p.se.map_or(Cell::Text("n/a".into()), |se| Cell::Num(se, f)),
        ),
    }
}

/// Mean and the given percentiles of a spread, one row each.
fn spread(
    t: &mut Table,
    name: &str,
    s: &Spread,
    f: &Format,
    unit: &str,
    which: &[&str],
) -> Result<()> {
    for w in which {
        let (value, se) = match *w {
            "mean" => (Cell::Num(s.mean.value, f), Cell::Num(s.mean.se, f)),
            "P10" => pct(&s.p10, f, "n/a"),
            "P50" => pct(&s.p50, f, "n/a"),
            "P90" => pct(&s.p90, f, "n/a"),
            other => unreachable!("no statistic {other}"),
        };
        t.figure(&format!("{name} {w}"), value, se, unit)?;
    }
    Ok(())
}

fn summary_sheet(ws: &mut Worksheet, s: &Summary, extent: &Extent, fmt: &Formats) -> Result<()> {
    ws.set_name("Summary")?;
    header_row(ws, 0, &["Figure", "Value", "Standard error", "Unit"], fmt)?;
    ws.set_freeze_panes(1, 0)?;
    widths(ws, &[46.0, 20.0, 16.0, 34.0])?;
    let c = s.currency.as_str();
    let mut t = Table {
        ws,
        row: 1,
        section: &fmt.header,
    };
    // the run
    t.figure("Scenario", Cell::Text(s.scenario.clone()), Cell::Empty, "")?;
    t.figure(
        "Scenario file",
        Cell::Text(s.scenario_file.clone()),
        Cell::Empty,
        "",
    )?;
    // a seed past 2^53 would not survive as an Excel number
    let seed = if s.seed <= 1 << 53 {
        Cell::Num(s.seed as f64, &fmt.integer)
    } else {
        Cell::Text(s.seed.to_string())
    };
    t.figure("Seed", seed, Cell::Empty, "")?;
    t.figure(
        "Iterations",
        Cell::Num(s.iterations as f64, &fmt.count),
        Cell::Empty,
        "",
    )?;
    t.figure(
        "Sampling",
        Cell::Text(s.sampling.label().to_string()),
        Cell::Empty,
        &s.standard_errors,
    )?;
    if let Some(note) = crate::export::text::precision_note(s) {
        t.figure("Precision", Cell::Text(note), Cell::Empty, "")?;
    }
    t.figure(
        "Horizon",
        Cell::Num(s.horizon_months as f64, &fmt.integer),
        Cell::Empty,
        "months",
    )?;
    t.figure("Currency", Cell::Text(s.currency.clone()), Cell::Empty, "")?;
    t.figure(
        "Discount rate (annual)",
        Cell::Text(s.discount_rate.clone()),
        Cell::Empty,
        "",
    )?;
    t.figure(
        "gatecast version",
        Cell::Text(s.gatecast_version.clone()),
        Cell::Empty,
        "",
    )?;
    t.figure("Headline", Cell::Text(headline(s)), Cell::Empty, "")?;
    t.figure(
        "Iterations sheet",
        Cell::Text(extent.describe()),
        Cell::Empty,
        "",
    )?;

    t.section("Payback (lagging)")?;
    let p = &s.payback;
    let h = s.horizon_months;
    for (name, x) in [
        ("P(payback within 12 months)", Some(&p.p_within_12_months)),
        ("P(payback within 24 months)", Some(&p.p_within_24_months)),
        ("P(payback within 36 months)", p.p_within_36_months.as_ref()),
    ] {
        let (v, se) = match x {
            Some(x) => prob(x, fmt),
            None => (Cell::Text("n/a".into()), Cell::Empty),
        };
        t.figure(name, v, se, "probability")?;
    }
    let (v, se) = prob(&p.p_within_horizon, fmt);
    t.figure(
        &format!("P(payback within the {h}-month horizon)"),
        v,
        se,
        "probability",
    )?;
    for (name, q) in [("P10", &p.p10), ("P50", &p.p50), ("P90", &p.p90)] {
        let (v, se) = pct(q, &fmt.months, "beyond the horizon");
        t.figure(&format!("Payback {name}"), v, se, "months")?;
    }

    t.section(&format!(
        "Value (lagging; NPV discounted at {} a year)",
        s.discount_rate
    ))?;
    let all = ["mean", "P10", "P50", "P90"];
    spread(&mut t, "NPV", &s.npv.spread, &fmt.money, c, &all)?;
    let (v, se) = prob(&s.npv.p_positive, fmt);
    t.figure("P(NPV > 0)", v, se, "probability")?;
    let roi_unit = "ratio: total benefit / total cost - 1";
    match &s.roi.stats {
        Some(r) => spread(&mut t, "ROI", r, &fmt.pct, roi_unit, &all)?,
        None => {
            for w in all {
                t.figure(
                    &format!("ROI {w}"),
                    Cell::Text("n/a".into()),
                    Cell::Empty,
                    roi_unit,
                )?;
            }
        }
    }
    t.figure(
        "Share of iterations with ROI defined (costs > 0)",
        Cell::Num(s.roi.defined_share, &fmt.pct),
        Cell::Empty,
        "share",
    )?;
    spread(
        &mut t,
        "Peak funding",
        &s.peak_funding,
        &fmt.money,
        c,
        &["P50", "P90"],
    )?;
    spread(
        &mut t,
        "Total cost",
        &s.total_cost,
        &fmt.money,
        c,
        &["mean"],
    )?;
    spread(
        &mut t,
        "Total benefit",
        &s.total_benefit,
        &fmt.money,
        c,
        &["mean"],
    )?;

    t.section("Gates and adoption")?;
    let (v, se) = prob(&s.p_killed, fmt);
    t.figure(
        "P(killed at some gate within the horizon)",
        v,
        se,
        "probability",
    )?;
    let (v, se) = prob(&s.leading.p_access, fmt);
    t.figure(
        "P(users get access within the horizon) (leading)",
        v,
        se,
        "probability",
    )?;
    let (v, se) = match &s.leading.first_access_month {
        Some(f) => pct(&f.p50, &fmt.months, "n/a"),
        None => (Cell::Text("never".into()), Cell::Empty),
    };
    t.figure("First access P50 (leading)", v, se, "months")?;

    t.row += 1;
    let row = t.row;
    ws_note(
        t.ws,
        row,
        "Percentiles follow Excel's PERCENTILE.INC over all iterations; the standard error \
         is the Monte Carlo one. Payback percentiles count iterations without payback as later \
         than every month.",
        fmt,
    )?;
    Ok(())
}

fn ws_note(ws: &mut Worksheet, row: u32, text: &str, fmt: &Formats) -> Result<()> {
    ws.write_string_with_format(row, 0, text, &fmt.note)?;
    Ok(())
}

fn assumptions_sheet(ws: &mut Worksheet, s: &Summary, fmt: &Formats) -> Result<()> {
    ws.set_name("Assumptions")?;
    header_row(
        ws,
        0,
        &["Path", "Distribution", "Unit", "P10", "P50", "P90"],
        fmt,
    )?;
    ws.set_freeze_panes(1, 0)?;
    let longest = |f: &dyn Fn(&crate::summary::Assumption) -> usize, min: usize| {
        s.assumptions.iter().map(f).max().unwrap_or(0).max(min)
    };
    let path_w = longest(&|a| a.path.chars().count(), 20).min(60);
    let dist_w = longest(&|a| a.distribution.chars().count(), 14).min(50);
    let unit_w = longest(&|a| a.unit.chars().count(), 8).min(30);
    widths(
        ws,
        &[
            path_w as f64 + 2.0,
            dist_w as f64 + 2.0,
            unit_w as f64 + 2.0,
            16.0,
            16.0,
            16.0,
        ],
    )?;
    if s.assumptions.is_empty() {
        ws_note(
            ws,
            1,
            "No uncertain inputs: every input is fixed in the scenario file.",
            fmt,
        )?;
        return Ok(());
    }
    for (i, a) in s.assumptions.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &a.path)?;
        ws.write_string(r, 1, &a.distribution)?;
        ws.write_string(r, 2, &a.unit)?;
        let f = fmt.for_unit(&a.unit, &s.currency);
        for (c, v) in [a.p10, a.p50, a.p90].into_iter().enumerate() {
            ws.write_number_with_format(r, 3 + c as u16, v, f)?;
        }
    }
    Ok(())
}

/// Mean cost categories in words; unknown keys stand as they are.
fn cost_part_label(key: &str) -> &str {
    match key {
        "stage" => "Stages (burns, one-offs)",
        "run_fixed" => "Run, fixed",
        "per_user" => "Run, per user",
        "onboarding" => "Onboarding",
        "retraining" => "Retraining",
        other => other,
    }
}

/// Rows above the first month on the Monthly sheet: note, indicator,
/// statistic, unit.
pub const MONTHLY_HEADER_ROWS: u32 = 4;

fn monthly_sheet(ws: &mut Worksheet, s: &Summary, fmt: &Formats) -> Result<()> {
    ws.set_name("Monthly")?;
    let m = &s.monthly;
    ws_note(
        ws,
        0,
        &format!(
            "Monthly bands: {}. Headline figures on the Summary sheet use exact order statistics.",
            m.method
        ),
        fmt,
    )?;
    let stat_row = 2;
    let unit_row = 3;
    ws.write_string_with_format(stat_row, 0, "Month", &fmt.header)?;
    ws.write_string_with_format(unit_row, 0, "month", &fmt.header)?;
    ws.set_column_width(0, 8)?;
    let group = fmt.header.clone().set_align(FormatAlign::Center);
    let mut col: u16 = 1;
    let bands: Vec<(&crate::summary::IndicatorBands, &str)> = m
        .leading
        .iter()
        .map(|b| (b, "leading"))
        .chain(m.lagging.iter().map(|b| (b, "lagging")))
        .collect();
    for (b, kind) in &bands {
        ws.merge_range(1, col, 1, col + 5, &format!("{} ({kind})", b.label), &group)?;
        let money = b.unit == s.currency;
        let f = match b.key.as_str() {
            "usage_rate" => &fmt.pct,
            _ if money => &fmt.money,
            _ => &fmt.count,
        };
        for (i, stat) in ["P10", "P25", "P50", "P75", "P90", "Mean"]
            .iter()
            .enumerate()
        {
            let c = col + i as u16;
            ws.write_string_with_format(stat_row, c, *stat, &fmt.header)?;
            ws.write_string_with_format(unit_row, c, &b.unit, &fmt.header)?;
            ws.set_column_width(c, if money { 14 } else { 11 })?;
        }
        for (mi, band) in b.months.iter().enumerate().take(s.horizon_months) {
            let r = MONTHLY_HEADER_ROWS + mi as u32;
            for (i, v) in [band.p10, band.p25, band.p50, band.p75, band.p90, band.mean]
                .into_iter()
                .enumerate()
            {
                ws.write_number_with_format(r, col + i as u16, v, f)?;
            }
        }
        col += 6;
    }
    let parts = &m.mean_cost_by_category;
    if !parts.is_empty() {
        let last = col + parts.len() as u16 - 1;
        let title = "Mean cost by category (lagging)";
        if last > col {
            ws.merge_range(1, col, 1, last, title, &group)?;
        } else {
            ws.write_string_with_format(1, col, title, &group)?;
        }
        for (name, means) in parts {
            ws.write_string_with_format(stat_row, col, cost_part_label(name), &fmt.header)?;
            ws.write_string_with_format(unit_row, col, &s.currency, &fmt.header)?;
            ws.set_column_width(col, 16)?;
            for (mi, v) in means.iter().enumerate().take(s.horizon_months) {
                ws.write_number_with_format(MONTHLY_HEADER_ROWS + mi as u32, col, *v, &fmt.money)?;
            }
            col += 1;
        }
    }
    for month in 1..=s.horizon_months {
        ws.write_number(MONTHLY_HEADER_ROWS + month as u32 - 1, 0, month as f64)?;
    }
    ws.set_freeze_panes(MONTHLY_HEADER_ROWS, 1)?;
    Ok(())
}

fn funnel_sheet(ws: &mut Worksheet, s: &Summary, fmt: &Formats) -> Result<()> {
    ws.set_name("Funnel")?;
    header_row(
        ws,
        0,
        &[
            "Stage",
            "P(started)",
            "P(gate decided)",
            "P(killed at gate)",
            "Killed, of those decided",
            "Mean reworks, of those decided",
        ],
        fmt,
    )?;
    ws.set_freeze_panes(1, 0)?;
    let stage_w = s
        .funnel
        .iter()
        .map(|f| f.stage.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 50);
    widths(ws, &[stage_w as f64 + 2.0, 12.0, 16.0, 17.0, 24.0, 30.0])?;
    let opt = |ws: &mut Worksheet, r: u32, c: u16, v: Option<f64>, f: &Format| -> Result<()> {
        match v {
            Some(v) => ws.write_number_with_format(r, c, v, f)?,
            None => ws.write_string(r, c, "n/a")?,
        };
        Ok(())
    };
    let reworks = Format::new().set_num_format("0.00");
    for (i, f) in s.funnel.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &f.stage)?;
        ws.write_number_with_format(r, 1, f.p_started.value, &fmt.pct)?;
        match &f.gate {
            Some(g) => {
                ws.write_number_with_format(r, 2, g.p_decision.value, &fmt.pct)?;
                ws.write_number_with_format(r, 3, g.p_killed.value, &fmt.pct)?;
                opt(ws, r, 4, g.p_killed_given_decision, &fmt.pct)?;
                opt(ws, r, 5, g.mean_reworks_given_decision, &reworks)?;
            }
            None => {
                ws.write_string(r, 2, "no gate")?;
            }
        }
    }
    let r = s.funnel.len() as u32 + 2;
    ws_note(
        ws,
        r,
        "Shares of all iterations, except the last two columns: among the iterations whose gate \
         reached its decision within the horizon.",
        fmt,
    )?;
    Ok(())
}

/// What on track looks like (MODEL.md 9.1): the bands and tripwire of each
/// leading indicator at each checkpoint, then the decile tables, one row a
/// group, so that a filter on indicator and month shows one table.
fn on_track_sheet(ws: &mut Worksheet, on: &OnTrack, fmt: &Formats) -> Result<()> {
    ws.set_name("On track")?;
    let tm = on.target_months;
    ws_note(ws, 0, &format!("{}.", on.sentence()), fmt)?;
    ws_note(
        ws,
        1,
        &format!(
            "Over the futures in which users have access at the month. Paying back: within {tm} months. Tripwire: the upper edge of the highest tenth of futures (by the indicator) in which fewer than half pay back. Method: {}.",
            on.method
        ),
        fmt,
    )?;
    let paying = format!("Pay back within {tm} months");
    header_row(
        ws,
        3,
        &[
            "Indicator",
            "Unit",
            "Month",
            "Futures with access",
            &paying,
            "Paying back P10",
            "Paying back P50",
            "Paying back P90",
            "All P10",
            "All P50",
            "All P90",
            "Tripwire",
            "Pay back, at or below it",
            "Pay back, above it",
        ],
        fmt,
    )?;
    ws.set_freeze_panes(4, 0)?;
    widths(
        ws,
        &[
            14.0, 8.0, 7.0, 18.0, 24.0, 15.0, 15.0, 15.0, 11.0, 11.0, 11.0, 11.0, 22.0, 18.0,
        ],
    )?;
    let unit = |key: &str| if key == "usage_rate" { "%" } else { "users" };
    let value_fmt = |key: &str| {
        if key == "usage_rate" {
            &fmt.pct
        } else {
            &fmt.count
        }
    };
    let opt = |ws: &mut Worksheet, r: u32, c: u16, v: Option<f64>, f: &Format| -> Result<()> {
        match v {
            Some(v) => ws.write_number_with_format(r, c, v, f)?,
            None => ws.write_string(r, c, "none")?,
        };
        Ok(())
    };
    let mut r = 4;
    for ind in &on.indicators {
        let vf = value_fmt(&ind.key);
        for c in &ind.checkpoints {
            let f = &c.figures;
            ws.write_string(r, 0, &ind.label)?;
            ws.write_string(r, 1, unit(&ind.key))?;
            ws.write_number(r, 2, c.month as f64)?;
            ws.write_number_with_format(r, 3, f.with_access as f64, &fmt.count)?;
            ws.write_number_with_format(r, 4, f.paid_back as f64, &fmt.count)?;
            for (k, b) in [f.paying_back, f.all].into_iter().enumerate() {
                let col = 5 + 3 * k as u16;
                opt(ws, r, col, b.map(|b| b.p10), vf)?;
                opt(ws, r, col + 1, b.map(|b| b.p50), vf)?;
                opt(ws, r, col + 2, b.map(|b| b.p90), vf)?;
            }
            opt(ws, r, 11, f.tripwire, vf)?;
            opt(ws, r, 12, f.p_payback_at_or_below, &fmt.pct)?;
            opt(ws, r, 13, f.p_payback_above, &fmt.pct)?;
            r += 1;
        }
    }
    r += 1;
    ws_note(
        ws,
        r,
        "The decile tables: the futures with access in ten groups by the indicator, lowest first; a run of equal values stays in the group of the lowest of them, so a group may be empty.",
        fmt,
    )?;
    r += 1;
    header_row(
        ws,
        r,
        &[
            "Indicator",
            "Unit",
            "Month",
            "Tenth",
            "From",
            "To",
            "Futures",
            &paying,
            "Share",
        ],
        fmt,
    )?;
    r += 1;
    for ind in &on.indicators {
        let vf = value_fmt(&ind.key);
        for c in &ind.checkpoints {
            for g in &c.figures.groups {
                ws.write_string(r, 0, &ind.label)?;
                ws.write_string(r, 1, unit(&ind.key))?;
                ws.write_number(r, 2, c.month as f64)?;
                ws.write_number(r, 3, g.group as f64)?;
                opt(ws, r, 4, g.lo, vf)?;
                opt(ws, r, 5, g.hi, vf)?;
                ws.write_number_with_format(r, 6, g.count as f64, &fmt.count)?;
                ws.write_number_with_format(r, 7, g.paid_back as f64, &fmt.count)?;
                opt(ws, r, 8, g.share, &fmt.pct)?;
                r += 1;
            }
        }
    }
    Ok(())
}

/// What drives the result: one row per input (and gate), in the order of
/// the tornado (the pinned one when the run made it, else the deciles').
fn drivers_sheet(ws: &mut Worksheet, s: &Summary, fmt: &Formats) -> Result<()> {
    ws.set_name("Drivers")?;
    let Some(sens) = &s.sensitivity else {
        return Ok(());
    };
    let pinned = !sens.pinned.is_empty();
    let stat = &sens.statistic;
    let mut names = vec![
        "Input".to_string(),
        "Rank correlation".into(),
        "Share of variance".into(),
        "Lowest tenth: input up to".into(),
        format!("{stat}, lowest tenth"),
        "Highest tenth: input from".into(),
        format!("{stat}, highest tenth"),
    ];
    if pinned {
        names.extend([
            "Pinned low".to_string(),
            format!("{stat}, pinned low"),
            "Pinned high".into(),
            format!("{stat}, pinned high"),
        ]);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    header_row(ws, 0, &refs, fmt)?;
    ws.set_freeze_panes(1, 1)?;
    let order: Vec<&str> = if pinned {
        sens.pinned.iter().map(|b| b.path.as_str()).collect()
    } else {
        sens.deciles.iter().map(|d| d.path.as_str()).collect()
    };
    let path_w = order
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 60);
    let mut w = vec![path_w as f64 + 2.0, 16.0, 17.0, 24.0, 26.0, 24.0, 26.0];
    if pinned {
        w.extend([16.0, 26.0, 16.0, 26.0]);
    }
    widths(ws, &w)?;
    let value_fmt = match sens.target {
        Target::Payback => &fmt.months,
        Target::Roi => &fmt.pct,
        _ => &fmt.money,
    };
    let missing = match sens.target {
        Target::Payback => "beyond the horizon",
        _ => "n/a",
    };
    let stat_cell = |ws: &mut Worksheet, r: u32, c: u16, v: Option<f64>| -> Result<()> {
        match v {
            Some(v) => ws.write_number_with_format(r, c, v, value_fmt)?,
            None => ws.write_string(r, c, missing)?,
        };
        Ok(())
    };
    for (i, path) in order.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *path)?;
        if let Some(d) = sens.deciles.iter().find(|d| d.path == *path) {
            ws.write_number_with_format(r, 1, d.spearman, &fmt.decimal)?;
            ws.write_number_with_format(r, 2, d.contribution, &fmt.pct)?;
            ws.write_number(r, 3, d.low_edge)?;
            stat_cell(ws, r, 4, d.low)?;
            ws.write_number(r, 5, d.high_edge)?;
            stat_cell(ws, r, 6, d.high)?;
        }
        if let Some(b) = sens.pinned.iter().find(|b| b.path == *path) {
            ws.write_string(r, 7, &b.low_setting)?;
            stat_cell(ws, r, 8, b.low)?;
            ws.write_string(r, 9, &b.high_setting)?;
            stat_cell(ws, r, 10, b.high)?;
        }
    }
    let r = order.len() as u32 + 2;
    ws_note(
        ws,
        r,
        &format!(
            "Base {stat}: {}. Largest swing first; from the first {} iterations on common random numbers. \
             Rank correlation: Spearman's, of the input with the target; share of variance: its square, normalised \
             over all inputs. Tenths: the iterations with the input in its lowest and highest tenth. Pinned: every \
             iteration rerun with the input fixed (a gate: always kill or always pass). Gates have no rank correlation.",
            sens.base.map_or(missing.to_string(), |b| match sens.target {
                Target::Payback => format!("{b:.1} months"),
                Target::Roi => format!("{:.1}%", b * 100.0),
                _ => crate::format::money(b, &s.currency),
            }),
            sens.iterations
        ),
        fmt,
    )?;
    Ok(())
}

/// Columns of `iterations.csv` that hold words, not numbers.
const TEXT_COLUMNS: [&str; 2] = ["furthest_stage", "killed_at_gate"];

fn iterations_sheet(
    ws: &mut Worksheet,
    s: &Summary,
    path: Option<&Path>,
    max_rows: u32,
    fmt: &Formats,
) -> Result<Extent> {
    let Some(path) = path else {
        ws.write_string_with_format(0, 0, NO_ITERATIONS_CSV, &fmt.header)?;
        ws.set_column_width(0, 60)?;
        ws.set_freeze_panes(1, 0)?;
        return Ok(Extent::NotWritten);
    };
    let shown = path.display().to_string();
    let (mut rd, mut record) = open_with_header(path, &shown)?;
    let names: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    // Excel's 16,384 columns, less two for the note beside the header
    if names.len() > 16_382 {
        bail!(
            "{shown} has {} columns, more than an Excel sheet holds",
            names.len()
        );
    }
    let columns = names.len() as u16;

    // Numbers stay in Excel's General format, as in the CSV: a format per
    // cell would cost a fifth of the time, and this sheet is for recomputing.
    let mut text = Vec::with_capacity(names.len());
    for (c, name) in names.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, name, &fmt.header)?;
        ws.set_column_width(
            c as u16,
            (name.chars().count() as f64 + 2.0).clamp(10.0, 45.0),
        )?;
        text.push(TEXT_COLUMNS.contains(&name.as_str()));
    }

    // The cap is decided from the summary so that the note can stand in the
    // header row before any data row is written; the count is checked below
    // (past the cap only as far as the first row left out: a capped file
    // can be tens of gigabytes).
    let room = u64::from(max_rows - 1);
    let capped = csv_rows(s) > room;
    if capped {
        let note = capped_note(room, csv_rows(s));
        ws.write_string_with_format(0, columns + 1, &note, &fmt.header)?;
    }
    ws.set_freeze_panes(1, 1)?;

    let mut rows: u64 = 0;
    while rd
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {shown}"))?
    {
        rows += 1;
        if rows > room {
            break; // a row past the cap: the cap is real
        }
        let r = rows as u32;
        for (c, field) in record.iter().enumerate() {
            if field.is_empty() {
                continue;
            }
            let col = c as u16;
            let as_text = || String::from_utf8_lossy(field);
            let number = if text[c] {
                None
            } else {
                std::str::from_utf8(field)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
            };
            match number {
                Some(v) => ws.write_number(r, col, v)?,
                None => ws.write_string(r, col, as_text())?,
            };
        }
    }
    let complete = if capped {
        rows > room
    } else {
        rows == csv_rows(s)
    };
    if !complete {
        bail!(
            "{shown} has {rows} iteration rows but the summary has {} iterations: \
             it is not this run's file",
            csv_rows(s)
        );
    }
    Ok(if capped {
        Extent::Capped {
            shown: room,
            iterations: csv_rows(s),
            columns,
        }
    } else {
        Extent::All {
            iterations: rows,
            columns,
        }
    })
}
