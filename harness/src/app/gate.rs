//! `gate`: every rule of a gate file evaluated on a run's report, and the comparisons against a
//! baseline, as verdicts. [`load`] reads what the gates need (baseline, predictions, cohort
//! columns); [`run_gates`] decides on those values alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::gate::{self, fmt_num, Status, Verdict};
use tonebench_core::paired::{self, Finding, ItemPred, NonInferiorityConfig, PairedMetric};
pub use tonebench_core::verdicts::{GateRun, Outcome};

use crate::error::{ErrorKind, HasKind};
use crate::input::gate_file::{CohortSel, Gates};
use crate::render::gate::fmt_p;
use crate::store::predictions::{cohort_column, read_cohort_column, read_predictions};
use crate::store::report::LoadedReport;

/// Gate inputs that do not fit together. A rule that cannot be evaluated on its own is an error
/// verdict instead.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("--baseline {0} was given but the gate file has no [[non-inferiority]] or [[mcnemar]] entries to compare with")]
    BaselineUnused(String),
    #[error("the gate file has {0} baseline comparison(s) but names no baseline; pass --baseline NAME or set baseline = \"NAME\"")]
    NoBaseline(usize),
    #[error("the report's labels ({report}) differ from baseline {name}'s ({baseline})")]
    Labels {
        name: String,
        report: String,
        baseline: String,
    },
    #[error("{0}")]
    Pairing(String),
    #[error("{0}")]
    Cohort(String),
    #[error("{file}: {count} rule(s) could not be evaluated; first: {rule}: {why}")]
    Unevaluated {
        file: String,
        count: usize,
        rule: String,
        why: String,
    },
}

impl HasKind for GateError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// What `gate` does.
#[derive(Debug, Clone)]
pub struct GatePlan {
    pub report: PathBuf,
    pub gates: PathBuf,
    /// Overrides the gate file's `baseline`.
    pub baseline: Option<String>,
    /// The folder holding the baselines.
    pub baselines: PathBuf,
}

/// The error that an unevaluated rule makes of a gate run, naming the first one.
pub fn unevaluated(run: &GateRun, gate_file: &str) -> Option<GateError> {
    let first = run.verdicts.iter().find(|v| v.status == Status::Error)?;
    Some(GateError::Unevaluated {
        file: gate_file.to_string(),
        count: run.count(Status::Error),
        rule: first.name(),
        why: first.why.clone(),
    })
}

/// Item id → the item's value of one cohort partition (`None`: the item has none).
pub type CohortValues = BTreeMap<String, Option<String>>;

/// Everything the comparisons against a baseline read.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub baseline: String,
    pub baseline_preds: IndexMap<String, Vec<ItemPred>>,
    /// The candidate's predictions.parquet (named in messages) and its contents.
    pub candidate_path: PathBuf,
    pub candidate_preds: IndexMap<String, Vec<ItemPred>>,
    /// Item id → value of every cohort the gate file names (`PARTITION=VALUE` → values), `None`
    /// where the run has no such partition.
    pub cohorts: Vec<(String, Option<CohortValues>)>,
}

/// The inputs of a gate run.
#[derive(Debug, Clone)]
pub struct GateInputs {
    pub report: LoadedReport,
    /// Present when the gate file compares against a baseline.
    pub comparison: Option<Comparison>,
}

/// Reads the gate file, the report and what the comparisons need; evaluates.
pub fn gate(plan: &GatePlan) -> anyhow::Result<(Gates, GateInputs, GateRun)> {
    let gates = crate::input::gate_file::read_gates(&plan.gates)?;
    let report = LoadedReport::read(&plan.report)?;
    let inputs = load(&gates, report, plan.baseline.as_deref(), &plan.baselines)?;
    let run = run_gates(&gates, &inputs)?;
    Ok((gates, inputs, run))
}

/// Loads the baseline and predictions the gate file's comparisons need.
pub fn load(
    gates: &Gates,
    report: LoadedReport,
    baseline_name: Option<&str>,
    baselines_root: &Path,
) -> anyhow::Result<GateInputs> {
    let f = &gates.file;
    let comparisons = f.non_inferiority.len() + f.mcnemar.len();
    if comparisons == 0 {
        if let Some(n) = baseline_name {
            return Err(GateError::BaselineUnused(n.to_string()).into());
        }
        return Ok(GateInputs {
            report,
            comparison: None,
        });
    }
    let name = baseline_name
        .map(str::to_string)
        .or_else(|| f.baseline.clone())
        .ok_or(GateError::NoBaseline(comparisons))?;
    let b = crate::store::baseline::find(baselines_root, &name, Some(report.suite()))?;
    let b_report = b.report()?;
    let baseline_preds = b.predictions()?;
    let candidate_path = report.predictions_path();
    let candidate_preds = read_predictions(&candidate_path)?;
    let labels = report.labels();
    if labels != b_report.labels() {
        return Err(GateError::Labels {
            name,
            report: labels.join(", "),
            baseline: b_report.labels().join(", "),
        }
        .into());
    }
    let mut cohorts: Vec<(String, Option<CohortValues>)> = Vec::new();
    for sel in gates
        .non_inferiority_cohorts
        .iter()
        .chain(&gates.mcnemar_cohorts)
        .flatten()
    {
        let key = sel.text();
        if cohorts.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let values = match read_cohort_column(&candidate_path, &cohort_column(&sel.partition))? {
            Some(v) => Some(v),
            // Not a metadata column: an embedding partition of the run's cohorts.csv.
            None => crate::store::cohorts::embedding_cohort_values(
                &report.cohorts_csv_path(),
                &candidate_path,
                &sel.partition,
            )?,
        };
        cohorts.push((key, values));
    }
    Ok(GateInputs {
        report,
        comparison: Some(Comparison {
            baseline: name,
            baseline_preds,
            candidate_path,
            candidate_preds,
            cohorts,
        }),
    })
}

/// Evaluates every rule and comparison on loaded inputs. Errors are invalid input (items that
/// differ from the baseline's, a cohort with no items); a rule that cannot be evaluated is an
/// error verdict.
pub fn run_gates(gates: &Gates, inputs: &GateInputs) -> Result<GateRun, GateError> {
    let report = &inputs.report;
    let mut verdicts = Vec::new();
    for (rule, sel) in &gates.rules {
        verdicts.extend(gate::evaluate(&report.value, rule, sel));
    }
    let Some(cmp) = &inputs.comparison else {
        return Ok(GateRun {
            verdicts,
            baseline: None,
        });
    };
    let f = &gates.file;
    let name = cmp.baseline.clone();
    let labels = report.labels();
    let (c_preds, b_preds) = (&cmp.candidate_preds, &cmp.baseline_preds);
    let candidates = report.model_names();
    let select = |m: &Option<Vec<String>>| -> Vec<String> {
        m.clone()
            .or_else(|| f.models.clone())
            .unwrap_or_else(|| candidates.clone())
    };
    // Pairs candidate model `m` with the baseline's model of the same name, or with the
    // baseline's only model.
    let mut cache: Vec<(String, Result<paired::Paired, String>)> = Vec::new();
    let mut paired_for = |m: &str| -> Result<Result<paired::Paired, String>, GateError> {
        if let Some((_, p)) = cache.iter().find(|(n, _)| n == m) {
            return Ok(p.clone());
        }
        let p = (|| {
            let Some(c) = c_preds.get(m) else {
                return Ok(Err(format!(
                    "{} has no predictions for model \"{m}\" (it has {})",
                    cmp.candidate_path.display(),
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
                .map_err(|e| GateError::Pairing(format!("model {m} vs baseline {name}: {e}")))
        })()?;
        cache.push((m.to_string(), p.clone()));
        Ok(p)
    };
    // The item ids of each cohort, read from the candidate's predictions.parquet.
    let mut members_cache: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut members = |sel: &CohortSel| -> Result<BTreeSet<String>, GateError> {
        let key = sel.text();
        if let Some((_, m)) = members_cache.iter().find(|(k, _)| *k == key) {
            return Ok(m.clone());
        }
        let column = cohort_column(&sel.partition);
        let values = cmp
            .cohorts
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_ref())
            .ok_or_else(|| {
                GateError::Cohort(format!(
                    "{}: cohort \"{key}\": {} has no column \"{column}\" and cohorts.csv beside it no partition \"{}\" (cohorts are speaker, a suite metadata column, or an embedding partition of the run)",
                    sel.at,
                    cmp.candidate_path.display(),
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
            return Err(GateError::Cohort(format!(
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
     -> Result<paired::Paired, GateError> {
        let Some(sel) = sel else { return Ok(full) };
        let ids = members(sel)?;
        let keep = |v: &[ItemPred]| -> Vec<ItemPred> {
            v.iter().filter(|i| ids.contains(&i.id)).cloned().collect()
        };
        let c = keep(&c_preds[m]);
        let base = b_preds.get(m).unwrap_or_else(|| &b_preds[0]);
        paired::pair(&labels, &c, &keep(base)).map_err(|e| {
            GateError::Pairing(format!(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::gate_file::parse_gates;

    fn preds(model: &str, rows: &[(&str, &str, &str)]) -> IndexMap<String, Vec<ItemPred>> {
        let items = rows
            .iter()
            .map(|(id, label, pred)| ItemPred {
                id: id.to_string(),
                label: label.to_string(),
                pred: pred.to_string(),
            })
            .collect();
        IndexMap::from([(model.to_string(), items)])
    }

    /// Gates decide on values alone: no report, baseline or predictions file is read.
    #[test]
    fn gates_are_evaluated_on_loaded_values() {
        let gates = parse_gates(
            "g.toml",
            "format-version = 1\nbaseline = \"main\"\n\n[[gate]]\nrule = \"accuracy >= 0.5\"\n\n[[mcnemar]]\ncohort = \"sex=f\"\n",
        )
        .unwrap();
        let report = LoadedReport {
            path: PathBuf::from("run/report.json"),
            value: serde_json::json!({
                "schema_version": 1,
                "suite": {"name": "s", "labels": ["neg", "pos"]},
                "models": [{"name": "m", "metrics": {"accuracy": 0.75}}],
            }),
        };
        let truth = [("a", "neg"), ("b", "pos"), ("c", "neg"), ("d", "pos")];
        let rows = |preds: [&'static str; 4]| -> Vec<(&str, &str, &str)> {
            truth
                .iter()
                .zip(preds)
                .map(|((id, l), p)| (*id, *l, p))
                .collect()
        };
        let sex = CohortValues::from([
            ("a".into(), Some("f".into())),
            ("b".into(), Some("f".into())),
            ("c".into(), Some("m".into())),
            ("d".into(), None),
        ]);
        let inputs = GateInputs {
            report,
            comparison: Some(Comparison {
                baseline: "main".into(),
                baseline_preds: preds("m", &rows(["neg", "pos", "neg", "pos"])),
                candidate_path: PathBuf::from("run/predictions.parquet"),
                candidate_preds: preds("m", &rows(["pos", "neg", "neg", "neg"])),
                cohorts: vec![("sex=f".into(), Some(sex))],
            }),
        };
        let run = run_gates(&gates, &inputs).unwrap();
        assert_eq!(run.verdicts.len(), 2);
        assert_eq!(
            run.verdicts[0].status,
            Status::Pass,
            "{:?}",
            run.verdicts[0]
        );
        // Within cohort sex=f the candidate is wrong on both items the baseline gets right:
        // a loss, but two discordant pairs are far from significant (p = 0.5).
        let m = &run.verdicts[1];
        assert_eq!(m.status, Status::Pass, "{m:?}");
        assert_eq!(m.value, Some(0.5));
        assert!(m.why.contains("wrong where it is right on 2"), "{}", m.why);
        assert_eq!(run.baseline.as_deref(), Some("main"));

        // A cohort the run does not have is an error naming the gate file's line.
        let mut none = inputs.clone();
        if let Some(c) = &mut none.comparison {
            c.cohorts = vec![("sex=f".into(), None)];
        }
        let err = run_gates(&gates, &none).unwrap_err().to_string();
        assert!(
            err.starts_with("g.toml line 8 column 10: cohort \"sex=f\""),
            "{err}"
        );
    }
}
