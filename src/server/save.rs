//! "Save as scenario": the scenario file as it was written, its comments
//! and layout kept, with only the changed values rewritten (toml_edit).

use axum::http::StatusCode;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use super::whatif::WhatIf;
use super::{ApiError, Config};
use crate::scenario::{Change, Scenario};

/// The edited file's text. `sc` is the scenario with the changes made: a
/// value that ends up fixed is written exactly as the run uses it, and a
/// scaled distribution has each of its numbers scaled (weights aside). The
/// text is checked to validate and to describe the same inputs as `sc`.
pub(super) fn edited(config: &Config, sc: &Scenario, req: &WhatIf) -> Result<String, ApiError> {
    let mut doc: DocumentMut = config.text.parse().map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the scenario file again: {e}"),
        )
    })?;
    for ((path, change), (kind, text)) in req.changes.iter().zip(&req.sources) {
        let located = |message: String| ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("{kind}: {path}: {message}"),
            path: Some(path.clone()),
        };
        let (table, key) = locate(&mut doc, path)
            .ok_or_else(|| located("cannot find where the file sets this value".into()))?;
        if let Some(gp) = sc.gate_probability(path) {
            put(table, &key, number(gp.value));
            continue;
        }
        let Some(id) = sc.input_id(path) else {
            return Err(located("no such input".into()));
        };
        let input = &sc.inputs[id];
        if input.is_fixed() {
            put(table, &key, number(input.quantile(0.5)));
            continue;
        }
        match change {
            Change::Set(_) => {
                let v: Value = text
                    .parse()
                    .map_err(|e| located(format!("cannot write `{text}` into the file: {e}")))?;
                put(table, &key, v);
            }
            Change::Scale(f) => {
                let Some(Item::Value(v)) = table.get_mut(&key) else {
                    return Err(located(
                        "the file does not write this distribution as a value".into(),
                    ));
                };
                scale(v, *f).map_err(located)?;
            }
        }
    }
    let defaults = &config.scenario;
    if let Some(t) = doc.get_mut("scenario").and_then(Item::as_table_like_mut) {
        if req.iterations != defaults.iterations {
            put(t, "iterations", Value::from(req.iterations as i64));
        }
        if config.seed != defaults.seed {
            put(t, "seed", Value::from(config.seed as i64));
        }
    }
    let out = doc.to_string();
    let saved = Scenario::from_toml(&out, &config.file).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the edited scenario does not validate: {e}"),
        )
    })?;
    same_inputs(&saved, sc).map_err(|m| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the edited scenario differs from the what-if: {m}"),
        )
    })?;
    Ok(out)
}

/// The table that holds `path`'s value and its key there: `stage.<name>.`
/// and `benefit.<name>.` name a table of an array by its `name`.
fn locate<'a>(doc: &'a mut DocumentMut, path: &str) -> Option<(&'a mut dyn TableLike, String)> {
    let root = doc.as_table_mut();
    for array in ["stage", "benefit"] {
        let Some(rest) = path.strip_prefix(array).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let tables = root.get_mut(array)?.as_array_of_tables_mut()?;
        let name_of = |t: &toml_edit::Table| t.get("name").and_then(Item::as_str).map(String::from);
        let i = tables
            .iter()
            .position(|t| name_of(t).is_some_and(|n| rest.starts_with(&format!("{n}."))))?;
        let t = tables.get_mut(i)?;
        let n = name_of(t)?.len();
        return descend(t, &rest[n + 1..]);
    }
    descend(root, path)
}

fn descend<'a>(t: &'a mut dyn TableLike, key: &str) -> Option<(&'a mut dyn TableLike, String)> {
    match key.split_once('.') {
        None => Some((t, key.to_string())),
        Some((head, rest)) => descend(t.get_mut(head)?.as_table_like_mut()?, rest),
    }
}

/// Writes `v` at `key`, keeping the old value's spacing and comment.
fn put(t: &mut dyn TableLike, key: &str, mut v: Value) {
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            *v.decor_mut() = old.decor().clone();
            *old = v;
        }
        _ => {
            t.insert(key, Item::Value(v));
        }
    }
}

/// Multiplies every number of a distribution as written by `f`, so that it
/// draws `f` times the old draws (a discrete distribution's weights stay).
fn scale(v: &mut Value, f: f64) -> Result<(), String> {
    match v {
        Value::Integer(n) => {
            let x = *n.value() as f64 * f;
            put_number(v, x);
        }
        Value::Float(x) => {
            let x = *x.value() * f;
            put_number(v, x);
        }
        Value::Array(items) => {
            for x in items.iter_mut() {
                scale(x, f)?;
            }
        }
        Value::InlineTable(t) => {
            for (k, x) in t.iter_mut() {
                match k.get() {
                    "weights" => {}
                    "beta" => {
                        return Err(
                            "a beta distribution lies within [0, 1] and cannot be written scaled; set it to another distribution instead"
                                .into(),
                        )
                    }
                    _ => scale(x, f)?,
                }
            }
        }
        _ => return Err("this value is not a number or a distribution".into()),
    }
    Ok(())
}

fn put_number(v: &mut Value, x: f64) {
    let mut new = number(x);
    *new.decor_mut() = v.decor().clone();
    *v = new;
}

/// A number as TOML: a whole number without a decimal point.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// Checks that two scenarios draw the same inputs (to a relative 1e-9) and
/// have the same gates.
fn same_inputs(a: &Scenario, b: &Scenario) -> Result<(), String> {
    if a.inputs.len() != b.inputs.len() || a.stages.len() != b.stages.len() {
        return Err("not the same inputs".into());
    }
    for (x, y) in a.inputs.iter().zip(&b.inputs) {
        for u in [0.1, 0.5, 0.9] {
            let (p, q) = (x.quantile(u), y.quantile(u));
            if (p - q).abs() > 1e-9 * p.abs().max(q.abs()).max(1e-300) {
                return Err(format!("{} draws {p} at {u}, not {q}", x.path));
            }
        }
    }
    for (x, y) in a.stages.iter().zip(&b.stages) {
        let g = |s: &crate::scenario::Stage| s.gate.as_ref().map(|g| (g.pass, g.rework));
        if g(x) != g(y) {
            return Err(format!("the gate of stage {} is not the same", x.name));
        }
    }
    Ok(())
}
