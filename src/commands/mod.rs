//! Each command's work: load, run, export. Every error the user can cause
//! ends with a message naming the file and exit code 2. The flags
//! themselves are defined in [`crate::cli`].

mod compare;
mod completions;
mod init;
mod man;
mod portfolio;
mod run;
mod schema;
mod serve;
mod solve;
mod validate;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{Cli, Command, Draws};
use crate::engine::RunOptions;
use crate::error::InputError;
use crate::format::{slug, thousands};
use crate::scenario::{Scenario, EXAMPLE_NAME, EXAMPLE_TOML, MAX_ITERATIONS};

/// Runs the command line and turns errors into exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not installed, Ctrl-C still stops the run; its staging folder then
    // waits for the next run beside it to remove it. `serve` writes no
    // folder and stops on Ctrl-C itself.
    if !matches!(cli.command, Some(Command::Serve(_))) {
        let _ = crate::export::staging::remove_on_interrupt();
    }
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
        None => run::run(cli.run),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Validate { scenario, actuals }) => {
            validate::validate(&scenario, actuals.as_deref())
        }
        Some(Command::Init {
            file,
            actuals: Some(scenario),
            force,
            ..
        }) => init::init_actuals(&scenario, file.as_deref(), force),
        Some(Command::Init {
            file,
            portfolio: true,
            force,
            ..
        }) => init::init_portfolio(
            file.as_deref()
                .unwrap_or(std::path::Path::new("portfolio.toml")),
            force,
        ),
        Some(Command::Init { file, force, .. }) => init::init(
            file.as_deref()
                .unwrap_or(std::path::Path::new("scenario.toml")),
            force,
        ),
        Some(Command::Compare(args)) => compare::compare(args),
        Some(Command::Portfolio(args)) => portfolio::portfolio(args),
        Some(Command::Solve(args)) => solve::solve(args),
        Some(Command::Schema { actuals, portfolio }) => schema::schema(actuals, portfolio),
        Some(Command::Completions { shell }) => completions::completions(shell),
        Some(Command::Man) => man::man(),
        Some(Command::Serve(args)) => serve::serve(args),
    }
}

impl Draws {
    /// The run's options, checked: `iterations` as given or defaulted,
    /// the seed defaulting to `seed`.
    pub(crate) fn options(&self, iterations: u64, seed: u64) -> Result<RunOptions, InputError> {
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

/// Loads the named scenario, or the built-in example; returns it with the
/// name to show for its file and the folder name for its results. Prints
/// the scenario's warnings on stderr.
fn load(path: Option<&Path>) -> Result<(Scenario, String, String), InputError> {
    let loaded = load_quietly(path)?;
    for w in &loaded.0.warnings {
        eprintln!("warning: {w}");
    }
    Ok(loaded)
}

fn load_quietly(path: Option<&Path>) -> Result<(Scenario, String, String), InputError> {
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

    /// Sets how many iterations the bar expects.
    fn bar_length(&self, n: u64) {
        self.bar.set_length(n);
    }

    /// Like [`Progress::inc`], lengthening the bar when a run goes on
    /// past it (a run under actuals simulates until enough futures agree).
    fn inc_growing(&self, n: u64) {
        let (pos, len) = (self.bar.position(), self.bar.length().unwrap_or(0));
        if pos + n > len {
            self.bar.inc_length(pos + n - len);
        }
        self.inc(n);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
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
