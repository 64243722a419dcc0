//! The rule language: `[lower(|upper(]PATH[)] OP NUMBER`, parsed into a [`Rule`].

use serde::{Deserialize, Serialize};

/// Which end of a value a rule tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
