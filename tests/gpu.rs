//! GPU checks: they run only with `TONEBENCH_GPU_TESTS=1` on a machine with an NVIDIA GPU and
//! the GPU build of ONNX Runtime (`make setup-gpu`); `scripts/gpu/run_on_device.sh` runs them.
//! Unset, or set on a machine without the NVIDIA driver, they are skipped with a message; set
//! where the driver is but CUDA does not work, they fail with what `tonebench doctor` says.
//!
//! The agreement of CUDA with CPU predictions on the shared dev suites is measured and written
//! to `$TONEBENCH_GPU_OUT/agreement.json` when that is set; the test only asserts loose bounds.

use std::path::{Path, PathBuf};

use serde_json::json;
use tonebench::infer::{self, gpu, Device, InferInput, Model, Options};
use tonebench::input::suite::Suite;

use crate::common::{gpu_ready, root, shared};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/models").join(name)
}

#[test]
fn gpu_doctor_says_cuda_works_and_loads_every_cuda_library() {
    if !gpu_ready("gpu_doctor_says_cuda_works_and_loads_every_cuda_library") {
        return;
    }
    let info = infer::doctor().unwrap();
    eprintln!("doctor: {info:#?}");
    for name in gpu::CUDA_LIBS.iter().chain([&gpu::DRIVER_LIB]) {
        let status = info
            .gpu_libraries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
            .unwrap_or("not reported");
        assert!(status.starts_with("loads"), "{name}: {status}");
    }
}

/// Every prediction of `model` on `suite`, on `device` (batch 1), and for CUDA which providers
/// ran the graph.
fn predict_all(model: &Path, suite: &Suite, device: Device) -> (Vec<Vec<f32>>, serde_json::Value) {
    let opts = Options {
        device,
        ..Options::default()
    };
    let labels = suite.labels.names().to_vec();
    let mut m = Model::load_profiled(model, &labels, opts).unwrap();
    let mut probs = Vec::new();
    let all: Vec<_> = suite.items.iter().collect();
    for chunk in all.chunks(64) {
        let inputs: Vec<InferInput<'_>> = chunk.iter().copied().map(InferInput::from).collect();
        for (item, p) in chunk.iter().zip(m.predict_batch(&inputs).unwrap()) {
            let p = p.unwrap_or_else(|e| panic!("{}: {e}", item.id()));
            probs.push(p.probs);
        }
    }
    let used = m.providers_used().unwrap();
    let placement = json!(used
        .iter()
        .map(|u| json!({"provider": u.provider, "nodes": u.nodes}))
        .collect::<Vec<_>>());
    (probs, placement)
}

#[test]
fn gpu_cuda_predictions_agree_with_cpu_on_the_shared_dev_suites() {
    let test = "gpu_cuda_predictions_agree_with_cpu_on_the_shared_dev_suites";
    if !gpu_ready(test) {
        return;
    }
    let Some(shared) = shared(test) else { return };
    let cases = [
        ("text-minilm-sentiment.toml", "fpb-allagree"),
        ("text-minilm-sentiment.toml", "meld-dev"),
        ("audio-cnn-valence.toml", "ravdess-dev"),
        ("hybrid-early-fusion.toml", "ravdess-dev"),
    ];
    let mut rows = Vec::new();
    for (model, suite_name) in cases {
        let suite = Suite::load(&shared.join("suites").join(suite_name)).unwrap();
        let (cpu, cpu_place) = predict_all(&fixture(model), &suite, Device::Cpu);
        let (cuda, cuda_place) = predict_all(&fixture(model), &suite, Device::Cuda);
        assert_eq!(cpu.len(), cuda.len());
        let agree = cpu
            .iter()
            .zip(&cuda)
            .filter(|(a, b)| infer::argmax(a) == infer::argmax(b))
            .count();
        let max_dp = cpu
            .iter()
            .zip(&cuda)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0f32, f32::max);
        let row = json!({
            "model": model.trim_end_matches(".toml"),
            "suite": suite_name,
            "items": cpu.len(),
            "argmax_agreement": agree as f64 / cpu.len().max(1) as f64,
            "argmax_disagreements": cpu.len() - agree,
            "max_abs_dp": max_dp,
            "cpu_providers": cpu_place,
            "cuda_providers": cuda_place,
        });
        eprintln!("{row}");
        rows.push(row);
    }
    if let Some(out) = std::env::var_os("TONEBENCH_GPU_OUT") {
        let path = Path::new(&out).join("agreement.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&rows).unwrap()).unwrap();
        eprintln!("wrote {}", path.display());
    }
    for r in &rows {
        // Loose bounds: the figures are reported, not assumed equal; a broken provider (wrong
        // inputs, a silent fallback gone wrong) is far outside them.
        assert!(r["argmax_agreement"].as_f64().unwrap() >= 0.95, "{r}");
        assert!(r["max_abs_dp"].as_f64().unwrap() < 0.5, "{r}");
        assert!(
            r["cuda_providers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["provider"] == "CUDAExecutionProvider"),
            "{r}"
        );
    }
}

#[test]
fn gpu_tensorrt_session_runs_or_says_what_is_missing() {
    let test = "gpu_tensorrt_session_runs_or_says_what_is_missing";
    if !gpu_ready(test) {
        return;
    }
    let info = infer::doctor().unwrap();
    let trt = info
        .providers
        .iter()
        .find(|(n, _)| n == "TensorRT")
        .map(|(_, s)| s.clone())
        .unwrap();
    if trt != "ok" {
        // No TensorRT wheel on PyPI: without TONEBENCH_TENSORRT_INDEX there is none, and
        // doctor must name the library.
        assert!(
            trt.contains("libnvinfer.so.10") || trt.contains("is missing"),
            "{trt}"
        );
        eprintln!("skipped {test}: TensorRT does not load here: {trt}");
        return;
    }
    let opts = Options {
        device: Device::Tensorrt,
        ..Options::default()
    };
    let labels = ["negative", "neutral", "positive"]
        .map(String::from)
        .to_vec();
    let mut m = Model::load_profiled(&fixture("audio-cnn-valence.toml"), &labels, opts).unwrap();
    let samples = vec![0.01f32; 16000 * 5];
    m.predict_samples(&samples, None).unwrap();
    let used = m.providers_used().unwrap();
    eprintln!("tensorrt placement: {used:?}");
    assert!(used
        .iter()
        .any(|u| u.provider == "TensorrtExecutionProvider"));
}
