//! Where the speech decisions of a streamed run come from: the strongest source available.

use std::collections::HashMap;
use std::path::PathBuf;

use tonebench_core::streaming::speech::{energy_frames, Frames};
use tonebench_core::streaming::SpeechSource;

use crate::app::AppError;
use crate::infer::spec::{SpeechKind, SpeechPlan};
use crate::infer::vad::{self, Vad};
use crate::infer::{InferError, Model};

/// What the user asked for (`--speech`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpeechChoice {
    /// Silero VAD when its graph is installed, else the energy detector (with a warning).
    #[default]
    Auto,
    SileroVad,
    Energy,
    /// The segments' truth: what the sentiment model does with perfect speech detection.
    Oracle,
    /// The model's own speech-presence output (`[speech]` in its spec); a model without one is
    /// an error.
    Model,
}

/// The model's own speech output when `choice` takes it: `--speech model` (an error for a model
/// without one) or `auto` (when the model has one).
pub fn own(choice: SpeechChoice, model: &Model) -> Result<Option<SpeechPlan>, AppError> {
    match (choice, &model.service.speech) {
        (SpeechChoice::Model | SpeechChoice::Auto, Some(s)) => Ok(Some(s.clone())),
        (SpeechChoice::Model, None) => Err(AppError::NoModelSpeech(model.name.clone())),
        _ => Ok(None),
    }
}

/// How the report names a model's own speech output.
pub fn own_source(s: &SpeechPlan) -> SpeechSource {
    SpeechSource {
        name: "model".into(),
        rule: format!(
            "the model's own speech output \"{}\" (column {}{}); a window is speech at p ≥ {}",
            s.output,
            s.column,
            match s.kind {
                SpeechKind::Probability => "",
                SpeechKind::Logit => ", a sigmoid of logits",
            },
            s.threshold
        ),
    }
}

/// The chosen source, ready to score calls.
pub enum Speech {
    Vad {
        vad: Box<Vad>,
        /// Chunk probabilities by call id, shared by every model of the run.
        cache: HashMap<String, Vec<f32>>,
    },
    Energy,
    Oracle,
}

impl Speech {
    /// The source for models without a speech output of their own; `None` for
    /// `--speech model`, where every model must have one.
    pub fn open(choice: SpeechChoice) -> anyhow::Result<Option<Speech>> {
        let found: Option<PathBuf> = vad::locate();
        Ok(Some(match (choice, found) {
            (SpeechChoice::Model, _) => return Ok(None),
            (SpeechChoice::Oracle, _) => Speech::Oracle,
            (SpeechChoice::Energy, _) | (SpeechChoice::Auto, None) => Speech::Energy,
            (SpeechChoice::SileroVad, None) => return Err(AppError::NoVad.into()),
            (SpeechChoice::Auto | SpeechChoice::SileroVad, Some(path)) => Speech::Vad {
                vad: Box::new(Vad::open(&path)?),
                cache: HashMap::new(),
            },
        }))
    }

    /// The source as the report names and explains it.
    pub fn source(&self) -> SpeechSource {
        let (name, rule) = match self {
            Speech::Vad { vad, .. } => (
                "silero-vad",
                format!(
                    "Silero VAD ({}) on 512-sample chunks at 16 kHz; a chunk is speech at p ≥ {}; a window is speech when at least half of the chunks centred in it are",
                    vad.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                    vad::THRESHOLD
                ),
            ),
            Speech::Energy => (
                "energy",
                "30-ms frames at or above −45 dBFS and 10 dB above the call's 10th-percentile frame level; a window is speech when at least half of its frames are".to_string(),
            ),
            Speech::Oracle => (
                "oracle",
                "the segments' truth: labeled speech covers at least half of the window".to_string(),
            ),
        };
        SpeechSource {
            name: name.into(),
            rule,
        }
    }

    /// Whether the source needs the call at 16 kHz.
    pub fn wants_16k(&self) -> bool {
        matches!(self, Speech::Vad { .. })
    }

    /// The frame scores of one call: `at_16k` for the VAD, `samples` at `rate` for the energy
    /// detector; `None` for the oracle (decided from the truth).
    pub fn frames(
        &mut self,
        id: &str,
        samples: &[f32],
        rate: u32,
        at_16k: Option<&[f32]>,
    ) -> Result<Option<Frames>, InferError> {
        Ok(match self {
            Speech::Oracle => None,
            Speech::Energy => Some(energy_frames(samples, rate)),
            Speech::Vad { vad, cache } => {
                let probs = match cache.get(id) {
                    Some(p) => p.clone(),
                    None => {
                        let p = vad.probabilities(at_16k.unwrap_or(samples))?;
                        cache.insert(id.to_string(), p.clone());
                        p
                    }
                };
                let chunk_s = vad::CHUNK as f64 / f64::from(vad::RATE);
                Some(Frames {
                    scores: probs,
                    hop_s: chunk_s,
                    len_s: chunk_s,
                    threshold: vad::THRESHOLD,
                })
            }
        })
    }
}
