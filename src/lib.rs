//! gatecast: Monte Carlo simulation of the business case of an enterprise
//! AI initiative, as fixed by MODEL.md.
//!
//! Data flows one way: [`scenario`] (the only module that knows TOML) ->
//! [`model`] (one iteration, pure) -> [`engine`] (parallel, reproducible
//! runs) -> [`stats`] and [`summary`] (figures, no I/O) -> [`export`] (the
//! only code that writes files).

pub mod actuals;
pub mod charts;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod error;
pub mod export;
pub mod format;
pub mod model;
pub mod ontrack;
pub mod portfolio;
pub mod precision;
pub mod reforecast;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod server;
pub mod solve;
pub mod stats;
pub mod summary;
