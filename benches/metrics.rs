//! Benchmarks of scoring: confusion counting, the cell bootstrap, and `score` end to end on a
//! 1,000,000-item suite (suite + predictions generated into a temporary folder).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use tonebench::app::evaluate::{evaluate, EvalConfig};
use tonebench::input::predictions::Predictions;
use tonebench::input::suite::Suite;
use tonebench::runs::ModelRun;
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::report::{Modality, Source};
use tonebench_core::Confusion;

const N: usize = 1_000_000;
const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

/// Deterministic labels and predictions (70 % correct) without an RNG dependency.
fn pairs(n: usize) -> (Vec<usize>, Vec<usize>) {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let t = (next() % 3) as usize;
            let p = if next() % 10 < 7 {
                t
            } else {
                (next() % 3) as usize
            };
            (t, p)
        })
        .unzip()
}

fn write_suite(dir: &Path, n: usize) {
    use std::io::Write;
    let (t, p) = pairs(n);
    std::fs::write(
        dir.join("suite.toml"),
        "format-version = 1\nname = \"bench\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\n",
    )
    .unwrap();
    let mut items = std::io::BufWriter::new(std::fs::File::create(dir.join("items.csv")).unwrap());
    let mut preds = std::io::BufWriter::new(std::fs::File::create(dir.join("preds.csv")).unwrap());
    writeln!(items, "id,label").unwrap();
    writeln!(preds, "id,pred").unwrap();
    for i in 0..n {
        writeln!(items, "item-{i:07},{}", LABELS[t[i]]).unwrap();
        writeln!(preds, "item-{i:07},{}", LABELS[p[i]]).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let (t, p) = pairs(N);
    c.bench_function("confusion_count_1m_items", |b| {
        b.iter(|| Confusion::from_pairs(3, black_box(&t), black_box(&p)))
    });
    let cm = Confusion::from_pairs(3, &t, &p);
    let cfg = BootstrapConfig::default();
    c.bench_function("bootstrap_1000_resamples_1m_items", |b| {
        b.iter(|| confusion_intervals(black_box(&cm), &cfg))
    });

    let tmp = tempfile::tempdir().unwrap();
    write_suite(tmp.path(), N);
    let mut group = c.benchmark_group("score_end_to_end");
    group.sample_size(10);
    group.bench_function("score_1m_items_1000_resamples", |b| {
        b.iter(|| {
            let suite = Suite::load(tmp.path()).unwrap();
            let preds = Predictions::load(&tmp.path().join("preds.csv"), &suite).unwrap();
            let run = ModelRun {
                name: "bench".into(),
                modality: Modality::External,
                source: Source {
                    kind: "predictions".into(),
                    path: String::new(),
                    sha256: preds.sha256.clone(),
                    files: Default::default(),
                    ort_version: None,
                    provider: None,
                    batch_size: None,
                    threads: None,
                    front_end: None,
                },
                pred: preds.pred.into_iter().map(Some).collect(),
                probs: preds.probs,
                latency_ms: preds.latency_ms,
                warnings: Vec::new(),
                streaming: None,
            };
            evaluate(&suite, &[run], &EvalConfig { bootstrap: cfg })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
