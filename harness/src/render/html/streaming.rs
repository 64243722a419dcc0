//! The streaming section: per streamed model, the settings, the speech source, the window /
//! rolling-30-s / whole-call metrics, and a timeline picture of each pictured call (`timeline`).

use serde::Serialize;
use tonebench_core::report::StreamingReport;

use super::timeline::{label_color, timeline_view, Frame, TimelineView, DASHES, FRAME, SPEECH};
use super::{f, Cell, Entry};
use crate::render::streaming as st;

#[derive(Debug, Serialize)]
pub struct StreamingView {
    pub anchor: String,
    pub model: String,
    pub windowing: String,
    pub counts: String,
    pub rolling: String,
    pub speech_source: String,
    pub speech_rule: String,
    pub speech_precision: String,
    pub speech_recall: String,
    pub speech_f1: String,
    pub speech_counts: String,
    pub levels: Vec<LevelView>,
    pub intervals: bool,
    pub first_decision: String,
    pub changes: String,
    pub change_delay: String,
    pub batch: String,
    pub caveats: Vec<String>,
    /// The labels' colours and line patterns, as every timeline draws them.
    pub legend: Vec<Swatch>,
    /// The speech-presence strip's colours.
    pub speech_legend: Vec<Swatch>,
    pub frame: Frame,
    pub timelines: Vec<TimelineView>,
}

#[derive(Debug, Serialize)]
pub struct LevelView {
    pub name: String,
    pub what: String,
    pub scored: String,
    pub accuracy: Cell,
    pub balanced_accuracy: Cell,
    pub macro_f1: Cell,
    /// The first oracle row (a rule above it).
    pub sep: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Swatch {
    pub label: String,
    pub color: String,
    pub dash: String,
}

/// The streaming section of every streamed model; empty when none was streamed.
pub(super) fn streaming_views(models: &[Entry<'_>]) -> Vec<StreamingView> {
    models
        .iter()
        .enumerate()
        .filter_map(|(mi, (name, _, m, _))| m.streaming.as_deref().map(|s| (mi, name, s)))
        .map(|(mi, name, s)| streaming_view(&format!("streaming-{}", mi + 1), name, s))
        .collect()
}

fn streaming_view(anchor: &str, model: &str, s: &StreamingReport) -> StreamingView {
    let x = st::facts(s);
    let labels = &s.window.confusion.labels;
    let levels = st::levels(s);
    let first_oracle = levels.iter().position(|l| l.oracle);
    StreamingView {
        anchor: anchor.to_string(),
        model: model.to_string(),
        windowing: x.windowing,
        counts: x.counts,
        rolling: x.rolling,
        speech_source: x.speech_source,
        speech_rule: x.speech_rule,
        speech_precision: x.speech_precision,
        speech_recall: x.speech_recall,
        speech_f1: x.speech_f1,
        speech_counts: x.speech_counts,
        levels: levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (mx, iv) = (l.metrics, l.metrics.intervals.as_ref());
                LevelView {
                    name: l.name.to_string(),
                    what: l.what.to_string(),
                    scored: f::count(l.scored()),
                    accuracy: Cell::new(mx.accuracy, iv.map(|i| &i.accuracy)),
                    balanced_accuracy: Cell::new(
                        mx.balanced_accuracy,
                        iv.map(|i| &i.balanced_accuracy),
                    ),
                    macro_f1: Cell::new(mx.macro_avg.f1, iv.map(|i| &i.macro_f1)),
                    sep: Some(i) == first_oracle,
                }
            })
            .collect(),
        intervals: x.intervals,
        first_decision: x.first_decision,
        changes: x.changes,
        change_delay: x.change_delay,
        batch: x.batch,
        caveats: x.caveats,
        legend: labels
            .iter()
            .enumerate()
            .map(|(i, l)| Swatch {
                label: l.clone(),
                color: label_color(l, i),
                dash: DASHES[i % DASHES.len()].to_string(),
            })
            .collect(),
        speech_legend: SPEECH
            .iter()
            .map(|&(_, label, color)| Swatch {
                label: label.to_string(),
                color: color.to_string(),
                dash: String::new(),
            })
            .collect(),
        frame: FRAME,
        timelines: s
            .timelines
            .iter()
            .enumerate()
            .map(|(ti, t)| timeline_view(&format!("{anchor}-{}", ti + 1), labels, t))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn labels() -> Vec<String> {
        ["negative", "neutral", "positive"]
            .map(String::from)
            .to_vec()
    }

    fn view() -> StreamingView {
        streaming_view("streaming-1", "m", &sample::streaming(&labels(), 50))
    }

    #[test]
    fn levels_and_facts() {
        let v = view();
        let names: Vec<&str> = v.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names[..3], ["window", "rolling 30 s", "call"]);
        assert_eq!(v.levels.iter().filter(|l| l.sep).count(), 1);
        assert!(v.levels[3].sep && v.levels[3].name.contains("oracle"));
        assert_eq!(v.levels[2].scored, "24");
        assert!(v.levels.iter().all(|l| l.accuracy.ci.is_some()));
        assert_eq!(v.windowing, "5 s windows every 2.5 s");
        assert_eq!(v.legend.len(), 3);
        assert_eq!(v.speech_legend.len(), 4);
        assert!(v.batch.contains("3.20e-7"), "{}", v.batch);
    }
}
