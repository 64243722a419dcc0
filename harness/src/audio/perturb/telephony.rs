//! A G.711 telephone channel: the clip resampled to 8 kHz, band-passed to 300–3400 Hz (the
//! send filter), quantized to 16 bits and companded to 8-bit μ-law or A-law and back (the
//! ITU-T G.711 segment tables, as in the reference `g711.c` of Sun Microsystems that Python's
//! `audioop` also follows), band-passed again (the receive filter) and resampled back to the
//! clip's rate and length.
//!
//! The band-pass is a 4th-order Butterworth high-pass at 300 Hz followed by a 4th-order
//! Butterworth low-pass at 3400 Hz, each two biquads from the bilinear transform with the
//! cut-off prewarped — the filters of scipy's `butter(4, f, btype, fs=8000)`
//! (checked in `tests/fixtures/perturb/`). The low-pass has its zeros at 4 kHz.

use super::Law;
use crate::audio::resample_poly;

/// The channel's sample rate.
pub const RATE: u32 = 8000;
/// Band edges in Hz.
pub const BAND: (f64, f64) = (300.0, 3400.0);

/// One biquad section, direct form II transposed, in f64.
#[derive(Debug, Clone, Copy)]
pub struct Biquad {
    pub b: [f64; 3],
    pub a: [f64; 2],
}

/// The Q of the two sections of a 4th-order Butterworth filter.
const BUTTER4_Q: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_5];

impl Biquad {
    /// A Butterworth section: low-pass (`high` false) or high-pass at `f` Hz with quality `q`.
    fn section(f: f64, fs: f64, q: f64, high: bool) -> Biquad {
        let k = (std::f64::consts::PI * f / fs).tan();
        let norm = 1.0 / (1.0 + k / q + k * k);
        let b = if high {
            [norm, -2.0 * norm, norm]
        } else {
            let b0 = k * k * norm;
            [b0, 2.0 * b0, b0]
        };
        Biquad {
            b,
            a: [2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm],
        }
    }

    fn run(&self, x: &mut [f64]) {
        let (mut z1, mut z2) = (0.0, 0.0);
        for v in x.iter_mut() {
            let y = self.b[0] * *v + z1;
            z1 = self.b[1] * *v - self.a[0] * y + z2;
            z2 = self.b[2] * *v - self.a[1] * y;
            *v = y;
        }
    }
}

/// The four sections of the 300–3400 Hz band-pass at 8 kHz.
pub fn band_pass() -> Vec<Biquad> {
    let fs = f64::from(RATE);
    BUTTER4_Q
        .iter()
        .map(|&q| Biquad::section(BAND.0, fs, q, true))
        .chain(
            BUTTER4_Q
                .iter()
                .map(|&q| Biquad::section(BAND.1, fs, q, false)),
        )
        .collect()
}

/// Runs `x` through `sections` in turn.
pub fn filter(sections: &[Biquad], x: &mut [f64]) {
    for s in sections {
        s.run(x);
    }
}

/// The channel applied to `x` at `sr`; the output has `x`'s length.
pub fn channel(x: &[f32], sr: u32, law: Law) -> Result<Vec<f32>, String> {
    let narrow = resample_poly(x, sr, RATE)?;
    let bp = band_pass();
    let mut v: Vec<f64> = narrow.iter().map(|&s| f64::from(s)).collect();
    filter(&bp, &mut v);
    for s in v.iter_mut() {
        let pcm = (*s * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        let back = match law {
            Law::MuLaw => ulaw_to_linear(linear_to_ulaw(pcm)),
            Law::ALaw => alaw_to_linear(linear_to_alaw(pcm)),
        };
        *s = f64::from(back) / 32768.0;
    }
    filter(&bp, &mut v);
    let narrow: Vec<f32> = v.into_iter().map(|s| s as f32).collect();
    let mut y = resample_poly(&narrow, RATE, sr)?;
    y.resize(x.len(), 0.0);
    Ok(y)
}

const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

fn segment(v: i32, ends: &[i32; 8]) -> usize {
    ends.iter().position(|&e| v <= e).unwrap_or(8)
}

/// 16-bit linear PCM to 8-bit μ-law.
pub fn linear_to_ulaw(pcm: i16) -> u8 {
    let mut v = i32::from(pcm) >> 2;
    let mask = if v < 0 {
        v = -v;
        0x7F
    } else {
        0xFF
    };
    v = v.min(8159) + (0x84 >> 2);
    let seg = segment(v, &SEG_UEND);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    (((seg as i32) << 4) | ((v >> (seg + 1)) & 0xF)) as u8 ^ mask
}

/// 8-bit μ-law to 16-bit linear PCM.
pub fn ulaw_to_linear(u: u8) -> i16 {
    let u = !u;
    let mut t = ((i32::from(u) & 0x0F) << 3) + 0x84;
    t <<= (i32::from(u) & 0x70) >> 4;
    (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
}

/// 16-bit linear PCM to 8-bit A-law.
pub fn linear_to_alaw(pcm: i16) -> u8 {
    let mut v = i32::from(pcm) >> 3;
    let mask = if v >= 0 {
        0xD5
    } else {
        v = -v - 1;
        0x55
    };
    let seg = segment(v, &SEG_AEND);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mut a = (seg as i32) << 4;
    a |= if seg < 2 {
        (v >> 1) & 0xF
    } else {
        (v >> seg) & 0xF
    };
    a as u8 ^ mask
}

/// 8-bit A-law to 16-bit linear PCM.
pub fn alaw_to_linear(a: u8) -> i16 {
    let a = a ^ 0x55;
    let mut t = (i32::from(a) & 0x0F) << 4;
    let seg = (i32::from(a) & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_round_trips_within_half_a_quantization_step() {
        for v in i16::MIN..=i16::MAX {
            let a = i32::from(v);
            // μ-law: steps of 2^(seg+3) in 16-bit units; the top segment clips at 32124.
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(v)));
            let seg = i32::from((!linear_to_ulaw(v) & 0x70) >> 4);
            let half = 1 << (seg + 2);
            assert!(
                (u - a).abs() <= half + 4 || a.abs() > 32124,
                "μ-law {v} → {u}"
            );
            let al = i32::from(alaw_to_linear(linear_to_alaw(v)));
            let seg = i32::from(((linear_to_alaw(v) ^ 0x55) & 0x70) >> 4);
            let half = if seg < 2 { 16 } else { 1 << (seg + 3) };
            assert!((al - a).abs() <= half, "A-law {v} → {al}");
        }
        // Codes decode and re-encode to themselves.
        for c in 0..=255u8 {
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c);
            if c != 0x7F {
                assert_eq!(linear_to_ulaw(ulaw_to_linear(c)), c, "{c:#x}");
            }
        }
    }
}
