//! `--mlflow URI` of `run`, `score` and `demo`, and `tonebench log mlflow RUN`: a finished run
//! folder logged to an MLflow tracking server. A tracker failure is reported (exit 3) after the
//! run folder is written and its summary printed.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::exit;
use crate::track::{Settings, TrackError};

/// Logging a scoring run to MLflow as it finishes.
#[derive(Debug, Clone, Default, Args)]
pub struct TrackArgs {
    /// Log the finished run to this MLflow tracking server (http:// or https://); the
    /// MLFLOW_TRACKING_* variables of MLflow's client are honoured. A tracker failure exits 3
    /// after the run folder is written
    #[arg(long, value_name = "URI")]
    pub mlflow: Option<String>,
    /// MLflow experiment (default: MLFLOW_EXPERIMENT_NAME, MLFLOW_EXPERIMENT_ID, else the suite name)
    #[arg(long, value_name = "NAME", requires = "mlflow")]
    pub mlflow_experiment: Option<String>,
}

impl TrackArgs {
    /// The checked settings, before any work starts: a bad URI or variable fails early.
    pub fn settings(&self) -> Result<Option<Settings>, TrackError> {
        self.mlflow
            .as_deref()
            .map(|uri| settings(Some(uri), self.mlflow_experiment.as_deref(), None))
            .transpose()
    }
}

/// Logs `dir` when `settings` asks for it and prints where the runs went.
pub fn log_after(settings: Option<&Settings>, dir: &Path) -> anyhow::Result<()> {
    let Some(settings) = settings else {
        return Ok(());
    };
    let logged = crate::app::track::log_mlflow(dir, settings, git_commit())?;
    for l in logged {
        let what = l.model.as_deref().unwrap_or("(parent run)");
        crate::status!("logged {what} to MLflow run {}: {}", l.run_id, l.url);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub tracker: Tracker,
}

#[derive(Debug, Subcommand)]
pub enum Tracker {
    /// Log a run folder to an MLflow tracking server: params, metrics, tags, artifacts
    Mlflow(MlflowArgs),
}

#[derive(Debug, Args)]
pub struct MlflowArgs {
    /// Run folder (or its report.json)
    pub run: PathBuf,
    /// Tracking server (default: MLFLOW_TRACKING_URI)
    #[arg(long, value_name = "URI")]
    pub uri: Option<String>,
    /// Experiment (default: MLFLOW_EXPERIMENT_NAME, MLFLOW_EXPERIMENT_ID, else the suite name);
    /// looked up by name and created when missing
    #[arg(long, value_name = "NAME")]
    pub experiment: Option<String>,
    /// Name of the MLflow run (default: the run folder's name; with several models the parent's,
    /// each model's run is NAME/<model>)
    #[arg(long, value_name = "NAME")]
    pub run_name: Option<String>,
}

pub fn execute(args: &LogArgs) -> anyhow::Result<i32> {
    match &args.tracker {
        Tracker::Mlflow(a) => {
            let s = settings(
                a.uri.as_deref(),
                a.experiment.as_deref(),
                a.run_name.as_deref(),
            )?;
            log_after(Some(&s), &a.run)?;
            Ok(exit::SUCCESS)
        }
    }
}

fn settings(
    uri: Option<&str>,
    experiment: Option<&str>,
    run_name: Option<&str>,
) -> Result<Settings, TrackError> {
    Settings::from_vars(uri, experiment, run_name, |k| std::env::var(k).ok())
}

/// The commit being evaluated, when known: `TONEBENCH_GIT_COMMIT`, CI's variables, else
/// `git rev-parse HEAD` in the working directory.
fn git_commit() -> Option<String> {
    for var in ["TONEBENCH_GIT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA"] {
        if let Some(v) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
            return Some(v.trim().to_string());
        }
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && sha.len() == 40).then_some(sha)
}
