//! ONNX Runtime inference against the real models and references in `../shared`, and bad
//! models and items as errors. WAV decoding and resampling are in `wav.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tonebench::error::{ErrorKind, HasKind};
use tonebench::infer::{self, InferError, InferInput, Model, Options};

use crate::common::{ravdess, read_csv, shared_models};

fn repo() -> PathBuf {
    crate::common::root()
}

/// `../shared` and a loadable ONNX Runtime, or None with a message.
fn setup() -> Option<PathBuf> {
    let s = shared_models()?;
    match infer::runtime::runtime() {
        Ok(_) => Some(s),
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

fn labels() -> Vec<String> {
    ["negative", "neutral", "positive"]
        .map(String::from)
        .to_vec()
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/models").join(name)
}

struct Compared {
    items: usize,
    agree: usize,
    max_diff: f64,
    infer: Duration,
}

impl Compared {
    fn agreement(&self) -> f64 {
        self.agree as f64 / self.items as f64
    }
}

fn compare(model: &mut Model, inputs: &[InferInput<'_>], reference: &[[f32; 3]]) -> Compared {
    let preds = model.predict_batch(inputs).unwrap();
    let mut c = Compared {
        items: 0,
        agree: 0,
        max_diff: 0.0,
        infer: Duration::ZERO,
    };
    for ((p, r), i) in preds.iter().zip(reference).zip(inputs) {
        let p = p.as_ref().unwrap_or_else(|e| panic!("{}: {e}", i.id));
        c.items += 1;
        c.infer += p.timings.inference;
        if p.argmax() == infer::argmax(r) {
            c.agree += 1;
        }
        for (a, b) in p.probs.iter().zip(r) {
            c.max_diff = c.max_diff.max(f64::from((a - b).abs()));
        }
    }
    c
}

fn probs(row: &BTreeMap<String, String>) -> [f32; 3] {
    ["p_negative", "p_neutral", "p_positive"].map(|k| row[k].parse().unwrap())
}

#[test]
fn text_model_reproduces_reference_on_fpb() {
    let Some(shared) = setup() else { return };
    let items = read_csv(&shared.join("suites/fpb-allagree/items.csv"));
    let refs: BTreeMap<String, [f32; 3]> =
        read_csv(&shared.join("models/text-minilm-sentiment/reference_fpb_allagree.csv"))
            .iter()
            .map(|r| (r["id"].clone(), probs(r)))
            .collect();
    let inputs: Vec<InferInput<'_>> = items
        .iter()
        .map(|r| InferInput {
            id: &r["id"],
            text: Some(&r["text"]),
            audio: None,
        })
        .collect();
    let reference: Vec<[f32; 3]> = items.iter().map(|r| refs[&r["id"]]).collect();
    let opts = Options {
        threads: 2,
        ..Options::default()
    };
    let mut model = Model::load(&fixture("text-minilm-sentiment.toml"), &labels(), opts).unwrap();
    let t = Instant::now();
    let c = compare(&mut model, &inputs, &reference);
    eprintln!(
        "text fpb: {} items, argmax agreement {:.4}, max |dp| {:.2e}, {:.2} ms/item session, {:.2} ms/item wall (2 threads)",
        c.items,
        c.agreement(),
        c.max_diff,
        c.infer.as_secs_f64() * 1e3 / c.items as f64,
        t.elapsed().as_secs_f64() * 1e3 / c.items as f64
    );
    assert_eq!(c.items, 2264);
    assert!(c.agreement() >= 0.999, "agreement {}", c.agreement());
    assert!(c.max_diff <= 1e-4, "max diff {}", c.max_diff);

    // One thread, on a sample, for the timing note.
    let mut one = Model::load(
        &fixture("text-minilm-sentiment.toml"),
        &labels(),
        Options {
            threads: 1,
            ..Options::default()
        },
    )
    .unwrap();
    let c1 = compare(&mut one, &inputs[..300], &reference[..300]);
    eprintln!(
        "text fpb: {:.2} ms/item session (1 thread)",
        c1.infer.as_secs_f64() * 1e3 / c1.items as f64
    );

    // Batching changes an int8 model's outputs; the check measures by how much.
    let s = infer::batch_sensitivity(&mut model, &inputs[..256], 32).unwrap();
    eprintln!(
        "text fpb batch 32 vs 1 on 256 items: argmax agreement {:.4}, max |dp| {:.3}",
        s.argmax_agreement, s.max_abs_diff
    );
    assert_eq!(s.items, 256);
    assert_eq!(model.options.batch, 1);
}

fn audio_case(
    model_toml: &str,
    reference: &str,
    with_text: bool,
    threads: usize,
) -> Option<Compared> {
    let shared = setup()?;
    let r = ravdess(&shared);
    let refs: BTreeMap<String, [f32; 3]> = read_csv(&shared.join(reference))
        .iter()
        .map(|row| (row["file"].clone(), probs(row)))
        .collect();
    let pairs: Vec<usize> = (0..r.files.len())
        .filter(|&i| refs.contains_key(&r.files[i]))
        .collect();
    let inputs: Vec<InferInput<'_>> = pairs
        .iter()
        .map(|&i| InferInput {
            id: &r.inputs[i].0,
            text: with_text.then_some(r.inputs[i].1.as_str()),
            audio: Some(&r.inputs[i].2),
        })
        .collect();
    let reference: Vec<[f32; 3]> = pairs.iter().map(|&i| refs[&r.files[i]]).collect();
    let mut model = Model::load(
        &fixture(model_toml),
        &labels(),
        Options {
            threads,
            ..Options::default()
        },
    )
    .unwrap();
    Some(compare(&mut model, &inputs, &reference))
}

#[test]
fn audio_model_reproduces_reference_on_ravdess() {
    let Some(c) = audio_case(
        "audio-cnn-valence.toml",
        "models/audio-cnn-valence/reference_ravdess_actors13-18.csv",
        false,
        2,
    ) else {
        return;
    };
    eprintln!(
        "audio ravdess: {} items, argmax agreement {:.4}, max |dp| {:.2e}, {:.2} ms/item session (2 threads)",
        c.items,
        c.agreement(),
        c.max_diff,
        c.infer.as_secs_f64() * 1e3 / c.items as f64
    );
    assert!(c.items >= 100);
    assert!(c.agreement() >= 0.99, "agreement {}", c.agreement());
    if let Some(c1) = audio_case(
        "audio-cnn-valence.toml",
        "models/audio-cnn-valence/reference_ravdess_actors13-18.csv",
        false,
        1,
    ) {
        eprintln!(
            "audio ravdess: {:.2} ms/item session (1 thread)",
            c1.infer.as_secs_f64() * 1e3 / c1.items as f64
        );
    }
}

#[test]
fn hybrid_model_reproduces_reference_on_ravdess() {
    let Some(c) = audio_case(
        "hybrid-early-fusion.toml",
        "models/hybrid-early-fusion/reference_ravdess_actors13-18.csv",
        true,
        2,
    ) else {
        return;
    };
    eprintln!(
        "hybrid ravdess: {} items, argmax agreement {:.4}, max |dp| {:.2e}",
        c.items,
        c.agreement(),
        c.max_diff
    );
    assert!(c.items >= 100);
    assert!(c.agreement() >= 0.99, "agreement {}", c.agreement());
}

#[test]
fn late_fusion_is_the_weighted_mean_of_its_members() {
    let Some(shared) = setup() else { return };
    let r = ravdess(&shared);
    let inputs: Vec<InferInput<'_>> = r.inputs[..8]
        .iter()
        .map(|(id, text, audio)| InferInput {
            id,
            text: Some(text),
            audio: Some(audio),
        })
        .collect();
    let run = |toml: &str| {
        let mut m = Model::load(&fixture(toml), &labels(), Options::default()).unwrap();
        m.predict_batch(&inputs)
            .unwrap()
            .into_iter()
            .map(|p| p.unwrap().probs)
            .collect::<Vec<_>>()
    };
    let (text, audio, late) = (
        run("text-minilm-sentiment.toml"),
        run("audio-cnn-valence.toml"),
        run("late-fusion.toml"),
    );
    for i in 0..inputs.len() {
        for k in 0..3 {
            // weights = [0.25, 0.75] in late-fusion.toml
            let want = (0.25 * text[i][k] + 0.75 * audio[i][k]) / (0.25 + 0.75);
            assert!(
                (late[i][k] - want).abs() < 1e-6,
                "{i} {k}: {} vs {want}",
                late[i][k]
            );
        }
    }
}

fn load_err(toml: &str, suite_labels: &[String]) -> InferError {
    Model::load(Path::new(toml), suite_labels, Options::default()).unwrap_err()
}

/// Writes a spec into `dir`.
fn temp_spec(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn bad_models_are_errors_naming_the_file() {
    let Some(shared) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let models = shared.join("models/text-minilm-sentiment");
    let text_onnx = models.join("model_int8.onnx").display().to_string();
    let tokenizer = models.join("tokenizer.json").display().to_string();
    let head = "format-version = 1\nname = \"t\"\n";
    // Tokenizer that is not JSON.
    let bad_tok = temp_spec(dir, "bad-tokenizer.toml", &format!(
        "{head}labels = [\"negative\", \"neutral\", \"positive\"]\n[text]\nonnx = \"{text_onnx}\"\ntokenizer = \"bad-tokenizer.toml\"\n"
    ));
    let e = load_err(bad_tok.to_str().unwrap(), &labels());
    assert!(
        e.to_string()
            .contains("bad-tokenizer.toml: tokenizer: not a JSON file"),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Input);

    // Wrong input names.
    let names = temp_spec(dir, "bad-names.toml", &format!(
        "{head}labels = [\"negative\", \"neutral\", \"positive\"]\n[text]\nonnx = \"{text_onnx}\"\ntokenizer = \"{tokenizer}\"\ninputs = {{ input-ids = \"ids\" }}\n"
    ));
    let e = load_err(names.to_str().unwrap(), &labels());
    // Issue 18: a graph that does not fit its spec is invalid input (exit 2) like a wrong
    // output width below; wrong input names were exit 3.
    assert_eq!(e.kind(), ErrorKind::Input, "{e}");
    let e = e.to_string();
    assert!(e.contains("model_int8.onnx: graph has no input named \"ids\" (its inputs: input_ids, attention_mask)"), "{e}");

    // Label count mismatch.
    let four = temp_spec(dir, "four-labels.toml", &format!(
        "{head}labels = [\"negative\", \"neutral\", \"positive\", \"mixed\"]\n[text]\nonnx = \"{text_onnx}\"\ntokenizer = \"{tokenizer}\"\n"
    ));
    let e = load_err(four.to_str().unwrap(), &labels());
    assert_eq!(e.kind(), ErrorKind::Input, "{e}");
    let e = e.to_string();
    assert!(
        e.contains(
            "model_int8.onnx: labels: output \"probs\" has 3 columns but the spec lists 4 labels"
        ),
        "{e}"
    );

    // A suite label the model does not have.
    let suite: Vec<String> = ["negative", "angry"].map(String::from).to_vec();
    let e = load_err(
        fixture("text-minilm-sentiment.toml").to_str().unwrap(),
        &suite,
    )
    .to_string();
    assert!(e.contains("labels: suite label \"angry\" is not among the model's labels (negative, neutral, positive)"), "{e}");

    // A missing graph.
    let missing = temp_spec(
        dir,
        "missing-graph.toml",
        &format!(
            "{head}labels = [\"negative\"]\n[audio]\nonnx = \"nope.onnx\"\nsample-rate = 16000\n"
        ),
    );
    let e = load_err(missing.to_str().unwrap(), &["negative".to_string()]).to_string();
    assert!(e.ends_with("nope.onnx: file not found"), "{e}");

    // Unknown key: line and column.
    let typo = temp_spec(
        dir,
        "typo.toml",
        &format!("{head}labels = [\"a\"]\nlabls = 3\n"),
    );
    let e = load_err(typo.to_str().unwrap(), &labels()).to_string();
    assert!(
        e.contains("typo.toml line 4 column 1: unknown field `labls`"),
        "{e}"
    );
}

#[test]
fn bad_items_are_item_errors_and_the_rest_goes_on() {
    let Some(shared) = setup() else { return };
    let r = ravdess(&shared);
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF....WAVEnope").unwrap();
    let mut model = Model::load(
        &fixture("audio-cnn-valence.toml"),
        &labels(),
        Options::default(),
    )
    .unwrap();
    let inputs = [
        InferInput {
            id: "good",
            text: None,
            audio: Some(&r.inputs[0].2),
        },
        InferInput {
            id: "bad",
            text: None,
            audio: Some(&corrupt),
        },
        InferInput {
            id: "none",
            text: None,
            audio: None,
        },
    ];
    let out = model.predict_batch(&inputs).unwrap();
    assert!(out[0].is_ok());
    let e = out[1].as_ref().unwrap_err().to_string();
    assert!(
        e.starts_with("item bad: audio ") && e.contains("corrupt.wav"),
        "{e}"
    );
    assert_eq!(
        out[2].as_ref().unwrap_err().to_string(),
        "item none: no audio for an audio model"
    );
    let sha = model.sha256().unwrap();
    assert_eq!(sha.len(), 64);
}

#[test]
fn doctor_reports_a_working_cpu_provider() {
    let Some(_) = setup() else { return };
    let info = infer::doctor().unwrap();
    eprintln!("doctor: {info:?}");
    assert_eq!(info.version, "1.31.1");
    assert!(info.providers.iter().any(|(n, s)| n == "CPU" && s == "ok"));
}

#[test]
fn an_unusable_cuda_provider_is_an_error_not_a_silent_cpu_fallback() {
    let Some(_) = setup() else { return };
    let info = infer::doctor().unwrap();
    if info.providers.iter().any(|(n, s)| n == "CUDA" && s == "ok") {
        eprintln!("skipped: CUDA works here");
        return;
    }
    let opts = Options {
        device: infer::Device::Cuda,
        ..Options::default()
    };
    let e = Model::load(&fixture("audio-cnn-valence.toml"), &labels(), opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(
        e.to_string()
            .contains("cannot use the cuda execution provider"),
        "{e}"
    );
}
