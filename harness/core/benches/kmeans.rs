//! k-means of speaker embeddings at scale: k = 16 on 100,000 points × 128 dims (uniform random,
//! fixed seed), one k-means++ init and a fixed 20 Lloyd iterations (tolerance f64::MIN_POSITIVE: linfa rejects 0), the settings
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
    // Where linfa's time goes: one assignment step (nearest of 16 centroids for every point)
    // done as linfa does it — one `sq_l2_dist` per point and centroid — against the same step as
    // a matrix product, ‖x‖² − 2 x·c + ‖c‖² (what scikit-learn does with BLAS).
    let centroids = data.slice(ndarray16::s![0..K, ..]).to_owned();
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
            let cn: Vec<f64> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
            let xc = data.dot(&centroids.t());
            let labels: Vec<usize> = xc
                .rows()
                .into_iter()
                .map(|r| {
                    let mut best = (0, f64::INFINITY);
                    for (j, v) in r.iter().enumerate() {
                        let d = cn[j] - 2.0 * v;
                        if d < best.1 {
                            best = (j, d);
                        }
                    }
                    best.0
                })
                .collect();
            labels
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
