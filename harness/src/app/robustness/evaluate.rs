//! From the predictions under each condition to `models[].robustness[]`: the glue between
//! [`super::run_conditions`] and the core's `robustness` module.

use tonebench_core::bootstrap::BootstrapConfig;
use tonebench_core::cohorts::{CohortConfig, Partitions};
use tonebench_core::report::Report;
use tonebench_core::robustness::{
    corruption_errors, evaluate_condition, CohortContext, ConditionInput,
};

use super::RobustnessRuns;
use crate::input::suite::Suite;
use crate::runs::ModelRun;

/// Fills `robustness` of every model that ran under the conditions, then CE and rCE across
/// models. `cohorts` are the run's partitions and their settings, when the suite has cohorts.
pub fn attach(
    report: &mut Report,
    suite: &Suite,
    runs: &[ModelRun],
    rob: &RobustnessRuns,
    cohorts: Option<(&Partitions, &CohortConfig)>,
    boot: &BootstrapConfig,
) {
    let truth = suite.truth();
    let labels = suite.labels.names();
    let speakers = suite.speakers();
    for (m, run) in report.models.iter_mut().zip(runs) {
        if let Some((_, w)) = rob.warnings.iter().find(|(name, _)| name == &m.name) {
            m.warnings.push(w.clone());
        }
        let Some(cr) = rob.models.iter().find(|c| c.model == m.name) else {
            continue;
        };
        m.warnings.extend(cr.warnings.iter().cloned());
        let clean_cohorts = m.cohorts.clone();
        for (c, pred) in rob.conditions.list.iter().zip(&cr.preds) {
            let input = ConditionInput {
                name: &c.name,
                parameters: &c.parameters,
                labels,
                truth: &truth,
                clean: &run.pred,
                perturbed: pred,
            };
            let ctx = cohorts.map(|(p, cfg)| CohortContext {
                partitions: &p.partitions,
                speakers: &speakers,
                cfg,
                clean: &clean_cohorts,
            });
            let (entry, warnings) = evaluate_condition(&input, ctx.as_ref(), boot);
            m.robustness.push(entry);
            m.warnings.extend(warnings);
        }
    }
    let mut all: Vec<(&str, &mut Vec<_>)> = report
        .models
        .iter_mut()
        .map(|m| (m.name.as_str(), &mut m.robustness))
        .collect();
    corruption_errors(&mut all);
}
