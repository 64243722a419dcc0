//! The run journal: every prediction appended to `predictions.journal.jsonl` as soon as it is
//! made, so an interrupted run (even `kill -9`) loses at most the line being written, and
//! `--resume` recomputes nothing that was already done.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "predictions.journal.jsonl";

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Entry {
    /// A model joined the run; its identity must match on resume.
    Model { model: String, identity: String },
    /// A prediction: probabilities in suite label order.
    Item {
        model: String,
        id: String,
        probs: Vec<f32>,
        latency_ms: f64,
    },
    /// A call's windows (`run --window`): `k` probabilities per window in suite label order,
    /// and the speech source's decision and speech fraction per window.
    Call {
        model: String,
        id: String,
        probs: Vec<f32>,
        speech: Vec<bool>,
        fraction: Vec<f64>,
        source: String,
        /// Samples of the call at the model's rate (the windows follow from it).
        samples: usize,
        latency_ms: f64,
    },
    /// What batching the windows changed (`run --window`), measured on the first call.
    Batch {
        model: String,
        batch: usize,
        windows: u64,
        argmax_agreement: f64,
        max_abs_diff: f64,
    },
    /// An item that failed (kept only with `--keep-going`).
    Error {
        model: String,
        id: String,
        error: String,
    },
}

/// What one model has done so far.
#[derive(Debug, Default, Clone)]
pub struct Done {
    pub identity: Option<String>,
    pub items: HashMap<String, (Vec<f32>, f64)>,
    pub errors: HashMap<String, String>,
    /// Calls streamed window by window, by id.
    pub calls: HashMap<String, CallDone>,
    /// `(batch, windows, argmax agreement, max |Δp|)` of the streaming batch check.
    pub batch: Option<(usize, u64, f64, f64)>,
}

/// One call's journaled windows.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CallDone {
    pub probs: Vec<f32>,
    pub speech: Vec<bool>,
    pub fraction: Vec<f64>,
    pub source: String,
    pub samples: usize,
    pub latency_ms: f64,
}

impl Done {
    pub fn contains(&self, id: &str) -> bool {
        self.items.contains_key(id) || self.errors.contains_key(id) || self.calls.contains_key(id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: cannot {what}")]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{path} line {line}: not a journal entry: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl crate::error::HasKind for JournalError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Runtime
    }
}

/// An open journal, appending.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Reads an existing journal (ignoring a torn last line, which it cuts off) and opens it
    /// for appending. A missing journal reads as empty.
    pub fn open(dir: &Path) -> Result<(Journal, HashMap<String, Done>), JournalError> {
        let path = Self::path_in(dir);
        let io = |what, source| JournalError::Io {
            path: path.clone(),
            what,
            source,
        };
        let mut done: HashMap<String, Done> = HashMap::new();
        let mut good_len: u64 = 0;
        if path.exists() {
            let reader = BufReader::new(File::open(&path).map_err(|e| io("read", e))?);
            let mut lines = reader.split(b'\n').enumerate().peekable();
            while let Some((i, line)) = lines.next() {
                let line = line.map_err(|e| io("read", e))?;
                let last = lines.peek().is_none();
                match serde_json::from_slice::<Entry>(&line) {
                    Ok(entry) => {
                        good_len += line.len() as u64 + 1;
                        record_into(&mut done, entry);
                    }
                    // A line cut short by a crash is the last one; it is dropped and redone.
                    Err(_) if last => break,
                    Err(e) => {
                        return Err(JournalError::Corrupt {
                            path: path.clone(),
                            line: i + 1,
                            message: e.to_string(),
                        })
                    }
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("open", e))?;
        file.set_len(good_len).map_err(|e| io("truncate", e))?;
        let mut file = file;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0))
            .map_err(|e| io("seek", e))?;
        Ok((Journal { path, file }, done))
    }

    /// Appends entries and flushes them to the OS.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), JournalError> {
        let mut buf = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut buf, e).expect("journal entries always serialize");
            buf.push(b'\n');
        }
        self.file
            .write_all(&buf)
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                what: "append to",
                source,
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What separates a model's name from a condition's in the journal key of the model's
/// predictions under that condition (`run --conditions`); condition names never contain it.
pub const CONDITION_SEP: &str = " @ ";

/// The journal key of `model`'s predictions under `condition`.
pub fn condition_key(model: &str, condition: &str) -> String {
    format!("{model}{CONDITION_SEP}{condition}")
}

/// The model a journal key belongs to (the key itself for clean predictions).
pub fn model_of(key: &str) -> &str {
    key.rsplit_once(CONDITION_SEP).map_or(key, |(m, _)| m)
}

/// Adds an entry to what is known to be done.
pub fn record_into(done: &mut HashMap<String, Done>, entry: Entry) {
    match entry {
        Entry::Model { model, identity } => {
            done.entry(model).or_default().identity = Some(identity)
        }
        Entry::Item {
            model,
            id,
            probs,
            latency_ms,
        } => {
            let d = done.entry(model).or_default();
            d.errors.remove(&id);
            d.items.insert(id, (probs, latency_ms));
        }
        Entry::Call {
            model,
            id,
            probs,
            speech,
            fraction,
            source,
            samples,
            latency_ms,
        } => {
            let d = done.entry(model).or_default();
            d.errors.remove(&id);
            d.calls.insert(
                id,
                CallDone {
                    probs,
                    speech,
                    fraction,
                    source,
                    samples,
                    latency_ms,
                },
            );
        }
        Entry::Batch {
            model,
            batch,
            windows,
            argmax_agreement,
            max_abs_diff,
        } => {
            done.entry(model).or_default().batch =
                Some((batch, windows, argmax_agreement, max_abs_diff));
        }
        Entry::Error { model, id, error } => {
            done.entry(model).or_default().errors.insert(id, error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Entry {
        Entry::Item {
            model: "m".into(),
            id: id.into(),
            probs: vec![0.25, 0.5, 0.25],
            latency_ms: 1.5,
        }
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, done) = Journal::open(tmp.path()).unwrap();
        assert!(done.is_empty());
        j.append(&[item("a"), item("b")]).unwrap();
        drop(j);
        let path = Journal::path_in(tmp.path());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"kind\":\"item\",\"model\":\"m\",\"id\":\"c\",\"pro");
        std::fs::write(&path, &bytes).unwrap();

        let (mut j, done) = Journal::open(tmp.path()).unwrap();
        assert_eq!(done["m"].items.len(), 2);
        j.append(&[item("c")]).unwrap();
        drop(j);
        let (_, done) = Journal::open(tmp.path()).unwrap();
        assert_eq!(done["m"].items.len(), 3);
        assert_eq!(done["m"].items["c"].0, vec![0.25, 0.5, 0.25]);
    }

    #[test]
    fn corruption_before_the_end_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            Journal::path_in(tmp.path()),
            "garbage\n{\"kind\":\"model\",\"model\":\"m\",\"identity\":\"x\"}\n",
        )
        .unwrap();
        let err = Journal::open(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
