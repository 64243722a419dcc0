//! Laws of the probability metrics; scikit-learn's numbers are checked in
//! `harness/core/tests/probability.rs`.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;
use crate::bootstrap::BootstrapConfig;

fn labels(k: usize) -> Vec<String> {
    (0..k).map(|i| format!("c{i}")).collect()
}

/// Random items with probabilities on a coarse grid, so that scores tie.
fn random(rng: &mut Xoshiro256PlusPlus, n: usize, k: usize) -> (Vec<usize>, Vec<f64>) {
    let truth: Vec<usize> = (0..n).map(|_| rng.gen_range(0..k)).collect();
    let mut probs = Vec::with_capacity(n * k);
    for &t in &truth {
        let raw: Vec<f64> = (0..k)
            .map(|c| rng.gen_range(1..5) as f64 + if c == t { 2.0 } else { 0.0 })
            .collect();
        let s: f64 = raw.iter().sum();
        probs.extend(raw.iter().map(|r| r / s));
    }
    (truth, probs)
}

struct Counts(Vec<u32>);

impl Weights for Counts {
    fn at(&self, i: usize) -> u64 {
        self.0[i] as u64
    }
    fn total(&self) -> u64 {
        self.0.iter().map(|&c| c as u64).sum()
    }
}

#[test]
fn hand_computed_roc_auc_and_average_precision_with_ties() {
    // Class 1 scores: positives 0.8, 0.3; negatives 0.8, 0.1. Pairs (pos, neg): (0.8, 0.8) tie
    // = ½, (0.8, 0.1) = 1, (0.3, 0.8) = 0, (0.3, 0.1) = 1 → (½ + 1 + 0 + 1) / 4.
    let truth = [1, 0, 1, 0];
    let probs = [0.2, 0.8, 0.2, 0.8, 0.7, 0.3, 0.9, 0.1];
    let s = Scores::new(&truth, &probs, 2).unwrap();
    let m = s.compute(&labels(2));
    assert_eq!(m.roc_auc[1], Some(2.5 / 4.0));
    assert_eq!(m.roc_auc_macro, Some(2.5 / 4.0));
    // Thresholds 0.8 (1 tp, 1 fp: P = ½, R = ½) then 0.3 (2 tp, 1 fp: P = ⅔, R = 1).
    assert_eq!(m.average_precision[1], Some(0.5 * 0.5 + 0.5 * (2.0 / 3.0)));
    // Log loss: −(ln 0.8 + ln 0.2 + ln 0.3 + ln 0.9) / 4; Brier halved with two labels.
    let ll = -(0.8f64.ln() + 0.2f64.ln() + 0.3f64.ln() + 0.9f64.ln()) / 4.0;
    assert!((m.log_loss.unwrap() - ll).abs() < 1e-15);
    let brier = 0.5 * (2.0 * 0.04 + 2.0 * 0.64 + 2.0 * 0.49 + 2.0 * 0.01) / 4.0;
    assert!((m.brier.unwrap() - brier).abs() < 1e-15);
    assert!(m.undefined.is_empty());
}

#[test]
fn weights_equal_repeating_items() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for k in [2, 3, 4] {
        for n in [1, 7, 60, 301] {
            let (truth, probs) = random(&mut rng, n, k);
            let counts: Vec<u32> = (0..n).map(|_| rng.gen_range(0..4)).collect();
            let (mut t2, mut p2) = (Vec::new(), Vec::new());
            for i in 0..n {
                for _ in 0..counts[i] {
                    t2.push(truth[i]);
                    p2.extend_from_slice(&probs[i * k..(i + 1) * k]);
                }
            }
            let weighted = Scores::new(&truth, &probs, k).unwrap();
            let repeated = Scores::new(&t2, &p2, k).unwrap();
            let w = Counts(counts);
            let mut metrics = vec![
                ProbMetric::RocAucMacro,
                ProbMetric::RocAucWeighted,
                ProbMetric::AveragePrecisionMacro,
                ProbMetric::LogLoss,
                ProbMetric::Brier,
                ProbMetric::EceEqualWidth,
                ProbMetric::EceEqualMass,
            ];
            metrics.extend((0..k).map(ProbMetric::RocAucClass));
            metrics.extend((0..k).map(ProbMetric::AveragePrecisionClass));
            for m in metrics {
                let a = weighted.metric(m, &w);
                let b = repeated.metric(m, &Ones(t2.len()));
                match (a, b) {
                    (Some(a), Some(b)) => {
                        assert!((a - b).abs() < 1e-12, "{m:?} k={k} n={n}: {a} vs {b}")
                    }
                    (a, b) => assert_eq!(a, b, "{m:?} k={k} n={n}"),
                }
            }
        }
    }
}

#[test]
fn an_absent_class_is_undefined_and_named() {
    // Three labels, nobody is c2.
    let truth = [0, 1, 0, 1];
    let probs = [0.6, 0.3, 0.1, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1, 0.4, 0.5, 0.1];
    let m = Scores::new(&truth, &probs, 3).unwrap().compute(&labels(3));
    assert_eq!(m.roc_auc[2], None);
    assert_eq!(m.average_precision[2], None);
    assert_eq!(m.roc_auc_macro, None);
    assert_eq!(m.average_precision_macro, None);
    // The weighted mean gives c2 weight 0, as scikit-learn does.
    assert_eq!(m.roc_auc_weighted, Some(1.0));
    let named: Vec<&str> = m.undefined.iter().map(|u| u.metric.as_str()).collect();
    assert_eq!(
        named,
        [
            "probability.roc_auc.per_class.c2",
            "probability.average_precision.per_class.c2",
            "probability.roc_auc.macro",
            "probability.average_precision.macro",
        ]
    );
    assert!(m.log_loss.is_some() && m.ece_equal_width.is_some());
}

#[test]
fn bad_probabilities_are_errors() {
    assert!(matches!(
        Scores::new(&[0, 1], &[0.5, 0.5, 1.0], 2),
        Err(ProbabilityError::Shape { expected: 4, .. })
    ));
    assert_eq!(
        Scores::new(&[0, 1], &[0.5, 0.5, 1.5, -0.5], 2).unwrap_err(),
        ProbabilityError::Value {
            item: 1,
            label: 0,
            value: 1.5
        }
    );
    assert!(Scores::new(&[0, 2], &[0.5, 0.5, 0.5, 0.5], 2).is_err());
    assert!(Scores::new(&[0], &[f64::NAN, 1.0], 2).is_err());
}

#[test]
fn intervals_are_seeded_and_hold_the_point() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let (truth, probs) = random(&mut rng, 400, 3);
    let s = Scores::new(&truth, &probs, 3).unwrap();
    let cfg = BootstrapConfig {
        resamples: 300,
        ..BootstrapConfig::default()
    };
    let a = probability_intervals(&s, &cfg);
    assert_eq!(a, probability_intervals(&s, &cfg));
    let m = s.compute(&labels(3));
    let inside = |i: Option<crate::bootstrap::Interval>, v: Option<f64>| {
        let (i, v) = (i.unwrap(), v.unwrap());
        assert!(
            i.low <= v && v <= i.high,
            "{v} outside [{}, {}]",
            i.low,
            i.high
        );
    };
    inside(a.roc_auc_macro, m.roc_auc_macro);
    inside(a.log_loss, m.log_loss);
    inside(a.brier, m.brier);
    inside(a.ece_equal_width, m.ece_equal_width);
    inside(a.average_precision[1], m.average_precision[1]);
}

#[test]
fn a_model_paired_with_itself_differs_by_zero() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let (truth, probs) = random(&mut rng, 200, 3);
    let s = Scores::new(&truth, &probs, 3).unwrap();
    for m in [
        ProbMetric::RocAucMacro,
        ProbMetric::LogLoss,
        ProbMetric::EceEqualMass,
    ] {
        let d = paired_bootstrap(&s, &s, m, 100, 1);
        assert_eq!(d.diffs.len(), 100);
        assert!(d.diffs.iter().all(|&x| x == 0.0));
        assert_eq!(d.a, d.b);
    }
}

#[test]
fn metric_paths_parse_with_their_direction() {
    let l = labels(3);
    let p = |s: &str| ProbMetric::parse(s, &l);
    assert_eq!(p("roc_auc.macro"), Ok(Some(ProbMetric::RocAucMacro)));
    assert_eq!(
        p("probability.roc_auc.per_class.c1"),
        Ok(Some(ProbMetric::RocAucClass(1)))
    );
    assert_eq!(p("log_loss"), Ok(Some(ProbMetric::LogLoss)));
    assert_eq!(p("macro.f1"), Ok(None));
    assert!(p("roc_auc.per_class.zz")
        .unwrap_err()
        .contains("c0, c1, c2"));
    assert!(p("ece.bins").is_err());
    assert!(ProbMetric::LogLoss.lower_is_better());
    assert!(ProbMetric::EceEqualWidth.lower_is_better());
    assert!(!ProbMetric::RocAucMacro.lower_is_better());
}
