//! The probability section: per model, ROC-AUC, average precision, log loss, Brier score and
//! ECE with their intervals, and a reliability diagram (accuracy against mean confidence in the
//! 15 equal-width bins of `metrics.probability.reliability`) as inline SVG.

use serde::Serialize;
use tonebench_core::bootstrap::Interval;
use tonebench_core::report::ProbabilityReport;

use super::{f, Entry};

/// Side of the reliability diagram's plot square, in pixels.
const PLOT: u32 = 200;
/// Left and top margin of the plot.
const LEFT: u32 = 34;
const TOP: u32 = 8;

#[derive(Debug, Serialize)]
pub struct CalibrationView {
    pub model: String,
    pub rows: Vec<MetricRow>,
    /// Per-class ROC-AUC and average precision.
    pub classes: Vec<ClassRow>,
    pub diagram: DiagramView,
}

#[derive(Debug, Serialize)]
pub struct MetricRow {
    pub metric: String,
    pub value: String,
    pub ci: String,
    /// `higher is better` or `lower is better`.
    pub direction: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ClassRow {
    pub label: String,
    pub roc_auc: String,
    pub average_precision: String,
}

#[derive(Debug, Serialize)]
pub struct DiagramView {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
    pub bars: Vec<BarView>,
    pub ticks: Vec<DiagramTick>,
}

/// One bin: a bar up to its accuracy, a dot at (mean confidence, accuracy).
#[derive(Debug, Serialize)]
pub struct BarView {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub dot_x: u32,
    pub dot_y: u32,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct DiagramTick {
    /// Position along both axes (x for the confidence axis, y for the accuracy axis).
    pub x: u32,
    pub y: u32,
    pub label: String,
}

fn px_x(v: f64) -> u32 {
    LEFT + (v.clamp(0.0, 1.0) * PLOT as f64).round() as u32
}

fn px_y(v: f64) -> u32 {
    TOP + ((1.0 - v.clamp(0.0, 1.0)) * PLOT as f64).round() as u32
}

fn ci(i: Option<&Interval>) -> String {
    i.map(f::interval).unwrap_or_else(|| f::MISSING.to_string())
}

/// One view per model with probabilities (none for reports without them).
pub(super) fn calibration_views(models: &[Entry<'_>]) -> Vec<CalibrationView> {
    models
        .iter()
        .filter_map(|(name, _, m, _)| {
            let p = m.metrics.probability.as_ref()?;
            let iv = m
                .metrics
                .intervals
                .as_ref()
                .and_then(|i| i.probability.as_ref());
            Some(view(name, p, iv))
        })
        .collect()
}

fn view(
    name: &str,
    p: &ProbabilityReport,
    iv: Option<&tonebench_core::report::ProbabilityIntervalsReport>,
) -> CalibrationView {
    const HIGHER: &str = "higher is better";
    const LOWER: &str = "lower is better";
    let row = |metric: &str, value: Option<f64>, i: Option<&Interval>, direction| MetricRow {
        metric: metric.to_string(),
        value: f::opt(value, f::score),
        ci: ci(i),
        direction,
    };
    let rows = vec![
        row(
            "ROC-AUC (macro, one-vs-rest)",
            p.roc_auc.macro_avg,
            iv.and_then(|i| i.roc_auc.macro_avg.as_ref()),
            HIGHER,
        ),
        row(
            "ROC-AUC (weighted)",
            p.roc_auc.weighted,
            iv.and_then(|i| i.roc_auc.weighted.as_ref()),
            HIGHER,
        ),
        row(
            "Average precision (macro)",
            p.average_precision.macro_avg,
            iv.and_then(|i| i.average_precision.macro_avg.as_ref()),
            HIGHER,
        ),
        row(
            "Log loss",
            p.log_loss,
            iv.and_then(|i| i.log_loss.as_ref()),
            LOWER,
        ),
        row(
            "Brier score",
            p.brier,
            iv.and_then(|i| i.brier.as_ref()),
            LOWER,
        ),
        row(
            &format!("ECE, {} equal-width bins", p.ece.bins),
            p.ece.equal_width,
            iv.and_then(|i| i.ece.equal_width.as_ref()),
            LOWER,
        ),
        row(
            &format!("ECE, {} equal-mass bins", p.ece.bins),
            p.ece.equal_mass,
            iv.and_then(|i| i.ece.equal_mass.as_ref()),
            LOWER,
        ),
    ];
    let classes = p
        .roc_auc
        .per_class
        .iter()
        .map(|(label, auc)| ClassRow {
            label: label.clone(),
            roc_auc: f::opt(*auc, f::score),
            average_precision: f::opt(
                p.average_precision.per_class.get(label).copied().flatten(),
                f::score,
            ),
        })
        .collect();
    let bars = p
        .reliability
        .iter()
        .map(|b| {
            let (x0, x1) = (px_x(b.low), px_x(b.high));
            let y = px_y(b.accuracy);
            BarView {
                x: x0 + 1,
                y,
                width: (x1 - x0).saturating_sub(2).max(1),
                height: px_y(0.0) - y,
                dot_x: px_x(b.confidence),
                dot_y: y,
                title: format!(
                    "confidence {}–{}: {} items, mean confidence {}, accuracy {}",
                    f::score(b.low),
                    f::score(b.high),
                    f::count(b.items),
                    f::score(b.confidence),
                    f::score(b.accuracy)
                ),
            }
        })
        .collect();
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        .iter()
        .map(|&v| DiagramTick {
            x: px_x(v),
            y: px_y(v),
            label: format!("{v}"),
        })
        .collect();
    CalibrationView {
        model: name.to_string(),
        rows,
        classes,
        diagram: DiagramView {
            width: LEFT + PLOT + 12,
            height: TOP + PLOT + 34,
            left: LEFT,
            top: TOP,
            right: LEFT + PLOT,
            bottom: TOP + PLOT,
            bars,
            ticks,
        },
    }
}
