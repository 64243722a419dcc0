//! The rows of the robustness tables (report.md and report.html): one per model and condition,
//! every number formatted here.

use serde::Serialize;
use tonebench_core::report::{ConditionParameters, Report, RobustnessReport};

use super::format as f;

/// One model under one condition.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessRow {
    pub model: String,
    pub condition: String,
    /// The parameters in one line: `noise=white snr-db=5`.
    pub parameters: String,
    pub accuracy: String,
    pub accuracy_diff: String,
    pub mcnemar: String,
    pub macro_f1: String,
    pub macro_f1_diff: String,
    pub ce: String,
    pub rce: String,
    /// `partition: worst (gap +x pp, widened +y pp [..])`, joined by `; `.
    pub cohorts: String,
}

/// The parameters of a condition as `key=value` pairs in the conditions file's spelling.
pub fn describe(p: &ConditionParameters) -> String {
    let num = |v: f64| format!("{v}");
    let mut out: Vec<String> = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push(format!("{k}={v}"));
        }
    };
    push("speed", p.speed.map(num));
    push("tempo", p.tempo.map(num));
    push("reverb-rt60", p.reverb_rt60.map(num));
    push("rir", p.rir.clone());
    push("noise", p.noise.clone());
    push("snr-db", p.snr_db.map(num));
    push("snr-scope", p.snr_scope.clone().filter(|s| s != "clip"));
    push("telephony", p.telephony.clone());
    push("gain-db", p.gain_db.map(num));
    push("clip", p.clip.map(num));
    out.join(" ")
}

fn diff(e: &RobustnessReport, metric: &str) -> String {
    e.vs_clean
        .as_ref()
        .and_then(|v| v.diffs.iter().find(|d| d.metric == metric))
        .map(|d| {
            format!(
                "{} [{}, {}]",
                f::signed_score(d.diff),
                f::signed_score(d.low),
                f::signed_score(d.high)
            )
        })
        .unwrap_or_else(|| f::MISSING.into())
}

fn with_ci(v: f64, ci: Option<&tonebench_core::bootstrap::Interval>) -> String {
    match ci {
        Some(ci) => format!("{} {}", f::score(v), f::interval(ci)),
        None => f::score(v),
    }
}

/// One row per model and condition, in report order.
pub fn rows(report: &Report) -> Vec<RobustnessRow> {
    report
        .models
        .iter()
        .flat_map(|m| m.robustness.iter().map(move |e| (m, e)))
        .map(|(m, e)| {
            let iv = e.metrics.intervals.as_ref();
            let cohorts = e
                .cohorts
                .iter()
                .map(|c| {
                    let mut s = format!(
                        "{}: {}",
                        c.partition,
                        c.worst.as_deref().unwrap_or(f::MISSING)
                    );
                    if let Some(g) = c.gap_abs {
                        s.push_str(&format!(" (gap {}", f::points(g)));
                        if let Some(ch) = c.gap_change {
                            s.push_str(&format!(
                                ", {} {} [{}, {}]",
                                if c.widens { "widened" } else { "change" },
                                f::points(ch.diff),
                                f::points(ch.low),
                                f::points(ch.high)
                            ));
                        }
                        s.push(')');
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join("; ");
            RobustnessRow {
                model: m.name.clone(),
                condition: e.condition.clone(),
                parameters: describe(&e.parameters),
                accuracy: with_ci(e.metrics.accuracy, iv.map(|i| &i.accuracy)),
                accuracy_diff: diff(e, "accuracy"),
                mcnemar: e
                    .vs_clean
                    .as_ref()
                    .map(|v| {
                        format!(
                            "{} ({} vs {})",
                            f::p_value(v.mcnemar.p_value),
                            v.mcnemar.candidate_only,
                            v.mcnemar.baseline_only
                        )
                    })
                    .unwrap_or_else(|| f::MISSING.into()),
                macro_f1: with_ci(e.metrics.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                macro_f1_diff: diff(e, "macro.f1"),
                ce: f::opt(e.ce, f::ratio),
                rce: f::opt(e.rce, f::ratio),
                cohorts,
            }
        })
        .collect()
}
