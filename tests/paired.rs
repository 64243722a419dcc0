//! Paired comparisons of item predictions: non-inferiority of identical and 5 %-degraded
//! predictions against a baseline (the committed synthetic fixture and real FPB predictions from
//! `../shared`), and McNemar's exact p-values against statsmodels and scipy.

use std::fs;

use indexmap::IndexMap;
use tonebench_core::paired::{self, Finding, ItemPred, NonInferiorityConfig, PairedMetric};

use crate::common::gates::{degrade_5pct, fixtures, labels, synthetic};

/// Real predictions of the MiniLM text model on Financial PhraseBank all-agree, with the suite's
/// labels; `None` (and a message) when ../shared is absent.
fn real_fpb() -> Option<Vec<ItemPred>> {
    let shared = crate::common::root().join("../shared");
    let preds = shared.join("models/text-minilm-sentiment/reference_fpb_allagree.csv");
    let items = shared.join("suites/fpb-allagree/items.csv");
    if !preds.is_file() || !items.is_file() {
        eprintln!("skipped: ../shared not found (real FPB predictions)");
        return None;
    }
    // items.csv: id,label,text — the first two fields are never quoted.
    let truth: IndexMap<String, String> = fs::read_to_string(items)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.splitn(3, ',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect();
    let rows: Vec<ItemPred> = fs::read_to_string(preds)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ItemPred {
                id: f[0].into(),
                label: truth[f[0]].clone(),
                pred: f[1].into(),
                probs: None,
            }
        })
        .collect();
    assert_eq!(rows.len(), truth.len());
    Some(rows)
}

fn cfg(delta: f64) -> NonInferiorityConfig {
    NonInferiorityConfig {
        delta,
        confidence: 0.95,
        resamples: 2000,
        seed: 7,
    }
}

fn check_identical_and_degraded(base: &[ItemPred]) {
    let p = paired::pair(&labels(), base, base).unwrap();
    for delta in [1e-6, 0.001, 0.01, 0.1] {
        for m in [
            "accuracy",
            "macro.f1",
            "balanced_accuracy",
            "per_class.negative.recall",
        ] {
            let r = paired::non_inferiority(
                &p,
                PairedMetric::parse(m, &labels()).unwrap(),
                &cfg(delta),
            );
            assert_eq!(r.finding, Finding::NonInferior, "{m} at δ {delta}: {r:?}");
            assert_eq!(r.low, 0.0);
        }
    }
    let worse = degrade_5pct(base);
    let p = paired::pair(&labels(), &worse, base).unwrap();
    for m in ["accuracy", "macro.f1"] {
        let r = paired::non_inferiority(&p, PairedMetric::parse(m, &labels()).unwrap(), &cfg(0.01));
        assert_ne!(r.finding, Finding::NonInferior, "{m}: {r:?}");
        assert!(r.low <= -0.01, "{m}: {r:?}");
        println!(
            "{m}: Δ {:.4}, one-sided 95% bounds [{:.4}, {:.4}], {:?}",
            r.diff, r.low, r.high, r.finding
        );
    }
    let mc = paired::mcnemar(&p, None);
    assert_eq!(mc.candidate_only, 0);
    assert!(mc.p_value < 0.05, "{mc:?}");
}

#[test]
fn identical_passes_and_5pct_degraded_fails_on_synthetic_fixture() {
    check_identical_and_degraded(&synthetic());
}

#[test]
fn identical_passes_and_5pct_degraded_fails_on_real_predictions() {
    let Some(real) = real_fpb() else { return };
    check_identical_and_degraded(&real);
    // With 2 264 items the drop is a clear regression: the whole interval is below −δ.
    let p = paired::pair(&labels(), &degrade_5pct(&real), &real).unwrap();
    let r = paired::non_inferiority(&p, PairedMetric::Accuracy, &cfg(0.01));
    assert_eq!(r.finding, Finding::Regression, "{r:?}");
}

#[test]
fn mcnemar_exact_p_values_match_statsmodels_and_scipy() {
    let text = fs::read_to_string(fixtures().join("mcnemar_exact.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 10);
    for c in cases {
        let b = c["candidate_only"].as_u64().unwrap();
        let n = c["baseline_only"].as_u64().unwrap();
        let want = c["p_statsmodels"].as_f64().unwrap();
        assert_eq!(want, c["p_scipy"].as_f64().unwrap());
        let got = paired::mcnemar_exact_p(b, n);
        assert!(
            (got - want).abs() <= 1e-9 * want.max(1e-300),
            "b={b} c={n}: {got} vs {want}"
        );
    }
}
