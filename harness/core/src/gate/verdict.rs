//! Verdicts: a rule evaluated for the selected models of a report.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::resolve::{resolve_interval, resolve_model_path};
use super::rule::{Bound, Op, Rule};
use crate::direction::Direction;

/// The direction of a probability metric named by a rule (`log_loss`, `ece.equal_mass`, …);
/// `None` for other paths, whose verdicts read as before.
fn probability_direction(path: &str) -> Option<Direction> {
    let p = path.strip_prefix("probability.").unwrap_or(path);
    let first = p.split('.').next().unwrap_or("");
    ["roc_auc", "average_precision", "log_loss", "brier", "ece"]
        .contains(&first)
        .then(|| Direction::of(p))
}

/// Outcome of one rule for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    let direction = probability_direction(&rule.path);
    let label = match direction {
        Some(Direction::LowerIsBetter) => format!("{label} (lower is better)"),
        _ => label,
    };
    let pass = rule.op.holds(value, rule.threshold);
    // The optimistic end of an interval: lower() of a lower-is-better metric tested from above,
    // or upper() of a higher-is-better one tested from below.
    let optimistic = match (direction, rule.bound, rule.op) {
        (Some(Direction::LowerIsBetter), Bound::Lower, Op::Le | Op::Lt) => Some("upper"),
        (Some(Direction::HigherIsBetter), Bound::Upper, Op::Ge | Op::Gt) => Some("lower"),
        _ => None,
    };
    let note = optimistic.map_or(String::new(), |end| {
        format!(
            "; note: this is the optimistic end of the interval, {end}({}) is the conservative test",
            rule.path
        )
    });
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
    let why = format!("{why}{note}");
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
