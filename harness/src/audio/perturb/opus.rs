//! An Opus channel: the clip encoded with libopus (through the `opus` crate, built with the
//! `opus` cargo feature against the system's libopus) and decoded again, as a VoIP or WebRTC leg
//! of a call carries it, optionally with packets lost.
//!
//! - The clip is coded at its own rate when Opus takes it (8, 12, 16, 24 or 48 kHz), else
//!   resampled to 48 kHz and back (the reference polyphase filter of `audio::resample_poly`).
//! - Encoder: mono, `OPUS_APPLICATION_VOIP`, 20-ms frames, the given bitrate with libopus's
//!   default VBR, complexity 10, and `OPUS_SET_PACKET_LOSS_PERC` set to the loss rate (the
//!   encoder's own expectation; in-band FEC stays off, so a lost frame is not recovered).
//! - The clip is followed by zeros for the encoder's look-ahead and one frame, and the decoded
//!   signal is shifted back by the look-ahead, so the result is as long as the clean clip and
//!   aligned with it to within the codec's phase response (best lag ≤ 0.25 ms in the tests).
//! - Packet loss: each 20-ms packet is lost, independently, with probability `loss_pct / 100`
//!   (the condition's seeded random stream `codec`); the decoder's packet-loss concealment fills
//!   a lost frame (`opus_decode_float` with no packet).
//!
//! libopus is deterministic for one build of one version; `opus_version()` is recorded in the
//! report's condition parameters so that differences across machines can be traced.

use rand::Rng;

/// Frame length in milliseconds.
pub const FRAME_MS: u32 = 20;
/// The bitrates libopus accepts, in kbit/s.
pub const BITRATE_KBPS: (f64, f64) = (6.0, 510.0);
/// Complexity (0–10).
#[cfg(feature = "opus")]
const COMPLEXITY: i32 = 10;

/// Whether this build can code Opus.
pub const AVAILABLE: bool = cfg!(feature = "opus");

/// libopus's version string, e.g. `libopus 1.3.1`; `None` in a build without Opus.
pub fn version() -> Option<String> {
    #[cfg(feature = "opus")]
    {
        Some(::opus::version().to_string())
    }
    #[cfg(not(feature = "opus"))]
    {
        None
    }
}

/// Codes `x` (mono, at `sr`) through Opus at `bitrate_kbps`, losing `loss_pct` % of the packets
/// as drawn from `rng`.
pub fn channel(
    x: &[f32],
    sr: u32,
    bitrate_kbps: f64,
    loss_pct: f64,
    rng: &mut impl Rng,
) -> Result<Vec<f32>, String> {
    let rate = if matches!(sr, 8000 | 12000 | 16000 | 24000 | 48000) {
        sr
    } else {
        48_000
    };
    let at = crate::audio::resample_poly(x, sr, rate)?;
    let y = code(&at, rate, bitrate_kbps, loss_pct, rng)?;
    let mut back = crate::audio::resample_poly(&y, rate, sr)?;
    back.resize(x.len(), 0.0);
    Ok(back)
}

#[cfg(feature = "opus")]
fn code(
    x: &[f32],
    rate: u32,
    bitrate_kbps: f64,
    loss_pct: f64,
    rng: &mut impl Rng,
) -> Result<Vec<f32>, String> {
    use ::opus::{Application, Bitrate, Channels, Decoder, Encoder};
    let e = |what: &str, err: ::opus::Error| format!("libopus {what}: {err}");
    let mut enc =
        Encoder::new(rate, Channels::Mono, Application::Voip).map_err(|x| e("encoder", x))?;
    enc.set_bitrate(Bitrate::Bits((bitrate_kbps * 1000.0).round() as i32))
        .map_err(|x| e("bitrate", x))?;
    enc.set_packet_loss_perc(loss_pct.round() as i32)
        .map_err(|x| e("packet loss", x))?;
    enc.set_complexity(COMPLEXITY)
        .map_err(|x| e("complexity", x))?;
    let lookahead =
        usize::try_from(enc.get_lookahead().map_err(|x| e("look-ahead", x))?).unwrap_or(0);
    let mut dec = Decoder::new(rate, Channels::Mono).map_err(|x| e("decoder", x))?;
    let frame = (rate * FRAME_MS / 1000) as usize;
    let mut input = x.to_vec();
    input.resize(x.len() + lookahead + frame, 0.0);
    let frames = input.len().div_ceil(frame);
    input.resize(frames * frame, 0.0);
    let mut out = Vec::with_capacity(input.len());
    let mut packet = vec![0u8; 4000];
    let mut pcm = vec![0f32; frame];
    let p = loss_pct / 100.0;
    for chunk in input.chunks(frame) {
        let len = enc
            .encode_float(chunk, &mut packet)
            .map_err(|x| e("encode", x))?;
        let lost = p > 0.0 && rng.gen::<f64>() < p;
        let data: &[u8] = if lost { &[] } else { &packet[..len] };
        let n = dec
            .decode_float(data, &mut pcm, false)
            .map_err(|x| e("decode", x))?;
        out.extend_from_slice(&pcm[..n]);
    }
    Ok(out.into_iter().skip(lookahead).take(x.len()).collect())
}

#[cfg(not(feature = "opus"))]
fn code(
    _x: &[f32],
    _rate: u32,
    _bitrate_kbps: f64,
    _loss_pct: f64,
    _rng: &mut impl Rng,
) -> Result<Vec<f32>, String> {
    Err(UNAVAILABLE.into())
}

/// Why a build without the `opus` feature refuses `codec = "opus"`.
pub const UNAVAILABLE: &str = "this build of tonebench has no Opus codec: it was built without the `opus` feature (install libopus-dev — `make test` and `make demo` do — and build with `cargo build --features opus`); use telephony = \"g711-mulaw\" or \"g711-alaw\" for a narrow-band channel";

#[cfg(all(test, feature = "opus"))]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A voiced, amplitude-modulated test signal: harmonics of 140 Hz.
    fn voice(sr: u32, seconds: f64) -> Vec<f32> {
        let n = (f64::from(sr) * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(sr);
                let env = 0.5 + 0.5 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
                let v: f64 = (1..=12)
                    .map(|h| (2.0 * std::f64::consts::PI * 140.0 * h as f64 * t).sin() / h as f64)
                    .sum();
                (0.2 * env * v) as f32
            })
            .collect()
    }

    /// Normalised cross-correlation of `x[i]` with `y[i + lag]`.
    fn corr(x: &[f32], y: &[f32], lag: isize) -> f64 {
        let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
        for (i, &v) in x.iter().enumerate() {
            let j = i as isize + lag;
            if j >= 0 && (j as usize) < y.len() {
                let w = f64::from(y[j as usize]);
                xy += f64::from(v) * w;
                xx += f64::from(v).powi(2);
                yy += w * w;
            }
        }
        xy / (xx * yy).sqrt().max(1e-30)
    }

    /// Σ (x − y)² relative to Σ x², in dB (lower is closer).
    fn error_db(x: &[f32], y: &[f32]) -> f64 {
        let s: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
        let e: f64 = x
            .iter()
            .zip(y)
            .map(|(&a, &b)| f64::from(a - b).powi(2))
            .sum();
        10.0 * (e / s).log10()
    }

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    #[test]
    fn opus_keeps_length_and_alignment_at_native_and_other_rates() {
        for sr in [8_000, 16_000, 24_000, 48_000, 44_100] {
            let x = voice(sr, 1.0);
            let y = channel(&x, sr, 32.0, 0.0, &mut rng(1)).unwrap();
            assert_eq!(y.len(), x.len());
            // Aligned to within the codec's phase response: the best lag within ±10 ms is at
            // most 0.25 ms off, and the clean and coded clips correlate at lag 0.
            let reach = sr as isize / 100;
            let best = (-reach..=reach)
                .max_by(|&a, &b| corr(&x, &y, a).total_cmp(&corr(&x, &y, b)))
                .unwrap();
            assert!(
                best.unsigned_abs() <= sr as usize / 4000,
                "lag {best} at {sr} Hz"
            );
            let c = corr(&x, &y, 0);
            assert!(c > 0.8, "correlation {c} at {sr} Hz");
            let ratio = y.iter().map(|v| v * v).sum::<f32>() / x.iter().map(|v| v * v).sum::<f32>();
            assert!(
                (0.5..2.0).contains(&ratio),
                "energy ratio {ratio} at {sr} Hz"
            );
        }
    }

    #[test]
    fn a_lower_bitrate_and_lost_packets_cost_more_and_losses_are_seeded() {
        let sr = 16_000;
        let x = voice(sr, 2.0);
        let hi = error_db(&x, &channel(&x, sr, 64.0, 0.0, &mut rng(1)).unwrap());
        let lo = error_db(&x, &channel(&x, sr, 6.0, 0.0, &mut rng(1)).unwrap());
        assert!(hi < lo, "64 kbps {hi} dB vs 6 kbps {lo} dB");
        let a = channel(&x, sr, 24.0, 30.0, &mut rng(7)).unwrap();
        assert_eq!(a, channel(&x, sr, 24.0, 30.0, &mut rng(7)).unwrap());
        assert_ne!(a, channel(&x, sr, 24.0, 30.0, &mut rng(8)).unwrap());
        let kept = error_db(&x, &channel(&x, sr, 24.0, 0.0, &mut rng(7)).unwrap());
        let lost = error_db(&x, &a);
        assert!(lost > kept, "30 % loss {lost} dB vs none {kept} dB");
        assert!(version().unwrap().starts_with("libopus"));
    }
}
