//! Silero VAD (MIT, from the PyPI package `silero-vad`; `scripts/setup-vad.sh` puts its ONNX
//! graph in `.vad/`): per-chunk speech probabilities of a call, fed to the graph exactly as the
//! package's own `OnnxWrapper` feeds it (docs/vad.md).
//!
//! At 16 kHz a chunk is 512 new samples, preceded by the last 64 samples of the previous input
//! (zeros at the start of a call), so the graph's `input` is `[1, 576]`; `state` (`[2, 1, 128]`,
//! zeros at the start) is carried from each call's `stateN` to the next, and `sr` is the
//! scalar 16000. The last partial chunk is zero-padded. The wrapper's sessions use one intra-op
//! and one inter-op thread.

use std::path::{Path, PathBuf};

use super::runtime::{self, SessionOptions};
use super::{Device, InferError};

/// The rate Silero VAD runs at here.
pub const RATE: u32 = 16000;
/// New samples per chunk at 16 kHz.
pub const CHUNK: usize = 512;
/// Samples of the previous input prepended to each chunk at 16 kHz.
pub const CONTEXT: usize = 64;
/// A chunk is speech when its probability is at least this (the package's default).
pub const THRESHOLD: f32 = 0.5;
/// Where `scripts/setup-vad.sh` puts the graph, under the repository root.
pub const PROJECT_PATH: &str = ".vad/silero_vad.onnx";

/// The Silero graph: `TONEBENCH_VAD` when set, else `.vad/silero_vad.onnx` in the repository.
pub fn locate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TONEBENCH_VAD").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    runtime::repo_roots()
        .into_iter()
        .map(|r| r.join(PROJECT_PATH))
        .find(|p| p.is_file())
}

/// A loaded Silero VAD session.
pub struct Vad {
    pub file: PathBuf,
    session: ort::session::Session,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad").field("file", &self.file).finish()
    }
}

impl Vad {
    pub fn open(path: &Path) -> Result<Vad, InferError> {
        let session = runtime::session(
            path,
            SessionOptions {
                threads: 1,
                device: Device::Cpu,
                profile: false,
            },
        )?;
        let names: Vec<String> = session
            .inputs()
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        for want in ["input", "state", "sr"] {
            if !names.iter().any(|n| n == want) {
                return Err(InferError::Model {
                    file: path.display().to_string(),
                    msg: format!(
                        "not a Silero VAD v5 graph: no input \"{want}\" (inputs: {})",
                        names.join(", ")
                    ),
                });
            }
        }
        Ok(Vad {
            file: path.to_owned(),
            session,
        })
    }

    /// Speech probability of every 512-sample chunk of `samples` (mono, 16 kHz), with the
    /// state reset at the start.
    pub fn probabilities(&mut self, samples: &[f32]) -> Result<Vec<f32>, InferError> {
        let fail = |e: String| InferError::Model {
            file: self.file.display().to_string(),
            msg: format!("voice activity detection failed: {e}"),
        };
        let mut state = vec![0f32; 2 * 128];
        let mut input = vec![0f32; CONTEXT + CHUNK];
        let mut out = Vec::with_capacity(samples.len().div_ceil(CHUNK));
        for chunk in samples.chunks(CHUNK) {
            // The context: the last 64 samples of the previous input.
            input.copy_within(CHUNK.., 0);
            input[CONTEXT..CONTEXT + chunk.len()].copy_from_slice(chunk);
            input[CONTEXT + chunk.len()..]
                .iter_mut()
                .for_each(|x| *x = 0.0);
            let x = ort::value::Tensor::from_array((
                vec![1i64, (CONTEXT + CHUNK) as i64],
                input.clone(),
            ))
            .map_err(|e| fail(e.to_string()))?;
            let s = ort::value::Tensor::from_array((vec![2i64, 1, 128], state.clone()))
                .map_err(|e| fail(e.to_string()))?;
            let sr = ort::value::Tensor::from_array((Vec::<i64>::new(), vec![i64::from(RATE)]))
                .map_err(|e| fail(e.to_string()))?;
            let outputs = self
                .session
                .run(ort::inputs!["input" => x, "state" => s, "sr" => sr])
                .map_err(|e| fail(e.to_string()))?;
            let (_, p) = outputs["output"]
                .try_extract_tensor::<f32>()
                .map_err(|e| fail(e.to_string()))?;
            out.push(p.first().copied().unwrap_or(0.0));
            let (_, next) = outputs["stateN"]
                .try_extract_tensor::<f32>()
                .map_err(|e| fail(e.to_string()))?;
            if next.len() != state.len() {
                return Err(fail(format!(
                    "state output has {} values, expected 256",
                    next.len()
                )));
            }
            state.copy_from_slice(next);
        }
        Ok(out)
    }
}
