//! Robustness: one model's predictions under an acoustic condition against its predictions on
//! clean audio, item by item — the full metrics, the paired difference (bootstrap and
//! McNemar, `paired::compare_models`), corruption errors across models, and condition × cohort
//! (the cohort analysis of `cohorts::analyze` run on the condition's predictions, and the
//! change of the worst cohort's gap with a paired bootstrap).

use crate::bootstrap::{confusion_intervals, percentile_interval, BootstrapConfig, CellResampler};
use crate::cohorts::{analyze, CohortConfig, Outcome, Partition};
use crate::paired::compare_models;
use crate::report::{
    CohortReport, ConditionCohort, ConditionGroup, ConditionParameters, GapChange, MetricsReport,
    RobustnessReport, Warning,
};
use crate::{Confusion, Metrics};

/// What is known about one model under one condition.
pub struct ConditionInput<'a> {
    pub name: &'a str,
    pub parameters: &'a ConditionParameters,
    pub labels: &'a [String],
    pub truth: &'a [usize],
    /// Predictions on clean audio (`None`: the item failed).
    pub clean: &'a [Option<usize>],
    /// Predictions under the condition.
    pub perturbed: &'a [Option<usize>],
}

/// The cohorts of the run, when the suite has any.
pub struct CohortContext<'a> {
    pub partitions: &'a [Partition],
    pub speakers: &'a [Option<String>],
    pub cfg: &'a CohortConfig,
    /// The model's clean cohort analysis (its `cohorts` in report.json).
    pub clean: &'a [CohortReport],
}

/// The robustness entry of one model under one condition. `ce` and `rce` are filled in by
/// [`corruption_errors`] once every model is evaluated.
pub fn evaluate_condition(
    input: &ConditionInput<'_>,
    cohorts: Option<&CohortContext<'_>>,
    boot: &BootstrapConfig,
) -> (RobustnessReport, Vec<Warning>) {
    let k = input.labels.len();
    let mut cm = Confusion::zeros(k);
    for (&t, p) in input.truth.iter().zip(input.perturbed) {
        if let Some(p) = *p {
            cm.add(t, p);
        }
    }
    let metrics = Metrics::compute(&cm, input.labels);
    let intervals = (boot.resamples > 0).then(|| confusion_intervals(&cm, boot));
    // Paired: the items predicted both clean and under the condition.
    let both: Vec<usize> = (0..input.truth.len())
        .filter(|&i| input.clean[i].is_some() && input.perturbed[i].is_some())
        .collect();
    let pick = |v: &[Option<usize>]| -> Vec<usize> {
        both.iter().map(|&i| v[i].unwrap_or_default()).collect()
    };
    let truth: Vec<usize> = both.iter().map(|&i| input.truth[i]).collect();
    let (pc, pp) = (pick(input.clean), pick(input.perturbed));
    let wrong = |p: &[usize]| {
        let n = truth.len().max(1) as f64;
        p.iter().zip(&truth).filter(|(a, b)| a != b).count() as f64 / n
    };
    let vs_clean = (boot.resamples > 0 && !both.is_empty())
        .then(|| compare_models((input.name, "clean"), input.labels, &truth, &pp, &pc, boot));
    let mut warnings = Vec::new();
    let mut out_cohorts = Vec::new();
    if let Some(ctx) = cohorts {
        if both.len() == input.truth.len() {
            let outcome = Outcome {
                labels: input.labels,
                truth: input.truth,
                pred: &pp,
                probs: None,
            };
            match analyze(ctx.partitions, ctx.speakers, &outcome, ctx.cfg) {
                Ok((reports, _)) => {
                    out_cohorts = ctx
                        .partitions
                        .iter()
                        .zip(&reports)
                        .map(|(p, r)| condition_cohort(p, r, ctx.clean, &truth, &pc, &pp, boot))
                        .collect();
                }
                Err(e) => warnings.push(Warning {
                    code: crate::report::WarningCode::CohortsSkipped,
                    metric: None,
                    message: format!("condition {}: cohorts not analysed: {e}", input.name),
                }),
            }
        } else {
            warnings.push(Warning {
                code: crate::report::WarningCode::CohortsSkipped,
                metric: None,
                message: format!(
                    "condition {}: some items have no prediction, so cohorts were not analysed under it",
                    input.name
                ),
            });
        }
    }
    let report = RobustnessReport {
        condition: input.name.to_string(),
        parameters: input.parameters.clone(),
        items: cm.total(),
        metrics: MetricsReport::new(input.labels, &cm, &metrics, intervals.as_ref()),
        vs_clean,
        error: wrong(&pp),
        clean_error: wrong(&pc),
        ce: None,
        rce: None,
        ce_reference: String::new(),
        cohorts: out_cohorts,
    };
    (report, warnings)
}

fn condition_cohort(
    p: &Partition,
    cond: &CohortReport,
    clean: &[CohortReport],
    truth: &[usize],
    pc: &[usize],
    pp: &[usize],
    boot: &BootstrapConfig,
) -> ConditionCohort {
    let clean_report = clean.iter().find(|c| c.partition == p.name);
    let groups = p
        .cohorts
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let idx: Vec<usize> = (0..truth.len())
                .filter(|&i| p.assignment[i] == Some(c))
                .collect();
            let acc = |pred: &[usize]| {
                idx.iter().filter(|&&i| pred[i] == truth[i]).count() as f64
                    / idx.len().max(1) as f64
            };
            let (a, b) = (acc(pp), acc(pc));
            ConditionGroup {
                name: name.clone(),
                items: idx.len() as u64,
                accuracy: a,
                clean_accuracy: b,
                diff: a - b,
            }
        })
        .collect();
    let worst = cond.worst.clone();
    let at = worst
        .as_ref()
        .and_then(|w| p.cohorts.iter().position(|c| c == w));
    let (clean_gap, change) = match at {
        Some(c) => {
            let (gap_clean, change) = gap_change(p, c, truth, pc, pp, boot);
            (gap_clean, change)
        }
        None => (None, None),
    };
    ConditionCohort {
        partition: p.name.clone(),
        worst,
        clean_worst: clean_report.and_then(|r| r.worst.clone()),
        gap_abs: cond.gap_abs,
        clean_gap_abs: clean_gap,
        widens: change.is_some_and(|g: GapChange| g.low > 0.0),
        gap_change: change,
        groups,
    }
}

/// Cells of (clean right, condition right) for the items of one side: index 2·clean + cond.
fn cells(
    idx: impl Iterator<Item = usize>,
    truth: &[usize],
    pc: &[usize],
    pp: &[usize],
) -> [u64; 4] {
    let mut c = [0u64; 4];
    for i in idx {
        c[2 * usize::from(pc[i] == truth[i]) + usize::from(pp[i] == truth[i])] += 1;
    }
    c
}

/// (clean error, condition error) of a side from its cells.
fn errors(c: &[u64; 4]) -> Option<(f64, f64)> {
    let n: u64 = c.iter().sum();
    (n > 0).then(|| {
        let n = n as f64;
        ((c[0] + c[1]) as f64 / n, (c[0] + c[2]) as f64 / n)
    })
}

/// The clean gap of cohort `c` and the change of its gap under the condition, with a paired
/// bootstrap interval resampling items within the cohort and within the rest.
fn gap_change(
    p: &Partition,
    c: usize,
    truth: &[usize],
    pc: &[usize],
    pp: &[usize],
    boot: &BootstrapConfig,
) -> (Option<f64>, Option<GapChange>) {
    let inside = cells(
        (0..truth.len()).filter(|&i| p.assignment[i] == Some(c)),
        truth,
        pc,
        pp,
    );
    let rest = cells(
        (0..truth.len()).filter(|&i| matches!(p.assignment[i], Some(x) if x != c)),
        truth,
        pc,
        pp,
    );
    let delta = |a: &[u64; 4], b: &[u64; 4]| -> Option<(f64, f64)> {
        let ((ca, pa), (cb, pb)) = (errors(a)?, errors(b)?);
        Some((ca - cb, (pa - pb) - (ca - cb)))
    };
    let Some((gap_clean, diff)) = delta(&inside, &rest) else {
        return (None, None);
    };
    if boot.resamples == 0 {
        return (Some(gap_clean), None);
    }
    let mut sampler = CellResampler::new(boot.seed);
    let (mut ri, mut rr) = ([0u64; 4], [0u64; 4]);
    let draws: Vec<f64> = (0..boot.resamples)
        .filter_map(|_| {
            sampler.draw(&inside, &mut ri);
            sampler.draw(&rest, &mut rr);
            delta(&ri, &rr).map(|d| d.1)
        })
        .collect();
    let iv = percentile_interval(draws, boot.confidence);
    (
        Some(gap_clean),
        Some(GapChange {
            diff,
            low: iv.low,
            high: iv.high,
        }),
    )
}

/// Fills `ce`, `rce` and `ce_reference` of every model's entries: for each condition, the
/// reference is the first model (in report order) that has it.
pub fn corruption_errors(models: &mut [(&str, &mut Vec<RobustnessReport>)]) {
    let mut refs: Vec<(String, String, f64, f64)> = Vec::new();
    for (name, entries) in models.iter() {
        for e in entries.iter() {
            if !refs.iter().any(|r| r.0 == e.condition) {
                refs.push((
                    e.condition.clone(),
                    name.to_string(),
                    e.error,
                    e.clean_error,
                ));
            }
        }
    }
    for (_, entries) in models.iter_mut() {
        for e in entries.iter_mut() {
            if let Some((_, name, err, clean)) = refs.iter().find(|r| r.0 == e.condition) {
                e.ce_reference = name.clone();
                e.ce = (*err > 0.0).then(|| e.error / err);
                e.rce = (err - clean != 0.0).then(|| (e.error - e.clean_error) / (err - clean));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(condition: &str, error: f64, clean_error: f64) -> RobustnessReport {
        let labels = ["a".to_string(), "b".to_string()];
        let cm = Confusion::zeros(2);
        RobustnessReport {
            condition: condition.into(),
            parameters: ConditionParameters::default(),
            items: 0,
            metrics: MetricsReport::new(&labels, &cm, &Metrics::compute(&cm, &labels), None),
            vs_clean: None,
            error,
            clean_error,
            ce: None,
            rce: None,
            ce_reference: String::new(),
            cohorts: Vec::new(),
        }
    }

    #[test]
    fn corruption_errors_are_normalised_by_the_first_model() {
        let mut a = vec![entry("white", 0.4, 0.2)];
        let mut b = vec![entry("white", 0.3, 0.2)];
        corruption_errors(&mut [("a", &mut a), ("b", &mut b)]);
        assert_eq!(b[0].ce, Some(0.3 / 0.4));
        assert_eq!(b[0].rce, Some((0.3 - 0.2) / (0.4 - 0.2)));
        assert_eq!((a[0].ce, a[0].rce), (Some(1.0), Some(1.0)));
        assert_eq!(b[0].ce_reference, "a");
    }

    #[test]
    fn a_condition_that_hurts_one_cohort_widens_its_gap() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let n = 200;
        let truth: Vec<usize> = (0..n).map(|i| i % 2).collect();
        // Clean: 10 % wrong everywhere; the condition: 40 % wrong in cohort x (i % 5 < 2 holds
        // the clean errors i % 10 == 0), so x loses 30 points and y nothing.
        let clean: Vec<Option<usize>> = (0..n)
            .map(|i| Some(if i % 10 == 0 { 1 - truth[i] } else { truth[i] }))
            .collect();
        let perturbed: Vec<Option<usize>> = (0..n)
            .map(|i| {
                let hurt = i < n / 2 && i % 5 < 2;
                Some(if hurt || i % 10 == 0 {
                    1 - truth[i]
                } else {
                    truth[i]
                })
            })
            .collect();
        let partition = Partition {
            name: "half".into(),
            source: crate::cohorts::PartitionSource::Metadata,
            cohorts: vec!["x".into(), "y".into()],
            assignment: (0..n).map(|i| Some(usize::from(i >= n / 2))).collect(),
            clustering: None,
        };
        let speakers: Vec<Option<String>> = vec![None; n];
        let cfg = CohortConfig {
            min_items: 10,
            resamples: 0,
            ..CohortConfig::default()
        };
        let params = ConditionParameters::default();
        let input = ConditionInput {
            name: "noise",
            parameters: &params,
            labels: &labels,
            truth: &truth,
            clean: &clean,
            perturbed: &perturbed,
        };
        let ctx = CohortContext {
            partitions: std::slice::from_ref(&partition),
            speakers: &speakers,
            cfg: &cfg,
            clean: &[],
        };
        let boot = BootstrapConfig::default();
        let (r, _) = evaluate_condition(&input, Some(&ctx), &boot);
        let c = &r.cohorts[0];
        assert_eq!(c.worst.as_deref(), Some("x"));
        let change = c.gap_change.unwrap();
        assert!((change.diff - (0.4 - 0.1)).abs() < 1e-12, "{change:?}");
        assert!(c.widens);
        assert!((c.groups[0].diff + 0.3).abs() < 1e-12);
        let vs = r.vs_clean.unwrap();
        assert_eq!(
            (vs.mcnemar.candidate_only, vs.mcnemar.baseline_only),
            (0, 30)
        );
        assert!((r.error - r.clean_error - 30.0 / 200.0).abs() < 1e-12);
    }
}
