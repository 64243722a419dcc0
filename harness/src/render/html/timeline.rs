//! The timeline picture of one call: truth segments, the window probabilities (a line per
//! label), speech presence per window and the rolling estimate, laid out in pixels.

use serde::Serialize;
use tonebench_core::report::{Timeline, TimelineWindow};

use super::{f, shorten};
use crate::render::streaming as st;

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

pub(super) const FRAME: Frame = Frame {
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
pub(super) const DASHES: [&str; 4] = ["", "6 3", "2 2", "8 3 2 3"];

/// The speech-presence strip: (key, legend, colour), apart from the sentiment labels' colours.
pub(super) const SPEECH: [(&str, &str, &str); 4] = [
    ("speech", "speech (both)", "#0f2740"),
    ("silence", "non-speech (both)", "#eaeef2"),
    ("miss", "missed speech", "#8250df"),
    ("false", "false alarm", "#e69f00"),
];

pub(super) fn label_color(label: &str, index: usize) -> String {
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

pub(super) fn timeline_view(anchor: &str, labels: &[String], t: &Timeline) -> TimelineView {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn labels() -> Vec<String> {
        ["negative", "neutral", "positive"]
            .map(String::from)
            .to_vec()
    }

    fn view() -> Vec<TimelineView> {
        let s = sample::streaming(&labels(), 50);
        s.timelines
            .iter()
            .enumerate()
            .map(|(i, t)| timeline_view(&format!("t-{i}"), &labels(), t))
            .collect()
    }

    #[test]
    fn one_line_per_label_with_a_point_per_window() {
        let v = view();
        let t = &v[0];
        let windows = sample::streaming(&labels(), 50).timelines[0].windows.len();
        assert_eq!(t.lines.len(), 3);
        for (l, name) in t.lines.iter().zip(labels()) {
            assert_eq!(l.label, name);
            assert_eq!(l.points.split(' ').count(), windows);
            assert_eq!(l.markers.len(), windows);
        }
        assert_eq!(t.lines[0].color, "#b42318");
        assert_eq!(t.lines[2].color, "#1a7f37");
        // Probabilities map into the plot: p = 1 at its top, p = 0 at its bottom.
        for p in t.lines.iter().flat_map(|l| l.points.split(' ')) {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((FRAME.left as f64..=FRAME.right as f64).contains(&x), "{p}");
            assert!(
                (FRAME.prob_top as f64..=FRAME.prob_bottom as f64).contains(&y),
                "{p}"
            );
        }
    }

    #[test]
    fn segments_strips_and_axis() {
        let v = view();
        let t = &v[0];
        assert_eq!(t.segments.len(), 3);
        assert!(t.segments[0].title.starts_with("truth negative: 0.4–9.8 s"));
        assert!(t.padding.is_none());
        // The 31-s call: windows end at 30 s, the axis at the audio's end; ticks every 5 s.
        let ticks: Vec<&str> = t.ticks.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(
            ticks,
            ["0 s", "5 s", "10 s", "15 s", "20 s", "25 s", "30 s"]
        );
        assert_eq!(t.ticks[0].x, px(FRAME.left as f64));
        // The speech strip covers the windows without gaps, merged into runs.
        let w = |b: &Band| b.w.parse::<f64>().unwrap();
        let x = |b: &Band| b.x.parse::<f64>().unwrap();
        for pair in t.speech.windows(2) {
            assert!((x(&pair[0]) + w(&pair[0]) - x(&pair[1])).abs() < 0.11);
            assert_ne!(pair[0].color, pair[1].color, "runs are merged");
        }
        assert!(t
            .rolling
            .iter()
            .all(|b| b.title.starts_with("rolling estimate ")));
        assert!(t.title.contains("call-0007"));
        // The 3-s call has one zero-padded window: the axis runs to its end, padding shown.
        let short = &v[1];
        assert!(short.padding.is_some());
        assert_eq!(short.lines[0].points.split(' ').count(), 1);
        assert_eq!(short.lines[0].markers.len(), 1);
    }

    #[test]
    fn cells_split_halfway_between_window_centres() {
        let w = |a: f64| TimelineWindow {
            start_s: a,
            end_s: a + 5.0,
            speech_truth: true,
            speech_pred: true,
            probs: vec![],
            rolling: None,
        };
        assert_eq!(
            cells(&[w(0.0), w(2.5), w(5.0)]),
            [(0.0, 3.75), (3.75, 6.25), (6.25, 10.0)]
        );
        let merged = runs(&[(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)], &[1, 1, 2]);
        assert_eq!(merged, [(1, 0.0, 2.0), (2, 2.0, 3.0)]);
    }
}
