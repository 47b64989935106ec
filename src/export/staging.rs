//! Unfinished output folders. Every staging folder a run is writing is
//! registered here while it exists, so that SIGINT or SIGTERM removes it
//! before the process exits (with 130 or 143); and a run removes the
//! staging folders beside its output that a process killed outright
//! (`kill -9`) left behind.
//!
//! One lock guards the registry and every change to a staging folder's
//! fate (created, renamed into place, removed): an interrupt that arrives
//! during a commit waits for its renames, so it finds either the staging
//! folder not yet moved (removed; the earlier results stay in place) or the
//! results committed (kept).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The folders to remove if the process is stopped now.
static UNFINISHED: Mutex<Unfinished> = Mutex::new(Unfinished(Vec::new()));

/// The registry of folders to remove on an interrupt.
pub(crate) struct Unfinished(Vec<PathBuf>);

impl Unfinished {
    pub(crate) fn add(&mut self, path: &Path) {
        self.0.push(path.to_path_buf());
    }

    pub(crate) fn forget(&mut self, path: &Path) {
        if let Some(i) = self.0.iter().position(|p| p == path) {
            self.0.swap_remove(i);
        }
    }
}

/// Holds the registry; while it is held no interrupt can remove anything,
/// and the process cannot be stopped by SIGINT or SIGTERM half-way through.
pub(crate) fn lock() -> MutexGuard<'static, Unfinished> {
    UNFINISHED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes a folder and all it holds, retrying while another thread may
/// still be adding files to it (the removal then finds it not empty).
fn remove_all(path: &Path) -> bool {
    for _ in 0..20 {
        match fs::remove_dir_all(path) {
            Ok(()) => return true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
            Err(_) => std::thread::yield_now(),
        }
    }
    false
}

/// Handles SIGINT and SIGTERM on a thread of their own: removes every
/// unfinished output folder, then exits with 128 + the signal's number
/// (130, 143), as a shell reports a process stopped by it. Call once, at
/// the start of the program; a failure to install leaves the default
/// behaviour (stopped at once, staging folders left for the next run).
#[cfg(unix)]
pub fn remove_on_interrupt() -> std::io::Result<()> {
    use std::io::IsTerminal;

    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // held until the exit: no commit starts or finishes after this
                let unfinished = lock();
                let left = unfinished.0.iter().filter(|p| !remove_all(p)).count();
                let name = if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                let what = match (unfinished.0.is_empty(), left) {
                    (true, _) => "",
                    (false, 0) => "; the unfinished output was removed",
                    (false, _) => "; the unfinished output could not all be removed",
                };
                // below a progress bar, if one is drawn
                let newline = if std::io::stderr().is_terminal() {
                    "\n"
                } else {
                    ""
                };
                eprintln!("{newline}gatecast: stopped by {name}{what}");
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Without Unix signals, Ctrl-C stops the process at once; its staging
/// folder is removed by the next run beside it.
#[cfg(not(unix))]
pub fn remove_on_interrupt() -> std::io::Result<()> {
    Ok(())
}

/// The process ID in a staging folder's name, `.<name>.partial-<pid>`.
pub(crate) fn staging_pid(folder: &str) -> Option<u32> {
    let rest = folder.strip_prefix('.')?;
    let (name, pid) = rest.rsplit_once(".partial-")?;
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if name.is_empty() || !digits || pid.starts_with('0') {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process of this ID runs now. Only Linux's `/proc` is asked:
/// where it is missing every process counts as running, so nothing is
/// removed.
fn running(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the staging folders in `parent` (`.<name>.partial-<pid>`, for
/// any name) whose process no longer runs: left by a run killed outright.
/// Folders of a running process, or of another user (`mine` is one of this
/// process's own), and anything not named so are never touched; errors are
/// ignored, as the folder is only litter.
pub(crate) fn remove_stale(parent: &Path, mine: &Path) {
    let own = std::process::id();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let Ok(owner) = fs::metadata(mine) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(staging_pid) else {
            continue;
        };
        if pid == own || running(pid) {
            continue;
        }
        // the entry itself, not a link's target
        let Ok(meta) = fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if meta.is_dir() && same_owner(&meta, &owner) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(unix)]
fn same_owner(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.uid() == b.uid()
}

#[cfg(not(unix))]
fn same_owner(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::staging_pid;

    #[test]
    fn only_staging_folder_names_give_a_pid() {
        assert_eq!(staging_pid(".res.partial-123"), Some(123));
        assert_eq!(staging_pid(".my.results.partial-7"), Some(7));
        for name in [
            "res.partial-123",
            "..partial-123",
            ".res.partial-",
            ".res.partial-12a",
            ".res.partial-0123",
            ".res.partial--1",
            ".res.partial-99999999999",
            ".res.old-123",
            ".res.partial-123.x",
        ] {
            assert_eq!(staging_pid(name), None, "{name}");
        }
    }
}
