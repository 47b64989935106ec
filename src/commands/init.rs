//! `gatecast init`: write a commented starter scenario.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::write_stdout;
use crate::error::InputError;
use crate::scenario::EXAMPLE_TOML;

/// The schema's file name, beside a scenario or in a checkout's `schema/`.
const SCHEMA_FILE: &str = "scenario.schema.json";

/// Writes the built-in example to `file`, refusing to replace one unless
/// `force`; its first line points editors at a schema that resolves from
/// where it is written (see [`schema_line`]).
pub(super) fn init(file: &Path, force: bool) -> Result<()> {
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(InputError::plain(
            &shown,
            "the file exists already: choose another name, or add --force to replace it",
        )
        .into());
    }
    let cannot = |e: std::io::Error| {
        InputError::plain(&shown, format!("cannot write the starter scenario: {e}"))
    };
    let (line, write_schema) = schema_line(file).map_err(cannot)?;
    let (first, rest) = EXAMPLE_TOML
        .split_once('\n')
        .expect("the example has lines");
    debug_assert!(
        first.starts_with("#:schema "),
        "the example opens with its schema"
    );
    std::fs::write(file, format!("{line}\n{rest}")).map_err(cannot)?;
    let mut also = String::new();
    if let Some(path) = write_schema {
        std::fs::write(&path, super::schema::scenario_schema()).map_err(|e| {
            InputError::plain(
                path.display().to_string(),
                format!("cannot write the schema for editors: {e}"),
            )
        })?;
        also = format!(
            ", and {} beside it: the schema editors read to complete and check it",
            SCHEMA_FILE
        );
    }
    write_stdout(&format!(
        "Wrote {shown}: a commented starter scenario (the built-in example){also}.\n\
         Next: edit it, then `gatecast validate {shown}` and `gatecast run {shown}`.\n"
    ))
}

/// The `#:schema` line for a scenario written at `file`, relative to it so
/// that it resolves wherever the folder moves: `scenario.schema.json` beside
/// it if there is one; else the committed `schema/scenario.schema.json` of a
/// gatecast checkout that holds the file (in its folder or any above it);
/// else `scenario.schema.json` beside it, returned as the file to write
/// (the same text as `gatecast schema`).
fn schema_line(file: &Path) -> std::io::Result<(String, Option<PathBuf>)> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize()?;
    let beside = dir.join(SCHEMA_FILE);
    if beside.is_file() {
        return Ok((format!("#:schema ./{SCHEMA_FILE}"), None));
    }
    for (up, d) in dir.ancestors().enumerate() {
        if d.join("schema").join(SCHEMA_FILE).is_file() {
            let to = if up == 0 {
                "./".into()
            } else {
                "../".repeat(up)
            };
            return Ok((format!("#:schema {to}schema/{SCHEMA_FILE}"), None));
        }
    }
    Ok((format!("#:schema ./{SCHEMA_FILE}"), Some(beside)))
}
