//! Embedding cohorts: a planted cluster is found, k is chosen or fixed, bad embeddings are
//! clear errors, degenerate vectors do not panic.

use indexmap::IndexMap;
use tonebench_core::cohorts::{
    analyze, build_partitions, CohortConfig, CohortError, CohortInputs, EmbeddingSource, KChoice,
    Outcome,
};

use super::{close, labels, planted};

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
        probs: None,
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
