//! Streaming evaluation: a model scored the way a real-time voice tone service runs it — fixed
//! windows every hop over a long call, speech presence per window, a rolling estimate over the
//! last 30 seconds of active speech and a whole-call estimate.
//!
//! Everything here works on sample counts, seconds and probability vectors; decoding, running
//! models and voice activity detectors happen at the edges (`tonebench::app::streaming`).
//!
//! - [`windows`]: where window `k` of a call starts and whether it is padded (the rule of
//!   docs/DESIGN.md "Streaming").
//! - [`truth`]: labeled segments → window truth (speech or not, label) and call truth.
//! - [`aggregate`]: window probabilities → whole-call and rolling estimates, time to first
//!   decision, delay after a label change.
//! - [`evaluate`]: all calls of a model → [`crate::report::StreamingReport`], with bootstrap
//!   intervals clustered by call.

pub mod aggregate;
pub mod evaluate;
pub mod speech;
pub mod truth;

pub use aggregate::{CallEstimate, Rolling};
pub use evaluate::{evaluate_calls, CallInput, SpeechSource, StreamSettings};
pub use truth::{Segment, WindowTruth};

/// Window length and hop, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowSpec {
    pub window_s: f64,
    pub hop_s: f64,
}

/// The longest window and hop tonebench accepts, in seconds.
pub const MAX_WINDOW_S: f64 = 600.0;

impl WindowSpec {
    /// Checks that both are finite, positive and at most [`MAX_WINDOW_S`].
    pub fn new(window_s: f64, hop_s: f64) -> Result<Self, String> {
        for (what, v) in [("window", window_s), ("hop", hop_s)] {
            if !v.is_finite() || v <= 0.0 || v > MAX_WINDOW_S {
                return Err(format!(
                    "{what} {v} must be a number of seconds above 0 and at most {MAX_WINDOW_S}"
                ));
            }
        }
        if hop_s < crate::limits::MIN_HOP_S {
            return Err(format!(
                "hop {hop_s} is less than the supported minimum of {} seconds (at most {} windows a call; DESIGN.md, Limits)",
                crate::limits::MIN_HOP_S,
                crate::limits::WINDOWS_PER_CALL
            ));
        }
        Ok(WindowSpec { window_s, hop_s })
    }

    /// Samples in every window at `rate`.
    pub fn window_samples(&self, rate: u32) -> usize {
        (self.window_s * f64::from(rate)).round().max(1.0) as usize
    }

    /// First sample of window `k` at `rate`.
    pub fn start(&self, k: usize, rate: u32) -> usize {
        (k as f64 * self.hop_s * f64::from(rate)).round() as usize
    }

    /// Windows whose speech covers `span_s` seconds: `round(span / hop)`, at least 1.
    pub fn windows_in(&self, span_s: f64) -> usize {
        (span_s / self.hop_s).round().max(1.0) as usize
    }
}

/// One window of a call, in samples at the model's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub index: usize,
    pub start: usize,
    /// Samples of real audio in the window (less than the window length only when padded).
    pub real: usize,
    /// The call was shorter than one window: its samples are followed by zeros.
    pub padded: bool,
}

impl Window {
    /// The window's real audio in seconds: `[start, start + real) / rate`.
    pub fn span_s(&self, rate: u32) -> (f64, f64) {
        let r = f64::from(rate.max(1));
        (self.start as f64 / r, (self.start + self.real) as f64 / r)
    }
}

/// The windows of a call of `n` samples at `rate`.
///
/// Every window holds `W = round(window·rate)` samples; window `k` starts at sample
/// `round(k·hop·rate)`, for `k = 0 … floor((n/rate − window)/hop)` (with a 1e-9 tolerance for
/// the floating-point division, and only windows that fit inside the call). A call shorter than
/// one window (`n < W`) is one window, zero-padded to `W`.
pub fn windows(n: usize, rate: u32, spec: &WindowSpec) -> Vec<Window> {
    let w = spec.window_samples(rate);
    if n < w {
        return vec![Window {
            index: 0,
            start: 0,
            real: n,
            padded: true,
        }];
    }
    let d = n as f64 / f64::from(rate.max(1));
    let last = ((d - spec.window_s) / spec.hop_s + 1e-9).floor().max(0.0) as usize;
    (0..=last)
        .map(|k| Window {
            index: k,
            start: spec.start(k, rate),
            real: w,
            padded: false,
        })
        .take_while(|win| win.start + w <= n)
        .collect()
}

/// The windows of `samples` back to back, each `w` samples (`WindowSpec::window_samples`; a padded
/// window's tail is zeros): the rows a model is fed.
pub fn window_rows(samples: &[f32], windows: &[Window], w: usize) -> Vec<f32> {
    let mut flat = vec![0f32; windows.len() * w];
    for (row, win) in flat.chunks_mut(w.max(1)).zip(windows) {
        row[..win.real].copy_from_slice(&samples[win.start..win.start + win.real]);
    }
    flat
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> WindowSpec {
        WindowSpec::new(5.0, 2.5).unwrap()
    }

    /// (number of windows, first and last start, padded) for a call of `seconds` at 16 kHz.
    fn check(seconds: f64, count: usize, last_start: usize, padded: bool) {
        let n = (seconds * 16000.0).round() as usize;
        let w = windows(n, 16000, &spec());
        assert_eq!(w.len(), count, "{seconds} s");
        assert_eq!(w[0].start, 0);
        assert_eq!(w.last().unwrap().start, last_start, "{seconds} s");
        assert_eq!(w[0].padded, padded);
        for (k, win) in w.iter().enumerate() {
            assert_eq!(win.index, k);
            assert_eq!(win.start, k * 40_000);
            assert!(padded || win.start + 80_000 <= n);
        }
    }

    #[test]
    fn window_counts_and_boundaries() {
        // Shorter than one window: one padded window holding every sample.
        check(0.5, 1, 0, true);
        assert_eq!(windows(8000, 16000, &spec())[0].real, 8000);
        // Exactly one window.
        check(5.0, 1, 0, false);
        // 5.1 s: the second window would end at 7.5 s.
        check(5.1, 1, 0, false);
        // 7.5 s: windows at 0 and 2.5 s.
        check(7.5, 2, 40_000, false);
        // 10 minutes: floor((600 - 5) / 2.5) + 1 = 239 windows, the last from 595 s to 600 s.
        check(600.0, 239, 238 * 40_000, false);
        // One sample short of 7.5 s.
        assert_eq!(windows(119_999, 16000, &spec()).len(), 1);
    }

    #[test]
    fn rows_hold_each_window_and_pad_with_zeros() {
        let s = WindowSpec::new(1.0, 0.5).unwrap();
        let x: Vec<f32> = (0..8).map(|i| i as f32).collect();
        // Rate 4: windows of 4 samples every 2: [0..4], [2..6], [4..8].
        let w = windows(x.len(), 4, &s);
        assert_eq!(
            window_rows(&x, &w, 4),
            [0., 1., 2., 3., 2., 3., 4., 5., 4., 5., 6., 7.]
        );
        // Shorter than one window: the 3 samples, then a zero.
        let w = windows(3, 4, &s);
        assert_eq!(window_rows(&x[..3], &w, 4), [0., 1., 2., 0.]);
    }

    #[test]
    fn starts_round_at_rates_that_do_not_divide() {
        // hop 2.5 s at 8 kHz = 20000 samples; hop 0.3 s at 22050 Hz = 6615 samples.
        let s = WindowSpec::new(1.0, 0.3).unwrap();
        let w = windows(22050 * 2, 22050, &s);
        assert_eq!(w.len(), 4); // floor((2 - 1) / 0.3) + 1
        assert_eq!(w[3].start, (3.0f64 * 0.3 * 22050.0).round() as usize);
        assert!(WindowSpec::new(0.0, 1.0).is_err());
        assert!(WindowSpec::new(5.0, f64::NAN).is_err());
        assert!(WindowSpec::new(5.0, 1e-300)
            .unwrap_err()
            .contains("minimum of 0.01"));
    }
}
