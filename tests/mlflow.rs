//! `--mlflow URI` and `tonebench log mlflow` against a real MLflow 3.17.2 server, read back with
//! MLflow's Python client. The smoke runs whenever scripts/setup-mlflow.sh installed mlflow; the
//! rest with TONEBENCH_MLFLOW_TESTS=1. Tracker failures need no server.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::mlflow::{alive, free_port, full, sha256, Server};
use crate::common::{read_json, tonebench, write_suite};

/// Labels and cohort names holding characters MLflow rejects in keys (`=`, `,`, `+`, `/`).
const ODD_MANIFEST: &str = "format-version = 1\nname = \"odd\"\nlabels = [\"neg=1\", \"neu,tral\", \"pos+\"]\nitems = \"items.csv\"\n[cohorts]\nmetadata = [\"group\"]\nmin-speakers = 1\n";
const ODD_ITEMS: &str = "id,label,text,group\na,neg=1,x,f/30\nb,\"neu,tral\",y,f/30\nc,pos+,z,m+40\nd,neg=1,w,m+40\ne,pos+,v,f/30\nf,\"neu,tral\",u,m+40\n";

/// A scored run folder with odd labels and cohorts; returns the folder.
fn odd_run(tmp: &Path, extra: &[&str], env: &[(&str, &str)]) -> assert_cmd::assert::Assert {
    let suite = write_suite(
        &tmp.join("s"),
        ODD_MANIFEST,
        &[("items.csv", ODD_ITEMS.as_bytes())],
    );
    let preds = tmp.join("p.csv");
    std::fs::write(
        &preds,
        "id,pred\na,neg=1\nb,pos+\nc,pos+\nd,\"neu,tral\"\ne,pos+\nf,\"neu,tral\"\n",
    )
    .unwrap();
    tonebench()
        .args(["score", "--resamples", "50", "--suite"])
        .arg(&suite)
        .arg("--predictions")
        .arg(&preds)
        .arg("--out")
        .arg(tmp.join("o"))
        .args(extra)
        .envs(env.iter().copied())
        .assert()
}

/// The params and metrics tonebench means to log for `report` (its own rule), for comparison
/// with what MLflow stored.
fn expected(report: &Path) -> Vec<(BTreeMap<String, String>, BTreeMap<String, f64>)> {
    let loaded = tonebench::store::report::LoadedReport::read(report).unwrap();
    let plan = tonebench::track::entries::plan(&loaded.typed().unwrap(), &Default::default());
    plan.parent
        .iter()
        .chain(plan.children.iter().map(|(_, e)| e))
        .map(|e| {
            (
                e.params.iter().cloned().collect(),
                e.metrics.iter().cloned().collect(),
            )
        })
        .collect()
}

fn map_f64(v: &Value) -> BTreeMap<String, f64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect()
}

fn map_str(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_scored_run_logged_to_mlflow_reads_back_as_its_report() {
    // The smoke of `make test`: runs whenever the mlflow venv is there (skipped with the reason
    // otherwise); logging the folder a second time is part of the full run only.
    let Some(server) = Server::start("a_scored_run_logged_to_mlflow_reads_back_as_its_report")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let done = odd_run(
        tmp.path(),
        &["--mlflow", &server.uri, "--mlflow-experiment", "smoke"],
        &[],
    )
    .success();
    let stdout = String::from_utf8(done.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("logged p to MLflow run "), "{stdout}");
    let report = read_json(&out.join("report.json"));
    let m = &report["models"][0]["metrics"];

    let back = server.read_back("smoke");
    let runs = back["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["status"], "FINISHED");
    assert_eq!(run["name"], "p");
    let metrics = map_f64(&run["metrics"]);
    let params = map_str(&run["params"]);
    // Stable names, written out: the cleaning rule of DESIGN.md on `neg=1`, `neu,tral`, `f/30`.
    assert_eq!(metrics["accuracy"], m["accuracy"].as_f64().unwrap());
    assert_eq!(metrics["macro_f1"], m["macro"]["f1"].as_f64().unwrap());
    assert_eq!(
        metrics["per_class/neg_1/f1"],
        m["per_class"]["neg=1"]["f1"].as_f64().unwrap()
    );
    assert_eq!(
        metrics["per_class/neu_tral/recall"],
        m["per_class"]["neu,tral"]["recall"].as_f64().unwrap()
    );
    assert_eq!(
        metrics["ci_low/accuracy"],
        m["intervals"]["accuracy"]["low"].as_f64().unwrap()
    );
    let cohort = report["models"][0]["cohorts"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "f/30")
        .unwrap()
        .clone();
    assert_eq!(
        metrics["cohort/group/f_30/error_rate"],
        cohort["error_rate"].as_f64().unwrap()
    );
    assert_eq!(params["suite"], "odd");
    assert_eq!(params["suite.labels"], "neg=1,neu,tral,pos+");
    assert_eq!(params["bootstrap.resamples"], "50");
    assert_eq!(run["tags"]["tonebench.modality"], "external");
    // Every param and metric tonebench meant to log arrived, and nothing else.
    let [(want_params, want_metrics)] = &expected(&out)[..] else {
        panic!("one model, one run")
    };
    assert_eq!(&params, want_params);
    assert_eq!(&metrics, want_metrics);
    // The artifacts are the run folder's files, byte for byte.
    let artifacts = map_str(&run["artifacts"]);
    for f in [
        "report.json",
        "report.html",
        "report.md",
        "predictions.parquet",
        "cohorts.csv",
    ] {
        assert_eq!(artifacts.get(f), Some(&sha256(&out.join(f))), "{f}");
    }

    if full() {
        logged_again_finds_the_experiment(&server, &out);
    }
    // The server is stopped even when a test fails: a test that panics still drops it.
    let pids = server.pids();
    assert!(
        pids.len() >= 2,
        "mlflow server and its uvicorn worker: {pids:?}"
    );
    let failed = std::thread::spawn(move || {
        let _server = server;
        panic!("a deliberately failing test (the mlflow server must still be stopped)");
    })
    .join();
    assert!(failed.is_err());
    let left: Vec<u32> = pids.into_iter().filter(|&p| alive(p)).collect();
    assert!(left.is_empty(), "mlflow processes left running: {left:?}");
}

/// Logged again: the experiment is found by name, not created twice (which MLflow refuses).
fn logged_again_finds_the_experiment(server: &Server, out: &Path) {
    tonebench()
        .args(["log", "mlflow"])
        .arg(out)
        .args([
            "--uri",
            &server.uri,
            "--experiment",
            "smoke",
            "--run-name",
            "again",
        ])
        .assert()
        .success();
    let back = server.read_back("smoke");
    let names: Vec<&str> = back["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p", "again"]);
}

#[test]
fn several_models_are_a_parent_run_and_a_child_per_model() {
    if !full() {
        eprintln!("skipped several_models_are_a_parent_run_and_a_child_per_model: set TONEBENCH_MLFLOW_TESTS=1");
        return;
    }
    let Some(server) = Server::start("several_models_are_a_parent_run_and_a_child_per_model")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("demo-run");
    std::fs::create_dir_all(&run).unwrap();
    let golden = crate::common::root().join("tests/fixtures/golden/demo/report.json");
    std::fs::copy(&golden, run.join("report.json")).unwrap();
    // The URI and the experiment from MLflow's own variables.
    tonebench()
        .args(["log", "mlflow"])
        .arg(&run)
        .env("MLFLOW_TRACKING_URI", &server.uri)
        .env("MLFLOW_EXPERIMENT_NAME", "demo")
        .assert()
        .success();
    let back = server.read_back("demo");
    let runs = back["runs"].as_array().unwrap();
    let report = read_json(&golden);
    let models: Vec<&str> = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(models.len() > 1);
    assert_eq!(runs.len(), models.len() + 1);
    let parent = &runs[0];
    assert_eq!(parent["name"], "demo-run");
    assert_eq!(
        map_str(&parent["artifacts"]).get("report.json"),
        Some(&sha256(&golden))
    );
    let want = expected(&golden);
    for (i, model) in models.iter().enumerate() {
        let child = &runs[i + 1];
        assert_eq!(child["name"], format!("demo-run/{model}"));
        assert_eq!(child["tags"]["mlflow.parentRunId"], parent["run_id"]);
        assert_eq!(map_f64(&child["metrics"]), want[i + 1].1, "{model}");
        assert_eq!(map_str(&child["params"]), want[i + 1].0, "{model}");
        assert_eq!(
            child["metrics"]["accuracy"].as_f64(),
            report["models"][i]["metrics"]["accuracy"].as_f64()
        );
    }

    // A refusal is exit 3 naming MLflow's error code: an experiment id that does not exist.
    let refused = tonebench()
        .args(["log", "mlflow"])
        .arg(&run)
        .args(["--uri", &server.uri])
        .env("MLFLOW_EXPERIMENT_ID", "999")
        .assert()
        .code(3);
    let err = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("error: MLflow refused runs/create (404 RESOURCE_DOES_NOT_EXIST): "),
        "{err}"
    );
}

#[test]
fn a_tracker_that_is_down_exits_3_after_the_run_folder_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("http://127.0.0.1:{}", free_port());
    let env = [
        ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1"),
        ("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0"),
    ];
    let done = odd_run(tmp.path(), &["--mlflow", &uri], &env).code(3);
    let out = done.get_output();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(
        stderr
            .lines()
            .next()
            .unwrap()
            .split(": ")
            .take(2)
            .collect::<Vec<_>>(),
        ["error", &format!("MLflow at {uri} cannot be reached")[..]],
        "{stderr}"
    );
    // The summary was printed and every file of the run is there.
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote "));
    for f in ["report.json", "report.html", "predictions.parquet"] {
        assert!(tmp.path().join("o").join(f).is_file(), "{f}");
    }
}

#[test]
fn an_unusable_tracking_uri_is_a_usage_error_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let done = odd_run(tmp.path(), &["--mlflow", "file:///tmp/mlruns"], &[]).code(2);
    let stderr = String::from_utf8(done.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("error: MLflow tracking URI \"file:///tmp/mlruns\": tonebench logs over http:// or https:// only"), "{stderr}");
    assert!(!tmp.path().join("o").exists());
    tonebench()
        .args(["log", "mlflow", "somewhere"])
        .env_remove("MLFLOW_TRACKING_URI")
        .assert()
        .code(2)
        .stderr("error: no MLflow tracking URI: give --uri (or --mlflow URI) or set MLFLOW_TRACKING_URI\n");
}

#[test]
fn a_shard_is_not_logged_to_mlflow() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    tonebench()
        .args(["run", "--suite", "s", "--model", "m.toml", "--shard", "0/2"])
        .args(["--mlflow", "http://127.0.0.1:1", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "log the merged folder with `tonebench log mlflow` after `tonebench merge`",
        ));
    assert!(!out.exists());
}
