//! The scenario file exactly as written (MODEL.md section 1), as serde reads
//! it. Every table denies unknown keys: a typo in a business case must
//! never pass silently. Meaning is checked later, in `validate`.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::dist::{Dist, Shape};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub scenario: RawMeta,
    #[serde(default)]
    pub stage: Vec<RawStage>,
    pub adoption: RawAdoption,
    #[serde(default)]
    pub costs: RawCosts,
    #[serde(default)]
    pub benefit: Vec<RawBenefit>,
    #[serde(default)]
    pub correlation: Vec<RawCorrelation>,
    #[serde(default)]
    pub stress: Vec<RawStress>,
    /// `[actuals]`: what is known so far (see `super::actuals`).
    pub actuals: Option<super::actuals::RawActuals>,
}

/// `[[stress]]`: a named what-if run beside the base case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStress {
    pub name: String,
    #[serde(default)]
    pub set: std::collections::BTreeMap<String, DistSpec>,
    #[serde(default)]
    pub scale: std::collections::BTreeMap<String, f64>,
}

/// A distribution on its own, as `--set PATH=VALUE` gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoneValue {
    pub value: DistSpec,
}

/// `[[correlation]]`: a rank correlation between two inputs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub between: Vec<String>,
    pub rank: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    pub currency: Option<String>,
    pub horizon_months: Option<i64>,
    pub discount_rate: Option<DistSpec>,
    pub iterations: Option<i64>,
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub name: String,
    pub duration_months: DistSpec,
    pub cost_per_month: Option<DistSpec>,
    pub one_off_cost: Option<DistSpec>,
    pub scope: Option<DistSpec>,
    pub gate: Option<RawGate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub pass: Option<f64>,
    pub rework: Option<f64>,
    pub rework_months: Option<DistSpec>,
    pub max_reworks: Option<u32>,
    pub decision_delay_months: Option<DistSpec>,
    pub min_usage_rate: Option<DistSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawCurve {
    Bass,
    Logistic,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdoption {
    pub target_users: DistSpec,
    pub curve: RawCurve,
    pub ceiling: DistSpec,
    pub p: Option<DistSpec>,
    pub q: Option<DistSpec>,
    pub midpoint_months: Option<DistSpec>,
    pub steepness: Option<DistSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub run_fixed_per_month: Option<DistSpec>,
    pub run_per_active_user_month: Option<DistSpec>,
    pub onboarding_per_new_user: Option<DistSpec>,
    pub retraining_every_months: Option<DistSpec>,
    pub retraining_cost: Option<DistSpec>,
    pub overrun: Option<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBenefit {
    pub name: String,
    pub per_active_user_month: DistSpec,
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
