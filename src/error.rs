//! Errors that speak to the user: which file, which line, which input, and
//! what was expected. Every one of them ends the process with exit code 2.

use std::fmt;

/// A problem with the user's input: a scenario file, a flag or a path.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file the problem is in (or the flag, for command-line input).
    pub file: String,
    /// 1-based line and column, where known.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The input's path, such as `stage.Pilot.gate.pass`.
    pub path: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
}

impl InputError {
    /// An error about a whole file or flag, with no position.
    pub fn plain(file: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            line: None,
            column: None,
            path: None,
            message: message.into(),
            source_line: None,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
            if let Some(col) = self.column {
                write!(f, ", column {col}")?;
            }
        }
        if let Some(path) = &self.path {
            write!(f, ", at {path}")?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some(line), Some(src)) = (self.line, &self.source_line) {
            if !src.is_empty() {
                write!(f, "\n  {line:>4} | {src}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}
