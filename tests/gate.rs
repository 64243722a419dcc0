//! Release gates: threshold rules over report.json, paired comparisons against a saved baseline
//! (whole suite and per cohort), the gate file's error messages, and the JUnit and Markdown
//! outputs. Saving and showing baselines is in `baseline.rs`, the paired statistics in
//! `paired.rs`.

use std::fs;

use tonebench::input::gate_file::parse_gates;
use tonebench_core::paired::ItemPred;

use crate::common::gates::{fixtures, sex, synthetic, World};

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
    let docs = crate::common::root().join("docs/examples");
    for f in ["gates-text.toml", "gates-audio.toml", "gates-hybrid.toml"] {
        let text = fs::read_to_string(docs.join(f)).unwrap();
        let g = parse_gates(f, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!g.rules.is_empty(), "{f}");
    }
}
