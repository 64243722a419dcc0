//! ONNX Runtime inference against the real models and references in `../shared`, WAV decoding
//! fixtures, and bad-input errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tonebench::audio;
use tonebench::error::{ErrorKind, HasKind};
use tonebench::infer::{self, InferError, InferInput, Model, Options};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, or None with a message.
fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    if p.join("models").is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared not found");
        None
    }
}

/// `../shared` and a loadable ONNX Runtime, or None with a message.
fn setup() -> Option<PathBuf> {
    let s = shared()?;
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

/// A CSV table (read with tonebench's own table reader) as rows of named fields.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let t = tonebench::input::table::Table::read(path).unwrap();
    let cols: Vec<(String, Vec<Option<String>>)> = t
        .columns()
        .iter()
        .map(|c| (c.clone(), t.strings(c).unwrap()))
        .collect();
    (0..t.height())
        .map(|r| {
            cols.iter()
                .map(|(name, v)| (name.clone(), v[r].clone().unwrap_or_default()))
                .collect()
        })
        .collect()
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

struct Ravdess {
    inputs: Vec<(String, String, PathBuf)>,
    files: Vec<String>,
}

fn ravdess(shared: &Path) -> Ravdess {
    let suite = shared.join("suites/ravdess-dev");
    let root = suite.join("../../data/ravdess-dev/wav");
    let items = read_csv(&suite.join("items.csv"));
    let keep: Vec<_> = items.iter().filter(|r| r["label"] != "surprised").collect();
    Ravdess {
        inputs: keep
            .iter()
            .map(|r| (r["id"].clone(), r["text"].clone(), root.join(&r["audio"])))
            .collect(),
        files: keep.iter().map(|r| format!("wav/{}", r["audio"])).collect(),
    }
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

fn read_f32_wav(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn resampling_matches_the_reference_resampler() {
    let Some(shared) = shared() else { return };
    let check = shared.join("models/audio-cnn-valence/resample-check");
    let mut n = 0;
    let (mut worst_poly, mut worst_rubato) = (0.0f32, 0.0f32);
    for entry in std::fs::read_dir(&check).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(rel) = name
            .strip_suffix(".wav")
            .and_then(|n| n.strip_prefix("ravdess__"))
        else {
            continue;
        };
        let source = shared
            .join("data/ravdess-dev")
            .join(rel.replace("__", "/") + ".wav");
        let want = read_f32_wav(&path);
        let wave = audio::decode(&source).unwrap();
        let poly = audio::resample_poly(&wave.samples, wave.sample_rate, 16000).unwrap();
        assert_eq!(poly.len(), want.len(), "{name}");
        let d = poly
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        worst_poly = worst_poly.max(d);
        let rub = audio::resample_rubato(&wave.samples, wave.sample_rate, 16000).unwrap();
        let d = rub
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        worst_rubato = worst_rubato.max(d);
        n += 1;
    }
    eprintln!("resample 48->16 kHz vs scipy resample_poly on {n} clips: max |dx| polyphase {worst_poly:.2e}, rubato fft {worst_rubato:.2e}");
    assert_eq!(n, 3);
    assert!(worst_poly < 1e-6, "{worst_poly}");
}

#[test]
fn decode_and_resample_throughput() {
    let Some(shared) = shared() else { return };
    let r = ravdess(&shared);
    let clips: Vec<&PathBuf> = r.inputs.iter().take(20).map(|(_, _, p)| p).collect();
    let t = Instant::now();
    let mut seconds = 0.0;
    for c in &clips {
        let l = audio::load(c, 16000).unwrap();
        seconds += l.source_duration_s;
    }
    let wall = t.elapsed().as_secs_f64();
    eprintln!(
        "decode + resample 48->16 kHz: {:.0}x real time on one core ({seconds:.1} s audio in {wall:.3} s; unoptimised test build)",
        seconds / wall
    );
}

fn write_wav(path: &Path, spec: hound::WavSpec, frames: &[Vec<f64>]) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for frame in frames {
        for &s in frame {
            match spec.sample_format {
                hound::SampleFormat::Float => w.write_sample(s as f32).unwrap(),
                hound::SampleFormat::Int => {
                    let full = f64::from(1u32 << (spec.bits_per_sample - 1));
                    let v = (s * full).round() as i32;
                    if spec.bits_per_sample == 8 {
                        w.write_sample(v as i8).unwrap()
                    } else {
                        w.write_sample(v).unwrap()
                    }
                }
            }
        }
    }
    w.finalize().unwrap();
}

fn wav_spec(channels: u16, bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: 8000,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

#[test]
fn decodes_every_supported_wav_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let frames = vec![vec![0.5, -0.25], vec![-1.0, 0.0], vec![0.25, 0.75]];
    // mono = mean of the two channels
    let want = [(0.5 - 0.25) / 2.0, (-1.0 + 0.0) / 2.0, (0.25 + 0.75) / 2.0];
    for (bits, float) in [
        (8, false),
        (16, false),
        (24, false),
        (32, false),
        (32, true),
    ] {
        let path = dir.path().join(format!("stereo-{bits}-{float}.wav"));
        write_wav(&path, wav_spec(2, bits, float), &frames);
        let w = audio::decode(&path).unwrap();
        assert_eq!(w.sample_rate, 8000);
        assert_eq!(w.samples.len(), 3);
        for (got, want) in w.samples.iter().zip(want) {
            assert!(
                (f64::from(*got) - want).abs() < 1e-9,
                "{bits}-bit {float}: {got} vs {want}"
            );
        }
    }
    // 16-bit mono: PCM16 / 32768 exactly.
    let path = dir.path().join("mono16.wav");
    write_wav(
        &path,
        wav_spec(1, 16, false),
        &[vec![16384.0 / 32768.0], vec![-1.0]],
    );
    assert_eq!(audio::decode(&path).unwrap().samples, vec![0.5, -1.0]);
    // 8 kHz → 16 kHz doubles the length.
    let l = audio::load(&path, 16000).unwrap();
    assert_eq!(l.waveform.samples.len(), 4);
}

fn audio_err(path: &Path) -> String {
    audio::decode(path).unwrap_err().to_string()
}

#[test]
fn bad_wav_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wav");
    assert_eq!(
        audio_err(&missing),
        format!("audio {}: file not found", missing.display())
    );

    let corrupt = dir.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"this is not a wav file at all, not even close").unwrap();
    assert!(audio_err(&corrupt)
        .starts_with(&format!("audio {}: not a readable WAV", corrupt.display())));

    let good = dir.path().join("good.wav");
    write_wav(&good, wav_spec(1, 16, false), &vec![vec![0.1]; 1000]);
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() - 501]).unwrap();
    let e = audio_err(&truncated);
    assert!(
        e.starts_with(&format!("audio {}: truncated", truncated.display())),
        "{e}"
    );
    let header_only = dir.path().join("cut-header.wav");
    std::fs::write(&header_only, &bytes[..30]).unwrap();
    assert!(audio_err(&header_only).contains("cut-header.wav"));

    let empty = dir.path().join("empty.wav");
    write_wav(&empty, wav_spec(1, 16, false), &[]);
    assert_eq!(
        audio_err(&empty),
        format!("audio {}: no samples (zero-length audio)", empty.display())
    );

    // 64-bit float PCM: a valid WAV that tonebench does not read.
    let mut f64wav = Vec::new();
    let data: Vec<u8> = [0.5f64, -0.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    f64wav.extend_from_slice(b"RIFF");
    f64wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f64wav.extend_from_slice(b"WAVEfmt ");
    f64wav.extend_from_slice(&16u32.to_le_bytes());
    f64wav.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    f64wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    f64wav.extend_from_slice(&8000u32.to_le_bytes());
    f64wav.extend_from_slice(&(8000u32 * 8).to_le_bytes());
    f64wav.extend_from_slice(&8u16.to_le_bytes());
    f64wav.extend_from_slice(&64u16.to_le_bytes());
    f64wav.extend_from_slice(b"data");
    f64wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f64wav.extend_from_slice(&data);
    let unsupported = dir.path().join("f64.wav");
    std::fs::write(&unsupported, &f64wav).unwrap();
    let e = audio_err(&unsupported);
    assert!(
        e.starts_with(&format!(
            "audio {}: unsupported WAV encoding",
            unsupported.display()
        )),
        "{e}"
    );
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
    let e = load_err(names.to_str().unwrap(), &labels()).to_string();
    assert!(e.contains("model_int8.onnx: graph has no input named \"ids\" (its inputs: input_ids, attention_mask)"), "{e}");

    // Label count mismatch.
    let four = temp_spec(dir, "four-labels.toml", &format!(
        "{head}labels = [\"negative\", \"neutral\", \"positive\", \"mixed\"]\n[text]\nonnx = \"{text_onnx}\"\ntokenizer = \"{tokenizer}\"\n"
    ));
    let e = load_err(four.to_str().unwrap(), &labels()).to_string();
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
fn resampled_inputs_are_bit_identical_to_the_reference() {
    use sha2::{Digest, Sha256};
    let Some(shared) = shared() else { return };
    let rows = read_csv(&shared.join("models/audio-cnn-valence/reference_ravdess_actors13-18.csv"));
    let (mut same_len, mut same_sha) = (0, 0);
    for row in &rows {
        let path = shared.join("data/ravdess-dev").join(&row["file"]);
        let l = audio::load(&path, 16000).unwrap();
        let bytes: Vec<u8> = l
            .waveform
            .samples
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        same_len += usize::from(l.waveform.samples.len().to_string() == row["n_samples_16k"]);
        same_sha += usize::from(sha == row["sha256_f32le_16k"]);
    }
    eprintln!(
        "resampled inputs: {same_len}/{} same length, {same_sha} bit-identical to the reference",
        rows.len()
    );
    assert_eq!(same_len, rows.len());
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
