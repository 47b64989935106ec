//! The what-if page in a real browser: headless Chromium driven through
//! WebDriver (Debian's `chromium` and `chromium-driver`), spoken as plain
//! JSON over HTTP with the same small client as the API tests. The
//! well-kept WebDriver crates were tried first: fantoccini 0.22 (through
//! its `webdriver` dependency) brings a second version of `http`, of
//! `thiserror`, of `cookie` and of the ICU crates (1.x beside `url`'s 2.x),
//! which the project's one-version rule (`cargo tree -d` in `.ci/run`)
//! refuses, and thirtyfour is built on it; the six WebDriver commands this
//! test needs are a few lines of JSON each. Where the
//! browser is not installed the test prints a SKIPPED line and does no
//! more; with GATECAST_REQUIRE_BROWSER=1 (as `.ci/run` sets) it fails
//! instead.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::serve::{raw, Server};

/// The first of `names` found on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A chromedriver child process, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let host = format!("127.0.0.1:{}", self.port);
        let _ = raw(self.port, "DELETE", &path, &[("Host", &host)], b"");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(driver: &Path, browser: &Path) -> Driver {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut d = Driver {
            child,
            port,
            session: String::new(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000"]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let v = d.call("POST", "/session", Some(caps));
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d
    }

    /// One WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let host = format!("127.0.0.1:{}", self.port);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let r = raw(
            self.port,
            method,
            path,
            &[("Host", &host), ("Content-Type", "application/json")],
            body.as_bytes(),
        );
        let v: Value = serde_json::from_str(&r.body)
            .unwrap_or_else(|e| panic!("WebDriver answered {} ({e}): {}", r.status, r.body));
        assert_eq!(r.status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn js(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Waits until `script` returns something other than null or false.
    fn wait_for(&self, script: &str, what: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script);
            if !v.is_null() && v != json!(false) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited 60 s for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn moving_the_adoption_ceiling_in_the_browser_shows_the_command_lines_figures() {
    let browser = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = on_path(&["chromedriver"]);
    let (Some(browser), Some(driver)) = (browser, driver) else {
        let msg = "SKIPPED: the browser test needs chromium and chromedriver on PATH \
                   (Debian: apt-get install chromium chromium-driver); it did not run";
        assert!(
            std::env::var_os("GATECAST_REQUIRE_BROWSER").is_none(),
            "{msg}"
        );
        eprintln!("{msg}");
        println!("{msg}");
        return;
    };
    let server = Server::start(&["-n", "2000", "--seed", "7"]);
    let d = Driver::start(&driver, &browser);
    let url = format!("http://127.0.0.1:{}/", server.port);
    d.session_call("POST", "/url", Some(json!({ "url": url })));
    d.wait_for(
        "return document.body.dataset.ready || null",
        "the first run",
    );
    let headline_before = d.js(
        "return window.headlineBefore = document.getElementById('headline-whatif').textContent",
    );

    // move the slider with the keyboard, as a person would: 20 steps of 0.01
    let el = d.session_call(
        "POST",
        "/element",
        Some(json!({"using": "css selector",
                    "value": "input.scale[data-path=\"adoption.ceiling\"]"})),
    );
    let id = el
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(Value::as_str)
        .expect("the adoption ceiling's slider")
        .to_string();
    // Element Send Keys focuses the slider; each arrow key moves it one step
    let at =
        d.js("return +document.querySelector('input.scale[data-path=\"adoption.ceiling\"]').value");
    let steps = ((at.as_f64().unwrap() - 0.8) / 0.01).round() as usize;
    d.session_call(
        "POST",
        &format!("/element/{id}/value"),
        Some(json!({ "text": "\u{E012}".repeat(steps) })),
    );
    let factor =
        d.js("return document.querySelector('input.scale[data-path=\"adoption.ceiling\"]').value");
    assert_eq!(factor, json!("0.8"), "the slider moved to 0.8x");
    // the answer to the newest request is shown, and no request is pending
    d.wait_for(
        "return (document.querySelector('#changes li') || {}).textContent?.includes('ceiling × 0.80') \
         && !document.body.classList.contains('busy') \
         && document.getElementById('headline-whatif').textContent !== window.headlineBefore || null",
        "the what-if",
    );
    let shown = d.js("return document.querySelector('#fig-p_payback_36 td.whatif').dataset.value");
    let headline_after = d.js("return document.getElementById('headline-whatif').textContent");
    assert_ne!(headline_after, headline_before);

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gatecast"))
        .args([
            "run",
            "-n",
            "2000",
            "--seed",
            "7",
            "--quiet",
            "--no-iterations-csv",
        ])
        .args([
            "--no-charts",
            "--formats",
            "svg",
            "--scale",
            "adoption.ceiling=0.8",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let cli: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("stresses/adoption-ceiling-x-0-8.json")).unwrap(),
    )
    .unwrap();
    let want = cli["payback"]["p_within_36_months"]["value"]
        .as_f64()
        .unwrap();
    let got: f64 = shown.as_str().unwrap().parse().unwrap();
    assert_eq!(got, want, "P(payback within 36 months) on the page");

    let log = d.session_call("POST", "/se/log", Some(json!({"type": "browser"})));
    let errors: Vec<&Value> = log
        .as_array()
        .expect("the browser's console log")
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}
