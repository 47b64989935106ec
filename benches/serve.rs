//! How fast `gatecast serve` answers a change: the server-side time of
//! `POST /api/run` (the what-if run, its summary and decile tornado, and
//! its charts as SVG; the base is cached), measured in-process on the
//! built-in example. Prints the median and the slowest of the reruns.
//!
//!   cargo bench --bench serve                       # 10,000 iterations, 20 reruns
//!   RAYON_NUM_THREADS=2 taskset -c 0,1 cargo bench --bench serve   # on 2 cores
//!   ITERATIONS=50000 RERUNS=10 cargo bench --bench serve

use std::time::Instant;

use gatecast::scenario::{Scenario, EXAMPLE_NAME, EXAMPLE_TOML};
use gatecast::server::{App, Config, WhatIf};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let iterations = env("ITERATIONS", 10_000);
    let reruns = env("RERUNS", 20).max(1);
    let scenario = Scenario::from_toml(EXAMPLE_TOML, EXAMPLE_NAME).expect("the example");
    let seed = scenario.seed;
    let app = App::new(
        Config {
            scenario,
            text: EXAMPLE_TOML.to_string(),
            file: EXAMPLE_NAME.to_string(),
            stem: "example".into(),
            seed,
            iterations,
        },
        "127.0.0.1:8750".parse().unwrap(),
    );
    let ask = |body: String| {
        let req = WhatIf::parse(&app, body.as_bytes()).expect("a what-if");
        let start = Instant::now();
        let answer = app.run(&req).expect("an answer");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        (ms, answer)
    };
    // the first request runs the base too, once per iteration count
    let (first, _) = ask("{}".into());
    let mut times = Vec::new();
    for k in 0..reruns {
        // a new factor each time, as a slider moves
        let f = 0.8 + 0.01 * (k % 20) as f64;
        let (ms, answer) = ask(format!(
            "{{\"scale\": {{\"adoption.ceiling\": {f}}}, \"set\": {{\"stage.Pilot.gate.pass\": 0.7}}}}"
        ));
        assert!(answer["whatif"]["payback"].is_object());
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let threads = rayon::current_num_threads();
    println!(
        "gatecast serve, example, {iterations} iterations, {threads} threads: first answer (with the base run) {first:.0} ms; \
         rerun median {:.0} ms, slowest {:.0} ms over {reruns} reruns",
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
