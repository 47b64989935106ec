//! The Monte Carlo engine: draws, parallel simulation and aggregation.
//!
//! Reproducible by construction: each input of iteration `i` draws from its
//! own stream, seeded from `(seed, i, input)`, so no draw depends on which
//! thread ran it, on how iterations were grouped, or on any other input's
//! distribution. Iterations run in fixed blocks of
//! [`BLOCK`]; blocks run in parallel (rayon) and their results are merged
//! strictly in block order, so every floating-point sum is added up in the
//! same order on one thread or sixty-four.

use std::io;
use std::sync::Mutex;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::model::{self, Outcome, Workspace, COST_PARTS};
use crate::scenario::Scenario;
use crate::stats::{BlockSketch, Count, Sketch};

/// Iterations per block: the unit of parallel work and of ordered merging.
pub const BLOCK: u64 = 4096;
/// Blocks simulated between two merges: bounds memory while streaming rows.
const BLOCKS_PER_ROUND: u64 = 32;

/// The month-by-month indicators, leading first, as named in outputs.
pub const INDICATORS: [Indicator; 6] = [
    Indicator {
        key: "usage_rate",
        label: "Usage rate",
        leading: true,
        money: false,
    },
    Indicator {
        key: "active_users",
        label: "Active users",
        leading: true,
        money: false,
    },
    Indicator {
        key: "costs",
        label: "Costs",
        leading: false,
        money: true,
    },
    Indicator {
        key: "benefits",
        label: "Benefits",
        leading: false,
        money: true,
    },
    Indicator {
        key: "net_cash",
        label: "Net cash",
        leading: false,
        money: true,
    },
    Indicator {
        key: "cumulative_net_cash",
        label: "Cumulative net cash",
        leading: false,
        money: true,
    },
];

/// One month-by-month indicator.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    pub key: &'static str,
    pub label: &'static str,
    /// Leading (usage) rather than lagging (cash).
    pub leading: bool,
    /// Measured in the scenario's currency.
    pub money: bool,
}

/// How many iterations, from which seed, sampled how, on how many threads.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub iterations: u64,
    pub seed: u64,
    /// Worker threads; `None` uses every core. Never changes the results.
    pub threads: Option<usize>,
    pub sampling: Sampling,
}

/// How the uniforms behind the draws are spread over the iterations.
///
/// Every method draws each input from exactly its written distribution;
/// they differ in how evenly a run covers it, and so in how fast the
/// estimates settle. `Lhs` and `Sobol` lay out their points within each
/// block of [`BLOCK`] iterations: every block is one independent, randomly
/// placed design, which keeps the results independent of the thread count
/// and gives an honest standard error from the spread between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Plain Monte Carlo: independent draws.
    #[default]
    Mc,
    /// Latin hypercube: within a block, each input's draws fall one in
    /// each of its [`BLOCK`] equally likely slices, in random order.
    Lhs,
    /// Owen-scrambled Sobol points (quasi-random), one independent
    /// scramble per block.
    Sobol,
}

impl Sampling {
    /// The name on the command line and in outputs.
    pub fn key(self) -> &'static str {
        match self {
            Sampling::Mc => "mc",
            Sampling::Lhs => "lhs",
            Sampling::Sobol => "sobol",
        }
    }

    /// The name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Sampling::Mc => "plain Monte Carlo",
            Sampling::Lhs => "Latin hypercube",
            Sampling::Sobol => "scrambled Sobol",
        }
    }
}

/// Per-iteration results kept for exact statistics, one entry per iteration.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Months to payback; `+inf` for "no payback within the horizon".
    pub payback: Vec<f64>,
    pub npv: Vec<f64>,
    /// `NaN` where ROI is undefined (total costs 0).
    pub roi: Vec<f64>,
    pub total_cost: Vec<f64>,
    pub total_benefit: Vec<f64>,
    pub peak_funding: Vec<f64>,
    /// Months to first access; `NaN` when nobody got access.
    pub first_access: Vec<f64>,
    /// `inputs[k][i]`: the k-th uncertain input (in [`Scenario::uncertain_inputs`]
    /// order) of iteration i; empty unless kept (see [`run_keeping_inputs`]).
    pub inputs: Vec<Vec<f64>>,
    /// `usage_at[k]`: the usage rate `U(m)` at the k-th month of
    /// [`Scenario::checkpoints`] (MODEL.md 9.1) of the iterations with
    /// access then (`W(m) > 0`), in single precision, split by whether
    /// they pay back within the target (see [`AtCheckpoint`]). Empty when
    /// the scenario names no checkpoint (4 bytes per checkpoint per
    /// iteration with access otherwise).
    pub usage_at: Vec<AtCheckpoint>,
    /// `active_at[k]`: active users `A(m)`, in the same way.
    pub active_at: Vec<AtCheckpoint>,
}

/// One leading indicator at one checkpoint month, over the iterations with
/// access then: the values of those that pay back within the target
/// ([`crate::ontrack::target_months`]) and of those that do not, each in
/// iteration order. The on-track figures need no more (each value and
/// whether it paid back, not which iteration it came from), and an
/// iteration without access costs nothing.
#[derive(Debug, Clone, Default)]
pub struct AtCheckpoint {
    pub paid: Vec<f32>,
    pub unpaid: Vec<f32>,
}

impl AtCheckpoint {
    fn with_capacity(n: usize) -> AtCheckpoint {
        AtCheckpoint {
            paid: Vec::with_capacity(n),
            unpaid: Vec::with_capacity(n),
        }
    }

    /// The values kept, paying back or not.
    pub fn len(&self) -> usize {
        self.paid.len() + self.unpaid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn append(&mut self, other: &mut AtCheckpoint) {
        self.paid.append(&mut other.paid);
        self.unpaid.append(&mut other.unpaid);
    }
}

impl Records {
    pub(crate) fn with_capacity(n: usize, checkpoints: usize) -> Records {
        // a block's columns hold at most its iterations; the run's grow as
        // blocks come in (most iterations lack access at some checkpoints)
        let columns = || {
            (0..checkpoints)
                .map(|_| AtCheckpoint::with_capacity(n.min(BLOCK as usize)))
                .collect()
        };
        Records {
            payback: Vec::with_capacity(n),
            npv: Vec::with_capacity(n),
            roi: Vec::with_capacity(n),
            total_cost: Vec::with_capacity(n),
            total_benefit: Vec::with_capacity(n),
            peak_funding: Vec::with_capacity(n),
            first_access: Vec::with_capacity(n),
            inputs: Vec::new(),
            usage_at: columns(),
            active_at: columns(),
        }
    }

    /// Keeps one iteration's leading indicators at each checkpoint at
    /// which it has access, on the side of `paid` (whether it pays back
    /// within the target).
    fn keep_checkpoints(&mut self, checkpoints: &[usize], m: &model::Months, paid: bool) {
        let columns = self.usage_at.iter_mut().zip(self.active_at.iter_mut());
        for (&month, (usage, active)) in checkpoints.iter().zip(columns) {
            let i = month - 1;
            if m.access[i] > 0.0 {
                let (u, a) = if paid {
                    (&mut usage.paid, &mut active.paid)
                } else {
                    (&mut usage.unpaid, &mut active.unpaid)
                };
                u.push(m.usage[i] as f32);
                a.push(m.active[i] as f32);
            }
        }
    }

    pub(crate) fn push(&mut self, o: &Outcome) {
        self.payback.push(o.payback.unwrap_or(f64::INFINITY));
        self.npv.push(o.npv);
        self.roi.push(o.roi.unwrap_or(f64::NAN));
        self.total_cost.push(o.total_cost);
        self.total_benefit.push(o.total_benefit);
        self.peak_funding.push(o.peak_funding);
        self.first_access.push(o.first_access.unwrap_or(f64::NAN));
    }

    pub(crate) fn append(&mut self, other: &mut Records) {
        self.payback.append(&mut other.payback);
        self.npv.append(&mut other.npv);
        self.roi.append(&mut other.roi);
        self.total_cost.append(&mut other.total_cost);
        self.total_benefit.append(&mut other.total_benefit);
        self.peak_funding.append(&mut other.peak_funding);
        self.first_access.append(&mut other.first_access);
        if self.inputs.len() < other.inputs.len() {
            self.inputs.resize(other.inputs.len(), Vec::new());
        }
        for (a, b) in self.inputs.iter_mut().zip(other.inputs.iter_mut()) {
            a.append(b);
        }
        let ours = self.usage_at.iter_mut().chain(self.active_at.iter_mut());
        let theirs = other.usage_at.iter_mut().chain(other.active_at.iter_mut());
        for (a, b) in ours.zip(theirs) {
            a.append(b);
        }
    }
}

/// Stage-funnel counts over iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// Iterations that started each stage at or before the horizon.
    pub started: Vec<u64>,
    /// Iterations in which each stage's gate made a decision by the horizon.
    pub decided: Vec<u64>,
    /// Iterations killed at each stage's gate.
    pub killed: Vec<u64>,
    /// Reworks ordered at each stage's gate, summed over iterations.
    pub reworks: Vec<u64>,
}

impl Funnel {
    pub(crate) fn new(stages: usize) -> Funnel {
        Funnel {
            started: vec![0; stages],
            decided: vec![0; stages],
            killed: vec![0; stages],
            reworks: vec![0; stages],
        }
    }

    pub(crate) fn add(&mut self, o: &Outcome) {
        for (i, s) in o.stage_start.iter().enumerate() {
            self.started[i] += u64::from(s.is_some());
            self.decided[i] += u64::from(o.decided[i]);
            self.reworks[i] += u64::from(o.reworks[i]);
        }
        if let Some(k) = o.killed_at {
            self.killed[k] += 1;
        }
    }

    pub(crate) fn merge(&mut self, other: &Funnel) {
        let add = |a: &mut Vec<u64>, b: &Vec<u64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.started, &other.started);
        add(&mut self.decided, &other.decided);
        add(&mut self.killed, &other.killed);
        add(&mut self.reworks, &other.reworks);
    }
}

/// Month-by-month aggregates: exact sums (for means) and sketches (for bands).
#[derive(Debug, Clone)]
pub struct Monthly {
    pub months: usize,
    /// `sums[k][m - 1]`: sum over iterations of indicator `k` in month `m`.
    pub sums: Vec<Vec<f64>>,
    /// `cost_part_sums[c][m - 1]`: the same for each cost category.
    pub cost_part_sums: Vec<Vec<f64>>,
    /// `sketches[k * months + m - 1]`.
    pub sketches: Vec<Sketch>,
}

/// One (indicator, month) sketch per band, `[k * months + m - 1]`.
pub(crate) fn new_sketches(months: usize) -> Vec<Sketch> {
    vec![Sketch::default(); INDICATORS.len() * months]
}

// a block's values per band fit a block sketch's 16-bit counts
const _: () = assert!(BLOCK <= BlockSketch::MAX_VALUES);

/// A worker's band sketches, and the 16-bit block sketches it counts
/// blocks in until they might overflow.
struct Bands {
    sketches: Vec<Sketch>,
    block: Vec<BlockSketch>,
    /// Values each block sketch has counted since the last absorb.
    pending: u64,
}

impl Bands {
    fn new(months: usize) -> Bands {
        Bands {
            sketches: new_sketches(months),
            block: vec![BlockSketch::default(); INDICATORS.len() * months],
            pending: 0,
        }
    }

    /// Adds the block sketches' counts to the sketches, emptying them.
    fn absorb(&mut self) {
        if self.pending == 0 {
            return;
        }
        for (s, b) in self.sketches.iter_mut().zip(&mut self.block) {
            s.absorb(b, self.pending);
        }
        self.pending = 0;
    }

    /// Notes a block of `iterations` counted (one value per band each),
    /// absorbing them once another whole block might overflow a 16-bit
    /// count: every 15 blocks of 4,096, not every block, since an absorb
    /// passes over every bucket of all 216 bands. Counts are integers, so
    /// when they are absorbed never changes the sketches.
    fn counted(&mut self, iterations: u64) {
        self.pending += iterations;
        if self.pending + BLOCK > BlockSketch::MAX_VALUES {
            self.absorb();
        }
    }

    /// The sketches, every count absorbed.
    fn into_sketches(mut self) -> Vec<Sketch> {
        self.absorb();
        self.sketches
    }
}

impl Monthly {
    /// Sums only: sketches are kept per worker thread (see [`run`]).
    pub(crate) fn new(months: usize) -> Monthly {
        Monthly {
            months,
            sums: vec![vec![0.0; months]; INDICATORS.len()],
            cost_part_sums: vec![vec![0.0; months]; COST_PARTS.len()],
            sketches: Vec::new(),
        }
    }

    pub(crate) fn add<S: Count>(&mut self, m: &model::Months, sketches: &mut [S]) {
        let paths = [
            &m.usage,
            &m.active,
            &m.costs,
            &m.benefits,
            &m.net,
            &m.cumulative,
        ];
        for (k, path) in paths.iter().enumerate() {
            let sketches = &mut sketches[k * self.months..(k + 1) * self.months];
            for ((s, sum), v) in sketches.iter_mut().zip(&mut self.sums[k]).zip(path.iter()) {
                s.insert(*v);
                *sum += v;
            }
        }
        for (sums, part) in self.cost_part_sums.iter_mut().zip(&m.cost_parts) {
            sums.iter_mut().zip(part).for_each(|(s, v)| *s += v);
        }
    }

    pub(crate) fn merge(&mut self, other: &Monthly) {
        for (a, b) in self
            .sums
            .iter_mut()
            .chain(self.cost_part_sums.iter_mut())
            .zip(other.sums.iter().chain(other.cost_part_sums.iter()))
        {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }

    /// The sketch of indicator `k` in month `month` (1-based).
    pub fn sketch(&self, k: usize, month: usize) -> &Sketch {
        &self.sketches[k * self.months + month - 1]
    }
}

/// Everything a run produces, before statistics.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub iterations: u64,
    pub seed: u64,
    pub sampling: Sampling,
    pub records: Records,
    pub funnel: Funnel,
    pub monthly: Monthly,
}

/// Sees every iteration of a run as it is simulated, for figures the
/// engine does not keep itself (the actuals' likelihood, in
/// [`crate::actuals`]). Each block of [`BLOCK`] iterations gets its own
/// state, filled in iteration order on one thread; the states reach the
/// caller in block order, so what it adds up does not depend on the
/// thread count.
pub trait Watch: Sync {
    /// What watching one block gathers.
    type Block: Send;
    /// A fresh state for the block of iterations `start..end`.
    fn block(&self, start: u64, end: u64) -> Self::Block;
    /// Sees one iteration: its draws `x` and its simulated workspace.
    fn see(&self, block: &mut Self::Block, x: &[f64], ws: &Workspace);
    /// Gate decisions to pin to an outcome in every iteration (see
    /// [`model::Pins`]); none by default.
    fn pins(&self) -> Option<&model::Pins> {
        None
    }
}

/// What a watched run calls after merging each block, in block order: the
/// records so far and the block's watched state; true ends the run.
pub type Merged<'a, W> = dyn FnMut(&Records, <W as Watch>::Block) -> bool + Send + 'a;

/// Watching nothing: the plain runs.
impl Watch for () {
    type Block = ();
    fn block(&self, _: u64, _: u64) {}
    #[inline]
    fn see(&self, _: &mut (), _: &[f64], _: &Workspace) {}
}

/// A random stream: one per input (and per gate) per iteration.
pub type Stream = rand_xoshiro::SplitMix64;

/// Stream `k` of iteration `i` under `seed`. Streams `0..inputs` draw the
/// inputs in scenario order; the next ones, one per gate, draw the gate
/// decisions. Each quantity having its own stream means that changing one
/// input's distribution (a stress test, a pinned input) leaves every other
/// draw of every iteration unchanged: common random numbers.
pub fn stream(seed: u64, i: u64, k: u64) -> Stream {
    Stream::seed_from_u64(stream_key(seed, i, k))
}

fn stream_key(seed: u64, i: u64, k: u64) -> u64 {
    key_in_row(row_key(seed, i), k)
}

/// The part of iteration `i`'s stream keys that all its streams share.
#[inline]
fn row_key(seed: u64, i: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ i)
}

/// Stream `k`'s key in the row of `row_key`.
#[inline]
fn key_in_row(row_key: u64, k: u64) -> u64 {
    splitmix64(row_key ^ k)
}

pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Input `j` of iteration `i`.
#[inline]
fn draw_input(sc: &Scenario, seed: u64, i: u64, j: usize) -> f64 {
    draw_in_row(&sc.inputs[j], row_key(seed, i), j)
}

/// [`draw_input`] from the row's share of its stream keys.
#[inline]
fn draw_in_row(input: &crate::scenario::Input, row: u64, j: usize) -> f64 {
    if input.is_fixed() {
        input.quantile(0.5)
    } else {
        input.sample(&mut Stream::seed_from_u64(key_in_row(row, j as u64)))
    }
}

/// The gate uniforms of iteration `i`: `max_reworks + 1` per gate, gate by
/// gate, each gate from its own stream.
fn draw_gates(sc: &Scenario, seed: u64, i: u64, gate_u: &mut [f64]) {
    draw_gates_in_row(sc, row_key(seed, i), gate_u);
}

/// [`draw_gates`] from the row's share of its stream keys.
fn draw_gates_in_row(sc: &Scenario, row: u64, gate_u: &mut [f64]) {
    let mut at = 0;
    let gates = sc.stages.iter().filter_map(|s| s.gate.as_ref());
    for (g, gate) in gates.enumerate() {
        let mut rng = Stream::seed_from_u64(key_in_row(row, (sc.inputs.len() + g) as u64));
        for u in &mut gate_u[at..at + gate.max_reworks as usize + 1] {
            *u = rng.random::<f64>();
        }
        at += gate.max_reworks as usize + 1;
    }
}

/// Draws iteration `i`: every input, then the gate uniforms.
pub fn draw(sc: &Scenario, seed: u64, i: u64, x: &mut [f64], gate_u: &mut [f64]) {
    for (j, slot) in x.iter_mut().enumerate() {
        *slot = draw_input(sc, seed, i, j);
    }
    draw_gates(sc, seed, i, gate_u);
}

/// Stream keys above every input's and gate's: the Latin hypercube's
/// permutations and the Sobol scrambles (`u64::MAX` is Iman-Conover's).
const DESIGN_KEY: u64 = 1 << 63;

/// A uniform on the open interval (0, 1) with 53 random bits.
pub(crate) fn open_uniform(rng: &mut Stream) -> f64 {
    use rand::Rng as _;
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Dimension `d`'s uniforms for iterations `start..end` (one block) under
/// Latin hypercube or Sobol sampling, each in (0, 1).
///
/// Dimension `d` is input `d` (in scenario order), then one per gate draw,
/// so pinning or stressing one input leaves every other dimension's
/// uniforms unchanged (common random numbers). The position within the
/// uniform's slice comes from the same per-(seed, iteration, input) stream
/// plain Monte Carlo uses.
fn spread_uniforms(sampling: Sampling, seed: u64, start: u64, end: u64, d: u64) -> Vec<f64> {
    let n = (end - start) as usize;
    match sampling {
        Sampling::Lhs => {
            let mut slice: Vec<u32> = (0..n as u32).collect();
            slice.shuffle(&mut stream(seed, start, DESIGN_KEY | d));
            (start..end)
                .zip(slice)
                .map(|(i, k)| {
                    // (n - 1 + u) / n can round up to 1
                    let u = (k as f64 + open_uniform(&mut stream(seed, i, d))) / n as f64;
                    u.min(1.0 - f64::EPSILON / 2.0)
                })
                .collect()
        }
        Sampling::Sobol => {
            // sobol_burley has 256 dimensions; further ones reuse them under
            // another scramble (Burley's padding).
            const DIMS: u64 = sobol_burley::NUM_DIMENSIONS as u64;
            let scramble = splitmix64(stream_key(seed, start, DESIGN_KEY | (d / DIMS))) as u32;
            // sobol_burley's points are multiples of 2^-23
            const CELL: f64 = 1.0 / (1u64 << 23) as f64;
            (start..end)
                .map(|i| {
                    // a 23-bit point, then uniform within its cell: the full
                    // depth of an Owen scramble
                    let x = sobol_burley::sample((i - start) as u32, (d % DIMS) as u32, scramble);
                    let u = f64::from(x) + CELL * open_uniform(&mut stream(seed, i, d));
                    u.min(1.0 - f64::EPSILON / 2.0) // the last cell can round up to 1
                })
                .collect()
        }
        Sampling::Mc => (start..end)
            .map(|i| open_uniform(&mut stream(seed, i, d)))
            .collect(),
    }
}

/// A block's draws, made input by input across the block (column-wise)
/// so that each input's sampler stays in cache for thousands of draws. The
/// values are exactly those of [`draw`] one iteration at a time, except
/// that inputs under `[[correlation]]` are then reordered among the
/// block's rows (Iman-Conover, per block of [`BLOCK`] iterations, so the
/// result does not depend on the thread count).
pub(crate) struct BlockDraws {
    /// `inputs[j][r]`: input j of the block's row r; empty for a fixed
    /// input, whose value is `fixed[j]` in every row.
    inputs: Vec<Vec<f64>>,
    fixed: Vec<Option<f64>>,
    /// `gates[r * per_row + g]`.
    gates: Vec<f64>,
    per_row: usize,
}

impl BlockDraws {
    pub(crate) fn new(sc: &Scenario, opts: &RunOptions, start: u64, end: u64) -> BlockDraws {
        let seed = opts.seed;
        // each row's share of its stream keys, worked out once
        let rows: Vec<u64> = match opts.sampling {
            Sampling::Mc => (start..end).map(|i| row_key(seed, i)).collect(),
            _ => Vec::new(),
        };
        let mut inputs: Vec<Vec<f64>> = (0..sc.inputs.len())
            .map(|j| {
                let input = &sc.inputs[j];
                match opts.sampling {
                    _ if input.is_fixed() => Vec::new(),
                    Sampling::Mc => rows.iter().map(|&row| draw_in_row(input, row, j)).collect(),
                    spread => spread_uniforms(spread, seed, start, end, j as u64)
                        .into_iter()
                        .map(|u| input.at(u))
                        .collect(),
                }
            })
            .collect();
        if !sc.correlations.is_empty() {
            // Iman-Conover within the block: the correlated inputs' draws
            // are reordered among the block's rows, never changed.
            let (ids, target) = sc.correlation_matrix();
            let mut columns: Vec<Vec<f64>> = ids
                .iter()
                .map(|&j| std::mem::take(&mut inputs[j]))
                .collect();
            let mut rng = stream(seed, start, u64::MAX);
            crate::stats::correlation::iman_conover(&mut columns, &target, |_, n| {
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                order
            });
            for (&j, column) in ids.iter().zip(columns) {
                inputs[j] = column;
            }
        }
        let per_row = sc.gate_draws();
        let mut gates = vec![0.0; (end - start) as usize * per_row];
        if per_row > 0 && opts.sampling == Sampling::Mc {
            for (gate_u, &row) in gates.chunks_mut(per_row).zip(&rows) {
                draw_gates_in_row(sc, row, gate_u);
            }
        } else {
            // each gate draw is one more dimension of the design
            for slot in 0..per_row {
                let d = (sc.inputs.len() + slot) as u64;
                let us = spread_uniforms(opts.sampling, seed, start, end, d);
                for (row, u) in gates.chunks_mut(per_row).zip(us) {
                    row[slot] = u;
                }
            }
        }
        BlockDraws {
            inputs,
            fixed: sc
                .inputs
                .iter()
                .map(|input| input.is_fixed().then(|| input.quantile(0.5)))
                .collect(),
            gates,
            per_row,
        }
    }

    /// A tile of [`ROW_TILE`] rows of n inputs, row after row, holding the
    /// fixed inputs' values (which [`BlockDraws::fill_tile`] leaves).
    fn tile(&self) -> Vec<f64> {
        let n = self.inputs.len();
        let mut tile = vec![0.0; ROW_TILE * n];
        for row in tile.chunks_exact_mut(n.max(1)) {
            for (slot, fixed) in row.iter_mut().zip(&self.fixed) {
                *slot = fixed.unwrap_or(0.0);
            }
        }
        tile
    }

    /// Rows `from..to` of the drawn inputs into a [`BlockDraws::tile`]
    /// (`tile[(r - from) * n + j]` is input j of row r, for n inputs).
    fn fill_tile(&self, from: usize, to: usize, tile: &mut [f64]) {
        let n = self.inputs.len();
        for (j, (column, fixed)) in self.inputs.iter().zip(&self.fixed).enumerate() {
            if fixed.is_some() {
                continue; // in the tile already
            }
            for (k, v) in column[from..to].iter().enumerate() {
                tile[k * n + j] = *v;
            }
        }
    }

    /// Row `r`'s gate uniforms.
    fn gates_of(&self, r: usize) -> &[f64] {
        &self.gates[r * self.per_row..(r + 1) * self.per_row]
    }

    pub(crate) fn copy_row(&self, r: usize, x: &mut [f64], gate_u: &mut [f64]) {
        for ((slot, column), fixed) in x.iter_mut().zip(&self.inputs).zip(&self.fixed) {
            *slot = fixed.unwrap_or_else(|| column[r]);
        }
        gate_u.copy_from_slice(self.gates_of(r));
    }
}

/// Where a run's per-iteration results go, block by block (the rows of
/// `iterations.csv`, see [`crate::export::iterations`]).
///
/// [`BlockSink::encode_row`] runs on the worker threads, right after each
/// iteration is simulated (its results still in cache), so that turning
/// rows into bytes stays parallel; [`BlockSink::consume`] then receives
/// each block's bytes strictly in block order, and only for the blocks the
/// run keeps, on one worker at a time while the others simulate (so
/// writing the file overlaps the simulation instead of following it). A
/// run that cannot stop early hands each block over as soon as the blocks
/// before it are written (`InOrder`); one that may stop, once the
/// merge has kept it.
pub trait BlockSink: Send + Sync {
    /// Appends the bytes of one iteration to its block's: `iteration` is
    /// 1-based, `x` holds every input of [`Scenario::inputs`] (fixed ones
    /// too), `o` its results.
    fn encode_row(&self, out: &mut Vec<u8>, iteration: u64, x: &[f64], o: &Outcome);

    /// An empty buffer for a block of `rows` rows' bytes, with room enough
    /// for them: a sink may hand back one that [`BlockSink::consume`] has
    /// written and emptied, its memory already mapped.
    fn buffer(&self, rows: usize) -> Vec<u8>;

    /// Takes the bytes of the next block, in block order. Never called
    /// from two threads at once, but possibly while `encode_row` runs on
    /// others: hence `&self`, the writer behind a lock.
    fn consume(&self, bytes: Vec<u8>) -> io::Result<()>;
}

/// Hands finished blocks' bytes to a sink in block order as soon as they
/// can go: a block waits only for the blocks before it, which workers
/// taking blocks in order finish at about the same time. Its rows are then
/// written while still in cache, and the file is complete when the last
/// block is, instead of a round of blocks later.
struct InOrder<'a> {
    sink: &'a dyn BlockSink,
    state: Mutex<Streaming>,
}

#[derive(Default)]
struct Streaming {
    /// The next block to write.
    next: u64,
    /// Finished blocks waiting for an earlier one.
    ready: std::collections::BTreeMap<u64, Vec<u8>>,
    /// Whether a thread is writing (it writes every block that is ready).
    writing: bool,
    /// The first write that failed: nothing is written after it.
    failed: Option<io::Error>,
}

impl InOrder<'_> {
    /// Takes block `block`'s bytes and writes whatever is next in order.
    fn put(&self, block: u64, bytes: Vec<u8>) {
        let lock = || self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = lock();
        state.ready.insert(block, bytes);
        if state.writing {
            return; // the thread writing will write it, in its turn
        }
        state.writing = true;
        loop {
            let next = state.next;
            let Some(bytes) = state.ready.remove(&next) else {
                state.writing = false;
                return;
            };
            state.next += 1;
            if state.failed.is_some() {
                continue;
            }
            drop(state);
            let written = self.sink.consume(bytes);
            state = lock();
            if let Err(e) = written {
                state.failed = Some(e);
            }
        }
    }

    /// The first write that failed, if any.
    fn failure(&self) -> io::Result<()> {
        match self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failed
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The run's result as blocks are merged into it, in block order.
struct Merging<'a, 'b, W: Watch> {
    result: RunResult,
    /// The kept blocks' own sketches (when a stop may come).
    kept_sketches: Vec<Sketch>,
    /// The kept blocks' bytes, not yet written.
    pending: Vec<Vec<u8>>,
    keep_bytes: bool,
    stopped: bool,
    enough: Option<&'a mut Merged<'b, W>>,
}

impl<W: Watch> Merging<'_, '_, W> {
    /// Merges a round's blocks, up to a stop.
    fn take(&mut self, outs: Vec<BlockOut<W::Block>>) {
        for out in outs {
            let BlockOut {
                block: _,
                mut records,
                funnel,
                monthly,
                encoded,
                sketches: own_sketches,
                watched,
            } = out;
            if self.stopped {
                continue; // simulated past the stop: never seen
            }
            if let Some(own) = &own_sketches {
                for (a, b) in self.kept_sketches.iter_mut().zip(own) {
                    a.merge(b);
                }
            }
            self.result.records.append(&mut records);
            self.result.funnel.merge(&funnel);
            self.result.monthly.merge(&monthly);
            if self.keep_bytes {
                self.pending.push(encoded);
            }
            if let Some(enough) = self.enough.as_mut() {
                self.stopped = enough(&self.result.records, watched);
            }
        }
    }
}

struct BlockOut<B> {
    /// Which block this is (workers take blocks as they come free, so a
    /// round's blocks finish in any order).
    block: u64,
    records: Records,
    funnel: Funnel,
    monthly: Monthly,
    /// The sink's bytes for the block.
    encoded: Vec<u8>,
    /// The block's own band sketches, when a run may stop early (otherwise
    /// they go straight into the worker thread's).
    sketches: Option<Vec<Sketch>>,
    /// What the [`Watch`] gathered.
    watched: B,
}

fn simulate_block<W: Watch>(
    sc: &Scenario,
    opts: &RunOptions,
    block: u64,
    sink: Option<&dyn BlockSink>,
    keep_inputs: bool,
    sketches: &mut [BlockSketch],
    watch: &W,
) -> BlockOut<W::Block> {
    let start = block * BLOCK;
    let end = (start + BLOCK).min(opts.iterations);
    let mut ws = Workspace::new(sc);
    let mut out = BlockOut {
        block,
        records: Records::with_capacity((end - start) as usize, sc.checkpoints.len()),
        funnel: Funnel::new(sc.stages.len()),
        monthly: Monthly::new(sc.horizon_months),
        encoded: Vec::new(),
        sketches: None,
        watched: watch.block(start, end),
    };
    if let Some(sink) = sink {
        out.encoded = sink.buffer((end - start) as usize);
    }
    // "pays back" for the on-track figures: within the target (MODEL.md 9)
    let target = crate::ontrack::target_months(sc.horizon_months) as f64;
    let draws = BlockDraws::new(sc, opts, start, end);
    if keep_inputs {
        out.records.inputs = sc
            .uncertain_inputs()
            .iter()
            .map(|&j| draws.inputs[j].clone())
            .collect();
    }
    // The draws are kept input by input. Read a row at a time, each of the
    // 40-odd inputs' cache lines was loaded again for every row (the
    // iteration between evicts them); a tile of rows turned row by row
    // loads each line once.
    let n = sc.inputs.len();
    let rows = (end - start) as usize;
    let mut tile = draws.tile();
    for from in (0..rows).step_by(ROW_TILE) {
        let to = (from + ROW_TILE).min(rows);
        draws.fill_tile(from, to, &mut tile);
        for r in from..to {
            let x = &tile[(r - from) * n..(r - from + 1) * n];
            model::simulate_pinned(sc, x, draws.gates_of(r), watch.pins(), 0.0, &mut ws);
            out.records.push(&ws.outcome);
            let paid = ws.outcome.payback.unwrap_or(f64::INFINITY) <= target;
            out.records
                .keep_checkpoints(&sc.checkpoints, &ws.months, paid);
            out.funnel.add(&ws.outcome);
            out.monthly.add(&ws.months, sketches);
            watch.see(&mut out.watched, x, &ws);
            if let Some(sink) = sink {
                sink.encode_row(&mut out.encoded, start + r as u64 + 1, x, &ws.outcome);
            }
        }
    }
    out
}

/// Rows of draws turned from input-major to row-major at a time (32 rows
/// of about 45 inputs: 11 kB, which stays in the L1 cache).
const ROW_TILE: usize = 32;

/// Runs the simulation. Each finished block goes to `sink`, when given, in
/// block order; `progress` hears how many iterations each finished block
/// held.
pub fn run(
    sc: &Scenario,
    opts: &RunOptions,
    sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<RunResult> {
    run_with(sc, opts, sink, progress, false, &(), None)
}

/// Runs until `enough` says so, at most `opts.iterations`.
///
/// After each block of [`BLOCK`] iterations has been merged (in block
/// order), `enough` sees the records of every iteration so far; when it
/// answers true the run ends there, so the iterations run (a whole number
/// of blocks, or the cap) depend only on the scenario, seed and sampling,
/// never on the thread count. Blocks simulated beyond the stop are
/// discarded unseen.
pub fn run_until(
    sc: &Scenario,
    opts: &RunOptions,
    sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
    enough: &mut (dyn FnMut(&Records) -> bool + Send),
) -> io::Result<RunResult> {
    run_with(
        sc,
        opts,
        sink,
        progress,
        false,
        &(),
        Some(&mut |records: &Records, ()| enough(records)),
    )
}

/// Runs the simulation and keeps every iteration's uncertain inputs in
/// [`Records::inputs`], for sensitivity analysis (8 bytes per input per
/// iteration).
pub fn run_keeping_inputs(
    sc: &Scenario,
    opts: &RunOptions,
    sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<RunResult> {
    run_with(sc, opts, sink, progress, true, &(), None)
}

/// Runs under a [`Watch`], at most `opts.iterations`: after each block has
/// been merged (in block order), `merged` receives the records so far and
/// that block's watched state, and ends the run by answering true (as in
/// [`run_until`]: the iterations run depend only on the scenario, seed and
/// sampling, never on the thread count). Keeps the uncertain inputs when
/// `keep_inputs`, as [`run_keeping_inputs`] does.
pub fn run_watched<W: Watch>(
    sc: &Scenario,
    opts: &RunOptions,
    sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
    keep_inputs: bool,
    watch: &W,
    merged: &mut Merged<W>,
) -> io::Result<RunResult> {
    run_with(sc, opts, sink, progress, keep_inputs, watch, Some(merged))
}

fn run_with<W: Watch>(
    sc: &Scenario,
    opts: &RunOptions,
    mut sink: Option<&mut dyn BlockSink>,
    progress: &(dyn Fn(u64) + Sync),
    keep_inputs: bool,
    watch: &W,
    mut enough: Option<&mut Merged<W>>,
) -> io::Result<RunResult> {
    let mut work = |sink: &mut Option<&mut dyn BlockSink>| -> io::Result<RunResult> {
        let n_blocks = opts.iterations.div_ceil(BLOCK);
        let result = RunResult {
            iterations: opts.iterations,
            seed: opts.seed,
            sampling: opts.sampling,
            records: Records::with_capacity(opts.iterations as usize, sc.checkpoints.len()),
            funnel: Funnel::new(sc.stages.len()),
            monthly: Monthly::new(sc.horizon_months),
        };
        // Band sketches hold integer counts, so they can be filled per worker
        // thread and merged in any order with the same result; each thread
        // only ever takes its own lock.
        let workers = rayon::current_num_threads().max(1);
        let sketch_sets: Vec<Mutex<Bands>> = (0..workers)
            .map(|_| Mutex::new(Bands::new(sc.horizon_months)))
            .collect();
        // When a stop may come, rounds stay small so little work is wasted;
        // their size never changes which blocks are kept.
        let per_round = if enough.is_some() {
            (2 * workers as u64).clamp(2, BLOCKS_PER_ROUND)
        } else {
            BLOCKS_PER_ROUND
        };
        let stoppable = enough.is_some();
        let encoder = sink.as_deref();
        // A run that may stop writes a block only once it is known to be
        // kept, after merging; any other writes each block as it finishes.
        let streaming = encoder.filter(|_| !stoppable).map(|sink| InOrder {
            sink,
            state: Mutex::new(Streaming::default()),
        });
        let mut merging: Merging<'_, '_, W> = Merging {
            result,
            kept_sketches: new_sketches(sc.horizon_months),
            pending: Vec::new(),
            keep_bytes: encoder.is_some() && stoppable,
            stopped: false,
            enough: enough.as_deref_mut(),
        };
        let mut waiting: Vec<BlockOut<W::Block>> = Vec::new();
        let mut first = 0;
        let write = |pending: &mut Vec<Vec<u8>>| -> io::Result<()> {
            if let Some(sink) = encoder {
                for bytes in pending.drain(..) {
                    sink.consume(bytes)?;
                }
            }
            Ok(())
        };
        while first < n_blocks && !merging.stopped {
            let last = (first + per_round).min(n_blocks);
            // Workers take the round's blocks in order, one at a time, so
            // that the blocks in flight are always the next few.
            let taken = std::sync::atomic::AtomicU64::new(first);
            let simulate = || -> Vec<BlockOut<W::Block>> {
                let mut outs: Vec<BlockOut<W::Block>> = (first..last)
                    .into_par_iter()
                    .map(|_| {
                        let b = taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let mut out = if stoppable {
                            let mut own = Bands::new(sc.horizon_months);
                            let mut out = simulate_block(
                                sc,
                                opts,
                                b,
                                encoder,
                                keep_inputs,
                                &mut own.block,
                                watch,
                            );
                            own.counted(out.records.npv.len() as u64);
                            out.sketches = Some(own.into_sketches());
                            out
                        } else {
                            let worker = rayon::current_thread_index().unwrap_or(0) % workers;
                            let mut bands = sketch_sets[worker]
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner());
                            let out = simulate_block(
                                sc,
                                opts,
                                b,
                                encoder,
                                keep_inputs,
                                &mut bands.block,
                                watch,
                            );
                            bands.counted(out.records.npv.len() as u64);
                            out
                        };
                        progress(out.records.npv.len() as u64);
                        if let Some(streaming) = &streaming {
                            streaming.put(b, std::mem::take(&mut out.encoded));
                        }
                        out
                    })
                    .collect();
                outs.sort_unstable_by_key(|out| out.block);
                outs
            };
            // The serial work (merging a round's blocks in block order,
            // writing their bytes) runs while the next round simulates;
            // when a stop may come, each round is merged before the next
            // starts, which it may cancel.
            let previous = std::mem::take(&mut waiting);
            let serial = || -> io::Result<()> {
                merging.take(previous);
                write(&mut merging.pending)
            };
            let (outs, written) = rayon::join(simulate, serial);
            written?;
            if let Some(streaming) = &streaming {
                streaming.failure()?;
            }
            if stoppable {
                merging.take(outs);
            } else {
                waiting = outs;
            }
            first = last;
        }
        merging.take(waiting);
        write(&mut merging.pending)?;
        let Merging {
            mut result,
            kept_sketches,
            ..
        } = merging;
        result.iterations = result.records.npv.len() as u64;
        let mut sets = sketch_sets.into_iter().map(|m| {
            m.into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .into_sketches()
        });
        let mut sketches = sets
            .next()
            .unwrap_or_else(|| new_sketches(sc.horizon_months));
        for set in sets.chain(stoppable.then_some(kept_sketches)) {
            for (a, b) in sketches.iter_mut().zip(&set) {
                a.merge(b);
            }
        }
        result.monthly.sketches = sketches;
        Ok(result)
    };
    match opts.threads {
        None => work(&mut sink),
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(io::Error::other)?;
            pool.install(|| work(&mut sink))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that keeps each row's iteration number (8 bytes) and fails
    /// the write of block `fail_at`, if given.
    struct Numbers {
        written: Mutex<Vec<u64>>,
        blocks: Mutex<u64>,
        fail_at: Option<u64>,
    }

    impl BlockSink for Numbers {
        fn encode_row(&self, out: &mut Vec<u8>, iteration: u64, _: &[f64], _: &Outcome) {
            out.extend_from_slice(&iteration.to_le_bytes());
        }

        fn consume(&self, bytes: Vec<u8>) -> io::Result<()> {
            let mut blocks = self.blocks.lock().unwrap();
            if Some(*blocks) == self.fail_at {
                return Err(io::Error::other(format!("disk full at block {}", *blocks)));
            }
            *blocks += 1;
            let mut written = self.written.lock().unwrap();
            written.extend(
                bytes
                    .chunks(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap())),
            );
            Ok(())
        }

        fn buffer(&self, rows: usize) -> Vec<u8> {
            Vec::with_capacity(rows * 8)
        }
    }

    fn streamed(
        threads: usize,
        iterations: u64,
        fail_at: Option<u64>,
    ) -> (io::Result<u64>, Vec<u64>) {
        let sc = Scenario::from_toml(crate::scenario::EXAMPLE_TOML, "example.toml").unwrap();
        let opts = RunOptions {
            iterations,
            seed: 3,
            threads: Some(threads),
            sampling: Sampling::Mc,
        };
        let mut sink = Numbers {
            written: Mutex::new(Vec::new()),
            blocks: Mutex::new(0),
            fail_at,
        };
        let result = run(&sc, &opts, Some(&mut sink), &|_| {}).map(|r| r.iterations);
        (result, sink.written.into_inner().unwrap())
    }

    /// Blocks finish in any order across the workers, and a block's bytes
    /// are written as soon as those before it are: the sink still sees
    /// every row once, in iteration order, on any thread count (a run of
    /// 2.5 rounds of blocks, the last one short).
    #[test]
    fn streamed_blocks_reach_the_sink_in_order() {
        let n = BLOCK * BLOCKS_PER_ROUND * 5 / 2 + 17;
        for threads in [1, 2, 5] {
            let (result, written) = streamed(threads, n, None);
            assert_eq!(result.unwrap(), n);
            assert!(written.iter().copied().eq(1..=n), "{threads} threads");
        }
    }

    /// A write that fails ends the run with its error, and nothing after
    /// the failed block is written.
    #[test]
    fn a_failed_write_ends_the_run_with_its_error() {
        let (result, written) = streamed(2, BLOCK * BLOCKS_PER_ROUND * 2, Some(3));
        let e = result.unwrap_err();
        assert_eq!(e.to_string(), "disk full at block 3");
        assert!(written.iter().copied().eq(1..=3 * BLOCK));
    }

    /// Drawing a block input by input gives exactly the draws of each
    /// iteration drawn on its own.
    #[test]
    fn block_draws_equal_drawing_one_iteration_at_a_time() {
        let sc = Scenario::from_toml(crate::scenario::EXAMPLE_TOML, "example.toml").unwrap();
        let opts = RunOptions {
            iterations: 1000,
            seed: 9,
            threads: None,
            sampling: Sampling::Mc,
        };
        let block = BlockDraws::new(&sc, &opts, 100, 180);
        let (mut a, mut b) = (vec![0.0; sc.inputs.len()], vec![0.0; sc.inputs.len()]);
        let (mut ga, mut gb) = (vec![0.0; sc.gate_draws()], vec![0.0; sc.gate_draws()]);
        for (r, i) in (100..180).enumerate() {
            block.copy_row(r, &mut a, &mut ga);
            draw(&sc, 9, i, &mut b, &mut gb);
            assert_eq!(a, b, "inputs of iteration {i}");
            assert_eq!(ga, gb, "gate draws of iteration {i}");
        }
    }

    /// Sobol points are 23-bit: each draw sits uniformly within its cell of
    /// 2^-23 (mean offset 1/2 within four standard errors), and Latin
    /// hypercube and Sobol uniforms stay inside (0, 1).
    #[test]
    fn design_uniforms_fill_their_cells_and_stay_open() {
        let n = BLOCK as f64;
        let us = spread_uniforms(Sampling::Sobol, 1, 0, BLOCK, 3);
        let offsets: Vec<f64> = us
            .iter()
            .map(|u| (u * (1u64 << 23) as f64).fract())
            .collect();
        let mean = offsets.iter().sum::<f64>() / n;
        assert!((mean - 0.5).abs() < 4.0 * (1.0 / 12.0 / n).sqrt(), "{mean}");
        for sampling in [Sampling::Lhs, Sampling::Sobol] {
            for d in 0..40 {
                let us = spread_uniforms(sampling, 9, BLOCK, 2 * BLOCK, d);
                assert!(us.iter().all(|u| *u > 0.0 && *u < 1.0));
            }
        }
    }

    /// Common random numbers: replacing one input's distribution changes
    /// that input's draws only.
    #[test]
    fn changing_one_input_leaves_every_other_draw_unchanged() {
        use crate::dist::{Dist, Shape};
        let sc = Scenario::from_toml(crate::scenario::EXAMPLE_TOML, "example.toml").unwrap();
        let k = sc
            .inputs
            .iter()
            .position(|i| i.path == "adoption.ceiling")
            .unwrap();
        let mut stressed = sc.clone();
        stressed.inputs[k].dist =
            Dist::new(Shape::Uniform { lo: 0.1, hi: 0.2 }, None, None).unwrap();
        let n = sc.inputs.len();
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        let (mut ga, mut gb) = (vec![0.0; sc.gate_draws()], vec![0.0; sc.gate_draws()]);
        for i in 0..200 {
            draw(&sc, 5, i, &mut a, &mut ga);
            draw(&stressed, 5, i, &mut b, &mut gb);
            assert!(b[k] >= 0.1 && b[k] <= 0.2);
            for j in (0..n).filter(|j| *j != k) {
                assert_eq!(a[j], b[j], "input {} of iteration {i}", sc.inputs[j].path);
            }
            assert_eq!(ga, gb);
        }
    }
}
