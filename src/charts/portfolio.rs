//! The programme's charts (`gatecast portfolio`).

use super::ChartFile;
use crate::portfolio::figures::PortfolioSummary;

/// Every programme chart, as PNG and/or SVG.
pub fn render_all(_s: &PortfolioSummary, _svg: bool, _png: bool) -> anyhow::Result<Vec<ChartFile>> {
    Ok(Vec::new())
}
