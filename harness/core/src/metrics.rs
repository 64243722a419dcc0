//! Classification metrics, defined exactly as scikit-learn defines them.
//!
//! Per-class precision, recall, F1 and support and their macro, weighted and micro averages
//! follow `precision_recall_fscore_support(labels=<label set>, zero_division=0)`; accuracy is
//! `accuracy_score` ("WA"), balanced accuracy is `balanced_accuracy_score` (mean recall over the
//! classes present in the truth, "UA") and `cohen_kappa_score` is Cohen's kappa. A ratio whose
//! denominator is zero is reported as 0 and recorded in [`Metrics::undefined`] so that nobody
//! mistakes it for a measured 0.

use serde::{Deserialize, Serialize};

use crate::Confusion;

/// Precision, recall and F1 of one class or one average.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// One class's row of the classification report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// A metric that was a 0/0 and is reported as 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undefined {
    /// Dotted path of the metric in report.json, e.g. `per_class.neutral.precision`.
    pub metric: String,
    /// Why it is undefined, e.g. `no item was predicted neutral`.
    pub reason: String,
}

/// Everything tonebench reports about one confusion matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub cohen_kappa: f64,
    pub macro_avg: Prf,
    pub weighted: Prf,
    pub micro: Prf,
    pub per_class: Vec<ClassMetrics>,
    /// 0/0 cases, in label order; names refer to labels by index until [`Metrics::name_undefined`].
    pub undefined: Vec<Undefined>,
}

/// Divides, returning 0 for 0/0 as scikit-learn's `zero_division=0` does.
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 {
        None
    } else {
        Some(num / den)
    }
}

impl Metrics {
    /// Computes every metric from a confusion matrix. `labels` names the classes for the
    /// `undefined` list.
    pub fn compute(cm: &Confusion, labels: &[String]) -> Metrics {
        let mut undefined = Vec::new();
        let mut note =
            |metric: String, reason: String| undefined.push(Undefined { metric, reason });
        let k = cm.k();
        let total = cm.total() as f64;
        let correct = cm.correct() as f64;

        let mut per_class = Vec::with_capacity(k);
        for c in 0..k {
            let tp = cm.get(c, c) as f64;
            let support = cm.support(c);
            let predicted = cm.predicted(c) as f64;
            let name = &labels[c];
            let precision = ratio(tp, predicted).unwrap_or_else(|| {
                note(
                    format!("per_class.{name}.precision"),
                    format!("no item was predicted {name}"),
                );
                0.0
            });
            let recall = ratio(tp, support as f64).unwrap_or_else(|| {
                note(
                    format!("per_class.{name}.recall"),
                    format!("no item has true label {name}"),
                );
                0.0
            });
            // scikit-learn >= 1.3 computes F-beta as (1 + b^2) tp / (b^2 (tp + fn) + tp + fp).
            let f1 = ratio(2.0 * tp, support as f64 + predicted).unwrap_or_else(|| {
                note(
                    format!("per_class.{name}.f1"),
                    format!("no item has true label {name} and none was predicted {name}"),
                );
                0.0
            });
            per_class.push(ClassMetrics {
                precision,
                recall,
                f1,
                support,
            });
        }

        let mean = |f: fn(&ClassMetrics) -> f64| per_class.iter().map(f).sum::<f64>() / k as f64;
        let macro_avg = Prf {
            precision: mean(|c| c.precision),
            recall: mean(|c| c.recall),
            f1: mean(|c| c.f1),
        };
        let weighted_mean = |f: fn(&ClassMetrics) -> f64| {
            ratio(
                per_class
                    .iter()
                    .map(|c| f(c) * c.support as f64)
                    .sum::<f64>(),
                total,
            )
            .unwrap_or(0.0)
        };
        let weighted = Prf {
            precision: weighted_mean(|c| c.precision),
            recall: weighted_mean(|c| c.recall),
            f1: weighted_mean(|c| c.f1),
        };
        // Single-label data over the full label set: every prediction and every truth is counted
        // once, so micro precision = micro recall = micro F1 = accuracy.
        let accuracy = ratio(correct, total).unwrap_or_else(|| {
            note("accuracy".into(), "the suite has no items".into());
            0.0
        });
        let micro = Prf {
            precision: accuracy,
            recall: accuracy,
            f1: accuracy,
        };

        let present: Vec<f64> = per_class
            .iter()
            .filter(|c| c.support > 0)
            .map(|c| c.recall)
            .collect();
        let balanced_accuracy = ratio(present.iter().sum(), present.len() as f64).unwrap_or(0.0);

        let cohen_kappa = if total == 0.0 {
            0.0
        } else {
            let po = correct / total;
            let pe: f64 = (0..k)
                .map(|c| (cm.support(c) as f64 / total) * (cm.predicted(c) as f64 / total))
                .sum();
            ratio(po - pe, 1.0 - pe).unwrap_or_else(|| {
                note(
                    "cohen_kappa".into(),
                    "truth and predictions are each a single constant class".into(),
                );
                0.0
            })
        };

        Metrics {
            accuracy,
            balanced_accuracy,
            cohen_kappa,
            macro_avg,
            weighted,
            micro,
            per_class,
            undefined,
        }
    }

    /// Macro-F1 alone, without allocating; used by the bootstrap's inner loop.
    pub fn macro_f1(cm: &Confusion) -> f64 {
        let k = cm.k();
        (0..k)
            .map(|c| {
                ratio(
                    2.0 * cm.get(c, c) as f64,
                    (cm.support(c) + cm.predicted(c)) as f64,
                )
                .unwrap_or(0.0)
            })
            .sum::<f64>()
            / k as f64
    }
}
