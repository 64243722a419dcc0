//! Speed and tempo.
//!
//! - speed `s` resamples: the clip is read as if recorded at `s`·rate and resampled to the rate
//!   with the reference polyphase filter ([`crate::audio::resample_poly`], from `1000·s` to
//!   `1000`), so duration and pitch change together by 1/`s` (the seed's augmentation).
//!   `s` is taken to 0.001.
//! - tempo `t` is WSOLA (Verhelst & Roelands 1993): 30 ms periodic-Hann frames overlap-added
//!   every 15 ms of output; frame k is read near `k`·15 ms·`t` of the input, at the offset within
//!   ±10 ms whose normalised cross-correlation with the natural continuation of frame k−1 is
//!   highest. The output has exactly round(n/`t`) samples and the pitch of the input.

use crate::audio::resample_poly;

/// Speed by resampling; `factor` > 0.
pub fn speed(x: &[f32], factor: f64) -> Result<Vec<f32>, String> {
    let from = (factor * 1000.0).round().max(1.0) as u32;
    resample_poly(x, from, 1000)
}

/// Frame length of WSOLA in seconds.
pub const FRAME_S: f64 = 0.030;
/// Search range of WSOLA on each side, in seconds.
pub const TOLERANCE_S: f64 = 0.010;

/// Time stretch by `factor` (0.9 = 10 % slower), pitch kept.
pub fn tempo(x: &[f32], sr: u32, factor: f64) -> Vec<f32> {
    let n_out = (x.len() as f64 / factor).round() as usize;
    if x.is_empty() || factor == 1.0 {
        return x.to_vec();
    }
    let frame = (((f64::from(sr) * FRAME_S).round() as usize) & !1).max(4);
    let hop = frame / 2;
    let tol = ((f64::from(sr) * TOLERANCE_S).round() as usize).max(1) as isize;
    let window: Vec<f64> = (0..frame)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / frame as f64).cos())
        .collect();
    // The input padded with a half frame of zeros in front, so that the first output samples
    // get the full window weight; the pad is removed from the output at the end.
    let mut padded = vec![0f64; hop];
    padded.extend(x.iter().map(|&v| f64::from(v)));
    let at = |i: isize| -> f64 {
        if i < 0 {
            0.0
        } else {
            padded.get(i as usize).copied().unwrap_or(0.0)
        }
    };
    let total = n_out + hop;
    let mut out = vec![0f64; total + frame];
    let mut wsum = vec![0f64; total + frame];
    let mut prev: isize = 0;
    let mut k = 0usize;
    while k * hop < total {
        let ideal = (k as f64 * hop as f64 * factor).round() as isize;
        let pos = if k == 0 {
            0
        } else {
            // The samples that would follow frame k−1 in the input, over the overlap.
            let natural = prev + hop as isize;
            let template: Vec<f64> = (0..hop as isize).map(|i| at(natural + i)).collect();
            let mut best = (f64::NEG_INFINITY, ideal);
            for d in -tol..=tol {
                let c = (ideal + d).max(0);
                let (mut xy, mut yy) = (0.0, 0.0);
                for (i, &t) in template.iter().enumerate() {
                    let v = at(c + i as isize);
                    xy += t * v;
                    yy += v * v;
                }
                let score = if yy > 0.0 { xy / yy.sqrt() } else { 0.0 };
                if score > best.0 {
                    best = (score, c);
                }
            }
            best.1
        };
        let base = k * hop;
        for (i, &w) in window.iter().enumerate() {
            out[base + i] += w * at(pos + i as isize);
            wsum[base + i] += w;
        }
        prev = pos;
        k += 1;
    }
    out.iter()
        .zip(&wsum)
        .skip(hop)
        .take(n_out)
        .map(|(&v, &w)| if w > 1e-6 { (v / w) as f32 } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F0 of `x` by the highest autocorrelation peak between 50 and 1000 Hz.
    pub fn f0(x: &[f32], sr: u32) -> f64 {
        let (lo, hi) = ((sr / 1000) as usize, (sr / 50) as usize);
        let mid = &x[x.len() / 4..3 * x.len() / 4];
        let r = |lag: usize| -> f64 {
            mid.iter()
                .zip(&mid[lag..])
                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                .sum()
        };
        let best = (lo..hi).max_by(|&a, &b| r(a).total_cmp(&r(b))).unwrap();
        // Parabolic interpolation around the peak.
        let (a, b, c) = (r(best - 1), r(best), r(best + 1));
        let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
        f64::from(sr) / (best as f64 + shift)
    }

    #[test]
    fn speed_changes_duration_and_pitch_tempo_only_duration() {
        let sr = 16_000;
        let x: Vec<f32> = (0..sr as usize * 2)
            .map(|i| (2.0 * std::f64::consts::PI * 220.0 * i as f64 / f64::from(sr)).sin() as f32)
            .collect();
        for f in [0.9, 0.95, 1.05, 1.1] {
            let s = speed(&x, f).unwrap();
            let t = tempo(&x, sr, f);
            let want = x.len() as f64 / f;
            assert!((s.len() as f64 - want).abs() / want < 1e-3);
            assert_eq!(t.len(), want.round() as usize);
            assert!((f0(&s, sr) / (220.0 * f) - 1.0).abs() < 0.01, "speed {f}");
            assert!(
                (f0(&t, sr) / 220.0 - 1.0).abs() < 0.01,
                "tempo {f}: {}",
                f0(&t, sr)
            );
        }
    }
}
