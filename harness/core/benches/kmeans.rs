//! k-means of speaker embeddings at scale: k = 16 on 100,000 points × 128 dims (uniform random,
//! fixed seed), one k-means++ init and a fixed 20 Lloyd iterations (tolerance 0), the settings
//! `scripts/kmeans_sklearn.py` gives scikit-learn's `KMeans` for the comparison. A second
//! benchmark isolates the k-means++ initialisation (max 1 iteration).

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tonebench_core::cohorts::kmeans::{kmeans, to_array, KMeansSettings};

const N: usize = 100_000;
const DIMS: usize = 128;
const K: usize = 16;

fn points() -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    (0..N)
        .map(|_| (0..DIMS).map(|_| rng.gen::<f64>()).collect())
        .collect()
}

fn bench(c: &mut Criterion) {
    let data = to_array(&points());
    let mut g = c.benchmark_group("kmeans_k16_100000x128");
    g.sample_size(10);
    let lloyd20 = KMeansSettings {
        runs: 1,
        max_iterations: 20,
        tolerance: 0.0,
    };
    g.bench_function("init_plus_20_iterations", |b| {
        b.iter(|| kmeans(&data, K, 7, &lloyd20).map(|c| c.inertia))
    });
    let init_only = KMeansSettings {
        runs: 1,
        max_iterations: 1,
        tolerance: 0.0,
    };
    g.bench_function("init_plus_1_iteration", |b| {
        b.iter(|| kmeans(&data, K, 7, &init_only).map(|c| c.inertia))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
