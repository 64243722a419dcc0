//! Streaming evaluation throughput (issue 11; goal ≥ 500× real time per core for the shared
//! audio CNN): one 60-second call decoded, resampled 48 → 16 kHz once, cut into 5-s windows
//! every 2.5 s and run through `../shared/models/audio-cnn-valence` on one intra-op thread,
//! batched 16 windows per session call and at batch 1; and Silero VAD over the same call.
//!
//! Throughput elements are seconds of call audio, so criterion's "elem/s" reads as × real time.
//! Needs `../shared` and ONNX Runtime (`make setup`); Silero VAD (`.vad/`) for the VAD bench.
//! The Python loop it is compared with: `scripts/calls/reference.py --time`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonebench::infer::{Model, Options};
use tonebench_core::streaming::{windows, WindowSpec};

const CALL_S: u32 = 60;

/// A 60-s, 48 kHz call made of RAVDESS clips back to back (their own pauses included).
fn call_wav(shared: &Path, dir: &Path) -> PathBuf {
    let mut clips: Vec<PathBuf> = std::fs::read_dir(shared.join("data/ravdess-dev/wav/Actor_13"))
        .expect("ravdess clips")
        .map(|e| e.expect("entry").path())
        .collect();
    clips.sort();
    let want = (CALL_S * 48_000) as usize;
    let mut samples: Vec<i16> = Vec::with_capacity(want);
    for clip in clips.iter().cycle() {
        let mut r = hound::WavReader::open(clip).expect("clip");
        samples.extend(r.samples::<i16>().map(|s| s.expect("sample")));
        if samples.len() >= want {
            break;
        }
    }
    samples.truncate(want);
    let path = dir.join("call.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).expect("create");
    for s in samples {
        w.write_sample(s).expect("write");
    }
    w.finalize().expect("finalize");
    path
}

/// Decode + resample once, cut the windows, predict them `batch` at a time.
fn stream(model: &mut Model, path: &Path, batch: usize) -> usize {
    let spec = WindowSpec::new(5.0, 2.5).expect("spec");
    let loaded = tonebench::audio::load(path, 16_000).expect("load");
    let x = &loaded.waveform.samples;
    let ws = windows(x.len(), 16_000, &spec);
    let w = spec.window_samples(16_000);
    let flat = tonebench_core::streaming::window_rows(x, &ws, w);
    let out = model
        .predict_windows(&flat, ws.len(), batch, None)
        .expect("predict");
    out.probs.len()
}

fn bench(c: &mut Criterion) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.join("models/audio-cnn-valence/model.onnx").is_file() {
        eprintln!("streaming bench skipped: ../shared not found");
        return;
    }
    if let Err(e) = tonebench::infer::runtime::runtime() {
        eprintln!("streaming bench skipped: {e}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = call_wav(&shared, dir.path());
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models/audio-cnn-valence.toml");
    let labels: Vec<String> = ["negative", "neutral", "positive"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let options = Options {
        threads: 1,
        ..Options::default()
    };
    let mut model = Model::load(&spec, &labels, options).expect("model");
    let mut g = c.benchmark_group("streaming");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(CALL_S)));
    for batch in [1usize, 16] {
        g.bench_function(format!("audio_cnn_60s_call_batch{batch}"), |b| {
            b.iter(|| stream(&mut model, &path, batch))
        });
    }
    if let Some(vad_path) = tonebench::infer::vad::locate() {
        let mut vad = tonebench::infer::vad::Vad::open(&vad_path).expect("vad");
        let x = tonebench::audio::load(&path, 16_000)
            .expect("load")
            .waveform
            .samples;
        g.bench_function("silero_vad_60s_call", |b| {
            b.iter(|| vad.probabilities(&x).expect("vad").len())
        });
    } else {
        eprintln!("silero_vad bench skipped: run scripts/setup-vad.sh");
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
