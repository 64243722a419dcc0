//! Release gate rules: a small rule language over any number in report.json, and its verdicts.
//!
//! A rule is `[lower(|upper(]PATH[)] OP NUMBER` with `OP` one of `>=`, `>`, `<=`, `<`:
//!
//! ```text
//! macro.f1 >= 0.70
//! lower(macro.f1) >= 0.70            # the lower end of the bootstrap interval
//! per_class.negative.recall >= 0.60
//! cohorts.sex.gap_abs <= 0.05        # arrays are indexed by `partition`/`name` or a number
//! latency.p95_ms <= 40               # also `latency.cpu.p95_ms`: the device must be cpu
//! suite.items >= 1000                # run-level values resolve in the report root
//! ```
//!
//! A path resolves, per model, in the first scope whose keys contain its first segment:
//! `models[i].metrics`, then `models[i]`, then the report root. A path that resolves nowhere,
//! ends on a null or on something that is not a number is an [`Status::Error`] verdict — a gate
//! is never silently skipped.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which end of a value a rule tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// The point estimate.
    Point,
    /// The lower end of the bootstrap interval in `metrics.intervals`.
    Lower,
    /// The upper end of the bootstrap interval.
    Upper,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
        }
    }

    /// Whether `value OP bound` holds. NaN never passes.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Op::Ge => value >= bound,
            Op::Gt => value > bound,
            Op::Le => value <= bound,
            Op::Lt => value < bound,
        }
    }
}

/// A parsed threshold rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule as written (trimmed).
    pub text: String,
    pub bound: Bound,
    /// Dotted path, e.g. `per_class.negative.recall`.
    pub path: String,
    pub op: Op,
    pub threshold: f64,
}

/// Why a rule does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("rule \"{0}\" has no comparison; write PATH >= NUMBER (or >, <=, <)")]
    NoOperator(String),
    #[error("rule \"{rule}\": \"{found}\" is not a number")]
    BadNumber { rule: String, found: String },
    #[error(
        "rule \"{rule}\": \"{path}\" is not a dotted path of names (letters, digits, _ and -)"
    )]
    BadPath { rule: String, path: String },
    #[error("rule \"{rule}\": unknown function \"{func}\"; use lower(PATH) or upper(PATH)")]
    UnknownFunction { rule: String, func: String },
}

impl Rule {
    /// Parses `[lower(|upper(]PATH[)] OP NUMBER`.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        let text = text.trim();
        let (at, op, width) =
            find_operator(text).ok_or_else(|| RuleError::NoOperator(text.into()))?;
        let lhs = text[..at].trim();
        let rhs = text[at + width..].trim();
        let threshold: f64 = rhs
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| RuleError::BadNumber {
                rule: text.into(),
                found: rhs.into(),
            })?;
        let (bound, path) = match lhs.find('(') {
            Some(open) if lhs.ends_with(')') => {
                let func = lhs[..open].trim();
                let inner = lhs[open + 1..lhs.len() - 1].trim();
                let bound = match func {
                    "lower" => Bound::Lower,
                    "upper" => Bound::Upper,
                    _ => {
                        return Err(RuleError::UnknownFunction {
                            rule: text.into(),
                            func: func.into(),
                        })
                    }
                };
                (bound, inner)
            }
            _ => (Bound::Point, lhs),
        };
        let ok_segment = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        };
        if !path.split('.').all(ok_segment) {
            return Err(RuleError::BadPath {
                rule: text.into(),
                path: path.into(),
            });
        }
        Ok(Rule {
            text: text.into(),
            bound,
            path: path.into(),
            op,
            threshold,
        })
    }
}

fn find_operator(s: &str) -> Option<(usize, Op, usize)> {
    let at = s.find(['<', '>'])?;
    let bytes = s.as_bytes();
    let eq = bytes.get(at + 1) == Some(&b'=');
    let op = match (bytes[at], eq) {
        (b'>', true) => Op::Ge,
        (b'>', false) => Op::Gt,
        (b'<', true) => Op::Le,
        _ => Op::Lt,
    };
    Some((at, op, if eq { 2 } else { 1 }))
}

/// Outcome of one rule for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// The rule could not be evaluated (a path that does not exist, a null value, no baseline
    /// data); the gate run as a whole is invalid input.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// The verdict of one rule for one model: what was measured, against what, and why it passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The rule as written, or a description of a baseline comparison.
    pub rule: String,
    /// The model it was evaluated for, when the rule is per model.
    pub model: Option<String>,
    pub status: Status,
    /// The measured value (for `lower(..)` the lower bound; for comparisons the statistic tested).
    pub value: Option<f64>,
    /// The operator and threshold, e.g. `>= 0.7`.
    pub bound: String,
    /// A sentence a human can act on.
    pub why: String,
}

impl Verdict {
    /// A short name for JUnit test cases: `model: rule`.
    pub fn name(&self) -> String {
        match &self.model {
            Some(m) => format!("{m}: {}", self.rule),
            None => self.rule.clone(),
        }
    }

    /// A rule that could not be evaluated: no value, and why.
    pub fn unevaluated(rule: String, model: Option<String>, bound: String, why: String) -> Verdict {
        Verdict {
            rule,
            model,
            status: Status::Error,
            value: None,
            bound,
            why,
        }
    }

    fn error(rule: &Rule, model: Option<&str>, why: String) -> Verdict {
        Verdict::unevaluated(
            rule.text.clone(),
            model.map(str::to_string),
            format!("{} {}", rule.op.as_str(), rule.threshold),
            why,
        )
    }
}

/// Which models of a report a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ModelSelector {
    /// Every model in the report.
    #[default]
    All,
    /// These models, by name; a name that is not in the report is an error verdict.
    Named(Vec<String>),
}

/// Evaluates a rule for every selected model of `report` (report.json as a JSON value).
pub fn evaluate(report: &Value, rule: &Rule, models: &ModelSelector) -> Vec<Verdict> {
    let all: Vec<&Value> = report
        .get("models")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let name_of = |m: &Value| {
        m.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let chosen: Vec<(String, Option<&Value>)> = match models {
        ModelSelector::All => all.iter().map(|m| (name_of(m), Some(*m))).collect(),
        ModelSelector::Named(names) => names
            .iter()
            .map(|n| (n.clone(), all.iter().copied().find(|m| name_of(m) == *n)))
            .collect(),
    };
    if chosen.is_empty() {
        return vec![Verdict::error(
            rule,
            None,
            "the report has no models".into(),
        )];
    }
    chosen
        .into_iter()
        .map(|(name, model)| match model {
            None => Verdict::error(
                rule,
                Some(&name),
                format!(
                    "no model named \"{name}\" in the report (models: {})",
                    all.iter()
                        .map(|m| name_of(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Some(model) => evaluate_model(report, model, rule, &name),
        })
        .collect()
}

fn evaluate_model(report: &Value, model: &Value, rule: &Rule, name: &str) -> Verdict {
    let measured = match rule.bound {
        Bound::Point => resolve_model_path(report, model, &rule.path),
        Bound::Lower | Bound::Upper => resolve_interval(model, rule),
    };
    let value = match measured {
        Ok(v) => v,
        Err(why) => return Verdict::error(rule, Some(name), why),
    };
    let label = match rule.bound {
        Bound::Point => rule.path.clone(),
        Bound::Lower | Bound::Upper => {
            let conf = report
                .pointer("/bootstrap/confidence")
                .and_then(Value::as_f64)
                .map(|c| format!("{}% ", fmt_num(c * 100.0)))
                .unwrap_or_default();
            let end = if rule.bound == Bound::Lower {
                "lower"
            } else {
                "upper"
            };
            let point = resolve_model_path(report, model, &rule.path)
                .map(|p| format!(" (point {})", fmt_num(p)))
                .unwrap_or_default();
            format!("{end} {conf}bound of {}{point}", rule.path)
        }
    };
    let pass = rule.op.holds(value, rule.threshold);
    let why = if pass {
        format!(
            "{label} is {} {} {}",
            fmt_num(value),
            rule.op.as_str(),
            fmt_num(rule.threshold)
        )
    } else {
        format!(
            "{label} is {}, needs {} {} (off by {})",
            fmt_num(value),
            rule.op.as_str(),
            fmt_num(rule.threshold),
            fmt_num((value - rule.threshold).abs())
        )
    };
    Verdict {
        rule: rule.text.clone(),
        model: Some(name.to_string()),
        status: if pass { Status::Pass } else { Status::Fail },
        value: Some(value),
        bound: format!("{} {}", rule.op.as_str(), rule.threshold),
        why,
    }
}

/// Formats a number with at most 4 decimals, without trailing zeros.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Resolves a dotted path for one model: in `metrics`, else in the model, else in the report root.
pub fn resolve_model_path(report: &Value, model: &Value, path: &str) -> Result<f64, String> {
    let first = path.split('.').next().unwrap_or("");
    let scopes = [
        ("the model's metrics", model.get("metrics")),
        ("the model", Some(model)),
        ("the report", Some(report)),
    ];
    for (_, scope) in &scopes {
        if let Some(scope) = scope {
            if scope.get(first).is_some() {
                return resolve(scope, path);
            }
        }
    }
    let mut known: Vec<String> = Vec::new();
    for (what, scope) in &scopes {
        if let Some(Value::Object(o)) = scope {
            known.push(format!(
                "{what} has {}",
                o.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Err(format!(
        "no \"{first}\" in report.json ({})",
        known.join("; ")
    ))
}

/// Resolves a dotted path inside `root` to a number.
///
/// Arrays are indexed by a number or by the `partition` or `name` of an element; an object with a
/// `device` field accepts its device as a qualifying segment (`latency.cpu.p95_ms`).
pub fn resolve(root: &Value, path: &str) -> Result<f64, String> {
    let mut cur = root;
    let mut walked: Vec<&str> = Vec::new();
    for seg in path.split('.') {
        let here = if walked.is_empty() {
            "the top level".to_string()
        } else {
            format!("\"{}\"", walked.join("."))
        };
        match cur {
            Value::Object(o) => {
                if let Some(v) = o.get(seg) {
                    cur = v;
                } else if o.get("device").and_then(Value::as_str) == Some(seg) {
                    // A device qualifier: stay on this object.
                } else {
                    let mut why = format!(
                        "\"{path}\" does not exist: {here} has no \"{seg}\" (it has {})",
                        o.keys().cloned().collect::<Vec<_>>().join(", ")
                    );
                    if let Some(d) = o.get("device").and_then(Value::as_str) {
                        why.push_str(&format!("; it was measured on device {d}"));
                    }
                    return Err(why);
                }
            }
            Value::Array(a) => {
                let key = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
                let found = a
                    .iter()
                    .find(|v| {
                        key(v, "partition").as_deref() == Some(seg)
                            || key(v, "name").as_deref() == Some(seg)
                    })
                    .or_else(|| seg.parse::<usize>().ok().and_then(|i| a.get(i)));
                match found {
                    Some(v) => cur = v,
                    None => {
                        let names: Vec<String> = a
                            .iter()
                            .filter_map(|v| key(v, "partition").or_else(|| key(v, "name")))
                            .collect();
                        let has = if names.is_empty() {
                            format!("{} entries", a.len())
                        } else {
                            names.join(", ")
                        };
                        return Err(format!(
                            "\"{path}\" does not exist: {here} has no \"{seg}\" (it has {has})"
                        ));
                    }
                }
            }
            Value::Null => return Err(format!("\"{path}\" does not exist: {here} is null")),
            _ => {
                return Err(format!(
                    "\"{path}\" does not exist: {here} is not an object"
                ))
            }
        }
        walked.push(seg);
    }
    match cur {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("\"{path}\" is not a finite number")),
        Value::Null => Err(format!(
            "\"{path}\" is null in report.json: it was not measured for this run"
        )),
        Value::Object(_) | Value::Array(_) => Err(format!(
            "\"{path}\" is a table, not a number; name one of its fields"
        )),
        other => Err(format!("\"{path}\" is {other}, not a number")),
    }
}

/// Where the interval of a metric lives under `metrics.intervals`, if report.json has one.
pub fn interval_path(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('.').collect();
    match segs.as_slice() {
        ["accuracy"] => Some("accuracy".into()),
        ["balanced_accuracy"] => Some("balanced_accuracy".into()),
        ["macro", "f1"] | ["macro_f1"] => Some("macro_f1".into()),
        ["per_class", label, m @ ("precision" | "recall" | "f1")] => {
            Some(format!("per_class.{label}.{m}"))
        }
        _ => None,
    }
}

fn resolve_interval(model: &Value, rule: &Rule) -> Result<f64, String> {
    let Some(ip) = interval_path(&rule.path) else {
        return Err(format!(
            "report.json has no confidence interval for \"{}\"; intervals exist for accuracy, \
             balanced_accuracy, macro.f1 and per_class.<label>.precision|recall|f1",
            rule.path
        ));
    };
    let intervals = model.pointer("/metrics/intervals");
    match intervals {
        None | Some(Value::Null) => {
            return Err(format!(
                "{} needs bootstrap intervals, but the run recorded none (it ran with 0 resamples)",
                rule.text
            ))
        }
        Some(_) => {}
    }
    let end = if rule.bound == Bound::Lower {
        "low"
    } else {
        "high"
    };
    resolve(intervals.unwrap_or(&Value::Null), &format!("{ip}.{end}"))
        .map_err(|e| format!("metrics.intervals: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
                "latency": null
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
}
