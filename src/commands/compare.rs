//! `gatecast compare`: several scenario files on one seed, side by side.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{load, write_stdout, Progress};
use crate::charts;
use crate::cli::CompareArgs;
use crate::compare::Comparison;
use crate::engine;
use crate::export::{self, text, OutputDir};
use crate::format::thousands;
use crate::summary::Summary;

/// Runs every file on the same draws and writes the comparison.
pub(super) fn compare(args: CompareArgs) -> Result<()> {
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
        crate::summary::check_finite(&r)
            .map_err(|e| crate::error::InputError::plain(file, e.to_string()))?;
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
