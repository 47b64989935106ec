//! Stopped runs leave nothing behind: SIGINT and SIGTERM remove the
//! staging folder and exit with 130 and 143, the previous results untouched;
//! a staging folder left by a process killed outright is removed by the
//! next run beside it. Unix only (signals); the machine may be slow and
//! busy, so every wait polls, up to a minute.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gatecast");
const PATIENCE: Duration = Duration::from_secs(60);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Polls `done` every 20 ms until it holds; panics naming `what` after a
/// minute.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file under `dir`, by its path inside it, with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let bytes = fs::read(&p).unwrap();
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A short complete run into `out`, as the results a later run replaces.
fn complete_run(out: &Path) {
    let status = Command::new(BIN)
        .args(["run", "--iterations", "300", "--quiet", "--out"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(out.join("summary.json").is_file());
}

/// Waits for the child's exit; kills it (and fails) after a minute.
fn wait_exit(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the stopped run had not exited after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts a long command writing `out`, waits for its staging folder,
/// sends `signal` with `kill` and checks the exit code, that the staging
/// folder went and that `out` holds the same files as before.
fn stopped_by(signal: &str, code: i32, command: &[&str], out: &Path) {
    let parent = out.parent().unwrap();
    let before = contents(out);
    let mut child = Command::new(BIN)
        .args(command)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let name = out.file_name().unwrap().to_string_lossy();
    let staging = parent.join(format!(".{name}.partial-{pid}"));
    wait_until("the staging folder", || {
        staging.is_dir() || child.try_wait().unwrap().is_some()
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be stopped"
    );
    let sent = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = wait_exit(&mut child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(code), "{status:?}, stderr: {stderr}");
    assert!(
        stderr.contains(&format!("stopped by SIG{signal}")),
        "{stderr}"
    );
    assert!(!staging.exists(), "the staging folder is left: {stderr}");
    assert_eq!(names(parent), [name.to_string()], "nothing else beside it");
    let after = contents(out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(
        before == after,
        "the previous results changed (summary.json equal: {})",
        before.get(Path::new("summary.json")) == after.get(Path::new("summary.json"))
    );
}

#[test]
fn ctrl_c_removes_the_staging_folder_and_exits_130_leaving_the_previous_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    complete_run(&out);
    stopped_by("INT", 130, &["run", "--iterations", "5000000"], &out);
}

#[test]
fn sigterm_removes_the_staging_folder_and_exits_143_leaving_the_previous_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    complete_run(&out);
    stopped_by("TERM", 143, &["run", "--iterations", "5000000"], &out);
}

#[test]
fn a_stopped_comparison_cleans_up_too() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("comparison.md"), "earlier results\n").unwrap();
    let a = repo("scenarios/example.toml");
    let b = repo("scenarios/pilot-purgatory.toml");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    stopped_by("TERM", 143, &["compare", a, b, "-n", "5000000"], &out);
}

/// The ID of a process that has ended and, as far as `/proc` tells, is
/// not reused yet.
#[cfg(target_os = "linux")]
fn dead_pid() -> u32 {
    loop {
        let mut c = Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        if !Path::new(&format!("/proc/{pid}")).exists() {
            return pid;
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_removes_staging_folders_of_dead_processes_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let dead = dead_pid();
    let live = std::process::id();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("keep"), "x").unwrap();
    let stale = [
        format!(".res.partial-{dead}"),
        format!(".other.partial-{dead}"),
    ];
    let kept = [
        format!(".res.partial-{live}"), // a running process's
        format!("res.partial-{dead}"),  // not hidden: not a staging folder
        format!(".res.partial-{dead}x"),
        format!(".res.old-{dead}"),
    ];
    for name in stale.iter().chain(&kept) {
        fs::create_dir(dir.join(name)).unwrap();
        fs::write(dir.join(name).join("iterations.csv"), "a,b\n1,2\n").unwrap();
    }
    // a file, and a link to a folder elsewhere, of a staging folder's name
    let file = format!(".file.partial-{dead}");
    fs::write(dir.join(&file), "x").unwrap();
    let link = format!(".link.partial-{dead}");
    std::os::unix::fs::symlink(outside.path(), dir.join(&link)).unwrap();

    complete_run(&dir.join("res"));

    for name in &stale {
        assert!(!dir.join(name).exists(), "{name} is left");
    }
    for name in &kept {
        assert!(
            dir.join(name).join("iterations.csv").is_file(),
            "{name} was removed"
        );
    }
    assert!(dir.join(&file).is_file());
    assert!(dir.join(&link).is_symlink());
    assert!(outside.path().join("keep").is_file());
    assert!(dir.join("res/summary.json").is_file());
}
