//! `run --window`: long calls cut into windows, against the independent Python re-implementation
//! (`scripts/calls/reference.py`: ONNX Runtime Python + `resample_poly` on the whole call), and
//! the checks of a calls suite's segments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{self, read_csv, read_json, root, tonebench, write_suite};

/// windows.parquet (or any table) as rows keyed by `(id, window)`.
fn by_window(
    rows: Vec<BTreeMap<String, String>>,
) -> BTreeMap<(String, u32), BTreeMap<String, String>> {
    rows.into_iter()
        .map(|r| ((r["id"].clone(), r["window"].parse().unwrap()), r))
        .collect()
}

const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

fn probs(r: &BTreeMap<String, String>) -> Vec<f64> {
    LABELS
        .iter()
        .map(|l| r[&format!("p_{l}")].parse().unwrap())
        .collect()
}

use tonebench_core::streaming::aggregate::argmax;

/// Runs the audio CNN over the calls suite; returns the run folder.
fn stream(suite: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let model = root().join("tests/fixtures/models/audio-cnn-valence.toml");
    let mut cmd = tonebench();
    cmd.args(["run", "--suite"])
        .arg(suite)
        .arg("--model")
        .arg(&model)
        .args([
            "--window",
            "5",
            "--hop",
            "2.5",
            "--resamples",
            "200",
            "--out",
        ])
        .arg(out)
        .args(extra);
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.to_owned()
}

/// Compares windows.parquet with a reference table: argmax agreement and the largest |Δp|.
fn compare(run: &Path, reference: &str) -> (f64, f64, usize) {
    let got = by_window(read_csv(&run.join("windows.parquet")));
    let want = by_window(read_csv(
        &root().join("tests/fixtures/calls").join(reference),
    ));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the windows of every call"
    );
    let (mut agree, mut max) = (0usize, 0f64);
    for (k, w) in &want {
        let (a, b) = (probs(&got[k]), probs(w));
        agree += usize::from(argmax(&a) == argmax(&b));
        for (x, y) in a.iter().zip(&b) {
            max = max.max((x - y).abs());
        }
    }
    (agree as f64 / want.len() as f64, max, want.len())
}

#[test]
fn calls_match_the_python_reference_window_by_window_and_call_by_call() {
    let Some(shared) = common::shared("streaming reference") else {
        return;
    };
    if !common::ort("streaming reference") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = common::calls::build(&shared, &tmp.path().join("calls"));
    let vad = tonebench::infer::vad::locate().is_some();
    if !vad {
        eprintln!("streaming reference: Silero VAD not installed (scripts/setup-vad.sh); comparing with oracle speech only");
    }
    let speech = if vad { "silero-vad" } else { "oracle" };
    let run = stream(
        &suite,
        &tmp.path().join("run"),
        &["--window-batch", "1", "--speech", speech],
    );
    let (agree, max, n) = compare(&run, "reference_windows.csv");
    assert!(
        agree >= 0.999 && max <= 1e-5,
        "{n} windows: argmax agreement {agree}, max |Δp| {max:e}"
    );

    // Window timing and truth, and the VAD's decisions.
    let got = by_window(read_csv(&run.join("windows.parquet")));
    let want = by_window(read_csv(
        &root().join("tests/fixtures/calls/reference_windows.csv"),
    ));
    for (k, w) in &want {
        let g = &got[k];
        let start: f64 = w["start_sample"].parse::<f64>().unwrap() / 16000.0;
        assert_eq!(g["start_s"].parse::<f64>().unwrap(), start, "{k:?}");
        assert_eq!(g["padded"], w["padded"], "{k:?}");
        assert_eq!(g["speech_truth"], w["speech_truth"], "{k:?}");
        assert_eq!(g["label"], w["label"], "{k:?}");
        if vad {
            assert_eq!(g["speech_pred"], w["vad_speech"], "{k:?}");
            let f: f64 = g["speech_fraction"].parse().unwrap();
            assert!(
                (f - w["vad_fraction"].parse::<f64>().unwrap()).abs() < 1e-12,
                "{k:?}"
            );
        }
    }

    // Whole-call estimates: the model's per-item predictions are the calls'.
    let calls = read_csv(&root().join("tests/fixtures/calls/reference_calls.csv"));
    let preds: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&run.join("predictions.parquet"))
            .into_iter()
            .map(|r| (r["id"].clone(), r))
            .collect();
    let prefix = if vad { "vad" } else { "oracle" };
    for c in &calls {
        let p = &preds[&c["id"]];
        assert_eq!(p["label"], c["truth"], "{}", c["id"]);
        assert_eq!(p["pred"], c[&format!("{prefix}_pred")], "{}", c["id"]);
        for l in LABELS {
            let (a, b): (f64, f64) = (
                p[&format!("p_{l}")].parse().unwrap(),
                c[&format!("{prefix}_p_{l}")].parse().unwrap(),
            );
            assert!((a - b).abs() <= 1e-5, "{} p_{l}: {a} vs {b}", c["id"]);
        }
    }

    let report = read_json(&run.join("report.json"));
    let s = &report["models"][0]["streaming"];
    assert_eq!(s["windows"], n as u64);
    assert_eq!(s["calls"], calls.len() as u64);
    assert_eq!(s["padded_windows"], 1);
    assert_eq!(s["speech"]["source"], speech);
    assert_eq!(report["suite"]["items"], calls.len() as u64);
    for level in ["window", "rolling_30s", "call"] {
        assert!(s[level]["intervals"]["accuracy"]["low"].is_f64(), "{level}");
        assert!(s[level]["per_class"]["negative"]["f1"].is_f64(), "{level}");
    }
    assert!(s["oracle_speech"]["call"]["accuracy"].is_f64());
    assert!(s["first_decision_s"].as_f64().unwrap() > 0.0);
    assert_eq!(s["timelines"].as_array().unwrap().len(), 3);
}

#[test]
fn batched_windows_equal_batched_python_and_the_report_says_what_batching_moved() {
    let Some(shared) = common::shared("streaming batched") else {
        return;
    };
    if !common::ort("streaming batched") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = common::calls::build(&shared, &tmp.path().join("calls"));
    let run = stream(
        &suite,
        &tmp.path().join("run"),
        &["--window-batch", "16", "--speech", "oracle"],
    );
    let (agree, max, n) = compare(&run, "reference_windows_batched.csv");
    assert!(
        agree >= 0.999 && max <= 1e-5,
        "{n} windows: argmax agreement {agree}, max |Δp| {max:e}"
    );
    let report = read_json(&run.join("report.json"));
    let b = &report["models"][0]["streaming"]["batch"];
    assert_eq!(b["batch"], 16);
    assert!(b["max_abs_diff"].as_f64().unwrap() < 1e-3, "{b}");
    assert_eq!(b["argmax_agreement"], 1.0);
}

/// A suite of one 2-second call with the given segments.csv body.
fn one_call(dir: &Path, segments: &str) -> PathBuf {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    std::fs::create_dir_all(dir).unwrap();
    let mut w = hound::WavWriter::create(dir.join("c.wav"), spec).unwrap();
    for i in 0..16000 {
        w.write_sample(((i % 40) * 100 - 2000) as i16).unwrap();
    }
    w.finalize().unwrap();
    write_suite(
        dir,
        "format-version = 1\nname = \"c\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\nsegments = \"segments.csv\"\n",
        &[
            ("items.csv", b"id,audio\nc1,c.wav\n"),
            ("segments.csv", format!("id,start,end,label\n{segments}").as_bytes()),
        ],
    )
}

#[test]
fn segment_errors_are_exit_2_naming_file_and_line() {
    let model = root().join("suites/demo/models/audio.toml");
    let cases = [
        (
            "c1,0,1,negative\nc1,0.5,1.5,positive\n",
            "line 3",
            "overlaps the segment 0–1 s at line 2",
        ),
        ("c1,1,1,negative\n", "line 2", "end 1 is not after start 1"),
        (
            "c1,0,1,negative\nc9,0,1,neutral\n",
            "line 3",
            "no item has this id",
        ),
        ("c1,0,1,angry\n", "line 2", "label \"angry\" is not one of"),
        ("c1,0,x,neutral\n", "line 2", "\"x\" is not a number"),
        (
            "c1,0.5,3,neutral\n",
            "line 2",
            "past the end of the audio (2.000 s)",
        ),
    ];
    for (i, (segments, at, what)) in cases.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let suite = one_call(&tmp.path().join(format!("s{i}")), segments);
        let o = tonebench()
            .args(["run", "--window", "1", "--suite"])
            .arg(&suite)
            .arg("--model")
            .arg(&model)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{segments}: {err}");
        assert!(
            err.contains("segments.csv") && err.contains(at) && err.contains(what),
            "{segments}: {err}"
        );
    }
}

#[test]
fn a_call_label_comes_from_its_segments_and_overlapping_channels_are_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = one_call(tmp.path(), "c1,0,0.5,negative\nc1,0.2,1.5,positive\n");
    // Overlap within one channel is an error, across channels it is two speakers.
    assert!(tonebench::input::suite::Suite::load(&suite).is_err());
    std::fs::write(
        suite.join("segments.csv"),
        "id,start,end,label,channel\nc1,0,0.5,negative,a\nc1,0.2,1.5,positive,b\n",
    )
    .unwrap();
    let s = tonebench::input::suite::Suite::load(&suite).unwrap();
    // positive 1.3 s against negative 0.5 s.
    assert_eq!(s.items.label(0), 2);
}

#[test]
fn the_demo_calls_stream_deterministically_and_resume() {
    if !common::ort("demo calls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = |out: &Path, extra: &[&str]| {
        let o = tonebench()
            .args(["run", "--suite"])
            .arg(root().join("suites/demo-calls"))
            .arg("--model")
            .arg(root().join("suites/demo/models/audio.toml"))
            .args([
                "--window",
                "5",
                "--speech",
                "energy",
                "--resamples",
                "100",
                "--out",
            ])
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &[]);
    run(&b, &[]);
    let bytes = |d: &Path| std::fs::read(d.join("report.json")).unwrap();
    assert_eq!(bytes(&a), bytes(&b), "same inputs, same report.json");
    // A resumed run recomputes nothing and writes the same report.
    let said = run(&a, &["--resume"]);
    assert!(said.contains("5 of 5 calls already done"), "{said}");
    assert_eq!(bytes(&a), bytes(&b));
    let report = read_json(&a.join("report.json"));
    let s = &report["models"][0]["streaming"];
    assert_eq!(s["speech"]["source"], "energy");
    let codes: Vec<&str> = report["models"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"streaming_energy_speech"), "{codes:?}");
    for f in ["report.md", "report.html", "windows.parquet"] {
        assert!(a.join(f).is_file(), "{f}");
    }
}
