//! The comparison section: precision, recall and F1 of every model side by side, and the
//! pairwise differences of the headline metrics with the core's verdict on each.

use serde::Serialize;
use tonebench_core::bootstrap::Interval;
use tonebench_core::intervals::{compare_intervals, paired_better, IntervalVerdict, Side};
use tonebench_core::paired::ModelComparison;
use tonebench_core::report::ModelReport;

use super::{f, mark_best, Cell, Entry};

#[derive(Debug, Serialize)]
pub struct ComparisonView {
    pub models: Vec<String>,
    pub rows: Vec<ComparisonRow>,
    pub confidence: String,
}

/// A row of the comparison table: per model, three cells (P, R, F1) or one spanning cell.
#[derive(Debug, Serialize)]
pub struct ComparisonRow {
    pub label: String,
    pub support: String,
    /// `class`, `average` or `overall`.
    pub kind: String,
    pub groups: Vec<Vec<Cell>>,
}

#[derive(Debug, Serialize)]
pub struct DiffView {
    pub a: String,
    pub b: String,
    pub metrics: Vec<DiffCell>,
    /// From the run's item-level comparison (paired bootstrap, McNemar), not interval overlap.
    pub paired: bool,
}

#[derive(Debug, Serialize)]
pub struct DiffCell {
    pub metric: String,
    pub delta: String,
    pub verdict: String,
    /// `a`, `b` or empty when the intervals overlap or are missing.
    pub better: String,
}

/// `a`, `b` or empty: the model a verdict calls better, as the template marks it.
fn better_text(side: Option<Side>) -> String {
    match side {
        Some(Side::A) => "a",
        Some(Side::B) => "b",
        None => "",
    }
    .to_string()
}

/// The union of the runs' label sets, in order of first appearance.
fn all_labels(models: &[Entry<'_>]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for (_, _, _, r) in models {
        for l in &r.suite.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    labels
}

pub(super) fn comparison_view(models: &[Entry<'_>]) -> ComparisonView {
    let labels = all_labels(models);
    let mut rows = Vec::new();
    for label in &labels {
        let mut support = None;
        let mut groups: Vec<Vec<Cell>> = Vec::new();
        for (_, _, m, _) in models {
            let x = &m.metrics;
            match x.per_class.get(label) {
                Some(c) => {
                    support.get_or_insert(c.support);
                    let ci = x.intervals.as_ref().and_then(|i| i.per_class.get(label));
                    groups.push(vec![
                        Cell::new(c.precision, ci.map(|i| &i.precision)),
                        Cell::new(c.recall, ci.map(|i| &i.recall)),
                        Cell::new(c.f1, ci.map(|i| &i.f1)),
                    ]);
                }
                None => groups.push(vec![Cell::missing(), Cell::missing(), Cell::missing()]),
            }
        }
        rows.push(ComparisonRow {
            label: label.clone(),
            support: support.map(f::count).unwrap_or_else(|| f::MISSING.into()),
            kind: "class".into(),
            groups,
        });
    }
    let total: Option<u64> = models.first().map(|(_, _, _, r)| r.suite.items);
    let avg = |label: &str, pick: &dyn Fn(&ModelReport) -> Vec<Cell>| ComparisonRow {
        label: label.to_string(),
        support: total.map(f::count).unwrap_or_else(|| f::MISSING.into()),
        kind: "average".into(),
        groups: models.iter().map(|(_, _, m, _)| pick(m)).collect(),
    };
    rows.push(avg("macro avg", &|m| {
        let x = &m.metrics;
        vec![
            Cell::new(x.macro_avg.precision, None),
            Cell::new(x.macro_avg.recall, None),
            Cell::new(x.macro_avg.f1, x.intervals.as_ref().map(|i| &i.macro_f1)),
        ]
    }));
    rows.push(avg("weighted avg", &|m| {
        let x = &m.metrics;
        vec![
            Cell::new(x.weighted.precision, None),
            Cell::new(x.weighted.recall, None),
            Cell::new(x.weighted.f1, None),
        ]
    }));
    let mut acc = avg("accuracy (WA)", &|m| {
        vec![Cell::new(
            m.metrics.accuracy,
            m.metrics.intervals.as_ref().map(|i| &i.accuracy),
        )]
    });
    acc.kind = "overall".into();
    rows.push(acc);
    let mut ua = avg("balanced accuracy (UA)", &|m| {
        vec![Cell::new(
            m.metrics.balanced_accuracy,
            m.metrics.intervals.as_ref().map(|i| &i.balanced_accuracy),
        )]
    });
    ua.kind = "overall".into();
    rows.push(ua);

    for row in &mut rows {
        let width = row.groups.first().map(Vec::len).unwrap_or(0);
        for col in 0..width {
            mark_best(row.groups.iter_mut().filter_map(|g| g.get_mut(col)));
        }
    }

    let mut levels: Vec<String> = Vec::new();
    for (_, _, _, r) in models {
        let c = f::confidence(r.bootstrap.confidence);
        if r.bootstrap.resamples > 0 && !levels.contains(&c) {
            levels.push(c);
        }
    }
    ComparisonView {
        models: models.iter().map(|(n, ..)| n.clone()).collect(),
        rows,
        confidence: levels.join(" / "),
    }
}

/// Pairwise differences in accuracy, balanced accuracy and macro-F1: from an item-level
/// comparison where there is one, else judged by whether the two models' bootstrap intervals
/// overlap (report.json has no per-item data for a paired test).
pub(super) fn differences(models: &[Entry<'_>], paired: &[ModelComparison]) -> Vec<DiffView> {
    type Pick = fn(&ModelReport) -> (f64, Option<Interval>);
    let picks: [(&str, Pick); 3] = [
        ("accuracy", |m| {
            (
                m.metrics.accuracy,
                m.metrics.intervals.as_ref().map(|i| i.accuracy),
            )
        }),
        ("balanced acc.", |m| {
            (
                m.metrics.balanced_accuracy,
                m.metrics.intervals.as_ref().map(|i| i.balanced_accuracy),
            )
        }),
        ("macro-F1", |m| {
            (
                m.metrics.macro_avg.f1,
                m.metrics.intervals.as_ref().map(|i| i.macro_f1),
            )
        }),
    ];
    let mut out = Vec::new();
    for i in 0..models.len() {
        for j in i + 1..models.len() {
            let (a, b) = (models[i].2, models[j].2);
            if let Some(view) = paired_difference(&models[i], &models[j], paired) {
                out.push(view);
                continue;
            }
            let metrics = picks
                .iter()
                .map(|(metric, pick)| {
                    let (va, ia) = pick(a);
                    let (vb, ib) = pick(b);
                    let verdict = compare_intervals(ia.as_ref(), ib.as_ref());
                    DiffCell {
                        metric: metric.to_string(),
                        delta: f::signed_score(va - vb),
                        verdict: match verdict {
                            IntervalVerdict::Disjoint(_) => "intervals disjoint",
                            IntervalVerdict::Overlapping => "intervals overlap",
                            IntervalVerdict::NoIntervals => "no intervals",
                        }
                        .to_string(),
                        better: better_text(verdict.better()),
                    }
                })
                .collect();
            out.push(DiffView {
                a: models[i].0.clone(),
                b: models[j].0.clone(),
                metrics,
                paired: false,
            });
        }
    }
    out
}

/// The item-level comparison of two models: from their report when they come from the same
/// run, else from `across_runs` (matched by displayed name).
fn paired_difference(
    a: &Entry<'_>,
    b: &Entry<'_>,
    across_runs: &[ModelComparison],
) -> Option<DiffView> {
    let c = if std::ptr::eq(a.3, b.3) {
        a.3.comparisons
            .iter()
            .find(|c| c.a == a.2.name && c.b == b.2.name)?
    } else {
        across_runs.iter().find(|c| c.a == a.0 && c.b == b.0)?
    };
    let confidence = a.3.bootstrap.confidence;
    let pct = (confidence * 100.0).round();
    let metrics = c
        .diffs
        .iter()
        .map(|d| {
            let mut verdict = format!(
                "paired {pct}% CI {} to {}",
                f::signed_score(d.low),
                f::signed_score(d.high)
            );
            if d.metric == "accuracy" {
                let p = f::p_value(c.mcnemar.p_value);
                let op = if p.starts_with('<') { "" } else { "= " };
                verdict.push_str(&format!(
                    "; McNemar p {op}{p} ({} vs {} discordant)",
                    c.mcnemar.candidate_only, c.mcnemar.baseline_only
                ));
            }
            DiffCell {
                metric: match d.metric.as_str() {
                    "balanced_accuracy" => "balanced acc.".into(),
                    "macro.f1" => "macro-F1".into(),
                    m => m.to_string(),
                },
                delta: f::signed_score(d.diff),
                verdict,
                better: better_text(paired_better(d, &c.mcnemar, confidence)),
            }
        })
        .collect();
    Some(DiffView {
        a: a.0.clone(),
        b: b.0.clone(),
        metrics,
        paired: true,
    })
}
