//! Metrics of predicted probabilities, defined exactly as scikit-learn 1.9 defines them.
//!
//! - `roc_auc.per_class`: one-vs-rest ROC-AUC of each class (`roc_auc_score` of the class's
//!   indicator against its probability column); `macro` and `weighted` are
//!   `roc_auc_score(y, P, multi_class="ovr", average=…, labels=<label set>)` (weights: support);
//!   with two labels both are `roc_auc_score(y, P[:, 1])`, as scikit-learn scores binary data.
//! - `average_precision.per_class`: `average_precision_score` of each class's indicator;
//!   `macro`: their mean (two labels: the second label's, `average_precision_score(y, P[:, 1])`).
//! - `log_loss`: `log_loss(y, P, labels=<label set>)` — the mean of `−ln p(true)` with `p`
//!   clipped to `[ε, 1 − ε]`, `ε` the f64 machine epsilon.
//! - `brier`: `brier_score_loss(y, P, labels=<label set>)` — the mean over items of
//!   `Σ_c (p_c − [y = c])²`, halved when there are two labels (`scale_by_half="auto"`).
//! - `ece`: top-label expected calibration error, equal width and equal mass
//!   ([`calibration`](self::calibration)).
//!
//! A class with no item in the truth (or, for ROC-AUC, with every item) has no ROC-AUC and no
//! average precision: scikit-learn returns NaN with an `UndefinedMetricWarning`. tonebench
//! reports `None` (null in report.json), lists it in [`ProbabilityMetrics::undefined`], and
//! leaves the macro and weighted averages that would include it undefined too — never a 0.
//!
//! Every metric is computed by [`Scores`], which sorts the items once per class; a bootstrap
//! resample walks the same orders with item weights ([`resample`](self::resample)).

mod calibration;
mod distribution;
mod rank;
mod resample;

use crate::metrics::Undefined;

pub use calibration::{ReliabilityBin, ECE_BINS};
pub use distribution::{check_distribution, SUM_TOLERANCE};
pub use resample::{
    metric_distribution, paired_bootstrap, probability_intervals, PairedDraws,
    ProbabilityIntervals, ResampleWeights,
};

use calibration::Calibration;
use rank::ClassOrder;

/// Per-item weights of one evaluation: every item once, or the counts of a bootstrap resample.
pub trait Weights {
    fn at(&self, item: usize) -> u64;
    /// The sum of the weights.
    fn total(&self) -> u64;
}

/// Every item once: the point estimate.
#[derive(Debug, Clone, Copy)]
pub struct Ones(pub usize);

impl Weights for Ones {
    fn at(&self, _: usize) -> u64 {
        1
    }
    fn total(&self) -> u64 {
        self.0 as u64
    }
}

/// Why probabilities cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbabilityError {
    #[error("{got} probabilities for {items} items of {k} labels (expected {expected})")]
    Shape {
        got: usize,
        items: usize,
        k: usize,
        expected: usize,
    },
    #[error("item {item}: true label index {index} is not below {k}")]
    Label { item: usize, index: usize, k: usize },
    #[error("item {item}: probability {value} of label {label} is not in [0, 1]")]
    Value {
        item: usize,
        label: usize,
        value: f64,
    },
}

/// A model's probabilities prepared for scoring: sorted once per class, binned once.
#[derive(Debug, Clone)]
pub struct Scores {
    k: usize,
    n: usize,
    classes: Vec<ClassOrder>,
    /// `−ln p(true)` of every item, clipped as scikit-learn clips.
    log_loss: Vec<f64>,
    /// `Σ_c (p_c − [y = c])²` of every item.
    brier: Vec<f64>,
    calibration: Calibration,
}

/// One probability metric, named by its report.json path under `metrics.probability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbMetric {
    RocAucMacro,
    RocAucWeighted,
    RocAucClass(usize),
    AveragePrecisionMacro,
    AveragePrecisionClass(usize),
    LogLoss,
    Brier,
    EceEqualWidth,
    EceEqualMass,
}

impl ProbMetric {
    /// Parses `roc_auc.macro`, `roc_auc.weighted`, `roc_auc.per_class.<label>`,
    /// `average_precision.macro`, `average_precision.per_class.<label>`, `log_loss`, `brier`,
    /// `ece.equal_width`, `ece.equal_mass`, each also with a leading `probability.`. `Ok(None)`:
    /// not a probability metric.
    pub fn parse(path: &str, labels: &[String]) -> Result<Option<ProbMetric>, String> {
        let path = path.strip_prefix("probability.").unwrap_or(path);
        let segs: Vec<&str> = path.split('.').collect();
        let class = |label: &str| {
            labels.iter().position(|l| l == label).ok_or_else(|| {
                format!(
                    "\"{path}\": \"{label}\" is not one of the suite's labels ({})",
                    labels.join(", ")
                )
            })
        };
        Ok(Some(match segs.as_slice() {
            ["roc_auc", "macro"] => ProbMetric::RocAucMacro,
            ["roc_auc", "weighted"] => ProbMetric::RocAucWeighted,
            ["roc_auc", "per_class", l] => ProbMetric::RocAucClass(class(l)?),
            ["average_precision", "macro"] => ProbMetric::AveragePrecisionMacro,
            ["average_precision", "per_class", l] => ProbMetric::AveragePrecisionClass(class(l)?),
            ["log_loss"] => ProbMetric::LogLoss,
            ["brier"] => ProbMetric::Brier,
            ["ece", "equal_width"] => ProbMetric::EceEqualWidth,
            ["ece", "equal_mass"] => ProbMetric::EceEqualMass,
            [first, ..] if ["roc_auc", "average_precision", "ece"].contains(first) => {
                return Err(format!(
                    "\"{path}\" is not a probability metric; use roc_auc.macro|weighted, \
                     roc_auc.per_class.<label>, average_precision.macro, \
                     average_precision.per_class.<label>, log_loss, brier or \
                     ece.equal_width|equal_mass"
                ))
            }
            _ => return Ok(None),
        }))
    }

    /// Whether a smaller value is better (log loss, Brier score, ECE).
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            ProbMetric::LogLoss
                | ProbMetric::Brier
                | ProbMetric::EceEqualWidth
                | ProbMetric::EceEqualMass
        )
    }
}

/// Every probability metric of one model, in label order. `None`: undefined (see the module).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbabilityMetrics {
    pub roc_auc_macro: Option<f64>,
    pub roc_auc_weighted: Option<f64>,
    pub roc_auc: Vec<Option<f64>>,
    pub average_precision_macro: Option<f64>,
    pub average_precision: Vec<Option<f64>>,
    pub log_loss: Option<f64>,
    pub brier: Option<f64>,
    pub ece_equal_width: Option<f64>,
    pub ece_equal_mass: Option<f64>,
    /// The equal-width bins of the reliability diagram (empty bins left out).
    pub reliability: Vec<ReliabilityBin>,
    /// Undefined values, with report.json paths relative to `metrics` and the reason.
    pub undefined: Vec<Undefined>,
}

impl Scores {
    /// Prepares `probs` (`k` per item, row-major, in label order) for the items' `truth`.
    pub fn new(truth: &[usize], probs: &[f64], k: usize) -> Result<Scores, ProbabilityError> {
        let n = truth.len();
        if probs.len() != n * k {
            return Err(ProbabilityError::Shape {
                got: probs.len(),
                items: n,
                k,
                expected: n * k,
            });
        }
        if let Some(item) = truth.iter().position(|&t| t >= k) {
            return Err(ProbabilityError::Label {
                item,
                index: truth[item],
                k,
            });
        }
        if let Some(at) = probs.iter().position(|p| !(0.0..=1.0).contains(p)) {
            return Err(ProbabilityError::Value {
                item: at / k,
                label: at % k,
                value: probs[at],
            });
        }
        let eps = f64::EPSILON;
        let classes = (0..k)
            .map(|c| ClassOrder::new(n, |i| probs[i * k + c], |i| truth[i] == c))
            .collect();
        let log_loss = (0..n)
            .map(|i| -probs[i * k + truth[i]].clamp(eps, 1.0 - eps).ln())
            .collect();
        let brier = (0..n)
            .map(|i| {
                (0..k)
                    .map(|c| {
                        let d = probs[i * k + c] - if truth[i] == c { 1.0 } else { 0.0 };
                        d * d
                    })
                    .sum()
            })
            .collect();
        Ok(Scores {
            k,
            n,
            classes,
            log_loss,
            brier,
            calibration: Calibration::new(truth, probs, k),
        })
    }

    pub fn items(&self) -> usize {
        self.n
    }

    /// One metric under weights `w`.
    pub fn metric<W: Weights>(&self, m: ProbMetric, w: &W) -> Option<f64> {
        match m {
            ProbMetric::RocAucMacro if self.k == 2 => self.classes[1].roc_auc(w),
            ProbMetric::RocAucMacro => mean(self.classes.iter().map(|o| o.roc_auc(w))),
            ProbMetric::RocAucWeighted => self.roc_auc_averages(w).1,
            ProbMetric::RocAucClass(c) => self.classes[c].roc_auc(w),
            ProbMetric::AveragePrecisionMacro => self.average_precision_macro(w),
            ProbMetric::AveragePrecisionClass(c) => self.classes[c].average_precision(w),
            ProbMetric::LogLoss => self.mean_of(&self.log_loss, w),
            ProbMetric::Brier => {
                self.mean_of(&self.brier, w)
                    .map(|b| if self.k == 2 { 0.5 * b } else { b })
            }
            ProbMetric::EceEqualWidth => self.calibration.equal_width(w),
            ProbMetric::EceEqualMass => self.calibration.equal_mass(w),
        }
    }

    /// Per-class ROC-AUC, then the macro and support-weighted means as `roc_auc_score(…,
    /// multi_class="ovr")` takes them: the macro mean is undefined if any class is; the weighted
    /// mean gives a class without positives weight 0 (scikit-learn zeroes its NaN) and is
    /// undefined if a class with positives is. With two labels both are the ROC-AUC of the
    /// second label's column, as `roc_auc_score(y, P[:, 1])`.
    fn roc_auc_averages<W: Weights>(&self, w: &W) -> (Option<f64>, Option<f64>, Vec<Option<f64>>) {
        let walked: Vec<(Option<f64>, u64)> = self
            .classes
            .iter()
            .map(|o| o.roc_auc_and_support(w))
            .collect();
        let per: Vec<Option<f64>> = walked.iter().map(|(a, _)| *a).collect();
        if self.k == 2 {
            return (per[1], per[1], per);
        }
        let macro_avg = mean(per.iter().copied());
        let mut weighted = Some((0.0, 0.0));
        for (a, &(_, support)) in per.iter().zip(&walked) {
            if support == 0 {
                continue;
            }
            weighted = match (weighted, a) {
                (Some((sum, total)), Some(a)) => {
                    Some((sum + a * support as f64, total + support as f64))
                }
                _ => None,
            };
        }
        let weighted = weighted.and_then(|(sum, total)| (total > 0.0).then(|| sum / total));
        (macro_avg, weighted, per)
    }

    /// Macro average precision: the mean over classes (undefined if any class is); with two
    /// labels the second label's, as `average_precision_score(y, P[:, 1])`.
    fn average_precision_macro<W: Weights>(&self, w: &W) -> Option<f64> {
        if self.k == 2 {
            return self.classes[1].average_precision(w);
        }
        mean(self.classes.iter().map(|o| o.average_precision(w)))
    }

    fn mean_of<W: Weights>(&self, values: &[f64], w: &W) -> Option<f64> {
        let total = w.total();
        (total > 0).then(|| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| w.at(i) as f64 * v)
                .sum::<f64>()
                / total as f64
        })
    }

    /// Every metric on all items, with the undefined ones named (`labels` in label order).
    pub fn compute(&self, labels: &[String]) -> ProbabilityMetrics {
        let w = Ones(self.n);
        let (roc_auc_macro, roc_auc_weighted, roc_auc) = self.roc_auc_averages(&w);
        let average_precision: Vec<Option<f64>> = self
            .classes
            .iter()
            .map(|o| o.average_precision(&w))
            .collect();
        let mut undefined = Vec::new();
        for (c, name) in labels.iter().enumerate().take(self.k) {
            let positives = self.classes[c].positives(&w);
            let why = if positives == 0 {
                Some(format!("no item has true label {name}"))
            } else if positives == self.n as u64 {
                Some(format!("every item has true label {name}"))
            } else {
                None
            };
            if let Some(why) = why {
                undefined.push(Undefined {
                    metric: format!("probability.roc_auc.per_class.{name}"),
                    reason: why.clone(),
                });
            }
            if positives == 0 {
                undefined.push(Undefined {
                    metric: format!("probability.average_precision.per_class.{name}"),
                    reason: format!("no item has true label {name}"),
                });
            }
        }
        for (avg, value) in [("macro", roc_auc_macro), ("weighted", roc_auc_weighted)] {
            if value.is_none() && self.n > 0 {
                undefined.push(Undefined {
                    metric: format!("probability.roc_auc.{avg}"),
                    reason: "the ROC-AUC of a class it averages is undefined".into(),
                });
            }
        }
        let average_precision_macro = self.average_precision_macro(&w);
        if average_precision_macro.is_none() && self.n > 0 {
            undefined.push(Undefined {
                metric: "probability.average_precision.macro".into(),
                reason: "the average precision of a class it averages is undefined".into(),
            });
        }
        if self.n == 0 {
            undefined.push(Undefined {
                metric: "probability".into(),
                reason: "no item was scored".into(),
            });
        }
        ProbabilityMetrics {
            roc_auc_macro,
            roc_auc_weighted,
            roc_auc,
            average_precision_macro,
            average_precision,
            log_loss: self.metric(ProbMetric::LogLoss, &w),
            brier: self.metric(ProbMetric::Brier, &w),
            ece_equal_width: self.metric(ProbMetric::EceEqualWidth, &w),
            ece_equal_mass: self.metric(ProbMetric::EceEqualMass, &w),
            reliability: self.calibration.reliability(&w),
            undefined,
        }
    }
}

/// The mean of values that must all be defined.
fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.collect::<Option<Vec<f64>>>()?;
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests;
