//! Finding the number a dotted path names in report.json.

use serde_json::Value;

use super::rule::{Bound, Rule};

/// Resolves a dotted path for one model: in `metrics`, else in `metrics.probability` (so that
/// `roc_auc.macro` names `probability.roc_auc.macro`), else in the model, else in the report
/// root.
pub fn resolve_model_path(report: &Value, model: &Value, path: &str) -> Result<f64, String> {
    let first = path.split('.').next().unwrap_or("");
    let scopes = [
        ("the model's metrics", model.get("metrics")),
        (
            "the model's probability metrics",
            model.pointer("/metrics/probability"),
        ),
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
/// Arrays are indexed by a number or by the `partition`, `name` or `condition` of an element; an
/// object with a `diffs` array accepts a diff's metric as a segment (`vs_clean.accuracy.low`,
/// `macro_f1` for `macro.f1`); an object with a `device` field accepts its device as a
/// qualifying segment (`latency.cpu.p95_ms`).
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
                } else if let Some(d) = diff_named(o, seg) {
                    // A paired comparison names its diffs by metric: `vs_clean.accuracy.low`.
                    cur = d;
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
                            || key(v, "condition").as_deref() == Some(seg)
                    })
                    .or_else(|| seg.parse::<usize>().ok().and_then(|i| a.get(i)));
                match found {
                    Some(v) => cur = v,
                    None => {
                        let names: Vec<String> = a
                            .iter()
                            .filter_map(|v| {
                                key(v, "partition")
                                    .or_else(|| key(v, "name"))
                                    .or_else(|| key(v, "condition"))
                            })
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

/// The element of an object's `diffs` array whose `metric` is `seg` (`macro_f1` names
/// `macro.f1`).
fn diff_named<'a>(o: &'a serde_json::Map<String, Value>, seg: &str) -> Option<&'a Value> {
    let want = if seg == "macro_f1" { "macro.f1" } else { seg };
    o.get("diffs")?
        .as_array()?
        .iter()
        .find(|d| d.get("metric").and_then(Value::as_str) == Some(want))
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
        ["probability", rest @ ..] => probability_interval_path(rest),
        rest => probability_interval_path(rest),
    }
}

fn probability_interval_path(segs: &[&str]) -> Option<String> {
    let ok = matches!(
        segs,
        ["roc_auc", "macro" | "weighted"]
            | ["roc_auc", "per_class", _]
            | ["average_precision", "macro"]
            | ["average_precision", "per_class", _]
            | ["log_loss"]
            | ["brier"]
            | ["ece", "equal_width" | "equal_mass"]
    );
    ok.then(|| format!("probability.{}", segs.join(".")))
}

pub(super) fn resolve_interval(model: &Value, rule: &Rule) -> Result<f64, String> {
    let Some(ip) = interval_path(&rule.path) else {
        return Err(format!(
            "report.json has no confidence interval for \"{}\"; intervals exist for accuracy, \
             balanced_accuracy, macro.f1, per_class.<label>.precision|recall|f1 and, for models \
             with probabilities, roc_auc.macro|weighted, roc_auc.per_class.<label>, \
             average_precision.macro, average_precision.per_class.<label>, log_loss, brier and \
             ece.equal_width|equal_mass",
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
