//! The release-gate verdicts shown in the summary, with a one-line tally.

use serde::Serialize;

use super::or_missing;
use crate::render::GateVerdict;

#[derive(Debug, Serialize)]
pub struct GateView {
    pub name: String,
    pub model: String,
    pub passed: bool,
    pub status: String,
    pub detail: String,
}

/// The gate rows, the tally (`None` when no gates were run) and whether every gate passed.
pub(super) fn gate_views(gates: &[GateVerdict]) -> (Vec<GateView>, Option<String>, bool) {
    if gates.is_empty() {
        return (Vec::new(), None, true);
    }
    let failed = gates.iter().filter(|g| !g.passed).count();
    let views = gates
        .iter()
        .map(|g| GateView {
            name: g.name.clone(),
            model: or_missing(g.model.clone()),
            passed: g.passed,
            status: if g.passed { "pass" } else { "FAIL" }.to_string(),
            detail: g.detail.clone(),
        })
        .collect();
    let summary = if failed == 0 {
        format!("all {} gates passed", gates.len())
    } else {
        format!("{failed} of {} gates failed", gates.len())
    };
    (views, Some(summary), failed == 0)
}
