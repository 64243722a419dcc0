//! report.json: written pretty with a trailing newline, deterministic for a given report; read
//! back through one reader with one schema check, as JSON (for gate rules' dotted paths) and as
//! the typed report model (for the renderers).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use tonebench_core::report::{Report, SCHEMA_VERSION};

use super::{COHORTS_CSV, PREDICTIONS, REPORT_JSON};
use crate::error::{ErrorKind, HasKind};

/// A report, predictions table or baseline file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot read")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid JSON")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {what}")]
    Report { path: String, what: String },
    #[error("{path}: {what}")]
    Predictions { path: String, what: String },
}

impl HasKind for ReadError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// report.json bytes: pretty JSON with a trailing newline. Deterministic for a given report.
pub fn report_json(report: &Report) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).expect("the report model always serializes");
    bytes.push(b'\n');
    bytes
}

/// The report.json of a run folder, or the path itself when it names a file.
pub fn report_path(run: &Path) -> PathBuf {
    if run.is_dir() {
        run.join(REPORT_JSON)
    } else {
        run.to_path_buf()
    }
}

/// A report.json read from disk, with the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedReport {
    pub path: PathBuf,
    pub value: Value,
}

impl LoadedReport {
    /// Reads `report.json` from a run folder or a path to the file itself.
    pub fn read(run_or_file: &Path) -> Result<LoadedReport, ReadError> {
        let path = report_path(run_or_file);
        let text = crate::open::read_to_string(&path).map_err(|source| ReadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|source| ReadError::Json {
            path: path.display().to_string(),
            source,
        })?;
        let bad = |what: &str| ReadError::Report {
            path: path.display().to_string(),
            what: what.into(),
        };
        match value.get("schema_version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(bad(&format!(
                    "schema_version {v} is not supported (this tonebench reads {SCHEMA_VERSION})"
                )))
            }
            None => {
                return Err(bad(
                    "no schema_version: this is not a tonebench report.json",
                ))
            }
        }
        if value
            .pointer("/suite/name")
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(bad("no suite.name"));
        }
        Ok(LoadedReport { path, value })
    }

    /// The report as the typed model that renderers take.
    pub fn typed(&self) -> Result<Report, ReadError> {
        Report::deserialize(&self.value).map_err(|e| ReadError::Report {
            path: self.path.display().to_string(),
            what: format!("not a tonebench report: {e}"),
        })
    }

    /// The predictions.parquet beside the report.
    pub fn predictions_path(&self) -> PathBuf {
        self.dir().join(PREDICTIONS)
    }

    /// The cohorts.csv beside the report.
    pub fn cohorts_csv_path(&self) -> PathBuf {
        self.dir().join(COHORTS_CSV)
    }

    /// The run folder holding the report.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    pub fn suite(&self) -> &str {
        self.value
            .pointer("/suite/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn labels(&self) -> Vec<String> {
        self.value
            .pointer("/suite/labels")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn model_names(&self) -> Vec<String> {
        self.value
            .get("models")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}
