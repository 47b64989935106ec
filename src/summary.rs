//! Every figure of MODEL.md section 8, computed once from a run into one
//! serialisable [`Summary`] that the terminal, JSON, Markdown and CSV
//! outputs all read, so they can never disagree.

use serde::Serialize;

use crate::engine::{RunResult, Sampling, BLOCK, INDICATORS};
use crate::model::COST_PARTS;
use crate::scenario::Scenario;
use crate::stats::{batch_se, mean_se, share_se, Percentile};
use rayon::prelude::*;

/// A probability with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Prob {
    pub value: f64,
    pub se: f64,
}

impl Prob {
    pub fn of(k: u64, n: u64) -> Prob {
        let (value, se) = share_se(k, n);
        Prob { value, se }
    }
}

/// A mean with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Mean {
    pub value: f64,
    pub se: f64,
}

/// A percentile with its 95% interval; `value: None` means "beyond the
/// horizon" (payback only).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Pct {
    pub p: f64,
    pub value: Option<f64>,
    pub beyond_horizon: bool,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// `None` where the interval reaches beyond the horizon.
    pub se: Option<f64>,
}

impl From<Percentile> for Pct {
    fn from(q: Percentile) -> Pct {
        let fin = |v: f64| v.is_finite().then_some(v);
        Pct {
            p: q.p,
            value: fin(q.value),
            beyond_horizon: q.value.is_infinite(),
            ci95_low: fin(q.ci95.0),
            ci95_high: fin(q.ci95.1),
            se: fin(q.se),
        }
    }
}

/// Mean and P10/P50/P90 of a money or ratio figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    pub mean: Mean,
    pub p10: Pct,
    pub p50: Pct,
    pub p90: Pct,
}

impl Spread {
    /// From ascending finite values; `None` when there are none.
    pub fn of(sorted: &[f64]) -> Option<Spread> {
        let (value, se) = mean_se(sorted.iter().copied())?;
        Some(Spread {
            mean: Mean { value, se },
            p10: Percentile::of(sorted, 0.1).into(),
            p50: Percentile::of(sorted, 0.5).into(),
            p90: Percentile::of(sorted, 0.9).into(),
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Payback {
    pub p_within_12_months: Prob,
    pub p_within_24_months: Prob,
    /// `None` ("n/a") when the horizon is shorter than 36 months.
    pub p_within_36_months: Option<Prob>,
    pub p_within_horizon: Prob,
    /// Over all iterations; those with no payback count as beyond the horizon.
    pub p10: Pct,
    pub p50: Pct,
    pub p90: Pct,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Npv {
    #[serde(flatten)]
    pub spread: Spread,
    pub p_positive: Prob,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Roi {
    /// Share of iterations where ROI is defined (total costs > 0).
    pub defined_share: f64,
    /// Over the iterations where it is defined; `None` when none are.
    pub stats: Option<Spread>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GateFunnel {
    /// Share of all iterations in which the gate made a decision by the horizon.
    pub p_decision: Prob,
    /// Share of all iterations killed at this gate.
    pub p_killed: Prob,
    /// Share of those that reached its decision that were killed there.
    pub p_killed_given_decision: Option<f64>,
    /// Mean reworks per iteration that reached its decision.
    pub mean_reworks_given_decision: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageFunnel {
    pub stage: String,
    /// Probability of starting the stage at or before the horizon.
    pub p_started: Prob,
    pub gate: Option<GateFunnel>,
}

/// P10/P50/P90 and mean of one indicator in one month.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Band {
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorBands {
    pub key: String,
    pub label: String,
    /// "share (0-1)", "users" or the currency.
    pub unit: String,
    /// `months[m - 1]` is month m.
    pub months: Vec<Band>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonthlyBands {
    /// How the bands were computed (see the README).
    pub method: String,
    /// Leading indicators: usage rate and active users at each month's end.
    pub leading: Vec<IndicatorBands>,
    /// Lagging indicators: costs, benefits, net and cumulative net cash.
    pub lagging: Vec<IndicatorBands>,
    /// Mean monthly cost by category (stage, run_fixed, per_user,
    /// onboarding, retraining), overrun included.
    pub mean_cost_by_category: Vec<(String, Vec<f64>)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Leading {
    /// Share of iterations in which some users got access by the horizon.
    pub p_access: Prob,
    /// Months to first access, among those iterations.
    pub first_access_month: Option<Spread>,
}

/// Whole blocks a Latin hypercube or Sobol run needs before its standard
/// errors come from the spread between blocks (nine degrees of freedom).
pub const MIN_BLOCKS: u64 = 10;

/// Everything a run reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub gatecast_version: String,
    pub scenario: String,
    pub scenario_file: String,
    pub currency: String,
    pub horizon_months: usize,
    pub iterations: u64,
    pub seed: u64,
    /// How the draws were spread: "mc", "lhs" or "sobol".
    pub sampling: Sampling,
    /// How the standard errors of means and probabilities were estimated.
    pub standard_errors: String,
    /// Set when the run stopped on `--precision` (see [`Precision`]).
    pub precision: Option<Precision>,
    /// The annual discount rate as written (a number or a distribution).
    pub discount_rate: String,
    pub leading: Leading,
    pub payback: Payback,
    pub npv: Npv,
    pub roi: Roi,
    pub peak_funding: Spread,
    pub total_cost: Spread,
    pub total_benefit: Spread,
    pub p_killed: Prob,
    pub funnel: Vec<StageFunnel>,
    pub monthly: MonthlyBands,
    /// Every uncertain input, as written and as drawn.
    pub assumptions: Vec<Assumption>,
    /// Payback months in one-month bins over the paid-back iterations.
    pub payback_histogram: Histogram,
    /// NPV in equal bins between its P1 and P99 (currency).
    pub npv_histogram: Histogram,
    /// What on track looks like (MODEL.md 9.1): the leading indicators at
    /// the checkpoint months, against payback; kept by `gatecast run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_track: Option<crate::ontrack::OnTrack>,
    /// What drives the result, when analysed (see `crate::sensitivity`).
    pub sensitivity: Option<crate::sensitivity::Sensitivity>,
    /// The re-forecast from actuals, when the run had them (MODEL.md 9.2);
    /// every figure above is then the prior (the plan as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actuals: Option<crate::reforecast::Reforecast>,
}

/// A run that stops once a figure is known well enough (`--precision`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Precision {
    pub target: crate::stats::sensitivity::Target,
    /// The figure, e.g. "mean NPV" or "P(payback within 36 months)".
    pub figure: String,
    /// The standard error asked for, in the figure's unit.
    pub wanted_se: f64,
    /// The standard error at the stop.
    pub achieved_se: f64,
    /// False when the iteration cap came first.
    pub reached: bool,
    /// The cap (`--iterations`).
    pub max_iterations: u64,
}

/// One uncertain input: its path, distribution as written and percentiles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Assumption {
    pub path: String,
    pub distribution: String,
    pub unit: String,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// Counts in equal bins `[lo + i width, lo + (i + 1) width)`, the last bin
/// closed; values below `lo` or above the last edge are counted apart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub width: f64,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
    /// Iterations left out of the bins altogether (no payback within the
    /// horizon, for the payback histogram).
    pub excluded: u64,
    /// All iterations: shares are counts / total.
    pub total: u64,
}

impl Histogram {
    /// Bins ascending finite `sorted` values on `[lo, lo + bins x width]`.
    pub fn new(sorted: &[f64], lo: f64, width: f64, bins: usize, total: u64) -> Histogram {
        let hi = lo + width * bins as f64;
        let mut counts = vec![0u64; bins];
        let (mut below, mut above) = (0, 0);
        for &v in sorted {
            if v < lo {
                below += 1;
            } else if v > hi {
                above += 1;
            } else {
                let i = (((v - lo) / width) as usize).min(bins - 1);
                counts[i] += 1;
            }
        }
        Histogram {
            lo,
            width,
            counts,
            below,
            above,
            excluded: total - sorted.len() as u64,
            total,
        }
    }
}

/// A "nice" bin width (1, 2 or 5 times a power of ten) near `raw`.
pub fn nice_width(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn npv_histogram(sorted: &[f64], n: u64) -> Histogram {
    let p1 = crate::stats::percentile_inc(sorted, 0.01);
    let p99 = crate::stats::percentile_inc(sorted, 0.99);
    let width = nice_width((p99 - p1) / 40.0);
    let lo = (p1 / width).floor() * width;
    let bins = (((p99 - lo) / width).ceil() as usize).max(1);
    Histogram::new(sorted, lo, width, bins, n)
}

fn sorted(values: &[f64]) -> Vec<f64> {
    crate::stats::sorted_f64(values.iter().copied().filter(|x| !x.is_nan()))
}

/// A figure of a run that came out infinite or not a number, which no
/// output may show: which figure, its value, and in how many iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// The figure, as the outputs name it: "NPV", "total costs", "ROI"...
    pub figure: String,
    /// Its first non-finite value: inf, -inf or NaN.
    pub value: f64,
    /// The 0-based iteration of the first, where the figure is per iteration.
    pub iteration: Option<u64>,
    /// How many iterations gave a non-finite value (0 for a month-by-month sum).
    pub count: u64,
    /// Iterations in the run.
    pub iterations: u64,
}

impl std::fmt::Display for NonFinite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = if self.value.is_nan() {
            "is not a number: an undefined operation (such as inf - inf or 0 x inf) in the model"
        } else {
            "overflowed double precision (beyond 1.8e308): the scenario's amounts are too large to add up"
        };
        write!(
            f,
            "the simulation's {} came out as {}",
            self.figure, self.value
        )?;
        if let Some(i) = self.iteration {
            write!(
                f,
                " in {} of {} iterations (the first is iteration {})",
                self.count,
                self.iterations,
                i + 1
            )?;
        }
        write!(
            f,
            ": it {why}. Nothing was written. Bring the money amounts, user counts or rates back within the limits of docs/SCENARIO.md"
        )
    }
}

/// Checks that every figure of the run is a finite number, before any
/// output is built from it. The encodings of [`crate::engine::Records`]
/// are allowed: payback `+inf` (none within the horizon), ROI `NaN` where
/// total costs are 0 (undefined), first access `NaN` (none). Anything else
/// infinite or NaN, per iteration or in a month-by-month sum, is an error.
pub fn check_finite(r: &RunResult) -> Result<(), NonFinite> {
    let rec = &r.records;
    // the non-finite values each figure may hold on purpose (decided once
    // per figure: the payback and first-access columns hold hundreds of
    // thousands of them)
    #[derive(Clone, Copy)]
    enum Allowed {
        Nothing,
        /// payback: none within the horizon
        PlusInfinity,
        /// ROI: undefined where nothing was spent
        NanWithoutCosts,
        /// first access: never
        Nan,
    }
    let figures: [(&str, &[f64], Allowed); 7] = [
        ("NPV", &rec.npv, Allowed::Nothing),
        ("total costs", &rec.total_cost, Allowed::Nothing),
        ("total benefits", &rec.total_benefit, Allowed::Nothing),
        ("peak funding", &rec.peak_funding, Allowed::Nothing),
        ("payback", &rec.payback, Allowed::PlusInfinity),
        ("ROI", &rec.roi, Allowed::NanWithoutCosts),
        ("time of first access", &rec.first_access, Allowed::Nan),
    ];
    for (figure, values, allowed) in figures {
        let fine = |i: usize, v: f64| {
            v.is_finite()
                || match allowed {
                    Allowed::Nothing => false,
                    Allowed::PlusInfinity => v == f64::INFINITY,
                    Allowed::NanWithoutCosts => {
                        v.is_nan()
                            && rec
                                .total_cost
                                .get(i)
                                .is_some_and(|c| c.abs() < crate::scenario::limits::SMALLEST)
                    }
                    Allowed::Nan => v.is_nan(),
                }
        };
        let mut bad = values.iter().enumerate().filter(|&(i, v)| !fine(i, *v));
        if let Some((i, v)) = bad.next() {
            return Err(NonFinite {
                figure: figure.to_string(),
                value: *v,
                iteration: Some(i as u64),
                count: 1 + bad.count() as u64,
                iterations: r.iterations,
            });
        }
    }
    let m = &r.monthly;
    let labelled = INDICATORS
        .iter()
        .map(|i| i.label.to_lowercase())
        .zip(&m.sums)
        .chain(
            COST_PARTS
                .iter()
                .map(|part| format!("{part} costs"))
                .zip(&m.cost_part_sums),
        );
    for (label, sums) in labelled {
        if let Some(v) = sums.iter().find(|v| !v.is_finite()) {
            return Err(NonFinite {
                figure: format!("month-by-month {label} (summed over iterations)"),
                value: *v,
                iteration: None,
                count: 0,
                iterations: r.iterations,
            });
        }
    }
    Ok(())
}

impl Summary {
    pub fn new(sc: &Scenario, scenario_file: &str, r: &RunResult) -> Summary {
        let n = r.iterations;
        let rec = &r.records;
        // the seven exact sorts are independent: run them side by side
        let columns = [
            &rec.payback,
            &rec.npv,
            &rec.roi,
            &rec.first_access,
            &rec.peak_funding,
            &rec.total_cost,
            &rec.total_benefit,
        ];
        // (with each column's mean and spread, a serial pass over it, but
        // payback's, which has none)
        let mut sorted_columns: Vec<(Vec<f64>, Option<Spread>)> = columns
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let s = sorted(c);
                let spread = if i == 0 { None } else { Spread::of(&s) };
                (s, spread)
            })
            .collect();
        let mut next = || sorted_columns.pop().expect("seven");
        let (_, total_benefit) = next();
        let (_, total_cost) = next();
        let (_, peak_funding) = next();
        let (access, first_access_month) = next();
        let (rois, roi_stats) = next();
        let (npvs, npv_spread) = next();
        let (paybacks, _) = next();
        let within = |months: f64| {
            let k = paybacks.partition_point(|p| *p <= months) as u64;
            Prob::of(k, n)
        };
        let h = sc.horizon_months as f64;
        let payback = Payback {
            p_within_12_months: within(12.0),
            p_within_24_months: within(24.0),
            p_within_36_months: (h >= 36.0).then(|| within(36.0)),
            p_within_horizon: within(h),
            p10: Percentile::of(&paybacks, 0.1).into(),
            p50: Percentile::of(&paybacks, 0.5).into(),
            p90: Percentile::of(&paybacks, 0.9).into(),
        };
        let positive = npvs.len() - npvs.partition_point(|v| *v <= 0.0);
        let npv = Npv {
            spread: npv_spread.expect("at least one iteration"),
            p_positive: Prob::of(positive as u64, n),
        };
        let roi = Roi {
            defined_share: rois.len() as f64 / n as f64,
            stats: roi_stats,
        };
        let leading = Leading {
            p_access: Prob::of(access.len() as u64, n),
            first_access_month,
        };
        let f = &r.funnel;
        let funnel = sc
            .stages
            .iter()
            .enumerate()
            .map(|(i, st)| StageFunnel {
                stage: st.name.clone(),
                p_started: Prob::of(f.started[i], n),
                gate: st.gate.as_ref().map(|_| GateFunnel {
                    p_decision: Prob::of(f.decided[i], n),
                    p_killed: Prob::of(f.killed[i], n),
                    p_killed_given_decision: (f.decided[i] > 0)
                        .then(|| f.killed[i] as f64 / f.decided[i] as f64),
                    mean_reworks_given_decision: (f.decided[i] > 0)
                        .then(|| f.reworks[i] as f64 / f.decided[i] as f64),
                }),
            })
            .collect();
        let killed: u64 = f.killed.iter().sum();
        let mut summary = Summary {
            gatecast_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: sc.name.clone(),
            scenario_file: scenario_file.to_string(),
            currency: sc.currency.clone(),
            horizon_months: sc.horizon_months,
            iterations: n,
            seed: r.seed,
            sampling: r.sampling,
            standard_errors: match (r.sampling, n >= MIN_BLOCKS * BLOCK) {
                (Sampling::Mc, _) => "independent draws: sd / sqrt(n)".to_string(),
                (_, true) => format!(
                    "means and shares from the spread between the {} independent blocks of {} iterations; percentiles and the funnel as for independent draws (conservative)",
                    n.div_ceil(BLOCK),
                    crate::format::thousands(BLOCK as f64)
                ),
                (_, false) => format!(
                    "as for independent draws (conservative): the spread between blocks is used from {} iterations ({MIN_BLOCKS} blocks of {})",
                    crate::format::thousands((MIN_BLOCKS * BLOCK) as f64),
                    crate::format::thousands(BLOCK as f64)
                ),
            },
            precision: None,
            discount_rate: describe_rate(&sc.inputs[sc.discount_rate]),
            leading,
            payback,
            npv,
            roi,
            peak_funding: peak_funding.expect("iterations"),
            total_cost: total_cost.expect("iterations"),
            total_benefit: total_benefit.expect("iterations"),
            p_killed: Prob::of(killed, n),
            funnel,
            monthly: monthly_bands(sc, r),
            assumptions: sc
                .uncertain_inputs()
                .into_iter()
                .map(|i| {
                    let input = &sc.inputs[i];
                    Assumption {
                        path: input.path.clone(),
                        distribution: input.describe(),
                        unit: input.unit.label(&sc.currency),
                        p10: input.quantile(0.1),
                        p50: input.quantile(0.5),
                        p90: input.quantile(0.9),
                    }
                })
                .collect(),
            payback_histogram: {
                let paid: Vec<f64> = paybacks.iter().copied().filter(|p| p.is_finite()).collect();
                Histogram::new(&paid, 0.0, 1.0, sc.horizon_months, n)
            },
            npv_histogram: npv_histogram(&npvs, n),
            on_track: crate::ontrack::OnTrack::new(sc, rec),
            sensitivity: None,
            actuals: None,
        };
        if r.sampling != Sampling::Mc && n >= MIN_BLOCKS * BLOCK {
            summary.use_block_errors(r);
        }
        summary
    }

    /// Under Latin hypercube or Sobol sampling, the draws within a block
    /// are not independent, so `sd / sqrt(n)` misstates the error of a
    /// mean. Blocks are independent designs: the spread between their
    /// means gives the honest standard error, once there are
    /// [`MIN_BLOCKS`] of them (with fewer the estimate itself is too
    /// noisy, and the independent-draws figure stays, which overstates
    /// the error).
    fn use_block_errors(&mut self, r: &RunResult) {
        let block = BLOCK as usize;
        let rec = &r.records;
        let present = |v: f64| (!v.is_nan()).then_some(v);
        let set = |se: &mut f64, values: &[f64], keep: &dyn Fn(f64) -> Option<f64>| {
            if let Some(b) = batch_se(values, block, keep) {
                *se = b;
            }
        };
        let share = |cut: f64| move |p: f64| Some(f64::from(u8::from(p <= cut)));
        let p = &mut self.payback;
        set(&mut p.p_within_12_months.se, &rec.payback, &share(12.0));
        set(&mut p.p_within_24_months.se, &rec.payback, &share(24.0));
        if let Some(p36) = p.p_within_36_months.as_mut() {
            set(&mut p36.se, &rec.payback, &share(36.0));
        }
        let h = self.horizon_months as f64;
        set(&mut p.p_within_horizon.se, &rec.payback, &share(h));
        set(&mut self.npv.spread.mean.se, &rec.npv, &Some);
        let positive = |v: f64| Some(f64::from(u8::from(v > 0.0)));
        set(&mut self.npv.p_positive.se, &rec.npv, &positive);
        if let Some(roi) = self.roi.stats.as_mut() {
            set(&mut roi.mean.se, &rec.roi, &present);
        }
        set(&mut self.peak_funding.mean.se, &rec.peak_funding, &Some);
        set(&mut self.total_cost.mean.se, &rec.total_cost, &Some);
        set(&mut self.total_benefit.mean.se, &rec.total_benefit, &Some);
        let access = |v: f64| Some(f64::from(u8::from(!v.is_nan())));
        set(&mut self.leading.p_access.se, &rec.first_access, &access);
        if let Some(first) = self.leading.first_access_month.as_mut() {
            set(&mut first.mean.se, &rec.first_access, &present);
        }
    }
}

/// A fixed rate as a percentage ("10%"), a distribution as written.
fn describe_rate(d: &crate::scenario::Input) -> String {
    if d.is_fixed() {
        let r = d.quantile(0.5) * 100.0;
        let s = format!("{r:.2}");
        format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
    } else {
        d.describe()
    }
}

/// A band value read from a sketch is good to 0.78%: keep 6 significant
/// figures so the files do not suggest more precision than there is.
pub(crate) fn six_figures(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 5 - v.abs().log10().floor() as i32;
    if digits >= 0 {
        let scale = 10f64.powi(digits);
        (v * scale).round() / scale
    } else {
        let unit = 10f64.powi(-digits);
        (v / unit).round() * unit
    }
}

#[cfg(test)]
#[test]
fn six_figures_rounds_without_float_noise() {
    assert_eq!(six_figures(62_361.600_000_000_09), 62_361.6);
    assert_eq!(six_figures(-1_234_567.8), -1_234_570.0);
    assert_eq!(six_figures(0.123_456_78), 0.123_457);
    assert_eq!(six_figures(0.0), 0.0);
}

fn monthly_bands(sc: &Scenario, r: &RunResult) -> MonthlyBands {
    let m = &r.monthly;
    let n = r.iterations as f64;
    let mut leading = Vec::new();
    let mut lagging = Vec::new();
    for (k, ind) in INDICATORS.iter().enumerate() {
        let months = (1..=m.months)
            .map(|month| {
                let s = m.sketch(k, month);
                Band {
                    p10: six_figures(s.quantile(0.1)),
                    p25: six_figures(s.quantile(0.25)),
                    p50: six_figures(s.quantile(0.5)),
                    p75: six_figures(s.quantile(0.75)),
                    p90: six_figures(s.quantile(0.9)),
                    mean: m.sums[k][month - 1] / n,
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
            "means exact; P10/P50/P90 from log-linear histograms, within {:.2}% of the exact percentile",
            crate::stats::sketch::RELATIVE_ERROR * 100.0
        ),
        leading,
        lagging,
        mean_cost_by_category: COST_PARTS
            .iter()
            .zip(&m.cost_part_sums)
            .map(|(name, sums)| (name.to_string(), sums.iter().map(|s| s / n).collect()))
            .collect(),
    }
}

#[cfg(test)]
mod finite_tests {
    use super::*;
    use crate::engine::{self, RunOptions, Sampling};

    fn example_run() -> RunResult {
        let sc = Scenario::from_toml(crate::scenario::EXAMPLE_TOML, "example.toml").unwrap();
        let opts = RunOptions {
            iterations: 40,
            seed: 3,
            threads: Some(1),
            sampling: Sampling::Mc,
        };
        engine::run(&sc, &opts, None, &|_| {}).unwrap()
    }

    /// The records' own encodings pass: no payback (+inf), undefined ROI
    /// (NaN with total costs 0), no access (NaN).
    #[test]
    fn a_run_with_every_figure_finite_passes() {
        let mut r = example_run();
        assert_eq!(check_finite(&r), Ok(()));
        r.records.payback[0] = f64::INFINITY;
        r.records.first_access[1] = f64::NAN;
        r.records.total_cost[2] = 0.0;
        r.records.roi[2] = f64::NAN;
        assert_eq!(check_finite(&r), Ok(()));
    }

    /// Any other infinity or NaN is an error that names the figure, its
    /// value, how many iterations and the first, and why.
    #[test]
    fn a_non_finite_figure_is_named_with_its_iteration_and_why() {
        let mut r = example_run();
        r.records.npv[7] = f64::INFINITY;
        r.records.npv[9] = f64::NEG_INFINITY;
        let e = check_finite(&r).unwrap_err();
        assert_eq!(
            (e.figure.as_str(), e.iteration, e.count),
            ("NPV", Some(7), 2)
        );
        let text = e.to_string();
        assert!(
            text.starts_with("the simulation's NPV came out as inf in 2 of 40 iterations (the first is iteration 8): it overflowed double precision"),
            "{text}"
        );
        let mut r = example_run();
        r.records.roi[4] = f64::NAN; // total costs are not 0 here
        let e = check_finite(&r).unwrap_err();
        assert_eq!(e.figure, "ROI");
        assert!(e.to_string().contains("is not a number"), "{e}");
        let mut r = example_run();
        r.records.payback[0] = f64::NEG_INFINITY;
        assert_eq!(check_finite(&r).unwrap_err().figure, "payback");
        let mut r = example_run();
        r.monthly.sums[2][5] = f64::NAN;
        let e = check_finite(&r).unwrap_err();
        assert_eq!(e.figure, "month-by-month costs (summed over iterations)");
        assert_eq!(e.iteration, None);
    }
}
