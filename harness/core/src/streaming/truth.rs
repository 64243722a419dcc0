//! What a call really holds: labeled speech segments, and the truth of windows and calls
//! derived from them.

/// A labeled span of speech in a call, in seconds (`start < end`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    /// Index into the suite's label set.
    pub label: usize,
}

/// The truth of one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowTruth {
    /// Labeled segments cover at least half of the window's real audio.
    pub speech: bool,
    /// The label with the largest overlap; `None` for a non-speech window.
    pub label: Option<usize>,
    /// Fraction of the window's real audio covered by segments (their union), 0 to 1.
    pub coverage: f64,
}

fn overlap(s: &Segment, t0: f64, t1: f64) -> f64 {
    (s.end.min(t1) - s.start.max(t0)).max(0.0)
}

/// Length of the union of the segments inside `[t0, t1]`.
fn union_len(segments: &[Segment], t0: f64, t1: f64) -> f64 {
    let mut spans: Vec<(f64, f64)> = segments
        .iter()
        .filter(|s| overlap(s, t0, t1) > 0.0)
        .map(|s| (s.start.max(t0), s.end.min(t1)))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut cur: Option<(f64, f64)> = None;
    for (a, b) in spans {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((a, b)) = cur {
        total += b - a;
    }
    total
}

/// The label with the largest summed overlap with `[t0, t1]` (ties → the earlier label);
/// `None` when no segment overlaps it.
pub fn majority(segments: &[Segment], t0: f64, t1: f64, k: usize) -> Option<usize> {
    let mut per = vec![0.0f64; k];
    for s in segments {
        if s.label < k {
            per[s.label] += overlap(s, t0, t1);
        }
    }
    let mut best: Option<usize> = None;
    for (c, &v) in per.iter().enumerate() {
        if v > 0.0 && best.is_none_or(|b| v > per[b]) {
            best = Some(c);
        }
    }
    best
}

/// The truth of the window whose real audio spans `[t0, t1]`: speech when segments cover at
/// least half of it, labeled by [`majority`].
pub fn window_truth(segments: &[Segment], t0: f64, t1: f64, k: usize) -> WindowTruth {
    let len = t1 - t0;
    let coverage = if len > 0.0 {
        (union_len(segments, t0, t1) / len).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let speech = len > 0.0 && coverage >= 0.5;
    WindowTruth {
        speech,
        label: if speech {
            majority(segments, t0, t1, k)
        } else {
            None
        },
        coverage,
    }
}

/// A call's truth from its segments: the duration-weighted majority label.
pub fn call_truth(segments: &[Segment], k: usize) -> Option<usize> {
    majority(segments, f64::NEG_INFINITY, f64::INFINITY, k)
}

/// Where the labeled speech changes label: `(time, from, to)` at the start of each segment
/// whose label differs from the segment before it (in time order).
pub fn changes(segments: &[Segment]) -> Vec<(f64, usize, usize)> {
    let mut sorted: Vec<&Segment> = segments.iter().collect();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
    sorted
        .windows(2)
        .filter(|p| p[0].label != p[1].label)
        .map(|p| (p[1].start, p[0].label, p[1].label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, label: usize) -> Segment {
        Segment { start, end, label }
    }

    #[test]
    fn half_covered_is_speech_labeled_by_largest_overlap() {
        let segs = [seg(1.0, 3.0, 2), seg(3.5, 4.0, 0)];
        // [0, 5]: 2.5 s of 5 covered -> speech; label 2 (2 s) over label 0 (0.5 s).
        let t = window_truth(&segs, 0.0, 5.0, 3);
        assert!(t.speech);
        assert_eq!(t.label, Some(2));
        assert!((t.coverage - 0.5).abs() < 1e-12);
        // [2.5, 7.5]: 0.5 + 0.5 = 1 s of 5 -> not speech.
        let t = window_truth(&segs, 2.5, 7.5, 3);
        assert!(!t.speech);
        assert_eq!(t.label, None);
    }

    #[test]
    fn overlapping_channels_count_once_for_coverage_and_ties_go_to_the_earlier_label() {
        // Two speakers talking over each other on [0, 2]: the union is 2 s, not 4.
        let segs = [seg(0.0, 2.0, 1), seg(0.0, 2.0, 0)];
        let t = window_truth(&segs, 0.0, 5.0, 3);
        assert!((t.coverage - 0.4).abs() < 1e-12);
        assert!(!t.speech);
        assert_eq!(majority(&segs, 0.0, 5.0, 3), Some(0));
    }

    #[test]
    fn call_truth_is_duration_weighted_and_changes_are_in_time_order() {
        let segs = [seg(10.0, 12.0, 2), seg(0.0, 3.0, 0), seg(4.0, 5.5, 2)];
        // negative 3 s, positive 2 + 1.5 = 3.5 s.
        assert_eq!(call_truth(&segs, 3), Some(2));
        assert_eq!(changes(&segs), vec![(4.0, 0, 2)]);
        assert_eq!(call_truth(&[], 3), None);
    }
}
