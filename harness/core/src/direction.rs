//! Which way is better for a metric named by its report.json path: the paired comparisons, the
//! non-inferiority gate and the reports read it so that a lower log loss is an improvement.

/// Whether a larger or a smaller value of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    /// The direction of the metric at `path` (`log_loss`, `probability.ece.equal_mass`,
    /// `cohorts.sex.gap_abs`, `latency.p95_ms`, …). Losses, calibration errors, error rates, gaps
    /// and latencies are lower-is-better; every other metric (accuracy, F1, ROC-AUC, average
    /// precision, kappa, …) is higher-is-better.
    pub fn of(path: &str) -> Direction {
        let path = path.strip_prefix("probability.").unwrap_or(path);
        let first = path.split('.').next().unwrap_or("");
        let last = path.rsplit('.').next().unwrap_or("");
        let lower = matches!(first, "log_loss" | "brier" | "ece")
            || matches!(
                last,
                "error_rate" | "gap_abs" | "gap_rel_pct" | "difference" | "rtf"
            )
            || last.ends_with("_ms");
        if lower {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    /// `lower is better` or `higher is better`, for verdicts.
    pub fn describe(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Direction::{self, *};

    #[test]
    fn losses_errors_and_latencies_are_lower_is_better() {
        for p in [
            "log_loss",
            "brier",
            "ece.equal_width",
            "probability.ece.equal_mass",
            "probability.log_loss",
            "cohorts.sex.gap_abs",
            "cohorts.sex.groups.f.error_rate",
            "latency.cpu.p95_ms",
        ] {
            assert_eq!(Direction::of(p), LowerIsBetter, "{p}");
        }
        for p in [
            "accuracy",
            "macro.f1",
            "roc_auc.macro",
            "probability.average_precision.per_class.neutral",
            "cohen_kappa",
            "cohorts.sex.ratio",
        ] {
            assert_eq!(Direction::of(p), HigherIsBetter, "{p}");
        }
    }
}
