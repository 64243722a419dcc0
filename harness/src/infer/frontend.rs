//! The audio front end of a checked model: raw samples, normalized samples or Whisper log-mel
//! features, with or without an attention mask, and where the choice was made; and the
//! `[audio]` section of a model spec checked into one, against the model's
//! `preprocessor_config.json` when there is one.

use std::path::Path;

use super::spec::{AudioPlan, AudioSpec, Features, IoNames};
use super::InferError;
use crate::audio::features::WhisperParams;

/// The checked front end of an audio part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontEndPlan {
    pub features: FeaturesPlan,
    /// `Some(true)`: feed a mask (the graph must take one); `Some(false)`: never; `None`:
    /// whenever the graph takes one.
    pub attention_mask: Option<bool>,
    /// Where the choice came from, for the report: `spec` or `preprocessor_config.json`.
    pub from: &'static str,
}

/// The features of a checked front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeaturesPlan {
    Raw,
    Normalized,
    WhisperLogMel(WhisperParams),
}

impl FeaturesPlan {
    /// The spec's spelling.
    pub fn name(&self) -> &'static str {
        match self {
            FeaturesPlan::Raw => "raw",
            FeaturesPlan::Normalized => "normalized",
            FeaturesPlan::WhisperLogMel(_) => "whisper-log-mel",
        }
    }
}

impl FrontEndPlan {
    /// Raw samples, the model spec v1 default.
    pub const RAW: FrontEndPlan = FrontEndPlan {
        features: FeaturesPlan::Raw,
        attention_mask: None,
        from: "spec",
    };
}

/// The checked `[audio]` section: its front end from `features`, `attention-mask` and
/// `mel-bins`, checked against the model's `preprocessor_config.json` (named, or beside the
/// graph) when there is one.
pub(super) fn audio_plan(
    a: &AudioSpec,
    base: &Path,
    bad: &impl Fn(String) -> InferError,
    warnings: &mut Vec<String>,
) -> Result<AudioPlan, InferError> {
    if a.sample_rate == 0 {
        return Err(bad("[audio] sample-rate must be positive".into()));
    }
    tonebench_core::limits::sample_rate(a.sample_rate)
        .map_err(|e| bad(format!("[audio] sample-rate: {e}")))?;
    let onnx = base.join(&a.onnx);
    let features = match (a.features, a.mel_bins) {
        (Some(Features::WhisperLogMel), m) => {
            let mel_bins = m.unwrap_or(80);
            if mel_bins == 0 {
                return Err(bad("[audio] mel-bins must be positive".into()));
            }
            FeaturesPlan::WhisperLogMel(WhisperParams {
                mel_bins,
                sampling_rate: a.sample_rate,
                ..WhisperParams::default()
            })
        }
        (_, Some(_)) => {
            return Err(bad(
                "[audio] mel-bins needs features = \"whisper-log-mel\"".into()
            ))
        }
        (Some(Features::Normalized), None) => FeaturesPlan::Normalized,
        (Some(Features::Raw) | None, None) => FeaturesPlan::Raw,
    };
    let mut names = IoNames::from(&a.inputs);
    if matches!(features, FeaturesPlan::WhisperLogMel(_)) && a.inputs.input_values.is_none() {
        names.input_values = "input_features".into();
    }
    let front = FrontEndPlan {
        features,
        attention_mask: a.attention_mask,
        from: "spec",
    };
    let preprocessor = match &a.preprocessor {
        Some(p) => Some(base.join(p)),
        None => onnx
            .parent()
            .map(|d| d.join(super::export::PREPROCESSOR))
            .filter(|p| p.is_file()),
    };
    if let Some(p) = preprocessor {
        let pre = super::export::Preprocessor::read(&p)?;
        warnings.extend(pre.mismatch(&front, &p));
    }
    Ok(AudioPlan {
        onnx,
        sample_rate: a.sample_rate,
        names,
        front,
    })
}
