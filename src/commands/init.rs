//! `gatecast init`: write a commented starter scenario, or with
//! `--actuals` a commented actuals file for a scenario.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::write_stdout;
use crate::engine::{self, RunOptions, Sampling};
use crate::error::InputError;
use crate::scenario::{Scenario, EXAMPLE_TOML};
use crate::summary::Summary;

/// The schema's file name, beside a scenario or in a checkout's `schema/`.
const SCHEMA_FILE: &str = "scenario.schema.json";

/// Writes the built-in example to `file`, refusing to replace one unless
/// `force`; its first line points editors at a schema that resolves from
/// where it is written (see [`schema_line`]).
pub(super) fn init(file: &Path, force: bool) -> Result<()> {
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(InputError::plain(
            &shown,
            "the file exists already: choose another name, or add --force to replace it",
        )
        .into());
    }
    let cannot = |e: std::io::Error| {
        InputError::plain(&shown, format!("cannot write the starter scenario: {e}"))
    };
    let (line, write_schema) = schema_line(file).map_err(cannot)?;
    let (first, rest) = EXAMPLE_TOML
        .split_once('\n')
        .expect("the example has lines");
    debug_assert!(
        first.starts_with("#:schema "),
        "the example opens with its schema"
    );
    std::fs::write(file, format!("{line}\n{rest}")).map_err(cannot)?;
    let mut also = String::new();
    if let Some(path) = write_schema {
        std::fs::write(&path, super::schema::scenario_schema()).map_err(|e| {
            InputError::plain(
                path.display().to_string(),
                format!("cannot write the schema for editors: {e}"),
            )
        })?;
        also = format!(
            ", and {} beside it: the schema editors read to complete and check it",
            SCHEMA_FILE
        );
    }
    write_stdout(&format!(
        "Wrote {shown}: a commented starter scenario (the built-in example){also}.\n\
         Next: edit it, then `gatecast validate {shown}` and `gatecast run {shown}`.\n"
    ))
}

/// The `#:schema` line for a scenario written at `file`, relative to it so
/// that it resolves wherever the folder moves: `scenario.schema.json` beside
/// it if there is one; else the committed `schema/scenario.schema.json` of a
/// gatecast checkout that holds the file (in its folder or any above it);
/// else `scenario.schema.json` beside it, returned as the file to write
/// (the same text as `gatecast schema`).
fn schema_line(file: &Path) -> std::io::Result<(String, Option<PathBuf>)> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize()?;
    let beside = dir.join(SCHEMA_FILE);
    if beside.is_file() {
        return Ok((format!("#:schema ./{SCHEMA_FILE}"), None));
    }
    for (up, d) in dir.ancestors().enumerate() {
        if d.join("schema").join(SCHEMA_FILE).is_file() {
            let to = if up == 0 {
                "./".into()
            } else {
                "../".repeat(up)
            };
            return Ok((format!("#:schema {to}schema/{SCHEMA_FILE}"), None));
        }
    }
    Ok((format!("#:schema ./{SCHEMA_FILE}"), Some(beside)))
}

/// Writes a commented actuals file for `scenario` to `file` (default
/// `actuals.toml`), refusing to replace one unless `force`.
///
/// The file lists the scenario's stages, those the plan expects to have
/// started by its as-of month with their planned start (the sum of the
/// medians of the durations and decision delays before them), the others
/// commented out; and two example observations at the plan's medians (a
/// quick run of 4,096 iterations). It validates and runs as written: a
/// re-forecast from it is the plan's own middle.
pub(super) fn init_actuals(scenario: &Path, file: Option<&Path>, force: bool) -> Result<()> {
    let (sc, shown_scenario, _) = super::load(Some(scenario))?;
    let file = file.unwrap_or(Path::new("actuals.toml"));
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(InputError::plain(
            &shown,
            "the file exists already: choose another name, or add --force to replace it",
        )
        .into());
    }
    let text = actuals_starter(&sc, &shown_scenario)?;
    // what it writes must validate against the scenario as written
    sc.actuals_from_toml(&text, &shown)?;
    std::fs::write(file, &text)
        .map_err(|e| InputError::plain(&shown, format!("cannot write the actuals file: {e}")))?;
    write_stdout(&format!(
        "Wrote {shown}: a commented actuals file for {shown_scenario}, filled in with the plan's own medians.\n\
         Next: replace the dates and values with what has happened, then \
         `gatecast run {shown_scenario} --actuals {shown}`.\n"
    ))
}

/// A number as written in the file: at most `digits` decimals, no
/// trailing zeros.
fn num(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Two significant figures: a round standard deviation.
fn round2(v: f64) -> f64 {
    if v <= 0.0 {
        return v;
    }
    let unit = 10f64.powf(v.log10().floor() - 1.0);
    (v / unit).round() * unit
}

/// The text of the starter actuals file.
fn actuals_starter(sc: &Scenario, scenario_file: &str) -> Result<String> {
    use std::fmt::Write as _;
    let h = sc.horizon_months as f64;
    let median = |id: usize| sc.inputs[id].quantile(0.5);
    // the planned timeline, from the medians
    let mut starts = Vec::with_capacity(sc.stages.len());
    let mut t = 0.0;
    for st in &sc.stages {
        starts.push(t);
        t += median(st.duration) + st.gate.as_ref().map_or(0.0, |g| median(g.decision_delay));
    }
    let access = sc.stages.iter().position(|st| median(st.scope) > 0.0);
    let as_of = match access {
        Some(i) => (starts[i] + 2.0).round(),
        None => starts.last().copied().unwrap_or(0.0).ceil() + 1.0,
    }
    .clamp(1.0, h);
    let month = as_of.floor().max(1.0) as usize;
    // the plan's medians at that month, from a quick run of the plan
    let mut plan = sc.clone();
    plan.actuals = None;
    let opts = RunOptions {
        iterations: 4096,
        seed: sc.seed,
        threads: None,
        sampling: Sampling::Mc,
    };
    let run = engine::run(&plan, &opts, None, &|_| {})?;
    let summary = Summary::new(&plan, scenario_file, &run);
    let band = |list: &[crate::summary::IndicatorBands], key: &str| {
        list.iter()
            .find(|b| b.key == key)
            .map(|b| b.months[month - 1])
    };
    let usage = band(&summary.monthly.leading, "usage_rate");
    let cash = band(&summary.monthly.lagging, "cumulative_net_cash");

    let mut o = String::new();
    // a line of TOML with its comment lined up at column 30
    let line = |o: &mut String, code: String, comment: &str| {
        let _ = if comment.is_empty() {
            writeln!(o, "{code}")
        } else {
            writeln!(o, "{code:<28} # {comment}")
        };
    };
    let _ = write!(
        o,
        "# Actuals for {scenario_file} (\"{name}\"): what is known so far, to re-forecast from.\n\
         #\n\
         #   gatecast run {scenario_file} --actuals <this file>\n\
         #\n\
         # gatecast weighs each future it simulates from the scenario by how well it\n\
         # agrees with what is written here (MODEL.md 9.2): a future that contradicts a\n\
         # stated fact (a stage started, a rework, a kill) counts for nothing; dates and\n\
         # measurements count by how close they come, within their uncertainty.\n\
         #\n\
         # As written, every date and value below is the plan's own median: replace them\n\
         # with what has happened. Months count from the first day of the first stage\n\
         # (month m is the interval from m-1 to m); money is in {currency}.\n\n[actuals]\n",
        name = sc.name,
        currency = sc.currency,
    );
    line(
        &mut o,
        format!("as_of_month = {}", num(as_of, 2)),
        &format!(
            "what is known as of this month (after 0, at most {})",
            sc.horizon_months
        ),
    );
    line(
        &mut o,
        "date_sd = 0.25".into(),
        "how precisely the dates are known, in months (a week is about 0.25)",
    );
    o.push_str(
        "\n# Every stage that has started, in the scenario's order, with no gaps.\n\
         #   name     the stage's name, as in the scenario\n\
         #   started  the month it started (the first stage at 0)\n\
         #   reworks  reworks its gate has ordered so far (default 0; at most its max_reworks)\n\
         #   killed   the month its gate killed the initiative, if it did (last listed stage only)\n",
    );
    for (i, st) in sc.stages.iter().enumerate() {
        let started = i == 0 || starts[i] <= as_of;
        let c = if started { "" } else { "# " };
        o.push('\n');
        line(
            &mut o,
            format!("{c}[[actuals.stage]]"),
            if started {
                ""
            } else {
                "not started by then in the plan: uncomment once it has"
            },
        );
        line(
            &mut o,
            format!(
                "{c}name = \"{}\"",
                st.name.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            "",
        );
        line(
            &mut o,
            format!("{c}started = {}", num(starts[i], 1)),
            if i == 0 {
                "the first stage starts the clock"
            } else {
                "the plan's median start"
            },
        );
        if let Some(g) = &st.gate {
            line(
                &mut o,
                format!("{c}reworks = 0"),
                &format!("at most {} at this gate", g.max_reworks),
            );
            if started {
                line(
                    &mut o,
                    format!("# killed = {}", num((starts[i] + 1.0).min(as_of), 1)),
                    "if its gate killed the initiative",
                );
            }
        }
    }
    o.push_str(
        "\n# Measurements, each with its uncertainty (the standard deviation of its error).\n\
         #   metric  usage_rate or active_users (at the month's end); costs, benefits or\n\
         #           net_cash (in the month); cumulative_costs, cumulative_benefits or\n\
         #           cumulative_net_cash (from month 1 to the month's end)\n\
         #   month   a whole month, at most as_of_month\n\
         #   value   what was measured\n\
         #   sd      how far off it may be, as a standard deviation (greater than 0)\n",
    );
    let opened = access.is_some_and(|i| starts[i] < month as f64);
    if let (Some(u), true) = (usage, opened) {
        o.push_str("\n[[actuals.observe]]\nmetric = \"usage_rate\"\n");
        line(&mut o, format!("month = {month}"), "");
        line(
            &mut o,
            format!("value = {}", num(u.p50, 3)),
            "the plan's median: the share of users with access who are active",
        );
        line(&mut o, "sd = 0.05".into(), "");
    }
    if let Some(cum) = cash {
        let sd = round2((cum.p50.abs() * 0.1).max(1000.0));
        o.push_str("\n[[actuals.observe]]\nmetric = \"cumulative_net_cash\"\n");
        line(&mut o, format!("month = {month}"), "");
        line(
            &mut o,
            format!("value = {}", num(cum.p50.round(), 0)),
            &format!("the plan's median, in {}", sc.currency),
        );
        line(&mut o, format!("sd = {}", num(sd, 0)), "");
    }
    Ok(o)
}

/// The starter programme's initiatives: (file name, scenario text).
const PORTFOLIO_SCENARIOS: [(&str, &str); 3] = [
    ("claims-copilot.toml", EXAMPLE_TOML),
    (
        "service-drafting.toml",
        include_str!("../../scenarios/portfolio/service-drafting.toml"),
    ),
    (
        "document-review.toml",
        include_str!("../../scenarios/portfolio/document-review.toml"),
    ),
];

/// The starter portfolio file: every key, commented.
const PORTFOLIO_STARTER: &str = r#"# gatecast portfolio: a starter programme of three initiatives.
#
# What it represents: three AI initiatives funded from one budget, on one
# clock: a claims-triage copilot (an enterprise stage-gate), a service
# drafting assistant shipped in 90-day cycles (a quick small deployment)
# and a document-review assistant likely to stall in pilot purgatory. Each is
# a scenario file beside this one (`gatecast init` wrote them); replace them
# with your own initiatives' files.
#
# Where the figures come from: each initiative's figures and sources are in
# its scenario file's header. The budget and readiness below are examples.
# The full reference is docs/PORTFOLIO.md.

[portfolio]
name = "Starter AI programme"
currency = "EUR"             # every initiative's currency must be this one
horizon_months = 48          # months, from the programme's start
discount_rate = 0.10         # annual, for every NPV (replaces each scenario's)
iterations = 10000           # default run size; --iterations overrides
seed = 7                     # default seed; --seed overrides
budget = 2500000             # optional: the most the programme can fund (its P90 peak funding)
readiness = 0.3              # optional, in [0, 1): how much gate outcomes move together

[[initiative]]
scenario = "claims-copilot.toml"     # relative to this file
name = "Claims copilot"              # default: the scenario's name; unique
start_month = 0                      # months after the programme's start; may be a distribution

[[initiative]]
scenario = "service-drafting.toml"
name = "Service drafting"
start_month = 3

[[initiative]]
scenario = "document-review.toml"
name = "Document review"
start_month = { uniform = [3, 9] }
"#;

/// Writes a commented starter programme to `file` and its three
/// initiatives' scenario files beside it, refusing to replace any file
/// unless `force`.
pub(super) fn init_portfolio(file: &Path, force: bool) -> Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let beside: Vec<PathBuf> = PORTFOLIO_SCENARIOS
        .iter()
        .map(|(name, _)| dir.join(name))
        .collect();
    if !force {
        for f in std::iter::once(file).chain(beside.iter().map(PathBuf::as_path)) {
            if f.exists() {
                return Err(InputError::plain(
                    f.display().to_string(),
                    "the file exists already: choose another name or folder, or add --force to replace it",
                )
                .into());
            }
        }
    }
    let shown = file.display().to_string();
    let cannot = |path: &Path, e: std::io::Error| {
        InputError::plain(
            path.display().to_string(),
            format!("cannot write the starter programme: {e}"),
        )
    };
    for ((_, text), path) in PORTFOLIO_SCENARIOS.iter().zip(&beside) {
        let (line, write_schema) = schema_line(path).map_err(|e| cannot(path, e))?;
        let rest = text.split_once('\n').map_or(*text, |(_, rest)| rest);
        std::fs::write(path, format!("{line}\n{rest}")).map_err(|e| cannot(path, e))?;
        if let Some(schema) = write_schema {
            std::fs::write(&schema, super::schema::scenario_schema())
                .map_err(|e| cannot(&schema, e))?;
        }
    }
    std::fs::write(file, PORTFOLIO_STARTER).map_err(|e| cannot(file, e))?;
    let names: Vec<String> = beside.iter().map(|p| p.display().to_string()).collect();
    write_stdout(&format!(
        "Wrote {shown}: a commented starter programme, and its initiatives beside it: {}.\n\
         Next: edit them, then `gatecast validate {shown}` and `gatecast portfolio {shown}`.\n",
        names.join(", ")
    ))
}
