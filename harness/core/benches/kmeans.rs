//! k-means of speaker embeddings at scale: k = 16 on 100,000 points × 128 dims (uniform random,
//! fixed seed), one k-means++ init and at most 20 Lloyd iterations (tolerance f64::MIN_POSITIVE,
//! so only "no label changed" stops earlier), the settings `scripts/kmeans_sklearn.py` gives
//! scikit-learn's `KMeans` for the comparison; the k-means++ initialisation with 1 iteration;
//! one assignment step point by point and as a matrix product; and the whole cohort step of a
//! run with `k = 16` (`embedding_partition`: 10 runs, 5 stability refits, silhouette, ARI),
//! which `scripts/kmeans_sklearn.py --job` times for scikit-learn.

use criterion::{criterion_group, criterion_main, Criterion};
use indexmap::IndexMap;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tonebench_core::cohorts::kmeans::{kmeans, to_array, KMeansSettings};
use tonebench_core::cohorts::lloyd::assign;
use tonebench_core::cohorts::partition::embedding_partition;
use tonebench_core::cohorts::{CohortConfig, KChoice};

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
    let points = points();
    let data = to_array(&points);
    let check = KMeansSettings {
        runs: 1,
        max_iterations: 1,
        tolerance: f64::MIN_POSITIVE,
    };
    // A rejected setting would make the bench time an error path.
    if let Err(e) = kmeans(&data, K, 7, &check) {
        eprintln!("kmeans bench: {e}");
        std::process::exit(1);
    }
    let mut g = c.benchmark_group("kmeans_k16_100000x128");
    g.sample_size(10);
    let lloyd20 = KMeansSettings {
        runs: 1,
        max_iterations: 20,
        tolerance: f64::MIN_POSITIVE,
    };
    g.bench_function("init_plus_20_iterations", |b| {
        b.iter(|| kmeans(&data, K, 7, &lloyd20).map(|c| c.inertia))
    });
    let init_only = KMeansSettings {
        runs: 1,
        max_iterations: 1,
        tolerance: f64::MIN_POSITIVE,
    };
    g.bench_function("init_plus_1_iteration", |b| {
        b.iter(|| kmeans(&data, K, 7, &init_only).map(|c| c.inertia))
    });
    // One assignment step (nearest of 16 centroids for every point) point by point — one
    // squared distance per point and centroid, as linfa 0.8 did it — and as the engine does it,
    // a matrix product per block, ‖x‖² − 2 x·c + ‖c‖², on every core.
    let centroids = data.slice(ndarray::s![0..K, ..]).to_owned();
    g.bench_function("assign_step_pairwise", |b| {
        b.iter(|| {
            let mut labels = vec![0usize; N];
            for (i, x) in data.rows().into_iter().enumerate() {
                let mut best = (0, f64::INFINITY);
                for (j, c) in centroids.rows().into_iter().enumerate() {
                    let d: f64 = x.iter().zip(c.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
                    if d < best.1 {
                        best = (j, d);
                    }
                }
                labels[i] = best.0;
            }
            labels
        })
    });
    g.bench_function("assign_step_gemm", |b| {
        b.iter(|| {
            let mut labels = vec![0usize; N];
            assign(data.view(), &centroids, &mut labels);
            labels
        })
    });
    let speakers: Vec<Option<String>> = (0..N).map(|i| Some(format!("s{i}"))).collect();
    let vectors: IndexMap<String, Vec<f64>> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("s{i}"), p.clone()))
        .collect();
    let cfg = CohortConfig {
        k: KChoice::Fixed(K),
        ..CohortConfig::default()
    };
    g.bench_function("cohort_step", |b| {
        b.iter(|| embedding_partition("emb", &speakers, &vectors, &cfg, &mut Vec::new()).is_ok())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
