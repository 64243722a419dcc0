//! Resume that cannot lie: the run folder's lock, changed items refused, batches re-formed as
//! they were, failed items retried on request, and a journal with no results never in the way.

use std::path::{Path, PathBuf};

use crate::common::{ort, read_json, root, shared_models, tonebench, write_suite, MANIFEST};

/// A text suite of `n` items, each line passed through `edit`.
fn text_suite(dir: &Path, n: usize, edit: impl Fn(usize, String) -> String) -> PathBuf {
    const TEXTS: [(&str, &str); 3] = [
        ("negative", "I am still waiting and nobody helps."),
        ("neutral", "I would like to change my address."),
        ("positive", "Thank you so much, that fixed it."),
    ];
    let mut lines = vec!["id,label,text".to_string()];
    for i in 0..n {
        let (label, text) = TEXTS[i % 3];
        lines.push(edit(
            i,
            format!("demo-{:04},{label},\"{text} ({i})\"", i + 1),
        ));
    }
    write_suite(
        dir,
        MANIFEST,
        &[("items.csv", (lines.join("\n") + "\n").as_bytes())],
    )
}

fn demo_text() -> PathBuf {
    root().join("suites/demo/models/text.toml")
}

fn run(suite: &Path, model: &Path, out: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = tonebench();
    cmd.args(["run", "--threads", "1", "--suite"])
        .arg(suite)
        .arg("--model")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(extra);
    cmd
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command that must exit 2 and returns its stderr.
fn refused(mut cmd: assert_cmd::Command) -> String {
    stderr(cmd.assert().code(2).get_output())
}

#[test]
fn a_second_writer_of_a_run_folder_is_refused_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = text_suite(&tmp.path().join("suite"), 6, |_, l| l);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // This test process holds the folder as a running `tonebench run` does.
    let mut lock = std::fs::File::create(out.join("run.lock")).unwrap();
    lock.try_lock().unwrap();
    std::io::Write::write_all(&mut lock, format!("{}\n", std::process::id()).as_bytes()).unwrap();
    for extra in [&["--resume"][..], &[]] {
        let err = refused(run(&suite, &demo_text(), &out, extra));
        assert!(
            err.contains("in use by another tonebench")
                && err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
    }
    assert!(!out.join("predictions.journal.jsonl").exists());
    drop(lock);
    if ort("a_second_writer_of_a_run_folder_is_refused_naming_the_holder") {
        run(&suite, &demo_text(), &out, &["--resume"])
            .assert()
            .success();
    }
}

#[test]
fn a_resume_over_changed_items_is_refused_naming_them() {
    if !ort("a_resume_over_changed_items_is_refused_naming_them") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("suite");
    let out = tmp.path().join("out");
    let suite = text_suite(&dir, 12, |_, l| l);
    run(&suite, &demo_text(), &out, &[]).assert().success();
    // New labels change the report, not the predictions: the resume goes on.
    text_suite(&dir, 12, |i, l| {
        if i == 0 {
            l.replacen(",negative,", ",neutral,", 1)
        } else {
            l
        }
    });
    run(&suite, &demo_text(), &out, &["--resume"])
        .assert()
        .success();
    // New texts do not: the journaled predictions are of the old ones.
    text_suite(&dir, 12, |i, l| {
        if i == 2 || i == 7 {
            l.trim_end_matches('"').to_owned() + " Not really.\""
        } else {
            l
        }
    });
    let err = refused(run(&suite, &demo_text(), &out, &["--resume"]));
    assert!(
        err.contains("the inputs of 2 item(s) changed")
            && err.contains("\"demo-0003\", \"demo-0008\"")
            && err.contains("predictions.journal.jsonl"),
        "{err}"
    );
}

#[test]
fn a_journal_without_results_never_blocks_a_fresh_start() {
    if !ort("a_journal_without_results_never_blocks_a_fresh_start") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = text_suite(&tmp.path().join("suite"), 6, |_, l| l);
    let broken = tmp.path().join("broken.toml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(demo_text())
            .unwrap()
            .replace("\"text.onnx\"", "\"garbage.onnx\"")
            .replace(
                "\"tokenizer.json\"",
                &format!("{:?}", root().join("suites/demo/models/tokenizer.json")),
            ),
    )
    .unwrap();
    std::fs::write(tmp.path().join("garbage.onnx"), b"not a model").unwrap();
    let out = tmp.path().join("out");
    let o = run(&suite, &broken, &out, &[])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(out.join("predictions.journal.jsonl").exists());
    // The corrected command, as first typed, just runs.
    run(&suite, &demo_text(), &out, &[]).assert().success();
    // A journal with results still does block one.
    let err = refused(run(&suite, &demo_text(), &out, &[]));
    assert!(err.contains("--resume"), "{err}");
}

#[test]
fn retry_failed_predicts_failed_items_again_after_they_are_fixed() {
    if !ort("retry_failed_predicts_failed_items_again_after_they_are_fixed") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = root().join("suites/demo");
    let dir = tmp.path().join("suite");
    std::fs::create_dir_all(&dir).unwrap();
    let items = std::fs::read_to_string(demo.join("items.csv")).unwrap();
    let lines: Vec<&str> = items.lines().take(7).collect();
    for l in &lines[1..] {
        let wav = format!("{}.wav", l.split(',').next().unwrap());
        std::fs::copy(demo.join("audio").join(&wav), dir.join(&wav)).unwrap();
    }
    let suite = write_suite(
        &dir,
        "format-version = 1\nname = \"retry\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\n",
        &[("items.csv", (lines.join("\n") + "\n").as_bytes())],
    );
    let model = demo.join("models/audio.toml");
    let bad = dir.join("demo-0004.wav");
    let good = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, b"RIFF, but not a WAV file").unwrap();
    let out = tmp.path().join("out");
    run(&suite, &model, &out, &["--keep-going"])
        .assert()
        .code(2);
    std::fs::write(&bad, &good).unwrap();
    // The fixed item is a changed item: a plain resume says so and what to do.
    let err = refused(run(&suite, &model, &out, &["--resume"]));
    assert!(
        err.contains("\"demo-0004\" (failed)") && err.contains("--retry-failed"),
        "{err}"
    );
    let err = refused(run(&suite, &model, &out, &["--retry-failed"]));
    assert!(err.contains("--resume"), "{err}");
    run(&suite, &model, &out, &["--resume", "--retry-failed"])
        .assert()
        .success();
    let fresh = tmp.path().join("fresh");
    run(&suite, &model, &fresh, &[]).assert().success();
    assert!(
        std::fs::read(out.join("report.json")).unwrap()
            == std::fs::read(fresh.join("report.json")).unwrap(),
        "the retried run reports what a run over the fixed suite does"
    );
    let report = read_json(&out.join("report.json"));
    assert!(!report["models"][0]["warnings"]
        .to_string()
        .contains("item_failed"));
}

#[test]
fn a_resume_cut_inside_a_batch_forms_the_same_batches() {
    let Some(shared) = shared_models() else {
        return;
    };
    if !ort("a_resume_cut_inside_a_batch_forms_the_same_batches") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = root().join("suites/demo");
    let model = root().join("tests/fixtures/models/text-minilm-sentiment.toml");
    assert!(shared.join("models/text-minilm-sentiment").is_dir());
    let whole = tmp.path().join("whole");
    run(&suite, &model, &whole, &["--batch", "8"])
        .assert()
        .success();
    let journal = std::fs::read(whole.join("predictions.journal.jsonl")).unwrap();
    // The model's line, 13 predictions (a batch and 5 of the next), and half of the 14th: a
    // disk that filled up in the middle of a write.
    let ends: Vec<usize> = journal
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let cut_at = ends[13] + (ends[14] - ends[13]) / 2;
    let cut = tmp.path().join("cut");
    std::fs::create_dir_all(&cut).unwrap();
    std::fs::write(cut.join("predictions.journal.jsonl"), &journal[..cut_at]).unwrap();
    let o = run(&suite, &model, &cut, &["--batch", "8", "--resume"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        std::fs::read(whole.join("report.json")).unwrap()
            == std::fs::read(cut.join("report.json")).unwrap(),
        "a run resumed inside a batch reports what an uninterrupted one does"
    );
    assert!(
        stderr(&o).contains("5 journaled prediction(s) of partly journaled batches are made again"),
        "{}",
        stderr(&o)
    );
}
