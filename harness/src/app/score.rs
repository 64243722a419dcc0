//! `score`: predictions made outside tonebench, joined to a suite and evaluated.

use std::path::{Path, PathBuf};

use tonebench_core::report::{Modality, Report, Source, Warning, WarningCode};

use super::finish::{finish_run, EvalSettings};
use super::AppError;
use crate::input::predictions::Predictions;
use crate::input::suite::Suite;
use crate::runs::ModelRun;

/// What `score` does.
#[derive(Debug, Clone)]
pub struct ScorePlan {
    pub suite: PathBuf,
    pub predictions: PathBuf,
    /// The model's name in the report (default: the predictions file's stem).
    pub name: Option<String>,
    pub out: Option<PathBuf>,
    pub eval: EvalSettings,
}

/// Scores the predictions; returns the report and the run folder it was written to.
pub fn score(plan: &ScorePlan) -> anyhow::Result<(Report, PathBuf)> {
    let suite = Suite::load(&plan.suite)?;
    let out = crate::store::out_dir(plan.out.as_deref(), &suite.name);
    crate::store::check_fresh(&out)?;
    let run = external_run(&suite, &plan.predictions, plan.name.as_deref())?;
    let report = finish_run(&suite, &[run], &plan.eval, &out)?;
    Ok((report, out))
}

/// The model run of an external predictions file.
pub fn external_run(suite: &Suite, path: &Path, name: Option<&str>) -> anyhow::Result<ModelRun> {
    let p = Predictions::load(path, suite)?;
    if name.is_some_and(|n| n.trim().is_empty()) {
        return Err(AppError::EmptyName.into());
    }
    let name = name.map(str::to_owned).unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "predictions".into())
    });
    Ok(ModelRun {
        name,
        modality: Modality::External,
        source: Source {
            kind: "predictions".into(),
            path: path.display().to_string(),
            sha256: p.sha256.clone(),
            files: Default::default(),
            ort_version: None,
            provider: None,
            batch_size: None,
            threads: None,
            front_end: None,
        },
        pred: p.pred.into_iter().map(Some).collect(),
        probs: p.probs,
        latency_ms: p.latency_ms,
        warnings: (p.pred_not_argmax > 0)
            .then(|| Warning {
                code: WarningCode::PredNotArgmax,
                metric: None,
                message: format!(
                    "{} items have a pred that is not their most probable label; metrics use pred",
                    p.pred_not_argmax
                ),
            })
            .into_iter()
            .collect(),
        streaming: None,
    })
}
