//! `tonebench run` and `tonebench demo` end to end: the demo models reproduce their ONNX Runtime
//! Python references, an interrupted run resumes to the same report without redoing work, and
//! failing items stop the run or, with --keep-going, are recorded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tonebench::input::table::Table;

use crate::common::{ort, read_json, root, shared, tonebench, write_suite};

/// id → probabilities from a table with id and p_<label> columns (rows of one model).
fn probs(path: &Path, model: Option<&str>) -> HashMap<String, [f64; 3]> {
    let t = Table::read(path).unwrap();
    let ids = t.strings("id").unwrap();
    let models = model.map(|_| t.strings("model").unwrap());
    let cols: Vec<Vec<Option<f64>>> = ["p_negative", "p_neutral", "p_positive"]
        .iter()
        .map(|c| t.floats(c).unwrap())
        .collect();
    (0..t.height())
        .filter(|&r| match (&models, model) {
            (Some(m), Some(want)) => m[r].as_deref() == Some(want),
            _ => true,
        })
        .map(|r| {
            let p = [0, 1, 2].map(|c| cols[c][r].unwrap());
            (ids[r].clone().unwrap(), p)
        })
        .collect()
}

fn argmax(p: &[f64; 3]) -> usize {
    (0..3).fold(0, |b, i| if p[i] > p[b] { i } else { b })
}

#[test]
fn demo_models_reproduce_their_python_references() {
    if !ort("demo_models_reproduce_their_python_references") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    let mut cmd = tonebench();
    cmd.args(["run", "--suite"])
        .arg(&demo)
        .arg("--out")
        .arg(tmp.path());
    for m in ["text", "audio", "hybrid", "late-fusion"] {
        cmd.arg("--model")
            .arg(demo.join(format!("models/{m}.toml")));
    }
    cmd.assert().success();
    let preds = tmp.path().join("predictions.parquet");
    for m in ["text", "audio", "hybrid", "late-fusion"] {
        let want = probs(&demo.join(format!("models/reference_{m}.csv")), None);
        let got = probs(&preds, Some(&format!("demo-{m}")));
        assert_eq!(got.len(), 108, "{m}");
        let mut max_diff = 0f64;
        for (id, w) in &want {
            let g = &got[id];
            assert_eq!(argmax(g), argmax(w), "{m} {id}: {g:?} vs {w:?}");
            for c in 0..3 {
                max_diff = max_diff.max((g[c] - w[c]).abs());
            }
        }
        assert!(max_diff < 1e-4, "{m}: max |Δp| {max_diff}");
    }
    let report = read_json(&tmp.path().join("report.json"));
    let models = report["models"].as_array().unwrap();
    assert_eq!(models.len(), 4);
    assert_eq!(models[0]["source"]["kind"], "onnx");
    assert_eq!(models[0]["source"]["batch_size"], 1);
    assert!(models[0]["source"]["ort_version"]
        .as_str()
        .unwrap()
        .starts_with("1."));
    assert_eq!(models[1]["modality"], "audio");

    // Every pair of models is compared item by item; the counts agree with the predictions.
    let comparisons = report["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 4 * 3 / 2);
    let c = &comparisons[0];
    assert_eq!(
        (c["a"].as_str(), c["b"].as_str()),
        (Some("demo-text"), Some("demo-audio"))
    );
    let text = probs(&preds, Some("demo-text"));
    let audio = probs(&preds, Some("demo-audio"));
    let t = Table::read(&demo.join("items.csv")).unwrap();
    let labels = ["negative", "neutral", "positive"];
    let truth: HashMap<String, usize> = t
        .strings("id")
        .unwrap()
        .into_iter()
        .zip(t.strings("label").unwrap())
        .map(|(i, l)| {
            (
                i.unwrap(),
                labels
                    .iter()
                    .position(|x| Some(*x) == l.as_deref())
                    .unwrap(),
            )
        })
        .collect();
    let (mut text_only, mut audio_only) = (0, 0);
    for (id, y) in &truth {
        match (argmax(&text[id]) == *y, argmax(&audio[id]) == *y) {
            (true, false) => text_only += 1,
            (false, true) => audio_only += 1,
            _ => {}
        }
    }
    assert_eq!(c["mcnemar"]["candidate_only"], text_only);
    assert_eq!(c["mcnemar"]["baseline_only"], audio_only);
    let acc = |m: usize| models[m]["metrics"]["accuracy"].as_f64().unwrap();
    let d = &c["diffs"][0];
    assert_eq!(d["metric"], "accuracy");
    assert!((d["diff"].as_f64().unwrap() - (acc(0) - acc(1))).abs() < 1e-12);
    assert!(d["low"].as_f64().unwrap() <= d["diff"].as_f64().unwrap());
}

fn run_text_model(suite: &Path, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tonebench"));
    cmd.args(["run", "--suite"])
        .arg(suite)
        .arg("--model")
        .arg(root().join("tests/fixtures/models/text-minilm-sentiment.toml"))
        .arg("--out")
        .arg(out)
        .args(["--threads", "1"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

fn journal_items(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("predictions.journal.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "item")
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn kill_9_then_resume_gives_the_same_report_and_redoes_nothing() {
    let Some(shared) = shared("kill_9_then_resume") else {
        return;
    };
    if !ort("kill_9_then_resume") {
        return;
    }
    // meld-dev: 1,109 texts, enough to be killed mid-run.
    let suite = shared.join("suites/meld-dev");
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let cut = tmp.path().join("cut");
    assert!(run_text_model(&suite, &whole, &[])
        .status()
        .unwrap()
        .success());

    let mut child = run_text_model(&suite, &cut, &[]).spawn().unwrap();
    let start = Instant::now();
    while journal_items(&cut).len() < 300 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let before = journal_items(&cut).len();
    assert!(before < 1109, "killed mid-run ({before} items done)");

    // Without --resume an interrupted folder is refused rather than overwritten.
    let status = run_text_model(&suite, &cut, &[]).status().unwrap();
    assert_eq!(status.code(), Some(2));

    // Two resumes started together: one goes on, the other is refused naming the first.
    let spawn = || {
        run_text_model(&suite, &cut, &["--resume"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)], "one proceeds, one is refused");
    let refused = if a.status.success() { &b } else { &a };
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("in use by another tonebench (pid "), "{err}");
    // Every line of the journal is whole and checks out: a resume reads it all.
    let journal = std::fs::read_to_string(cut.join("predictions.journal.jsonl")).unwrap();
    assert!(journal.ends_with('\n'));
    assert!(journal.lines().all(|l| l.contains(",\"sum\":\"")));
    assert!(run_text_model(&suite, &cut, &["--resume"])
        .status()
        .unwrap()
        .success());
    let ids = journal_items(&cut);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), 1109, "every item predicted exactly once");
    assert_eq!(unique.len(), 1109);
    assert_eq!(
        std::fs::read(whole.join("report.json")).unwrap(),
        std::fs::read(cut.join("report.json")).unwrap(),
        "a resumed run reports exactly what an uninterrupted one does"
    );
}

fn audio_suite(dir: &Path) -> PathBuf {
    let demo = root().join("suites/demo");
    let items = std::fs::read_to_string(demo.join("items.csv")).unwrap();
    let mut lines: Vec<String> = items.lines().take(7).map(str::to_owned).collect();
    // Row 4 (line 4) points at a file that does not exist.
    let cols: Vec<&str> = lines[3].split(',').collect();
    let audio_col = items
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "audio")
        .unwrap();
    let mut broken: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
    broken[audio_col] = "missing.wav".into();
    lines[3] = broken.join(",");
    let manifest = format!(
        "format-version = 1\nname = \"broken\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\naudio-root = \"{}\"\n",
        demo.join("audio").display()
    );
    write_suite(
        dir,
        &manifest,
        &[("items.csv", (lines.join("\n") + "\n").as_bytes())],
    )
}

#[test]
fn a_bad_item_stops_the_run_unless_keep_going() {
    if !ort("a_bad_item_stops_the_run_unless_keep_going") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = audio_suite(&tmp.path().join("suite"));
    let model = root().join("suites/demo/models/audio.toml");
    let out = tonebench()
        .args(["run", "--suite"])
        .arg(&suite)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(tmp.path().join("stop"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("missing.wav"), "{err}");
    assert!(err.contains("--keep-going"), "{err}");
    assert!(!err.contains("panicked"));

    let out = tonebench()
        .args(["run", "--keep-going", "--suite"])
        .arg(&suite)
        .arg("--model")
        .arg(&model)
        .arg("--out")
        .arg(tmp.path().join("go"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1 item prediction(s) failed"), "{err}");
    let report = read_json(&tmp.path().join("go/report.json"));
    let m = &report["models"][0];
    let support: u64 = m["metrics"]["per_class"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["support"].as_u64().unwrap())
        .sum();
    assert_eq!(support, 5, "the failed item is left out of the metrics");
    let warnings = m["warnings"].to_string();
    assert!(
        warnings.contains("item_failed") && warnings.contains("missing.wav"),
        "{warnings}"
    );
}

#[test]
fn parallel_sessions_report_exactly_what_one_session_does() {
    if !ort("parallel_sessions_report_exactly_what_one_session_does") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    for jobs in ["1", "3"] {
        let mut cmd = tonebench();
        cmd.args(["run", "--jobs", jobs, "--suite"])
            .arg(&demo)
            .arg("--out")
            .arg(tmp.path().join(jobs));
        for m in ["text", "hybrid"] {
            cmd.arg("--model")
                .arg(demo.join(format!("models/{m}.toml")));
        }
        cmd.assert().success();
    }
    assert_eq!(
        std::fs::read(tmp.path().join("1/report.json")).unwrap(),
        std::fs::read(tmp.path().join("3/report.json")).unwrap()
    );
    assert_eq!(journal_items(&tmp.path().join("3")).len(), 2 * 108);
}

#[test]
fn compare_pairs_models_of_different_runs_item_by_item() {
    if !ort("compare_pairs_models_of_different_runs_item_by_item") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    for m in ["text", "audio"] {
        tonebench()
            .args(["run", "--suite"])
            .arg(&demo)
            .arg("--model")
            .arg(demo.join(format!("models/{m}.toml")))
            .arg("--out")
            .arg(tmp.path().join(m))
            .assert()
            .success();
    }
    let page = tmp.path().join("compare.html");
    tonebench()
        .arg("compare")
        .arg(tmp.path().join("text"))
        .arg(tmp.path().join("audio"))
        .arg("--out")
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    // The same pair inside one run has these exact counts (see the demo test above).
    let report = read_json(&tmp.path().join("text/report.json"));
    assert_eq!(report["models"][0]["name"], "demo-text");
    assert!(
        html.contains("paired 95% CI"),
        "no paired comparison across runs"
    );
    assert!(html.contains("McNemar p"), "no McNemar test across runs");
}

#[test]
fn non_finite_audio_is_an_item_error_not_a_prediction() {
    if !ort("non_finite_audio_is_an_item_error_not_a_prediction") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let audio = tmp.path().join("audio");
    std::fs::create_dir_all(&audio).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    for (name, value) in [("nan.wav", f32::NAN), ("ok.wav", 0.01)] {
        let mut w = hound::WavWriter::create(audio.join(name), spec).unwrap();
        for i in 0..16_000 {
            w.write_sample(if i % 2 == 0 { value } else { -value })
                .unwrap();
        }
        w.finalize().unwrap();
    }
    let suite = write_suite(
        &tmp.path().join("s"),
        &format!(
            "format-version = 1\nname = \"nan\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\naudio-root = \"{}\"\n",
            audio.display()
        ),
        &[("items.csv", b"id,label,audio\nx,neutral,ok.wav\ny,negative,nan.wav\n")],
    );
    let out = tonebench()
        .args(["run", "--keep-going", "--suite"])
        .arg(&suite)
        .arg("--model")
        .arg(root().join("suites/demo/models/audio.toml"))
        .arg("--out")
        .arg(tmp.path().join("o"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1 item prediction(s) failed"), "{err}");
    let report = read_json(&tmp.path().join("o/report.json"));
    let w = report["models"][0]["warnings"].to_string();
    assert!(w.contains("nan.wav") && w.contains("finite"), "{w}");
    // The journal stays readable: a resume has nothing left to do and reports the same.
    tonebench()
        .args(["run", "--keep-going", "--resume", "--suite"])
        .arg(&suite)
        .arg("--model")
        .arg(root().join("suites/demo/models/audio.toml"))
        .arg("--out")
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
}

#[test]
fn resume_needs_the_same_models() {
    if !ort("resume_needs_the_same_models") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    let run = |model: &str, resume: bool| {
        let mut cmd = tonebench();
        cmd.args(["run", "--suite"])
            .arg(&demo)
            .arg("--model")
            .arg(demo.join(format!("models/{model}.toml")))
            .arg("--out")
            .arg(tmp.path());
        if resume {
            cmd.arg("--resume");
        }
        cmd.assert()
    };
    run("text", false).success();
    let out = run("audio", true).code(2).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("other models (\"demo-text\")"), "{err}");
    let report = read_json(&tmp.path().join("report.json"));
    assert_eq!(
        report["models"][0]["name"], "demo-text",
        "the finished run is untouched"
    );
}

#[test]
fn gates_compare_within_an_embedding_cohort() {
    if !ort("gates_compare_within_an_embedding_cohort") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    let run = tmp.path().join("run");
    tonebench()
        .args(["run", "--resamples", "200", "--suite"])
        .arg(&demo)
        .arg("--model")
        .arg(demo.join("models/text.toml"))
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    let baselines = tmp.path().join("baselines");
    tonebench()
        .args(["baseline", "--baselines"])
        .arg(&baselines)
        .args(["save", "--name", "main"])
        .arg(&run)
        .assert()
        .success();
    let gate = |cohort: &str| {
        let g = tmp.path().join("g.toml");
        std::fs::write(
            &g,
            format!("format-version = 1\n[[non-inferiority]]\nmetric = \"accuracy\"\ndelta = 0.01\ncohort = \"{cohort}\"\n"),
        )
        .unwrap();
        tonebench()
            .args(["gate", "--baselines"])
            .arg(&baselines)
            .arg("--report")
            .arg(&run)
            .arg("--gates")
            .arg(&g)
            .args(["--baseline", "main"])
            .assert()
    };
    // The demo's automatic MFCC partition is `mfcc-stats` with cohorts c1, c2, ….
    let out = gate("mfcc-stats=c1").success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cohort mfcc-stats=c1"), "{text}");
    let out = gate("mfcc-stats=c99").code(2).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no item has mfcc-stats \"c99\""), "{err}");
}
