//! `gatecast serve`: a web server on this computer with a live what-if page.
//!
//! The page (`page.html`, `page.js`, `page.css`, compiled in) asks the API:
//!
//! - `GET /api/scenario`: the inputs with their paths, distributions and
//!   P10/P50/P90, and the gates;
//! - `POST /api/run` with `{"set": {path: value}, "scale": {path: factor},
//!   "iterations": n}`: the base and the what-if as `summary.json`, plus
//!   the charts as SVG;
//! - `POST /api/save` (the same body): the scenario file with only the
//!   changed values rewritten;
//! - `POST /api/report` (the same body): report.html of the what-if.
//!
//! The what-if runs on the base's random numbers, as `gatecast run --set
//! --scale` does. The server reads no file (the scenario came in as text)
//! and writes none. It refuses requests for another host name (DNS
//! rebinding), cross-origin POSTs, bodies over [`MAX_BODY`] bytes and runs
//! over [`MAX_ITERATIONS`]; a bad request gets 400 or 422 with the message
//! the command line would print, and the server carries on.

mod save;
mod whatif;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::scenario::Scenario;
pub use whatif::{App, WhatIf};

/// The most iterations one request may ask for.
pub const MAX_ITERATIONS: u64 = 200_000;
/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// What the server serves.
pub struct Config {
    pub scenario: Scenario,
    /// The scenario file's text, for "Save as scenario".
    pub text: String,
    /// The file's name as errors and summaries show it.
    pub file: String,
    /// The file's stem, for the names of downloads.
    pub stem: String,
    pub seed: u64,
    /// Iterations of a request that names none.
    pub iterations: u64,
}

/// The page and its assets.
const PAGE_HTML: &str = include_str!("page.html");
const PAGE_JS: &str = include_str!("page.js");
const PAGE_CSS: &str = include_str!("page.css");

/// An answer that is not a success: a status and a message, sent as
/// `{"error": message, "path": path}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The input the message is about, when there is one.
    pub path: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            path: None,
        }
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.message, "path": self.path }));
        (self.status, body).into_response()
    }
}

/// Serves until Ctrl-C (or SIGTERM), then stops cleanly: requests under
/// way finish, new connections are refused.
pub fn run(listener: std::net::TcpListener, config: Config) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App::new(config, addr));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router(app))
            .with_graceful_shutdown(stop_signal())
            .await
    })
}

/// The routes, behind the host and origin checks and the body limit.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset(PAGE_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/page.js",
            get(|| async { asset(PAGE_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/page.css",
            get(|| async { asset(PAGE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/scenario", get(scenario))
        .route("/api/run", post(run_whatif))
        .route("/api/save", post(save_scenario))
        .route("/api/report", post(report))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such page") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A compiled-in page asset, with a policy that lets it load nothing from
/// elsewhere.
fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src data:; \
                 connect-src 'self'; frame-ancestors 'none'; form-action 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Refuses a request for another host name (a DNS rebinding attack: a web
/// page whose name now points at 127.0.0.1) and a POST from a page of
/// another origin.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !app.host_allowed(host) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this server answers only requests addressed to {}, not to host \"{}\"",
                app.hosts_shown(),
                host.escape_debug()
            ),
        )
        .into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req.headers().get(header::ORIGIN).map(HeaderValue::to_str);
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site" || v == "same-site");
        let bad_origin = match origin {
            None => false,
            Some(Ok(o)) => !app.origin_allowed(o),
            Some(Err(_)) => true,
        };
        if bad_origin || cross_site {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "cross-origin requests are refused: only the page this server serves may post to it",
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// `GET /api/scenario`.
async fn scenario(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(app.describe())
}

/// `POST /api/run`.
async fn run_whatif(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let req = whatif::WhatIf::parse(&app, &body_of(body)?)?;
    let out = blocking(move || app.run(&req)).await?;
    Ok(Json(out))
}

/// `POST /api/save`: the edited scenario file, as a download.
async fn save_scenario(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req = whatif::WhatIf::parse(&app, &body_of(body)?)?;
    let name = format!("{}-what-if.toml", app.stem());
    let text = blocking(move || app.save(&req)).await?;
    Ok(download(text, "application/toml; charset=utf-8", &name))
}

/// `POST /api/report`: report.html of the what-if, as a download.
async fn report(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req = whatif::WhatIf::parse(&app, &body_of(body)?)?;
    let name = format!("{}-what-if-report.html", app.stem());
    let html = blocking(move || app.report(&req)).await?;
    Ok(download(html, "text/html; charset=utf-8", &name))
}

/// The body, or why it was refused (413 when over [`MAX_BODY`]).
fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the request body is over the limit of {MAX_BODY} bytes")
        } else {
            format!("cannot read the request body: {e}")
        };
        ApiError::new(status, message)
    })
}

/// Runs simulation work off the async threads; a panic becomes a 500
/// answer and the server carries on.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the run failed unexpectedly; the server carries on",
        )
    })?
}

/// A file to download: its text, type and name.
fn download(body: String, kind: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', ""));
    let mut res = ([(header::CONTENT_TYPE, kind)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The address to show in the URL: IPv6 in brackets.
pub fn url_host(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}
