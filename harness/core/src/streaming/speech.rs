//! Frame-level speech scores (a voice activity detector's per-chunk probabilities, an energy
//! detector's frames) → one speech decision per window, and the energy detector itself.

/// Per-frame speech scores of a call: frame `j` covers `[j·hop_s, j·hop_s + len_s)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    pub scores: Vec<f32>,
    pub hop_s: f64,
    pub len_s: f64,
    /// A frame is speech when its score is at least this.
    pub threshold: f32,
}

/// One window's decision: the fraction of its frames judged speech.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub speech: bool,
    pub fraction: f64,
}

impl Frames {
    /// The decision for each window span (seconds): the frames whose centre lies in
    /// `[t0, t1)` are counted, and the window is speech when at least half of them are (and
    /// there is at least one).
    pub fn decide(&self, spans: &[(f64, f64)]) -> Vec<Decision> {
        spans
            .iter()
            .map(|&(t0, t1)| {
                let centre = |j: usize| j as f64 * self.hop_s + self.len_s / 2.0;
                // First frame whose centre is at or after t0.
                let first = ((t0 - self.len_s / 2.0) / self.hop_s).ceil().max(0.0) as usize;
                let (mut n, mut yes) = (0usize, 0usize);
                let mut j = first;
                while j < self.scores.len() && centre(j) < t1 {
                    if centre(j) >= t0 {
                        n += 1;
                        yes += usize::from(self.scores[j] >= self.threshold);
                    }
                    j += 1;
                }
                let fraction = if n == 0 { 0.0 } else { yes as f64 / n as f64 };
                Decision {
                    speech: n > 0 && 2 * yes >= n,
                    fraction,
                }
            })
            .collect()
    }
}

/// The energy detector's frame length and hop: 30 ms, no overlap.
pub const ENERGY_FRAME_S: f64 = 0.03;
/// Frames below this level (dBFS of the frame's mean square) are never speech.
pub const ENERGY_FLOOR_DB: f64 = -45.0;
/// A frame is speech when it is this far above the call's 10th-percentile frame level.
pub const ENERGY_ABOVE_NOISE_DB: f64 = 10.0;

/// The documented weak fallback: 30-ms frames of `samples` (mono, at `rate`), each scored 1
/// when its level `10·log10(mean(x²))` is at least −45 dBFS and at least 10 dB above the
/// call's 10th-percentile frame level (its noise floor), else 0.
pub fn energy_frames(samples: &[f32], rate: u32) -> Frames {
    let len = ((ENERGY_FRAME_S * f64::from(rate)).round() as usize).max(1);
    let levels: Vec<f64> = samples
        .chunks(len)
        .map(|f| {
            let ms = f.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / len as f64;
            10.0 * (ms + 1e-12).log10()
        })
        .collect();
    let mut sorted = levels.clone();
    sorted.sort_by(f64::total_cmp);
    let noise = if sorted.is_empty() {
        f64::NEG_INFINITY
    } else {
        crate::bootstrap::quantile_sorted(&sorted, 0.1)
    };
    let threshold = ENERGY_FLOOR_DB.max(noise + ENERGY_ABOVE_NOISE_DB);
    let frame_s = len as f64 / f64::from(rate.max(1));
    Frames {
        scores: levels
            .iter()
            .map(|&l| if l >= threshold { 1.0 } else { 0.0 })
            .collect(),
        hop_s: frame_s,
        len_s: frame_s,
        threshold: 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_the_frames_whose_centre_they_hold() {
        // Frames of 32 ms every 32 ms; the first half second speech.
        let f = Frames {
            scores: (0..100).map(|j| if j < 16 { 0.9 } else { 0.1 }).collect(),
            hop_s: 0.032,
            len_s: 0.032,
            threshold: 0.5,
        };
        let d = f.decide(&[(0.0, 1.0), (0.0, 0.512), (0.256, 1.0), (5.0, 6.0)]);
        // [0, 1): centres 0.016 .. 0.976 -> 31 frames, 16 speech.
        assert!(d[0].speech && (d[0].fraction - 16.0 / 31.0).abs() < 1e-12);
        assert_eq!(d[1].fraction, 1.0);
        assert!(!d[2].speech);
        // Past the last frame: no frames, not speech.
        assert_eq!(
            d[3],
            Decision {
                speech: false,
                fraction: 0.0
            }
        );
    }

    #[test]
    fn energy_finds_a_tone_in_silence() {
        let rate = 16000;
        let mut x = vec![0.0f32; rate as usize];
        for (i, s) in x.iter_mut().enumerate().skip(8000) {
            *s = 0.3 * (i as f32 * 0.05).sin();
        }
        let f = energy_frames(&x, rate);
        let d = f.decide(&[(0.0, 0.5), (0.5, 1.0)]);
        assert!(!d[0].speech && d[1].speech);
    }
}
