//! The HTML report's view model: every number formatted, every chart laid out, in Rust.
//!
//! [`build_view`] turns one or more reports into a [`ReportView`] of strings and pixel
//! coordinates; the templates in `templates/html/` only place them. Nothing here computes a
//! metric or decides a verdict: intervals, which model is better and which cohort results are
//! flagged come from the core ([`tonebench_core::intervals`]); this module formats them. One
//! file per section of the page:
//!
//! - `summary`: the runs and the model cards with their headline metrics;
//! - `comparison`: the side-by-side table and the pairwise differences;
//! - `confusion`: the confusion heatmaps;
//! - `calibration`: the probability metrics and the reliability diagrams;
//! - `cohorts`: the partition charts, the partition table and the fusion gains;
//! - `latency`: the latency chart;
//! - `streaming` and `timeline`: streamed models over calls, with a timeline picture per
//!   pictured call;
//! - `robustness`: accuracy per acoustic condition against clean audio;
//! - `gates` and `warnings`: release-gate verdicts and the warnings list.

mod calibration;
mod cohorts;
mod comparison;
mod confusion;
mod gates;
mod latency;
mod robustness;
mod streaming;
mod summary;
mod timeline;
mod warnings;

use serde::Serialize;
use tonebench_core::bootstrap::Interval;
use tonebench_core::report::{ModelReport, Report};

use super::format as f;
use super::HtmlOptions;

pub use calibration::{BarView, CalibrationView, ClassRow, DiagramTick, DiagramView, MetricRow};
pub use cohorts::{ExampleView, FusionRow, GroupRow, PartitionRow, PartitionStats, PartitionView};
pub use comparison::{ComparisonRow, ComparisonView, DiffCell, DiffView};
pub use confusion::{AxisLabel, ConfusionCell, ConfusionView};
pub use gates::GateView;
pub use latency::{LatencyRow, LatencyView};
pub use robustness::{ConditionPoint, RobustnessView};
pub use streaming::{LevelView, StreamingView, Swatch};
pub use summary::{FileView, ModelView, RunView};
pub use timeline::{Band, Frame, Line, Marker, TimeTick, TimelineView};
pub use warnings::WarningView;

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
    /// Whether the page shows item-level evidence (`--examples`, streaming timelines).
    pub item_level: bool,
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
    /// Models with probabilities: their probability metrics and reliability diagrams.
    pub calibration: Vec<CalibrationView>,
    pub partitions: Vec<PartitionView>,
    pub partition_rows: Vec<PartitionRow>,
    pub fusion: Vec<FusionRow>,
    pub latency: Option<LatencyView>,
    /// Streamed models; empty (and no section) when none was streamed.
    pub streaming: Vec<StreamingView>,
    /// One chart and table per model run under acoustic conditions.
    pub robustness: Vec<RobustnessView>,
    pub warnings: Vec<WarningView>,
}

/// A model as the sections see it: displayed name, run label, its report and its run's report.
type Entry<'a> = (String, Option<String>, &'a ModelReport, &'a Report);

/// Builds the view of one report (`runs.len() == 1`) or of a side-by-side comparison.
pub fn build_view(runs: &[RunInput<'_>], opts: &HtmlOptions) -> ReportView {
    let is_compare = runs.len() > 1;
    let mut models: Vec<Entry<'_>> = Vec::new();
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

    let run_views = runs.iter().map(summary::run_view).collect();
    let model_views = summary::model_summaries(&models);
    let (gates, gate_summary, gates_passed) = gates::gate_views(&opts.gates);
    let warnings = warnings::warning_views(runs, &models);
    let (partitions, partition_rows) = cohorts::cohort_views(&models);
    let differences = comparison::differences(&models, &opts.paired);
    let differences_paired = !differences.is_empty() && differences.iter().all(|v| v.paired);

    ReportView {
        title,
        generator: format!("tonebench {}", env!("CARGO_PKG_VERSION")),
        item_level: models.iter().any(|(_, _, m, _)| {
            !m.examples.is_empty()
                || m.streaming
                    .as_ref()
                    .is_some_and(|s| !s.timelines.is_empty())
        }),
        is_compare,
        runs: run_views,
        models: model_views,
        headline_names: summary::HEADLINE.iter().map(|s| s.to_string()).collect(),
        gates,
        gate_summary,
        gates_passed,
        comparison: comparison::comparison_view(&models),
        differences,
        differences_paired,
        confusions: models
            .iter()
            .enumerate()
            .map(|(i, (name, _, m, _))| confusion::confusion_view(i, name, m))
            .collect(),
        calibration: calibration::calibration_views(&models),
        partitions,
        partition_rows,
        fusion: cohorts::fusion_rows(runs),
        latency: latency::latency_view(&models),
        streaming: streaming::streaming_views(&models),
        robustness: robustness::robustness_views(&models),
        warnings,
    }
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

/// Marks the cells the core calls best of their row ([`tonebench_core::intervals::best`]).
fn mark_best<'a>(cells: impl IntoIterator<Item = &'a mut Cell>) {
    let mut cells: Vec<&mut Cell> = cells.into_iter().collect();
    let raw: Vec<f64> = cells.iter().map(|c| c.raw).collect();
    for (c, best) in cells.iter_mut().zip(tonebench_core::intervals::best(&raw)) {
        c.best = best;
    }
}

fn or_missing(s: Option<String>) -> String {
    s.unwrap_or_else(|| f::MISSING.to_string())
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

/// A tick of a chart's value axis.
#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: u32,
    pub label: String,
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

/// A horizontal value axis from 0 to `axis_max`, `width` pixels wide from `left`: values map to
/// pixels (clamped to the axis; non-finite values to 0), and 5 ticks are labelled by `label`.
struct Axis {
    left: u32,
    width: u32,
    max: f64,
}

impl Axis {
    fn x(&self, v: f64) -> u32 {
        let t = if v.is_finite() {
            (v / self.max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.left + (t * self.width as f64).round() as u32
    }

    fn ticks(&self, label: fn(f64) -> String) -> Vec<Tick> {
        (0..=4)
            .map(|t| {
                let v = self.max * t as f64 / 4.0;
                Tick {
                    x: self.x(v),
                    label: label(v),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis() {
        assert_eq!(nice_max(0.37), 0.5);
        assert!((nice_max(0.2) - 0.2).abs() < 1e-12);
        assert_eq!(nice_max(12.0), 20.0);
    }

    #[test]
    fn best_cells_are_marked() {
        let mut cells = [Cell::new(0.5, None), Cell::new(0.7, None), Cell::missing()];
        mark_best(cells.iter_mut());
        assert_eq!(cells.map(|c| c.best), [false, true, false]);
    }
}
