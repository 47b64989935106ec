//! Side-by-side comparison of runs: a base case and its stresses (common
//! random numbers), or several scenario files.

use std::fmt::Write as _;

use serde::Serialize;

use crate::format::{money_short, months, pct, thousands};
use crate::summary::Summary;

/// One run's headline figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompareRow {
    pub name: String,
    /// The currency of this run's money figures.
    pub currency: String,
    pub p_payback_within_24_months: f64,
    /// `None` when the horizon is shorter than 36 months.
    pub p_payback_within_36_months: Option<f64>,
    /// `None`: beyond the horizon.
    pub payback_p50_months: Option<f64>,
    pub npv_p10: Option<f64>,
    pub npv_p50: Option<f64>,
    pub npv_p90: Option<f64>,
    pub p_npv_positive: f64,
    pub peak_funding_p90: Option<f64>,
}

/// Runs side by side, the first being the base.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub rows: Vec<CompareRow>,
}

impl Comparison {
    pub fn new(runs: &[(String, &Summary)]) -> Comparison {
        let rows = runs
            .iter()
            .map(|(name, s)| CompareRow {
                name: name.clone(),
                currency: s.currency.clone(),
                p_payback_within_24_months: s.payback.p_within_24_months.value,
                p_payback_within_36_months: s.payback.p_within_36_months.map(|p| p.value),
                payback_p50_months: s.payback.p50.value,
                npv_p10: s.npv.spread.p10.value,
                npv_p50: s.npv.spread.p50.value,
                npv_p90: s.npv.spread.p90.value,
                p_npv_positive: s.npv.p_positive.value,
                peak_funding_p90: s.peak_funding.p90.value,
            })
            .collect();
        Comparison { rows }
    }

    fn cells(&self, r: &CompareRow, short: bool) -> Vec<String> {
        let money = |v: Option<f64>| {
            v.map_or("n/a".into(), |v| {
                if short {
                    money_short(v, &r.currency)
                } else {
                    format!("{} {}", r.currency, thousands(v))
                }
            })
        };
        vec![
            r.name.clone(),
            pct(r.p_payback_within_24_months),
            r.p_payback_within_36_months.map_or("n/a".into(), pct),
            months(r.payback_p50_months),
            money(r.npv_p10),
            money(r.npv_p50),
            money(r.npv_p90),
            pct(r.p_npv_positive),
            money(r.peak_funding_p90),
        ]
    }

    /// The columns' headings, as every table of runs has them.
    pub const HEADER: [&'static str; 9] = [
        "Run",
        "P(payback <= 24 mo)",
        "P(payback <= 36 mo)",
        "Payback P50",
        "NPV P10",
        "NPV P50",
        "NPV P90",
        "P(NPV > 0)",
        "Peak funding P90",
    ];

    /// Each row's cells as text, money in short form (`EUR 1.65M`), in
    /// the order of [`Comparison::HEADER`].
    pub fn text_rows(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|r| self.cells(r, true)).collect()
    }

    /// A fixed-width table for the terminal.
    pub fn table(&self) -> String {
        let rows = self.text_rows();
        let widths: Vec<usize> = (0..Self::HEADER.len())
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].len())
                    .chain([Self::HEADER[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut t = String::new();
        for row in std::iter::once(Self::HEADER.map(String::from).to_vec()).chain(rows) {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    if c == 0 {
                        format!("{v:<w$}", w = widths[c])
                    } else {
                        format!("{v:>w$}", w = widths[c])
                    }
                })
                .collect();
            let _ = writeln!(t, "  {}", line.join("  "));
        }
        t
    }

    /// The same as a Markdown table.
    pub fn markdown(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "| {} |", Self::HEADER.join(" | "));
        let _ = writeln!(t, "|---|{}", "---:|".repeat(Self::HEADER.len() - 1));
        for r in &self.rows {
            let _ = writeln!(t, "| {} |", self.cells(r, false).join(" | "));
        }
        t
    }

    /// `comparison.csv`: numbers as numbers, empty where "beyond" or n/a.
    pub fn csv(&self) -> std::io::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "run",
            "currency",
            "p_payback_within_24_months",
            "p_payback_within_36_months",
            "payback_p50_months",
            "npv_p10",
            "npv_p50",
            "npv_p90",
            "p_npv_positive",
            "peak_funding_p90",
        ])?;
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        for r in &self.rows {
            w.write_record([
                r.name.clone(),
                r.currency.clone(),
                r.p_payback_within_24_months.to_string(),
                opt(r.p_payback_within_36_months),
                opt(r.payback_p50_months),
                opt(r.npv_p10),
                opt(r.npv_p50),
                opt(r.npv_p90),
                r.p_npv_positive.to_string(),
                opt(r.peak_funding_p90),
            ])?;
        }
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}
