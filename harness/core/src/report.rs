//! The report model: what report.json holds (schema version 1 of DESIGN.md), as plain values.
//!
//! Every renderer (JSON, Markdown, HTML, JUnit, the terminal summary) reads these types; none of
//! them computes a metric. Maps are `IndexMap`s in label order, never `HashMap`s, so the same
//! inputs and seed serialize to the same bytes.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::bootstrap::{BootstrapConfig, Interval, Intervals};
use crate::metrics::{ClassMetrics, Metrics, Prf};
use crate::Confusion;

pub const SCHEMA_VERSION: u32 = 1;

/// The whole report of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tonebench_version: String,
    pub suite: SuiteInfo,
    pub bootstrap: BootstrapInfo,
    pub models: Vec<ModelReport>,
    /// Run-wide warnings; each model also carries its own.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Every pair of models compared item by item (paired bootstrap, McNemar).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comparisons: Vec<crate::paired::ModelComparison>,
    /// Cohort comparison across partitions and models, when the suite defines cohorts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairness: Option<FairnessSummary>,
}

/// Tables across partitions and models (see `cohorts::compare`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FairnessSummary {
    /// Every partition's gap and worst-cohort share, per model: given groupings beside
    /// discovered ones.
    pub partitions: Vec<crate::cohorts::PartitionRow>,
    /// Hybrid accuracy minus the best single-modality accuracy, per cohort.
    pub fusion_gain: Vec<crate::cohorts::FusionGain>,
}

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Items scored (after `label-map` drops).
    pub items: u64,
    pub labels: Vec<String>,
    /// Distinct speakers, when the suite has a speaker column.
    pub speakers: Option<u64>,
    /// Rows that `label-map` mapped to `"drop"`.
    #[serde(default)]
    pub dropped: u64,
    /// sha256 of suite.toml and of the items file, so a report names exactly what it measured.
    #[serde(default)]
    pub manifest_sha256: String,
    #[serde(default)]
    pub items_sha256: String,
}

/// How confidence intervals were computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInfo {
    /// `percentile`.
    pub method: String,
    /// What was resampled for the metric intervals: `item`.
    pub unit: String,
    pub resamples: u32,
    pub confidence: f64,
    pub seed: u64,
}

impl From<&BootstrapConfig> for BootstrapInfo {
    fn from(c: &BootstrapConfig) -> Self {
        BootstrapInfo {
            method: "percentile".into(),
            unit: "item".into(),
            resamples: c.resamples,
            confidence: c.confidence,
            seed: c.seed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    Text,
    Audio,
    Hybrid,
    External,
}

impl Modality {
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Audio => "audio",
            Modality::Hybrid => "hybrid",
            Modality::External => "external",
        }
    }
}

/// Where a model's predictions came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `predictions` (scored with `tonebench score`) or `onnx` (run by tonebench).
    pub kind: String,
    /// The predictions file or model spec, as given on the command line.
    pub path: String,
    /// sha256 of that file (for ONNX models: of the spec; graph hashes are under `files`).
    pub sha256: String,
    /// sha256 of every file the model reads (graphs, tokenizer), by path.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub files: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ort_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    pub name: String,
    pub modality: Modality,
    pub source: Source,
    pub metrics: MetricsReport,
    #[serde(default)]
    pub cohorts: Vec<CohortReport>,
    #[serde(default)]
    pub latency: Option<LatencyReport>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// With `--examples N`: the N most confidently misclassified items of every cohort.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

/// A misclassified item shown as evidence for a cohort (`--examples N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub partition: String,
    pub cohort: String,
    pub id: String,
    pub label: String,
    pub pred: String,
    /// The model's probability of its (wrong) prediction, when it gave probabilities.
    pub confidence: Option<f64>,
    pub text: Option<String>,
}

/// A note the reader must see next to the numbers: a 0/0 metric, a small cohort, a noisy timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable kind, e.g. `zero_division`.
    pub code: String,
    /// Dotted report path of the affected value, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrfReport {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl From<Prf> for PrfReport {
    fn from(p: Prf) -> Self {
        PrfReport {
            precision: p.precision,
            recall: p.recall,
            f1: p.f1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionReport {
    pub labels: Vec<String>,
    /// Rows = true label, columns = predicted label.
    pub matrix: Vec<Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalsReport {
    pub accuracy: Interval,
    pub balanced_accuracy: Interval,
    pub macro_f1: Interval,
    pub per_class: IndexMap<String, crate::bootstrap::ClassIntervals>,
}

/// The `metrics` object of a model in report.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsReport {
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub cohen_kappa: f64,
    #[serde(rename = "macro")]
    pub macro_avg: PrfReport,
    pub weighted: PrfReport,
    pub micro: PrfReport,
    pub per_class: IndexMap<String, ClassMetrics>,
    pub confusion: ConfusionReport,
    /// Bootstrap intervals; `None` when the run asked for none (`--resamples 0`).
    #[serde(default)]
    pub intervals: Option<IntervalsReport>,
}

impl MetricsReport {
    pub fn new(
        labels: &[String],
        cm: &Confusion,
        m: &Metrics,
        intervals: Option<&Intervals>,
    ) -> Self {
        MetricsReport {
            accuracy: m.accuracy,
            balanced_accuracy: m.balanced_accuracy,
            cohen_kappa: m.cohen_kappa,
            macro_avg: m.macro_avg.into(),
            weighted: m.weighted.into(),
            micro: m.micro.into(),
            per_class: labels
                .iter()
                .cloned()
                .zip(m.per_class.iter().copied())
                .collect(),
            confusion: ConfusionReport {
                labels: labels.to_vec(),
                matrix: cm.rows(),
            },
            intervals: intervals.map(|i| IntervalsReport {
                accuracy: i.accuracy,
                balanced_accuracy: i.balanced_accuracy,
                macro_f1: i.macro_f1,
                per_class: labels
                    .iter()
                    .cloned()
                    .zip(i.per_class.iter().copied())
                    .collect(),
            }),
        }
    }
}

/// One cohort of a partition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CohortGroup {
    pub name: String,
    pub items: u64,
    pub speakers: u64,
    pub accuracy: f64,
    pub error_rate: f64,
    pub macro_f1: f64,
    /// Recall of every class that has items in the cohort, in label order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub per_class_recall: IndexMap<String, f64>,
    /// Percentile interval of `error_rate` from a bootstrap that resamples speakers (items
    /// without a speaker are their own unit); `None` when the run asked for no resamples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate_ci: Option<Interval>,
    /// Below the minimum size (`min_size` of the partition): reported, never named worst.
    #[serde(default)]
    pub too_small: bool,
}

/// A partition of the suite into cohorts and the statistics of its worst cohort (DESIGN.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CohortReport {
    pub partition: String,
    /// `metadata` or `embedding`.
    pub source: String,
    pub groups: Vec<CohortGroup>,
    pub worst: Option<String>,
    pub gap_abs: Option<f64>,
    pub gap_rel_pct: Option<f64>,
    pub worst_share_pct: Option<f64>,
    pub difference: Option<f64>,
    pub ratio: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    /// The worst-vs-rest test behind `p_value`: `fisher_exact` (two-sided, on items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// The size a cohort needs to be named worst, e.g. `5 speakers` or `30 items`.
    #[serde(default)]
    pub min_size: String,
    /// Items in no cohort of this partition (missing metadata value, no speaker).
    #[serde(default)]
    pub items_outside: u64,
    /// Embedding partitions: number of clusters and how it was chosen (`auto`, `fixed`, `saved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_method: Option<String>,
    /// Mean silhouette of the speaker clustering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silhouette: Option<f64>,
    /// Mean adjusted Rand index of the speaker partition against re-fits with other seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability_ari: Option<f64>,
}

/// Latency figures of one model on one device (DESIGN.md `latency`). The headline keys are
/// end-to-end per call at the first profiled batch size; the rest is `tonebench profile`'s
/// detail and absent from older reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyReport {
    pub device: String,
    pub provider: String,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub throughput_per_s: f64,
    pub rtf: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtfx: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p999_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_ms: Option<f64>,
    /// Wall time of loading the model: sessions created, tokenizer read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_create_ms: Option<f64>,
    /// Wall time of the first call, before any warm-up (ORT profiling was on for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_inference_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<u64>,
    /// Timed calls at the headline batch size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Timings with |modified z-score| > 3.5 at the headline batch size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers: Option<u64>,
    /// Graph nodes per execution provider that ran them, read from ONNX Runtime's profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderNodes>,
    /// One entry per profiled batch size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batches: Vec<BatchLatency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<StreamingLatency>,
}

/// How many graph nodes an execution provider ran, per graph file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderNodes {
    pub graph: String,
    pub provider: String,
    pub nodes: u64,
}

/// Figures of one batch size: per call end to end, per stage, and per audio-length bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchLatency {
    pub batch: usize,
    pub iterations: u64,
    /// Items predicted in the timed calls.
    pub items: u64,
    /// Distinct suite items among them.
    pub distinct_items: u64,
    /// Wall time of one call (`batch` items), ms.
    pub latency: crate::latency::Summary,
    /// Per call, each stage summed over the call's items: decode, resample, tokenize,
    /// inference, post.
    pub stages: IndexMap<String, crate::latency::Summary>,
    pub throughput_per_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtf: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtfx: Option<f64>,
    /// Per-item processing time and RTF per audio-length bucket.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<crate::latency::Bucket>,
}

/// Streaming mode: long audio cut into windows, each window's inference timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamingLatency {
    pub window_s: f64,
    pub hop_s: f64,
    /// Seconds of audio streamed (suite clips concatenated).
    pub audio_s: f64,
    pub windows: u64,
    /// Per-window wall time, ms.
    pub latency: crate::latency::Summary,
    /// Mean window latency ÷ hop: the share of real time the model uses.
    pub rtf: f64,
    /// p99 window latency < hop: a window is done before the next one arrives.
    pub keeps_up: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_without_profile_detail_still_parses() {
        // A report.json latency object from before `tonebench profile` existed.
        let old = r#"{"device":"cpu","provider":"CPUExecutionProvider","p50_ms":1.0,"p90_ms":2.0,
            "p95_ms":3.0,"p99_ms":4.0,"mean_ms":1.5,"throughput_per_s":600.0,"rtf":null}"#;
        let l: LatencyReport = serde_json::from_str(old).unwrap();
        assert_eq!(l.p99_ms, 4.0);
        assert!(l.batches.is_empty() && l.streaming.is_none() && l.iterations.is_none());
        // And the detail round-trips.
        let back: LatencyReport =
            serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
    }
}
