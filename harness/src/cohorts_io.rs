//! The edges of the cohort analysis: reading an embeddings table, writing `cohorts.csv` and
//! `cohorts.json`, reading `cohorts.json` back for `--cohorts-from`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::cohorts::{speaker_means, CohortError, CohortModel, EmbeddingSource};

use crate::table::{RowRef, Table, TableError};

/// Why an embeddings or cohorts file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CohortsIoError {
    #[error("{path}: cannot read or write")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("embeddings {file}: the header has no `speaker` or `id` column")]
    NoKey { file: String },
    #[error("embeddings {file}: the header has no e0, e1, … columns")]
    NoVectorColumns { file: String },
    #[error("embeddings {0}")]
    Table(TableError),
    #[error("embeddings {file} {at} column {column}: \"{value}\" is not a finite number")]
    Number {
        file: String,
        at: RowRef,
        column: String,
        value: String,
    },
    #[error("embeddings {file} {at}: {key} \"{value}\" appears twice (first at {first})")]
    Duplicate {
        file: String,
        at: RowRef,
        key: String,
        value: String,
        first: RowRef,
    },
    #[error("embeddings {file} {at}: empty {key}")]
    EmptyKey {
        file: String,
        at: RowRef,
        key: String,
    },
    #[error("embeddings {file}: item id \"{id}\" is not an item of the suite")]
    UnknownItem { file: String, id: String },
    #[error("{path}: not a cohorts.json written by tonebench: {message}")]
    Json { path: PathBuf, message: String },
    #[error(transparent)]
    Cohort(#[from] CohortError),
}

// Not `#[from]`: the message already includes the inner error, which must not also be its
// `source` (the CLI prints the whole chain).
impl From<TableError> for CohortsIoError {
    fn from(e: TableError) -> Self {
        CohortsIoError::Table(e)
    }
}

/// An embeddings table as written: one vector per speaker, or per item (to be averaged).
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddingTable {
    BySpeaker(IndexMap<String, Vec<f64>>),
    ByItem(IndexMap<String, Vec<f64>>),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CohortsIoError + '_ {
    move |source| CohortsIoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads an embeddings table (.csv, .tsv, .parquet or .jsonl, through [`Table`]): a `speaker`
/// column (one vector per speaker) or an `id` column (one vector per item), and vector columns
/// `e0`, `e1`, … (as many as there are, in index order; other columns are ignored). Every value
/// must be a finite number.
pub fn read_embedding_table(path: &Path) -> Result<EmbeddingTable, CohortsIoError> {
    let table = Table::read(path)?;
    let file = table.file_name();
    let (key, by_speaker) = if table.has_column("speaker") {
        ("speaker", true)
    } else if table.has_column("id") {
        ("id", false)
    } else {
        return Err(CohortsIoError::NoKey { file });
    };
    let mut vec_cols = Vec::new();
    while table.has_column(&format!("e{}", vec_cols.len())) {
        vec_cols.push(format!("e{}", vec_cols.len()));
    }
    if vec_cols.is_empty() {
        return Err(CohortsIoError::NoVectorColumns { file });
    }
    let keys = table.strings(key)?;
    let values: Vec<Vec<Option<f64>>> = vec_cols
        .iter()
        .map(|c| table.floats(c))
        .collect::<Result<_, _>>()?;
    let mut out: IndexMap<String, (RowRef, Vec<f64>)> = IndexMap::new();
    for (row, name) in keys.into_iter().enumerate() {
        let at = table.origin(row);
        let Some(name) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) else {
            return Err(CohortsIoError::EmptyKey {
                file,
                at,
                key: key.into(),
            });
        };
        let mut v = Vec::with_capacity(vec_cols.len());
        for (c, col) in vec_cols.iter().zip(&values) {
            match col[row] {
                Some(x) if x.is_finite() => v.push(x),
                other => {
                    return Err(CohortsIoError::Number {
                        file,
                        at,
                        column: c.clone(),
                        value: other.map_or_else(String::new, |x| x.to_string()),
                    })
                }
            }
        }
        if let Some((first, _)) = out.get(&name) {
            return Err(CohortsIoError::Duplicate {
                file,
                at,
                key: key.into(),
                value: name,
                first: *first,
            });
        }
        out.insert(name, (at, v));
    }
    let map = out.into_iter().map(|(k, (_, v))| (k, v)).collect();
    Ok(if by_speaker {
        EmbeddingTable::BySpeaker(map)
    } else {
        EmbeddingTable::ByItem(map)
    })
}

/// Reads an embeddings table and turns it into one vector per speaker of the suite
/// (`ids` and `speakers` are the suite's items in order). The source is named after the file.
pub fn read_embeddings(
    path: &Path,
    ids: &[String],
    speakers: &[Option<String>],
) -> Result<EmbeddingSource, CohortsIoError> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let vectors = match read_embedding_table(path)? {
        EmbeddingTable::BySpeaker(m) => m,
        EmbeddingTable::ByItem(m) => {
            let index: IndexMap<&str, usize> = ids
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            let mut per_item: Vec<Option<Vec<f64>>> = vec![None; ids.len()];
            for (id, v) in m {
                let Some(&i) = index.get(id.as_str()) else {
                    return Err(CohortsIoError::UnknownItem { file, id });
                };
                per_item[i] = Some(v);
            }
            speaker_means(&file, speakers, &per_item)?
        }
    };
    Ok(EmbeddingSource {
        name: file,
        vectors,
    })
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

pub fn write_cohorts_csv(
    path: &Path,
    rows: &[(String, String, String)],
) -> Result<(), CohortsIoError> {
    std::fs::write(path, cohorts_csv(rows)).map_err(io(path))
}

/// `cohorts.json`: the saved centroids (pretty JSON).
pub fn write_cohorts_json(path: &Path, model: &CohortModel) -> Result<(), CohortsIoError> {
    let text = serde_json::to_string_pretty(model).map_err(|e| CohortsIoError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, text + "\n").map_err(io(path))
}

/// Reads the `cohorts.json` of an earlier run (`--cohorts-from`).
pub fn read_cohorts_json(path: &Path) -> Result<CohortModel, CohortsIoError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|e| CohortsIoError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes `cohorts.csv` and, when there are embedding partitions, `cohorts.json` into a run's
/// output folder.
pub fn write_run_files(
    dir: &Path,
    partitions: &[tonebench_core::cohorts::Partition],
    speakers: &[Option<String>],
    model: &CohortModel,
) -> Result<(), CohortsIoError> {
    let rows = tonebench_core::cohorts::membership_rows(partitions, speakers);
    write_cohorts_csv(&dir.join("cohorts.csv"), &rows)?;
    if !model.partitions.is_empty() {
        write_cohorts_json(&dir.join("cohorts.json"), model)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaker_table_parses_and_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let read = |text: &str| {
            let p = dir.path().join("e.csv");
            std::fs::write(&p, text).unwrap();
            read_embedding_table(&p)
        };
        let EmbeddingTable::BySpeaker(m) =
            read("speaker,e0,e1,note\na,1,2,x\n\"b,c\",3.5,-4,y\n").unwrap()
        else {
            panic!("by speaker")
        };
        assert_eq!(m["a"], [1.0, 2.0]);
        assert_eq!(m["b,c"], [3.5, -4.0]);
        let err = |s: &str| read(s).unwrap_err().to_string();
        assert!(err("speaker,e0,e1\na,1,2\nb,1\n")
            .ends_with("e.csv line 3: 2 fields, but the header has 3"));
        assert_eq!(
            err("speaker,e0\na,NaN\n"),
            "embeddings e.csv line 2 column e0: \"NaN\" is not a finite number"
        );
        assert!(err("speaker,e0\na,x\n")
            .ends_with("e.csv line 2: column \"e0\": \"x\" is not a number"));
        assert_eq!(
            err("speaker,e0\na,1\na,2\n"),
            "embeddings e.csv line 3: speaker \"a\" appears twice (first at line 2)"
        );
        assert_eq!(
            err("name,e0\na,1\n"),
            "embeddings e.csv: the header has no `speaker` or `id` column"
        );
        assert_eq!(
            err("speaker,x0\na,1\n"),
            "embeddings e.csv: the header has no e0, e1, … columns"
        );
    }

    #[test]
    fn item_vectors_are_averaged_per_speaker_and_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("emb.csv");
        std::fs::write(&p, "id,e0,e1\ni1,1,2\ni2,3,4\ni3,10,10\n").unwrap();
        let ids: Vec<String> = ["i1", "i2", "i3"].iter().map(|s| s.to_string()).collect();
        let speakers = vec![
            Some("a".to_string()),
            Some("a".to_string()),
            Some("b".to_string()),
        ];
        let src = read_embeddings(&p, &ids, &speakers).unwrap();
        assert_eq!(src.name, "emb.csv");
        assert_eq!(src.vectors["a"], [2.0, 3.0]);
        assert_eq!(src.vectors["b"], [10.0, 10.0]);

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
        write_cohorts_json(&j, &model).unwrap();
        assert_eq!(read_cohorts_json(&j).unwrap(), model);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{}").unwrap();
        assert!(read_cohorts_json(&bad)
            .unwrap_err()
            .to_string()
            .contains("not a cohorts.json written by tonebench"));
    }
}
