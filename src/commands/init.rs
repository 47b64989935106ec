//! `gatecast init`: write a commented starter scenario.

use std::path::Path;

use anyhow::Result;

use super::write_stdout;
use crate::error::InputError;
use crate::scenario::EXAMPLE_TOML;

/// Writes the built-in example to `file`, refusing to replace one unless
/// `force`.
pub(super) fn init(file: &Path, force: bool) -> Result<()> {
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(InputError::plain(
            &shown,
            "the file exists already: choose another name, or add --force to replace it",
        )
        .into());
    }
    std::fs::write(file, EXAMPLE_TOML).map_err(|e| {
        InputError::plain(&shown, format!("cannot write the starter scenario: {e}"))
    })?;
    write_stdout(&format!(
        "Wrote {shown}: a commented starter scenario (the built-in example).\n\
         Next: edit it, then `gatecast validate {shown}` and `gatecast run {shown}`.\n"
    ))
}
