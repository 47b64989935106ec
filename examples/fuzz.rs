//! A structure-aware fuzzer for scenario files: no input may panic, hang,
//! be refused without saying where, or give a non-finite figure.
//!
//! It mutates the shipped scenarios (`scenarios/*.toml`) with a seeded
//! generator: numbers replaced by extremes (1e308, 5e-324, -0, 1e15, -1,
//! nan...), distributions swapped for degenerate or extreme ones
//! (zero-width uniform, PERT with min = mode = max, beta with tiny or huge
//! shapes, lognormal with p10 = p90, normal with sd 0, discrete with zero
//! weights, far-tail truncations), lines deleted, duplicated, cut mid-way,
//! swapped or borrowed from another scenario, and rule-switching keys,
//! stresses and correlations inserted. Case `i` under seed `S` is always
//! the same file.
//!
//! In process (the default), each case is parsed and validated, simulated
//! for 50 iterations (plain Monte Carlo; Latin hypercube and Sobol one case
//! in ten each) with each of its stresses, checked for non-finite figures, and
//! summarised (`Summary::new` and the summary JSON), all under
//! `catch_unwind`; a watchdog flags any case running past `--timeout`
//! seconds as a hang. Cases run in parallel (rayon).
//!
//! With `--binary PATH`, each case instead goes through the real program:
//! `PATH run scenario.toml --iterations 50 --out out/result --quiet` in a
//! folder of its own, which must exit 0 or 2, never panic, name the file
//! and the line or input path when it refuses, and leave the output folder
//! either complete or absent (no `.partial` staging folder), with no NaN or
//! inf in its CSV files.
//!
//! ```text
//! cargo run --release --example fuzz -- --cases 1000000 [--seed S]
//! cargo build --release && cargo run --release --example fuzz -- \
//!     --binary target/release/gatecast --cases 300
//! ```
//!
//! `--first I` starts at case `I` (to rerun one case: `--first I --cases 1`).
//!
//! It prints the counts (cases, accepted, refused, panics, hangs, ...) and
//! the slowest case, writes every failing case's TOML under `--out`
//! (default `target/fuzz`), and exits 1 on any failure.

use std::collections::HashMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gatecast::engine::{self, RunOptions, Sampling};
use gatecast::scenario::Scenario;
use gatecast::summary::{self, Summary};
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// The file name each case is parsed under (and written to, in binary mode).
const FILE: &str = "scenario.toml";
/// Iterations simulated per case.
const ITERATIONS: u64 = 50;

struct Args {
    cases: u64,
    first: u64,
    seed: u64,
    binary: Option<PathBuf>,
    out: PathBuf,
    timeout: Duration,
    scenarios: PathBuf,
    show_refusals: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: fuzz [--cases N] [--first I] [--seed S] [--binary PATH] [--out DIR] [--timeout SECONDS] [--scenarios DIR] [--show-refusals]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        cases: 10_000,
        first: 0,
        seed: 1,
        binary: None,
        out: root.join("target").join("fuzz"),
        timeout: Duration::from_secs(10),
        scenarios: root.join("scenarios"),
        show_refusals: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--cases" => a.cases = value().parse().unwrap_or_else(|_| usage()),
            "--first" => a.first = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => a.seed = value().parse().unwrap_or_else(|_| usage()),
            "--binary" => {
                // each case runs in a folder of its own: resolve the path now
                let b = PathBuf::from(value());
                a.binary = Some(fs::canonicalize(&b).unwrap_or_else(|e| {
                    eprintln!("cannot find {}: {e}", b.display());
                    std::process::exit(2)
                }));
            }
            "--out" => a.out = PathBuf::from(value()),
            "--timeout" => {
                a.timeout = Duration::from_secs_f64(value().parse().unwrap_or_else(|_| usage()))
            }
            "--scenarios" => a.scenarios = PathBuf::from(value()),
            "--show-refusals" => a.show_refusals = true,
            _ => usage(),
        }
    }
    a
}

// ------------------------------------------------------------------ mutation

/// Extremes a number may become.
const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-5e-324",
    "1e-300",
    "1e300",
    "1e100",
    "1e16",
    "1e15",
    "-1e15",
    "1e10",
    "1e4",
    "10001",
    "1e-9",
    "1e-10",
    "-0",
    "0",
    "-0.0",
    "-1",
    "1",
    "2",
    "0.5",
    "0.25",
    "0.2499",
    "100",
    "600",
    "601",
    "4294967296",
    "-2147483649",
    "nan",
    "inf",
    "-inf",
    "\"NaN\"",
    "\"\"",
    "true",
];

/// The keys that take a distribution (MODEL.md section 1).
const DIST_KEYS: &[&str] = &[
    "discount_rate",
    "duration_months",
    "cost_per_month",
    "one_off_cost",
    "scope",
    "rework_months",
    "decision_delay_months",
    "min_usage_rate",
    "target_users",
    "ceiling",
    "p",
    "q",
    "midpoint_months",
    "steepness",
    "run_fixed_per_month",
    "run_per_active_user_month",
    "onboarding_per_new_user",
    "retraining_every_months",
    "retraining_cost",
    "overrun",
    "per_active_user_month",
    "lag_months",
];

/// Lines worth inserting anywhere: keys that switch a rule on or off, a
/// stress or a correlation at the edge of what is allowed.
const SNIPPETS: &[&str] = &[
    "max_reworks = 0",
    "rework = 0",
    "rework_months = 0",
    "min_usage_rate = 0.5",
    "retraining_every_months = 0.25",
    "retraining_every_months = { lognormal = { p10 = 0.3, p90 = 6 } }",
    "horizon_months = 600",
    "curve = \"logistic\"",
    "midpoint_months = -1e4",
    "steepness = 100",
    "[[stress]]\nname = \"Big\"\nscale = { \"adoption.target_users\" = 1e6 }",
    "[[stress]]\nname = \"Tiny\"\nscale = { \"costs.overrun\" = 1e-12 }",
    "[[stress]]\nname = \"Tail\"\nset = { \"adoption.ceiling\" = { normal = { mean = 0.1, sd = 0.01 }, min = 0.9, max = 1 } }",
    "[[correlation]]\nbetween = [\"adoption.ceiling\", \"costs.overrun\"]\nrank = -1",
];

/// One of `items`, uniformly.
fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// The byte ranges of the numbers in a line, outside strings and comments.
fn numbers_in(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_str) = (0, false);
    while i < b.len() {
        let c = b[i];
        if in_str {
            in_str = c != b'"';
            i += 1;
            continue;
        }
        if c == b'"' {
            in_str = true;
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        let starts = c.is_ascii_digit()
            || ((c == b'-' || c == b'+' || c == b'.')
                && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()));
        let after_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if starts && !after_word {
            let start = i;
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E' | b'_'))
                || (i < b.len() && matches!(b[i], b'-' | b'+') && matches!(b[i - 1], b'e' | b'E'))
            {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// A number for a new distribution: one already in the line, an extreme,
/// or an ordinary value.
fn some_number(rng: &mut impl Rng, pool: &[String]) -> String {
    match rng.random_range(0..10) {
        0..=3 if !pool.is_empty() => pick(rng, pool).clone(),
        4..=6 => pick(rng, EXTREMES).to_string(),
        _ => format!("{}", (rng.random::<f64>() * 200.0).round() / 100.0),
    }
}

/// A degenerate or extreme distribution built from `pool`'s numbers (in
/// order half the time, so that more of them are valid).
fn some_distribution(rng: &mut impl Rng, pool: &[String]) -> String {
    let mut n = || some_number(rng, pool);
    let mut xyz = [n(), n(), n()];
    if rng.random_range(0..2) == 0 {
        let key = |s: &String| s.trim_matches('"').parse::<f64>().unwrap_or(f64::NAN);
        xyz.sort_by(|a, b| key(a).total_cmp(&key(b)));
    }
    let [x, y, z] = xyz;
    let shape = match rng.random_range(0..17) {
        0 => format!("uniform = [{x}, {x}]"),
        1 => format!("uniform = [{x}, {y}]"),
        2 => format!("triangular = [{x}, {x}, {x}]"),
        3 => format!("pert = [{x}, {x}, {x}]"),
        4 => format!("pert = [{x}, {y}, {z}]"),
        5 => format!(
            "pert = [0, {x}, {y}], lambda = {}",
            pick(rng, &["1e-9", "0", "4", "1e4", "1e5", "1e308"])
        ),
        6 | 7 => {
            let s = [
                "1e-9", "1e-3", "0.01", "0.5", "1", "1e4", "1e5", "1e9", "1e308",
            ];
            format!("beta = {{ a = {}, b = {} }}", pick(rng, &s), pick(rng, &s))
        }
        8 => format!("lognormal = {{ p10 = {x}, p90 = {x} }}"),
        9 => format!("lognormal = {{ p10 = {x}, p90 = {y} }}"),
        10 => "lognormal = { p10 = 1e-300, p90 = 1e300 }".to_string(),
        11 => format!("normal = {{ mean = {x}, sd = 0 }}"),
        12 => format!("normal = {{ mean = {x}, sd = {y} }}, min = {z}"),
        13 => "normal = { mean = 5, sd = 1 }, min = 20".to_string(),
        14 => format!("discrete = {{ values = [{x}, {y}], weights = [0, 0] }}"),
        15 => format!("discrete = {{ values = [{x}, {y}], weights = [1e308, 1e308] }}"),
        _ => format!("fixed = {x}"),
    };
    let mut d = format!("{{ {shape}");
    if rng.random_range(0..4) == 0 && !shape.contains("min =") {
        d.push_str(&format!(", min = {}", some_number(rng, pool)));
    }
    if rng.random_range(0..4) == 0 {
        d.push_str(&format!(", max = {}", some_number(rng, pool)));
    }
    d.push_str(" }");
    d
}

/// One mutation of `lines`; `all` holds every line of every base scenario.
fn mutate(rng: &mut impl Rng, lines: &mut Vec<String>, all: &[String]) {
    if lines.is_empty() {
        lines.push(pick(rng, all).clone());
        return;
    }
    let i = rng.random_range(0..lines.len());
    match rng.random_range(0..20) {
        // a number becomes an extreme (or its negative, a millionfold...)
        0..=5 => {
            // prefer a line that has numbers
            let with: Vec<usize> = (0..lines.len())
                .filter(|&j| !numbers_in(&lines[j]).is_empty())
                .collect();
            let Some(&j) = with.get(rng.random_range(0..with.len().max(1))) else {
                return;
            };
            let spans = numbers_in(&lines[j]);
            let (a, b) = *pick(rng, &spans);
            let old = lines[j][a..b].to_string();
            let v: f64 = old.replace('_', "").parse().unwrap_or(1.0);
            let new = match rng.random_range(0..8) {
                0 => format!("-{}", old.trim_start_matches('-')),
                1 => format!("{old}e6"),
                2 => format!("{old}e-6"),
                3 => format!("{}", v * rng.random::<f64>() * 3.0),
                _ => pick(rng, EXTREMES).to_string(),
            };
            lines[j].replace_range(a..b, &new);
        }
        // a value becomes a degenerate or extreme distribution
        6..=12 => {
            let any_key = rng.random_range(0..10) == 0;
            let with: Vec<usize> = (0..lines.len())
                .filter(|&j| {
                    let l = lines[j].trim_start();
                    let key = l.split('=').next().unwrap_or("").trim();
                    l.contains('=')
                        && !l.starts_with('[')
                        && !l.starts_with('#')
                        && (any_key || DIST_KEYS.contains(&key))
                })
                .collect();
            let Some(&j) = with.get(rng.random_range(0..with.len().max(1))) else {
                return;
            };
            let pool: Vec<String> = numbers_in(&lines[j])
                .iter()
                .map(|&(a, b)| lines[j][a..b].to_string())
                .collect();
            let key = lines[j].split('=').next().unwrap_or("").to_string();
            lines[j] = format!("{key}= {}", some_distribution(rng, &pool));
        }
        13 => {
            lines.remove(i);
        }
        14 => {
            let l = lines[i].clone();
            let at = rng.random_range(0..=lines.len());
            lines.insert(at, l);
        }
        15 => {
            let l = &mut lines[i];
            let mut cut = rng.random_range(0..=l.len());
            while !l.is_char_boundary(cut) {
                cut -= 1;
            }
            l.truncate(cut);
        }
        16 => {
            let j = rng.random_range(0..lines.len());
            lines.swap(i, j);
        }
        17 => {
            let l = pick(rng, all).clone();
            lines.insert(i, l);
        }
        _ => {
            let l = pick(rng, SNIPPETS).to_string();
            lines.insert(i, l);
        }
    }
}

/// The generator of case `i` under `seed`.
fn case_rng(seed: u64, i: u64) -> Xoshiro256PlusPlus {
    let mut key = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // splitmix64 finaliser: neighbouring cases get unrelated streams
    key = (key ^ (key >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    key = (key ^ (key >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Xoshiro256PlusPlus::seed_from_u64(key ^ (key >> 31))
}

/// The text of case `i`: a base scenario with one to four mutations.
fn case_text(bases: &[Vec<String>], all: &[String], seed: u64, i: u64) -> String {
    let mut rng = case_rng(seed, i);
    let mut lines = pick(&mut rng, bases).clone();
    for _ in 0..*pick(&mut rng, &[1, 1, 1, 2, 2, 3, 4]) {
        mutate(&mut rng, &mut lines, all);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

// ------------------------------------------------------------------ verdicts

#[derive(Debug)]
enum Verdict {
    Accepted,
    /// Refused, with the message.
    Refused(String),
    /// Refused without a line or an input path.
    Unlocated(String),
    NonFinite(String),
    /// Anything the binary did wrong (binary mode).
    Wrong(String),
    Panic(String),
    Hang,
}

impl Verdict {
    fn failed(&self) -> bool {
        !matches!(self, Verdict::Accepted | Verdict::Refused(_))
    }
}

thread_local! {
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Parses, validates, simulates and summarises one case in process.
fn run_in_process(text: &str, i: u64) -> Verdict {
    let sc = match Scenario::from_toml(text, FILE) {
        Ok(sc) => sc,
        Err(e) if e.line.is_some() || e.path.is_some() => return Verdict::Refused(e.to_string()),
        Err(e) => return Verdict::Unlocated(e.to_string()),
    };
    let opts = RunOptions {
        iterations: ITERATIONS,
        seed: i,
        threads: None,
        // one case in ten each for Latin hypercube and Sobol (their inverse
        // CDFs tabulate each beta-shaped input once a run: dear for 50
        // iterations), plain Monte Carlo for the rest
        sampling: match i % 10 {
            3 => Sampling::Lhs,
            7 => Sampling::Sobol,
            _ => Sampling::Mc,
        },
    };
    let mut variants = vec![sc.clone()];
    for st in &sc.stresses {
        match sc.with_changes(&st.changes) {
            Ok(s) => variants.push(s),
            Err(e) => {
                return Verdict::Wrong(format!(
                    "stress \"{}\" was accepted, then failed to apply: {e}",
                    st.name
                ))
            }
        }
    }
    for v in &variants {
        let r = match engine::run(v, &opts, None, &|_| {}) {
            Ok(r) => r,
            Err(e) => return Verdict::Wrong(format!("the run failed: {e}")),
        };
        if let Err(e) = summary::check_finite(&r) {
            return Verdict::NonFinite(e.to_string());
        }
        let s = Summary::new(v, FILE, &r);
        if let Err(e) = gatecast::export::summary_json(&s) {
            return Verdict::Wrong(format!("the summary JSON failed: {e}"));
        }
    }
    Verdict::Accepted
}

/// Runs one case through the real program in a folder of its own.
fn run_binary(binary: &Path, text: &str, dir: &Path, timeout: Duration) -> Verdict {
    let _ = fs::remove_dir_all(dir);
    if let Err(e) = fs::create_dir_all(dir).and_then(|()| fs::write(dir.join(FILE), text)) {
        return Verdict::Wrong(format!("cannot write the case: {e}"));
    }
    let child = Command::new(binary)
        .args([
            "run",
            FILE,
            "--iterations",
            "50",
            "--out",
            "out/result",
            "--quiet",
        ])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Verdict::Wrong(format!("cannot start {}: {e}", binary.display())),
    };
    // read both pipes on their own threads so a full pipe never stalls it
    let take = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out_t = take(child.stdout.take().map(|r| Box::new(r) as _));
    let err_t = take(child.stderr.take().map(|r| Box::new(r) as _));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Verdict::Hang;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Verdict::Wrong(format!("cannot wait for the program: {e}")),
        }
    };
    let _stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Verdict::Panic(stderr);
    }
    let verdict = match status.code() {
        Some(0) => check_complete(&dir.join("out/result"), &stderr),
        Some(2) => {
            let named = stderr.starts_with(&format!("error: {FILE}"));
            let located = stderr.contains(", line ") || stderr.contains(", at ");
            if !named {
                Verdict::Unlocated(format!("does not name the file: {stderr}"))
            } else if stderr.contains("the simulation's") {
                Verdict::NonFinite(stderr)
            } else if !located {
                Verdict::Unlocated(stderr)
            } else if dir.join("out/result").exists() {
                Verdict::Wrong(format!("refused, yet wrote out/result: {stderr}"))
            } else {
                Verdict::Refused(stderr)
            }
        }
        Some(c) => Verdict::Wrong(format!("exit code {c}: {stderr}")),
        None => Verdict::Wrong(format!("killed by a signal ({status}): {stderr}")),
    };
    if verdict.failed() {
        return verdict;
    }
    if let Some(p) = leftover_staging(dir) {
        return Verdict::Wrong(format!("left a staging folder behind: {}", p.display()));
    }
    verdict
}

/// A finished run's folder must hold every output, with no NaN or inf in
/// its CSV files; stderr may hold warnings only.
fn check_complete(result: &Path, stderr: &str) -> Verdict {
    if let Some(l) = stderr
        .lines()
        .find(|l| !l.is_empty() && !l.starts_with("warning: "))
    {
        return Verdict::Wrong(format!(
            "succeeded with something other than a warning on stderr: {l}"
        ));
    }
    for f in [
        "summary.json",
        "summary.md",
        "monthly.csv",
        "sensitivity.csv",
        "iterations.csv",
        "report.html",
        "report.xlsx",
    ] {
        if !result.join(f).is_file() {
            return Verdict::Wrong(format!("succeeded without {f}"));
        }
    }
    for f in ["monthly.csv", "iterations.csv", "sensitivity.csv"] {
        let text = fs::read_to_string(result.join(f)).unwrap_or_default();
        let bad = text.lines().flat_map(|l| l.split(',')).find(|field| {
            let t = field.trim().trim_matches('"').to_ascii_lowercase();
            matches!(
                t.as_str(),
                "nan" | "inf" | "-inf" | "+inf" | "infinity" | "-infinity"
            )
        });
        if let Some(b) = bad {
            return Verdict::Wrong(format!("{f} holds the field {b}"));
        }
    }
    Verdict::Accepted
}

/// A `.NAME.partial-PID` or `.NAME.old-PID` folder anywhere under `dir`.
fn leftover_staging(dir: &Path) -> Option<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).ok()?.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let p = e.path();
            if name.starts_with('.') && (name.contains(".partial-") || name.contains(".old-")) {
                return Some(p);
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    None
}

// ------------------------------------------------------------------ the run

#[derive(Default)]
struct Counts {
    accepted: u64,
    refused: u64,
    unlocated: u64,
    non_finite: u64,
    wrong: u64,
    panics: u64,
    hangs: u64,
    slowest: (Duration, u64),
    failures: Vec<(u64, String, PathBuf)>,
}

fn main() -> ExitCode {
    let args = parse_args();
    let mut bases: Vec<(String, Vec<String>)> = Vec::new();
    let listing = fs::read_dir(&args.scenarios).unwrap_or_else(|e| {
        eprintln!("cannot list {}: {e}", args.scenarios.display());
        std::process::exit(2)
    });
    for entry in listing.flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = fs::read_to_string(&p).expect("a readable scenario");
            bases.push((
                p.file_name().unwrap().to_string_lossy().to_string(),
                text.lines().map(String::from).collect(),
            ));
        }
    }
    bases.sort();
    if bases.is_empty() {
        eprintln!("no scenarios in {}", args.scenarios.display());
        return ExitCode::from(2);
    }
    let names: Vec<&str> = bases.iter().map(|(n, _)| n.as_str()).collect();
    let bases: Vec<Vec<String>> = bases.iter().map(|(_, l)| l.clone()).collect();
    let all: Vec<String> = bases.iter().flatten().cloned().collect();
    fs::create_dir_all(&args.out).expect("the output folder can be created");
    let mode = match &args.binary {
        Some(b) => format!("through {}", b.display()),
        None => "in process".to_string(),
    };
    println!(
        "fuzz: {} cases, seed {}, {mode}, mutating {} ({} threads, a case over {:?} is a hang)",
        args.cases,
        args.seed,
        names.join(", "),
        rayon::current_num_threads(),
        args.timeout
    );

    // Quiet panics: the message is kept for the report, not printed.
    std::panic::set_hook(Box::new(|info| {
        PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
    }));

    let started = Instant::now();
    let in_flight: Mutex<HashMap<u64, Instant>> = Mutex::new(HashMap::new());
    let done = AtomicU64::new(0);
    let counts = Mutex::new(Counts::default());
    let write_case = |i: u64, kind: &str| -> PathBuf {
        let p = args
            .out
            .join(format!("{kind}-seed{}-case{i}.toml", args.seed));
        let _ = fs::write(&p, case_text(&bases, &all, args.seed, i));
        p
    };

    std::thread::scope(|scope| {
        // the watchdog: an in-process case past the timeout cannot be
        // stopped, so it is reported and the whole run ends there
        let watch = scope.spawn(|| loop {
            std::thread::sleep(Duration::from_millis(250));
            if done.load(Ordering::Relaxed) == args.cases {
                return;
            }
            if args.binary.is_some() {
                continue; // the binary mode times each child itself
            }
            let stuck = {
                let m = in_flight.lock().unwrap_or_else(|p| p.into_inner());
                m.iter()
                    .find(|(_, t)| t.elapsed() > args.timeout)
                    .map(|(i, t)| (*i, t.elapsed()))
            };
            if let Some((i, t)) = stuck {
                let p = write_case(i, "hang");
                println!("HANG: case {i} has run {t:.1?}: {}", p.display());
                let c = counts.lock().unwrap_or_else(|p| p.into_inner());
                report(&c, done.load(Ordering::Relaxed) + 1, started.elapsed(), 1);
                std::process::exit(1);
            }
        });

        (args.first..args.first + args.cases)
            .into_par_iter()
            .for_each(|i| {
                let text = case_text(&bases, &all, args.seed, i);
                let t0 = Instant::now();
                in_flight
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(i, t0);
                let verdict = match &args.binary {
                    None => catch_unwind(AssertUnwindSafe(|| run_in_process(&text, i)))
                        .unwrap_or_else(|_| {
                            Verdict::Panic(
                                PANIC
                                    .with(|p| p.borrow_mut().take())
                                    .unwrap_or_else(|| "a panic".into()),
                            )
                        }),
                    Some(b) => {
                        let dir = args.out.join("cases").join(format!("case{i}"));
                        let v = run_binary(b, &text, &dir, args.timeout);
                        if !v.failed() {
                            let _ = fs::remove_dir_all(&dir);
                        }
                        v
                    }
                };
                let took = t0.elapsed();
                in_flight
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&i);
                let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
                if took > c.slowest.0 {
                    c.slowest = (took, i);
                }
                let (kind, detail) = match verdict {
                    Verdict::Accepted => {
                        c.accepted += 1;
                        ("", String::new())
                    }
                    Verdict::Refused(m) => {
                        c.refused += 1;
                        if args.show_refusals {
                            println!("refused: {}", m.lines().next().unwrap_or(""));
                        }
                        ("", String::new())
                    }
                    Verdict::Unlocated(m) => {
                        c.unlocated += 1;
                        ("unlocated", m)
                    }
                    Verdict::NonFinite(m) => {
                        c.non_finite += 1;
                        ("nonfinite", m)
                    }
                    Verdict::Wrong(m) => {
                        c.wrong += 1;
                        ("wrong", m)
                    }
                    Verdict::Panic(m) => {
                        c.panics += 1;
                        ("panic", m)
                    }
                    Verdict::Hang => {
                        c.hangs += 1;
                        ("hang", String::new())
                    }
                };
                if !kind.is_empty() {
                    let p = write_case(i, kind);
                    println!(
                        "{}: case {i}: {}\n  {}",
                        kind.to_uppercase(),
                        p.display(),
                        detail.trim()
                    );
                    c.failures.push((i, detail, p));
                }
                drop(c);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(100_000) && n < args.cases {
                    println!("  {n} cases, {:.0?}", started.elapsed());
                }
            });
        let _ = watch.join();
    });

    let c = counts.into_inner().unwrap_or_else(|p| p.into_inner());
    let failed = c.unlocated + c.non_finite + c.wrong + c.panics + c.hangs;
    report(&c, args.cases, started.elapsed(), failed);
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn report(c: &Counts, cases: u64, elapsed: Duration, failed: u64) {
    println!(
        "cases {cases}, accepted {}, refused {}, panics {}, hangs {}, non-finite {}, refused without a location {}, other failures {}",
        c.accepted, c.refused, c.panics, c.hangs, c.non_finite, c.unlocated, c.wrong
    );
    println!(
        "slowest case: {:.3?} (case {}); {:.1?} in all",
        c.slowest.0, c.slowest.1, elapsed
    );
    if failed > 0 {
        println!("FAILED: {failed} cases; their scenarios are listed above");
    } else {
        println!("ok: no panic, no hang, every refusal located");
    }
}
