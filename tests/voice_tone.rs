//! A voice tone model that reports speech presence itself (`[speech]` in its spec) and runs on
//! its own window (`[streaming]`): the demo voice-tone model (scripts/demo/make_voice_tone_model.py)
//! over the demo calls, against ONNX Runtime Python window by window.

use std::path::{Path, PathBuf};

use crate::common::{self, read_csv, read_json, root, tonebench};

fn voice_tone() -> PathBuf {
    root().join("suites/demo/models/voice-tone.toml")
}

fn run(out: &Path, models: &[PathBuf], extra: &[&str]) -> std::process::Output {
    let mut cmd = tonebench();
    cmd.args(["run", "--suite"])
        .arg(root().join("suites/demo-calls"))
        .args(["--resamples", "100", "--out"])
        .arg(out)
        .args(extra);
    for m in models {
        cmd.arg("--model").arg(m);
    }
    cmd.output().unwrap()
}

#[test]
fn a_models_own_speech_output_and_window_are_used_and_match_python() {
    if !common::ort("voice tone") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // No --window: the spec's [streaming] (5 s every 2.5 s) makes the calls suite stream.
    let o = run(&out, &[voice_tone()], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = read_json(&out.join("report.json"));
    let s = &report["models"][0]["streaming"];
    assert_eq!(
        (s["window_s"].as_f64(), s["hop_s"].as_f64()),
        (Some(5.0), Some(2.5))
    );
    assert_eq!(s["speech"]["source"], "model");
    assert!(s["speech"]["rule"].as_str().unwrap().contains("\"speech\""));

    let want = read_csv(&root().join("tests/fixtures/calls/reference_voice_tone.csv"));
    let got = read_csv(&out.join("windows.parquet"));
    assert_eq!(got.len(), want.len(), "window count");
    // One of the graph's 499 frames per 5-s window at 16 kHz: resampling may move a frame
    // across the energy threshold.
    let frame = 1.0 / 499.0 + 1e-6;
    let (mut max_dp, mut max_ds, mut tp, mut fp, mut fn_, mut tn) = (0f64, 0f64, 0, 0, 0, 0);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g["id"], &g["window"]), (&w["id"], &w["window"]));
        assert_eq!(g["speech_source"], "model");
        let (gs, ws): (f64, f64) = (
            g["speech_fraction"].parse().unwrap(),
            w["speech"].parse().unwrap(),
        );
        max_ds = max_ds.max((gs - ws).abs());
        let pred = g["speech_pred"] == "true";
        assert_eq!(pred, gs >= 0.5, "{g:?}");
        if (ws - 0.5).abs() > frame {
            assert_eq!(pred, ws >= 0.5, "{g:?} against {w:?}");
        }
        for l in ["negative", "neutral", "positive"] {
            let key = format!("p_{l}");
            let d = g[&key].parse::<f64>().unwrap() - w[&key].parse::<f64>().unwrap();
            max_dp = max_dp.max(d.abs());
        }
        match (g["speech_truth"] == "true", pred) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    assert!(max_ds <= frame, "speech output differs by {max_ds}");
    assert!(max_dp <= 1e-5, "probabilities differ by {max_dp}");
    let count = |k: &str| s["speech"][k].as_u64().unwrap();
    assert_eq!(
        (
            count("true_positive"),
            count("false_positive"),
            count("false_negative"),
            count("true_negative")
        ),
        (tp, fp, fn_, tn)
    );
    assert!(tp > 0 && tn > 0, "both kinds of window occur");
}

#[test]
fn speech_and_window_choices_are_explicit_and_checked_before_any_model_runs() {
    if !common::ort("voice tone choices") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let audio = root().join("suites/demo/models/audio.toml");
    // --speech model needs every model to have a speech output.
    let o = run(
        &tmp.path().join("a"),
        std::slice::from_ref(&audio),
        &["--window", "5", "--speech", "model"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("demo-audio declares no speech output"),
        "{err}"
    );
    // A model without [streaming] beside one with it: refused before the first model runs.
    let o = run(&tmp.path().join("b"), &[voice_tone(), audio.clone()], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("model demo-audio has no [streaming] window"),
        "{err}"
    );
    assert!(!err.contains("real time"), "no model ran: {err}");
    // --window overrides the spec's window, --speech energy its speech output; auto keeps the
    // model's own output for it and uses another source for a model without one.
    let c = tmp.path().join("c");
    let o = run(
        &c,
        &[voice_tone(), audio],
        &["--window", "4", "--hop", "2", "--speech", "energy"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = read_json(&c.join("report.json"));
    for m in r["models"].as_array().unwrap() {
        assert_eq!(m["streaming"]["window_s"].as_f64(), Some(4.0));
        assert_eq!(m["streaming"]["speech"]["source"], "energy");
    }
    let d = tmp.path().join("d");
    let o = run(
        &d,
        &[voice_tone(), root().join("suites/demo/models/audio.toml")],
        &["--window", "5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = read_json(&d.join("report.json"));
    assert_eq!(r["models"][0]["streaming"]["speech"]["source"], "model");
    assert_ne!(r["models"][1]["streaming"]["speech"]["source"], "model");
}

#[test]
fn a_bad_speech_section_is_a_clear_error() {
    if !common::ort("voice tone spec errors") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let models = root().join("suites/demo/models");
    let spec = |name: &str, body: &str| {
        let p = tmp.path().join(name);
        std::fs::write(
            &p,
            format!(
                "format-version = 1\nname = \"vt\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\n[audio]\nonnx = \"{}\"\nsample-rate = 16000\n{body}",
                models.join("voice-tone.onnx").display()
            ),
        )
        .unwrap();
        p
    };
    let cases = [
        (
            "missing.toml",
            "[speech]\noutput = \"nope\"\n",
            "[speech] output \"nope\" is not an output of the graph (its outputs: probs, speech)",
        ),
        (
            "column.toml",
            "[speech]\noutput = \"speech\"\ncolumn = 1\n",
            "[speech] column = 1 but output \"speech\" has 1 columns",
        ),
        (
            "threshold.toml",
            "[speech]\noutput = \"speech\"\nthreshold = 0\n",
            "strictly between 0 and 1",
        ),
        (
            "unknown.toml",
            "[speech]\noutput = \"speech\"\ncutoff = 0.5\n",
            "unknown field `cutoff`",
        ),
    ];
    for (name, body, want) in cases {
        let o = run(
            &tmp.path().join(name).with_extension("out"),
            &[spec(name, body)],
            &["--window", "5"],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            matches!(o.status.code(), Some(2 | 3)),
            "{name}: {:?} {err}",
            o.status
        );
        assert!(err.contains(want), "{name}: {err}");
        assert!(
            err.contains(name) || err.contains("voice-tone.onnx"),
            "{name} names the file: {err}"
        );
    }
}
