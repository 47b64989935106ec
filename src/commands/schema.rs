//! `gatecast schema`: the JSON Schema editors read to complete and check a
//! scenario file, generated from the very types the parser reads.

use anyhow::Result;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

use super::write_stdout;
use crate::scenario::actuals::RawActualsFile;
use crate::scenario::portfolio::RawPortfolioFile;
use crate::scenario::raw::RawFile;

/// Prints the scenario file's schema, the actuals file's or the portfolio
/// file's. Another file type is one more `schema_of::<ItsRawType>()`,
/// chosen by a flag.
pub(super) fn schema(actuals: bool, portfolio: bool) -> Result<()> {
    write_stdout(&if actuals {
        schema_of::<RawActualsFile>()
    } else if portfolio {
        schema_of::<RawPortfolioFile>()
    } else {
        scenario_schema()
    })
}

/// The scenario file's schema: schema/scenario.schema.json.
pub(super) fn scenario_schema() -> String {
    schema_of::<RawFile>()
}

/// `T`'s JSON Schema (draft 2020-12), pretty-printed, ending in a newline:
/// exactly the text of the committed schema/*.schema.json.
fn schema_of<T: JsonSchema>() -> String {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut value = schema.to_value();
    for_toml(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("a schema is JSON");
    text.push('\n');
    text
}

/// Fits a schema schemars wrote for serde to TOML, in every subschema: TOML
/// has no null, so the `null` an `Option` adds to `type` or `anyOf` goes (an
/// optional key is simply left out); the `format`s that name Rust number
/// types go; doc-comment lines are joined into one paragraph.
fn for_toml(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(types)) = m.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    m.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = m.get_mut("anyOf") {
                any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
                if let [Value::Object(only)] = any.as_mut_slice() {
                    let only = std::mem::take(only);
                    m.remove("anyOf");
                    for (k, x) in only {
                        m.entry(k).or_insert(x);
                    }
                }
            }
            if m.get("format").is_some_and(Value::is_string) {
                m.remove("format");
            }
            if let Some(Value::String(d)) = m.get_mut("description") {
                *d = d.replace('\n', " ");
            }
            m.values_mut().for_each(for_toml);
        }
        Value::Array(a) => a.iter_mut().for_each(for_toml),
        _ => {}
    }
}
