//! report.md: the headline content of a report as GitHub-flavoured Markdown, small enough for
//! `$GITHUB_STEP_SUMMARY`. Numbers are formatted here; the template only places them.

use minijinja::{context, Environment};
use serde::Serialize;
use tonebench_core::bootstrap::Interval;
use tonebench_core::report::Report;

const TEMPLATE: &str = include_str!("../../../templates/markdown/report.md");

use super::format;
pub use super::format::score as num;
use super::RenderError;

/// A metric and its interval: `0.599 [0.579, 0.619]`.
pub fn with_ci(v: f64, ci: Option<&Interval>) -> String {
    match ci {
        Some(ci) => format!("{} [{}, {}]", num(v), num(ci.low), num(ci.high)),
        None => num(v),
    }
}

pub use tonebench_core::text::markdown_cell as cell;

#[derive(Serialize)]
struct ModelView {
    name: String,
    modality: &'static str,
    accuracy: String,
    balanced_accuracy: String,
    macro_f1: String,
    kappa: String,
    rows: Vec<RowView>,
    confusion_header: String,
    confusion_rule: String,
    confusion: Vec<ConfusionRow>,
    /// The probability metrics (metric, value [CI]), when the model gave probabilities.
    probability: Vec<ProbRow>,
    source: String,
}

#[derive(Serialize)]
struct ProbRow {
    metric: String,
    value: String,
}

/// `metrics.probability` as table rows: value [interval], `—` where undefined.
fn probability_rows(x: &tonebench_core::report::MetricsReport) -> Vec<ProbRow> {
    let Some(p) = &x.probability else {
        return Vec::new();
    };
    let iv = x.intervals.as_ref().and_then(|i| i.probability.as_ref());
    let show = |v: Option<f64>, ci: Option<&Interval>| match v {
        Some(v) => with_ci(v, ci),
        None => "— (undefined)".to_string(),
    };
    let bins = p.ece.bins;
    [
        (
            "ROC-AUC macro (one-vs-rest)",
            p.roc_auc.macro_avg,
            iv.and_then(|i| i.roc_auc.macro_avg.as_ref()),
        ),
        (
            "ROC-AUC weighted",
            p.roc_auc.weighted,
            iv.and_then(|i| i.roc_auc.weighted.as_ref()),
        ),
        (
            "average precision macro",
            p.average_precision.macro_avg,
            iv.and_then(|i| i.average_precision.macro_avg.as_ref()),
        ),
        (
            "log loss (lower is better)",
            p.log_loss,
            iv.and_then(|i| i.log_loss.as_ref()),
        ),
        (
            "Brier score (lower is better)",
            p.brier,
            iv.and_then(|i| i.brier.as_ref()),
        ),
        (
            &format!("ECE, {bins} equal-width bins (lower is better)") as &str,
            p.ece.equal_width,
            iv.and_then(|i| i.ece.equal_width.as_ref()),
        ),
        (
            &format!("ECE, {bins} equal-mass bins (lower is better)") as &str,
            p.ece.equal_mass,
            iv.and_then(|i| i.ece.equal_mass.as_ref()),
        ),
    ]
    .into_iter()
    .map(|(metric, v, ci)| ProbRow {
        metric: metric.to_string(),
        value: show(v, ci),
    })
    .collect()
}

#[derive(Serialize)]
struct ComparisonView {
    a: String,
    b: String,
    accuracy: String,
    mcnemar: String,
    macro_f1: String,
}

#[derive(Serialize)]
struct PartitionView {
    model: String,
    partition: String,
    source: String,
    cohorts: String,
    worst: String,
    worst_error: String,
    gap: String,
    share: String,
    p: String,
}

#[derive(Serialize)]
struct RowView {
    class: String,
    precision: String,
    recall: String,
    f1: String,
    support: String,
}

/// One row of the latency table: a model at one batch size.
#[derive(Serialize)]
struct LatencyRow {
    model: String,
    device: String,
    batch: String,
    calls: String,
    p50: String,
    p90: String,
    p99: String,
    mean: String,
    throughput: String,
    rtf: String,
}

fn latency_rows(report: &Report) -> Vec<LatencyRow> {
    let ms = |v: f64| format!("{v:.3}");
    let rtf = |r: Option<f64>| r.map(|r| format!("{r:.4}")).unwrap_or_else(|| "–".into());
    let mut rows = Vec::new();
    for m in &report.models {
        let Some(l) = &m.latency else { continue };
        let device = cell(&format!("{} ({})", l.device, l.provider));
        if l.batches.is_empty() {
            rows.push(LatencyRow {
                model: cell(&m.name),
                device,
                batch: "–".into(),
                calls: l
                    .iterations
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "–".into()),
                p50: ms(l.p50_ms),
                p90: ms(l.p90_ms),
                p99: ms(l.p99_ms),
                mean: ms(l.mean_ms),
                throughput: format!("{:.1}", l.throughput_per_s),
                rtf: rtf(l.rtf),
            });
            continue;
        }
        for b in &l.batches {
            rows.push(LatencyRow {
                model: cell(&m.name),
                device: device.clone(),
                batch: b.batch.to_string(),
                calls: b.iterations.to_string(),
                p50: ms(b.latency.p50_ms),
                p90: ms(b.latency.p90_ms),
                p99: ms(b.latency.p99_ms),
                mean: ms(b.latency.mean_ms),
                throughput: format!("{:.1}", b.throughput_per_s),
                rtf: rtf(b.rtf),
            });
        }
    }
    rows
}

/// The streaming section of a streamed model.
#[derive(Serialize)]
struct StreamingView {
    model: String,
    windowing: String,
    counts: String,
    rolling: String,
    speech_source: String,
    speech_rule: String,
    speech: String,
    speech_counts: String,
    levels: Vec<LevelRow>,
    intervals: bool,
    first_decision: String,
    changes: String,
    change_delay: String,
    batch: String,
    caveats: Vec<String>,
    calls: Vec<CallRow>,
}

#[derive(Serialize)]
struct LevelRow {
    name: String,
    scored: String,
    accuracy: String,
    balanced_accuracy: String,
    macro_f1: String,
}

#[derive(Serialize)]
struct CallRow {
    id: String,
    duration: String,
    truth: String,
    pred: String,
    oracle_pred: String,
    p_truth: String,
}

fn streaming_views(report: &Report) -> Vec<StreamingView> {
    use super::streaming as st;
    report
        .models
        .iter()
        .filter_map(|m| m.streaming.as_deref().map(|s| (m, s)))
        .map(|(m, s)| {
            let x = st::facts(s);
            let mark = |wrong: bool, l: &str| {
                if wrong {
                    format!("**{}**", cell(l))
                } else {
                    cell(l)
                }
            };
            StreamingView {
                model: cell(&m.name),
                windowing: x.windowing,
                counts: x.counts,
                rolling: x.rolling,
                speech_source: cell(&x.speech_source),
                speech_rule: cell(&x.speech_rule),
                speech: format!(
                    "precision {} · recall {} · F1 {}",
                    x.speech_precision, x.speech_recall, x.speech_f1
                ),
                speech_counts: x.speech_counts,
                levels: st::levels(s)
                    .iter()
                    .map(|l| {
                        let (mx, iv) = (l.metrics, l.metrics.intervals.as_ref());
                        LevelRow {
                            name: l.name.to_string(),
                            scored: format::count(l.scored()),
                            accuracy: with_ci(mx.accuracy, iv.map(|i| &i.accuracy)),
                            balanced_accuracy: with_ci(
                                mx.balanced_accuracy,
                                iv.map(|i| &i.balanced_accuracy),
                            ),
                            macro_f1: with_ci(mx.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                        }
                    })
                    .collect(),
                intervals: x.intervals,
                first_decision: x.first_decision,
                changes: x.changes,
                change_delay: x.change_delay,
                batch: x.batch,
                caveats: x.caveats,
                calls: s
                    .timelines
                    .iter()
                    .map(|t| {
                        let c = st::call_facts(t);
                        CallRow {
                            id: cell(&c.id),
                            duration: c.duration,
                            truth: cell(&c.truth),
                            pred: mark(c.wrong, &c.pred),
                            oracle_pred: mark(c.oracle_wrong, &c.oracle_pred),
                            p_truth: c.p_truth,
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct ConfusionRow {
    label: String,
    cells: String,
}

/// The robustness rows, safe inside table cells.
fn robustness_rows(report: &Report) -> Vec<super::robustness::RobustnessRow> {
    super::robustness::rows(report)
        .into_iter()
        .map(|mut r| {
            for s in [
                &mut r.model,
                &mut r.condition,
                &mut r.parameters,
                &mut r.cohorts,
            ] {
                *s = cell(s);
            }
            r
        })
        .collect()
}

/// Renders report.md.
pub fn render(report: &Report) -> Result<String, RenderError> {
    render_template(report).map_err(|e| RenderError::template(TEMPLATE_NAME, &e))
}

/// The name the Markdown template has in its environment (and in error messages).
const TEMPLATE_NAME: &str = "markdown/report";

fn render_template(report: &Report) -> Result<String, minijinja::Error> {
    let labels: Vec<String> = report.suite.labels.iter().map(|l| cell(l)).collect();
    let models: Vec<ModelView> = report
        .models
        .iter()
        .map(|m| {
            let x = &m.metrics;
            let iv = x.intervals.as_ref();
            let mut rows: Vec<RowView> = x
                .per_class
                .iter()
                .map(|(name, c)| {
                    let ci = iv.and_then(|i| i.per_class.get(name));
                    RowView {
                        class: cell(name),
                        precision: with_ci(c.precision, ci.map(|c| &c.precision)),
                        recall: with_ci(c.recall, ci.map(|c| &c.recall)),
                        f1: with_ci(c.f1, ci.map(|c| &c.f1)),
                        support: c.support.to_string(),
                    }
                })
                .collect();
            let total = report.suite.items.to_string();
            for (name, avg) in [("macro avg", &x.macro_avg), ("weighted avg", &x.weighted)] {
                rows.push(RowView {
                    class: format!("*{name}*"),
                    precision: num(avg.precision),
                    recall: num(avg.recall),
                    f1: num(avg.f1),
                    support: total.clone(),
                });
            }
            ModelView {
                name: cell(&m.name),
                modality: m.modality.as_str(),
                accuracy: with_ci(x.accuracy, iv.map(|i| &i.accuracy)),
                balanced_accuracy: with_ci(x.balanced_accuracy, iv.map(|i| &i.balanced_accuracy)),
                macro_f1: with_ci(x.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                kappa: num(x.cohen_kappa),
                rows,
                confusion_header: labels.join(" | "),
                confusion_rule: "---|".repeat(labels.len()),
                confusion: x
                    .confusion
                    .matrix
                    .iter()
                    .zip(&labels)
                    .map(|(r, l)| ConfusionRow {
                        label: l.clone(),
                        cells: r.iter().map(u64::to_string).collect::<Vec<_>>().join(" | "),
                    })
                    .collect(),
                probability: probability_rows(x),
                source: format!(
                    "{} `{}` (sha256 {})",
                    m.source.kind,
                    cell(&m.source.path),
                    &m.source.sha256.get(..12).unwrap_or(&m.source.sha256)
                ),
            }
        })
        .collect();
    let s = &report.suite;
    let mut line = format!("{} items · labels: {}", s.items, labels.join(", "));
    if let Some(sp) = s.speakers {
        line.push_str(&format!(" · {sp} speakers"));
    }
    if s.dropped > 0 {
        line.push_str(&format!(" · {} rows dropped by label-map", s.dropped));
    }
    let b = &report.bootstrap;
    let bootstrap = if b.resamples > 0 {
        format!(
            "Intervals: {:.0} % {} bootstrap over {}s, {} resamples, seed {}.",
            b.confidence * 100.0,
            b.method,
            b.unit,
            b.resamples,
            b.seed
        )
    } else {
        "No confidence intervals were computed.".to_string()
    };
    let warnings: Vec<String> = report
        .warnings
        .iter()
        .map(|w| cell(&w.message))
        .chain(report.models.iter().flat_map(|m| {
            m.warnings
                .iter()
                .map(move |w| format!("{}: {}", cell(&m.name), cell(&w.message)))
        }))
        .collect();
    let comparisons: Vec<ComparisonView> = report
        .comparisons
        .iter()
        .map(|c| {
            let diff = |metric: &str| {
                c.diffs
                    .iter()
                    .find(|d| d.metric == metric)
                    .map(|d| {
                        format!(
                            "{} [{}, {}]",
                            format::signed_score(d.diff),
                            format::signed_score(d.low),
                            format::signed_score(d.high)
                        )
                    })
                    .unwrap_or_else(|| format::MISSING.into())
            };
            ComparisonView {
                a: cell(&c.a),
                b: cell(&c.b),
                accuracy: diff("accuracy"),
                mcnemar: format!(
                    "{} ({} vs {})",
                    format::p_value(c.mcnemar.p_value),
                    c.mcnemar.candidate_only,
                    c.mcnemar.baseline_only
                ),
                macro_f1: diff("macro.f1"),
            }
        })
        .collect();
    let partitions: Vec<PartitionView> = report
        .models
        .iter()
        .flat_map(|m| m.cohorts.iter().map(move |c| (m, c)))
        .map(|(m, c)| {
            let worst = c.worst.as_ref();
            let worst_error = worst
                .and_then(|w| c.groups.iter().find(|g| &g.name == w))
                .map(|g| format::percent(g.error_rate))
                .unwrap_or_else(|| format::MISSING.into());
            let opt = |v: Option<f64>, f: fn(f64) -> String| {
                v.map(f).unwrap_or_else(|| format::MISSING.into())
            };
            PartitionView {
                model: cell(&m.name),
                partition: cell(&c.partition),
                source: cell(&c.source),
                cohorts: c.groups.len().to_string(),
                worst: worst
                    .map(|w| cell(w))
                    .unwrap_or_else(|| format::MISSING.into()),
                worst_error,
                gap: opt(c.gap_abs, format::points),
                share: opt(c.worst_share_pct, format::percent_value),
                p: opt(c.p_adjusted, format::p_value),
            }
        })
        .collect();
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    env.get_template(TEMPLATE_NAME)?.render(context! {
        suite => context! { name => cell(&s.name), line => line },
        bootstrap => bootstrap,
        models => minijinja::Value::from(minijinja::value::Serde(models)),
        comparisons => minijinja::Value::from(minijinja::value::Serde(comparisons)),
        partitions => minijinja::Value::from(minijinja::value::Serde(partitions)),
        warnings => warnings,
        latency => minijinja::Value::from(minijinja::value::Serde(latency_rows(report))),
        streaming => minijinja::Value::from(minijinja::value::Serde(streaming_views(report))),
        robustness => minijinja::Value::from(minijinja::value::Serde(robustness_rows(report))),
    })
}
