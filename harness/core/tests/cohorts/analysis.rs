//! Scoring partitions: small cohorts, the worst-vs-rest tests, Benjamini–Hochberg across a
//! run, fusion gain, and the same bytes from the same inputs.

use indexmap::IndexMap;
use tonebench_core::cohorts::{
    adjust_p_values, analyze, build_partitions, fusion_gain, CohortConfig, CohortInputs,
    EmbeddingSource, ModelCohorts, Outcome,
};
use tonebench_core::report::{CohortReport, Modality, WarningCode};

use super::{close, labels, planted, report_with_p};

#[test]
fn benjamini_hochberg_across_models_and_partitions() {
    // Two models' reports; the untested one is skipped and does not count in m.
    let mut a = [report_with_p(Some(0.5)), report_with_p(None)];
    let mut b = [report_with_p(Some(0.01)), report_with_p(Some(0.03))];
    adjust_p_values(a.iter_mut().chain(b.iter_mut()));
    assert_eq!(a[0].p_adjusted, Some(0.5));
    assert_eq!(a[1].p_adjusted, None);
    close(b[0].p_adjusted.unwrap(), 0.01 * 3.0);
    close(b[1].p_adjusted.unwrap(), 0.03 * 3.0 / 2.0);
    assert!(b.iter().all(|r| r.p_adjusted.unwrap() <= 0.05));
    // No discovery: 0.2, 0.4, 0.9 → 0.6, 0.6, 0.9.
    let mut c: Vec<CohortReport> = [0.2, 0.4, 0.9]
        .iter()
        .map(|&p| report_with_p(Some(p)))
        .collect();
    adjust_p_values(c.iter_mut());
    let adj: Vec<f64> = c.iter().map(|r| r.p_adjusted.unwrap()).collect();
    close(adj[0], 0.4 * 3.0 / 2.0);
    close(adj[1], 0.4 * 3.0 / 2.0);
    close(adj[2], 0.9);
    assert!(adj.iter().all(|&p| p > 0.05));
}

#[test]
fn small_cohorts_are_reported_but_never_worst() {
    // sex: f has 2 speakers (all wrong), m has 6 speakers; min-speakers 5.
    let mut speakers = Vec::new();
    let mut sex = Vec::new();
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    for s in 0..8 {
        for i in 0..4 {
            speakers.push(Some(format!("s{s}")));
            sex.push(Some(if s < 2 { "f" } else { "m" }.to_string()));
            truth.push(0);
            pred.push(if s < 2 || i == 0 { 1 } else { 0 });
        }
    }
    let mut metadata = IndexMap::new();
    metadata.insert("sex".to_string(), sex);
    let cfg = CohortConfig {
        metadata: vec!["sex".into()],
        ..CohortConfig::default()
    };
    let inputs = CohortInputs {
        speakers: &speakers,
        metadata: &metadata,
        embeddings: &[],
    };
    let parts = build_partitions(&inputs, &cfg, None).unwrap();
    let labels = labels();
    let outcome = Outcome {
        labels: &labels,
        truth: &truth,
        pred: &pred,
        probs: None,
    };
    let (r, w) = analyze(&parts.partitions, &speakers, &outcome, &cfg).unwrap();
    assert_eq!(r[0].worst.as_deref(), Some("m"));
    assert!(r[0].groups[0].too_small && !r[0].groups[1].too_small);
    assert!(w.iter().any(|w| w.code == WarningCode::CohortTooSmall));
    // difference still covers the small cohort: 1.0 − 0.25.
    close(r[0].difference.unwrap(), 1.0 - 0.25);

    // min-speakers 7: nothing is big enough → no worst, no test, a warning.
    let cfg = CohortConfig {
        min_speakers: 7,
        ..cfg
    };
    let (r, w) = analyze(&parts.partitions, &speakers, &outcome, &cfg).unwrap();
    assert_eq!(r[0].worst, None);
    assert_eq!(r[0].p_value, None);
    assert!(w.iter().any(|w| w.code == WarningCode::CohortNoTest));

    // unknown column and bad label index are errors.
    let cfg = CohortConfig {
        metadata: vec!["age".into()],
        ..CohortConfig::default()
    };
    assert_eq!(
        build_partitions(&inputs, &cfg, None)
            .unwrap_err()
            .to_string(),
        "cohorts: metadata column \"age\" is not a column of the items"
    );
    let bad_pred = vec![5; truth.len()];
    let outcome = Outcome {
        labels: &labels,
        truth: &truth,
        pred: &bad_pred,
        probs: None,
    };
    assert!(analyze(&parts.partitions, &speakers, &outcome, &cfg).is_err());
}

#[test]
fn fusion_gain_is_hybrid_minus_best_single() {
    let group = |name: &str, acc: f64| tonebench_core::report::CohortGroup {
        name: name.into(),
        items: 10,
        speakers: 2,
        accuracy: acc,
        error_rate: 1.0 - acc,
        macro_f1: 0.0,
        per_class_recall: IndexMap::new(),
        error_rate_ci: None,
        too_small: false,
        probability: None,
    };
    let rep = |a: f64, b: f64| CohortReport {
        groups: vec![group("f", a), group("m", b)],
        ..report_with_p(None)
    };
    let text = [rep(0.6, 0.7)];
    let audio = [rep(0.65, 0.5)];
    let hybrid = [rep(0.7, 0.68)];
    let g = fusion_gain(&[
        ModelCohorts {
            name: "t",
            modality: Modality::Text,
            cohorts: &text,
        },
        ModelCohorts {
            name: "a",
            modality: Modality::Audio,
            cohorts: &audio,
        },
        ModelCohorts {
            name: "h",
            modality: Modality::Hybrid,
            cohorts: &hybrid,
        },
    ]);
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].best_single, "a");
    close(g[0].gain, 0.7 - 0.65);
    assert_eq!(g[1].best_single, "t");
    close(g[1].gain, 0.68 - 0.7);
}

#[test]
fn no_planted_gap_gives_a_large_permutation_p() {
    // Every speaker has 2 errors in 20 items: gaps are all 0, every shuffle ties, p = 1.
    let p = planted(4, 6, 99);
    let metadata = IndexMap::new();
    let emb = [EmbeddingSource {
        name: "e".into(),
        vectors: p.vectors,
    }];
    let cfg = CohortConfig {
        resamples: 100,
        ..CohortConfig::default()
    };
    let inputs = CohortInputs {
        speakers: &p.speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let parts = build_partitions(&inputs, &cfg, None).unwrap();
    let labels = labels();
    let outcome = Outcome {
        labels: &labels,
        truth: &p.truth,
        pred: &p.pred,
        probs: None,
    };
    let (r, _) = analyze(&parts.partitions, &p.speakers, &outcome, &cfg).unwrap();
    assert_eq!(r[0].p_value, Some(1.0));
    close(r[0].gap_abs.unwrap(), 0.0);
    // Without resamples the test falls back to Fisher's exact test on items.
    let cfg = CohortConfig {
        resamples: 0,
        ..cfg
    };
    let (r, _) = analyze(&parts.partitions, &p.speakers, &outcome, &cfg).unwrap();
    assert_eq!(r[0].test.as_deref(), Some("fisher_exact"));
    assert_eq!(r[0].p_value, Some(1.0));
    assert!(r[0].groups.iter().all(|g| g.error_rate_ci.is_none()));
}

#[test]
fn same_inputs_same_bytes_and_membership_rows() {
    let p = planted(3, 5, 1);
    let mut metadata = IndexMap::new();
    let half: Vec<Option<String>> = p
        .speakers
        .iter()
        .map(|s| {
            s.as_ref()
                .map(|s| if s.ends_with("_0") { "x" } else { "y" }.to_string())
        })
        .collect();
    metadata.insert("band".to_string(), half);
    let emb = [EmbeddingSource {
        name: "e".into(),
        vectors: p.vectors,
    }];
    let cfg = CohortConfig {
        metadata: vec!["band".into()],
        min_speakers: 2,
        ..CohortConfig::default()
    };
    let inputs = CohortInputs {
        speakers: &p.speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let labels = labels();
    let outcome = Outcome {
        labels: &labels,
        truth: &p.truth,
        pred: &p.pred,
        probs: None,
    };
    let run = || {
        let parts = build_partitions(&inputs, &cfg, None).unwrap();
        let (mut r, w) = analyze(&parts.partitions, &p.speakers, &outcome, &cfg).unwrap();
        adjust_p_values(r.iter_mut());
        let rows = tonebench_core::cohorts::membership_rows(&parts.partitions, &p.speakers);
        (
            serde_json::to_string(&r).unwrap(),
            serde_json::to_string(&parts.model).unwrap(),
            w,
            rows,
        )
    };
    let a = run();
    assert_eq!(a, run());
    // band: 3 speakers in x, 12 in y; embedding: 15 speakers → 15 + 15 rows.
    let rows = &a.3;
    assert_eq!(rows.len(), 30);
    assert_eq!(rows[0], ("band".into(), "x".into(), "spk0_0".into()));
    assert_eq!(
        rows.iter().filter(|r| r.0 == "band" && r.1 == "x").count(),
        3
    );
}
