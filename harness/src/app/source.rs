//! What a report records about an ONNX model — its spec's and files' digests, its modality, the
//! runtime that ran it — built the same way by `run` and `profile`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::report::{FrontEnd, Modality, Source, Warning, WarningCode};

use super::AppError;
use crate::infer;
use crate::runs::ModelRun;

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
        // An export folder has no spec file: its digest is that of the files that define it.
        let spec_sha256 = if spec.is_dir() {
            crate::digest::sha256_files(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>())
                .map_err(|source| AppError::Read {
                    path: spec.to_owned(),
                    source,
                })?
        } else {
            digest(spec)?
        };
        Ok(ModelFiles {
            spec_sha256,
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

/// An ONNX model as a run records it: who it is, what it was run with.
#[derive(Debug, Clone)]
pub struct OnnxModel<'a> {
    pub name: &'a str,
    /// The model spec file.
    pub spec: &'a Path,
    /// `text`, `audio`, `hybrid` or `late-fusion`, as `infer::Model::modality` says.
    pub pipeline: &'a str,
    pub files: &'a ModelFiles,
    /// The execution provider that ran it.
    pub provider: String,
    pub batch: usize,
    pub threads: usize,
    /// The audio front end when it is not the v1 default ([`infer::Model::front_end`]).
    pub front_end: Option<FrontEnd>,
    /// What loading the model found questionable ([`infer::Model::warnings`]): reported as
    /// `front_end_mismatch` warnings before the run's own.
    pub load_warnings: &'a [String],
}

impl OnnxModel<'_> {
    /// The model's run: its predictions over the suite with its source. `run` and `profile`
    /// both build their `ModelRun` here.
    pub fn run(
        self,
        pred: Vec<Option<usize>>,
        probs: Option<Vec<f64>>,
        latency_ms: Option<Vec<Option<f64>>>,
        run_warnings: Vec<Warning>,
    ) -> ModelRun {
        let mut warnings: Vec<Warning> = self
            .load_warnings
            .iter()
            .map(|m| Warning {
                code: WarningCode::FrontEndMismatch,
                metric: None,
                message: m.clone(),
            })
            .collect();
        warnings.extend(run_warnings);
        ModelRun {
            name: self.name.to_string(),
            modality: modality(self.pipeline),
            source: Source {
                kind: "onnx".into(),
                path: self.spec.display().to_string(),
                sha256: self.files.spec_sha256.clone(),
                files: self.files.files.clone(),
                ort_version: infer::ort_version().ok(),
                provider: Some(self.provider),
                batch_size: Some(self.batch),
                threads: Some(self.threads),
                front_end: self.front_end,
            },
            pred,
            probs,
            latency_ms,
            warnings,
            streaming: None,
        }
    }
}

/// The report's modality of a model pipeline.
fn modality(pipeline: &str) -> Modality {
    match pipeline {
        "text" => Modality::Text,
        "audio" => Modality::Audio,
        _ => Modality::Hybrid,
    }
}
