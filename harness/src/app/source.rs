//! What a report records about an ONNX model — its spec's and files' digests, its modality, the
//! runtime that ran it — built the same way by `run` and `profile`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::report::{Modality, Source};

use super::AppError;
use crate::infer;

/// The digests of a model's spec and of every file it names.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub spec_sha256: String,
    /// File path → sha256, in the order the model lists them.
    pub files: IndexMap<String, String>,
}

impl ModelFiles {
    pub fn read(spec: &Path, files: &[PathBuf]) -> Result<ModelFiles, AppError> {
        let digest = |p: &Path| {
            crate::digest::sha256_file(p).map_err(|source| AppError::Read {
                path: p.to_owned(),
                source,
            })
        };
        let mut hashes = IndexMap::new();
        for f in files {
            hashes.insert(f.display().to_string(), digest(f)?);
        }
        Ok(ModelFiles {
            spec_sha256: digest(spec)?,
            files: hashes,
        })
    }

    /// What must not change between an interrupted run and its `--resume`.
    pub fn identity(&self, batch: usize) -> String {
        format!(
            "{}|batch={batch}|{}",
            self.spec_sha256,
            self.files.values().cloned().collect::<Vec<_>>().join(",")
        )
    }
}

/// The report's modality of a model pipeline.
pub fn modality(pipeline: &str) -> Modality {
    match pipeline {
        "text" => Modality::Text,
        "audio" => Modality::Audio,
        _ => Modality::Hybrid,
    }
}

/// The source of an ONNX model run.
pub fn onnx_source(
    spec: &Path,
    files: &ModelFiles,
    provider: String,
    batch: usize,
    threads: usize,
) -> Source {
    Source {
        kind: "onnx".into(),
        path: spec.display().to_string(),
        sha256: files.spec_sha256.clone(),
        files: files.files.clone(),
        ort_version: infer::ort_version().ok(),
        provider: Some(provider),
        batch_size: Some(batch),
        threads: Some(threads),
    }
}
