//! `--precision`: run until one figure is known well enough.
//!
//! The figure is the sensitivity target's mean (`--target`): mean NPV,
//! mean ROI or mean peak funding, in their units; for payback, whose mean
//! does not exist when some iterations never pay back, it is
//! P(payback within 36 months) (within the horizon when that is shorter).
//! Its standard error is checked after every block of [`BLOCK`]
//! iterations, in block order, so where a run stops depends on the
//! scenario, seed and sampling method only, never on the thread count.

use crate::engine::{Records, Sampling, BLOCK};
use crate::stats::sensitivity::Target;
use crate::stats::{batch_se, mean_se, share_se};
use crate::summary::Summary;

/// The figure to pin down and the standard error wanted.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    pub target: Target,
    /// The largest acceptable standard error, in the figure's unit.
    pub wanted_se: f64,
    pub sampling: Sampling,
    pub horizon_months: usize,
}

impl Goal {
    /// The figure in words, with its unit.
    pub fn figure(&self, currency: &str) -> String {
        match self.target {
            Target::Npv => format!("mean NPV ({currency})"),
            Target::Roi => "mean ROI (ratio)".to_string(),
            Target::PeakFunding => format!("mean peak funding ({currency})"),
            Target::Payback => format!(
                "P(payback within {} months)",
                self.payback_months() as usize
            ),
        }
    }

    fn payback_months(&self) -> f64 {
        (self.horizon_months as f64).min(36.0)
    }

    /// Iterations before the first check: two blocks under plain Monte
    /// Carlo; ten under Latin hypercube or Sobol, whose standard error
    /// comes from the spread between blocks and needs a few of them to be
    /// trusted.
    pub fn min_iterations(&self) -> u64 {
        match self.sampling {
            Sampling::Mc => 2 * BLOCK,
            Sampling::Lhs | Sampling::Sobol => crate::summary::MIN_BLOCKS * BLOCK,
        }
    }

    /// The figure's standard error over the iterations so far, as the
    /// summary reports it; `None` when it cannot be told yet.
    pub fn se(&self, rec: &Records) -> Option<f64> {
        let cut = self.payback_months();
        let keep: &dyn Fn(f64) -> Option<f64> = match self.target {
            Target::Payback => &move |p: f64| Some(f64::from(u8::from(p <= cut))),
            Target::Roi => &|v: f64| (!v.is_nan()).then_some(v),
            Target::Npv | Target::PeakFunding => &Some,
        };
        let values = match self.target {
            Target::Npv => &rec.npv,
            Target::Roi => &rec.roi,
            Target::PeakFunding => &rec.peak_funding,
            Target::Payback => &rec.payback,
        };
        match self.sampling {
            Sampling::Mc if self.target == Target::Payback => {
                let k = values.iter().filter(|p| **p <= cut).count();
                Some(share_se(k as u64, values.len() as u64).1)
            }
            Sampling::Mc => mean_se(values.iter().filter_map(|v| keep(*v))).map(|(_, se)| se),
            Sampling::Lhs | Sampling::Sobol => batch_se(values, BLOCK as usize, keep),
        }
    }

    /// The figure's standard error as the summary states it (the same
    /// formula as [`Goal::se`], summed in the summary's order).
    pub fn reported_se(&self, s: &Summary) -> Option<f64> {
        match self.target {
            Target::Npv => Some(s.npv.spread.mean.se),
            Target::Roi => s.roi.stats.as_ref().map(|r| r.mean.se),
            Target::PeakFunding => Some(s.peak_funding.mean.se),
            Target::Payback if self.payback_months() >= 36.0 => {
                s.payback.p_within_36_months.map(|p| p.se)
            }
            Target::Payback => Some(s.payback.p_within_horizon.se),
        }
    }

    /// True once enough iterations have run and the standard error is at
    /// or below the one wanted.
    pub fn met(&self, rec: &Records) -> bool {
        rec.npv.len() as u64 >= self.min_iterations()
            && self.se(rec).is_some_and(|se| se <= self.wanted_se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(npv: Vec<f64>) -> Records {
        Records {
            payback: npv
                .iter()
                .map(|v| if *v > 0.0 { 12.0 } else { f64::INFINITY })
                .collect(),
            roi: npv.iter().map(|_| f64::NAN).collect(),
            npv,
            ..Records::default()
        }
    }

    /// Worked by hand: NPVs alternating 0 and 2 have sd sqrt(4n / 4(n-1));
    /// their mean's standard error is sd / sqrt(n). The payback share is
    /// one half, with se sqrt(0.25 / n) (population form, as the summary).
    #[test]
    fn the_standard_error_is_the_summarys() {
        let n = 2 * BLOCK as usize;
        let rec = records((0..n).map(|i| 2.0 * (i % 2) as f64).collect());
        let goal = |target, wanted_se| Goal {
            target,
            wanted_se,
            sampling: Sampling::Mc,
            horizon_months: 36,
        };
        let nf = n as f64;
        let sd = (nf / (nf - 1.0)).sqrt();
        let se = goal(Target::Npv, 1.0).se(&rec).unwrap();
        assert!((se - sd / nf.sqrt()).abs() < 1e-12);
        assert!(goal(Target::Npv, se).met(&rec));
        assert!(!goal(Target::Npv, se * 0.999).met(&rec));
        let share = goal(Target::Payback, 1.0).se(&rec).unwrap();
        assert!((share - (0.25 / nf).sqrt()).abs() < 1e-15);
        assert_eq!(goal(Target::Roi, 1.0).se(&rec), None); // never defined
                                                           // too few iterations to stop, however precise
        let short = records(vec![1.0; BLOCK as usize]);
        assert!(!goal(Target::Npv, 1.0).met(&short));
    }

    /// Under Latin hypercube the error comes from the spread between
    /// blocks: identical blocks give 0, so the goal is met at ten blocks.
    #[test]
    fn designs_use_the_spread_between_blocks() {
        let block: Vec<f64> = (0..BLOCK).map(|i| i as f64).collect();
        let rec = records(
            block
                .iter()
                .cycle()
                .take(10 * BLOCK as usize)
                .copied()
                .collect(),
        );
        let goal = Goal {
            target: Target::Npv,
            wanted_se: 1e-9,
            sampling: Sampling::Lhs,
            horizon_months: 36,
        };
        assert_eq!(goal.se(&rec), Some(0.0));
        assert!(goal.met(&rec));
        let nine = records(rec.npv[..9 * BLOCK as usize].to_vec());
        assert!(!goal.met(&nine));
    }
}
