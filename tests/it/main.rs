//! One test binary for every integration test: each file below is a
//! module, so the crate links once (test build time halved).

mod actuals;
mod browser;
mod charts;
mod cli_errors;
mod cli_run;
mod committed_charts;
mod common;
mod distributions;
mod engine_stats;
#[cfg(unix)]
mod interrupts;
mod on_track;
mod overlay_charts;
mod portfolio;
mod report;
mod sampling;
mod schema;
mod sensitivity;
mod sensitivity_charts;
mod serve;
mod shell;
mod solve;
mod stress;
mod xlsx;
