//! What the Markdown and HTML renderers both say about a streamed model
//! (`models[].streaming`): the settings, the speech source, the three levels of metrics and the
//! timing facts, as formatted text. Each renderer lays it out in its own way.

use tonebench_core::report::{MetricsReport, StreamingReport, Timeline};

use super::format as f;

/// The sentences of a streaming section, formatted.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `5 s windows every 2.5 s`.
    pub windowing: String,
    /// `5 calls · 37 windows (0 zero-padded) · 27 speech windows`.
    pub counts: String,
    /// `the mean of the last 12 speech windows (30 s of speech)`.
    pub rolling: String,
    pub speech_source: String,
    pub speech_rule: String,
    pub speech_precision: String,
    pub speech_recall: String,
    pub speech_f1: String,
    /// `TP 25 · FP 0 · FN 2 · TN 10`.
    pub speech_counts: String,
    /// `6.50 s`, or `—` when no call had a speech window.
    pub first_decision: String,
    /// `4 of 19 followed` (or `no label changes inside calls`).
    pub changes: String,
    /// `mean 1.76 s · median 2.02 s · max 2.70 s`, or `—`.
    pub change_delay: String,
    /// How far batching moved the outputs, or why nothing was measured.
    pub batch: String,
    /// Calls without speech and unscored rolling estimates, when there are any.
    pub caveats: Vec<String>,
    /// Whether the metrics carry (call-clustered) intervals.
    pub intervals: bool,
}

/// One row of the table of levels.
#[derive(Debug, Clone, Copy)]
pub struct Level<'a> {
    pub name: &'static str,
    /// What is scored at this level, for a note or a tooltip.
    pub what: &'static str,
    pub metrics: &'a MetricsReport,
    /// Whether the row uses the truth's speech windows instead of the speech source.
    pub oracle: bool,
}

impl Level<'_> {
    /// How many estimates were scored: the confusion matrix's total.
    pub fn scored(&self) -> u64 {
        self.metrics.confusion.matrix.iter().flatten().sum()
    }
}

/// The facts of one streamed model.
pub fn facts(s: &StreamingReport) -> Facts {
    let sp = &s.speech;
    let ch = &s.changes;
    let changes = if ch.changes == 0 {
        "no label changes inside calls".to_string()
    } else {
        format!(
            "{} of {} followed",
            f::count(ch.followed),
            f::count(ch.changes)
        )
    };
    let change_delay = match (s.change_delay_s, ch.median_delay_s, ch.max_delay_s) {
        (None, None, None) => f::MISSING.to_string(),
        (mean, median, max) => format!(
            "mean {} · median {} · max {}",
            f::opt(mean, f::seconds),
            f::opt(median, f::seconds),
            f::opt(max, f::seconds)
        ),
    };
    let batch = match &s.batch {
        Some(b) => format!(
            "batch {} against batch 1 on {} windows: argmax agrees on {}, probabilities differ by up to {}",
            b.batch,
            f::count(b.windows),
            f::percent(b.argmax_agreement),
            f::small(b.max_abs_diff)
        ),
        None => "not measured (windows ran one at a time)".to_string(),
    };
    let mut caveats = Vec::new();
    if s.calls_without_speech > 0 {
        caveats.push(format!(
            "{} call(s) had no window judged speech: their estimate averages every window",
            f::count(s.calls_without_speech)
        ));
    }
    if s.rolling_unscored > 0 {
        caveats.push(format!(
            "{} rolling estimate(s) covered no labeled speech and were not scored",
            f::count(s.rolling_unscored)
        ));
    }
    Facts {
        windowing: format!(
            "{} windows every {}",
            f::seconds_short(s.window_s),
            f::seconds_short(s.hop_s)
        ),
        counts: format!(
            "{} calls · {} windows ({} zero-padded) · {} speech windows",
            f::count(s.calls),
            f::count(s.windows),
            f::count(s.padded_windows),
            f::count(s.speech_windows)
        ),
        rolling: format!(
            "the mean of the last {} speech windows ({} of speech)",
            s.rolling_windows,
            f::seconds_short(s.rolling_s)
        ),
        speech_source: sp.source.clone(),
        speech_rule: sp.rule.clone(),
        speech_precision: f::score(sp.precision),
        speech_recall: f::score(sp.recall),
        speech_f1: f::score(sp.f1),
        speech_counts: format!(
            "TP {} · FP {} · FN {} · TN {}",
            f::count(sp.true_positive),
            f::count(sp.false_positive),
            f::count(sp.false_negative),
            f::count(sp.true_negative)
        ),
        first_decision: f::opt(s.first_decision_s, f::seconds),
        changes,
        change_delay,
        batch,
        caveats,
        intervals: s.window.intervals.is_some() || s.call.intervals.is_some(),
    }
}

/// The levels in the order the tables show them: the speech source's, then the oracle's.
pub fn levels(s: &StreamingReport) -> Vec<Level<'_>> {
    vec![
        Level {
            name: "window",
            what: "each truth-speech window's label against its argmax",
            metrics: &s.window,
            oracle: false,
        },
        Level {
            name: "rolling 30 s",
            what: "the rolling estimate after each speech window against the majority label of the speech it covers",
            metrics: &s.rolling_30s,
            oracle: false,
        },
        Level {
            name: "call",
            what: "the whole-call estimate against the call's truth",
            metrics: &s.call,
            oracle: false,
        },
        Level {
            name: "rolling 30 s, oracle speech",
            what: "the rolling estimate over the truth's speech windows",
            metrics: &s.oracle_speech.rolling_30s,
            oracle: true,
        },
        Level {
            name: "call, oracle speech",
            what: "the whole-call estimate over the truth's speech windows",
            metrics: &s.oracle_speech.call,
            oracle: true,
        },
    ]
}

/// The formatted facts of one pictured call.
#[derive(Debug, Clone)]
pub struct CallFacts {
    pub id: String,
    pub duration: String,
    pub truth: String,
    pub pred: String,
    pub oracle_pred: String,
    pub p_truth: String,
    /// Whether the whole-call estimate misses the truth.
    pub wrong: bool,
    pub oracle_wrong: bool,
}

pub fn call_facts(t: &Timeline) -> CallFacts {
    CallFacts {
        id: t.id.clone(),
        duration: f::seconds(t.duration_s),
        truth: t.truth.clone().unwrap_or_else(|| f::MISSING.to_string()),
        pred: t.pred.clone(),
        oracle_pred: t.oracle_pred.clone(),
        p_truth: f::opt(t.p_truth, f::score),
        wrong: t.truth.as_ref().is_some_and(|l| *l != t.pred),
        oracle_wrong: t.truth.as_ref().is_some_and(|l| *l != t.oracle_pred),
    }
}
