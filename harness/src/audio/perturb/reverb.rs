//! Reverberation: convolution with a room impulse response (RIR) by FFT (realfft).
//!
//! The synthetic RIR for `reverb-rt60 = T` (the exponential-decay noise model of Polack 1988,
//! also used by e.g. pyroomacoustics' hybrid tails): a direct-path impulse h[0] = 1, then
//! Gaussian white noise under the envelope exp(−3·ln(10)·t/T) — energy falls 60 dB in T
//! seconds — for 1.2·T seconds, scaled so that the tail holds as much energy as the direct path
//! (a direct-to-reverberant ratio of 0 dB). Recorded RIRs (`rir = PATH`) are resampled to the
//! clip's rate and start at their largest sample, so the direct path lands on sample 0.
//! The convolution is truncated to the clip's length (sample-aligned with the clean audio) and
//! scaled back to the clean clip's energy, so reverberation changes the sound, not the level.

use rand::Rng;
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;

use super::{at_rate, energy, Rir};

/// Length of the synthetic RIR as a multiple of its RT60.
pub const LENGTH_RT60: f64 = 1.2;

/// The synthetic RIR of `rt60` seconds at `sr`.
pub fn synthetic(rt60: f64, sr: u32, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    let n = ((rt60 * LENGTH_RT60 * f64::from(sr)).round() as usize).max(2);
    let decay = 3.0 * std::f64::consts::LN_10 / (rt60 * f64::from(sr));
    let mut tail: Vec<f64> = (1..n)
        .map(|i| rng.sample::<f64, _>(StandardNormal) * (-decay * i as f64).exp())
        .collect();
    let e: f64 = tail.iter().map(|v| v * v).sum();
    let g = if e > 0.0 { 1.0 / e.sqrt() } else { 0.0 };
    tail.iter_mut().for_each(|v| *v *= g);
    std::iter::once(1.0f32)
        .chain(tail.into_iter().map(|v| v as f32))
        .collect()
}

/// `x` reverberated with `rir` (one recorded RIR chosen by `rng`).
pub fn apply(
    x: &[f32],
    sr: u32,
    rir: &Rir,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<Vec<f32>, String> {
    let h = match rir {
        Rir::Synthetic { rt60 } => synthetic(*rt60, sr, rng),
        Rir::Recorded(all) => {
            let h = at_rate(&all[rng.gen_range(0..all.len())], sr)?;
            let peak = h
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map_or(0, |(i, _)| i);
            h[peak..].to_vec()
        }
    };
    let mut y = convolve(x, &h);
    y.truncate(x.len());
    let (ex, ey) = (energy(x), energy(&y));
    if ey > 0.0 {
        let g = (ex / ey).sqrt();
        y.iter_mut().for_each(|v| *v = (f64::from(*v) * g) as f32);
    }
    Ok(y)
}

/// Full linear convolution of `x` and `h` through one real FFT of a power-of-two length.
pub fn convolve(x: &[f32], h: &[f32]) -> Vec<f32> {
    if x.is_empty() || h.is_empty() {
        return Vec::new();
    }
    let len = x.len() + h.len() - 1;
    let n = len.next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let spectrum = |v: &[f32]| {
        let mut buf = vec![0f64; n];
        buf.iter_mut().zip(v).for_each(|(b, &s)| *b = f64::from(s));
        let mut out = fwd.make_output_vec();
        fwd.process(&mut buf, &mut out)
            .expect("buffer sizes from the plan");
        out
    };
    let (sx, sh) = (spectrum(x), spectrum(h));
    let mut prod: Vec<_> = sx.iter().zip(&sh).map(|(a, b)| a * b).collect();
    let mut y = inv.make_output_vec();
    inv.process(&mut prod, &mut y)
        .expect("buffer sizes from the plan");
    let scale = 1.0 / n as f64;
    y.into_iter()
        .take(len)
        .map(|v| (v * scale) as f32)
        .collect()
}

/// RT60 of an impulse response by Schroeder backward integration: the energy decay curve
/// EDC(t) = Σ_{τ ≥ t} h², in dB, fitted by least squares between −5 and −35 dB (T30) and
/// extrapolated to 60 dB. `None` when the decay never reaches −35 dB.
pub fn schroeder_rt60(h: &[f32], sr: u32) -> Option<f64> {
    let mut edc = vec![0f64; h.len()];
    let mut acc = 0.0;
    for i in (0..h.len()).rev() {
        acc += f64::from(h[i]) * f64::from(h[i]);
        edc[i] = acc;
    }
    let total = edc.first().copied().filter(|&e| e > 0.0)?;
    let db: Vec<f64> = edc.iter().map(|&e| 10.0 * (e / total).log10()).collect();
    let pts: Vec<(f64, f64)> = db
        .iter()
        .enumerate()
        .filter(|(_, &d)| (-35.0..=-5.0).contains(&d))
        .map(|(i, &d)| (i as f64 / f64::from(sr), d))
        .collect();
    if pts.len() < 2 || !db.iter().any(|&d| d < -35.0) {
        return None;
    }
    let n = pts.len() as f64;
    let (mt, md) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = pts.iter().map(|p| (p.0 - mt) * (p.1 - md)).sum();
    let var: f64 = pts.iter().map(|p| (p.0 - mt) * (p.0 - mt)).sum();
    let slope = cov / var;
    (slope < 0.0).then(|| -60.0 / slope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fft_convolution_is_direct_convolution() {
        let x = [1.0, 2.0, -1.0, 0.5];
        let h = [0.5, -0.25, 2.0];
        let mut want = vec![0f32; 6];
        for (i, a) in x.iter().enumerate() {
            for (j, b) in h.iter().enumerate() {
                want[i + j] += a * b;
            }
        }
        for (g, w) in convolve(&x, &h).iter().zip(&want) {
            assert!((g - w).abs() < 1e-6);
        }
    }

    #[test]
    fn synthetic_rir_has_the_requested_rt60() {
        for (sr, rt60) in [(16_000, 0.3), (16_000, 0.6), (48_000, 1.0)] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
            let h = synthetic(rt60, sr, &mut rng);
            let got = schroeder_rt60(&h, sr).unwrap();
            assert!((got / rt60 - 1.0).abs() < 0.10, "{rt60}: {got}");
        }
    }
}
