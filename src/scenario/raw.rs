//! The scenario file exactly as written (MODEL.md section 1), as serde reads
//! it. Every table denies unknown keys: a typo in a business case must
//! never pass silently. Meaning is checked later, in `validate`.
//!
//! The same types give the JSON Schema that editors read (`gatecast
//! schema`): every doc comment on a key below is its description there, in
//! the words of docs/SCENARIO.md (meaning, unit, default, rules).

use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::dist::{Dist, Shape};

/// A gatecast scenario: one AI initiative's business case, its stages and
/// gates, how users take it up, what it costs and what it is worth. The
/// reference of every key is docs/SCENARIO.md.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "gatecast scenario")]
pub struct RawFile {
    /// `[scenario]` (required): the initiative's name, its currency, how
    /// long to simulate and the run's defaults.
    pub scenario: RawMeta,
    /// `[[stage]]` (at least one): one per stage of the initiative
    /// (discovery, proof of concept, pilot, rollout...), in the order they
    /// run. Stage 1 starts at month 0; each later stage starts when the
    /// previous one ends (or passes its gate).
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub stage: Vec<RawStage>,
    /// `[adoption]` (required): how the users with access become active
    /// users.
    pub adoption: RawAdoption,
    /// `[costs]` (optional): running costs once users have access, and the
    /// overrun factor. Leaving the table out means no running costs and no
    /// overrun.
    #[serde(default)]
    pub costs: RawCosts,
    /// `[[benefit]]` (optional, any number of them): one per stream of
    /// value, driven by active users. With none, the initiative only costs
    /// money.
    #[serde(default)]
    pub benefit: Vec<RawBenefit>,
    /// `[[correlation]]` (optional): makes two uncertain inputs move
    /// together (rank correlation).
    #[serde(default)]
    pub correlation: Vec<RawCorrelation>,
    /// `[[stress]]` (optional): a named what-if that runs beside the base
    /// case, on the same random numbers.
    #[serde(default)]
    pub stress: Vec<RawStress>,
    /// `[actuals]`: what is known so far (see `super::actuals`).
    pub actuals: Option<super::actuals::RawActuals>,
}

/// `[[stress]]`: a named what-if run beside the base case.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Stress")]
pub struct RawStress {
    /// The stress's name, shown beside the base case. Must differ from
    /// every other stress's name. Required.
    pub name: String,
    /// Replaces inputs' distributions, by input path (e.g.
    /// `"stage.Pilot.gate.decision_delay_months"`): any distribution form,
    /// or for a gate's `pass` or `rework` a plain number between 0 and 1.
    /// Default: none. A stress needs `set` or `scale` (or both).
    #[serde(default)]
    pub set: std::collections::BTreeMap<String, DistSpec>,
    /// Multiplies every draw of inputs, by input path (e.g.
    /// `"adoption.ceiling" = 0.8`): a factor greater than 0. Default: none.
    #[serde(default)]
    #[schemars(extend("additionalProperties" = { "type": "number", "exclusiveMinimum": 0 }))]
    pub scale: std::collections::BTreeMap<String, f64>,
}

/// A distribution on its own, as `--set PATH=VALUE` gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoneValue {
    pub value: DistSpec,
}

/// `[[correlation]]`: a rank correlation between two inputs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Correlation")]
pub struct RawCorrelation {
    /// The two inputs, by their paths (e.g. `["adoption.ceiling",
    /// "benefit.Time saved.per_active_user_month"]`): two different
    /// uncertain inputs, each pair once. Required.
    #[schemars(length(equal = 2))]
    pub between: Vec<String>,
    /// The target rank (Spearman) correlation, from -1 to 1: 0.4 means the
    /// futures with a high first input tend to be those with a high second
    /// one. Required.
    #[schemars(range(min = -1.0, max = 1.0))]
    pub rank: f64,
}

/// `[scenario]`: the initiative's name, currency, horizon and run defaults.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scenario")]
pub struct RawMeta {
    /// The initiative's name, shown on every report. Unit: text. Required.
    /// Must not be empty.
    pub name: String,
    /// A label for all money in the file, e.g. `"EUR"`, `"GBP"`. Unit:
    /// text. Default: `"USD"`. Any non-empty text; no conversion is done.
    pub currency: Option<String>,
    /// How long to simulate, from the first day of the first stage. Unit:
    /// months (whole number). Default: 36. A whole number from 1 to 600
    /// (write `36`, not `36.0`). Anything after the horizon is cut off.
    #[schemars(range(min = 1, max = 600))]
    pub horizon_months: Option<i64>,
    /// Annual rate for NPV (0.10 = 10% a year). Unit: share per year.
    /// Default: 0. May be a distribution. Must be greater than -1 over its
    /// whole range.
    pub discount_rate: Option<DistSpec>,
    /// Default number of simulated iterations, from 1 to 100,000,000.
    /// Unit: count (whole number). Default: 10000. `--iterations`/`-n` on
    /// the command line overrides it.
    #[schemars(range(min = 1, max = 100_000_000))]
    pub iterations: Option<i64>,
    /// Default random seed. The same file, seed and iterations give
    /// identical results. Unit: whole number >= 0. Default: 0.
    /// `--seed`/`-s` overrides it.
    pub seed: Option<u64>,
}

/// `[[stage]]`: one stage of the initiative, in the order they run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Stage")]
pub struct RawStage {
    /// The stage's name. Unit: text. Required. Must not be empty and must
    /// differ from every other stage's name (it names the stage's inputs,
    /// `stage.<name>.<key>`). Avoid dots in names.
    pub name: String,
    /// How long the stage's team works, before any gate decision. Unit:
    /// months. Required. May be a distribution. Cannot be negative.
    pub duration_months: DistSpec,
    /// The team's burn while the stage runs (and while it reworks). Unit:
    /// currency per month. Default: 0. May be a distribution. Cannot be
    /// negative.
    pub cost_per_month: Option<DistSpec>,
    /// Paid once, in the month the stage starts (licences, set-up,
    /// integration). Unit: currency. Default: 0. May be a distribution.
    /// Cannot be negative.
    pub one_off_cost: Option<DistSpec>,
    /// Share of the target users who have access from the stage's start.
    /// Unit: share of `target_users`. Default: 0. May be a distribution.
    /// Cannot be negative; may exceed 1 for a scale-out beyond the first
    /// user base. Access never shrinks: a later stage with a lower scope
    /// changes nothing.
    pub scope: Option<DistSpec>,
    /// `[stage.gate]`: an optional gate at the end of the stage. Default:
    /// none (the next stage starts as soon as this one ends). The last
    /// stage cannot have a gate.
    pub gate: Option<RawGate>,
}

/// `[stage.gate]`: the decision at the end of a stage: go on, do more work
/// first (rework), or stop (kill).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Gate")]
pub struct RawGate {
    /// Chance that a decision approves the next stage. Unit: probability
    /// (0-1). Default: 1. A plain number, not a distribution.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub pass: Option<f64>,
    /// Chance that a decision sends the stage back for more work; the rest,
    /// `1 - pass - rework`, is the chance of a kill. Unit: probability
    /// (0-1). Default: 0. A plain number, not a distribution. `pass +
    /// rework` must be at most 1: when you set `rework`, lower `pass` too.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub rework: Option<f64>,
    /// How long each rework lasts (the team burns `cost_per_month`
    /// meanwhile). Unit: months. Required when `rework > 0` or
    /// `min_usage_rate` is set; write it together with `max_reworks`. May
    /// be a distribution. Cannot be negative.
    pub rework_months: Option<DistSpec>,
    /// The most reworks this gate allows, from 0 to 100. Once they are used
    /// up, a rework outcome becomes a kill. Unit: count (whole number).
    /// Required when `rework > 0` or `min_usage_rate` is set; write it
    /// together with `rework_months`.
    #[schemars(range(max = 100))]
    pub max_reworks: Option<u32>,
    /// Time from the end of the work to the decision (committees, budget
    /// cycles). No team burn while waiting. Unit: months. Default: 0. May
    /// be a distribution. Cannot be negative.
    pub decision_delay_months: Option<DistSpec>,
    /// The gate cannot pass while the usage rate (active users / users with
    /// access) is below this at the decision; the decision is then a
    /// rework. Unit: share (0-1). Default: none (no usage test). May be a
    /// distribution. Must lie between 0 and 1. Needs users with access:
    /// this stage or an earlier one must have `scope > 0`.
    pub min_usage_rate: Option<DistSpec>,
}

/// The shape of uptake: `"bass"` (Bass diffusion, with `p` and `q`) or
/// `"logistic"` (an S-curve, with `midpoint_months` and `steepness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Curve")]
pub enum RawCurve {
    Bass,
    Logistic,
}

/// `[adoption]`: how the users with access become active users. Every
/// cohort of new users follows the same curve.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Adoption")]
pub struct RawAdoption {
    /// The user base that `scope` refers to (scope 1 = all of them). Unit:
    /// users. Required. May be a distribution. Cannot be negative; need not
    /// be a whole number.
    pub target_users: DistSpec,
    /// The shape of uptake, in lower case: `"bass"` (with `p` and `q`) or
    /// `"logistic"` (with `midpoint_months` and `steepness`). Required.
    pub curve: RawCurve,
    /// The share of users with access who end up active. Unit: share
    /// (0-1). Required. May be a distribution. Must lie between 0 and 1.
    /// The usage rate can never exceed it.
    pub ceiling: DistSpec,
    /// Bass innovation rate: uptake driven by launch, training and
    /// communication. Unit: per month. Required for `curve = "bass"`, not
    /// allowed with `"logistic"`. May be a distribution. Must be greater
    /// than 0 over its whole range.
    pub p: Option<DistSpec>,
    /// Bass imitation rate: uptake driven by colleagues who already use it.
    /// Unit: per month. Required for `curve = "bass"`, not allowed with
    /// `"logistic"`. May be a distribution. Cannot be negative.
    pub q: Option<DistSpec>,
    /// Months after access at which the logistic curve is at its midpoint.
    /// Unit: months. Required for `curve = "logistic"`, not allowed with
    /// `"bass"`. May be a distribution. Any number.
    pub midpoint_months: Option<DistSpec>,
    /// How sharply the logistic curve rises around its midpoint. Unit: per
    /// month. Required for `curve = "logistic"`, not allowed with `"bass"`.
    /// May be a distribution. Must be greater than 0 over its whole range.
    pub steepness: Option<DistSpec>,
}

/// `[costs]`: running costs once users have access, and the overrun factor.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Costs")]
pub struct RawCosts {
    /// Platform, hosting, support: paid from the first user access until a
    /// kill or the horizon, whatever the usage. Unit: currency per month.
    /// Default: 0. May be a distribution. Cannot be negative.
    pub run_fixed_per_month: Option<DistSpec>,
    /// Model calls, seat licences: paid on the active users at each month's
    /// end. Unit: currency per active user per month. Default: 0. May be a
    /// distribution. Cannot be negative.
    pub run_per_active_user_month: Option<DistSpec>,
    /// Training each user who becomes active: paid on each month's increase
    /// in active users. Unit: currency per new active user. Default: 0.
    /// May be a distribution. Cannot be negative.
    pub onboarding_per_new_user: Option<DistSpec>,
    /// Interval between retraining or refresh cycles, counted from the
    /// first user access. Unit: months. Default: none (no retraining). May
    /// be a distribution. Must be greater than 0 over its whole range.
    pub retraining_every_months: Option<DistSpec>,
    /// Cost of each retraining cycle, paid only if
    /// `retraining_every_months` is set. Unit: currency per cycle. Default:
    /// 0. May be a distribution. Cannot be negative.
    pub retraining_cost: Option<DistSpec>,
    /// Multiplies every cost of the iteration (stage burns, one-offs,
    /// running costs, onboarding, retraining); benefits are not affected.
    /// 1.27 means 27% over budget. Unit: factor (x). Default: 1. May be a
    /// distribution. Cannot be negative.
    pub overrun: Option<DistSpec>,
}

/// `[[benefit]]`: one stream of value, driven by active users.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Benefit")]
pub struct RawBenefit {
    /// The benefit's name. Unit: text. Required. Must not be empty and must
    /// differ from every other benefit's name (it names the benefit's
    /// inputs, `benefit.<name>.<key>`). Avoid dots in names.
    pub name: String,
    /// Value each active user creates in a month. Unit: currency per active
    /// user per month. Required. May be a distribution. Any number (a
    /// negative value is a cost that grows with use).
    pub per_active_user_month: DistSpec,
    /// Delay between use and value: the value of a month is that of the
    /// users active `lag_months` earlier. Unit: months. Default: 0. May be
    /// a distribution. Cannot be negative.
    pub lag_months: Option<DistSpec>,
}

/// A distribution as written: a plain number or a one-shape table
/// (MODEL.md section 2), validated while it is read.
#[derive(Debug, Clone)]
pub struct DistSpec(pub Dist);

const SHAPES: &[&str] = &[
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "beta",
    "discrete",
];
const DIST_KEYS: &[&str] = &[
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "beta",
    "discrete",
    "min",
    "max",
    "lambda",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalParams {
    mean: f64,
    sd: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalParams {
    p10: f64,
    p90: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BetaParams {
    a: f64,
    b: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscreteParams {
    values: Vec<f64>,
    weights: Option<Vec<f64>>,
}

fn fixed_len<E: de::Error>(kind: &str, names: &str, v: Vec<f64>, n: usize) -> Result<Vec<f64>, E> {
    if v.len() == n {
        Ok(v)
    } else {
        Err(E::custom(format!(
            "{kind} = [{names}] needs {n} numbers, got {}",
            v.len()
        )))
    }
}

struct DistVisitor;

impl<'de> Visitor<'de> for DistVisitor {
    type Value = DistSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a distribution such as { pert = [min, mode, max] }")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<DistSpec, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
        Dist::new(Shape::Fixed(v), None, None)
            .map(DistSpec)
            .map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DistSpec, A::Error> {
        let mut shape: Option<(String, Shape)> = None;
        let (mut min, mut max, mut lambda) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            let parsed = match key.as_str() {
                "min" => {
                    min = Some(map.next_value::<f64>()?);
                    continue;
                }
                "max" => {
                    max = Some(map.next_value::<f64>()?);
                    continue;
                }
                "lambda" => {
                    lambda = Some(map.next_value::<f64>()?);
                    continue;
                }
                "fixed" => Shape::Fixed(map.next_value()?),
                "uniform" => {
                    let v = fixed_len("uniform", "lo, hi", map.next_value()?, 2)?;
                    Shape::Uniform { lo: v[0], hi: v[1] }
                }
                "triangular" => {
                    let v = fixed_len("triangular", "min, mode, max", map.next_value()?, 3)?;
                    Shape::Triangular {
                        min: v[0],
                        mode: v[1],
                        max: v[2],
                    }
                }
                "pert" => {
                    let v = fixed_len("pert", "min, mode, max", map.next_value()?, 3)?;
                    Shape::Pert {
                        min: v[0],
                        mode: v[1],
                        max: v[2],
                        lambda: 4.0,
                    }
                }
                "normal" => {
                    let p: NormalParams = map.next_value()?;
                    Shape::Normal {
                        mean: p.mean,
                        sd: p.sd,
                    }
                }
                "lognormal" => {
                    let p: LogNormalParams = map.next_value()?;
                    Shape::LogNormal {
                        p10: p.p10,
                        p90: p.p90,
                    }
                }
                "beta" => {
                    let p: BetaParams = map.next_value()?;
                    Shape::Beta { a: p.a, b: p.b }
                }
                "discrete" => {
                    let p: DiscreteParams = map.next_value()?;
                    let weights = p.weights.unwrap_or_else(|| vec![1.0; p.values.len()]);
                    Shape::Discrete {
                        values: p.values,
                        weights,
                    }
                }
                other => return Err(de::Error::unknown_field(other, DIST_KEYS)),
            };
            if let Some((first, _)) = &shape {
                return Err(de::Error::custom(format!(
                    "a distribution has exactly one shape, got both `{first}` and `{key}`"
                )));
            }
            shape = Some((key, parsed));
        }
        let Some((name, mut shape)) = shape else {
            return Err(de::Error::custom(format!(
                "a distribution needs one shape key: one of {}",
                SHAPES.join(", ")
            )));
        };
        if let Some(l) = lambda {
            match &mut shape {
                Shape::Pert { lambda, .. } => *lambda = l,
                _ => {
                    return Err(de::Error::custom(format!(
                        "`lambda` goes with `pert` only, not with `{name}`"
                    )))
                }
            }
        }
        Dist::new(shape, min, max)
            .map(DistSpec)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DistSpec, D::Error> {
        d.deserialize_any(DistVisitor)
    }
}

/// The schema of every form [`DistVisitor`] reads (MODEL.md section 2):
/// a plain number, or a table with exactly one shape key, an optional
/// `min` and `max` (truncation), and `lambda` with `pert` only.
impl JsonSchema for DistSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let num =
            |description: &str| json_schema!({ "type": "number", "description": description });
        let list = |n: usize, description: &str| {
            json_schema!({
                "type": "array",
                "items": { "type": "number" },
                "minItems": n,
                "maxItems": n,
                "description": description,
            })
        };
        let params = |props: Vec<(&str, Schema)>, required: &[&str], description: &str| {
            let properties: serde_json::Map<String, serde_json::Value> = props
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_value()))
                .collect();
            json_schema!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
                "description": description,
            })
        };
        let positive = |description: &str| json_schema!({ "type": "number", "exclusiveMinimum": 0, "description": description });
        let shapes: Vec<(&str, Schema)> = vec![
            ("fixed", num("`{ fixed = x }`: always x, the same as writing the plain number.")),
            (
                "uniform",
                list(2, "`{ uniform = [lo, hi] }`: every value between `lo` and `hi` equally likely; `lo <= hi`."),
            ),
            (
                "triangular",
                list(3, "`{ triangular = [min, mode, max] }`: triangular, most likely at `mode`, falling in straight lines to `min` and `max`; `min <= mode <= max`; mean `(min + mode + max) / 3`."),
            ),
            (
                "pert",
                list(3, "`{ pert = [min, mode, max] }`: Beta-PERT, a smooth hump between `min` and `max`, most likely at `mode`, with thinner tails than the triangular; `min <= mode <= max`; mean `(min + 4 mode + max) / 6` (shape `lambda`, default 4)."),
            ),
            (
                "normal",
                params(
                    vec![
                        ("mean", num("The mean.")),
                        (
                            "sd",
                            json_schema!({ "type": "number", "minimum": 0, "description": "The standard deviation, >= 0 (0 is a fixed value)." }),
                        ),
                    ],
                    &["mean", "sd"],
                    "`{ normal = { mean = m, sd = s } }`: the bell curve with that mean and standard deviation. Unbounded: truncate it with `min` for quantities that cannot be negative.",
                ),
            ),
            (
                "lognormal",
                params(
                    vec![
                        ("p10", positive("The 10th percentile: 10% of draws fall below it; > 0.")),
                        ("p90", positive("The 90th percentile: 10% of draws fall above it; > p10.")),
                    ],
                    &["p10", "p90"],
                    "`{ lognormal = { p10 = a, p90 = b } }`: right-skewed, always above 0, with 10% of draws below `a` and 10% above `b`; `0 < a < b`; median `sqrt(a * b)`.",
                ),
            ),
            (
                "beta",
                params(
                    vec![("a", positive("Shape a, > 0.")), ("b", positive("Shape b, > 0."))],
                    &["a", "b"],
                    "`{ beta = { a = a, b = b } }`: beta on [0, 1], `a > 0`, `b > 0`; mean `a / (a + b)`. Suits shares.",
                ),
            ),
            (
                "discrete",
                params(
                    vec![
                        (
                            "values",
                            json_schema!({ "type": "array", "items": { "type": "number" }, "minItems": 1, "description": "The values it may take." }),
                        ),
                        (
                            "weights",
                            json_schema!({ "type": "array", "items": { "type": "number", "minimum": 0 }, "description": "Relative chances, one per value, 0 or more and not all 0. Default: equal chances." }),
                        ),
                    ],
                    &["values"],
                    "`{ discrete = { values = [...], weights = [...] } }`: one of the listed values, with chances in proportion to the weights.",
                ),
            ),
        ];
        let one_shape: Vec<serde_json::Value> = SHAPES
            .iter()
            .map(|k| serde_json::json!({ "required": [k] }))
            .collect();
        let mut properties: serde_json::Map<String, serde_json::Value> = shapes
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_value()))
            .collect();
        properties.insert(
            "min".into(),
            num("Truncates the distribution below this value (truncated, not clamped: draws below are not allowed and the rest keep their relative chances). Default: none.").to_value(),
        );
        properties.insert(
            "max".into(),
            num("Truncates the distribution above this value (truncated, not clamped). Default: none. `min <= max`.").to_value(),
        );
        properties.insert(
            "lambda".into(),
            positive("With `pert` only: the shape L (> 0, default 4); a larger L is more confident in the mode; mean `(min + L mode + max) / (L + 2)`.").to_value(),
        );
        json_schema!({
            "description": "A plain number (a fixed value) or a distribution: a table with exactly one shape (`fixed`, `uniform`, `triangular`, `pert`, `normal`, `lognormal`, `beta`, `discrete`), which may add `min` and/or `max` to truncate it. Drawn once per iteration.",
            "type": ["number", "object"],
            "properties": properties,
            "additionalProperties": false,
            "dependentRequired": { "lambda": ["pert"] },
            "if": { "type": "object" },
            "then": { "oneOf": one_shape },
        })
    }
}
