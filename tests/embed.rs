//! Embedding cohorts computed from audio: the speaker-embedding model against its Python
//! reference, MFCC statistics against numpy, and `run`/`score` building embedding partitions
//! from an `embedding-model` or, with nothing given, from MFCC statistics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tonebench::audio::{self, mfcc};
use tonebench::infer::{self, Embedder, Options};
use tonebench::input::suite::Suite;
use tonebench::input::table::Table;
use tonebench_core::cohorts::kmeans::adjusted_rand_index;

use crate::common::{read_json, root, shared, tonebench};

/// `../shared` and a loadable ONNX Runtime, or None with a message.
fn setup(test: &str) -> Option<PathBuf> {
    let s = shared(test)?;
    match infer::runtime::runtime() {
        Ok(_) => Some(s),
        Err(e) => {
            eprintln!("skipped {test}: {e}");
            None
        }
    }
}

/// Columns of a CSV (tonebench's table reader) as strings, by name.
fn columns(path: &Path) -> BTreeMap<String, Vec<String>> {
    let t = Table::read(path).unwrap();
    t.columns()
        .iter()
        .map(|c| {
            let v = t.strings(c).unwrap();
            (
                c.clone(),
                v.into_iter().map(Option::unwrap_or_default).collect(),
            )
        })
        .collect()
}

fn floats(col: &[String]) -> Vec<f64> {
    col.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn mfcc_statistics_match_the_numpy_reference() {
    let dir = root().join("tests/fixtures/mfcc");
    let wav = audio::decode(&dir.join("tone.wav")).unwrap();
    assert_eq!(wav.sample_rate, mfcc::SAMPLE_RATE);
    let m = mfcc::Mfcc::new();
    let frames = m.frames(&wav.samples);
    let reference = columns(&dir.join("frames.csv"));
    // 0.8 s at 16 kHz: 1 + (12800 - 400) / 160 = 78 frames.
    assert_eq!(frames.len(), 78);
    assert_eq!(reference["frame"].len(), 78);
    let mut max_diff = 0.0f64;
    for c in 0..mfcc::N_MFCC {
        let want = floats(&reference[&format!("c{c}")]);
        for (f, w) in frames.iter().zip(&want) {
            max_diff = max_diff.max((f[c] - w).abs());
        }
    }
    assert!(max_diff < 1e-9, "frames: max |Δ| {max_diff:e}");
    let stats = m.stats(&wav.samples);
    let reference = columns(&dir.join("stats.csv"));
    let want: Vec<f64> = (0..mfcc::N_MFCC)
        .map(|i| format!("m{i}"))
        .chain((0..mfcc::N_MFCC).map(|i| format!("s{i}")))
        .map(|k| reference[&k][0].parse().unwrap())
        .collect();
    assert_eq!(stats.len(), mfcc::DIM);
    for (i, (a, b)) in stats.iter().zip(&want).enumerate() {
        assert!((a - b).abs() < 1e-9, "stat {i}: {a} vs numpy {b}");
    }
}

/// "Actor_13/03-...wav": the last two components of a clip path.
fn clip_key(p: &Path) -> String {
    let n: Vec<_> = p.iter().rev().take(2).collect();
    format!("{}/{}", n[1].to_string_lossy(), n[0].to_string_lossy())
}

#[test]
fn speaker_embeddings_match_the_python_reference() {
    let Some(shared) = setup("speaker_embeddings_match_the_python_reference") else {
        return;
    };
    let refs =
        columns(&shared.join("models/speaker-embed/reference_embeddings_ravdess_actors13-18.csv"));
    let dims: Vec<Vec<f64>> = (0..128).map(|d| floats(&refs[&format!("e{d}")])).collect();
    let by_clip: BTreeMap<String, Vec<f64>> = refs["file"]
        .iter()
        .enumerate()
        .map(|(r, f)| {
            (
                clip_key(Path::new(f)),
                dims.iter().map(|col| col[r]).collect(),
            )
        })
        .collect();
    let suite = Suite::load(&shared.join("suites/ravdess-dev")).unwrap();
    let opts = Options {
        threads: 1,
        ..Options::default()
    };
    let mut embedder = Embedder::load(
        &root().join("tests/fixtures/models/speaker-embed.toml"),
        opts,
    )
    .unwrap();
    assert_eq!(embedder.name, "speaker-embed");
    let start = Instant::now();
    let (mut n, mut min_cos, mut max_diff) = (0, f64::INFINITY, 0.0f64);
    for item in &suite.items {
        let audio = item.audio().unwrap();
        let got = embedder.embed(audio).unwrap();
        let want = &by_clip[&clip_key(audio)];
        assert_eq!(got.len(), 128);
        let dot: f64 = got.iter().zip(want).map(|(&a, b)| f64::from(a) * b).sum();
        let na = got
            .iter()
            .map(|&a| f64::from(a).powi(2))
            .sum::<f64>()
            .sqrt();
        let nb = want.iter().map(|b| b * b).sum::<f64>().sqrt();
        min_cos = min_cos.min(dot / (na * nb));
        for (&a, b) in got.iter().zip(want) {
            max_diff = max_diff.max((f64::from(a) - b).abs());
        }
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "speaker-embed on ravdess-dev: {n} clips in {secs:.2} s ({:.1} ms/clip, 1 thread, decode + resample + inference), min cosine {min_cos:.7}, max |Δ| {max_diff:.2e}",
        secs * 1e3 / n as f64
    );
    assert_eq!(n, 156);
    assert!(min_cos >= 0.9999, "min cosine {min_cos}");
    assert!(max_diff <= 1e-4, "max |Δ| {max_diff}");
}

/// A copy of ravdess-dev's manifest in `dir`, pointing back to the shared items and audio, with
/// `extra` appended to its `[cohorts]` section.
fn ravdess_copy(shared: &Path, dir: &Path, extra: &str) -> PathBuf {
    let src = shared.join("suites/ravdess-dev");
    let items = src.join("items.csv").canonicalize().unwrap();
    let audio = src
        .join("../../data/ravdess-dev/wav")
        .canonicalize()
        .unwrap();
    let manifest = std::fs::read_to_string(src.join("suite.toml")).unwrap();
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("items =") {
                format!("items = {:?}", items.display().to_string())
            } else if l.starts_with("audio-root =") {
                format!("audio-root = {:?}", audio.display().to_string())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(manifest.contains("[cohorts]") && manifest.trim_end().ends_with("min-speakers = 2"));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("suite.toml"), format!("{manifest}\n{extra}")).unwrap();
    dir.to_path_buf()
}

/// speaker → cohort of one partition in a run folder's cohorts.csv.
fn membership(run: &Path, partition: &str) -> BTreeMap<String, String> {
    let c = columns(&run.join("cohorts.csv"));
    (0..c["partition"].len())
        .filter(|&r| c["partition"][r] == partition)
        .map(|r| (c["speaker"][r].clone(), c["cohort"][r].clone()))
        .collect()
}

/// The adjusted Rand index between a speaker partition and the speakers' sex.
fn ari_vs_sex(suite_items: &Path, speakers: &BTreeMap<String, String>) -> f64 {
    let items = columns(suite_items);
    let sex: BTreeMap<&str, &str> = items["speaker"]
        .iter()
        .zip(&items["sex"])
        .map(|(s, x)| (s.as_str(), x.as_str()))
        .collect();
    assert_eq!(speakers.len(), sex.len());
    let index = |v: &[&str]| -> Vec<usize> {
        let mut seen: Vec<&str> = Vec::new();
        v.iter()
            .map(|x| {
                seen.iter().position(|s| s == x).unwrap_or_else(|| {
                    seen.push(x);
                    seen.len() - 1
                })
            })
            .collect()
    };
    let a: Vec<&str> = speakers.values().map(String::as_str).collect();
    let b: Vec<&str> = speakers.keys().map(|s| sex[s.as_str()]).collect();
    adjusted_rand_index(&index(&a), &index(&b))
}

fn cohort_sources(report: &serde_json::Value) -> Vec<(String, String)> {
    report["models"][0]["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["partition"].as_str().unwrap().to_string(),
                c["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn warning_codes(report: &serde_json::Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

fn run_ravdess(suite: &Path, out: &Path) -> serde_json::Value {
    run_ravdess_with(suite, out, &[]).0
}

/// `run` of the audio CNN over `suite` with `extra` arguments: the report and stderr.
fn run_ravdess_with(suite: &Path, out: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let model = root().join("tests/fixtures/models/audio-cnn-valence.toml");
    let o = tonebench()
        .args(["run", "--suite"])
        .arg(suite)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(out)
        .args(["--resamples", "200", "--sensitivity-sample", "0"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    eprintln!("{stderr}");
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    (read_json(&out.join("report.json")), stderr)
}

/// A copy of ravdess-dev whose `[cohorts]` names the speaker-embedding model.
fn ravdess_with_embedder(shared: &Path, dir: &Path) -> PathBuf {
    let spec = root().join("tests/fixtures/models/speaker-embed.toml");
    ravdess_copy(
        shared,
        dir,
        &format!("embedding-model = {:?}\n", spec.display().to_string()),
    )
}

#[test]
fn embedding_model_cohorts_separate_ravdess_speakers_by_sex() {
    let Some(shared) = setup("embedding_model_cohorts_separate_ravdess_speakers_by_sex") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let suite = ravdess_with_embedder(&shared, &tmp.path().join("suite"));
    let out = tmp.path().join("out");
    let report = run_ravdess(&suite, &out);
    assert!(cohort_sources(&report).contains(&("speaker-embed".into(), "embedding".into())));
    assert!(!warning_codes(&report).contains(&"weak_embedding".to_string()));
    let speakers = membership(&out, "speaker-embed");
    let ari = ari_vs_sex(&shared.join("suites/ravdess-dev/items.csv"), &speakers);
    eprintln!("speaker-embed k=2 partition vs sex: ARI {ari} ({speakers:?})");
    assert_eq!(ari, 1.0);
}

#[test]
fn without_embeddings_ravdess_falls_back_to_mfcc_statistics_and_warns() {
    let Some(shared) = setup("without_embeddings_ravdess_falls_back_to_mfcc_statistics_and_warns")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let suite = ravdess_copy(&shared, &tmp.path().join("suite"), "");
    let out = tmp.path().join("out");
    let report = run_ravdess(&suite, &out);
    assert!(cohort_sources(&report).contains(&("mfcc-stats".into(), "embedding".into())));
    assert!(warning_codes(&report).contains(&"weak_embedding".to_string()));
    let speakers = membership(&out, "mfcc-stats");
    assert_eq!(speakers.len(), 6);
    eprintln!(
        "mfcc-stats k=2 partition vs sex: ARI {}",
        ari_vs_sex(&shared.join("suites/ravdess-dev/items.csv"), &speakers)
    );
}

#[test]
fn demo_suite_gets_mfcc_embedding_cohorts_automatically() {
    // `score` with the true labels as predictions: no ONNX Runtime needed.
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    let items = columns(&demo.join("items.csv"));
    let mut csv = String::from("id,pred\n");
    for (id, label) in items["id"].iter().zip(&items["label"]) {
        csv.push_str(&format!("{id},{label}\n"));
    }
    let preds = tmp.path().join("truth.csv");
    std::fs::write(&preds, csv).unwrap();
    let out = tmp.path().join("out");
    let o = tonebench()
        .args(["score", "--suite"])
        .arg(&demo)
        .arg("--predictions")
        .arg(&preds)
        .arg("--out")
        .arg(&out)
        .args(["--resamples", "100"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("embeddings mfcc-stats: 108 clips"),
        "{stderr}"
    );
    let report = read_json(&out.join("report.json"));
    let sources = cohort_sources(&report);
    assert!(
        sources.contains(&("mfcc-stats".into(), "embedding".into())),
        "{sources:?}"
    );
    let weak = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "weak_embedding")
        .expect("a weak_embedding warning");
    assert!(weak["message"]
        .as_str()
        .unwrap()
        .contains("weakest embedding"));
    assert_eq!(membership(&out, "mfcc-stats").len(), 12);
}

/// `run` embeds each clip as the audio model decodes it (one decode per clip, issue 15); with
/// `--jobs 2` nothing is embedded during the run and every clip is decoded again at the end.
/// Both give the same embedding cohorts, byte for byte.
#[test]
fn clips_embedded_during_the_run_give_the_cohorts_of_clips_embedded_after_it() {
    let Some(shared) =
        setup("clips_embedded_during_the_run_give_the_cohorts_of_clips_embedded_after_it")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let suite = ravdess_with_embedder(&shared, &tmp.path().join("suite"));
    let run = |out: &Path, jobs: &str| {
        let (report, stderr) = run_ravdess_with(&suite, out, &["--jobs", jobs]);
        let note = stderr
            .lines()
            .find(|l| l.contains("embeddings speaker-embed:"))
            .unwrap_or_else(|| panic!("no embeddings note: {stderr}"))
            .to_string();
        (report, note)
    };
    let (during, note_during) = run(&tmp.path().join("during"), "1");
    let (after, note_after) = run(&tmp.path().join("after"), "2");
    eprintln!("{note_during}\n{note_after}");
    let items = Suite::load(&suite).unwrap().items.len();
    assert!(
        note_during.contains(&format!(
            "{items} clips, all {items} embedded as the model run decoded them"
        )),
        "{note_during}"
    );
    assert!(
        note_after.contains(&format!(
            "{items} clips, 0 of them embedded as the model run decoded them, the other {items} in"
        )),
        "{note_after}"
    );
    assert_eq!(during["cohorts"], after["cohorts"]);
    assert_eq!(
        std::fs::read(tmp.path().join("during/cohorts.json")).unwrap(),
        std::fs::read(tmp.path().join("after/cohorts.json")).unwrap()
    );
}
