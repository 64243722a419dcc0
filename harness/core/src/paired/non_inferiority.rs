//! Non-inferiority: a one-sided paired percentile bootstrap of (candidate − baseline).

use serde::{Deserialize, Serialize};

use super::{Paired, PairedMetric};
use crate::bootstrap::{quantile_sorted, CellResampler};
use crate::probability::{paired_bootstrap, ProbMetric, Scores};
use crate::Confusion;

/// Settings of a non-inferiority comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NonInferiorityConfig {
    /// The margin δ: the candidate may be at most this much worse.
    pub delta: f64,
    /// One-sided confidence level of the lower bound, e.g. 0.95.
    pub confidence: f64,
    pub resamples: u32,
    pub seed: u64,
}

/// What a non-inferiority comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Finding {
    /// The lower bound of Δ is above −δ (for a lower-is-better metric: the upper bound is
    /// below +δ).
    NonInferior,
    /// The interval straddles −δ (+δ): not shown non-inferior, not shown a regression.
    Inconclusive,
    /// The whole interval is below −δ (above +δ).
    Regression,
}

/// The result of a paired non-inferiority comparison of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NonInferiority {
    pub candidate: f64,
    pub baseline: f64,
    /// candidate − baseline on all items.
    pub diff: f64,
    /// One-sided lower bound of Δ at `confidence` (the `1 − confidence` quantile).
    pub low: f64,
    /// One-sided upper bound of Δ at `confidence` (the `confidence` quantile).
    pub high: f64,
    pub finding: Finding,
    /// A smaller value is better (log loss, Brier, ECE): the candidate may be at most δ
    /// *above* the baseline, so the finding reads the upper bound.
    pub lower_is_better: bool,
}

/// The finding of bounds `[low, high]` of Δ = candidate − baseline against margin δ.
fn finding(low: f64, high: f64, delta: f64, lower_is_better: bool) -> Finding {
    let (worst, best) = if lower_is_better {
        (-high, -low)
    } else {
        (low, high)
    };
    if worst > -delta {
        Finding::NonInferior
    } else if best < -delta {
        Finding::Regression
    } else {
        Finding::Inconclusive
    }
}

/// Non-inferiority of the candidate on a probability metric ([`ProbMetric`]): a one-sided
/// paired percentile bootstrap of (candidate − baseline) that resamples items jointly, in the
/// metric's direction. `Err` when a side has no probabilities or the metric is undefined.
pub fn probability_non_inferiority(
    p: &Paired,
    metric: ProbMetric,
    cfg: &NonInferiorityConfig,
) -> Result<NonInferiority, String> {
    let k = p.labels.len();
    let scores = |side: &str, probs: &Option<Vec<f64>>| {
        let probs = probs.as_ref().ok_or_else(|| {
            format!("the {side}'s predictions have no p_<label> probabilities for every item")
        })?;
        Scores::new(&p.truth, probs, k).map_err(|e| format!("the {side}'s probabilities: {e}"))
    };
    let (c, b) = (
        scores("candidate", &p.candidate_probs)?,
        scores("baseline", &p.baseline_probs)?,
    );
    let d = paired_bootstrap(&c, &b, metric, cfg.resamples, cfg.seed);
    let (Some(candidate), Some(baseline)) = (d.a, d.b) else {
        return Err(
            "the metric is undefined on these items (a label has no item, or every item)".into(),
        );
    };
    if d.diffs.is_empty() {
        return Err("the metric is undefined in every resample".into());
    }
    let low = d.quantile(1.0 - cfg.confidence);
    let high = d.quantile(cfg.confidence);
    let lower_is_better = metric.lower_is_better();
    Ok(NonInferiority {
        candidate,
        baseline,
        diff: candidate - baseline,
        low,
        high,
        finding: finding(low, high, cfg.delta, lower_is_better),
        lower_is_better,
    })
}

/// Non-inferiority of the candidate on `metric`: a one-sided paired percentile bootstrap of
/// (candidate − baseline), resampling items jointly.
pub fn non_inferiority(
    p: &Paired,
    metric: PairedMetric,
    cfg: &NonInferiorityConfig,
) -> NonInferiority {
    let k = p.labels.len();
    // The (truth, candidate, baseline) triples that occur, in the order of their index in the
    // k³ table, with their counts: at most one per item, where the dense table would be k³
    // counts (8 GB at 1000 labels). The resampler draws nothing for an empty cell, so the
    // draws are those of the dense table.
    let mut occurring = std::collections::BTreeMap::<usize, u64>::new();
    for ((&t, &c), &b) in p.truth.iter().zip(&p.candidate).zip(&p.baseline) {
        *occurring.entry((t * k + c) * k + b).or_default() += 1;
    }
    let (cell, joint): (Vec<usize>, Vec<u64>) = occurring.into_iter().unzip();
    let split = |cells: &[u64]| {
        let (mut cc, mut bc) = (Confusion::zeros(k), Confusion::zeros(k));
        for (&at, &n) in cell.iter().zip(cells) {
            if n > 0 {
                let (t, c, b) = (at / (k * k), at / k % k, at % k);
                cc.add_n(t, c, n);
                bc.add_n(t, b, n);
            }
        }
        (cc, bc)
    };
    let (cc, bc) = split(&joint);
    let candidate = metric.value(&cc, &p.labels);
    let baseline = metric.value(&bc, &p.labels);
    let mut sampler = CellResampler::new(cfg.seed);
    let mut cells = vec![0u64; joint.len()];
    let b = cfg.resamples.max(1) as usize;
    let mut diffs = Vec::with_capacity(b);
    for _ in 0..b {
        sampler.draw(&joint, &mut cells);
        let (rc, rb) = split(&cells);
        diffs.push(metric.value(&rc, &p.labels) - metric.value(&rb, &p.labels));
    }
    diffs.sort_by(f64::total_cmp);
    let low = quantile_sorted(&diffs, 1.0 - cfg.confidence);
    let high = quantile_sorted(&diffs, cfg.confidence);
    let lower_is_better = metric.lower_is_better();
    NonInferiority {
        candidate,
        baseline,
        diff: candidate - baseline,
        low,
        high,
        finding: finding(low, high, cfg.delta, lower_is_better),
        lower_is_better,
    }
}
