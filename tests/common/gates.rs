//! The gate and baseline tests' world: the committed synthetic predictions, their degraded
//! variants, run folders (report.json + predictions.parquet) written from them, and a temporary
//! folder of such runs to save baselines from and gate.

use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use polars::prelude::*;
use tonebench::cli::baseline::{self as baseline_cli, BaselineArgs, BaselineCommand};
use tonebench::cli::exit;
use tonebench::cli::gate::{self, GateArgs};
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::paired::ItemPred;
use tonebench_core::report::{
    BootstrapInfo, LatencyReport, MetricsReport, Modality, ModelReport, Report, Source, SuiteInfo,
};
use tonebench_core::{Confusion, Metrics};

pub const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

pub fn labels() -> Vec<String> {
    LABELS.iter().map(|s| s.to_string()).collect()
}

pub fn fixtures() -> PathBuf {
    crate::common::root().join("tests/fixtures/gates")
}

/// The committed synthetic baseline: 400 items, (id, label, pred).
pub fn synthetic() -> Vec<ItemPred> {
    let text = fs::read_to_string(fixtures().join("synthetic_predictions.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ItemPred {
                id: f[0].into(),
                label: f[1].into(),
                pred: f[2].into(),
                probs: None,
            }
        })
        .collect()
}

/// Degrades 5 % of the items: n / 20 items that were predicted right, spread evenly over the
/// correct ones, get the label after the true one as their prediction.
pub fn degrade_5pct(items: &[ItemPred]) -> Vec<ItemPred> {
    let target = items.len() / 20;
    let correct: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].pred == items[i].label)
        .collect();
    assert!(correct.len() >= target, "too few correct items to degrade");
    let stride = correct.len() / target;
    let mut out = items.to_vec();
    for &i in correct.iter().step_by(stride).take(target) {
        let t = LABELS.iter().position(|l| *l == out[i].label).unwrap();
        out[i].pred = LABELS[(t + 1) % 3].into();
    }
    out
}

/// The synthetic items' cohort: ids ending in an even digit are "female", the others "male".
pub fn sex(id: &str) -> &'static str {
    let d = id.bytes().last().unwrap_or(b'0') - b'0';
    if d.is_multiple_of(2) {
        "female"
    } else {
        "male"
    }
}

/// Degrades only the female cohort: 20 of its correctly predicted items (10 % of the 200 female
/// items), spread evenly, get the label after the true one.
pub fn degrade_female(items: &[ItemPred]) -> Vec<ItemPred> {
    let correct: Vec<usize> = (0..items.len())
        .filter(|&i| sex(&items[i].id) == "female" && items[i].pred == items[i].label)
        .collect();
    let stride = correct.len() / 20;
    let mut out = items.to_vec();
    for &i in correct.iter().step_by(stride).take(20) {
        let t = LABELS.iter().position(|l| *l == out[i].label).unwrap();
        out[i].pred = LABELS[(t + 1) % 3].into();
    }
    out
}

/// A report.json + predictions.parquet run folder for one model named `text`.
pub fn write_run(dir: &Path, items: &[ItemPred]) {
    fs::create_dir_all(dir).unwrap();
    let idx = |s: &str| LABELS.iter().position(|l| *l == s).unwrap();
    let truth: Vec<usize> = items.iter().map(|i| idx(&i.label)).collect();
    let pred: Vec<usize> = items.iter().map(|i| idx(&i.pred)).collect();
    let cm = Confusion::from_pairs(3, &truth, &pred);
    let m = Metrics::compute(&cm, &labels());
    let bcfg = BootstrapConfig::default();
    let iv = confusion_intervals(&cm, &bcfg);
    let report = Report {
        schema_version: 1,
        tonebench_version: "0.1.0".into(),
        suite: SuiteInfo {
            name: "synthetic".into(),
            description: String::new(),
            items: items.len() as u64,
            labels: labels(),
            speakers: None,
            dropped: 0,
            manifest_sha256: String::new(),
            items_sha256: String::new(),
        },
        bootstrap: BootstrapInfo::from(&bcfg),
        models: vec![ModelReport {
            name: "text".into(),
            modality: Modality::External,
            source: Source {
                kind: "predictions".into(),
                path: "preds.csv".into(),
                sha256: String::new(),
                files: IndexMap::new(),
                ort_version: None,
                provider: None,
                batch_size: None,
                threads: None,
                front_end: None,
            },
            metrics: MetricsReport::new(&labels(), &cm, &m, Some(&iv)),
            cohorts: vec![],
            latency: Some(LatencyReport {
                device: "cpu".into(),
                provider: "CPUExecutionProvider".into(),
                p50_ms: 1.5,
                p90_ms: 2.0,
                p95_ms: 2.5,
                p99_ms: 4.0,
                mean_ms: 1.7,
                throughput_per_s: 580.0,
                rtf: None,
                ..LatencyReport::default()
            }),
            warnings: vec![],
            examples: vec![],
            streaming: None,
            robustness: vec![],
        }],
        warnings: vec![],
        comparisons: Vec::new(),
        fairness: None,
    };
    fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    let col = |name: &str, f: &dyn Fn(&ItemPred) -> String| {
        Column::new(name.into(), items.iter().map(f).collect::<Vec<String>>())
    };
    let mut df = DataFrame::new_infer_height(vec![
        col("id", &|i| i.id.clone()),
        col("model", &|_| "text".into()),
        col("label", &|i| i.label.clone()),
        col("pred", &|i| i.pred.clone()),
        col("meta_sex", &|i| sex(&i.id).into()),
    ])
    .unwrap();
    let f = fs::File::create(dir.join("predictions.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
}

/// Runs a command's `execute`, mapping errors to their exit code and message.
pub fn code(r: anyhow::Result<i32>) -> (i32, String) {
    match r {
        Ok(c) => (c, String::new()),
        Err(e) => (exit::code_for(&e), format!("{e:#}")),
    }
}

/// A temporary folder with five run folders of the synthetic items: `base-run`, `same-run`,
/// `worse-run` (5 % degraded), `short-run` (3 items fewer) and `female-worse-run`; baselines go
/// to `baselines/`, gate files to `gates.toml`, outputs to `junit.xml` and `summary.md`.
pub struct World {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl World {
    pub fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let base = synthetic();
        write_run(&root.join("base-run"), &base);
        write_run(&root.join("same-run"), &base);
        write_run(&root.join("worse-run"), &degrade_5pct(&base));
        write_run(&root.join("short-run"), &base[3..]);
        write_run(&root.join("female-worse-run"), &degrade_female(&base));
        World { _tmp: tmp, root }
    }

    pub fn baselines(&self) -> PathBuf {
        self.root.join("baselines")
    }

    pub fn save(&self, name: &str, run: &str) -> (i32, String) {
        code(baseline_cli::execute(&BaselineArgs {
            baselines: self.baselines(),
            command: BaselineCommand::Save {
                name: name.into(),
                force: false,
                run: self.root.join(run),
            },
        }))
    }

    pub fn gate(&self, run: &str, gates: &str, baseline: Option<&str>) -> (i32, String) {
        let g = self.root.join("gates.toml");
        fs::write(&g, gates).unwrap();
        code(gate::execute(&GateArgs {
            report: self.root.join(run),
            gates: g,
            baseline: baseline.map(str::to_string),
            baselines: self.baselines(),
            junit: Some(self.root.join("junit.xml")),
            markdown: Some(self.root.join("summary.md")),
        }))
    }
}
