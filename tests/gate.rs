//! Release gates and baselines: rules over report.json, paired comparisons against a saved
//! baseline, the gate file's error messages, and the JUnit and Markdown outputs.

use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use polars::prelude::*;
use tonebench::cli::baseline::{self as baseline_cli, BaselineArgs, BaselineCommand};
use tonebench::cli::exit;
use tonebench::cli::gate::{self, GateArgs};
use tonebench::input::gate_file::parse_gates;
use tonebench::store::baseline;
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::paired::{self, Finding, ItemPred, NonInferiorityConfig, PairedMetric};
use tonebench_core::report::{
    BootstrapInfo, LatencyReport, MetricsReport, Modality, ModelReport, Report, Source, SuiteInfo,
};
use tonebench_core::{Confusion, Metrics};

const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

fn labels() -> Vec<String> {
    LABELS.iter().map(|s| s.to_string()).collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gates")
}

/// The committed synthetic baseline: 400 items, (id, label, pred).
fn synthetic() -> Vec<ItemPred> {
    let text = fs::read_to_string(fixtures().join("synthetic_predictions.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ItemPred {
                id: f[0].into(),
                label: f[1].into(),
                pred: f[2].into(),
            }
        })
        .collect()
}

/// Real predictions of the MiniLM text model on Financial PhraseBank all-agree, with the suite's
/// labels; `None` (and a message) when ../shared is absent.
fn real_fpb() -> Option<Vec<ItemPred>> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let preds = shared.join("models/text-minilm-sentiment/reference_fpb_allagree.csv");
    let items = shared.join("suites/fpb-allagree/items.csv");
    if !preds.is_file() || !items.is_file() {
        eprintln!("skipped: ../shared not found (real FPB predictions)");
        return None;
    }
    // items.csv: id,label,text — the first two fields are never quoted.
    let truth: IndexMap<String, String> = fs::read_to_string(items)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.splitn(3, ',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect();
    let rows: Vec<ItemPred> = fs::read_to_string(preds)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ItemPred {
                id: f[0].into(),
                label: truth[f[0]].clone(),
                pred: f[1].into(),
            }
        })
        .collect();
    assert_eq!(rows.len(), truth.len());
    Some(rows)
}

/// Degrades 5 % of the items: n / 20 items that were predicted right, spread evenly over the
/// correct ones, get the label after the true one as their prediction.
fn degrade_5pct(items: &[ItemPred]) -> Vec<ItemPred> {
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
fn sex(id: &str) -> &'static str {
    let d = id.bytes().last().unwrap_or(b'0') - b'0';
    if d.is_multiple_of(2) {
        "female"
    } else {
        "male"
    }
}

/// Degrades only the female cohort: 20 of its correctly predicted items (10 % of the 200 female
/// items), spread evenly, get the label after the true one.
fn degrade_female(items: &[ItemPred]) -> Vec<ItemPred> {
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

fn cfg(delta: f64) -> NonInferiorityConfig {
    NonInferiorityConfig {
        delta,
        confidence: 0.95,
        resamples: 2000,
        seed: 7,
    }
}

fn check_identical_and_degraded(base: &[ItemPred]) {
    let p = paired::pair(&labels(), base, base).unwrap();
    for delta in [1e-6, 0.001, 0.01, 0.1] {
        for m in [
            "accuracy",
            "macro.f1",
            "balanced_accuracy",
            "per_class.negative.recall",
        ] {
            let r = paired::non_inferiority(
                &p,
                PairedMetric::parse(m, &labels()).unwrap(),
                &cfg(delta),
            );
            assert_eq!(r.finding, Finding::NonInferior, "{m} at δ {delta}: {r:?}");
            assert_eq!(r.low, 0.0);
        }
    }
    let worse = degrade_5pct(base);
    let p = paired::pair(&labels(), &worse, base).unwrap();
    for m in ["accuracy", "macro.f1"] {
        let r = paired::non_inferiority(&p, PairedMetric::parse(m, &labels()).unwrap(), &cfg(0.01));
        assert_ne!(r.finding, Finding::NonInferior, "{m}: {r:?}");
        assert!(r.low <= -0.01, "{m}: {r:?}");
        println!(
            "{m}: Δ {:.4}, one-sided 95% bounds [{:.4}, {:.4}], {:?}",
            r.diff, r.low, r.high, r.finding
        );
    }
    let mc = paired::mcnemar(&p, None);
    assert_eq!(mc.candidate_only, 0);
    assert!(mc.p_value < 0.05, "{mc:?}");
}

#[test]
fn identical_passes_and_5pct_degraded_fails_on_synthetic_fixture() {
    check_identical_and_degraded(&synthetic());
}

#[test]
fn identical_passes_and_5pct_degraded_fails_on_real_predictions() {
    let Some(real) = real_fpb() else { return };
    check_identical_and_degraded(&real);
    // With 2 264 items the drop is a clear regression: the whole interval is below −δ.
    let p = paired::pair(&labels(), &degrade_5pct(&real), &real).unwrap();
    let r = paired::non_inferiority(&p, PairedMetric::Accuracy, &cfg(0.01));
    assert_eq!(r.finding, Finding::Regression, "{r:?}");
}

#[test]
fn mcnemar_exact_p_values_match_statsmodels_and_scipy() {
    let text = fs::read_to_string(fixtures().join("mcnemar_exact.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 10);
    for c in cases {
        let b = c["candidate_only"].as_u64().unwrap();
        let n = c["baseline_only"].as_u64().unwrap();
        let want = c["p_statsmodels"].as_f64().unwrap();
        assert_eq!(want, c["p_scipy"].as_f64().unwrap());
        let got = paired::mcnemar_exact_p(b, n);
        assert!(
            (got - want).abs() <= 1e-9 * want.max(1e-300),
            "b={b} c={n}: {got} vs {want}"
        );
    }
}

// ---- end to end: run folders, baselines and the gate command ----

/// A report.json + predictions.parquet run folder for one model named `text`.
fn write_run(dir: &Path, items: &[ItemPred]) {
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
fn code(r: anyhow::Result<i32>) -> (i32, String) {
    match r {
        Ok(c) => (c, String::new()),
        Err(e) => (exit::code_for(&e), format!("{e:#}")),
    }
}

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl World {
    fn new() -> World {
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

    fn baselines(&self) -> PathBuf {
        self.root.join("baselines")
    }

    fn save(&self, name: &str, run: &str) -> (i32, String) {
        code(baseline_cli::execute(&BaselineArgs {
            baselines: self.baselines(),
            command: BaselineCommand::Save {
                name: name.into(),
                force: false,
                run: self.root.join(run),
            },
        }))
    }

    fn gate(&self, run: &str, gates: &str, baseline: Option<&str>) -> (i32, String) {
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

const COMPARE: &str = r#"
format-version = 1

[[gate]]
rule = "accuracy >= 0.5"

[[non-inferiority]]
metric = "macro.f1"
delta = 0.01

[[mcnemar]]
alpha = 0.05
"#;

#[test]
fn baseline_save_show_list_and_sorted_json() {
    let w = World::new();
    assert_eq!(w.save("main", "base-run"), (0, String::new()));
    let dir = w.baselines().join("synthetic/main");
    for f in ["report.json", "baseline.json", "predictions.parquet"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let saved = fs::read_to_string(dir.join("report.json")).unwrap();
    // Sorted keys: "bootstrap" < "models" < "schema_version" < "suite" < "tonebench_version".
    let pos = |k: &str| saved.find(&format!("\n  \"{k}\"")).unwrap();
    assert!(pos("bootstrap") < pos("models") && pos("models") < pos("schema_version"));
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(info["format_version"], 1);
    assert_eq!(info["items"], 400);
    assert_eq!(info["models"], serde_json::json!(["text"]));
    // Saving twice without --force is refused.
    let (c, msg) = w.save("main", "base-run");
    assert_eq!(c, 2);
    assert!(msg.contains("already exists; pass --force"), "{msg}");
    let b = baseline::find(&w.baselines(), "main", None).unwrap();
    let shown = baseline_cli::show_text(&b, &b.report().unwrap());
    assert!(
        shown.starts_with("baseline main (suite synthetic, 400 items)"),
        "{shown}"
    );
    assert_eq!(baseline::list(&w.baselines()).unwrap().len(), 1);
    let (c, msg) = code(baseline_cli::execute(&BaselineArgs {
        baselines: w.baselines(),
        command: BaselineCommand::Show {
            name: "nope".into(),
            suite: Some("synthetic".into()),
        },
    }));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        "no baseline named nope for suite synthetic; record one with: tonebench baseline save --name nope RUN"
    );
}

#[test]
fn gate_exit_codes_against_a_baseline() {
    let w = World::new();
    w.save("main", "base-run");
    assert_eq!(
        w.gate("same-run", COMPARE, Some("main")),
        (0, String::new())
    );
    let md = fs::read_to_string(w.root.join("summary.md")).unwrap();
    assert!(
        md.starts_with("## tonebench gate: ✅ all gates passed"),
        "{md}"
    );
    assert_eq!(w.gate("worse-run", COMPARE, Some("main")).0, 1);
    let junit = fs::read_to_string(w.root.join("junit.xml")).unwrap();
    assert!(junit.contains("<failure message=\"value "), "{junit}");
    // Missing baseline, and items that differ from the baseline's.
    let (c, msg) = w.gate("same-run", COMPARE, Some("other"));
    assert_eq!(c, 2);
    assert!(
        msg.starts_with("no baseline named other for suite synthetic; record one with:"),
        "{msg}"
    );
    let (c, msg) = w.gate("short-run", COMPARE, Some("main"));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        "model text vs baseline main: the candidate was not scored on the baseline's items: 3 baseline \
         item(s) missing from the candidate (first: syn-0000, syn-0001, syn-0002)"
    );
    // Comparisons without a baseline are an error, never skipped.
    let (c, msg) = w.gate("same-run", COMPARE, None);
    assert_eq!(c, 2);
    assert!(msg.contains("names no baseline"), "{msg}");
}

#[test]
fn a_candidate_degraded_on_one_cohort_fails_only_for_that_cohort() {
    let w = World::new();
    w.save("main", "base-run");
    let gates = |cohort: &str| {
        format!(
            "format-version = 1\n\n[[non-inferiority]]\nmetric = \"accuracy\"\ndelta = 0.02\ncohort = \"{cohort}\"\n"
        )
    };
    assert_eq!(
        w.gate("female-worse-run", &gates("sex=male"), Some("main")),
        (0, String::new())
    );
    let junit = fs::read_to_string(w.root.join("junit.xml")).unwrap();
    assert!(
        junit.contains(
            "name=\"text: accuracy on cohort sex=male non-inferior to baseline main (delta 0.02)\""
        ),
        "{junit}"
    );
    // 20 of the 200 female items turned wrong: accuracy on the cohort is 0.1 lower.
    assert_eq!(
        w.gate("female-worse-run", &gates("sex=female"), Some("main"))
            .0,
        1
    );
    let md = fs::read_to_string(w.root.join("summary.md")).unwrap();
    assert!(md.contains("accuracy on cohort sex=female"), "{md}");
    let b = synthetic();
    let female: Vec<&ItemPred> = b.iter().filter(|i| sex(&i.id) == "female").collect();
    let right = |v: &[&ItemPred]| v.iter().filter(|i| i.pred == i.label).count();
    let diff = -20.0 / female.len() as f64;
    assert!(
        md.contains(&format!("= {}", tonebench_core::gate::fmt_num(diff))),
        "{md} (base right {})",
        right(&female)
    );
    // Over all items the drop is 20 / 400 = 0.05: also a failure.
    let all = "format-version = 1\n[[non-inferiority]]\nmetric = \"accuracy\"\ndelta = 0.02\n";
    assert_eq!(w.gate("female-worse-run", all, Some("main")).0, 1);
    // McNemar on the male cohort: no discordant items at all.
    let mc = "format-version = 1\n[[mcnemar]]\ncohort = \"sex=male\"\n";
    assert_eq!(
        w.gate("female-worse-run", mc, Some("main")),
        (0, String::new())
    );
    let mc = "format-version = 1\n[[mcnemar]]\ncohort = \"sex=female\"\n";
    assert_eq!(w.gate("female-worse-run", mc, Some("main")).0, 1);
}

#[test]
fn an_unknown_cohort_column_or_value_names_the_line() {
    let w = World::new();
    w.save("main", "base-run");
    let g = w.root.join("gates.toml").display().to_string();
    let preds = w
        .root
        .join("same-run/predictions.parquet")
        .display()
        .to_string();
    let text = |cohort: &str| {
        format!("format-version = 1\n\n[[mcnemar]]\nalpha = 0.05\ncohort = \"{cohort}\"\n")
    };
    let (c, msg) = w.gate("same-run", &text("age=young"), Some("main"));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        format!("{g} line 5 column 10: cohort \"age=young\": {preds} has no column \"meta_age\" and cohorts.csv beside it no partition \"age\" (cohorts are speaker, a suite metadata column, or an embedding partition of the run)")
    );
    let (c, msg) = w.gate("same-run", &text("sex=other"), Some("main"));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        format!("{g} line 5 column 10: cohort \"sex=other\": no item has sex \"other\" (values: \"female\", \"male\")")
    );
    let (c, msg) = w.gate("same-run", &text("sex"), Some("main"));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        format!(
            "{g} line 5 column 10: cohort \"sex\" is not PARTITION=VALUE (e.g. \"sex=female\")"
        )
    );
}

#[test]
fn threshold_rules_without_a_baseline() {
    let w = World::new();
    let ok = "format-version = 1\n[[gate]]\nrule = \"lower(accuracy) >= 0.5\"\n[[gate]]\nrule = \"latency.cpu.p95_ms <= 40\"\n";
    assert_eq!(w.gate("base-run", ok, None), (0, String::new()));
    let bad = "format-version = 1\n[[gate]]\nrule = \"per_class.negative.recall >= 0.99\"\n";
    assert_eq!(w.gate("base-run", bad, None).0, 1);
    let missing = "format-version = 1\n[[gate]]\nrule = \"cohorts.sex.gap_abs <= 0.05\"\n";
    let (c, msg) = w.gate("base-run", missing, None);
    assert_eq!(c, 2);
    assert!(
        msg.contains(
            "\"cohorts.sex.gap_abs\" does not exist: \"cohorts\" has no \"sex\" (it has 0 entries)"
        ),
        "{msg}"
    );
    // The rule that could not be evaluated is still reported, as a JUnit error.
    let junit = fs::read_to_string(w.root.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<error message=\"value none, bound &lt;= 0.05: "),
        "{junit}"
    );
    check_junit_structure(&junit);
}

#[test]
fn a_typo_in_a_gate_key_names_key_and_line() {
    let w = World::new();
    let typo = "format-version = 1\n\n[[gate]]\nrule = \"accuracy >= 0.5\"\n\n[[non-inferiority]]\nmetric = \"macro.f1\"\ndelat = 0.01\n";
    let (c, msg) = w.gate("base-run", typo, None);
    assert_eq!(c, 2);
    let g = w.root.join("gates.toml").display().to_string();
    assert!(
        msg.starts_with(&format!(
            "{g} line 8 column 1: unknown field `delat`, expected one of"
        )),
        "{msg}"
    );
    let (c, msg) = w.gate(
        "base-run",
        "format-version = 1\n[[gate]]\nrulle = \"accuracy >= 0.5\"\n",
        None,
    );
    assert_eq!(c, 2);
    assert!(
        msg.starts_with(&format!("{g} line 3 column 1: unknown field `rulle`")),
        "{msg}"
    );
    let (c, msg) = w.gate(
        "base-run",
        "format-version = 1\n[[gate]]\nrule = \"accuracy = 0.5\"\n",
        None,
    );
    assert_eq!(c, 2);
    assert_eq!(msg, format!("{g} line 3 column 8: rule \"accuracy = 0.5\" has no comparison; write PATH >= NUMBER (or >, <=, <)"));
}

/// Structural check of the Jenkins/Ant JUnit format described by tests/fixtures/gates/junit.xsd.
fn check_junit_structure(xml: &str) {
    let body = xml.trim_start_matches(|c| c != '<');
    assert!(body.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testsuites").count(), 1);
    let suites = xml.matches("<testsuite ").count();
    assert!(suites >= 1);
    let cases = xml.matches("<testcase ").count();
    let failures = xml.matches("<failure ").count();
    let errors = xml.matches("<error ").count();
    let attr = |tag: &str, name: &str| -> usize {
        let at = xml.find(tag).unwrap();
        let rest = &xml[at..];
        let s = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        rest[s..s + rest[s..].find('"').unwrap()].parse().unwrap()
    };
    assert_eq!(attr("<testsuite ", "tests"), cases);
    assert_eq!(attr("<testsuite ", "failures"), failures);
    assert_eq!(attr("<testsuite ", "errors"), errors);
    assert_eq!(attr("<testsuites", "tests"), cases);
    for tc in xml.split("<testcase ").skip(1) {
        assert!(
            tc.contains("name=\"") && tc.contains("classname=\""),
            "{tc}"
        );
    }
    for f in xml.split("<failure ").skip(1) {
        assert!(
            f.starts_with("message=\"") || f.contains(" message=\""),
            "{f}"
        );
    }
}

#[test]
fn junit_output_matches_the_schema_validated_sample() {
    let w = World::new();
    w.save("main", "base-run");
    let gates = format!("{COMPARE}\n[[gate]]\nrule = \"lower(macro.f1) >= 0.9\"\n");
    assert_eq!(w.gate("worse-run", &gates, Some("main")).0, 1);
    let xml = fs::read_to_string(w.root.join("junit.xml")).unwrap();
    check_junit_structure(&xml);
    // Temporary paths differ run to run; the sample has them replaced.
    let normalized = xml.replace(&w.root.display().to_string(), "TMP");
    let sample_path = fixtures().join("junit-sample.xml");
    if std::env::var_os("TONEBENCH_BLESS").is_some() {
        fs::write(&sample_path, &normalized).unwrap();
    }
    let sample = fs::read_to_string(&sample_path).unwrap();
    assert_eq!(
        normalized, sample,
        "rerun with TONEBENCH_BLESS=1 and revalidate with make_mcnemar_fixtures.py"
    );
}

#[test]
fn example_gate_files_parse() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples");
    for f in ["gates-text.toml", "gates-audio.toml", "gates-hybrid.toml"] {
        let text = fs::read_to_string(docs.join(f)).unwrap();
        let g = parse_gates(f, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!g.rules.is_empty(), "{f}");
    }
}
