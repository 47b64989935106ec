//! Goal seek: what has to be true? Finds the value of one input (or the
//! scale on its distribution), or of a gate's `pass` or `rework`
//! probability, at which a statement such as `P(payback<=24) >= 0.8` starts
//! to hold, by bisection over common random numbers: every trial runs the
//! same futures, so the statement's figure moves only because the input
//! moved. A gate's decisions compare its probabilities with uniforms drawn
//! from the gate's own streams, so moving `pass` changes the outcome of
//! exactly those futures whose uniform lies between the old and new values.

use std::io;

use serde::Serialize;

use crate::dist::Dist;
use crate::engine::{self, RunOptions};
use crate::scenario::{Change, Scenario};
use crate::summary::Summary;

/// The figure a statement is about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Figure {
    /// `P(payback<=N)`: the share paying back within N months.
    PaybackWithin(f64),
    /// `P(NPV>0)`.
    NpvPositive,
    /// `NPV P10`, `NPV P50`, `NPV P90`: a percentile of NPV (0.1, 0.5, 0.9).
    NpvPercentile(f64),
}

/// A statement to make true: `figure >= bound` or `figure <= bound`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Goal {
    pub figure: Figure,
    pub at_least: bool,
    pub bound: f64,
}

impl Goal {
    /// Reads `P(payback<=24) >= 0.8`, `P(NPV>0) >= 0.6`, `NPV P50 >= 0`.
    pub fn parse(text: &str) -> Result<Goal, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let lower = compact.to_lowercase();
        let (lhs, at_least, rhs) = if let Some((l, r)) = lower.rsplit_once(">=") {
            (l.to_string(), true, r.to_string())
        } else if let Some((l, r)) = lower.rsplit_once("<=") {
            if l.starts_with("p(payback") && !l.contains(')') {
                return Err(Self::expected(text));
            }
            (l.to_string(), false, r.to_string())
        } else {
            return Err(Self::expected(text));
        };
        let bound: f64 = rhs
            .trim_end_matches('%')
            .parse()
            .map_err(|_| Self::expected(text))?;
        let bound = if rhs.ends_with('%') {
            bound / 100.0
        } else {
            bound
        };
        let figure = if let Some(m) = lhs
            .strip_prefix("p(payback<=")
            .and_then(|r| r.strip_suffix(')'))
        {
            Figure::PaybackWithin(m.parse().map_err(|_| Self::expected(text))?)
        } else if lhs == "p(npv>0)" {
            Figure::NpvPositive
        } else if let Some(p) = lhs.strip_prefix("npvp") {
            match p {
                "10" => Figure::NpvPercentile(0.1),
                "50" => Figure::NpvPercentile(0.5),
                "90" => Figure::NpvPercentile(0.9),
                _ => return Err(Self::expected(text)),
            }
        } else {
            return Err(Self::expected(text));
        };
        Ok(Goal {
            figure,
            at_least,
            bound,
        })
    }

    fn expected(text: &str) -> String {
        format!(
            "cannot read the goal `{text}`: expected for example \"P(payback<=24) >= 0.8\", \"P(NPV>0) >= 0.6\" or \"NPV P50 >= 0\""
        )
    }

    /// The figure for a run (`None`: a percentile beyond reach); `paybacks`
    /// are the run's per-iteration paybacks (`+inf` for none).
    pub fn value(&self, s: &Summary, paybacks: &[f64]) -> Option<f64> {
        match self.figure {
            Figure::PaybackWithin(m) => {
                let paid = paybacks.iter().filter(|p| **p <= m).count();
                Some(paid as f64 / paybacks.len().max(1) as f64)
            }
            Figure::NpvPositive => Some(s.npv.p_positive.value),
            Figure::NpvPercentile(p) if p < 0.3 => s.npv.spread.p10.value,
            Figure::NpvPercentile(p) if p < 0.7 => s.npv.spread.p50.value,
            Figure::NpvPercentile(_) => s.npv.spread.p90.value,
        }
    }

    pub fn holds(&self, value: Option<f64>) -> bool {
        match value {
            None => false,
            Some(v) if self.at_least => v >= self.bound,
            Some(v) => v <= self.bound,
        }
    }
}

/// How the input is varied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Vary {
    /// Fix the input at a value.
    Value,
    /// Multiply its draws by a factor.
    Scale,
}

/// One point of the curve traced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub at: f64,
    pub figure: Option<f64>,
    pub holds: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    pub path: String,
    pub vary: Vary,
    pub goal: Goal,
    pub range: (f64, f64),
    /// The boundary where the goal starts to hold; `None` when no value in
    /// the range makes it true.
    pub answer: Option<f64>,
    /// True when the goal already holds over the whole range.
    pub holds_everywhere: bool,
    /// The curve traced, evenly over the range.
    pub curve: Vec<Point>,
}

/// Bisection steps: the answer is within (range width) / 2^STEPS.
const STEPS: usize = 30;
/// Points on the traced curve.
const CURVE_POINTS: usize = 11;

/// Finds where the goal starts to hold as the input moves over `range`.
/// `path` names an input or a gate probability (`stage.Pilot.gate.pass`,
/// moved by [`Vary::Value`] within `[0, 1 - rework]`; see
/// [`Scenario::gate_probability`]).
pub fn solve(
    sc: &Scenario,
    path: &str,
    vary: Vary,
    range: (f64, f64),
    goal: Goal,
    opts: &RunOptions,
) -> io::Result<Solution> {
    let figure_at = |at: f64| -> io::Result<Option<f64>> {
        let change = match vary {
            Vary::Value => Change::Set(Dist::fixed(at)),
            Vary::Scale => Change::Scale(at),
        };
        let trial = sc
            .with_changes(&[(path.to_string(), change)])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let r = engine::run(&trial, opts, None, &|_| {})?;
        Ok(goal.value(&Summary::new(&trial, "", &r), &r.records.payback))
    };
    let (lo, hi) = range;
    let mut curve = Vec::new();
    for k in 0..CURVE_POINTS {
        let at = lo + (hi - lo) * k as f64 / (CURVE_POINTS - 1) as f64;
        let figure = figure_at(at)?;
        curve.push(Point {
            at,
            figure,
            holds: goal.holds(figure),
        });
    }
    let holds_lo = curve[0].holds;
    let holds_hi = curve[CURVE_POINTS - 1].holds;
    let solution = |answer, everywhere| Solution {
        path: path.to_string(),
        vary,
        goal,
        range,
        answer,
        holds_everywhere: everywhere,
        curve: curve.clone(),
    };
    if holds_lo && holds_hi {
        return Ok(solution(Some(lo), true));
    }
    if !holds_lo && !holds_hi {
        // it may still hold inside the range: take the first traced point
        return Ok(match curve.iter().find(|p| p.holds) {
            Some(p) => solution(Some(p.at), false),
            None => solution(None, false),
        });
    }
    // bisect between a point where it fails and one where it holds
    let (mut fail, mut ok) = if holds_hi { (lo, hi) } else { (hi, lo) };
    for _ in 0..STEPS {
        let mid = 0.5 * (fail + ok);
        if goal.holds(figure_at(mid)?) {
            ok = mid;
        } else {
            fail = mid;
        }
    }
    Ok(solution(Some(ok), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_read_as_written() {
        let g = Goal::parse("P(payback<=24) >= 0.8").unwrap();
        assert_eq!(
            g,
            Goal {
                figure: Figure::PaybackWithin(24.0),
                at_least: true,
                bound: 0.8
            }
        );
        let g = Goal::parse("P(NPV>0)>=60%").unwrap();
        assert_eq!(
            g,
            Goal {
                figure: Figure::NpvPositive,
                at_least: true,
                bound: 0.6
            }
        );
        let g = Goal::parse("NPV P50 >= 0").unwrap();
        assert_eq!(g.figure, Figure::NpvPercentile(0.5));
        assert!(Goal::parse("NPV > 0").is_err());
        assert!(Goal::parse("P(payback<=x) >= 0.8").is_err());
    }
}
