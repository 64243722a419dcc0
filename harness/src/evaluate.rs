//! From a suite and each model's predictions to the report model: the glue between the edges
//! (what was read or run) and the core (what is computed).

use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::report::{
    BootstrapInfo, MetricsReport, Modality, ModelReport, Report, Source, SuiteInfo, Warning,
    SCHEMA_VERSION,
};
use tonebench_core::{Confusion, Metrics};

use crate::suite::Suite;

/// One model's predictions over a suite, aligned to its items.
#[derive(Debug, Clone)]
pub struct ModelRun {
    pub name: String,
    pub modality: Modality,
    pub source: Source,
    /// Predicted label index per suite item; `None` for an item that failed (`--keep-going`),
    /// which is left out of this model's metrics.
    pub pred: Vec<Option<usize>>,
    /// `k` probabilities per item, in suite label order.
    pub probs: Option<Vec<f64>>,
    pub latency_ms: Option<Vec<Option<f64>>>,
    /// Warnings from producing the predictions (e.g. batch sensitivity).
    pub warnings: Vec<Warning>,
}

/// Evaluation settings shared by every model of a run.
#[derive(Debug, Clone, Copy)]
pub struct EvalConfig {
    pub bootstrap: BootstrapConfig,
}

/// Scores every model and assembles the report.
pub fn evaluate(suite: &Suite, runs: &[ModelRun], cfg: &EvalConfig) -> Report {
    let labels = suite.labels.names();
    let truth = suite.truth();
    let models = runs
        .iter()
        .map(|run| {
            let mut cm = Confusion::zeros(labels.len());
            for (&t, p) in truth.iter().zip(&run.pred) {
                if let Some(p) = *p {
                    cm.add(t, p);
                }
            }
            let metrics = Metrics::compute(&cm, labels);
            let intervals =
                (cfg.bootstrap.resamples > 0).then(|| confusion_intervals(&cm, &cfg.bootstrap));
            let mut warnings: Vec<Warning> = metrics
                .undefined
                .iter()
                .map(|u| Warning {
                    code: "zero_division".into(),
                    metric: Some(u.metric.clone()),
                    message: format!("{} is 0/0 ({}); reported as 0", u.metric, u.reason),
                })
                .collect();
            let missing = run.pred.iter().filter(|p| p.is_none()).count();
            if missing > 0 {
                warnings.push(Warning {
                    code: "items_not_scored".into(),
                    metric: None,
                    message: format!(
                        "{missing} of {} items have no prediction and are left out of this model's metrics",
                        run.pred.len()
                    ),
                });
            }
            warnings.extend(run.warnings.iter().cloned());
            ModelReport {
                name: run.name.clone(),
                modality: run.modality,
                source: run.source.clone(),
                metrics: MetricsReport::new(labels, &cm, &metrics, intervals.as_ref()),
                cohorts: Vec::new(),
                latency: None,
                warnings,
            }
        })
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tonebench_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: SuiteInfo {
            name: suite.name.clone(),
            description: suite.description.clone(),
            items: suite.items.len() as u64,
            labels: labels.to_vec(),
            speakers: suite.speaker_count(),
            dropped: suite.dropped.len() as u64,
            manifest_sha256: suite.manifest_sha256.clone(),
            items_sha256: suite.items_sha256.clone(),
        },
        bootstrap: BootstrapInfo::from(&cfg.bootstrap),
        models,
        warnings: Vec::new(),
    }
}
