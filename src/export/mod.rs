//! The only code that writes files. A run writes into a hidden temporary
//! folder beside its destination and renames it into place once everything
//! is written, so a failed run leaves nothing half-written; nor does one
//! stopped by SIGINT or SIGTERM ([`staging`]).

pub mod actuals;
pub mod iterations;
pub mod portfolio;
pub mod reforecast;
pub mod staging;
pub mod text;
pub mod xlsx;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::INDICATORS;
use crate::error::InputError;
use crate::model::COST_PARTS;
use crate::summary::Summary;

/// An output folder being written: files go to `staging` and appear at
/// `target` only on [`OutputDir::commit`]. Dropped uncommitted, or the
/// process stopped by SIGINT or SIGTERM, it removes the staging folder.
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

fn cannot_write(path: &Path, e: &io::Error) -> InputError {
    InputError::plain(
        path.display().to_string(),
        format!("cannot write the output folder: {e}"),
    )
}

impl OutputDir {
    /// Prepares to write `target`; fails now, before any long work, if its
    /// parent cannot be created or written. Removes the staging folders
    /// beside it that processes no longer running left behind.
    pub fn create(target: &Path) -> Result<OutputDir, InputError> {
        if target.is_file() {
            return Err(InputError::plain(
                target.display().to_string(),
                "cannot write the output folder: a file of that name exists",
            ));
        }
        // A file where a folder should be gets a plain message, not "os error 17".
        for ancestor in target.ancestors().skip(1) {
            if ancestor.is_file() {
                return Err(InputError::plain(
                    target.display().to_string(),
                    format!(
                        "cannot write the output folder: '{}' is a file, not a folder",
                        ancestor.display()
                    ),
                ));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| cannot_write(target, &e))?;
        let name = target
            .file_name()
            .map_or("output".into(), |n| n.to_string_lossy().to_string());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        {
            let mut unfinished = staging::lock();
            if staging.exists() {
                fs::remove_dir_all(&staging).map_err(|e| cannot_write(target, &e))?;
            }
            fs::create_dir(&staging).map_err(|e| cannot_write(target, &e))?;
            unfinished.add(&staging);
        }
        staging::remove_stale(&parent, &staging);
        Ok(OutputDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where a file of this name is being written.
    pub fn path(&self, file: &str) -> PathBuf {
        self.staging.join(file)
    }

    /// The final folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Creates a buffered file in the staging folder.
    pub fn file(&self, name: &str) -> io::Result<BufWriter<fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            fs::File::create(self.path(name))?,
        ))
    }

    /// Writes a whole file in the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.path(name), bytes)
    }

    /// Creates a folder (one level) in the staging folder. Unlike
    /// `create_dir_all`, it cannot bring back a staging folder that an
    /// interrupt has just removed.
    pub fn create_dir(&self, name: &str) -> io::Result<()> {
        match fs::create_dir(self.path(name)) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && self.path(name).is_dir() => {
                Ok(())
            }
            other => other,
        }
    }

    /// Moves the finished folder into place, replacing an earlier run's.
    /// SIGINT or SIGTERM during the renames waits for them: the earlier
    /// results stay in place until the new ones take their place, and once
    /// committed, the new ones are kept.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let old = self.staging.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map_or("output".into(), |n| n.to_string_lossy().to_string()),
            std::process::id()
        ));
        {
            let mut unfinished = staging::lock();
            let had_old = self.target.exists();
            if had_old {
                fs::rename(&self.target, &old)?;
            }
            if let Err(e) = fs::rename(&self.staging, &self.target) {
                if had_old {
                    let _ = fs::rename(&old, &self.target);
                }
                return Err(e);
            }
            self.committed = true;
            unfinished.forget(&self.staging);
            if !had_old {
                return Ok(self.target.clone());
            }
            // the earlier results, now replaced, go too if interrupted
            unfinished.add(&old);
        }
        let removed = fs::remove_dir_all(&old);
        staging::lock().forget(&old);
        removed?;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let mut unfinished = staging::lock();
            let _ = fs::remove_dir_all(&self.staging);
            unfinished.forget(&self.staging);
        }
    }
}

/// Writes each chart as `charts/<name>.png` and/or `charts/<name>.svg`.
pub fn write_charts(
    dir: &OutputDir,
    charts: &[crate::charts::ChartFile],
    png: bool,
    svg: bool,
) -> io::Result<()> {
    dir.create_dir("charts")?;
    for c in charts {
        if let (true, Some(bytes)) = (png, &c.png) {
            dir.write(&format!("charts/{}.png", c.name), bytes)?;
        }
        if let (true, Some(text)) = (svg, &c.svg) {
            dir.write(&format!("charts/{}.svg", c.name), text.as_bytes())?;
        }
    }
    Ok(())
}

/// `monthly.csv`: per month, P10/P50/P90 and mean of each indicator
/// (leading first), then the mean cost by category; under actuals, the
/// conditioned bands and the prior's (see [`actuals::monthly_csv`]).
pub fn monthly_csv(s: &Summary) -> io::Result<Vec<u8>> {
    if let Some(rf) = &s.actuals {
        return actuals::monthly_csv(s, rf);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let bands: Vec<_> = s.monthly.leading.iter().chain(&s.monthly.lagging).collect();
    debug_assert_eq!(bands.len(), INDICATORS.len());
    let mut header = vec!["month".to_string()];
    for b in &bands {
        for stat in ["p10", "p25", "p50", "p75", "p90", "mean"] {
            header.push(format!("{}_{stat}", b.key));
        }
    }
    for part in COST_PARTS {
        header.push(format!("cost_{part}_mean"));
    }
    w.write_record(&header)?;
    for m in 0..s.horizon_months {
        let mut row = vec![(m + 1).to_string()];
        for b in &bands {
            let x = b.months[m];
            row.extend([x.p10, x.p25, x.p50, x.p75, x.p90, x.mean].map(|v| v.to_string()));
        }
        for (_, means) in &s.monthly.mean_cost_by_category {
            row.push(means[m].to_string());
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `summary.json`: the whole summary.
pub fn summary_json(s: &Summary) -> io::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(s).map_err(io::Error::other)?;
    v.push(b'\n');
    Ok(v)
}

/// Writes `monthly.csv`, `summary.json` and `summary.md` into the folder.
pub fn write_reports(dir: &OutputDir, s: &Summary) -> io::Result<()> {
    dir.write("monthly.csv", &monthly_csv(s)?)?;
    dir.write("summary.json", &summary_json(s)?)?;
    let mut md = dir.file("summary.md")?;
    md.write_all(text::markdown(s).as_bytes())?;
    md.flush()
}
