//! The release-gate verdicts shown in the summary, with a one-line tally.

use serde::Serialize;
use tonebench_core::gate::{Status, Verdict};

use super::or_missing;

#[derive(Debug, Serialize)]
pub struct GateView {
    pub name: String,
    pub model: String,
    pub passed: bool,
    pub status: String,
    pub detail: String,
}

/// The gate rows, the tally (`None` when no gates were run) and whether every gate passed.
pub(super) fn gate_views(gates: &[Verdict]) -> (Vec<GateView>, Option<String>, bool) {
    if gates.is_empty() {
        return (Vec::new(), None, true);
    }
    let failed = gates.iter().filter(|g| g.status != Status::Pass).count();
    let views = gates
        .iter()
        .map(|g| GateView {
            name: g.rule.clone(),
            model: or_missing(g.model.clone()),
            passed: g.status == Status::Pass,
            status: match g.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::Error => "ERROR",
            }
            .to_string(),
            detail: g.why.clone(),
        })
        .collect();
    let summary = if failed == 0 {
        format!("all {} gates passed", gates.len())
    } else {
        format!("{failed} of {} gates failed", gates.len())
    };
    (views, Some(summary), failed == 0)
}
