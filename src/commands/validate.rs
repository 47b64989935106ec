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
