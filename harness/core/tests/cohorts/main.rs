//! Cohort analysis as a user sees it: numbers equal fairlearn's and scipy's (`reference`), a
//! planted underperforming speaker cluster is found and bad embeddings give clear errors
//! (`embedding`), small cohorts, p-value adjustment, fusion gain and determinism (`analysis`).
//! Bad input gives errors or warnings, not panics.

use indexmap::IndexMap;
use tonebench_core::report::CohortReport;

mod analysis;
mod embedding;
mod reference;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
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
