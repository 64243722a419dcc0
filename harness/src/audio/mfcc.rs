//! MFCC statistics: the built-in acoustic embedding used for embedding cohorts when a suite has
//! audio but neither an `embeddings` file nor an `embedding-model`.
//!
//! The weakest of the three embedding sources: MFCC means and spread describe the recording
//! channel, loudness and broad voice timbre, not speaker identity. Parameters (checked against
//! the numpy implementation in `tests/fixtures/mfcc/make_fixture.py`):
//! 16 kHz mono (the reference polyphase resampler), 25 ms frames (400 samples) every 10 ms
//! (160), no centring (a clip shorter than one frame is zero-padded to one frame), periodic
//! Hann window, 512-point real FFT, power spectrum, 40 triangular mel filters (HTK mel scale,
//! 0–8000 Hz, peak 1, no area normalisation), natural log of max(energy, 1e-10), orthonormal
//! DCT-II keeping coefficients 0..13 (c0 included). Per clip: the 13 means then the 13
//! population standard deviations over frames (26 values).

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use realfft::{RealFftPlanner, RealToComplex};

use super::AudioError;

/// Sample rate the features are computed at.
pub const SAMPLE_RATE: u32 = 16_000;
/// Frame length in samples (25 ms).
pub const FRAME: usize = 400;
/// Hop in samples (10 ms).
pub const HOP: usize = 160;
/// FFT size (the frame zero-padded).
pub const N_FFT: usize = 512;
/// Mel bands.
pub const N_MELS: usize = 40;
/// Cepstral coefficients kept (c0..c12).
pub const N_MFCC: usize = 13;
/// Length of the per-clip statistics vector (means, then standard deviations).
pub const DIM: usize = 2 * N_MFCC;
/// Floor applied before the log.
const LOG_FLOOR: f64 = 1e-10;

/// An MFCC extractor with its window, filterbank, DCT matrix and FFT plan precomputed.
pub struct Mfcc {
    window: Vec<f64>,
    /// Per mel band: first FFT bin and the filter weights from there.
    filters: Vec<(usize, Vec<f64>)>,
    /// `N_MFCC × N_MELS`, row-major.
    dct: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
}

impl std::fmt::Debug for Mfcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mfcc").finish_non_exhaustive()
    }
}

impl Default for Mfcc {
    fn default() -> Self {
        Self::new()
    }
}

fn hz_to_mel(f: f64) -> f64 {
    2595.0 * (1.0 + f / 700.0).log10()
}

fn mel_to_hz(m: f64) -> f64 {
    700.0 * (10f64.powf(m / 2595.0) - 1.0)
}

impl Mfcc {
    pub fn new() -> Self {
        let window = (0..FRAME)
            .map(|n| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / FRAME as f64).cos())
            .collect();
        let bins = N_FFT / 2 + 1;
        let nyquist = f64::from(SAMPLE_RATE) / 2.0;
        let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(nyquist));
        let points: Vec<f64> = (0..N_MELS + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (N_MELS + 1) as f64))
            .collect();
        let freq = |k: usize| k as f64 * f64::from(SAMPLE_RATE) / N_FFT as f64;
        let filters = (0..N_MELS)
            .map(|m| {
                let (left, centre, right) = (points[m], points[m + 1], points[m + 2]);
                let weights: Vec<(usize, f64)> = (0..bins)
                    .map(|k| {
                        let f = freq(k);
                        let up = (f - left) / (centre - left);
                        let down = (right - f) / (right - centre);
                        (k, up.min(down).max(0.0))
                    })
                    .filter(|&(_, w)| w > 0.0)
                    .collect();
                let first = weights.first().map_or(0, |&(k, _)| k);
                (first, weights.into_iter().map(|(_, w)| w).collect())
            })
            .collect();
        let n = N_MELS as f64;
        let dct = (0..N_MFCC)
            .flat_map(|k| {
                let scale = if k == 0 {
                    (1.0 / n).sqrt()
                } else {
                    (2.0 / n).sqrt()
                };
                (0..N_MELS).map(move |j| {
                    scale
                        * (std::f64::consts::PI * k as f64 * (2.0 * j as f64 + 1.0) / (2.0 * n))
                            .cos()
                })
            })
            .collect();
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N_FFT);
        Mfcc {
            window,
            filters,
            dct,
            fft,
        }
    }

    /// The MFCCs of every frame of a 16 kHz waveform.
    pub fn frames(&self, samples: &[f32]) -> Vec<[f64; N_MFCC]> {
        let n_frames = if samples.len() <= FRAME {
            1
        } else {
            1 + (samples.len() - FRAME) / HOP
        };
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0.0; N_FFT / 2 + 1];
        let mut logmel = [0.0; N_MELS];
        let mut out = Vec::with_capacity(n_frames);
        for f in 0..n_frames {
            let start = f * HOP;
            input.fill(0.0);
            for (i, (x, w)) in input.iter_mut().zip(&self.window).enumerate() {
                *x = samples.get(start + i).map_or(0.0, |&s| f64::from(s)) * w;
            }
            // Lengths come from the plan itself, so processing cannot fail.
            if self
                .fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                continue;
            }
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (l, (first, w)) in logmel.iter_mut().zip(&self.filters) {
                let e: f64 = w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum();
                *l = e.max(LOG_FLOOR).ln();
            }
            let mut c = [0.0; N_MFCC];
            for (k, ck) in c.iter_mut().enumerate() {
                let row = &self.dct[k * N_MELS..(k + 1) * N_MELS];
                *ck = row.iter().zip(&logmel).map(|(a, b)| a * b).sum();
            }
            out.push(c);
        }
        out
    }

    /// Per-clip statistics of a 16 kHz waveform: 13 MFCC means, then 13 standard deviations
    /// (population, over frames).
    pub fn stats(&self, samples: &[f32]) -> Vec<f64> {
        let frames = self.frames(samples);
        let n = frames.len().max(1) as f64;
        let mut mean = [0.0; N_MFCC];
        for f in &frames {
            for (m, v) in mean.iter_mut().zip(f) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = [0.0; N_MFCC];
        for f in &frames {
            for ((s, v), m) in var.iter_mut().zip(f).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        mean.iter()
            .copied()
            .chain(var.iter().map(|s| (s / n).sqrt()))
            .collect()
    }

    /// Decodes `path`, resamples it to 16 kHz and returns its statistics vector.
    pub fn stats_of_file(&self, path: &Path) -> Result<Vec<f64>, AudioError> {
        let loaded = super::load(path, SAMPLE_RATE)?;
        Ok(self.stats(&loaded.waveform.samples))
    }
}

/// Standardises every dimension across speakers (z-score; a constant dimension becomes 0), so
/// that c0 — loudness, by far the largest — does not decide the clusters alone.
pub fn standardize(vectors: &mut IndexMap<String, Vec<f64>>) {
    let n = vectors.len();
    let dims = vectors.values().map(Vec::len).max().unwrap_or(0);
    if n == 0 {
        return;
    }
    for d in 0..dims {
        let col: Vec<f64> = vectors.values().filter_map(|v| v.get(d).copied()).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let sd =
            (col.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / col.len() as f64).sqrt();
        for v in vectors.values_mut() {
            if let Some(x) = v.get_mut(d) {
                *x = if sd > 0.0 { (*x - mean) / sd } else { 0.0 };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_and_silence() {
        let m = Mfcc::new();
        // 1 + (16000 - 400) / 160 = 98 frames for one second.
        assert_eq!(m.frames(&vec![0.0; 16_000]).len(), 98);
        assert_eq!(m.frames(&[0.1; 10]).len(), 1);
        // Silence: every log-mel is ln(1e-10), so c0 = sqrt(40) · ln(1e-10), the rest 0.
        let s = m.stats(&vec![0.0; 1600]);
        assert_eq!(s.len(), DIM);
        assert!(
            (s[0] - (40f64).sqrt() * 1e-10f64.ln()).abs() < 1e-9,
            "{}",
            s[0]
        );
        assert!(s[1..].iter().all(|x| x.abs() < 1e-9));
    }

    #[test]
    fn standardize_z_scores() {
        let mut v: IndexMap<String, Vec<f64>> = [
            ("a".to_string(), vec![1.0, 5.0]),
            ("b".to_string(), vec![3.0, 5.0]),
        ]
        .into_iter()
        .collect();
        standardize(&mut v);
        assert_eq!(v["a"], vec![-1.0, 0.0]);
        assert_eq!(v["b"], vec![1.0, 0.0]);
    }
}
