//! `gatecast completions SHELL`: a completion script for the shell.

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use super::write_stdout;
use crate::cli::Cli;

/// Prints the completion script of every command and flag for `shell`.
pub(super) fn completions(shell: Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gatecast", &mut script);
    write_stdout(&String::from_utf8(script)?)
}
