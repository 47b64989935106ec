//! How much each sampling method narrows the Monte Carlo error, measured
//! the only honest way: rerun every shipped scenario on many seeds at equal
//! iterations and take the standard deviation of the estimates across
//! seeds. Prints a Markdown table (the one in the README).
//!
//!   cargo bench --bench sampling                 # 40 seeds x 16,384 iterations
//!   SEEDS=100 ITERATIONS=65536 cargo bench --bench sampling
//!
//! For each scenario and method: the standard error of mean NPV and of
//! P(payback within 36 months) across seeds; the same as a share of plain
//! Monte Carlo's; and the mean of the standard error the summary reports
//! (independent-draws formula for mc, spread between blocks for lhs and
//! sobol), which should be close to the measured one.

use gatecast::engine::{self, RunOptions, Sampling};
use gatecast::scenario::Scenario;
use gatecast::summary::Summary;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sd(xs: &[f64]) -> f64 {
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn main() {
    let seeds = env("SEEDS", 40);
    let iterations = env("ITERATIONS", 16_384);
    let files = [
        "scenarios/example.toml",
        "scenarios/enterprise-stage-gate.toml",
        "scenarios/mid-market-12-month.toml",
        "scenarios/small-real-deployments.toml",
        "scenarios/pilot-purgatory.toml",
    ];
    println!("{seeds} seeds x {iterations} iterations per method and scenario\n");
    println!("| scenario | method | SE of mean NPV | vs mc | reported | SE of P(payback <= 36) | vs mc | reported |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for file in files {
        let sc = Scenario::from_file(std::path::Path::new(file)).expect("a shipped scenario");
        let mut mc = (0.0, 0.0);
        for sampling in [Sampling::Mc, Sampling::Lhs, Sampling::Sobol] {
            let (mut npv, mut p36, mut npv_se, mut p36_se) = (vec![], vec![], vec![], vec![]);
            for seed in 0..seeds {
                let opts = RunOptions {
                    iterations,
                    seed: 1000 + seed,
                    threads: None,
                    sampling,
                };
                let r = engine::run(&sc, &opts, None, &|_| {}).expect("runs");
                let s = Summary::new(&sc, file, &r);
                npv.push(s.npv.spread.mean.value);
                npv_se.push(s.npv.spread.mean.se);
                let p = s
                    .payback
                    .p_within_36_months
                    .expect("a 36-month horizon or longer");
                p36.push(p.value);
                p36_se.push(p.se);
            }
            let (a, b) = (sd(&npv), sd(&p36));
            if sampling == Sampling::Mc {
                mc = (a, b);
            }
            println!(
                "| {} | {} | {:.0} {} | {:.2} | {:.0} | {:.5} | {:.2} | {:.5} |",
                sc.name,
                sampling.key(),
                a,
                sc.currency,
                a / mc.0,
                mean(&npv_se),
                b,
                b / mc.1,
                mean(&p36_se)
            );
        }
    }
}
