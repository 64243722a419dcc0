//! The numbers equal fairlearn's (metadata partitions) and scipy's (Fisher's exact test).

use indexmap::IndexMap;
use serde_json::Value;
use tonebench_core::cohorts::{
    analyze, build_partitions, stats, CohortConfig, CohortInputs, Outcome,
};

use super::close;

const RAVDESS: &str = include_str!("../../../../tests/fixtures/fairness/ravdess_fairlearn.json");
const SYNTHETIC: &str =
    include_str!("../../../../tests/fixtures/fairness/synthetic_fairlearn.json");
const FISHER: &str = include_str!("../../../../tests/fixtures/fairness/fisher_scipy.json");

/// Runs the metadata partitions of a fairlearn fixture and compares with its expected numbers.
fn check_fairlearn(fixture: &str, columns: &[&str], speaker_column: Option<&str>) {
    let v: Value = serde_json::from_str(fixture).unwrap();
    let labels: Vec<String> = serde_json::from_value(v["labels"].clone()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    let idx = |s: &Value| {
        labels
            .iter()
            .position(|l| l == s.as_str().unwrap())
            .unwrap()
    };
    let truth: Vec<usize> = rows.iter().map(|r| idx(&r["label"])).collect();
    let pred: Vec<usize> = rows.iter().map(|r| idx(&r["pred"])).collect();
    let speakers: Vec<Option<String>> = rows
        .iter()
        .map(|r| speaker_column.map(|c| r[c].as_str().unwrap().to_string()))
        .collect();
    let mut metadata = IndexMap::new();
    for c in columns {
        let col = rows
            .iter()
            .map(|r| Some(r[*c].as_str().unwrap().to_string()))
            .collect();
        metadata.insert(c.to_string(), col);
    }
    let cfg = CohortConfig {
        metadata: columns.iter().map(|c| c.to_string()).collect(),
        min_speakers: 1,
        resamples: 200,
        ..CohortConfig::default()
    };
    let inputs = CohortInputs {
        speakers: &speakers,
        metadata: &metadata,
        embeddings: &[],
    };
    let parts = build_partitions(&inputs, &cfg, None).unwrap();
    let outcome = Outcome {
        labels: &labels,
        truth: &truth,
        pred: &pred,
        probs: None,
    };
    let (reports, _) = analyze(&parts.partitions, &speakers, &outcome, &cfg).unwrap();
    for (c, r) in columns.iter().zip(&reports) {
        let expect = &v["partitions"][*c];
        let by = expect["by_group"].as_object().unwrap();
        assert_eq!(r.groups.len(), by.len(), "{c}");
        for g in &r.groups {
            close(g.accuracy, by[&g.name]["accuracy"].as_f64().unwrap());
            close(g.error_rate, by[&g.name]["error_rate"].as_f64().unwrap());
            let ci = g.error_rate_ci.unwrap();
            assert!(ci.low <= g.error_rate && g.error_rate <= ci.high);
        }
        close(
            r.difference.unwrap(),
            expect["difference_error_rate"].as_f64().unwrap(),
        );
        close(r.ratio.unwrap(), expect["ratio_accuracy"].as_f64().unwrap());
        // worst = highest error; gap against everything else.
        let worst = r
            .groups
            .iter()
            .find(|g| Some(&g.name) == r.worst.as_ref())
            .unwrap();
        let max = r.groups.iter().map(|g| g.error_rate).fold(0.0, f64::max);
        close(worst.error_rate, max);
        let (out_err, out_n) = r
            .groups
            .iter()
            .filter(|g| g.name != worst.name)
            .fold((0.0, 0u64), |(e, n), g| {
                (e + g.error_rate * g.items as f64, n + g.items)
            });
        close(
            r.gap_abs.unwrap(),
            worst.error_rate - out_err / out_n as f64,
        );
    }
}

#[test]
fn ravdess_sex_and_actor_equal_fairlearn() {
    check_fairlearn(RAVDESS, &["sex", "actor"], Some("actor"));
}

#[test]
fn synthetic_groups_without_speakers_equal_fairlearn() {
    check_fairlearn(SYNTHETIC, &["group"], None);
}

#[test]
fn fisher_exact_equals_scipy() {
    let v: Value = serde_json::from_str(FISHER).unwrap();
    for case in v.as_array().unwrap() {
        let t: Vec<Vec<u64>> = serde_json::from_value(case["table"].clone()).unwrap();
        let p = stats::fisher_exact_two_sided(t[0][0], t[0][1], t[1][0], t[1][1]);
        let expect = case["p_two_sided"].as_f64().unwrap();
        assert!((p - expect).abs() < 1e-10, "{t:?}: {p} != {expect}");
    }
}
