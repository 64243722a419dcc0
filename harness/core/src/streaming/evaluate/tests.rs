use super::*;

fn labels() -> Vec<String> {
    ["negative", "neutral", "positive"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn settings(resamples: u32) -> StreamSettings {
    StreamSettings {
        spec: WindowSpec::new(5.0, 2.5).unwrap(),
        bootstrap: BootstrapConfig {
            resamples,
            confidence: 0.95,
            seed: 3,
        },
        timelines: 2,
        speech: SpeechSource {
            name: "energy".into(),
            rule: "test".into(),
        },
    }
}

/// A call of `n` windows (hop 2.5 s) and its inputs.
struct Call {
    id: String,
    segments: Vec<Segment>,
    spans: Vec<(f64, f64)>,
    padded: Vec<bool>,
    probs: Vec<f32>,
    speech: Vec<bool>,
}

impl Call {
    fn input(&self) -> CallInput<'_> {
        CallInput {
            id: &self.id,
            segments: &self.segments,
            truth: super::super::truth::call_truth(&self.segments, 3),
            duration_s: self.spans.last().map_or(0.0, |s| s.1),
            spans: &self.spans,
            padded: &self.padded,
            probs: &self.probs,
            speech: &self.speech,
        }
    }

    /// The same call with every window twice (two windows at each position).
    fn doubled(&self) -> Call {
        let twice = |v: &[bool]| v.iter().flat_map(|&x| [x, x]).collect::<Vec<_>>();
        Call {
            id: self.id.clone(),
            segments: self.segments.clone(),
            spans: self.spans.iter().flat_map(|&s| [s, s]).collect(),
            padded: twice(&self.padded),
            probs: self
                .probs
                .chunks(3)
                .flat_map(|r| r.iter().chain(r).copied().collect::<Vec<_>>())
                .collect(),
            speech: twice(&self.speech),
        }
    }
}

/// `n` calls with a label of their own and a model that is right on most windows.
fn calls(n: usize) -> Vec<Call> {
    (0..n)
        .map(|i| {
            let label = i % 3;
            let windows = 4 + i % 5;
            let end = 2.5 * (windows - 1) as f64 + 5.0;
            let spans: Vec<(f64, f64)> = (0..windows)
                .map(|w| (2.5 * w as f64, 2.5 * w as f64 + 5.0))
                .collect();
            let mut probs = Vec::new();
            for w in 0..windows {
                // Wrong on every third window of every other call.
                let said = if (i + w) % 3 == 0 && i % 2 == 0 {
                    (label + 1) % 3
                } else {
                    label
                };
                let mut row = [0.1f32; 3];
                row[said] = 0.8;
                probs.extend(row);
            }
            Call {
                id: format!("call-{i:02}"),
                segments: vec![Segment {
                    start: 0.0,
                    end,
                    label,
                }],
                spans,
                padded: vec![false; windows],
                probs,
                speech: vec![true; windows],
            }
        })
        .collect()
}

#[test]
fn a_hand_computed_call() {
    // 12.5 s: windows [0,5] [2.5,7.5] [5,10] [7.5,12.5]. Speech: negative on [0, 4],
    // positive on [6, 12.5]. Window truth: w0 negative (4 s of 5), w1 1.5+1.5 = 3 s ->
    // speech, tie 1.5/1.5 -> negative (earlier label), w2 positive (4 s), w3 positive (5 s).
    let c = Call {
        id: "c".into(),
        segments: vec![
            Segment {
                start: 0.0,
                end: 4.0,
                label: 0,
            },
            Segment {
                start: 6.0,
                end: 12.5,
                label: 2,
            },
        ],
        spans: vec![(0.0, 5.0), (2.5, 7.5), (5.0, 10.0), (7.5, 12.5)],
        padded: vec![false; 4],
        probs: vec![
            0.7, 0.2, 0.1, //
            0.3, 0.3, 0.4, //
            0.1, 0.2, 0.7, //
            0.2, 0.2, 0.6,
        ],
        // The speech source misses w1.
        speech: vec![true, false, true, true],
    };
    let e = evaluate_calls(&[c.input()], &labels(), &settings(0));
    let o = &e.calls[0];
    assert_eq!(
        o.truth.iter().map(|t| t.label).collect::<Vec<_>>(),
        vec![Some(0), Some(0), Some(2), Some(2)]
    );
    // Whole call over w0, w2, w3: (0.7+0.1+0.2)/3, (0.2+0.2+0.2)/3, (0.1+0.7+0.6)/3.
    let want = [1.0 / 3.0, 0.6 / 3.0, 1.4 / 3.0];
    for (g, w) in o.estimate.probs.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{g} vs {w}");
    }
    assert_eq!(o.estimate.pred, 2);
    // Oracle speech adds w1: positive (1.4 + 0.4) / 4 = 0.45 vs negative 1.3 / 4.
    assert_eq!(o.oracle.pred, 2);
    assert!((o.oracle.probs[2] - 0.45).abs() < 1e-6);
    // Call truth: negative 4 s, positive 6.5 s -> positive; the call is right.
    let r = &e.report;
    assert_eq!(r.call.accuracy, 1.0);
    // Windows: w0 negative→negative, w1 negative→positive, w2, w3 positive→positive.
    assert_eq!(r.window.accuracy, 0.75);
    assert_eq!(r.window.confusion.matrix[0], vec![1, 0, 1]);
    // Speech: 4 truth windows, 3 detected, no false alarm.
    assert_eq!(
        (
            r.speech.true_positive,
            r.speech.false_negative,
            r.speech.false_positive
        ),
        (3, 1, 0)
    );
    assert!((r.speech.recall - 0.75).abs() < 1e-12 && r.speech.precision == 1.0);
    // 12 windows hold 30 s; the rolling estimates after w0, w2, w3 average all speech windows
    // so far: after w0 negative (truth of [0,5]: negative); after w2 mean of w0, w2 =
    // (0.4, 0.2, 0.4) -> tie -> negative against truth of [0, 10]: negative 4 s vs positive
    // 4 s -> negative; after w3 (1/3, 0.2, 1.4/3) -> positive against [0, 12.5] -> positive.
    assert_eq!(r.rolling_windows, 12);
    assert_eq!(r.rolling_30s.confusion.matrix[0], vec![2, 0, 0]);
    assert_eq!(r.rolling_30s.confusion.matrix[2], vec![0, 0, 1]);
    // First decision at the end of w0; the change to positive at 6 s is followed after w3
    // (ends at 12.5 s).
    assert_eq!(r.first_decision_s, Some(5.0));
    assert_eq!(r.changes.changes, 1);
    assert_eq!(r.change_delay_s, Some(6.5));
    assert_eq!(r.timelines.len(), 1);
    assert_eq!(r.timelines[0].windows[1].rolling, None);
    assert_eq!(
        r.timelines[0].windows[3].rolling.as_deref(),
        Some("positive")
    );
}

#[test]
fn clustered_intervals_ignore_duplicated_windows_where_window_resampling_would_not() {
    let base = calls(24);
    let doubled: Vec<Call> = base.iter().map(Call::doubled).collect();
    let run = |cs: &[Call]| {
        let inputs: Vec<CallInput> = cs.iter().map(Call::input).collect();
        evaluate_calls(&inputs, &labels(), &settings(400)).report
    };
    let (a, b) = (run(&base), run(&doubled));
    let ci = |m: &MetricsReport| m.intervals.clone().unwrap();
    // Point estimates are ratios of counts: doubling every count leaves them.
    assert_eq!(a.window.accuracy, b.window.accuracy);
    // Clustered by call: the same calls are drawn, each with twice the counts.
    assert_eq!(ci(&a.window).accuracy, ci(&b.window).accuracy);
    assert_eq!(ci(&a.window).macro_f1, ci(&b.window).macro_f1);
    assert_eq!(ci(&a.call), ci(&b.call));
    assert_eq!(
        a.window.confusion.matrix.iter().flatten().sum::<u64>() * 2,
        b.windows
    );

    // Resampling windows as if they were independent items narrows with the duplicates.
    let item_ci = |r: &StreamingReport| {
        let cm = Confusion::from_cells(
            3,
            r.window
                .confusion
                .matrix
                .iter()
                .flatten()
                .copied()
                .collect(),
        );
        let i = crate::bootstrap::confusion_intervals(&cm, &settings(400).bootstrap);
        i.accuracy.high - i.accuracy.low
    };
    assert!(
        item_ci(&b) < 0.8 * item_ci(&a),
        "{} vs {}",
        item_ci(&b),
        item_ci(&a)
    );
}
