//! Benchmarks of latency summarization: percentiles, moments and MAD outliers of 100,000
//! timings, and RTF per audio-length bucket of 100,000 clips.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use tonebench_core::latency::{buckets, summarize};

/// Deterministic timings with a long tail, without an RNG dependency.
fn timings(n: usize) -> Vec<f64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x % 1_000_000) as f64 / 1e6;
            2.0 + 0.5 * u + if u > 0.99 { 20.0 * u } else { 0.0 }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let t = timings(100_000);
    c.bench_function("latency_summarize_100k_timings", |b| {
        b.iter(|| summarize(black_box(&t)))
    });
    let clips: Vec<(f64, f64)> = t.iter().map(|&ms| (ms, ms * 3.0 % 14.0)).collect();
    c.bench_function("latency_buckets_100k_clips", |b| {
        b.iter(|| buckets(black_box(&clips)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
