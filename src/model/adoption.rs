//! Adoption, the leading indicators (MODEL.md section 5).

use crate::scenario::{Curve, Scenario};

/// The adoption curve of one iteration, with its draws resolved.
#[derive(Debug, Clone, Copy)]
pub enum CurveParams {
    /// `F(tau) = (1 - e^{-(p+q) tau}) / (1 + (q/p) e^{-(p+q) tau})`
    Bass { p_plus_q: f64, q_over_p: f64 },
    /// `F(tau) = (L(tau) - L(0)) / (1 - L(0))`, `L(tau) = 1 / (1 + e^{-k (tau - midpoint)})`
    Logistic { k: f64, midpoint: f64, l0: f64 },
}

impl CurveParams {
    pub fn from_draws(sc: &Scenario, x: &[f64]) -> CurveParams {
        match sc.adoption.curve {
            Curve::Bass { p, q } => {
                let (p, q) = (x[p], x[q]);
                CurveParams::Bass {
                    p_plus_q: p + q,
                    q_over_p: q / p,
                }
            }
            Curve::Logistic {
                midpoint,
                steepness,
            } => {
                let (k, midpoint) = (x[steepness], x[midpoint]);
                CurveParams::Logistic {
                    k,
                    midpoint,
                    l0: logistic(k, midpoint, 0.0),
                }
            }
        }
    }

    /// `F(tau)`: the share of a cohort's eventual users active `tau` months
    /// after it got access; 0 for `tau <= 0`, rising to 1.
    #[inline]
    pub fn f(&self, tau: f64) -> f64 {
        if tau <= 0.0 {
            return 0.0;
        }
        match *self {
            CurveParams::Bass { p_plus_q, q_over_p } => {
                let e = (-p_plus_q * tau).exp();
                (1.0 - e) / (1.0 + q_over_p * e)
            }
            CurveParams::Logistic { k, midpoint, l0 } => {
                let span = 1.0 - l0;
                if span <= 1e-15 {
                    // the midpoint lies so far in the past that L(0) rounds to 1
                    return 1.0;
                }
                ((logistic(k, midpoint, tau) - l0) / span).clamp(0.0, 1.0)
            }
        }
    }
}

impl CurveParams {
    /// `F` written through `z = e^{-c (tau - shift)}`: returns `(c, shift)`,
    /// so that on a monthly grid `z` only needs multiplying by `e^{-c}`.
    fn decay(&self) -> (f64, f64) {
        match *self {
            CurveParams::Bass { p_plus_q, .. } => (p_plus_q, 0.0),
            CurveParams::Logistic { k, midpoint, .. } => (k, midpoint),
        }
    }

    /// `F(tau)` from `z = e^{-c (tau - shift)}`, for `tau > 0`.
    #[inline]
    fn f_of_z(&self, z: f64) -> f64 {
        match *self {
            CurveParams::Bass { q_over_p, .. } => (1.0 - z) / (1.0 + q_over_p * z),
            CurveParams::Logistic { l0, .. } => {
                let span = 1.0 - l0;
                if span <= 1e-15 {
                    return 1.0;
                }
                ((1.0 / (1.0 + z) - l0) / span).clamp(0.0, 1.0)
            }
        }
    }
}

#[inline]
fn logistic(k: f64, midpoint: f64, tau: f64) -> f64 {
    1.0 / (1.0 + (-k * (tau - midpoint)).exp())
}

/// A cohort: users who got access at `access` months, `size` of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cohort {
    pub access: f64,
    pub size: f64,
}

/// Active users and access at any time `t`, for one iteration.
#[derive(Debug, Clone, Copy)]
pub struct Adoption<'a> {
    pub cohorts: &'a [Cohort],
    pub ceiling: f64,
    pub curve: CurveParams,
    /// From this time on nobody has access (a kill); infinity when never.
    pub kill: f64,
}

impl Adoption<'_> {
    /// `A(t)`: active users at time t; 0 for `t <= 0` and from a kill on.
    #[inline]
    pub fn active(&self, t: f64) -> f64 {
        if t <= 0.0 || t >= self.kill {
            return 0.0;
        }
        let mut a = 0.0;
        for c in self.cohorts {
            if c.access < t {
                a += c.size * self.curve.f(t - c.access);
            }
        }
        a * self.ceiling
    }

    /// Fills `out[i] = A(i + 1 - offset)`: active users on the month-end
    /// grid shifted back by `offset` months (0 for month ends, a benefit's
    /// lag for its stream). The same as calling [`Adoption::active`] at each
    /// point, but with one `exp` per cohort: along the grid
    /// `e^{-c tau}` is multiplied by `e^{-c}` each month.
    pub fn fill(&self, offset: f64, out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        let (c, shift) = self.curve.decay();
        let step = (-c).exp();
        for cohort in self.cohorts {
            let first = (cohort.access + offset - 1.0).floor() + 1.0;
            let mut z = f64::NAN;
            for (i, slot) in out.iter_mut().enumerate().skip(first.max(0.0) as usize) {
                let t = (i + 1) as f64 - offset;
                if t >= self.kill {
                    break;
                }
                let tau = t - cohort.access;
                if tau <= 0.0 {
                    continue;
                }
                if !z.is_finite() {
                    // the first point, or z too large to carry forward
                    z = (-c * (tau - shift)).exp();
                }
                *slot += cohort.size * self.curve.f_of_z(z);
                z *= step;
            }
        }
        for v in out.iter_mut() {
            *v *= self.ceiling;
        }
    }

    /// `W(t)`: users with access at time t (the highest scope so far times
    /// the target users); 0 from a kill on.
    #[inline]
    pub fn with_access(&self, t: f64) -> f64 {
        if t >= self.kill {
            return 0.0;
        }
        self.cohorts
            .iter()
            .filter(|c| c.access <= t)
            .map(|c| c.size)
            .sum()
    }

    /// `U(t) = A(t) / W(t)`, 0 while nobody has access.
    #[inline]
    pub fn usage(&self, t: f64) -> f64 {
        let w = self.with_access(t);
        if w > 0.0 {
            self.active(t) / w
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bass_curve_matches_its_formula_and_rises_to_one() {
        let c = CurveParams::Bass {
            p_plus_q: 0.5,
            q_over_p: 4.0,
        };
        let e = (-0.5f64 * 2.0).exp();
        assert!((c.f(2.0) - (1.0 - e) / (1.0 + 4.0 * e)).abs() < 1e-15);
        assert_eq!(c.f(0.0), 0.0);
        assert!((c.f(200.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn logistic_curve_starts_at_zero_and_is_half_way_between_l0_and_one_at_the_midpoint() {
        let l0 = 1.0 / (1.0 + (4.0f64).exp());
        let c = CurveParams::Logistic {
            k: 1.0,
            midpoint: 4.0,
            l0,
        };
        assert_eq!(c.f(0.0), 0.0);
        assert!((c.f(4.0) - (0.5 - l0) / (1.0 - l0)).abs() < 1e-15);
    }

    #[test]
    fn the_grid_fill_matches_pointwise_evaluation() {
        let cohorts = [
            Cohort {
                access: 0.4,
                size: 100.0,
            },
            Cohort {
                access: 2.75,
                size: 300.0,
            },
        ];
        for curve in [
            CurveParams::Bass {
                p_plus_q: 0.45,
                q_over_p: 8.0,
            },
            CurveParams::Logistic {
                k: 0.8,
                midpoint: 5.0,
                l0: logistic(0.8, 5.0, 0.0),
            },
            CurveParams::Logistic {
                k: 60.0,
                midpoint: 30.0,
                l0: logistic(60.0, 30.0, 0.0),
            },
        ] {
            for (offset, kill) in [(0.0, f64::INFINITY), (1.5, 20.0), (0.25, 2.75)] {
                let a = Adoption {
                    cohorts: &cohorts,
                    ceiling: 0.7,
                    curve,
                    kill,
                };
                let mut grid = vec![0.0; 40];
                a.fill(offset, &mut grid);
                for (i, g) in grid.iter().enumerate() {
                    let want = a.active((i + 1) as f64 - offset);
                    assert!(
                        (g - want).abs() <= 1e-12 * want.abs().max(1.0),
                        "{curve:?} month {}: {g} vs {want}",
                        i + 1
                    );
                }
            }
        }
    }

    #[test]
    fn a_kill_ends_access_and_activity() {
        let cohorts = [Cohort {
            access: 1.0,
            size: 100.0,
        }];
        let curve = CurveParams::Bass {
            p_plus_q: 0.5,
            q_over_p: 4.0,
        };
        let a = Adoption {
            cohorts: &cohorts,
            ceiling: 0.5,
            curve,
            kill: 5.0,
        };
        assert!(a.active(4.99) > 0.0);
        assert_eq!(a.active(5.0), 0.0);
        assert_eq!(a.with_access(5.0), 0.0);
        assert_eq!(a.with_access(1.0), 100.0);
        assert_eq!(a.active(1.0), 0.0);
    }
}
