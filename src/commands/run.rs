//! `gatecast run` (the default command): simulate one scenario, with its
//! stresses and sensitivity analysis, and write every result.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{load, write_stdout, Progress};
use crate::actuals::{self, Conditioned, Likelihood, Settings};
use crate::charts;
use crate::cli::{Format, RunArgs};
use crate::compare::Comparison;
use crate::engine::{self, BlockSink, RunOptions, RunResult};
use crate::error::InputError;
use crate::export::iterations::IterationsCsv;
use crate::export::{self, text, OutputDir};
use crate::format::{slug, thousands};
use crate::ontrack;
use crate::precision;
use crate::reforecast;
use crate::report;
use crate::scenario::{parse_dist, Actuals, Change, Scenario, MAX_ITERATIONS};
use crate::sensitivity;
use crate::summary::{self, Summary};

/// The iteration cap of a `--precision` run without `--iterations`.
const PRECISION_CAP: u64 = 1_000_000;

/// Simulates the scenario and writes its results into a staging folder
/// that replaces the previous results only once everything is written.
pub(super) fn run(args: RunArgs) -> Result<()> {
    let (mut sc, file, folder) = load(args.scenario.as_deref())?;
    if let Some(path) = &args.actuals {
        sc = sc.with_actuals_file(path)?;
    }
    let goal = precision_goal(&args, &sc)?;
    let settings = actuals_settings(&args, &sc)?;
    let mut opts = options(&args, &sc, goal.as_ref())?;
    let iterations = opts.iterations;
    let variants = stresses(&sc, &args.set, &args.scale)?;
    // only the base run keeps the leading indicators at the checkpoints
    sc.checkpoints = checkpoints(&args, &sc)?;
    // a re-forecast from an actuals file goes beside the plan's results,
    // never over them: output/example-behind-plan/ for
    // --actuals example-behind-plan.toml (output/example/ without)
    let folder = match args.actuals.as_deref().and_then(|p| p.file_stem()) {
        Some(stem) => {
            let stem = slug(&stem.to_string_lossy());
            if stem.starts_with(&format!("{folder}-")) {
                stem
            } else {
                format!("{folder}-{stem}")
            }
        }
        None => folder,
    };
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(folder));
    let dir = OutputDir::create(&target)?;
    let shown = target.display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");

    let bar = Progress::new(
        iterations * (1 + variants.len() as u64),
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let (result, conditioned) = match (&sc.actuals, settings) {
        (Some(act), Some(settings)) => {
            let c = reforecast_run(&sc, act, &opts, settings, &dir, &args, &bar)?;
            (c.plan.clone(), Some(c))
        }
        _ => (
            simulate(&sc, &opts, goal.as_ref(), &dir, &args, &bar).with_context(context)?,
            None,
        ),
    };
    // nothing non-finite reaches an output (the staging folder, with the
    // rows streamed so far, goes when `dir` drops)
    summary::check_finite(&result).map_err(|e| InputError::plain(&file, e.to_string()))?;
    // stresses and the sensitivity analysis use the iterations actually run
    opts.iterations = result.iterations;
    let plain = Scenario {
        checkpoints: Vec::new(),
        ..sc.clone()
    };
    // the summary and the sensitivity analysis (a short run of its own)
    // are independent: side by side
    let (mut summary, drivers) = rayon::join(
        || Summary::new(&sc, &file, &result),
        || sensitivity::analyse_with(&plain, &opts, args.target.into(), args.sensitivity),
    );
    drop(plain);
    let drivers = drivers.with_context(context)?;
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
    dir.write(
        "sensitivity.csv",
        &sensitivity::csv(&drivers).with_context(context)?,
    )
    .with_context(context)?;
    summary.sensitivity = Some(drivers);
    if let (Some(act), Some(c)) = (&sc.actuals, &conditioned) {
        let mut rf = reforecast::reforecast(&sc, act, &summary, c);
        let conditioned_drivers = reforecast::conditioned_drivers(&sc, c, args.target.into());
        rf.after.sensitivity = Some(conditioned_drivers.clone());
        rf.conditioned_drivers = Some(conditioned_drivers);
        summary.actuals = Some(rf);
    }
    drop(conditioned);
    export::write_reports(&dir, &summary).with_context(context)?;
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
        if summary.actuals.is_some() {
            written_files.push(export::actuals::PLAN_ROWS.into());
        }
    }

    // stress tests run beside the base before the report, which shows them
    let mut stressed: Vec<(String, Summary)> = Vec::new();
    if !variants.is_empty() {
        match &summary.actuals {
            None => stressed.push(("Base".to_string(), summary.clone())),
            Some(rf) => stressed.push(("Base (re-forecast)".to_string(), (*rf.after).clone())),
        }
        for (name, sc_stressed) in &variants {
            let s = match &sc_stressed.actuals {
                None => {
                    let r = engine::run(sc_stressed, &opts, None, &|n| bar.inc(n))
                        .with_context(context)?;
                    summary::check_finite(&r).map_err(|e| {
                        InputError::plain(format!("{file}, stress \"{name}\""), e.to_string())
                    })?;
                    Summary::new(sc_stressed, &file, &r)
                }
                Some(act) => stressed_reforecast(sc_stressed, act, name, &file, &opts, &bar)?,
            };
            stressed.push((name.clone(), s));
        }
    }
    let comparison = (!stressed.is_empty()).then(|| {
        let named: Vec<(String, &Summary)> = stressed.iter().map(|(n, s)| (n.clone(), s)).collect();
        Comparison::new(&named)
    });
    let wants = |f: Format| args.formats.contains(&f);
    let (png, svg, html) = (
        wants(Format::Png) && !args.no_charts,
        wants(Format::Svg) && !args.no_charts,
        wants(Format::Html),
    );
    let overlays = if comparison.is_some() && (png || svg || html) {
        let compared = charts::Compared::stresses(&stressed);
        charts::render_comparison(&compared, svg || html, png)
            .context("cannot draw the comparison charts")?
    } else {
        Vec::new()
    };
    // The charts and report.html, and report.xlsx, are independent: they
    // are made side by side, each on a core of its own.
    let pictures = || -> Result<Vec<String>> {
        let mut written = Vec::new();
        if png || svg || html {
            let charts =
                charts::render_all(&summary, svg || html, png).context("cannot draw the charts")?;
            if png || svg {
                export::write_charts(&dir, &charts, png, svg).with_context(context)?;
                written.push("charts/".into());
            }
            if html {
                let st = comparison.as_ref().map(|c| report::Stresses {
                    comparison: c,
                    charts: &overlays,
                });
                let page = report::html_with_stresses(&summary, &charts, st.as_ref());
                dir.write("report.html", page.as_bytes())
                    .with_context(context)?;
                written.push("report.html".into());
            }
        }
        Ok(written)
    };
    let workbook = || -> Result<Vec<String>> {
        if !wants(Format::Xlsx) {
            return Ok(Vec::new());
        }
        let csv = (!args.no_iterations_csv).then(|| dir.path("iterations.csv"));
        export::xlsx::write_workbook(&summary, csv.as_deref(), &dir.path("report.xlsx"))
            .context("cannot build report.xlsx")?;
        Ok(vec!["report.xlsx".into()])
    };
    let (pictures, workbook) = rayon::join(pictures, workbook);
    written_files.extend(pictures?);
    written_files.extend(workbook?);
    if let Some(c) = &comparison {
        write_comparison(&dir, c, &summary, &stressed, &opts).with_context(context)?;
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

/// How a run under actuals goes on: at least `--iterations` (default the
/// scenario's), until the effective sample size reaches `--min-ess`, at
/// most [`actuals::DEFAULT_CAP`] iterations or `--iterations` when larger.
/// `None` without actuals.
fn actuals_settings(args: &RunArgs, sc: &Scenario) -> Result<Option<Settings>, InputError> {
    if sc.actuals.is_none() {
        return Ok(None);
    }
    if args.precision.is_some() {
        return Err(InputError::plain(
            "--precision",
            "a run under actuals stops on the effective sample size of its weighted futures (--min-ess), not on --precision: leave --precision out",
        ));
    }
    if args.min_ess == 0 {
        return Err(InputError::plain(
            "--min-ess",
            "the effective sample size wanted must be at least 1, got 0",
        ));
    }
    let min_iterations = args.iterations.unwrap_or(sc.iterations);
    Ok(Some(Settings {
        min_ess: args.min_ess as f64,
        min_iterations,
        cap: min_iterations.clamp(actuals::DEFAULT_CAP, MAX_ITERATIONS),
        pinned: true,
    }))
}

/// The base run under actuals: iterations.csv streams (through the usual
/// sink) without its weights to a side file, then gets them, which are
/// known only at the end. Fails, writing nothing, when no simulated future
/// agrees with the facts.
fn reforecast_run(
    sc: &Scenario,
    act: &Actuals,
    opts: &RunOptions,
    settings: Settings,
    dir: &OutputDir,
    args: &RunArgs,
    bar: &Progress,
) -> Result<Conditioned> {
    let shown = dir.target().display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");
    let likelihood = Likelihood::new(sc, act);
    bar.bar_length(settings.min_iterations);
    let csv = |name: &str| -> Result<Option<IterationsCsv<std::io::BufWriter<std::fs::File>>>> {
        if args.no_iterations_csv {
            return Ok(None);
        }
        let file = dir.file(name).with_context(context)?;
        Ok(Some(IterationsCsv::new(sc, file).with_context(context)?))
    };
    let mut plan_rows = csv(export::actuals::PLAN_SIDE)?;
    let mut rows = csv(export::actuals::UNWEIGHTED_ROWS)?;
    let plan_sink = plan_rows.as_mut().map(|s| s as &mut dyn BlockSink);
    let sink = rows.as_mut().map(|s| s as &mut dyn BlockSink);
    let c = actuals::condition(sc, &likelihood, opts, settings, plan_sink, sink, &|n| {
        bar.inc_growing(n)
    })
    .with_context(context)?;
    for rows in [plan_rows, rows].into_iter().flatten() {
        rows.finish().with_context(context)?;
    }
    if let Some(e) = c.disagreement(sc, act) {
        return Err(e.into());
    }
    if !args.no_iterations_csv {
        export::actuals::write_iterations_csv(dir, sc, act, &c).with_context(context)?;
    }
    Ok(c)
}

/// A stress under actuals: the stressed plan conditioned on the same
/// actuals, on as many iterations as the base ran.
fn stressed_reforecast(
    sc: &Scenario,
    act: &Actuals,
    name: &str,
    file: &str,
    opts: &RunOptions,
    bar: &Progress,
) -> Result<Summary> {
    let likelihood = Likelihood::new(sc, act);
    let settings = Settings {
        min_ess: f64::INFINITY,
        min_iterations: opts.iterations,
        cap: opts.iterations,
        pinned: true,
    };
    let c = actuals::condition(sc, &likelihood, opts, settings, None, None, &|n| {
        bar.inc_growing(n)
    })?;
    if let Some(mut e) = c.disagreement(sc, act) {
        e.message = format!("under the stress \"{name}\": {}", e.message);
        return Err(e.into());
    }
    let prior = Summary::new(sc, file, &c.plan);
    Ok(*reforecast::reforecast(sc, act, &prior, &c).after)
}

/// The checkpoint months of what on track looks like (MODEL.md 9.1):
/// `--checkpoints`, checked against the horizon, or every third month.
fn checkpoints(args: &RunArgs, sc: &Scenario) -> Result<Vec<usize>, InputError> {
    match &args.checkpoints {
        None => Ok(ontrack::default_checkpoints(sc.horizon_months)),
        Some(text) => ontrack::parse_checkpoints(text, sc.horizon_months)
            .map_err(|e| InputError::plain("--checkpoints", e)),
    }
}

/// `--precision SE` as a stopping rule, checked.
fn precision_goal(args: &RunArgs, sc: &Scenario) -> Result<Option<precision::Goal>, InputError> {
    match args.precision {
        None => Ok(None),
        Some(se) if se > 0.0 && se.is_finite() => Ok(Some(precision::Goal {
            target: args.target.into(),
            wanted_se: se,
            sampling: args.draws.sampling.into(),
            horizon_months: sc.horizon_months,
        })),
        Some(se) => Err(InputError::plain(
            "--precision",
            format!("the standard error wanted must be a number above 0, got {se}"),
        )),
    }
}

/// The run's options; under `--precision`, `--iterations` is the cap and
/// must reach the first check.
fn options(
    args: &RunArgs,
    sc: &Scenario,
    goal: Option<&precision::Goal>,
) -> Result<RunOptions, InputError> {
    let default_iterations = if goal.is_some() {
        PRECISION_CAP
    } else {
        sc.iterations
    };
    let opts = args
        .draws
        .options(args.iterations.unwrap_or(default_iterations), sc.seed)?;
    if let Some(goal) = goal {
        if opts.iterations < goal.min_iterations() {
            return Err(InputError::plain(
                "--iterations",
                format!(
                    "with --precision, --iterations is the cap and must be at least {} (the first check of the standard error under {}), got {}",
                    thousands(goal.min_iterations() as f64),
                    opts.sampling.label(),
                    thousands(opts.iterations as f64)
                ),
            ));
        }
    }
    Ok(opts)
}

/// The base run, streaming iterations.csv unless `--no-iterations-csv`, and
/// stopping early under `--precision`.
fn simulate(
    sc: &Scenario,
    opts: &RunOptions,
    goal: Option<&precision::Goal>,
    dir: &OutputDir,
    args: &RunArgs,
    bar: &Progress,
) -> Result<RunResult> {
    let mut rows = if args.no_iterations_csv {
        None
    } else {
        Some(IterationsCsv::new(sc, dir.file("iterations.csv")?)?)
    };
    let sink = rows.as_mut().map(|s| s as &mut dyn BlockSink);
    let result = match goal {
        None => engine::run(sc, opts, sink, &|n| bar.inc(n))?,
        Some(goal) => engine::run_until(sc, opts, sink, &|n| bar.inc(n), &mut |rec| goal.met(rec))?,
    };
    if let Some(rows) = rows {
        rows.finish()?;
    }
    Ok(result)
}

/// comparison.csv, comparison.md and one JSON summary per stress.
fn write_comparison(
    dir: &OutputDir,
    c: &Comparison,
    base: &Summary,
    stressed: &[(String, Summary)],
    opts: &RunOptions,
) -> Result<()> {
    dir.write("comparison.csv", &c.csv()?)?;
    let md = format!(
        "# {}: base and stresses\n\nEach stress runs beside the base on the same random numbers ({} iterations{}, seed {}).\n\n{}",
        base.scenario,
        opts.iterations,
        text::sampling_note(opts.sampling),
        opts.seed,
        c.markdown()
    );
    dir.write("comparison.md", md.as_bytes())?;
    for (name, s) in stressed.iter().skip(1) {
        dir.create_dir("stresses")?;
        dir.write(
            &format!("stresses/{}.json", slug(name)),
            &export::summary_json(s)?,
        )?;
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
