//! `gatecast portfolio`: a programme of initiatives on one clock (MODEL.md
//! section 10): load, run (and with a budget, re-run the chosen subset on
//! fresh draws), export.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{write_stdout, Progress};
use crate::charts;
use crate::cli::{Format, PortfolioArgs};
use crate::error::InputError;
use crate::export::{portfolio as out, OutputDir};
use crate::format::slug;
use crate::portfolio::figures::{self, PortfolioSummary};
use crate::portfolio::{self, Subsets};
use crate::scenario::portfolio::Portfolio;

/// Loads a portfolio file, printing its initiatives' warnings.
pub(super) fn load(path: &std::path::Path) -> Result<Portfolio, InputError> {
    let pf = Portfolio::from_file(path)?;
    for w in &pf.warnings {
        eprintln!("warning: {w}");
    }
    Ok(pf)
}

/// Simulates the programme and writes its results.
pub(super) fn portfolio(args: PortfolioArgs) -> Result<()> {
    let pf = load(&args.portfolio)?;
    let opts = args
        .draws
        .options(args.iterations.unwrap_or(pf.iterations), pf.seed)?;
    let stem = args
        .portfolio
        .file_stem()
        .map_or("portfolio".into(), |s| s.to_string_lossy().to_string());
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(slug(&stem)));
    let dir = OutputDir::create(&target)?;
    let shown = target.display().to_string();
    let context = || format!("cannot write the output folder '{shown}'");
    let n = pf.initiatives.len();
    let subsets = if pf.budget.is_some() {
        Subsets::All
    } else {
        Subsets::leave_one_out(n)
    };
    let runs = if pf.budget.is_some() { 2 } else { 1 };
    let bar = Progress::new(
        opts.iterations * runs,
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let run = portfolio::run(&pf, &opts, &subsets, &|k| bar.inc(k)).with_context(context)?;
    for (init, r) in pf.initiatives.iter().zip(&run.initiatives) {
        crate::summary::check_finite(r)
            .map_err(|e| InputError::plain(&init.file, e.to_string()))?;
    }
    // the chosen subset on fresh draws (seed + 1): choose first, then re-run
    let first = PortfolioSummary::new(&pf, &run, None);
    let summary = match first.selection.as_ref().and_then(|s| s.chosen.as_ref()) {
        Some(chosen) => {
            let mask = pf
                .initiatives
                .iter()
                .enumerate()
                .filter(|(_, i)| chosen.initiatives.contains(&i.name))
                .fold(0u32, |m, (j, _)| m | (1 << j));
            let mut fresh_opts = opts;
            fresh_opts.seed = opts.seed.wrapping_add(1);
            let (sub, fresh) = portfolio::re_estimate(&pf, mask, &fresh_opts, &|k| bar.inc(k))
                .with_context(context)?;
            PortfolioSummary::new(&pf, &run, figures::all_figures(&sub, &fresh))
        }
        None => first,
    };
    bar.finish();
    dir.write(
        "summary.json",
        &out::summary_json(&summary).with_context(context)?,
    )
    .with_context(context)?;
    dir.write("summary.md", out::markdown(&summary).as_bytes())
        .with_context(context)?;
    dir.write(
        "monthly.csv",
        &out::monthly_csv(&summary).with_context(context)?,
    )
    .with_context(context)?;
    dir.write(
        "initiatives.csv",
        &out::initiatives_csv(&summary).with_context(context)?,
    )
    .with_context(context)?;
    dir.write(
        "frontier.csv",
        &out::frontier_csv(&summary).with_context(context)?,
    )
    .with_context(context)?;
    let mut files = vec![
        "summary.md",
        "summary.json",
        "monthly.csv",
        "initiatives.csv",
        "frontier.csv",
    ];
    let iterations = (!args.no_iterations_csv)
        .then(|| out::iterations_csv(&summary, &run))
        .transpose()
        .with_context(context)?;
    if let Some(rows) = &iterations {
        dir.write("iterations.csv", rows).with_context(context)?;
        files.push("iterations.csv");
    }
    let has = |f: Format| args.formats.contains(&f);
    let (png, svg, html, xlsx) = (
        has(Format::Png),
        has(Format::Svg),
        has(Format::Html),
        has(Format::Xlsx),
    );
    if png || svg || html {
        let drawn = charts::portfolio::render_all(&summary, svg || html, png)
            .context("cannot draw the programme's charts")?;
        if png || svg {
            crate::export::write_charts(&dir, &drawn, png, svg).with_context(context)?;
            files.push("charts/");
        }
        if html {
            let page = crate::report::portfolio::html(&summary, &drawn);
            dir.write("report.html", page.as_bytes())
                .with_context(context)?;
            files.push("report.html");
        }
    }
    if xlsx {
        let book = crate::export::xlsx::portfolio::workbook(
            &summary,
            &out::initiatives_csv(&summary).with_context(context)?,
            &out::frontier_csv(&summary).with_context(context)?,
            &out::monthly_csv(&summary).with_context(context)?,
            iterations.as_deref(),
        )
        .context("cannot build report.xlsx")?;
        dir.write("report.xlsx", &book).with_context(context)?;
        files.push("report.xlsx");
    }
    let written = dir.commit().with_context(context)?;
    if !args.quiet {
        write_stdout(&out::terminal(
            &summary,
            &written.display().to_string(),
            &files.join(", "),
        ))?;
    }
    Ok(())
}
