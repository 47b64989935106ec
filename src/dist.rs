//! The distributions of MODEL.md section 2, with optional truncation.
//!
//! A [`Dist`] is validated once, when the scenario is read, and then sampled
//! without checks. Truncation (`min`, `max`) means the distribution
//! conditioned on that range, never clamping: its CDF is
//! `(F(x) - F(a)) / (F(b) - F(a))` on `[a, b]`.

use std::sync::{Arc, OnceLock};

use rand::{Rng, RngExt};
use rand_distr::Distribution as _;
use statrs::distribution::{Beta as BetaCdf, Continuous, ContinuousCDF, Normal as NormalCdf};

/// z such that Phi(z) = 0.9: turns a lognormal's P10/P90 into (mu, sigma).
pub const Z90: f64 = 1.281_551_565_544_600_4;
/// How far, in standard deviations, [`Dist::reach`] takes an unbounded
/// normal or lognormal tail: a draw lands beyond it about once in 10^15.
pub const REACH_SD: f64 = 8.0;

/// The shape of a distribution as written in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `12.5` or `{ fixed = 12.5 }`
    Fixed(f64),
    /// `{ uniform = [lo, hi] }`
    Uniform { lo: f64, hi: f64 },
    /// `{ triangular = [min, mode, max] }`
    Triangular { min: f64, mode: f64, max: f64 },
    /// `{ pert = [min, mode, max], lambda = 4 }`: Beta-PERT on [min, max].
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        lambda: f64,
    },
    /// `{ normal = { mean, sd } }`
    Normal { mean: f64, sd: f64 },
    /// `{ lognormal = { p10, p90 } }`
    LogNormal { p10: f64, p90: f64 },
    /// `{ beta = { a, b } }` on [0, 1]
    Beta { a: f64, b: f64 },
    /// `{ discrete = { values, weights } }`
    Discrete { values: Vec<f64>, weights: Vec<f64> },
}

/// How a validated distribution is drawn: precomputed parameters.
#[derive(Debug, Clone)]
enum Sampler {
    Fixed(f64),
    /// lo + u * width
    Uniform {
        lo: f64,
        width: f64,
    },
    /// Inverse CDF on [from, to] of the untruncated CDF (triangular,
    /// normal, lognormal, truncated beta).
    InverseCdf {
        from: f64,
        to: f64,
    },
    /// `lo + scale * X / (X + Y)`, X ~ Gamma(a), Y ~ Gamma(b) (an exact
    /// Beta(a, b) draw), rejecting draws outside [min, max].
    Beta {
        ga: rand_distr::Gamma<f64>,
        gb: rand_distr::Gamma<f64>,
        lo: f64,
        scale: f64,
        min: f64,
        max: f64,
    },
    /// Beta(a, b) with a, b >= 1 (every PERT): exact rejection from a
    /// piecewise-constant envelope over equal cells, see [`BetaTable`].
    BetaTable {
        table: Box<BetaTable>,
        lo: f64,
        scale: f64,
        min: f64,
        max: f64,
    },
    /// A normal (or the log of a lognormal) truncated to an upper tail:
    /// drawn through the survival function `s = 1 - F`, which keeps full
    /// precision where `F` rounds to 1. `z = mu - sigma * Phi^-1(s)`.
    UpperTail {
        mu: f64,
        sigma: f64,
        from_sf: f64,
        to_sf: f64,
        log: bool,
    },
    /// Drawn directly, rejecting draws outside [min, max] (infinite when
    /// untruncated).
    Normal {
        normal: rand_distr::Normal<f64>,
        min: f64,
        max: f64,
    },
    LogNormal {
        lognormal: rand_distr::LogNormal<f64>,
        min: f64,
        max: f64,
    },
    /// Cumulative weights (normalised to end at 1) over the kept values, sorted.
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// A validated distribution, possibly truncated to `[min, max]`.
#[derive(Debug, Clone)]
pub struct Dist {
    shape: Shape,
    min: Option<f64>,
    max: Option<f64>,
    sampler: Sampler,
    /// The fast inverse CDF of a beta-shaped distribution, built on the
    /// first [`Dist::at`] (Latin hypercube and Sobol sampling only).
    inverse: OnceLock<Arc<BetaInverse>>,
}

/// The largest number, in size, that any distribution accepts as a value,
/// parameter or bound. Each quantity of a scenario has its own, much
/// tighter limit (see [`crate::scenario::limits`]); this one only keeps the
/// distribution's own arithmetic (widths, PERT shapes) finite.
pub const MAX_NUMBER: f64 = 1e100;
/// The smallest and largest beta shape `a` or `b` accepted: beyond them a
/// draw is stuck at 0 or 1 (tiny shapes underflow) or takes millions of
/// tries (huge shapes).
pub const BETA_SHAPES: (f64, f64) = (0.01, 1e4);
/// The largest PERT `lambda`: 4 is the usual shape, and at 10,000 the
/// distribution is already a spike at its mode.
pub const MAX_LAMBDA: f64 = 1e4;

/// A finite number no larger than [`MAX_NUMBER`] in size.
fn check_finite(name: &str, x: f64) -> Result<(), String> {
    if !x.is_finite() {
        Err(format!("{name} must be a finite number, got {x}"))
    } else if x.abs() > MAX_NUMBER {
        Err(format!(
            "{name} must be at most 1e100 in size, got {}",
            crate::format::num(x)
        ))
    } else {
        Ok(())
    }
}

impl Shape {
    /// Checks the shape's own parameters.
    fn validate(&self) -> Result<(), String> {
        match self {
            // a fixed value has no arithmetic of its own to keep finite:
            // its quantity's limit speaks for it
            Shape::Fixed(v) if v.is_finite() => Ok(()),
            Shape::Fixed(v) => check_finite("the value", *v),
            Shape::Uniform { lo, hi } => {
                check_finite("uniform lo", *lo)?;
                check_finite("uniform hi", *hi)?;
                if lo > hi {
                    return Err(format!(
                        "uniform = [lo, hi] needs lo <= hi, got lo = {lo} > hi = {hi}"
                    ));
                }
                Ok(())
            }
            Shape::Triangular { min, mode, max } | Shape::Pert { min, mode, max, .. } => {
                let kind = if matches!(self, Shape::Pert { .. }) {
                    "pert"
                } else {
                    "triangular"
                };
                check_finite(&format!("{kind} min"), *min)?;
                check_finite(&format!("{kind} mode"), *mode)?;
                check_finite(&format!("{kind} max"), *max)?;
                if min > mode || mode > max {
                    return Err(format!(
                        "{kind} = [min, mode, max] needs min <= mode <= max, got [{min}, {mode}, {max}]"
                    ));
                }
                if let Shape::Pert { lambda, .. } = self {
                    check_finite("pert lambda", *lambda)?;
                    if *lambda <= 0.0 {
                        return Err(format!("pert lambda must be > 0, got {lambda}"));
                    }
                    if *lambda > MAX_LAMBDA {
                        return Err(format!(
                            "pert lambda must be at most {MAX_LAMBDA} (4 is the usual shape), got {}",
                            crate::format::num(*lambda)
                        ));
                    }
                }
                Ok(())
            }
            Shape::Normal { mean, sd } => {
                check_finite("normal mean", *mean)?;
                check_finite("normal sd", *sd)?;
                if *sd < 0.0 {
                    return Err(format!("normal sd must be >= 0, got {sd}"));
                }
                Ok(())
            }
            Shape::LogNormal { p10, p90 } => {
                check_finite("lognormal p10", *p10)?;
                check_finite("lognormal p90", *p90)?;
                if *p10 <= 0.0 || *p90 <= 0.0 {
                    return Err(format!(
                        "lognormal p10 and p90 must both be > 0, got p10 = {p10}, p90 = {p90}"
                    ));
                }
                if p10 >= p90 {
                    return Err(format!(
                        "lognormal needs p10 < p90, got p10 = {p10}, p90 = {p90}"
                    ));
                }
                Ok(())
            }
            Shape::Beta { a, b } => {
                check_finite("beta a", *a)?;
                check_finite("beta b", *b)?;
                if *a <= 0.0 || *b <= 0.0 {
                    return Err(format!("beta needs a > 0 and b > 0, got a = {a}, b = {b}"));
                }
                let (lo, hi) = BETA_SHAPES;
                if a.min(*b) < lo || a.max(*b) > hi {
                    return Err(format!(
                        "beta needs a and b from {lo} to {hi} (beyond them every draw sits at 0 or 1, or at one point), got a = {}, b = {}",
                        crate::format::num(*a),
                        crate::format::num(*b)
                    ));
                }
                Ok(())
            }
            Shape::Discrete { values, weights } => {
                if values.is_empty() {
                    return Err("discrete needs at least one value".into());
                }
                if values.len() != weights.len() {
                    return Err(format!(
                        "discrete needs as many weights as values, got {} values and {} weights",
                        values.len(),
                        weights.len()
                    ));
                }
                for v in values {
                    check_finite("every discrete value", *v)?;
                }
                for w in weights {
                    check_finite("every discrete weight", *w)?;
                    if *w < 0.0 {
                        return Err(format!("discrete weights must be >= 0, got {w}"));
                    }
                }
                if weights.iter().sum::<f64>() <= 0.0 {
                    return Err("discrete weights must not all be 0".into());
                }
                Ok(())
            }
        }
    }

    /// Beta parameters and affine map (alpha, beta, lo, scale) for PERT and beta.
    fn beta_params(&self) -> Option<(f64, f64, f64, f64)> {
        match *self {
            Shape::Pert {
                min,
                mode,
                max,
                lambda,
            } if max > min => {
                let r = max - min;
                Some((
                    1.0 + lambda * (mode - min) / r,
                    1.0 + lambda * (max - mode) / r,
                    min,
                    r,
                ))
            }
            Shape::Beta { a, b } => Some((a, b, 0.0, 1.0)),
            _ => None,
        }
    }

    /// Normal parameters (mu, sigma) of the normal or of log X for a lognormal.
    fn normal_params(&self) -> Option<(f64, f64)> {
        match *self {
            Shape::Normal { mean, sd } => Some((mean, sd)),
            Shape::LogNormal { p10, p90 } => Some((
                (p10.ln() + p90.ln()) / 2.0,
                (p90.ln() - p10.ln()) / (2.0 * Z90),
            )),
            _ => None,
        }
    }

    /// Smallest and largest values the untruncated distribution can take.
    fn support(&self) -> (f64, f64) {
        match self {
            Shape::Fixed(v) => (*v, *v),
            Shape::Uniform { lo, hi } => (*lo, *hi),
            Shape::Triangular { min, max, .. } | Shape::Pert { min, max, .. } => (*min, *max),
            Shape::Normal { sd, mean } if *sd == 0.0 => (*mean, *mean),
            Shape::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Shape::LogNormal { .. } => (0.0, f64::INFINITY),
            Shape::Beta { .. } => (0.0, 1.0),
            Shape::Discrete { values, weights } => values
                .iter()
                .zip(weights)
                .filter(|(_, w)| **w > 0.0)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (v, _)| {
                    (lo.min(*v), hi.max(*v))
                }),
        }
    }

    /// The untruncated CDF, `P(X <= x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Shape::Fixed(v) => f64::from(x >= *v),
            Shape::Uniform { lo, hi } => {
                if x < *lo {
                    0.0
                } else if x >= *hi {
                    1.0
                } else {
                    (x - lo) / (hi - lo)
                }
            }
            Shape::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                // `x >= b` first (a point mass when a == b), then `x <= a`, so
                // that mode == min never divides 0 by 0 at x == min.
                if x >= b {
                    1.0
                } else if x <= a {
                    0.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                }
            }
            Shape::Pert { min, .. } if self.beta_params().is_none() => f64::from(x >= *min),
            Shape::Pert { .. } | Shape::Beta { .. } => {
                let (a, b, lo, scale) = self.beta_params().expect("beta-shaped");
                let y = (x - lo) / scale;
                if y <= 0.0 {
                    0.0
                } else if y >= 1.0 {
                    1.0
                } else {
                    BetaCdf::new(a, b).map(|d| d.cdf(y)).unwrap_or(f64::NAN)
                }
            }
            Shape::Normal { mean, sd } if *sd == 0.0 => f64::from(x >= *mean),
            Shape::Normal { .. } => {
                let (mu, sigma) = self.normal_params().expect("normal");
                NormalCdf::new(mu, sigma)
                    .map(|d| d.cdf(x))
                    .unwrap_or(f64::NAN)
            }
            Shape::LogNormal { .. } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let (mu, sigma) = self.normal_params().expect("lognormal");
                NormalCdf::new(mu, sigma)
                    .map(|d| d.cdf(x.ln()))
                    .unwrap_or(f64::NAN)
            }
            Shape::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                values
                    .iter()
                    .zip(weights)
                    .filter(|(v, _)| **v <= x)
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// The untruncated quantile function: the smallest x with `cdf(x) >= u`.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self {
            Shape::Fixed(v) => *v,
            Shape::Uniform { lo, hi } => lo + u * (hi - lo),
            Shape::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                if b == a {
                    return a;
                }
                let fc = (c - a) / (b - a);
                let x = if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                };
                x.clamp(a, b) // b - (b - a) may round below a
            }
            Shape::Pert { min, .. } if self.beta_params().is_none() => *min,
            Shape::Pert { .. } | Shape::Beta { .. } => {
                let (_, _, lo, scale) = self.beta_params().expect("beta-shaped");
                bisect(|x| self.cdf(x), u, lo, lo + scale)
            }
            Shape::Normal { mean, sd } if *sd == 0.0 => *mean,
            Shape::Normal { .. } | Shape::LogNormal { .. } => {
                let (mu, sigma) = self.normal_params().expect("normal");
                let z = if u <= 0.0 {
                    f64::NEG_INFINITY
                } else if u >= 1.0 {
                    f64::INFINITY
                } else {
                    NormalCdf::new(mu, sigma)
                        .map(|d| d.inverse_cdf(u))
                        .unwrap_or(f64::NAN)
                };
                if matches!(self, Shape::LogNormal { .. }) {
                    z.exp()
                } else {
                    z
                }
            }
            Shape::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                let mut order: Vec<usize> = (0..values.len()).collect();
                order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
                let mut acc = 0.0;
                let mut last = values[order[0]];
                for i in order {
                    if weights[i] <= 0.0 {
                        continue;
                    }
                    acc += weights[i] / total;
                    last = values[i];
                    if acc >= u {
                        return values[i];
                    }
                }
                last
            }
        }
    }
}

/// Smallest x in [lo, hi] with `f(x) >= u`, for a non-decreasing `f`.
fn bisect(f: impl Fn(f64) -> f64, u: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) >= u {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// An exact sampler for Beta(a, b) with a, b >= 1, whose density
/// `f(x) ~ x^(a-1) (1-x)^(b-1)` is bounded and unimodal.
///
/// [0, 1] is cut into [`BetaTable::CELLS`] equal cells. On each cell `f` lies
/// between `bottom` (the smaller end value: unimodal) and `top` (the mode
/// if inside, else the larger end value). A cell is chosen in proportion to
/// `top` (Walker's alias method), `x` uniformly in it and a height `h`
/// uniformly under `top`; `x` is kept when `h <= f(x)`. That is plain
/// rejection sampling under an envelope, so the draws follow Beta(a, b)
/// exactly; `h <= bottom` accepts without evaluating `f` (the squeeze),
/// which is nearly every draw.
#[derive(Debug, Clone)]
pub struct BetaTable {
    a1: f64,
    b1: f64,
    /// A fixed-size array: every index below [`BetaTable::CELLS`] is in
    /// bounds without a check.
    cells: Box<[Cell; BetaTable::CELLS]>,
}

/// One cell of a [`BetaTable`], packed so a draw touches one cache line.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Probability of keeping this cell in the alias draw.
    keep: f64,
    /// The envelope's height and the squeeze's height on the cell.
    top: f64,
    bottom: f64,
    alias: u8,
}

// a cell's alias is stored in a byte
const _: () = assert!(BetaTable::CELLS <= 256);

impl BetaTable {
    pub const CELLS: usize = 256;

    pub fn new(a: f64, b: f64) -> BetaTable {
        let (a1, b1) = (a - 1.0, b - 1.0);
        let n = Self::CELLS;
        let f = |x: f64| Self::density(a1, b1, x);
        let mode = if a1 + b1 > 0.0 { a1 / (a1 + b1) } else { 0.5 };
        let mut top = Vec::with_capacity(n);
        let mut bottom = Vec::with_capacity(n);
        for i in 0..n {
            let (l, r) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
            let (fl, fr) = (f(l), f(r));
            let peak = if mode > l && mode < r {
                f(mode)
            } else {
                fl.max(fr)
            };
            // a hair of slack against rounding in either direction
            top.push(peak * (1.0 + 1e-12));
            bottom.push(fl.min(fr) * (1.0 - 1e-12));
        }
        // Walker/Vose alias table over the envelope's cell areas.
        let total: f64 = top.iter().sum();
        let mut scaled: Vec<f64> = top.iter().map(|t| t * n as f64 / total).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<usize> = (0..n).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        let cells: Vec<Cell> = (0..n)
            .map(|i| Cell {
                keep: keep[i],
                top: top[i],
                bottom: bottom[i],
                alias: alias[i] as u8,
            })
            .collect();
        let cells = cells.into_boxed_slice().try_into().expect("CELLS cells");
        BetaTable { a1, b1, cells }
    }

    /// `x^(a-1) (1-x)^(b-1)`, unnormalised.
    #[inline]
    fn density(a1: f64, b1: f64, x: f64) -> f64 {
        let left = if a1 == 0.0 { 1.0 } else { x.powf(a1) };
        let right = if b1 == 0.0 { 1.0 } else { (1.0 - x).powf(b1) };
        left * right
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let n = Self::CELLS;
        loop {
            let u = rng.random::<f64>() * n as f64;
            let i = (u as usize).min(n - 1);
            // the alias half of the time or so: a select, not a branch the
            // processor would mispredict (LLVM turns a plain mask back into
            // a branch)
            let first = self.cells[i];
            let i = std::hint::select_unpredictable(
                u - i as f64 >= first.keep,
                usize::from(first.alias),
                i,
            );
            let cell = self.cells[i];
            let x = (i as f64 + rng.random::<f64>()) * (1.0 / Self::CELLS as f64);
            let h = rng.random::<f64>() * cell.top;
            if h <= cell.bottom || h <= Self::density(self.a1, self.b1, x) {
                return x;
            }
        }
    }
}

/// The inverse CDF of a Beta(a, b) on [0, 1], fast enough to turn every
/// stratified uniform of a run into a draw.
///
/// The quantile function Q is tabulated exactly (statrs) at 2,049 equally
/// spaced p, with its first and second derivatives (`Q' = 1 / f(Q)`,
/// `Q'' = -f'(Q) / f(Q)^3`). Inside, Q is smooth and the quintic Hermite
/// between two knots matches it to about 1e-13; in the
/// [`BetaInverse::EDGE`] cells at either end, where Q's derivatives grow
/// without bound, safeguarded Newton steps on the exact CDF finish the job.
/// Tested against statrs to 1e-12 over (0, 1), so the marginal stays the
/// distribution written.
#[derive(Debug)]
struct BetaInverse {
    beta: BetaCdf,
    /// `knots[k]` = Q(k / KNOTS).
    knots: Vec<f64>,
    /// False for shapes too extreme to tabulate reliably (a or b under
    /// [`BetaInverse::MIN_SHAPE`] or over [`BetaInverse::MAX_SHAPE`]):
    /// every draw is then solved by safeguarded Newton over [0, 1].
    tabulated: bool,
    /// `slopes[k]` = Q'(k / KNOTS) / KNOTS (the slope over one cell).
    slopes: Vec<f64>,
    /// `bends[k]` = Q''(k / KNOTS) / KNOTS^2.
    bends: Vec<f64>,
    /// The CDF at the truncation bounds (0 and 1 when untruncated).
    from: f64,
    to: f64,
}

impl BetaInverse {
    const KNOTS: usize = 2048;
    /// Cells at each end solved by Newton rather than interpolated.
    const EDGE: usize = 32;

    /// The shapes statrs's inverse beta CDF is accurate and quick for.
    const MIN_SHAPE: f64 = 0.25;
    const MAX_SHAPE: f64 = 1e4;

    fn new(a: f64, b: f64, from: f64, to: f64) -> BetaInverse {
        let beta = BetaCdf::new(a, b).expect("validated beta parameters");
        let tabulated = a.min(b) >= Self::MIN_SHAPE && a.max(b) <= Self::MAX_SHAPE;
        if !tabulated {
            return BetaInverse {
                beta,
                tabulated,
                knots: Vec::new(),
                slopes: Vec::new(),
                bends: Vec::new(),
                from,
                to,
            };
        }
        let n = Self::KNOTS;
        let mut knots: Vec<f64> = (0..=n)
            .map(|k| match k {
                0 => 0.0,
                k if k == n => 1.0,
                k => beta.inverse_cdf(k as f64 / n as f64).clamp(0.0, 1.0),
            })
            .collect();
        for k in 1..=n {
            knots[k] = knots[k].max(knots[k - 1]); // monotone against rounding
        }
        let h = 1.0 / n as f64;
        let slopes = knots.iter().map(|x| h / beta.pdf(*x)).collect();
        let bends = knots
            .iter()
            .map(|&x| {
                // f'/f = (a - 1) / x - (b - 1) / (1 - x)
                let log_slope = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
                let f = beta.pdf(x);
                -log_slope / (f * f) * h * h
            })
            .collect();
        BetaInverse {
            beta,
            tabulated,
            knots,
            slopes,
            bends,
            from,
            to,
        }
    }

    /// The smallest x in [0, 1] with `F(x) >= p`, to rounding.
    fn at(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        if !self.tabulated {
            return self.newton(p, 0.0, 1.0, 0.5);
        }
        let n = Self::KNOTS;
        let t = p * n as f64;
        let k = (t as usize).min(n - 1);
        let (x0, x1) = (self.knots[k], self.knots[k + 1]);
        let w = t - k as f64;
        let smooth = [
            self.slopes[k],
            self.slopes[k + 1],
            self.bends[k],
            self.bends[k + 1],
        ]
        .iter()
        .all(|v| v.is_finite());
        if k >= Self::EDGE && k < n - Self::EDGE && smooth {
            // quintic Hermite on the cell
            let (d0, d1) = (self.slopes[k], self.slopes[k + 1]);
            let (s0, s1) = (self.bends[k], self.bends[k + 1]);
            let (w2, w3) = (w * w, w * w * w);
            let (w4, w5) = (w3 * w, w3 * w2);
            let x = (1.0 - 10.0 * w3 + 15.0 * w4 - 6.0 * w5) * x0
                + (w - 6.0 * w3 + 8.0 * w4 - 3.0 * w5) * d0
                + 0.5 * (w2 - 3.0 * w3 + 3.0 * w4 - w5) * s0
                + (10.0 * w3 - 15.0 * w4 + 6.0 * w5) * x1
                + (-4.0 * w3 + 7.0 * w4 - 3.0 * w5) * d1
                + 0.5 * (w3 - 2.0 * w4 + w5) * s1;
            if x.is_finite() {
                return x.clamp(x0, x1);
            }
        }
        self.newton(p, x0, x1, x0 + w * (x1 - x0))
    }

    /// The x in [lo, hi] with `F(x) = p`, from `x`: Newton steps kept
    /// inside the bracket, bisecting where a step would leave it.
    fn newton(&self, p: f64, mut lo: f64, mut hi: f64, mut x: f64) -> f64 {
        for _ in 0..200 {
            let f = self.beta.cdf(x) - p;
            if f == 0.0 {
                break;
            }
            if f < 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            let newton = x - f / self.beta.pdf(x);
            let next = if newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            let done = (next - x).abs() <= 1e-13 * next.abs() || hi - lo <= 1e-13 * hi;
            x = next;
            if done {
                break;
            }
        }
        x
    }
}

impl Dist {
    /// A fixed value.
    pub fn fixed(v: f64) -> Dist {
        Dist::new(Shape::Fixed(v), None, None).expect("a finite fixed value")
    }

    /// Validates the shape and the truncation and precomputes the sampler.
    pub fn new(shape: Shape, min: Option<f64>, max: Option<f64>) -> Result<Dist, String> {
        shape.validate()?;
        if let Some(a) = min {
            check_finite("min", a)?;
        }
        if let Some(b) = max {
            check_finite("max", b)?;
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                return Err(format!(
                    "truncation needs min <= max, got min = {a} > max = {b}"
                ));
            }
        }
        let (lo, hi) = shape.support();
        let a = min.map_or(lo, |a| a.max(lo));
        let b = max.map_or(hi, |b| b.min(hi));
        let truncated = min.is_some_and(|m| m > lo) || max.is_some_and(|m| m < hi);
        let no_mass = || {
            format!(
                "the range min = {}, max = {} leaves no probability: the distribution takes values in [{lo}, {hi}]",
                min.map_or("none".to_string(), |v| v.to_string()),
                max.map_or("none".to_string(), |v| v.to_string()),
            )
        };
        if a > b {
            return Err(no_mass());
        }
        let sampler = match &shape {
            Shape::Fixed(v) => Sampler::Fixed(*v),
            _ if a == b => {
                // A degenerate range: only allowed when the point carries mass.
                let point_mass = shape.cdf(a) - shape.cdf(a - a.abs().max(1.0) * 1e-12);
                if lo == hi || point_mass > 0.0 {
                    Sampler::Fixed(a)
                } else {
                    return Err(no_mass());
                }
            }
            Shape::Uniform { .. } => Sampler::Uniform {
                lo: a,
                width: b - a,
            },
            Shape::Discrete { values, weights } => {
                let mut kept: Vec<(f64, f64)> = values
                    .iter()
                    .zip(weights)
                    .filter(|(v, w)| **w > 0.0 && **v >= a && **v <= b)
                    .map(|(v, w)| (*v, *w))
                    .collect();
                kept.sort_by(|x, y| x.0.total_cmp(&y.0));
                if kept.is_empty() {
                    return Err(no_mass());
                }
                let total: f64 = kept.iter().map(|(_, w)| w).sum();
                let mut acc = 0.0;
                let cumulative = kept
                    .iter()
                    .map(|(_, w)| {
                        acc += w / total;
                        acc
                    })
                    .collect();
                Sampler::Discrete {
                    values: kept.iter().map(|(v, _)| *v).collect(),
                    cumulative,
                }
            }
            Shape::Pert { .. } | Shape::Beta { .. } => {
                let (alpha, beta, lo_, scale) = shape.beta_params().expect("non-degenerate");
                let mass = shape.cdf(b) - shape.cdf(a);
                if mass <= 0.0 {
                    return Err(no_mass());
                }
                if mass >= 0.25 && alpha >= 1.0 && beta >= 1.0 {
                    Sampler::BetaTable {
                        table: Box::new(BetaTable::new(alpha, beta)),
                        lo: lo_,
                        scale,
                        min: a,
                        max: b,
                    }
                } else if mass >= 0.25 {
                    let gamma =
                        |shape: f64| rand_distr::Gamma::new(shape, 1.0).map_err(|e| e.to_string());
                    Sampler::Beta {
                        ga: gamma(alpha)?,
                        gb: gamma(beta)?,
                        lo: lo_,
                        scale,
                        min: a,
                        max: b,
                    }
                } else {
                    Sampler::InverseCdf {
                        from: shape.cdf(a),
                        to: shape.cdf(b),
                    }
                }
            }
            Shape::Normal { .. } | Shape::LogNormal { .. }
                if !truncated || shape.cdf(b) - shape.cdf(a) >= 0.5 =>
            {
                // untruncated, or truncated but keeping most of the mass:
                // draw and reject what falls outside [a, b] (exact)
                let (mu, sigma) = shape.normal_params().expect("normal");
                if matches!(shape, Shape::Normal { .. }) {
                    Sampler::Normal {
                        normal: rand_distr::Normal::new(mu, sigma).map_err(|e| e.to_string())?,
                        min: a,
                        max: b,
                    }
                } else {
                    Sampler::LogNormal {
                        lognormal: rand_distr::LogNormal::new(mu, sigma)
                            .map_err(|e| e.to_string())?,
                        min: a,
                        max: b,
                    }
                }
            }
            Shape::Normal { .. } | Shape::LogNormal { .. }
                if shape.normal_params().is_some_and(|(mu, _)| {
                    let log = matches!(shape, Shape::LogNormal { .. });
                    (if log {
                        a.max(f64::MIN_POSITIVE).ln()
                    } else {
                        a
                    }) > mu
                }) =>
            {
                let log = matches!(shape, Shape::LogNormal { .. });
                let (mu, sigma) = shape.normal_params().expect("normal");
                let std = NormalCdf::new(0.0, 1.0).expect("standard normal");
                let z = |x: f64| (if log { x.ln() } else { x } - mu) / sigma;
                let (from_sf, to_sf) =
                    (std.sf(z(a)), if b.is_finite() { std.sf(z(b)) } else { 0.0 });
                if from_sf - to_sf <= 0.0 {
                    return Err(no_mass());
                }
                Sampler::UpperTail {
                    mu,
                    sigma,
                    from_sf,
                    to_sf,
                    log,
                }
            }
            Shape::Triangular { .. } | Shape::Normal { .. } | Shape::LogNormal { .. } => {
                let (from, to) = (shape.cdf(a), shape.cdf(b));
                if to - from <= 0.0 {
                    return Err(no_mass());
                }
                Sampler::InverseCdf { from, to }
            }
        };
        Ok(Dist {
            shape,
            min,
            max,
            sampler,
            inverse: OnceLock::new(),
        })
    }

    /// The shape as written.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The truncation bounds as written.
    pub fn bounds(&self) -> (Option<f64>, Option<f64>) {
        (self.min, self.max)
    }

    /// True when every draw gives the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self.sampler, Sampler::Fixed(_))
    }

    /// The smallest and largest values a draw can take (after truncation).
    pub fn range(&self) -> (f64, f64) {
        let (lo, hi) = self.shape.support();
        (
            self.min.map_or(lo, |a| a.max(lo)),
            self.max.map_or(hi, |b| b.min(hi)),
        )
    }

    /// True when no draw can equal the lower end of [`Dist::range`]: a
    /// lognormal's 0 is a limit, never a value.
    pub fn lower_end_open(&self) -> bool {
        matches!(self.shape, Shape::LogNormal { .. }) && self.range().0 <= 0.0
    }

    /// The smallest and largest values a draw can reach in practice: the
    /// [`Dist::range`], except that a side a normal or lognormal leaves
    /// unbounded is cut [`REACH_SD`] standard deviations from its mean (of
    /// `log X` for a lognormal), where a draw falls about once in 10^15.
    /// The limits of [`crate::scenario::limits`] apply to this reach: a
    /// range of (0, inf) says nothing, its reach says what can happen.
    pub fn reach(&self) -> (f64, f64) {
        let (lo, hi) = self.range();
        let Some((mu, sigma)) = self.shape.normal_params() else {
            return (lo, hi);
        };
        if sigma == 0.0 {
            return (lo, hi);
        }
        let log = matches!(self.shape, Shape::LogNormal { .. });
        // work on the normal scale: x itself, or log x
        let to = |x: f64| if log { x.max(0.0).ln() } else { x };
        let from = |z: f64| if log { z.exp() } else { z };
        let (zlo, zhi) = (to(lo), to(hi));
        let reach = REACH_SD * sigma;
        // a far-tail truncation keeps its draws near its one bound: reach
        // past that bound rather than stopping short of it
        let rlo = if zlo.is_finite() {
            zlo
        } else {
            (mu - reach).min(zhi - reach)
        };
        let rhi = if zhi.is_finite() {
            zhi
        } else {
            (mu + reach).max(rlo + reach)
        };
        (from(rlo), from(rhi))
    }

    /// Every number written for the distribution that a draw can take or
    /// approach: the value, the ends, mode, mean and sd, P10 and P90, the
    /// discrete values, the truncation bounds (not the beta shapes, the PERT
    /// lambda or the discrete weights, which are no values of the quantity).
    pub fn numbers(&self) -> Vec<f64> {
        let mut v = match &self.shape {
            Shape::Fixed(x) => vec![*x],
            Shape::Uniform { lo, hi } => vec![*lo, *hi],
            Shape::Triangular { min, mode, max } | Shape::Pert { min, mode, max, .. } => {
                vec![*min, *mode, *max]
            }
            Shape::Normal { mean, sd } => vec![*mean, *sd],
            Shape::LogNormal { p10, p90 } => vec![*p10, *p90],
            Shape::Beta { .. } => Vec::new(),
            Shape::Discrete { values, .. } => values.clone(),
        };
        v.extend(self.min);
        v.extend(self.max);
        v
    }

    /// The share of the written distribution's probability that its
    /// truncation keeps, `F(max) - F(min)` (1 when it is not truncated).
    /// Upper tails are measured through the survival function, so a far
    /// tail reads its true mass (3.7e-51 for a normal cut 15 sd above its
    /// mean), not the rounding of `1 - F`.
    pub fn kept_mass(&self) -> f64 {
        let (lo, hi) = self.shape.support();
        let truncated = self.min.is_some_and(|m| m > lo) || self.max.is_some_and(|m| m < hi);
        if !truncated || lo == hi {
            return 1.0;
        }
        let (a, b) = self.range();
        match &self.shape {
            Shape::Normal { .. } | Shape::LogNormal { .. } => {
                let (mu, sigma) = self.shape.normal_params().expect("normal");
                let log = matches!(self.shape, Shape::LogNormal { .. });
                let z = |x: f64| {
                    let x = if log {
                        if x <= 0.0 {
                            f64::NEG_INFINITY
                        } else {
                            x.ln()
                        }
                    } else {
                        x
                    };
                    (x - mu) / sigma
                };
                let std = NormalCdf::new(0.0, 1.0).expect("standard normal");
                let (za, zb) = (z(a), z(b));
                if za > 0.0 {
                    std.sf(za) - std.sf(zb)
                } else {
                    std.cdf(zb) - std.cdf(za)
                }
            }
            Shape::Pert { .. } | Shape::Beta { .. } => {
                let Some((alpha, beta, lo, scale)) = self.shape.beta_params() else {
                    return 1.0;
                };
                let Ok(d) = BetaCdf::new(alpha, beta) else {
                    return 1.0;
                };
                let y = |x: f64| ((x - lo) / scale).clamp(0.0, 1.0);
                let (ya, yb) = (y(a), y(b));
                if ya > 0.5 {
                    d.sf(ya) - d.sf(yb)
                } else {
                    d.cdf(yb) - d.cdf(ya)
                }
            }
            Shape::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                values
                    .iter()
                    .zip(weights)
                    .filter(|(v, _)| **v >= a && **v <= b)
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            }
            _ => self.shape.cdf(b) - self.shape.cdf(a),
        }
    }

    /// The CDF of the (truncated) distribution.
    pub fn cdf(&self, x: f64) -> f64 {
        let (a, b) = self.range();
        if x < a {
            return 0.0;
        }
        if x >= b {
            return 1.0;
        }
        let fa = if self.min.is_some() {
            self.shape.cdf(a) - self.point_mass(a)
        } else {
            0.0
        };
        let fb = if self.max.is_some() {
            self.shape.cdf(b)
        } else {
            1.0
        };
        ((self.shape.cdf(x) - fa) / (fb - fa)).clamp(0.0, 1.0)
    }

    fn point_mass(&self, x: f64) -> f64 {
        match &self.shape {
            Shape::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                values
                    .iter()
                    .zip(weights)
                    .filter(|(v, _)| **v == x)
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            }
            _ => 0.0,
        }
    }

    /// The quantile of the (truncated) distribution: P10 is `quantile(0.1)`.
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::UpperTail { .. } => self.upper_tail(u),
            Sampler::Discrete { values, cumulative } => {
                let i = cumulative.partition_point(|c| *c < u - 1e-12);
                values[i.min(values.len() - 1)]
            }
            _ => {
                let (a, b) = self.range();
                let fa = self.shape.cdf(a);
                let fb = self.shape.cdf(b);
                if self.min.is_none() && self.max.is_none() {
                    return self.shape.quantile(u);
                }
                self.shape
                    .quantile(fa + u.clamp(0.0, 1.0) * (fb - fa))
                    .clamp(a, b)
            }
        }
    }

    /// The draw at uniform `u` in (0, 1): the value whose CDF is `u`, for
    /// Latin hypercube and Sobol sampling, where the uniforms are spread
    /// evenly and each is turned into a draw through the inverse CDF. Any
    /// `u` uniform on (0, 1) gives exactly this distribution; it agrees
    /// with [`Dist::quantile`] to rounding, only faster.
    pub fn at(&self, u: f64) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { lo, width } => lo + width * u,
            Sampler::Discrete { values, cumulative } => {
                let i = cumulative
                    .partition_point(|c| *c <= u)
                    .min(values.len() - 1);
                values[i]
            }
            Sampler::UpperTail { .. } => self.upper_tail(u),
            _ => match self.shape.beta_params() {
                Some((alpha, beta, lo, scale)) => {
                    let (a, b) = self.range();
                    let inverse = self.inverse.get_or_init(|| {
                        let (from, to) = if self.min.is_none() && self.max.is_none() {
                            (0.0, 1.0)
                        } else {
                            (self.shape.cdf(a), self.shape.cdf(b))
                        };
                        Arc::new(BetaInverse::new(alpha, beta, from, to))
                    });
                    let p = inverse.from + u * (inverse.to - inverse.from);
                    (lo + scale * inverse.at(p)).clamp(a, b)
                }
                None => match self.sampler {
                    Sampler::InverseCdf { from, to } => {
                        let (a, b) = self.range();
                        self.shape.quantile(from + (to - from) * u).clamp(a, b)
                    }
                    _ => self.quantile(u),
                },
            },
        }
    }

    /// The distribution as a user wrote it, e.g. `pert [2, 3, 4], min 2.5`.
    pub fn describe(&self) -> String {
        let mut s = match &self.shape {
            Shape::Fixed(v) => format!("{v}"),
            Shape::Uniform { lo, hi } => format!("uniform [{lo}, {hi}]"),
            Shape::Triangular { min, mode, max } => format!("triangular [{min}, {mode}, {max}]"),
            Shape::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                if *lambda == 4.0 {
                    format!("pert [{min}, {mode}, {max}]")
                } else {
                    format!("pert [{min}, {mode}, {max}], lambda {lambda}")
                }
            }
            Shape::Normal { mean, sd } => format!("normal (mean {mean}, sd {sd})"),
            Shape::LogNormal { p10, p90 } => format!("lognormal (p10 {p10}, p90 {p90})"),
            Shape::Beta { a, b } => format!("beta (a {a}, b {b})"),
            Shape::Discrete { values, weights } => {
                format!("discrete (values {values:?}, weights {weights:?})")
            }
        };
        if let Some(a) = self.min {
            s.push_str(&format!(", min {a}"));
        }
        if let Some(b) = self.max {
            s.push_str(&format!(", max {b}"));
        }
        s
    }

    /// The quantile `u` of an upper-tail truncation, through the survival
    /// function: `s = from_sf - u (from_sf - to_sf)`.
    fn upper_tail(&self, u: f64) -> f64 {
        let Sampler::UpperTail {
            mu,
            sigma,
            from_sf,
            to_sf,
            log,
        } = self.sampler
        else {
            unreachable!("only for upper tails")
        };
        let s = from_sf - u.clamp(0.0, 1.0) * (from_sf - to_sf);
        let std = NormalCdf::new(0.0, 1.0).expect("standard normal");
        let z = if s <= 0.0 {
            f64::INFINITY
        } else {
            -std.inverse_cdf(s)
        };
        let x = mu + sigma * z;
        let (a, b) = self.range();
        (if log { x.exp() } else { x }).clamp(a, b)
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { lo, width } => lo + width * rng.random::<f64>(),
            Sampler::InverseCdf { from, to } => {
                let u = from + (to - from) * rng.random::<f64>();
                let (a, b) = self.range();
                self.shape.quantile(u).clamp(a, b)
            }
            Sampler::Beta {
                ga,
                gb,
                lo,
                scale,
                min,
                max,
            } => loop {
                let (g, h) = (ga.sample(rng), gb.sample(rng));
                if g + h <= 0.0 {
                    continue; // both underflowed: tiny shapes only
                }
                let x = lo + scale * (g / (g + h));
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Sampler::UpperTail { .. } => self.upper_tail(rng.random::<f64>()),
            Sampler::BetaTable {
                table,
                lo,
                scale,
                min,
                max,
            } => loop {
                let x = lo + scale * table.sample(rng);
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Sampler::Normal { normal, min, max } => loop {
                let x = normal.sample(rng);
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Sampler::LogNormal {
                lognormal,
                min,
                max,
            } => loop {
                let x = lognormal.sample(rng);
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Sampler::Discrete { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative
                    .partition_point(|c| *c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_has_the_written_p10_and_p90() {
        let d = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, None).unwrap();
        assert!((d.quantile(0.1) - 1.0).abs() < 1e-9);
        assert!((d.quantile(0.9) - 1.6).abs() < 1e-9);
    }

    #[test]
    fn triangular_quantile_inverts_cdf() {
        let s = Shape::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        };
        for u in [0.05, 0.2, 1.0 / 3.0, 0.5, 0.9] {
            assert!((s.cdf(s.quantile(u)) - u).abs() < 1e-12);
        }
    }

    #[test]
    fn pert_quantile_inverts_cdf() {
        let s = Shape::Pert {
            min: 2.0,
            mode: 3.0,
            max: 4.0,
            lambda: 4.0,
        };
        for u in [0.1, 0.5, 0.9] {
            assert!((s.cdf(s.quantile(u)) - u).abs() < 1e-9);
        }
        // symmetric PERT has its median at the mode
        assert!((s.quantile(0.5) - 3.0).abs() < 1e-9);
    }

    /// The inverse CDF used by Latin hypercube and Sobol sampling gives
    /// the same values as the exact quantile for every kind of sampler,
    /// truncated or not, across the whole of (0, 1) including far tails.
    #[test]
    fn the_draw_at_u_is_the_quantile_u() {
        let pert = |min, mode, max| Shape::Pert {
            min,
            mode,
            max,
            lambda: 4.0,
        };
        let cases = [
            (pert(2.0, 3.0, 4.0), None, None),
            (pert(0.0, 0.5, 10.0), None, None),
            (pert(0.0, 9.9, 10.0), Some(9.0), None),
            (pert(0.0, 1.0, 10.0), Some(6.0), Some(9.0)), // deep truncation
            (Shape::Beta { a: 0.5, b: 3.0 }, None, None),
            (Shape::Beta { a: 2.0, b: 5.0 }, Some(0.1), Some(0.6)),
            (Shape::Uniform { lo: 1.0, hi: 3.0 }, None, None),
            (
                Shape::Triangular {
                    min: 1.0,
                    mode: 2.0,
                    max: 5.0,
                },
                Some(1.5),
                None,
            ),
            (Shape::Normal { mean: 5.0, sd: 2.0 }, None, None),
            (Shape::Normal { mean: 5.0, sd: 2.0 }, Some(0.0), None),
            (Shape::Normal { mean: 5.0, sd: 2.0 }, Some(9.0), None), // upper tail
            (Shape::LogNormal { p10: 1.0, p90: 4.0 }, None, Some(3.0)),
        ];
        let us = [
            1e-9,
            1e-4,
            0.001,
            0.01,
            0.1,
            0.25,
            0.5,
            0.77,
            0.9,
            0.999,
            1.0 - 1e-9,
        ];
        for (shape, min, max) in cases {
            let d = Dist::new(shape.clone(), min, max).unwrap();
            let (a, b) = d.range();
            let span = if (b - a).is_finite() { b - a } else { 1.0 };
            for u in us {
                let (fast, exact) = (d.at(u), d.quantile(u));
                assert!(
                    (fast - exact).abs() <= 1e-9 * span,
                    "{shape:?} at u = {u}: {fast} vs quantile {exact}"
                );
                assert!(fast >= a && fast <= b);
            }
        }
        // discrete: the same steps as a plain draw
        let d = Dist::new(
            Shape::Discrete {
                values: vec![3.0, 1.0, 2.0],
                weights: vec![1.0, 1.0, 2.0],
            },
            None,
            None,
        )
        .unwrap();
        let at: Vec<f64> = [0.1, 0.3, 0.6, 0.9].iter().map(|u| d.at(*u)).collect();
        assert_eq!(at, [1.0, 2.0, 2.0, 3.0]);
    }

    /// The fast beta inverse agrees with statrs's to within 1e-12 on
    /// [0, 1], over 20,000 points spread through (0, 1) and the far tails,
    /// for PERT shapes from flat to very skewed and for shapes under 1.
    /// In the far tails, where the quantile is ill-conditioned (1 - p keeps
    /// only a few digits), it must instead invert the CDF at least as well
    /// as statrs does.
    #[test]
    fn the_beta_inverse_matches_statrs() {
        let shapes = [
            (1.0, 1.0),
            (1.5, 4.5),
            (5.0, 1.0),
            (1.01, 4.99),
            (4.6, 1.4),
            (3.0, 3.0),
            (0.4, 0.7),
            (2.0, 0.5),
        ];
        let mut rng = <rand_xoshiro::SplitMix64 as rand::SeedableRng>::seed_from_u64(1);
        let tails = (1..12).flat_map(|e| [10f64.powi(-e), 1.0 - 10f64.powi(-e)]);
        let ps: Vec<f64> = (0..20_000)
            .map(|_| rng.random::<f64>())
            .chain(tails)
            .collect();
        for (a, b) in shapes {
            let inv = BetaInverse::new(a, b, 0.0, 1.0);
            let exact = BetaCdf::new(a, b).unwrap();
            for &p in &ps {
                let (x, y) = (inv.at(p), exact.inverse_cdf(p));
                let inverts = (exact.cdf(x) - p).abs() <= (exact.cdf(y) - p).abs() + 1e-16;
                assert!(
                    (x - y).abs() < 1e-12 || inverts,
                    "Beta({a}, {b}) at p = {p}: {x} vs statrs {y}"
                );
            }
        }
    }

    /// Shapes too extreme to tabulate (found by review: b = 0.05 gave NaN
    /// draws, a PERT with lambda 1e7 hung; lambda is now at most
    /// [`MAX_LAMBDA`], still beyond the table) are solved draw by draw. Beta(1,
    /// b) and Beta(a, 1) have closed-form quantiles, 1 - (1-p)^(1/b) and
    /// p^(1/a) (matched to 1e-12, or 1e-15 absolute far in a tail); the
    /// others must invert the CDF.
    #[test]
    fn extreme_beta_shapes_are_drawn_at_u_without_nan() {
        let beta = |a, b| Dist::new(Shape::Beta { a, b }, None, None).unwrap();
        let us = [1e-9, 0.01, 0.3, 0.5, 0.9, 0.999, 1.0 - 1e-9];
        for u in us {
            let (x, q) = (beta(1.0, 0.05).at(u), 1.0 - (1.0 - u).powf(20.0));
            assert!((x - q).abs() <= 1e-12, "Beta(1, 0.05) at {u}: {x} vs {q}");
            let (x, q) = (beta(0.05, 1.0).at(u), u.powf(20.0));
            // far in the lower tail q is 1e-180: within 1e-15 is exact enough
            assert!(
                (x - q).abs() <= 1e-15 + 1e-12 * q,
                "Beta(0.05, 1) at {u}: {x} vs {q}"
            );
        }
        let pert = Shape::Pert {
            min: 0.0,
            mode: 0.0,
            max: 1.0,
            lambda: MAX_LAMBDA, // b = 10,001: beyond the tabulated shapes
        };
        for d in [beta(2.0, 0.11), Dist::new(pert, None, None).unwrap()] {
            for u in us {
                let x = d.at(u);
                assert!((0.0..=1.0).contains(&x), "{d:?} at {u}: {x}");
                // within 1e-12 of an end, float spacing rules, not the CDF
                let at_an_end = x < 1e-12 || 1.0 - x < 1e-12;
                assert!(
                    at_an_end || (d.cdf(x) - u).abs() < 1e-6,
                    "{u}: F({x}) = {}",
                    d.cdf(x)
                );
            }
        }
    }

    #[test]
    fn truncated_normal_quantiles_stay_in_range() {
        let d = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, Some(0.0), None).unwrap();
        assert!((d.quantile(0.5) - 0.674_489_750_196_081_7).abs() < 1e-7);
        assert!(d.quantile(0.0) >= 0.0);
    }

    #[test]
    fn discrete_quantile_is_a_step_function() {
        let d = Dist::new(
            Shape::Discrete {
                values: vec![3.0, 1.0, 2.0],
                weights: vec![1.0, 1.0, 2.0],
            },
            None,
            None,
        )
        .unwrap();
        assert_eq!(d.quantile(0.1), 1.0);
        assert_eq!(d.quantile(0.5), 2.0);
        assert_eq!(d.quantile(0.9), 3.0);
    }

    #[test]
    fn rejects_bad_parameters_with_the_rule_broken() {
        let e = Dist::new(
            Shape::Pert {
                min: 3.0,
                mode: 2.0,
                max: 4.0,
                lambda: 4.0,
            },
            None,
            None,
        )
        .unwrap_err();
        assert!(e.contains("min <= mode <= max"), "{e}");
        let e = Dist::new(Shape::Uniform { lo: 2.0, hi: 1.0 }, None, None).unwrap_err();
        assert!(e.contains("lo <= hi"), "{e}");
        let e = Dist::new(Shape::LogNormal { p10: 2.0, p90: 2.0 }, None, None).unwrap_err();
        assert!(e.contains("p10 < p90"), "{e}");
        let e = Dist::new(Shape::Uniform { lo: 0.0, hi: 1.0 }, Some(2.0), None).unwrap_err();
        assert!(e.contains("no probability"), "{e}");
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    /// An unbounded normal or lognormal side reaches 8 sd out; a bounded
    /// side is its bound; a far-tail truncation reaches past its one bound.
    #[test]
    fn reach_cuts_unbounded_tails_at_8_sd() {
        let n = Dist::new(Shape::Normal { mean: 5.0, sd: 2.0 }, None, None).unwrap();
        assert_eq!(n.reach(), (-11.0, 21.0));
        let t = Dist::new(Shape::Normal { mean: 5.0, sd: 2.0 }, Some(0.0), None).unwrap();
        assert_eq!(t.reach(), (0.0, 21.0));
        let far = Dist::new(Shape::Normal { mean: 5.0, sd: 1.0 }, Some(20.0), None).unwrap();
        assert_eq!(far.reach(), (20.0, 28.0));
        let ln = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, None, None).unwrap();
        let (mu, sigma) = ln.shape.normal_params().unwrap();
        let (lo, hi) = ln.reach();
        assert!((lo - (mu - 8.0 * sigma).exp()).abs() < 1e-12 && lo > 0.0);
        assert!((hi - (mu + 8.0 * sigma).exp()).abs() < 1e-12);
        let u = Dist::new(Shape::Uniform { lo: 1.0, hi: 3.0 }, None, None).unwrap();
        assert_eq!(u.reach(), (1.0, 3.0));
    }

    #[test]
    fn kept_mass_reads_far_tails_through_the_survival_function() {
        let far = Dist::new(Shape::Normal { mean: 5.0, sd: 1.0 }, Some(20.0), None).unwrap();
        let q15 = 3.670_966_199_312_86e-51; // Q(15)
        assert!(
            (far.kept_mass() / q15 - 1.0).abs() < 1e-6,
            "{}",
            far.kept_mass()
        );
        let half = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, Some(0.0), None).unwrap();
        assert!((half.kept_mass() - 0.5).abs() < 1e-15);
        let beta = Dist::new(Shape::Beta { a: 2.0, b: 2.0 }, Some(0.5), None).unwrap();
        assert!((beta.kept_mass() - 0.5).abs() < 1e-12);
        // Beta(1, 50) above 0.5 keeps (1 - 0.5)^50
        let tail = Dist::new(Shape::Beta { a: 1.0, b: 50.0 }, Some(0.5), None).unwrap();
        assert!((tail.kept_mass() / 0.5f64.powi(50) - 1.0).abs() < 1e-9);
        let d = Dist::new(
            Shape::Discrete {
                values: vec![1.0, 2.0, 3.0],
                weights: vec![1.0, 2.0, 1.0],
            },
            Some(2.0),
            None,
        )
        .unwrap();
        assert_eq!(d.kept_mass(), 0.75);
        let plain = Dist::new(Shape::Uniform { lo: 0.0, hi: 1.0 }, None, None).unwrap();
        assert_eq!(plain.kept_mass(), 1.0);
    }

    /// The shapes that hung or overflowed a run are refused when read.
    #[test]
    fn refuses_shapes_whose_draws_cannot_be_made() {
        let e = Dist::new(Shape::Beta { a: 1e-9, b: 1e-9 }, None, None).unwrap_err();
        assert!(e.contains("a and b from 0.01 to 10000"), "{e}");
        let pert = |max: f64, lambda: f64| Shape::Pert {
            min: 0.3,
            mode: 0.45,
            max,
            lambda,
        };
        let e = Dist::new(pert(1e308, 4.0), None, None).unwrap_err();
        assert!(
            e.contains("pert max must be at most 1e100 in size, got 1e308"),
            "{e}"
        );
        let e = Dist::new(pert(1.0, 1e5), None, None).unwrap_err();
        assert!(e.contains("lambda must be at most 10000"), "{e}");
        let e = Dist::new(
            Shape::Discrete {
                values: vec![1.0, 2.0],
                weights: vec![1e308, 1e308],
            },
            None,
            None,
        )
        .unwrap_err();
        assert!(e.contains("discrete weight must be at most 1e100"), "{e}");
        // a fixed value answers to its quantity's limit, not to this one
        assert!(Dist::new(Shape::Fixed(1e308), None, None).is_ok());
    }
}

#[cfg(test)]
mod tail_tests {
    use super::*;
    use rand::SeedableRng;
    use statrs::distribution::Continuous;

    /// N(0, 1) truncated to [8, inf): F(8) rounds to 1 in double precision,
    /// so the draws go through the survival function. Their mean must be
    /// the inverse Mills ratio phi(8) / Q(8) = 8.1215, within 4 standard
    /// errors (the tail's variance is 1 + a L - L^2, L the ratio).
    #[test]
    fn a_far_upper_tail_truncation_is_sampled_exactly() {
        let d = Dist::new(Shape::Normal { mean: 0.0, sd: 1.0 }, Some(8.0), None).unwrap();
        let std = NormalCdf::new(0.0, 1.0).unwrap();
        let ratio = std.pdf(8.0) / std.sf(8.0);
        let sd = (1.0 + 8.0 * ratio - ratio * ratio).sqrt();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        assert!(xs.iter().all(|x| *x > 8.0));
        let mean = xs.iter().sum::<f64>() / n as f64;
        let se = sd / (n as f64).sqrt();
        assert!(
            (mean - ratio).abs() < 4.0 * se,
            "mean {mean}, want {ratio} +/- {}",
            4.0 * se
        );
        let mut distinct = xs.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(
            distinct.len() > n * 9 / 10,
            "draws are not stuck on a few values"
        );
        // a lognormal truncated far in its upper tail works the same way
        let ln = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, Some(1e6), None);
        assert!(
            ln.is_err(),
            "a tail beyond 1e-300 of probability has no mass"
        );
        let ln = Dist::new(Shape::LogNormal { p10: 1.0, p90: 1.6 }, Some(6.0), None).unwrap();
        assert!(ln.sample(&mut rng) >= 6.0);
    }
}
