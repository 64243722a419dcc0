//! Acoustic conditions for robustness runs: a [`Chain`] of perturbations applied to a decoded
//! mono clip at its own sample rate, every random choice seeded from the run seed and the item
//! id ([`Context::rng`]), so a condition is the same audio on every run and machine.
//!
//! The steps of a condition always run in this order, whatever the order of the keys in the
//! conditions file: speed → tempo → reverberation → additive noise → telephone channel → Opus
//! → gain → clipping. Each step is documented in its own file: [`noise`] (white, pink, babble, noise
//! files; SNR over the clip or over speech-active frames), [`stretch`] (speed by resampling,
//! tempo by WSOLA), [`reverb`] (synthetic or recorded room impulse responses, FFT convolution),
//! [`telephony`] (G.711 μ-law / A-law at 8 kHz with a 300–3400 Hz band-pass), [`opus`] (libopus
//! at a bitrate, with packet loss; a build with the `opus` feature). Steps that keep
//! the duration keep the clip sample-aligned with the clean audio.

pub mod noise;
pub mod opus;
pub mod reverb;
pub mod stretch;
pub mod telephony;

use std::path::PathBuf;
use std::sync::Arc;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::Waveform;

/// Why a condition could not be applied to one clip.
#[derive(Debug, Error)]
pub enum PerturbError {
    #[error("condition {condition}, item {}: {message}", tonebench_core::text::plain_or_quoted(.id))]
    Item {
        condition: String,
        id: String,
        message: String,
    },
}

impl crate::error::HasKind for PerturbError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

/// Where the SNR is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnrScope {
    /// Σ clean² / Σ added² over the whole clip (audiomentations, SpeechBrain).
    Clip,
    /// The same sums over speech-active frames only ([`noise::speech_frames`]).
    Speech,
}

/// What noise is added.
#[derive(Debug, Clone)]
pub enum NoiseKind {
    /// Gaussian white noise.
    White,
    /// Gaussian noise shaped to a 1/f power spectrum.
    Pink,
    /// A sum of other utterances of the suite, never of the item's own speaker.
    Babble,
    /// Recorded noise: one of these clips (mono, their own rates), chosen per item.
    Files(Arc<Vec<Waveform>>),
}

/// A room impulse response.
#[derive(Debug, Clone)]
pub enum Rir {
    /// Exponentially decaying Gaussian noise with this RT60 in seconds ([`reverb::synthetic`]).
    Synthetic { rt60: f64 },
    /// Recorded impulse responses, one chosen per item.
    Recorded(Arc<Vec<Waveform>>),
}

/// The companding law of a G.711 channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    MuLaw,
    ALaw,
}

/// One perturbation.
#[derive(Debug, Clone)]
pub enum Step {
    /// Resampling: duration and pitch change together; 0.95 = 5 % slower and lower.
    Speed(f64),
    /// Time stretch with the pitch kept (WSOLA); 0.95 = 5 % slower.
    Tempo(f64),
    Reverb(Rir),
    Noise {
        kind: NoiseKind,
        snr_db: f64,
        scope: SnrScope,
    },
    Telephony(Law),
    /// Opus at this bitrate, losing this percentage of packets.
    Opus {
        bitrate_kbps: f64,
        loss_pct: f64,
    },
    /// Gain in dB.
    Gain(f64),
    /// Hard clipping at this fraction of full scale.
    Clip(f64),
}

impl Step {
    /// Position in the fixed order of a chain.
    fn rank(&self) -> u8 {
        match self {
            Step::Speed(_) => 0,
            Step::Tempo(_) => 1,
            Step::Reverb(_) => 2,
            Step::Noise { .. } => 3,
            Step::Telephony(_) => 4,
            Step::Opus { .. } => 5,
            Step::Gain(_) => 6,
            Step::Clip(_) => 7,
        }
    }

    /// The name of the random stream of this step (each step draws from its own).
    fn stream(&self) -> &'static str {
        match self {
            Step::Reverb(_) => "reverb",
            Step::Noise { .. } => "noise",
            Step::Opus { .. } => "codec",
            _ => "none",
        }
    }
}

/// A named condition: its steps in the fixed order.
#[derive(Debug, Clone)]
pub struct Chain {
    pub name: String,
    steps: Vec<Step>,
}

impl Chain {
    /// A chain of `steps`, put into the fixed order.
    pub fn new(name: impl Into<String>, mut steps: Vec<Step>) -> Chain {
        steps.sort_by_key(Step::rank);
        Chain {
            name: name.into(),
            steps,
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Applies every step to `x` (mono, at `sr`).
    pub fn apply(&self, x: &[f32], sr: u32, ctx: &Context<'_>) -> Result<Vec<f32>, PerturbError> {
        let fail = |message: String| PerturbError::Item {
            condition: self.name.clone(),
            id: ctx.id.to_string(),
            message,
        };
        let mut y = x.to_vec();
        for step in &self.steps {
            let mut rng = ctx.rng(step.stream());
            y = match step {
                Step::Speed(f) => stretch::speed(&y, *f).map_err(fail)?,
                Step::Tempo(f) => stretch::tempo(&y, sr, *f),
                Step::Reverb(rir) => reverb::apply(&y, sr, rir, &mut rng).map_err(fail)?,
                Step::Noise {
                    kind,
                    snr_db,
                    scope,
                } => {
                    let n = noise::make(kind, y.len(), sr, ctx, &mut rng).map_err(fail)?;
                    noise::add_at_snr(&y, &n, sr, *snr_db, *scope)
                }
                Step::Telephony(law) => telephony::channel(&y, sr, *law).map_err(fail)?,
                Step::Opus {
                    bitrate_kbps,
                    loss_pct,
                } => opus::channel(&y, sr, *bitrate_kbps, *loss_pct, &mut rng).map_err(fail)?,
                Step::Gain(db) => {
                    let g = 10f64.powf(db / 20.0);
                    y.iter().map(|&v| (f64::from(v) * g) as f32).collect()
                }
                Step::Clip(c) => {
                    let c = *c as f32;
                    y.iter().map(|&v| v.clamp(-c, c)).collect()
                }
            };
        }
        Ok(y)
    }
}

/// An utterance babble noise may be made of.
#[derive(Debug, Clone)]
pub struct BabbleSource {
    pub id: String,
    pub speaker: Option<String>,
    pub path: PathBuf,
}

/// Number of other utterances summed into babble noise.
pub const BABBLE_TALKERS: usize = 5;

/// What a chain needs to know about the clip it perturbs.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The run seed.
    pub seed: u64,
    pub id: &'a str,
    pub speaker: Option<&'a str>,
    /// The suite's utterances, for babble.
    pub babble: &'a [BabbleSource],
}

impl Context<'_> {
    /// The random stream `stream` of this item: Xoshiro256++ seeded with the first 32 bytes of
    /// SHA-256(seed as 8 little-endian bytes ‖ id ‖ 0 ‖ stream). It does not depend on the
    /// condition's name, so `white-0db` and `white-10db` add the same noise, scaled.
    pub fn rng(&self, stream: &str) -> Xoshiro256PlusPlus {
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(self.id.as_bytes());
        h.update([0u8]);
        h.update(stream.as_bytes());
        let seed: [u8; 32] = h.finalize().into();
        Xoshiro256PlusPlus::from_seed(seed)
    }
}

/// `x` resampled to `to` Hz with the reference polyphase filter (identity when the rates match).
pub(crate) fn at_rate(w: &Waveform, to: u32) -> Result<Vec<f32>, String> {
    super::resample_poly(&w.samples, w.sample_rate, to)
}

/// Σ v² in f64.
pub(crate) fn energy(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(id: &str) -> Context<'_> {
        Context {
            seed: 7,
            id,
            speaker: None,
            babble: &[],
        }
    }

    #[test]
    fn steps_run_in_the_fixed_order_and_the_same_seed_gives_the_same_audio() {
        let chain = Chain::new("c", vec![Step::Clip(0.5), Step::Gain(6.0)]);
        // Gain before clip: 0.4 · 2 = 0.8 is clipped to 0.5.
        let y = chain.apply(&[0.4, -0.1], 16_000, &ctx("a")).unwrap();
        assert_eq!(y[0], 0.5);
        assert!((y[1] + 0.1 * 10f32.powf(0.3)).abs() < 1e-6);
        let noisy = Chain::new(
            "n",
            vec![Step::Noise {
                kind: NoiseKind::White,
                snr_db: 10.0,
                scope: SnrScope::Clip,
            }],
        );
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.05).sin()).collect();
        let a = noisy.apply(&x, 16_000, &ctx("a")).unwrap();
        assert_eq!(a, noisy.apply(&x, 16_000, &ctx("a")).unwrap());
        assert_ne!(a, noisy.apply(&x, 16_000, &ctx("b")).unwrap());
    }
}
