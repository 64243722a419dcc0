//! `models[].streaming` of report.json: a model evaluated over the windows of long calls.

use serde::{Deserialize, Serialize};

use super::MetricsReport;

/// A model evaluated as a real-time service runs it (`run --window W --hop H`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StreamingReport {
    pub window_s: f64,
    pub hop_s: f64,
    /// Seconds of active speech the rolling estimate covers (30).
    pub rolling_s: f64,
    /// Windows of the rolling estimate: `round(rolling_s / hop_s)`.
    pub rolling_windows: u64,
    /// Windows scored, over all calls.
    pub windows: u64,
    pub calls: u64,
    /// Windows of calls shorter than one window, zero-padded to full length.
    pub padded_windows: u64,
    /// Windows that labeled segments cover at least half of.
    pub speech_windows: u64,
    pub speech: SpeechReport,
    /// Truth-speech windows: their label against the window's argmax.
    pub window: MetricsReport,
    /// Rolling estimates (after each window judged speech) against the majority label of the
    /// labeled speech in the span they cover.
    pub rolling_30s: MetricsReport,
    /// Whole-call estimates against the call's truth.
    pub call: MetricsReport,
    /// The same estimates from the truth's speech windows instead of the speech source: what
    /// the sentiment model does when speech detection is perfect.
    pub oracle_speech: OracleSpeech,
    /// Mean over calls of the end of the first window judged speech.
    pub first_decision_s: Option<f64>,
    /// Mean delay from a change of the true label to the rolling estimate following it, over
    /// the changes it followed.
    pub change_delay_s: Option<f64>,
    pub changes: ChangeReport,
    /// Calls where no window was judged speech: their estimate averages every window.
    pub calls_without_speech: u64,
    /// Rolling estimates whose span holds no labeled speech (not scored).
    pub rolling_unscored: u64,
    /// How far batching the windows moved the outputs, measured on a sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchExactness>,
    /// The calls pictured in the reports (the worst first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<Timeline>,
}

/// Speech presence per window against the segments' truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpeechReport {
    /// `model` (the model's own speech output), `silero-vad`, `energy` or `oracle`.
    pub source: String,
    /// What the source's decision means, e.g. the thresholds used.
    pub rule: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub true_positive: u64,
    pub false_positive: u64,
    pub false_negative: u64,
    pub true_negative: u64,
}

/// Estimates made with the truth's speech windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OracleSpeech {
    pub call: MetricsReport,
    pub rolling_30s: MetricsReport,
}

/// Changes of the true label inside calls and how the rolling estimate followed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangeReport {
    pub changes: u64,
    pub followed: u64,
    pub median_delay_s: Option<f64>,
    pub max_delay_s: Option<f64>,
}

/// Batched windows against batch 1 on a sample of windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchExactness {
    pub batch: usize,
    pub windows: u64,
    pub argmax_agreement: f64,
    pub max_abs_diff: f64,
}

/// One call as the reports picture it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Timeline {
    pub id: String,
    pub duration_s: f64,
    pub truth: Option<String>,
    pub pred: String,
    pub oracle_pred: String,
    /// The whole-call probability of the true label.
    pub p_truth: Option<f64>,
    pub segments: Vec<TimelineSegment>,
    pub windows: Vec<TimelineWindow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineSegment {
    pub start_s: f64,
    pub end_s: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineWindow {
    pub start_s: f64,
    pub end_s: f64,
    pub speech_truth: bool,
    pub speech_pred: bool,
    /// The window's probabilities, in label order.
    pub probs: Vec<f64>,
    /// The rolling estimate reported after this window, when it was judged speech.
    pub rolling: Option<String>,
}
