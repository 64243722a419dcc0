//! Suites, format version 1 (DESIGN.md): `suite.toml` as written ([`SuiteManifest`]) and the
//! checked, resolved [`Suite`] that the rest of tonebench works with.

use std::path::PathBuf;

use serde::Deserialize;
use tonebench_core::LabelSet;

/// `suite.toml` as written. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SuiteManifest {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub labels: Vec<String>,
    pub items: String,
    pub audio_root: Option<String>,
    #[serde(default)]
    pub columns: ColumnsManifest,
    #[serde(default)]
    pub label_map: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub cohorts: Option<CohortsManifest>,
}

/// `[columns]`: which item columns hold id, label, text, audio and speaker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ColumnsManifest {
    pub id: String,
    pub label: String,
    pub text: String,
    pub audio: String,
    pub speaker: String,
}

impl Default for ColumnsManifest {
    fn default() -> Self {
        ColumnsManifest {
            id: "id".into(),
            label: "label".into(),
            text: "text".into(),
            audio: "audio".into(),
            speaker: "speaker".into(),
        }
    }
}

/// `[cohorts]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CohortsManifest {
    /// Metadata columns that define given cohorts.
    #[serde(default)]
    pub metadata: Vec<String>,
    /// Intersections of metadata columns, e.g. `[["sex", "age_band"]]`.
    #[serde(default)]
    pub intersections: Vec<Vec<String>>,
    /// A table with `speaker` (or `id`) and `e0..eN` columns, relative to the suite folder.
    pub embeddings: Option<String>,
    /// A speaker-embedding model spec (model spec v1), relative to the suite folder.
    pub embedding_model: Option<String>,
    /// `"auto"` or an integer.
    pub k: Option<toml::Value>,
    pub seed: Option<u64>,
    pub min_speakers: Option<usize>,
}

/// The number of embedding clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Chosen by silhouette over a documented range.
    Auto,
    Fixed(usize),
}

/// `[cohorts]`, checked.
#[derive(Debug, Clone)]
pub struct CohortSpec {
    pub metadata: Vec<String>,
    pub intersections: Vec<Vec<String>>,
    pub embeddings: Option<PathBuf>,
    pub embedding_model: Option<PathBuf>,
    pub k: KChoice,
    pub seed: u64,
    pub min_speakers: usize,
}

/// One labeled item of a suite.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    /// Index into the suite's label set.
    pub label: usize,
    pub text: Option<String>,
    /// Resolved against `audio-root` (or the suite folder).
    pub audio: Option<PathBuf>,
    pub speaker: Option<String>,
    /// Values of [`Suite::metadata_columns`], in that order.
    pub meta: Vec<Option<String>>,
    /// Where the item was written: a line for CSV/TSV/JSONL, a row for Parquet.
    pub origin: crate::table::RowRef,
}

/// A checked suite: labels indexed, items validated, paths resolved.
#[derive(Debug, Clone)]
pub struct Suite {
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    pub items_path: PathBuf,
    pub name: String,
    pub description: String,
    pub labels: LabelSet,
    pub items: Vec<Item>,
    /// Every items column that is not id, label, text, audio or speaker.
    pub metadata_columns: Vec<String>,
    pub cohorts: Option<CohortSpec>,
    /// Ids of rows that `label-map` mapped to `"drop"`.
    pub dropped: Vec<String>,
    pub manifest_sha256: String,
    pub items_sha256: String,
}
