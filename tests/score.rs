//! `tonebench score`: metrics equal scikit-learn's, reports are deterministic, and every kind
//! of bad input is an exit-2 error that names the file and the line or id.

use std::path::Path;

use serde_json::Value;

use crate::common::{read_json, root, shared, tonebench, write_suite, MANIFEST};

fn close(a: &Value, b: &Value, what: &str) {
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!(
        (a - b).abs() < 1e-12,
        "{what}: tonebench {a} vs scikit-learn {b}"
    );
}

fn score(suite: &Path, predictions: &Path, out: &Path, extra: &[&str]) -> Value {
    tonebench()
        .args(["score", "--suite"])
        .arg(suite)
        .arg("--predictions")
        .arg(predictions)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
    read_json(&out.join("report.json"))
}

#[test]
fn metrics_equal_scikit_learn_on_golden_fixtures() {
    let fixtures = root().join("tests/fixtures/sklearn");
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("expected.json").is_file() {
            continue;
        }
        cases += 1;
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let preds = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_stem().unwrap() == "predictions")
            .unwrap();
        let report = score(&dir, &preds, &tmp.path().join(&name), &[]);
        let want = read_json(&dir.join("expected.json"));
        let got = &report["models"][0]["metrics"];
        for key in ["accuracy", "balanced_accuracy", "cohen_kappa"] {
            close(&got[key], &want[key], &format!("{name} {key}"));
        }
        for avg in ["macro", "weighted", "micro"] {
            for m in ["precision", "recall", "f1"] {
                close(&got[avg][m], &want[avg][m], &format!("{name} {avg} {m}"));
            }
        }
        for (label, w) in want["per_class"].as_object().unwrap() {
            for m in ["precision", "recall", "f1"] {
                close(
                    &got["per_class"][label][m],
                    &w[m],
                    &format!("{name} {label} {m}"),
                );
            }
            assert_eq!(
                got["per_class"][label]["support"], w["support"],
                "{name} {label}"
            );
        }
        assert_eq!(
            got["confusion"]["matrix"], want["confusion"],
            "{name} confusion"
        );
    }
    assert_eq!(cases, 6, "every golden case ran");
}

#[test]
fn zero_division_is_flagged_not_hidden() {
    let dir = root().join("tests/fixtures/sklearn/zero-support");
    let tmp = tempfile::tempdir().unwrap();
    let report = score(&dir, &dir.join("predictions.csv"), tmp.path(), &[]);
    let warnings = report["models"][0]["warnings"].as_array().unwrap();
    let metrics: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w["metric"].as_str())
        .collect();
    assert_eq!(metrics, ["per_class.mixed.recall"], "{warnings:?}");

    let dir = root().join("tests/fixtures/sklearn/absent-class");
    let report = score(
        &dir,
        &dir.join("predictions.csv"),
        &tmp.path().join("b"),
        &[],
    );
    let metrics: Vec<String> = report["models"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["metric"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        metrics,
        [
            "per_class.mixed.precision",
            "per_class.mixed.recall",
            "per_class.mixed.f1"
        ]
    );
}

#[test]
fn same_inputs_and_seed_give_byte_identical_reports() {
    let dir = root().join("tests/fixtures/sklearn/imbalanced-parquet");
    let tmp = tempfile::tempdir().unwrap();
    let preds = dir.join("predictions.parquet");
    score(&dir, &preds, &tmp.path().join("a"), &["--seed", "3"]);
    score(&dir, &preds, &tmp.path().join("b"), &["--seed", "3"]);
    score(&dir, &preds, &tmp.path().join("c"), &["--seed", "4"]);
    let read = |d: &str| std::fs::read(tmp.path().join(d).join("report.json")).unwrap();
    assert_eq!(read("a"), read("b"));
    assert_ne!(read("a"), read("c"), "the seed must change the intervals");
    let report = read_json(&tmp.path().join("a/report.json"));
    assert_eq!(report["bootstrap"]["seed"], 3);
    assert_eq!(report["bootstrap"]["resamples"], 1000);
    assert_eq!(report["bootstrap"]["method"], "percentile");
    let iv = &report["models"][0]["metrics"]["intervals"]["accuracy"];
    let acc = report["models"][0]["metrics"]["accuracy"].as_f64().unwrap();
    assert!(iv["low"].as_f64().unwrap() <= acc && acc <= iv["high"].as_f64().unwrap());
}

#[test]
fn formats_give_the_same_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let base = root().join("tests/fixtures/sklearn");
    let metrics = |fmt: &str| {
        let dir = base.join(format!("imbalanced-{fmt}"));
        let r = score(
            &dir,
            &dir.join(format!("predictions.{fmt}")),
            &tmp.path().join(fmt),
            &[],
        );
        let mut m = r["models"][0]["metrics"].clone();
        // predictions.jsonl keeps 15 digits per probability: its probability metrics differ in the
        // last digits (tests/probability.rs checks the csv run against scikit-learn).
        m["intervals"]["probability"].take();
        m["probability"].take();
        m
    };
    let csv = metrics("csv");
    assert_eq!(csv, metrics("parquet"));
    assert_eq!(csv, metrics("jsonl"));
}

#[test]
fn outputs_are_written() {
    let dir = root().join("tests/fixtures/sklearn/imbalanced-csv");
    let tmp = tempfile::tempdir().unwrap();
    score(
        &dir,
        &dir.join("predictions.csv"),
        tmp.path(),
        &["--name", "m|1"],
    );
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("| m\\|1 | external |"), "{md}");
    assert!(md.contains("| negative |"));
    assert!(tmp.path().join("predictions.parquet").is_file());
}

#[test]
fn ravdess_suite_maps_and_drops_labels() {
    let Some(shared) = shared("ravdess_suite_maps_and_drops_labels") else {
        return;
    };
    let suite = tonebench::input::suite::Suite::load(&shared.join("suites/ravdess-dev")).unwrap();
    assert_eq!(suite.items.len(), 156);
    assert_eq!(suite.dropped.len(), 24);
    assert_eq!(suite.speaker_count(), Some(6));
    assert_eq!(suite.metadata_columns, ["sex", "intensity"]);
    assert!(suite.items.iter().all(|i| i.audio().unwrap().is_file()));
}

/// Runs `score` on a suite written from strings and returns stderr; asserts exit code 2.
fn bad(manifest: &str, items: &[u8], predictions: &[u8]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let suite = write_suite(&tmp.path().join("s"), manifest, &[("items.csv", items)]);
    let preds = tmp.path().join("preds.csv");
    std::fs::write(&preds, predictions).unwrap();
    let out = tonebench()
        .args(["score", "--suite"])
        .arg(&suite)
        .arg("--predictions")
        .arg(&preds)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one-line message: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

const ITEMS: &[u8] = b"id,label,text\na,negative,x\nb,neutral,y\nc,positive,z\n";
const PREDS: &[u8] = b"id,pred\na,negative\nb,neutral\nc,neutral\n";

fn check_bad(manifest: &str, items: &[u8], preds: &[u8], expect: &[&str]) {
    let err = bad(manifest, items, preds);
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
}

#[test]
fn good_input_passes_the_bad_input_harness() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = write_suite(&tmp.path().join("s"), MANIFEST, &[("items.csv", ITEMS)]);
    let preds = tmp.path().join("p.csv");
    std::fs::write(&preds, PREDS).unwrap();
    score(&suite, &preds, &tmp.path().join("o"), &[]);
}

#[test]
fn duplicate_ids() {
    check_bad(
        MANIFEST,
        b"id,label\na,negative\nb,neutral\na,positive\n",
        PREDS,
        &[
            "items.csv",
            "line 4",
            "\"a\"",
            "duplicate id (first at line 2)",
        ],
    );
}

#[test]
fn label_outside_the_label_set() {
    check_bad(
        MANIFEST,
        b"id,label\na,negative\nb,angry\nc,positive\n",
        PREDS,
        &[
            "items.csv",
            "line 3",
            "\"b\"",
            "label \"angry\" is not one of negative, neutral, positive",
        ],
    );
}

#[test]
fn predictions_missing_ids() {
    check_bad(
        MANIFEST,
        ITEMS,
        b"id,pred\na,negative\n",
        &["preds.csv", "no prediction for 2 of 3", "\"b\"", "\"c\""],
    );
}

#[test]
fn predictions_naming_unknown_ids() {
    check_bad(
        MANIFEST,
        ITEMS,
        b"id,pred\na,negative\nb,neutral\nc,neutral\nzz,neutral\n",
        &["preds.csv", "1 id is not in suite", "\"zz\""],
    );
}

#[test]
fn predicted_label_outside_the_set() {
    check_bad(
        MANIFEST,
        ITEMS,
        b"id,pred\na,negative\nb,meh\nc,neutral\n",
        &["preds.csv", "line 3", "\"b\"", "predicted label \"meh\""],
    );
}

#[test]
fn ragged_csv() {
    check_bad(
        MANIFEST,
        b"id,label,text\na,negative,x\nb,neutral,y,extra\n",
        PREDS,
        &["items.csv line 3", "4 fields, but the header has 3"],
    );
}

#[test]
fn binary_garbage_csv() {
    check_bad(
        MANIFEST,
        b"id,label\n\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
        PREDS,
        &["items.csv line 2", "binary"],
    );
}

#[test]
fn empty_items_file() {
    check_bad(MANIFEST, b"", PREDS, &["items.csv", "empty"]);
    check_bad(MANIFEST, b"id,label\n", PREDS, &["items.csv", "no items"]);
}

#[test]
fn missing_items_file() {
    let manifest = MANIFEST.replace("items.csv", "nope.csv");
    check_bad(&manifest, ITEMS, PREDS, &["nope.csv", "no such file"]);
}

#[test]
fn misspelled_key_in_suite_toml() {
    let manifest = format!("{MANIFEST}audio_root = \"a\"\n");
    check_bad(
        &manifest,
        ITEMS,
        PREDS,
        &["suite.toml line 5", "unknown field `audio_root`"],
    );
    let manifest = format!("{MANIFEST}[cohorts]\nmin-speaker = 3\n");
    check_bad(
        &manifest,
        ITEMS,
        PREDS,
        &["suite.toml line 6", "unknown field `min-speaker`"],
    );
    let manifest = format!("{MANIFEST}[colums]\nid = \"x\"\n");
    check_bad(
        &manifest,
        ITEMS,
        PREDS,
        &["suite.toml line 5", "unknown field `colums`"],
    );
}

#[test]
fn bad_probabilities() {
    let head = "id,pred,p_negative,p_neutral,p_positive\n";
    let cases: [(&str, &str); 4] = [
        ("b,neutral,NaN,0.5,0.5\n", "p_negative is NaN"),
        (
            "b,neutral,-0.1,0.6,0.5\n",
            "p_negative = -0.1 is outside [0, 1]",
        ),
        ("b,neutral,0.2,0.2,0.2\n", "probabilities sum to"),
        ("b,neutral,0.2,abc,0.2\n", "\"abc\" is not a number"),
    ];
    for (row, expect) in cases {
        let preds = format!("{head}a,negative,1,0,0\n{row}c,neutral,0,1,0\n");
        check_bad(
            MANIFEST,
            ITEMS,
            preds.as_bytes(),
            &["preds.csv", "line 3", expect],
        );
    }
}

#[test]
fn label_map_drop_and_unmapped_labels() {
    let manifest = format!("{MANIFEST}[label-map]\nANG = \"negative\"\nSUR = \"drop\"\nNEU = \"neutral\"\nHAP = \"positive\"\n");
    let tmp = tempfile::tempdir().unwrap();
    let suite = write_suite(
        &tmp.path().join("s"),
        &manifest,
        &[("items.csv", b"id,label\na,ANG\nb,NEU\nc,HAP\nd,SUR\n")],
    );
    let preds = tmp.path().join("p.csv");
    // A prediction for a dropped item is ignored, not an unknown id.
    std::fs::write(
        &preds,
        b"id,pred\na,negative\nb,neutral\nc,HAP\nd,neutral\n",
    )
    .unwrap();
    let r = score(&suite, &preds, &tmp.path().join("o"), &[]);
    assert_eq!(r["suite"]["items"], 3);
    assert_eq!(r["suite"]["dropped"], 1);
    assert_eq!(r["models"][0]["metrics"]["accuracy"], 1.0);

    check_bad(
        &manifest,
        b"id,label\na,ANG\nb,FRU\nc,HAP\n",
        PREDS,
        &["line 3", "label \"FRU\"", "label-map does not map it"],
    );
}

#[test]
fn predictions_parquet_carries_speaker_and_metadata() {
    let demo = root().join("suites/demo");
    let items = tonebench::input::table::Table::read(&demo.join("items.csv")).unwrap();
    let ids = items.strings("id").unwrap();
    let labels = items.strings("label").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let preds = tmp.path().join("p.csv");
    let mut csv = String::from("id,pred\n");
    for (i, l) in ids.iter().zip(&labels) {
        csv.push_str(&format!(
            "{},{}\n",
            i.as_ref().unwrap(),
            l.as_ref().unwrap()
        ));
    }
    std::fs::write(&preds, csv).unwrap();
    score(&demo, &preds, &tmp.path().join("o"), &["--resamples", "0"]);
    let t =
        tonebench::input::table::Table::read(&tmp.path().join("o/predictions.parquet")).unwrap();
    for c in [
        "id",
        "model",
        "label",
        "pred",
        "latency_ms",
        "speaker",
        "meta_sex",
        "meta_accent",
        "meta_style",
    ] {
        assert!(
            t.has_column(c),
            "predictions.parquet lacks {c}: {:?}",
            t.columns()
        );
    }
    assert_eq!(t.strings("speaker").unwrap().iter().flatten().count(), 108);
}

#[test]
fn duplicate_header_columns() {
    check_bad(
        MANIFEST,
        b"id,label,label\na,negative,x\n",
        PREDS,
        &["items.csv line 1", "column \"label\" appears twice"],
    );
}

#[test]
fn suite_names_cannot_name_other_folders() {
    let manifest = MANIFEST.replace("name = \"t\"", "name = \"../../escaped\"");
    check_bad(
        &manifest,
        ITEMS,
        PREDS,
        &["suite.toml", "name \"../../escaped\""],
    );
}

#[test]
fn ids_with_line_breaks_are_escaped_in_messages() {
    check_bad(
        MANIFEST,
        b"id,label\n\"a\nb\",negative\n\"a\nb\",neutral\n",
        PREDS,
        &["(id \"a\\nb\"): duplicate id"],
    );
}

#[test]
fn a_folder_holding_a_run_is_not_overwritten() {
    let dir = root().join("tests/fixtures/sklearn/imbalanced-csv");
    let tmp = tempfile::tempdir().unwrap();
    score(&dir, &dir.join("predictions.csv"), tmp.path(), &[]);
    let before = std::fs::read(tmp.path().join("report.json")).unwrap();
    let out = tonebench()
        .args(["score", "--suite"])
        .arg(&dir)
        .arg("--predictions")
        .arg(dir.join("predictions.csv"))
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("already holds a run"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("report.json")).unwrap(),
        before
    );
}

#[test]
fn a_pred_that_is_not_the_most_probable_label_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = write_suite(&tmp.path().join("s"), MANIFEST, &[("items.csv", ITEMS)]);
    let preds = tmp.path().join("p.csv");
    std::fs::write(
        &preds,
        "id,pred,p_negative,p_neutral,p_positive\na,negative,0.8,0.1,0.1\nb,positive,0.1,0.8,0.1\nc,neutral,0.2,0.5,0.3\n",
    )
    .unwrap();
    let r = score(&suite, &preds, &tmp.path().join("o"), &[]);
    let w = r["models"][0]["warnings"].to_string();
    assert!(
        w.contains("pred_not_argmax") && w.contains("1 items"),
        "{w}"
    );
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    for args in [
        vec![
            "score",
            "--suite",
            "x",
            "--predictions",
            "y",
            "--seed",
            "-1",
        ],
        vec!["run", "--suite", "x", "--model", "m.toml", "--batch", "0"],
        vec!["run", "--suite", "x", "--model", "m.toml", "--jobs", "0"],
        vec![
            "run",
            "--suite",
            "x",
            "--model",
            "m.toml",
            "--threads",
            "10000",
        ],
    ] {
        let out = tonebench()
            .args(&args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn examples_show_the_most_confident_errors_per_cohort_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = format!("{MANIFEST}[cohorts]\nmetadata = [\"group\"]\nmin-speakers = 1\n");
    let suite = write_suite(
        &tmp.path().join("s"),
        &manifest,
        &[(
            "items.csv",
            b"id,label,text,group\na,negative,<script>x</script>,g1\nb,neutral,two,g1\nc,positive,three,g1\nd,negative,four,g2\n",
        )],
    );
    let preds = tmp.path().join("p.csv");
    std::fs::write(
        &preds,
        "id,pred,p_negative,p_neutral,p_positive\na,positive,0.1,0.1,0.8\nb,negative,0.6,0.3,0.1\nc,positive,0.1,0.1,0.8\nd,neutral,0.2,0.7,0.1\n",
    )
    .unwrap();
    let r = score(&suite, &preds, &tmp.path().join("o"), &["--examples", "1"]);
    let ex = r["models"][0]["examples"].as_array().unwrap();
    // One per cohort: g1's most confident error is a (0.8 > 0.6), g2's is d.
    let picked: Vec<(&str, &str)> = ex
        .iter()
        .map(|e| (e["cohort"].as_str().unwrap(), e["id"].as_str().unwrap()))
        .collect();
    assert_eq!(picked, [("g1", "a"), ("g2", "d")]);
    let html = std::fs::read_to_string(tmp.path().join("o/report.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;x"),
        "the item text is shown, escaped"
    );
    assert!(!html.contains("<script>x"));
    // Without --examples the report holds aggregates only.
    let r = score(&suite, &preds, &tmp.path().join("o2"), &[]);
    assert!(r["models"][0].get("examples").is_none());
}
