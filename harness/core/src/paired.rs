//! Paired comparison of a candidate against a baseline on the same items: non-inferiority by a
//! one-sided paired bootstrap of (candidate − baseline), and McNemar's exact test.
//!
//! Pairing is checked first: both must have scored exactly the same item ids with the same
//! labels ([`pair`]). The bootstrap resamples **items**, jointly for both models. An item is the
//! triple (truth, candidate prediction, baseline prediction), so resampling items is drawing the
//! `k³` joint counts from a multinomial — done with the same seeded [`CellResampler`] as the
//! report's intervals, at `O(k³)` per resample whatever the number of items.

use serde::{Deserialize, Serialize};

use crate::bootstrap::{quantile_sorted, CellResampler};
use crate::{Confusion, Metrics};

/// One scored item of one model: its id, true label and predicted label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPred {
    pub id: String,
    pub label: String,
    pub pred: String,
}

/// Candidate and baseline predictions on the same items, as label indices in baseline item order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    pub labels: Vec<String>,
    pub truth: Vec<usize>,
    pub candidate: Vec<usize>,
    pub baseline: Vec<usize>,
}

/// Why candidate and baseline cannot be compared item by item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error("{side} lists item \"{id}\" twice")]
    DuplicateId { side: &'static str, id: String },
    #[error("{side} item \"{id}\": {what} \"{value}\" is not one of {labels}")]
    UnknownLabel {
        side: &'static str,
        id: String,
        what: &'static str,
        value: String,
        labels: String,
    },
    #[error("the candidate was not scored on the baseline's items: {0}")]
    Differ(ItemDiff),
}

/// How two item lists differ.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemDiff {
    /// Baseline ids the candidate lacks.
    pub missing: Vec<String>,
    /// Candidate ids the baseline lacks.
    pub extra: Vec<String>,
    /// (id, candidate label, baseline label) for ids whose true label differs.
    pub relabeled: Vec<(String, String, String)>,
}

const SHOWN: usize = 5;

fn first<T: std::fmt::Display>(v: &[T]) -> String {
    let mut s: Vec<String> = v.iter().take(SHOWN).map(|x| x.to_string()).collect();
    if v.len() > SHOWN {
        s.push("…".into());
    }
    s.join(", ")
}

impl std::fmt::Display for ItemDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "{} baseline item(s) missing from the candidate (first: {})",
                self.missing.len(),
                first(&self.missing)
            ));
        }
        if !self.extra.is_empty() {
            parts.push(format!(
                "{} candidate item(s) not in the baseline (first: {})",
                self.extra.len(),
                first(&self.extra)
            ));
        }
        if !self.relabeled.is_empty() {
            let shown: Vec<String> = self
                .relabeled
                .iter()
                .map(|(id, c, b)| format!("{id}: candidate {c}, baseline {b}"))
                .collect();
            parts.push(format!(
                "{} item(s) with a different true label (first: {})",
                self.relabeled.len(),
                first(&shown)
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// Checks that candidate and baseline scored the same items with the same labels and returns
/// them as index vectors in baseline order.
pub fn pair(
    labels: &[String],
    candidate: &[ItemPred],
    baseline: &[ItemPred],
) -> Result<Paired, PairingError> {
    use std::collections::BTreeMap;
    let index = |side: &'static str, id: &str, what: &'static str, v: &str| {
        labels
            .iter()
            .position(|l| l == v)
            .ok_or_else(|| PairingError::UnknownLabel {
                side,
                id: id.into(),
                what,
                value: v.into(),
                labels: labels.join(", "),
            })
    };
    let mut cand: BTreeMap<&str, &ItemPred> = BTreeMap::new();
    for it in candidate {
        if cand.insert(&it.id, it).is_some() {
            return Err(PairingError::DuplicateId {
                side: "candidate",
                id: it.id.clone(),
            });
        }
    }
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    let mut diff = ItemDiff::default();
    for b in baseline {
        if seen.insert(&b.id, ()).is_some() {
            return Err(PairingError::DuplicateId {
                side: "baseline",
                id: b.id.clone(),
            });
        }
        match cand.get(b.id.as_str()) {
            None => diff.missing.push(b.id.clone()),
            Some(c) if c.label != b.label => {
                diff.relabeled
                    .push((b.id.clone(), c.label.clone(), b.label.clone()))
            }
            Some(_) => {}
        }
    }
    diff.extra = candidate
        .iter()
        .filter(|c| !seen.contains_key(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    if diff != ItemDiff::default() {
        return Err(PairingError::Differ(diff));
    }
    let mut p = Paired {
        labels: labels.to_vec(),
        truth: Vec::with_capacity(baseline.len()),
        candidate: Vec::with_capacity(baseline.len()),
        baseline: Vec::with_capacity(baseline.len()),
    };
    for b in baseline {
        let c = cand[b.id.as_str()];
        p.truth.push(index("baseline", &b.id, "label", &b.label)?);
        p.baseline
            .push(index("baseline", &b.id, "prediction", &b.pred)?);
        p.candidate
            .push(index("candidate", &c.id, "prediction", &c.pred)?);
    }
    Ok(p)
}

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
                 precision, recall, f1"
            )
        })
    }

    /// The metric's value on a confusion matrix.
    pub fn value(self, cm: &Confusion, labels: &[String]) -> f64 {
        let m = Metrics::compute(cm, labels);
        let pick = |p: crate::metrics::Prf, i: usize| [p.precision, p.recall, p.f1][i];
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

/// Settings of a non-inferiority comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
#[serde(rename_all = "kebab-case")]
pub enum Finding {
    /// The lower bound of Δ is above −δ.
    NonInferior,
    /// The interval straddles −δ: not shown non-inferior, not shown a regression.
    Inconclusive,
    /// The whole interval is below −δ.
    Regression,
}

/// The result of a paired non-inferiority comparison of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
}

/// Non-inferiority of the candidate on `metric`: a one-sided paired percentile bootstrap of
/// (candidate − baseline), resampling items jointly.
pub fn non_inferiority(
    p: &Paired,
    metric: PairedMetric,
    cfg: &NonInferiorityConfig,
) -> NonInferiority {
    let k = p.labels.len();
    let mut joint = vec![0u64; k * k * k];
    for ((&t, &c), &b) in p.truth.iter().zip(&p.candidate).zip(&p.baseline) {
        joint[(t * k + c) * k + b] += 1;
    }
    let split = |cells: &[u64]| {
        let (mut cc, mut bc) = (Confusion::zeros(k), Confusion::zeros(k));
        for t in 0..k {
            for c in 0..k {
                for b in 0..k {
                    let n = cells[(t * k + c) * k + b];
                    if n > 0 {
                        cc.add_n(t, c, n);
                        bc.add_n(t, b, n);
                    }
                }
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
    let finding = if low > -cfg.delta {
        Finding::NonInferior
    } else if high < -cfg.delta {
        Finding::Regression
    } else {
        Finding::Inconclusive
    };
    NonInferiority {
        candidate,
        baseline,
        diff: candidate - baseline,
        low,
        high,
        finding,
    }
}

/// McNemar's exact test on the discordant pairs of correctness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Items the candidate got right and the baseline wrong.
    pub candidate_only: u64,
    /// Items the baseline got right and the candidate wrong.
    pub baseline_only: u64,
    /// Two-sided exact p-value (statsmodels `mcnemar(exact=True)`).
    pub p_value: f64,
}

/// McNemar's exact test of candidate vs baseline correctness, over all items or only the items
/// whose true label is `class`.
pub fn mcnemar(p: &Paired, class: Option<usize>) -> McNemar {
    let (mut cand_only, mut base_only) = (0u64, 0u64);
    for ((&t, &c), &b) in p.truth.iter().zip(&p.candidate).zip(&p.baseline) {
        if class.is_some_and(|k| k != t) {
            continue;
        }
        match (c == t, b == t) {
            (true, false) => cand_only += 1,
            (false, true) => base_only += 1,
            _ => {}
        }
    }
    McNemar {
        candidate_only: cand_only,
        baseline_only: base_only,
        p_value: mcnemar_exact_p(cand_only, base_only),
    }
}

/// Two-sided exact McNemar p-value: `min(1, 2 · P[X ≤ min(b, c)])` with `X ~ Binomial(b + c, ½)`,
/// as statsmodels' `mcnemar(table, exact=True)` and scipy's `binomtest(min, n, 0.5)` compute it.
pub fn mcnemar_exact_p(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let m = b.min(c);
    // log P[X = i] = log C(n, i) − n log 2, summed in log space.
    let mut log_term = -(n as f64) * std::f64::consts::LN_2;
    let mut log_sum = log_term;
    for i in 0..m {
        log_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        let (hi, lo) = if log_sum > log_term {
            (log_sum, log_term)
        } else {
            (log_term, log_sum)
        };
        log_sum = hi + (lo - hi).exp().ln_1p();
    }
    (2.0 * log_sum.exp()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["negative", "neutral", "positive"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn items(rows: &[(&str, &str, &str)]) -> Vec<ItemPred> {
        rows.iter()
            .map(|(i, l, p)| ItemPred {
                id: i.to_string(),
                label: l.to_string(),
                pred: p.to_string(),
            })
            .collect()
    }

    /// 200 items, truth cycling over the labels; `wrong` of them mispredicted by the candidate.
    fn paired(n: usize, base_wrong_every: usize, cand_extra_wrong: usize) -> Paired {
        let truth: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let baseline: Vec<usize> = truth
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if i % base_wrong_every == 0 {
                    (t + 1) % 3
                } else {
                    t
                }
            })
            .collect();
        let mut candidate = baseline.clone();
        let mut changed = 0;
        for (i, c) in candidate.iter_mut().enumerate() {
            if changed < cand_extra_wrong && *c == truth[i] {
                *c = (truth[i] + 2) % 3;
                changed += 1;
            }
        }
        Paired {
            labels: labels(),
            truth,
            candidate,
            baseline,
        }
    }

    fn cfg(delta: f64) -> NonInferiorityConfig {
        NonInferiorityConfig {
            delta,
            confidence: 0.95,
            resamples: 1000,
            seed: 7,
        }
    }

    #[test]
    fn identical_models_are_non_inferior_at_any_margin() {
        let p = paired(600, 4, 0);
        for delta in [1e-9, 0.001, 0.01, 0.5] {
            for m in [
                "accuracy",
                "macro.f1",
                "per_class.neutral.recall",
                "cohen_kappa",
            ] {
                let r =
                    non_inferiority(&p, PairedMetric::parse(m, &p.labels).unwrap(), &cfg(delta));
                assert_eq!((r.diff, r.low, r.high), (0.0, 0.0, 0.0), "{m}");
                assert_eq!(r.finding, Finding::NonInferior);
            }
        }
    }

    #[test]
    fn a_clear_drop_is_a_regression_and_a_small_one_inconclusive() {
        // 30 of 600 items (5 %) newly wrong: accuracy drops by 30 / 600 = 0.05.
        let p = paired(600, 4, 30);
        let r = non_inferiority(&p, PairedMetric::Accuracy, &cfg(0.01));
        assert!((r.diff - (-30.0 / 600.0)).abs() < 1e-12);
        assert_eq!(r.finding, Finding::Regression, "{r:?}");
        // 2 of 600 newly wrong, δ = 0.002: the interval straddles −δ.
        let p = paired(600, 4, 2);
        let r = non_inferiority(&p, PairedMetric::Accuracy, &cfg(0.002));
        assert_eq!(r.finding, Finding::Inconclusive, "{r:?}");
    }

    #[test]
    fn same_seed_same_bounds() {
        let p = paired(300, 3, 10);
        let a = non_inferiority(&p, PairedMetric::Macro(2), &cfg(0.01));
        let b = non_inferiority(&p, PairedMetric::Macro(2), &cfg(0.01));
        assert_eq!(a, b);
        assert!(a.low <= a.diff && a.diff <= a.high);
    }

    #[test]
    fn mcnemar_counts_discordant_pairs() {
        let p = paired(600, 4, 30);
        let m = mcnemar(&p, None);
        assert_eq!((m.candidate_only, m.baseline_only), (0, 30));
        // 2 · 0.5^30
        assert!((m.p_value - 2.0 * 0.5f64.powi(30)).abs() < 1e-20);
        // Only negatives (truth 0): the first 10 newly wrong items cycle 0, 1, 2 (minus baseline errors).
        let neg = mcnemar(&p, Some(0));
        assert!(neg.baseline_only > 0 && neg.baseline_only < 30);
    }

    #[test]
    fn exact_p_small_cases() {
        assert_eq!(mcnemar_exact_p(0, 0), 1.0);
        assert_eq!(mcnemar_exact_p(3, 3), 1.0);
        // b = 1, c = 5: 2 · (1 + 6) / 64
        assert!((mcnemar_exact_p(1, 5) - 2.0 * 7.0 / 64.0).abs() < 1e-15);
        assert!((mcnemar_exact_p(5, 1) - 14.0 / 64.0).abs() < 1e-15);
    }

    #[test]
    fn pairing_names_how_items_differ() {
        let base = items(&[
            ("a", "negative", "negative"),
            ("b", "neutral", "neutral"),
            ("c", "positive", "neutral"),
        ]);
        let cand = items(&[
            ("a", "negative", "neutral"),
            ("c", "neutral", "neutral"),
            ("d", "neutral", "neutral"),
        ]);
        let err = pair(&labels(), &cand, &base).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the candidate was not scored on the baseline's items: 1 baseline item(s) missing from \
             the candidate (first: b); 1 candidate item(s) not in the baseline (first: d); 1 item(s) \
             with a different true label (first: c: candidate neutral, baseline positive)"
        );
        let ok = pair(
            &labels(),
            &items(&[
                ("c", "positive", "positive"),
                ("a", "negative", "negative"),
                ("b", "neutral", "positive"),
            ]),
            &base,
        )
        .unwrap();
        assert_eq!(
            (ok.truth, ok.candidate, ok.baseline),
            (vec![0, 1, 2], vec![0, 2, 2], vec![0, 1, 1])
        );
        let dup = items(&[("a", "negative", "negative"), ("a", "negative", "negative")]);
        assert!(matches!(
            pair(&labels(), &dup, &base),
            Err(PairingError::DuplicateId { .. })
        ));
        let bad = items(&[
            ("a", "negative", "angry"),
            ("b", "neutral", "neutral"),
            ("c", "positive", "neutral"),
        ]);
        assert_eq!(
            pair(&labels(), &bad, &base).unwrap_err().to_string(),
            "candidate item \"a\": prediction \"angry\" is not one of negative, neutral, positive"
        );
    }
}

/// A paired difference (model A − model B) of one metric on the same items, with a two-sided
/// percentile interval from a joint item bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    cfg: &crate::bootstrap::BootstrapConfig,
) -> ModelComparison {
    let p = Paired {
        labels: labels.to_vec(),
        truth: truth.to_vec(),
        candidate: a.to_vec(),
        baseline: b.to_vec(),
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
