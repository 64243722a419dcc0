//! Model spec v1 (`model.toml`, DESIGN.md "Model spec"): the file as written ([`ModelSpec`])
//! and its checked form ([`Plan`]) with paths resolved and the model kind decided.
//!
//! Keys beyond DESIGN.md's: `description` (top level); `max-tokens` is optional (the
//! tokenizer file's own truncation applies without it); each of `[text]`, `[audio]` and
//! `[hybrid]` takes `inputs = { input-ids = "...", attention-mask = "...",
//! token-type-ids = "...", input-values = "...", output = "..." }` to rename graph inputs
//! and pick an output other than the first. `[fusion] weights` are (text, audio).
//!
//! A speaker-embedding model is a spec with only an `[embedding]` section (`onnx`,
//! `sample-rate`, optional `inputs = { input-values = "...", output = "..." }`) and no
//! `labels`; [`load_embedding`] checks it into an [`EmbeddingPlan`]. Suites name it in
//! `[cohorts] embedding-model`; it cannot be run as a classifier.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::frontend::audio_plan;
pub use super::frontend::{FeaturesPlan, FrontEndPlan};
mod service;
use super::InferError;
use crate::input::config::from_toml;
pub use service::{Service, SpeechKind, SpeechPlan, SpeechSpec, StreamingSpec};

/// `model.toml` as written. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelSpec {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Order of the model's output vector (classifiers only; empty for an embedding model).
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub output_kind: OutputKind,
    #[serde(default)]
    pub text: Option<TextSpec>,
    #[serde(default)]
    pub audio: Option<AudioSpec>,
    #[serde(default)]
    pub hybrid: Option<HybridSpec>,
    #[serde(default)]
    pub fusion: Option<FusionSpec>,
    /// A speaker-embedding model (no labels, no other section).
    #[serde(default)]
    pub embedding: Option<EmbeddingSpec>,
    /// The audio graph's own speech-presence output.
    #[serde(default)]
    pub speech: Option<SpeechSpec>,
    /// The window the model is run on as a streaming service.
    #[serde(default)]
    pub streaming: Option<StreamingSpec>,
}

/// What the graph's (first) output holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OutputKind {
    #[default]
    Probabilities,
    /// Raw scores; tonebench applies a softmax.
    Logits,
}

/// Graph input/output name overrides shared by all sections.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Names {
    pub input_ids: Option<String>,
    pub attention_mask: Option<String>,
    pub token_type_ids: Option<String>,
    pub input_values: Option<String>,
    /// Output to read; the first output by default.
    pub output: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TextSpec {
    pub onnx: PathBuf,
    pub tokenizer: PathBuf,
    /// Truncate to this many tokens; the tokenizer file's own truncation when absent.
    #[serde(default)]
    pub max_tokens: Option<usize>,
    #[serde(default)]
    pub inputs: Names,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AudioSpec {
    pub onnx: PathBuf,
    pub sample_rate: u32,
    #[serde(default)]
    pub inputs: Names,
    /// What the graph is fed: raw samples (the default), normalized samples or Whisper log-mel
    /// features.
    #[serde(default)]
    pub features: Option<Features>,
    /// Feed an `attention_mask` of ones beside the samples (`true`), or none (`false`); by
    /// default, one exactly when the graph takes it.
    #[serde(default)]
    pub attention_mask: Option<bool>,
    /// Whisper's mel bins (80 or 128); with `features = "whisper-log-mel"` only.
    #[serde(default)]
    pub mel_bins: Option<usize>,
    /// A Hugging Face `preprocessor_config.json` to check the front end against (by default the
    /// one beside the graph, when there is one).
    #[serde(default)]
    pub preprocessor: Option<PathBuf>,
}

/// `[audio] features`: the front end between the waveform and the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Features {
    /// Samples in [-1, 1] as decoded and resampled.
    Raw,
    /// Per-clip zero mean, unit variance (`Wav2Vec2FeatureExtractor`, `do_normalize`).
    Normalized,
    /// `WhisperFeatureExtractor`'s log-mel spectrogram, `[1, mel-bins, 3000]`.
    WhisperLogMel,
}

/// `[embedding]`: an audio graph whose output is one vector per clip.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EmbeddingSpec {
    pub onnx: PathBuf,
    pub sample_rate: u32,
    #[serde(default)]
    pub inputs: Names,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HybridSpec {
    pub onnx: PathBuf,
    pub tokenizer: PathBuf,
    pub sample_rate: u32,
    #[serde(default)]
    pub max_tokens: Option<usize>,
    #[serde(default)]
    pub inputs: Names,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FusionSpec {
    pub kind: FusionKind,
    /// Weights of the text and audio members, in that order.
    pub weights: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FusionKind {
    Late,
}

/// Resolved graph input/output names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoNames {
    pub input_ids: String,
    pub attention_mask: String,
    pub token_type_ids: String,
    pub input_values: String,
    pub output: Option<String>,
}

impl From<&Names> for IoNames {
    fn from(n: &Names) -> Self {
        let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
        IoNames {
            input_ids: or(&n.input_ids, "input_ids"),
            attention_mask: or(&n.attention_mask, "attention_mask"),
            token_type_ids: or(&n.token_type_ids, "token_type_ids"),
            input_values: or(&n.input_values, "input_values"),
            output: n.output.clone(),
        }
    }
}

/// A text part: graph + tokenizer, paths resolved.
#[derive(Debug, Clone)]
pub struct TextPlan {
    pub onnx: PathBuf,
    pub tokenizer: PathBuf,
    pub max_tokens: Option<usize>,
    pub names: IoNames,
}

/// An audio part: graph + sample rate + front end.
#[derive(Debug, Clone)]
pub struct AudioPlan {
    pub onnx: PathBuf,
    pub sample_rate: u32,
    pub names: IoNames,
    pub front: FrontEndPlan,
}

/// The checked kind of model.
#[derive(Debug, Clone)]
pub enum Kind {
    Text(TextPlan),
    Audio(AudioPlan),
    /// One graph with text and audio inputs.
    Hybrid(TextPlan, AudioPlan),
    /// Separate text and audio graphs whose probabilities are averaged with `weights`.
    Late {
        text: TextPlan,
        audio: AudioPlan,
        weights: [f64; 2],
    },
}

/// A checked model spec.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spec file, or the export folder.
    pub file: PathBuf,
    pub name: String,
    pub labels: Vec<String>,
    pub output_kind: OutputKind,
    pub kind: Kind,
    /// Files beyond the graphs and tokenizers that define the model (an export folder's
    /// configs), digested with them.
    pub extra_files: Vec<PathBuf>,
    /// What loading found questionable (a front end that disagrees with the model's
    /// preprocessor config): the report's `front_end_mismatch` warnings.
    pub warnings: Vec<String>,
    /// `[speech]` and `[streaming]`.
    pub service: Service,
}

/// A checked speaker-embedding model spec.
#[derive(Debug, Clone)]
pub struct EmbeddingPlan {
    pub file: PathBuf,
    pub name: String,
    /// The graph (path resolved).
    pub onnx: PathBuf,
    pub sample_rate: u32,
    pub names: IoNames,
}

fn read(path: &Path) -> Result<String, InferError> {
    crate::open::read_to_string(path).map_err(|e| InferError::Spec {
        file: path.display().to_string(),
        msg: format!("cannot read: {e}"),
    })
}

/// Reads and checks a model spec file, or an export folder (`model.onnx` + `config.json`, see
/// [`super::export`]).
pub fn load(path: &Path) -> Result<Plan, InferError> {
    if path.is_dir() {
        return super::export::load_dir(path);
    }
    parse(path, &read(path)?)
}

/// Reads and checks a speaker-embedding model spec file.
pub fn load_embedding(path: &Path) -> Result<EmbeddingPlan, InferError> {
    parse_embedding(path, &read(path)?)
}

/// Parses an embedding spec: `[embedding]` only, no labels.
pub fn parse_embedding(path: &Path, src: &str) -> Result<EmbeddingPlan, InferError> {
    let spec = parse_spec(path, src)?;
    let file = path.display().to_string();
    let bad = |msg: String| InferError::Spec {
        file: file.clone(),
        msg,
    };
    check_version(&spec, &bad)?;
    let Some(e) = &spec.embedding else {
        return Err(bad(
            "not an embedding model: [cohorts] embedding-model needs a spec with an [embedding] section (onnx, sample-rate)".into(),
        ));
    };
    if spec.text.is_some() || spec.audio.is_some() || spec.hybrid.is_some() || spec.fusion.is_some()
    {
        return Err(bad(
            "[embedding] is a model on its own; it cannot be combined with [text], [audio], [hybrid] or [fusion]".into(),
        ));
    }
    if !spec.labels.is_empty() {
        return Err(bad("an embedding model has no labels; remove labels".into()));
    }
    if spec.speech.is_some() || spec.streaming.is_some() {
        return Err(bad(
            "[speech] and [streaming] are for models that are evaluated, not embedding models"
                .into(),
        ));
    }
    if e.sample_rate == 0 {
        return Err(bad("[embedding] sample-rate must be positive".into()));
    }
    tonebench_core::limits::sample_rate(e.sample_rate)
        .map_err(|m| bad(format!("[embedding] sample-rate: {m}")))?;
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(EmbeddingPlan {
        file: path.to_path_buf(),
        name: spec.name,
        onnx: base.join(&e.onnx),
        sample_rate: e.sample_rate,
        names: IoNames::from(&e.inputs),
    })
}

fn check_version(spec: &ModelSpec, bad: &impl Fn(String) -> InferError) -> Result<(), InferError> {
    if spec.format_version != 1 {
        return Err(bad(format!(
            "format-version {} is not supported (this tonebench reads version 1)",
            spec.format_version
        )));
    }
    Ok(())
}

/// Parses spec text; `path` names the file in messages and anchors relative paths.
pub fn parse(path: &Path, src: &str) -> Result<Plan, InferError> {
    check(path, parse_spec(path, src)?)
}

/// The spec as written; TOML and unknown-key errors carry line and column.
fn parse_spec(path: &Path, src: &str) -> Result<ModelSpec, InferError> {
    from_toml_at(path, src)
}

/// Any TOML file of a model (a spec, an export folder's `tonebench.toml`) read into `T`;
/// errors name the file, line and column.
pub(super) fn from_toml_at<T: serde::de::DeserializeOwned>(
    path: &Path,
    src: &str,
) -> Result<T, InferError> {
    let file = path.display().to_string();
    from_toml(src).map_err(|p| match p.at {
        Some((line, column)) => InferError::SpecAt {
            file: file.clone(),
            line,
            column,
            msg: p.message,
        },
        None => InferError::Spec {
            file: file.clone(),
            msg: p.message,
        },
    })
}

fn check(path: &Path, spec: ModelSpec) -> Result<Plan, InferError> {
    let file = path.display().to_string();
    let bad = |msg: String| InferError::Spec {
        file: file.clone(),
        msg,
    };
    check_version(&spec, &bad)?;
    if spec.embedding.is_some() {
        return Err(bad(
            "[embedding] makes this a speaker-embedding model: name it in a suite's [cohorts] embedding-model, not as a model to evaluate".into(),
        ));
    }
    if spec.labels.is_empty() {
        return Err(bad("labels is empty".into()));
    }
    for (i, l) in spec.labels.iter().enumerate() {
        if spec.labels[..i].contains(l) {
            return Err(bad(format!("label \"{l}\" is listed twice")));
        }
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let resolve = |p: &Path| base.join(p);
    let rate = |r: u32, section: &str| {
        if r == 0 {
            Err(bad(format!("[{section}] sample-rate must be positive")))
        } else {
            tonebench_core::limits::sample_rate(r)
                .map_err(|e| bad(format!("[{section}] sample-rate: {e}")))?;
            Ok(r)
        }
    };
    let tokens = |m: Option<usize>, section: &str| match m {
        Some(0) => Err(bad(format!("[{section}] max-tokens must be positive"))),
        Some(m) => tonebench_core::limits::at_most(
            &format!("[{section}] max-tokens"),
            m,
            tonebench_core::limits::TOKENS,
        )
        .map(|()| Some(m))
        .map_err(|e| bad(e.to_string())),
        None => Ok(None),
    };
    let text = spec
        .text
        .as_ref()
        .map(|t| {
            Ok::<_, InferError>(TextPlan {
                onnx: resolve(&t.onnx),
                tokenizer: resolve(&t.tokenizer),
                max_tokens: tokens(t.max_tokens, "text")?,
                names: IoNames::from(&t.inputs),
            })
        })
        .transpose()?;
    let mut warnings = Vec::new();
    let audio = spec
        .audio
        .as_ref()
        .map(|a| audio_plan(a, base, &bad, &mut warnings))
        .transpose()?;
    // The one match that decides the model's kind.
    let kind = match (text, audio, &spec.hybrid, &spec.fusion) {
        (Some(t), None, None, None) => Kind::Text(t),
        (None, Some(a), None, None) => Kind::Audio(a),
        (None, None, Some(h), None) => {
            let names = IoNames::from(&h.inputs);
            Kind::Hybrid(
                TextPlan {
                    onnx: resolve(&h.onnx),
                    tokenizer: resolve(&h.tokenizer),
                    max_tokens: tokens(h.max_tokens, "hybrid")?,
                    names: names.clone(),
                },
                AudioPlan {
                    onnx: resolve(&h.onnx),
                    sample_rate: rate(h.sample_rate, "hybrid")?,
                    names,
                    front: FrontEndPlan::RAW,
                },
            )
        }
        (Some(t), Some(a), None, Some(f)) => {
            let FusionKind::Late = f.kind;
            if f.weights.len() != 2 {
                return Err(bad(format!(
                    "[fusion] weights has {} entries; it needs 2 (text, audio)",
                    f.weights.len()
                )));
            }
            let (wt, wa) = (f.weights[0], f.weights[1]);
            if !(wt.is_finite() && wa.is_finite()) || wt < 0.0 || wa < 0.0 || wt + wa <= 0.0 {
                return Err(bad(
                    "[fusion] weights must be non-negative numbers with a positive sum".into(),
                ));
            }
            Kind::Late {
                text: t,
                audio: a,
                weights: [wt, wa],
            }
        }
        (Some(_), Some(_), None, None) => {
            return Err(bad(
                "[text] and [audio] together need a [fusion] section (kind = \"late\")".into(),
            ))
        }
        (_, _, None, Some(_)) => {
            return Err(bad("[fusion] needs both [text] and [audio]".into()))
        }
        (_, _, Some(_), _) => {
            return Err(bad(
                "[hybrid] is a model on its own; it cannot be combined with [text], [audio] or [fusion]"
                    .into(),
            ))
        }
        (None, None, None, None) => {
            return Err(bad(
                "no model section: add [text], [audio], [hybrid] or [text] + [audio] + [fusion]"
                    .into(),
            ))
        }
    };
    let audio = !matches!(kind, Kind::Text(_));
    let service =
        service::check(spec.speech.as_ref(), spec.streaming.as_ref(), audio).map_err(bad)?;
    Ok(Plan {
        file: path.to_path_buf(),
        name: spec.name,
        labels: spec.labels,
        output_kind: spec.output_kind,
        kind,
        extra_files: Vec::new(),
        warnings,
        service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        match parse(Path::new("m/model.toml"), src) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let src = "format-version = 1\nname = \"x\"\nlabels = [\"a\"]\n[text]\nonnx = \"m.onnx\"\ntokenizer = \"t.json\"\nmax-tokns = 5\n";
        let e = err(src);
        assert!(
            e.starts_with("model m/model.toml line 7 column 1: unknown field `max-tokns`"),
            "{e}"
        );
    }

    #[test]
    fn kinds() {
        let head = "format-version = 1\nname = \"x\"\nlabels = [\"a\", \"b\"]\n";
        let text = "[text]\nonnx = \"m.onnx\"\ntokenizer = \"t.json\"\n";
        let audio = "[audio]\nonnx = \"a.onnx\"\nsample-rate = 16000\n";
        let p = parse(Path::new("d/m.toml"), &format!("{head}{text}")).unwrap();
        match p.kind {
            Kind::Text(t) => {
                assert_eq!(t.onnx, Path::new("d/m.onnx"));
                assert_eq!(t.names.input_ids, "input_ids");
            }
            other => panic!("{other:?}"),
        }
        assert!(err(&format!("{head}{text}{audio}")).contains("need a [fusion]"));
        let late = format!("{head}{text}{audio}[fusion]\nkind = \"late\"\nweights = [0.3, 0.7]\n");
        assert!(matches!(
            parse(Path::new("m.toml"), &late).unwrap().kind,
            Kind::Late {
                weights: [0.3, 0.7],
                ..
            }
        ));
        assert!(err(&format!(
            "{head}[fusion]\nkind = \"early\"\nweights = [1, 1]\n"
        ))
        .contains("unknown variant `early`"));
        assert!(err(head).contains("no model section"));
    }

    #[test]
    fn audio_front_ends() {
        let head = "format-version = 1\nname = \"x\"\nlabels = [\"a\"]\n[audio]\nonnx = \"a.onnx\"\nsample-rate = 16000\n";
        let front = |extra: &str| match parse(Path::new("d/m.toml"), &format!("{head}{extra}")) {
            Ok(Plan {
                kind: Kind::Audio(a),
                ..
            }) => Ok((a.front, a.names.input_values)),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        let (f, input) = front("").unwrap();
        assert_eq!((f, input.as_str()), (FrontEndPlan::RAW, "input_values"));
        let (f, input) = front("features = \"whisper-log-mel\"\nmel-bins = 128\n").unwrap();
        assert_eq!(input, "input_features");
        match f.features {
            FeaturesPlan::WhisperLogMel(w) => {
                assert_eq!((w.mel_bins, w.n_fft, w.hop_length), (128, 400, 160))
            }
            other => panic!("{other:?}"),
        }
        let (f, _) = front("features = \"normalized\"\nattention-mask = true\n").unwrap();
        assert_eq!(
            (f.features, f.attention_mask),
            (FeaturesPlan::Normalized, Some(true))
        );
        assert!(front("mel-bins = 80\n")
            .unwrap_err()
            .contains("mel-bins needs features = \"whisper-log-mel\""));
        assert!(front("features = \"mfcc\"\n")
            .unwrap_err()
            .contains("line 7 column 12: unknown variant `mfcc`"));
    }

    #[test]
    fn embedding_specs() {
        let head = "format-version = 1\nname = \"spk\"\n";
        let emb = "[embedding]\nonnx = \"e.onnx\"\nsample-rate = 16000\n";
        let p = parse_embedding(Path::new("d/e.toml"), &format!("{head}{emb}")).unwrap();
        assert_eq!(p.onnx, Path::new("d/e.onnx"));
        assert_eq!(p.names.input_values, "input_values");
        assert_eq!(p.names.output, None);
        let eerr = |src: &str| {
            parse_embedding(Path::new("e.toml"), src)
                .unwrap_err()
                .to_string()
        };
        assert!(eerr(head).contains("not an embedding model"));
        assert!(eerr(&format!("{head}labels = [\"a\"]\n{emb}")).contains("has no labels"));
        assert!(eerr(&format!(
            "{head}{emb}[audio]\nonnx = \"a\"\nsample-rate = 1\n"
        ))
        .contains("model on its own"));
        // An embedding model is not a classifier.
        assert!(err(&format!("{head}labels = [\"a\"]\n{emb}")).contains("speaker-embedding model"));
    }
}
