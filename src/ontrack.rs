//! What on track looks like (MODEL.md 9.1), in every run: for usage rate
//! and active users at each checkpoint month, the on-track band, the decile
//! table and the tripwire (see [`crate::stats::ontrack`] for the
//! definitions), gathered into one serialisable [`OnTrack`] that the
//! terminal, summary.json, summary.md, the chart, report.html and
//! report.xlsx all read. No I/O.
//!
//! Which iterations count: at checkpoint `m`, those with access
//! (`W(m) > 0`: access opened and not killed); "pays back" means a payback
//! time at or before `T` months, `T` = 36 or the horizon when shorter
//! (`P(payback within 36 months)` counts the same way).

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::{AtCheckpoint, Records};
use crate::scenario::Scenario;
use crate::stats::ontrack::{self, Checkpoint};

/// The payback target of MODEL.md 9: 36 months, or the horizon when
/// shorter.
pub fn target_months(horizon: usize) -> usize {
    horizon.min(36)
}

/// The default checkpoints: every third month up to the horizon (the
/// horizon itself when it is shorter than 3 months).
pub fn default_checkpoints(horizon: usize) -> Vec<usize> {
    if horizon < 3 {
        return vec![horizon];
    }
    (3..=horizon).step_by(3).collect()
}

/// Reads `--checkpoints`: whole months from 1 to the horizon, separated by
/// commas, in any order; repeats count once. The error says what was
/// wrong, for the flag's message.
pub fn parse_checkpoints(text: &str, horizon: usize) -> Result<Vec<usize>, String> {
    let mut months = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "expected months separated by commas, such as 3,6,9, got `{text}` (an empty entry)"
            ));
        }
        let month = item.parse::<i64>().map_err(|_| {
            format!("expected whole months from 1 to the {horizon}-month horizon, such as 3,6,9, got `{item}`")
        })?;
        if month < 1 || month as u64 > horizon as u64 {
            return Err(format!(
                "a checkpoint must be a month from 1 to the {horizon}-month horizon, got {month}"
            ));
        }
        months.push(month as usize);
    }
    months.sort_unstable();
    months.dedup();
    Ok(months)
}

/// One leading indicator at every checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// `usage_rate` or `active_users`.
    pub key: String,
    pub label: String,
    /// "share (0-1)" or "users".
    pub unit: String,
    /// One entry per checkpoint month, in order.
    pub checkpoints: Vec<AtMonth>,
    /// The checkpoint at which the indicator separates best (see
    /// [`OnTrack::new`]); `None` when no checkpoint qualifies.
    pub featured_month: Option<usize>,
}

/// The figures of one indicator at one checkpoint month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtMonth {
    pub month: usize,
    #[serde(flatten)]
    pub figures: Checkpoint,
}

/// What on track looks like, for both leading indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnTrack {
    /// `T`: "pays back" means within this many months.
    pub target_months: usize,
    /// The checkpoint months.
    pub months: Vec<usize>,
    /// Which iterations count, how groups form, what the tripwire is.
    pub method: String,
    /// The checkpoint the one-line summaries quote: usage rate's featured
    /// month, else active users' (see [`OnTrack::new`]); `None` when
    /// neither has one.
    pub featured_month: Option<usize>,
    /// The indicator they quote: `usage_rate` or `active_users`.
    pub featured_indicator: Option<String>,
    /// Usage rate, then active users.
    pub indicators: Vec<Indicator>,
}

impl OnTrack {
    /// The figures from the run's records, or `None` when the run kept no
    /// checkpoint (see [`Scenario::checkpoints`]).
    ///
    /// The featured checkpoint is the one at which usage separates best:
    /// the largest gap between the share paying back above the tripwire
    /// and at or below it ([`Checkpoint::separation`]), among the
    /// checkpoints at which at least half of all iterations have access
    /// (so that the statement covers most futures), the earliest on a tie;
    /// failing that, among those at which at least a tenth of them and 100
    /// have access. A tripwire with nothing above
    /// it (even the highest tenth pays back less than half the time) is
    /// never featured.
    pub fn new(sc: &Scenario, rec: &Records) -> Option<OnTrack> {
        let months = &sc.checkpoints;
        if months.is_empty() || rec.usage_at.len() != months.len() {
            return None;
        }
        let t = target_months(sc.horizon_months) as f64;
        // the engine kept each column split by payback within `t`
        let columns: Vec<&AtCheckpoint> = rec.usage_at.iter().chain(&rec.active_at).collect();
        let mut figures: Vec<Checkpoint> = columns
            .par_iter()
            .map_init(ontrack::Scratch::default, |scratch, column| {
                ontrack::checkpoint_in(&column.paid, &column.unpaid, scratch)
            })
            .collect();
        let active = figures.split_off(months.len());
        let at = |figures: Vec<Checkpoint>| -> Vec<AtMonth> {
            months
                .iter()
                .zip(figures)
                .map(|(&month, figures)| AtMonth { month, figures })
                .collect()
        };
        let n = rec.payback.len() as u64;
        let best = |checkpoints: &[AtMonth], covering: bool| {
            let mut best: Option<(&AtMonth, f64)> = None;
            for c in checkpoints {
                let Some(gap) = c.figures.separation() else {
                    continue;
                };
                let m = c.figures.with_access;
                if m < (n / 10).max(100) || (covering && 2 * m < n) {
                    continue; // too few futures for tenths to mean much
                }
                if best.is_none_or(|(_, g)| gap > g) {
                    best = Some((c, gap));
                }
            }
            best.map(|(c, _)| c.month)
        };
        let indicator = |key: &str, label: &str, unit: &str, checkpoints: Vec<AtMonth>| {
            let featured_month = best(&checkpoints, true).or_else(|| best(&checkpoints, false));
            Indicator {
                key: key.into(),
                label: label.into(),
                unit: unit.into(),
                checkpoints,
                featured_month,
            }
        };
        let indicators = vec![
            indicator("usage_rate", "Usage rate", "share (0-1)", at(figures)),
            indicator("active_users", "Active users", "users", at(active)),
        ];
        let lead = indicators.iter().find(|i| i.featured_month.is_some());
        Some(OnTrack {
            target_months: t as usize,
            months: months.clone(),
            method: format!(
                "at each checkpoint month m, over the iterations with access (W(m) > 0): P10/P50/P90 (PERCENTILE.INC) of the indicator among those that pay back within {} months and among all; ten groups of equal size by rank (rank r in group floor(10 r / n) + 1), a run of equal values kept in the group of its lowest rank; the tripwire is the highest value of the highest group in which fewer than half pay back. Values kept in single precision",
                t as usize
            ),
            featured_month: lead.and_then(|i| i.featured_month),
            featured_indicator: lead.map(|i| i.key.clone()),
            indicators,
        })
    }

    /// The indicator of that key.
    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.key == key)
    }

    /// The figures of indicator `key` at checkpoint `month`.
    pub fn at(&self, key: &str, month: usize) -> Option<&AtMonth> {
        self.indicator(key)?
            .checkpoints
            .iter()
            .find(|c| c.month == month)
    }

    /// The quoted indicator's key and its figures at the featured month.
    pub fn featured(&self) -> Option<(&str, &AtMonth)> {
        let key = self.featured_indicator.as_deref()?;
        Some((key, self.at(key, self.featured_month?)?))
    }
}

/// A value of the indicator `key` with its unit: usage as a percentage
/// to one decimal ("31.2%", more below 1%: "0.35%"), active users as a
/// whole number ("1,234 users").
pub fn show(key: &str, v: f64) -> String {
    if key == "usage_rate" {
        percent(v, 1)
    } else {
        let n = crate::format::thousands(v);
        format!("{n} {}", if n == "1" { "user" } else { "users" })
    }
}

/// A value as the one-line statements say it: usage to two significant
/// figures, whole percents from 10% ("31%", "4.2%", "0.35%"), active
/// users as [`show`] does.
pub fn say(key: &str, v: f64) -> String {
    if key != "usage_rate" {
        return show(key, v);
    }
    percent(v, 0)
}

/// A share as a percentage with `decimals` from 10% up, and one more
/// decimal each tenfold smaller (two significant figures at least).
fn percent(v: f64, decimals: usize) -> String {
    let x = v * 100.0;
    let d = if x == 0.0 || x >= 10.0 {
        decimals
    } else if x >= 1.0 {
        decimals.max(1)
    } else if x >= 0.1 {
        decimals.max(2)
    } else {
        decimals.max(3)
    };
    format!("{x:.d$}%")
}

impl OnTrack {
    /// The statement of what the pilot must show, e.g. "On track at month
    /// 6: usage at least 31% (below that, fewer than half of futures pay
    /// back within 36 months)", or that no usage level marks it.
    pub fn sentence(&self) -> String {
        let t = self.target_months;
        match self.featured() {
            Some(("usage_rate", c)) => format!(
                "On track at month {}: usage at least {} (below that, fewer than half of futures pay back within {t} months)",
                c.month,
                say("usage_rate", c.figures.tripwire.unwrap_or(f64::NAN)),
            ),
            Some((key, c)) => format!(
                "On track at month {}: at least {} active (below that, fewer than half of futures pay back within {t} months; usage alone marks no such line)",
                c.month,
                say(key, c.figures.tripwire.unwrap_or(f64::NAN)),
            ),
            None if self.usage_tripwires() == 0 => format!(
                "No tripwire: at every checkpoint ({}), even the futures with the lowest usage pay back within {t} months at least half the time",
                self.checkpoints_words()
            ),
            None => format!(
                "No usage level marks the line: at each checkpoint at which enough futures have access, either every tenth of futures by usage pays back within {t} months at least half the time, or even the tenth with the highest usage does not"
            ),
        }
    }

    /// How many checkpoints have a usage tripwire.
    fn usage_tripwires(&self) -> usize {
        self.indicator("usage_rate").map_or(0, |u| {
            u.checkpoints
                .iter()
                .filter(|c| c.figures.tripwire.is_some())
                .count()
        })
    }

    /// "month 6", "months 3, 6 and 9", or "months 3 to 36" for more than four.
    fn checkpoints_words(&self) -> String {
        match self.months.as_slice() {
            [one] => format!("month {one}"),
            [first, .., last] if self.months.len() > 4 => format!("months {first} to {last}"),
            months => format!("months {}", months_list(months)),
        }
    }

    /// The second statement: at the featured month, the share paying
    /// back on each side of the tripwire and the on-track band beside the
    /// band of all futures with access (without a featured month, the
    /// bands at the last checkpoint).
    pub fn band_sentence(&self) -> Option<String> {
        let key = self.featured_indicator.as_deref().unwrap_or("usage_rate");
        let month = self.featured_month.or(self.months.last().copied())?;
        let f = &self.at(key, month)?.figures;
        let b = |band: &Option<ontrack::Band>| {
            band.map_or("none".to_string(), |b| {
                format!(
                    "{} / {} / {}",
                    say(key, b.p10),
                    say(key, b.p50),
                    say(key, b.p90)
                )
            })
        };
        let what = if key == "usage_rate" {
            "usage"
        } else {
            "active users"
        };
        let sides = match (f.p_payback_at_or_below, f.p_payback_above) {
            (Some(lo), Some(hi)) if self.featured_month.is_some() => format!(
                "at or below it {} of futures with access pay back, above it {}; ",
                crate::format::pct(lo),
                crate::format::pct(hi)
            ),
            _ => format!("at month {month}, "),
        };
        let mut text = format!(
            "{sides}{what} P10 / P50 / P90 in futures that pay back {} (all with access: {})",
            b(&f.paying_back),
            b(&f.all)
        );
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + &text[1..];
        }
        Some(text)
    }
}

/// "3, 6, 9 and 12".
pub fn months_list(months: &[usize]) -> String {
    let words: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_default_to_every_third_month() {
        assert_eq!(default_checkpoints(12), vec![3, 6, 9, 12]);
        assert_eq!(default_checkpoints(10), vec![3, 6, 9]);
        assert_eq!(default_checkpoints(2), vec![2]);
        assert_eq!(target_months(24), 24);
        assert_eq!(target_months(60), 36);
    }

    #[test]
    fn checkpoints_parse_sorted_and_once_each() {
        assert_eq!(parse_checkpoints("9, 3,6,3", 36), Ok(vec![3, 6, 9]));
        assert_eq!(parse_checkpoints("36", 36), Ok(vec![36]));
        for bad in ["0", "37", "-3", "3,,6", "", "six", "2.5"] {
            assert!(parse_checkpoints(bad, 36).is_err(), "{bad}");
        }
        assert_eq!(
            parse_checkpoints("3,40", 36).unwrap_err(),
            "a checkpoint must be a month from 1 to the 36-month horizon, got 40"
        );
    }
}
