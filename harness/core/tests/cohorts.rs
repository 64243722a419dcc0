//! Cohort analysis as a user sees it: numbers equal fairlearn's and scipy's, a planted
//! underperforming speaker cluster is found, bad input gives errors or warnings, not panics.

use indexmap::IndexMap;
use serde_json::Value;
use tonebench_core::cohorts::{
    adjust_p_values, analyze, build_partitions, fusion_gain, stats, CohortConfig, CohortError,
    CohortInputs, EmbeddingSource, KChoice, ModelCohorts, Outcome,
};
use tonebench_core::report::{CohortReport, Modality, WarningCode};

const RAVDESS: &str = include_str!("../../../tests/fixtures/fairness/ravdess_fairlearn.json");
const SYNTHETIC: &str = include_str!("../../../tests/fixtures/fairness/synthetic_fairlearn.json");
const FISHER: &str = include_str!("../../../tests/fixtures/fairness/fisher_scipy.json");

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

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

/// `clusters` clusters of `per` speakers, 8 dims, centres 10 apart; every speaker has 20 items,
/// 2 errors (10 %) except in cluster `bad`, 10 errors (50 %). No randomness: the jitter is a
/// fixed pattern.
struct Planted {
    speakers: Vec<Option<String>>,
    vectors: IndexMap<String, Vec<f64>>,
    truth: Vec<usize>,
    pred: Vec<usize>,
    bad_speakers: Vec<String>,
}

fn planted(clusters: usize, per: usize, bad: usize) -> Planted {
    let mut p = Planted {
        speakers: Vec::new(),
        vectors: IndexMap::new(),
        truth: Vec::new(),
        pred: Vec::new(),
        bad_speakers: Vec::new(),
    };
    // Interleave clusters in suite order so that cluster numbering is not trivially suite order.
    for s in 0..per {
        for c in 0..clusters {
            let name = format!("spk{c}_{s}");
            let mut v = vec![0.0; 8];
            v[c % 8] = 10.0 * (1 + c / 8) as f64;
            for (d, x) in v.iter_mut().enumerate() {
                *x += 0.3 * (((s * 7 + d * 3) % 5) as f64 / 5.0 - 0.4);
            }
            p.vectors.insert(name.clone(), v);
            let errors = if c == bad { 10 } else { 2 };
            for i in 0..20 {
                p.speakers.push(Some(name.clone()));
                p.truth.push(i % 3);
                p.pred.push(if i < errors { (i + 1) % 3 } else { i % 3 });
            }
            if c == bad {
                p.bad_speakers.push(name);
            }
        }
    }
    p
}

fn labels() -> Vec<String> {
    ["negative", "neutral", "positive"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn planted_cluster_is_named_worst_and_auto_k_finds_it() {
    let p = planted(4, 6, 2);
    let metadata = IndexMap::new();
    let emb = [EmbeddingSource {
        name: "speaker-embed".into(),
        vectors: p.vectors.clone(),
    }];
    let cfg = CohortConfig {
        k: KChoice::Auto,
        seed: 11,
        resamples: 200,
        ..CohortConfig::default()
    };
    let inputs = CohortInputs {
        speakers: &p.speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let parts = build_partitions(&inputs, &cfg, None).unwrap();
    let part = &parts.partitions[0];
    let info = part.clustering.as_ref().unwrap();
    assert_eq!(info.k, 4);
    assert_eq!(info.stability_ari, Some(1.0));
    let labels = labels();
    let outcome = Outcome {
        labels: &labels,
        truth: &p.truth,
        pred: &p.pred,
    };
    let (reports, warnings) = analyze(&parts.partitions, &p.speakers, &outcome, &cfg).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let r = &reports[0];
    let worst = r.worst.clone().unwrap();
    let worst_idx = part.cohorts.iter().position(|c| *c == worst).unwrap();
    let mut named: Vec<String> = info
        .speakers
        .iter()
        .filter(|(_, &c)| c == worst_idx)
        .map(|(s, _)| s.clone())
        .collect();
    named.sort();
    let mut bad = p.bad_speakers.clone();
    bad.sort();
    assert_eq!(named, bad);
    // 10/20 errors in worst, 2/20 elsewhere.
    close(r.gap_abs.unwrap(), 10.0 / 20.0 - 2.0 / 20.0);
    close(r.gap_rel_pct.unwrap(), 100.0 * (0.5 - 0.1) / 0.1);
    close(r.worst_share_pct.unwrap(), 100.0 * 6.0 / 24.0);
    close(r.difference.unwrap(), 0.5 - 0.1);
    close(r.ratio.unwrap(), 0.5 / 0.9);
    // No shuffle of speakers over cohorts reaches the planted gap: p = (1 + 0) / (1 + 200).
    assert_eq!(r.test.as_deref(), Some("speaker_permutation_max_gap"));
    close(r.p_value.unwrap(), 1.0 / 201.0);

    // The saved centroids put the same speakers in the same cohorts in a later run.
    let json = serde_json::to_string(&parts.model).unwrap();
    let saved = serde_json::from_str(&json).unwrap();
    let again = build_partitions(&inputs, &cfg, Some(&saved)).unwrap();
    assert_eq!(again.partitions[0].assignment, part.assignment);
    assert_eq!(
        again.partitions[0].clustering.as_ref().unwrap().k_method,
        "saved"
    );
}

#[test]
fn fixed_k_and_auto_k_on_six_clusters() {
    let p = planted(6, 4, 0);
    let metadata = IndexMap::new();
    let emb = [EmbeddingSource {
        name: "e".into(),
        vectors: p.vectors,
    }];
    let inputs = CohortInputs {
        speakers: &p.speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let auto = build_partitions(&inputs, &CohortConfig::default(), None).unwrap();
    assert_eq!(auto.partitions[0].clustering.as_ref().unwrap().k, 6);
    let cfg = CohortConfig {
        k: KChoice::Fixed(3),
        ..CohortConfig::default()
    };
    let fixed = build_partitions(&inputs, &cfg, None).unwrap();
    assert_eq!(fixed.partitions[0].cohorts, ["c1", "c2", "c3"]);
}

fn report_with_p(p: Option<f64>) -> CohortReport {
    CohortReport {
        partition: "x".into(),
        source: "metadata".into(),
        groups: Vec::new(),
        worst: None,
        gap_abs: None,
        gap_rel_pct: None,
        worst_share_pct: None,
        difference: None,
        ratio: None,
        p_value: p,
        p_adjusted: None,
        test: None,
        min_size: String::new(),
        items_outside: 0,
        k: None,
        k_method: None,
        silhouette: None,
        stability_ari: None,
    }
}

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

fn build_err(
    speakers: &[Option<String>],
    vectors: IndexMap<String, Vec<f64>>,
    k: KChoice,
) -> String {
    let metadata = IndexMap::new();
    let emb = [EmbeddingSource {
        name: "spk.csv".into(),
        vectors,
    }];
    let inputs = CohortInputs {
        speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let cfg = CohortConfig {
        k,
        ..CohortConfig::default()
    };
    build_partitions(&inputs, &cfg, None)
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_embeddings_are_clear_errors() {
    let speakers: Vec<Option<String>> = ["a", "b", "c", "d"]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let vecs = |rows: &[(&str, Vec<f64>)]| -> IndexMap<String, Vec<f64>> {
        rows.iter()
            .map(|(s, v)| (s.to_string(), v.clone()))
            .collect()
    };
    let full = || {
        vecs(&[
            ("a", vec![0.0, 1.0]),
            ("b", vec![1.0, 0.0]),
            ("c", vec![5.0, 5.0]),
            ("d", vec![6.0, 5.0]),
        ])
    };
    let mut missing = full();
    missing.shift_remove("c");
    assert_eq!(
        build_err(&speakers, missing, KChoice::Auto),
        "cohorts: embeddings \"spk.csv\" have no vector for speaker \"c\""
    );
    let mut ragged = full();
    ragged.insert("b".into(), vec![1.0]);
    assert_eq!(
        build_err(&speakers, ragged, KChoice::Auto),
        "cohorts: embeddings \"spk.csv\" speaker \"b\": vector has 1 values, expected 2"
    );
    let mut nan = full();
    nan.insert("d".into(), vec![1.0, f64::NAN]);
    assert_eq!(
        build_err(&speakers, nan, KChoice::Auto),
        "cohorts: embeddings \"spk.csv\" speaker \"d\": value 1 is not a finite number"
    );
    assert_eq!(
        build_err(&speakers, full(), KChoice::Fixed(9)),
        "cohorts: k = 9 is larger than the 4 speakers with embeddings \"spk.csv\""
    );
    assert_eq!(
        build_err(&speakers[..2], full(), KChoice::Auto),
        "cohorts: k = \"auto\" needs at least 3 speakers, embeddings \"spk.csv\" cover 2"
    );
    // per-item vectors: ragged and speakerless.
    let err = tonebench_core::cohorts::speaker_means(
        "items",
        &[Some("a".into()), None],
        &[Some(vec![1.0]), Some(vec![2.0])],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CohortError::VectorWithoutSpeaker { item: 1, .. }
    ));
    let means = tonebench_core::cohorts::speaker_means(
        "items",
        &[Some("a".into()), Some("a".into()), Some("b".into())],
        &[Some(vec![1.0, 2.0]), Some(vec![3.0, 4.0]), None],
    )
    .unwrap();
    assert_eq!(means["a"], [2.0, 3.0]);
    assert!(!means.contains_key("b"));
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
fn k_reads_as_auto_or_an_integer() {
    let k: KChoice = serde_json::from_str("\"auto\"").unwrap();
    assert_eq!(k, KChoice::Auto);
    let k: KChoice = serde_json::from_str("4").unwrap();
    assert_eq!(k, KChoice::Fixed(4));
    assert_eq!(serde_json::to_string(&KChoice::Fixed(4)).unwrap(), "4");
    let e = serde_json::from_str::<KChoice>("\"four\"")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("k = \"four\" is neither \"auto\" nor an integer"),
        "{e}"
    );
    assert!(serde_json::from_str::<KChoice>("1").is_err());
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

#[test]
fn identical_vectors_do_not_panic() {
    let speakers: Vec<Option<String>> = (0..6).map(|i| Some(format!("s{i}"))).collect();
    let vectors = (0..6).map(|i| (format!("s{i}"), vec![1.0, 1.0])).collect();
    let metadata = IndexMap::new();
    let emb = [EmbeddingSource {
        name: "e".into(),
        vectors,
    }];
    let inputs = CohortInputs {
        speakers: &speakers,
        metadata: &metadata,
        embeddings: &emb,
    };
    let parts = build_partitions(&inputs, &CohortConfig::default(), None).unwrap();
    let info = parts.partitions[0].clustering.as_ref().unwrap();
    assert!(info.silhouette.unwrap_or(0.0).abs() < 1e-12);
}
