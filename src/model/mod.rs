//! One iteration of the model (MODEL.md sections 3-7): a pure function of
//! the scenario, the iteration's input draws and its gate draws.
//!
//! [`simulate`] fills a reusable [`Workspace`] so that the engine allocates
//! nothing per iteration.

pub mod adoption;

use crate::scenario::Scenario;
use adoption::{Adoption, Cohort, CurveParams};

/// The cost categories, in the order of [`Months::cost_parts`].
pub const COST_PARTS: [&str; 5] = ["stage", "run_fixed", "per_user", "onboarding", "retraining"];

/// Month-by-month paths of one iteration; index `m - 1` holds month `m`.
#[derive(Debug, Clone, Default)]
pub struct Months {
    /// Leading: usage rate `U(m)` at the month's end.
    pub usage: Vec<f64>,
    /// Leading: active users `A(m)` at the month's end.
    pub active: Vec<f64>,
    /// Users with access `W(m)` at the month's end (0 before access opens
    /// and after a kill).
    pub access: Vec<f64>,
    /// Lagging: costs in the month, overrun included (currency).
    pub costs: Vec<f64>,
    /// Lagging: benefits in the month (currency).
    pub benefits: Vec<f64>,
    /// Lagging: net cash `N(m) = benefits - costs`.
    pub net: Vec<f64>,
    /// Lagging: cumulative net cash `C(m)`.
    pub cumulative: Vec<f64>,
    /// Costs by category (see [`COST_PARTS`]), overrun included.
    pub cost_parts: [Vec<f64>; 5],
}

/// Per-iteration results (MODEL.md section 7).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Months to payback; `None` is "no payback within the horizon".
    pub payback: Option<f64>,
    pub npv: f64,
    /// `None` when total costs are 0 (undefined).
    pub roi: Option<f64>,
    pub total_cost: f64,
    pub total_benefit: f64,
    pub peak_funding: f64,
    /// Index of the furthest stage started at or before the horizon.
    pub furthest_stage: usize,
    /// Index of the stage whose gate killed the initiative, if it did so
    /// at or before the horizon.
    pub killed_at: Option<usize>,
    /// Time of first access in months, if any stage with scope > 0 started.
    pub first_access: Option<f64>,
    /// Start time of each stage reached, in months.
    pub stage_start: Vec<Option<f64>>,
    /// Whether each stage's gate made at least one decision by the horizon.
    pub decided: Vec<bool>,
    /// Reworks each stage's gate ordered by the horizon.
    pub reworks: Vec<u32>,
    /// The time of the kill in months, when a gate killed the initiative
    /// at or before the horizon.
    pub kill_time: Option<f64>,
    /// The decision times (months) at which each stage's gate ordered its
    /// reworks, by the horizon: `rework_times[i].len() == reworks[i]`.
    pub rework_times: Vec<Vec<f64>>,
    /// The log of the probability of the outcomes pinned by [`Pins`]
    /// (0 when nothing was pinned): the importance weight of the pinned
    /// draws against the plan's.
    pub pinned_log_weight: f64,
}

/// Gate decisions pinned to one outcome (MODEL.md 9.2 allows draws
/// "pinned to the facts"): `pins[d]`, for gate draw `d` (in the order of
/// [`Scenario::gate_draws`]), is the interval `[lo, hi)` of uniforms that
/// gives the outcome the actuals require of that decision. When the gate
/// decides by its draw (no `min_usage_rate` forcing it), the draw `u` is
/// moved to `lo + u (hi - lo)` and the iteration's weight multiplied by the
/// outcome's probability `hi - lo`; a decision the usage rule forces keeps
/// its forced outcome, with probability 1. Either way the pinned future
/// carries exactly the plan's probability of the outcome, so weighting by
/// it estimates the same conditioned forecast as plain weighting.
pub type Pins = [Option<(f64, f64)>];

/// Buffers reused from one iteration to the next.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub months: Months,
    pub outcome: Outcome,
    burns: Vec<(f64, f64, f64)>,
    one_offs: Vec<(f64, f64)>,
    cohorts: Vec<Cohort>,
    /// `lagged[b][m - 1] = A(m - lag_b)` for each benefit stream.
    lagged: Vec<Vec<f64>>,
    /// The last annual discount rate's bits and its monthly factor: the
    /// rate is most often a fixed value, and its `powf` was 1-2% of a run.
    discount: (u64, f64),
}

impl Workspace {
    pub fn new(sc: &Scenario) -> Workspace {
        let h = sc.horizon_months;
        let v = || vec![0.0; h];
        Workspace {
            months: Months {
                usage: v(),
                active: v(),
                access: v(),
                costs: v(),
                benefits: v(),
                net: v(),
                cumulative: v(),
                cost_parts: [v(), v(), v(), v(), v()],
            },
            outcome: Outcome {
                stage_start: vec![None; sc.stages.len()],
                decided: vec![false; sc.stages.len()],
                reworks: vec![0; sc.stages.len()],
                rework_times: vec![Vec::new(); sc.stages.len()],
                ..Outcome::default()
            },
            burns: Vec::new(),
            one_offs: Vec::new(),
            cohorts: Vec::new(),
            lagged: vec![vec![0.0; h]; sc.benefits.len()],
            discount: (f64::NAN.to_bits(), f64::NAN),
        }
    }
}

/// The month that holds time `t`: `(m-1, m]`, with the instant 0 in month 1.
#[inline]
pub fn month_of(t: f64) -> usize {
    (t.ceil() as usize).max(1)
}

/// Adds `rate` per month, pro rata, over `[from, to]` into `out` (cut at the horizon).
fn spread(out: &mut [f64], from: f64, to: f64, rate: f64) {
    let h = out.len() as f64;
    let (from, to) = (from.max(0.0), to.min(h));
    if to <= from || rate == 0.0 {
        return;
    }
    let first = from.floor() as usize; // 0-based index of the month holding `from`
    let last = (to.ceil() as usize).min(out.len());
    for (i, slot) in out.iter_mut().enumerate().take(last).skip(first) {
        let lo = (i as f64).max(from);
        let hi = ((i + 1) as f64).min(to);
        if hi > lo {
            *slot += rate * (hi - lo);
        }
    }
}

/// Simulates one iteration.
///
/// `x` holds one draw per input of `sc.inputs`; `gate_u` holds
/// [`Scenario::gate_draws`] uniforms on [0, 1): gate by gate, one per
/// possible decision. A decision passes when `u < pass`, reworks when
/// `u < pass + rework` and kills otherwise.
pub fn simulate(sc: &Scenario, x: &[f64], gate_u: &[f64], ws: &mut Workspace) {
    simulate_from(sc, x, gate_u, 0.0, ws);
}

/// [`simulate`] with the first stage starting at `start` months instead of
/// 0 (a portfolio's clock, MODEL.md section 10): every stage start, access,
/// cost and benefit moves with it, on the same month grid and horizon; the
/// months before `start` hold nothing, and NPV still discounts from 0.
pub fn simulate_from(sc: &Scenario, x: &[f64], gate_u: &[f64], start: f64, ws: &mut Workspace) {
    simulate_pinned(sc, x, gate_u, None, start, ws);
}

/// [`simulate_from`] with some gate decisions pinned to an outcome (see
/// [`Pins`]).
pub fn simulate_pinned(
    sc: &Scenario,
    x: &[f64],
    gate_u: &[f64],
    pins: Option<&Pins>,
    start: f64,
    ws: &mut Workspace,
) {
    let h = sc.horizon_months;
    let hf = h as f64;
    let out = &mut ws.outcome;
    out.stage_start.iter_mut().for_each(|s| *s = None);
    out.decided.iter_mut().for_each(|d| *d = false);
    out.reworks.iter_mut().for_each(|r| *r = 0);
    out.rework_times.iter_mut().for_each(Vec::clear);
    out.killed_at = None;
    out.kill_time = None;
    out.first_access = None;
    out.furthest_stage = 0;
    out.pinned_log_weight = 0.0;
    ws.burns.clear();
    ws.one_offs.clear();
    ws.cohorts.clear();

    let target_users = x[sc.adoption.target_users];
    let curve = CurveParams::from_draws(sc, x);
    let ceiling = x[sc.adoption.ceiling];
    let mut kill = f64::INFINITY;

    // Section 4: the stage-gate timeline.
    let mut t = start;
    let mut highest_scope = 0.0;
    let mut gate_offset = 0;
    'stages: for (i, st) in sc.stages.iter().enumerate() {
        let s = t;
        if s > hf {
            break;
        }
        out.stage_start[i] = Some(s);
        out.furthest_stage = i;
        ws.one_offs.push((s, x[st.one_off_cost]));
        let scope = x[st.scope];
        if scope > highest_scope {
            ws.cohorts.push(Cohort {
                access: s,
                size: (scope - highest_scope) * target_users,
            });
            highest_scope = scope;
            out.first_access.get_or_insert(s);
        }
        let rate = x[st.cost_per_month];
        let d = x[st.duration];
        ws.burns.push((s, s + d, rate));
        let Some(g) = &st.gate else {
            t = s + d;
            continue;
        };
        let first_draw = gate_offset;
        let draws = &gate_u[gate_offset..gate_offset + g.max_reworks as usize + 1];
        gate_offset += draws.len();
        let delay = x[g.decision_delay];
        let rework_months = g.rework_months.map_or(0.0, |id| x[id]);
        let mut decision = s + d + delay;
        let mut reworks = 0u32;
        loop {
            if decision > hf {
                break 'stages; // the decision falls past the horizon
            }
            out.decided[i] = true;
            let forced = g.min_usage_rate.is_some_and(|id| {
                let adoption = Adoption {
                    cohorts: &ws.cohorts,
                    ceiling,
                    curve,
                    kill,
                };
                adoption.usage(decision) < x[id]
            });
            let mut u = draws[reworks as usize];
            if let Some(&Some((lo, hi))) = pins.map(|p| &p[first_draw + reworks as usize]) {
                if !forced {
                    // the pinned interval, never its upper end (hi > lo >= 0:
                    // the float just below hi is one bit pattern down)
                    let below_hi = f64::from_bits(hi.to_bits() - 1);
                    u = (lo + u * (hi - lo)).min(below_hi).max(lo);
                    out.pinned_log_weight += (hi - lo).ln();
                }
            }
            let rework = forced || (u >= g.pass && u < g.pass + g.rework);
            if !forced && u < g.pass {
                t = decision;
                break;
            }
            if rework && reworks < g.max_reworks {
                reworks += 1;
                out.reworks[i] = reworks;
                out.rework_times[i].push(decision);
                ws.burns.push((decision, decision + rework_months, rate));
                decision += rework_months + delay;
                continue;
            }
            kill = decision;
            out.killed_at = Some(i);
            out.kill_time = Some(decision);
            break 'stages;
        }
    }

    // Sections 5 and 6: month by month.
    let adoption = Adoption {
        cohorts: &ws.cohorts,
        ceiling,
        curve,
        kill,
    };
    let overrun = x[sc.costs.overrun];
    let m = &mut ws.months;
    let [stage_c, run_c, user_c, onboard_c, retrain_c] = &mut m.cost_parts;
    // the parts added to month by month start at 0 (the per-user and
    // onboarding parts are written whole below)
    for part in [&mut *stage_c, &mut *run_c, &mut *retrain_c] {
        part.iter_mut().for_each(|v| *v = 0.0);
    }
    for &(from, to, rate) in &ws.burns {
        spread(stage_c, from, to, rate * overrun);
    }
    for &(at, amount) in &ws.one_offs {
        if at <= hf {
            stage_c[month_of(at) - 1] += amount * overrun;
        }
    }
    if let Some(a) = out.first_access {
        spread(
            run_c,
            a,
            kill.min(hf),
            x[sc.costs.run_fixed_per_month] * overrun,
        );
        if let Some(every) = sc.costs.retraining_every_months.map(|id| x[id]) {
            let cost = x[sc.costs.retraining_cost] * overrun;
            let mut n = 1.0;
            loop {
                let e = a + n * every;
                if e > hf || e >= kill {
                    break;
                }
                retrain_c[month_of(e) - 1] += cost;
                n += 1.0;
            }
        }
    }
    let per_user = x[sc.costs.run_per_active_user_month] * overrun;
    let onboarding = x[sc.costs.onboarding_per_new_user] * overrun;
    let rate = x[sc.discount_rate];
    if rate.to_bits() != ws.discount.0 {
        ws.discount = (rate.to_bits(), (1.0 + rate).powf(-1.0 / 12.0));
    }
    let monthly_discount = ws.discount.1;
    adoption.fill(0.0, &mut m.active);
    for i in 0..h {
        m.benefits[i] = 0.0;
    }
    for (b, lagged) in sc.benefits.iter().zip(ws.lagged.iter_mut()) {
        adoption.fill(x[b.lag_months], lagged);
        let value = x[b.per_active_user_month];
        for (sum, a) in m.benefits.iter_mut().zip(lagged.iter()) {
            *sum += value * a;
        }
    }

    let mut prev_active = 0.0;
    let mut cum = 0.0;
    let (mut total_cost, mut total_benefit, mut npv) = (0.0, 0.0, 0.0);
    let mut discount = 1.0;
    let mut min_cum = 0.0f64;
    let mut payback = None;
    let mut was_negative = false;
    // W(t): cohorts open in time order, so one pass adds each as it opens
    let (mut opened, mut with_access) = (0, 0.0);
    let cohorts = &ws.cohorts[..];
    // every path as a slice of exactly h months, held in registers: the
    // loop then reloads no vector and checks no index
    let (stage_c, run_c, retrain_c) = (&stage_c[..h], &run_c[..h], &retrain_c[..h]);
    let (user_c, onboard_c) = (&mut user_c[..h], &mut onboard_c[..h]);
    let (actives, benefits) = (&m.active[..h], &m.benefits[..h]);
    let (accesses, usage) = (&mut m.access[..h], &mut m.usage[..h]);
    let (costs, nets, cumulative) = (&mut m.costs[..h], &mut m.net[..h], &mut m.cumulative[..h]);
    for i in 0..h {
        let t = (i + 1) as f64;
        let active = actives[i];
        while opened < cohorts.len() && cohorts[opened].access <= t {
            with_access += cohorts[opened].size;
            opened += 1;
        }
        let access = if t >= kill { 0.0 } else { with_access };
        accesses[i] = access;
        usage[i] = if access > 0.0 { active / access } else { 0.0 };
        user_c[i] = per_user * active;
        onboard_c[i] = onboarding * (active - prev_active).max(0.0);
        prev_active = active;
        let cost = stage_c[i] + run_c[i] + user_c[i] + onboard_c[i] + retrain_c[i];
        let benefit = benefits[i];
        let net = benefit - cost;
        costs[i] = cost;
        nets[i] = net;
        let before = cum;
        cum += net;
        cumulative[i] = cum;
        total_cost += cost;
        total_benefit += benefit;
        discount *= monthly_discount;
        npv += net * discount;
        min_cum = min_cum.min(cum);
        if payback.is_none() {
            if cum < 0.0 {
                was_negative = true;
            } else if was_negative {
                payback = Some(i as f64 + (-before) / net);
            }
        }
    }

    // Section 7.
    out.payback = if was_negative { payback } else { Some(0.0) };
    out.npv = npv;
    out.total_cost = total_cost;
    out.total_benefit = total_benefit;
    // MODEL.md 7: undefined when total costs are 0. A total below the
    // smallest amount a scenario may write (a draw from a beta or a
    // truncated normal that underflows, times every cost) is 0 for this
    // purpose: dividing by it would overflow to an infinite ROI.
    out.roi = (total_cost.abs() >= crate::scenario::limits::SMALLEST)
        .then(|| (total_benefit - total_cost) / total_cost);
    out.peak_funding = (-min_cum).max(0.0);
}

#[cfg(test)]
mod tests;
