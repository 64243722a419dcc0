//! Running ONNX models: model spec v1, ONNX Runtime sessions, and predictions in suite label order.
//!
//! All use of the `ort` crate lives in this module (its API moves between release candidates).
//! A model is composed of small parts — [`parts::TextEncoder`] (tokenize), [`parts::AudioFrontend`]
//! (decode + resample), [`parts::Graph`] (one ONNX session, inputs checked at load) and
//! [`parts::Head`] (softmax, label mapping) — arranged by one `match` on the spec's kind into the
//! closed enum [`Model`]. Batch size 1 is the default because it is the only size that reproduces
//! the reference outputs of dynamically quantized models; [`batch_sensitivity`] measures what a
//! larger batch changes.

pub mod embedder;
pub mod export;
pub mod frontend;
pub mod gpu;
pub mod model;
pub mod parts;
pub mod runtime;
pub mod sensitivity;
pub mod spec;
pub mod vad;

use std::path::Path;
use std::time::Duration;

use thiserror::Error;

use crate::error::{ErrorKind, HasKind};

pub use embedder::Embedder;
pub use model::{Model, ProviderUse, WindowOutputs};
pub use runtime::{doctor, ort_version, DoctorInfo, EXPECTED_ORT_VERSION};
pub use sensitivity::{batch_sensitivity, Sensitivity};
pub use spec::{EmbeddingPlan, Features, ModelSpec, OutputKind, Plan};

/// Failures of the inference layer. [`InferError::Item`] concerns one input only; the others
/// concern the whole model.
#[derive(Debug, Error)]
pub enum InferError {
    /// The ONNX Runtime library is missing or broken, or a provider failed (exit 3).
    #[error("onnx runtime: {0}")]
    Runtime(String),
    /// The model spec file is invalid (exit 2).
    #[error("model {file}: {msg}")]
    Spec { file: String, msg: String },
    /// The model spec file is not valid TOML or has an unknown or mistyped key (exit 2).
    #[error("model {file} line {line} column {column}: {msg}")]
    SpecAt {
        file: String,
        line: usize,
        column: usize,
        msg: String,
    },
    /// A file the spec names is missing, or its tokenizer or labels do not fit the spec or the
    /// suite (exit 2).
    #[error("model {file}: {msg}")]
    ModelInput { file: String, msg: String },
    /// A graph ONNX Runtime cannot load or run, or whose inputs and outputs do not fit the spec
    /// (exit 3).
    #[error("model {file}: {msg}")]
    Model { file: String, msg: String },
    /// One input could not be read (missing or bad audio, no text); the others can go on
    /// (`--keep-going`). Exit 2.
    #[error("item {}: {msg}", tonebench_core::text::plain_or_quoted(.id))]
    Item { id: String, msg: String },
    /// ONNX Runtime failed on one input (e.g. a clip too short for the graph); the others can
    /// go on (`--keep-going`). Exit 3.
    #[error("item {}: {msg}", tonebench_core::text::plain_or_quoted(.id))]
    ItemRun { id: String, msg: String },
}

impl HasKind for InferError {
    fn kind(&self) -> ErrorKind {
        match self {
            InferError::Spec { .. }
            | InferError::SpecAt { .. }
            | InferError::ModelInput { .. }
            | InferError::Item { .. } => ErrorKind::Input,
            InferError::Runtime(_) | InferError::Model { .. } | InferError::ItemRun { .. } => {
                ErrorKind::Model
            }
        }
    }
}

impl InferError {
    /// Whether the error concerns one item only (the run may skip it with `--keep-going`).
    pub fn is_item(&self) -> bool {
        matches!(self, InferError::Item { .. } | InferError::ItemRun { .. })
    }
}

/// Where a session runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    #[default]
    Cpu,
    Cuda,
    /// TensorRT, with CUDA for the nodes TensorRT does not take.
    Tensorrt,
}

impl Device {
    /// The ONNX Runtime name of the device's main execution provider.
    pub fn provider(self) -> &'static str {
        match self {
            Device::Cpu => "CPUExecutionProvider",
            Device::Cuda => "CUDAExecutionProvider",
            Device::Tensorrt => "TensorrtExecutionProvider",
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
            Device::Tensorrt => "tensorrt",
        })
    }
}

/// How a model is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Intra-op threads; 0 = ONNX Runtime's default.
    pub threads: usize,
    /// Text batch size (dynamic padding). Audio always runs one clip per call: zero padding
    /// changes audio model outputs.
    pub batch: usize,
    pub device: Device,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: 0,
            batch: 1,
            device: Device::Cpu,
        }
    }
}

/// One item to predict.
#[derive(Debug, Clone, Copy)]
pub struct InferInput<'a> {
    pub id: &'a str,
    pub text: Option<&'a str>,
    pub audio: Option<&'a Path>,
}

impl<'a> From<&'a crate::input::suite::Item> for InferInput<'a> {
    fn from(item: &'a crate::input::suite::Item) -> Self {
        InferInput {
            id: &item.id,
            text: item.text.as_deref(),
            audio: item.audio.as_deref(),
        }
    }
}

/// Wall time of each stage for one item. Stages run once per batch are divided evenly among
/// the batch's items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub decode: Duration,
    pub resample: Duration,
    /// Feature extraction after resampling (normalization, log-mel); zero for raw samples.
    pub features: Duration,
    pub tokenize: Duration,
    pub inference: Duration,
    pub post: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.decode + self.resample + self.features + self.tokenize + self.inference + self.post
    }
}

/// One item's prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Probabilities in the suite's label order.
    pub probs: Vec<f32>,
    pub timings: Timings,
    /// Seconds of source audio, for real-time factors.
    pub audio_s: Option<f64>,
    /// Number of items in the session call that produced this prediction.
    pub batch: usize,
}

impl Prediction {
    /// Index of the largest probability (the first one on ties).
    pub fn argmax(&self) -> usize {
        argmax(&self.probs)
    }
}

/// Index of the largest value (the first one on ties; 0 for an empty slice).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
