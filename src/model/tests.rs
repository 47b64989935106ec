//! Cases worked out by hand from MODEL.md, matched to 1e-9.
//!
//! Adoption uses Bass with q = 0 and p = ln 2, so `F(tau) = 1 - 2^-tau`
//! (half the ceiling after one month, three quarters after two), or a Bass
//! p so large that `F = 1` for any tau > 0.04; both keep the arithmetic
//! checkable with a pencil.

use super::*;
use crate::scenario::Scenario;

const TOL: f64 = 1e-9;

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= TOL * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// Runs one iteration of a scenario whose inputs are all fixed.
fn run(toml: &str, gate_u: &[f64]) -> Workspace {
    let sc = Scenario::from_toml(toml, "test.toml").unwrap();
    assert!(
        sc.uncertain_inputs().is_empty(),
        "hand-worked cases use fixed inputs"
    );
    let x: Vec<f64> = sc.inputs.iter().map(|i| i.dist.quantile(0.5)).collect();
    assert_eq!(gate_u.len(), sc.gate_draws());
    let mut ws = Workspace::new(&sc);
    simulate(&sc, &x, gate_u, &mut ws);
    ws
}

fn close_all(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (m, (g, w)) in got.iter().zip(want).enumerate() {
        close(*g, *w, &format!("{what}, month {}", m + 1));
    }
}

/// Two stages whose boundaries fall inside months (1.5 and 3.5), a
/// decision delay, run costs from first access, retraining and discounting.
#[test]
fn stage_boundaries_inside_months_are_paid_pro_rata() {
    let ws = run(
        r#"
        [scenario]
        name = "Boundaries inside months"
        horizon_months = 6
        discount_rate = 0.12
        [[stage]]
        name = "Build"
        duration_months = 1.25
        cost_per_month = 1000
        one_off_cost = 300
        [stage.gate]
        decision_delay_months = 0.25
        [[stage]]
        name = "Run"
        duration_months = 2.0
        cost_per_month = 500
        scope = 1.0
        [adoption]
        target_users = 10
        curve = "bass"
        ceiling = 1.0
        p = 1000
        q = 0
        [costs]
        run_fixed_per_month = 100
        run_per_active_user_month = 2
        onboarding_per_new_user = 5
        retraining_every_months = 2
        retraining_cost = 50
        [[benefit]]
        name = "Value"
        per_active_user_month = 300
        "#,
        &[0.0],
    );
    // Build burns [0, 1.25], its gate decides at 1.5 (no burn while
    // waiting), Run starts at 1.5 with access for 10 users, burns [1.5, 3.5].
    // Retraining falls at 1.5 + 2 = 3.5 (month 4) and 5.5 (month 6).
    // month 1: burn 1000 + one-off 300                                 = 1300
    // month 2: burn 250 (Build) + 250 (Run) + run 50 + users 20 + onboarding 50 = 620
    // month 3: burn 500 + run 100 + users 20                           = 620
    // month 4: burn 250 + run 100 + users 20 + retraining 50           = 420
    // month 5: run 100 + users 20                                      = 120
    // month 6: run 100 + users 20 + retraining 50                      = 170
    let costs = [1300.0, 620.0, 620.0, 420.0, 120.0, 170.0];
    let benefits = [0.0, 3000.0, 3000.0, 3000.0, 3000.0, 3000.0];
    close_all(&ws.months.costs, &costs, "costs");
    close_all(&ws.months.benefits, &benefits, "benefits");
    close_all(&ws.months.usage, &[0.0, 1.0, 1.0, 1.0, 1.0, 1.0], "usage");
    close_all(
        &ws.months.cost_parts[0],
        &[1300.0, 500.0, 500.0, 250.0, 0.0, 0.0],
        "stage costs",
    );
    close_all(
        &ws.months.cost_parts[4],
        &[0.0, 0.0, 0.0, 50.0, 0.0, 50.0],
        "retraining",
    );
    let net: Vec<f64> = costs.iter().zip(&benefits).map(|(c, b)| b - c).collect();
    close_all(
        &ws.months.cumulative,
        &[-1300.0, 1080.0, 3460.0, 6040.0, 8920.0, 11750.0],
        "C",
    );
    let o = &ws.outcome;
    // C(1) = -1300, C(2) = 1080: payback = 1 + 1300 / 2380
    close(o.payback.unwrap(), 1.0 + 1300.0 / 2380.0, "payback");
    let npv: f64 = net
        .iter()
        .enumerate()
        .map(|(m, n)| n / 1.12f64.powf((m + 1) as f64 / 12.0))
        .sum();
    close(o.npv, npv, "npv");
    close(o.total_cost, 3250.0, "total cost");
    close(o.total_benefit, 15000.0, "total benefit");
    close(o.roi.unwrap(), (15000.0 - 3250.0) / 3250.0, "roi");
    close(o.peak_funding, 1300.0, "peak funding");
    assert_eq!(o.stage_start, vec![Some(0.0), Some(1.5)]);
    assert_eq!(o.first_access, Some(1.5));
    assert_eq!((o.furthest_stage, o.killed_at), (1, None));
}

/// A benefit lag of 1.5 months reads the active users half-way through
/// a month: `A(m - 1.5)` with `A(t) = 100 (1 - 2^-t)`.
#[test]
fn a_fractional_benefit_lag_reads_active_users_between_month_ends() {
    let ws = run(
        r#"
        [scenario]
        name = "Fractional lag"
        horizon_months = 5
        [[stage]]
        name = "Live"
        duration_months = 1
        cost_per_month = 600
        scope = 1
        [adoption]
        target_users = 100
        curve = "bass"
        ceiling = 1
        p = 0.6931471805599453
        q = 0
        [costs]
        run_per_active_user_month = 2
        onboarding_per_new_user = 1
        [[benefit]]
        name = "Value"
        per_active_user_month = 10
        lag_months = 1.5
        "#,
        &[],
    );
    let a = |t: f64| 100.0 * (1.0 - 2f64.powf(-t));
    // month-end active users: 50, 75, 87.5, 93.75, 96.875
    close_all(
        &ws.months.active,
        &[50.0, 75.0, 87.5, 93.75, 96.875],
        "active users",
    );
    // costs: burn 600 in month 1; 2 per active user; 1 per new active user
    let costs = [
        600.0 + 100.0 + 50.0,
        150.0 + 25.0,
        175.0 + 12.5,
        187.5 + 6.25,
        193.75 + 3.125,
    ];
    close_all(&ws.months.costs, &costs, "costs");
    // benefits: 10 x A(m - 1.5): 0, A(0.5), A(1.5), A(2.5), A(3.5)
    let benefits = [
        0.0,
        10.0 * a(0.5),
        10.0 * a(1.5),
        10.0 * a(2.5),
        10.0 * a(3.5),
    ];
    close(benefits[1], 292.893_218_813_452_4, "A(0.5) by hand");
    close_all(&ws.months.benefits, &benefits, "benefits");
    let mut c = 0.0;
    let mut cum = Vec::new();
    for (b, k) in benefits.iter().zip(&costs) {
        c += b - k;
        cum.push(c);
    }
    // C: -750, -632.107, -173.160, 456.313, 1171.050: payback in month 4
    assert!(cum[2] < 0.0 && cum[3] > 0.0);
    let o = &ws.outcome;
    close(
        o.payback.unwrap(),
        3.0 + (-cum[2]) / (cum[3] - cum[2]),
        "payback",
    );
    close(
        o.payback.unwrap(),
        3.275_087_395_265_193,
        "payback by hand (Python)",
    );
    close(o.npv, cum[4], "npv at a zero discount rate");
    let tc: f64 = costs.iter().sum();
    let tb: f64 = benefits.iter().sum();
    close(o.roi.unwrap(), (tb - tc) / tc, "roi");
    close(o.peak_funding, 750.0, "peak funding");
}

/// A logistic curve with midpoint 2 and steepness 1, a one-off at time 0
/// and no burn, discounted at 10% a year.
#[test]
fn a_logistic_curve_follows_its_normalised_formula() {
    let ws = run(
        r#"
        [scenario]
        name = "Logistic"
        horizon_months = 4
        discount_rate = 0.1
        [[stage]]
        name = "Launch"
        duration_months = 0
        one_off_cost = 5000
        scope = 1
        [adoption]
        target_users = 100
        curve = "logistic"
        ceiling = 0.8
        midpoint_months = 2
        steepness = 1
        [[benefit]]
        name = "Value"
        per_active_user_month = 50
        "#,
        &[],
    );
    let l = |t: f64| 1.0 / (1.0 + (-(t - 2.0f64)).exp());
    let f = |t: f64| (l(t) - l(0.0)) / (1.0 - l(0.0));
    let active: Vec<f64> = (1..=4).map(|m| 80.0 * f(m as f64)).collect();
    // F(2) = (0.5 - L0) / (1 - L0), L0 = 1 / (1 + e^2) = 0.11920292202211755
    close(
        active[1],
        80.0 * (0.5 - 0.119_202_922_022_117_55) / (1.0 - 0.119_202_922_022_117_55),
        "A(2)",
    );
    close_all(&ws.months.active, &active, "active users");
    let net: Vec<f64> = active
        .iter()
        .enumerate()
        .map(|(i, a)| 50.0 * a - if i == 0 { 5000.0 } else { 0.0 })
        .collect();
    let mut cum = vec![net[0]];
    for n in &net[1..] {
        cum.push(cum.last().unwrap() + n);
    }
    close_all(&ws.months.cumulative, &cum, "C");
    let m = cum
        .iter()
        .position(|c| *c >= 0.0)
        .expect("pays back by hand");
    let o = &ws.outcome;
    close(
        o.payback.unwrap(),
        m as f64 + (-cum[m - 1]) / net[m],
        "payback",
    );
    let npv: f64 = net
        .iter()
        .enumerate()
        .map(|(i, n)| n / 1.1f64.powf((i + 1) as f64 / 12.0))
        .sum();
    close(o.npv, npv, "npv");
    close(
        o.peak_funding,
        -cum.iter().cloned().fold(0.0, f64::min),
        "peak funding",
    );
    close(o.roi.unwrap(), (o.total_benefit - 5000.0) / 5000.0, "roi");
}

const KILLED: &str = r#"
    [scenario]
    name = "Killed at the pilot gate"
    horizon_months = 12
    [[stage]]
    name = "Pilot"
    duration_months = 2
    cost_per_month = 100
    scope = 0.5
    [stage.gate]
    pass = 0.5
    rework = 0.3
    rework_months = 1
    max_reworks = 1
    decision_delay_months = 0.5
    [[stage]]
    name = "Production"
    duration_months = 1
    cost_per_month = 200
    scope = 1
    [adoption]
    target_users = 100
    curve = "bass"
    ceiling = 1
    p = 0.6931471805599453
    q = 0
    [costs]
    run_fixed_per_month = 10
    retraining_every_months = 4
    retraining_cost = 1000
    [[benefit]]
    name = "Value"
    per_active_user_month = 1
    lag_months = 0.5
"#;

/// Rework at the first decision (u = 0.6), kill at the second (u = 0.9):
/// burn again for a month, then no costs, access or users from the kill on.
#[test]
fn a_kill_at_the_gate_stops_costs_access_and_users() {
    let ws = run(KILLED, &[0.6, 0.9]);
    // Pilot burns [0, 2]; decision at 2.5 -> rework, burns [2.5, 3.5];
    // decision at 3.5 + 0.5 = 4.0 -> kill. Retraining due at 0 + 4 = 4.0
    // falls exactly at the kill and is not paid.
    let a = |t: f64| 50.0 * (1.0 - 2f64.powf(-t));
    let costs = [
        110.0, 110.0, 60.0, 60.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    ];
    close_all(&ws.months.costs, &costs, "costs");
    let mut benefits = vec![a(0.5), a(1.5), a(2.5), a(3.5)];
    benefits.resize(12, 0.0); // A(4.5) = 0: killed at 4.0
    close_all(&ws.months.benefits, &benefits, "benefits");
    close_all(
        &ws.months.active[3..],
        &[0.0; 9],
        "no active users from the kill on",
    );
    let o = &ws.outcome;
    assert_eq!(o.payback, None, "no payback within the horizon");
    let total_b: f64 = benefits.iter().sum();
    close(o.total_cost, 340.0, "total cost");
    close(o.npv, total_b - 340.0, "npv");
    close(o.peak_funding, 340.0 - total_b, "peak funding");
    close(o.roi.unwrap(), (total_b - 340.0) / 340.0, "roi");
    assert_eq!(o.killed_at, Some(0));
    assert_eq!(o.furthest_stage, 0);
    assert_eq!(o.stage_start, vec![Some(0.0), None]);
    assert_eq!(o.reworks[0], 1);
    assert!(o.decided[0]);
}

/// With `max_reworks = 1` spent, a second rework outcome is a kill.
#[test]
fn a_rework_beyond_max_reworks_is_a_kill() {
    let ws = run(KILLED, &[0.6, 0.6]);
    assert_eq!(ws.outcome.killed_at, Some(0));
    assert_eq!(ws.outcome.reworks[0], 1);
}

/// Passing at the first decision starts Production at 2.5 months.
#[test]
fn a_pass_starts_the_next_stage_at_the_decision() {
    let ws = run(KILLED, &[0.1, 0.9]);
    let o = &ws.outcome;
    assert_eq!(o.stage_start, vec![Some(0.0), Some(2.5)]);
    assert_eq!((o.furthest_stage, o.killed_at), (1, None));
    // Production's 200/month burns over [2.5, 3.5]: 100 in month 3, 100 in month 4
    close(ws.months.cost_parts[0][2], 100.0, "month 3 stage cost");
    close(ws.months.cost_parts[0][3], 100.0, "month 4 stage cost");
}

/// Usage at the decision, 1 - 2^-2.5 = 0.823, is below 0.9: rework even
/// though the draw (u = 0) says pass; the second decision, with usage
/// 1 - 2^-4 = 0.9375, passes.
#[test]
fn usage_below_min_usage_rate_forces_a_rework() {
    let toml = KILLED.replace(
        "decision_delay_months = 0.5",
        "decision_delay_months = 0.5\n    min_usage_rate = 0.9",
    );
    let ws = run(&toml, &[0.0, 0.0]);
    let o = &ws.outcome;
    assert_eq!(o.reworks[0], 1);
    assert_eq!(o.stage_start[1], Some(4.0));
    // and when the usage bar cannot be met in time, the spent reworks end in a kill
    let toml = KILLED.replace(
        "decision_delay_months = 0.5",
        "decision_delay_months = 0.5\n    min_usage_rate = 0.99",
    );
    let ws = run(&toml, &[0.0, 0.0]);
    assert_eq!(ws.outcome.killed_at, Some(0));
}

/// A decision that falls after the horizon never happens: no kill, no
/// next stage, and the gate counts as undecided.
#[test]
fn a_decision_past_the_horizon_does_not_happen() {
    let toml = KILLED.replace("horizon_months = 12", "horizon_months = 2");
    let ws = run(&toml, &[0.9, 0.9]);
    let o = &ws.outcome;
    assert_eq!(o.killed_at, None);
    assert!(!o.decided[0]);
    assert_eq!(o.stage_start, vec![Some(0.0), None]);
}

/// C never negative: payback is 0, peak funding 0.
#[test]
fn a_case_never_in_deficit_pays_back_at_zero() {
    let ws = run(
        r#"
        [scenario]
        name = "Free"
        horizon_months = 3
        [[stage]]
        name = "Only"
        duration_months = 1
        scope = 1
        [adoption]
        target_users = 10
        curve = "bass"
        ceiling = 1
        p = 1000
        q = 0
        [[benefit]]
        name = "Value"
        per_active_user_month = 1
        "#,
        &[],
    );
    assert_eq!(ws.outcome.payback, Some(0.0));
    assert_eq!(ws.outcome.peak_funding, 0.0);
    assert_eq!(ws.outcome.roi, None, "ROI is undefined with no costs");
}

#[test]
fn events_land_in_the_month_that_holds_them() {
    assert_eq!(month_of(0.0), 1);
    assert_eq!(month_of(0.3), 1);
    assert_eq!(month_of(1.0), 1);
    assert_eq!(month_of(1.000_001), 2);
    assert_eq!(month_of(36.0), 36);
}
