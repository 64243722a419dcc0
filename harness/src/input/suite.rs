//! Suites, format version 1 (DESIGN.md): `suite.toml` as written ([`SuiteManifest`]) and the
//! checked, resolved [`Suite`] that the rest of tonebench works with.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tonebench_core::cohorts::KChoice;
use tonebench_core::LabelSet;

use crate::input::config::{parse_toml, ConfigError};
use crate::input::table::{RowRef, Table, TableError};

/// `suite.toml` as written. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// A calls suite: the table of time-aligned labels of its recordings.
    pub segments: Option<String>,
    /// Default windowing for `run` on this suite (`--window`/`--hop` override it).
    pub streaming: Option<StreamingManifest>,
    /// The suite or speaker table a model scored on this suite was trained on (relative to the
    /// suite folder): `run`, `score` and `suite check` warn about speakers it shares.
    pub training: Option<String>,
}

pub use super::segments::StreamingManifest;

/// `[columns]`: which item columns hold id, label, text, audio and speaker.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
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
    /// `"auto"` or an integer of at least 2.
    pub k: Option<KChoice>,
    pub seed: Option<u64>,
    pub min_speakers: Option<usize>,
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

use super::items::{Columns, IdIndex, Strings};
pub use super::items::{ItemRef, Items};

/// A checked suite: labels indexed, items validated, paths resolved.
#[derive(Debug, Clone)]
pub struct Suite {
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    pub items_path: PathBuf,
    /// The folder audio paths in the items are relative to (`audio-root`, or the suite folder).
    pub audio_root: PathBuf,
    pub name: String,
    pub description: String,
    pub labels: LabelSet,
    /// Column by column: [`Items::get`] gives an [`ItemRef`].
    pub items: Items,
    /// Every items column that is not id, label, text, audio or speaker.
    pub metadata_columns: Vec<String>,
    pub cohorts: Option<CohortSpec>,
    /// Ids of rows that `label-map` mapped to `"drop"`.
    pub dropped: Vec<String>,
    /// `label-map` as written (empty when the suite has none).
    pub label_map: std::collections::BTreeMap<String, String>,
    pub manifest_sha256: String,
    pub items_sha256: String,
    /// A calls suite's segments, checked against the items.
    pub segments: Option<super::segments::Segments>,
    /// `[streaming]` as written.
    pub streaming: Option<StreamingManifest>,
    /// `training`, resolved against the suite folder.
    pub training: Option<PathBuf>,
}

/// One thing wrong with a suite's items, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<RowRef>,
    pub id: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.at, &self.id) {
            (Some(at), Some(id)) => write!(f, "{at} (id {id:?}): {}", self.message),
            (Some(at), None) => write!(f, "{at}: {}", self.message),
            (None, Some(id)) => write!(f, "id {id:?}: {}", self.message),
            (None, None) => write!(f, "{}", self.message),
        }
    }
}

/// Problems listed on one line: the first few, then how many more.
pub fn list_problems(problems: &[Problem]) -> String {
    const SHOWN: usize = 5;
    let mut s = problems
        .iter()
        .take(SHOWN)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        s.push_str(&format!("; and {} more", problems.len() - SHOWN));
    }
    s
}

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(
        "suite {path}: no suite.toml here (a suite is a folder with suite.toml and an items table)"
    )]
    NoManifest { path: PathBuf },
    #[error("suite {path}: cannot read")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("suite {0}")]
    Manifest(ConfigError),
    #[error("suite {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("suite {0}")]
    Table(TableError),
    #[error("suite {file}: {n} problem{s}: {list}", n = problems.len(), s = if problems.len() == 1 { "" } else { "s" }, list = list_problems(problems))]
    Items {
        file: String,
        problems: Vec<Problem>,
    },
}

impl crate::error::HasKind for SuiteError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

// Not `#[from]`: the message already includes the inner error, which must not also be its
// `source` (the CLI prints the whole chain).
impl From<ConfigError> for SuiteError {
    fn from(e: ConfigError) -> Self {
        SuiteError::Manifest(e)
    }
}

// Not `#[from]`: the message already includes the inner error, which must not also be its
// `source` (the CLI prints the whole chain).
impl From<TableError> for SuiteError {
    fn from(e: TableError) -> Self {
        SuiteError::Table(e)
    }
}

/// The value a `label-map` entry maps to when the row should be left out.
pub const DROP: &str = "drop";

impl Suite {
    /// Loads and checks a suite from its folder (or its suite.toml).
    pub fn load(path: &Path) -> Result<Suite, SuiteError> {
        let manifest_path = if path.is_dir() {
            path.join("suite.toml")
        } else {
            path.to_owned()
        };
        if !manifest_path.is_file() {
            return Err(SuiteError::NoManifest {
                path: path.to_owned(),
            });
        }
        let dir = manifest_path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("."));
        let text =
            crate::open::read_to_string(&manifest_path).map_err(|source| SuiteError::Io {
                path: manifest_path.clone(),
                source,
            })?;
        let manifest: SuiteManifest = parse_toml(&manifest_path, &text)?;
        let invalid = |message: String| SuiteError::Invalid {
            path: manifest_path.clone(),
            message,
        };
        if manifest.format_version != 1 {
            return Err(invalid(format!(
                "format-version {} is not supported (this tonebench reads version 1)",
                manifest.format_version
            )));
        }
        let name = manifest.name.trim();
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains(['/', '\\'])
            || name.chars().any(char::is_control)
        {
            return Err(invalid(format!(
                "name {:?}: a suite name names folders (reports/, baselines/), so it must be non-empty and hold no path separators or control characters",
                manifest.name
            )));
        }
        let labels =
            LabelSet::new(manifest.labels.clone()).map_err(|e| invalid(format!("labels: {e}")))?;
        let label_map = manifest.label_map.clone().unwrap_or_default();
        if manifest.label_map.is_some() && labels.index(DROP).is_some() {
            return Err(invalid(format!(
                "labels: a label named {DROP:?} collides with the label-map keyword {DROP:?} (which leaves a row out); rename the label"
            )));
        }
        for (from, to) in &label_map {
            if to != DROP && labels.index(to).is_none() {
                return Err(invalid(format!(
                    "label-map: {from:?} maps to {to:?}, which is not one of {} (or \"drop\")",
                    labels.listing()
                )));
            }
        }
        let cohorts = manifest
            .cohorts
            .as_ref()
            .map(|c| check_cohorts(c, &dir))
            .transpose()
            .map_err(invalid)?;

        let segments = manifest
            .segments
            .as_ref()
            .map(|f| super::segments::Segments::read(&dir.join(f), &labels, &label_map))
            .transpose()?;
        let items_path = dir.join(&manifest.items);
        let mut table = Table::read(&items_path)?;
        let file = table.file_name();
        let cols = &manifest.columns;
        let defaults = ColumnsManifest::default();
        for (key, name) in [("id", &cols.id), ("label", &cols.label)] {
            // In a calls suite an item's label is optional: its segments give the truth.
            let optional = key == "label" && segments.is_some();
            if !table.has_column(name) && !optional {
                return Err(invalid(format!(
                    "{file} has no {key} column {name:?} (columns: {}); rename it with [columns] {key} = \"...\"",
                    tonebench_core::text::listing(table.columns())
                )));
            }
        }
        // An optional column renamed in [columns] must exist; a default name may be absent.
        let optional = |key: &str, name: &String, default: &String| -> Result<bool, SuiteError> {
            if table.has_column(name) {
                Ok(true)
            } else if name != default {
                Err(invalid(format!(
                    "[columns] {key} = {name:?} but {file} has no such column (columns: {})",
                    tonebench_core::text::listing(table.columns())
                )))
            } else {
                Ok(false)
            }
        };
        let has_text = optional("text", &cols.text, &defaults.text)?;
        let has_audio = optional("audio", &cols.audio, &defaults.audio)?;
        let has_speaker = optional("speaker", &cols.speaker, &defaults.speaker)?;
        let roles = [
            &cols.id,
            &cols.label,
            &cols.text,
            &cols.audio,
            &cols.speaker,
        ];
        let metadata_columns: Vec<String> = table
            .columns()
            .iter()
            .filter(|c| !roles.contains(c))
            .cloned()
            .collect();
        if let Some(spec) = &cohorts {
            let known = |c: &String| metadata_columns.contains(c) || c == &cols.speaker;
            for c in spec
                .metadata
                .iter()
                .chain(spec.intersections.iter().flatten())
            {
                if !known(c) {
                    return Err(invalid(format!(
                        "[cohorts] names column {c:?}, which {file} does not have (metadata columns: {})",
                        tonebench_core::text::listing(&metadata_columns)
                    )));
                }
            }
        }

        let audio_root = match &manifest.audio_root {
            Some(r) => dir.join(r),
            None => dir.clone(),
        };
        // Every column into one arena each (issue 15), then the polars frame is freed.
        let column = |name: &str, resolve: Option<&Path>| -> Result<Strings, SuiteError> {
            let too_long = || {
                invalid(format!(
                    "{file}: column {name:?} holds more than 4 GiB of text"
                ))
            };
            let cells = table.text(name)?;
            let bytes = cells.iter().map(|c| c.map_or(0, str::len)).sum();
            let mut out = Strings::with_capacity(cells.len(), bytes);
            for cell in cells.iter() {
                let resolved = match (resolve, cell.filter(|c| !c.is_empty())) {
                    (Some(root), Some(c)) => {
                        Some(root.join(c).into_os_string().into_string().map_err(|p| {
                            invalid(format!(
                                "audio-root: {} is not UTF-8",
                                Path::new(&p).display()
                            ))
                        })?)
                    }
                    _ => None,
                };
                out.push(resolved.as_deref().or(cell))
                    .map_err(|_| too_long())?;
            }
            Ok(out)
        };
        let ids = column(&cols.id, None)?;
        let raw_labels = table
            .has_column(&cols.label)
            .then(|| column(&cols.label, None))
            .transpose()?;
        let texts = has_text.then(|| column(&cols.text, None)).transpose()?;
        let audios = has_audio
            .then(|| column(&cols.audio, Some(&audio_root)))
            .transpose()?;
        let speakers = has_speaker
            .then(|| column(&cols.speaker, None))
            .transpose()?;
        let meta: Vec<Strings> = metadata_columns
            .iter()
            .map(|c| column(c, None))
            .collect::<Result<_, _>>()?;
        table.release_data();
        // The first row of every id.
        let (index, first_of) = IdIndex::build(&ids);

        let mut problems = Vec::new();
        let (mut kept, mut item_labels) = (Vec::new(), Vec::with_capacity(ids.len()));
        let mut dropped = Vec::new();
        for (row, &first) in first_of.iter().enumerate() {
            let at = table.origin(row);
            let problem = |id: Option<&str>, message: String| Problem {
                at: Some(at),
                id: id.map(str::to_owned),
                message,
            };
            let Some(id) = ids.opt(row) else {
                problems.push(problem(None, format!("empty {} column", cols.id)));
                continue;
            };
            if first as usize != row {
                let first = table.origin(first as usize);
                problems.push(problem(
                    Some(id),
                    format!("duplicate id (first at {first})"),
                ));
                continue;
            }
            let from_segments = || {
                let segs: Vec<_> = segments
                    .as_ref()?
                    .of(id)
                    .iter()
                    .map(|s| s.segment())
                    .collect();
                tonebench_core::streaming::truth::call_truth(&segs, labels.len())
            };
            let raw = match raw_labels.as_ref().and_then(|l| l.opt(row)) {
                Some(raw) => raw,
                None => match from_segments() {
                    Some(label) => labels.name(label),
                    None => {
                        let why = if segments.is_some() {
                            " and no segments"
                        } else {
                            ""
                        };
                        problems.push(problem(
                            Some(id),
                            format!("empty {} column{why}", cols.label),
                        ));
                        continue;
                    }
                },
            };
            let mapped = label_map.get(raw).map(String::as_str).unwrap_or(raw);
            if mapped == DROP && label_map.contains_key(raw) {
                dropped.push(id.to_owned());
                continue;
            }
            let Some(label) = labels.index(mapped) else {
                let hint = if label_map.is_empty() {
                    String::new()
                } else {
                    " and label-map does not map it".to_string()
                };
                problems.push(problem(
                    Some(id),
                    format!("label {raw:?} is not one of {}{hint}", labels.listing()),
                ));
                continue;
            };
            kept.push(row as u32);
            // At most limits::LABELS labels.
            item_labels.push(label as u16);
        }
        if !problems.is_empty() {
            return Err(SuiteError::Items { file, problems });
        }
        let rows = ids.len();
        let items = if kept.len() == rows {
            let columns = Columns {
                ids,
                labels: item_labels,
                text: texts,
                audio: audios,
                speaker: speakers,
                meta,
                origins: table.origins().select(&kept),
            };
            Items::new(columns, Some(index))
        } else {
            let pick = |c: Option<Strings>| c.map(|c| c.select(&kept));
            let columns = Columns {
                ids: ids.select(&kept),
                labels: item_labels,
                text: pick(texts),
                audio: pick(audios),
                speaker: pick(speakers),
                meta: meta.iter().map(|c| c.select(&kept)).collect(),
                origins: table.origins().select(&kept),
            };
            Items::new(columns, None)
        };
        drop(kept);
        if let Some(segs) = &segments {
            let dropped_ids: std::collections::HashSet<&str> =
                dropped.iter().map(String::as_str).collect();
            segs.check_ids(&|id| items.position(id).is_some() || dropped_ids.contains(id))?;
        }
        if let Some(s) = &manifest.streaming {
            s.spec(None)
                .map_err(|e| invalid(format!("[streaming] {e}")))?;
        }
        if items.is_empty() {
            return Err(invalid(format!(
                "{file} has no items to score ({rows} rows, {} dropped by label-map)",
                dropped.len()
            )));
        }
        let training = manifest.training.as_ref().map(|t| dir.join(t));
        Ok(Suite {
            manifest_sha256: crate::digest::sha256_hex(text.as_bytes()),
            items_sha256: table.sha256().to_owned(),
            dir,
            manifest_path,
            audio_root,
            items_path,
            name: manifest.name,
            description: manifest.description,
            labels,
            items,
            metadata_columns,
            cohorts,
            dropped,
            label_map,
            segments,
            streaming: manifest.streaming,
            training,
        })
    }

    /// Distinct speakers, when the suite has speakers.
    pub fn speaker_count(&self) -> Option<u64> {
        let mut s: Vec<&str> = self.items.iter().filter_map(|i| i.speaker()).collect();
        if s.is_empty() {
            return None;
        }
        s.sort_unstable();
        s.dedup();
        Some(s.len() as u64)
    }

    /// The speaker of every item, in item order (the form cohort analysis takes).
    pub fn speakers(&self) -> Vec<Option<String>> {
        self.items
            .iter()
            .map(|i| i.speaker().map(str::to_owned))
            .collect()
    }

    /// The true label index of every item, in item order.
    pub fn truth(&self) -> Vec<usize> {
        self.items.iter().map(|i| i.label()).collect()
    }
}

fn check_cohorts(c: &CohortsManifest, dir: &Path) -> Result<CohortSpec, String> {
    let k = c.k.unwrap_or(KChoice::Auto);
    // A partition is named after its columns: the same name twice would be two partitions
    // with one gate path, tested twice in Benjamini–Hochberg.
    let twice = |names: &[String], what: &str| -> Result<(), String> {
        match names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
        {
            Some((_, n)) => Err(format!("[cohorts] {what} names column {n:?} twice")),
            None => Ok(()),
        }
    };
    twice(&c.metadata, "metadata")?;
    for x in &c.intersections {
        twice(x, "an intersection")?;
    }
    let joined: Vec<String> = c.intersections.iter().map(|x| x.join("×")).collect();
    twice(&joined, "intersections")?;
    Ok(CohortSpec {
        metadata: c.metadata.clone(),
        intersections: c.intersections.clone(),
        embeddings: c.embeddings.as_ref().map(|p| dir.join(p)),
        embedding_model: c.embedding_model.as_ref().map(|p| dir.join(p)),
        k,
        seed: c.seed.unwrap_or(7),
        min_speakers: c.min_speakers.unwrap_or(5),
    })
}
