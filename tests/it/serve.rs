//! `gatecast serve`: the API answers as the command line does, refuses what
//! it must, and keeps serving after bad requests. Each test starts the
//! binary on a free loopback port and talks plain HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_gatecast");
const SEED: &str = "7";
const N: u64 = 2000;

/// A running `gatecast serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `gatecast serve` with these arguments on a free port and
    /// waits for the URL it prints.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(args)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("gatecast starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut port = None;
        for _ in 0..10 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(rest) = line.trim().strip_prefix("http://127.0.0.1:") {
                port = rest.trim_end_matches('/').parse().ok();
                break;
            }
        }
        // keep reading stdout so the server never blocks on a full pipe
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = out.read_to_string(&mut sink);
        });
        let port = port.expect("the server prints its URL");
        Server { child, port }
    }

    pub fn example() -> Server {
        Server::start(&["-n", &N.to_string(), "--seed", SEED])
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A request with the right Host header and extra headers.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let host = self.host();
        let mut all = vec![("Host", host.as_str())];
        all.extend_from_slice(headers);
        raw(self.port, method, path, &all, body)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", &self.body[..self.body.len().min(300)])
        })
    }
}

/// Sends one request on a fresh connection, exactly the headers given
/// (plus Content-Length and Connection: close), and reads the answer. A
/// connection the server closed early reads as status 0.
pub fn raw(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let _ = s
        .write_all(head.as_bytes())
        .and_then(|()| s.write_all(body));
    // read to the end of the body: by its Content-Length where there is
    // one (a server may keep the connection open), else to the close
    let mut bytes = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
        if complete(&bytes) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&bytes).to_string();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return Reply {
            status: 0,
            headers: String::new(),
            body: text,
        };
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        unchunk(rest)
    } else {
        rest.to_string()
    };
    Reply {
        status,
        headers: head.to_string(),
        body,
    }
}

/// True once `bytes` hold a whole answer with a Content-Length.
fn complete(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| bytes.len() >= end + 4 + n)
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// `gatecast run` of the example with these extra arguments into `dir`.
fn cli_run(dir: &Path, file: Option<&Path>, extra: &[&str]) {
    let mut cmd = Command::new(BIN);
    cmd.arg("run");
    if let Some(f) = file {
        cmd.arg(f);
    }
    let out = cmd
        .args(["-n", &N.to_string(), "--seed", SEED, "--quiet"])
        .args(["--no-iterations-csv", "--no-charts", "--formats", "svg"])
        .arg("--out")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn without_sensitivity(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("sensitivity");
    v
}

#[test]
fn the_what_if_equals_a_command_line_stress_run() {
    let server = Server::example();
    let reply = server.post("/api/run", &json!({"scale": {"adoption.ceiling": 0.8}}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = reply.json();
    let dir = tempfile::tempdir().unwrap();
    cli_run(dir.path(), None, &["--scale", "adoption.ceiling=0.8"]);
    let mut base = read_json(&dir.path().join("summary.json"));
    // what on track looks like (MODEL.md 9.1) is the run command's alone
    assert!(base.as_object_mut().unwrap().remove("on_track").is_some());
    let stressed = read_json(&dir.path().join("stresses/adoption-ceiling-x-0-8.json"));
    assert_eq!(page["base"], base);
    assert_eq!(
        without_sensitivity(page["whatif"].clone()),
        without_sensitivity(stressed.clone())
    );
    assert_ne!(page["whatif"]["payback"], page["base"]["payback"]);
    assert_ne!(page["headline"]["whatif"], page["headline"]["base"]);
    let p36 = page["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "p_payback_36")
        .unwrap();
    assert_eq!(
        p36["whatif"],
        stressed["payback"]["p_within_36_months"]["value"]
    );
    for group in ["base", "whatif"] {
        for chart in [
            "payback-distribution",
            "cumulative-net-cash",
            "stage-funnel",
            "tornado",
        ] {
            let svg = page["charts"][group][chart].as_str().unwrap_or("");
            assert!(svg.contains("<svg"), "{group} {chart}");
        }
    }
    assert!(page["charts"]["compare"]["compare-payback"]
        .as_str()
        .unwrap()
        .contains("<svg"));
}

#[test]
fn no_change_gives_the_base_and_the_scenario_lists_every_input() {
    let server = Server::example();
    let page = server.post("/api/run", &json!({})).json();
    assert_eq!(page["whatif"], page["base"]);
    assert_eq!(page["headline"]["whatif"], page["headline"]["base"]);
    let sc = server.send("GET", "/api/scenario", &[], b"").json();
    let ceiling = sc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "adoption.ceiling")
        .expect("adoption.ceiling is listed");
    assert_eq!(ceiling["uncertain"], true);
    assert_eq!(ceiling["distribution"], "pert [0.6, 0.8, 0.95]");
    assert!(ceiling["p10"].as_f64().unwrap() < ceiling["p90"].as_f64().unwrap());
    assert_eq!(sc["gates"].as_array().unwrap().len(), 3);
    assert_eq!(sc["gates"][2]["pass_path"], "stage.Pilot.gate.pass");
    let page = server.send("GET", "/", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("page.js"));
}

#[test]
fn a_bad_change_gets_the_command_lines_located_message() {
    let server = Server::example();
    let reply = server.post("/api/run", &json!({"scale": {"adoption.ceiling": 1.5}}));
    assert_eq!(reply.status, 422);
    let err = reply.json()["error"].as_str().unwrap().to_string();
    let cli = Command::new(BIN)
        .args(["run", "--scale", "adoption.ceiling=1.5", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(2));
    let cli_err = String::from_utf8_lossy(&cli.stderr);
    let cli_msg = cli_err.trim().strip_prefix("error: --scale: ").unwrap();
    assert_eq!(err.strip_prefix("scale: ").unwrap(), cli_msg);
    assert!(err.contains("adoption.ceiling: "), "{err}");
    assert_eq!(reply.json()["path"], "adoption.ceiling");
    let reply = server.post("/api/run", &json!({"set": {"no.such.input": 3}}));
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("no input is named"), "{}", reply.body);
}

#[test]
fn a_bad_scenario_file_gets_the_command_lines_error_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        gatecast::scenario::EXAMPLE_TOML.replace("pass = 0.75", "pass = 1.75"),
    )
    .unwrap();
    let serve = Command::new(BIN).arg("serve").arg(&bad).output().unwrap();
    let validate = Command::new(BIN)
        .arg("validate")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2));
    assert!(!serve.stderr.is_empty());
    assert_eq!(serve.stderr, validate.stderr);
    assert!(serve.stdout.is_empty());
    let missing = Command::new(BIN)
        .args(["serve", "no-such-file.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file"));
}

#[test]
fn wrong_host_cross_origin_oversized_and_too_many_iterations_are_refused() {
    let server = Server::example();
    let good = json!({}).to_string();
    for host in [
        "evil.example:80",
        "attacker.test",
        "127.0.0.1",
        "localhost:1",
    ] {
        let r = raw(server.port, "GET", "/api/scenario", &[("Host", host)], b"");
        assert_eq!(r.status, 403, "{host}: {}", r.body);
        assert!(r.body.contains("answers only requests addressed to"));
    }
    let r = raw(server.port, "GET", "/", &[], b"");
    assert_eq!(r.status, 403, "a request without Host is refused");
    let local = format!("localhost:{}", server.port);
    let r = raw(
        server.port,
        "GET",
        "/api/scenario",
        &[("Host", &local)],
        b"",
    );
    assert_eq!(r.status, 200);
    for origin in ["http://evil.example", "null", "https://127.0.0.1:1"] {
        let r = server.send("POST", "/api/run", &[("Origin", origin)], good.as_bytes());
        assert_eq!(r.status, 403, "{origin}");
        assert!(r.body.contains("cross-origin"));
    }
    let r = server.send(
        "POST",
        "/api/run",
        &[("Sec-Fetch-Site", "cross-site")],
        good.as_bytes(),
    );
    assert_eq!(r.status, 403);
    let same = format!("http://127.0.0.1:{}", server.port);
    let r = server.send("POST", "/api/run", &[("Origin", &same)], good.as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    let big = format!(
        "{{\"set\": {{\"a\": \"{}\"}}}}",
        "x".repeat(gatecast::server::MAX_BODY)
    );
    let r = server.send("POST", "/api/run", &[], big.as_bytes());
    assert_eq!(r.status, 413, "{}", r.body);
    let r = server.post("/api/run", &json!({"iterations": 200_001}));
    assert_eq!(r.status, 422);
    assert!(r.body.contains("iterations must be from 1 to 200,000"));
    let r = server.post("/api/run", &json!({"iterations": 0}));
    assert_eq!(r.status, 422);
}

/// A thousand malformed requests of every kind, then a good one answered
/// as before.
#[test]
fn a_thousand_malformed_requests_leave_the_server_answering_correctly() {
    let server = Server::example();
    let good = json!({"scale": {"adoption.ceiling": 0.8}});
    let before = server.post("/api/run", &good).json();
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"not json".to_vec(),
        b"[1, 2, 3]".to_vec(),
        b"{\"scale\": {\"adoption.ceiling\": NaN}}".to_vec(),
        b"{\"scale\": {\"adoption.ceiling\": \"NaN\"}}".to_vec(),
        b"{\"scale\": {\"adoption.ceiling\": 1e400}}".to_vec(),
        b"{\"scale\": {\"costs.overrun\": 1e308}}".to_vec(),
        b"{\"scale\": {\"adoption.p\": -1}}".to_vec(),
        b"{\"scale\": {\"adoption.p\": 0}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": \"nan\"}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": \"inf\"}}".to_vec(),
        b"{\"set\": {\"stage.Pilot.duration_months\": 1e308}}".to_vec(),
        b"{\"set\": {\"costs.run_fixed_per_month\": -1e308}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": {\"uniform\": [0.5]}}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": {\"nope\": 1}}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": true}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": null}}".to_vec(),
        b"{\"set\": {\"adoption.ceiling\": \"]]]\\n[x\"}}".to_vec(),
        b"{\"set\": {\"stage.Pilot.gate.pass\": {\"uniform\": [0, 1]}}}".to_vec(),
        b"{\"set\": {\"stage.Pilot.gate.pass\": 0.95}}".to_vec(),
        b"{\"set\": {\"unknown.path\": 1}}".to_vec(),
        b"{\"scale\": {\"\": 1}}".to_vec(),
        b"{\"scale\": [1]}".to_vec(),
        b"{\"scale\": {\"adoption.ceiling\": [0.8]}}".to_vec(),
        b"{\"iterations\": -5}".to_vec(),
        b"{\"iterations\": 1.5}".to_vec(),
        b"{\"iterations\": \"many\"}".to_vec(),
        b"{\"iterations\": 99999999999999999999999}".to_vec(),
        b"{\"extra\": 1}".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        vec![b'['; 10_000],
        vec![b'x'; gatecast::server::MAX_BODY + 1],
    ];
    let mut refused = 0;
    for i in 0..1000 {
        let body = &bodies[i % bodies.len()];
        let reply = match i % 10 {
            // a wrong Host
            9 => raw(
                server.port,
                "POST",
                "/api/run",
                &[("Host", "rebind.example")],
                body,
            ),
            // the other endpoints take the same body
            7 => server.send("POST", "/api/save", &[], body),
            8 => server.send("POST", "/api/report", &[], body),
            _ => server.send("POST", "/api/run", &[], body),
        };
        assert!(
            [400, 403, 413, 422].contains(&reply.status),
            "request {i} ({}) got {}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            reply.status,
            &reply.body[..reply.body.len().min(300)]
        );
        refused += 1;
    }
    assert_eq!(refused, 1000);
    let after = server.post("/api/run", &good).json();
    assert_eq!(after["whatif"], before["whatif"]);
    assert_eq!(after["base"], before["base"]);
}

#[test]
fn save_as_scenario_keeps_the_comments_and_runs_to_the_pages_figures() {
    let server = Server::example();
    let body = json!({
        "scale": {"adoption.ceiling": 0.8, "costs.run_fixed_per_month": 1.2},
        "set": {"stage.Pilot.gate.pass": 0.6, "stage.Pilot.duration_months": {"uniform": [3, 6]},
                "stage.Pilot.one_off_cost": 40000},
    });
    let page = server.post("/api/run", &body).json();
    let saved = server.post("/api/save", &body);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.headers.contains("attachment"));
    let text = saved.body;
    let original = gatecast::scenario::EXAMPLE_TOML;
    // every comment is kept, and only the changed lines differ
    for line in original.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(text.contains(line), "lost the comment {line}");
    }
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(original.lines().count(), text.lines().count());
    assert_eq!(changed.len(), 7, "{changed:#?}");
    assert!(text.contains("\npass = 0.6\n"), "{text}");
    assert!(text.contains("\none_off_cost = 40000\n"), "{text}");
    assert!(text.contains("duration_months = { uniform = [3, 6] }"));
    assert!(text.contains("# share of users with access who end up active"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.toml");
    std::fs::write(&file, &text).unwrap();
    let ok = Command::new(BIN)
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    assert!(ok.status.success());
    let out = dir.path().join("out");
    cli_run(&out, Some(&file), &[]);
    let run = read_json(&out.join("summary.json"));
    let w = &page["whatif"];
    for p in [
        "p_within_12_months",
        "p_within_24_months",
        "p_within_36_months",
    ] {
        assert_eq!(run["payback"][p], w["payback"][p], "{p}");
    }
    assert_eq!(run["funnel"], w["funnel"]);
    for k in ["p10", "p50", "p90"] {
        let (a, b) = (
            run["npv"][k]["value"].as_f64().unwrap(),
            w["npv"][k]["value"].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= 1e-6 * a.abs().max(1.0),
            "NPV {k}: {a} vs {b}"
        );
    }
    // the report of the what-if
    let report = server.post("/api/report", &body);
    assert_eq!(report.status, 200);
    assert!(report.body.starts_with("<!DOCTYPE html>"));
    assert!(report.body.contains("what-if: "));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let mut server = Server::example();
    assert_eq!(server.send("GET", "/api/scenario", &[], b"").status, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running 20 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(TcpStream::connect(("127.0.0.1", server.port)).is_err());
}
