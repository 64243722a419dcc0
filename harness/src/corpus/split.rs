//! `tonebench suite split`: group-disjoint parts of a suite, each written as a suite folder of
//! its own (the same suite.toml with its paths made to point back at the original files, and
//! the part's rows of the items table). The assignment is `tonebench_core::split`'s.
//!
//! - `--folds K`: `fold-1 … fold-K`, each with `test/` (its groups) and `train/` (the others);
//! - `--test-fraction F`: `train/` and `test/`, the test part holding about F of every label;
//! - neither: the corpus's own split — the values of `--by split` (MSP-Podcast's Split_Set,
//!   MELD's train/dev/test) as one suite each, or leave-one-value-out folds over any other
//!   column (`--by session`: IEMOCAP's leave-one-session-out).
//!
//! Every `test/` suite declares its `train/` as `training`, so `suite check`, `run` and `score`
//! see the pair.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::input::suite::Suite;
use crate::input::table::Table;

use super::table::line;
use super::CorpusError;

/// What `suite split` is asked to do.
#[derive(Debug, Clone)]
pub struct SplitPlan {
    pub suite: PathBuf,
    /// `speaker` or a metadata column.
    pub by: String,
    pub folds: Option<usize>,
    pub test_fraction: Option<f64>,
    pub seed: u64,
    pub out: PathBuf,
}

/// One suite folder written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub dir: PathBuf,
    pub items: usize,
    pub groups: usize,
    /// Items per label, in label order.
    pub labels: Vec<usize>,
}

/// The group of every item of a suite under `--by`.
pub fn groups_of(suite: &Suite, by: &str) -> Result<Vec<String>, CorpusError> {
    let col = if by == "speaker" {
        None
    } else {
        Some(
            suite
                .metadata_columns
                .iter()
                .position(|c| c == by)
                .ok_or_else(|| {
                    CorpusError::Usage(format!(
                        "--by {by}: suite {} has no such column (speaker, or one of: {})",
                        suite.name,
                        suite.metadata_columns.join(", ")
                    ))
                })?,
        )
    };
    suite
        .items
        .iter()
        .map(|it| {
            let v = match col {
                None => it.speaker.clone(),
                Some(c) => it.meta[c].clone(),
            };
            v.ok_or_else(|| CorpusError::Line {
                path: suite.items_path.clone(),
                line: match it.origin {
                    crate::input::table::RowRef::Line(l) | crate::input::table::RowRef::Row(l) => l,
                },
                message: format!(
                    "item {:?} has no {by}: a group split needs every item's {by}",
                    it.id
                ),
            })
        })
        .collect()
}

/// Splits a suite and writes the parts; returns them in the order written.
pub fn split(plan: &SplitPlan) -> Result<Vec<Written>, anyhow::Error> {
    let suite = Suite::load(&plan.suite)?;
    let groups = groups_of(&suite, &plan.by)?;
    let names: Vec<String> = groups
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let g: Vec<usize> = groups.iter().map(|s| index[s.as_str()]).collect();
    let truth = suite.truth();
    let counts = tonebench_core::split::group_counts(&g, &truth, names.len(), suite.labels.len());

    // (folder, item indices, training folder for a test part)
    let mut parts: Vec<(PathBuf, Vec<usize>, Option<&'static str>)> = Vec::new();
    let members = |pick: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..g.len()).filter(|&i| pick(g[i])).collect()
    };
    match (plan.folds, plan.test_fraction) {
        (Some(_), Some(_)) => {
            return Err(
                CorpusError::Usage("--folds and --test-fraction exclude each other".into()).into(),
            )
        }
        (Some(k), None) => {
            let part = tonebench_core::split::assign_groups(&counts, &vec![1.0; k], plan.seed)
                .map_err(|e| CorpusError::Usage(format!("--folds {k}: {e}")))?;
            for f in 0..k {
                let dir = plan.out.join(format!("fold-{}", f + 1));
                parts.push((
                    dir.join("test"),
                    members(&|x| part[x] == f),
                    Some("../train"),
                ));
                parts.push((dir.join("train"), members(&|x| part[x] != f), None));
            }
        }
        (None, Some(frac)) => {
            if !(frac > 0.0 && frac < 1.0) {
                return Err(CorpusError::Usage(format!(
                    "--test-fraction {frac}: must be between 0 and 1"
                ))
                .into());
            }
            let part =
                tonebench_core::split::assign_groups(&counts, &[1.0 - frac, frac], plan.seed)
                    .map_err(|e| CorpusError::Usage(format!("--test-fraction {frac}: {e}")))?;
            parts.push((
                plan.out.join("test"),
                members(&|x| part[x] == 1),
                Some("../train"),
            ));
            parts.push((plan.out.join("train"), members(&|x| part[x] == 0), None));
        }
        (None, None) if plan.by == "split" => {
            for (i, n) in names.iter().enumerate() {
                parts.push((
                    plan.out.join(crate::store::sanitize(n)),
                    members(&|x| x == i),
                    None,
                ));
            }
        }
        (None, None) => {
            if names.len() < 2 {
                return Err(CorpusError::Usage(format!(
                    "--by {}: one value only, nothing to leave out",
                    plan.by
                ))
                .into());
            }
            for (i, n) in names.iter().enumerate() {
                let dir = plan
                    .out
                    .join(format!("{}-{}", plan.by, crate::store::sanitize(n)));
                parts.push((dir.join("test"), members(&|x| x == i), Some("../train")));
                parts.push((dir.join("train"), members(&|x| x != i), None));
            }
        }
    }
    let source = Source::read(&suite)?;
    let mut written = Vec::new();
    for (dir, items, training) in parts {
        let ids: BTreeSet<&str> = items.iter().map(|&i| suite.items[i].id.as_str()).collect();
        let manifest = source.manifest_for(&suite, &plan.out, &dir, training)?;
        let csv = source.rows(&ids);
        crate::store::imported::write_suite(&dir, &manifest, &csv, None)?;
        let mut labels = vec![0; suite.labels.len()];
        for &i in &items {
            labels[truth[i]] += 1;
        }
        written.push(Written {
            dir,
            items: items.len(),
            groups: items.iter().map(|&i| g[i]).collect::<BTreeSet<_>>().len(),
            labels,
        });
    }
    Ok(written)
}

/// The original suite's manifest and items table, as text.
struct Source {
    manifest: toml::Table,
    columns: Vec<String>,
    cells: Vec<Vec<Option<String>>>,
    id_col: usize,
}

impl Source {
    fn read(suite: &Suite) -> Result<Source, anyhow::Error> {
        let text = crate::open::read_to_string(&suite.manifest_path).map_err(|source| {
            CorpusError::Io {
                path: suite.manifest_path.clone(),
                source,
            }
        })?;
        let manifest: toml::Table = toml::from_str(&text)?;
        let id_name = manifest
            .get("columns")
            .and_then(|c| c.get("id"))
            .and_then(|v| v.as_str())
            .unwrap_or("id")
            .to_string();
        let table = Table::read(&suite.items_path)?;
        let columns = table.columns().to_vec();
        let cells = columns
            .iter()
            .map(|c| table.strings(c))
            .collect::<Result<Vec<_>, _>>()?;
        let id_col = columns.iter().position(|c| *c == id_name).unwrap_or(0);
        Ok(Source {
            manifest,
            columns,
            cells,
            id_col,
        })
    }

    /// The rows of the given ids as CSV, in the original order.
    fn rows(&self, ids: &BTreeSet<&str>) -> String {
        let mut out = line(&self.columns);
        let n = self.cells.first().map_or(0, Vec::len);
        for row in 0..n {
            if self.cells[self.id_col][row]
                .as_deref()
                .is_some_and(|id| ids.contains(id))
            {
                let cells: Vec<String> = self
                    .cells
                    .iter()
                    .map(|c| c[row].clone().unwrap_or_default())
                    .collect();
                out.push_str(&line(&cells));
            }
        }
        out
    }

    /// The manifest of a part written to `dir`: its own name and items, every path pointing back
    /// at the original files.
    fn manifest_for(
        &self,
        suite: &Suite,
        out: &Path,
        dir: &Path,
        training: Option<&str>,
    ) -> Result<String, anyhow::Error> {
        let mut m = self.manifest.clone();
        let part = dir
            .strip_prefix(out)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("-")
            })
            .unwrap_or_default();
        m.insert("name".into(), format!("{}-{part}", suite.name).into());
        m.insert("items".into(), crate::store::imported::ITEMS_CSV.into());
        if suite.items.iter().any(|i| i.audio.is_some()) || m.contains_key("audio-root") {
            m.insert(
                "audio-root".into(),
                super::table::audio_root(&suite.audio_root, dir).into(),
            );
        }
        let back = |rel: &str| super::table::audio_root(&suite.dir.join(rel), dir);
        if let Some(s) = m
            .get("segments")
            .and_then(|v| v.as_str())
            .map(str::to_string)
        {
            m.insert("segments".into(), back(&s).into());
        }
        if let Some(toml::Value::Table(c)) = m.get_mut("cohorts") {
            for key in ["embeddings", "embedding-model"] {
                if let Some(p) = c.get(key).and_then(|v| v.as_str()).map(str::to_string) {
                    c.insert(key.into(), back(&p).into());
                }
            }
        }
        m.remove("training");
        if let Some(t) = training {
            m.insert("training".into(), t.into());
        }
        Ok(toml::to_string(&m)?)
    }
}
