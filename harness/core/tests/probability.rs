//! The probability metrics equal scikit-learn's (and the numpy ECE of the fixture script) within
//! 1e-9 on tests/fixtures/probability/probability_sklearn.json: ties, a class with one positive,
//! probabilities of exactly 0 and 1, two labels, an absent class.

use serde_json::Value;
use tonebench_core::probability::{ProbabilityMetrics, Scores, ECE_BINS};

const FIXTURE: &str = include_str!("../../../tests/fixtures/probability/probability_sklearn.json");

fn check(case: &str, what: &str, got: Option<f64>, want: &Value) {
    match (got, want.as_f64()) {
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= 1e-9,
            "{case} {what}: {g} vs scikit-learn {w}"
        ),
        (None, None) => assert!(want.is_null(), "{case} {what}: {want}"),
        (g, _) => panic!("{case} {what}: tonebench {g:?}, scikit-learn {want}"),
    }
}

fn compare(name: &str, labels: &[String], m: &ProbabilityMetrics, e: &Value) {
    check(
        name,
        "roc_auc.macro",
        m.roc_auc_macro,
        &e["roc_auc"]["macro"],
    );
    check(
        name,
        "roc_auc.weighted",
        m.roc_auc_weighted,
        &e["roc_auc"]["weighted"],
    );
    check(
        name,
        "average_precision.macro",
        m.average_precision_macro,
        &e["average_precision"]["macro"],
    );
    for (c, l) in labels.iter().enumerate() {
        check(
            name,
            &format!("roc_auc.{l}"),
            m.roc_auc[c],
            &e["roc_auc"]["per_class"][l],
        );
        check(
            name,
            &format!("average_precision.{l}"),
            m.average_precision[c],
            &e["average_precision"]["per_class"][l],
        );
    }
    check(name, "log_loss", m.log_loss, &e["log_loss"]);
    check(name, "brier", m.brier, &e["brier"]);
    check(
        name,
        "ece.equal_width",
        m.ece_equal_width,
        &e["ece"]["equal_width"],
    );
    check(
        name,
        "ece.equal_mass",
        m.ece_equal_mass,
        &e["ece"]["equal_mass"],
    );
    assert_eq!(e["ece"]["bins"].as_u64(), Some(ECE_BINS as u64));
}

#[test]
fn probability_metrics_equal_scikit_learn() {
    let v: Value = serde_json::from_str(FIXTURE).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let labels: Vec<String> = serde_json::from_value(case["labels"].clone()).unwrap();
        let truth: Vec<usize> = serde_json::from_value(case["truth"].clone()).unwrap();
        let rows: Vec<Vec<f64>> = serde_json::from_value(case["probs"].clone()).unwrap();
        let probs: Vec<f64> = rows.concat();
        let s = Scores::new(&truth, &probs, labels.len()).unwrap();
        let m = s.compute(&labels);
        compare(name, &labels, &m, &case["expected"]);
        // Reliability bins add up to the items, and the equal-width ECE is their weighted gap.
        let items: u64 = m.reliability.iter().map(|b| b.items).sum();
        assert_eq!(items, truth.len() as u64, "{name}");
        let ece: f64 = m
            .reliability
            .iter()
            .map(|b| b.items as f64 * (b.accuracy - b.confidence).abs())
            .sum::<f64>()
            / truth.len() as f64;
        assert!((ece - m.ece_equal_width.unwrap()).abs() < 1e-12, "{name}");
    }
}
