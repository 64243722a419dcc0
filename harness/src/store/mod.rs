//! The run folder and the files tonebench keeps: the only module that knows their names. Every
//! file is written whole (a temporary file in the same folder, then a rename), so a crash never
//! leaves half a file.

pub mod baseline;
pub mod cohorts;
pub mod imported;
pub mod journal;
pub mod lock;
pub mod perturbed;
pub mod predictions;
pub mod report;
pub mod shard;
pub mod windows;

use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, HasKind};

/// The machine-readable report of a run.
pub const REPORT_JSON: &str = "report.json";
/// The Markdown summary of a run.
pub const REPORT_MD: &str = "report.md";
/// The self-contained HTML report of a run.
pub const REPORT_HTML: &str = "report.html";
/// Every model's per-item predictions.
pub const PREDICTIONS: &str = "predictions.parquet";
/// With `run --window`: every window of every call and model.
pub const WINDOWS: &str = "windows.parquet";
/// Who is in which cohort.
pub const COHORTS_CSV: &str = "cohorts.csv";
/// The saved k-means centroids of a run's embedding cohorts.
pub const COHORTS_JSON: &str = "cohorts.json";
/// A baseline's own description.
pub const BASELINE_JSON: &str = "baseline.json";
/// The report in every format, as `profile` writes it.
pub const REPORT_FILES: [&str; 3] = [REPORT_JSON, REPORT_MD, REPORT_HTML];
/// What a scoring run writes besides the cohorts files.
pub const RUN_FILES: [&str; 4] = [REPORT_JSON, REPORT_MD, REPORT_HTML, PREDICTIONS];

/// Errors of the run folder.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("--out {0}: exists and is not a folder")]
    NotAFolder(PathBuf),
    #[error("{dir} already holds a run ({file}); choose another --out, remove the folder, or continue an interrupted `tonebench run` with --resume")]
    HoldsRun { dir: PathBuf, file: &'static str },
    #[error("{0} already holds a suite (suite.toml); choose another --out or remove the folder")]
    HoldsSuite(PathBuf),
    #[error("cannot create output folder {path}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove {path}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {message}")]
    Encode { path: PathBuf, message: String },
    /// A file the user named on the command line (`--junit FILE`) that cannot be written.
    #[error("{path}: {cause}")]
    Named {
        path: PathBuf,
        cause: std::io::Error,
    },
}

impl HasKind for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotAFolder(_)
            | StoreError::HoldsRun { .. }
            | StoreError::HoldsSuite(_)
            | StoreError::Named { .. } => ErrorKind::Input,
            StoreError::CreateDir { .. }
            | StoreError::Write { .. }
            | StoreError::Remove { .. }
            | StoreError::Encode { .. } => ErrorKind::Runtime,
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = temporary(path);
    std::fs::write(&tmp, bytes).map_err(|source| StoreError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| StoreError::Write {
        path: path.to_owned(),
        source,
    })
}

/// The temporary name a file is written under before it is renamed: `NAME.tmp~` beside it, so
/// that report.json and report.md never share one.
pub fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp~");
    path.with_file_name(name)
}

/// Writes a file the user named (`--junit FILE`) whole; failing is the user's input.
pub fn write_named(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic(path, bytes).map_err(|e| match e {
        StoreError::Write { source, .. } => StoreError::Named {
            path: path.to_owned(),
            cause: source,
        },
        other => other,
    })
}

/// Appends `bytes` to a file the user named that other steps append to as well
/// (`$GITHUB_STEP_SUMMARY`).
pub fn append_named(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|cause| StoreError::Named {
            path: path.to_owned(),
            cause,
        })
}

/// A run folder: where a run's files go.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub dir: PathBuf,
}

impl RunDir {
    /// Creates the folder (and its parents) unless it exists.
    pub fn create(dir: &Path) -> Result<RunDir, StoreError> {
        if dir.exists() && !dir.is_dir() {
            return Err(StoreError::NotAFolder(dir.to_owned()));
        }
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        Ok(RunDir {
            dir: dir.to_owned(),
        })
    }

    pub fn report_json(&self) -> PathBuf {
        self.dir.join(REPORT_JSON)
    }

    pub fn report_html(&self) -> PathBuf {
        self.dir.join(REPORT_HTML)
    }

    pub fn report_md(&self) -> PathBuf {
        self.dir.join(REPORT_MD)
    }

    pub fn predictions(&self) -> PathBuf {
        self.dir.join(PREDICTIONS)
    }

    pub fn windows(&self) -> PathBuf {
        self.dir.join(WINDOWS)
    }

    /// Writes the report in every format: report.json from the report itself, report.md and
    /// report.html as rendered.
    pub fn write_report(
        &self,
        report: &tonebench_core::report::Report,
        markdown: &str,
        html: &str,
    ) -> Result<(), StoreError> {
        write_atomic(&self.report_json(), &report::report_json(report))?;
        write_atomic(&self.report_md(), markdown.as_bytes())?;
        write_atomic(&self.report_html(), html.as_bytes())
    }
}

/// Refuses an output folder that already holds a run, so a finished run is never overwritten by
/// accident (`run --resume` continues one on purpose).
pub fn check_fresh(dir: &Path) -> Result<(), StoreError> {
    for file in [REPORT_JSON, journal::FILE_NAME] {
        // A journal with no results (a run that failed while loading a model) starts afresh.
        let held = match file {
            journal::FILE_NAME => journal::holds_results(dir),
            _ => dir.join(file).exists(),
        };
        if held {
            return Err(StoreError::HoldsRun {
                dir: dir.to_owned(),
                file,
            });
        }
    }
    Ok(())
}

/// Removes an earlier run's report and journal from `dir`, so that a run there starts afresh
/// (the demo always does).
pub fn clear_run(dir: &Path) -> Result<(), StoreError> {
    for file in [journal::FILE_NAME, REPORT_JSON] {
        let path = dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|source| StoreError::Remove { path, source })?;
        }
    }
    Ok(())
}

/// The given output folder, or `reports/<suite>-<UTC time>` under the current folder.
pub fn out_dir(given: Option<&Path>, suite: &str) -> PathBuf {
    given
        .map(Path::to_owned)
        .unwrap_or_else(|| default_out_dir(suite))
}

/// `reports/<suite>-<UTC time>` under the current folder.
pub fn default_out_dir(suite: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    PathBuf::from("reports").join(format!("{}-{}", sanitize(suite), utc_stamp(secs)))
}

/// A file-name-safe version of a name.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `YYYYMMDD-HHMMSS` in UTC for seconds since the Unix epoch.
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps() {
        assert_eq!(super::utc_stamp(0), "19700101-000000");
        assert_eq!(super::utc_stamp(1_795_000_000), "20261118-110640");
    }
}
