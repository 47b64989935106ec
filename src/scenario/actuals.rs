//! `[actuals]`: what is known as of a month of the initiative (MODEL.md
//! section 9.2), read from the scenario file or from a file of its own and
//! checked against the scenario. Every mistake names the file, the line and
//! the path (`actuals.stage.POC.reworks`); the facts no simulated future
//! agrees with are found later, by the run (see `crate::actuals`).

use serde::Deserialize;

use super::locate::{Locator, Seg};
use super::Stage;
use crate::error::InputError;

/// The default `date_sd`: how precisely stage dates are known, in months.
pub const DEFAULT_DATE_SD: f64 = 0.25;

/// A metric an observation can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `U(m)`, the usage rate at the month's end (share 0-1).
    UsageRate,
    /// `A(m)`, active users at the month's end.
    ActiveUsers,
    /// Costs in the month.
    Costs,
    /// Benefits in the month.
    Benefits,
    /// Net cash `N(m)` in the month.
    NetCash,
    /// Costs from month 1 to the month's end.
    CumulativeCosts,
    /// Benefits from month 1 to the month's end.
    CumulativeBenefits,
    /// `C(m)`, net cash from month 1 to the month's end.
    CumulativeNetCash,
}

impl Metric {
    /// Every metric, in the order the contract lists them.
    pub const ALL: [Metric; 8] = [
        Metric::UsageRate,
        Metric::ActiveUsers,
        Metric::Costs,
        Metric::Benefits,
        Metric::NetCash,
        Metric::CumulativeCosts,
        Metric::CumulativeBenefits,
        Metric::CumulativeNetCash,
    ];

    /// The name written in files.
    pub fn key(self) -> &'static str {
        match self {
            Metric::UsageRate => "usage_rate",
            Metric::ActiveUsers => "active_users",
            Metric::Costs => "costs",
            Metric::Benefits => "benefits",
            Metric::NetCash => "net_cash",
            Metric::CumulativeCosts => "cumulative_costs",
            Metric::CumulativeBenefits => "cumulative_benefits",
            Metric::CumulativeNetCash => "cumulative_net_cash",
        }
    }

    /// The name in sentences: "usage", "cumulative costs".
    pub fn words(self) -> &'static str {
        match self {
            Metric::UsageRate => "usage",
            Metric::ActiveUsers => "active users",
            Metric::Costs => "costs",
            Metric::Benefits => "benefits",
            Metric::NetCash => "net cash",
            Metric::CumulativeCosts => "cumulative costs",
            Metric::CumulativeBenefits => "cumulative benefits",
            Metric::CumulativeNetCash => "cumulative net cash",
        }
    }

    /// Measured in the scenario's currency.
    pub fn money(self) -> bool {
        !matches!(self, Metric::UsageRate | Metric::ActiveUsers)
    }

    /// A stock read at the month's end (usage, users) or a sum to it,
    /// rather than a flow in the month.
    pub fn leading(self) -> bool {
        matches!(self, Metric::UsageRate | Metric::ActiveUsers)
    }

    /// Whether a higher value is better for the business case (costs are
    /// the exception): says "behind" or "ahead of" plan the right way round.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Metric::Costs | Metric::CumulativeCosts)
    }

    fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }
}

/// What is known of one stage that has started.
#[derive(Debug, Clone, PartialEq)]
pub struct StageFact {
    /// Index of the stage in the scenario.
    pub stage: usize,
    pub name: String,
    /// When it started, in months from the first stage's start.
    pub started: f64,
    /// Reworks its gate has ordered by `as_of_month`.
    pub reworks: u32,
    /// When its gate killed the initiative, if it did.
    pub killed: Option<f64>,
}

/// One measurement with its uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub metric: Metric,
    /// The month measured, 1..=as_of_month.
    pub month: usize,
    pub value: f64,
    /// The standard deviation of the measurement error, > 0.
    pub sd: f64,
}

impl Observation {
    /// Its column in iterations.csv: `observed.usage_rate.m5`.
    pub fn column(&self) -> String {
        format!("observed.{}.m{}", self.metric.key(), self.month)
    }
}

/// What is known as of `as_of_month` (MODEL.md 9.2), checked against the
/// scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Actuals {
    /// The file the facts were read from.
    pub file: String,
    /// `T_a`, in months, `0 < T_a <= horizon`.
    pub as_of_month: f64,
    /// How precisely the dates are known, in months (> 0).
    pub date_sd: f64,
    /// Every stage that has started, in the scenario's order: `stages[j]`
    /// is stage j.
    pub stages: Vec<StageFact>,
    pub observations: Vec<Observation>,
}

/// `[actuals]` as written: what is known so far (MODEL.md 9.2).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActuals {
    /// The month the facts below are known as of (0 < as_of_month <= horizon).
    pub as_of_month: f64,
    /// How precisely the stage dates are known, in months (default 0.25).
    pub date_sd: Option<f64>,
    /// Every stage that has started, in order.
    #[serde(default)]
    pub stage: Vec<RawStageFact>,
    /// Measurements, each with its uncertainty.
    #[serde(default)]
    pub observe: Vec<RawObservation>,
}

/// `[[actuals.stage]]`: a stage that has started.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStageFact {
    /// The stage's name, as in the scenario.
    pub name: String,
    /// The month it started.
    pub started: f64,
    /// Reworks ordered at this stage's gate so far (default 0).
    pub reworks: Option<i64>,
    /// The month its gate killed the initiative, if it did.
    pub killed: Option<f64>,
}

/// `[[actuals.observe]]`: one measurement.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawObservation {
    /// usage_rate, active_users (month-end stocks); costs, benefits, net_cash
    /// (flows in the month); cumulative_costs, cumulative_benefits,
    /// cumulative_net_cash (from month 1 to the month's end).
    pub metric: String,
    /// The month measured (1..=as_of_month).
    pub month: i64,
    /// The value measured (a share for usage_rate; users; currency).
    pub value: f64,
    /// The standard deviation of the measurement error, > 0.
    pub sd: f64,
}

/// An actuals file (`gatecast run SCENARIO --actuals FILE`): `[actuals]`
/// and nothing else.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActualsFile {
    /// What is known so far (MODEL.md 9.2).
    pub actuals: RawActuals,
}

/// A month as written in messages: "5", "5.5".
fn m(v: f64) -> String {
    crate::format::sig(v)
}

/// Checks `raw` against the scenario's stages and horizon; errors point
/// into `file` through `loc`.
pub fn validate(
    raw: RawActuals,
    stages: &[Stage],
    horizon: usize,
    file: &str,
    loc: &Locator,
) -> Result<Actuals, InputError> {
    let err = |toml: &[Seg], path: &str, msg: String| {
        let mut e = InputError::plain(file, msg);
        e.path = Some(path.to_string());
        if let Some(off) = loc.offset(toml) {
            let (l, c) = loc.line_col(off);
            e.line = Some(l as u32);
            e.column = Some(c as u32);
            e.source_line = loc.source_line(l);
        }
        e
    };
    let k = Seg::key;
    let top = |key: &str| vec![k("actuals"), k(key)];
    let h = horizon as f64;
    let t_a = raw.as_of_month;
    if !t_a.is_finite() || t_a <= 0.0 || t_a > h {
        return Err(err(
            &top("as_of_month"),
            "actuals.as_of_month",
            format!(
                "as_of_month must lie after 0 and at most the scenario's {horizon}-month horizon, got {}",
                m(t_a)
            ),
        ));
    }
    let date_sd = raw.date_sd.unwrap_or(DEFAULT_DATE_SD);
    if !date_sd.is_finite() || date_sd <= 0.0 {
        return Err(err(
            &top("date_sd"),
            "actuals.date_sd",
            format!("date_sd is a standard deviation in months and must be greater than 0, got {date_sd}"),
        ));
    }
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    if raw.stage.is_empty() {
        return Err(err(
            &[k("actuals")],
            "actuals.stage",
            format!(
                "list every stage that has started, in order, as [[actuals.stage]] tables; the first, \"{}\", starts at month 0 and so has always started",
                names[0]
            ),
        ));
    }
    let n_listed = raw.stage.len();
    let listed: Vec<String> = raw
        .stage
        .iter()
        .map(|s| s.name.trim().to_string())
        .collect();
    let mut facts: Vec<StageFact> = Vec::with_capacity(n_listed);
    for (j, s) in raw.stage.into_iter().enumerate() {
        let at = |key: &str| vec![k("actuals"), k("stage"), Seg::Index(j), k(key)];
        let name = s.name.trim().to_string();
        let Some(index) = names.iter().position(|n| *n == name) else {
            return Err(err(
                &at("name"),
                &format!("actuals.stage[{j}].name"),
                format!(
                    "no stage is named \"{name}\"; the scenario's stages are, in order: {}",
                    quoted(&names)
                ),
            ));
        };
        let path = |key: &str| format!("actuals.stage.{name}.{key}");
        if index != j {
            let msg = if facts.iter().any(|f| f.stage == index) {
                format!("stage \"{name}\" is listed twice: list every stage that has started once, in the scenario's order ({})", quoted(&names))
            } else if index < j {
                format!("stages out of order: \"{name}\" comes before \"{}\" in the scenario; list them in the scenario's order ({})", facts[j - 1].name, quoted(&names))
            } else if let Some(skipped) = names[j..index]
                .iter()
                .find(|n| listed[j + 1..].iter().any(|l| l == *n))
            {
                format!("stages out of order: \"{name}\" is listed before \"{skipped}\", which comes first in the scenario; list them in the scenario's order ({})", quoted(&names))
            } else {
                format!(
                    "stage \"{name}\" is listed after a gap: {} must be listed before it (every stage that has started, in order: {})",
                    quoted(&names[j..index]),
                    quoted(&names)
                )
            };
            return Err(err(&at("name"), &path("name"), msg));
        }
        let started = s.started;
        if !started.is_finite() {
            return Err(err(
                &at("started"),
                &path("started"),
                format!("started must be a month, got {started}"),
            ));
        }
        if j == 0 && started != 0.0 {
            return Err(err(
                &at("started"),
                &path("started"),
                format!(
                    "time counts in months from the first stage's start, so \"{name}\" started at 0, not {}; give the other stages' dates from that day",
                    m(started)
                ),
            ));
        }
        if started > t_a {
            return Err(err(
                &at("started"),
                &path("started"),
                format!(
                    "started at month {} is after as_of_month ({}): only what has happened by then can be known",
                    m(started),
                    m(t_a)
                ),
            ));
        }
        if let Some(prev) = facts.last() {
            if started < prev.started {
                return Err(err(
                    &at("started"),
                    &path("started"),
                    format!(
                        "started at month {} is before the previous stage could have started: \"{}\" started at month {}, and each stage starts after the one before it",
                        m(started),
                        prev.name,
                        m(prev.started)
                    ),
                ));
            }
        }
        let gate = stages[index].gate.as_ref();
        let max_reworks = gate.map_or(0, |g| g.max_reworks);
        let reworks = s.reworks.unwrap_or(0);
        if reworks < 0 {
            return Err(err(
                &at("reworks"),
                &path("reworks"),
                format!("reworks counts the reworks ordered at this stage's gate and cannot be negative, got {reworks}"),
            ));
        }
        if reworks > i64::from(max_reworks) {
            let why = if gate.is_none() {
                format!("stage \"{name}\" has no gate, so no rework can be ordered")
            } else {
                format!("the scenario allows at most max_reworks = {max_reworks} at this gate")
            };
            return Err(err(
                &at("reworks"),
                &path("reworks"),
                format!("reworks = {reworks} is more than max_reworks: {why}"),
            ));
        }
        if let Some(killed) = s.killed {
            if gate.is_none() {
                return Err(err(
                    &at("killed"),
                    &path("killed"),
                    format!(
                        "stage \"{name}\" has no gate, so it cannot have been killed at its gate"
                    ),
                ));
            }
            if j + 1 != n_listed {
                return Err(err(
                    &at("killed"),
                    &path("killed"),
                    format!("a kill ends the initiative, so a killed stage must be the last one listed; \"{name}\" is followed by others"),
                ));
            }
            if !killed.is_finite() || killed < started {
                return Err(err(
                    &at("killed"),
                    &path("killed"),
                    format!(
                        "killed at month {} is before the stage started (month {})",
                        m(killed),
                        m(started)
                    ),
                ));
            }
            if killed > t_a {
                return Err(err(
                    &at("killed"),
                    &path("killed"),
                    format!(
                        "killed at month {} is after as_of_month ({}): only what has happened by then can be known",
                        m(killed),
                        m(t_a)
                    ),
                ));
            }
        }
        facts.push(StageFact {
            stage: index,
            name,
            started,
            reworks: reworks as u32,
            killed: s.killed,
        });
    }
    let mut observations = Vec::with_capacity(raw.observe.len());
    for (j, o) in raw.observe.into_iter().enumerate() {
        let at = |key: &str| vec![k("actuals"), k("observe"), Seg::Index(j), k(key)];
        let path = |key: &str| format!("actuals.observe[{j}].{key}");
        let Some(metric) = Metric::from_key(o.metric.trim()) else {
            let keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
            return Err(err(
                &at("metric"),
                &path("metric"),
                format!(
                    "unknown metric \"{}\"; an observation measures one of: {}",
                    o.metric,
                    keys.join(", ")
                ),
            ));
        };
        if o.month < 1 || o.month > horizon as i64 {
            return Err(err(
                &at("month"),
                &path("month"),
                format!(
                    "month {} is outside the horizon: months run from 1 to {horizon}",
                    o.month
                ),
            ));
        }
        if o.month as f64 > t_a {
            return Err(err(
                &at("month"),
                &path("month"),
                format!(
                    "month {} ends after as_of_month ({}): only a month that has ended by then can be measured",
                    o.month,
                    m(t_a)
                ),
            ));
        }
        if !o.value.is_finite() {
            return Err(err(
                &at("value"),
                &path("value"),
                format!("value must be a number, got {}", o.value),
            ));
        }
        if !o.sd.is_finite() || o.sd <= 0.0 {
            return Err(err(
                &at("sd"),
                &path("sd"),
                format!(
                    "sd is the standard deviation of the measurement error and must be greater than 0, got {}",
                    o.sd
                ),
            ));
        }
        observations.push(Observation {
            metric,
            month: o.month as usize,
            value: o.value,
            sd: o.sd,
        });
    }
    Ok(Actuals {
        file: file.to_string(),
        as_of_month: t_a,
        date_sd,
        stages: facts,
        observations,
    })
}

/// `"Discovery", "POC"`.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
