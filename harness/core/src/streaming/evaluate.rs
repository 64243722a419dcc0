//! All calls of one model → [`StreamingReport`]: speech presence, window, rolling and call
//! metrics with bootstrap intervals clustered by call, the oracle-speech variant, timing of
//! decisions and the calls to picture.

use crate::bootstrap::{clustered_intervals, BootstrapConfig};
use crate::report::{
    ChangeReport, MetricsReport, OracleSpeech, SpeechReport, StreamingReport, Timeline,
    TimelineSegment, TimelineWindow, Warning, WarningCode,
};
use crate::{Confusion, Metrics};

use super::aggregate::{change_delays, first_decision, rolling, whole_call, CallEstimate, Rolling};
use super::truth::{changes, majority, window_truth, Segment, WindowTruth};
use super::WindowSpec;

/// The seconds of active speech the rolling estimate covers.
pub const ROLLING_S: f64 = 30.0;

/// Where the per-window speech decisions came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechSource {
    /// `model`, `silero-vad`, `energy` or `oracle`.
    pub name: String,
    /// The decision rule, as the report states it.
    pub rule: String,
}

/// How a model's calls are evaluated.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    pub spec: WindowSpec,
    pub bootstrap: BootstrapConfig,
    /// Calls to picture (the worst first).
    pub timelines: usize,
    pub speech: SpeechSource,
}

/// One call's windows as a model and a speech source saw them.
#[derive(Debug, Clone)]
pub struct CallInput<'a> {
    pub id: &'a str,
    /// The call's labeled speech.
    pub segments: &'a [Segment],
    /// The call's truth (its own label, else the majority of its segments).
    pub truth: Option<usize>,
    /// Seconds of audio in the call.
    pub duration_s: f64,
    /// Each window's real audio in seconds.
    pub spans: &'a [(f64, f64)],
    pub padded: &'a [bool],
    /// `k` probabilities per window, in label order.
    pub probs: &'a [f32],
    /// The speech source's decision per window.
    pub speech: &'a [bool],
}

/// What the evaluation found for one call.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub truth: Vec<WindowTruth>,
    pub estimate: CallEstimate,
    pub oracle: CallEstimate,
    pub rolling: Vec<Rolling>,
}

/// The report, the warnings it raised and the per-call outcomes (for windows.parquet).
#[derive(Debug, Clone)]
pub struct StreamingEval {
    pub report: StreamingReport,
    pub warnings: Vec<Warning>,
    pub calls: Vec<CallOutcome>,
}

/// Per-call confusion matrices of one level, and their sum.
struct Level {
    per_call: Vec<Confusion>,
    all: Confusion,
}

impl Level {
    fn new(k: usize) -> Self {
        Level {
            per_call: Vec::new(),
            all: Confusion::zeros(k),
        }
    }

    fn push(&mut self, cm: Confusion) {
        self.all.add_matrix(&cm);
        self.per_call.push(cm);
    }

    fn report(
        &self,
        labels: &[String],
        cfg: &BootstrapConfig,
        path: &str,
        warnings: &mut Vec<Warning>,
    ) -> MetricsReport {
        let m = Metrics::compute(&self.all, labels);
        for u in &m.undefined {
            warnings.push(Warning {
                code: WarningCode::ZeroDivision,
                metric: Some(format!("{path}.{}", u.metric)),
                message: format!("{path}: {}", u.reason),
            });
        }
        let intervals = (cfg.resamples > 0 && self.all.total() > 0)
            .then(|| clustered_intervals(&self.per_call, labels.len(), cfg));
        MetricsReport::new(labels, &self.all, &m, intervals.as_ref())
    }
}

/// Rolling estimates scored against the majority label of the labeled speech they span.
fn score_rolling(r: &[Rolling], segments: &[Segment], k: usize) -> (Confusion, u64) {
    let mut cm = Confusion::zeros(k);
    let mut unscored = 0;
    for e in r {
        match majority(segments, e.span.0, e.span.1, k) {
            Some(t) => cm.add(t, e.pred),
            None => unscored += 1,
        }
    }
    (cm, unscored)
}

/// The median (numpy's: the midpoint of the two middle values for an even count).
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then(|| crate::bootstrap::quantile_sorted(&v, 0.5))
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Evaluates every call of one model.
pub fn evaluate_calls(
    calls: &[CallInput<'_>],
    labels: &[String],
    settings: &StreamSettings,
) -> StreamingEval {
    let k = labels.len();
    let spec = settings.spec;
    let n_roll = spec.windows_in(ROLLING_S);
    let (mut window, mut roll, mut call) = (Level::new(k), Level::new(k), Level::new(k));
    let (mut oracle_roll, mut oracle_call) = (Level::new(k), Level::new(k));
    let [mut tp, mut fp, mut fn_, mut tn] = [0u64; 4];
    let (mut windows, mut padded, mut speech_windows) = (0u64, 0u64, 0u64);
    let (mut without_speech, mut unscored) = (0u64, 0u64);
    let (mut firsts, mut delays, mut n_changes) = (Vec::new(), Vec::new(), 0u64);
    let mut outcomes = Vec::with_capacity(calls.len());
    for c in calls {
        let truth: Vec<WindowTruth> = c
            .spans
            .iter()
            .map(|&(t0, t1)| window_truth(c.segments, t0, t1, k))
            .collect();
        let oracle_speech: Vec<bool> = truth.iter().map(|t| t.speech).collect();
        let mut wcm = Confusion::zeros(k);
        for (w, t) in truth.iter().enumerate() {
            windows += 1;
            padded += u64::from(c.padded[w]);
            match (t.speech, c.speech[w]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => tn += 1,
            }
            if let Some(label) = t.label {
                speech_windows += 1;
                let row: Vec<f64> = c.probs[w * k..(w + 1) * k]
                    .iter()
                    .map(|&p| f64::from(p))
                    .collect();
                wcm.add(label, super::aggregate::argmax(&row));
            }
        }
        window.push(wcm);
        let estimate = whole_call(c.probs, c.speech, k);
        let oracle = whole_call(c.probs, &oracle_speech, k);
        without_speech += u64::from(estimate.fallback);
        let one = |level: &mut Level, pred: usize| {
            let mut cm = Confusion::zeros(k);
            if let Some(t) = c.truth {
                cm.add(t, pred);
            }
            level.push(cm);
        };
        one(&mut call, estimate.pred);
        one(&mut oracle_call, oracle.pred);
        let r = rolling(c.probs, c.speech, c.spans, n_roll, k);
        let (cm, u) = score_rolling(&r, c.segments, k);
        roll.push(cm);
        unscored += u;
        let ro = rolling(c.probs, &oracle_speech, c.spans, n_roll, k);
        oracle_roll.push(score_rolling(&ro, c.segments, k).0);
        firsts.extend(first_decision(c.speech, c.spans));
        let ch = changes(c.segments);
        n_changes += ch.len() as u64;
        delays.extend(change_delays(&ch, &r, c.spans).into_iter().flatten());
        outcomes.push(CallOutcome {
            truth,
            estimate,
            oracle,
            rolling: r,
        });
    }
    let cfg = &settings.bootstrap;
    let mut warnings = Vec::new();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = ratio(2 * tp, 2 * tp + fp + fn_);
    if without_speech > 0 {
        warnings.push(Warning {
            code: WarningCode::StreamingNoSpeech,
            metric: Some("streaming.call".into()),
            message: format!(
                "{without_speech} call(s) had no window judged speech by {}; their whole-call estimate averages every window",
                settings.speech.name
            ),
        });
    }
    let report = StreamingReport {
        window_s: spec.window_s,
        hop_s: spec.hop_s,
        rolling_s: ROLLING_S,
        rolling_windows: n_roll as u64,
        windows,
        calls: calls.len() as u64,
        padded_windows: padded,
        speech_windows,
        speech: SpeechReport {
            source: settings.speech.name.clone(),
            rule: settings.speech.rule.clone(),
            precision,
            recall,
            f1,
            true_positive: tp,
            false_positive: fp,
            false_negative: fn_,
            true_negative: tn,
        },
        window: window.report(labels, cfg, "streaming.window", &mut warnings),
        rolling_30s: roll.report(labels, cfg, "streaming.rolling_30s", &mut warnings),
        call: call.report(labels, cfg, "streaming.call", &mut warnings),
        oracle_speech: OracleSpeech {
            call: oracle_call.report(labels, cfg, "streaming.oracle_speech.call", &mut Vec::new()),
            rolling_30s: oracle_roll.report(
                labels,
                cfg,
                "streaming.oracle_speech.rolling_30s",
                &mut Vec::new(),
            ),
        },
        first_decision_s: mean(&firsts),
        change_delay_s: mean(&delays),
        changes: ChangeReport {
            changes: n_changes,
            followed: delays.len() as u64,
            median_delay_s: median(delays.clone()),
            max_delay_s: delays.iter().copied().reduce(f64::max),
        },
        calls_without_speech: without_speech,
        rolling_unscored: unscored,
        batch: None,
        timelines: timelines(calls, &outcomes, labels, settings.timelines),
    };
    StreamingEval {
        report,
        warnings,
        calls: outcomes,
    }
}

/// The `n` worst calls (lowest whole-call probability of the true label; calls without a
/// truth last), pictured window by window.
fn timelines(
    calls: &[CallInput<'_>],
    outcomes: &[CallOutcome],
    labels: &[String],
    n: usize,
) -> Vec<Timeline> {
    let k = labels.len();
    let p_truth = |i: usize| calls[i].truth.map(|t| outcomes[i].estimate.probs[t]);
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (
            p_truth(a).unwrap_or(f64::INFINITY),
            p_truth(b).unwrap_or(f64::INFINITY),
        );
        pa.total_cmp(&pb).then(calls[a].id.cmp(calls[b].id))
    });
    order
        .into_iter()
        .take(n)
        .map(|i| {
            let (c, o) = (&calls[i], &outcomes[i]);
            let mut rolling_after = vec![None; c.spans.len()];
            for r in &o.rolling {
                rolling_after[r.after] = Some(labels[r.pred].clone());
            }
            let mut segments: Vec<TimelineSegment> = c
                .segments
                .iter()
                .map(|s| TimelineSegment {
                    start_s: s.start,
                    end_s: s.end,
                    label: labels[s.label].clone(),
                })
                .collect();
            segments.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            Timeline {
                id: c.id.to_string(),
                duration_s: c.duration_s,
                truth: c.truth.map(|t| labels[t].clone()),
                pred: labels[o.estimate.pred].clone(),
                oracle_pred: labels[o.oracle.pred].clone(),
                p_truth: p_truth(i),
                segments,
                windows: c
                    .spans
                    .iter()
                    .enumerate()
                    .map(|(w, &(start_s, end_s))| TimelineWindow {
                        start_s,
                        end_s,
                        speech_truth: o.truth[w].speech,
                        speech_pred: c.speech[w],
                        probs: c.probs[w * k..(w + 1) * k]
                            .iter()
                            .map(|&p| f64::from(p))
                            .collect(),
                        rolling: rolling_after[w].take(),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
