//! The server's work: read a what-if request, run it beside the cached
//! base on the same random numbers, and answer with summaries and charts.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{url_host, ApiError, Config, MAX_ITERATIONS};
use crate::charts::{self, ChartFile, Compared};
use crate::engine::{self, RunOptions, Sampling};
use crate::export::text;
use crate::format::{money_short, pct, sig, thousands};
use crate::scenario::{parse_dist, Allowed, Change, Scenario};
use crate::sensitivity;
use crate::stats::sensitivity::Target;
use crate::summary::Summary;

/// The largest magnitude a changed input may reach at its P0.1 or P99.9:
/// far beyond any real figure, well short of overflowing a sum.
const MAX_MAGNITUDE: f64 = 1e12;
/// Base runs kept, one per iteration count.
const CACHED_BASES: usize = 8;

/// The server's state: the scenario and the base runs done so far.
pub struct App {
    config: Config,
    /// Host header values accepted: `host:port`.
    hosts: Vec<String>,
    bases: Mutex<HashMap<u64, Arc<Base>>>,
    /// One simulation at a time: each uses every core already.
    running: Mutex<()>,
}

/// A base run, kept per iteration count.
struct Base {
    summary: Summary,
    json: Value,
    charts: BTreeMap<&'static str, String>,
}

/// One request: the changes, as `gatecast run --set/--scale` makes them,
/// and the iterations.
pub struct WhatIf {
    /// (path, change) in the order they apply: every set, then every scale.
    pub(super) changes: Vec<(String, Change)>,
    /// For each change, where it came from ("set" or "scale") and the value
    /// as TOML text.
    pub(super) sources: Vec<(&'static str, String)>,
    pub(super) iterations: u64,
}

/// The request body as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    set: BTreeMap<String, Value>,
    #[serde(default)]
    scale: BTreeMap<String, f64>,
    #[serde(default)]
    iterations: Option<u64>,
}

/// The charts the page shows, each drawn by the same code as the files.
const PAGE_CHARTS: [charts::Render; 4] = [
    charts::render::<charts::PaybackDistribution>,
    charts::render::<charts::CumulativeNetCash>,
    charts::render::<charts::StageFunnel>,
    charts::render::<charts::Tornado>,
];

impl WhatIf {
    /// Reads a request body: 400 for what is not JSON, 422 for JSON that
    /// is not a what-if. An empty body is no change.
    pub fn parse(app: &App, bytes: &[u8]) -> Result<WhatIf, ApiError> {
        let body: Body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Body {
                set: BTreeMap::new(),
                scale: BTreeMap::new(),
                iterations: None,
            }
        } else {
            serde_json::from_slice(bytes).map_err(|e| {
                let status = if e.is_data() {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::BAD_REQUEST
                };
                ApiError::new(
                    status,
                    format!(
                        "the request is not a what-if: {e}; expected {{\"set\": {{\"path\": value}}, \"scale\": {{\"path\": factor}}, \"iterations\": n}}"
                    ),
                )
            })?
        };
        let iterations = body.iterations.unwrap_or(app.config.iterations);
        if iterations == 0 || iterations > MAX_ITERATIONS {
            let mut e = ApiError::unprocessable(format!(
                "iterations must be from 1 to {}, got {}",
                thousands(MAX_ITERATIONS as f64),
                thousands(iterations as f64)
            ));
            e.path = Some("iterations".into());
            return Err(e);
        }
        let mut changes = Vec::new();
        let mut sources = Vec::new();
        for (path, value) in &body.set {
            let located = |message: String| ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!("set: {path}: {message}"),
                path: Some(path.clone()),
            };
            let text = toml_text(value, true).ok_or_else(|| {
                located(format!(
                    "expected a number or a distribution such as {{\"uniform\": [3, 6]}}, got {value}"
                ))
            })?;
            let dist = parse_dist(&text).map_err(located)?;
            changes.push((path.clone(), Change::Set(dist)));
            sources.push(("set", text));
        }
        for (path, &factor) in &body.scale {
            changes.push((path.clone(), Change::Scale(factor)));
            sources.push(("scale", factor.to_string()));
        }
        Ok(WhatIf {
            changes,
            sources,
            iterations,
        })
    }

    /// The changes in words: `adoption.ceiling x 0.8; stage.Pilot.gate.pass = 0.6`.
    fn words(&self) -> String {
        self.changes
            .iter()
            .zip(&self.sources)
            .map(|((path, _), (kind, text))| {
                format!("{path}{}{text}", if *kind == "set" { " = " } else { " x " })
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A JSON value as TOML text: a number, an inline table or an array. A
/// string at the top is taken as TOML already (as `--set` reads it).
fn toml_text(v: &Value, top: bool) -> Option<String> {
    Some(match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) if top => s.clone(),
        Value::String(s) => serde_json::to_string(s).ok()?,
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(|x| toml_text(x, false)).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Object(map) => {
            let mut parts = Vec::new();
            for (k, x) in map {
                let key = if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    k.clone()
                } else {
                    serde_json::to_string(k).ok()?
                };
                parts.push(format!("{key} = {}", toml_text(x, false)?));
            }
            format!("{{ {} }}", parts.join(", "))
        }
        Value::Bool(_) | Value::Null => return None,
    })
}

impl App {
    /// The state for a scenario served at `addr`.
    pub fn new(config: Config, addr: SocketAddr) -> App {
        let port = addr.port();
        let mut hosts = vec![
            format!("{}:{port}", url_host(&addr)),
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        hosts.dedup();
        App {
            config,
            hosts,
            bases: Mutex::new(HashMap::new()),
            running: Mutex::new(()),
        }
    }

    /// True for a Host header that names this server.
    pub fn host_allowed(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// True for an Origin header of a page this server served.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|h| self.host_allowed(h))
    }

    /// The host names accepted, for the refusal's message.
    pub fn hosts_shown(&self) -> String {
        self.hosts[..2].join(" or ")
    }

    /// The scenario file's stem, for download names.
    pub fn stem(&self) -> &str {
        &self.config.stem
    }

    fn options(&self, iterations: u64) -> RunOptions {
        RunOptions {
            iterations,
            seed: self.config.seed,
            threads: None,
            sampling: Sampling::Mc,
        }
    }

    /// `GET /api/scenario`: every input with its path, distribution and
    /// P10/P50/P90, and every gate.
    pub fn describe(&self) -> Value {
        let sc = &self.config.scenario;
        let inputs: Vec<Value> = sc
            .inputs
            .iter()
            .map(|i| {
                let (_, hi) = i.range();
                // the largest scale that keeps a share within [0, 1]
                let max_scale =
                    (matches!(i.allowed, Allowed::UnitInterval) && hi > 0.0).then(|| 1.0 / hi);
                json!({
                    "path": i.path,
                    "unit": i.unit.label(&sc.currency),
                    "distribution": i.describe(),
                    "uncertain": !i.is_fixed(),
                    "p10": i.quantile(0.1),
                    "p50": i.quantile(0.5),
                    "p90": i.quantile(0.9),
                    "shown": [sig(i.quantile(0.1)), sig(i.quantile(0.5)), sig(i.quantile(0.9))],
                    "max_scale": max_scale,
                })
            })
            .collect();
        let gates: Vec<Value> = sc
            .stages
            .iter()
            .filter_map(|st| {
                let g = st.gate.as_ref()?;
                Some(json!({
                    "stage": st.name,
                    "pass": g.pass,
                    "rework": g.rework,
                    "pass_path": format!("stage.{}.gate.pass", st.name),
                    "rework_path": format!("stage.{}.gate.rework", st.name),
                    "can_rework": g.rework_months.is_some(),
                }))
            })
            .collect();
        json!({
            "name": sc.name,
            "file": self.config.file,
            "currency": sc.currency,
            "horizon_months": sc.horizon_months,
            "seed": self.config.seed,
            "iterations": self.config.iterations,
            "max_iterations": MAX_ITERATIONS,
            "inputs": inputs,
            "gates": gates,
        })
    }

    /// The scenario with the request's changes made, checked as the
    /// command line checks them; the message names the change at fault.
    fn stressed(&self, req: &WhatIf) -> Result<Scenario, ApiError> {
        let sc = self
            .config
            .scenario
            .try_changes(&req.changes)
            .map_err(|e| ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!("{}: {}", req.sources[e.index].0, e.message),
                path: Some(req.changes[e.index].0.clone()),
            })?;
        for (k, (path, _)) in req.changes.iter().enumerate() {
            let Some(id) = sc.input_id(path) else {
                continue;
            };
            let input = &sc.inputs[id];
            for u in [0.001, 0.5, 0.999] {
                let v = input.quantile(u);
                if !v.is_finite() || v.abs() > MAX_MAGNITUDE {
                    return Err(ApiError {
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                        message: format!(
                            "{}: {path}: the what-if makes this input reach {v}; the server takes values within plus or minus {}",
                            req.sources[k].0,
                            thousands(MAX_MAGNITUDE)
                        ),
                        path: Some(path.clone()),
                    });
                }
            }
        }
        Ok(sc)
    }

    /// A run with its summary and quick sensitivity analysis (the decile
    /// tornado), as `gatecast run` does without `--sensitivity`.
    fn summarise(&self, sc: &Scenario, opts: &RunOptions) -> Result<Summary, ApiError> {
        let failed = |e: std::io::Error| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the run failed: {e}"),
            )
        };
        let (r, drivers) = rayon::join(
            || engine::run(sc, opts, None, &|_| {}),
            || sensitivity::analyse_with(sc, opts, Target::Npv, false),
        );
        let mut s = Summary::new(sc, &self.config.file, &r.map_err(failed)?);
        s.sensitivity = Some(drivers.map_err(failed)?);
        Ok(s)
    }

    /// The base run at `iterations`, run once and kept.
    fn base(&self, iterations: u64) -> Result<Arc<Base>, ApiError> {
        if let Some(b) = self.bases.lock().expect("not poisoned").get(&iterations) {
            return Ok(b.clone());
        }
        let summary = self.summarise(&self.config.scenario, &self.options(iterations))?;
        let base = Arc::new(Base {
            json: to_json(&summary)?,
            charts: svgs(&page_charts(&summary)?),
            summary,
        });
        let mut bases = self.bases.lock().expect("not poisoned");
        if bases.len() >= CACHED_BASES {
            bases.clear();
        }
        bases.insert(iterations, base.clone());
        Ok(base)
    }

    /// `POST /api/run`: the base (cached) and the what-if on the same random
    /// numbers, their key figures side by side, and the charts.
    pub fn run(&self, req: &WhatIf) -> Result<Value, ApiError> {
        let sc = self.stressed(req)?;
        let _one = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let start = Instant::now();
        let base = self.base(req.iterations)?;
        let whatif = self.summarise(&sc, &self.options(req.iterations))?;
        let words = req.words();
        let pair = vec![
            ("Base".to_string(), base.summary.clone()),
            (
                if words.is_empty() {
                    "What-if".to_string()
                } else {
                    words.clone()
                },
                whatif.clone(),
            ),
        ];
        let (mine, compared) = rayon::join(
            || page_charts(&whatif),
            || charts::render_comparison(&Compared::stresses(&pair), true, false),
        );
        let compared = compared.map_err(chart_error)?;
        Ok(json!({
            "iterations": req.iterations,
            "seed": self.config.seed,
            "changes": words,
            "headline": {
                "base": text::headline(&base.summary),
                "whatif": text::headline(&whatif),
            },
            "figures": figures(&base.summary, &whatif),
            "base": base.json,
            "whatif": to_json(&whatif)?,
            "charts": {
                "base": base.charts,
                "whatif": svgs(&mine?),
                "compare": svgs(&compared),
            },
            "elapsed_ms": start.elapsed().as_secs_f64() * 1000.0,
        }))
    }

    /// `POST /api/save`: the scenario file with the changes written in.
    pub fn save(&self, req: &WhatIf) -> Result<String, ApiError> {
        let sc = self.stressed(req)?;
        super::save::edited(&self.config, &sc, req)
    }

    /// `POST /api/report`: report.html of the what-if.
    pub fn report(&self, req: &WhatIf) -> Result<String, ApiError> {
        let sc = self.stressed(req)?;
        let _one = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = self.summarise(&sc, &self.options(req.iterations))?;
        let words = req.words();
        if !words.is_empty() {
            s.scenario = format!("{} (what-if: {words})", s.scenario);
        }
        let files = charts::render_all(&s, true, false).map_err(chart_error)?;
        Ok(crate::report::html(&s, &files))
    }
}

fn chart_error(e: anyhow::Error) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("cannot draw the charts: {e:#}"),
    )
}

fn to_json(s: &Summary) -> Result<Value, ApiError> {
    serde_json::to_value(s).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the summary: {e}"),
        )
    })
}

/// The page's charts of one summary, side by side.
fn page_charts(s: &Summary) -> Result<Vec<ChartFile>, ApiError> {
    use rayon::prelude::*;
    PAGE_CHARTS
        .par_iter()
        .map(|render| render(s, true, false))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(chart_error)
}

fn svgs(files: &[ChartFile]) -> BTreeMap<&'static str, String> {
    files
        .iter()
        .filter_map(|f| Some((f.name, f.svg.clone()?)))
        .collect()
}

/// The key figures, base and what-if, as numbers and as the reports write
/// them. `better` says which way is good: "up" or "down".
fn figures(base: &Summary, whatif: &Summary) -> Vec<Value> {
    let cur = &base.currency;
    let prob = |label: &str, key: &str, f: &dyn Fn(&Summary) -> Option<f64>| {
        let (b, w) = (f(base), f(whatif));
        json!({
            "key": key, "label": label, "better": "up",
            "base": b, "whatif": w,
            "base_text": b.map_or("n/a".into(), pct),
            "whatif_text": w.map_or("n/a".into(), pct),
        })
    };
    let money = |label: &str, key: &str, better: &str, f: &dyn Fn(&Summary) -> Option<f64>| {
        let (b, w) = (f(base), f(whatif));
        json!({
            "key": key, "label": label, "better": better,
            "base": b, "whatif": w,
            "base_text": b.map_or("n/a".into(), |v| money_short(v, cur)),
            "whatif_text": w.map_or("n/a".into(), |v| money_short(v, cur)),
        })
    };
    let months = |v: Option<f64>, beyond: bool| match v {
        Some(m) => format!("{m:.1} months"),
        None if beyond => "beyond the horizon".into(),
        None => "n/a".into(),
    };
    vec![
        prob("P(payback within 12 months)", "p_payback_12", &|s| {
            Some(s.payback.p_within_12_months.value)
        }),
        prob("P(payback within 24 months)", "p_payback_24", &|s| {
            Some(s.payback.p_within_24_months.value)
        }),
        prob("P(payback within 36 months)", "p_payback_36", &|s| {
            s.payback.p_within_36_months.map(|p| p.value)
        }),
        json!({
            "key": "payback_p50", "label": "Payback, median", "better": "down",
            "base": base.payback.p50.value, "whatif": whatif.payback.p50.value,
            "base_text": months(base.payback.p50.value, base.payback.p50.beyond_horizon),
            "whatif_text": months(whatif.payback.p50.value, whatif.payback.p50.beyond_horizon),
        }),
        money("NPV P10", "npv_p10", "up", &|s| s.npv.spread.p10.value),
        money("NPV P50", "npv_p50", "up", &|s| s.npv.spread.p50.value),
        money("NPV P90", "npv_p90", "up", &|s| s.npv.spread.p90.value),
        prob("P(NPV > 0)", "p_npv_positive", &|s| {
            Some(s.npv.p_positive.value)
        }),
        money("Peak funding P90", "peak_funding_p90", "down", &|s| {
            s.peak_funding.p90.value
        }),
    ]
}
