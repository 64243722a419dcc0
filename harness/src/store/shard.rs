//! The shard manifest (`shard.json`) that `run --shard I/N` leaves in its run folder, and the
//! record (`shards.json`) that `merge` leaves in the folder it writes: what must agree for
//! shards to be merged, where each one ran, and its latency per host class.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};

/// The manifest of one shard's run folder.
pub const SHARD_JSON: &str = "shard.json";
/// What `merge` records of the shards it merged.
pub const SHARDS_JSON: &str = "shards.json";

/// One shard's run, as its manifest records it. Everything but `shard.index`, `host`, `items`
/// and `complete` must be the same in every shard of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub format_version: u32,
    pub tonebench_version: String,
    pub shard: ShardPlace,
    pub suite: ShardSuite,
    pub models: Vec<ShardModel>,
    /// The run's settings as `run` took them (app::shard::RunSettings).
    pub settings: serde_json::Value,
    pub ort: ShardRuntime,
    pub host: Host,
    /// Suite items in this shard.
    pub items: usize,
    /// Written when the shard's run finished; an interrupted shard is not merged.
    pub complete: bool,
}

/// Which piece of the run a shard is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPlace {
    pub index: usize,
    pub count: usize,
    /// `speaker` or `item`: what the stable hash split.
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSuite {
    pub name: String,
    pub path: PathBuf,
    pub manifest_sha256: String,
    pub items_sha256: String,
    /// Items of the whole suite.
    pub items: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardModel {
    pub name: String,
    pub spec: String,
    pub sha256: String,
    pub files: IndexMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRuntime {
    pub version: Option<String>,
    pub provider: String,
}

/// The machine a shard ran on; its `class` groups latency figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: String,
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    /// CPU model × cores × execution provider: latency is compared within a class only.
    pub class: String,
}

/// What `merge` writes beside the merged run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub format_version: u32,
    pub shards: Vec<MergedShard>,
    /// Per model and host class; never averaged across classes.
    pub latency: Vec<HostLatency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedShard {
    pub index: usize,
    pub dir: PathBuf,
    pub items: usize,
    pub host: Host,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostLatency {
    pub model: String,
    pub host_class: String,
    pub shards: Vec<usize>,
    pub items: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
}

/// A shard manifest that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ShardFileError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a shard manifest: {message}")]
    Parse { path: PathBuf, message: String },
}

impl HasKind for ShardFileError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Whether a folder holds a shard manifest.
pub fn is_shard(dir: &Path) -> bool {
    dir.join(SHARD_JSON).is_file()
}

/// The manifest of a shard's run folder; `None` when it has none.
pub fn read_manifest(dir: &Path) -> Result<Option<ShardManifest>, ShardFileError> {
    let path = dir.join(SHARD_JSON);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = crate::open::read(&path).map_err(|source| ShardFileError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ShardFileError::Parse {
            path,
            message: e.to_string(),
        })
}

/// Writes a shard's manifest into its run folder.
pub fn write_manifest(dir: &Path, manifest: &ShardManifest) -> Result<(), super::StoreError> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("manifests always serialize");
    bytes.push(b'\n');
    super::write_atomic(&dir.join(SHARD_JSON), &bytes)
}

/// Writes the record of a merge into the merged run folder.
pub fn write_record(dir: &Path, record: &MergeRecord) -> Result<(), super::StoreError> {
    let mut bytes = serde_json::to_vec_pretty(record).expect("records always serialize");
    bytes.push(b'\n');
    super::write_atomic(&dir.join(SHARDS_JSON), &bytes)
}
