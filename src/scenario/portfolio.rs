//! A portfolio file (MODEL.md section 10): a programme of initiatives, each
//! a scenario file, on one clock. Parsing and validation only; the
//! simulation is [`crate::portfolio`].
//!
//! Every error names the portfolio file, the line and the path
//! (`initiative.Claims.start_month`); an error inside an initiative's own
//! scenario file is reported at the portfolio line that names the file,
//! with the scenario file's own error (its file, line and path) after it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::locate::{Locator, Seg};
use super::raw::DistSpec;
use super::{read_error, Scenario, MAX_HORIZON, MAX_ITERATIONS};
use crate::dist::Dist;
use crate::error::InputError;

/// The most initiatives one portfolio may hold. Selection under a budget
/// tries every subset (2^12 = 4,096 of them at most), so no heuristic is
/// ever needed; a programme larger than this is better split in two.
pub const MAX_INITIATIVES: usize = 12;

/// A portfolio file (`gatecast portfolio FILE`): `[portfolio]` and its
/// `[[initiative]]`s, as written (MODEL.md section 10).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPortfolioFile {
    /// The programme: its name, clock, draws and budget.
    portfolio: RawPortfolio,
    /// The initiatives, each a scenario file (at most 12).
    #[serde(default)]
    initiative: Vec<RawInitiative>,
}

/// `[portfolio]`: the programme.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPortfolio {
    /// The programme's name, shown on every output.
    name: String,
    /// ISO currency code (default USD); every initiative's currency must be this one.
    currency: Option<String>,
    /// Months simulated on the programme's clock, 1 to 600 (default 36).
    horizon_months: Option<i64>,
    /// Annual discount rate for every NPV, replacing each scenario's (default 0; a number, not a distribution).
    discount_rate: Option<f64>,
    /// Futures simulated (default 10,000); `--iterations` overrides it.
    iterations: Option<i64>,
    /// The random seed (default 0); `--seed` overrides it.
    seed: Option<u64>,
    /// Optional: the most the programme can fund (its P90 peak funding), in
    /// its currency; with it, gatecast chooses the subset to fund.
    budget: Option<f64>,
    /// Optional, in [0, 1): shared organisational readiness, which makes gate
    /// outcomes move together across initiatives (default 0: independent).
    readiness: Option<f64>,
}

/// `[[initiative]]`: one initiative of the programme.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawInitiative {
    /// Its scenario file, relative to the portfolio file.
    scenario: String,
    /// Its name in the outputs (default: the scenario's name); unique.
    name: Option<String>,
    /// The month its first stage starts on the programme's clock (default 0);
    /// may be fractional or a distribution, within [0, horizon].
    start_month: Option<DistSpec>,
}

/// One initiative of a programme.
#[derive(Debug, Clone)]
pub struct Initiative {
    /// Its name in the programme: unique.
    pub name: String,
    /// Its scenario file, as written in the portfolio file.
    pub file: String,
    /// Its scenario on the portfolio's clock: the portfolio's horizon and
    /// discount rate, no stresses and no actuals.
    pub scenario: Scenario,
    /// When its first stage starts, in months from the programme's start.
    pub start_month: Dist,
}

/// A programme of initiatives (MODEL.md section 10).
#[derive(Debug, Clone)]
pub struct Portfolio {
    pub name: String,
    /// The file it was read from, as shown to the user.
    pub file: String,
    pub currency: String,
    pub horizon_months: usize,
    /// Annual, for every NPV of the programme.
    pub discount_rate: f64,
    pub iterations: u64,
    pub seed: u64,
    /// The most the programme can fund: a bound on its P90 peak funding.
    pub budget: Option<f64>,
    /// Shared organisational readiness `r`, in [0, 1).
    pub readiness: f64,
    pub initiatives: Vec<Initiative>,
    /// Warnings from the initiatives' scenario files.
    pub warnings: Vec<String>,
}

/// Whether TOML text is a portfolio file (it has a `[portfolio]` table).
pub fn is_portfolio(text: &str) -> bool {
    match toml::from_str::<toml::Table>(text) {
        Ok(t) => t.contains_key("portfolio"),
        // not valid TOML: a `[portfolio]` header still says what it means to be
        Err(_) => text.lines().any(|l| l.trim() == "[portfolio]"),
    }
}

fn read_text(path: &Path, what: &str) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        InputError::plain(
            path.display().to_string(),
            format!("cannot read the {what}: {why}"),
        )
    })
}

impl Portfolio {
    /// Reads and validates a portfolio file and every initiative's
    /// scenario file (paths relative to the portfolio file's folder).
    pub fn from_file(path: &Path) -> Result<Portfolio, InputError> {
        let text = read_text(path, "portfolio file")?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Portfolio::from_toml(&text, &path.display().to_string(), &base)
    }

    /// Parses and validates portfolio text; `file` names it in errors and
    /// initiative paths are relative to `base`.
    pub fn from_toml(text: &str, file: &str, base: &Path) -> Result<Portfolio, InputError> {
        if let Ok(t) = toml::from_str::<toml::Table>(text) {
            if t.contains_key("scenario") && !t.contains_key("portfolio") {
                return Err(InputError::plain(
                    file,
                    "this is a scenario file ([scenario]), not a portfolio file: `gatecast run` simulates it; `gatecast portfolio` reads a file with [portfolio] and [[initiative]] tables (docs/PORTFOLIO.md)",
                ));
            }
        }
        let loc = Locator::new(text);
        let de = toml::Deserializer::new(text);
        let raw: RawPortfolioFile =
            serde_path_to_error::deserialize(de).map_err(|e| read_error(&e, &loc, file))?;
        build(raw, file, &loc, base)
    }
}

fn err(file: &str, loc: &Locator, toml: &[Seg], path: &str, msg: impl Into<String>) -> InputError {
    let mut e = InputError::plain(file, msg);
    e.path = Some(path.to_string());
    if let Some(off) = loc.offset(toml) {
        let (l, c) = loc.line_col(off);
        e.line = Some(l as u32);
        e.column = Some(c as u32);
        e.source_line = loc.source_line(l);
    }
    e
}

fn build(
    raw: RawPortfolioFile,
    file: &str,
    loc: &Locator,
    base: &Path,
) -> Result<Portfolio, InputError> {
    let k = Seg::key;
    let meta = raw.portfolio;
    let at = |key: &str| [k("portfolio"), k(key)];
    let e = |key: &str, msg: String| err(file, loc, &at(key), &format!("portfolio.{key}"), msg);
    if meta.name.trim().is_empty() {
        return Err(e("name", "the name must not be empty".into()));
    }
    let currency = meta.currency.unwrap_or_else(|| "USD".into());
    if currency.trim().is_empty() {
        return Err(e(
            "currency",
            "the currency must not be empty (for example \"EUR\" or \"USD\")".into(),
        ));
    }
    let horizon = meta.horizon_months.unwrap_or(36);
    if !(1..=MAX_HORIZON).contains(&horizon) {
        return Err(e(
            "horizon_months",
            format!("the horizon must be a whole number of months from 1 to {MAX_HORIZON}, got {horizon}"),
        ));
    }
    let discount_rate = meta.discount_rate.unwrap_or(0.0);
    let (lo, hi) = super::limits::DISCOUNT_RATE;
    if !(lo..=hi).contains(&discount_rate) {
        return Err(e(
            "discount_rate",
            format!("the annual discount rate must be from {lo} to {hi}, got {discount_rate}"),
        ));
    }
    let iterations = meta.iterations.unwrap_or(10_000);
    if iterations < 1 || iterations as u64 > MAX_ITERATIONS {
        return Err(e(
            "iterations",
            format!(
                "iterations must be from 1 to {}, got {iterations}",
                crate::format::thousands(MAX_ITERATIONS as f64)
            ),
        ));
    }
    if let Some(b) = meta.budget {
        if !(b > 0.0 && b.is_finite()) {
            return Err(e(
                "budget",
                format!("the budget (the most the programme can fund at its deepest, in {currency}) must be greater than 0, got {b}"),
            ));
        }
    }
    let readiness = meta.readiness.unwrap_or(0.0);
    if !(0.0..1.0).contains(&readiness) {
        return Err(e(
            "readiness",
            format!("readiness must be in [0, 1): 0 for independent initiatives, towards 1 for gates that move together; got {readiness}"),
        ));
    }
    if raw.initiative.is_empty() {
        let mut e = InputError::plain(
            file,
            "the portfolio has no initiatives: add at least one [[initiative]] with scenario = \"some-initiative.toml\"",
        );
        e.path = Some("initiative".into());
        return Err(e);
    }
    if raw.initiative.len() > MAX_INITIATIVES {
        let mut e = err(
            file,
            loc,
            &[k("initiative"), Seg::Index(MAX_INITIATIVES)],
            "initiative",
            format!(
                "the portfolio has {} initiatives; at most {MAX_INITIATIVES} are allowed (selection under a budget tries every subset): split the programme in two",
                raw.initiative.len()
            ),
        );
        e.path = Some("initiative".into());
        return Err(e);
    }
    let h = horizon as usize;
    let mut initiatives: Vec<Initiative> = Vec::new();
    let mut warnings = Vec::new();
    for (i, ri) in raw.initiative.into_iter().enumerate() {
        let seg = |key: &str| [k("initiative"), Seg::Index(i), k(key)];
        let label = ri.name.clone().unwrap_or_else(|| format!("[{}]", i + 1));
        let p = |key: &str| format!("initiative.{label}.{key}");
        let path: PathBuf = base.join(&ri.scenario);
        let shown = path.display().to_string();
        let inner = |why: String| {
            err(
                file,
                loc,
                &seg("scenario"),
                &p("scenario"),
                format!("the initiative's scenario file is not usable: {why}"),
            )
        };
        let text = read_text(&path, "scenario file").map_err(|x| inner(x.to_string()))?;
        if is_portfolio(&text) {
            return Err(inner(format!(
                "{shown} is itself a portfolio file ([portfolio]); an initiative must be a scenario file"
            )));
        }
        let mut sc = Scenario::from_toml(&text, &shown).map_err(|x| inner(x.to_string()))?;
        warnings.extend(sc.warnings.iter().cloned());
        let name = ri.name.clone().unwrap_or_else(|| sc.name.clone());
        let p = |key: &str| format!("initiative.{name}.{key}");
        if name.trim().is_empty() {
            return Err(err(
                file,
                loc,
                &seg("name"),
                &p("name"),
                "the name must not be empty",
            ));
        }
        if let Some(other) = initiatives.iter().position(|x| x.name == name) {
            let key = if ri.name.is_some() {
                "name"
            } else {
                "scenario"
            };
            return Err(err(
                file,
                loc,
                &seg(key),
                &p(key),
                format!(
                    "two initiatives are named \"{name}\" (numbers {} and {}): give each a unique name = \"...\"",
                    other + 1,
                    i + 1
                ),
            ));
        }
        if sc.currency != currency {
            return Err(err(
                file,
                loc,
                &seg("scenario"),
                &p("scenario"),
                format!(
                    "{shown} counts money in {}, the portfolio in {currency}: every initiative's currency must be the portfolio's",
                    sc.currency
                ),
            ));
        }
        let start = ri.start_month.map_or_else(|| Dist::fixed(0.0), |d| d.0);
        let (lo, hi) = start.range();
        if lo < 0.0 || hi > horizon as f64 {
            return Err(err(
                file,
                loc,
                &seg("start_month"),
                &p("start_month"),
                format!(
                    "the start month must lie from 0 to the horizon ({horizon}) wherever it can draw; {} ranges over [{}, {}]",
                    start.describe(),
                    crate::format::sig(lo),
                    crate::format::sig(hi)
                ),
            ));
        }
        // the portfolio's clock: its horizon and discount rate
        sc.horizon_months = h;
        let dr = sc.discount_rate;
        sc.inputs[dr].dist = Dist::fixed(discount_rate);
        sc.inputs[dr].scale = 1.0;
        sc.correlations.retain(|c| c.a != dr && c.b != dr);
        sc.stresses.clear();
        sc.actuals = None;
        initiatives.push(Initiative {
            name,
            file: shown,
            scenario: sc,
            start_month: start,
        });
    }
    Ok(Portfolio {
        name: meta.name,
        file: file.to_string(),
        currency,
        horizon_months: h,
        discount_rate,
        iterations: iterations as u64,
        seed: meta.seed.unwrap_or(0),
        budget: meta.budget,
        readiness,
        initiatives,
        warnings,
    })
}
