//! One timed run of the cohort step at scale: 100,000 speakers × 128-d embeddings, k = 16, with
//! the run's defaults (10 k-means++ runs, 5 stability refits, sampled silhouette, ARI) — what
//! `scripts/kmeans_sklearn.py --job` times for scikit-learn.
//! `cargo run --release -p tonebench-core --example cohort_step_100k [X.f64]`: with a file (raw
//! little-endian f64, 100,000 × 128, as `scripts/kmeans_sklearn.py --save X.f64` writes numpy's
//! `default_rng(42).random`), both tools cluster the same numbers; without one, the data of
//! `benches/kmeans.rs`. `... cohort_step_100k X.f64 RUNS` times only one fit with RUNS k-means++
//! runs (`scripts/kmeans_sklearn.py --fit RUNS` is scikit-learn's side).

use std::time::Instant;

use indexmap::IndexMap;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tonebench_core::cohorts::kmeans::{kmeans, to_array, KMeansSettings};
use tonebench_core::cohorts::partition::embedding_partition;
use tonebench_core::cohorts::{CohortConfig, KChoice};

const N: usize = 100_000;
const DIMS: usize = 128;

fn main() {
    let points: Vec<Vec<f64>> = match std::env::args().nth(1) {
        Some(path) => {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => return eprintln!("{path}: {e}"),
            };
            if bytes.len() != N * DIMS * 8 {
                return eprintln!("{path}: expected {} bytes", N * DIMS * 8);
            }
            bytes
                .chunks_exact(DIMS * 8)
                .map(|row| {
                    row.chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                        .collect()
                })
                .collect()
        }
        None => {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
            (0..N)
                .map(|_| (0..DIMS).map(|_| rng.gen::<f64>()).collect())
                .collect()
        }
    };
    let speakers: Vec<Option<String>> = (0..N).map(|i| Some(format!("s{i}"))).collect();
    let vectors: IndexMap<String, Vec<f64>> = (0..N)
        .map(|i| (format!("s{i}"), points[i].clone()))
        .collect();
    let cfg = CohortConfig {
        k: KChoice::Fixed(16),
        ..CohortConfig::default()
    };
    let runs: Option<usize> = std::env::args().nth(2).and_then(|a| a.parse().ok());
    let settings = KMeansSettings {
        runs: runs.unwrap_or(10),
        ..KMeansSettings::default()
    };
    let t = Instant::now();
    let fit = kmeans(&to_array(&points), 16, cfg.seed, &settings);
    let fit_s = t.elapsed().as_secs_f64();
    match fit {
        Ok(c) => println!(
            "fit (n_init {}): {fit_s:.2} s, inertia {:.6} (sum {:.1}), n_iter {}",
            settings.runs,
            c.inertia,
            c.inertia * N as f64,
            c.iterations
        ),
        Err(e) => return eprintln!("{e}"),
    }
    if runs.is_some() {
        return;
    }
    let t = Instant::now();
    let mut warnings = Vec::new();
    let part = embedding_partition("emb", &speakers, &vectors, &cfg, &mut warnings);
    let step_s = t.elapsed().as_secs_f64();
    match part.map(|p| p.clustering) {
        Ok(Some(c)) => println!(
            "cohort step (fit + 5 refits + silhouette + ARI): {step_s:.2} s; silhouette {:?}, stability ARI {:?}",
            c.silhouette, c.stability_ari
        ),
        Ok(None) => eprintln!("no clustering"),
        Err(e) => eprintln!("{e}"),
    }
}
