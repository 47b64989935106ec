//! The command line: parse, load, run, export. Every error the user can
//! cause ends with a message naming the file and exit code 2.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::charts;
use crate::compare::Comparison;
use crate::engine::{self, RunOptions, Sampling};
use crate::error::InputError;
use crate::export::{self, text, OutputDir};
use crate::format::{sig, slug, thousands};
use crate::precision;
use crate::report;
use crate::scenario::{parse_dist, Change, Scenario, EXAMPLE_NAME, EXAMPLE_TOML, MAX_ITERATIONS};
use crate::sensitivity;
use crate::stats::sensitivity::Target;
use crate::summary::{self, Summary};

/// The iteration cap of a `--precision` run without `--iterations`.
const PRECISION_CAP: u64 = 1_000_000;

/// Monte Carlo payback for an enterprise AI initiative: stage gates,
/// adoption, costs and benefits, simulated thousands of times.
#[derive(Debug, Parser)]
#[command(
    name = "gatecast",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "With no command, gatecast runs: `gatecast` alone simulates the built-in example \
                  and writes output/example/.\n\nExamples:\n  gatecast run scenarios/pilot-purgatory.toml --iterations 50000\n  gatecast run --sampling sobol --precision 5000 --sensitivity\n  gatecast compare scenarios/small-real-deployments.toml scenarios/pilot-purgatory.toml\n  gatecast solve scenarios/example.toml --vary stage.Pilot.gate.pass --until \"P(payback<=36) >= 0.6\"\n  gatecast validate my-initiative.toml\n  gatecast init my-initiative.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and write its results (the default command)
    Run(RunArgs),
    /// Check a scenario file and list every uncertain input with its P10/P50/P90
    Validate {
        /// The scenario file (TOML)
        scenario: PathBuf,
    },
    /// Run several scenario files on the same seed and iterations and compare them
    Compare(CompareArgs),
    /// What has to be true: the value of one input at which a goal starts to hold
    Solve(SolveArgs),
    /// Write a commented starter scenario that validates and runs
    Init {
        /// Where to write it
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
struct SolveArgs {
    /// The scenario file (TOML)
    scenario: PathBuf,
    /// The input to move, by path (see `gatecast validate`)
    #[arg(long, value_name = "PATH")]
    vary: String,
    /// The goal, e.g. "P(payback<=24) >= 0.8", "P(NPV>0) >= 0.6", "NPV P50 >= 0"
    #[arg(long, value_name = "GOAL")]
    until: String,
    /// Move the input as a fixed value, or as a scale on its distribution
    /// [default: value for a fixed input, scale for a distribution]
    #[arg(long = "as", value_enum, value_name = "HOW")]
    how: Option<VaryArg>,
    /// The range to search, e.g. 0.5,4 [default: scale 0.25 to 4 (for a
    /// share, up to where its largest draw reaches 1); a value from 0 to 4
    /// times its current median, or 0 to 1 for a share]
    #[arg(
        long,
        value_name = "LO,HI",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    between: Vec<f64>,
    /// Iterations per trial [default: the scenario's, at most 5000]
    #[arg(short = 'n', long, value_name = "N")]
    iterations: Option<u64>,
    #[command(flatten)]
    draws: Draws,
    /// Folder for the result [default: output/<scenario file name>-solve]
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum VaryArg {
    Value,
    Scale,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Two or more scenario files (TOML)
    #[arg(required = true, num_args = 2..)]
    scenarios: Vec<PathBuf>,
    /// Iterations for every file [default: the first file's `iterations`]
    #[arg(short = 'n', long, value_name = "N")]
    iterations: Option<u64>,
    #[command(flatten)]
    draws: Draws,
    /// Folder for the comparison [default: output/compare]
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(short, long)]
    quiet: bool,
}

/// How the futures are drawn: the same flags for run, compare and solve.
#[derive(Debug, Args)]
struct Draws {
    /// Random seed [default: the scenario file's `seed`, else 0]
    #[arg(short, long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads [default: every core]; results are identical for any number
    #[arg(short = 'j', long, value_name = "T")]
    threads: Option<usize>,
    /// How the draws are spread: mc (plain Monte Carlo), lhs (Latin
    /// hypercube) or sobol (scrambled Sobol points). Every method draws each
    /// input from exactly its distribution; lhs and sobol settle faster
    #[arg(long, value_enum, default_value = "mc", value_name = "METHOD")]
    sampling: SamplingArg,
}

impl Draws {
    /// The run's options, checked: `iterations` as given or defaulted,
    /// the seed defaulting to `seed`.
    fn options(&self, iterations: u64, seed: u64) -> Result<RunOptions, InputError> {
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(InputError::plain(
                "--iterations",
                format!(
                    "iterations must be from 1 to {}, got {iterations}",
                    thousands(MAX_ITERATIONS as f64)
                ),
            ));
        }
        if self.threads == Some(0) {
            return Err(InputError::plain(
                "--threads",
                "threads must be at least 1, got 0",
            ));
        }
        Ok(RunOptions {
            iterations,
            seed: self.seed.unwrap_or(seed),
            threads: self.threads,
            sampling: self.sampling.into(),
        })
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file (TOML); without one, the built-in example (scenarios/example.toml)
    scenario: Option<PathBuf>,
    /// Iterations to simulate [default: the scenario's `iterations`, else 10000]
    #[arg(short = 'n', long, value_name = "N")]
    iterations: Option<u64>,
    #[command(flatten)]
    draws: Draws,
    /// Folder for the results [default: output/<scenario file name>]
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors: no progress bar, no summary
    #[arg(short, long)]
    quiet: bool,
    /// Do not write iterations.csv (one row per iteration), for very large runs
    #[arg(long)]
    no_iterations_csv: bool,
    /// Report formats to write, comma-separated: png and svg (the charts, in
    /// charts/), html (report.html), xlsx (report.xlsx). summary.md,
    /// summary.json and monthly.csv are always written
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "png,svg,html,xlsx"
    )]
    formats: Vec<Format>,
    /// Write no chart files (the same as leaving png and svg out of --formats)
    #[arg(long)]
    no_charts: bool,
    /// The figure whose drivers the sensitivity analysis looks for
    #[arg(long, value_enum, default_value = "npv")]
    target: TargetArg,
    /// Full sensitivity analysis: also the pinned tornado (each input at its
    /// P10 and P90, each gate always passing or killing) and the spider
    /// chart, on common random numbers (about 2 reruns per input)
    #[arg(long)]
    sensitivity: bool,
    /// Stop once the standard error of the --target figure is at most SE, in
    /// its unit: mean NPV or mean peak funding in the currency, mean ROI as a
    /// ratio, or for payback P(payback within 36 months) as a probability
    /// (e.g. 0.005). --iterations is then the cap [default cap: 1000000]
    #[arg(long, value_name = "SE", allow_negative_numbers = true)]
    precision: Option<f64>,
    /// A what-if run beside the base with the same random numbers: replace an
    /// input's distribution, e.g. --set 'stage.Pilot.gate.decision_delay_months={ uniform = [3, 6] }'
    #[arg(long, value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// A what-if run beside the base: multiply an input's draws, e.g. --scale adoption.ceiling=0.8
    #[arg(long, value_name = "PATH=FACTOR")]
    scale: Vec<String>,
}

/// The sampling method as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SamplingArg {
    Mc,
    Lhs,
    Sobol,
}

impl From<SamplingArg> for Sampling {
    fn from(s: SamplingArg) -> Sampling {
        match s {
            SamplingArg::Mc => Sampling::Mc,
            SamplingArg::Lhs => Sampling::Lhs,
            SamplingArg::Sobol => Sampling::Sobol,
        }
    }
}

/// The sensitivity target as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TargetArg {
    Npv,
    Payback,
    Roi,
    PeakFunding,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::Npv => Target::Npv,
            TargetArg::Payback => Target::Payback,
            TargetArg::Roi => Target::Roi,
            TargetArg::PeakFunding => Target::PeakFunding,
        }
    }
}

/// A report format `--formats` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Png,
    Svg,
    Html,
    Xlsx,
}

/// Runs the command line and turns errors into exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Validate { scenario }) => validate(&scenario),
        Some(Command::Init { file, force }) => init(&file, force),
        Some(Command::Compare(args)) => compare(args),
        Some(Command::Solve(args)) => solve_command(args),
    }
}

/// Loads the named scenario, or the built-in example; returns it with the
/// name to show for its file and the folder name for its results.
fn load(path: Option<&Path>) -> Result<(Scenario, String, String), InputError> {
    match path {
        None => {
            let sc = Scenario::from_toml(EXAMPLE_TOML, EXAMPLE_NAME)?;
            Ok((sc, format!("{EXAMPLE_NAME} (built in)"), "example".into()))
        }
        Some(p) => {
            let sc = Scenario::from_file(p)?;
            let stem = p
                .file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
            Ok((sc, p.display().to_string(), slug(&stem)))
        }
    }
}

fn run(args: RunArgs) -> Result<()> {
    let (sc, file, folder) = load(args.scenario.as_deref())?;
    let goal = match args.precision {
        None => None,
        Some(se) if se > 0.0 && se.is_finite() => Some(precision::Goal {
            target: args.target.into(),
            wanted_se: se,
            sampling: args.draws.sampling.into(),
            horizon_months: sc.horizon_months,
        }),
        Some(se) => {
            return Err(InputError::plain(
                "--precision",
                format!("the standard error wanted must be a number above 0, got {se}"),
            )
            .into())
        }
    };
    let default_iterations = if goal.is_some() {
        PRECISION_CAP
    } else {
        sc.iterations
    };
    let mut opts = args
        .draws
        .options(args.iterations.unwrap_or(default_iterations), sc.seed)?;
    if let Some(goal) = &goal {
        if opts.iterations < goal.min_iterations() {
            return Err(InputError::plain(
                "--iterations",
                format!(
                    "with --precision, --iterations is the cap and must be at least {} (the first check of the standard error under {}), got {}",
                    thousands(goal.min_iterations() as f64),
                    opts.sampling.label(),
                    thousands(opts.iterations as f64)
                ),
            )
            .into());
        }
    }
    let iterations = opts.iterations;
    let variants = stresses(&sc, &args.set, &args.scale)?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(folder));
    let dir = OutputDir::create(&target)?;
    let shown = target.display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");

    let mut rows = if args.no_iterations_csv {
        None
    } else {
        let mut f = dir.file("iterations.csv").with_context(context)?;
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(engine::csv_header(&sc))
            .with_context(context)?;
        f.write_all(&header.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
            .with_context(context)?;
        Some(f)
    };

    let runs = 1 + variants.len() as u64;
    let bar = Progress::new(
        iterations * runs,
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let rows_out = rows.as_mut().map(|f| f as &mut (dyn Write + Send));
    let result = match &goal {
        None => engine::run(&sc, &opts, rows_out, &|n| bar.inc(n)),
        Some(goal) => engine::run_until(&sc, &opts, rows_out, &|n| bar.inc(n), &mut |rec| {
            goal.met(rec)
        }),
    }
    .with_context(context)?;
    if let Some(mut f) = rows {
        f.flush().with_context(context)?;
    }
    // stresses and the sensitivity analysis use the iterations actually run
    opts.iterations = result.iterations;
    let mut summary = Summary::new(&sc, &file, &result);
    if let Some(goal) = &goal {
        let achieved_se = goal.reported_se(&summary).unwrap_or(f64::NAN);
        summary.precision = Some(summary::Precision {
            target: goal.target,
            figure: goal.figure(&sc.currency),
            wanted_se: goal.wanted_se,
            achieved_se,
            reached: goal.met(&result.records),
            max_iterations: iterations,
        });
    }
    let drivers = sensitivity::analyse_with(&sc, &opts, args.target.into(), args.sensitivity)
        .with_context(context)?;
    dir.write(
        "sensitivity.csv",
        &sensitivity::csv(&drivers).with_context(context)?,
    )
    .with_context(context)?;
    summary.sensitivity = Some(drivers);
    export::write_reports(&dir, &summary).with_context(context)?;
    let wants = |f: Format| args.formats.contains(&f);
    let (png, svg) = (
        wants(Format::Png) && !args.no_charts,
        wants(Format::Svg) && !args.no_charts,
    );
    let mut written_files: Vec<String> = [
        "summary.md",
        "summary.json",
        "monthly.csv",
        "sensitivity.csv",
    ]
    .map(String::from)
    .to_vec();
    if !args.no_iterations_csv {
        written_files.push("iterations.csv".into());
    }
    // ---- stress tests: run beside the base before the report, which shows
    // them; their files are written below
    let mut stressed: Vec<(String, Summary)> = Vec::new();
    if !variants.is_empty() {
        stressed.push(("Base".to_string(), summary.clone()));
        for (name, sc_stressed) in &variants {
            let r = engine::run(sc_stressed, &opts, None, &|n| bar.inc(n)).with_context(context)?;
            stressed.push((name.clone(), Summary::new(sc_stressed, &file, &r)));
        }
    }
    let comparison = (!stressed.is_empty()).then(|| {
        let named: Vec<(String, &Summary)> = stressed.iter().map(|(n, s)| (n.clone(), s)).collect();
        Comparison::new(&named)
    });
    let overlays = if comparison.is_some() && (png || svg || wants(Format::Html)) {
        let compared = charts::Compared::stresses(&stressed);
        charts::render_comparison(&compared, svg || wants(Format::Html), png)
            .context("cannot draw the comparison charts")?
    } else {
        Vec::new()
    };
    // ---- end of the stress tests' runs
    if png || svg || wants(Format::Html) {
        let charts = charts::render_all(&summary, svg || wants(Format::Html), png)
            .context("cannot draw the charts")?;
        if png || svg {
            export::write_charts(&dir, &charts, png, svg).with_context(context)?;
            written_files.push("charts/".into());
        }
        if wants(Format::Html) {
            let st = comparison.as_ref().map(|c| report::Stresses {
                comparison: c,
                charts: &overlays,
            });
            let html = report::html_with_stresses(&summary, &charts, st.as_ref());
            dir.write("report.html", html.as_bytes())
                .with_context(context)?;
            written_files.push("report.html".into());
        }
    }
    if wants(Format::Xlsx) {
        let csv = (!args.no_iterations_csv).then(|| dir.path("iterations.csv"));
        export::xlsx::write_workbook(&summary, csv.as_deref(), &dir.path("report.xlsx"))
            .context("cannot build report.xlsx")?;
        written_files.push("report.xlsx".into());
    }
    if let Some(c) = &comparison {
        dir.write("comparison.csv", &c.csv().with_context(context)?)
            .with_context(context)?;
        let md = format!(
            "# {}: base and stresses\n\nEach stress runs beside the base on the same random numbers ({} iterations{}, seed {}).\n\n{}",
            summary.scenario,
            opts.iterations,
            text::sampling_note(opts.sampling),
            opts.seed,
            c.markdown()
        );
        dir.write("comparison.md", md.as_bytes())
            .with_context(context)?;
        for (name, s) in stressed.iter().skip(1) {
            let path = format!("stresses/{}.json", slug(name));
            std::fs::create_dir_all(dir.path("stresses")).with_context(context)?;
            dir.write(&path, &export::summary_json(s).with_context(context)?)
                .with_context(context)?;
        }
        written_files.extend(["comparison.md", "comparison.csv", "stresses/"].map(String::from));
        if png || svg {
            // charts/compare-payback and charts/compare-npv
            export::write_charts(&dir, &overlays, png, svg).with_context(context)?;
        }
    }
    bar.finish();
    let written = dir.commit().with_context(context)?;
    if !args.quiet {
        let shown = written.display().to_string();
        let mut text = text::terminal(&summary, Some((&shown, &written_files)));
        if let Some(c) = comparison {
            text.push_str("\nSTRESS TESTS (same random numbers as the base)\n");
            text.push_str(&c.table());
        }
        write_stdout(&text)?;
    }
    Ok(())
}

fn solve_command(args: SolveArgs) -> Result<()> {
    use crate::scenario::Allowed;
    use crate::solve::{solve, Goal, Vary};
    let (sc, _, folder) = load(Some(&args.scenario))?;
    let goal = Goal::parse(&args.until).map_err(|e| InputError::plain("--until", e))?;
    let between = match args.between.as_slice() {
        [] => None,
        [lo, hi] if lo < hi && lo.is_finite() && hi.is_finite() => Some((*lo, *hi)),
        _ => {
            return Err(InputError::plain("--between", "expected LO,HI with LO < HI").into());
        }
    };
    let (vary, range) = if let Some(gp) = sc.gate_probability(&args.vary) {
        // a gate's pass or rework: a plain number, moved by value over
        // [0, 1 - the other]
        let other = if gp.pass { "rework" } else { "pass" };
        if args.how == Some(VaryArg::Scale) {
            return Err(InputError::plain(
                "--as",
                format!(
                    "{} is a probability, not a distribution: it is moved by value (leave out --as scale)",
                    args.vary
                ),
            )
            .into());
        }
        if gp.max <= 0.0 {
            let why = if gp.pass {
                format!("{other} = 1 leaves no room, since pass + rework <= 1")
            } else {
                "the gate has no rework_months and max_reworks".to_string()
            };
            return Err(InputError::plain(
                "--vary",
                format!("{} can only be 0 here: {why}", args.vary),
            )
            .into());
        }
        let range = between.unwrap_or((0.0, gp.max));
        if range.0 < 0.0 || range.1 > gp.max + 1e-12 {
            return Err(InputError::plain(
                "--between",
                format!(
                    "{} can move from 0 to {} (pass + rework <= 1, with {other} = {}), got {},{}",
                    args.vary,
                    gp.max,
                    1.0 - gp.max,
                    range.0,
                    range.1
                ),
            )
            .into());
        }
        (Vary::Value, range)
    } else {
        let Some(id) = sc.input_id(&args.vary) else {
            return Err(InputError::plain(
                "--vary",
                format!(
                    "no input is named \"{}\"; `gatecast validate {}` lists every input's path (and a gate's pass and rework can be varied as stage.<name>.gate.pass and .rework)",
                    args.vary,
                    args.scenario.display()
                ),
            )
            .into());
        };
        let input = &sc.inputs[id];
        let vary = match args.how {
            Some(VaryArg::Value) => Vary::Value,
            Some(VaryArg::Scale) => Vary::Scale,
            None if input.is_fixed() => Vary::Value,
            None => Vary::Scale,
        };
        let range = match (between, vary) {
            (Some(r), _) => r,
            (None, Vary::Scale) => match input.allowed {
                // a share scales only as far as its largest draw stays <= 1
                Allowed::UnitInterval if input.dist.range().1 > 0.0 => {
                    (0.25, (1.0 / input.dist.range().1).min(4.0))
                }
                _ => (0.25, 4.0),
            },
            (None, Vary::Value) => match input.allowed {
                Allowed::UnitInterval => (0.0, 1.0),
                _ => (0.0, 4.0 * input.quantile(0.5).abs().max(1e-9)),
            },
        };
        (vary, range)
    };
    let opts = args
        .draws
        .options(args.iterations.unwrap_or(sc.iterations.min(5_000)), sc.seed)?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{folder}-solve")));
    let dir = OutputDir::create(&target)?;
    let shown = target.display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");
    let s = solve(&sc, &args.vary, vary, range, goal, &opts).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            anyhow::Error::new(InputError::plain("--vary", e.to_string()))
        } else {
            anyhow::Error::new(e)
        }
    })?;
    let how = if vary == Vary::Scale {
        "scale on"
    } else {
        "value of"
    };
    let mut text = format!(
        "{}: {} iterations per trial, seed {}; {how} {} from {} to {}\n\n",
        sc.name,
        thousands(opts.iterations as f64),
        opts.seed,
        args.vary,
        sig(range.0),
        sig(range.1)
    );
    match (s.answer, s.holds_everywhere) {
        (Some(a), true) => text.push_str(&format!(
            "  \"{}\" already holds over the whole range, from {} on.\n",
            args.until,
            sig(a)
        )),
        (Some(a), false) => text.push_str(&format!(
            "  \"{}\" starts to hold at {} = {}{}.\n",
            args.until,
            if vary == Vary::Scale { format!("the scale on {}", args.vary) } else { args.vary.clone() },
            sig(a),
            if s.curve.first().is_some_and(|p| p.holds) { " (it holds below, fails above)" } else { " (it fails below, holds above)" }
        )),
        (None, _) => text.push_str(&format!(
            "  No value from {} to {} makes \"{}\" true. Widen the range with --between where the input allows it (a share stays within 0 to 1, a probability within 0 to 1 - the others), or vary another input.\n",
            sig(range.0),
            sig(range.1),
            args.until
        )),
    }
    text.push_str("\n  The curve traced (same random numbers at every point):\n");
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        if vary == Vary::Scale {
            "scale"
        } else {
            "value"
        },
        "figure",
        "goal_holds",
    ])
    .with_context(context)?;
    for p in &s.curve {
        let fig = p
            .figure
            .map_or("beyond the horizon".to_string(), |f| format!("{f:.4}"));
        text.push_str(&format!(
            "    {:>12}  {:>20}  {}\n",
            sig(p.at),
            fig,
            if p.holds { "holds" } else { "fails" }
        ));
        csv.write_record([
            p.at.to_string(),
            p.figure.map_or(String::new(), |f| f.to_string()),
            p.holds.to_string(),
        ])
        .with_context(context)?;
    }
    dir.write(
        "solve.csv",
        &csv.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )
    .with_context(context)?;
    let mut json = serde_json::to_vec_pretty(&s).with_context(context)?;
    json.push(b'\n');
    dir.write("solve.json", &json).with_context(context)?;
    let written = dir.commit().with_context(context)?;
    text.push_str(&format!(
        "\nResults: {}/ (solve.json, solve.csv)\n",
        written.display()
    ));
    write_stdout(&text)
}

fn compare(args: CompareArgs) -> Result<()> {
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        loaded.push(load(Some(path))?);
    }
    let first = &loaded[0].0;
    let opts = args
        .draws
        .options(args.iterations.unwrap_or(first.iterations), first.seed)?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("compare"));
    let dir = OutputDir::create(&target)?;
    let shown = target.display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");
    let bar = Progress::new(
        opts.iterations * loaded.len() as u64,
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let mut runs = Vec::new();
    for (sc, file, folder) in &loaded {
        let r = engine::run(sc, &opts, None, &|n| bar.inc(n)).with_context(context)?;
        let s = Summary::new(sc, file, &r);
        dir.write(
            &format!("{folder}.json"),
            &export::summary_json(&s).with_context(context)?,
        )
        .with_context(context)?;
        runs.push((format!("{} ({folder})", sc.name), s));
    }
    bar.finish();
    let named: Vec<(String, &Summary)> = runs.iter().map(|(n, s)| (n.clone(), s)).collect();
    let c = Comparison::new(&named);
    // the terminal names each file by its stem alone, to stay narrow
    let stems: Vec<(String, &Summary)> = runs
        .iter()
        .zip(&loaded)
        .map(|((_, s), (_, _, folder))| (folder.clone(), s))
        .collect();
    dir.write("comparison.csv", &c.csv().with_context(context)?)
        .with_context(context)?;
    let md = format!(
        "# Scenario comparison\n\nEvery file ran {} iterations{} on seed {}.\n\n{}",
        opts.iterations,
        text::sampling_note(opts.sampling),
        opts.seed,
        c.markdown()
    );
    dir.write("comparison.md", md.as_bytes())
        .with_context(context)?;
    // the overlay charts: one line per file, named as in the table (or by
    // the file's stem where the full name does not fit)
    let lines: Vec<(String, String, &Summary)> = runs
        .iter()
        .zip(&loaded)
        .map(|((name, s), (_, _, folder))| (name.clone(), folder.clone(), s))
        .collect();
    let overlays = charts::render_comparison(&charts::Compared::scenarios(&lines), true, true)
        .context("cannot draw the comparison charts")?;
    export::write_charts(&dir, &overlays, true, true).with_context(context)?;
    let written = dir.commit().with_context(context)?;
    if !args.quiet {
        write_stdout(&format!(
            "{} scenarios, {} iterations each{}, seed {}\n\n{}\nResults: {}/ (comparison.md, comparison.csv, one summary JSON per file, charts/)\n",
            runs.len(),
            thousands(opts.iterations as f64),
            text::sampling_note(opts.sampling),
            opts.seed,
            Comparison::new(&stems).table(),
            written.display()
        ))?;
    }
    Ok(())
}

/// The scenario's `[[stress]]` what-ifs, then the command line's
/// `--set`/`--scale` as one more, each as a ready-to-run scenario.
fn stresses(
    sc: &Scenario,
    sets: &[String],
    scales: &[String],
) -> Result<Vec<(String, Scenario)>, InputError> {
    let mut out = Vec::new();
    for st in &sc.stresses {
        let stressed = sc
            .with_changes(&st.changes)
            .map_err(|e| InputError::plain(format!("stress \"{}\"", st.name), e))?;
        out.push((st.name.clone(), stressed));
    }
    let mut changes = Vec::new();
    let mut flags = Vec::new();
    let mut words = Vec::new();
    for (flag, list) in [("--set", sets), ("--scale", scales)] {
        for item in list {
            let Some((path, value)) = item.split_once('=') else {
                return Err(InputError::plain(
                    flag,
                    format!("expected PATH=VALUE, got `{item}`"),
                ));
            };
            let (path, value) = (path.trim(), value.trim());
            let change = if flag == "--set" {
                Change::Set(parse_dist(value).map_err(|e| InputError::plain(flag, e))?)
            } else {
                let f: f64 = value.parse().map_err(|_| {
                    InputError::plain(
                        flag,
                        format!("expected PATH=FACTOR with a number, got `{item}`"),
                    )
                })?;
                Change::Scale(f)
            };
            words.push(format!(
                "{path}{}{value}",
                if flag == "--set" { " = " } else { " x " }
            ));
            changes.push((path.to_string(), change));
            flags.push(flag);
        }
    }
    if !changes.is_empty() {
        // the error names the flag of the change at fault, and its path
        let stressed = sc
            .try_changes(&changes)
            .map_err(|e| InputError::plain(flags[e.index], e.message))?;
        out.push((words.join("; "), stressed));
    }
    Ok(out)
}

/// A progress bar on stderr that shows itself only once a run has taken
/// more than a second, and never when stderr is not a terminal.
struct Progress {
    bar: ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    start: Instant,
}

impl Progress {
    fn new(total: u64, enabled: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} iterations, {eta} left")
                .expect("a valid template"),
        );
        Progress {
            bar,
            enabled,
            shown: AtomicBool::new(false),
            start: Instant::now(),
        }
    }

    fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.enabled
            && self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Appends a line to a String (writing to a String cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes to stdout; a reader that closed the pipe early (`| head`) is not
/// an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn validate(path: &Path) -> Result<()> {
    let (sc, file, _) = load(Some(path))?;
    let mut out = String::new();
    let uncertain = sc.uncertain_inputs();
    outln!(
        out,
        "{file}: valid. \"{}\": {} stages, {} benefit stream{}, {}-month horizon, money in {}.",
        sc.name,
        sc.stages.len(),
        sc.benefits.len(),
        if sc.benefits.len() == 1 { "" } else { "s" },
        sc.horizon_months,
        sc.currency
    );
    if uncertain.is_empty() {
        outln!(
            out,
            "No uncertain inputs: every run of this scenario gives the same result."
        );
        return write_stdout(&out);
    }
    outln!(
        out,
        "\n{} uncertain inputs (P10 / P50 / P90 of each as drawn):\n",
        uncertain.len()
    );
    let w = uncertain
        .iter()
        .map(|&i| sc.inputs[i].path.len())
        .max()
        .unwrap_or(10)
        .max(5);
    outln!(
        out,
        "  {:<w$}  {:>10}  {:>10}  {:>10}  {:<18}  distribution",
        "input",
        "P10",
        "P50",
        "P90",
        "unit"
    );
    for &i in &uncertain {
        let input = &sc.inputs[i];
        let d = input;
        outln!(
            out,
            "  {:<w$}  {:>10}  {:>10}  {:>10}  {:<18}  {}",
            input.path,
            sig(d.quantile(0.1)),
            sig(d.quantile(0.5)),
            sig(d.quantile(0.9)),
            input.unit.label(&sc.currency),
            d.describe()
        );
    }
    if sc.benefits.is_empty() {
        outln!(
            out,
            "\nNote: no [[benefit]] stream, so this scenario can never pay back."
        );
    }
    write_stdout(&out)
}

fn init(file: &Path, force: bool) -> Result<()> {
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(InputError::plain(
            &shown,
            "the file exists already: choose another name, or add --force to replace it",
        )
        .into());
    }
    std::fs::write(file, EXAMPLE_TOML).map_err(|e| {
        InputError::plain(&shown, format!("cannot write the starter scenario: {e}"))
    })?;
    write_stdout(&format!(
        "Wrote {shown}: a commented starter scenario (the built-in example).\n\
         Next: edit it, then `gatecast validate {shown}` and `gatecast run {shown}`.\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
