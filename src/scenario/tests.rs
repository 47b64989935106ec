use super::*;

const BASE: &str = r#"
[scenario]
name = "Small"
[[stage]]
name = "Pilot"
duration_months = 2
scope = 0.2
[stage.gate]
pass = 0.7
rework = 0.2
rework_months = 1
max_reworks = 1
[[stage]]
name = "Production"
duration_months = 1
scope = 1
[adoption]
target_users = 100
curve = "bass"
ceiling = 0.6
p = 0.03
q = 0.4
"#;

#[test]
fn defaults_follow_the_contract() {
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    assert_eq!(sc.currency, "USD");
    assert_eq!(sc.horizon_months, 36);
    assert_eq!((sc.iterations, sc.seed), (10_000, 0));
    assert_eq!(sc.inputs[sc.discount_rate].dist.quantile(0.5), 0.0);
    assert_eq!(sc.inputs[sc.costs.overrun].dist.quantile(0.5), 1.0);
    assert!(sc.costs.retraining_every_months.is_none());
    assert!(sc.stages[1].gate.is_none());
    assert_eq!(sc.gate_draws(), 2, "max_reworks + 1 draws for the one gate");
}

#[test]
fn every_input_has_its_path() {
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    let paths: Vec<&str> = sc.inputs.iter().map(|i| i.path.as_str()).collect();
    for p in [
        "scenario.discount_rate",
        "stage.Pilot.duration_months",
        "stage.Pilot.gate.rework_months",
        "stage.Pilot.gate.decision_delay_months",
        "stage.Production.scope",
        "adoption.ceiling",
        "adoption.p",
        "costs.overrun",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
}

#[test]
fn a_lognormal_is_accepted_where_a_value_must_be_positive() {
    let toml = BASE.replace("p = 0.03", "p = { lognormal = { p10 = 0.01, p90 = 0.05 } }");
    assert!(Scenario::from_toml(&toml, "t.toml").is_ok());
    // a uniform reaching 0 is not: p = 0 would divide by zero
    let toml = BASE.replace("p = 0.03", "p = { uniform = [0, 0.05] }");
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert_eq!(e.path.as_deref(), Some("adoption.p"));
    assert!(e.message.contains("greater than 0"), "{}", e.message);
}

#[test]
fn rework_alone_explains_that_pass_defaults_to_one() {
    let toml = BASE.replace("pass = 0.7\n", "");
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert_eq!(e.path.as_deref(), Some("stage.Pilot.gate.rework"));
    assert_eq!(e.line, Some(9), "the rework line, once pass is removed");
    assert!(e.message.contains("pass defaults to 1"), "{}", e.message);
    assert!(
        e.message.contains("write pass = 0.8 or less"),
        "{}",
        e.message
    );
}

fn with_correlation(extra: &str) -> String {
    let base = BASE
        .replace("p = 0.03", "p = { pert = [0.01, 0.03, 0.06] }")
        .replace("ceiling = 0.6", "ceiling = { pert = [0.4, 0.6, 0.8] }");
    format!("{base}\n{extra}")
}

#[test]
fn a_correlation_between_uncertain_inputs_is_read() {
    let toml = with_correlation(
        "[[correlation]]\nbetween = [\"adoption.ceiling\", \"adoption.p\"]\nrank = 0.5\n",
    );
    let sc = Scenario::from_toml(&toml, "t.toml").unwrap();
    let (ids, m) = sc.correlation_matrix();
    assert_eq!(ids.len(), 2);
    assert_eq!(m, vec![vec![1.0, 0.5], vec![0.5, 1.0]]);
}

#[test]
fn a_correlation_names_unknown_and_fixed_inputs() {
    let toml = with_correlation(
        "[[correlation]]\nbetween = [\"adoption.ceilling\", \"adoption.p\"]\nrank = 0.5\n",
    );
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert!(
        e.message
            .contains("no input is named \"adoption.ceilling\""),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("adoption.ceiling"),
        "lists the known inputs: {}",
        e.message
    );
    assert_eq!(e.path.as_deref(), Some("correlation[0].between"));
    let toml = with_correlation(
        "[[correlation]]\nbetween = [\"adoption.q\", \"adoption.p\"]\nrank = 0.5\n",
    );
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert!(
        e.message.contains("\"adoption.q\" is a fixed value"),
        "{}",
        e.message
    );
}

#[test]
fn an_impossible_set_of_correlations_names_the_inputs_involved() {
    let toml = with_correlation(
        "[[correlation]]\nbetween = [\"adoption.ceiling\", \"adoption.p\"]\nrank = 0.9\n\
         [[correlation]]\nbetween = [\"adoption.p\", \"stage.Pilot.gate.rework_months\"]\nrank = 0.9\n\
         [[correlation]]\nbetween = [\"adoption.ceiling\", \"stage.Pilot.gate.rework_months\"]\nrank = -0.9\n",
    )
    .replace("rework_months = 1", "rework_months = { uniform = [1, 2] }");
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert!(e.message.contains("not positive definite"), "{}", e.message);
    for path in [
        "adoption.ceiling",
        "adoption.p",
        "stage.Pilot.gate.rework_months",
    ] {
        assert!(e.message.contains(path), "names {path}: {}", e.message);
    }
}

#[test]
fn a_rank_outside_minus_one_to_one_is_refused() {
    let toml = with_correlation(
        "[[correlation]]\nbetween = [\"adoption.ceiling\", \"adoption.p\"]\nrank = 1.2\n",
    );
    let e = Scenario::from_toml(&toml, "t.toml").unwrap_err();
    assert_eq!(e.path.as_deref(), Some("correlation[0].rank"));
    assert!(e.line.is_some());
}

#[test]
fn a_gate_probability_is_named_by_its_path() {
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    let pass = sc.gate_probability("stage.Pilot.gate.pass").unwrap();
    assert_eq!((pass.stage, pass.pass, pass.value), (0, true, 0.7));
    assert!((pass.max - 0.8).abs() < 1e-15, "1 - rework");
    let rework = sc.gate_probability("stage.Pilot.gate.rework").unwrap();
    assert_eq!((rework.pass, rework.value), (false, 0.2));
    assert!((rework.max - 0.3).abs() < 1e-15, "1 - pass");
    // Production has no gate; max_reworks is no probability
    assert!(sc.gate_probability("stage.Production.gate.pass").is_none());
    assert!(sc
        .gate_probability("stage.Pilot.gate.max_reworks")
        .is_none());
    assert!(
        sc.input_id("stage.Pilot.gate.pass").is_none(),
        "not an input"
    );
}

#[test]
fn a_stress_may_raise_pass_and_lower_rework_in_either_order() {
    // pass 0.9 with the written rework 0.2 would sum to 1.1: only the
    // final pair, 0.9 + 0.05, is checked
    let changes = |order: [&str; 2]| -> Vec<(String, Change)> {
        order
            .iter()
            .map(|key| {
                let v = if *key == "pass" { 0.9 } else { 0.05 };
                (
                    format!("stage.Pilot.gate.{key}"),
                    Change::Set(Dist::fixed(v)),
                )
            })
            .collect()
    };
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    for order in [["pass", "rework"], ["rework", "pass"]] {
        let s = sc.with_changes(&changes(order)).unwrap();
        let g = s.stages[0].gate.as_ref().unwrap();
        assert_eq!((g.pass, g.rework), (0.9, 0.05));
    }
    // the base is untouched
    assert_eq!(sc.stages[0].gate.as_ref().unwrap().pass, 0.7);
    // in a file, the same pair is accepted; pass alone is refused at its line
    let ok = format!(
        "{BASE}[[stress]]\nname = \"Better pilots\"\nset = {{ \"stage.Pilot.gate.pass\" = 0.9, \"stage.Pilot.gate.rework\" = 0.05 }}\n"
    );
    assert_eq!(
        Scenario::from_toml(&ok, "t.toml").unwrap().stresses.len(),
        1
    );
    let bad = format!(
        "{BASE}[[stress]]\nname = \"Better pilots\"\nset = {{ \"stage.Pilot.gate.pass\" = 0.9 }}\n"
    );
    let e = Scenario::from_toml(&bad, "t.toml").unwrap_err();
    assert_eq!(e.path.as_deref(), Some("stress.Better pilots.set"));
    assert_eq!(e.line, Some(bad.lines().count() as u32));
    assert!(
        e.message
            .starts_with("stage.Pilot.gate.pass: pass + rework must be at most 1"),
        "{}",
        e.message
    );
}

#[test]
fn a_gate_probability_takes_only_a_plain_number_in_range() {
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    let set = |path: &str, d: Dist| sc.with_changes(&[(path.to_string(), Change::Set(d))]);
    let e = set(
        "stage.Pilot.gate.pass",
        parse_dist("{ uniform = [0.5, 0.7] }").unwrap(),
    )
    .unwrap_err();
    assert!(e.contains("plain number between 0 and 1"), "{e}");
    let e = set("stage.Pilot.gate.pass", Dist::fixed(-0.1)).unwrap_err();
    assert_eq!(
        e,
        "stage.Pilot.gate.pass: pass is a probability and must lie between 0 and 1, got -0.1"
    );
    let e = sc
        .with_changes(&[("stage.Pilot.gate.rework".into(), Change::Scale(0.0))])
        .unwrap_err();
    assert!(e.contains("greater than 0"), "{e}");
    // a scale that stays a probability set is made
    let s = sc
        .with_changes(&[("stage.Pilot.gate.rework".into(), Change::Scale(0.5))])
        .unwrap();
    assert_eq!(s.stages[0].gate.as_ref().unwrap().rework, 0.1);
}

#[test]
fn rework_cannot_be_stressed_above_zero_on_a_gate_without_reworks() {
    let toml = BASE.replace("rework = 0.2\nrework_months = 1\nmax_reworks = 1\n", "");
    let sc = Scenario::from_toml(&toml, "t.toml").unwrap();
    assert_eq!(
        sc.gate_probability("stage.Pilot.gate.rework").unwrap().max,
        0.0
    );
    let e = sc
        .with_changes(&[(
            "stage.Pilot.gate.rework".into(),
            Change::Set(Dist::fixed(0.1)),
        )])
        .unwrap_err();
    assert!(e.contains("needs rework_months and max_reworks"), "{e}");
}

/// MODEL.md section 1: rework_months and max_reworks are required only
/// when a rework can happen (rework > 0 or min_usage_rate set).
#[test]
fn rework_keys_are_optional_when_no_rework_can_happen() {
    let gate = |keys: &str| {
        BASE.replace(
            "pass = 0.7\nrework = 0.2\nrework_months = 1\nmax_reworks = 1\n",
            keys,
        )
    };
    for (keys, max) in [
        ("pass = 0.7\nmax_reworks = 0\n", 0),
        ("pass = 0.7\nrework = 0\nmax_reworks = 2\n", 2),
        ("pass = 0.7\nrework_months = 1\n", 0),
        ("pass = 0.7\n", 0),
    ] {
        let sc =
            Scenario::from_toml(&gate(keys), "g.toml").unwrap_or_else(|e| panic!("{keys}: {e}"));
        let g = sc.stages[0].gate.as_ref().unwrap();
        assert_eq!(g.max_reworks, max, "{keys}");
        assert_eq!(sc.gate_draws(), max as usize + 1, "{keys}");
    }
    for (keys, missing) in [
        (
            "pass = 0.7\nrework = 0.2\nmax_reworks = 1\n",
            "rework_months",
        ),
        (
            "pass = 0.7\nrework = 0.2\nrework_months = 1\n",
            "max_reworks",
        ),
    ] {
        let e = Scenario::from_toml(&gate(keys), "g.toml").unwrap_err();
        assert!(
            e.message
                .contains(&format!("missing required key `{missing}`")),
            "{e}"
        );
        assert!(e.message.contains("rework = 0.2 > 0"), "{e}");
    }
}

#[test]
fn retraining_must_come_at_least_a_week_apart_wherever_a_draw_can_reach() {
    let with = |every: &str| {
        BASE.to_string()
            + &format!("[costs]\nretraining_every_months = {every}\nretraining_cost = 10\n")
    };
    for ok in [
        "0.25",
        "6",
        "{ uniform = [0.25, 12] }",
        "{ lognormal = { p10 = 3, p90 = 6 } }",
    ] {
        Scenario::from_toml(&with(ok), "r.toml").unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for (bad, says) in [
        ("0", "must be greater than 0"),
        ("-1", "must be greater than 0"),
        ("{ uniform = [0, 6] }", "must be greater than 0"),
        ("0.2", "must be at least 0.25"),
        (
            "{ lognormal = { p10 = 0.5, p90 = 6 } }",
            "can draw values down to",
        ),
        ("5e-324", "too small to mean anything"),
    ] {
        let e = Scenario::from_toml(&with(bad), "r.toml").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("costs.retraining_every_months"));
        assert!(e.message.contains(says), "{bad}: {e}");
    }
}

/// The limits apply to a stress's what-ifs too.
#[test]
fn a_what_if_cannot_take_an_input_beyond_its_limit() {
    let sc = Scenario::from_toml(BASE, "base.toml").unwrap();
    let e = sc
        .with_changes(&[("adoption.target_users".into(), Change::Scale(1e9))])
        .unwrap_err();
    assert!(
        e.contains("a number of users must be at most 1e10, got 1e11"),
        "{e}"
    );
    let toml = BASE.to_string()
        + "[[stress]]\nname = \"Big\"\nscale = { \"adoption.target_users\" = 1e9 }\n";
    let e = Scenario::from_toml(&toml, "s.toml").unwrap_err();
    assert_eq!(e.path.as_deref(), Some("stress.Big.scale"));
    assert!(e.line.is_some());
}

#[test]
fn a_far_tail_truncation_is_kept_with_a_located_warning() {
    let toml = BASE.replace(
        "duration_months = 2",
        "duration_months = { normal = { mean = 5, sd = 1 }, min = 20 }",
    );
    let sc = Scenario::from_toml(&toml, "w.toml").unwrap();
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    let w = &sc.warnings[0];
    assert!(
        w.starts_with("w.toml:6: at stage.Pilot.duration_months: the truncation keeps only 3.7e-51 of the distribution's mass"),
        "{w}"
    );
    // a truncation keeping a little more than one in a million is fine
    let toml = BASE.replace(
        "duration_months = 2",
        "duration_months = { normal = { mean = 5, sd = 1 }, min = 9.7 }",
    );
    assert!(Scenario::from_toml(&toml, "w.toml")
        .unwrap()
        .warnings
        .is_empty());
    assert!(Scenario::from_toml(BASE, "b.toml")
        .unwrap()
        .warnings
        .is_empty());
}
