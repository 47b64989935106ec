//! A programme of initiatives on one clock (MODEL.md section 10): the
//! simulation and its figures. No I/O: the files are [`crate::export`]'s.
//!
//! Each initiative is simulated by the single-initiative model
//! ([`crate::model::simulate_from`]) with its first stage at its start
//! month, from the same block draws the engine uses
//! ([`crate::engine::BlockDraws`]), under its own seed
//! ([`initiative_seed`]: the portfolio's seed mixed with the initiative's
//! name). So:
//!
//! - an initiative's draws do not depend on which other initiatives the
//!   programme holds, nor on their order: the programme without
//!   initiative `j` sees exactly the same futures of the others (common
//!   random numbers), and marginal contributions are exact differences;
//! - an initiative at start 0 sees exactly the futures `gatecast run
//!   --seed <its seed>` sees, with readiness 0;
//! - iterations run in the engine's blocks and merge in block order, so
//!   results are byte-identical on any number of threads.

pub mod figures;
pub mod select;

use std::io;

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::engine::{
    new_sketches, open_uniform, splitmix64, stream, BlockDraws, Funnel, Monthly, Records,
    RunOptions, RunResult, Sampling, BLOCK,
};
use crate::model::{simulate_from, Months, Workspace};
use crate::scenario::portfolio::Portfolio;
use crate::stats::Sketch;

/// Stream key of an initiative's start-month draw (above every input and
/// gate key, below the engine's design keys).
const START_KEY: u64 = 1 << 62;
/// Stream key of the iteration's shared readiness `Z`, under the
/// portfolio's own seed.
const READINESS_KEY: u64 = (1 << 62) | 1;
/// Blocks simulated between two merges.
const BLOCKS_PER_ROUND: u64 = 16;
/// Above this many (subset x iteration) values, each subset's peak
/// funding is kept in a [`Sketch`] (its P90 within 0.78%) rather than
/// exactly: 2^24 values are 128 MiB.
pub const EXACT_PEAKS: u64 = 1 << 24;

/// The seed initiative `name` draws under, in a portfolio run on `seed`.
///
/// # Formula
/// `splitmix64(seed ^ splitmix64(fnv1a64(name)))`: it depends on the
/// name alone, never on the initiative's place in the file.
pub fn initiative_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix64(seed ^ splitmix64(h))
}

/// The payback target T of MODEL.md section 9: 36 months, or the horizon
/// when shorter.
pub fn payback_target(horizon_months: usize) -> f64 {
    (horizon_months as f64).min(36.0)
}

/// Section 7's cash figures of one net cash path: payback (`None` for no
/// payback within the horizon), NPV and peak funding.
///
/// The same operations, in the same order, as [`crate::model::simulate`],
/// so a one-initiative programme reproduces the initiative's figures to
/// the last bit.
pub fn cash_figures(net: &[f64], monthly_discount: f64) -> (Option<f64>, f64, f64) {
    let (mut cum, mut npv, mut discount, mut min_cum) = (0.0, 0.0, 1.0, 0.0f64);
    let mut payback = None;
    let mut was_negative = false;
    for (i, &n) in net.iter().enumerate() {
        let before = cum;
        cum += n;
        discount *= monthly_discount;
        npv += n * discount;
        min_cum = min_cum.min(cum);
        if payback.is_none() {
            if cum < 0.0 {
                was_negative = true;
            } else if was_negative {
                payback = Some(i as f64 + (-before) / n);
            }
        }
    }
    let payback = if was_negative { payback } else { Some(0.0) };
    (payback, npv, (-min_cum).max(0.0))
}

/// The monthly discount factor of an annual rate.
pub fn monthly_discount(annual: f64) -> f64 {
    (1.0 + annual).powf(-1.0 / 12.0)
}

/// One subset's peak funding over the iterations: exact values, or a
/// sketch for very large runs (see [`EXACT_PEAKS`]).
#[derive(Debug, Clone)]
pub enum Peaks {
    Exact(Vec<f64>),
    Sketched(Sketch),
}

impl Peaks {
    fn new(exact: bool, capacity: usize) -> Peaks {
        if exact {
            Peaks::Exact(Vec::with_capacity(capacity))
        } else {
            Peaks::Sketched(Sketch::default())
        }
    }

    fn push(&mut self, v: f64) {
        match self {
            Peaks::Exact(values) => values.push(v),
            Peaks::Sketched(s) => s.insert(v),
        }
    }

    fn append(&mut self, other: Peaks) {
        match (self, other) {
            (Peaks::Exact(a), Peaks::Exact(mut b)) => a.append(&mut b),
            (Peaks::Sketched(a), Peaks::Sketched(b)) => a.merge(&b),
            _ => unreachable!("one run keeps every subset's peaks one way"),
        }
    }

    /// The `p` percentile (linear interpolation between order statistics
    /// when exact).
    pub fn percentile(&self, p: f64) -> f64 {
        match self {
            Peaks::Exact(values) => {
                let mut v = values.clone();
                crate::stats::sort_f64(&mut v);
                crate::stats::percentile_inc(&v, p)
            }
            Peaks::Sketched(s) => s.quantile(p),
        }
    }

    /// Whether the percentiles are exact.
    pub fn exact(&self) -> bool {
        matches!(self, Peaks::Exact(_))
    }
}

/// One subset of the initiatives over the iterations.
#[derive(Debug, Clone)]
pub struct SubsetRun {
    /// Bit `j` set: initiative `j` is in the subset.
    pub mask: u32,
    /// Sum of the subset's NPV over iterations, added in iteration order.
    pub npv_sum: f64,
    /// Sum of the squares, for the standard error.
    pub npv_sum_sq: f64,
    /// Iterations whose payback came within the target T.
    pub paid_within_target: u64,
    pub peaks: Peaks,
}

/// Everything a portfolio run produces, before figures.
#[derive(Debug, Clone)]
pub struct PortfolioRun {
    pub iterations: u64,
    pub seed: u64,
    pub sampling: Sampling,
    /// Each initiative on the portfolio clock, as a run of its own.
    pub initiatives: Vec<RunResult>,
    /// `furthest[j][i]`: the furthest stage initiative j started in iteration i.
    pub furthest: Vec<Vec<u8>>,
    /// `starts[j][i]`: initiative j's start month in iteration i.
    pub starts: Vec<Vec<f64>>,
    /// The programme per iteration (`first_access` is the earliest of the
    /// initiatives').
    pub records: Records,
    /// The programme month by month (usage rate left at 0: it has no meaning
    /// for a sum of initiatives).
    pub monthly: Monthly,
    /// `reached_last[i]`: initiatives that started their last stage.
    pub reached_last: Vec<u8>,
    /// Stage names, in order of first appearance over the initiatives.
    pub stage_names: Vec<String>,
    /// `stage_counts[s][k]`: iterations in which exactly k initiatives
    /// started a stage named `stage_names[s]`.
    pub stage_counts: Vec<Vec<u64>>,
    /// Largest positive initiative NPV over the sum of the positive ones;
    /// `NaN` when none is positive.
    pub concentration: Vec<f64>,
    /// The subsets evaluated, in ascending mask order.
    pub subsets: Vec<SubsetRun>,
}

/// Which subsets a run evaluates.
#[derive(Debug, Clone, PartialEq)]
pub enum Subsets {
    /// Every subset (selection under a budget).
    All,
    /// These masks only.
    Only(Vec<u32>),
}

impl Subsets {
    /// The whole programme and the programme without each initiative:
    /// what marginal contributions need.
    pub fn leave_one_out(n: usize) -> Subsets {
        let full = full_mask(n);
        let mut masks: Vec<u32> = (0..n).map(|j| full & !(1 << j)).collect();
        masks.push(full);
        masks.sort_unstable();
        masks.dedup();
        Subsets::Only(masks)
    }

    fn masks(&self, n: usize) -> Vec<u32> {
        match self {
            Subsets::All => (0..=full_mask(n)).collect(),
            Subsets::Only(m) => m.clone(),
        }
    }
}

/// The mask of every initiative.
pub fn full_mask(n: usize) -> u32 {
    ((1u64 << n) - 1) as u32
}

struct BlockOut {
    initiatives: Vec<(Records, Funnel, Monthly, Vec<Sketch>)>,
    furthest: Vec<Vec<u8>>,
    starts: Vec<Vec<f64>>,
    records: Records,
    monthly: Monthly,
    sketches: Vec<Sketch>,
    reached_last: Vec<u8>,
    stage_counts: Vec<Vec<u64>>,
    concentration: Vec<f64>,
    /// Per subset (in `masks` order): npv sum, squares, paid, peaks.
    subsets: Vec<(f64, f64, u64, Peaks)>,
}

/// Shared, read-only setup of a run.
struct Setup<'a> {
    pf: &'a Portfolio,
    opts: RunOptions,
    seeds: Vec<u64>,
    /// `stage_name[j][s]`: the index in `stage_names` of initiative j's stage s.
    stage_name: Vec<Vec<usize>>,
    n_names: usize,
    masks: Vec<u32>,
    all: bool,
    exact: bool,
    /// Subsets only: no month-by-month bands (a re-estimate on fresh draws).
    lean: bool,
    discount: f64,
    target: f64,
    normal: Normal,
}

/// Turns gate uniform `u` into `Phi(sqrt(r) z + sqrt(1 - r) Phi^-1(u))`,
/// kept below 1 so that a gate with `pass = 1` still always passes.
fn ready(normal: &Normal, r: f64, z: f64, u: f64) -> f64 {
    let moved = normal.cdf(r.sqrt() * z + (1.0 - r).sqrt() * normal.inverse_cdf(u));
    moved.min(1.0 - f64::EPSILON / 2.0)
}

fn simulate_block(s: &Setup, block: u64) -> BlockOut {
    let pf = s.pf;
    let n = pf.initiatives.len();
    let h = pf.horizon_months;
    let start = block * BLOCK;
    let end = (start + BLOCK).min(s.opts.iterations);
    let len = (end - start) as usize;
    let draws: Vec<BlockDraws> = pf
        .initiatives
        .iter()
        .zip(&s.seeds)
        .map(|(init, &seed)| {
            let opts = RunOptions { seed, ..s.opts };
            BlockDraws::new(&init.scenario, &opts, start, end)
        })
        .collect();
    let mut ws: Vec<Workspace> = pf
        .initiatives
        .iter()
        .map(|i| Workspace::new(&i.scenario))
        .collect();
    let mut xs: Vec<Vec<f64>> = pf
        .initiatives
        .iter()
        .map(|i| vec![0.0; i.scenario.inputs.len()])
        .collect();
    let mut gus: Vec<Vec<f64>> = pf
        .initiatives
        .iter()
        .map(|i| vec![0.0; i.scenario.gate_draws()])
        .collect();
    let mut out = BlockOut {
        initiatives: pf
            .initiatives
            .iter()
            .map(|i| {
                (
                    Records::with_capacity(len, 0),
                    Funnel::new(i.scenario.stages.len()),
                    Monthly::new(h),
                    new_sketches(h),
                )
            })
            .collect(),
        furthest: vec![Vec::with_capacity(len); n],
        starts: vec![Vec::with_capacity(len); n],
        records: Records::with_capacity(len, 0),
        monthly: Monthly::new(h),
        sketches: new_sketches(h),
        reached_last: Vec::with_capacity(len),
        stage_counts: vec![vec![0; n + 1]; s.n_names],
        concentration: Vec::with_capacity(len),
        subsets: vec![(0.0, 0.0, 0, Peaks::new(s.exact, len)); s.masks.len()],
    };
    let v = || vec![0.0; h];
    let mut prog = Months {
        usage: v(),
        active: v(),
        access: v(),
        costs: v(),
        benefits: v(),
        net: v(),
        cumulative: v(),
        cost_parts: [v(), v(), v(), v(), v()],
    };
    let mut table: Vec<Vec<f64>> = if s.all {
        vec![vec![0.0; h]; s.masks.len()]
    } else {
        Vec::new()
    };
    let mut path = v();
    let mut names = vec![0usize; s.n_names];
    for r in 0..len {
        let i = start + r as u64;
        let z = (pf.readiness > 0.0).then(|| {
            s.normal
                .inverse_cdf(open_uniform(&mut stream(s.opts.seed, i, READINESS_KEY)))
        });
        for m in [
            &mut prog.costs,
            &mut prog.benefits,
            &mut prog.net,
            &mut prog.active,
        ] {
            m.iter_mut().for_each(|x| *x = 0.0);
        }
        for part in prog.cost_parts.iter_mut() {
            part.iter_mut().for_each(|x| *x = 0.0);
        }
        names.iter_mut().for_each(|c| *c = 0);
        let mut last = 0u8;
        let (mut best, mut positive) = (0.0f64, 0.0);
        let mut first_access = f64::NAN;
        for j in 0..n {
            let init = &pf.initiatives[j];
            let sc = &init.scenario;
            draws[j].copy_row(r, &mut xs[j], &mut gus[j]);
            if let Some(z) = z {
                for u in gus[j].iter_mut() {
                    *u = ready(&s.normal, pf.readiness, z, *u);
                }
            }
            let at = if init.start_month.is_fixed() {
                init.start_month.quantile(0.5)
            } else {
                init.start_month
                    .sample(&mut stream(s.seeds[j], i, START_KEY))
            };
            let w = &mut ws[j];
            simulate_from(sc, &xs[j], &gus[j], at, w);
            let o = &w.outcome;
            let (rec, funnel, monthly, sketches) = &mut out.initiatives[j];
            rec.push(o);
            funnel.add(o);
            if !s.lean {
                monthly.add(&w.months, sketches);
            }
            out.furthest[j].push(o.furthest_stage as u8);
            out.starts[j].push(at);
            for (st, started) in o.stage_start.iter().enumerate() {
                if started.is_some() {
                    names[s.stage_name[j][st]] += 1;
                }
            }
            if o.stage_start.last().is_some_and(Option::is_some) {
                last += 1;
            }
            if o.npv > 0.0 {
                best = best.max(o.npv);
                positive += o.npv;
            }
            if let Some(a) = o.first_access {
                first_access = if first_access.is_nan() {
                    a
                } else {
                    first_access.min(a)
                };
            }
            let m = &w.months;
            for (p, x) in prog.costs.iter_mut().zip(&m.costs) {
                *p += x;
            }
            for (p, x) in prog.benefits.iter_mut().zip(&m.benefits) {
                *p += x;
            }
            for (p, x) in prog.net.iter_mut().zip(&m.net) {
                *p += x;
            }
            for (p, x) in prog.active.iter_mut().zip(&m.active) {
                *p += x;
            }
            for (pp, mp) in prog.cost_parts.iter_mut().zip(&m.cost_parts) {
                for (p, x) in pp.iter_mut().zip(mp) {
                    *p += x;
                }
            }
        }
        // the programme: section 7 on the summed net cash
        let mut cum = 0.0;
        let (mut total_cost, mut total_benefit) = (0.0, 0.0);
        for m in 0..h {
            cum += prog.net[m];
            prog.cumulative[m] = cum;
            total_cost += prog.costs[m];
            total_benefit += prog.benefits[m];
        }
        let (payback, npv, peak) = cash_figures(&prog.net, s.discount);
        let rec = &mut out.records;
        rec.payback.push(payback.unwrap_or(f64::INFINITY));
        rec.npv.push(npv);
        rec.roi.push(if total_cost != 0.0 {
            (total_benefit - total_cost) / total_cost
        } else {
            f64::NAN
        });
        rec.total_cost.push(total_cost);
        rec.total_benefit.push(total_benefit);
        rec.peak_funding.push(peak);
        rec.first_access.push(first_access);
        if !s.lean {
            out.monthly.add(&prog, &mut out.sketches);
        }
        out.reached_last.push(last);
        for (counts, &c) in out.stage_counts.iter_mut().zip(&names) {
            counts[c] += 1;
        }
        out.concentration.push(if positive > 0.0 {
            best / positive
        } else {
            f64::NAN
        });
        // the subsets, each summed in initiative order from 0
        for (k, &mask) in s.masks.iter().enumerate() {
            let net: &[f64] = if s.all {
                // masks are 0..2^n: table[mask] = table[mask minus its
                // highest bit] + initiative (highest bit)
                if mask != 0 {
                    let top = 31 - mask.leading_zeros() as usize;
                    let rest = (mask & !(1 << top)) as usize;
                    let (lo, hi) = table.split_at_mut(k);
                    let dst = &mut hi[0];
                    for ((d, a), b) in dst.iter_mut().zip(&lo[rest]).zip(&ws[top].months.net) {
                        *d = a + b;
                    }
                }
                &table[k]
            } else {
                path.iter_mut().for_each(|x| *x = 0.0);
                for (j, w) in ws.iter().enumerate() {
                    if mask & (1 << j) != 0 {
                        for (p, x) in path.iter_mut().zip(&w.months.net) {
                            *p += x;
                        }
                    }
                }
                &path
            };
            let (payback, npv, peak) = cash_figures(net, s.discount);
            let acc = &mut out.subsets[k];
            acc.0 += npv;
            acc.1 += npv * npv;
            acc.2 += u64::from(payback.is_some_and(|p| p <= s.target));
            acc.3.push(peak);
        }
    }
    out
}

/// Runs a programme. `progress` hears how many iterations each finished
/// block held.
pub fn run(
    pf: &Portfolio,
    opts: &RunOptions,
    subsets: &Subsets,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<PortfolioRun> {
    run_with(pf, opts, subsets, progress, false)
}

/// Re-estimates the subset `mask` of `pf` on the draws of `opts`: a run
/// of those initiatives alone (their draws depend on their names only, so
/// they are the futures the whole programme would see), with no
/// month-by-month bands. Its [`figures::all_figures`] are the subset's.
pub fn re_estimate(
    pf: &Portfolio,
    mask: u32,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> io::Result<(Portfolio, PortfolioRun)> {
    let mut sub = pf.clone();
    sub.initiatives = pf
        .initiatives
        .iter()
        .enumerate()
        .filter(|(j, _)| mask & (1 << j) != 0)
        .map(|(_, i)| i.clone())
        .collect();
    let full = full_mask(sub.initiatives.len());
    let r = run_with(&sub, opts, &Subsets::Only(vec![full]), progress, true)?;
    Ok((sub, r))
}

fn run_with(
    pf: &Portfolio,
    opts: &RunOptions,
    subsets: &Subsets,
    progress: &(dyn Fn(u64) + Sync),
    lean: bool,
) -> io::Result<PortfolioRun> {
    let n = pf.initiatives.len();
    let mut stage_names: Vec<String> = Vec::new();
    let stage_name = pf
        .initiatives
        .iter()
        .map(|i| {
            i.scenario
                .stages
                .iter()
                .map(|st| match stage_names.iter().position(|x| *x == st.name) {
                    Some(k) => k,
                    None => {
                        stage_names.push(st.name.clone());
                        stage_names.len() - 1
                    }
                })
                .collect()
        })
        .collect();
    let masks = subsets.masks(n);
    let setup = Setup {
        pf,
        opts: *opts,
        seeds: pf
            .initiatives
            .iter()
            .map(|i| initiative_seed(opts.seed, &i.name))
            .collect(),
        stage_name,
        n_names: stage_names.len(),
        all: *subsets == Subsets::All,
        discount: monthly_discount(pf.discount_rate),
        target: payback_target(pf.horizon_months),
        normal: Normal::standard(),
        exact: masks.len() as u64 * opts.iterations <= EXACT_PEAKS,
        lean,
        masks,
    };
    let work = || {
        let h = pf.horizon_months;
        let cap = opts.iterations as usize;
        let mut result = PortfolioRun {
            iterations: opts.iterations,
            seed: opts.seed,
            sampling: opts.sampling,
            initiatives: pf
                .initiatives
                .iter()
                .map(|i| RunResult {
                    iterations: opts.iterations,
                    seed: setup.seeds[0],
                    sampling: opts.sampling,
                    records: Records::with_capacity(cap, 0),
                    funnel: Funnel::new(i.scenario.stages.len()),
                    monthly: Monthly {
                        sketches: new_sketches(h),
                        ..Monthly::new(h)
                    },
                })
                .collect(),
            furthest: vec![Vec::with_capacity(cap); n],
            starts: vec![Vec::with_capacity(cap); n],
            records: Records::with_capacity(cap, 0),
            monthly: Monthly {
                sketches: new_sketches(h),
                ..Monthly::new(h)
            },
            reached_last: Vec::with_capacity(cap),
            stage_names: stage_names.clone(),
            stage_counts: vec![vec![0; n + 1]; stage_names.len()],
            concentration: Vec::with_capacity(cap),
            subsets: setup
                .masks
                .iter()
                .map(|&mask| SubsetRun {
                    mask,
                    npv_sum: 0.0,
                    npv_sum_sq: 0.0,
                    paid_within_target: 0,
                    peaks: Peaks::new(setup.exact, cap),
                })
                .collect(),
        };
        for (r, seed) in result.initiatives.iter_mut().zip(&setup.seeds) {
            r.seed = *seed;
        }
        let n_blocks = opts.iterations.div_ceil(BLOCK);
        let mut first = 0;
        while first < n_blocks {
            let last = (first + BLOCKS_PER_ROUND).min(n_blocks);
            let outs: Vec<BlockOut> = (first..last)
                .into_par_iter()
                .map(|b| {
                    let out = simulate_block(&setup, b);
                    progress(out.records.npv.len() as u64);
                    out
                })
                .collect();
            for mut out in outs {
                for (r, (mut rec, funnel, monthly, sketches)) in
                    result.initiatives.iter_mut().zip(out.initiatives)
                {
                    r.records.append(&mut rec);
                    r.funnel.merge(&funnel);
                    r.monthly.merge(&monthly);
                    for (a, b) in r.monthly.sketches.iter_mut().zip(&sketches) {
                        a.merge(b);
                    }
                }
                for (a, b) in result.furthest.iter_mut().zip(&mut out.furthest) {
                    a.append(b);
                }
                for (a, b) in result.starts.iter_mut().zip(&mut out.starts) {
                    a.append(b);
                }
                result.records.append(&mut out.records);
                result.monthly.merge(&out.monthly);
                for (a, b) in result.monthly.sketches.iter_mut().zip(&out.sketches) {
                    a.merge(b);
                }
                result.reached_last.append(&mut out.reached_last);
                for (a, b) in result.stage_counts.iter_mut().zip(&out.stage_counts) {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                }
                result.concentration.append(&mut out.concentration);
                for (a, (sum, sq, paid, peaks)) in result.subsets.iter_mut().zip(out.subsets) {
                    a.npv_sum += sum;
                    a.npv_sum_sq += sq;
                    a.paid_within_target += paid;
                    a.peaks.append(peaks);
                }
            }
            first = last;
        }
        result
    };
    match opts.threads {
        None => Ok(work()),
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(io::Error::other)?;
            Ok(pool.install(work))
        }
    }
}

/// A standard normal draw from a stream, for tests of the readiness copula.
#[doc(hidden)]
pub fn readiness_z(seed: u64, i: u64) -> f64 {
    Normal::standard().inverse_cdf(open_uniform(&mut stream(seed, i, READINESS_KEY)))
}
