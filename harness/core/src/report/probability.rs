//! `metrics.probability` and `metrics.intervals.probability` of report.json: the metrics of the
//! predicted probabilities (see [`crate::probability`]), null where undefined.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::bootstrap::Interval;
use crate::probability::{ProbabilityIntervals, ProbabilityMetrics, ReliabilityBin, ECE_BINS};

/// `roc_auc`: one-vs-rest per class, macro and support-weighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RocAucReport<T> {
    #[serde(rename = "macro")]
    pub macro_avg: Option<T>,
    pub weighted: Option<T>,
    pub per_class: IndexMap<String, Option<T>>,
}

/// `average_precision`: per class and their macro mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AveragePrecisionReport<T> {
    #[serde(rename = "macro")]
    pub macro_avg: Option<T>,
    pub per_class: IndexMap<String, Option<T>>,
}

/// `ece`: top-label expected calibration error with `bins` bins of equal width and equal mass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EceReport {
    pub bins: usize,
    pub equal_width: Option<f64>,
    pub equal_mass: Option<f64>,
}

/// One bin of the reliability diagram (equal width): confidences in `(low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReliabilityBinReport {
    pub low: f64,
    pub high: f64,
    pub items: u64,
    pub confidence: f64,
    pub accuracy: f64,
}

/// `metrics.probability` of a model that gave probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProbabilityReport {
    pub roc_auc: RocAucReport<f64>,
    pub average_precision: AveragePrecisionReport<f64>,
    pub log_loss: Option<f64>,
    pub brier: Option<f64>,
    pub ece: EceReport,
    /// The non-empty equal-width bins of `ece`, for the reliability diagram.
    #[serde(default)]
    pub reliability: Vec<ReliabilityBinReport>,
}

/// `metrics.intervals.probability`: percentile bootstrap intervals (item resampling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProbabilityIntervalsReport {
    pub roc_auc: RocAucReport<Interval>,
    pub average_precision: AveragePrecisionReport<Interval>,
    pub log_loss: Option<Interval>,
    pub brier: Option<Interval>,
    pub ece: EceIntervals,
}

/// Intervals of both ECE estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EceIntervals {
    pub equal_width: Option<Interval>,
    pub equal_mass: Option<Interval>,
}

fn by_label<T: Copy>(labels: &[String], v: &[Option<T>]) -> IndexMap<String, Option<T>> {
    labels.iter().cloned().zip(v.iter().copied()).collect()
}

impl ProbabilityReport {
    pub fn new(labels: &[String], m: &ProbabilityMetrics) -> Self {
        ProbabilityReport {
            roc_auc: RocAucReport {
                macro_avg: m.roc_auc_macro,
                weighted: m.roc_auc_weighted,
                per_class: by_label(labels, &m.roc_auc),
            },
            average_precision: AveragePrecisionReport {
                macro_avg: m.average_precision_macro,
                per_class: by_label(labels, &m.average_precision),
            },
            log_loss: m.log_loss,
            brier: m.brier,
            ece: EceReport {
                bins: ECE_BINS,
                equal_width: m.ece_equal_width,
                equal_mass: m.ece_equal_mass,
            },
            reliability: m
                .reliability
                .iter()
                .map(|b: &ReliabilityBin| ReliabilityBinReport {
                    low: b.low,
                    high: b.high,
                    items: b.items,
                    confidence: b.confidence,
                    accuracy: b.accuracy,
                })
                .collect(),
        }
    }
}

impl ProbabilityIntervalsReport {
    pub fn new(labels: &[String], i: &ProbabilityIntervals) -> Self {
        ProbabilityIntervalsReport {
            roc_auc: RocAucReport {
                macro_avg: i.roc_auc_macro,
                weighted: i.roc_auc_weighted,
                per_class: by_label(labels, &i.roc_auc),
            },
            average_precision: AveragePrecisionReport {
                macro_avg: i.average_precision_macro,
                per_class: by_label(labels, &i.average_precision),
            },
            log_loss: i.log_loss,
            brier: i.brier,
            ece: EceIntervals {
                equal_width: i.ece_equal_width,
                equal_mass: i.ece_equal_mass,
            },
        }
    }
}
