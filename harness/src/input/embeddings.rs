//! Embeddings tables: the per-speaker or per-item vectors a suite's `[cohorts] embeddings`
//! names, read and checked for the k-means cohorts.

use std::path::Path;

use indexmap::IndexMap;
use tonebench_core::cohorts::{speaker_means, CohortError, EmbeddingSource};

use crate::error::{ErrorKind, HasKind};
use crate::input::table::{RowRef, Table, TableError};

/// Why an embeddings table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingsError {
    #[error("embeddings {file}: the header has no `speaker` or `id` column")]
    NoKey { file: String },
    #[error("embeddings {file}: the header has no e0, e1, … columns")]
    NoVectorColumns { file: String },
    #[error("embeddings {0}")]
    Table(TableError),
    #[error("embeddings {file} {at} column {column}: {value:?} is not a finite number")]
    Number {
        file: String,
        at: RowRef,
        column: String,
        value: String,
    },
    #[error("embeddings {file}: {message}")]
    Limit { file: String, message: String },
    #[error("embeddings {file} {at}: {key} {value:?} appears twice (first at {first})")]
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
    #[error("embeddings {file}: item id {id:?} is not an item of the suite")]
    UnknownItem { file: String, id: String },
    #[error(transparent)]
    Cohort(#[from] CohortError),
}

impl HasKind for EmbeddingsError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

// Not `#[from]`: the message already includes the inner error, which must not also be its
// `source` (the CLI prints the whole chain).
impl From<TableError> for EmbeddingsError {
    fn from(e: TableError) -> Self {
        EmbeddingsError::Table(e)
    }
}

/// `e0`, `e1`, …: the columns read as numbers.
fn is_vector_column(name: &str) -> bool {
    name.strip_prefix('e')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// An embeddings table as written: one vector per speaker, or per item (to be averaged).
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddingTable {
    BySpeaker(IndexMap<String, Vec<f64>>),
    ByItem(IndexMap<String, Vec<f64>>),
}

/// Reads an embeddings table (.csv, .tsv, .parquet or .jsonl, through [`Table`]): a `speaker`
/// column (one vector per speaker) or an `id` column (one vector per item), and vector columns
/// `e0`, `e1`, … (as many as there are, in index order; other columns are ignored). Every value
/// must be a finite number.
pub fn read_embedding_table(path: &Path) -> Result<EmbeddingTable, EmbeddingsError> {
    let table = Table::read_numeric(path, is_vector_column)?;
    let file = table.file_name();
    let (key, by_speaker) = if table.has_column("speaker") {
        ("speaker", true)
    } else if table.has_column("id") {
        ("id", false)
    } else {
        return Err(EmbeddingsError::NoKey { file });
    };
    let mut vec_cols = Vec::new();
    while table.has_column(&format!("e{}", vec_cols.len())) {
        vec_cols.push(format!("e{}", vec_cols.len()));
    }
    if vec_cols.is_empty() {
        return Err(EmbeddingsError::NoVectorColumns { file });
    }
    tonebench_core::limits::at_most(
        "the embedding dimension",
        vec_cols.len(),
        tonebench_core::limits::EMBEDDING_DIM,
    )
    .map_err(|e| EmbeddingsError::Limit {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let keys = table.strings(key)?;
    let values: Vec<Vec<Option<f64>>> = vec_cols
        .iter()
        .map(|c| table.floats(c))
        .collect::<Result<_, _>>()?;
    let mut out: IndexMap<String, (RowRef, Vec<f64>)> = IndexMap::new();
    for (row, name) in keys.into_iter().enumerate() {
        let at = table.origin(row);
        let Some(name) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) else {
            return Err(EmbeddingsError::EmptyKey {
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
                    return Err(EmbeddingsError::Number {
                        file,
                        at,
                        column: c.clone(),
                        value: other.map_or_else(String::new, |x| x.to_string()),
                    })
                }
            }
        }
        if let Err((i, message)) = tonebench_core::limits::embedding(&v) {
            return Err(EmbeddingsError::Limit {
                file: format!("{file} {at} column e{}", i.unwrap_or(0)),
                message,
            });
        }
        if let Some((first, _)) = out.get(&name) {
            return Err(EmbeddingsError::Duplicate {
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
) -> Result<EmbeddingSource, EmbeddingsError> {
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
                    return Err(EmbeddingsError::UnknownItem { file, id });
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
        // Read as numbers by polars; a cell polars does not take (spaces) reads the table again
        // as text, with the same values.
        let numbers = "speaker,e0,e1\na,0.1,1e-3\nb,-0.30000000000000004,12345678.9\n";
        let EmbeddingTable::BySpeaker(typed) = read(numbers).unwrap() else {
            panic!("by speaker")
        };
        let EmbeddingTable::BySpeaker(text) = read(&numbers.replace(",0.1", ", 0.1 ")).unwrap()
        else {
            panic!("by speaker")
        };
        assert_eq!(typed, text);
        assert_eq!(typed["b"], [-0.30000000000000004, 12345678.9]);
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
    fn item_vectors_are_averaged_per_speaker() {
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
    }
}
