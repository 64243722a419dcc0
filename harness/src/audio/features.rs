//! The feature extractors of Hugging Face transformers, reimplemented so that an exported model
//! sees what it saw in PyTorch:
//!
//! - [`zero_mean_unit_var`]: `Wav2Vec2FeatureExtractor` with `do_normalize` (also HuBERT's and
//!   WavLM's): `(x - x.mean()) / sqrt(x.var() + 1e-7)` in float32, with numpy's pairwise
//!   summation, so the values are numpy's bit for bit.
//! - [`WhisperLogMel`]: `WhisperFeatureExtractor`: pad or trim to `chunk_length` seconds, a
//!   centred STFT (reflect padding, periodic Hann window, `n_fft` 400, hop 160) without its last
//!   frame, power spectrum, Slaney mel filters (`mel_filter_bank(..., norm="slaney",
//!   mel_scale="slaney")`, 0–8 kHz), `log10(max(mel, 1e-10))`, floored at `max - 8`, then
//!   `(x + 4) / 4`. Computed in f64 and rounded once: within 1e-6 of transformers' float32 torch
//!   path (tests/hf.rs checks 1e-5 against arrays transformers wrote).

use realfft::RealFftPlanner;

/// numpy's `pairwise_sum` for float32 (`numpy/_core/src/umath/loops_utils.h.src`): blocks of up
/// to 128 summed with 8 accumulators, longer runs split in halves at multiples of 8.
fn pairwise_sum(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0f32;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.mean` of a float32 vector: the pairwise sum divided in float32.
fn mean_f32(x: &[f32]) -> f32 {
    pairwise_sum(x) / x.len() as f32
}

/// `Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm` for one unpadded clip: numpy's float32
/// mean and (population) variance, `1e-7` added under the square root.
pub fn zero_mean_unit_var(x: &[f32]) -> Vec<f32> {
    if x.is_empty() {
        return Vec::new();
    }
    let mean = mean_f32(x);
    let sq: Vec<f32> = x
        .iter()
        .map(|&v| {
            let d = v - mean;
            d * d
        })
        .collect();
    let var = mean_f32(&sq);
    let sd = (var + 1e-7f32).sqrt();
    x.iter().map(|&v| (v - mean) / sd).collect()
}

/// `WhisperFeatureExtractor`'s parameters (`preprocessor_config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhisperParams {
    /// `feature_size`: 80 (Whisper up to large-v2) or 128 (large-v3).
    pub mel_bins: usize,
    pub n_fft: usize,
    pub hop_length: usize,
    /// `chunk_length` in seconds: audio is padded with zeros or trimmed to this.
    pub chunk_length: usize,
    pub sampling_rate: u32,
}

impl Default for WhisperParams {
    fn default() -> Self {
        WhisperParams {
            mel_bins: 80,
            n_fft: 400,
            hop_length: 160,
            chunk_length: 30,
            sampling_rate: 16_000,
        }
    }
}

impl WhisperParams {
    /// The sizes against DESIGN.md's Limits, before a filter bank or a feature matrix is
    /// allocated from them: `Err` names the bound. `hop_length` must be positive.
    pub fn check(&self) -> Result<(), String> {
        use tonebench_core::limits::{at_most, AUDIO_SECONDS, FEATURE_VALUES, FFT_SIZE, MEL_BINS};
        let e = |e: tonebench_core::limits::LimitError| e.to_string();
        at_most("the number of mel bins", self.mel_bins, MEL_BINS).map_err(e)?;
        at_most("n_fft", self.n_fft, FFT_SIZE).map_err(e)?;
        at_most(
            "chunk_length (seconds)",
            self.chunk_length as f64,
            AUDIO_SECONDS,
        )
        .map_err(e)?;
        let frames = self.chunk_length as u64 * u64::from(self.sampling_rate)
            / self.hop_length.max(1) as u64;
        at_most(
            "the log-mel features of a clip (mel bins × frames)",
            self.mel_bins as u64 * frames,
            FEATURE_VALUES as u64,
        )
        .map_err(e)
    }
}

/// A Whisper log-mel front end with its window and filters computed once.
#[derive(Debug, Clone)]
pub struct WhisperLogMel {
    pub params: WhisperParams,
    window: Vec<f64>,
    /// `[n_fft / 2 + 1][mel_bins]`, as transformers' `mel_filters`.
    filters: Vec<Vec<f64>>,
}

/// transformers' `hertz_to_mel(..., mel_scale="slaney")`.
fn hertz_to_mel(f: f64) -> f64 {
    let logstep = 27.0 / 6.4f64.ln();
    if f >= 1000.0 {
        15.0 + (f / 1000.0).ln() * logstep
    } else {
        3.0 * f / 200.0
    }
}

/// transformers' `mel_to_hertz(..., mel_scale="slaney")`.
fn mel_to_hertz(m: f64) -> f64 {
    let logstep = 6.4f64.ln() / 27.0;
    if m >= 15.0 {
        1000.0 * (logstep * (m - 15.0)).exp()
    } else {
        200.0 * m / 3.0
    }
}

/// `np.linspace(a, b, n)` (numpy's formula: `a + i * step`, the last point exactly `b`).
fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let div = (n - 1) as f64;
    let step = (b - a) / div;
    (0..n)
        .map(|i| if i == n - 1 { b } else { a + i as f64 * step })
        .collect()
}

/// transformers' `mel_filter_bank(num_frequency_bins, num_mel_filters, 0, 8000, sr,
/// norm="slaney", mel_scale="slaney")`: `[bins][mels]`.
pub fn mel_filter_bank(bins: usize, mels: usize, sampling_rate: u32) -> Vec<Vec<f64>> {
    let mel_freqs = linspace(hertz_to_mel(0.0), hertz_to_mel(8000.0), mels + 2);
    let filter_freqs: Vec<f64> = mel_freqs.iter().map(|&m| mel_to_hertz(m)).collect();
    let fft_freqs = linspace(0.0, f64::from(sampling_rate / 2), bins);
    let diff: Vec<f64> = filter_freqs.windows(2).map(|w| w[1] - w[0]).collect();
    fft_freqs
        .iter()
        .map(|&f| {
            (0..mels)
                .map(|m| {
                    let down = -(filter_freqs[m] - f) / diff[m];
                    let up = (filter_freqs[m + 2] - f) / diff[m + 1];
                    let enorm = 2.0 / (filter_freqs[m + 2] - filter_freqs[m]);
                    0f64.max(down.min(up)) * enorm
                })
                .collect()
        })
        .collect()
}

impl WhisperLogMel {
    pub fn new(params: WhisperParams) -> Self {
        let n = params.n_fft;
        // torch.hann_window(n) is periodic.
        let window = (0..n)
            .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos())
            .collect();
        let filters = mel_filter_bank(n / 2 + 1, params.mel_bins, params.sampling_rate);
        WhisperLogMel {
            params,
            window,
            filters,
        }
    }

    /// Samples the graph's input covers: `chunk_length × sampling_rate`.
    pub fn n_samples(&self) -> usize {
        self.params.chunk_length * self.params.sampling_rate as usize
    }

    /// Frames of the output: `n_samples / hop_length` (the STFT's last frame is dropped).
    pub fn frames(&self) -> usize {
        self.n_samples() / self.params.hop_length
    }

    /// The `[mel_bins, frames]` features of one clip at `sampling_rate`, row-major.
    pub fn compute(&self, x: &[f32]) -> Vec<f32> {
        let WhisperParams {
            mel_bins,
            n_fft,
            hop_length,
            ..
        } = self.params;
        let n = self.n_samples();
        let mut padded = vec![0.0f64; n];
        for (p, &v) in padded.iter_mut().zip(x) {
            *p = f64::from(v);
        }
        // torch.stft(center=True, pad_mode="reflect"): mirror n_fft/2 samples at each end.
        let half = n_fft / 2;
        let mut ext = Vec::with_capacity(n + 2 * half);
        ext.extend((1..=half).rev().map(|i| padded[i.min(n - 1)]));
        ext.extend_from_slice(&padded);
        ext.extend((0..half).map(|i| padded[n.saturating_sub(2 + i)]));
        let frames = self.frames();
        let bins = n_fft / 2 + 1;
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        let mut scratch = fft.make_scratch_vec();
        let mut mel = vec![0.0f64; mel_bins * frames];
        let mut power = vec![0.0f64; bins];
        for t in 0..frames {
            let start = t * hop_length;
            for (k, slot) in input.iter_mut().enumerate() {
                *slot = ext[start + k] * self.window[k];
            }
            fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .expect("buffers come from the same plan");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            for (m, row) in mel.chunks_exact_mut(frames).enumerate() {
                row[t] = power.iter().zip(&self.filters).map(|(p, f)| p * f[m]).sum();
            }
        }
        let logs: Vec<f64> = mel.iter().map(|&v| v.max(1e-10).log10()).collect();
        let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        logs.iter()
            .map(|&v| ((v.max(max - 8.0) + 4.0) / 4.0) as f32)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_follows_numpy_blocks() {
        // Below 8 values: a plain loop; 8..=128: eight accumulators; above: halves at 8s.
        let a: Vec<f32> = (0..7).map(|i| i as f32).collect();
        assert_eq!(pairwise_sum(&a), 21.0);
        // 1e8 + 1 + ... : with one accumulator the 1s vanish; with eight they collect.
        let mut b = vec![1.0f32; 16];
        b[0] = 1e8;
        let plain: f32 = b.iter().fold(0.0, |s, &v| s + v);
        assert_eq!(plain, 1e8);
        assert_eq!(pairwise_sum(&b), 1e8 + 8.0);
        let c: Vec<f32> = (0..1000).map(|i| (i % 7) as f32 * 0.25).collect();
        let exact: f64 = c.iter().map(|&v| f64::from(v)).sum();
        assert_eq!(f64::from(pairwise_sum(&c)), exact);
    }

    #[test]
    fn normalized_clip_has_zero_mean_unit_variance() {
        let x: Vec<f32> = (0..16_000)
            .map(|i| (i as f32 * 0.01).sin() * 0.3 + 0.1)
            .collect();
        let y = zero_mean_unit_var(&x);
        let n = y.len() as f64;
        let m: f64 = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let v: f64 = y.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
        assert!(m.abs() < 1e-5, "{m}");
        assert!((v - 1.0).abs() < 1e-4, "{v}");
        // A silent clip stays finite: the 1e-7 keeps the division away from zero.
        assert!(zero_mean_unit_var(&[0.0; 10]).iter().all(|v| *v == 0.0));
    }

    #[test]
    fn mel_filters_are_slaney_triangles() {
        let f = mel_filter_bank(201, 80, 16_000);
        assert_eq!((f.len(), f[0].len()), (201, 80));
        // Each filter is a triangle: non-negative, with one peak, and DC falls in none.
        assert!(f.iter().flatten().all(|&v| v >= 0.0));
        assert!(f[0].iter().all(|&v| v == 0.0));
        for m in 0..80 {
            assert!(f.iter().any(|row| row[m] > 0.0), "filter {m} is empty");
        }
    }

    #[test]
    fn whisper_shape_and_range() {
        let w = WhisperLogMel::new(WhisperParams::default());
        assert_eq!((w.n_samples(), w.frames()), (480_000, 3000));
        let x: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.1).collect();
        let y = w.compute(&x);
        assert_eq!(y.len(), 80 * 3000);
        let max = y.iter().copied().fold(f32::MIN, f32::max);
        let min = y.iter().copied().fold(f32::MAX, f32::min);
        // The floor is 8 log10 units (2 after the scaling) below the maximum.
        assert!((max - min - 2.0).abs() < 1e-6, "{min} {max}");
        // A clip longer than 30 s is trimmed: only its first 30 s matter.
        let long: Vec<f32> = (0..500_000)
            .map(|i| (i as f32 * 0.05).sin() * 0.1)
            .collect();
        assert_eq!(w.compute(&long), w.compute(&long[..480_000]));
    }
}
