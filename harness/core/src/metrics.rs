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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// One class's row of the classification report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// A metric that was a 0/0 and is reported as 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        for (c, name) in labels.iter().enumerate().take(k) {
            let tp = cm.get(c, c) as f64;
            let support = cm.support(c);
            let predicted = cm.predicted(c) as f64;
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn labels(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("c{i}")).collect()
    }

    fn random_pairs(rng: &mut Xoshiro256PlusPlus, n: usize, k: usize) -> (Vec<usize>, Vec<usize>) {
        let truth: Vec<usize> = (0..n).map(|_| rng.gen_range(0..k)).collect();
        let pred = truth
            .iter()
            .map(|&t| {
                if rng.gen_bool(0.6) {
                    t
                } else {
                    rng.gen_range(0..k)
                }
            })
            .collect();
        (truth, pred)
    }

    #[test]
    fn hand_computed_case() {
        // truth: a a a b b c ; pred: a a b b c c
        let cm = Confusion::from_pairs(3, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        let m = Metrics::compute(&cm, &labels(3));
        assert_eq!(m.accuracy, 4.0 / 6.0);
        assert_eq!(m.per_class[0].precision, 1.0);
        assert_eq!(m.per_class[1].precision, 0.5);
        assert_eq!(m.per_class[0].recall, 2.0 / 3.0);
        assert_eq!(m.per_class[2].f1, 2.0 * 1.0 / (1.0 + 2.0));
        assert_eq!(m.balanced_accuracy, (2.0 / 3.0 + 0.5 + 1.0) / 3.0);
        let pe = (3.0 * 2.0 + 2.0 * 2.0 + 1.0 * 2.0) / 36.0;
        assert!((m.cohen_kappa - (4.0 / 6.0 - pe) / (1.0 - pe)).abs() < 1e-15);
        assert!(m.undefined.is_empty());
    }

    #[test]
    fn micro_f1_equals_accuracy() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for k in 2..6 {
            for n in [1, 7, 100] {
                let (t, p) = random_pairs(&mut rng, n, k);
                let m = Metrics::compute(&Confusion::from_pairs(k, &t, &p), &labels(k));
                assert_eq!(m.micro.f1, m.accuracy);
                assert_eq!(m.micro.precision, m.micro.recall);
            }
        }
    }

    #[test]
    fn metrics_do_not_change_when_rows_are_permuted() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        for _ in 0..20 {
            let (t, p) = random_pairs(&mut rng, 200, 4);
            let a = Metrics::compute(&Confusion::from_pairs(4, &t, &p), &labels(4));
            let mut rows: Vec<(usize, usize)> = t.into_iter().zip(p).collect();
            rows.shuffle(&mut rng);
            let (t2, p2): (Vec<usize>, Vec<usize>) = rows.into_iter().unzip();
            let b = Metrics::compute(&Confusion::from_pairs(4, &t2, &p2), &labels(4));
            assert_eq!(a, b);
        }
    }

    #[test]
    fn merged_shards_equal_one_whole_run() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let (t, p) = random_pairs(&mut rng, 300, 3);
        let whole = Confusion::from_pairs(3, &t, &p);
        let a = Confusion::from_pairs(3, &t[..120], &p[..120]);
        let b = Confusion::from_pairs(3, &t[120..], &p[120..]);
        let merged: Vec<u64> = a
            .cells()
            .iter()
            .zip(b.cells())
            .map(|(x, y)| x + y)
            .collect();
        assert_eq!(Confusion::from_cells(3, merged), whole);
    }

    #[test]
    fn constant_truth_and_prediction_flags_kappa() {
        let cm = Confusion::from_pairs(2, &[0, 0, 0], &[0, 0, 0]);
        let m = Metrics::compute(&cm, &labels(2));
        assert_eq!(m.cohen_kappa, 0.0);
        let names: Vec<&str> = m.undefined.iter().map(|u| u.metric.as_str()).collect();
        assert_eq!(
            names,
            [
                "per_class.c1.precision",
                "per_class.c1.recall",
                "per_class.c1.f1",
                "cohen_kappa"
            ]
        );
    }
}
