//! `tonebench profile`: deterministic call counts and shapes on the demo suite, the keys of the
//! latency report, streaming mode, and a clean failure (exit 3) for a GPU that is not there.
//! Timings themselves are never compared with constants.

use std::path::Path;

use serde_json::Value;

use crate::common::{gpu_ready, ort, read_json, root, tonebench};

fn demo(model: &str) -> (String, String) {
    let r = root();
    (
        r.join("suites/demo/models")
            .join(model)
            .display()
            .to_string(),
        r.join("suites/demo").display().to_string(),
    )
}

/// Runs a profile into `out` and returns the model's latency object.
fn profile(model: &str, extra: &[&str], out: &Path) -> Value {
    let (m, s) = demo(model);
    let mut cmd = tonebench();
    cmd.args(["profile", "--model", &m, "--suite", &s, "--out"])
        .arg(out)
        .args(extra);
    let assert = cmd.assert();
    let output = assert.get_output();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = read_json(&out.join("report.json"));
    report["models"][0]["latency"].clone()
}

/// What must not change between two runs with the same inputs: calls, items, shapes.
fn shape_of(l: &Value) -> Value {
    let batches: Vec<Value> = l["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            serde_json::json!({
                "batch": b["batch"],
                "iterations": b["iterations"],
                "items": b["items"],
                "distinct_items": b["distinct_items"],
                "n": b["latency"]["n"],
                "stages": b["stages"].as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
                "buckets": b["buckets"].as_array().map(|v| v.iter().map(|x| (x["name"].clone(), x["items"].clone())).collect::<Vec<_>>()),
            })
        })
        .collect();
    serde_json::json!({
        "batches": batches,
        "iterations": l["iterations"],
        "warmup": l["warmup"],
        "providers": l["providers"],
        "streaming_windows": l["streaming"]["windows"],
    })
}

#[test]
fn text_profile_measures_the_same_calls_every_time() {
    if !ort("text_profile_measures_the_same_calls_every_time") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--batch",
        "1,8",
        "--iterations",
        "7",
        "--warmup",
        "2",
        "--threads",
        "1",
    ];
    let a = profile("text.toml", &args, &tmp.path().join("a"));
    let b = profile("text.toml", &args, &tmp.path().join("b"));
    assert_eq!(shape_of(&a), shape_of(&b));
    // DESIGN.md keys, plus the profile's detail.
    for k in [
        "device",
        "provider",
        "p50_ms",
        "p90_ms",
        "p95_ms",
        "p99_ms",
        "mean_ms",
        "throughput_per_s",
        "rtf",
        "min_ms",
        "max_ms",
        "p999_ms",
        "std_ms",
        "session_create_ms",
        "first_inference_ms",
        "outliers",
    ] {
        assert!(a.get(k).is_some(), "latency.{k} missing in {a:#}");
    }
    assert_eq!(a["device"], "cpu");
    assert_eq!(a["provider"], "CPUExecutionProvider");
    assert_eq!(a["iterations"], 7);
    assert_eq!(
        a["rtf"],
        Value::Null,
        "a text model has no real-time factor"
    );
    let batches = a["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2);
    // 7 timed calls of 1 and of 8 items.
    assert_eq!(
        (batches[0]["items"].as_u64(), batches[1]["items"].as_u64()),
        (Some(7), Some(56))
    );
    // Batch 1 times calls 2..9 (after 2 warm-up calls): items 2..9, 7 distinct.
    assert_eq!(batches[0]["distinct_items"], 7);
    let s = &batches[0]["latency"];
    assert!(s["min_ms"].as_f64() <= s["p50_ms"].as_f64());
    assert!(s["p50_ms"].as_f64() <= s["p99_ms"].as_f64());
    assert!(s["p99_ms"].as_f64() <= s["max_ms"].as_f64());
    assert!(a["providers"][0]["nodes"].as_u64().unwrap() > 0);
    // report.md carries the latency table.
    let md = std::fs::read_to_string(tmp.path().join("a/report.md")).unwrap();
    assert!(md.contains("## Latency"), "{md}");
    assert!(
        md.contains("| demo-text | cpu (CPUExecutionProvider) | 8 | 7 |"),
        "{md}"
    );
}

#[test]
fn audio_profile_has_rtf_buckets_and_streaming() {
    if !ort("audio_profile_has_rtf_buckets_and_streaming") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--iterations",
        "5",
        "--warmup",
        "1",
        "--window",
        "2",
        "--hop",
        "1",
        "--threads",
        "1",
    ];
    let a = profile("audio.toml", &args, &tmp.path().join("a"));
    let b = profile("audio.toml", &args, &tmp.path().join("b"));
    assert_eq!(shape_of(&a), shape_of(&b));
    let rtf = a["rtf"].as_f64().unwrap();
    assert!(rtf > 0.0);
    assert!((a["rtfx"].as_f64().unwrap() * rtf - 1.0).abs() < 1e-9);
    let batch = &a["batches"][0];
    let in_buckets: u64 = batch["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["items"].as_u64().unwrap())
        .sum();
    assert_eq!(in_buckets, 5, "every timed clip falls in one length bucket");
    for stage in ["decode", "resample", "inference", "post"] {
        assert!(batch["stages"].get(stage).is_some(), "stage {stage}");
    }
    let st = &a["streaming"];
    assert_eq!(
        (st["window_s"].as_f64(), st["hop_s"].as_f64()),
        (Some(2.0), Some(1.0))
    );
    // At least 60 s of audio cut every second into 2 s windows: (audio − 2) / 1 + 1 windows.
    let audio_s = st["audio_s"].as_f64().unwrap();
    assert!(audio_s >= 60.0);
    assert_eq!(
        st["windows"].as_u64().unwrap(),
        ((audio_s * 16000.0).round() as u64 - 32000) / 16000 + 1
    );
    assert!(st["keeps_up"].is_boolean());
}

#[test]
fn cuda_without_a_gpu_fails_with_what_is_missing() {
    if !ort("cuda_without_a_gpu_fails_with_what_is_missing") {
        return;
    }
    let info = tonebench::infer::doctor().unwrap();
    if info.providers.iter().any(|(n, s)| n == "CUDA" && s == "ok") {
        eprintln!("skipped cuda_without_a_gpu_fails_with_what_is_missing: CUDA works here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (m, s) = demo("audio.toml");
    let out = tonebench()
        .args([
            "profile", "--model", &m, "--suite", &s, "--device", "cuda", "--out",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot use the cuda execution provider"),
        "{err}"
    );
    // A CPU build says how to get the GPU one; the GPU build names the missing library (here,
    // without a GPU, the driver's) or says that the libraries load and the device fails.
    assert!(
        err.contains("make setup-gpu")
            || err.contains("is missing")
            || err.contains("no usable device"),
        "{err}"
    );
}

#[test]
fn bad_flags_are_invalid_input() {
    let (m, s) = demo("text.toml");
    for extra in [
        &["--batch", "0"][..],
        &["--iterations", "0"],
        &["--window", "-1"],
    ] {
        let out = tonebench()
            .args(["profile", "--model", &m, "--suite", &s])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
    }
}

/// Runs on a GPU machine only: `TONEBENCH_GPU_TESTS=1 cargo test --test tests profile::gpu`.
#[test]
fn gpu_cuda_profile_runs_on_the_cuda_provider() {
    if !gpu_ready("gpu_cuda_profile_runs_on_the_cuda_provider") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let l = profile(
        "audio.toml",
        &["--device", "cuda", "--batch", "1,8", "--iterations", "20"],
        tmp.path(),
    );
    assert_eq!(l["device"], "cuda");
    assert_eq!(l["provider"], "CUDAExecutionProvider");
    assert!(l["providers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["provider"] == "CUDAExecutionProvider" && p["nodes"].as_u64() > Some(0)));
}

#[test]
fn workloads_that_would_run_for_hours_are_refused() {
    let demo = root().join("suites/demo");
    for extra in [
        vec!["--window", "1000", "--hop", "1"],
        vec!["--window", "5", "--hop", "0.001"],
        vec!["--batch", "100000"],
    ] {
        let out = tonebench()
            .args(["profile", "--suite"])
            .arg(&demo)
            .arg("--model")
            .arg(demo.join("models/audio.toml"))
            .args(&extra)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{extra:?}: {err}");
    }
}
