//! Every pair of models of one run compared item by item.

use serde::{Deserialize, Serialize};

use super::{mcnemar, non_inferiority, McNemar, NonInferiorityConfig, Paired, PairedMetric};
use crate::bootstrap::BootstrapConfig;
use crate::probability::{paired_bootstrap, ProbMetric, Scores};

/// A paired difference (model A − model B) of one metric on the same items, with a two-sided
/// percentile interval from a joint item bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairedDiff {
    /// report.json path of the metric, e.g. `macro.f1`.
    pub metric: String,
    pub a: f64,
    pub b: f64,
    pub diff: f64,
    pub low: f64,
    pub high: f64,
}

/// Two models of one run compared item by item: paired bootstrap differences of the headline
/// metrics and McNemar's exact test on correctness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelComparison {
    pub a: String,
    pub b: String,
    pub items: u64,
    pub diffs: Vec<PairedDiff>,
    /// `candidate_only` counts items only A got right, `baseline_only` items only B got right.
    pub mcnemar: McNemar,
}

/// The headline metrics compared between models of one run.
pub const COMPARED_METRICS: [&str; 3] = ["accuracy", "balanced_accuracy", "macro.f1"];

/// Compares two models' predictions on the same items (`a` plays the candidate, `b` the
/// baseline). Intervals are two-sided at `cfg.confidence`.
pub fn compare_models(
    names: (&str, &str),
    labels: &[String],
    truth: &[usize],
    a: &[usize],
    b: &[usize],
    cfg: &BootstrapConfig,
) -> ModelComparison {
    let p = Paired {
        labels: labels.to_vec(),
        truth: truth.to_vec(),
        candidate: a.to_vec(),
        baseline: b.to_vec(),
        candidate_probs: None,
        baseline_probs: None,
    };
    // A one-sided bound at 1 − α/2 on each side is the two-sided interval at 1 − α.
    let one_sided = NonInferiorityConfig {
        delta: 0.0,
        confidence: 1.0 - (1.0 - cfg.confidence) / 2.0,
        resamples: cfg.resamples,
        seed: cfg.seed,
    };
    let diffs = COMPARED_METRICS
        .iter()
        .map(|path| {
            let metric = PairedMetric::parse(path, labels).expect("headline metrics parse");
            let r = non_inferiority(&p, metric, &one_sided);
            PairedDiff {
                metric: (*path).to_string(),
                a: r.candidate,
                b: r.baseline,
                diff: r.diff,
                low: r.low,
                high: r.high,
            }
        })
        .collect();
    ModelComparison {
        a: names.0.to_string(),
        b: names.1.to_string(),
        items: truth.len() as u64,
        diffs,
        mcnemar: mcnemar(&p, None),
    }
}

/// The probability metrics compared between models of one run that both gave probabilities.
pub const COMPARED_PROBABILITY_METRICS: [&str; 2] = ["roc_auc.macro", "log_loss"];

/// Paired bootstrap differences (A − B, two-sided at `cfg.confidence`) of
/// [`COMPARED_PROBABILITY_METRICS`] for two models' probabilities on the same items, in the
/// same item order. A metric undefined for either model (a class absent from the truth) is left
/// out.
pub fn probability_diffs(a: &Scores, b: &Scores, cfg: &BootstrapConfig) -> Vec<PairedDiff> {
    let alpha = (1.0 - cfg.confidence) / 2.0;
    COMPARED_PROBABILITY_METRICS
        .iter()
        .filter_map(|path| {
            let metric = ProbMetric::parse(path, &[]).ok().flatten()?;
            let d = paired_bootstrap(a, b, metric, cfg.resamples, cfg.seed);
            let (va, vb) = (d.a?, d.b?);
            (!d.diffs.is_empty()).then(|| PairedDiff {
                metric: (*path).to_string(),
                a: va,
                b: vb,
                diff: va - vb,
                low: d.quantile(alpha),
                high: d.quantile(1.0 - alpha),
            })
        })
        .collect()
}
