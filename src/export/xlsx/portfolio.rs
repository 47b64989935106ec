//! `report.xlsx` for a programme (`gatecast portfolio`): Summary (the
//! headline and the programme's figures with their standard errors),
//! Initiatives, Frontier, Monthly and Iterations, each table the same rows
//! as its CSV file, numbers written as numbers. The same input gives the
//! same bytes (the creation time is fixed).

use anyhow::Result;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use crate::export::portfolio::headline;
use crate::portfolio::figures::PortfolioSummary;
use crate::summary::{Pct, Prob, Spread};

/// The most iteration rows the Iterations sheet holds; `iterations.csv`
/// has them all.
pub const ITERATIONS_SHEET_CAP: usize = 100_000;

/// Writes CSV bytes as a sheet: a bold header, numbers as numbers.
fn csv_sheet(wb: &mut Workbook, name: &str, csv_bytes: &[u8], cap: usize) -> Result<()> {
    // constant memory: each row goes to disk as it is written
    let sheet = wb.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    sheet.set_freeze_panes(1, 0)?;
    let bold = Format::new().set_bold();
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_bytes);
    for (r, rec) in rd.records().enumerate().take(cap + 1) {
        let rec = rec?;
        for (c, cell) in rec.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_with_format(r, c, cell, &bold)?;
            } else if let Ok(v) = cell.parse::<f64>() {
                sheet.write_number(r, c, v)?;
            } else if !cell.is_empty() {
                sheet.write_string(r, c, cell)?;
            }
        }
    }
    Ok(())
}

fn prob_row(sheet: &mut Worksheet, r: &mut u32, label: &str, p: &Prob, pct: &Format) -> Result<()> {
    sheet.write_string(*r, 0, label)?;
    sheet.write_number_with_format(*r, 1, p.value, pct)?;
    sheet.write_number_with_format(*r, 2, p.se, pct)?;
    *r += 1;
    Ok(())
}

fn pct_row(sheet: &mut Worksheet, r: &mut u32, label: &str, q: &Pct, fmt: &Format) -> Result<()> {
    sheet.write_string(*r, 0, label)?;
    match q.value {
        Some(v) => sheet.write_number_with_format(*r, 1, v, fmt)?,
        None => sheet.write_string(*r, 1, "beyond the horizon")?,
    };
    if let Some(se) = q.se {
        sheet.write_number_with_format(*r, 2, se, fmt)?;
    }
    *r += 1;
    Ok(())
}

fn spread_rows(
    sheet: &mut Worksheet,
    r: &mut u32,
    label: &str,
    s: &Spread,
    fmt: &Format,
) -> Result<()> {
    sheet.write_string(*r, 0, format!("{label} mean"))?;
    sheet.write_number_with_format(*r, 1, s.mean.value, fmt)?;
    sheet.write_number_with_format(*r, 2, s.mean.se, fmt)?;
    *r += 1;
    for (k, q) in [("P10", &s.p10), ("P50", &s.p50), ("P90", &s.p90)] {
        pct_row(sheet, r, &format!("{label} {k}"), q, fmt)?;
    }
    Ok(())
}

/// The workbook's bytes.
pub fn workbook(
    s: &PortfolioSummary,
    initiatives_csv: &[u8],
    frontier_csv: &[u8],
    monthly_csv: &[u8],
    iterations_csv: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1); // as the run's workbook: the fastest deflate
    let money = Format::new().set_num_format(format!("\"{} \"#,##0", s.currency));
    let pct = Format::new().set_num_format("0.0%");
    let months = Format::new().set_num_format("0.0");
    let bold = Format::new().set_bold();
    {
        let sheet = wb.add_worksheet();
        sheet.set_name("Summary")?;
        sheet.set_column_width(0, 44)?;
        sheet.set_column_width(1, 18)?;
        sheet.set_column_width(2, 18)?;
        sheet.write_string_with_format(0, 0, &s.portfolio, &bold)?;
        sheet.write_string(1, 0, headline(s))?;
        sheet.write_string(
            2,
            0,
            format!(
                "{} initiatives, {} iterations, seed {}, {}-month horizon, discount rate {}, readiness {}, money in {}",
                s.initiatives.len(),
                s.iterations,
                s.seed,
                s.horizon_months,
                s.discount_rate,
                s.readiness,
                s.currency
            ),
        )?;
        let mut r = 4;
        for (c, h) in ["figure", "value", "standard error"].iter().enumerate() {
            sheet.write_string_with_format(r, c as u16, *h, &bold)?;
        }
        r += 1;
        let p = &s.programme;
        prob_row(
            sheet,
            &mut r,
            "P(payback within 12 months)",
            &p.payback.p_within_12_months,
            &pct,
        )?;
        prob_row(
            sheet,
            &mut r,
            "P(payback within 24 months)",
            &p.payback.p_within_24_months,
            &pct,
        )?;
        if let Some(p36) = &p.payback.p_within_36_months {
            prob_row(sheet, &mut r, "P(payback within 36 months)", p36, &pct)?;
        }
        prob_row(
            sheet,
            &mut r,
            "P(payback within the horizon)",
            &p.payback.p_within_horizon,
            &pct,
        )?;
        pct_row(
            sheet,
            &mut r,
            "Payback P10 (months)",
            &p.payback.p10,
            &months,
        )?;
        pct_row(
            sheet,
            &mut r,
            "Payback P50 (months)",
            &p.payback.p50,
            &months,
        )?;
        pct_row(
            sheet,
            &mut r,
            "Payback P90 (months)",
            &p.payback.p90,
            &months,
        )?;
        spread_rows(sheet, &mut r, "NPV", &p.npv.spread, &money)?;
        prob_row(sheet, &mut r, "P(NPV > 0)", &p.npv.p_positive, &pct)?;
        spread_rows(sheet, &mut r, "Peak funding", &p.peak_funding, &money)?;
        r += 1;
        sheet.write_string_with_format(r, 0, "Initiatives reaching their last stage", &bold)?;
        r += 1;
        for (k, (e, a)) in s
            .reaching_last_stage
            .exactly
            .iter()
            .zip(&s.reaching_last_stage.at_least)
            .enumerate()
        {
            sheet.write_string(r, 0, format!("exactly {k} / at least {k}"))?;
            sheet.write_number_with_format(r, 1, e.value, &pct)?;
            sheet.write_number_with_format(r, 2, a.value, &pct)?;
            r += 1;
        }
        if let Some(sel) = &s.selection {
            r += 1;
            sheet.write_string_with_format(r, 0, "Selection under the budget", &bold)?;
            sheet.write_number_with_format(r, 1, sel.budget, &money)?;
            r += 1;
            for (label, f) in [("As chosen", &sel.chosen), ("On fresh draws", &sel.fresh)] {
                if let Some(f) = f {
                    sheet.write_string(r, 0, format!("{label}: {}", f.initiatives.join(", ")))?;
                    sheet.write_number_with_format(r, 1, f.mean_npv.value, &money)?;
                    sheet.write_number_with_format(r, 2, f.peak_funding_p90, &money)?;
                    r += 1;
                }
            }
        }
    }
    csv_sheet(&mut wb, "Initiatives", initiatives_csv, usize::MAX - 1)?;
    csv_sheet(&mut wb, "Frontier", frontier_csv, usize::MAX - 1)?;
    csv_sheet(&mut wb, "Monthly", monthly_csv, usize::MAX - 1)?;
    if let Some(it) = iterations_csv {
        csv_sheet(&mut wb, "Iterations", it, ITERATIONS_SHEET_CAP)?;
    }
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    let properties = DocProperties::new()
        .set_title(format!("{}: gatecast programme", s.portfolio))
        .set_creation_datetime(&created);
    wb.set_properties(&properties);
    Ok(wb.save_to_buffer()?)
}
