//! `tonebench gate`: reads a gate file and a run's report.json, evaluates every rule (and the
//! comparisons against a baseline), prints one line per verdict and writes JUnit XML and Markdown.
//!
//! The gate file is TOML; unknown keys are errors with line and column, so a typo never turns a
//! gate off. See docs/gates.md for the syntax.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use serde::Deserialize;
use toml::Spanned;
use tonebench_core::gate::{self, fmt_num, ModelSelector, Rule, Status, Verdict};
use tonebench_core::paired::{self, Finding, ItemPred, NonInferiorityConfig, PairedMetric};

use crate::baseline::{self, LoadedReport};
use crate::exit;

/// Format version of gate files.
pub const GATES_FORMAT_VERSION: u32 = 1;

/// A gate file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GateFile {
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GateEntry {
    pub rule: Spanned<String>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

/// `[[non-inferiority]]`: paired bootstrap of (candidate − baseline) on one metric.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NonInferiorityEntry {
    pub metric: Spanned<String>,
    pub delta: Spanned<f64>,
    #[serde(default = "default_confidence")]
    pub confidence: Spanned<f64>,
    #[serde(default = "default_resamples")]
    pub resamples: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// `PARTITION=VALUE`: only the items of that cohort (see [`CohortSel`]).
    #[serde(default)]
    pub cohort: Option<Spanned<String>>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

/// `[[mcnemar]]`: McNemar's exact test of correctness, over all items or one true class.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct McNemarEntry {
    #[serde(default = "default_alpha")]
    pub alpha: Spanned<f64>,
    #[serde(default)]
    pub class: Option<Spanned<String>>,
    /// `PARTITION=VALUE`: only the items of that cohort (see [`CohortSel`]).
    #[serde(default)]
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

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, column)
}

/// A comparison's `cohort = "PARTITION=VALUE"`: the items whose `PARTITION` column of the
/// candidate's predictions.parquet (`speaker`, or `meta_<PARTITION>` for a suite metadata column)
/// holds `VALUE`.
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

    /// The predictions.parquet column holding the partition.
    pub fn column(&self) -> String {
        if self.partition == "speaker" {
            "speaker".into()
        } else {
            format!("{}{}", crate::output::META_PREFIX, self.partition)
        }
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
    let file: GateFile = toml::from_str(text).map_err(|e| {
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        match e.span() {
            Some(span) => at(span, message),
            None => GateFileError::Whole {
                file: name.into(),
                message,
            },
        }
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

/// `tonebench gate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GateArgs {
    /// A run folder or its report.json.
    #[arg(long)]
    pub report: PathBuf,
    /// The gate file (TOML).
    #[arg(long)]
    pub gates: PathBuf,
    /// Baseline to compare against (overrides `baseline` in the gate file).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Folder holding the baselines.
    #[arg(long, default_value = "baselines")]
    pub baselines: PathBuf,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// The outcome of a gate run.
#[derive(Debug, Clone)]
pub struct GateRun {
    pub verdicts: Vec<Verdict>,
    pub baseline: Option<String>,
}

impl GateRun {
    /// 0 all pass, 1 a gate failed, 2 a rule could not be evaluated.
    pub fn exit_code(&self) -> i32 {
        if self.verdicts.iter().any(|v| v.status == Status::Error) {
            exit::INVALID_INPUT
        } else if self.verdicts.iter().any(|v| v.status == Status::Fail) {
            exit::GATE_FAILED
        } else {
            exit::SUCCESS
        }
    }

    fn count(&self, s: Status) -> usize {
        self.verdicts.iter().filter(|v| v.status == s).count()
    }
}

/// Runs `tonebench gate`; returns the exit code.
pub fn execute(args: &GateArgs) -> anyhow::Result<i32> {
    let gate_name = args.gates.display().to_string();
    let text = fs::read_to_string(&args.gates).map_err(|source| {
        exit::input(GateFileError::Io {
            file: gate_name.clone(),
            source,
        })
    })?;
    let gates = parse_gates(&gate_name, &text).map_err(exit::input)?;
    let report = LoadedReport::read(&args.report).map_err(exit::input)?;
    let run = run_gates(&gates, &report, args.baseline.as_deref(), &args.baselines)?;
    for v in &run.verdicts {
        println!("{}", terminal_line(v));
    }
    println!(
        "gates: {} passed, {} failed, {} could not be evaluated",
        run.count(Status::Pass),
        run.count(Status::Fail),
        run.count(Status::Error)
    );
    if let Some(path) = &args.junit {
        let xml = junit_xml(&run, &gate_name)?;
        fs::write(path, xml).map_err(|e| exit::input(anyhow!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &args.markdown {
        let md = markdown(&run, &report.path.display().to_string());
        // $GITHUB_STEP_SUMMARY is appended to by every step.
        use std::io::Write;
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(md.as_bytes()))
            .map_err(|e| exit::input(anyhow!("{}: {e}", path.display())))?;
    }
    let code = run.exit_code();
    if code == exit::INVALID_INPUT {
        let first = run.verdicts.iter().find(|v| v.status == Status::Error);
        return Err(exit::input(anyhow!(
            "{gate_name}: {} rule(s) could not be evaluated; first: {}: {}",
            run.count(Status::Error),
            first.map(Verdict::name).unwrap_or_default(),
            first.map(|v| v.why.clone()).unwrap_or_default()
        )));
    }
    Ok(code)
}

/// Evaluates every rule and comparison. Errors are invalid input (a missing baseline, items that
/// differ from the baseline's); a rule that cannot be evaluated is an error verdict.
pub fn run_gates(
    gates: &Gates,
    report: &LoadedReport,
    baseline_name: Option<&str>,
    baselines_root: &Path,
) -> anyhow::Result<GateRun> {
    let mut verdicts = Vec::new();
    for (rule, sel) in &gates.rules {
        verdicts.extend(gate::evaluate(&report.value, rule, sel));
    }
    let f = &gates.file;
    let comparisons = f.non_inferiority.len() + f.mcnemar.len();
    let name = baseline_name
        .map(str::to_string)
        .or_else(|| f.baseline.clone());
    if comparisons == 0 {
        if let Some(n) = baseline_name {
            return Err(exit::input(anyhow!(
                "--baseline {n} was given but the gate file has no [[non-inferiority]] or [[mcnemar]] entries to compare with"
            )));
        }
        return Ok(GateRun {
            verdicts,
            baseline: None,
        });
    }
    let Some(name) = name else {
        return Err(exit::input(anyhow!(
            "the gate file has {comparisons} baseline comparison(s) but names no baseline; pass --baseline NAME or set baseline = \"NAME\""
        )));
    };
    let b = baseline::find(baselines_root, &name, Some(report.suite())).map_err(exit::input)?;
    let b_report = b.report().map_err(exit::input)?;
    let b_preds = b.predictions().map_err(exit::input)?;
    let c_preds_path = report.dir().join("predictions.parquet");
    let c_preds = baseline::read_predictions(&c_preds_path).map_err(exit::input)?;
    let labels = report.labels();
    if labels != b_report.labels() {
        return Err(exit::input(anyhow!(
            "the report's labels ({}) differ from baseline {name}'s ({})",
            labels.join(", "),
            b_report.labels().join(", ")
        )));
    }
    let candidates = report.model_names();
    let select = |m: &Option<Vec<String>>| -> Vec<String> {
        m.clone()
            .or_else(|| f.models.clone())
            .unwrap_or_else(|| candidates.clone())
    };
    // Pairs candidate model `m` with the baseline's model of the same name, or with the
    // baseline's only model.
    let mut cache: Vec<(String, Result<paired::Paired, String>)> = Vec::new();
    let mut paired_for = |m: &str| -> anyhow::Result<Result<paired::Paired, String>> {
        if let Some((_, p)) = cache.iter().find(|(n, _)| n == m) {
            return Ok(p.clone());
        }
        let p = (|| {
            let Some(c) = c_preds.get(m) else {
                return Ok(Err(format!(
                    "{} has no predictions for model \"{m}\" (it has {})",
                    c_preds_path.display(),
                    c_preds.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            };
            let base = b_preds.get(m).or(if b_preds.len() == 1 {
                b_preds.values().next()
            } else {
                None
            });
            let Some(base) = base else {
                return Ok(Err(format!(
                    "baseline {name} has no model \"{m}\" (it has {})",
                    b_preds.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            };
            paired::pair(&labels, c, base)
                .map(Ok)
                .map_err(|e| exit::input(anyhow!("model {m} vs baseline {name}: {e}")))
        })()?;
        cache.push((m.to_string(), p.clone()));
        Ok(p)
    };
    // The item ids of each cohort, read from the candidate's predictions.parquet.
    let mut members_cache: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut members = |sel: &CohortSel| -> anyhow::Result<BTreeSet<String>> {
        let key = sel.text();
        if let Some((_, m)) = members_cache.iter().find(|(k, _)| *k == key) {
            return Ok(m.clone());
        }
        let column = sel.column();
        let values = match baseline::read_cohort_column(&c_preds_path, &column)
            .map_err(exit::input)?
        {
            Some(v) => Some(v),
            // Not a metadata column: an embedding partition of the run's cohorts.csv.
            None => embedding_cohort_values(&c_preds_path, &sel.partition)?,
        }
        .ok_or_else(|| {
                exit::input(anyhow!(
                    "{}: cohort \"{key}\": {} has no column \"{column}\" and cohorts.csv beside it no partition \"{}\" (cohorts are speaker, a suite metadata column, or an embedding partition of the run)",
                    sel.at,
                    c_preds_path.display(),
                    sel.partition
                ))
            })?;
        let set: BTreeSet<String> = values
            .iter()
            .filter(|(_, v)| v.as_deref() == Some(sel.value.as_str()))
            .map(|(id, _)| id.clone())
            .collect();
        if set.is_empty() {
            let known: BTreeSet<&str> = values.values().filter_map(|v| v.as_deref()).collect();
            let mut shown: Vec<String> =
                known.iter().take(10).map(|v| format!("\"{v}\"")).collect();
            if known.len() > 10 {
                shown.push(format!("and {} more", known.len() - 10));
            }
            return Err(exit::input(anyhow!(
                "{}: cohort \"{key}\": no item has {} \"{}\" (values: {})",
                sel.at,
                sel.partition,
                sel.value,
                if shown.is_empty() {
                    "none".to_string()
                } else {
                    shown.join(", ")
                }
            )));
        }
        members_cache.push((key, set.clone()));
        Ok(set)
    };
    // Restricts a pairing to a cohort: the full pairing is checked first (same items, same
    // labels), then both sides are filtered to the cohort's ids and paired again.
    let mut restrict = |m: &str,
                        full: paired::Paired,
                        sel: Option<&CohortSel>|
     -> anyhow::Result<paired::Paired> {
        let Some(sel) = sel else { return Ok(full) };
        let ids = members(sel)?;
        let keep = |v: &[ItemPred]| -> Vec<ItemPred> {
            v.iter().filter(|i| ids.contains(&i.id)).cloned().collect()
        };
        let c = keep(&c_preds[m]);
        let base = b_preds.get(m).unwrap_or_else(|| &b_preds[0]);
        paired::pair(&labels, &c, &keep(base)).map_err(|e| {
            exit::input(anyhow!(
                "model {m} vs baseline {name}, cohort {}: {e}",
                sel.text()
            ))
        })
    };
    let on_cohort =
        |sel: Option<&CohortSel>| sel.map_or(String::new(), |c| format!(" on cohort {}", c.text()));
    for (n, sel) in f.non_inferiority.iter().zip(&gates.non_inferiority_cohorts) {
        let sel = sel.as_ref();
        let metric_path = n.metric.get_ref();
        let delta = *n.delta.get_ref();
        let conf = *n.confidence.get_ref();
        let rule = format!(
            "{metric_path}{} non-inferior to baseline {name} (delta {})",
            on_cohort(sel),
            fmt_num(delta)
        );
        let bound = format!("lower bound > {}", fmt_num(-delta));
        for m in select(&n.models) {
            let err = |why: String| {
                Verdict::unevaluated(rule.clone(), Some(m.clone()), bound.clone(), why)
            };
            let p = match paired_for(&m)? {
                Ok(p) => restrict(&m, p, sel)?,
                Err(why) => {
                    verdicts.push(err(why));
                    continue;
                }
            };
            let metric = match PairedMetric::parse(metric_path, &labels) {
                Ok(x) => x,
                Err(why) => {
                    verdicts.push(err(why));
                    continue;
                }
            };
            let cfg = NonInferiorityConfig {
                delta,
                confidence: conf,
                resamples: n.resamples,
                seed: n.seed,
            };
            let r = paired::non_inferiority(&p, metric, &cfg);
            verdicts.push(Verdict {
                rule: rule.clone(),
                model: Some(m.clone()),
                status: if r.finding == Finding::NonInferior {
                    Status::Pass
                } else {
                    Status::Fail
                },
                value: Some(r.low),
                bound: bound.clone(),
                why: non_inferiority_why(
                    &format!("{metric_path}{}", on_cohort(sel)),
                    &r,
                    delta,
                    conf,
                    n.resamples,
                ),
            });
        }
    }
    for (mc, sel) in f.mcnemar.iter().zip(&gates.mcnemar_cohorts) {
        let sel = sel.as_ref();
        let alpha = *mc.alpha.get_ref();
        let class = mc.class.as_ref().map(|c| c.get_ref().clone());
        let scope = class
            .as_deref()
            .map_or("accuracy".to_string(), |c| format!("per_class.{c}.recall"));
        let rule = format!(
            "mcnemar({scope}){} vs baseline {name} (alpha {})",
            on_cohort(sel),
            fmt_num(alpha)
        );
        let bound = format!("no significant loss at alpha {}", fmt_num(alpha));
        for m in select(&mc.models) {
            let err = |why: String| {
                Verdict::unevaluated(rule.clone(), Some(m.clone()), bound.clone(), why)
            };
            let class_idx = match &class {
                None => None,
                Some(c) => match labels.iter().position(|l| l == c) {
                    Some(i) => Some(i),
                    None => {
                        verdicts.push(err(format!(
                            "class \"{c}\" is not one of the suite's labels ({})",
                            labels.join(", ")
                        )));
                        continue;
                    }
                },
            };
            let p = match paired_for(&m)? {
                Ok(p) => restrict(&m, p, sel)?,
                Err(why) => {
                    verdicts.push(err(why));
                    continue;
                }
            };
            let r = paired::mcnemar(&p, class_idx);
            let worse = r.baseline_only > r.candidate_only;
            let significant = r.p_value < alpha;
            let on = match (class.as_deref(), sel) {
                (None, None) => String::new(),
                (Some(c), None) => format!(" among items labelled {c}"),
                (None, Some(k)) => format!(" among items of cohort {}", k.text()),
                (Some(c), Some(k)) => {
                    format!(" among items of cohort {} labelled {c}", k.text())
                }
            };
            let counts = format!(
                "{on} the candidate is right where the baseline is wrong on {} item(s) and wrong where it is right on {}; exact McNemar p = {}",
                r.candidate_only,
                r.baseline_only,
                fmt_p(r.p_value)
            );
            let (status, verdict) = match (significant, worse) {
                (true, true) => (
                    Status::Fail,
                    format!("significant regression (p < {})", fmt_num(alpha)),
                ),
                (true, false) => (
                    Status::Pass,
                    format!("significant improvement (p < {})", fmt_num(alpha)),
                ),
                (false, _) => (
                    Status::Pass,
                    format!("no significant difference (p >= {})", fmt_num(alpha)),
                ),
            };
            verdicts.push(Verdict {
                rule: rule.clone(),
                model: Some(m.clone()),
                status,
                value: Some(r.p_value),
                bound: bound.clone(),
                why: format!("{verdict}:{counts}"),
            });
        }
    }
    Ok(GateRun {
        verdicts,
        baseline: Some(name),
    })
}

fn fmt_p(p: f64) -> String {
    if p > 0.0 && p < 1e-4 {
        format!("{p:.2e}")
    } else {
        fmt_num(p)
    }
}

fn non_inferiority_why(
    metric: &str,
    r: &paired::NonInferiority,
    delta: f64,
    conf: f64,
    resamples: u32,
) -> String {
    let pct = fmt_num(conf * 100.0);
    let head = format!(
        "{metric} candidate {} − baseline {} = {}; paired bootstrap ({resamples} item resamples) {pct}% one-sided lower bound {}",
        fmt_num(r.candidate),
        fmt_num(r.baseline),
        fmt_num(r.diff),
        fmt_num(r.low)
    );
    match r.finding {
        Finding::NonInferior => format!("non-inferior: {head} > −δ = {}", fmt_num(-delta)),
        Finding::Regression => format!(
            "regression: {head}; the whole interval [{}, {}] is below −δ = {}",
            fmt_num(r.low),
            fmt_num(r.high),
            fmt_num(-delta)
        ),
        Finding::Inconclusive => format!(
            "not shown non-inferior: {head} <= −δ = {}; the interval [{}, {}] also reaches above −δ, so no regression is established either",
            fmt_num(-delta),
            fmt_num(r.low),
            fmt_num(r.high)
        ),
    }
}

/// One terminal line per verdict.
pub fn terminal_line(v: &Verdict) -> String {
    let tag = match v.status {
        Status::Pass => "PASS ",
        Status::Fail => "FAIL ",
        Status::Error => "ERROR",
    };
    format!("{tag} {} — {}", v.name(), v.why)
}

/// JUnit XML: one test suite, one test case per verdict.
pub fn junit_xml(run: &GateRun, gate_file: &str) -> anyhow::Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("tonebench gate {gate_file}"));
    for v in &run.verdicts {
        let detail = format!(
            "value {}, bound {}: {}",
            v.value.map(fmt_p).unwrap_or_else(|| "none".into()),
            v.bound,
            v.why
        );
        let status = match v.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail | Status::Error => {
                let kind = if v.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(detail.clone())
                    .set_type(if v.status == Status::Fail {
                        "gate failed"
                    } else {
                        "gate error"
                    });
                s
            }
        };
        let mut case = TestCase::new(v.name(), status);
        case.set_classname(format!(
            "tonebench.gate.{}",
            v.model.as_deref().unwrap_or("report")
        ));
        if v.status == Status::Pass {
            case.set_system_out(detail);
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("tonebench gate");
    report.add_test_suite(suite);
    report
        .to_string()
        .map_err(|e| exit::runtime(anyhow!("writing JUnit XML: {e}")))
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(run: &GateRun, report_path: &str) -> String {
    let (pass, fail, err) = (
        run.count(Status::Pass),
        run.count(Status::Fail),
        run.count(Status::Error),
    );
    let head = match run.exit_code() {
        0 => "✅ all gates passed".to_string(),
        1 => format!("❌ {fail} of {} gates failed", run.verdicts.len()),
        _ => format!(
            "⚠️ {err} of {} gates could not be evaluated",
            run.verdicts.len()
        ),
    };
    let mut s = format!("## tonebench gate: {head}\n\n");
    s.push_str(&format!("Report: `{}`", md_cell(report_path)));
    if let Some(b) = &run.baseline {
        s.push_str(&format!(" · baseline: `{}`", md_cell(b)));
    }
    s.push_str(&format!(
        " · {pass} passed, {fail} failed, {err} errors\n\n"
    ));
    s.push_str("| verdict | model | rule | value | bound | why |\n|---|---|---|---|---|---|\n");
    for v in &run.verdicts {
        let tag = match v.status {
            Status::Pass => "✅ pass",
            Status::Fail => "❌ fail",
            Status::Error => "⚠️ error",
        };
        s.push_str(&format!(
            "| {tag} | {} | `{}` | {} | {} | {} |\n",
            md_cell(v.model.as_deref().unwrap_or("")),
            md_cell(&v.rule),
            v.value.map(fmt_p).unwrap_or_else(|| "—".into()),
            md_cell(&v.bound),
            md_cell(&v.why)
        ));
    }
    s.push('\n');
    s
}

/// Item id → cohort of an embedding partition, from the run's cohorts.csv (partition, cohort,
/// speaker) and the speaker column of its predictions.parquet; `None` when the run has no such
/// partition.
fn embedding_cohort_values(
    preds_path: &std::path::Path,
    partition: &str,
) -> anyhow::Result<Option<std::collections::BTreeMap<String, Option<String>>>> {
    let Some(dir) = preds_path.parent() else {
        return Ok(None);
    };
    let csv = dir.join("cohorts.csv");
    if !csv.is_file() {
        return Ok(None);
    }
    let t = crate::table::Table::read(&csv).map_err(exit::input)?;
    let (parts, cohorts, speakers) = (
        t.strings("partition").map_err(exit::input)?,
        t.strings("cohort").map_err(exit::input)?,
        t.strings("speaker").map_err(exit::input)?,
    );
    let of_speaker: std::collections::BTreeMap<String, String> = parts
        .into_iter()
        .zip(cohorts)
        .zip(speakers)
        .filter_map(|((p, c), s)| (p.as_deref() == Some(partition)).then_some((s?, c?)))
        .collect();
    if of_speaker.is_empty() {
        return Ok(None);
    }
    let Some(item_speaker) =
        baseline::read_cohort_column(preds_path, "speaker").map_err(exit::input)?
    else {
        return Ok(None);
    };
    Ok(Some(
        item_speaker
            .into_iter()
            .map(|(id, s)| {
                let c = s.and_then(|s| of_speaker.get(&s).cloned());
                (id, c)
            })
            .collect(),
    ))
}
