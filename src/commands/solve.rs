//! `gatecast solve`: the value of one input at which a goal starts to hold.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{load, write_stdout};
use crate::cli::{SolveArgs, VaryArg};
use crate::error::InputError;
use crate::export::OutputDir;
use crate::format::{sig, thousands};
use crate::scenario::{Allowed, Scenario};
use crate::solve::{self as goal_seek, Goal, Solution, Vary};

/// Finds where the goal starts to hold, prints the answer and the curve,
/// and writes solve.json and solve.csv.
pub(super) fn solve(args: SolveArgs) -> Result<()> {
    let (sc, _, folder) = load(Some(&args.scenario))?;
    let goal = Goal::parse(&args.until).map_err(|e| InputError::plain("--until", e))?;
    let between = match args.between.as_slice() {
        [] => None,
        [lo, hi] if lo < hi && lo.is_finite() && hi.is_finite() => Some((*lo, *hi)),
        _ => {
            return Err(InputError::plain("--between", "expected LO,HI with LO < HI").into());
        }
    };
    let (vary, range) = if sc.gate_probability(&args.vary).is_some() {
        gate_range(&sc, &args, between)?
    } else {
        input_range(&sc, &args, between)?
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
    let s = goal_seek::solve(&sc, &args.vary, vary, range, goal, &opts).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            anyhow::Error::new(InputError::plain("--vary", e.to_string()))
        } else {
            anyhow::Error::new(e)
        }
    })?;
    let mut text = format!(
        "{}: {} iterations per trial, seed {}; {} {} from {} to {}\n\n",
        sc.name,
        thousands(opts.iterations as f64),
        opts.seed,
        if vary == Vary::Scale {
            "scale on"
        } else {
            "value of"
        },
        args.vary,
        sig(range.0),
        sig(range.1)
    );
    text.push_str(&answer(&args, &s));
    text.push_str("\n  The curve traced (same random numbers at every point):\n");
    text.push_str(&curve_table(&s));
    dir.write("solve.csv", &curve_csv(&s).with_context(context)?)
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

/// A gate's pass or rework: a plain number, moved by value over
/// [0, 1 - the other].
fn gate_range(
    sc: &Scenario,
    args: &SolveArgs,
    between: Option<(f64, f64)>,
) -> Result<(Vary, (f64, f64)), InputError> {
    let gp = sc.gate_probability(&args.vary).expect("a gate probability");
    let other = if gp.pass { "rework" } else { "pass" };
    if args.how == Some(VaryArg::Scale) {
        return Err(InputError::plain(
            "--as",
            format!(
                "{} is a probability, not a distribution: it is moved by value (leave out --as scale)",
                args.vary
            ),
        ));
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
        ));
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
        ));
    }
    Ok((Vary::Value, range))
}

/// An uncertain input: moved as a value or as a scale on its draws, over
/// the range given or a default that respects the input's rule.
fn input_range(
    sc: &Scenario,
    args: &SolveArgs,
    between: Option<(f64, f64)>,
) -> Result<(Vary, (f64, f64)), InputError> {
    let Some(id) = sc.input_id(&args.vary) else {
        return Err(InputError::plain(
            "--vary",
            format!(
                "no input is named \"{}\"; `gatecast validate {}` lists every input's path (and a gate's pass and rework can be varied as stage.<name>.gate.pass and .rework)",
                args.vary,
                args.scenario.display()
            ),
        ));
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
    Ok((vary, range))
}

/// The answer in a sentence, or plain advice when there is none.
fn answer(args: &SolveArgs, s: &Solution) -> String {
    match (s.answer, s.holds_everywhere) {
        (Some(a), true) => format!(
            "  \"{}\" already holds over the whole range, from {} on.\n",
            args.until,
            sig(a)
        ),
        (Some(a), false) => format!(
            "  \"{}\" starts to hold at {} = {}{}.\n",
            args.until,
            if s.vary == Vary::Scale { format!("the scale on {}", args.vary) } else { args.vary.clone() },
            sig(a),
            if s.curve.first().is_some_and(|p| p.holds) { " (it holds below, fails above)" } else { " (it fails below, holds above)" }
        ),
        (None, _) => format!(
            "  No value from {} to {} makes \"{}\" true. Widen the range with --between where the input allows it (a share stays within 0 to 1, a probability within 0 to 1 - the others), or vary another input.\n",
            sig(s.range.0),
            sig(s.range.1),
            args.until
        ),
    }
}

/// The traced curve as the terminal shows it.
fn curve_table(s: &Solution) -> String {
    let mut text = String::new();
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
    }
    text
}

/// solve.csv: the traced curve, one row a point.
fn curve_csv(s: &Solution) -> Result<Vec<u8>> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let at = if s.vary == Vary::Scale {
        "scale"
    } else {
        "value"
    };
    csv.write_record([at, "figure", "goal_holds"])?;
    for p in &s.curve {
        csv.write_record([
            p.at.to_string(),
            p.figure.map_or(String::new(), |f| f.to_string()),
            p.holds.to_string(),
        ])?;
    }
    csv.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
