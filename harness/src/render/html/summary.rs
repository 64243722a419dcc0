//! The summary section: what each run evaluated, and a card per model with its headline metrics.

use serde::Serialize;

use super::{f, mark_best, or_missing, Cell, Entry, RunInput};

/// The headline metrics of a model card, in order.
pub(super) const HEADLINE: [&str; 5] = [
    "Accuracy (WA)",
    "Balanced acc. (UA)",
    "Macro-F1",
    "Weighted-F1",
    "Cohen's κ",
];

#[derive(Debug, Serialize)]
pub struct RunView {
    pub label: Option<String>,
    pub suite: String,
    pub description: String,
    pub items: String,
    pub labels: Vec<String>,
    pub speakers: String,
    pub dropped: String,
    pub manifest_sha256: String,
    pub manifest_short: String,
    pub items_sha256: String,
    pub items_short: String,
    pub tonebench_version: String,
    pub schema_version: String,
    pub intervals: String,
    pub seed: String,
}

#[derive(Debug, Serialize)]
pub struct ModelView {
    pub anchor: String,
    pub name: String,
    pub run: Option<String>,
    pub modality: String,
    pub source_kind: String,
    pub path: String,
    pub sha256: String,
    pub sha256_short: String,
    pub ort_version: String,
    pub provider: String,
    pub batch_size: String,
    pub threads: String,
    pub files: Vec<FileView>,
    pub headline: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub struct FileView {
    pub path: String,
    pub sha256: String,
    pub short: String,
}

pub(super) fn run_view(run: &RunInput<'_>) -> RunView {
    let r = run.report;
    let b = &r.bootstrap;
    let intervals = if b.resamples == 0 {
        "none (no resamples)".to_string()
    } else {
        format!(
            "{} {} bootstrap over {}s, {} resamples",
            f::confidence(b.confidence),
            b.method,
            b.unit,
            f::count(b.resamples as u64)
        )
    };
    RunView {
        label: run.label.clone(),
        suite: r.suite.name.clone(),
        description: r.suite.description.clone(),
        items: f::count(r.suite.items),
        labels: r.suite.labels.clone(),
        speakers: r
            .suite
            .speakers
            .map(f::count)
            .unwrap_or_else(|| f::MISSING.into()),
        dropped: f::count(r.suite.dropped),
        manifest_sha256: r.suite.manifest_sha256.clone(),
        manifest_short: f::short_hash(&r.suite.manifest_sha256),
        items_sha256: r.suite.items_sha256.clone(),
        items_short: f::short_hash(&r.suite.items_sha256),
        tonebench_version: r.tonebench_version.clone(),
        schema_version: r.schema_version.to_string(),
        intervals,
        seed: b.seed.to_string(),
    }
}

pub(super) fn model_summaries(models: &[Entry<'_>]) -> Vec<ModelView> {
    let mut views: Vec<ModelView> = models
        .iter()
        .enumerate()
        .map(|(i, (name, run, m, _))| {
            let x = &m.metrics;
            let iv = x.intervals.as_ref();
            ModelView {
                anchor: format!("model-{}", i + 1),
                name: name.clone(),
                run: run.clone(),
                modality: m.modality.as_str().to_string(),
                source_kind: m.source.kind.clone(),
                path: m.source.path.clone(),
                sha256: m.source.sha256.clone(),
                sha256_short: f::short_hash(&m.source.sha256),
                ort_version: or_missing(m.source.ort_version.clone()),
                provider: or_missing(m.source.provider.clone()),
                batch_size: or_missing(m.source.batch_size.map(|b| b.to_string())),
                threads: or_missing(m.source.threads.map(|t| t.to_string())),
                files: m
                    .source
                    .files
                    .iter()
                    .map(|(p, h)| FileView {
                        path: p.clone(),
                        sha256: h.clone(),
                        short: f::short_hash(h),
                    })
                    .collect(),
                headline: vec![
                    Cell::new(x.accuracy, iv.map(|i| &i.accuracy)),
                    Cell::new(x.balanced_accuracy, iv.map(|i| &i.balanced_accuracy)),
                    Cell::new(x.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                    Cell::new(x.weighted.f1, None),
                    Cell::new(x.cohen_kappa, None),
                ],
            }
        })
        .collect();
    for col in 0..HEADLINE.len() {
        mark_best(views.iter_mut().map(|v| &mut v.headline[col]));
    }
    views
}
