//! [`Embedder`]: a speaker-embedding graph, one vector per clip, for embedding cohorts.

use std::path::{Path, PathBuf};

use super::model::{audio_feed, item};
use super::parts::{self, AudioFrontend, Graph};
use super::runtime::SessionOptions;
use super::spec::{self, IoNames};
use super::{InferError, Options};

/// A speaker-embedding model ([`spec::EmbeddingPlan`]): decode/resample → graph → one vector
/// per clip, run one clip per session call (the reference contract of the audio models).
pub struct Embedder {
    pub name: String,
    /// The spec file.
    pub file: PathBuf,
    /// The graph file.
    pub onnx: PathBuf,
    front: AudioFrontend,
    graph: Graph,
    names: IoNames,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("graph", &self.graph)
            .finish()
    }
}

impl Embedder {
    /// Loads an embedding spec (`[embedding]` section) and opens its graph, checking that it
    /// takes one float32 waveform input and has a `[batch, dim]` float32 output.
    pub fn load(path: &Path, options: Options) -> Result<Self, InferError> {
        Self::from_plan(spec::load_embedding(path)?, options)
    }

    pub fn from_plan(plan: spec::EmbeddingPlan, options: Options) -> Result<Self, InferError> {
        let so = SessionOptions {
            threads: options.threads,
            device: options.device,
            profile: false,
        };
        let graph = Graph::open_width(
            &plan.onnx,
            so,
            &[(plan.names.input_values.as_str(), parts::Elem::F32)],
            &[],
            plan.names.output.as_deref(),
            None,
        )?;
        Ok(Embedder {
            name: plan.name,
            file: plan.file,
            onnx: plan.onnx,
            front: AudioFrontend::raw(plan.sample_rate),
            graph,
            names: plan.names,
        })
    }

    /// The embedding of one audio file. Errors concern this file only
    /// ([`InferError::Item`] for unreadable audio, [`InferError::ItemRun`] when the graph
    /// fails on it); the item id in them is the file's path.
    pub fn embed(&mut self, audio: &Path) -> Result<Vec<f32>, InferError> {
        let id = audio.display().to_string();
        let loaded = self.front.load(audio).map_err(|e| item(&id, e))?;
        self.embed_samples(audio, loaded.waveform.samples)
    }

    /// The rate the graph takes its waveform at.
    pub fn sample_rate(&self) -> u32 {
        self.front.sample_rate
    }

    /// The embedding of `audio`'s samples, decoded and resampled to [`Embedder::sample_rate`]
    /// already (by the model run that decoded the clip: `app::embeddings::Ahead`).
    pub fn embed_samples(
        &mut self,
        audio: &Path,
        samples: Vec<f32>,
    ) -> Result<Vec<f32>, InferError> {
        let id = audio.display().to_string();
        let feeds = vec![audio_feed(&self.names, samples)];
        let (rows, _) = self.graph.run(feeds, 1).map_err(|e| InferError::ItemRun {
            id: id.clone(),
            msg: format!("{}: inference failed: {e}", self.graph.file.display()),
        })?;
        rows.into_iter().next().ok_or_else(|| InferError::ItemRun {
            id,
            msg: format!("{}: no output row", self.graph.file.display()),
        })
    }
}
