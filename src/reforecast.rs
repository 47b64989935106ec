//! The forecast conditioned on actuals, as figures (MODEL.md 9.2): every
//! figure of section 8 computed with the weights, beside the prior's, with
//! the effective sample size, the Pareto k and where each observation fell
//! in the plan. No I/O: the outputs read [`Reforecast`] from the summary.

use serde::Serialize;

use crate::actuals::{self, Conditioned};
use crate::engine::{Sampling, INDICATORS};
use crate::format::{months, pct, sig, thousands};
use crate::model::COST_PARTS;
use crate::scenario::{Actuals, Metric, Scenario};
use crate::sensitivity::Sensitivity;
use crate::stats::psis;
use crate::stats::sensitivity::Target;
use crate::stats::weighted::{self, WeightedSorted};
use crate::stats::{percentile_inc, sort_f64};
use crate::summary::{
    nice_width, six_figures, Assumption, Band, GateFunnel, Histogram, IndicatorBands, Leading,
    Mean, MonthlyBands, Npv, Payback, Pct, Prob, Roi, Spread, StageFunnel, Summary,
};

/// The section 8 figures of one forecast, as `summary.json` gives them in
/// `actuals.prior` and `actuals.conditioned`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub payback: Payback,
    pub npv: Npv,
    pub roi: Roi,
    pub peak_funding: Spread,
    pub total_cost: Spread,
    pub total_benefit: Spread,
    pub p_killed: Prob,
    pub funnel: Vec<StageFunnel>,
    pub leading: Leading,
    pub monthly: MonthlyBands,
}

impl Figures {
    /// The figures of a summary.
    pub fn of(s: &Summary) -> Figures {
        Figures {
            payback: s.payback.clone(),
            npv: s.npv.clone(),
            roi: s.roi.clone(),
            peak_funding: s.peak_funding.clone(),
            total_cost: s.total_cost.clone(),
            total_benefit: s.total_benefit.clone(),
            p_killed: s.p_killed,
            funnel: s.funnel.clone(),
            leading: s.leading.clone(),
            monthly: s.monthly.clone(),
        }
    }
}

/// A stage as the actuals state it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageStated {
    pub stage: String,
    pub started: f64,
    pub reworks: u32,
    pub killed: Option<f64>,
}

/// One observation: what was measured, and where it falls in the plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ObservationReport {
    pub metric: Metric,
    pub month: usize,
    pub value: f64,
    pub sd: f64,
    /// Its column in iterations.csv.
    pub column: String,
    /// `P_prior(x + e <= value)`: where the value falls in the plan's
    /// distribution of the metric plus its measurement error.
    pub prior_percentile: f64,
    /// Below 5% or above 95%.
    pub surprise: bool,
    /// "well behind plan", "in line with the plan"...
    pub reading: String,
    /// The observation in a sentence.
    pub sentence: String,
    /// The plan's P10/P50/P90 of the metric (without measurement error).
    pub prior_p10: f64,
    pub prior_p50: f64,
    pub prior_p90: f64,
    /// The conditioned mean of the metric.
    pub conditioned_mean: Mean,
}

/// The re-forecast: the actuals, how well the weighted futures stand for
/// them, and the figures before and after.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reforecast {
    /// The file the actuals came from.
    pub file: String,
    /// `T_a`, in months.
    pub as_of_month: f64,
    pub date_sd: f64,
    /// How the conditioned figures were computed.
    pub method: String,
    /// The stages as stated.
    pub stages: Vec<StageStated>,
    /// The discrete facts, in words.
    pub facts: Vec<String>,
    pub observations: Vec<ObservationReport>,
    /// Iterations simulated (all of them count in the prior figures).
    pub iterations: u64,
    /// Iterations that agree with every discrete fact.
    pub agreeing_iterations: u64,
    /// The effective sample size aimed for (`--min-ess`).
    pub min_ess: f64,
    /// The iterations the run could go to.
    pub max_iterations: u64,
    /// Whether the effective sample size reached `min_ess`.
    pub reached: bool,
    /// `(sum w)^2 / sum w^2` of the weights.
    pub effective_sample_size: f64,
    /// The Pareto k of the largest weights (PSIS); `None` when too few.
    pub pareto_k: Option<f64>,
    /// Its reading: below 0.7 reliable.
    pub pareto_k_reading: String,
    /// Plain warnings when the weights are poor.
    pub warnings: Vec<String>,
    /// T: the payback target of the headline, 36 months or the horizon.
    pub payback_target_months: usize,
    /// The re-forecast in one sentence.
    pub headline: String,
    /// Before: the plan, every iteration counting the same.
    pub prior: Figures,
    /// After: the plan reweighted by what has been seen.
    pub conditioned: Figures,
    /// Each uncertain input's P10/P50/P90 under the weights: what the
    /// actuals say about the assumptions.
    pub conditioned_assumptions: Vec<Assumption>,
    /// What drives the conditioned forecast (weighted decile tornado and
    /// rank correlations), when analysed.
    pub conditioned_drivers: Option<Sensitivity>,
    /// The whole conditioned forecast as a summary, for the charts and
    /// reports (its histograms hold weight in billionths of the total).
    #[serde(skip)]
    pub after: Box<Summary>,
}

/// Histogram "counts" of the conditioned forecast: weight in billionths.
const WEIGHT_UNITS: f64 = 1e9;

fn prob(events: impl Iterator<Item = bool>, w: &[f64]) -> Prob {
    let (value, se) = weighted::share_se(events, w);
    Prob { value, se }
}

fn weighted_pct(s: &WeightedSorted, p: f64) -> Pct {
    Pct::from(s.percentile_with_interval(p))
}

fn spread(values: &[f64], w: &[f64]) -> Option<Spread> {
    let (value, se) = weighted::mean_se(values, w)?;
    let s = WeightedSorted::new(values, w)?;
    Some(Spread {
        mean: Mean { value, se },
        p10: weighted_pct(&s, 0.1),
        p50: weighted_pct(&s, 0.5),
        p90: weighted_pct(&s, 0.9),
    })
}

/// Weighted counts in equal bins, in billionths of the total weight.
fn weighted_histogram(values: &[f64], w: &[f64], lo: f64, width: f64, bins: usize) -> Histogram {
    let total: f64 = w.iter().sum();
    let hi = lo + width * bins as f64;
    let mut counts = vec![0.0; bins];
    let (mut below, mut above, mut excluded) = (0.0, 0.0, 0.0);
    for (&v, &wi) in values.iter().zip(w) {
        if wi == 0.0 {
            continue;
        }
        if !v.is_finite() {
            excluded += wi;
        } else if v < lo {
            below += wi;
        } else if v > hi {
            above += wi;
        } else {
            let i = (((v - lo) / width) as usize).min(bins - 1);
            counts[i] += wi;
        }
    }
    let units = |x: f64| (x / total * WEIGHT_UNITS).round() as u64;
    Histogram {
        lo,
        width,
        counts: counts.into_iter().map(units).collect(),
        below: units(below),
        above: units(above),
        excluded: units(excluded),
        total: WEIGHT_UNITS as u64,
    }
}

/// The conditioned forecast as a whole [`Summary`] (every figure weighted).
pub fn conditioned_summary(sc: &Scenario, prior: &Summary, c: &Conditioned) -> Summary {
    let w = &c.weights;
    let rec = &c.run.records;
    let h = sc.horizon_months as f64;
    let paybacks = WeightedSorted::new(&rec.payback, w).expect("weighted futures");
    let within = |m: f64| Prob {
        value: paybacks.share_at_most(m),
        se: weighted::share_se(rec.payback.iter().map(|p| *p <= m), w).1,
    };
    let payback = Payback {
        p_within_12_months: within(12.0),
        p_within_24_months: within(24.0),
        p_within_36_months: (h >= 36.0).then(|| within(36.0)),
        p_within_horizon: within(h),
        p10: weighted_pct(&paybacks, 0.1),
        p50: weighted_pct(&paybacks, 0.5),
        p90: weighted_pct(&paybacks, 0.9),
    };
    let npv = Npv {
        spread: spread(&rec.npv, w).expect("weighted futures"),
        p_positive: prob(rec.npv.iter().map(|v| *v > 0.0), w),
    };
    let roi = Roi {
        defined_share: weighted::share_se(rec.roi.iter().map(|r| !r.is_nan()), w).0,
        stats: spread(&rec.roi, w),
    };
    let leading = Leading {
        p_access: prob(rec.first_access.iter().map(|a| !a.is_nan()), w),
        first_access_month: spread(&rec.first_access, w),
    };
    let stages = sc.stages.len();
    let funnel = sc
        .stages
        .iter()
        .enumerate()
        .map(|(j, st)| {
            let decided: Vec<bool> = (0..w.len()).map(|i| c.decided[i * stages + j]).collect();
            let killed = |i: usize| c.killed_at[i] as usize == j;
            let w_decided: f64 = w
                .iter()
                .zip(&decided)
                .filter(|(_, d)| **d)
                .map(|(w, _)| w)
                .sum();
            let w_killed: f64 = (0..w.len()).filter(|&i| killed(i)).map(|i| w[i]).sum();
            let w_reworks: f64 = (0..w.len())
                .map(|i| w[i] * f64::from(c.reworks[i * stages + j]))
                .sum();
            StageFunnel {
                stage: st.name.clone(),
                p_started: prob(c.furthest.iter().map(|f| *f as usize >= j), w),
                gate: st.gate.as_ref().map(|_| GateFunnel {
                    p_decision: prob(decided.iter().copied(), w),
                    p_killed: prob((0..w.len()).map(killed), w),
                    p_killed_given_decision: (w_decided > 0.0).then(|| w_killed / w_decided),
                    mean_reworks_given_decision: (w_decided > 0.0).then(|| w_reworks / w_decided),
                }),
            }
        })
        .collect();
    let p_killed = prob(c.killed_at.iter().map(|k| *k != u16::MAX), w);
    let npv_sorted = WeightedSorted::new(&rec.npv, w).expect("weighted futures");
    let npv_histogram = {
        let (p1, p99) = (npv_sorted.percentile(0.01), npv_sorted.percentile(0.99));
        let width = nice_width((p99 - p1) / 40.0);
        let lo = (p1 / width).floor() * width;
        let bins = (((p99 - lo) / width).ceil() as usize).max(1);
        weighted_histogram(&rec.npv, w, lo, width, bins)
    };
    Summary {
        standard_errors: "weighted (MODEL.md 9.2): sqrt(sum w_i^2 (x_i - mean)^2) with the weights normalised to add up to 1; percentile intervals from the weighted order statistics, with the effective sample size standing for n".into(),
        precision: None,
        iterations: c.run.iterations,
        leading,
        payback,
        npv,
        roi,
        peak_funding: spread(&rec.peak_funding, w).expect("weighted futures"),
        total_cost: spread(&rec.total_cost, w).expect("weighted futures"),
        total_benefit: spread(&rec.total_benefit, w).expect("weighted futures"),
        p_killed,
        funnel,
        monthly: monthly_bands(sc, c),
        assumptions: conditioned_assumptions(sc, c),
        payback_histogram: weighted_histogram(&rec.payback, w, 0.0, 1.0, sc.horizon_months),
        npv_histogram,
        // what on track looks like is the plan's (MODEL.md 9.1): the prior's alone
        on_track: None,
        sensitivity: None,
        actuals: None,
        ..prior.clone()
    }
}

/// The conditioned month-by-month bands, from the weighted sketches.
fn monthly_bands(sc: &Scenario, c: &Conditioned) -> MonthlyBands {
    let m = &c.monthly;
    let mut leading = Vec::new();
    let mut lagging = Vec::new();
    for (k, ind) in INDICATORS.iter().enumerate() {
        let months = (1..=m.months)
            .map(|month| {
                let q = |p: f64| {
                    m.sketch(k, month)
                        .map_or(f64::NAN, |s| six_figures(s.quantile(p)))
                };
                Band {
                    p10: q(0.1),
                    p25: q(0.25),
                    p50: q(0.5),
                    p75: q(0.75),
                    p90: q(0.9),
                    mean: m.mean(k, month),
                }
            })
            .collect();
        let unit = match (ind.money, ind.key) {
            (true, _) => sc.currency.clone(),
            (false, "usage_rate") => "share (0-1)".to_string(),
            _ => "users".to_string(),
        };
        let bands = IndicatorBands {
            key: ind.key.into(),
            label: ind.label.into(),
            unit,
            months,
        };
        if ind.leading {
            leading.push(bands);
        } else {
            lagging.push(bands);
        }
    }
    MonthlyBands {
        method: format!(
            "conditioned on the actuals: weighted means exact; P10/P50/P90 from weighted log-linear histograms, read at the bucket where the weight below passes the percentile (within {:.2}% of the value, plus one future's share of the weight)",
            crate::stats::sketch::RELATIVE_ERROR * 100.0
        ),
        leading,
        lagging,
        mean_cost_by_category: COST_PARTS
            .iter()
            .enumerate()
            .map(|(ci, name)| {
                (
                    name.to_string(),
                    (1..=m.months).map(|month| m.cost_mean(ci, month)).collect(),
                )
            })
            .collect(),
    }
}

/// Each uncertain input's column over the futures that agree with the
/// facts, with their weights.
fn kept_columns(sc: &Scenario, c: &Conditioned) -> (Vec<Vec<f64>>, Vec<f64>) {
    let nu = sc.uncertain_inputs().len();
    let rows = c.kept.len();
    let columns = (0..nu)
        .map(|u| (0..rows).map(|r| c.kept_inputs[r * nu + u]).collect())
        .collect();
    let weights = c.kept.iter().map(|&i| c.weights[i as usize]).collect();
    (columns, weights)
}

/// Each uncertain input's weighted P10/P50/P90.
fn conditioned_assumptions(sc: &Scenario, c: &Conditioned) -> Vec<Assumption> {
    let (columns, weights) = kept_columns(sc, c);
    sc.uncertain_inputs()
        .into_iter()
        .zip(&columns)
        .map(|(id, column)| {
            let input = &sc.inputs[id];
            let s = WeightedSorted::new(column, &weights);
            let q = |p: f64| s.as_ref().map_or(f64::NAN, |s| s.percentile(p));
            Assumption {
                path: input.path.clone(),
                distribution: input.describe(),
                unit: input.unit.label(&sc.currency),
                p10: q(0.1),
                p50: q(0.5),
                p90: q(0.9),
            }
        })
        .collect()
}

/// What drives the conditioned forecast: the decile tornado and rank
/// correlations with the weights (over the futures that agree with the
/// facts; the others weigh nothing).
pub fn conditioned_drivers(sc: &Scenario, c: &Conditioned, target: Target) -> Sensitivity {
    let (columns, weights) = kept_columns(sc, c);
    let rec = &c.run.records;
    let all = match target {
        Target::Npv => &rec.npv,
        Target::Payback => &rec.payback,
        Target::Roi => &rec.roi,
        Target::PeakFunding => &rec.peak_funding,
    };
    let values: Vec<f64> = c.kept.iter().map(|&i| all[i as usize]).collect();
    let paths: Vec<String> = sc
        .uncertain_inputs()
        .iter()
        .map(|&i| sc.inputs[i].path.clone())
        .collect();
    let deciles = weighted::decile_tornado(&paths, &columns, &values, &weights, target);
    let p50 = WeightedSorted::new(&values, &weights)
        .map(|s| s.percentile(0.5))
        .filter(|v| v.is_finite());
    Sensitivity {
        target,
        statistic: format!("{} (weighted by the actuals)", target.statistic_label()),
        iterations: c.agreeing,
        base: weighted::statistic(target, &values, &weights),
        base_p50: p50,
        deciles,
        pinned: Vec::new(),
        spider: Vec::new(),
    }
}

/// Builds the re-forecast from a conditioned run and the prior's summary.
pub fn reforecast(sc: &Scenario, act: &Actuals, prior: &Summary, c: &Conditioned) -> Reforecast {
    let mut after = conditioned_summary(sc, prior, c);
    after.sensitivity = None;
    let observations = act
        .observations
        .iter()
        .enumerate()
        .map(|(k, obs)| {
            let planned = &c.plan_observed[k];
            let p = actuals::prior_percentile(obs, planned);
            let s = actuals::surprise(obs, p);
            let mut sorted = planned.clone();
            sort_f64(&mut sorted);
            let (mean, se) =
                weighted::mean_se(&c.observed[k], &c.weights).unwrap_or((f64::NAN, 0.0));
            ObservationReport {
                metric: obs.metric,
                month: obs.month,
                value: obs.value,
                sd: obs.sd,
                column: obs.column(),
                prior_percentile: p,
                surprise: s.surprise,
                sentence: actuals::observation_sentence(obs, &s, &sc.currency),
                reading: s.reading,
                prior_p10: percentile_inc(&sorted, 0.1),
                prior_p50: percentile_inc(&sorted, 0.5),
                prior_p90: percentile_inc(&sorted, 0.9),
                conditioned_mean: Mean { value: mean, se },
            }
        })
        .collect();
    let t = sc.horizon_months.min(36);
    let mut warnings = Vec::new();
    if !c.reached {
        warnings.push(format!(
            "The effective sample size is only {} after {} iterations (at least {} was asked): the actuals are far from what the plan expected, so few simulated futures resemble them and the conditioned figures are rough. Check the surprises above; if the facts are right, the plan's ranges are too narrow or too optimistic.",
            thousands(c.ess.floor()),
            thousands(c.run.iterations as f64),
            thousands(c.settings.min_ess)
        ));
    }
    if let Some(k) = c.pareto_k.filter(|k| *k >= psis::RELIABLE) {
        warnings.push(format!(
            "Pareto k is {k:.2} (below 0.7 is reliable): a few simulated futures carry most of the weight, so the conditioned figures can be far off. Raise --min-ess, or check the facts and the plan."
        ));
    }
    let prior_within = |s: &Summary| {
        if t == 36 {
            s.payback.p_within_36_months.map_or(0.0, |p| p.value)
        } else {
            s.payback.p_within_horizon.value
        }
    };
    let headline = format!(
        "With what we have seen by month {}, a {} chance of payback within {t} months ({} in the plan); median payback {} ({} in the plan).",
        sig(act.as_of_month),
        pct(prior_within(&after)),
        pct(prior_within(prior)),
        months(after.payback.p50.value),
        months(prior.payback.p50.value),
    );
    Reforecast {
        file: act.file.clone(),
        as_of_month: act.as_of_month,
        date_sd: act.date_sd,
        method: format!(
            "likelihood weighting with the gate decisions pinned to the facts: every iteration is a future drawn from the plan as written ({}), except that the gate decisions the stated facts fix (the reworks, and the pass or kill after them) are drawn from that outcome alone and the future weighted by its probability in the plan; each future is weighted by how well it agrees with the actuals (0 when it contradicts a stated fact; normal densities in the dates and observations); simulated until the effective sample size reaches {} or {} iterations. The plan's figures come from its own run of {} iterations (plan-iterations.csv), the re-forecast's from these weighted futures (iterations.csv)",
            match prior.sampling {
                Sampling::Mc => "plain Monte Carlo",
                other => other.label(),
            },
            thousands(c.settings.min_ess),
            thousands(c.settings.cap as f64),
            thousands(c.plan.iterations as f64)
        ),
        stages: act
            .stages
            .iter()
            .map(|f| StageStated {
                stage: f.name.clone(),
                started: f.started,
                reworks: f.reworks,
                killed: f.killed,
            })
            .collect(),
        facts: c
            .facts
            .iter()
            .map(|f| f.describe(sc, act.as_of_month))
            .collect(),
        observations,
        iterations: c.run.iterations,
        agreeing_iterations: c.agreeing,
        min_ess: c.settings.min_ess,
        max_iterations: c.settings.cap,
        reached: c.reached,
        effective_sample_size: c.ess,
        pareto_k: c.pareto_k,
        pareto_k_reading: psis::reading(c.pareto_k).to_string(),
        warnings,
        payback_target_months: t,
        headline,
        prior: Figures::of(prior),
        conditioned: Figures::of(&after),
        conditioned_assumptions: after.assumptions.clone(),
        conditioned_drivers: None,
        after: Box::new(after),
    }
}
