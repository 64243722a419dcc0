//! `gate`: every rule of a gate file evaluated on a run's report, and the comparisons against a
//! baseline, as verdicts. [`load`] reads what the gates need (baseline, predictions, cohort
//! columns); [`run_gates`] decides on those values alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::gate::{self, Status};
use tonebench_core::paired::ItemPred;
pub use tonebench_core::verdicts::{GateRun, Outcome};

use crate::error::{ErrorKind, HasKind};
use crate::input::gate_file::Gates;
use crate::store::predictions::{cohort_column, PredictionsTable};
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
    /// Where to write JUnit XML.
    pub junit: Option<PathBuf>,
    /// Where to append a Markdown summary (`$GITHUB_STEP_SUMMARY`).
    pub markdown: Option<PathBuf>,
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

/// Reads the gate file, the report and what the comparisons need; evaluates; writes the JUnit
/// XML and Markdown the plan asks for.
pub fn gate(plan: &GatePlan) -> anyhow::Result<GateRun> {
    let gates = crate::input::gate_file::read_gates(&plan.gates)?;
    let report = LoadedReport::read(&plan.report)?;
    let inputs = load(&gates, report, plan.baseline.as_deref(), &plan.baselines)?;
    let run = run_gates(&gates, &inputs)?;
    if let Some(path) = &plan.junit {
        let xml = crate::render::gate::junit_xml(&run, &plan.gates.display().to_string())?;
        crate::store::write_named(path, xml.as_bytes())?;
    }
    if let Some(path) = &plan.markdown {
        let md = crate::render::gate::markdown(&run, &inputs.report.path.display().to_string());
        crate::store::append_named(path, md.as_bytes())?;
    }
    Ok(run)
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
    // Read once: the predictions and every cohort column come from the same table.
    let candidate = PredictionsTable::read(&candidate_path)?;
    let mut candidate_preds = candidate.by_model()?;
    let labels = report.labels();
    if candidate.probability_labels() != labels {
        // Probabilities in another order than the labels cannot be scored: the probability
        // comparisons then say the candidate has none.
        for item in candidate_preds.values_mut().flatten() {
            item.probs = None;
        }
    }
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
        let values = match candidate.cohort_column(&cohort_column(&sel.partition))? {
            Some(v) => Some(v),
            // Not a metadata column: an embedding partition of the run's cohorts.csv.
            None => crate::store::cohorts::embedding_cohort_values(
                &report.cohorts_csv_path(),
                &candidate,
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
    let mut pairings = Pairings {
        cmp,
        labels: report.labels(),
        models: gates
            .file
            .models
            .clone()
            .unwrap_or_else(|| report.model_names()),
        pairs: Vec::new(),
        members: Vec::new(),
    };
    for (n, sel) in gates
        .file
        .non_inferiority
        .iter()
        .zip(&gates.non_inferiority_cohorts)
    {
        verdicts.extend(non_inferiority_verdicts(&mut pairings, n, sel.as_ref())?);
    }
    for (mc, sel) in gates.file.mcnemar.iter().zip(&gates.mcnemar_cohorts) {
        verdicts.extend(mcnemar_verdicts(&mut pairings, mc, sel.as_ref())?);
    }
    Ok(GateRun {
        verdicts,
        baseline: Some(cmp.baseline.clone()),
    })
}

mod comparisons;
mod pairing;

use comparisons::{mcnemar_verdicts, non_inferiority_verdicts};
use pairing::Pairings;

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
                probs: None,
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

    /// A non-inferiority gate on a lower-is-better metric: a candidate with a lower log loss
    /// passes, one with a higher log loss fails.
    #[test]
    fn lower_is_better_non_inferiority_follows_the_metric() {
        let gates = parse_gates(
            "g.toml",
            "format-version = 1\nbaseline = \"main\"\n\n[[non-inferiority]]\nmetric = \"log_loss\"\ndelta = 0.01\nresamples = 500\n",
        )
        .unwrap();
        // 200 items; the model puts probability `p` on the true label (always its prediction).
        let items = |p: f64| -> IndexMap<String, Vec<ItemPred>> {
            let rows = (0..200)
                .map(|i| {
                    let label = if i % 2 == 0 { "neg" } else { "pos" };
                    // Vary the confidence by item so the resamples differ.
                    let q = p - 0.1 * ((i % 7) as f64) / 7.0;
                    let probs = if i % 2 == 0 {
                        vec![q, 1.0 - q]
                    } else {
                        vec![1.0 - q, q]
                    };
                    ItemPred {
                        id: format!("i{i:03}"),
                        label: label.into(),
                        pred: label.into(),
                        probs: Some(probs),
                    }
                })
                .collect();
            IndexMap::from([("m".to_string(), rows)])
        };
        let inputs = |candidate: f64| GateInputs {
            report: LoadedReport {
                path: PathBuf::from("run/report.json"),
                value: serde_json::json!({
                    "schema_version": 1,
                    "suite": {"name": "s", "labels": ["neg", "pos"]},
                    "models": [{"name": "m", "metrics": {"accuracy": 1.0}}],
                }),
            },
            comparison: Some(Comparison {
                baseline: "main".into(),
                baseline_preds: items(0.7),
                candidate_path: PathBuf::from("run/predictions.parquet"),
                candidate_preds: items(candidate),
                cohorts: vec![],
            }),
        };
        let better = run_gates(&gates, &inputs(0.9)).unwrap();
        let v = &better.verdicts[0];
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert_eq!(v.bound, "upper bound < 0.01");
        assert!(v.value.unwrap() < 0.0, "{v:?}");
        assert!(
            v.why
                .starts_with("non-inferior: log_loss (lower is better)"),
            "{}",
            v.why
        );

        let worse = run_gates(&gates, &inputs(0.6)).unwrap();
        let v = &worse.verdicts[0];
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert!(
            v.why.starts_with("regression: log_loss (lower is better)"),
            "{}",
            v.why
        );
        assert!(v.why.contains("is above +δ = 0.01"), "{}", v.why);

        // Without probabilities the rule cannot be evaluated: an error, never a pass.
        let mut bare = inputs(0.9);
        if let Some(c) = &mut bare.comparison {
            c.candidate_preds
                .values_mut()
                .flatten()
                .for_each(|i| i.probs = None);
        }
        let v = &run_gates(&gates, &bare).unwrap().verdicts[0];
        assert_eq!(v.status, Status::Error);
        assert!(
            v.why.contains("candidate's predictions have no p_<label>"),
            "{}",
            v.why
        );
    }
}
