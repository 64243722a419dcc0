//! A finished run folder logged to MLflow (`--mlflow URI`, `tonebench log mlflow`): the report
//! read back from the folder, its params, metrics and tags (`track::entries`), the run's files as
//! artifacts. Called only once the folder is complete.

use std::path::{Path, PathBuf};

use crate::store::report::LoadedReport;
use crate::store::{
    COHORTS_CSV, COHORTS_JSON, PREDICTIONS, REPORT_HTML, REPORT_JSON, REPORT_MD, WINDOWS,
};
use crate::track::entries::{self, Context, Entries};
use crate::track::mlflow::{Client, RunHandle};
use crate::track::{Experiment, Settings, TrackError};

/// The run's files logged as artifacts, those that exist.
const ARTIFACTS: [&str; 7] = [
    REPORT_JSON,
    REPORT_HTML,
    REPORT_MD,
    PREDICTIONS,
    COHORTS_CSV,
    COHORTS_JSON,
    WINDOWS,
];

/// One MLflow run that was logged.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The model, or `None` for the parent run of a folder with several models.
    pub model: Option<String>,
    pub run_id: String,
    pub experiment_id: String,
    /// The run's page in MLflow's UI.
    pub url: String,
}

/// Logs the run folder `dir` to the tracker of `settings`.
pub fn log_mlflow(
    dir: &Path,
    settings: &Settings,
    git_commit: Option<String>,
) -> anyhow::Result<Vec<Logged>> {
    let loaded = LoadedReport::read(dir)?;
    let report = loaded.typed()?;
    let folder = loaded.dir();
    let ctx = Context {
        git_commit,
        run_dir: folder.display().to_string(),
    };
    let plan = entries::plan(&report, &ctx);
    let client = Client::new(settings.clone());
    let experiment = settings
        .experiment
        .clone()
        .unwrap_or_else(|| Experiment::Name(report.suite.name.clone()));
    let experiment_id = client.experiment_id(&experiment)?;
    let folder_name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.suite.name.clone());
    let base_name = settings.run_name.clone().unwrap_or(folder_name);
    let artifacts: Vec<(&str, PathBuf)> = ARTIFACTS
        .iter()
        .map(|name| (*name, folder.join(name)))
        .filter(|(_, p)| p.is_file())
        .collect();
    let mut logged = Vec::new();
    let mut parent_id = None;
    if let Some(parent) = &plan.parent {
        let run = log_one(
            &client,
            &experiment_id,
            &base_name,
            parent,
            &artifacts,
            &ctx,
        )?;
        parent_id = Some(run.run_id.clone());
        logged.push(describe(&client, None, &run));
    }
    for (model, e) in &plan.children {
        let mut e = e.clone();
        let (name, files): (String, &[(&str, PathBuf)]) = match &parent_id {
            Some(id) => {
                e.tags.push(("mlflow.parentRunId".into(), id.clone()));
                (format!("{base_name}/{model}"), &[])
            }
            None => (
                settings.run_name.clone().unwrap_or_else(|| model.clone()),
                &artifacts,
            ),
        };
        let run = log_one(&client, &experiment_id, &name, &e, files, &ctx)?;
        logged.push(describe(&client, Some(model.clone()), &run));
    }
    Ok(logged)
}

/// Creates one MLflow run, logs into it and finishes it; a failure after the run exists marks it
/// `FAILED` and says so.
fn log_one(
    client: &Client,
    experiment_id: &str,
    name: &str,
    e: &Entries,
    artifacts: &[(&str, PathBuf)],
    ctx: &Context,
) -> Result<RunHandle, TrackError> {
    let run = client.create_run(experiment_id, name)?;
    let logged = client.log_entries(&run, e).and_then(|()| {
        artifacts
            .iter()
            .try_for_each(|(name, path)| client.log_artifact(&run, name, path))
    });
    match logged {
        Ok(()) => {
            client.finish(&run, true)?;
            Ok(run)
        }
        Err(source) => {
            let _ = client.finish(&run, false);
            Err(TrackError::RunFailed {
                run_id: run.run_id.clone(),
                run_dir: ctx.run_dir.clone(),
                source: Box::new(source),
            })
        }
    }
}

fn describe(client: &Client, model: Option<String>, run: &RunHandle) -> Logged {
    Logged {
        model,
        run_id: run.run_id.clone(),
        experiment_id: run.experiment_id.clone(),
        url: format!(
            "{}/#/experiments/{}/runs/{}",
            client.settings().uri,
            run.experiment_id,
            run.run_id
        ),
    }
}
