use super::*;
use serde_json::{json, Value};

fn report() -> Value {
    json!({
        "schema_version": 1,
        "suite": {"name": "demo", "items": 300, "labels": ["negative", "neutral", "positive"]},
        "bootstrap": {"confidence": 0.95},
        "models": [{
            "name": "text",
            "metrics": {
                "accuracy": 0.8,
                "balanced_accuracy": 0.75,
                "macro": {"precision": 0.7, "recall": 0.72, "f1": 0.71},
                "per_class": {"negative": {"precision": 0.6, "recall": 0.55, "f1": 0.57, "support": 20}},
                "intervals": {
                    "accuracy": {"low": 0.76, "high": 0.84},
                    "balanced_accuracy": {"low": 0.7, "high": 0.8},
                    "macro_f1": {"low": 0.66, "high": 0.76},
                    "per_class": {"negative": {"precision": {"low": 0.5, "high": 0.7},
                                               "recall": {"low": 0.45, "high": 0.65},
                                               "f1": {"low": 0.5, "high": 0.64}}}
                }
            },
            "cohorts": [{"partition": "sex", "gap_abs": 0.04, "p_value": null,
                         "groups": [{"name": "female", "accuracy": 0.82}]}],
            "latency": {"device": "cpu", "p95_ms": 12.5}
        }, {
            "name": "audio",
            "metrics": {"accuracy": 0.6, "macro": {"f1": 0.5}, "intervals": null},
            "cohorts": [],
            "latency": null,
            "robustness": [{
                "condition": "white-5db",
                "metrics": {"accuracy": 0.5},
                "vs_clean": {"a": "white-5db", "b": "clean", "items": 300, "diffs": [
                    {"metric": "accuracy", "a": 0.5, "b": 0.6, "diff": -0.1, "low": -0.15, "high": -0.05},
                    {"metric": "macro.f1", "a": 0.4, "b": 0.5, "diff": -0.1, "low": -0.2, "high": 0.0}
                ], "mcnemar": {"candidate_only": 3, "baseline_only": 33, "p_value": 1e-6}},
                "rce": null
            }]
        }]
    })
}

fn check(rule: &str, models: &ModelSelector) -> Vec<(Status, Option<f64>)> {
    let rule = Rule::parse(rule).unwrap();
    evaluate(&report(), &rule, models)
        .into_iter()
        .map(|v| (v.status, v.value))
        .collect()
}

fn text() -> ModelSelector {
    ModelSelector::Named(vec!["text".into()])
}

#[test]
fn parses_rules() {
    let r = Rule::parse("  lower( macro.f1 ) >= 0.70 ").unwrap();
    assert_eq!(
        (r.bound, r.path.as_str(), r.op, r.threshold),
        (Bound::Lower, "macro.f1", Op::Ge, 0.70)
    );
    let r = Rule::parse("latency.cpu.p95_ms<40").unwrap();
    assert_eq!((r.op, r.threshold), (Op::Lt, 40.0));
    assert!(matches!(
        Rule::parse("macro.f1 = 0.7"),
        Err(RuleError::NoOperator(_))
    ));
    assert!(matches!(
        Rule::parse("macro.f1 >= high"),
        Err(RuleError::BadNumber { .. })
    ));
    assert!(matches!(
        Rule::parse("mean(macro.f1) >= 0.7"),
        Err(RuleError::UnknownFunction { .. })
    ));
    assert!(matches!(
        Rule::parse("macro..f1 >= 0.7"),
        Err(RuleError::BadPath { .. })
    ));
}

#[test]
fn point_rules_pass_and_fail() {
    assert_eq!(
        check("macro.f1 >= 0.70", &text()),
        vec![(Status::Pass, Some(0.71))]
    );
    assert_eq!(
        check("per_class.negative.recall >= 0.60", &text()),
        vec![(Status::Fail, Some(0.55))]
    );
    assert_eq!(
        check("cohorts.sex.gap_abs <= 0.05", &text()),
        vec![(Status::Pass, Some(0.04))]
    );
    assert_eq!(
        check("cohorts.sex.groups.female.accuracy > 0.8", &text()),
        vec![(Status::Pass, Some(0.82))]
    );
    assert_eq!(
        check("latency.p95_ms <= 40", &text()),
        vec![(Status::Pass, Some(12.5))]
    );
    assert_eq!(
        check("latency.cpu.p95_ms <= 10", &text()),
        vec![(Status::Fail, Some(12.5))]
    );
    assert_eq!(
        check("suite.items >= 1000", &text()),
        vec![(Status::Fail, Some(300.0))]
    );
}

#[test]
fn bounds_use_intervals() {
    assert_eq!(
        check("lower(macro.f1) >= 0.70", &text()),
        vec![(Status::Fail, Some(0.66))]
    );
    assert_eq!(
        check("upper(per_class.negative.recall) >= 0.60", &text()),
        vec![(Status::Pass, Some(0.65))]
    );
    let v = evaluate(
        &report(),
        &Rule::parse("lower(macro.f1) >= 0.70").unwrap(),
        &text(),
    );
    assert_eq!(
        v[0].why,
        "lower 95% bound of macro.f1 (point 0.71) is 0.66, needs >= 0.7 (off by 0.04)"
    );
}

#[test]
fn all_models_by_default_and_errors_never_pass() {
    let all = check("accuracy >= 0.7", &ModelSelector::All);
    assert_eq!(
        all,
        vec![(Status::Pass, Some(0.8)), (Status::Fail, Some(0.6))]
    );
    // Missing path, null value, missing device, missing intervals, unknown model: all errors.
    for (rule, sel) in [
        ("macro.f2 >= 0.7", text()),
        ("cohorts.sex.p_value <= 0.05", text()),
        ("latency.cuda.p95_ms <= 40", text()),
        ("cohorts.age.gap_abs <= 0.05", text()),
        (
            "lower(macro.f1) >= 0.5",
            ModelSelector::Named(vec!["audio".into()]),
        ),
        ("lower(cohen_kappa) >= 0.5", text()),
        ("accuracy >= 0.5", ModelSelector::Named(vec!["nope".into()])),
        ("nothing.here >= 0.5", text()),
    ] {
        let v = evaluate(&report(), &Rule::parse(rule).unwrap(), &sel);
        assert_eq!(v[0].status, Status::Error, "{rule}: {}", v[0].why);
    }
    let v = evaluate(
        &report(),
        &Rule::parse("latency.cuda.p95_ms <= 40").unwrap(),
        &text(),
    );
    assert!(v[0].why.contains("measured on device cpu"), "{}", v[0].why);
    let v = evaluate(&report(), &Rule::parse("macro.f2 >= 0.7").unwrap(), &text());
    // Key order depends on serde_json's preserve_order feature; the message names all keys.
    assert!(
        v[0].why
            .starts_with("\"macro.f2\" does not exist: \"macro\" has no \"f2\" (it has "),
        "{}",
        v[0].why
    );
}

#[test]
fn robustness_paths_name_conditions_and_paired_diffs_by_metric() {
    let audio = || ModelSelector::Named(vec!["audio".into()]);
    let cases = [
        (
            "robustness.white-5db.vs_clean.accuracy.low >= -0.05",
            Status::Fail,
            -0.15,
        ),
        (
            "robustness.white-5db.vs_clean.macro_f1.high >= 0",
            Status::Pass,
            0.0,
        ),
        (
            "robustness.white-5db.metrics.accuracy >= 0.5",
            Status::Pass,
            0.5,
        ),
        (
            "robustness.white-5db.vs_clean.mcnemar.p_value < 0.01",
            Status::Pass,
            1e-6,
        ),
    ];
    for (rule, status, value) in cases {
        let v = evaluate(&report(), &Rule::parse(rule).unwrap(), &audio());
        assert_eq!((v[0].status, v[0].value), (status, Some(value)), "{rule}");
    }
    let v = evaluate(
        &report(),
        &Rule::parse("robustness.pink-5db.vs_clean.accuracy.low >= -0.05").unwrap(),
        &audio(),
    );
    assert_eq!(v[0].status, Status::Error);
    assert_eq!(
        v[0].why,
        "\"robustness.pink-5db.vs_clean.accuracy.low\" does not exist: \"robustness\" has no \"pink-5db\" (it has white-5db)"
    );
    let v = evaluate(
        &report(),
        &Rule::parse("robustness.white-5db.rce <= 1").unwrap(),
        &audio(),
    );
    assert_eq!(v[0].status, Status::Error);
}

fn with_probability() -> Value {
    let mut r = report();
    r["models"][0]["metrics"]["probability"] = json!({
        "roc_auc": {"macro": 0.86, "weighted": 0.85, "per_class": {"negative": 0.9, "neutral": null}},
        "log_loss": 0.52,
        "ece": {"bins": 15, "equal_width": 0.04, "equal_mass": 0.05}
    });
    r["models"][0]["metrics"]["intervals"]["probability"] = json!({
        "roc_auc": {"macro": {"low": 0.82, "high": 0.9}, "weighted": null, "per_class": {}},
        "log_loss": {"low": 0.47, "high": 0.58}
    });
    r
}

fn check_p(rule: &str) -> Verdict {
    let rule = Rule::parse(rule).unwrap();
    evaluate(&with_probability(), &rule, &text()).remove(0)
}

#[test]
fn probability_metrics_resolve_by_short_and_full_path_with_intervals() {
    for rule in ["roc_auc.macro >= 0.8", "probability.roc_auc.macro >= 0.8"] {
        let v = check_p(rule);
        assert_eq!((v.status, v.value), (Status::Pass, Some(0.86)), "{rule}");
    }
    let v = check_p("lower(roc_auc.macro) >= 0.83");
    assert_eq!((v.status, v.value), (Status::Fail, Some(0.82)), "{v:?}");
    let v = check_p("upper(log_loss) <= 0.6");
    assert_eq!((v.status, v.value), (Status::Pass, Some(0.58)));
    assert!(
        v.why.contains("log_loss (point 0.52) (lower is better)"),
        "{}",
        v.why
    );
    // The optimistic end of a lower-is-better metric is named as such.
    let v = check_p("lower(log_loss) <= 0.5");
    assert_eq!(v.status, Status::Pass);
    assert!(
        v.why.contains("upper(log_loss) is the conservative test"),
        "{}",
        v.why
    );
    // An undefined value is an error, never a pass or a silent 0.
    let v = check_p("roc_auc.per_class.neutral >= 0.5");
    assert_eq!(v.status, Status::Error);
    assert!(v.why.contains("is null"), "{}", v.why);
    let v = check_p("lower(roc_auc.weighted) >= 0.5");
    assert_eq!(v.status, Status::Error);
    assert_eq!(
        interval_path("ece.equal_mass").as_deref(),
        Some("probability.ece.equal_mass")
    );
    assert_eq!(interval_path("ece.bins"), None);
}
