//! Additive noise at a stated SNR.
//!
//! SNR = 10·log10(Σ clean² / Σ added²) over the whole clip (the convention of audiomentations
//! and SpeechBrain), or over speech-active frames with `snr-scope = "speech"`: 20 ms frames
//! whose clean energy is within [`SPEECH_RANGE_DB`] of the loudest frame. The noise is scaled
//! once, by √(Σ clean² / (Σ noise² · 10^(SNR/10))), so the SNR measured back is the target up
//! to float rounding. A silent clip (or one with no speech-active frame) is left clean.
//!
//! - white: independent N(0, 1) samples.
//! - pink: white noise shaped in the frequency domain (realfft) to a 1/f power spectrum: bin k
//!   of the real FFT scaled by 1/√k, the DC bin set to 0, over the smallest even 2^a·3^b length
//!   at or above the clip's length, of which the clip's length is kept.
//! - babble: [`BABBLE_TALKERS`](super::BABBLE_TALKERS) other utterances of the suite, chosen
//!   without replacement among items of other speakers (items without a speaker count as
//!   their own speaker), each resampled to the clip's rate, scaled to unit RMS, started at a
//!   random offset and looped to the clip's length, then summed.
//! - a noise file or folder: one clip chosen per item, resampled, started at a random offset
//!   and looped to the clip's length.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;

use super::{at_rate, energy, Context, NoiseKind, SnrScope, BABBLE_TALKERS};

/// Frames whose energy is within this many dB of the loudest frame are speech-active.
pub const SPEECH_RANGE_DB: f64 = 30.0;
/// Frame length of the speech-activity decision, in seconds.
pub const SPEECH_FRAME_S: f64 = 0.020;

/// `n` samples of noise of `kind` for the clip described by `ctx`.
pub fn make(
    kind: &NoiseKind,
    n: usize,
    sr: u32,
    ctx: &Context<'_>,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<Vec<f32>, String> {
    Ok(match kind {
        NoiseKind::White => white(n, rng),
        NoiseKind::Pink => pink(n, rng),
        NoiseKind::Babble => babble(n, sr, ctx, rng)?,
        NoiseKind::Files(clips) => {
            let clip = &clips[rng.gen_range(0..clips.len())];
            let x = at_rate(clip, sr)?;
            looped(&x, n, rng)
        }
    })
}

/// Gaussian white noise.
pub fn white(n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..n)
        .map(|_| rng.sample::<f64, _>(StandardNormal) as f32)
        .collect()
}

/// Gaussian noise with a 1/f power spectrum.
///
/// The noise is shaped over [`fft_len`]`(n)` points, the smallest even length of the form
/// 2^a·3^b at or above `n`, and its first `n` samples kept: a stretch of a stationary 1/f
/// process is itself 1/f, and such lengths make the transform fast (a 3 s clip at 48 kHz is
/// 144,000 = 2^7·3^2·5^3 points, a slow mixed radix; it is shaped over 147,456 = 2^14·3^2). Each
/// thread keeps its FFT plans and buffers ([`SHAPER`]), so a run plans each length once per
/// thread and allocates nothing but the result.
pub fn pink(n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    if n < 2 {
        return vec![0.0; n];
    }
    let len = fft_len(n);
    SHAPER.with_borrow_mut(|s| {
        let fwd = s.planner.plan_fft_forward(len);
        let inv = s.planner.plan_fft_inverse(len);
        let zero = realfft::num_complex::Complex::new(0.0, 0.0);
        s.x.clear();
        s.x.extend((0..len).map(|_| rng.sample::<f64, _>(StandardNormal)));
        s.spec.clear();
        s.spec.resize(len / 2 + 1, zero);
        s.scratch.clear();
        s.scratch
            .resize(fwd.get_scratch_len().max(inv.get_scratch_len()), zero);
        fwd.process_with_scratch(&mut s.x, &mut s.spec, &mut s.scratch)
            .expect("buffer sizes from the plan");
        s.spec[0] = zero;
        for (k, c) in s.spec.iter_mut().enumerate().skip(1) {
            *c /= (k as f64).sqrt();
        }
        // The Nyquist bin of an even length must stay real for the inverse transform.
        let last = s.spec.len() - 1;
        s.spec[last].im = 0.0;
        inv.process_with_scratch(&mut s.spec, &mut s.x, &mut s.scratch)
            .expect("buffer sizes from the plan");
        s.x[..n].iter().map(|&v| v as f32).collect()
    })
}

/// The smallest even length 2^a·3^b (a ≥ 1) at or above `n`.
pub fn fft_len(n: usize) -> usize {
    let mut best = n.max(2).next_power_of_two();
    let mut three = 3;
    while three < best {
        let m = three * n.div_ceil(three).max(2).next_power_of_two();
        best = best.min(m);
        three *= 3;
    }
    best
}

/// A thread's FFT planner (it keeps every plan it made) and the buffers of [`pink`].
struct Shaper {
    planner: RealFftPlanner<f64>,
    x: Vec<f64>,
    spec: Vec<realfft::num_complex::Complex<f64>>,
    scratch: Vec<realfft::num_complex::Complex<f64>>,
}

thread_local! {
    static SHAPER: std::cell::RefCell<Shaper> = std::cell::RefCell::new(Shaper {
        planner: RealFftPlanner::new(),
        x: Vec::new(),
        spec: Vec::new(),
        scratch: Vec::new(),
    });
}

/// `x` started at a random offset and repeated until it is `n` samples long.
fn looped(x: &[f32], n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    if x.is_empty() {
        return vec![0.0; n];
    }
    let start = rng.gen_range(0..x.len());
    (0..n).map(|i| x[(start + i) % x.len()]).collect()
}

fn babble(
    n: usize,
    sr: u32,
    ctx: &Context<'_>,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<Vec<f32>, String> {
    let own = ctx.speaker.unwrap_or(ctx.id);
    let mut pool: Vec<&super::BabbleSource> = ctx
        .babble
        .iter()
        .filter(|b| b.speaker.as_deref().unwrap_or(&b.id) != own)
        .collect();
    if pool.is_empty() {
        return Err(
            "babble needs utterances of other speakers in the suite, and there are none".into(),
        );
    }
    pool.shuffle(rng);
    let mut sum = vec![0f64; n];
    for b in pool.iter().take(BABBLE_TALKERS) {
        let w = crate::audio::decode(&b.path).map_err(|e| format!("babble talker: {e}"))?;
        let x = at_rate(&w, sr)?;
        let rms = (energy(&x) / x.len().max(1) as f64).sqrt();
        if rms == 0.0 {
            continue;
        }
        for (s, v) in sum.iter_mut().zip(looped(&x, n, rng)) {
            *s += f64::from(v) / rms;
        }
    }
    Ok(sum.into_iter().map(|v| v as f32).collect())
}

/// For each 20 ms frame of `x`, whether it is speech-active.
pub fn speech_frames(x: &[f32], sr: u32) -> Vec<bool> {
    let len = ((f64::from(sr) * SPEECH_FRAME_S).round() as usize).max(1);
    let e: Vec<f64> = x.chunks(len).map(energy).collect();
    let max = e.iter().copied().fold(0.0, f64::max);
    let floor = max * 10f64.powf(-SPEECH_RANGE_DB / 10.0);
    e.iter().map(|&v| max > 0.0 && v >= floor).collect()
}

/// Σ clean² and Σ noise² over the samples the scope covers.
pub fn energies(clean: &[f32], noise: &[f32], sr: u32, scope: SnrScope) -> (f64, f64) {
    match scope {
        SnrScope::Clip => (energy(clean), energy(noise)),
        SnrScope::Speech => {
            let len = ((f64::from(sr) * SPEECH_FRAME_S).round() as usize).max(1);
            let active = speech_frames(clean, sr);
            let (mut s, mut n) = (0.0, 0.0);
            for ((c, z), on) in clean.chunks(len).zip(noise.chunks(len)).zip(active) {
                if on {
                    s += energy(c);
                    n += energy(z);
                }
            }
            (s, n)
        }
    }
}

/// `clean + g · noise` with `g` chosen so that the SNR over `scope` is `snr_db`.
pub fn add_at_snr(clean: &[f32], noise: &[f32], sr: u32, snr_db: f64, scope: SnrScope) -> Vec<f32> {
    let (ps, pn) = energies(clean, noise, sr, scope);
    if ps == 0.0 || pn == 0.0 {
        return clean.to_vec();
    }
    let g = (ps / (pn * 10f64.powf(snr_db / 10.0))).sqrt();
    clean
        .iter()
        .zip(noise)
        .map(|(&c, &z)| (f64::from(c) + g * f64::from(z)) as f32)
        .collect()
}

/// The SNR of `noisy` against `clean` in dB, over `scope` (what the acceptance tests measure).
pub fn measured_snr_db(clean: &[f32], noisy: &[f32], sr: u32, scope: SnrScope) -> f64 {
    let added: Vec<f32> = noisy.iter().zip(clean).map(|(&y, &x)| y - x).collect();
    let (ps, pn) = energies(clean, &added, sr, scope);
    10.0 * (ps / pn).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn tone(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.3 * (i as f32 * 0.07).sin() * if i < n / 2 { 1.0 } else { 0.01 })
            .collect()
    }

    #[test]
    fn snr_is_met_over_the_clip_and_over_speech_frames() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let x = tone(16_000);
        for scope in [SnrScope::Clip, SnrScope::Speech] {
            for snr in [0.0, 5.0, 10.0, 15.0] {
                let y = add_at_snr(&x, &white(x.len(), &mut rng), 16_000, snr, scope);
                let got = measured_snr_db(&x, &y, 16_000, scope);
                assert!((got - snr).abs() < 0.01, "{scope:?} {snr}: {got}");
            }
        }
        // The quiet half is not speech: half the frames are active.
        let active = speech_frames(&x, 16_000);
        assert_eq!(active.iter().filter(|&&a| a).count(), active.len() / 2);
    }

    #[test]
    fn fft_lengths_are_even_3_smooth_and_smallest() {
        let smooth = |mut m: usize| {
            while m.is_multiple_of(2) {
                m /= 2;
            }
            while m.is_multiple_of(3) {
                m /= 3;
            }
            m == 1
        };
        for n in (2..3000).chain([144_000, 48_000, 1 << 20]) {
            let m = fft_len(n);
            assert!(m >= n && m.is_multiple_of(2) && smooth(m), "{n} -> {m}");
            assert!((n..m).all(|j| j % 2 == 1 || !smooth(j)), "{n} -> {m}");
        }
        assert_eq!(fft_len(144_000), 147_456);
    }

    #[test]
    fn pink_noise_falls_3_db_per_octave() {
        // A power of two, and a 3 s clip at 48 kHz: cut from the next power of two.
        for (seed, n) in [(2, 1 << 16), (3, 144_000)] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let x: Vec<f64> = pink(n, &mut rng).into_iter().map(f64::from).collect();
            assert_eq!(x.len(), n);
            let mut planner = RealFftPlanner::<f64>::new();
            let fft = planner.plan_fft_forward(n);
            let mut buf = x.clone();
            let mut spec = fft.make_output_vec();
            fft.process(&mut buf, &mut spec).unwrap();
            let band = |lo: usize| spec[lo..2 * lo].iter().map(|c| c.norm_sqr()).sum::<f64>();
            // Each octave holds the same power under 1/f.
            for (lo, hi) in [(512, 4096), (256, 16384)] {
                let ratio = 10.0 * (band(hi) / band(lo)).log10();
                assert!(
                    ratio.abs() < 0.5,
                    "n {n}, octaves {lo} and {hi}: {ratio} dB"
                );
            }
        }
    }
}
