//! The limits of a scenario's numbers, beyond the rules of MODEL.md
//! section 1: what a finance user could mean, with room to spare, and no
//! more. Within them every figure a run computes stays a finite number
//! far from the edge of double precision (a month's costs come to at most
//! about 1e31 in the currency, and NPV's discount factor to at most 2^50),
//! no draw is stuck in an endless loop, and nothing a chart or a
//! histogram sizes from the figures runs out of memory.
//!
//! Each limit applies to everything an input can draw: to its
//! [`crate::dist::Dist::reach`], which is its range except that an
//! unbounded normal or lognormal tail is cut 8 standard deviations out.
//! docs/SCENARIO.md lists them for users; keep the two in step.

use super::{Allowed, Unit};

/// The largest money amount, in size, in the scenario's currency: any
/// cost, burn, benefit per user or one-off. A thousand trillion: above any
/// initiative's budget even in a currency of many units to the dollar.
pub const MAX_MONEY: f64 = 1e15;
/// The most target users: more than the people on Earth.
pub const MAX_USERS: f64 = 1e10;
/// The largest stage scope, a share of the target users that may exceed 1
/// for a scale-out: a thousandfold.
pub const MAX_SCOPE: f64 = 1e3;
/// The longest time in months (durations, delays, lags, midpoints): over
/// 800 years, when the horizon is at most 600 months.
pub const MAX_MONTHS: f64 = 1e4;
/// The shortest interval between two retrainings, in months: about a week.
/// Retraining more often is a running cost (`run_fixed_per_month`); below
/// it, the retraining loop's length would grow without bound.
pub const MIN_RETRAINING_MONTHS: f64 = 0.25;
/// The fastest rate per month (Bass `p` and `q`, logistic steepness): at
/// 1,000 a month (the usual way to write "everyone at once") adoption is
/// complete within an hour; 10,000 leaves room above that.
pub const MAX_RATE_PER_MONTH: f64 = 1e4;
/// The annual discount rate, from -50% to +1000%.
pub const DISCOUNT_RATE: (f64, f64) = (-0.5, 10.0);
/// The largest factor (the cost overrun): a thousandfold.
pub const MAX_FACTOR: f64 = 1e3;
/// The smallest number, in size, other than 0, written anywhere for an
/// input (values, parameters, bounds, times any stress scale): smaller
/// amounts mean nothing, and a cost of 5e-324 next to a benefit would
/// overflow ROI.
pub const SMALLEST: f64 = 1e-9;
/// A truncation that keeps less than this share of its distribution's
/// probability (`{ normal = { mean = 5, sd = 1 }, min = 20 }`) is drawn as
/// written but warned about: it is almost always a typo.
pub const WARN_KEPT_MASS: f64 = 1e-6;

/// The values an input may reach, and how to say it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub lo: f64,
    pub hi: f64,
    /// What the limit is about, for messages: "a money amount".
    pub what: &'static str,
}

/// The limit for an input of this unit and rule.
pub fn limit(unit: Unit, allowed: Allowed) -> Limit {
    let sym = |m: f64, what| Limit {
        lo: -m,
        hi: m,
        what,
    };
    match unit {
        Unit::Money | Unit::MoneyPerMonth | Unit::MoneyPerUserMonth | Unit::MoneyPerUser => {
            sym(MAX_MONEY, "a money amount")
        }
        Unit::Users => sym(MAX_USERS, "a number of users"),
        Unit::Share => sym(MAX_SCOPE, "a share of the target users"),
        Unit::Months if allowed == Allowed::Interval => Limit {
            lo: MIN_RETRAINING_MONTHS,
            hi: MAX_MONTHS,
            what: "the months between retrainings (about a week at the least)",
        },
        Unit::Months => sym(MAX_MONTHS, "a time in months"),
        Unit::PerMonth => sym(MAX_RATE_PER_MONTH, "a rate per month"),
        Unit::Rate => Limit {
            lo: DISCOUNT_RATE.0,
            hi: DISCOUNT_RATE.1,
            what: "an annual discount rate",
        },
        Unit::Factor => sym(MAX_FACTOR, "a factor"),
    }
}
