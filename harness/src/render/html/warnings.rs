//! The warnings section: the runs' and models' warnings, and a note for every run of a
//! comparison that was measured on a different suite than the first.

use serde::Serialize;
use tonebench_core::report::{Warning, WarningCode};

use super::{f, Entry, RunInput};

#[derive(Debug, Serialize)]
pub struct WarningView {
    pub scope: String,
    pub code: String,
    pub metric: String,
    pub message: String,
}

/// Suite mismatches of a comparison first, then each run's warnings, then each model's.
pub(super) fn warning_views(runs: &[RunInput<'_>], models: &[Entry<'_>]) -> Vec<WarningView> {
    let mut warnings = Vec::new();
    if runs.len() > 1 {
        let first = &runs[0].report.suite;
        for r in &runs[1..] {
            let s = &r.report.suite;
            if s.name != first.name || s.items_sha256 != first.items_sha256 {
                warnings.push(WarningView {
                    scope: r.label.clone().unwrap_or_default(),
                    code: WarningCode::DifferentSuite.to_string(),
                    metric: String::new(),
                    message: format!(
                        "measured on suite {} (items {}), not on {} (items {}): the numbers are not directly comparable",
                        s.name,
                        f::short_hash(&s.items_sha256),
                        first.name,
                        f::short_hash(&first.items_sha256)
                    ),
                });
            }
        }
    }
    for run in runs {
        let scope = run.label.clone().unwrap_or_else(|| "run".to_string());
        for w in &run.report.warnings {
            warnings.push(warning_view(&scope, w));
        }
    }
    for (name, _, m, _) in models {
        for w in &m.warnings {
            warnings.push(warning_view(name, w));
        }
    }
    warnings
}

fn warning_view(scope: &str, w: &Warning) -> WarningView {
    WarningView {
        scope: scope.to_string(),
        code: w.code.to_string(),
        metric: w.metric.clone().unwrap_or_default(),
        message: w.message.clone(),
    }
}
