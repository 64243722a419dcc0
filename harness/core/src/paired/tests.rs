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
            probs: None,
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
        candidate_probs: None,
        baseline_probs: None,
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
            let r = non_inferiority(&p, PairedMetric::parse(m, &p.labels).unwrap(), &cfg(delta));
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

/// The dense k³ table the bootstrap drew from before (the reference the compact one must match).
fn dense_reference(p: &Paired, metric: PairedMetric, cfg: &NonInferiorityConfig) -> (f64, f64) {
    let k = p.labels.len();
    let mut joint = vec![0u64; k * k * k];
    for ((&t, &c), &b) in p.truth.iter().zip(&p.candidate).zip(&p.baseline) {
        joint[(t * k + c) * k + b] += 1;
    }
    let mut sampler = crate::bootstrap::CellResampler::new(cfg.seed);
    let mut cells = vec![0u64; joint.len()];
    let mut diffs = Vec::new();
    for _ in 0..cfg.resamples {
        sampler.draw(&joint, &mut cells);
        let (mut cc, mut bc) = (crate::Confusion::zeros(k), crate::Confusion::zeros(k));
        for (i, &n) in cells.iter().enumerate() {
            cc.add_n(i / (k * k), i / k % k, n);
            bc.add_n(i / (k * k), i % k, n);
        }
        diffs.push(metric.value(&cc, &p.labels) - metric.value(&bc, &p.labels));
    }
    diffs.sort_by(f64::total_cmp);
    (
        crate::bootstrap::quantile_sorted(&diffs, 1.0 - cfg.confidence),
        crate::bootstrap::quantile_sorted(&diffs, cfg.confidence),
    )
}

#[test]
fn the_compact_joint_table_draws_what_the_dense_one_did() {
    let p = paired(300, 3, 10);
    for metric in [PairedMetric::Accuracy, PairedMetric::Macro(2)] {
        let r = non_inferiority(&p, metric, &cfg(0.01));
        assert_eq!((r.low, r.high), dense_reference(&p, metric, &cfg(0.01)));
    }
}

/// Issue 18: the joint table was k³ counts, 8 GB at the 1000 labels a label set may have
/// (DESIGN.md, Limits); now it holds only the triples that occur.
#[test]
fn a_thousand_labels_need_no_k_cubed_table() {
    let k = crate::limits::LABELS;
    let n = 2000;
    let truth: Vec<usize> = (0..n).map(|i| i % k).collect();
    let candidate: Vec<usize> = truth
        .iter()
        .map(|&t| (t + (t % 7 == 0) as usize) % k)
        .collect();
    let p = Paired {
        labels: (0..k).map(|i| format!("l{i}")).collect(),
        baseline: truth.clone(),
        truth,
        candidate,
        candidate_probs: None,
        baseline_probs: None,
    };
    let c = NonInferiorityConfig {
        resamples: 3,
        ..cfg(0.01)
    };
    let r = non_inferiority(&p, PairedMetric::Accuracy, &c);
    assert!(r.diff < 0.0 && r.low <= r.high, "{r:?}");
}
