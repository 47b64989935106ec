//! `gatecast serve`: check the scenario, listen, print the URL, serve the
//! live what-if page until Ctrl-C (the server is in [`crate::server`]).

use std::io::Write;
use std::net::{IpAddr, TcpListener};

use anyhow::Result;

use super::load;
use crate::cli::ServeArgs;
use crate::error::InputError;
use crate::format::thousands;
use crate::scenario::EXAMPLE_TOML;
use crate::server::{self, Config, MAX_ITERATIONS};

/// Validates the scenario (the command line's errors, exit code 2), binds
/// the address, prints the URL and serves.
pub(super) fn serve(args: ServeArgs) -> Result<()> {
    let (scenario, file, stem) = load(args.scenario.as_deref())?;
    let text = match &args.scenario {
        None => EXAMPLE_TOML.to_string(),
        Some(p) => std::fs::read_to_string(p).map_err(|e| {
            InputError::plain(
                p.display().to_string(),
                format!("cannot read the scenario file: {e}"),
            )
        })?,
    };
    if args.iterations == 0 || args.iterations > MAX_ITERATIONS {
        return Err(InputError::plain(
            "--iterations",
            format!(
                "serve runs from 1 to {} iterations, got {}",
                thousands(MAX_ITERATIONS as f64),
                thousands(args.iterations as f64)
            ),
        )
        .into());
    }
    let loopback =
        args.host == "localhost" || args.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let listener = TcpListener::bind((args.host.as_str(), args.port)).map_err(|e| {
        InputError::plain(
            "--host/--port",
            format!("cannot listen on {}:{}: {e}", args.host, args.port),
        )
    })?;
    let addr = listener.local_addr()?;
    if !loopback {
        eprintln!(
            "warning: --host {} lets other computers on the network reach this page and run simulations; \
             it has no password. Without --host it listens on 127.0.0.1, this computer only.",
            args.host
        );
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let url = format!("http://{}:{}/", server::url_host(&addr), addr.port());
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "gatecast serve: \"{}\" ({file}), {} iterations, seed {seed}\n{url}\nCtrl-C stops it.",
            scenario.name,
            thousands(args.iterations as f64)
        )?;
        out.flush()?;
    }
    server::run(
        listener,
        Config {
            scenario,
            text,
            file,
            stem,
            seed,
            iterations: args.iterations,
        },
    )?;
    println!("gatecast serve: stopped.");
    Ok(())
}
