//! Baselines: recorded runs that gates compare against, stored as `baselines/<suite>/<NAME>/`
//! with `report.json` (pretty, sorted keys), `predictions.parquet` and `baseline.json`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tonebench_core::paired::ItemPred;

use crate::exit;
use crate::table::Table;

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

/// A report.json read from disk, with the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedReport {
    pub path: PathBuf,
    pub value: Value,
}

impl LoadedReport {
    /// Reads `report.json` from a run folder or a path to the file itself.
    pub fn read(run_or_file: &Path) -> Result<LoadedReport, BaselineError> {
        let path = if run_or_file.is_dir() {
            run_or_file.join("report.json")
        } else {
            run_or_file.to_path_buf()
        };
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let value: Value = serde_json::from_str(&text).map_err(|source| BaselineError::Json {
            path: path.display().to_string(),
            source,
        })?;
        let bad = |what: &str| BaselineError::Report {
            path: path.display().to_string(),
            what: what.into(),
        };
        match value.get("schema_version").and_then(Value::as_u64) {
            Some(1) => {}
            Some(v) => {
                return Err(bad(&format!(
                    "schema_version {v} is not supported (this tonebench reads 1)"
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

/// Reads a predictions table (the run's predictions.parquet) with tonebench's table reader.
fn read_table(path: &Path) -> Result<Table, BaselineError> {
    Table::read(path).map_err(|e| BaselineError::Predictions {
        path: path.display().to_string(),
        what: crate::table::one_line(&e.to_string()),
    })
}

/// One text column of a predictions table.
fn text_column(t: &Table, name: &str) -> Result<Vec<Option<String>>, BaselineError> {
    let bad = |what: String| BaselineError::Predictions {
        path: t.path().display().to_string(),
        what,
    };
    if !t.has_column(name) {
        return Err(bad(format!("no column \"{name}\"")));
    }
    t.strings(name)
        .map_err(|e| bad(crate::table::one_line(&e.to_string())))
}

/// Reads `predictions.parquet` (columns id, model, label, pred) into items per model, in file order.
pub fn read_predictions(path: &Path) -> Result<IndexMap<String, Vec<ItemPred>>, BaselineError> {
    let t = read_table(path)?;
    let (ids, models, labels, preds) = (
        text_column(&t, "id")?,
        text_column(&t, "model")?,
        text_column(&t, "label")?,
        text_column(&t, "pred")?,
    );
    let mut out: IndexMap<String, Vec<ItemPred>> = IndexMap::new();
    for (row, (((id, model), label), pred)) in ids
        .into_iter()
        .zip(models)
        .zip(labels)
        .zip(preds)
        .enumerate()
    {
        let (Some(id), Some(model), Some(label), Some(pred)) = (id, model, label, pred) else {
            return Err(BaselineError::Predictions {
                path: path.display().to_string(),
                what: format!("row {row}: id, model, label and pred must not be empty"),
            });
        };
        out.entry(model)
            .or_default()
            .push(ItemPred { id, label, pred });
    }
    Ok(out)
}

/// The values of one cohort column of a predictions.parquet (`speaker` or `meta_<column>`) by
/// item id, or `None` when the file has no such column (files written before the columns existed
/// lack them). The column repeats per model; the first row of each id is used.
pub fn read_cohort_column(
    path: &Path,
    column: &str,
) -> Result<Option<BTreeMap<String, Option<String>>>, BaselineError> {
    let t = read_table(path)?;
    if !t.has_column(column) {
        return Ok(None);
    }
    let values = text_column(&t, column)?;
    let ids = text_column(&t, "id")?;
    let mut out = BTreeMap::new();
    for (id, v) in ids.into_iter().zip(values) {
        if let Some(id) = id {
            out.entry(id).or_insert(v);
        }
    }
    Ok(Some(out))
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
    let bytes = fs::read(path).map_err(io(path))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

/// Saves the run at `run` as baseline `name` under `root/<suite>/<name>/`; returns that folder.
pub fn save(root: &Path, name: &str, run: &Path, force: bool) -> Result<PathBuf, BaselineError> {
    check_name(name)?;
    let report = LoadedReport::read(run)?;
    let preds_path = report.dir().join("predictions.parquet");
    // Read the predictions now so that a broken file is never recorded as a baseline.
    let preds = read_predictions(&preds_path)?;
    let items = preds.values().map(Vec::len).max().unwrap_or(0) as u64;
    // Names become folders: never let one climb out of the baselines folder.
    let dir = root
        .join(crate::output::sanitize(report.suite()))
        .join(crate::output::sanitize(name));
    if dir.exists() {
        if !force {
            return Err(BaselineError::Exists(dir.display().to_string()));
        }
        fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    let info = BaselineInfo {
        format_version: BASELINE_FORMAT_VERSION,
        name: name.into(),
        suite: report.suite().into(),
        source_run: report.dir().display().to_string(),
        report_sha256: sha256_file(&report.path)?,
        predictions_sha256: sha256_file(&preds_path)?,
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
    let write_json = |file: &str, v: &Value| -> Result<(), BaselineError> {
        let p = dir.join(file);
        let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.push('\n');
        fs::write(&p, text).map_err(io(&p))
    };
    write_json("report.json", &sorted(&report.value))?;
    let info_value = serde_json::to_value(&info).unwrap_or(Value::Null);
    write_json("baseline.json", &sorted(&info_value))?;
    let dest = dir.join("predictions.parquet");
    fs::copy(&preds_path, &dest).map_err(io(&dest))?;
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
        LoadedReport::read(&self.dir.join("report.json"))
    }

    pub fn predictions(&self) -> Result<IndexMap<String, Vec<ItemPred>>, BaselineError> {
        read_predictions(&self.dir.join("predictions.parquet"))
    }
}

fn read_info(dir: &Path) -> Result<Baseline, BaselineError> {
    let p = dir.join("baseline.json");
    let text = fs::read_to_string(&p).map_err(io(&p))?;
    let info: BaselineInfo = serde_json::from_str(&text).map_err(|source| BaselineError::Json {
        path: p.display().to_string(),
        source,
    })?;
    if info.format_version != BASELINE_FORMAT_VERSION {
        return Err(BaselineError::Report {
            path: p.display().to_string(),
            what: format!(
                "format_version {} is not supported (this tonebench reads {BASELINE_FORMAT_VERSION})",
                info.format_version
            ),
        });
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
            .join(crate::output::sanitize(suite))
            .join(crate::output::sanitize(name));
        if !dir.join("baseline.json").is_file() {
            return Err(BaselineError::Missing {
                name: name.into(),
                suite: suite.into(),
            });
        }
        return read_info(&dir);
    }
    let hits: Vec<PathBuf> = list_dirs(root)?
        .into_iter()
        .map(|(s, _)| root.join(s).join(crate::output::sanitize(name)))
        .filter(|d| d.join("baseline.json").is_file())
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
            .filter(|e| e.path().join("baseline.json").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
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

/// `tonebench baseline`.
#[derive(Debug, Clone, clap::Args)]
pub struct BaselineArgs {
    /// Folder holding the baselines.
    #[arg(long, default_value = "baselines", global = true)]
    pub baselines: PathBuf,
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BaselineCommand {
    /// Record a run's report.json and predictions.parquet as baseline NAME.
    Save {
        #[arg(long)]
        name: String,
        /// Replace an existing baseline of that name.
        #[arg(long)]
        force: bool,
        /// The run folder (holding report.json and predictions.parquet).
        run: PathBuf,
    },
    /// Show a baseline's origin and headline metrics.
    Show {
        name: String,
        #[arg(long)]
        suite: Option<String>,
    },
    /// List recorded baselines.
    List,
}

/// Runs `tonebench baseline …`; returns the exit code.
pub fn execute(args: &BaselineArgs) -> anyhow::Result<i32> {
    match &args.command {
        BaselineCommand::Save { name, force, run } => {
            let dir = save(&args.baselines, name, run, *force).map_err(exit::input)?;
            println!("saved baseline {name} in {}", dir.display());
        }
        BaselineCommand::Show { name, suite } => {
            let b = find(&args.baselines, name, suite.as_deref()).map_err(exit::input)?;
            let report = b.report().map_err(exit::input)?;
            print!("{}", show_text(&b, &report));
        }
        BaselineCommand::List => {
            let all = list(&args.baselines).map_err(exit::input)?;
            if all.is_empty() {
                println!(
                    "no baselines under {}; record one with: tonebench baseline save --name NAME RUN",
                    args.baselines.display()
                );
            }
            for b in all {
                println!(
                    "{}/{}  {} items  models: {}  from {}",
                    b.info.suite,
                    b.info.name,
                    b.info.items,
                    b.info.models.join(", "),
                    b.info.source_run
                );
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// What `baseline show` prints.
pub fn show_text(b: &Baseline, report: &LoadedReport) -> String {
    use tonebench_core::gate::fmt_num;
    let mut s = format!(
        "baseline {} (suite {}, {} items)\n  folder: {}\n  saved from: {}\n  saved by: {}; report by tonebench {}\n",
        b.info.name,
        b.info.suite,
        b.info.items,
        b.dir.display(),
        b.info.source_run,
        b.info.saved_by,
        b.info.report_tonebench_version
    );
    for m in report
        .value
        .get("models")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let num = |p: &str| {
            m.pointer(p)
                .and_then(Value::as_f64)
                .map(fmt_num)
                .unwrap_or_else(|| "-".into())
        };
        s.push_str(&format!(
            "  model {}: accuracy {}  balanced_accuracy {}  macro.f1 {}\n",
            m.get("name").and_then(Value::as_str).unwrap_or("?"),
            num("/metrics/accuracy"),
            num("/metrics/balanced_accuracy"),
            num("/metrics/macro/f1")
        ));
    }
    s
}
