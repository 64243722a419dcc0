//! Hugging Face export folders as models: what `optimum-cli export onnx` (or
//! `torch.onnx.export` + `save_pretrained`) writes — `model.onnx`, `config.json` (`id2label`),
//! `preprocessor_config.json` (audio) or `tokenizer.json` + `tokenizer_config.json` (text) — and
//! an optional `tonebench.toml` beside them:
//!
//! ```toml
//! name = "wav2vec2-base-ser"      # default: the folder's name
//! features = "normalized"         # audio: override the front end preprocessor_config.json picks
//! attention-mask = true           # audio: feed a mask of ones (default: when the graph takes one)
//! max-tokens = 128                # text: default model_max_length of tokenizer_config.json
//! [label-map]                     # the export's label names → the suite's
//! LABEL_0 = "negative"
//! ```
//!
//! The front end comes from `preprocessor_config.json`: `WhisperFeatureExtractor` → Whisper
//! log-mel (`feature_size` mel bins, `n_fft`, `hop_length`, `chunk_length`);
//! `Wav2Vec2FeatureExtractor` (also HuBERT's and WavLM's) → normalized samples when
//! `do_normalize`, raw samples otherwise. The graph's output is taken as logits.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use super::spec::{
    AudioPlan, Features, FeaturesPlan, FrontEndPlan, IoNames, Kind, Names, OutputKind, Plan,
    TextPlan,
};
use super::InferError;
use crate::audio::features::WhisperParams;

/// The file names of an export folder.
pub const MODEL: &str = "model.onnx";
pub const CONFIG: &str = "config.json";
pub const PREPROCESSOR: &str = "preprocessor_config.json";
pub const TOKENIZER: &str = "tokenizer.json";
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
pub const TONEBENCH: &str = "tonebench.toml";

/// `tonebench.toml` beside an export. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FolderSpec {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub features: Option<Features>,
    #[serde(default)]
    pub attention_mask: Option<bool>,
    #[serde(default)]
    pub max_tokens: Option<usize>,
    #[serde(default)]
    pub label_map: IndexMap<String, String>,
}

/// The keys of `preprocessor_config.json` that choose an audio front end.
#[derive(Debug, Clone, Deserialize)]
pub struct Preprocessor {
    #[serde(default)]
    pub feature_extractor_type: Option<String>,
    #[serde(default)]
    pub do_normalize: Option<bool>,
    #[serde(default)]
    pub sampling_rate: Option<u32>,
    #[serde(default)]
    pub feature_size: Option<usize>,
    #[serde(default)]
    pub n_fft: Option<usize>,
    #[serde(default)]
    pub hop_length: Option<usize>,
    #[serde(default)]
    pub chunk_length: Option<usize>,
}

fn input_err(file: &Path, msg: impl Into<String>) -> InferError {
    InferError::ModelInput {
        file: file.display().to_string(),
        msg: msg.into(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, InferError> {
    let bytes =
        crate::open::read(path).map_err(|e| input_err(path, format!("cannot read: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        input_err(
            path,
            format!("line {} column {}: {e}", e.line(), e.column()),
        )
    })
}

impl Preprocessor {
    pub fn read(path: &Path) -> Result<Self, InferError> {
        read_json(path)
    }

    /// The front end transformers would run: an error for a feature extractor tonebench does
    /// not reproduce.
    pub fn features(&self, path: &Path) -> Result<FeaturesPlan, InferError> {
        match self.feature_extractor_type.as_deref() {
            Some("WhisperFeatureExtractor") => {
                let d = WhisperParams::default();
                let p = WhisperParams {
                    mel_bins: self.feature_size.unwrap_or(d.mel_bins),
                    n_fft: self.n_fft.unwrap_or(d.n_fft),
                    hop_length: self.hop_length.unwrap_or(d.hop_length),
                    chunk_length: self.chunk_length.unwrap_or(d.chunk_length),
                    sampling_rate: self.sampling_rate.unwrap_or(d.sampling_rate),
                };
                if p.mel_bins == 0 || p.n_fft < 2 || p.hop_length == 0 || p.chunk_length == 0 {
                    return Err(input_err(
                        path,
                        "feature_size, n_fft, hop_length and chunk_length must be positive",
                    ));
                }
                Ok(FeaturesPlan::WhisperLogMel(p))
            }
            Some("Wav2Vec2FeatureExtractor") | None => Ok(if self.do_normalize.unwrap_or(false) {
                FeaturesPlan::Normalized
            } else {
                FeaturesPlan::Raw
            }),
            Some(other) => Err(input_err(
                path,
                format!(
                    "feature_extractor_type \"{other}\" is not a front end tonebench reproduces (Wav2Vec2FeatureExtractor, WhisperFeatureExtractor)"
                ),
            )),
        }
    }

    /// The sample rate the feature extractor expects (16 kHz when unsaid).
    pub fn sample_rate(&self) -> u32 {
        self.sampling_rate.unwrap_or(16_000)
    }

    /// A warning when `front` is not what this preprocessor config asks for — e.g. a Wav2Vec2
    /// export whose config normalizes, run on raw samples: its outputs would differ from
    /// transformers' without any error.
    pub fn mismatch(&self, front: &FrontEndPlan, path: &Path) -> Option<String> {
        let want = self.features(path).ok()?;
        if want == front.features {
            return None;
        }
        let why = match (&want, &self.do_normalize) {
            (FeaturesPlan::Normalized, _) => " (do_normalize = true)".to_string(),
            (FeaturesPlan::WhisperLogMel(p), _) => format!(" ({} mel bins)", p.mel_bins),
            (FeaturesPlan::Raw, _) => " (do_normalize = false)".to_string(),
        };
        Some(format!(
            "{} asks for {} features{why} but the model is fed {} features: its outputs will not match transformers'; set features = \"{}\"",
            path.display(),
            want.name(),
            front.features.name(),
            want.name()
        ))
    }
}

/// `config.json`: the keys tonebench reads.
#[derive(Debug, Clone, Deserialize)]
struct Config {
    #[serde(default)]
    id2label: IndexMap<String, String>,
}

/// `tokenizer_config.json`: the keys tonebench reads.
#[derive(Debug, Clone, Deserialize)]
struct TokenizerConfig {
    #[serde(default)]
    model_max_length: Option<f64>,
}

/// The model's labels in output order, from `config.json`'s `id2label` (keys `"0"`, `"1"`, …).
fn labels(config: &Path) -> Result<Vec<String>, InferError> {
    let c: Config = read_json(config)?;
    if c.id2label.is_empty() {
        return Err(input_err(
            config,
            "no id2label: tonebench needs the classifier's label names",
        ));
    }
    let mut by_id: Vec<(usize, String)> = Vec::new();
    for (k, v) in c.id2label {
        let i = k
            .parse::<usize>()
            .map_err(|_| input_err(config, format!("id2label key \"{k}\" is not an integer")))?;
        by_id.push((i, v));
    }
    by_id.sort();
    for (want, (i, _)) in by_id.iter().enumerate() {
        if *i != want {
            return Err(input_err(
                config,
                format!(
                    "id2label has no label {want}: ids must be 0..{}",
                    by_id.len()
                ),
            ));
        }
    }
    Ok(by_id.into_iter().map(|(_, l)| l).collect())
}

/// Reads an export folder into a plan.
pub fn load_dir(dir: &Path) -> Result<Plan, InferError> {
    let onnx = dir.join(MODEL);
    let config = dir.join(CONFIG);
    for need in [&onnx, &config] {
        if !need.is_file() {
            return Err(input_err(
                dir,
                format!(
                    "export folder has no {} (expected {MODEL} and {CONFIG}, as optimum-cli export onnx writes them)",
                    need.file_name().and_then(|n| n.to_str()).unwrap_or("")
                ),
            ));
        }
    }
    let toml_path = dir.join(TONEBENCH);
    let folder: FolderSpec = if toml_path.is_file() {
        let src = crate::open::read_to_string(&toml_path)
            .map_err(|e| input_err(&toml_path, format!("cannot read: {e}")))?;
        super::spec::from_toml_at(&toml_path, &src)?
    } else {
        FolderSpec::default()
    };
    let mut extra = vec![config.clone()];
    if toml_path.is_file() {
        extra.push(toml_path.clone());
    }
    let mut model_labels = labels(&config)?;
    for key in folder.label_map.keys() {
        if !model_labels.contains(key) {
            return Err(input_err(
                &toml_path,
                format!(
                    "label-map: \"{key}\" is not one of the export's labels ({})",
                    model_labels.join(", ")
                ),
            ));
        }
    }
    for l in &mut model_labels {
        if let Some(to) = folder.label_map.get(l.as_str()) {
            l.clone_from(to);
        }
    }
    for (i, l) in model_labels.iter().enumerate() {
        if model_labels[..i].contains(l) {
            return Err(input_err(
                &config,
                format!("label \"{l}\" is listed twice (after the label-map)"),
            ));
        }
    }
    let pre_path = dir.join(PREPROCESSOR);
    let tok_path = dir.join(TOKENIZER);
    let mut warnings = Vec::new();
    let kind = if pre_path.is_file() {
        if folder.max_tokens.is_some() {
            return Err(input_err(&toml_path, "max-tokens is for text models"));
        }
        extra.push(pre_path.clone());
        let pre = Preprocessor::read(&pre_path)?;
        tonebench_core::limits::sample_rate(pre.sample_rate())
            .map_err(|e| input_err(&pre_path, format!("sampling_rate: {e}")))?;
        let front = match folder.features {
            Some(f) => {
                let features = match (f, pre.features(&pre_path)?) {
                    (Features::Raw, _) => FeaturesPlan::Raw,
                    (Features::Normalized, _) => FeaturesPlan::Normalized,
                    (Features::WhisperLogMel, w @ FeaturesPlan::WhisperLogMel(_)) => w,
                    (Features::WhisperLogMel, _) => {
                        FeaturesPlan::WhisperLogMel(WhisperParams::default())
                    }
                };
                let front = FrontEndPlan {
                    features,
                    attention_mask: folder.attention_mask,
                    from: "tonebench.toml",
                };
                warnings.extend(pre.mismatch(&front, &pre_path));
                front
            }
            None => FrontEndPlan {
                features: pre.features(&pre_path)?,
                attention_mask: folder.attention_mask,
                from: "preprocessor_config.json",
            },
        };
        let mut names = IoNames::from(&Names::default());
        if let FeaturesPlan::WhisperLogMel(_) = front.features {
            names.input_values = "input_features".into();
        }
        Kind::Audio(AudioPlan {
            onnx,
            sample_rate: pre.sample_rate(),
            names,
            front,
        })
    } else if tok_path.is_file() {
        if folder.features.is_some() || folder.attention_mask.is_some() {
            return Err(input_err(
                &toml_path,
                "features and attention-mask are for audio models (this export has no preprocessor_config.json)",
            ));
        }
        let tc_path = dir.join(TOKENIZER_CONFIG);
        let mut max_tokens = folder.max_tokens;
        if max_tokens == Some(0) {
            return Err(input_err(&toml_path, "max-tokens must be positive"));
        }
        if tc_path.is_file() {
            extra.push(tc_path.clone());
            let tc: TokenizerConfig = read_json(&tc_path)?;
            // transformers writes a huge number (1e30) for "no limit".
            if let Some(m) = tc.model_max_length.filter(|m| *m >= 1.0 && *m < 1e9) {
                max_tokens = max_tokens.or(Some(m as usize));
            }
        }
        Kind::Text(TextPlan {
            onnx,
            tokenizer: tok_path,
            max_tokens,
            names: IoNames::from(&Names::default()),
        })
    } else {
        return Err(input_err(
            dir,
            format!("export folder has neither {PREPROCESSOR} (audio) nor {TOKENIZER} (text)"),
        ));
    };
    let name = folder.name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string())
    });
    Ok(Plan {
        file: dir.to_path_buf(),
        name,
        labels: model_labels,
        output_kind: OutputKind::Logits,
        kind,
        extra_files: extra,
        warnings,
        service: Default::default(),
    })
}
