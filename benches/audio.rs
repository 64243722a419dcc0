//! WAV decode + resample 48 → 16 kHz throughput (goal: ≥ 1000× real time on one core).
//!
//! Uses a generated 3 s, 48 kHz, 16-bit mono WAV so it needs nothing from `../shared`.
//! Real-time factor = 3 s ÷ the reported time per iteration.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn wav_48k(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("bench-48k.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).expect("create wav");
    for i in 0..3 * 48_000 {
        let t = f64::from(i) / 48_000.0;
        let s = 0.3 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
            + 0.1 * (2.0 * std::f64::consts::PI * 3_100.0 * t).sin();
        w.write_sample((s * 32767.0) as i16).expect("write");
    }
    w.finalize().expect("finalize");
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = wav_48k(dir.path());
    let mut g = c.benchmark_group("audio");
    // Elements = seconds of audio, so criterion's throughput reads as × real time.
    g.throughput(Throughput::Elements(3));
    g.bench_function("decode_resample_48k_to_16k_3s", |b| {
        b.iter(|| tonebench::audio::load(&path, 16_000).expect("load"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
