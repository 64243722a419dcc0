//! One timed run of the acceptance case: the bootstrap of macro one-vs-rest ROC-AUC on
//! 1,000,000 items × 3 labels with 1,000 item resamples (the data of benches/probability.rs).
//! `cargo run --release -p tonebench-core --example prob_bootstrap_1m [RESAMPLES]`; compare with
//! `scripts/bench/prob_bootstrap_sklearn.py`.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tonebench_core::bootstrap::{percentile_interval, BootstrapConfig};
use tonebench_core::probability::{metric_distribution, Ones, ProbMetric, Scores};

fn main() {
    let resamples: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let (n, k) = (1_000_000usize, 3usize);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20);
    let truth: Vec<usize> = (0..n).map(|_| rng.gen_range(0..k)).collect();
    let mut probs = Vec::with_capacity(n * k);
    for &t in &truth {
        let raw: Vec<f64> = (0..k)
            .map(|c| rng.gen::<f64>() + if c == t { 0.8 } else { 0.0 })
            .collect();
        let s: f64 = raw.iter().sum();
        probs.extend(raw.iter().map(|r| r / s));
    }
    let t0 = Instant::now();
    let scores = match Scores::new(&truth, &probs, k) {
        Ok(s) => s,
        Err(e) => return eprintln!("{e}"),
    };
    let prepare = t0.elapsed().as_secs_f64();
    let point = scores.metric(ProbMetric::RocAucMacro, &Ones(n));
    let cfg = BootstrapConfig {
        resamples,
        ..BootstrapConfig::default()
    };
    let t1 = Instant::now();
    let dist = metric_distribution(&scores, ProbMetric::RocAucMacro, &cfg);
    let boot = t1.elapsed().as_secs_f64();
    let ci = percentile_interval(dist, 0.95);
    println!("point roc_auc macro {point:?}; prepare (sort once per class) {prepare:.3} s");
    println!(
        "{resamples} resamples: {boot:.2} s ({:.1} ms per resample); 95% interval [{:.6}, {:.6}]",
        boot * 1e3 / resamples as f64,
        ci.low,
        ci.high
    );
}
