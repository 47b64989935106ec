//! Every figure a portfolio run reports (MODEL.md section 10), computed
//! once into one serialisable [`PortfolioSummary`] that the terminal,
//! JSON, Markdown and CSV outputs all read.

use serde::Serialize;

use super::select::{self, Point};
use super::{full_mask, payback_target, PortfolioRun};
use crate::engine::Sampling;
use crate::scenario::portfolio::Portfolio;
use crate::stats::{mean_se, percentile_inc, sorted_f64, Percentile};
use crate::summary::{Band, Mean, Npv, Payback, Prob, Roi, Spread, Summary};

/// The programme's own figures (section 8, on the summed net cash).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Programme {
    pub payback: Payback,
    /// P(payback within T), T = 36 months or the horizon when shorter.
    pub p_payback_within_target: Prob,
    pub npv: Npv,
    pub roi: Roi,
    pub peak_funding: Spread,
    pub total_cost: Spread,
    pub total_benefit: Spread,
}

/// The number of initiatives that started a stage, over the iterations.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    /// The stage's name, or "last stage" for each initiative's last stage.
    pub stage: String,
    /// `exactly[k]`: P(exactly k initiatives).
    pub exactly: Vec<Prob>,
    /// `at_least[k]`: P(at least k initiatives).
    pub at_least: Vec<Prob>,
    pub mean: Mean,
    /// The median count.
    pub p50: f64,
}

impl Count {
    fn new(stage: &str, counts: &[u64], n: u64) -> Count {
        let mut at_least = Vec::with_capacity(counts.len());
        let mut above = 0;
        for &c in counts.iter().rev() {
            above += c;
            at_least.push(Prob::of(above, n));
        }
        at_least.reverse();
        let values = counts
            .iter()
            .enumerate()
            .flat_map(|(k, &c)| std::iter::repeat_n(k as f64, c as usize));
        let (value, se) = mean_se(values).unwrap_or((0.0, 0.0));
        // the median: the count where the cumulative share first reaches 1/2
        // (linear interpolation between order statistics)
        let sorted: Vec<f64> = counts
            .iter()
            .enumerate()
            .flat_map(|(k, &c)| std::iter::repeat_n(k as f64, c as usize))
            .collect();
        Count {
            stage: stage.to_string(),
            exactly: counts.iter().map(|&c| Prob::of(c, n)).collect(),
            at_least,
            mean: Mean { value, se },
            p50: percentile_inc(&sorted, 0.5),
        }
    }
}

/// Value concentration: the largest positive initiative NPV over the sum
/// of the positive ones, in the iterations where some NPV is positive.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Concentration {
    /// Share of iterations in which it is defined.
    pub defined_share: f64,
    pub mean: Option<Mean>,
    pub p50: Option<f64>,
}

/// A subset of the initiatives, on the run's draws.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubsetFigures {
    pub initiatives: Vec<String>,
    /// Mean NPV (sum over iterations in iteration order, divided by n).
    pub mean_npv: Mean,
    /// P(payback within T).
    pub p_payback_within_target: Prob,
    /// P90 of peak funding.
    pub peak_funding_p90: f64,
}

/// One initiative's marginal contribution: the programme with and without
/// it, on the same draws.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contribution {
    pub without: SubsetFigures,
    /// Mean NPV with it minus without it.
    pub mean_npv: f64,
    /// P(payback within T) with it minus without it.
    pub p_payback_within_target: f64,
    /// P90 peak funding with it minus without it.
    pub peak_funding_p90: f64,
}

/// One initiative in the programme.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InitiativeFigures {
    pub name: String,
    pub scenario_file: String,
    /// The start month as written.
    pub start_month: String,
    /// The start month in short: `9`, or `6-12` for a distribution's range.
    pub start: String,
    /// The seed its draws came from: `gatecast run FILE --seed SEED` sees
    /// the same futures of it (at start 0, with readiness 0, on the
    /// portfolio's horizon and discount rate).
    pub seed: u64,
    /// Its last stage's name.
    pub last_stage: String,
    pub p_reaches_last_stage: Prob,
    pub contribution: Contribution,
    /// Its own figures on the portfolio clock (section 8).
    pub summary: Summary,
}

/// One point of the efficient frontier.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FrontierPoint {
    #[serde(flatten)]
    pub figures: SubsetFigures,
    pub within_budget: bool,
    pub chosen: bool,
}

/// Selection under the budget.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Selection {
    pub budget: f64,
    /// Subsets compared (every non-empty one).
    pub subsets: u64,
    /// Whether the P90s are exact (false: within 0.78%, see README).
    pub exact_percentiles: bool,
    /// `None` when no subset's P90 peak funding is within the budget.
    pub chosen: Option<SubsetFigures>,
    /// The chosen subset re-estimated on fresh draws (seed + 1): the
    /// figures it was chosen on are biased upward (the optimizer's curse).
    pub fresh: Option<SubsetFigures>,
    pub fresh_seed: u64,
    pub frontier: Vec<FrontierPoint>,
    /// Every non-empty subset as `[P90 peak funding, mean NPV]`, for the
    /// frontier chart.
    pub points: Vec<[f64; 2]>,
}

/// Month by month: the programme's bands and each initiative's means.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonthRow {
    pub month: usize,
    pub cumulative_net_cash: Band,
    pub net_cash: Band,
    pub costs: Band,
    pub benefits: Band,
    pub active_users: Band,
    /// Each initiative's mean net cash in the month, in file order.
    pub initiative_mean_net_cash: Vec<f64>,
    /// Each initiative's mean cumulative net cash at the month's end.
    pub initiative_mean_cumulative: Vec<f64>,
}

/// Everything a portfolio run reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PortfolioSummary {
    pub gatecast_version: String,
    pub portfolio: String,
    pub portfolio_file: String,
    pub currency: String,
    pub horizon_months: usize,
    pub iterations: u64,
    pub seed: u64,
    pub sampling: Sampling,
    pub discount_rate: f64,
    pub readiness: f64,
    /// T: 36 months, or the horizon when shorter.
    pub payback_target_months: f64,
    pub programme: Programme,
    /// Every initiative as one subset: the figures contributions and
    /// selection compare (mean NPV summed in iteration order).
    pub all_initiatives: SubsetFigures,
    /// How many initiatives start their last stage.
    pub reaching_last_stage: Count,
    /// How many initiatives start each stage, by stage name.
    pub stages: Vec<Count>,
    pub value_concentration: Concentration,
    pub initiatives: Vec<InitiativeFigures>,
    pub selection: Option<Selection>,
    pub monthly: Vec<MonthRow>,
}

fn sorted(values: &[f64]) -> Vec<f64> {
    sorted_f64(values.iter().copied().filter(|x| !x.is_nan()))
}

fn band(r: &crate::engine::Monthly, k: usize, month: usize, n: u64) -> Band {
    let s = r.sketch(k, month);
    Band {
        p10: s.quantile(0.1),
        p25: s.quantile(0.25),
        p50: s.quantile(0.5),
        p75: s.quantile(0.75),
        p90: s.quantile(0.9),
        mean: r.sums[k][month - 1] / n as f64,
    }
}

/// The programme's figures from its per-iteration records.
fn programme(r: &PortfolioRun, h: usize) -> Programme {
    let n = r.iterations;
    let rec = &r.records;
    let paybacks = sorted(&rec.payback);
    let within = |months: f64| Prob::of(paybacks.partition_point(|p| *p <= months) as u64, n);
    let hf = h as f64;
    let npvs = sorted(&rec.npv);
    let rois = sorted(&rec.roi);
    let positive = npvs.len() - npvs.partition_point(|v| *v <= 0.0);
    Programme {
        payback: Payback {
            p_within_12_months: within(12.0),
            p_within_24_months: within(24.0),
            p_within_36_months: (hf >= 36.0).then(|| within(36.0)),
            p_within_horizon: within(hf),
            p10: Percentile::of(&paybacks, 0.1).into(),
            p50: Percentile::of(&paybacks, 0.5).into(),
            p90: Percentile::of(&paybacks, 0.9).into(),
        },
        p_payback_within_target: within(payback_target(h)),
        npv: Npv {
            spread: Spread::of(&npvs).expect("at least one iteration"),
            p_positive: Prob::of(positive as u64, n),
        },
        roi: Roi {
            defined_share: rois.len() as f64 / n as f64,
            stats: Spread::of(&rois),
        },
        peak_funding: Spread::of(&sorted(&rec.peak_funding)).expect("iterations"),
        total_cost: Spread::of(&sorted(&rec.total_cost)).expect("iterations"),
        total_benefit: Spread::of(&sorted(&rec.total_benefit)).expect("iterations"),
    }
}

/// The figures of each subset a run evaluated, by mask.
fn subset_figures(pf: &Portfolio, r: &PortfolioRun) -> Vec<(u32, SubsetFigures)> {
    let n = r.iterations as f64;
    r.subsets
        .iter()
        .map(|s| {
            let mean = s.npv_sum / n;
            let var = if n > 1.0 {
                ((s.npv_sum_sq / n - mean * mean) * n / (n - 1.0)).max(0.0)
            } else {
                0.0
            };
            (
                s.mask,
                SubsetFigures {
                    initiatives: names(pf, s.mask),
                    mean_npv: Mean {
                        value: mean,
                        se: (var / n).sqrt(),
                    },
                    p_payback_within_target: Prob::of(s.paid_within_target, r.iterations),
                    peak_funding_p90: s.peaks.percentile(0.9),
                },
            )
        })
        .collect()
}

/// The figures of every initiative of `pf` together, from a run that
/// evaluated the whole set (every run does).
pub fn all_figures(pf: &Portfolio, r: &PortfolioRun) -> Option<SubsetFigures> {
    figures_of(pf, r, full_mask(pf.initiatives.len()))
}

/// The figures of the subset `mask`, when run `r` evaluated it.
pub fn figures_of(pf: &Portfolio, r: &PortfolioRun, mask: u32) -> Option<SubsetFigures> {
    subset_figures(pf, r)
        .into_iter()
        .find(|(m, _)| *m == mask)
        .map(|(_, f)| f)
}

/// The names of the initiatives in a mask, in file order.
pub fn names(pf: &Portfolio, mask: u32) -> Vec<String> {
    pf.initiatives
        .iter()
        .enumerate()
        .filter(|(j, _)| mask & (1 << j) != 0)
        .map(|(_, i)| i.name.clone())
        .collect()
}

impl PortfolioSummary {
    /// The figures of run `r`; `fresh` is the chosen subset re-estimated on
    /// fresh draws (with a budget; see [`super::re_estimate`]).
    pub fn new(pf: &Portfolio, r: &PortfolioRun, fresh: Option<SubsetFigures>) -> PortfolioSummary {
        let n = r.iterations;
        let h = pf.horizon_months;
        let k = pf.initiatives.len();
        let full = full_mask(k);
        let subsets = subset_figures(pf, r);
        let by_mask = |mask: u32| {
            subsets
                .iter()
                .find(|(m, _)| *m == mask)
                .map(|(_, f)| f.clone())
                .expect("the run evaluated this subset")
        };
        let all = by_mask(full);
        let mut last_counts = vec![0u64; k + 1];
        for &c in &r.reached_last {
            last_counts[c as usize] += 1;
        }
        let conc = sorted(&r.concentration);
        let initiatives = pf
            .initiatives
            .iter()
            .enumerate()
            .map(|(j, init)| {
                let run = &r.initiatives[j];
                let without = by_mask(full & !(1 << j));
                let last = init.scenario.stages.len() - 1;
                InitiativeFigures {
                    name: init.name.clone(),
                    scenario_file: init.file.clone(),
                    start_month: init.start_month.describe(),
                    start: {
                        let (lo, hi) = init.start_month.range();
                        if lo == hi {
                            crate::format::sig(lo)
                        } else {
                            format!("{}-{}", crate::format::sig(lo), crate::format::sig(hi))
                        }
                    },
                    seed: run.seed,
                    last_stage: init.scenario.stages[last].name.clone(),
                    p_reaches_last_stage: Prob::of(run.funnel.started[last], n),
                    contribution: Contribution {
                        mean_npv: all.mean_npv.value - without.mean_npv.value,
                        p_payback_within_target: all.p_payback_within_target.value
                            - without.p_payback_within_target.value,
                        peak_funding_p90: all.peak_funding_p90 - without.peak_funding_p90,
                        without,
                    },
                    summary: Summary::new(&init.scenario, &init.file, run),
                }
            })
            .collect();
        let selection = pf.budget.map(|budget| {
            let points: Vec<Point> = subsets
                .iter()
                .map(|(mask, f)| Point {
                    mask: *mask,
                    mean_npv: f.mean_npv.value,
                    peak_p90: f.peak_funding_p90,
                })
                .collect();
            let chosen = select::choose(&points, budget);
            let fresh_figures = chosen.and(fresh);
            Selection {
                budget,
                subsets: points.iter().filter(|p| p.mask != 0).count() as u64,
                exact_percentiles: r.subsets.iter().all(|s| s.peaks.exact()),
                chosen: chosen.map(|c| by_mask(c.mask)),
                fresh: fresh_figures,
                fresh_seed: r.seed.wrapping_add(1),
                frontier: select::frontier(&points)
                    .into_iter()
                    .map(|p| FrontierPoint {
                        figures: by_mask(p.mask),
                        within_budget: p.peak_p90 <= budget,
                        chosen: chosen.is_some_and(|c| c.mask == p.mask),
                    })
                    .collect(),
                points: points
                    .iter()
                    .filter(|p| p.mask != 0)
                    .map(|p| [p.peak_p90, p.mean_npv])
                    .collect(),
            }
        });
        let monthly = (1..=h)
            .map(|m| {
                let mut cum = Vec::with_capacity(k);
                let mut net = Vec::with_capacity(k);
                for run in &r.initiatives {
                    // indicators 4 and 5: net cash and cumulative net cash
                    net.push(run.monthly.sums[4][m - 1] / n as f64);
                    cum.push(run.monthly.sums[5][m - 1] / n as f64);
                }
                MonthRow {
                    month: m,
                    cumulative_net_cash: band(&r.monthly, 5, m, n),
                    net_cash: band(&r.monthly, 4, m, n),
                    costs: band(&r.monthly, 2, m, n),
                    benefits: band(&r.monthly, 3, m, n),
                    active_users: band(&r.monthly, 1, m, n),
                    initiative_mean_net_cash: net,
                    initiative_mean_cumulative: cum,
                }
            })
            .collect();
        PortfolioSummary {
            gatecast_version: env!("CARGO_PKG_VERSION").to_string(),
            portfolio: pf.name.clone(),
            portfolio_file: pf.file.clone(),
            currency: pf.currency.clone(),
            horizon_months: h,
            iterations: n,
            seed: r.seed,
            sampling: r.sampling,
            discount_rate: pf.discount_rate,
            readiness: pf.readiness,
            payback_target_months: payback_target(h),
            programme: programme(r, h),
            all_initiatives: all.clone(),
            reaching_last_stage: Count::new("last stage", &last_counts, n),
            stages: r
                .stage_names
                .iter()
                .zip(&r.stage_counts)
                .map(|(name, counts)| Count::new(name, counts, n))
                .collect(),
            value_concentration: Concentration {
                defined_share: conc.len() as f64 / n as f64,
                mean: mean_se(conc.iter().copied()).map(|(value, se)| Mean { value, se }),
                p50: (!conc.is_empty()).then(|| percentile_inc(&conc, 0.5)),
            },
            initiatives,
            selection,
            monthly,
        }
    }
}
