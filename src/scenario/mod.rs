//! Scenario files: the only module that knows TOML.
//!
//! [`Scenario::from_toml`] reads a file, checks every rule of MODEL.md
//! section 1 and returns a validated scenario in which every quantity that
//! may be uncertain is an [`Input`] with a path (`stage.Pilot.gate.pass`) and
//! a distribution. The model reads inputs by [`InputId`] from one vector of
//! draws per iteration.

pub mod actuals;
pub mod limits;
mod locate;
pub mod portfolio;
pub(crate) mod raw;

use std::path::Path;

use crate::dist::Dist;
use crate::error::InputError;
pub use actuals::{Actuals, Metric, Observation, StageFact};
pub use locate::{Locator, Seg};
use raw::{DistSpec, RawCurve, RawFile};

/// The built-in example scenario, compiled into the binary.
pub const EXAMPLE_TOML: &str = include_str!("../../scenarios/example.toml");
/// Where the built-in example lives in the repository.
pub const EXAMPLE_NAME: &str = "scenarios/example.toml";

/// Index of an input in [`Scenario::inputs`] and in each iteration's draws.
pub type InputId = usize;

/// One quantity of the scenario that is drawn once per iteration.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path that names it everywhere, e.g. `stage.Pilot.duration_months`.
    pub path: String,
    pub dist: Dist,
    /// The unit, for reports: "months", "per month", "users", "share"...
    pub unit: Unit,
    /// What values it may take; checked again after any what-if.
    pub allowed: Allowed,
    /// Every draw is multiplied by this (a stress's `scale`; 1 as written).
    pub scale: f64,
}

impl Input {
    /// True when every draw gives the same value.
    pub fn is_fixed(&self) -> bool {
        self.dist.is_fixed()
    }

    /// One draw: the distribution's, times the scale.
    #[inline]
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.scale * self.dist.sample(rng)
    }

    /// The quantile `u` of the draws (P10 is `quantile(0.1)`).
    pub fn quantile(&self, u: f64) -> f64 {
        self.scale * self.dist.quantile(u)
    }

    /// The draw at uniform `u` in (0, 1), for Latin hypercube and Sobol
    /// sampling (see [`crate::dist::Dist::at`]).
    #[inline]
    pub fn at(&self, u: f64) -> f64 {
        self.scale * self.dist.at(u)
    }

    /// The smallest and largest values a draw can take.
    pub fn range(&self) -> (f64, f64) {
        let (lo, hi) = self.dist.range();
        (self.scale * lo, self.scale * hi)
    }

    /// The smallest and largest values a draw can reach in practice (see
    /// [`crate::dist::Dist::reach`]), to which the limits apply.
    pub fn reach(&self) -> (f64, f64) {
        let (lo, hi) = self.dist.reach();
        (self.scale * lo, self.scale * hi)
    }

    /// The distribution as written, with the scale when it is not 1.
    pub fn describe(&self) -> String {
        if self.scale == 1.0 {
            self.dist.describe()
        } else {
            format!("{} x {}", self.dist.describe(), self.scale)
        }
    }

    /// Checks the input's rule against the whole range it can draw, then
    /// its [`limits`].
    pub fn check(&self) -> Result<(), String> {
        let (lo, hi) = self.range();
        let problem = match self.allowed {
            Allowed::Any => None,
            Allowed::NonNegative if lo < 0.0 => Some("cannot be negative"),
            Allowed::Positive | Allowed::Interval
                if lo < 0.0 || (lo == 0.0 && !self.dist.lower_end_open()) =>
            {
                Some("must be greater than 0")
            }
            Allowed::UnitInterval if lo < 0.0 || hi > 1.0 => Some("must lie between 0 and 1"),
            Allowed::AboveMinusOne if lo <= -1.0 => Some("must be greater than -1"),
            _ => None,
        };
        match problem {
            None => self.check_limits(),
            Some(rule) if self.is_fixed() => Err(format!("this quantity {rule}, got {lo}")),
            Some(rule) => Err(format!(
                "this quantity {rule}, but {} can draw values from {lo} to {hi}; narrow it or truncate it with `min`/`max`",
                self.describe()
            )),
        }
    }

    /// Checks the numbers written against [`limits::SMALLEST`] and what a
    /// draw can reach against the input's [`limits::Limit`].
    fn check_limits(&self) -> Result<(), String> {
        use crate::format::num;
        for x in self.dist.numbers() {
            let x = x * self.scale;
            if x != 0.0 && x.abs() < limits::SMALLEST {
                return Err(format!(
                    "{} is too small to mean anything: every number here must be 0 or at least {} in size (write 0 for none)",
                    num(x),
                    num(limits::SMALLEST)
                ));
            }
        }
        let limit = limits::limit(self.unit, self.allowed);
        let (lo, hi) = self.reach();
        let what = limit.what;
        let fixed = self.is_fixed();
        if hi > limit.hi {
            let most = num(limit.hi);
            return Err(if fixed {
                format!("{what} must be at most {most}, got {}", num(hi))
            } else {
                format!(
                    "{what} must be at most {most}, but this distribution can draw values up to {}; narrow it or truncate it with `max`",
                    num(hi)
                )
            });
        }
        if lo < limit.lo {
            let least = num(limit.lo);
            return Err(if fixed {
                format!("{what} must be at least {least}, got {}", num(lo))
            } else {
                format!(
                    "{what} must be at least {least}, but this distribution can draw values down to {}; narrow it or truncate it with `min`",
                    num(lo)
                )
            });
        }
        Ok(())
    }
}

/// What an input's number is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Months,
    Money,
    MoneyPerMonth,
    MoneyPerUserMonth,
    MoneyPerUser,
    Users,
    Share,
    PerMonth,
    Rate,
    Factor,
}

impl Unit {
    /// The unit in words, with the currency where it is money.
    pub fn label(self, currency: &str) -> String {
        match self {
            Unit::Months => "months".into(),
            Unit::Money => currency.into(),
            Unit::MoneyPerMonth => format!("{currency}/month"),
            Unit::MoneyPerUserMonth => format!("{currency}/user/month"),
            Unit::MoneyPerUser => format!("{currency}/user"),
            Unit::Users => "users".into(),
            Unit::Share => "share (0-1)".into(),
            Unit::PerMonth => "per month".into(),
            Unit::Rate => "per year".into(),
            Unit::Factor => "x".into(),
        }
    }
}

/// A gate at the end of a stage (MODEL.md section 4).
#[derive(Debug, Clone)]
pub struct Gate {
    /// Probability the gate approves at a decision.
    pub pass: f64,
    /// Probability the gate sends the stage back; kill is `1 - pass - rework`.
    pub rework: f64,
    pub rework_months: Option<InputId>,
    pub max_reworks: u32,
    pub decision_delay: InputId,
    pub min_usage_rate: Option<InputId>,
}

/// One stage of the stage-gate timeline.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub duration: InputId,
    pub cost_per_month: InputId,
    pub one_off_cost: InputId,
    pub scope: InputId,
    pub gate: Option<Gate>,
}

/// The adoption curve `F(tau)` of MODEL.md section 5.
#[derive(Debug, Clone, Copy)]
pub enum Curve {
    Bass {
        p: InputId,
        q: InputId,
    },
    Logistic {
        midpoint: InputId,
        steepness: InputId,
    },
}

#[derive(Debug, Clone)]
pub struct Adoption {
    pub target_users: InputId,
    pub ceiling: InputId,
    pub curve: Curve,
}

#[derive(Debug, Clone)]
pub struct Costs {
    pub run_fixed_per_month: InputId,
    pub run_per_active_user_month: InputId,
    pub onboarding_per_new_user: InputId,
    pub retraining_every_months: Option<InputId>,
    pub retraining_cost: InputId,
    pub overrun: InputId,
}

#[derive(Debug, Clone)]
pub struct Benefit {
    pub name: String,
    pub per_active_user_month: InputId,
    pub lag_months: InputId,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub currency: String,
    /// H: simulated months from the first day of the first stage.
    pub horizon_months: usize,
    pub iterations: u64,
    pub seed: u64,
    /// Annual discount rate for NPV.
    pub discount_rate: InputId,
    pub stages: Vec<Stage>,
    pub adoption: Adoption,
    pub costs: Costs,
    pub benefits: Vec<Benefit>,
    /// Every quantity that may be uncertain, in file order.
    pub inputs: Vec<Input>,
    /// Target rank (Spearman) correlations between inputs, applied by the
    /// Iman-Conover method (see [`crate::stats::correlation`]).
    pub correlations: Vec<Correlation>,
    /// `[[stress]]` what-ifs, each run beside the base case.
    pub stresses: Vec<Stress>,
    /// Things in the file that are allowed but almost always a mistake,
    /// each naming the file, line and path (a truncation that keeps almost
    /// none of its distribution). The commands print them on stderr.
    pub warnings: Vec<String>,
    /// `[actuals]`: what is known so far, when the file says
    /// (MODEL.md 9.2); see [`Scenario::with_actuals_file`].
    pub actuals: Option<Actuals>,
    /// The checkpoint months (1-based, ascending) at which the engine keeps
    /// every iteration's usage rate and active users, for what on track
    /// looks like (MODEL.md 9.1, [`crate::ontrack`]); empty keeps none.
    /// Not read from the file: `gatecast run` sets it (every third month,
    /// or `--checkpoints`), so that the other commands' many runs do not
    /// pay for it.
    pub checkpoints: Vec<usize>,
}

/// A what-if on one input.
#[derive(Debug, Clone)]
pub enum Change {
    /// Replace the input's distribution.
    Set(Dist),
    /// Multiply every draw of the input by this factor.
    Scale(f64),
}

/// A named set of what-ifs (a `[[stress]]`, or the command line's
/// `--set`/`--scale`).
#[derive(Debug, Clone)]
pub struct Stress {
    pub name: String,
    /// (input path, change), in the order they apply.
    pub changes: Vec<(String, Change)>,
}

/// A gate probability that a what-if can change: `stage.<name>.gate.pass`
/// or `stage.<name>.gate.rework`. Neither is an input (it is one number for
/// the whole run, compared with the gate's own uniform draws), but `set`,
/// `scale` and `gatecast solve --vary` accept both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateProbability {
    /// Index of the gate's stage in [`Scenario::stages`].
    pub stage: usize,
    /// True for `pass`, false for `rework`.
    pub pass: bool,
    /// Its value now.
    pub value: f64,
    /// The most it can be with the other probability as it is:
    /// `1 - rework` for pass, `1 - pass` for rework (0 for the rework of a
    /// gate without `rework_months` and `max_reworks`).
    pub max: f64,
}

/// The gate probability named by `path` among `stages`.
fn find_gate_probability(stages: &[Stage], path: &str) -> Option<GateProbability> {
    let rest = path.strip_prefix("stage.")?;
    let (name, key) = rest.rsplit_once(".gate.")?;
    let pass = match key {
        "pass" => true,
        "rework" => false,
        _ => return None,
    };
    let stage = stages.iter().position(|s| s.name == name)?;
    let g = stages[stage].gate.as_ref()?;
    let (value, max) = if pass {
        (g.pass, 1.0 - g.rework)
    } else if g.rework_months.is_none() {
        (g.rework, 0.0)
    } else {
        (g.rework, 1.0 - g.pass)
    };
    Some(GateProbability {
        stage,
        pass,
        value,
        max: max.max(0.0),
    })
}

/// Makes one what-if on a gate's `pass` or `rework`: a plain number
/// between 0 and 1 (a set), or a factor on it (a scale). The sum
/// `pass + rework` is checked once every change is made.
fn change_gate(gate: &mut Gate, pass: bool, path: &str, change: &Change) -> Result<(), String> {
    let key = if pass { "pass" } else { "rework" };
    let slot = if pass {
        &mut gate.pass
    } else {
        &mut gate.rework
    };
    let v = match change {
        Change::Set(dist) if !dist.is_fixed() => {
            return Err(format!(
                "{path}: {key} is a probability, one number for the whole run: set it to a plain number between 0 and 1, not {}",
                dist.describe()
            ));
        }
        Change::Set(dist) => dist.quantile(0.5),
        Change::Scale(f) => {
            check_factor(*f)?;
            *slot * f
        }
    };
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "{path}: {key} is a probability and must lie between 0 and 1, got {v}"
        ));
    }
    *slot = v;
    Ok(())
}

/// A scale factor must be a finite number above 0.
fn check_factor(f: f64) -> Result<(), String> {
    if !f.is_finite() || f <= 0.0 {
        return Err(format!(
            "a scale factor must be a number greater than 0, got {f}"
        ));
    }
    Ok(())
}

/// Makes one what-if on `inputs` (or on a gate probability among
/// `stages`), checked against the input's rule.
fn apply_change(
    inputs: &mut [Input],
    stages: &mut [Stage],
    path: &str,
    change: &Change,
) -> Result<(), String> {
    if let Some(gp) = find_gate_probability(stages, path) {
        let gate = stages[gp.stage].gate.as_mut().expect("a gate");
        return change_gate(gate, gp.pass, path, change);
    }
    let Some(input) = inputs.iter_mut().find(|i| i.path == path) else {
        let hint = if path.ends_with(".max_reworks") {
            " (a gate's max_reworks is a fixed whole number, not an input)"
        } else if path.ends_with(".pass") || path.ends_with(".rework") {
            " (a gate's pass and rework are named stage.<stage name>.gate.pass and .rework, for a stage that has a gate)"
        } else {
            ""
        };
        return Err(format!(
            "no input is named \"{path}\"{hint}; `gatecast validate` lists every input's path"
        ));
    };
    match change {
        Change::Set(dist) => {
            // a set replaces the input whole, scale included
            input.dist = dist.clone();
            input.scale = 1.0;
        }
        Change::Scale(f) => {
            check_factor(*f)?;
            input.scale *= f;
        }
    }
    input.check().map_err(|e| format!("{path}: {e}"))
}

/// Makes the what-ifs in order, then checks what only the whole set can
/// break: each changed gate's `pass + rework <= 1` (so a stress may lower
/// rework and raise pass in either order), and that a changed gate with
/// `rework > 0` has `rework_months` to rework for.
fn apply_changes(
    inputs: &mut [Input],
    stages: &mut [Stage],
    changes: &[(String, Change)],
) -> Result<(), ChangeError> {
    let fault = |index: usize| move |message: String| ChangeError { index, message };
    for (index, (path, change)) in changes.iter().enumerate() {
        apply_change(inputs, stages, path, change).map_err(fault(index))?;
    }
    for (index, (path, _)) in changes.iter().enumerate().rev() {
        let Some(gp) = find_gate_probability(stages, path) else {
            continue;
        };
        let g = stages[gp.stage].gate.as_ref().expect("a gate");
        let name = &stages[gp.stage].name;
        if g.pass + g.rework > 1.0 + 1e-12 {
            return Err(fault(index)(format!(
                "{path}: pass + rework must be at most 1 (kill = 1 - pass - rework), got stage.{name}.gate.pass = {} + stage.{name}.gate.rework = {} = {}",
                g.pass,
                g.rework,
                g.pass + g.rework
            )));
        }
        if g.rework > 0.0 && g.rework_months.is_none() {
            return Err(fault(index)(format!(
                "{path}: rework > 0 needs rework_months and max_reworks, which this gate does not have; add them to the stage's [stage.gate] first"
            )));
        }
    }
    Ok(())
}

/// A what-if that cannot be made: which change of the list, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeError {
    /// Index of the change at fault in the list given.
    pub index: usize,
    /// What is wrong, naming the path.
    pub message: String,
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads a distribution written as in a scenario file: `0.8`,
/// `{ uniform = [3, 6] }`.
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    toml::from_str::<raw::LoneValue>(&format!("value = {text}"))
        .map(|v| v.value.0)
        .map_err(|e| {
            format!(
                "`{text}` is not a number or a distribution such as {{ uniform = [3, 6] }}: {}",
                e.message().trim()
            )
        })
}

impl Scenario {
    /// The input named by `path`.
    pub fn input_id(&self, path: &str) -> Option<InputId> {
        self.inputs.iter().position(|i| i.path == path)
    }

    /// The gate probability named by `path` (`stage.Pilot.gate.pass` or
    /// `stage.Pilot.gate.rework`), for a stage that has a gate.
    pub fn gate_probability(&self, path: &str) -> Option<GateProbability> {
        find_gate_probability(&self.stages, path)
    }

    /// A copy of the scenario with the what-ifs made, each checked against
    /// the input's rule (a scaled ceiling must still lie in [0, 1]...), or
    /// for a gate's `pass`/`rework` against `0 <= p <= 1` and
    /// `pass + rework <= 1`. Draws stay on the same random streams (gate
    /// decisions too): common random numbers.
    pub fn with_changes(&self, changes: &[(String, Change)]) -> Result<Scenario, String> {
        self.try_changes(changes).map_err(|e| e.message)
    }

    /// [`Scenario::with_changes`], saying which change is at fault.
    pub fn try_changes(&self, changes: &[(String, Change)]) -> Result<Scenario, ChangeError> {
        let mut sc = self.clone();
        apply_changes(&mut sc.inputs, &mut sc.stages, changes)?;
        let fixed = |id: InputId| sc.inputs[id].is_fixed();
        if let Some(c) = sc.correlations.iter().find(|c| fixed(c.a) || fixed(c.b)) {
            let id = if fixed(c.a) { c.a } else { c.b };
            let path = &sc.inputs[id].path;
            return Err(ChangeError {
                index: changes.iter().position(|(p, _)| p == path).unwrap_or(0),
                message: format!("{path}: a what-if cannot make a correlated input a fixed value"),
            });
        }
        sc.stresses.clear();
        Ok(sc)
    }
}

/// `[[correlation]]`: inputs `a` and `b` have rank correlation `rank`.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub a: InputId,
    pub b: InputId,
    pub rank: f64,
}

impl Scenario {
    /// The inputs that take part in a correlation, in input order, and the
    /// target Spearman matrix among them.
    pub fn correlation_matrix(&self) -> (Vec<InputId>, Vec<Vec<f64>>) {
        Scenario::matrix_of(&self.correlations)
    }
}

/// The most iterations one run accepts (memory grows by about 100 bytes each).
pub const MAX_ITERATIONS: u64 = 100_000_000;
/// The longest horizon, in months.
pub const MAX_HORIZON: i64 = 600;
/// The most reworks one gate allows (each costs a draw per iteration).
pub const MAX_REWORKS: u32 = 100;

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, InputError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            };
            InputError::plain(&shown, format!("cannot read the scenario file: {why}"))
        })?;
        Scenario::from_toml(&text, &shown)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, InputError> {
        let loc = Locator::new(text);
        let de = toml::Deserializer::new(text);
        let raw: RawFile =
            serde_path_to_error::deserialize(de).map_err(|e| read_error(&e, &loc, file))?;
        Builder {
            file,
            loc: &loc,
            inputs: Vec::new(),
            warnings: Vec::new(),
        }
        .build(raw)
    }

    /// Reads an actuals file (a file holding `[actuals]` alone) and checks
    /// it against this scenario; it replaces any `[actuals]` the scenario
    /// file has. Errors name the actuals file, its line and the path.
    pub fn with_actuals_file(mut self, path: &Path) -> Result<Scenario, InputError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            };
            InputError::plain(&shown, format!("cannot read the actuals file: {why}"))
        })?;
        self.actuals = Some(self.actuals_from_toml(&text, &shown)?);
        Ok(self)
    }

    /// Parses and checks actuals text (`[actuals]` alone) against this
    /// scenario; `file` names it in errors.
    pub fn actuals_from_toml(&self, text: &str, file: &str) -> Result<Actuals, InputError> {
        let loc = Locator::new(text);
        let de = toml::Deserializer::new(text);
        let raw: actuals::RawActualsFile =
            serde_path_to_error::deserialize(de).map_err(|e| read_error(&e, &loc, file))?;
        actuals::validate(raw.actuals, &self.stages, self.horizon_months, file, &loc)
    }

    /// The ids of the inputs that are uncertain (not fixed).
    pub fn uncertain_inputs(&self) -> Vec<InputId> {
        (0..self.inputs.len())
            .filter(|&i| !self.inputs[i].is_fixed())
            .collect()
    }

    /// The number of uniform draws every iteration spends on gate decisions:
    /// `max_reworks + 1` per gate, drawn whether used or not, so that every
    /// iteration consumes the same stream however its gates turn out.
    pub fn gate_draws(&self) -> usize {
        self.stages
            .iter()
            .filter_map(|s| s.gate.as_ref())
            .map(|g| g.max_reworks as usize + 1)
            .sum()
    }
}

/// An error serde met reading `file`, located and worded for the user.
fn read_error(
    e: &serde_path_to_error::Error<toml::de::Error>,
    loc: &Locator,
    file: &str,
) -> InputError {
    let (segs, mut logical) = convert_path(e.path(), loc);
    let inner = e.inner();
    let offset = inner.span().map(|s| s.start).or_else(|| loc.offset(&segs));
    let mut message = tidy_serde_message(inner.message());
    if !loc.parsed() {
        // toml's parse errors run over several lines.
        let lines: Vec<&str> = message.lines().map(str::trim).collect();
        message = format!("this is not valid TOML: {}", lines.join(", "));
    }
    // A missing key is reported at its table: name the key itself.
    // A missing top-level table has no line to point at.
    let mut offset = offset;
    if let Some(key) = missing_key(inner.message()) {
        logical = if logical.is_empty() {
            offset = None;
            key.to_string()
        } else {
            format!("{logical}.{key}")
        };
    }
    let mut err = InputError::plain(file, message);
    if let Some(off) = offset {
        let (l, c) = loc.line_col(off);
        err.line = Some(l as u32);
        err.column = Some(c as u32);
        err.source_line = loc.source_line(l);
        if logical.is_empty() && !loc.parsed() {
            logical = loc.path_at_line(l).unwrap_or_default();
        }
    }
    err.path = (!logical.is_empty()).then_some(logical);
    err
}

/// Turns serde's path (`stage[1].gate.pass`) into TOML segments and the
/// user's path (`stage.Pilot.gate.pass`).
fn convert_path(path: &serde_path_to_error::Path, loc: &Locator) -> (Vec<Seg>, String) {
    use serde_path_to_error::Segment;
    let mut segs = Vec::new();
    let mut words: Vec<String> = Vec::new();
    for s in path.iter() {
        match s {
            Segment::Seq { index } => {
                segs.push(Seg::Index(*index));
                let table = match segs.get(segs.len().wrapping_sub(2)) {
                    Some(Seg::Key(k)) => k.clone(),
                    _ => String::new(),
                };
                // a top-level [[stage]] or [[benefit]] is named by its name
                let top_level = segs.len() == 2;
                match loc.array_name(&table, *index) {
                    Some(name) if top_level && (table == "stage" || table == "benefit") => {
                        words.push(name)
                    }
                    _ => {
                        let last = words.pop().unwrap_or_default();
                        words.push(format!("{last}[{index}]"));
                    }
                }
            }
            Segment::Map { key } => {
                segs.push(Seg::Key(key.clone()));
                words.push(key.clone());
            }
            Segment::Enum { variant } => words.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    (segs, words.join("."))
}

/// The key named by serde's "missing field `key`" message.
fn missing_key(msg: &str) -> Option<&str> {
    msg.trim()
        .strip_prefix("missing field `")?
        .split('`')
        .next()
}

/// serde's messages are good, but speak Rust: say "key" for "field" and
/// name the kind of number rather than the Rust type.
fn tidy_serde_message(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("missing required key {rest}");
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        return format!(
            "unknown key {}",
            rest.replace("expected one of", "expected one of the keys")
        );
    }
    let mut msg = msg.to_string();
    for (rust, words) in [
        ("expected f64", "expected a number"),
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number >= 0"),
        ("expected u32", "expected a whole number >= 0"),
        ("expected usize", "expected a whole number >= 0"),
    ] {
        if let Some(head) = msg.strip_suffix(rust) {
            msg = format!("{head}{words}");
        }
    }
    msg
}

struct Builder<'a> {
    file: &'a str,
    loc: &'a Locator<'a>,
    inputs: Vec<Input>,
    warnings: Vec<String>,
}

/// What values a quantity may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    Any,
    NonNegative,
    Positive,
    UnitInterval,
    AboveMinusOne,
    /// Greater than 0, and at least [`limits::MIN_RETRAINING_MONTHS`]
    /// wherever a draw can reach: the months between two retrainings.
    Interval,
}

impl Scenario {
    /// The ids and target matrix for a list of correlations.
    fn matrix_of(correlations: &[Correlation]) -> (Vec<InputId>, Vec<Vec<f64>>) {
        let mut ids: Vec<InputId> = correlations.iter().flat_map(|c| [c.a, c.b]).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut m = vec![vec![0.0; ids.len()]; ids.len()];
        for (i, row) in m.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for c in correlations {
            let (i, j) = (
                ids.binary_search(&c.a).unwrap_or(0),
                ids.binary_search(&c.b).unwrap_or(0),
            );
            m[i][j] = c.rank;
            m[j][i] = c.rank;
        }
        (ids, m)
    }
}

impl<'a> Builder<'a> {
    /// Notes a warning about the input at `toml`: "file:line: at path: ...".
    fn warn(&mut self, toml: &[Seg], path: &str, msg: &str) {
        let at = match self.loc.offset(toml) {
            Some(off) => format!("{}:{}", self.file, self.loc.line_col(off).0),
            None => self.file.to_string(),
        };
        self.warnings.push(format!("{at}: at {path}: {msg}"));
    }

    /// Warns when `dist` is truncated so far into a tail that it keeps
    /// less than [`limits::WARN_KEPT_MASS`] of its probability.
    fn warn_if_far_tail(&mut self, toml: &[Seg], path: &str, dist: &Dist) {
        let kept = dist.kept_mass();
        if kept < limits::WARN_KEPT_MASS {
            let msg = format!(
                "the truncation keeps only {kept:.1e} of the distribution's mass ({}): it is drawn correctly, from that far tail, but a range so far out is almost always a typo in `min` or `max`",
                dist.describe()
            );
            self.warn(toml, path, &msg);
        }
    }

    fn err(&self, toml: &[Seg], path: &str, msg: impl Into<String>) -> InputError {
        let mut e = InputError::plain(self.file, msg);
        e.path = Some(path.to_string());
        if let Some(off) = self.loc.offset(toml) {
            let (l, c) = self.loc.line_col(off);
            e.line = Some(l as u32);
            e.column = Some(c as u32);
            e.source_line = self.loc.source_line(l);
        }
        e
    }

    /// Registers an input; `spec` absent means the fixed `default`.
    fn input(
        &mut self,
        toml: &[Seg],
        path: String,
        spec: Option<DistSpec>,
        default: f64,
        allowed: Allowed,
        unit: Unit,
    ) -> Result<InputId, InputError> {
        let dist = spec.map_or_else(|| Dist::fixed(default), |s| s.0);
        let input = Input {
            path,
            dist,
            unit,
            allowed,
            scale: 1.0,
        };
        if let Err(message) = input.check() {
            return Err(self.err(toml, &input.path, message));
        }
        self.warn_if_far_tail(toml, &input.path, &input.dist);
        self.inputs.push(input);
        Ok(self.inputs.len() - 1)
    }

    fn build(mut self, raw: RawFile) -> Result<Scenario, InputError> {
        let k = Seg::key;

        // [scenario]
        let meta = raw.scenario;
        if meta.name.trim().is_empty() {
            return Err(self.err(
                &[k("scenario"), k("name")],
                "scenario.name",
                "the name must not be empty",
            ));
        }
        let currency = meta.currency.unwrap_or_else(|| "USD".into());
        if currency.trim().is_empty() {
            return Err(self.err(
                &[k("scenario"), k("currency")],
                "scenario.currency",
                "the currency must not be empty (for example \"EUR\" or \"USD\")",
            ));
        }
        let horizon = meta.horizon_months.unwrap_or(36);
        if !(1..=MAX_HORIZON).contains(&horizon) {
            return Err(self.err(
                &[k("scenario"), k("horizon_months")],
                "scenario.horizon_months",
                format!("the horizon must be a whole number of months from 1 to {MAX_HORIZON}, got {horizon}"),
            ));
        }
        let iterations = meta.iterations.unwrap_or(10_000);
        if iterations < 1 || iterations as u64 > MAX_ITERATIONS {
            return Err(self.err(
                &[k("scenario"), k("iterations")],
                "scenario.iterations",
                format!(
                    "iterations must be from 1 to {}, got {iterations}",
                    crate::format::thousands(MAX_ITERATIONS as f64)
                ),
            ));
        }
        let discount_rate = self.input(
            &[k("scenario"), k("discount_rate")],
            "scenario.discount_rate".into(),
            meta.discount_rate,
            0.0,
            Allowed::AboveMinusOne,
            Unit::Rate,
        )?;

        // [[stage]]
        if raw.stage.is_empty() {
            let mut e = InputError::plain(
                self.file,
                "the scenario has no stages: add at least one [[stage]] with a name and duration_months",
            );
            e.path = Some("stage".into());
            return Err(e);
        }
        let n_stages = raw.stage.len();
        let mut stages: Vec<Stage> = Vec::with_capacity(n_stages);
        let mut any_access = false;
        for (i, s) in raw.stage.into_iter().enumerate() {
            let at = |key: &str| vec![k("stage"), Seg::Index(i), k(key)];
            let name = s.name.trim().to_string();
            if name.is_empty() {
                return Err(self.err(
                    &at("name"),
                    &format!("stage[{i}].name"),
                    "a stage name must not be empty",
                ));
            }
            if stages.iter().any(|o| o.name == name) {
                return Err(self.err(
                    &at("name"),
                    &format!("stage.{name}.name"),
                    format!("two stages are named \"{name}\": stage names must be unique, since they name inputs"),
                ));
            }
            let p = |key: &str| format!("stage.{name}.{key}");
            let duration = self.input(
                &at("duration_months"),
                p("duration_months"),
                Some(s.duration_months),
                0.0,
                Allowed::NonNegative,
                Unit::Months,
            )?;
            let cost_per_month = self.input(
                &at("cost_per_month"),
                p("cost_per_month"),
                s.cost_per_month,
                0.0,
                Allowed::NonNegative,
                Unit::MoneyPerMonth,
            )?;
            let one_off_cost = self.input(
                &at("one_off_cost"),
                p("one_off_cost"),
                s.one_off_cost,
                0.0,
                Allowed::NonNegative,
                Unit::Money,
            )?;
            let scope = self.input(
                &at("scope"),
                p("scope"),
                s.scope,
                0.0,
                Allowed::NonNegative,
                Unit::Share,
            )?;
            any_access |= self.inputs[scope].range().1 > 0.0;
            let gate = match s.gate {
                None => None,
                Some(g) => {
                    let gat = |key: &str| vec![k("stage"), Seg::Index(i), k("gate"), k(key)];
                    let gp = |key: &str| format!("stage.{name}.gate.{key}");
                    if i + 1 == n_stages {
                        return Err(self.err(
                            &[k("stage"), Seg::Index(i), k("gate")],
                            &format!("stage.{name}.gate"),
                            "the last stage cannot have a gate: it runs on to the horizon",
                        ));
                    }
                    let pass = g.pass.unwrap_or(1.0);
                    let rework = g.rework.unwrap_or(0.0);
                    for (key, v) in [("pass", pass), ("rework", rework)] {
                        if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                            return Err(self.err(
                                &gat(key),
                                &gp(key),
                                format!(
                                    "{key} is a probability and must lie between 0 and 1, got {v}"
                                ),
                            ));
                        }
                    }
                    if pass + rework > 1.0 + 1e-12 {
                        let (key, hint) = if g.pass.is_some() {
                            ("pass", String::new())
                        } else {
                            (
                                "rework",
                                format!(
                                    "; pass defaults to 1, so with rework = {rework} write pass = {} or less",
                                    1.0 - rework
                                ),
                            )
                        };
                        return Err(self.err(
                            &gat(key),
                            &gp(key),
                            format!("pass + rework must be at most 1 (kill = 1 - pass - rework), got {pass} + {rework} = {}{hint}", pass + rework),
                        ));
                    }
                    let decision_delay = self.input(
                        &gat("decision_delay_months"),
                        gp("decision_delay_months"),
                        g.decision_delay_months,
                        0.0,
                        Allowed::NonNegative,
                        Unit::Months,
                    )?;
                    let min_usage_rate = match g.min_usage_rate {
                        None => None,
                        Some(spec) => {
                            if !any_access {
                                return Err(self.err(
                                    &gat("min_usage_rate"),
                                    &gp("min_usage_rate"),
                                    format!("min_usage_rate needs users with access, but neither stage \"{name}\" nor any stage before it has scope > 0"),
                                ));
                            }
                            Some(self.input(
                                &gat("min_usage_rate"),
                                gp("min_usage_rate"),
                                Some(spec),
                                0.0,
                                Allowed::UnitInterval,
                                Unit::Share,
                            )?)
                        }
                    };
                    // MODEL.md section 1: rework_months and max_reworks are
                    // required when a rework can happen, optional otherwise
                    let needs_rework = rework > 0.0 || min_usage_rate.is_some();
                    if let Some(n) = g.max_reworks.filter(|n| *n > MAX_REWORKS) {
                        return Err(self.err(
                            &gat("max_reworks"),
                            &gp("max_reworks"),
                            format!("max_reworks must be at most {MAX_REWORKS}, got {n}"),
                        ));
                    }
                    let (rework_months, max_reworks) = match (g.rework_months, g.max_reworks) {
                        (Some(m), n) if n.is_some() || !needs_rework => (
                            Some(self.input(
                                &gat("rework_months"),
                                gp("rework_months"),
                                Some(m),
                                0.0,
                                Allowed::NonNegative,
                                Unit::Months,
                            )?),
                            n.unwrap_or(0),
                        ),
                        (None, n) if !needs_rework => (None, n.unwrap_or(0)),
                        (m, _) => {
                            let missing = if m.is_none() {
                                "rework_months"
                            } else {
                                "max_reworks"
                            };
                            let why = if rework > 0.0 {
                                format!("rework = {rework} > 0")
                            } else {
                                "min_usage_rate is set".into()
                            };
                            return Err(self.err(
                                &[k("stage"), Seg::Index(i), k("gate")],
                                &gp(missing),
                                format!("missing required key `{missing}`: rework_months and max_reworks are required when {why}"),
                            ));
                        }
                    };
                    Some(Gate {
                        pass,
                        rework,
                        rework_months,
                        max_reworks,
                        decision_delay,
                        min_usage_rate,
                    })
                }
            };
            stages.push(Stage {
                name,
                duration,
                cost_per_month,
                one_off_cost,
                scope,
                gate,
            });
        }

        // [adoption]
        let a = raw.adoption;
        let at = |key: &str| vec![k("adoption"), k(key)];
        let target_users = self.input(
            &at("target_users"),
            "adoption.target_users".into(),
            Some(a.target_users),
            0.0,
            Allowed::NonNegative,
            Unit::Users,
        )?;
        let ceiling = self.input(
            &at("ceiling"),
            "adoption.ceiling".into(),
            Some(a.ceiling),
            0.0,
            Allowed::UnitInterval,
            Unit::Share,
        )?;
        let (this, other): (&[&str], &[&str]) = match a.curve {
            RawCurve::Bass => (&["p", "q"], &["midpoint_months", "steepness"]),
            RawCurve::Logistic => (&["midpoint_months", "steepness"], &["p", "q"]),
        };
        let curve_name = if a.curve == RawCurve::Bass {
            "bass"
        } else {
            "logistic"
        };
        let given = |key: &str| match key {
            "p" => a.p.is_some(),
            "q" => a.q.is_some(),
            "midpoint_months" => a.midpoint_months.is_some(),
            _ => a.steepness.is_some(),
        };
        for key in other {
            if given(key) {
                return Err(self.err(
                    &at(key),
                    &format!("adoption.{key}"),
                    format!(
                        "`{key}` does not belong to the {curve_name} curve, which takes {}",
                        this.join(" and ")
                    ),
                ));
            }
        }
        for key in this {
            if !given(key) {
                return Err(self.err(
                    &[k("adoption"), k("curve")],
                    &format!("adoption.{key}"),
                    format!(
                        "missing required key `{key}`: the {curve_name} curve needs {}",
                        this.join(" and ")
                    ),
                ));
            }
        }
        let curve = match a.curve {
            RawCurve::Bass => Curve::Bass {
                p: self.input(
                    &at("p"),
                    "adoption.p".into(),
                    a.p,
                    0.0,
                    Allowed::Positive,
                    Unit::PerMonth,
                )?,
                q: self.input(
                    &at("q"),
                    "adoption.q".into(),
                    a.q,
                    0.0,
                    Allowed::NonNegative,
                    Unit::PerMonth,
                )?,
            },
            RawCurve::Logistic => Curve::Logistic {
                midpoint: self.input(
                    &at("midpoint_months"),
                    "adoption.midpoint_months".into(),
                    a.midpoint_months,
                    0.0,
                    Allowed::Any,
                    Unit::Months,
                )?,
                steepness: self.input(
                    &at("steepness"),
                    "adoption.steepness".into(),
                    a.steepness,
                    0.0,
                    Allowed::Positive,
                    Unit::PerMonth,
                )?,
            },
        };
        let adoption = Adoption {
            target_users,
            ceiling,
            curve,
        };

        // [costs]
        let c = raw.costs;
        let at = |key: &str| vec![k("costs"), k(key)];
        let nn = Allowed::NonNegative;
        let costs = Costs {
            run_fixed_per_month: self.input(
                &at("run_fixed_per_month"),
                "costs.run_fixed_per_month".into(),
                c.run_fixed_per_month,
                0.0,
                nn,
                Unit::MoneyPerMonth,
            )?,
            run_per_active_user_month: self.input(
                &at("run_per_active_user_month"),
                "costs.run_per_active_user_month".into(),
                c.run_per_active_user_month,
                0.0,
                nn,
                Unit::MoneyPerUserMonth,
            )?,
            onboarding_per_new_user: self.input(
                &at("onboarding_per_new_user"),
                "costs.onboarding_per_new_user".into(),
                c.onboarding_per_new_user,
                0.0,
                nn,
                Unit::MoneyPerUser,
            )?,
            retraining_every_months: match c.retraining_every_months {
                None => None,
                Some(spec) => Some(self.input(
                    &at("retraining_every_months"),
                    "costs.retraining_every_months".into(),
                    Some(spec),
                    0.0,
                    Allowed::Interval,
                    Unit::Months,
                )?),
            },
            retraining_cost: self.input(
                &at("retraining_cost"),
                "costs.retraining_cost".into(),
                c.retraining_cost,
                0.0,
                nn,
                Unit::Money,
            )?,
            overrun: self.input(
                &at("overrun"),
                "costs.overrun".into(),
                c.overrun,
                1.0,
                nn,
                Unit::Factor,
            )?,
        };

        // [[benefit]]
        let mut benefits: Vec<Benefit> = Vec::new();
        for (i, b) in raw.benefit.into_iter().enumerate() {
            let at = |key: &str| vec![k("benefit"), Seg::Index(i), k(key)];
            let name = b.name.trim().to_string();
            if name.is_empty() {
                return Err(self.err(
                    &at("name"),
                    &format!("benefit[{i}].name"),
                    "a benefit name must not be empty",
                ));
            }
            if benefits.iter().any(|o| o.name == name) {
                return Err(self.err(
                    &at("name"),
                    &format!("benefit.{name}.name"),
                    format!("two benefits are named \"{name}\": benefit names must be unique, since they name inputs"),
                ));
            }
            let per_active_user_month = self.input(
                &at("per_active_user_month"),
                format!("benefit.{name}.per_active_user_month"),
                Some(b.per_active_user_month),
                0.0,
                Allowed::Any,
                Unit::MoneyPerUserMonth,
            )?;
            let lag_months = self.input(
                &at("lag_months"),
                format!("benefit.{name}.lag_months"),
                b.lag_months,
                0.0,
                nn,
                Unit::Months,
            )?;
            benefits.push(Benefit {
                name,
                per_active_user_month,
                lag_months,
            });
        }

        let correlations = self.correlations(raw.correlation)?;
        let stresses = self.stresses(raw.stress, &stages)?;
        let actuals = match raw.actuals {
            None => None,
            Some(a) => Some(actuals::validate(
                a,
                &stages,
                horizon as usize,
                self.file,
                self.loc,
            )?),
        };
        Ok(Scenario {
            name: meta.name.trim().to_string(),
            currency: currency.trim().to_string(),
            horizon_months: horizon as usize,
            iterations: iterations as u64,
            seed: meta.seed.unwrap_or(0),
            discount_rate,
            stages,
            adoption,
            costs,
            benefits,
            inputs: self.inputs,
            correlations,
            stresses,
            warnings: self.warnings,
            actuals,
            checkpoints: Vec::new(),
        })
    }

    /// Reads `[[stress]]` entries; each must apply cleanly to the base.
    fn stresses(
        &mut self,
        raw: Vec<raw::RawStress>,
        stages: &[Stage],
    ) -> Result<Vec<Stress>, InputError> {
        let k = Seg::key;
        let mut out: Vec<Stress> = Vec::new();
        for (i, st) in raw.into_iter().enumerate() {
            let name = st.name.trim().to_string();
            if name.is_empty() || out.iter().any(|o| o.name == name) {
                return Err(self.err(
                    &[k("stress"), Seg::Index(i), k("name")],
                    &format!("stress[{i}].name"),
                    "each stress needs a name of its own",
                ));
            }
            let mut changes: Vec<(String, Change)> = st
                .set
                .into_iter()
                .map(|(p, d)| (p, Change::Set(d.0)))
                .collect();
            changes.extend(st.scale.into_iter().map(|(p, f)| (p, Change::Scale(f))));
            if changes.is_empty() {
                return Err(self.err(
                    &[k("stress"), Seg::Index(i)],
                    &format!("stress.{name}"),
                    "a stress needs `set` or `scale` (or both): what does it change?",
                ));
            }
            // check the changes against the base, pointing at the line of
            // the one at fault
            let (mut inputs, mut stages) = (self.inputs.clone(), stages.to_vec());
            if let Err(e) = apply_changes(&mut inputs, &mut stages, &changes) {
                let (path, change) = &changes[e.index];
                let table = if matches!(change, Change::Set(_)) {
                    "set"
                } else {
                    "scale"
                };
                return Err(self.err(
                    &[k("stress"), Seg::Index(i), k(table), k(path)],
                    &format!("stress.{name}.{table}"),
                    e.message,
                ));
            }
            for (path, change) in &changes {
                if let Change::Set(dist) = change {
                    let at = [k("stress"), Seg::Index(i), k("set"), k(path)];
                    self.warn_if_far_tail(&at, &format!("stress.{name}.set.{path}"), dist);
                }
            }
            out.push(Stress { name, changes });
        }
        Ok(out)
    }

    /// Checks `[[correlation]]` entries against the inputs, and that they
    /// can hold together (their matrix is positive definite).
    fn correlations(&self, raw: Vec<raw::RawCorrelation>) -> Result<Vec<Correlation>, InputError> {
        let k = Seg::key;
        let mut out: Vec<Correlation> = Vec::new();
        for (i, c) in raw.into_iter().enumerate() {
            let at = |key: &str| vec![k("correlation"), Seg::Index(i), k(key)];
            let here = format!("correlation[{i}]");
            if c.between.len() != 2 {
                return Err(self.err(
                    &at("between"),
                    &format!("{here}.between"),
                    format!(
                        "between names exactly two input paths, got {}",
                        c.between.len()
                    ),
                ));
            }
            let mut ids = [0; 2];
            for (slot, path) in ids.iter_mut().zip(&c.between) {
                let Some(id) = self.inputs.iter().position(|x| &x.path == path) else {
                    let known: Vec<&str> = self
                        .inputs
                        .iter()
                        .filter(|x| !x.is_fixed())
                        .map(|x| x.path.as_str())
                        .collect();
                    return Err(self.err(
                        &at("between"),
                        &format!("{here}.between"),
                        format!(
                            "no input is named \"{path}\"; the uncertain inputs are: {}",
                            known.join(", ")
                        ),
                    ));
                };
                if self.inputs[id].is_fixed() {
                    return Err(self.err(&at("between"), &format!("{here}.between"), format!(
                        "\"{path}\" is a fixed value: only an uncertain input (a distribution) can be correlated"
                    )));
                }
                *slot = id;
            }
            if ids[0] == ids[1] {
                return Err(self.err(
                    &at("between"),
                    &format!("{here}.between"),
                    "an input cannot be correlated with itself",
                ));
            }
            if !c.rank.is_finite() || !(-1.0..=1.0).contains(&c.rank) {
                return Err(self.err(
                    &at("rank"),
                    &format!("{here}.rank"),
                    format!(
                        "rank is a rank correlation and must lie between -1 and 1, got {}",
                        c.rank
                    ),
                ));
            }
            let (a, b) = (ids[0].min(ids[1]), ids[0].max(ids[1]));
            if out.iter().any(|o| o.a == a && o.b == b) {
                return Err(self.err(
                    &at("between"),
                    &format!("{here}.between"),
                    format!(
                        "{} and {} are correlated twice",
                        self.inputs[a].path, self.inputs[b].path
                    ),
                ));
            }
            out.push(Correlation { a, b, rank: c.rank });
        }
        // the normal scores' matrix must be positive definite
        let (ids, target) = Scenario::matrix_of(&out);
        let scores: Vec<Vec<f64>> = target
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .map(|(j, r)| {
                        if i == j {
                            1.0
                        } else {
                            crate::stats::correlation::pearson_for_spearman(*r)
                        }
                    })
                    .collect()
            })
            .collect();
        if let Err(pivot) = crate::stats::correlation::cholesky(&scores) {
            let involved: Vec<&str> = (0..=pivot)
                .filter(|&i| i == pivot || (0..=pivot).any(|j| j != i && target[i][j] != 0.0))
                .map(|i| self.inputs[ids[i]].path.as_str())
                .collect();
            return Err(self.err(&[k("correlation")], "correlation", format!(
                "these correlations cannot all hold at once (their matrix is not positive definite): {}; weaken or remove one",
                involved.join(", ")
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
