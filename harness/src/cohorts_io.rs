//! The edges of the cohort analysis: reading an embeddings table, writing `cohorts.csv` and
//! `cohorts.json`, reading `cohorts.json` back for `--cohorts-from`.
//!
//! The embeddings table is read with a small CSV reader of its own (comma-separated, RFC 4180
//! quotes, first line = header) rather than through polars: it is a plain numeric table and this
//! keeps exact row numbers in error messages.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::cohorts::{speaker_means, CohortError, CohortModel, EmbeddingSource};

/// Why an embeddings or cohorts file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CohortsIoError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("embeddings {file}: the header has no `speaker` or `id` column")]
    NoKey { file: String },
    #[error("embeddings {file}: the header has no e0, e1, … columns")]
    NoVectorColumns { file: String },
    #[error("embeddings {file} line {line}: {got} fields, the header has {expected}")]
    Fields {
        file: String,
        line: usize,
        got: usize,
        expected: usize,
    },
    #[error("embeddings {file} line {line} column {column}: \"{value}\" is not a finite number")]
    Number {
        file: String,
        line: usize,
        column: String,
        value: String,
    },
    #[error(
        "embeddings {file} line {line}: {key} \"{value}\" appears twice (first on line {first})"
    )]
    Duplicate {
        file: String,
        line: usize,
        key: String,
        value: String,
        first: usize,
    },
    #[error("embeddings {file} line {line}: empty {key}")]
    EmptyKey {
        file: String,
        line: usize,
        key: String,
    },
    #[error("embeddings {file}: item id \"{id}\" is not an item of the suite")]
    UnknownItem { file: String, id: String },
    #[error("{path}: not a cohorts.json written by tonebench: {message}")]
    Json { path: PathBuf, message: String },
    #[error(transparent)]
    Cohort(#[from] CohortError),
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

/// Splits one CSV line into fields (RFC 4180 quotes; no newlines inside quotes).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parses an embeddings table: a `speaker` column (one vector per speaker) or an `id` column
/// (one vector per item), and vector columns `e0`, `e1`, … (as many as the header has, in index
/// order; other columns are ignored). Every value must be a finite number.
pub fn parse_embeddings_csv(file: &str, text: &str) -> Result<EmbeddingTable, CohortsIoError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((_, header)) = lines.next() else {
        return Err(CohortsIoError::NoKey { file: file.into() });
    };
    let header: Vec<String> = split_csv(header.trim_start_matches('\u{feff}'))
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let (key_col, by_speaker) = if let Some(i) = header.iter().position(|h| h == "speaker") {
        (i, true)
    } else if let Some(i) = header.iter().position(|h| h == "id") {
        (i, false)
    } else {
        return Err(CohortsIoError::NoKey { file: file.into() });
    };
    let key = header[key_col].clone();
    let mut vec_cols = Vec::new();
    while let Some(i) = header
        .iter()
        .position(|h| *h == format!("e{}", vec_cols.len()))
    {
        vec_cols.push(i);
    }
    if vec_cols.is_empty() {
        return Err(CohortsIoError::NoVectorColumns { file: file.into() });
    }
    let mut out: IndexMap<String, (usize, Vec<f64>)> = IndexMap::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let fields = split_csv(text);
        if fields.len() != header.len() {
            return Err(CohortsIoError::Fields {
                file: file.into(),
                line,
                got: fields.len(),
                expected: header.len(),
            });
        }
        let name = fields[key_col].trim().to_string();
        if name.is_empty() {
            return Err(CohortsIoError::EmptyKey {
                file: file.into(),
                line,
                key,
            });
        }
        let mut v = Vec::with_capacity(vec_cols.len());
        for &c in &vec_cols {
            let raw = fields[c].trim();
            match raw.parse::<f64>() {
                Ok(x) if x.is_finite() => v.push(x),
                _ => {
                    return Err(CohortsIoError::Number {
                        file: file.into(),
                        line,
                        column: header[c].clone(),
                        value: raw.into(),
                    })
                }
            }
        }
        if let Some((first, _)) = out.get(&name) {
            return Err(CohortsIoError::Duplicate {
                file: file.into(),
                line,
                key,
                value: name,
                first: *first,
            });
        }
        out.insert(name, (line, v));
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
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let vectors = match parse_embeddings_csv(&file, &text)? {
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
        let t = parse_embeddings_csv("e.csv", "speaker,e0,e1,note\na,1,2,x\n\"b,c\",3.5,-4,y\n")
            .unwrap();
        let EmbeddingTable::BySpeaker(m) = t else {
            panic!("by speaker")
        };
        assert_eq!(m["a"], [1.0, 2.0]);
        assert_eq!(m["b,c"], [3.5, -4.0]);
        let err = |s: &str| parse_embeddings_csv("e.csv", s).unwrap_err().to_string();
        assert_eq!(
            err("speaker,e0,e1\na,1,2\nb,1\n"),
            "embeddings e.csv line 3: 2 fields, the header has 3"
        );
        assert_eq!(
            err("speaker,e0\na,NaN\n"),
            "embeddings e.csv line 2 column e0: \"NaN\" is not a finite number"
        );
        assert_eq!(
            err("speaker,e0\na,1\na,2\n"),
            "embeddings e.csv line 3: speaker \"a\" appears twice (first on line 2)"
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
