//! Conditioning the forecast on actuals (MODEL.md section 9.2): the
//! likelihood of each simulated future given what is known, and the run
//! that simulates until the weighted futures are enough. Pure: no I/O.
//!
//! The method is likelihood weighting with the gate decisions pinned to
//! the facts. The plan runs first, as written, on the run's usual
//! iterations: its futures, unweighted, give every "plan (before)" figure
//! and each observation's prior percentile. The re-forecast's futures are
//! then drawn from the plan too, except at the gate decisions every
//! agreeing future makes alike (the reworks stated at each listed gate,
//! and the pass that let the next listed stage start, or the stated kill):
//! those are drawn from that outcome alone, and the future carries the
//! outcome's probability in the plan as a factor of its weight (see
//! [`Likelihood::pins`]). Each future is then weighted by `L_i`, the
//! product of
//! - 1 or 0 for the discrete facts (each listed stage started by the as-of
//!   month, the next one not, the kill or no kill, the reworks at each
//!   listed gate by then);
//! - a normal density in each listed date (with `date_sd`) and in each
//!   observation (with its `sd`).
//!
//! This estimates exactly the reweighted prior the contract defines: the
//! pinned outcomes are the only ones an agreeing future can have, so
//! drawing them directly, weighted by their probability, only stops the
//! run wasting futures on outcomes the facts rule out (the example's
//! behind-plan actuals need about 45,000 futures instead of 434,000).
//! Blocks of [`BLOCK`] iterations are simulated until the effective sample
//! size reaches the minimum (after at least the run's usual iterations), or
//! the cap; the decision is taken after each block, in block order, so the
//! iterations run, and every figure, do not depend on the thread count.

use std::io;

use crate::engine::{self, BlockSink, Records, RunOptions, RunResult, Watch, BLOCK, INDICATORS};
use crate::error::InputError;
use crate::format::{pct, sig, thousands};
use crate::model::{Months, Outcome, Workspace, COST_PARTS};
use crate::scenario::{Actuals, Metric, Observation, Scenario};
use crate::stats::psis;
use crate::stats::weighted_sketch::WeightedSketch;

/// The effective sample size a run under actuals aims for, by default.
pub const DEFAULT_MIN_ESS: f64 = 2000.0;
/// The most iterations a run under actuals simulates, by default (more
/// when `--iterations` asks for more).
pub const DEFAULT_CAP: u64 = 1_000_000;
/// When no iteration agrees with the facts after this many (or after the
/// run's usual iterations, if more), the run stops and says so.
pub const NO_AGREEMENT_STOP: u64 = 16 * BLOCK;

/// One discrete fact of the actuals: a simulated future agrees with it or
/// not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// Stage `stage` started by the as-of month.
    Started { stage: usize },
    /// Stage `stage` (the one after the last listed) had not started.
    NotStarted { stage: usize },
    /// No gate had killed the initiative.
    NotKilled,
    /// Stage `stage`'s gate had killed it.
    Killed { stage: usize },
    /// Stage `stage`'s gate had ordered exactly `reworks` reworks.
    Reworks { stage: usize, reworks: u32 },
}

impl Fact {
    /// The fact in words, e.g. "exactly 1 rework at the POC gate by month 5".
    pub fn describe(&self, sc: &Scenario, as_of: f64) -> String {
        let name = |i: usize| &sc.stages[i].name;
        let by = format!("by month {}", sig(as_of));
        match *self {
            Fact::Started { stage } => format!("\"{}\" started {by}", name(stage)),
            Fact::NotStarted { stage } => format!("\"{}\" not started {by}", name(stage)),
            Fact::NotKilled => format!("no gate killed the initiative {by}"),
            Fact::Killed { stage } => format!("the \"{}\" gate killed it {by}", name(stage)),
            Fact::Reworks { stage, reworks } => format!(
                "exactly {reworks} rework{} at the \"{}\" gate {by}",
                if reworks == 1 { "" } else { "s" },
                name(stage)
            ),
        }
    }

    fn holds(&self, o: &Outcome, t_a: f64) -> bool {
        let started = |i: usize| o.stage_start[i].is_some_and(|s| s <= t_a);
        let killed = o.kill_time.is_some_and(|t| t <= t_a);
        match *self {
            Fact::Started { stage } => started(stage),
            Fact::NotStarted { stage } => !started(stage),
            Fact::NotKilled => !killed,
            Fact::Killed { stage } => killed && o.killed_at == Some(stage),
            Fact::Reworks { stage, reworks } => {
                o.rework_times[stage].iter().filter(|t| **t <= t_a).count() == reworks as usize
            }
        }
    }
}

/// The simulated value of an observed metric in month `month` (1-based).
pub fn metric_value(metric: Metric, month: usize, m: &Months) -> f64 {
    let i = month - 1;
    match metric {
        Metric::UsageRate => m.usage[i],
        Metric::ActiveUsers => m.active[i],
        Metric::Costs => m.costs[i],
        Metric::Benefits => m.benefits[i],
        Metric::NetCash => m.net[i],
        Metric::CumulativeCosts => m.costs[..=i].iter().sum(),
        Metric::CumulativeBenefits => m.benefits[..=i].iter().sum(),
        Metric::CumulativeNetCash => m.cumulative[i],
    }
}

/// The likelihood of a simulated future given the actuals.
#[derive(Debug, Clone)]
pub struct Likelihood {
    pub facts: Vec<Fact>,
    as_of: f64,
    date_sd: f64,
    /// (stage, started) for every listed stage after the first, whose
    /// start is uncertain.
    starts: Vec<(usize, f64)>,
    killed: Option<f64>,
    pub observations: Vec<Observation>,
    /// The gate decisions every agreeing future makes alike, pinned to
    /// that outcome in the re-forecast's futures (see [`Likelihood::pins`]).
    pub pins: Vec<Option<(f64, f64)>>,
}

impl Likelihood {
    pub fn new(sc: &Scenario, act: &Actuals) -> Likelihood {
        let mut facts = Vec::new();
        for f in &act.stages {
            facts.push(Fact::Started { stage: f.stage });
        }
        let last = act.stages.last().expect("at least the first stage");
        if last.stage + 1 < sc.stages.len() {
            facts.push(Fact::NotStarted {
                stage: last.stage + 1,
            });
        }
        facts.push(match last.killed {
            Some(_) => Fact::Killed { stage: last.stage },
            None => Fact::NotKilled,
        });
        for f in &act.stages {
            if sc.stages[f.stage].gate.is_some() {
                facts.push(Fact::Reworks {
                    stage: f.stage,
                    reworks: f.reworks,
                });
            }
        }
        Likelihood {
            facts,
            as_of: act.as_of_month,
            date_sd: act.date_sd,
            starts: act
                .stages
                .iter()
                .skip(1)
                .map(|f| (f.stage, f.started))
                .collect(),
            killed: last.killed,
            observations: act.observations.clone(),
            pins: Likelihood::pins(sc, act),
        }
    }

    /// The gate decisions the facts fix, as [`crate::model::Pins`]: at the
    /// gate of each listed stage, its first `reworks` decisions are reworks
    /// (made by the as-of month); then, when another listed stage follows,
    /// a pass, or when this stage's gate killed the initiative, a kill.
    /// Every future that agrees with the facts makes those decisions, so
    /// drawing them from that outcome alone (with its probability as the
    /// weight) estimates the same conditioned forecast while wasting no
    /// futures on the gate outcomes the facts rule out. The decisions after
    /// them are left to chance, as are the dates.
    fn pins(sc: &Scenario, act: &Actuals) -> Vec<Option<(f64, f64)>> {
        let mut pins = vec![None; sc.gate_draws()];
        let mut first = 0;
        for (j, st) in sc.stages.iter().enumerate() {
            let Some(g) = &st.gate else { continue };
            let draws = g.max_reworks as usize + 1;
            let stated = act.stages.iter().position(|f| f.stage == j);
            if let Some(k) = stated {
                let f = &act.stages[k];
                let r = f.reworks as usize;
                for pin in pins.iter_mut().skip(first).take(r.min(draws)) {
                    *pin = Some((g.pass, g.pass + g.rework));
                }
                let next = if k + 1 < act.stages.len() {
                    Some((0.0, g.pass))
                } else if f.killed.is_some() {
                    // the rework range kills once no rework is left
                    Some((
                        if r < g.max_reworks as usize {
                            g.pass + g.rework
                        } else {
                            g.pass
                        },
                        1.0,
                    ))
                } else {
                    None
                };
                if r < draws {
                    pins[first + r] = next;
                }
            }
            first += draws;
        }
        // an outcome the gate never gives is left to chance: the futures
        // then disagree, and the run says which fact excludes them
        for pin in &mut pins {
            if pin.is_some_and(|(lo, hi)| hi - lo <= 0.0) {
                *pin = None;
            }
        }
        pins
    }

    /// The log-likelihood of one simulated future, up to a constant: `-inf`
    /// when it disagrees with a discrete fact. Fills `observed[k]` with
    /// the simulated value of observation k, and `agree[f]` with whether
    /// the future agrees with fact f alone.
    ///
    /// # Formula
    /// `log L = log(pinned outcomes' probability)
    ///          - 1/2 sum ((s_j - started_j) / date_sd)^2
    ///          - 1/2 ((kill - killed) / date_sd)^2
    ///          - 1/2 sum ((value_k - x_k) / sd_k)^2` (the first stage's
    /// start and the densities' normalising constants are the same for
    /// every future, and cancel in the weights).
    pub fn log_likelihood(
        &self,
        o: &Outcome,
        m: &Months,
        observed: &mut [f64],
        agree: &mut [bool],
    ) -> f64 {
        let mut all = true;
        for (a, f) in agree.iter_mut().zip(&self.facts) {
            *a = f.holds(o, self.as_of);
            all &= *a;
        }
        for (x, obs) in observed.iter_mut().zip(&self.observations) {
            *x = metric_value(obs.metric, obs.month, m);
        }
        if !all {
            return f64::NEG_INFINITY;
        }
        let z2 = |d: f64, sd: f64| (d / sd) * (d / sd);
        let mut sum = 0.0;
        for &(stage, started) in &self.starts {
            let s = o.stage_start[stage].expect("a started stage");
            sum += z2(s - started, self.date_sd);
        }
        if let Some(killed) = self.killed {
            let t = o.kill_time.expect("a killed future");
            sum += z2(t - killed, self.date_sd);
        }
        for (x, obs) in observed.iter().zip(&self.observations) {
            sum += z2(obs.value - x, obs.sd);
        }
        o.pinned_log_weight - 0.5 * sum
    }
}

/// Month-by-month weighted sums and band sketches of the futures that
/// agree with the facts, with weights `exp(log L - reference)`.
#[derive(Debug, Clone)]
pub struct WeightedMonthly {
    pub months: usize,
    /// The log-weight that counts as weight 1; moved up as larger ones come.
    reference: f64,
    /// `sketches[k * months + m - 1]` for indicator k of [`INDICATORS`].
    sketches: Vec<WeightedSketch>,
    /// `sums[k * months + m - 1]`: the weighted sum of indicator k.
    sums: Vec<f64>,
    /// `cost_sums[c * months + m - 1]`: the same for each cost category.
    cost_sums: Vec<f64>,
    total: f64,
}

impl Default for WeightedMonthly {
    fn default() -> WeightedMonthly {
        WeightedMonthly::new(0)
    }
}

impl WeightedMonthly {
    fn new(months: usize) -> WeightedMonthly {
        WeightedMonthly {
            months,
            reference: f64::NEG_INFINITY,
            sketches: Vec::new(),
            sums: Vec::new(),
            cost_sums: Vec::new(),
            total: 0.0,
        }
    }

    fn allocate(&mut self) {
        if self.sketches.is_empty() {
            let n = INDICATORS.len() * self.months;
            self.sketches = vec![WeightedSketch::default(); n];
            self.sums = vec![0.0; n];
            self.cost_sums = vec![0.0; COST_PARTS.len() * self.months];
        }
    }

    /// Moves the reference up to `reference`, scaling every weight down.
    fn rebase(&mut self, reference: f64) {
        if reference <= self.reference {
            return;
        }
        let f = (self.reference - reference).exp();
        self.reference = reference;
        if f == 1.0 || self.total == 0.0 {
            return;
        }
        self.total *= f;
        self.sketches.iter_mut().for_each(|s| s.scale(f));
        self.sums.iter_mut().for_each(|s| *s *= f);
        self.cost_sums.iter_mut().for_each(|s| *s *= f);
    }

    fn add(&mut self, log_l: f64, m: &Months) {
        if log_l == f64::NEG_INFINITY {
            return;
        }
        self.allocate();
        self.rebase(log_l);
        let w = (log_l - self.reference).exp();
        if w == 0.0 {
            return;
        }
        self.total += w;
        let h = self.months;
        let paths = [
            &m.usage,
            &m.active,
            &m.costs,
            &m.benefits,
            &m.net,
            &m.cumulative,
        ];
        for (k, path) in paths.iter().enumerate() {
            let sketches = &mut self.sketches[k * h..(k + 1) * h];
            let sums = &mut self.sums[k * h..(k + 1) * h];
            for ((s, sum), v) in sketches.iter_mut().zip(sums).zip(path.iter()) {
                s.insert(*v, w);
                *sum += w * v;
            }
        }
        for (c, part) in m.cost_parts.iter().enumerate() {
            let sums = &mut self.cost_sums[c * h..(c + 1) * h];
            sums.iter_mut().zip(part).for_each(|(s, v)| *s += w * v);
        }
    }

    fn merge(&mut self, other: &WeightedMonthly) {
        if other.total == 0.0 {
            return;
        }
        self.allocate();
        self.rebase(other.reference);
        let f = (other.reference - self.reference).exp();
        self.total += other.total * f;
        for (a, b) in self.sketches.iter_mut().zip(&other.sketches) {
            a.merge(b, f);
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b * f;
        }
        for (a, b) in self.cost_sums.iter_mut().zip(&other.cost_sums) {
            *a += b * f;
        }
    }

    /// The weighted sketch of indicator `k` in month `month` (1-based);
    /// `None` when no future agrees with the facts.
    pub fn sketch(&self, k: usize, month: usize) -> Option<&WeightedSketch> {
        self.sketches.get(k * self.months + month - 1)
    }

    /// The weighted mean of indicator `k` in month `month`.
    pub fn mean(&self, k: usize, month: usize) -> f64 {
        self.sums
            .get(k * self.months + month - 1)
            .map_or(f64::NAN, |s| s / self.total)
    }

    /// The weighted mean of cost category `c` in month `month`.
    pub fn cost_mean(&self, c: usize, month: usize) -> f64 {
        self.cost_sums
            .get(c * self.months + month - 1)
            .map_or(f64::NAN, |s| s / self.total)
    }
}

/// What watching one block gathers: per iteration, the log-likelihood,
/// the observed metrics, the kill time and the funnel; for the futures
/// that agree with the facts, their inputs and weighted months.
pub struct Block {
    log_l: Vec<f64>,
    observed: Vec<f64>,
    kill_time: Vec<f64>,
    furthest: Vec<u16>,
    killed_at: Vec<u16>,
    reworks: Vec<u16>,
    decided: Vec<bool>,
    agree: Vec<u64>,
    agree_all: u64,
    monthly: WeightedMonthly,
    kept: Vec<u64>,
    kept_inputs: Vec<f64>,
    next: u64,
    scratch: Vec<bool>,
}

/// The [`Watch`] that weighs each future against the actuals.
pub struct Weigh<'a> {
    pub likelihood: &'a Likelihood,
    months: usize,
    stages: usize,
    uncertain: Vec<usize>,
    /// Whether the futures' gate decisions are pinned to the facts.
    pinned: bool,
}

impl<'a> Weigh<'a> {
    /// Weighs the plan's own futures (`pinned` false), or futures whose
    /// gate decisions are pinned to the facts (see [`Likelihood::pins`]).
    pub fn new(sc: &Scenario, likelihood: &'a Likelihood, pinned: bool) -> Weigh<'a> {
        Weigh {
            likelihood,
            months: sc.horizon_months,
            stages: sc.stages.len(),
            uncertain: sc.uncertain_inputs(),
            pinned,
        }
    }
}

impl Watch for Weigh<'_> {
    type Block = Block;

    fn block(&self, start: u64, end: u64) -> Block {
        let n = (end - start) as usize;
        let n_obs = self.likelihood.observations.len();
        Block {
            log_l: Vec::with_capacity(n),
            observed: Vec::with_capacity(n * n_obs),
            kill_time: Vec::with_capacity(n),
            furthest: Vec::with_capacity(n),
            killed_at: Vec::with_capacity(n),
            reworks: Vec::with_capacity(n * self.stages),
            decided: Vec::with_capacity(n * self.stages),
            agree: vec![0; self.likelihood.facts.len()],
            agree_all: 0,
            monthly: WeightedMonthly::new(self.months),
            kept: Vec::new(),
            kept_inputs: Vec::new(),
            next: start,
            scratch: vec![false; self.likelihood.facts.len()],
        }
    }

    fn see(&self, b: &mut Block, x: &[f64], ws: &Workspace) {
        let o = &ws.outcome;
        let n_obs = self.likelihood.observations.len();
        let at = b.observed.len();
        b.observed.resize(at + n_obs, 0.0);
        let log_l =
            self.likelihood
                .log_likelihood(o, &ws.months, &mut b.observed[at..], &mut b.scratch);
        for (count, a) in b.agree.iter_mut().zip(&b.scratch) {
            *count += u64::from(*a);
        }
        b.log_l.push(log_l);
        b.kill_time.push(o.kill_time.unwrap_or(f64::NAN));
        b.furthest.push(o.furthest_stage as u16);
        b.killed_at.push(o.killed_at.map_or(u16::MAX, |k| k as u16));
        b.reworks.extend(o.reworks.iter().map(|r| *r as u16));
        b.decided.extend(o.decided.iter().copied());
        if log_l > f64::NEG_INFINITY {
            b.agree_all += 1;
            b.kept.push(b.next);
            b.kept_inputs.extend(self.uncertain.iter().map(|&j| x[j]));
            b.monthly.add(log_l, &ws.months);
        }
        b.next += 1;
    }

    fn pins(&self) -> Option<&crate::model::Pins> {
        self.pinned.then_some(&self.likelihood.pins[..])
    }
}

/// How long a run under actuals goes on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Stop once the effective sample size reaches this (`--min-ess`).
    pub min_ess: f64,
    /// Simulate at least this many iterations (the run's usual size).
    pub min_iterations: u64,
    /// Simulate at most this many.
    pub cap: u64,
    /// Whether the gate decisions the facts fix are pinned (see
    /// [`Likelihood::pins`]); plain likelihood weighting otherwise, which
    /// estimates the same figures with many more iterations.
    pub pinned: bool,
}

/// A run conditioned on actuals: the plan's own run, and the re-forecast's
/// futures with their weights.
#[derive(Debug, Clone)]
pub struct Conditioned {
    /// The plan (the prior), unweighted: the run without actuals, on the
    /// run's usual iterations, seed and sampling.
    pub plan: RunResult,
    /// `plan_observed[k][i]`: the plan's iteration i's simulated value of
    /// observation k (for its prior percentile).
    pub plan_observed: Vec<Vec<f64>>,
    /// The re-forecast's futures: the plan's draws with the gate decisions
    /// the facts fix pinned to them (see [`Likelihood::pins`]); the figures
    /// below are theirs.
    pub run: RunResult,
    pub settings: Settings,
    /// The discrete facts, in the order of [`Conditioned::agree`].
    pub facts: Vec<Fact>,
    /// Per iteration: the log-likelihood (`-inf` where a fact disagrees).
    pub log_likelihood: Vec<f64>,
    /// Per iteration: the relative weight `L_i / mean L` (mean 1; 0 where
    /// a fact disagrees).
    pub weights: Vec<f64>,
    /// `observed[k][i]`: iteration i's simulated value of observation k.
    pub observed: Vec<Vec<f64>>,
    /// Per iteration: the kill time in months (`NaN` when not killed
    /// within the horizon).
    pub kill_time: Vec<f64>,
    /// Per iteration: the furthest stage started by the horizon.
    pub furthest: Vec<u16>,
    /// Per iteration: the stage whose gate killed it (`u16::MAX` none).
    pub killed_at: Vec<u16>,
    /// `reworks[i * stages + j]`: reworks ordered at stage j's gate.
    pub reworks: Vec<u16>,
    /// `decided[i * stages + j]`: stage j's gate decided by the horizon.
    pub decided: Vec<bool>,
    /// Iterations agreeing with each fact alone.
    pub agree: Vec<u64>,
    /// Iterations agreeing with every fact.
    pub agreeing: u64,
    pub monthly: WeightedMonthly,
    /// The iterations that agree with every fact, ascending...
    pub kept: Vec<u64>,
    /// ...and their uncertain inputs, row by row (in
    /// [`Scenario::uncertain_inputs`] order).
    pub kept_inputs: Vec<f64>,
    /// The effective sample size of the weights.
    pub ess: f64,
    /// The Pareto k of the weights (`None` with too few to tell).
    pub pareto_k: Option<f64>,
    /// Whether the effective sample size reached the minimum.
    pub reached: bool,
}

/// The per-iteration results of a run under actuals, gathered in block
/// order.
#[derive(Default)]
struct Gathered {
    log_likelihood: Vec<f64>,
    observed: Vec<Vec<f64>>,
    kill_time: Vec<f64>,
    furthest: Vec<u16>,
    killed_at: Vec<u16>,
    reworks: Vec<u16>,
    decided: Vec<bool>,
    agree: Vec<u64>,
    agreeing: u64,
    monthly: WeightedMonthly,
    kept: Vec<u64>,
    kept_inputs: Vec<f64>,
    reached: bool,
}

/// Simulates the plan under `opts` (`settings.min_iterations` of them,
/// each block to `plan_sink`), then the re-forecast's futures, with the
/// gate decisions the facts fix pinned, weighing each against the actuals
/// until the effective sample size reaches the minimum (at least
/// `settings.min_iterations`, at most `settings.cap`). Each re-forecast
/// block kept goes to `sink` (the rows of iterations.csv, without the
/// weights, which are known only at the end).
pub fn condition(
    sc: &Scenario,
    likelihood: &Likelihood,
    opts: &RunOptions,
    settings: Settings,
    plan_sink: Option<&mut dyn BlockSink>,
    sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<Conditioned> {
    let n_obs = likelihood.observations.len();
    // the plan: the scenario as written, its own futures unweighted
    let mut plan_observed = vec![Vec::new(); n_obs];
    let plan = engine::run_watched(
        sc,
        &RunOptions {
            iterations: settings.min_iterations,
            ..*opts
        },
        plan_sink,
        progress,
        false,
        &Weigh::new(sc, likelihood, false),
        &mut |_: &Records, b: Block| {
            for (k, column) in plan_observed.iter_mut().enumerate() {
                column.extend(b.observed.iter().skip(k).step_by(n_obs.max(1)));
            }
            false
        },
    )?;
    // the re-forecast's futures (what on track looks like is the plan's)
    let sc = &Scenario {
        checkpoints: Vec::new(),
        ..sc.clone()
    };
    let weigh = Weigh::new(sc, likelihood, settings.pinned);
    let opts = RunOptions {
        iterations: settings.cap,
        ..*opts
    };
    let mut acc = Gathered {
        observed: vec![Vec::new(); n_obs],
        agree: vec![0; likelihood.facts.len()],
        monthly: WeightedMonthly::new(sc.horizon_months),
        ..Gathered::default()
    };
    // the running effective sample size, in block order
    let (mut top, mut s1, mut s2) = (f64::NEG_INFINITY, 0.0f64, 0.0f64);
    let give_up = settings.min_iterations.max(NO_AGREEMENT_STOP);
    let mut merged = |records: &Records, b: Block| -> bool {
        let block_top = b.log_l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if block_top > top {
            if top > f64::NEG_INFINITY {
                let f = (top - block_top).exp();
                s1 *= f;
                s2 *= f * f;
            }
            top = block_top;
        }
        if top > f64::NEG_INFINITY {
            for l in &b.log_l {
                let w = (l - top).exp();
                s1 += w;
                s2 += w * w;
            }
        }
        acc.log_likelihood.extend_from_slice(&b.log_l);
        for (k, column) in acc.observed.iter_mut().enumerate() {
            column.extend(b.observed.iter().skip(k).step_by(n_obs.max(1)));
        }
        acc.kill_time.extend_from_slice(&b.kill_time);
        acc.furthest.extend_from_slice(&b.furthest);
        acc.killed_at.extend_from_slice(&b.killed_at);
        acc.reworks.extend_from_slice(&b.reworks);
        acc.decided.extend_from_slice(&b.decided);
        for (a, c) in acc.agree.iter_mut().zip(&b.agree) {
            *a += c;
        }
        acc.agreeing += b.agree_all;
        acc.monthly.merge(&b.monthly);
        acc.kept.extend_from_slice(&b.kept);
        acc.kept_inputs.extend_from_slice(&b.kept_inputs);
        let n = records.npv.len() as u64;
        let ess = if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 };
        if n >= settings.min_iterations && ess >= settings.min_ess {
            acc.reached = true;
            return true;
        }
        acc.agreeing == 0 && n >= give_up
    };
    let run = engine::run_watched(sc, &opts, sink, progress, false, &weigh, &mut merged)?;
    let mut acc = Conditioned {
        plan,
        plan_observed,
        run,
        settings,
        facts: likelihood.facts.clone(),
        log_likelihood: acc.log_likelihood,
        weights: Vec::new(),
        observed: acc.observed,
        kill_time: acc.kill_time,
        furthest: acc.furthest,
        killed_at: acc.killed_at,
        reworks: acc.reworks,
        decided: acc.decided,
        agree: acc.agree,
        agreeing: acc.agreeing,
        monthly: acc.monthly,
        kept: acc.kept,
        kept_inputs: acc.kept_inputs,
        ess: 0.0,
        pareto_k: None,
        reached: acc.reached,
    };
    let top = acc
        .log_likelihood
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if top > f64::NEG_INFINITY {
        let raw: Vec<f64> = acc.log_likelihood.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = raw.iter().sum();
        let n = raw.len() as f64;
        acc.weights = raw.iter().map(|w| w * n / total).collect();
        acc.ess = crate::stats::weighted::ess(&acc.weights);
        acc.pareto_k = psis::pareto_k(&acc.log_likelihood);
    } else {
        acc.weights = vec![0.0; acc.log_likelihood.len()];
    }
    Ok(acc)
}

impl Conditioned {
    /// The number of stages.
    pub fn stages(&self) -> usize {
        if self.furthest.is_empty() {
            0
        } else {
            self.reworks.len() / self.furthest.len()
        }
    }

    /// When no simulated future agrees with the facts: an error naming
    /// them, and the one that alone excludes every future when there is
    /// one.
    pub fn disagreement(&self, sc: &Scenario, act: &Actuals) -> Option<InputError> {
        if self.agreeing > 0 {
            return None;
        }
        let n = self.run.iterations;
        let described: Vec<String> = self
            .facts
            .iter()
            .map(|f| f.describe(sc, act.as_of_month))
            .collect();
        let alone: Vec<&String> = self
            .facts
            .iter()
            .zip(&described)
            .zip(&self.agree)
            .filter(|((_, _), c)| **c == 0)
            .map(|((_, d), _)| d)
            .collect();
        let mut msg = format!(
            "no simulated future agrees with the actuals: none of {} iterations has all of these facts: {}",
            thousands(n as f64),
            described.join("; ")
        );
        if alone.is_empty() {
            msg.push_str(
                ". Each fact alone happens in some futures, but never all together: check the dates and reworks against the plan's stage lengths and gates",
            );
        } else {
            for d in alone {
                msg.push_str(&format!(
                    ". This one alone already excludes every future: {d}"
                ));
            }
            msg.push_str(
                ". Either the fact is wrong, or the plan cannot produce it (a gate without that rework, a stage that cannot start by then): correct whichever is wrong",
            );
        }
        let mut e = InputError::plain(&act.file, msg);
        e.path = Some("actuals".into());
        Some(e)
    }

    /// The share of iterations agreeing with every fact.
    pub fn agreeing_share(&self) -> f64 {
        self.agreeing as f64 / self.run.iterations.max(1) as f64
    }
}

/// Where an observation falls in the plan's distribution of the metric.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Surprise {
    /// `P_prior(x + e <= value)`, `e ~ N(0, sd)`.
    pub prior_percentile: f64,
    /// Below 5% or above 95%.
    pub surprise: bool,
    /// "well behind plan", "in line with the plan"...
    pub reading: String,
}

/// The prior percentile of an observed value: the mean over the prior's
/// iterations (unweighted) of `Phi((value - x_i) / sd)`.
pub fn prior_percentile(obs: &Observation, simulated: &[f64]) -> f64 {
    let n = simulated.len().max(1) as f64;
    simulated
        .iter()
        .map(|x| normal_cdf((obs.value - x) / obs.sd))
        .sum::<f64>()
        / n
}

/// The standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// How an observation reads against the plan.
pub fn surprise(obs: &Observation, percentile: f64) -> Surprise {
    let good = obs.metric.higher_is_better();
    let (low, high) = if good {
        ("behind plan", "ahead of plan")
    } else {
        ("below plan", "above plan")
    };
    let reading = if percentile < 0.05 {
        format!("well {low}")
    } else if percentile < 0.25 {
        low.to_string()
    } else if percentile <= 0.75 {
        "in line with the plan".to_string()
    } else if percentile <= 0.95 {
        high.to_string()
    } else {
        format!("well {high}")
    };
    Surprise {
        prior_percentile: percentile,
        surprise: !(0.05..=0.95).contains(&percentile),
        reading,
    }
}

/// A value of a metric in words: "42%", "120 users", "EUR 310,000".
pub fn metric_text(metric: Metric, v: f64, currency: &str) -> String {
    match metric {
        Metric::UsageRate => pct(v),
        Metric::ActiveUsers => format!("{} users", thousands(v)),
        _ => crate::format::money(v, currency),
    }
}

/// An ordinal percentile: "3rd", "11th", "42nd"; "under 1st" / "over
/// 99th" at the ends.
pub fn ordinal_percentile(p: f64) -> String {
    let k = (p * 100.0).round() as i64;
    if p * 100.0 < 0.5 {
        return "bottom 1%".into();
    }
    if p * 100.0 > 99.5 {
        return "top 1%".into();
    }
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix} percentile")
}

/// One observation in a sentence: "Usage of 42% at month 5 is at the 3rd
/// percentile of what the plan expected: well behind plan."
pub fn observation_sentence(obs: &Observation, s: &Surprise, currency: &str) -> String {
    let mut words = obs.metric.words().to_string();
    if let Some(first) = words.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let at = if s.prior_percentile * 100.0 < 0.5 || s.prior_percentile * 100.0 > 99.5 {
        format!("in the {}", ordinal_percentile(s.prior_percentile))
    } else {
        format!("at the {}", ordinal_percentile(s.prior_percentile))
    };
    format!(
        "{words} of {} at month {} is {at} of what the plan expected: {}{}.",
        metric_text(obs.metric, obs.value, currency),
        obs.month,
        s.reading,
        if s.surprise { " (a surprise)" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_read_as_english() {
        assert_eq!(ordinal_percentile(0.03), "3rd percentile");
        assert_eq!(ordinal_percentile(0.11), "11th percentile");
        assert_eq!(ordinal_percentile(0.42), "42nd percentile");
        assert_eq!(ordinal_percentile(0.21), "21st percentile");
        assert_eq!(ordinal_percentile(0.001), "bottom 1%");
        assert_eq!(ordinal_percentile(0.999), "top 1%");
    }

    #[test]
    fn a_low_usage_reads_as_well_behind_plan() {
        let obs = Observation {
            metric: Metric::UsageRate,
            month: 5,
            value: 0.42,
            sd: 0.05,
        };
        let s = surprise(&obs, 0.03);
        assert!(s.surprise);
        assert_eq!(
            observation_sentence(&obs, &s, "EUR"),
            "Usage of 42% at month 5 is at the 3rd percentile of what the plan expected: well behind plan (a surprise)."
        );
        let costs = Observation {
            metric: Metric::CumulativeCosts,
            ..obs
        };
        assert_eq!(surprise(&costs, 0.97).reading, "well above plan");
        assert_eq!(surprise(&costs, 0.5).reading, "in line with the plan");
    }

    #[test]
    fn the_normal_cdf_has_its_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-9);
        assert!((normal_cdf(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-9);
    }
}
