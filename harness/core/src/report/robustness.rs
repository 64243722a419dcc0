//! The robustness objects of report.json (`models[].robustness[]`): one per acoustic condition
//! of `tonebench run --conditions`, built by `robustness::evaluate_condition`.

use serde::{Deserialize, Serialize};

use super::MetricsReport;
use crate::paired::ModelComparison;

/// A condition's parameters as the conditions file gave them (paths as written).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionParameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snr_db: Option<f64>,
    /// `clip` or `speech` (with `noise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snr_scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempo: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverb_rt60: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony: Option<String>,
    /// `opus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate_kbps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet_loss_pct: Option<f64>,
    /// The codec library that coded the audio, e.g. `libopus 1.3.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_library: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain_db: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<f64>,
}

/// One model under one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RobustnessReport {
    /// The condition's name.
    pub condition: String,
    pub parameters: ConditionParameters,
    /// Items with a prediction under the condition.
    pub items: u64,
    /// The full metrics (and intervals) under the condition.
    pub metrics: MetricsReport,
    /// The condition (`a`) against clean audio (`b`) on the items both predicted: paired
    /// bootstrap differences and McNemar's exact test (`candidate_only` = right only under the
    /// condition). `None` with `--resamples 0`.
    pub vs_clean: Option<ModelComparison>,
    /// Error rate (1 − accuracy) under the condition and on clean audio, same items.
    pub error: f64,
    pub clean_error: f64,
    /// Corruption error: `error` ÷ the reference model's error under this condition.
    pub ce: Option<f64>,
    /// Relative corruption error: (error − clean_error) ÷ the reference model's
    /// (error − clean_error); `None` when the reference lost nothing.
    pub rce: Option<f64>,
    /// The model CE and rCE are normalised by: the first model of the run with this condition.
    pub ce_reference: String,
    /// Condition × cohort, one per partition of the suite's cohorts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cohorts: Vec<ConditionCohort>,
}

/// One cohort partition under a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionCohort {
    pub partition: String,
    /// The worst cohort under the condition (same rule as the clean analysis).
    pub worst: Option<String>,
    /// The worst cohort on clean audio.
    pub clean_worst: Option<String>,
    /// error(worst) − error(rest) under the condition, for `worst`.
    pub gap_abs: Option<f64>,
    /// The same gap of the same cohort on clean audio.
    pub clean_gap_abs: Option<f64>,
    /// gap_abs − clean_gap_abs with a paired bootstrap interval (items resampled within the
    /// cohort and within the rest, clean and condition outcomes kept together).
    pub gap_change: Option<GapChange>,
    /// Whether the condition widens the gap: the whole interval of `gap_change` is above 0.
    pub widens: bool,
    pub groups: Vec<ConditionGroup>,
}

/// A paired change with its percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GapChange {
    pub diff: f64,
    pub low: f64,
    pub high: f64,
}

/// One cohort's accuracy under a condition and on clean audio, same items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionGroup {
    pub name: String,
    pub items: u64,
    pub accuracy: f64,
    pub clean_accuracy: f64,
    /// accuracy − clean_accuracy.
    pub diff: f64,
}
