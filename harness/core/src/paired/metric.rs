//! The metrics a paired comparison can test, named by their report.json path.

use crate::metrics::Prf;
use crate::{Confusion, Metrics};

/// A metric computable from a confusion matrix, named by its report.json path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairedMetric {
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    /// `macro.<m>`: 0 precision, 1 recall, 2 F1.
    Macro(usize),
    Weighted(usize),
    /// `per_class.<label>.<m>` by label index.
    Class(usize, usize),
}

impl PairedMetric {
    /// Parses a report.json path (`macro.f1`, `per_class.negative.recall`, …).
    pub fn parse(path: &str, labels: &[String]) -> Result<PairedMetric, String> {
        let prf = |m: &str| match m {
            "precision" => Some(0),
            "recall" => Some(1),
            "f1" => Some(2),
            _ => None,
        };
        let segs: Vec<&str> = path.split('.').collect();
        let found = match segs.as_slice() {
            ["accuracy"] | ["micro", _] => Some(PairedMetric::Accuracy),
            ["balanced_accuracy"] => Some(PairedMetric::BalancedAccuracy),
            ["cohen_kappa"] => Some(PairedMetric::CohenKappa),
            ["macro", m] => prf(m).map(PairedMetric::Macro),
            ["weighted", m] => prf(m).map(PairedMetric::Weighted),
            ["per_class", label, m] => {
                let Some(i) = labels.iter().position(|l| l == label) else {
                    return Err(format!(
                        "\"{path}\": \"{label}\" is not one of the suite's labels ({})",
                        labels.join(", ")
                    ));
                };
                prf(m).map(|m| PairedMetric::Class(i, m))
            }
            _ => None,
        };
        found.ok_or_else(|| {
            format!(
                "\"{path}\" cannot be compared item by item; use accuracy, balanced_accuracy, \
                 cohen_kappa, macro.<m>, weighted.<m> or per_class.<label>.<m> with <m> one of \
                 precision, recall, f1 (or a probability metric: roc_auc.macro, log_loss, brier, \
                 ece.equal_width, …)"
            )
        })
    }

    /// Whether a smaller value is better: never, for these metrics.
    pub fn lower_is_better(self) -> bool {
        false
    }

    /// The metric's value on a confusion matrix.
    pub fn value(self, cm: &Confusion, labels: &[String]) -> f64 {
        let m = Metrics::compute(cm, labels);
        let pick = |p: Prf, i: usize| [p.precision, p.recall, p.f1][i];
        match self {
            PairedMetric::Accuracy => m.accuracy,
            PairedMetric::BalancedAccuracy => m.balanced_accuracy,
            PairedMetric::CohenKappa => m.cohen_kappa,
            PairedMetric::Macro(i) => pick(m.macro_avg, i),
            PairedMetric::Weighted(i) => pick(m.weighted, i),
            PairedMetric::Class(c, i) => {
                let x = m.per_class[c];
                [x.precision, x.recall, x.f1][i]
            }
        }
    }
}
