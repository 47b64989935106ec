//! What drives the result: the decile tornado and rank correlations from one
//! run, and the pinned tornado and spider from reruns on common random
//! numbers (each input has its own random stream, so pinning one input
//! leaves every other draw of every iteration unchanged).
//!
//! The analysis runs on the first [`MAX_ITERATIONS`] iterations of the run
//! (the same futures, drawn from the same streams), so its cost does not
//! grow with the size of the main run.

use std::io;

use rayon::prelude::*;
use serde::Serialize;

use crate::dist::Dist;
use crate::engine::{self, RunOptions, RunResult};
use crate::scenario::{Change, Scenario};
use crate::stats::percentile_inc;
use crate::stats::sensitivity::{decile_tornado, swing, DecileBar, Target};

/// The most iterations the sensitivity analysis uses.
pub const MAX_ITERATIONS: u64 = 10_000;
/// Inputs drawn on the spider chart.
pub const SPIDER_INPUTS: usize = 5;
/// The percentiles the spider moves each input through.
pub const SPIDER_POINTS: [f64; 5] = [0.1, 0.3, 0.5, 0.7, 0.9];

/// One bar of the pinned tornado: the target with an input pinned low and
/// high, everything else drawn as usual from the same random numbers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PinnedBar {
    /// An input path, or `gate.<stage>` for a gate.
    pub path: String,
    /// What "low" and "high" mean: "P10 = 0.62", "always kill"...
    pub low_setting: String,
    pub high_setting: String,
    /// The target statistic (mean, or median for payback) at each end.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The target's P50 at each end.
    pub low_p50: Option<f64>,
    pub high_p50: Option<f64>,
}

/// One line of the spider chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpiderLine {
    pub path: String,
    /// (the input's percentile, its value there, the target statistic).
    pub points: Vec<(f64, f64, Option<f64>)>,
}

/// The whole sensitivity analysis for one target.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sensitivity {
    pub target: Target,
    /// "mean NPV", "median payback (months)"...
    pub statistic: String,
    /// Iterations analysed.
    pub iterations: u64,
    /// The statistic over all analysed iterations.
    pub base: Option<f64>,
    /// The target's P50 over all analysed iterations, which the pinned
    /// P50s move from; `None` when it is undefined or beyond the horizon.
    pub base_p50: Option<f64>,
    /// Change-in-output tornado (lowest vs highest decile of each input),
    /// with Spearman rank correlations and contributions to variance;
    /// sorted by swing.
    pub deciles: Vec<DecileBar>,
    /// Pinned tornado, inputs and gates, sorted by swing.
    pub pinned: Vec<PinnedBar>,
    /// The top inputs of the pinned tornado moved through P10..P90.
    pub spider: Vec<SpiderLine>,
}

/// The target's per-iteration values (`+inf` no payback, `NaN` undefined).
fn target_values(r: &RunResult, target: Target) -> &[f64] {
    match target {
        Target::Npv => &r.records.npv,
        Target::Payback => &r.records.payback,
        Target::Roi => &r.records.roi,
        Target::PeakFunding => &r.records.peak_funding,
    }
}

fn p50(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = percentile_inc(&v, 0.5);
    m.is_finite().then_some(m)
}

/// Runs the analysis: one run keeping inputs, then the reruns.
pub fn analyse(
    sc: &Scenario,
    seed: u64,
    iterations: u64,
    threads: Option<usize>,
    target: Target,
) -> io::Result<Sensitivity> {
    analyse_with(sc, &plain(seed, iterations, threads), target, true)
}

/// The decile tornado and rank correlations only: one run, no reruns.
pub fn analyse_quick(
    sc: &Scenario,
    seed: u64,
    iterations: u64,
    threads: Option<usize>,
    target: Target,
) -> io::Result<Sensitivity> {
    analyse_with(sc, &plain(seed, iterations, threads), target, false)
}

fn plain(seed: u64, iterations: u64, threads: Option<usize>) -> RunOptions {
    RunOptions {
        iterations,
        seed,
        threads,
        sampling: crate::engine::Sampling::Mc,
    }
}

/// The analysis under a run's options (its sampling method included):
/// the pinned tornado and spider too when `pinned_too`.
pub fn analyse_with(
    sc: &Scenario,
    run: &RunOptions,
    target: Target,
    pinned_too: bool,
) -> io::Result<Sensitivity> {
    let opts = RunOptions {
        iterations: run.iterations.min(MAX_ITERATIONS),
        ..*run
    };
    let base_run = engine::run_keeping_inputs(sc, &opts, None, &|_| {})?;
    let values = target_values(&base_run, target);
    let ids = sc.uncertain_inputs();
    let paths: Vec<String> = ids.iter().map(|&i| sc.inputs[i].path.clone()).collect();
    let deciles = decile_tornado(&paths, &base_run.records.inputs, values, target);
    let run_stat = |s: &Scenario| -> io::Result<(Option<f64>, Option<f64>)> {
        let r = engine::run(s, &opts, None, &|_| {})?;
        let v = target_values(&r, target);
        Ok((target.statistic(v), p50(v)))
    };
    let pin = |path: &str, value: f64| -> io::Result<(Option<f64>, Option<f64>)> {
        let pinned = sc
            .with_changes(&[(path.to_string(), Change::Set(Dist::fixed(value)))])
            .map_err(io::Error::other)?;
        run_stat(&pinned)
    };

    let mut pinned = Vec::new();
    // the reruns are independent and each deterministic: run them side by
    // side (a 10,000-iteration run alone keeps only three blocks busy)
    let chosen: Vec<usize> = if pinned_too { ids.clone() } else { Vec::new() };
    let bars: Vec<io::Result<PinnedBar>> = chosen
        .par_iter()
        .map(|&id| {
            let input = &sc.inputs[id];
            let (lo_v, hi_v) = (input.quantile(0.1), input.quantile(0.9));
            let (low, low_p50) = pin(&input.path, lo_v)?;
            let (high, high_p50) = pin(&input.path, hi_v)?;
            Ok(PinnedBar {
                path: input.path.clone(),
                low_setting: format!("P10 = {}", crate::format::sig(lo_v)),
                high_setting: format!("P90 = {}", crate::format::sig(hi_v)),
                low,
                high,
                low_p50,
                high_p50,
            })
        })
        .collect();
    for bar in bars {
        pinned.push(bar?);
    }
    for (i, st) in sc.stages.iter().enumerate() {
        if st.gate.is_none() || !pinned_too {
            continue;
        }
        let at = |pass: bool| {
            let mut s = sc.clone();
            let gate = s.stages[i].gate.as_mut().expect("a gate");
            gate.pass = if pass { 1.0 } else { 0.0 };
            gate.rework = 0.0;
            gate.min_usage_rate = None;
            run_stat(&s)
        };
        let (low, low_p50) = at(false)?;
        let (high, high_p50) = at(true)?;
        pinned.push(PinnedBar {
            path: format!("gate.{}", st.name),
            low_setting: "always kill".into(),
            high_setting: "always pass".into(),
            low,
            high,
            low_p50,
            high_p50,
        });
    }
    pinned.sort_by(|a, b| {
        swing(b.low, b.high)
            .total_cmp(&swing(a.low, a.high))
            .then(a.path.cmp(&b.path))
    });

    let mut spider = Vec::new();
    for bar in pinned
        .iter()
        .filter(|b| !b.path.starts_with("gate."))
        .take(SPIDER_INPUTS)
    {
        let input = &sc.inputs[sc.input_id(&bar.path).expect("an input")];
        let mut points = Vec::new();
        for p in SPIDER_POINTS {
            let v = input.quantile(p);
            let stat = if p == 0.1 {
                bar.low
            } else if p == 0.9 {
                bar.high
            } else {
                pin(&bar.path, v)?.0
            };
            points.push((p, v, stat));
        }
        spider.push(SpiderLine {
            path: bar.path.clone(),
            points,
        });
    }
    Ok(Sensitivity {
        target,
        statistic: target.statistic_label(),
        iterations: opts.iterations,
        base: target.statistic(values),
        base_p50: p50(values),
        deciles,
        pinned,
        spider,
    })
}

/// `sensitivity.csv`: one row per input (and per gate), decile tornado,
/// rank correlation, contribution to variance and pinned tornado.
pub fn csv(s: &Sensitivity) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "input",
        "spearman_rank_correlation",
        "contribution_to_variance",
        "low_decile_edge",
        "high_decile_edge",
        "statistic_in_low_decile",
        "statistic_in_high_decile",
        "pinned_low",
        "pinned_high",
        "statistic_pinned_low",
        "statistic_pinned_high",
        "p50_pinned_low",
        "p50_pinned_high",
    ])?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    // rows in the pinned tornado's order when there is one, else the deciles'
    let order: Vec<&str> = if s.pinned.is_empty() {
        s.deciles.iter().map(|d| d.path.as_str()).collect()
    } else {
        s.pinned.iter().map(|b| b.path.as_str()).collect()
    };
    for path in order {
        let d = s.deciles.iter().find(|d| d.path == path);
        let none = PinnedBar {
            path: path.to_string(),
            low_setting: String::new(),
            high_setting: String::new(),
            low: None,
            high: None,
            low_p50: None,
            high_p50: None,
        };
        let bar = s.pinned.iter().find(|b| b.path == path).unwrap_or(&none);
        w.write_record([
            bar.path.clone(),
            d.map_or(String::new(), |d| d.spearman.to_string()),
            d.map_or(String::new(), |d| d.contribution.to_string()),
            d.map_or(String::new(), |d| d.low_edge.to_string()),
            d.map_or(String::new(), |d| d.high_edge.to_string()),
            opt(d.and_then(|d| d.low)),
            opt(d.and_then(|d| d.high)),
            bar.low_setting.clone(),
            bar.high_setting.clone(),
            opt(bar.low),
            opt(bar.high),
            opt(bar.low_p50),
            opt(bar.high_p50),
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}
