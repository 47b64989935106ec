//! `gatecast validate`: check a scenario file and list its uncertain inputs.

use std::path::Path;

use anyhow::Result;

use super::{load, write_stdout};
use crate::format::sig;

/// Appends a line to a String (writing to a String cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Checks the file and prints every uncertain input with its P10/P50/P90.
pub(super) fn validate(path: &Path, actuals: Option<&Path>) -> Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    if crate::scenario::portfolio::is_portfolio(&text) {
        return validate_portfolio(path);
    }
    let (mut sc, file, _) = load(Some(path))?;
    if let Some(a) = actuals {
        sc = sc.with_actuals_file(a)?;
    }
    let mut out = String::new();
    let uncertain = sc.uncertain_inputs();
    outln!(
        out,
        "{file}: valid. \"{}\": {} stages, {} benefit stream{}, {}-month horizon, money in {}.",
        sc.name,
        sc.stages.len(),
        sc.benefits.len(),
        if sc.benefits.len() == 1 { "" } else { "s" },
        sc.horizon_months,
        sc.currency
    );
    if let Some(a) = &sc.actuals {
        outln!(
            out,
            "Actuals ({}): valid. As of month {}: {} stage{} started, {} observation{}.",
            a.file,
            sig(a.as_of_month),
            a.stages.len(),
            if a.stages.len() == 1 { "" } else { "s" },
            a.observations.len(),
            if a.observations.len() == 1 { "" } else { "s" }
        );
    }
    if uncertain.is_empty() {
        outln!(
            out,
            "No uncertain inputs: every run of this scenario gives the same result."
        );
        return write_stdout(&out);
    }
    outln!(
        out,
        "\n{} uncertain inputs (P10 / P50 / P90 of each as drawn):\n",
        uncertain.len()
    );
    let w = uncertain
        .iter()
        .map(|&i| sc.inputs[i].path.len())
        .max()
        .unwrap_or(10)
        .max(5);
    outln!(
        out,
        "  {:<w$}  {:>10}  {:>10}  {:>10}  {:<18}  distribution",
        "input",
        "P10",
        "P50",
        "P90",
        "unit"
    );
    for &i in &uncertain {
        let input = &sc.inputs[i];
        let d = input;
        outln!(
            out,
            "  {:<w$}  {:>10}  {:>10}  {:>10}  {:<18}  {}",
            input.path,
            sig(d.quantile(0.1)),
            sig(d.quantile(0.5)),
            sig(d.quantile(0.9)),
            input.unit.label(&sc.currency),
            d.describe()
        );
    }
    if sc.benefits.is_empty() {
        outln!(
            out,
            "\nNote: no [[benefit]] stream, so this scenario can never pay back."
        );
    }
    write_stdout(&out)
}

/// Checks a portfolio file and each initiative's scenario file.
fn validate_portfolio(path: &Path) -> Result<()> {
    let pf = super::portfolio::load(path)?;
    let mut out = String::new();
    outln!(
        out,
        "{}: valid. Portfolio \"{}\": {} initiative{}, {}-month horizon, discount rate {}, readiness {}, money in {}{}.",
        pf.file,
        pf.name,
        pf.initiatives.len(),
        if pf.initiatives.len() == 1 { "" } else { "s" },
        pf.horizon_months,
        sig(pf.discount_rate),
        sig(pf.readiness),
        pf.currency,
        pf.budget
            .map_or(String::new(), |b| format!(", budget {}", crate::format::money(b, &pf.currency)))
    );
    outln!(
        out,
        "\n  {:<30}  {:<16}  {:>6}  {:>8}  scenario file",
        "initiative",
        "start month",
        "stages",
        "inputs"
    );
    for i in &pf.initiatives {
        outln!(
            out,
            "  {:<30}  {:<16}  {:>6}  {:>8}  {}",
            i.name,
            i.start_month.describe(),
            i.scenario.stages.len(),
            i.scenario.uncertain_inputs().len(),
            i.file
        );
    }
    outln!(
        out,
        "\nEach initiative runs on the portfolio's horizon and discount rate; its own horizon, iterations and seed are ignored. `gatecast validate <scenario file>` lists its uncertain inputs."
    );
    write_stdout(&out)
}
