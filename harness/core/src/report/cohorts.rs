//! The cohort objects of report.json: per-model partitions and the run-wide fairness tables.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::bootstrap::Interval;

/// Tables across partitions and models (built by `cohorts::compare_partitions` and
/// `cohorts::fusion_gain`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FairnessSummary {
    /// Every partition's gap and worst-cohort share, per model: given groupings beside
    /// discovered ones.
    pub partitions: Vec<PartitionRow>,
    /// Hybrid accuracy minus the best single-modality accuracy, per cohort.
    pub fusion_gain: Vec<FusionGain>,
}

/// One cohort of a partition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Calibration and ranking inside the cohort, when the model gave probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<CohortProbability>,
}

/// A cohort's equal-width top-label ECE and macro one-vs-rest ROC-AUC (`metrics.probability`'s
/// definitions on the cohort's items); `roc_auc` is null when a label has no item in the cohort
/// (or every item), as scikit-learn's is NaN.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CohortProbability {
    pub ece: Option<f64>,
    pub roc_auc: Option<f64>,
}

/// A partition of the suite into cohorts and the statistics of its worst cohort (DESIGN.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// One row of the partition comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartitionRow {
    pub model: String,
    pub partition: String,
    pub source: String,
    pub cohorts: usize,
    pub worst: Option<String>,
    pub gap_abs: Option<f64>,
    pub gap_rel_pct: Option<f64>,
    pub worst_share_pct: Option<f64>,
    pub difference: Option<f64>,
    pub p_adjusted: Option<f64>,
}

/// Accuracy of a hybrid model on one cohort minus that of the best text or audio model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FusionGain {
    pub partition: String,
    pub cohort: String,
    pub hybrid: String,
    pub hybrid_accuracy: f64,
    /// The single-modality model with the highest accuracy on this cohort (first on ties).
    pub best_single: String,
    pub best_single_accuracy: f64,
    /// `hybrid_accuracy − best_single_accuracy`: positive when fusion helps this cohort.
    pub gain: f64,
}
