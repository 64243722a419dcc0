//! From a suite and each model's predictions to the report model: the glue between the edges
//! (what was read or run) and the core (what is computed).

use indexmap::IndexMap;
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::cohorts::{
    adjust_p_values, analyze, build_partitions, compare_partitions, fusion_gain, CohortConfig,
    CohortError, CohortInputs, CohortModel, EmbeddingSource, ModelCohorts, Outcome, Partitions,
};
use tonebench_core::paired::{compare_models, probability_diffs, ModelComparison};
use tonebench_core::probability::{probability_intervals, Scores};
use tonebench_core::report::{
    BootstrapInfo, Example, FairnessSummary, MetricsReport, ModelReport, Report, SuiteInfo,
    Warning, WarningCode, SCHEMA_VERSION,
};
use tonebench_core::{Confusion, Metrics};

use crate::input::suite::{CohortSpec, Suite};
use crate::runs::ModelRun;

/// Evaluation settings shared by every model of a run.
#[derive(Debug, Clone, Copy)]
pub struct EvalConfig {
    pub bootstrap: BootstrapConfig,
}

/// Scores every model and assembles the report.
pub fn evaluate(suite: &Suite, runs: &[ModelRun], cfg: &EvalConfig) -> Report {
    let labels = suite.labels.names();
    let truth = suite.truth();
    let scores: Vec<Option<Result<Scores, String>>> = runs
        .iter()
        .map(|run| probability_scores(suite, run))
        .collect();
    let models = runs
        .iter()
        .zip(&scores)
        .map(|(run, scores)| {
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
                    code: WarningCode::ZeroDivision,
                    metric: Some(u.metric.clone()),
                    message: format!("{} is 0/0 ({}); reported as 0", u.metric, u.reason),
                })
                .collect();
            let missing = run.pred.iter().filter(|p| p.is_none()).count();
            if missing > 0 {
                warnings.push(Warning {
                    code: WarningCode::ItemsNotScored,
                    metric: None,
                    message: format!(
                        "{missing} of {} items have no prediction and are left out of this model's metrics",
                        run.pred.len()
                    ),
                });
            }
            warnings.extend(run.warnings.iter().cloned());
            let mut metrics = MetricsReport::new(labels, &cm, &metrics, intervals.as_ref());
            match scores {
                Some(Ok(s)) => {
                    let m = s.compute(labels);
                    warnings.extend(m.undefined.iter().map(|u| Warning {
                        code: WarningCode::UndefinedMetric,
                        metric: Some(u.metric.clone()),
                        message: format!(
                            "{} is undefined ({}; scikit-learn returns NaN); reported as null",
                            u.metric, u.reason
                        ),
                    }));
                    let iv = (cfg.bootstrap.resamples > 0)
                        .then(|| probability_intervals(s, &cfg.bootstrap));
                    metrics = metrics.with_probability(labels, &m, iv.as_ref());
                }
                Some(Err(why)) => warnings.push(Warning {
                    code: WarningCode::UndefinedMetric,
                    metric: Some("probability".into()),
                    message: format!("probability metrics not computed: {why}"),
                }),
                None => {}
            }
            ModelReport {
                name: run.name.clone(),
                modality: run.modality,
                source: run.source.clone(),
                metrics,
                cohorts: Vec::new(),
                latency: None,
                warnings,
                examples: Vec::new(),
                streaming: run.streaming.clone(),
                robustness: Vec::new(),
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
        comparisons: compare_pairs(suite, runs, &scores, &cfg.bootstrap),
        models,
        warnings: Vec::new(),
        fairness: None,
    }
}

/// The `n` most confidently misclassified items of every cohort of every partition (by the
/// probability of the wrong prediction, then by id; without probabilities, by id).
fn worst_examples(
    suite: &Suite,
    run: &ModelRun,
    pred: &[usize],
    partitions: &Partitions,
    n: usize,
) -> Vec<Example> {
    let labels = suite.labels.names();
    let k = labels.len();
    let confidence = |i: usize| run.probs.as_ref().map(|p| p[i * k + pred[i]]);
    let mut out = Vec::new();
    for p in &partitions.partitions {
        for (c, cohort) in p.cohorts.iter().enumerate() {
            let mut wrong: Vec<usize> = (0..suite.items.len())
                .filter(|&i| p.assignment[i] == Some(c) && pred[i] != suite.items.get(i).label())
                .collect();
            wrong.sort_by(|&a, &b| {
                let (ca, cb) = (confidence(a).unwrap_or(0.0), confidence(b).unwrap_or(0.0));
                cb.total_cmp(&ca)
                    .then_with(|| suite.items.get(a).id().cmp(suite.items.get(b).id()))
            });
            out.extend(wrong.into_iter().take(n).map(|i| {
                let item = suite.items.get(i);
                Example {
                    partition: p.name.clone(),
                    cohort: cohort.clone(),
                    id: item.id().to_owned(),
                    label: labels[item.label()].clone(),
                    pred: labels[pred[i]].clone(),
                    confidence: confidence(i),
                    text: item.text().map(str::to_owned),
                }
            }));
        }
    }
    out
}

/// A model's probabilities over the items it predicted, prepared for scoring; `None` when it
/// gave none, `Err` when they cannot be scored.
fn probability_scores(suite: &Suite, run: &ModelRun) -> Option<Result<Scores, String>> {
    let probs = run.probs.as_ref()?;
    let k = suite.labels.len();
    let (mut truth, mut rows) = (Vec::new(), Vec::new());
    for (i, (item, pred)) in suite.items.iter().zip(&run.pred).enumerate() {
        if pred.is_some() {
            truth.push(item.label());
            rows.extend_from_slice(probs.get(i * k..(i + 1) * k)?);
        }
    }
    Some(Scores::new(&truth, &rows, k).map_err(|e| e.to_string()))
}

/// Every pair of models that predicted every item, compared item by item; pairs that both gave
/// probabilities also on ROC-AUC and log loss.
fn compare_pairs(
    suite: &Suite,
    runs: &[ModelRun],
    scores: &[Option<Result<Scores, String>>],
    cfg: &BootstrapConfig,
) -> Vec<ModelComparison> {
    if cfg.resamples == 0 {
        return Vec::new();
    }
    let truth = suite.truth();
    let complete: Vec<(&str, Vec<usize>, Option<&Scores>)> = runs
        .iter()
        .zip(scores)
        .filter_map(|(r, s)| {
            let pred: Option<Vec<usize>> = r.pred.iter().copied().collect();
            let s = s.as_ref().and_then(|s| s.as_ref().ok());
            pred.map(|p| (r.name.as_str(), p, s))
        })
        .collect();
    let mut out = Vec::new();
    for (i, (a, pa, sa)) in complete.iter().enumerate() {
        for (b, pb, sb) in &complete[i + 1..] {
            let mut c = compare_models((a, b), suite.labels.names(), &truth, pa, pb, cfg);
            if let (Some(sa), Some(sb)) = (sa, sb) {
                c.diffs.extend(probability_diffs(sa, sb, cfg));
            }
            out.push(c);
        }
    }
    out
}

/// What the cohort analysis needs besides the suite: embedding sources read at the edge and,
/// for `--cohorts-from`, the cohorts of an earlier run.
pub struct CohortSources {
    pub embeddings: Vec<EmbeddingSource>,
    pub saved: Option<CohortModel>,
    /// Warnings from producing the embeddings (e.g. `weak_embedding`), added to the report.
    pub warnings: Vec<Warning>,
}

/// The cohort settings of a suite's `[cohorts]` with the run's bootstrap.
pub fn cohort_config(spec: &CohortSpec, bootstrap: &BootstrapConfig) -> CohortConfig {
    CohortConfig {
        metadata: spec.metadata.clone(),
        intersections: spec.intersections.clone(),
        k: spec.k,
        seed: spec.seed,
        min_speakers: spec.min_speakers,
        resamples: bootstrap.resamples,
        confidence: bootstrap.confidence,
        ..CohortConfig::default()
    }
}

/// Partitions the suite into cohorts (once), scores every model on them, adjusts p-values across
/// every cohort test of the run, and fills the report's cohorts and fairness tables. Returns the
/// partitions for cohorts.csv / cohorts.json.
pub fn attach_cohorts(
    report: &mut Report,
    suite: &Suite,
    runs: &[ModelRun],
    spec: &CohortSpec,
    sources: &CohortSources,
    bootstrap: &BootstrapConfig,
    examples: usize,
) -> Result<Partitions, CohortError> {
    let cfg = cohort_config(spec, bootstrap);
    let speakers: Vec<Option<String>> = suite.speakers();
    let mut metadata: IndexMap<String, Vec<Option<String>>> = suite
        .metadata_columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            (
                name.clone(),
                suite
                    .items
                    .iter()
                    .map(|i| i.meta(c).map(str::to_owned))
                    .collect(),
            )
        })
        .collect();
    if speakers.iter().any(Option::is_some) {
        metadata
            .entry("speaker".into())
            .or_insert_with(|| speakers.clone());
    }
    let inputs = CohortInputs {
        speakers: &speakers,
        metadata: &metadata,
        embeddings: &sources.embeddings,
    };
    let partitions = build_partitions(&inputs, &cfg, sources.saved.as_ref())?;
    report.warnings.extend(sources.warnings.iter().cloned());
    report.warnings.extend(partitions.warnings.iter().cloned());
    let labels = suite.labels.names();
    let truth = suite.truth();
    for (m, run) in report.models.iter_mut().zip(runs) {
        let Some(pred) = run.pred.iter().copied().collect::<Option<Vec<usize>>>() else {
            m.warnings.push(Warning {
                code: WarningCode::CohortsSkipped,
                metric: None,
                message:
                    "some items have no prediction, so cohorts were not analysed for this model"
                        .into(),
            });
            continue;
        };
        let outcome = Outcome {
            labels,
            truth: &truth,
            pred: &pred,
            probs: run.probs.as_deref(),
        };
        let (cohorts, warnings) = analyze(&partitions.partitions, &speakers, &outcome, &cfg)?;
        m.cohorts = cohorts;
        m.warnings.extend(warnings);
        if examples > 0 {
            m.examples = worst_examples(suite, run, &pred, &partitions, examples);
        }
    }
    adjust_p_values(report.models.iter_mut().flat_map(|m| m.cohorts.iter_mut()));
    let rows = report
        .models
        .iter()
        .flat_map(|m| compare_partitions(&m.name, &m.cohorts))
        .collect();
    let gains = fusion_gain(
        &report
            .models
            .iter()
            .map(|m| ModelCohorts {
                name: &m.name,
                modality: m.modality,
                cohorts: &m.cohorts,
            })
            .collect::<Vec<_>>(),
    );
    report.fairness = Some(FairnessSummary {
        partitions: rows,
        fusion_gain: gains,
    });
    Ok(partitions)
}
