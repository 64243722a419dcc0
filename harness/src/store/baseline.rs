//! Baselines: recorded runs that gates compare against, stored as `baselines/<suite>/<NAME>/`
//! with `report.json` (pretty, sorted keys), `predictions.parquet` and `baseline.json`.

use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tonebench_core::paired::ItemPred;

use super::predictions::read_predictions;
use super::report::{LoadedReport, ReadError};
use super::{write_atomic, StoreError, BASELINE_JSON, PREDICTIONS, REPORT_JSON};
use crate::error::{ErrorKind, HasKind};

/// Format version of `baseline.json`.
pub const BASELINE_FORMAT_VERSION: u32 = 1;

/// Errors of reading and writing baselines and run folders.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("no baseline named {name} for suite {suite}; record one with: tonebench baseline save --name {name} RUN")]
    Missing { name: String, suite: String },
    #[error("no baseline named {name} under {dir}; record one with: tonebench baseline save --name {name} RUN")]
    MissingAnySuite { name: String, dir: String },
    #[error("baseline {name} exists for several suites ({suites}); choose one with --suite")]
    Ambiguous { name: String, suites: String },
    #[error("baseline {0} already exists; pass --force to replace it")]
    Exists(String),
    #[error(
        "baseline name \"{0}\" must be letters, digits, '-', '_' or '.' and not start with '.'"
    )]
    BadName(String),
    #[error("{path}: cannot read or write")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasKind for BaselineError {
    fn kind(&self) -> ErrorKind {
        match self {
            BaselineError::Store(e) => e.kind(),
            _ => ErrorKind::Input,
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BaselineError + '_ {
    move |source| BaselineError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `baseline.json`: what a baseline is and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineInfo {
    pub format_version: u32,
    pub name: String,
    pub suite: String,
    /// The run folder it was saved from, as given.
    pub source_run: String,
    /// sha256 of the run's report.json and predictions.parquet as they were.
    pub report_sha256: String,
    pub predictions_sha256: String,
    /// The tonebench that saved it and the one that produced the report.
    pub saved_by: String,
    pub report_tonebench_version: String,
    pub models: Vec<String>,
    pub items: u64,
}

/// Recursively sorts object keys so that saved JSON does not depend on insertion order.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&o[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn check_name(name: &str) -> Result<(), BaselineError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(BaselineError::BadName(name.into()))
    }
}

fn sha256_file(path: &Path) -> Result<String, BaselineError> {
    crate::digest::sha256_file(path).map_err(io(path))
}

/// Saves the run at `run` as baseline `name` under `root/<suite>/<name>/`; returns that folder.
pub fn save(root: &Path, name: &str, run: &Path, force: bool) -> Result<PathBuf, BaselineError> {
    check_name(name)?;
    let report = LoadedReport::read(run)?;
    let preds_path = report.predictions_path();
    // Read the predictions now so that a broken file is never recorded as a baseline.
    let preds = read_predictions(&preds_path)?;
    let items = preds.values().map(Vec::len).max().unwrap_or(0) as u64;
    // Names become folders: never let one climb out of the baselines folder.
    let dir = root
        .join(super::sanitize(report.suite()))
        .join(super::sanitize(name));
    if dir.exists() && !force {
        return Err(BaselineError::Exists(dir.display().to_string()));
    }
    let pred_bytes = crate::open::read(&preds_path).map_err(io(&preds_path))?;
    let info = BaselineInfo {
        format_version: BASELINE_FORMAT_VERSION,
        name: name.into(),
        suite: report.suite().into(),
        source_run: report.dir().display().to_string(),
        report_sha256: sha256_file(&report.path)?,
        predictions_sha256: crate::digest::sha256_hex(&pred_bytes),
        saved_by: format!("tonebench {}", env!("CARGO_PKG_VERSION")),
        report_tonebench_version: report
            .value
            .get("tonebench_version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        models: report.model_names(),
        items,
    };
    // The baseline is written whole into a folder beside its place, then renamed into it, so a
    // crash never leaves half a baseline (nor, with --force, none at all).
    let parent = dir.parent().unwrap_or(root);
    let staging = parent.join(format!(".{}.saving~", super::sanitize(name)));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    fs::create_dir_all(&staging).map_err(io(&staging))?;
    let write_json = |file: &str, v: &Value| -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.push('\n');
        Ok(write_atomic(&staging.join(file), text.as_bytes())?)
    };
    write_json(REPORT_JSON, &sorted(&report.value))?;
    let info_value = serde_json::to_value(&info).unwrap_or(Value::Null);
    write_json(BASELINE_JSON, &sorted(&info_value))?;
    write_atomic(&staging.join(PREDICTIONS), &pred_bytes)?;
    if dir.exists() {
        let old = parent.join(format!(".{}.replaced~", super::sanitize(name)));
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        fs::rename(&dir, &old).map_err(io(&dir))?;
        fs::rename(&staging, &dir).map_err(io(&dir))?;
        fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        fs::rename(&staging, &dir).map_err(io(&dir))?;
    }
    Ok(dir)
}

/// A baseline found on disk.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub dir: PathBuf,
    pub info: BaselineInfo,
}

impl Baseline {
    pub fn report(&self) -> Result<LoadedReport, BaselineError> {
        Ok(LoadedReport::read(&self.dir.join(REPORT_JSON))?)
    }

    pub fn predictions(&self) -> Result<IndexMap<String, Vec<ItemPred>>, BaselineError> {
        Ok(read_predictions(&self.dir.join(PREDICTIONS))?)
    }
}

fn read_info(dir: &Path) -> Result<Baseline, BaselineError> {
    let p = dir.join(BASELINE_JSON);
    let text = crate::open::read_to_string(&p).map_err(io(&p))?;
    let info: BaselineInfo = serde_json::from_str(&text).map_err(|source| ReadError::Json {
        path: p.display().to_string(),
        source,
    })?;
    if info.format_version != BASELINE_FORMAT_VERSION {
        return Err(ReadError::Report {
            path: p.display().to_string(),
            what: format!(
                "format_version {} is not supported (this tonebench reads {BASELINE_FORMAT_VERSION})",
                info.format_version
            ),
        }
        .into());
    }
    Ok(Baseline {
        dir: dir.to_path_buf(),
        info,
    })
}

/// Finds baseline `name`, for `suite` when given, else in whichever suite has it.
pub fn find(root: &Path, name: &str, suite: Option<&str>) -> Result<Baseline, BaselineError> {
    if let Some(suite) = suite {
        let dir = root
            .join(super::sanitize(suite))
            .join(super::sanitize(name));
        if !dir.join(BASELINE_JSON).is_file() {
            return Err(BaselineError::Missing {
                name: name.into(),
                suite: suite.into(),
            });
        }
        return read_info(&dir);
    }
    let hits: Vec<PathBuf> = list_dirs(root)?
        .into_iter()
        .map(|(s, _)| root.join(s).join(super::sanitize(name)))
        .filter(|d| d.join(BASELINE_JSON).is_file())
        .collect();
    match hits.as_slice() {
        [] => Err(BaselineError::MissingAnySuite {
            name: name.into(),
            dir: root.display().to_string(),
        }),
        [one] => read_info(one),
        many => Err(BaselineError::Ambiguous {
            name: name.into(),
            suites: many
                .iter()
                .filter_map(|d| d.parent()?.file_name()?.to_str().map(str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Every `(suite, name)` folder under `root`, sorted.
fn list_dirs(root: &Path) -> Result<Vec<(String, Vec<String>)>, BaselineError> {
    let mut out = Vec::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut suites: Vec<PathBuf> = fs::read_dir(root)
        .map_err(io(root))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    suites.sort();
    for s in suites {
        let mut names: Vec<String> = fs::read_dir(&s)
            .map_err(io(&s))?
            .filter_map(Result::ok)
            .filter(|e| e.path().join(BASELINE_JSON).is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            // Baseline names never start with '.': those are a save in progress.
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        if let Some(suite) = s.file_name().and_then(|n| n.to_str()) {
            out.push((suite.to_string(), names));
        }
    }
    Ok(out)
}

/// Every baseline under `root`, by suite then name.
pub fn list(root: &Path) -> Result<Vec<Baseline>, BaselineError> {
    let mut out = Vec::new();
    for (suite, names) in list_dirs(root)? {
        for n in names {
            out.push(read_info(&root.join(&suite).join(n))?);
        }
    }
    Ok(out)
}
