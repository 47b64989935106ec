//! The command line's definition: every command, flag and argument, and
//! nothing else. Each command's work lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::Sampling;
use crate::stats::sensitivity::Target;

/// Monte Carlo payback for an enterprise AI initiative: stage gates,
/// adoption, costs and benefits, simulated thousands of times.
#[derive(Debug, Parser)]
#[command(
    name = "gatecast",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "With no command, gatecast runs: `gatecast` alone simulates the built-in example \
                  and writes output/example/.\n\nExamples:\n  gatecast run scenarios/pilot-purgatory.toml --iterations 50000\n  gatecast run --sampling sobol --precision 5000 --sensitivity\n  gatecast compare scenarios/small-real-deployments.toml scenarios/pilot-purgatory.toml\n  gatecast solve scenarios/example.toml --vary stage.Pilot.gate.pass --until \"P(payback<=36) >= 0.6\"\n  gatecast validate my-initiative.toml\n  gatecast init my-initiative.toml\n  gatecast completions bash > ~/.local/share/bash-completion/completions/gatecast\n  gatecast init --actuals my-initiative.toml my-actuals.toml\n  gatecast run my-initiative.toml --actuals my-actuals.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write its results (the default command)
    Run(RunArgs),
    /// Check a scenario file and list every uncertain input with its P10/P50/P90
    Validate {
        /// The scenario file (TOML)
        scenario: PathBuf,
        /// Check an actuals file against the scenario too
        #[arg(long, value_name = "FILE")]
        actuals: Option<PathBuf>,
    },
    /// Run several scenario files on the same seed and iterations and compare them
    Compare(CompareArgs),
    /// Simulate a programme of initiatives (a [portfolio] file) on one clock:
    /// how many reach production, when it pays back, which ones to fund
    Portfolio(PortfolioArgs),
    /// What has to be true: the value of one input at which a goal starts to hold
    Solve(SolveArgs),
    /// A live what-if page on this computer: move the inputs, see the payback move
    Serve(ServeArgs),
    /// Write a commented starter scenario that validates and runs; with
    /// --actuals an actuals file for a scenario, with --portfolio a starter
    /// programme
    Init {
        /// Where to write it [default: scenario.toml, or actuals.toml with --actuals]
        file: Option<PathBuf>,
        /// Write a commented actuals file for this scenario instead: its
        /// stages, an example observation, every field explained, filled in
        /// with the plan's medians so that it validates and runs as written
        #[arg(long, value_name = "SCENARIO")]
        actuals: Option<PathBuf>,
        /// Write a commented starter programme (a [portfolio] file) instead,
        /// with the starter scenarios of its initiatives beside it
        /// [default file: portfolio.toml]
        #[arg(long, conflicts_with = "actuals")]
        portfolio: bool,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema (draft 2020-12) of scenario files (or with
    /// --actuals or --portfolio, of those files), which editors read to
    /// complete and check keys (see schema/)
    Schema {
        /// The schema of actuals files (`run --actuals FILE`) instead
        #[arg(long, conflicts_with = "portfolio")]
        actuals: bool,
        /// The schema of portfolio files (`gatecast portfolio FILE`) instead
        #[arg(long)]
        portfolio: bool,
    },
    /// Print a shell completion script, e.g. `source <(gatecast completions bash)`
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `gatecast man | man -l -`
    Man,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The scenario file (TOML)
    pub scenario: PathBuf,
    /// The input to move, by path (see `gatecast validate`)
    #[arg(long, value_name = "PATH")]
    pub vary: String,
    /// The goal, e.g. "P(payback<=24) >= 0.8", "P(NPV>0) >= 0.6", "NPV P50 >= 0"
    #[arg(long, value_name = "GOAL")]
    pub until: String,
    /// Move the input as a fixed value, or as a scale on its distribution
    /// [default: value for a fixed input, scale for a distribution]
    #[arg(long = "as", value_enum, value_name = "HOW")]
    pub how: Option<VaryArg>,
    /// The range to search, e.g. 0.5,4 [default: scale 0.25 to 4 (for a
    /// share, up to where its largest draw reaches 1); a value from 0 to 4
    /// times its current median, or 0 to 1 for a share]
    #[arg(
        long,
        value_name = "LO,HI",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub between: Vec<f64>,
    /// Iterations per trial [default: the scenario's, at most 5000]
    #[arg(short = 'n', long, value_name = "N")]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub draws: Draws,
    /// Folder for the result [default: output/<scenario file name>-solve]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VaryArg {
    Value,
    Scale,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more scenario files (TOML)
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Iterations for every file [default: the first file's `iterations`]
    #[arg(short = 'n', long, value_name = "N")]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub draws: Draws,
    /// Folder for the comparison [default: output/compare]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
}

/// `gatecast portfolio`: a programme of initiatives.
#[derive(Debug, Args)]
pub struct PortfolioArgs {
    /// The portfolio file (TOML with a [portfolio] table and [[initiative]]s)
    pub portfolio: PathBuf,
    /// Iterations to simulate [default: the portfolio's `iterations`, else 10000]
    #[arg(short = 'n', long, value_name = "N")]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub draws: Draws,
    /// Folder for the results [default: output/<portfolio file name>]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors: no progress bar, no summary
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not write iterations.csv (one row per iteration)
    #[arg(long)]
    pub no_iterations_csv: bool,
    /// Report formats to write, comma-separated: png and svg (the charts, in
    /// charts/), html (report.html), xlsx (report.xlsx). summary.md,
    /// summary.json, monthly.csv, initiatives.csv and frontier.csv are
    /// always written
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "png,svg,html,xlsx"
    )]
    pub formats: Vec<Format>,
}

/// `gatecast serve`: the live what-if page.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The scenario file (TOML); without one, the built-in example
    pub scenario: Option<PathBuf>,
    /// The port to listen on (0 picks a free one)
    #[arg(short, long, default_value_t = 8750, value_name = "N")]
    pub port: u16,
    /// The address to listen on. Anything but 127.0.0.1, ::1 or localhost
    /// lets other computers reach the page, and is warned about
    #[arg(long, default_value = "127.0.0.1", value_name = "H")]
    pub host: String,
    /// Iterations of each run, until the page asks for others (at most 200000)
    #[arg(short = 'n', long, default_value_t = 10_000, value_name = "N")]
    pub iterations: u64,
    /// Random seed [default: the scenario file's `seed`, else 0]
    #[arg(short, long, value_name = "S")]
    pub seed: Option<u64>,
}

/// How the futures are drawn: the same flags for run, compare and solve.
#[derive(Debug, Args)]
pub struct Draws {
    /// Random seed [default: the scenario file's `seed`, else 0]
    #[arg(short, long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: every core]; results are identical for any number
    #[arg(short = 'j', long, value_name = "T")]
    pub threads: Option<usize>,
    /// How the draws are spread: mc (plain Monte Carlo), lhs (Latin
    /// hypercube) or sobol (scrambled Sobol points). Every method draws each
    /// input from exactly its distribution; lhs and sobol settle faster
    #[arg(long, value_enum, default_value = "mc", value_name = "METHOD")]
    pub sampling: SamplingArg,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML); without one, the built-in example (scenarios/example.toml)
    pub scenario: Option<PathBuf>,
    /// Iterations to simulate [default: the scenario's `iterations`, else 10000]
    #[arg(short = 'n', long, value_name = "N")]
    pub iterations: Option<u64>,
    #[command(flatten)]
    pub draws: Draws,
    /// Folder for the results [default: output/<scenario file name>]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors: no progress bar, no summary
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not write iterations.csv (one row per iteration), for very large runs
    #[arg(long)]
    pub no_iterations_csv: bool,
    /// Report formats to write, comma-separated: png and svg (the charts, in
    /// charts/), html (report.html), xlsx (report.xlsx). summary.md,
    /// summary.json and monthly.csv are always written
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "png,svg,html,xlsx"
    )]
    pub formats: Vec<Format>,
    /// Write no chart files (the same as leaving png and svg out of --formats)
    #[arg(long)]
    pub no_charts: bool,
    /// The figure whose drivers the sensitivity analysis looks for
    #[arg(long, value_enum, default_value = "npv")]
    pub target: TargetArg,
    /// Full sensitivity analysis: also the pinned tornado (each input at its
    /// P10 and P90, each gate always passing or killing) and the spider
    /// chart, on common random numbers (about 2 reruns per input)
    #[arg(long)]
    pub sensitivity: bool,
    /// Stop once the standard error of the --target figure is at most SE, in
    /// its unit: mean NPV or mean peak funding in the currency, mean ROI as a
    /// ratio, or for payback P(payback within 36 months) as a probability
    /// (e.g. 0.005). --iterations is then the cap [default cap: 1000000]
    #[arg(long, value_name = "SE", allow_negative_numbers = true)]
    pub precision: Option<f64>,
    /// Re-forecast from what has happened: a file holding an [actuals] table
    /// (it replaces any [actuals] in the scenario file); `gatecast init
    /// --actuals SCENARIO` writes a starter. Results go beside the plan's, to
    /// output/<actuals file name>/
    #[arg(long, value_name = "FILE")]
    pub actuals: Option<PathBuf>,
    /// The months at which to show what on track looks like (usage and
    /// active users that futures paying back reach, and the tripwire below
    /// which fewer than half pay back), comma-separated, e.g. 3,6,9
    /// [default: every third month up to the horizon]
    #[arg(long, value_name = "MONTHS")]
    pub checkpoints: Option<String>,
    /// Under actuals: simulate until the effective sample size of the
    /// weighted futures reaches N. --iterations is then the plan's run and
    /// the re-forecast's least; the cap is 1,000,000 iterations, or
    /// --iterations when larger
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub min_ess: u64,
    /// A what-if run beside the base with the same random numbers: replace an
    /// input's distribution, e.g. --set 'stage.Pilot.gate.decision_delay_months={ uniform = [3, 6] }'
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// A what-if run beside the base: multiply an input's draws, e.g. --scale adoption.ceiling=0.8
    #[arg(long, value_name = "PATH=FACTOR")]
    pub scale: Vec<String>,
}

/// The sampling method as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplingArg {
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
pub enum TargetArg {
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
pub enum Format {
    Png,
    Svg,
    Html,
    Xlsx,
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
