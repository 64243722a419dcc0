//! Gate files (TOML, format-version 1): threshold rules, non-inferiority and McNemar
//! comparisons against a baseline. Unknown keys are errors with line and column, so a typo never
//! turns a gate off. See docs/gates.md for the syntax.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use tonebench_core::gate::{ModelSelector, Rule};

use super::config::{from_toml, line_col};
use crate::error::{ErrorKind, HasKind};

/// Format version of gate files.
pub const GATES_FORMAT_VERSION: u32 = 1;

/// A gate file as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GateFile {
    #[schemars(with = "u32")]
    pub format_version: Spanned<u32>,
    /// Models the rules apply to; every model in the report when absent.
    #[serde(default)]
    pub models: Option<Vec<String>>,
    /// Baseline the comparisons use when `--baseline` is not given.
    #[serde(default)]
    pub baseline: Option<String>,
    #[serde(default)]
    pub gate: Vec<GateEntry>,
    #[serde(default)]
    pub non_inferiority: Vec<NonInferiorityEntry>,
    #[serde(default)]
    pub mcnemar: Vec<McNemarEntry>,
}

/// `[[gate]]`: a threshold rule.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GateEntry {
    #[schemars(with = "String")]
    pub rule: Spanned<String>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

/// `[[non-inferiority]]`: paired bootstrap of (candidate − baseline) on one metric.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NonInferiorityEntry {
    #[schemars(with = "String")]
    pub metric: Spanned<String>,
    #[schemars(with = "f64")]
    pub delta: Spanned<f64>,
    #[serde(default = "default_confidence")]
    #[schemars(with = "f64")]
    pub confidence: Spanned<f64>,
    #[serde(default = "default_resamples")]
    pub resamples: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// `PARTITION=VALUE`: only the items of that cohort (see [`CohortSel`]).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cohort: Option<Spanned<String>>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

/// `[[mcnemar]]`: McNemar's exact test of correctness, over all items or one true class.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct McNemarEntry {
    #[serde(default = "default_alpha")]
    #[schemars(with = "f64")]
    pub alpha: Spanned<f64>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub class: Option<Spanned<String>>,
    /// `PARTITION=VALUE`: only the items of that cohort (see [`CohortSel`]).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cohort: Option<Spanned<String>>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

fn default_confidence() -> Spanned<f64> {
    Spanned::new(0..0, 0.95)
}
fn default_resamples() -> u32 {
    2000
}
fn default_seed() -> u64 {
    7
}
fn default_alpha() -> Spanned<f64> {
    Spanned::new(0..0, 0.05)
}

/// Why a gate file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GateFileError {
    #[error("gate file {file}: cannot read")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} line {line} column {column}: {message}")]
    At {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Whole { file: String, message: String },
}

impl HasKind for GateFileError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Reads and checks a gate file.
pub fn read_gates(path: &Path) -> Result<Gates, GateFileError> {
    let name = path.display().to_string();
    let text = crate::open::read_to_string(path).map_err(|source| GateFileError::Io {
        file: name.clone(),
        source,
    })?;
    parse_gates(&name, &text)
}

/// A comparison's `cohort = "PARTITION=VALUE"`: the items whose `PARTITION` (`speaker`, a suite
/// metadata column, or an embedding partition of the run) is `VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortSel {
    pub partition: String,
    pub value: String,
    /// `FILE line L column C` of the key's value, for messages.
    pub at: String,
}

impl CohortSel {
    /// `PARTITION=VALUE` as written.
    pub fn text(&self) -> String {
        format!("{}={}", self.partition, self.value)
    }
}

/// A checked gate file: rules parsed, numbers in range.
#[derive(Debug, Clone)]
pub struct Gates {
    pub file: GateFile,
    pub rules: Vec<(Rule, ModelSelector)>,
    /// The `cohort` of each `[[non-inferiority]]` entry, in order.
    pub non_inferiority_cohorts: Vec<Option<CohortSel>>,
    /// The `cohort` of each `[[mcnemar]]` entry, in order.
    pub mcnemar_cohorts: Vec<Option<CohortSel>>,
}

/// Parses and checks a gate file; `name` is used in messages.
pub fn parse_gates(name: &str, text: &str) -> Result<Gates, GateFileError> {
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        GateFileError::At {
            file: name.into(),
            line,
            column,
            message,
        }
    };
    let file: GateFile = from_toml(text).map_err(|p| match p.at {
        Some((line, column)) => GateFileError::At {
            file: name.into(),
            line,
            column,
            message: p.message,
        },
        None => GateFileError::Whole {
            file: name.into(),
            message: p.message,
        },
    })?;
    if *file.format_version.get_ref() != GATES_FORMAT_VERSION {
        return Err(at(
            file.format_version.span(),
            format!(
                "format-version {} is not supported (this tonebench reads {GATES_FORMAT_VERSION})",
                file.format_version.get_ref()
            ),
        ));
    }
    let selector = |m: &Option<Vec<String>>| match m.as_ref().or(file.models.as_ref()) {
        Some(names) => ModelSelector::Named(names.clone()),
        None => ModelSelector::All,
    };
    let mut rules = Vec::new();
    for g in &file.gate {
        let rule = Rule::parse(g.rule.get_ref()).map_err(|e| at(g.rule.span(), e.to_string()))?;
        rules.push((rule, selector(&g.models)));
    }
    for n in &file.non_inferiority {
        let d = *n.delta.get_ref();
        if !(d.is_finite() && d >= 0.0) {
            return Err(at(
                n.delta.span(),
                format!("delta {d} must be a number >= 0"),
            ));
        }
        let c = *n.confidence.get_ref();
        if !(0.5..1.0).contains(&c) {
            return Err(at(
                n.confidence.span(),
                format!("confidence {c} must be in [0.5, 1)"),
            ));
        }
        if n.resamples == 0 {
            return Err(at(n.metric.span(), "resamples must be at least 1".into()));
        }
        tonebench_core::limits::at_most(
            "resamples",
            u64::from(n.resamples),
            tonebench_core::limits::RESAMPLES,
        )
        .map_err(|e| at(n.metric.span(), e.to_string()))?;
    }
    for m in &file.mcnemar {
        let a = *m.alpha.get_ref();
        if !(a > 0.0 && a < 1.0) {
            return Err(at(m.alpha.span(), format!("alpha {a} must be in (0, 1)")));
        }
    }
    if file.gate.is_empty() && file.non_inferiority.is_empty() && file.mcnemar.is_empty() {
        return Err(GateFileError::Whole {
            file: name.into(),
            message: "no [[gate]], [[non-inferiority]] or [[mcnemar]] entries: nothing to check"
                .into(),
        });
    }
    let cohort = |c: &Option<Spanned<String>>| -> Result<Option<CohortSel>, GateFileError> {
        let Some(c) = c else { return Ok(None) };
        let (line, column) = line_col(text, c.span().start);
        match c.get_ref().split_once('=') {
            Some((p, v)) if !p.trim().is_empty() && !v.trim().is_empty() => Ok(Some(CohortSel {
                partition: p.trim().into(),
                value: v.trim().into(),
                at: format!("{name} line {line} column {column}"),
            })),
            _ => Err(at(
                c.span(),
                format!(
                    "cohort \"{}\" is not PARTITION=VALUE (e.g. \"sex=female\")",
                    c.get_ref()
                ),
            )),
        }
    };
    let non_inferiority_cohorts = file
        .non_inferiority
        .iter()
        .map(|n| cohort(&n.cohort))
        .collect::<Result<_, _>>()?;
    let mcnemar_cohorts = file
        .mcnemar
        .iter()
        .map(|m| cohort(&m.cohort))
        .collect::<Result<_, _>>()?;
    Ok(Gates {
        file,
        rules,
        non_inferiority_cohorts,
        mcnemar_cohorts,
    })
}
