//! From window probabilities to what the service reports: the whole-call estimate, the rolling
//! estimate over the last 30 seconds of active speech, when the first decision comes and how
//! long the rolling estimate takes to follow a change of label.

/// The index of the largest value; ties go to the earlier index.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// The mean of the probability rows `rows` of `probs` (`k` per window).
fn mean_rows(probs: &[f32], k: usize, rows: impl Iterator<Item = usize>) -> (Vec<f64>, usize) {
    let mut sum = vec![0.0f64; k];
    let mut n = 0usize;
    for r in rows {
        for (s, &p) in sum.iter_mut().zip(&probs[r * k..(r + 1) * k]) {
            *s += f64::from(p);
        }
        n += 1;
    }
    if n > 0 {
        sum.iter_mut().for_each(|s| *s /= n as f64);
    }
    (sum, n)
}

/// The whole-call estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEstimate {
    /// Mean probability vector over the windows used.
    pub probs: Vec<f64>,
    pub pred: usize,
    /// Windows averaged.
    pub windows: usize,
    /// No window was judged speech, so every window was averaged.
    pub fallback: bool,
}

/// The whole-call estimate as the service computes it: the mean probability vector over the
/// windows judged speech, argmax; when no window was judged speech, over all windows
/// (`fallback`). `probs` holds `k` probabilities per window.
pub fn whole_call(probs: &[f32], speech: &[bool], k: usize) -> CallEstimate {
    let (mean, n) = mean_rows(probs, k, (0..speech.len()).filter(|&w| speech[w]));
    let (probs, windows, fallback) = if n > 0 {
        (mean, n, false)
    } else {
        let (all, n) = mean_rows(probs, k, 0..speech.len());
        (all, n, true)
    };
    CallEstimate {
        pred: argmax(&probs),
        probs,
        windows,
        fallback,
    }
}

/// The rolling estimate reported after one speech window.
#[derive(Debug, Clone, PartialEq)]
pub struct Rolling {
    /// The window after which it is reported (the newest speech window).
    pub after: usize,
    /// The oldest window it averages.
    pub first: usize,
    pub probs: Vec<f64>,
    pub pred: usize,
    /// Seconds covered by the windows averaged: start of the oldest to end of the newest.
    pub span: (f64, f64),
}

/// The rolling estimates of a call: after each window judged speech, the mean probability
/// vector over the most recent `n` speech windows (fewer at the start of the call), where
/// `n = round(30 s / hop)` windows hold 30 seconds of active speech. `spans` are the windows'
/// real audio in seconds.
pub fn rolling(
    probs: &[f32],
    speech: &[bool],
    spans: &[(f64, f64)],
    n: usize,
    k: usize,
) -> Vec<Rolling> {
    let mut recent: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut out = Vec::new();
    for (w, &s) in speech.iter().enumerate() {
        if !s {
            continue;
        }
        recent.push_back(w);
        if recent.len() > n.max(1) {
            recent.pop_front();
        }
        let (mean, _) = mean_rows(probs, k, recent.iter().copied());
        let first = recent[0];
        out.push(Rolling {
            after: w,
            first,
            pred: argmax(&mean),
            probs: mean,
            span: (spans[first].0, spans[w].1),
        });
    }
    out
}

/// Seconds from the start of the call to the end of the first window judged speech: when the
/// service can first report a sentiment.
pub fn first_decision(speech: &[bool], spans: &[(f64, f64)]) -> Option<f64> {
    speech.iter().position(|&s| s).map(|w| spans[w].1)
}

/// For each change of the true label (`(time, from, to)`, in time order), the delay from the
/// change to the end of the first window after it whose rolling estimate is the new label —
/// looking only until the next change; `None` when the estimate never followed.
pub fn change_delays(
    changes: &[(f64, usize, usize)],
    rolling: &[Rolling],
    spans: &[(f64, f64)],
) -> Vec<Option<f64>> {
    changes
        .iter()
        .enumerate()
        .map(|(i, &(t, _, to))| {
            let until = changes.get(i + 1).map_or(f64::INFINITY, |c| c.0);
            rolling
                .iter()
                .map(|r| (spans[r.after].1, r.pred))
                .filter(|&(end, _)| end > t && end <= until.max(t))
                .find(|&(_, pred)| pred == to)
                .map(|(end, _)| end - t)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four windows of a 2-label model, hop 2.5 s, window 5 s.
    fn calls() -> (Vec<f32>, Vec<(f64, f64)>) {
        let probs = vec![
            0.9, 0.1, // w0
            0.5, 0.5, // w1 (silence)
            0.2, 0.8, // w2
            0.4, 0.6, // w3
        ];
        let spans = (0..4)
            .map(|k| (2.5 * k as f64, 2.5 * k as f64 + 5.0))
            .collect();
        (probs, spans)
    }

    #[test]
    fn whole_call_averages_speech_windows_only() {
        let (p, _) = calls();
        let e = whole_call(&p, &[true, false, true, true], 2);
        // (0.9 + 0.2 + 0.4) / 3 = 0.5 vs (0.1 + 0.8 + 0.6) / 3 = 0.5: a tie goes to label 0.
        assert!((e.probs[0] - 0.5).abs() < 1e-7 && (e.probs[1] - 0.5).abs() < 1e-7);
        assert_eq!(e.windows, 3);
        assert!(!e.fallback);
        let e = whole_call(&p, &[false, false, true, true], 2);
        assert_eq!(e.pred, 1); // (0.8 + 0.6) / 2 = 0.7
        let e = whole_call(&p, &[false; 4], 2);
        assert!(e.fallback);
        assert_eq!(e.windows, 4);
        assert!((e.probs[1] - (0.1 + 0.5 + 0.8 + 0.6) / 4.0).abs() < 1e-7);
    }

    #[test]
    fn rolling_keeps_the_last_n_speech_windows() {
        let (p, spans) = calls();
        let r = rolling(&p, &[true, false, true, true], &spans, 2, 2);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].after, r[0].first, r[0].pred), (0, 0, 0));
        // After w2: mean of w0 and w2 = (0.55, 0.45).
        assert_eq!((r[1].after, r[1].first, r[1].pred), (2, 0, 0));
        assert!((r[1].probs[0] - 0.55).abs() < 1e-7);
        // After w3: w2 and w3 = (0.3, 0.7); it spans 5.0 .. 12.5 s.
        assert_eq!((r[2].first, r[2].pred), (2, 1));
        assert_eq!(r[2].span, (5.0, 12.5));
        assert_eq!(first_decision(&[false, true], &spans), Some(7.5));
        assert_eq!(first_decision(&[false, false], &spans), None);
        // A change to label 1 at 6 s is followed by the estimate after w3 (ends 12.5 s);
        // a change back to 0 at 11 s is never followed.
        let d = change_delays(&[(6.0, 0, 1), (11.0, 1, 0)], &r, &spans);
        assert_eq!(d, vec![None, None]);
        let d = change_delays(&[(6.0, 0, 1)], &r, &spans);
        assert_eq!(d, vec![Some(6.5)]);
    }
}
