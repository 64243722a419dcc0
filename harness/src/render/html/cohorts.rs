//! The cohorts section: per partition, a chart of each cohort's error rate with its interval,
//! the worst-cohort statistics and misclassified examples; the table of every partition; and
//! the fusion gains of hybrid models.

use serde::Serialize;
use tonebench_core::intervals::{
    cohort_error_interval, significant, small_cohort, unstable_clustering,
};
use tonebench_core::report::CohortReport;

use super::{f, nice_max, or_missing, shorten, Axis, Entry, RunInput, Tick};

#[derive(Debug, Serialize)]
pub struct PartitionView {
    pub anchor: String,
    pub model: String,
    pub partition: String,
    pub source: String,
    pub open: bool,
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub plot_right: u32,
    pub axis_y: u32,
    pub overall_x: u32,
    pub overall: String,
    pub ticks: Vec<Tick>,
    pub groups: Vec<GroupRow>,
    /// Whether the cohorts carry ECE and ROC-AUC (the model gave probabilities).
    pub has_probability: bool,
    pub stats: PartitionStats,
    /// `--examples N`: misclassified items of this partition's cohorts.
    pub examples: Vec<ExampleView>,
}

#[derive(Debug, Serialize)]
pub struct ExampleView {
    pub cohort: String,
    pub id: String,
    pub label: String,
    pub pred: String,
    pub confidence: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct GroupRow {
    pub name: String,
    pub short: String,
    pub items: String,
    pub speakers: String,
    pub error: String,
    pub ci: String,
    pub accuracy: String,
    pub macro_f1: String,
    /// The cohort's equal-width ECE and macro ROC-AUC (— where undefined), when the model gave
    /// probabilities.
    pub ece: String,
    pub roc_auc: String,
    pub worst: bool,
    pub small: bool,
    pub y: u32,
    pub text_y: u32,
    pub x_lo: u32,
    pub x_hi: u32,
    pub x_pt: u32,
}

#[derive(Debug, Serialize)]
pub struct PartitionStats {
    pub worst: String,
    pub gap_abs: String,
    pub gap_rel: String,
    pub share: String,
    pub difference: String,
    pub ratio: String,
    pub p_value: String,
    pub p_adjusted: String,
    pub significant: bool,
}

#[derive(Debug, Serialize)]
pub struct PartitionRow {
    pub anchor: String,
    pub model: String,
    pub partition: String,
    pub source: String,
    pub cohorts: String,
    pub worst_error: String,
    pub stats: PartitionStats,
    /// Embedding partitions: how k was chosen and how stable the clustering is across seeds.
    pub clustering: String,
    /// The clustering is unstable (adjusted Rand index below the threshold).
    pub unstable: bool,
}

/// One row of the fusion-gain table: a hybrid model against the best single modality on a cohort.
#[derive(Debug, Serialize)]
pub struct FusionRow {
    pub partition: String,
    pub cohort: String,
    pub hybrid: String,
    pub hybrid_accuracy: String,
    pub best_single: String,
    pub best_single_accuracy: String,
    pub gain: String,
    pub positive: bool,
}

fn stats_view(c: &CohortReport) -> PartitionStats {
    PartitionStats {
        worst: or_missing(c.worst.clone()),
        gap_abs: f::opt(c.gap_abs, f::points),
        gap_rel: f::opt(c.gap_rel_pct, f::percent_value),
        share: f::opt(c.worst_share_pct, f::percent_value),
        difference: f::opt(c.difference, f::points),
        ratio: f::opt(c.ratio, f::ratio),
        p_value: f::opt(c.p_value, f::p_value),
        p_adjusted: f::opt(c.p_adjusted, f::p_value),
        significant: significant(c.p_adjusted),
    }
}

const ROW_H: u32 = 18;

/// The chart of every partition of every model, and the partition table's rows.
pub(super) fn cohort_views(models: &[Entry<'_>]) -> (Vec<PartitionView>, Vec<PartitionRow>) {
    let mut views = Vec::new();
    let mut rows = Vec::new();
    for (mi, (name, _, m, _)) in models.iter().enumerate() {
        for (pi, c) in m.cohorts.iter().enumerate() {
            let anchor = format!("cohorts-{}-{}", mi + 1, pi + 1);
            let cis: Vec<(f64, f64)> = c
                .groups
                .iter()
                .map(|g| {
                    let ci = cohort_error_interval(g.error_rate_ci, g.error_rate, g.items);
                    (ci.low, ci.high)
                })
                .collect();
            let overall = 1.0 - m.metrics.accuracy;
            let hi = cis
                .iter()
                .map(|&(_, h)| h)
                .chain(c.groups.iter().map(|g| g.error_rate))
                .chain(std::iter::once(overall))
                .filter(|x| x.is_finite())
                .fold(0.0, f64::max);
            let axis = Axis {
                left: 170,
                width: 380,
                max: nice_max(hi.max(0.05)).min(1.0),
            };
            let top: u32 = 8;
            let groups: Vec<GroupRow> = c
                .groups
                .iter()
                .zip(&cis)
                .enumerate()
                .map(|(gi, (g, &(lo, hi)))| {
                    let y = top + gi as u32 * ROW_H;
                    GroupRow {
                        name: g.name.clone(),
                        short: shorten(&g.name, 22),
                        items: f::count(g.items),
                        speakers: f::count(g.speakers),
                        error: f::percent(g.error_rate),
                        ci: f::percent_interval(lo, hi),
                        accuracy: f::percent(g.accuracy),
                        macro_f1: f::score(g.macro_f1),
                        ece: f::opt(g.probability.and_then(|p| p.ece), f::score),
                        roc_auc: f::opt(g.probability.and_then(|p| p.roc_auc), f::score),
                        worst: c.worst.as_deref() == Some(g.name.as_str()),
                        small: small_cohort(g.items),
                        y,
                        text_y: y + ROW_H / 2 + 4,
                        x_lo: axis.x(lo),
                        x_hi: axis.x(hi),
                        x_pt: axis.x(g.error_rate),
                    }
                })
                .collect();
            let axis_y = top + c.groups.len() as u32 * ROW_H + 4;
            let worst_error = c
                .worst
                .as_ref()
                .and_then(|w| c.groups.iter().find(|g| &g.name == w))
                .map(|g| f::percent(g.error_rate))
                .unwrap_or_else(|| f::MISSING.into());
            rows.push(PartitionRow {
                anchor: anchor.clone(),
                model: name.clone(),
                partition: c.partition.clone(),
                source: c.source.clone(),
                cohorts: c.groups.len().to_string(),
                worst_error,
                stats: stats_view(c),
                clustering: clustering(c),
                unstable: unstable_clustering(c.stability_ari),
            });
            views.push(PartitionView {
                has_probability: c.groups.iter().any(|g| g.probability.is_some()),
                anchor,
                model: name.clone(),
                partition: c.partition.clone(),
                source: c.source.clone(),
                open: mi == 0,
                width: axis.left + axis.width + 24,
                height: axis_y + 22,
                plot_x: axis.left,
                plot_right: axis.left + axis.width,
                axis_y,
                overall_x: axis.x(overall),
                overall: f::percent(overall),
                ticks: axis.ticks(f::percent),
                groups,
                stats: stats_view(c),
                examples: m
                    .examples
                    .iter()
                    .filter(|e| e.partition == c.partition)
                    .map(|e| ExampleView {
                        cohort: e.cohort.clone(),
                        id: e.id.clone(),
                        label: e.label.clone(),
                        pred: e.pred.clone(),
                        confidence: e
                            .confidence
                            .map(f::score)
                            .unwrap_or_else(|| f::MISSING.into()),
                        text: e.text.clone().unwrap_or_default(),
                    })
                    .collect(),
            });
        }
    }
    (views, rows)
}

/// How an embedding partition's k was chosen and how stable it is; empty for metadata ones.
fn clustering(c: &CohortReport) -> String {
    match (c.k, c.stability_ari) {
        (Some(k), Some(ari)) => format!(
            "k = {k}{}, ARI {}",
            c.k_method
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default(),
            f::score(ari)
        ),
        (Some(k), None) => format!("k = {k}"),
        _ => String::new(),
    }
}

/// The fusion-gain rows of every run's fairness summary.
pub(super) fn fusion_rows(runs: &[RunInput<'_>]) -> Vec<FusionRow> {
    runs.iter()
        .filter_map(|r| r.report.fairness.as_ref())
        .flat_map(|f| &f.fusion_gain)
        .map(|g| FusionRow {
            partition: g.partition.clone(),
            cohort: g.cohort.clone(),
            hybrid: g.hybrid.clone(),
            hybrid_accuracy: f::score(g.hybrid_accuracy),
            best_single: g.best_single.clone(),
            best_single_accuracy: f::score(g.best_single_accuracy),
            gain: f::points(g.gain),
            positive: g.gain > 0.0,
        })
        .collect()
}
