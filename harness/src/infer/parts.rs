//! The parts models are composed of: tokenize ([`TextEncoder`]), decode + resample
//! ([`AudioFrontend`]), infer ([`Graph`]) and post-process ([`Head`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::runtime::{self, SessionOptions};
use super::spec::{AudioPlan, FeaturesPlan, FrontEndPlan, IoNames, OutputKind, TextPlan};
use super::InferError;

mod speech;

/// Token ids of one text, unpadded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
}

/// A batch of token sequences padded on the right to the longest (id 0, mask 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBatch {
    pub rows: usize,
    pub len: usize,
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
    pub type_ids: Vec<i64>,
}

/// Dynamic padding: pads every row to the longest row of the batch.
pub fn pad(batch: &[&Tokens]) -> TokenBatch {
    let len = batch.iter().map(|t| t.ids.len()).max().unwrap_or(0);
    let rows = batch.len();
    let mut out = TokenBatch {
        rows,
        len,
        ids: vec![0; rows * len],
        mask: vec![0; rows * len],
        type_ids: vec![0; rows * len],
    };
    for (r, t) in batch.iter().enumerate() {
        let base = r * len;
        out.ids[base..base + t.ids.len()].copy_from_slice(&t.ids);
        out.type_ids[base..base + t.type_ids.len()].copy_from_slice(&t.type_ids);
        out.mask[base..base + t.ids.len()].fill(1);
    }
    out
}

/// Hugging Face `tokenizer.json` with truncation to `max-tokens` and no padding of its own.
pub struct TextEncoder {
    tokenizer: tokenizers::Tokenizer,
    pub file: PathBuf,
}

impl TextEncoder {
    pub fn open(path: &Path, max_tokens: Option<usize>) -> Result<Self, InferError> {
        let file = path.display().to_string();
        let err = |msg: String| InferError::ModelInput {
            file: file.clone(),
            msg: format!("tokenizer: {msg}"),
        };
        let bytes = crate::open::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
            return Err(err(
                "not a JSON file (expected a Hugging Face tokenizer.json)".into(),
            ));
        }
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(&bytes)
            .map_err(|e| err(format!("not a valid tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        if let Some(max) = max_tokens {
            let mut params = tokenizer.get_truncation().cloned().unwrap_or_default();
            params.max_length = max;
            tokenizer
                .with_truncation(Some(params))
                .map_err(|e| err(format!("cannot truncate to {max} tokens: {e}")))?;
        }
        Ok(TextEncoder {
            tokenizer,
            file: path.to_path_buf(),
        })
    }

    /// Tokenizes one text (special tokens added, truncated).
    pub fn encode(&self, text: &str) -> Result<Tokens, String> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| format!("cannot tokenize: {e}"))?;
        Ok(Tokens {
            ids: enc.get_ids().iter().map(|&i| i64::from(i)).collect(),
            type_ids: enc.get_type_ids().iter().map(|&i| i64::from(i)).collect(),
        })
    }
}

/// Decodes audio files, resamples them to the graph's rate, and turns the samples into what
/// the graph takes: raw or normalized samples (`[1, samples]`), or Whisper log-mel features
/// (`[1, mel_bins, frames]`), with an attention mask of ones when the graph wants one.
#[derive(Debug, Clone)]
pub struct AudioFrontend {
    pub sample_rate: u32,
    features: Extractor,
    /// Feed an attention mask of ones beside the samples.
    pub attention_mask: bool,
    /// Where the front end was chosen (`spec`, `tonebench.toml`, `preprocessor_config.json`).
    pub from: &'static str,
}

#[derive(Debug, Clone)]
enum Extractor {
    Raw,
    Normalized,
    Whisper(Box<crate::audio::features::WhisperLogMel>),
}

impl AudioFrontend {
    /// The front end of model spec v1: raw samples at `sample_rate`, no mask.
    pub fn raw(sample_rate: u32) -> Self {
        AudioFrontend {
            sample_rate,
            features: Extractor::Raw,
            attention_mask: false,
            from: "spec",
        }
    }

    fn new(sample_rate: u32, plan: &FrontEndPlan, attention_mask: bool) -> Self {
        let features = match plan.features {
            FeaturesPlan::Raw => Extractor::Raw,
            FeaturesPlan::Normalized => Extractor::Normalized,
            FeaturesPlan::WhisperLogMel(p) => {
                Extractor::Whisper(Box::new(crate::audio::features::WhisperLogMel::new(p)))
            }
        };
        AudioFrontend {
            sample_rate,
            features,
            attention_mask,
            from: plan.from,
        }
    }

    pub fn load(&self, path: &Path) -> Result<crate::audio::Loaded, crate::audio::AudioError> {
        crate::audio::load(path, self.sample_rate)
    }

    /// The graph inputs for one clip of samples at [`AudioFrontend::sample_rate`].
    pub fn feeds<'n>(&self, names: &'n IoNames, samples: Vec<f32>) -> Vec<(&'n str, Feed)> {
        let n = samples.len() as i64;
        let values = match &self.features {
            Extractor::Raw => Feed::F32(samples, vec![1, n]),
            Extractor::Normalized => Feed::F32(
                crate::audio::features::zero_mean_unit_var(&samples),
                vec![1, n],
            ),
            Extractor::Whisper(w) => {
                let shape = vec![1, w.params.mel_bins as i64, w.frames() as i64];
                Feed::F32(w.compute(&samples), shape)
            }
        };
        let mut feeds = vec![(names.input_values.as_str(), values)];
        if self.attention_mask {
            let len = match &self.features {
                Extractor::Whisper(w) => w.n_samples() as i64,
                _ => n,
            };
            feeds.push((
                names.attention_mask.as_str(),
                Feed::I64(vec![1; len as usize], vec![1, len]),
            ));
        }
        feeds
    }

    /// The graph inputs for `rows` clips of equal length back to back in `samples` (windows of
    /// a stream): each row's features computed on its own, exactly as [`AudioFrontend::feeds`]
    /// computes one clip's, stacked into one batch.
    pub fn batch_feeds<'n>(
        &self,
        names: &'n IoNames,
        samples: &[f32],
        rows: usize,
    ) -> Vec<(&'n str, Feed)> {
        let width = samples.len() / rows.max(1);
        let mut out = Vec::with_capacity(rows);
        let mut shape = vec![rows as i64];
        let mut mask_len = width as i64;
        for row in samples.chunks(width.max(1)) {
            let (_, feed) = self
                .feeds(names, row.to_vec())
                .into_iter()
                .next()
                .expect("feeds always hold the values");
            if let Feed::F32(values, s) = feed {
                if shape.len() == 1 {
                    shape.extend_from_slice(&s[1..]);
                    if let Extractor::Whisper(w) = &self.features {
                        mask_len = w.n_samples() as i64;
                    }
                }
                out.extend(values);
            }
        }
        let mut feeds = vec![(names.input_values.as_str(), Feed::F32(out, shape))];
        if self.attention_mask {
            feeds.push((
                names.attention_mask.as_str(),
                Feed::I64(
                    vec![1; rows * mask_len as usize],
                    vec![rows as i64, mask_len],
                ),
            ));
        }
        feeds
    }

    /// What the report says ran: features, mask, rate (and mel bins), and where it was chosen.
    pub fn describe(&self) -> FrontEndInfo {
        let (features, mel_bins) = match &self.features {
            Extractor::Raw => ("raw", None),
            Extractor::Normalized => ("normalized", None),
            Extractor::Whisper(w) => ("whisper-log-mel", Some(w.params.mel_bins)),
        };
        FrontEndInfo {
            features: features.to_string(),
            sample_rate: self.sample_rate,
            attention_mask: self.attention_mask,
            mel_bins,
            from: self.from.to_string(),
        }
    }
}

/// A description of an audio front end, as report.json records it.
pub use tonebench_core::report::FrontEnd as FrontEndInfo;

/// Element type a graph input must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    I64,
    F32,
}

/// Data for one graph input.
#[derive(Debug, Clone)]
pub enum Feed {
    I64(Vec<i64>, Vec<i64>),
    F32(Vec<f32>, Vec<i64>),
}

/// One ONNX session whose inputs and output were checked against the spec at load.
pub struct Graph {
    pub file: PathBuf,
    session: ort::session::Session,
    inputs: Vec<String>,
    output: String,
    /// Output columns: the labels of a classifier; an embedding's dimension (`None` until the
    /// first run when the graph's shape leaves it open).
    width: Option<usize>,
    /// A second output read on every run: speech presence.
    speech: Option<speech::SpeechOut>,
    speech_rows: Vec<f32>,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("file", &self.file)
            .field("inputs", &self.inputs)
            .field("output", &self.output)
            .finish()
    }
}

impl Graph {
    /// Opens `onnx` and checks that its inputs are exactly `required` plus any of `optional`
    /// (names and element types), and that its output is a `[batch, labels]` float tensor.
    pub fn open(
        onnx: &Path,
        opts: SessionOptions,
        required: &[(&str, Elem)],
        optional: &[(&str, Elem)],
        output: Option<&str>,
        labels: usize,
    ) -> Result<Self, InferError> {
        Self::open_width(onnx, opts, required, optional, output, Some(labels))
    }

    /// Like [`Graph::open`] for a `[batch, dim]` output of any width (an embedding).
    pub fn open_width(
        onnx: &Path,
        opts: SessionOptions,
        required: &[(&str, Elem)],
        optional: &[(&str, Elem)],
        output: Option<&str>,
        width: Option<usize>,
    ) -> Result<Self, InferError> {
        let want = width.map_or_else(|| "dim".to_string(), |w| w.to_string());
        let session = runtime::session(onnx, opts)?;
        let file = onnx.display().to_string();
        // A graph that loads but does not fit the spec (input names and types, the output's
        // shape and width) is the spec's problem: invalid input, exit 2, every one alike.
        let bad = |msg: String| InferError::ModelInput {
            file: file.clone(),
            msg,
        };
        let graph_inputs: Vec<(String, Option<ort::value::TensorElementType>)> = session
            .inputs()
            .iter()
            .map(|i| (i.name().to_string(), i.dtype().tensor_type()))
            .collect();
        let names: Vec<&str> = graph_inputs.iter().map(|(n, _)| n.as_str()).collect();
        for (name, _) in required {
            if !names.contains(name) {
                return Err(bad(format!(
                    "graph has no input named \"{name}\" (its inputs: {}); set the input names in the model spec",
                    names.join(", ")
                )));
            }
        }
        let mut inputs = Vec::new();
        for (name, ty) in &graph_inputs {
            let Some((_, want)) = required.iter().chain(optional).find(|(n, _)| n == name) else {
                return Err(bad(format!(
                    "graph input \"{name}\" is not one the spec provides (expected {})",
                    required
                        .iter()
                        .chain(optional)
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let ok = matches!(
                (want, ty),
                (Elem::I64, Some(ort::value::TensorElementType::Int64))
                    | (Elem::F32, Some(ort::value::TensorElementType::Float32))
            );
            if !ok {
                return Err(bad(format!(
                    "graph input \"{name}\" has type {ty:?}; expected {}",
                    match want {
                        Elem::I64 => "int64",
                        Elem::F32 => "float32",
                    }
                )));
            }
            inputs.push(name.clone());
        }
        let outlet = match output {
            Some(o) => session
                .outputs()
                .iter()
                .find(|x| x.name() == o)
                .ok_or_else(|| bad(format!("graph has no output named \"{o}\"")))?,
            None => session
                .outputs()
                .first()
                .ok_or_else(|| bad("graph has no outputs".into()))?,
        };
        match outlet.dtype().tensor_shape() {
            Some(shape)
                if outlet.dtype().tensor_type() == Some(ort::value::TensorElementType::Float32) =>
            {
                if shape.len() != 2 {
                    return Err(bad(format!(
                        "output \"{}\" has shape {:?}; expected [batch, {want}]",
                        outlet.name(),
                        &shape[..]
                    )));
                }
                if let Some(labels) = width {
                    if shape[1] >= 0 && shape[1] as usize != labels {
                        return Err(bad(format!(
                            "labels: output \"{}\" has {} columns but the spec lists {labels} labels",
                            outlet.name(),
                            shape[1]
                        )));
                    }
                }
                if shape[1] == 0 {
                    return Err(bad(format!("output \"{}\" has 0 columns", outlet.name())));
                }
            }
            _ => {
                return Err(bad(format!(
                    "output \"{}\" is not a float32 tensor",
                    outlet.name()
                )))
            }
        }
        let width = width.or_else(|| {
            outlet
                .dtype()
                .tensor_shape()
                .and_then(|s| usize::try_from(s[1]).ok())
        });
        Ok(Graph {
            file: onnx.to_path_buf(),
            output: outlet.name().to_string(),
            session,
            inputs,
            width,
            speech: None,
            speech_rows: Vec::new(),
        })
    }

    /// Ends ONNX Runtime's profiling (the graph must have been opened with profiling on) and
    /// returns the number of nodes each execution provider ran.
    pub fn end_profiling(&mut self) -> Result<Vec<(String, u64)>, String> {
        runtime::end_profiling(&mut self.session)
    }

    /// Whether the graph takes an input of this name.
    pub fn has_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|n| n == name)
    }

    /// Runs the graph; returns one output row per batch row and the session time.
    pub fn run(
        &mut self,
        feeds: Vec<(&str, Feed)>,
        rows: usize,
    ) -> Result<(Vec<Vec<f32>>, Duration), String> {
        let mut values: Vec<(String, ort::session::SessionInputValue<'static>)> = Vec::new();
        for (name, feed) in feeds {
            if !self.has_input(name) {
                continue;
            }
            let v: ort::session::SessionInputValue<'static> = match feed {
                Feed::I64(data, shape) => ort::value::Tensor::from_array((shape, data))
                    .map_err(|e| e.to_string())?
                    .into(),
                Feed::F32(data, shape) => ort::value::Tensor::from_array((shape, data))
                    .map_err(|e| e.to_string())?
                    .into(),
            };
            values.push((name.to_string(), v));
        }
        let t = Instant::now();
        let outputs = self.session.run(values).map_err(|e| e.to_string())?;
        let elapsed = t.elapsed();
        let value = outputs
            .get(&self.output)
            .ok_or_else(|| format!("output \"{}\" missing", self.output))?;
        let (shape, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| e.to_string())?;
        let width = self
            .width
            .or_else(|| shape.get(1).and_then(|&w| usize::try_from(w).ok()))
            .filter(|&w| w > 0);
        let Some(width) = width
            .filter(|&w| shape.len() == 2 && shape[0] as usize == rows && shape[1] as usize == w)
        else {
            return Err(format!(
                "output \"{}\" has shape {:?}; expected [{rows}, {}]",
                self.output,
                &shape[..],
                self.width
                    .map_or_else(|| "dim".to_string(), |w| w.to_string())
            ));
        };
        self.width = Some(width);
        if let Some(s) = &self.speech {
            let p = speech::extract(&outputs, s, rows)?;
            self.speech_rows.extend(p);
        }
        Ok((data.chunks(width).map(<[f32]>::to_vec).collect(), elapsed))
    }
}

/// Turns a model output row into probabilities in the suite's label order.
#[derive(Debug, Clone)]
pub struct Head {
    pub kind: OutputKind,
    /// For each suite label, its column in the model output.
    pub columns: Vec<usize>,
}

impl Head {
    /// Maps the model's labels onto the suite's by name; every suite label must be there.
    pub fn new(
        file: &Path,
        kind: OutputKind,
        model_labels: &[String],
        suite_labels: &[String],
    ) -> Result<Self, InferError> {
        let columns = suite_labels
            .iter()
            .map(|l| {
                model_labels
                    .iter()
                    .position(|m| m == l)
                    .ok_or_else(|| InferError::ModelInput {
                        file: file.display().to_string(),
                        msg: format!(
                            "labels: suite label \"{l}\" is not among the model's labels ({})",
                            model_labels.join(", ")
                        ),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Head { kind, columns })
    }

    pub fn apply(&self, row: &[f32]) -> Vec<f32> {
        let row: Vec<f32> = match self.kind {
            OutputKind::Probabilities => row.to_vec(),
            OutputKind::Logits => softmax(row),
        };
        self.columns.iter().map(|&c| row[c]).collect()
    }
}

/// Numerically stable softmax (computed in f64).
pub fn softmax(x: &[f32]) -> Vec<f32> {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = x.iter().map(|&v| f64::from(v - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| (v / s) as f32).collect()
}

/// A graph input: its name and element type.
pub type Input<'a> = (&'a str, Elem);

/// The inputs a text graph takes (required, optional), by spec name.
pub fn text_inputs(n: &IoNames) -> ([Input<'_>; 2], [Input<'_>; 1]) {
    (
        [
            (n.input_ids.as_str(), Elem::I64),
            (n.attention_mask.as_str(), Elem::I64),
        ],
        [(n.token_type_ids.as_str(), Elem::I64)],
    )
}

/// Opens the text part of a plan.
pub fn open_text(
    p: &TextPlan,
    labels: usize,
    opts: SessionOptions,
) -> Result<(TextEncoder, Graph), InferError> {
    let enc = TextEncoder::open(&p.tokenizer, p.max_tokens)?;
    let (req, opt) = text_inputs(&p.names);
    let graph = Graph::open(&p.onnx, opts, &req, &opt, p.names.output.as_deref(), labels)?;
    Ok((enc, graph))
}

/// Opens the audio part of a plan: the graph takes the samples or features and, optionally,
/// an `attention_mask`, fed when the plan asks for it or (by default) when the graph takes it.
pub fn open_audio(
    p: &AudioPlan,
    labels: usize,
    opts: SessionOptions,
) -> Result<(AudioFrontend, Graph), InferError> {
    let mask = p.names.attention_mask.as_str();
    let optional: &[Input<'_>] = match p.front.attention_mask {
        Some(false) => &[],
        _ => &[(mask, Elem::I64)],
    };
    let graph = Graph::open(
        &p.onnx,
        opts,
        &[(p.names.input_values.as_str(), Elem::F32)],
        optional,
        p.names.output.as_deref(),
        labels,
    )?;
    let takes_mask = graph.has_input(mask);
    if p.front.attention_mask == Some(true) && !takes_mask {
        return Err(InferError::ModelInput {
            file: p.onnx.display().to_string(),
            msg: format!("attention-mask = true but the graph has no input named \"{mask}\""),
        });
    }
    if let FeaturesPlan::WhisperLogMel(w) = p.front.features {
        if w.sampling_rate != p.sample_rate {
            return Err(InferError::ModelInput {
                file: p.onnx.display().to_string(),
                msg: format!(
                    "whisper-log-mel features are computed at {} Hz but the sample rate is {} Hz",
                    w.sampling_rate, p.sample_rate
                ),
            });
        }
    }
    Ok((
        AudioFrontend::new(p.sample_rate, &p.front, takes_mask),
        graph,
    ))
}
