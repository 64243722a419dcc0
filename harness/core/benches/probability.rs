//! The probability bootstrap at scale: 1,000,000 items × 3 labels (seeded random probabilities),
//! macro one-vs-rest ROC-AUC. `prepare` sorts the items once per class (`Scores::new`);
//! `roc_auc_macro_1000_resamples` is the whole bootstrap of the acceptance test (1,000 item
//! resamples, each a multinomial draw of 1,000,000 counts and one walk per class);
//! `all_metrics_100_resamples` draws every probability metric's interval. The numpy/scikit-learn
//! loop it is compared with is `scripts/bench/prob_bootstrap_sklearn.py`.

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use tonebench_core::bootstrap::BootstrapConfig;
use tonebench_core::probability::{metric_distribution, probability_intervals, ProbMetric, Scores};

const N: usize = 1_000_000;
const K: usize = 3;

fn data() -> (Vec<usize>, Vec<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20);
    let truth: Vec<usize> = (0..N).map(|_| rng.gen_range(0..K)).collect();
    let mut probs = Vec::with_capacity(N * K);
    for &t in &truth {
        let raw: Vec<f64> = (0..K)
            .map(|c| rng.gen::<f64>() + if c == t { 0.8 } else { 0.0 })
            .collect();
        let s: f64 = raw.iter().sum();
        probs.extend(raw.iter().map(|r| r / s));
    }
    (truth, probs)
}

fn bench(c: &mut Criterion) {
    let (truth, probs) = data();
    let scores = Scores::new(&truth, &probs, K).expect("valid probabilities");
    let mut g = c.benchmark_group("probability_bootstrap");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(1));
    g.bench_function("prepare_1m_items", |b| {
        b.iter(|| Scores::new(black_box(&truth), black_box(&probs), K).map(|s| s.items()))
    });
    let cfg = |resamples| BootstrapConfig {
        resamples,
        ..BootstrapConfig::default()
    };
    g.bench_function("roc_auc_macro_1000_resamples", |b| {
        b.iter(|| metric_distribution(black_box(&scores), ProbMetric::RocAucMacro, &cfg(1000)))
    });
    g.bench_function("all_metrics_100_resamples", |b| {
        b.iter(|| probability_intervals(black_box(&scores), &cfg(100)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
