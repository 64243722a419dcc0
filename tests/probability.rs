//! Probability metrics end to end: `tonebench score` on a fixture with `p_<label>` columns
//! equals scikit-learn (tests/fixtures/probability/imbalanced_sklearn.json), an absent label is
//! null with a warning, and gates on them — thresholds on intervals and non-inferiority on a
//! lower-is-better metric against a saved baseline — pass and fail the right way.

use std::path::Path;

use serde_json::Value;

use crate::common::{read_json, root, tonebench};

fn close(got: &Value, want: &Value, what: &str) {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-9, "{what}: {g} vs scikit-learn {w}"),
        _ => assert!(got.is_null() && want.is_null(), "{what}: {got} vs {want}"),
    }
}

fn score(suite: &Path, predictions: &Path, out: &Path) -> Value {
    tonebench()
        .args(["score", "--name", "m", "--resamples", "200", "--suite"])
        .arg(suite)
        .arg("--predictions")
        .arg(predictions)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    read_json(&out.join("report.json"))
}

fn imbalanced() -> std::path::PathBuf {
    root().join("tests/fixtures/sklearn/imbalanced-csv")
}

#[test]
fn scored_probabilities_equal_scikit_learn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = imbalanced();
    let report = score(&dir, &dir.join("predictions.csv"), &tmp.path().join("run"));
    let want =
        &read_json(&root().join("tests/fixtures/probability/imbalanced_sklearn.json"))["expected"];
    let got = &report["models"][0]["metrics"]["probability"];
    for path in [
        "/roc_auc/macro",
        "/roc_auc/weighted",
        "/roc_auc/per_class/negative",
        "/roc_auc/per_class/neutral",
        "/roc_auc/per_class/positive",
        "/average_precision/macro",
        "/average_precision/per_class/negative",
        "/average_precision/per_class/neutral",
        "/average_precision/per_class/positive",
        "/log_loss",
        "/brier",
        "/ece/equal_width",
        "/ece/equal_mass",
    ] {
        close(
            &got.pointer(path).cloned().unwrap_or(Value::Null),
            &want.pointer(path).cloned().unwrap(),
            path,
        );
    }
    assert_eq!(got["ece"]["bins"], 15);
    let items: u64 = got["reliability"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["items"].as_u64().unwrap())
        .sum();
    assert_eq!(items, 240);
    // Intervals hold the point estimates.
    let iv = &report["models"][0]["metrics"]["intervals"]["probability"];
    for (path, point) in [
        ("/roc_auc/macro", "/roc_auc/macro"),
        ("/log_loss", "/log_loss"),
        ("/ece/equal_mass", "/ece/equal_mass"),
    ] {
        let (lo, hi) = (
            iv.pointer(&format!("{path}/low"))
                .unwrap()
                .as_f64()
                .unwrap(),
            iv.pointer(&format!("{path}/high"))
                .unwrap()
                .as_f64()
                .unwrap(),
        );
        let p = got.pointer(point).unwrap().as_f64().unwrap();
        assert!(lo <= p && p <= hi, "{path}: {p} outside [{lo}, {hi}]");
    }
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(
        html.contains("class=\"reliability-chart\""),
        "no reliability diagram"
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(md.contains("| log loss (lower is better) | "), "{md}");
}

#[test]
fn an_absent_label_is_null_and_warned_never_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("suite");
    let mut items = String::from("id,label,text\n");
    let mut preds = String::from("id,pred,p_negative,p_neutral,p_positive,p_mixed\n");
    for i in 0..30 {
        let label = ["negative", "neutral", "positive"][i % 3];
        items.push_str(&format!("x{i},{label},t\n"));
        let p = [0.5, 0.2, 0.2, 0.1];
        let mut row = p;
        row.swap(0, i % 3);
        preds.push_str(&format!(
            "x{i},{label},{},{},{},{}\n",
            row[0], row[1], row[2], row[3]
        ));
    }
    crate::common::write_suite(
        &suite,
        "format-version = 1\nname = \"absent\"\nlabels = [\"negative\", \"neutral\", \"positive\", \"mixed\"]\nitems = \"items.csv\"\n",
        &[("items.csv", items.as_bytes()), ("preds.csv", preds.as_bytes())],
    );
    let report = score(&suite, &suite.join("preds.csv"), &tmp.path().join("run"));
    let m = &report["models"][0];
    let p = &m["metrics"]["probability"];
    assert!(p["roc_auc"]["per_class"]["mixed"].is_null());
    assert!(p["average_precision"]["per_class"]["mixed"].is_null());
    assert!(p["roc_auc"]["macro"].is_null() && p["average_precision"]["macro"].is_null());
    assert_eq!(p["roc_auc"]["weighted"], 1.0);
    assert_eq!(p["roc_auc"]["per_class"]["neutral"], 1.0);
    let warned: Vec<&str> = m["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "undefined_metric")
        .map(|w| w["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        warned,
        [
            "probability.roc_auc.per_class.mixed",
            "probability.average_precision.per_class.mixed",
            "probability.roc_auc.macro",
            "probability.average_precision.macro"
        ]
    );
}

/// Writes predictions that move each probability row a fraction `t` of the way to `target`
/// (`onehot`: the true label; else uniform), with `pred` its argmax.
fn blend(dir: &Path, out: &Path, t: f64, onehot: bool) {
    let labels = ["negative", "neutral", "positive"];
    let truth: std::collections::BTreeMap<String, String> =
        crate::common::read_csv(&dir.join("items.csv"))
            .into_iter()
            .map(|r| (r["id"].clone(), r["label"].clone()))
            .collect();
    let mut text = String::from("id,pred,p_negative,p_neutral,p_positive\n");
    for r in crate::common::read_csv(&dir.join("predictions.csv")) {
        let row: Vec<f64> = labels
            .iter()
            .map(|l| {
                let p: f64 = r[&format!("p_{l}")].parse().unwrap();
                let target = if onehot {
                    f64::from(truth[&r["id"]] == *l)
                } else {
                    1.0 / 3.0
                };
                (1.0 - t) * p + t * target
            })
            .collect();
        let top = (0..3).fold(0, |b, c| if row[c] > row[b] { c } else { b });
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            r["id"], labels[top], row[0], row[1], row[2]
        ));
    }
    std::fs::write(out, text).unwrap();
}

#[test]
fn gates_on_probability_metrics_know_lower_is_better() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = imbalanced();
    score(&dir, &dir.join("predictions.csv"), &t.join("base"));
    let baselines = t.join("baselines");
    tonebench()
        .args(["baseline", "save", "--name", "main", "--baselines"])
        .arg(&baselines)
        .arg(t.join("base"))
        .assert()
        .success();
    blend(&dir, &t.join("better.csv"), 0.3, true);
    blend(&dir, &t.join("worse.csv"), 0.5, false);
    score(&dir, &t.join("better.csv"), &t.join("better"));
    score(&dir, &t.join("worse.csv"), &t.join("worse"));
    let gates = t.join("gates.toml");
    std::fs::write(
        &gates,
        "format-version = 1\nbaseline = \"main\"\n\n[[gate]]\nrule = \"lower(roc_auc.macro) >= 0.8\"\n\n[[non-inferiority]]\nmetric = \"log_loss\"\ndelta = 0.01\nresamples = 500\n",
    )
    .unwrap();
    let gate = |run: &str| {
        let out = tonebench()
            .args(["gate", "--report"])
            .arg(t.join(run))
            .arg("--gates")
            .arg(&gates)
            .arg("--baselines")
            .arg(&baselines)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = gate("better");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("PASS  m: log_loss non-inferior"), "{text}");
    assert!(text.contains("(lower is better)"), "{text}");
    let (code, text) = gate("worse");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAIL  m: log_loss non-inferior to baseline main (delta 0.01) — regression"),
        "{text}"
    );
}
