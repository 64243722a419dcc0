//! The cohorts files of a run folder: `cohorts.csv` (who is in which cohort) and
//! `cohorts.json` (the saved centroids that `--cohorts-from` applies to a later run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tonebench_core::cohorts::CohortModel;

use super::predictions::PredictionsTable;
use super::report::ReadError;
use super::{write_atomic, StoreError, COHORTS_CSV, COHORTS_JSON};
use crate::error::{ErrorKind, HasKind};

/// A `cohorts.json` that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum CohortsFileError {
    #[error("{path}: cannot read or write")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a cohorts.json written by tonebench: {message}")]
    Json { path: PathBuf, message: String },
}

impl HasKind for CohortsFileError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `cohorts.csv`: `partition,cohort,speaker`, one row per membership
/// (rows from [`tonebench_core::cohorts::membership_rows`]).
pub fn cohorts_csv(rows: &[(String, String, String)]) -> String {
    let mut s = String::from("partition,cohort,speaker\n");
    for (p, c, sp) in rows {
        s.push_str(&format!(
            "{},{},{}\n",
            csv_field(p),
            csv_field(c),
            csv_field(sp)
        ));
    }
    s
}

/// `cohorts.json`: the saved centroids (pretty JSON).
pub fn cohorts_json(model: &CohortModel) -> String {
    serde_json::to_string_pretty(model).expect("the cohort model always serializes") + "\n"
}

/// Reads the `cohorts.json` of an earlier run (`--cohorts-from`).
pub fn read_cohorts_json(path: &Path) -> Result<CohortModel, CohortsFileError> {
    let text = crate::open::read_to_string(path).map_err(|source| CohortsFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |message: String| CohortsFileError::Json {
        path: path.to_path_buf(),
        message,
    };
    let model: CohortModel = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if model.format_version != COHORTS_FORMAT_VERSION {
        return Err(bad(format!(
            "format_version {} is not supported (this tonebench reads version {COHORTS_FORMAT_VERSION})",
            model.format_version
        )));
    }
    for p in &model.partitions {
        for c in &p.centroids {
            tonebench_core::limits::embedding(c).map_err(|(_, m)| {
                bad(format!(
                    "partition {:?}: a centroid coordinate: {m}",
                    p.partition
                ))
            })?;
        }
    }
    Ok(model)
}

/// The `format_version` of the cohorts.json files this tonebench writes and reads.
pub const COHORTS_FORMAT_VERSION: u32 = 1;

/// Writes `cohorts.csv` and, when there are embedding partitions, `cohorts.json` into a run's
/// output folder.
pub fn write_run_files(
    dir: &Path,
    partitions: &[tonebench_core::cohorts::Partition],
    speakers: &[Option<String>],
    model: &CohortModel,
) -> Result<(), StoreError> {
    let rows = tonebench_core::cohorts::membership_rows(partitions, speakers);
    write_atomic(&dir.join(COHORTS_CSV), cohorts_csv(&rows).as_bytes())?;
    if !model.partitions.is_empty() {
        write_atomic(&dir.join(COHORTS_JSON), cohorts_json(model).as_bytes())?;
    }
    Ok(())
}

/// Item id → cohort of an embedding partition, from a run's cohorts.csv (partition, cohort,
/// speaker) and the speaker column of its predictions.parquet; `None` when the run has no such
/// partition.
pub fn embedding_cohort_values(
    csv: &Path,
    preds: &PredictionsTable,
    partition: &str,
) -> Result<Option<BTreeMap<String, Option<String>>>, ReadError> {
    if !csv.is_file() {
        return Ok(None);
    }
    let bad = |e: crate::input::table::TableError| ReadError::Predictions {
        path: csv.display().to_string(),
        what: crate::input::table::one_line(&e.to_string()),
    };
    let t = crate::input::table::Table::read(csv).map_err(bad)?;
    let (parts, cohorts, speakers) = (
        t.strings("partition").map_err(bad)?,
        t.strings("cohort").map_err(bad)?,
        t.strings("speaker").map_err(bad)?,
    );
    let of_speaker: BTreeMap<String, String> = parts
        .into_iter()
        .zip(cohorts)
        .zip(speakers)
        .filter_map(|((p, c), s)| (p.as_deref() == Some(partition)).then_some((s?, c?)))
        .collect();
    if of_speaker.is_empty() {
        return Ok(None);
    }
    let Some(item_speaker) = preds.cohort_column("speaker")? else {
        return Ok(None);
    };
    Ok(Some(
        item_speaker
            .into_iter()
            .map(|(id, s)| {
                let c = s.and_then(|s| of_speaker.get(&s).cloned());
                (id, c)
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohorts_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![("sex".to_string(), "f".to_string(), "a,1".to_string())];
        assert_eq!(
            cohorts_csv(&rows),
            "partition,cohort,speaker\nsex,f,\"a,1\"\n"
        );
        let model = CohortModel {
            format_version: 1,
            partitions: Vec::new(),
        };
        let j = dir.path().join("cohorts.json");
        std::fs::write(&j, cohorts_json(&model)).unwrap();
        assert_eq!(read_cohorts_json(&j).unwrap(), model);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{}").unwrap();
        assert!(read_cohorts_json(&bad)
            .unwrap_err()
            .to_string()
            .contains("not a cohorts.json written by tonebench"));
    }
}
