//! The bounds of issue 18 that the first pass left out (DESIGN.md, "Limits"): `max-tokens` and
//! the length of a text fed to a model, `k`, `--examples`, `--folds`, the streaming window and
//! the log-mel front end's sizes. Each value past its bound is refused before anything is
//! allocated from it, exit 2 with the bound named; before, each was accepted.

use std::path::Path;

use crate::common::{root, spec_error, tonebench, write_suite, MANIFEST};

/// Exit 2 and one line of stderr that contains every one of `parts`.
fn refused(dir: &Path, args: &[&str], parts: &[&str]) {
    let out = tonebench()
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    for p in parts {
        assert!(err.contains(p), "{args:?}: {err:?} lacks {p:?}");
    }
}

/// A two-item suite in `dir/s` with `extra` appended to its manifest, and predictions `p.csv`.
fn scored_suite(dir: &Path, extra: &str, items: &str, preds: &str) {
    write_suite(
        &dir.join("s"),
        &format!("{MANIFEST}{extra}"),
        &[("items.csv", items.as_bytes())],
    );
    std::fs::write(dir.join("p.csv"), preds).unwrap();
}

const SCORE: [&str; 5] = ["score", "--suite", "s", "--predictions", "p.csv"];

#[test]
fn max_tokens_past_the_bound_is_refused_in_a_model_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let e = spec_error(
        tmp.path(),
        "[text]\nonnx = \"m.onnx\"\ntokenizer = \"tokenizer.json\"\nmax-tokens = 100000000\n",
    );
    assert!(
        e.contains("[text] max-tokens is 100000000, more than the supported maximum of 8192"),
        "{e}"
    );
}

#[test]
fn a_text_longer_than_the_bound_in_tokens_is_refused_unless_truncated() {
    let tok = root().join("tests/fixtures/hf/bert/tokenizer.json");
    let long = "good ".repeat(20_000);
    let enc = tonebench::infer::parts::TextEncoder::open(&tok, None).unwrap();
    let e = enc.encode(&long).unwrap_err();
    assert!(
        e.contains("more than the supported maximum of 8192")
            && e.contains("set max-tokens in the model spec"),
        "{e}"
    );
    let enc = tonebench::infer::parts::TextEncoder::open(&tok, Some(128)).unwrap();
    assert!(enc.encode(&long).is_ok());
}

#[test]
fn a_log_mel_front_end_past_the_bounds_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let e = spec_error(
        tmp.path(),
        "[audio]\nonnx = \"a.onnx\"\nsample-rate = 16000\nfeatures = \"whisper-log-mel\"\nmel-bins = 100000000\n",
    );
    assert!(
        e.contains("[audio] mel-bins: the number of mel bins is 100000000, more than the supported maximum of 512"),
        "{e}"
    );
    let p = tonebench::audio::features::WhisperParams {
        hop_length: 1,
        chunk_length: 3600,
        ..Default::default()
    };
    let e = p.check().unwrap_err();
    assert!(
        e.contains("the log-mel features of a clip (mel bins × frames)"),
        "{e}"
    );
    assert_eq!(
        tonebench::audio::features::WhisperParams::default().check(),
        Ok(())
    );
}

#[test]
fn k_past_the_bound_is_refused_in_suites_and_cohorts_files() {
    let tmp = tempfile::tempdir().unwrap();
    scored_suite(
        tmp.path(),
        "[cohorts]\nembeddings = \"emb.csv\"\nk = 1000000\n",
        "id,label,speaker\na,negative,s1\nb,positive,s2\n",
        "id,pred\na,negative\nb,positive\n",
    );
    refused(
        tmp.path(),
        &SCORE,
        &[
            "suite.toml",
            "k is 1000000, more than the supported maximum of 100",
        ],
    );
    let p = tmp.path().join("cohorts.json");
    let centroids: Vec<String> = (0..101).map(|i| format!("[{i}.0]")).collect();
    std::fs::write(
        &p,
        format!(
            "{{\"format_version\": 1, \"partitions\": [{{\"partition\": \"e\", \"seed\": 7, \"k_method\": \"fixed\", \"cohorts\": [], \"centroids\": [{}], \"speakers\": {{}}}}]}}",
            centroids.join(", ")
        ),
    )
    .unwrap();
    let e = tonebench::store::cohorts::read_cohorts_json(&p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the number of centroids is 101, more than the supported maximum of 100"),
        "{e}"
    );
}

#[test]
fn examples_past_the_bound_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    scored_suite(
        tmp.path(),
        "",
        "id,label\na,negative\nb,positive\n",
        "id,pred\na,negative\nb,positive\n",
    );
    let mut args = SCORE.to_vec();
    args.extend(["--examples", "1000000000000"]);
    refused(
        tmp.path(),
        &args,
        &["--examples is 1000000000000, more than the supported maximum of 1000"],
    );
}

#[test]
fn a_streaming_window_shorter_than_a_model_takes_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    scored_suite(
        tmp.path(),
        "[streaming]\nwindow = 0.001\n",
        "id,label\na,negative\nb,positive\n",
        "id,pred\na,negative\nb,positive\n",
    );
    refused(
        tmp.path(),
        &SCORE,
        &["window 0.001 is less than the supported minimum of 0.025 seconds"],
    );
}

#[test]
fn folds_past_the_bound_are_refused_before_allocating() {
    let tmp = tempfile::tempdir().unwrap();
    scored_suite(
        tmp.path(),
        "",
        "id,label,speaker\na,negative,s1\nb,positive,s2\n",
        "id,pred\n",
    );
    // usize::MAX folds: `vec![1.0; k]` aborted on a capacity overflow.
    refused(
        tmp.path(),
        &[
            "suite",
            "split",
            "s",
            "--folds",
            "18446744073709551615",
            "--out",
            "x",
        ],
        &["--folds is 18446744073709551615, more than the supported maximum of 1000"],
    );
}

/// Issue 18: a WAV whose header says 1 Hz made the resampler ask for 64 GB — the run aborted
/// (exit 134) with no outputs even under `--keep-going`. Now that item fails, naming the bound,
/// and the run reports the others.
#[test]
fn a_one_hertz_wav_fails_its_item_under_keep_going_not_the_run() {
    if !crate::common::ort("a_one_hertz_wav_fails_its_item_under_keep_going_not_the_run") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let s = write_suite(
        &tmp.path().join("s"),
        &format!("{MANIFEST}audio-root = \"audio\"\n"),
        &[(
            "items.csv",
            b"id,label,audio\na,negative,hz1.wav\nb,positive,ok.wav\n",
        )],
    );
    std::fs::create_dir(s.join("audio")).unwrap();
    for (name, frames, rate) in [("hz1.wav", 200_000, 1), ("ok.wav", 16_000, 16_000)] {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(s.join("audio").join(name), spec).unwrap();
        for i in 0..frames {
            w.write_sample(((i % 64) as i16 - 32) * 100).unwrap();
        }
        w.finalize().unwrap();
    }
    let out = tonebench()
        .current_dir(tmp.path())
        .args(["run", "--keep-going", "--suite", "s", "--resamples", "10"])
        .arg("--model")
        .arg(root().join("suites/demo/models/audio.toml"))
        .args(["--out", "o"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("1 item prediction(s) failed"), "{err}");
    let report = std::fs::read_to_string(tmp.path().join("o/report.json")).unwrap();
    assert!(
        report.contains("hz1.wav") && report.contains("sample rate 1 Hz is outside"),
        "{report}"
    );
}

#[test]
fn batch_sizes_past_the_bound_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for flag in ["--batch", "--window-batch"] {
        let out = tonebench()
            .current_dir(tmp.path())
            .args(["run", "--suite", "s", "--model", "m.toml", flag, "100000"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("the batch size is 100000, more than the supported maximum of 4096"),
            "{err}"
        );
    }
}

/// A header of more columns than the bound is refused naming its line, in CSV and in JSON
/// lines; one within it is read (libFuzzer found a 5,671-column header slow: the duplicate-name
/// checks compared every pair of names).
#[test]
fn a_table_of_more_columns_than_the_bound_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let n = tonebench_core::limits::COLUMNS;
    let items = "id,label\na,negative\nb,positive\n";
    let wide = |cols: usize| {
        let names: Vec<String> = (0..cols).map(|i| format!("c{i}")).collect();
        format!(
            "id,pred,{}\na,negative{}\nb,positive{}\n",
            names.join(","),
            ",".repeat(cols),
            ",".repeat(cols)
        )
    };
    scored_suite(d, "", items, &wide(n));
    refused(
        d,
        &SCORE,
        &["p.csv line 1", "number of columns is 131074", "131072"],
    );
    let jsonl = |cols: usize| {
        let extra: String = (0..cols).map(|i| format!(",\"c{i}\":null")).collect();
        format!("{{\"id\":\"a\",\"pred\":\"negative\"{extra}}}\n{{\"id\":\"b\",\"pred\":\"positive\"{extra}}}\n")
    };
    std::fs::write(d.join("p.jsonl"), jsonl(n)).unwrap();
    refused(
        d,
        &["score", "--suite", "s", "--predictions", "p.jsonl"],
        &["p.jsonl", "number of columns is 131074"],
    );
    // Within the bound (and duplicate names still found, in one pass).
    std::fs::write(d.join("p.csv"), wide(20_000)).unwrap();
    let out = tonebench()
        .current_dir(d)
        .args(SCORE)
        .args(["--out", "o", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(d.join("p.csv"), "id,pred,x,y,x\na,negative,1,2,3\n").unwrap();
    refused(d, &SCORE, &["column \"x\" appears twice"]);
}
