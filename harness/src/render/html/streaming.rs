//! The streaming section: per streamed model, the settings, the speech source, the window /
//! rolling-30-s / whole-call metrics, and a timeline picture of each pictured call (truth
//! segments, window probabilities, speech presence, rolling estimate), laid out here in pixels.

use serde::Serialize;
use tonebench_core::report::{StreamingReport, Timeline, TimelineWindow};

use super::{f, shorten, Cell, Entry};
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

/// The rows of a timeline picture, in pixels; the same for every call.
#[derive(Debug, Serialize)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub right: u32,
    pub row_label_x: u32,
    pub truth_y: u32,
    pub truth_h: u32,
    pub truth_text_y: u32,
    pub prob_top: u32,
    pub prob_mid: u32,
    pub prob_bottom: u32,
    pub speech_y: u32,
    pub speech_h: u32,
    pub speech_text_y: u32,
    pub roll_y: u32,
    pub roll_h: u32,
    pub roll_text_y: u32,
    pub axis_y: u32,
    pub tick_text_y: u32,
}

const FRAME: Frame = Frame {
    width: 780,
    height: 196,
    left: 92,
    right: 764,
    row_label_x: 84,
    truth_y: 6,
    truth_h: 18,
    truth_text_y: 19,
    prob_top: 34,
    prob_mid: 82,
    prob_bottom: 130,
    speech_y: 138,
    speech_h: 9,
    speech_text_y: 146,
    roll_y: 152,
    roll_h: 12,
    roll_text_y: 162,
    axis_y: 172,
    tick_text_y: 186,
};

#[derive(Debug, Serialize)]
pub struct TimelineView {
    pub anchor: String,
    pub id: String,
    pub duration: String,
    pub truth: String,
    pub pred: String,
    pub oracle_pred: String,
    pub p_truth: String,
    pub wrong: bool,
    pub oracle_wrong: bool,
    /// The picture's `<title>`: what it shows, in words.
    pub title: String,
    pub ticks: Vec<TimeTick>,
    pub segments: Vec<Band>,
    /// Zero padding past the end of the audio (a call shorter than one window).
    pub padding: Option<Band>,
    pub lines: Vec<Line>,
    pub speech: Vec<Band>,
    pub rolling: Vec<Band>,
}

#[derive(Debug, Serialize)]
pub struct TimeTick {
    pub x: String,
    pub label: String,
}

/// A rectangle on a strip: `x` and `w` in pixels, its fill and what it means.
#[derive(Debug, Serialize)]
pub struct Band {
    pub x: String,
    pub w: String,
    pub color: String,
    pub title: String,
    /// A label drawn inside when it fits (else empty), centred at `text_x`.
    pub text: String,
    pub text_x: String,
}

/// One label's window probabilities: a polyline over the window centres, with markers.
#[derive(Debug, Serialize)]
pub struct Line {
    pub label: String,
    pub color: String,
    pub dash: String,
    pub points: String,
    pub markers: Vec<Marker>,
}

#[derive(Debug, Serialize)]
pub struct Marker {
    pub x: String,
    pub y: String,
}

/// Markers are drawn on the lines of calls with at most this many windows.
const MAX_MARKERS: usize = 80;

/// Colours of the common sentiment labels: the report's red, grey and green.
const NAMED: [(&str, &str); 3] = [
    ("negative", "#b42318"),
    ("neutral", "#6e7781"),
    ("positive", "#1a7f37"),
];

/// Colours of other labels, by their place in the label set (Okabe–Ito, colour-blind safe).
const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f", "#1b1f24",
];

/// Line patterns by place in the label set, so the lines differ without colour too.
const DASHES: [&str; 4] = ["", "6 3", "2 2", "8 3 2 3"];

const SPEECH: [(&str, &str, &str); 4] = [
    ("speech", "speech (both)", "#57606a"),
    ("silence", "non-speech (both)", "#eaeef2"),
    ("miss", "missed speech", "#b42318"),
    ("false", "false alarm", "#e69f00"),
];

fn label_color(label: &str, index: usize) -> String {
    NAMED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(label.trim()))
        .map(|(_, c)| *c)
        .unwrap_or(PALETTE[index % PALETTE.len()])
        .to_string()
}

fn px(x: f64) -> String {
    format!("{x:.1}")
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

/// Seconds to pixels over `[0, max]`.
struct TimeAxis {
    max: f64,
}

impl TimeAxis {
    fn x(&self, t: f64) -> f64 {
        let t = if t.is_finite() {
            t.clamp(0.0, self.max)
        } else {
            0.0
        };
        FRAME.left as f64 + t / self.max * (FRAME.right - FRAME.left) as f64
    }

    fn band(&self, from: f64, to: f64, color: &str, title: String, text: &str) -> Band {
        let (a, b) = (self.x(from), self.x(to.max(from)));
        // About 6 pixels a character; labels that do not fit are left to the tooltip.
        let fits = (b - a) >= 6.0 * text.chars().count() as f64 + 6.0;
        Band {
            x: px(a),
            w: px(b - a),
            color: color.to_string(),
            title,
            text: if fits {
                text.to_string()
            } else {
                String::new()
            },
            text_x: px((a + b) / 2.0),
        }
    }

    /// Ticks every 1, 2, 5, 10, 15, 30, 60… seconds, at most 10 of them.
    fn ticks(&self) -> Vec<TimeTick> {
        let steps = [
            1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
        ];
        let step = steps
            .iter()
            .copied()
            .find(|s| self.max / s <= 10.0)
            .unwrap_or_else(|| (self.max / 10.0).ceil());
        (0..)
            .map(|i| i as f64 * step)
            .take_while(|t| *t <= self.max + 1e-9)
            .map(|t| TimeTick {
                x: px(self.x(t)),
                label: f::seconds_short(t),
            })
            .collect()
    }
}

/// Where each window's cell on a strip begins and ends: halfway between window centres, the
/// first from its window's start, the last to its window's end.
fn cells(windows: &[TimelineWindow]) -> Vec<(f64, f64)> {
    let centre = |w: &TimelineWindow| (w.start_s + w.end_s) / 2.0;
    (0..windows.len())
        .map(|k| {
            let a = if k == 0 {
                windows[k].start_s
            } else {
                (centre(&windows[k - 1]) + centre(&windows[k])) / 2.0
            };
            let b = if k + 1 == windows.len() {
                windows[k].end_s
            } else {
                (centre(&windows[k]) + centre(&windows[k + 1])) / 2.0
            };
            (a, b)
        })
        .collect()
}

/// Consecutive cells with the same key merged: (key, from, to).
fn runs<K: PartialEq + Clone>(cells: &[(f64, f64)], keys: &[K]) -> Vec<(K, f64, f64)> {
    let mut out: Vec<(K, f64, f64)> = Vec::new();
    for (&(a, b), k) in cells.iter().zip(keys) {
        match out.last_mut() {
            Some(last) if last.0 == *k => last.2 = b,
            _ => out.push((k.clone(), a, b)),
        }
    }
    out
}

fn span(a: f64, b: f64) -> String {
    format!("{:.1}–{:.1} s", a, b)
}

fn timeline_view(anchor: &str, labels: &[String], t: &Timeline) -> TimelineView {
    let c = st::call_facts(t);
    let end = t
        .windows
        .iter()
        .map(|w| w.end_s)
        .fold(t.duration_s, f64::max);
    let axis = TimeAxis {
        max: if end.is_finite() && end > 0.0 {
            end
        } else {
            1.0
        },
    };
    let color_of = |l: &str| {
        let i = labels.iter().position(|x| x == l).unwrap_or(labels.len());
        label_color(l, i)
    };
    let segments = t
        .segments
        .iter()
        .map(|s| {
            axis.band(
                s.start_s,
                s.end_s,
                &color_of(&s.label),
                format!("truth {}: {}", s.label, span(s.start_s, s.end_s)),
                &shorten(&s.label, 16),
            )
        })
        .collect();
    let padding = (t.duration_s < axis.max - 1e-9).then(|| {
        axis.band(
            t.duration_s,
            axis.max,
            "#f5f7f9",
            format!(
                "zero padding past the end of the audio: {}",
                span(t.duration_s, axis.max)
            ),
            "",
        )
    });
    let y = |p: f64| {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        FRAME.prob_bottom as f64 - p * (FRAME.prob_bottom - FRAME.prob_top) as f64
    };
    let centres: Vec<f64> = t
        .windows
        .iter()
        .map(|w| axis.x((w.start_s + w.end_s) / 2.0))
        .collect();
    let lines = labels
        .iter()
        .enumerate()
        .map(|(li, l)| {
            let pts: Vec<(f64, f64)> = t
                .windows
                .iter()
                .zip(&centres)
                .map(|(w, &x)| (x, y(w.probs.get(li).copied().unwrap_or(f64::NAN))))
                .collect();
            Line {
                label: l.clone(),
                color: label_color(l, li),
                dash: DASHES[li % DASHES.len()].to_string(),
                points: pts
                    .iter()
                    .map(|&(x, y)| format!("{},{}", px(x), px(y)))
                    .collect::<Vec<_>>()
                    .join(" "),
                markers: if pts.len() <= MAX_MARKERS {
                    pts.iter()
                        .map(|&(x, y)| Marker { x: px(x), y: px(y) })
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let cells = cells(&t.windows);
    let kinds: Vec<usize> = t
        .windows
        .iter()
        .map(|w| match (w.speech_truth, w.speech_pred) {
            (true, true) => 0,
            (false, false) => 1,
            (true, false) => 2,
            (false, true) => 3,
        })
        .collect();
    let speech = runs(&cells, &kinds)
        .into_iter()
        .map(|(k, a, b)| {
            axis.band(
                a,
                b,
                SPEECH[k].2,
                format!("{}: {}", SPEECH[k].1, span(a, b)),
                "",
            )
        })
        .collect();
    let rolled: Vec<Option<String>> = t.windows.iter().map(|w| w.rolling.clone()).collect();
    let rolling = runs(&cells, &rolled)
        .into_iter()
        .filter_map(|(l, a, b)| {
            l.map(|l| {
                axis.band(
                    a,
                    b,
                    &color_of(&l),
                    format!("rolling estimate {l}: {}", span(a, b)),
                    "",
                )
            })
        })
        .collect();
    TimelineView {
        anchor: anchor.to_string(),
        title: format!(
            "Timeline of call {}: truth {}, whole-call estimate {}, with oracle speech {}, p(truth) {}; {} windows over {}",
            c.id,
            c.truth,
            c.pred,
            c.oracle_pred,
            c.p_truth,
            t.windows.len(),
            c.duration
        ),
        id: c.id,
        duration: c.duration,
        truth: c.truth,
        pred: c.pred,
        oracle_pred: c.oracle_pred,
        p_truth: c.p_truth,
        wrong: c.wrong,
        oracle_wrong: c.oracle_wrong,
        ticks: axis.ticks(),
        segments,
        padding,
        lines,
        speech,
        rolling,
    }
}
