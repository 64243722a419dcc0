//! The report model: what report.json holds (schema version 1 of DESIGN.md), as plain values.
//!
//! Every renderer (JSON, Markdown, HTML, JUnit, the terminal summary) reads these types; none of
//! them computes a metric. Maps are `IndexMap`s in label order, never `HashMap`s, so the same
//! inputs and seed serialize to the same bytes.
//!
//! This module owns every serialized type of report.json and imports nothing from the modules
//! that fill it (`cohorts`, `gate`): they depend on the report, never the other way round. The
//! cohort tables, the latency detail and the warnings live in submodules and are re-exported
//! here, so every type is named `report::X`.

mod cohorts;
mod latency;
mod probability;
mod robustness;
mod streaming;
mod warning;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::bootstrap::{BootstrapConfig, Interval, Intervals};
use crate::metrics::{ClassMetrics, Metrics, Prf};
use crate::Confusion;

pub use cohorts::{
    CohortGroup, CohortProbability, CohortReport, FairnessSummary, FusionGain, PartitionRow,
};
pub use latency::{BatchLatency, LatencyReport, ProviderNodes, StreamingLatency};
pub use probability::{
    AveragePrecisionReport, EceIntervals, EceReport, ProbabilityIntervalsReport, ProbabilityReport,
    ReliabilityBinReport, RocAucReport,
};
pub use robustness::{
    ConditionCohort, ConditionGroup, ConditionParameters, GapChange, RobustnessReport,
};
pub use streaming::{
    BatchExactness, ChangeReport, OracleSpeech, SpeechReport, StreamingReport, Timeline,
    TimelineSegment, TimelineWindow,
};
pub use warning::{Warning, WarningCode};

pub const SCHEMA_VERSION: u32 = 1;

/// The whole report of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The audio front end that fed the graph, when it is not the model spec v1 default (raw
    /// samples, chosen by the spec): Hugging Face export folders and specs with `features`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_end: Option<FrontEnd>,
}

/// What turned a clip into the graph's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FrontEnd {
    /// `raw`, `normalized` (zero mean, unit variance per clip) or `whisper-log-mel`.
    pub features: String,
    /// The rate clips were resampled to.
    pub sample_rate: u32,
    /// Whether an attention mask was fed beside the samples.
    pub attention_mask: bool,
    /// Mel bins of `whisper-log-mel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mel_bins: Option<usize>,
    /// Where the choice was made: `spec`, `tonebench.toml` or `preprocessor_config.json`.
    pub from: String,
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// With `run --window`: the model over the windows of long calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<Box<StreamingReport>>,
    /// With `run --conditions`: the model under every acoustic condition, against clean audio.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<RobustnessReport>,
}

/// A misclassified item shown as evidence for a cohort (`--examples N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConfusionReport {
    pub labels: Vec<String>,
    /// Rows = true label, columns = predicted label.
    pub matrix: Vec<Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IntervalsReport {
    pub accuracy: Interval,
    pub balanced_accuracy: Interval,
    pub macro_f1: Interval,
    pub per_class: IndexMap<String, crate::bootstrap::ClassIntervals>,
    /// Intervals of the probability metrics, when the model gave probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<ProbabilityIntervalsReport>,
}

/// The `metrics` object of a model in report.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Metrics of the predicted probabilities, when the model gave them (every ONNX model;
    /// external predictions with `p_<label>` columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<ProbabilityReport>,
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
                probability: None,
            }),
            probability: None,
        }
    }

    /// Adds the probability metrics and, when the run has intervals, theirs.
    pub fn with_probability(
        mut self,
        labels: &[String],
        m: &crate::probability::ProbabilityMetrics,
        intervals: Option<&crate::probability::ProbabilityIntervals>,
    ) -> Self {
        self.probability = Some(ProbabilityReport::new(labels, m));
        if let (Some(report), Some(i)) = (self.intervals.as_mut(), intervals) {
            report.probability = Some(ProbabilityIntervalsReport::new(labels, i));
        }
        self
    }
}
