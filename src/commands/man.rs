//! `gatecast man`: the manual page, in roff.

use anyhow::Result;
use clap::CommandFactory;

use super::write_stdout;
use crate::cli::Cli;

/// Prints gatecast(1): every command and flag, from the same definitions
/// as `--help`.
pub(super) fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    write_stdout(&String::from_utf8(page)?)
}
