//! The sections of a model spec that say how a real-time voice tone service runs the model:
//! `[speech]`, the graph's own speech-presence output, and `[streaming]`, the window it was
//! built for (DESIGN.md "Model spec").

use serde::Deserialize;

pub use crate::input::suite::StreamingManifest as StreamingSpec;

/// `[speech]` as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SpeechSpec {
    /// The graph output that holds speech presence: `[batch]` or `[batch, n]`.
    pub output: String,
    /// The column of a `[batch, n]` output (0 by default, which a `[batch, 1]` output needs).
    #[serde(default)]
    pub column: usize,
    /// What the values are: probabilities in [0, 1] (the default) or logits (a sigmoid makes
    /// them probabilities).
    #[serde(default)]
    pub kind: SpeechKind,
    /// A window is speech when its probability is at least this (0.5 by default).
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// `[speech] kind`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SpeechKind {
    #[default]
    Probability,
    Logit,
}

/// The checked speech output.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechPlan {
    pub output: String,
    pub column: usize,
    pub kind: SpeechKind,
    pub threshold: f64,
}

/// The checked service sections of a spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    pub speech: Option<SpeechPlan>,
    /// The window; its hop is `None` when the spec leaves it to the default.
    pub streaming: Option<StreamingSpec>,
}

/// Checks `[speech]` and `[streaming]`; `audio` says whether the model has a graph that sees the
/// audio (a speech output of a text graph means nothing).
pub fn check(
    speech: Option<&SpeechSpec>,
    streaming: Option<&StreamingSpec>,
    audio: bool,
) -> Result<Service, String> {
    let speech = match speech {
        None => None,
        Some(_) if !audio => {
            return Err("[speech] names an output of the audio graph; this model has none".into())
        }
        Some(s) => {
            let threshold = s.threshold.unwrap_or(0.5);
            if !(threshold > 0.0 && threshold < 1.0) {
                return Err(format!(
                    "[speech] threshold = {threshold}: it must lie strictly between 0 and 1"
                ));
            }
            if s.output.is_empty() {
                return Err("[speech] output is empty: name the graph output".into());
            }
            Some(SpeechPlan {
                output: s.output.clone(),
                column: s.column,
                kind: s.kind,
                threshold,
            })
        }
    };
    let streaming = match streaming {
        None => None,
        Some(_) if !audio => {
            return Err(
                "[streaming] is for audio and hybrid models; this model takes no audio".into(),
            )
        }
        Some(s) => {
            s.spec(None).map_err(|e| format!("[streaming]: {e}"))?;
            Some(*s)
        }
    };
    Ok(Service { speech, streaming })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech(src: &str) -> SpeechSpec {
        toml::from_str(src).unwrap()
    }

    #[test]
    fn speech_and_streaming_are_checked() {
        let s = speech("output = \"vad\"\n");
        let plan = check(Some(&s), None, true).unwrap().speech.unwrap();
        assert_eq!(
            plan,
            SpeechPlan {
                output: "vad".into(),
                column: 0,
                kind: SpeechKind::Probability,
                threshold: 0.5
            }
        );
        assert!(check(Some(&s), None, false)
            .unwrap_err()
            .contains("this model has none"));
        let t = speech("output = \"vad\"\nthreshold = 1.0\n");
        assert!(check(Some(&t), None, true)
            .unwrap_err()
            .contains("strictly between 0 and 1"));
        let w = StreamingSpec {
            window: 5.0,
            hop: None,
        };
        assert_eq!(check(None, Some(&w), true).unwrap().streaming, Some(w));
        let bad = StreamingSpec {
            window: 5.0,
            hop: Some(-1.0),
        };
        assert!(check(None, Some(&bad), true)
            .unwrap_err()
            .starts_with("[streaming]: "));
        assert!(check(None, Some(&w), false).is_err());
    }
}
