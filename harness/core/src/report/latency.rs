//! The `latency` object of a model in report.json.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::latency::{Bucket, Summary};

/// Latency figures of one model on one device (DESIGN.md `latency`). The headline keys are
/// end-to-end per call at the first profiled batch size; the rest is `tonebench profile`'s
/// detail and absent from older reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderNodes {
    pub graph: String,
    pub provider: String,
    pub nodes: u64,
}

/// Figures of one batch size: per call end to end, per stage, and per audio-length bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchLatency {
    pub batch: usize,
    pub iterations: u64,
    /// Items predicted in the timed calls.
    pub items: u64,
    /// Distinct suite items among them.
    pub distinct_items: u64,
    /// Wall time of one call (`batch` items), ms.
    pub latency: Summary,
    /// Per call, each stage summed over the call's items: decode, resample, tokenize,
    /// inference, post.
    pub stages: IndexMap<String, Summary>,
    pub throughput_per_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtf: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtfx: Option<f64>,
    /// Per-item processing time and RTF per audio-length bucket.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<Bucket>,
}

/// Streaming mode: long audio cut into windows, each window's inference timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StreamingLatency {
    pub window_s: f64,
    pub hop_s: f64,
    /// Seconds of audio streamed (suite clips concatenated).
    pub audio_s: f64,
    pub windows: u64,
    /// Per-window wall time, ms.
    pub latency: Summary,
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
