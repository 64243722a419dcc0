//! The HTML report's view model: every number formatted, every chart laid out, in Rust.
//!
//! [`build_view`] turns one or more reports into a [`ReportView`] of strings and pixel
//! coordinates; the templates in `templates/html/` only place them. Nothing here computes a
//! metric: the one derived statistic is the Wilson interval drawn as a cohort's whisker when a
//! report.json carries cohort error rates without intervals.

use serde::Serialize;
use tonebench_core::bootstrap::Interval;
use tonebench_core::paired::ModelComparison;
use tonebench_core::report::{CohortReport, LatencyReport, ModelReport, Report};

use super::format as f;
use super::{GateVerdict, HtmlOptions};

/// One run given to the renderer, with the label that tells its models apart in a comparison.
pub struct RunInput<'a> {
    /// `None` for a single report; a short name (usually the run folder's) in a comparison.
    pub label: Option<String>,
    pub report: &'a Report,
}

#[derive(Debug, Serialize)]
pub struct ReportView {
    pub title: String,
    pub generator: String,
    pub is_compare: bool,
    pub runs: Vec<RunView>,
    pub models: Vec<ModelView>,
    pub headline_names: Vec<String>,
    pub gates: Vec<GateView>,
    pub gate_summary: Option<String>,
    pub gates_passed: bool,
    pub comparison: ComparisonView,
    pub differences: Vec<DiffView>,
    /// Whether every difference comes from a paired, item-level comparison.
    pub differences_paired: bool,
    pub confusions: Vec<ConfusionView>,
    pub partitions: Vec<PartitionView>,
    pub partition_rows: Vec<PartitionRow>,
    pub fusion: Vec<FusionRow>,
    pub latency: Option<LatencyView>,
    pub warnings: Vec<WarningView>,
}

#[derive(Debug, Serialize)]
pub struct RunView {
    pub label: Option<String>,
    pub suite: String,
    pub description: String,
    pub items: String,
    pub labels: Vec<String>,
    pub speakers: String,
    pub dropped: String,
    pub manifest_sha256: String,
    pub manifest_short: String,
    pub items_sha256: String,
    pub items_short: String,
    pub tonebench_version: String,
    pub schema_version: String,
    pub intervals: String,
    pub seed: String,
}

#[derive(Debug, Serialize)]
pub struct ModelView {
    pub anchor: String,
    pub name: String,
    pub run: Option<String>,
    pub modality: String,
    pub source_kind: String,
    pub path: String,
    pub sha256: String,
    pub sha256_short: String,
    pub ort_version: String,
    pub provider: String,
    pub batch_size: String,
    pub threads: String,
    pub files: Vec<FileView>,
    pub headline: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub struct FileView {
    pub path: String,
    pub sha256: String,
    pub short: String,
}

/// A formatted value with its interval and whether it is the best of its row.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub value: String,
    pub ci: Option<String>,
    pub best: bool,
    #[serde(skip)]
    raw: f64,
}

impl Cell {
    fn new(raw: f64, ci: Option<&Interval>) -> Cell {
        Cell {
            value: f::score(raw),
            ci: ci.map(f::interval),
            best: false,
            raw,
        }
    }

    fn missing() -> Cell {
        Cell {
            value: f::MISSING.to_string(),
            ci: None,
            best: false,
            raw: f64::NAN,
        }
    }
}

/// Marks the highest finite value(s) of `cells` as best, when there is something to compare.
fn mark_best<'a>(cells: impl IntoIterator<Item = &'a mut Cell>) {
    let mut cells: Vec<&mut Cell> = cells.into_iter().collect();
    let finite = cells.iter().filter(|c| c.raw.is_finite()).count();
    if finite < 2 {
        return;
    }
    let max = cells
        .iter()
        .map(|c| c.raw)
        .filter(|x| x.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    for c in cells.iter_mut() {
        c.best = c.raw.is_finite() && (c.raw - max).abs() < 1e-12;
    }
}

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

#[derive(Debug, Serialize)]
pub struct ConfusionView {
    pub anchor: String,
    pub model: String,
    pub width: u32,
    pub height: u32,
    pub cells: Vec<ConfusionCell>,
    pub col_labels: Vec<AxisLabel>,
    pub row_labels: Vec<AxisLabel>,
    pub axis_x: u32,
    pub axis_y: u32,
    pub grid_mid_x: u32,
    pub grid_mid_y: u32,
}

#[derive(Debug, Serialize)]
pub struct ConfusionCell {
    pub x: u32,
    pub y: u32,
    pub size: u32,
    pub cx: u32,
    pub cy: u32,
    pub fill: String,
    pub ink: String,
    pub count: String,
    pub rate: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct AxisLabel {
    pub x: u32,
    pub y: u32,
    pub text: String,
    pub full: String,
}

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
pub struct Tick {
    pub x: u32,
    pub label: String,
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

#[derive(Debug, Serialize)]
pub struct LatencyView {
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub plot_right: u32,
    pub axis_y: u32,
    pub ticks: Vec<Tick>,
    pub rows: Vec<LatencyRow>,
}

#[derive(Debug, Serialize)]
pub struct LatencyRow {
    pub model: String,
    pub short: String,
    pub device: String,
    pub provider: String,
    pub p50: String,
    pub p90: String,
    pub p95: String,
    pub p99: String,
    pub mean: String,
    pub throughput: String,
    pub rtf: String,
    pub y: u32,
    pub mid_y: u32,
    pub text_y: u32,
    pub x50: u32,
    pub x90: u32,
    pub x95: u32,
    pub x99: u32,
    pub xmean: u32,
}

#[derive(Debug, Serialize)]
pub struct WarningView {
    pub scope: String,
    pub code: String,
    pub metric: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct GateView {
    pub name: String,
    pub model: String,
    pub passed: bool,
    pub status: String,
    pub detail: String,
}

/// Builds the view of one report (`runs.len() == 1`) or of a side-by-side comparison.
pub fn build_view(runs: &[RunInput<'_>], opts: &HtmlOptions) -> ReportView {
    let is_compare = runs.len() > 1;
    let mut models: Vec<(String, Option<String>, &ModelReport, &Report)> = Vec::new();
    for run in runs {
        for m in &run.report.models {
            let name = match (&run.label, is_compare) {
                (Some(l), true) => format!("{l} · {}", m.name),
                _ => m.name.clone(),
            };
            models.push((name, run.label.clone(), m, run.report));
        }
    }

    let title = opts.title.clone().unwrap_or_else(|| {
        let mut suites: Vec<&str> = Vec::new();
        for r in runs {
            if !suites.contains(&r.report.suite.name.as_str()) {
                suites.push(&r.report.suite.name);
            }
        }
        if is_compare {
            format!("tonebench comparison — {}", suites.join(", "))
        } else {
            format!("tonebench report — {}", suites.join(", "))
        }
    });

    let run_views = runs.iter().map(run_view).collect();
    let model_views = model_summaries(&models);
    let (gates, gate_summary, gates_passed) = gate_views(&opts.gates);

    let mut warnings = Vec::new();
    if is_compare {
        let first = &runs[0].report.suite;
        for r in &runs[1..] {
            let s = &r.report.suite;
            if s.name != first.name || s.items_sha256 != first.items_sha256 {
                warnings.push(WarningView {
                    scope: r.label.clone().unwrap_or_default(),
                    code: "different_suite".into(),
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
    for (name, _, m, _) in &models {
        for w in &m.warnings {
            warnings.push(warning_view(name, w));
        }
    }

    let (partitions, partition_rows) = cohort_views(&models);

    ReportView {
        title,
        generator: format!("tonebench {}", env!("CARGO_PKG_VERSION")),
        is_compare,
        runs: run_views,
        models: model_views,
        headline_names: HEADLINE.iter().map(|s| s.to_string()).collect(),
        gates,
        gate_summary,
        gates_passed,
        comparison: comparison_view(&models),
        differences_paired: {
            let d = differences(&models, &opts.paired);
            !d.is_empty() && d.iter().all(|v| v.paired)
        },
        differences: differences(&models, &opts.paired),
        confusions: models
            .iter()
            .enumerate()
            .map(|(i, (name, _, m, _))| confusion_view(i, name, m))
            .collect(),
        partitions,
        partition_rows,
        fusion: runs
            .iter()
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
            .collect(),
        latency: latency_view(&models),
        warnings,
    }
}

const HEADLINE: [&str; 5] = [
    "Accuracy (WA)",
    "Balanced acc. (UA)",
    "Macro-F1",
    "Weighted-F1",
    "Cohen's κ",
];

fn run_view(run: &RunInput<'_>) -> RunView {
    let r = run.report;
    let b = &r.bootstrap;
    let intervals = if b.resamples == 0 {
        "none (no resamples)".to_string()
    } else {
        format!(
            "{} {} bootstrap over {}s, {} resamples",
            f::confidence(b.confidence),
            b.method,
            b.unit,
            f::count(b.resamples as u64)
        )
    };
    RunView {
        label: run.label.clone(),
        suite: r.suite.name.clone(),
        description: r.suite.description.clone(),
        items: f::count(r.suite.items),
        labels: r.suite.labels.clone(),
        speakers: r
            .suite
            .speakers
            .map(f::count)
            .unwrap_or_else(|| f::MISSING.into()),
        dropped: f::count(r.suite.dropped),
        manifest_sha256: r.suite.manifest_sha256.clone(),
        manifest_short: f::short_hash(&r.suite.manifest_sha256),
        items_sha256: r.suite.items_sha256.clone(),
        items_short: f::short_hash(&r.suite.items_sha256),
        tonebench_version: r.tonebench_version.clone(),
        schema_version: r.schema_version.to_string(),
        intervals,
        seed: b.seed.to_string(),
    }
}

fn or_missing(s: Option<String>) -> String {
    s.unwrap_or_else(|| f::MISSING.to_string())
}

fn model_summaries(models: &[(String, Option<String>, &ModelReport, &Report)]) -> Vec<ModelView> {
    let mut views: Vec<ModelView> = models
        .iter()
        .enumerate()
        .map(|(i, (name, run, m, _))| {
            let x = &m.metrics;
            let iv = x.intervals.as_ref();
            ModelView {
                anchor: format!("model-{}", i + 1),
                name: name.clone(),
                run: run.clone(),
                modality: m.modality.as_str().to_string(),
                source_kind: m.source.kind.clone(),
                path: m.source.path.clone(),
                sha256: m.source.sha256.clone(),
                sha256_short: f::short_hash(&m.source.sha256),
                ort_version: or_missing(m.source.ort_version.clone()),
                provider: or_missing(m.source.provider.clone()),
                batch_size: or_missing(m.source.batch_size.map(|b| b.to_string())),
                threads: or_missing(m.source.threads.map(|t| t.to_string())),
                files: m
                    .source
                    .files
                    .iter()
                    .map(|(p, h)| FileView {
                        path: p.clone(),
                        sha256: h.clone(),
                        short: f::short_hash(h),
                    })
                    .collect(),
                headline: vec![
                    Cell::new(x.accuracy, iv.map(|i| &i.accuracy)),
                    Cell::new(x.balanced_accuracy, iv.map(|i| &i.balanced_accuracy)),
                    Cell::new(x.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                    Cell::new(x.weighted.f1, None),
                    Cell::new(x.cohen_kappa, None),
                ],
            }
        })
        .collect();
    for col in 0..HEADLINE.len() {
        mark_best(views.iter_mut().map(|v| &mut v.headline[col]));
    }
    views
}

fn gate_views(gates: &[GateVerdict]) -> (Vec<GateView>, Option<String>, bool) {
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

fn warning_view(scope: &str, w: &tonebench_core::report::Warning) -> WarningView {
    WarningView {
        scope: scope.to_string(),
        code: w.code.clone(),
        metric: w.metric.clone().unwrap_or_default(),
        message: w.message.clone(),
    }
}

/// The union of the runs' label sets, in order of first appearance.
fn all_labels(models: &[(String, Option<String>, &ModelReport, &Report)]) -> Vec<String> {
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

fn comparison_view(models: &[(String, Option<String>, &ModelReport, &Report)]) -> ComparisonView {
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

/// Pairwise differences in accuracy, balanced accuracy and macro-F1, judged by whether the two
/// models' bootstrap intervals overlap (report.json has no per-item data for a paired test).
fn differences(
    models: &[(String, Option<String>, &ModelReport, &Report)],
    paired: &[ModelComparison],
) -> Vec<DiffView> {
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
                    let (verdict, better) = match (ia, ib) {
                        (Some(ia), Some(ib)) => {
                            if ia.low > ib.high {
                                ("intervals disjoint".to_string(), "a".to_string())
                            } else if ib.low > ia.high {
                                ("intervals disjoint".to_string(), "b".to_string())
                            } else {
                                ("intervals overlap".to_string(), String::new())
                            }
                        }
                        _ => ("no intervals".to_string(), String::new()),
                    };
                    DiffCell {
                        metric: metric.to_string(),
                        delta: f::signed_score(va - vb),
                        verdict,
                        better,
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
    a: &(String, Option<String>, &ModelReport, &Report),
    b: &(String, Option<String>, &ModelReport, &Report),
    across_runs: &[ModelComparison],
) -> Option<DiffView> {
    let c = if std::ptr::eq(a.3, b.3) {
        a.3.comparisons
            .iter()
            .find(|c| c.a == a.2.name && c.b == b.2.name)?
    } else {
        across_runs.iter().find(|c| c.a == a.0 && c.b == b.0)?
    };
    let pct = (a.3.bootstrap.confidence * 100.0).round();
    let metrics = c
        .diffs
        .iter()
        .map(|d| {
            // With few discordant items the percentile interval is optimistic, so for accuracy
            // the exact McNemar test must agree before a model is called better.
            let alpha = 1.0 - a.3.bootstrap.confidence;
            let exact_agrees = d.metric != "accuracy" || c.mcnemar.p_value < alpha;
            let better = if d.low > 0.0 && exact_agrees {
                "a"
            } else if d.high < 0.0 && exact_agrees {
                "b"
            } else {
                ""
            };
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
                better: better.into(),
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

/// Shortens a label for a chart axis; the full text goes into a `<title>`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Sequential blue colour scale for a rate in [0, 1]: white-ish to dark blue.
fn blue(rate: f64) -> String {
    let t = if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (r0, g0, b0) = (247.0, 251.0, 255.0);
    let (r1, g1, b1) = (8.0, 48.0, 107.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

fn confusion_view(index: usize, name: &str, m: &ModelReport) -> ConfusionView {
    let c = &m.metrics.confusion;
    let k = c.labels.len().max(1) as u32;
    let size: u32 = match k {
        0..=4 => 72,
        5..=7 => 60,
        8..=12 => 44,
        _ => 32,
    };
    let max_label = c
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    let left = (max_label.min(16) as u32) * 7 + 28;
    let top: u32 = 44;
    let mut cells = Vec::new();
    for (r, row) in c.matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (col, &n) in row.iter().enumerate() {
            let rate = if total == 0 {
                f64::NAN
            } else {
                n as f64 / total as f64
            };
            let (x, y) = (left + col as u32 * size, top + r as u32 * size);
            let truth = c.labels.get(r).map(String::as_str).unwrap_or("?");
            let pred = c.labels.get(col).map(String::as_str).unwrap_or("?");
            cells.push(ConfusionCell {
                x,
                y,
                size,
                cx: x + size / 2,
                cy: y + size / 2,
                fill: blue(rate),
                ink: if rate > 0.5 { "#fff" } else { "#1b1f24" }.to_string(),
                count: f::count(n),
                rate: f::percent(rate),
                title: format!(
                    "true {truth}, predicted {pred}: {} of {} ({})",
                    f::count(n),
                    f::count(total),
                    f::percent(rate)
                ),
            });
        }
    }
    let short = if size < 50 { 6 } else { 10 };
    let col_labels = c
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| AxisLabel {
            x: left + i as u32 * size + size / 2,
            y: top - 8,
            text: shorten(l, short),
            full: l.clone(),
        })
        .collect();
    let row_labels = c
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| AxisLabel {
            x: left - 8,
            y: top + i as u32 * size + size / 2 + 4,
            text: shorten(l, 16),
            full: l.clone(),
        })
        .collect();
    ConfusionView {
        anchor: format!("confusion-{}", index + 1),
        model: name.to_string(),
        width: left + k * size + 8,
        height: top + k * size + 8,
        cells,
        col_labels,
        row_labels,
        axis_x: left + k * size / 2,
        axis_y: 14,
        grid_mid_x: 12,
        grid_mid_y: top + k * size / 2,
    }
}

/// The Wilson score interval of a binomial proportion at 95 %.
pub fn wilson(successes: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let p = successes / n;
    let z2 = z * z;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten above `x`.
fn nice_max(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 1.0;
    }
    let pow = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * pow + 1e-12 >= x {
            return m * pow;
        }
    }
    10.0 * pow
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
        significant: c.p_adjusted.is_some_and(|p| p < 0.05),
    }
}

const ROW_H: u32 = 18;
/// Cohorts with fewer items are flagged: their error rate is too noisy to act on alone.
const SMALL_COHORT: u64 = 30;

fn cohort_views(
    models: &[(String, Option<String>, &ModelReport, &Report)],
) -> (Vec<PartitionView>, Vec<PartitionRow>) {
    let mut views = Vec::new();
    let mut rows = Vec::new();
    for (mi, (name, _, m, _)) in models.iter().enumerate() {
        for (pi, c) in m.cohorts.iter().enumerate() {
            let anchor = format!("cohorts-{}-{}", mi + 1, pi + 1);
            let cis: Vec<(f64, f64)> = c
                .groups
                .iter()
                // The speaker-level bootstrap interval of the report; reports without one (older
                // files) fall back to a Wilson interval over items.
                .map(|g| match g.error_rate_ci {
                    Some(ci) => (ci.low, ci.high),
                    None => wilson((g.error_rate * g.items as f64).round(), g.items as f64),
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
            let axis_max = nice_max(hi.max(0.05)).min(1.0);
            let plot_x: u32 = 170;
            let plot_w: u32 = 380;
            let top: u32 = 8;
            let xs = |v: f64| -> u32 {
                let t = if v.is_finite() {
                    (v / axis_max).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                plot_x + (t * plot_w as f64).round() as u32
            };
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
                        worst: c.worst.as_deref() == Some(g.name.as_str()),
                        small: g.items < SMALL_COHORT,
                        y,
                        text_y: y + ROW_H / 2 + 4,
                        x_lo: xs(lo),
                        x_hi: xs(hi),
                        x_pt: xs(g.error_rate),
                    }
                })
                .collect();
            let axis_y = top + c.groups.len() as u32 * ROW_H + 4;
            let ticks = (0..=4)
                .map(|t| {
                    let v = axis_max * t as f64 / 4.0;
                    Tick {
                        x: xs(v),
                        label: f::percent(v),
                    }
                })
                .collect();
            let stats = stats_view(c);
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
                clustering: match (c.k, c.stability_ari) {
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
                },
                unstable: c
                    .stability_ari
                    .is_some_and(|a| a < tonebench_core::cohorts::STABILITY_THRESHOLD),
            });
            views.push(PartitionView {
                anchor,
                model: name.clone(),
                partition: c.partition.clone(),
                source: c.source.clone(),
                open: mi == 0,
                width: plot_x + plot_w + 24,
                height: axis_y + 22,
                plot_x,
                plot_right: plot_x + plot_w,
                axis_y,
                overall_x: xs(overall),
                overall: f::percent(overall),
                ticks,
                groups,
                stats,
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

fn latency_view(models: &[(String, Option<String>, &ModelReport, &Report)]) -> Option<LatencyView> {
    let with: Vec<(&String, &LatencyReport)> = models
        .iter()
        .filter_map(|(n, _, m, _)| m.latency.as_ref().map(|l| (n, l)))
        .collect();
    if with.is_empty() {
        return None;
    }
    let hi = with
        .iter()
        .map(|(_, l)| l.p99_ms.max(l.mean_ms))
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let axis_max = nice_max(hi);
    let plot_x: u32 = 170;
    let plot_w: u32 = 380;
    let top: u32 = 8;
    let h: u32 = 22;
    let xs = |v: f64| -> u32 {
        let t = if v.is_finite() {
            (v / axis_max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        plot_x + (t * plot_w as f64).round() as u32
    };
    let rows = with
        .iter()
        .enumerate()
        .map(|(i, (name, l))| {
            let y = top + i as u32 * h;
            LatencyRow {
                model: (*name).clone(),
                short: shorten(name, 22),
                device: l.device.clone(),
                provider: l.provider.clone(),
                p50: f::millis(l.p50_ms),
                p90: f::millis(l.p90_ms),
                p95: f::millis(l.p95_ms),
                p99: f::millis(l.p99_ms),
                mean: f::millis(l.mean_ms),
                throughput: f::per_second(l.throughput_per_s),
                rtf: f::opt(l.rtf, f::ratio),
                y: y + 4,
                mid_y: y + h / 2,
                text_y: y + h / 2 + 4,
                x50: xs(l.p50_ms),
                x90: xs(l.p90_ms),
                x95: xs(l.p95_ms),
                x99: xs(l.p99_ms),
                xmean: xs(l.mean_ms),
            }
        })
        .collect();
    let axis_y = top + with.len() as u32 * h + 4;
    Some(LatencyView {
        width: plot_x + plot_w + 30,
        height: axis_y + 22,
        plot_x,
        plot_right: plot_x + plot_w,
        axis_y,
        ticks: (0..=4)
            .map(|t| {
                let v = axis_max * t as f64 / 4.0;
                Tick {
                    x: xs(v),
                    label: f::millis(v),
                }
            })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_textbook() {
        // 10 errors in 100 items: Wilson 95 % interval 0.0552–0.1744.
        let (lo, hi) = wilson(10.0, 100.0);
        assert!((lo - 0.0552).abs() < 1e-4, "{lo}");
        assert!((hi - 0.1744).abs() < 1e-4, "{hi}");
    }

    #[test]
    fn nice_axis() {
        assert_eq!(nice_max(0.37), 0.5);
        assert!((nice_max(0.2) - 0.2).abs() < 1e-12);
        assert_eq!(nice_max(12.0), 20.0);
    }

    #[test]
    fn colours() {
        assert_eq!(blue(0.0), "#f7fbff");
        assert_eq!(blue(1.0), "#08306b");
    }
}
