//! Hugging Face export folders (`tests/fixtures/hf/`, made by `scripts/hf/make_fixtures.py`):
//! every family against the probabilities transformers computed in PyTorch on real clips and
//! sentences from `../shared`, the feature extractors against transformers' own arrays, and the
//! warning a normalizing export gets when it is fed raw samples.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tonebench::audio::features::{zero_mean_unit_var, WhisperLogMel, WhisperParams};
use tonebench::infer::{InferInput, Model, Options};
use tonebench::input::suite::Suite;

use crate::common::{ort, read_csv, read_json, root, shared, tonebench};

fn hf(name: &str) -> PathBuf {
    root().join("tests/fixtures/hf").join(name)
}

const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

/// Runs the export `family` over the shared suite `suite` at batch 1 and compares every item
/// with `reference.csv`: argmax agreement must be 100 % and no probability may differ by more
/// than 1e-4. Returns (items, max |Δp|).
fn family(family: &str, suite: &str) -> Option<(usize, f64)> {
    let test = format!("{family}_export_matches_transformers");
    let shared = shared(&test)?;
    if !ort(&test) {
        return None;
    }
    let suite = Suite::load(&shared.join("suites").join(suite)).unwrap();
    let reference: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&hf(family).join("reference.csv"))
            .into_iter()
            .map(|r| (r["id"].clone(), r))
            .collect();
    let mut model = Model::load(&hf(family), suite.labels.names(), Options::default()).unwrap();
    assert!(model.warnings.is_empty(), "{:?}", model.warnings);
    let inputs: Vec<InferInput> = suite.items.iter().map(InferInput::from).collect();
    let (mut n, mut agree, mut worst) = (0usize, 0usize, 0f64);
    for chunk in inputs.chunks(64) {
        for (input, p) in chunk.iter().zip(model.predict_batch(chunk).unwrap()) {
            let p = p.unwrap_or_else(|e| panic!("{family} {}: {e}", input.id));
            let r = &reference[input.id];
            n += 1;
            agree += usize::from(LABELS[p.argmax()] == r["pred"]);
            for (l, &v) in LABELS.iter().zip(&p.probs) {
                let want: f64 = r[&format!("p_{l}")].parse().unwrap();
                worst = worst.max((f64::from(v) - want).abs());
            }
        }
    }
    eprintln!("{family}: {n} items, argmax agreement {agree}/{n}, max |dp| {worst:.2e}");
    assert!(n >= 50, "{family}: only {n} items");
    assert_eq!(agree, n, "{family}: argmax agreement {agree}/{n}");
    assert!(worst <= 1e-4, "{family}: max |dp| {worst:.2e} > 1e-4");
    Some((n, worst))
}

#[test]
fn wav2vec2_export_matches_transformers() {
    family("wav2vec2", "ravdess-dev");
}

#[test]
fn hubert_export_matches_transformers() {
    family("hubert", "ravdess-dev");
}

#[test]
fn wavlm_export_with_attention_mask_matches_transformers() {
    family("wavlm", "ravdess-dev");
}

#[test]
fn whisper_export_matches_transformers() {
    family("whisper", "ravdess-dev");
}

#[test]
fn whisper_128_mel_export_matches_transformers() {
    family("whisper-128", "ravdess-dev");
}

#[test]
fn bert_export_with_token_type_ids_matches_transformers() {
    family("bert", "fpb-allagree");
}

#[test]
fn roberta_export_without_token_type_ids_matches_transformers() {
    family("roberta", "fpb-allagree");
}

fn f32s(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The Wav2Vec2 (normalize) and Whisper (80 and 128 mel bins) feature arrays of two demo clips
/// equal the ones transformers wrote, within 1e-5.
#[test]
fn feature_arrays_equal_transformers() {
    let dir = hf("features");
    let meta = read_json(&dir.join("features.json"));
    for clip in meta["clips"].as_array().unwrap() {
        let wav = root().join(clip["clip"].as_str().unwrap());
        let x = tonebench::audio::decode(&wav).unwrap().samples;
        assert_eq!(x.len() as u64, clip["samples"].as_u64().unwrap());
        let want = f32s(&dir.join(clip["wav2vec2"].as_str().unwrap()));
        let got = zero_mean_unit_var(&x);
        let d = max_diff(&got, &want);
        let exact = got.iter().zip(&want).filter(|(a, b)| a == b).count();
        eprintln!(
            "{}: wav2vec2 max |d| {d:.2e}, {exact}/{} values identical",
            wav.display(),
            want.len()
        );
        assert!(d <= 1e-5, "wav2vec2 features differ by {d}");
        for mels in [80usize, 128] {
            let m = &clip[format!("whisper{mels}")];
            let kept = m["frames_kept"].as_u64().unwrap() as usize;
            let w = WhisperLogMel::new(WhisperParams {
                mel_bins: mels,
                ..WhisperParams::default()
            });
            let got = w.compute(&x);
            let frames = w.frames();
            assert_eq!(got.len(), mels * frames);
            // transformers' numpy path (float64, its reference implementation) within 1e-5;
            // its torch path (float32 torch.stft) within what the two paths differ by, + 1e-5.
            let torch_vs_np = m["torch_vs_np"].as_f64().unwrap() as f32;
            for (path, tolerance) in [("np", 1e-5), ("torch", torch_vs_np + 1e-5)] {
                let floor = m[path]["floor"].as_f64().unwrap() as f32;
                let want = f32s(&dir.join(m[path]["file"].as_str().unwrap()));
                assert_eq!(want.len(), mels * kept);
                let mut d = 0f32;
                for b in 0..mels {
                    let row = &got[b * frames..(b + 1) * frames];
                    d = d.max(max_diff(&row[..kept], &want[b * kept..(b + 1) * kept]));
                    // Past the clip transformers' frames all hold the floor value.
                    d = row[kept..].iter().fold(d, |d, v| d.max((v - floor).abs()));
                }
                eprintln!(
                    "{}: whisper {mels} mel vs transformers' {path} path: max |d| {d:.2e} (torch vs numpy {torch_vs_np:.2e})",
                    wav.display()
                );
                assert!(
                    d <= tolerance,
                    "whisper {mels} features ({path}) differ by {d}"
                );
            }
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// A Wav2Vec2 export whose preprocessor config normalizes, run through a model spec v1 that
/// feeds raw samples (the old path): the report warns; with `features = "normalized"` it does
/// not, and records the front end.
#[test]
fn raw_samples_into_a_normalizing_export_are_warned_about() {
    if !ort("raw_samples_into_a_normalizing_export_are_warned_about") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let onnx = hf("wav2vec2").join("model.onnx");
    let spec = |features: &str| {
        format!(
            "format-version = 1\nname = \"w2v-{}\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\noutput-kind = \"logits\"\n[audio]\nonnx = \"{}\"\nsample-rate = 16000\n{features}",
            if features.is_empty() { "raw" } else { "normalized" },
            onnx.display()
        )
    };
    let raw = tmp.path().join("raw.toml");
    let normalized = tmp.path().join("normalized.toml");
    write(&raw, &spec(""));
    write(&normalized, &spec("features = \"normalized\"\n"));
    let out = tmp.path().join("run");
    tonebench()
        .args(["run", "--suite"])
        .arg(root().join("suites/demo"))
        .arg("--model")
        .arg(&raw)
        .arg("--model")
        .arg(&normalized)
        .arg("--out")
        .arg(&out)
        .args(["--resamples", "0"])
        .assert()
        .success();
    let report = read_json(&out.join("report.json"));
    let models = report["models"].as_array().unwrap();
    let warnings = |m: &serde_json::Value| -> Vec<String> {
        m["warnings"]
            .as_array()
            .map(|w| {
                w.iter()
                    .filter(|w| w["code"] == "front_end_mismatch")
                    .map(|w| w["message"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let raw_warnings = warnings(&models[0]);
    assert_eq!(raw_warnings.len(), 1, "{raw_warnings:?}");
    assert!(
        raw_warnings[0].contains("preprocessor_config.json asks for normalized features (do_normalize = true) but the model is fed raw features"),
        "{}",
        raw_warnings[0]
    );
    assert!(models[0]["source"].get("front_end").is_none());
    assert!(warnings(&models[1]).is_empty());
    assert_eq!(
        models[1]["source"]["front_end"],
        serde_json::json!({"features": "normalized", "sample_rate": 16000, "attention_mask": false, "from": "spec"})
    );
}

/// An export folder run from the command line: the report records the front end chosen from
/// preprocessor_config.json, and the folder's label-map (HuBERT's LABEL_i) applies.
#[test]
fn export_folders_run_from_the_command_line() {
    if !ort("export_folders_run_from_the_command_line") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    tonebench()
        .args(["run", "--suite"])
        .arg(root().join("suites/demo"))
        .arg("--model")
        .arg(hf("whisper"))
        .arg("--model")
        .arg(hf("hubert"))
        .arg("--out")
        .arg(&out)
        .args(["--resamples", "0"])
        .assert()
        .success();
    let report = read_json(&out.join("report.json"));
    let m = &report["models"];
    assert_eq!(m[0]["name"], "whisper");
    assert_eq!(
        m[0]["source"]["front_end"],
        serde_json::json!({"features": "whisper-log-mel", "sample_rate": 16000, "attention_mask": false, "mel_bins": 80, "from": "preprocessor_config.json"})
    );
    assert_eq!(m[1]["source"]["front_end"]["features"], "raw");
    assert_eq!(m[1]["modality"], "audio");
    let files = m[1]["source"]["files"].as_object().unwrap();
    assert!(
        files.keys().any(|k| k.ends_with("tonebench.toml")),
        "{files:?}"
    );
}

/// Bad export folders are errors naming the file (exit 2), never a panic.
#[test]
fn bad_export_folders_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    std::fs::create_dir(&dir).unwrap();
    let run = |dir: &Path| {
        let a = tonebench()
            .args(["run", "--suite"])
            .arg(root().join("suites/demo"))
            .arg("--model")
            .arg(dir)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .assert()
            .code(2);
        String::from_utf8(a.get_output().stderr.clone()).unwrap()
    };
    let e = run(&dir);
    assert!(e.contains("export folder has no model.onnx"), "{e}");
    std::fs::copy(hf("hubert/model.onnx"), dir.join("model.onnx")).unwrap();
    write(&dir.join("config.json"), "{\"id2label\": {\"0\": \"a\",}}");
    let e = run(&dir);
    assert!(e.contains("config.json: line 1 column"), "{e}");
    std::fs::copy(hf("hubert/config.json"), dir.join("config.json")).unwrap();
    write(
        &dir.join("tonebench.toml"),
        "[label-map]\nLABEL_9 = \"negative\"\n",
    );
    let e = run(&dir);
    assert!(e.contains("tonebench.toml: label-map: \"LABEL_9\" is not one of the export's labels (LABEL_0, LABEL_1, LABEL_2)"), "{e}");
    write(&dir.join("tonebench.toml"), "featurs = \"raw\"\n");
    let e = run(&dir);
    assert!(
        e.contains("tonebench.toml line 1 column 1: unknown field `featurs`"),
        "{e}"
    );
    std::fs::remove_file(dir.join("tonebench.toml")).unwrap();
    let e = run(&dir);
    assert!(
        e.contains("neither preprocessor_config.json (audio) nor tokenizer.json (text)"),
        "{e}"
    );
    write(
        &dir.join("preprocessor_config.json"),
        "{\"feature_extractor_type\": \"ASTFeatureExtractor\"}",
    );
    let e = run(&dir);
    assert!(
        e.contains("\"ASTFeatureExtractor\" is not a front end tonebench reproduces"),
        "{e}"
    );
}
