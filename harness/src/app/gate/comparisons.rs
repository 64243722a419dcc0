//! The verdicts of the comparisons against a baseline: paired-bootstrap non-inferiority and
//! McNemar's exact test, per model, whole or within a cohort.

use tonebench_core::gate::{fmt_num, Status, Verdict};
use tonebench_core::paired::{self, Finding, NonInferiorityConfig, PairedMetric};
use tonebench_core::probability::ProbMetric;

use super::pairing::Pairings;
use super::GateError;
use crate::input::gate_file::{CohortSel, McNemarEntry, NonInferiorityEntry};
use crate::render::gate::fmt_p;

fn on_cohort(sel: Option<&CohortSel>) -> String {
    sel.map_or(String::new(), |c| format!(" on cohort {}", c.text()))
}

/// One `[[non-inferiority]]` entry: a verdict per model.
pub(super) fn non_inferiority_verdicts(
    pairings: &mut Pairings<'_>,
    n: &NonInferiorityEntry,
    sel: Option<&CohortSel>,
) -> Result<Vec<Verdict>, GateError> {
    let metric_path = n.metric.get_ref();
    let delta = *n.delta.get_ref();
    let conf = *n.confidence.get_ref();
    let rule = format!(
        "{metric_path}{} non-inferior to baseline {} (delta {})",
        on_cohort(sel),
        pairings.cmp.baseline,
        fmt_num(delta)
    );
    let lower_is_better = matches!(
        ProbMetric::parse(metric_path, &pairings.labels),
        Ok(Some(m)) if m.lower_is_better()
    );
    let bound = if lower_is_better {
        format!("upper bound < {}", fmt_num(delta))
    } else {
        format!("lower bound > {}", fmt_num(-delta))
    };
    let mut verdicts = Vec::new();
    for m in pairings.models(&n.models) {
        let err =
            |why: String| Verdict::unevaluated(rule.clone(), Some(m.clone()), bound.clone(), why);
        let p = match pairings.pairing(&m, sel)? {
            Ok(p) => p,
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
        let r = match ProbMetric::parse(metric_path, &pairings.labels) {
            Ok(Some(pm)) => paired::probability_non_inferiority(&p, pm, &cfg)
                .map_err(|why| format!("{metric_path}: {why}")),
            Ok(None) => PairedMetric::parse(metric_path, &pairings.labels)
                .map(|metric| paired::non_inferiority(&p, metric, &cfg)),
            Err(why) => Err(why),
        };
        let r = match r {
            Ok(r) => r,
            Err(why) => {
                verdicts.push(err(why));
                continue;
            }
        };
        verdicts.push(Verdict {
            rule: rule.clone(),
            model: Some(m.clone()),
            status: if r.finding == Finding::NonInferior {
                Status::Pass
            } else {
                Status::Fail
            },
            value: Some(if r.lower_is_better { r.high } else { r.low }),
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
    Ok(verdicts)
}

/// One `[[mcnemar]]` entry: a verdict per model.
pub(super) fn mcnemar_verdicts(
    pairings: &mut Pairings<'_>,
    mc: &McNemarEntry,
    sel: Option<&CohortSel>,
) -> Result<Vec<Verdict>, GateError> {
    let alpha = *mc.alpha.get_ref();
    let class = mc.class.as_ref().map(|c| c.get_ref().clone());
    let scope = class
        .as_deref()
        .map_or("accuracy".to_string(), |c| format!("per_class.{c}.recall"));
    let rule = format!(
        "mcnemar({scope}){} vs baseline {} (alpha {})",
        on_cohort(sel),
        pairings.cmp.baseline,
        fmt_num(alpha)
    );
    let bound = format!("no significant loss at alpha {}", fmt_num(alpha));
    let mut verdicts = Vec::new();
    for m in pairings.models(&mc.models) {
        let err =
            |why: String| Verdict::unevaluated(rule.clone(), Some(m.clone()), bound.clone(), why);
        let class_idx = match &class {
            None => None,
            Some(c) => match pairings.labels.iter().position(|l| l == c) {
                Some(i) => Some(i),
                None => {
                    verdicts.push(err(format!(
                        "class \"{c}\" is not one of the suite's labels ({})",
                        pairings.labels.join(", ")
                    )));
                    continue;
                }
            },
        };
        let p = match pairings.pairing(&m, sel)? {
            Ok(p) => p,
            Err(why) => {
                verdicts.push(err(why));
                continue;
            }
        };
        let r = paired::mcnemar(&p, class_idx);
        verdicts.push(mcnemar_verdict(
            &rule,
            &m,
            &bound,
            alpha,
            class.as_deref(),
            sel,
            &r,
        ));
    }
    Ok(verdicts)
}

/// The verdict of one McNemar test: a significant loss fails; anything else passes.
fn mcnemar_verdict(
    rule: &str,
    model: &str,
    bound: &str,
    alpha: f64,
    class: Option<&str>,
    sel: Option<&CohortSel>,
    r: &paired::McNemar,
) -> Verdict {
    let worse = r.baseline_only > r.candidate_only;
    let significant = r.p_value < alpha;
    let on = match (class, sel) {
        (None, None) => String::new(),
        (Some(c), None) => format!(" among items labelled {c}"),
        (None, Some(k)) => format!(" among items of cohort {}", k.text()),
        (Some(c), Some(k)) => format!(" among items of cohort {} labelled {c}", k.text()),
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
    Verdict {
        rule: rule.to_string(),
        model: Some(model.to_string()),
        status,
        value: Some(r.p_value),
        bound: bound.to_string(),
        why: format!("{verdict}:{counts}"),
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
    // For a lower-is-better metric the candidate may be at most δ above the baseline: the
    // one-sided bound that decides is the upper one, compared with +δ.
    let (side, bound, margin, worse) = if r.lower_is_better {
        ("upper", r.high, delta, "above")
    } else {
        ("lower", r.low, -delta, "below")
    };
    let sign = if r.lower_is_better { "+" } else { "−" };
    let direction = if r.lower_is_better {
        " (lower is better)"
    } else {
        ""
    };
    let head = format!(
        "{metric}{direction} candidate {} − baseline {} = {}; paired bootstrap ({resamples} item resamples) {pct}% one-sided {side} bound {}",
        fmt_num(r.candidate),
        fmt_num(r.baseline),
        fmt_num(r.diff),
        fmt_num(bound)
    );
    let cmp = if r.lower_is_better { "<" } else { ">" };
    let not_cmp = if r.lower_is_better { ">=" } else { "<=" };
    let other = if r.lower_is_better { "below" } else { "above" };
    match r.finding {
        Finding::NonInferior => format!("non-inferior: {head} {cmp} {sign}δ = {}", fmt_num(margin)),
        Finding::Regression => format!(
            "regression: {head}; the whole interval [{}, {}] is {worse} {sign}δ = {}",
            fmt_num(r.low),
            fmt_num(r.high),
            fmt_num(margin)
        ),
        Finding::Inconclusive => format!(
            "not shown non-inferior: {head} {not_cmp} {sign}δ = {}; the interval [{}, {}] also reaches {other} {sign}δ, so no regression is established either",
            fmt_num(margin),
            fmt_num(r.low),
            fmt_num(r.high)
        ),
    }
}
