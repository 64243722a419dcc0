//! The run journal: every prediction appended to `predictions.journal.jsonl` as soon as it is
//! made, so an interrupted run (even `kill -9`) loses at most the line being written, and
//! `--resume` recomputes nothing that was already done. Each line carries a checksum, the
//! digest of the item's inputs and (with `--batch` > 1) the batch it was predicted in
//! ([`line`]); the file is only ever appended to (`O_APPEND`), by the one process holding the
//! run folder's lock (`store::lock`).

mod idmap;
mod line;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub use idmap::{IdMap, Preds};
use line::Decoded;
pub use line::Line;

use crate::input::items::{Items, TooLong};

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

/// What one model has done so far, by item id (held compactly: `idmap`).
#[derive(Debug, Default, Clone)]
pub struct Done {
    pub identity: Option<String>,
    /// Predictions: probabilities in suite label order, latency in milliseconds.
    pub items: Preds,
    pub errors: IdMap<String>,
    /// Calls streamed window by window, by id.
    pub calls: IdMap<CallDone>,
    /// `(batch, windows, argmax agreement, max |Δp|)` of the streaming batch check.
    pub batch: Option<(usize, u64, f64, f64)>,
    /// The digest of each journaled item's inputs, by id (absent in older journals; `None`:
    /// a digest that is not 16 hex digits, which matches no item).
    pub digests: IdMap<Option<Digest>>,
    /// The batch each journaled prediction was made in, by id (`--batch` > 1).
    pub groups: IdMap<Option<Digest>>,
}

/// The first 16 hex digits of a SHA-256, as a number: how the journal names an item's inputs
/// (`sha`) and a batch (`group`).
pub type Digest = u64;

/// The 16 hex digits a [`Digest`] is written as.
pub fn digest_hex(d: Digest) -> String {
    format!("{d:016x}")
}

/// A digest as written in a journal line; `None` unless it is 16 lowercase hex digits.
pub fn parse_digest(s: &str) -> Option<Digest> {
    (s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

/// The first 16 hex digits of the SHA-256 of `bytes`, as a [`Digest`].
pub fn digest_of(bytes: &[u8]) -> Digest {
    let hex = crate::digest::sha256_hex(bytes);
    parse_digest(&hex[..16]).expect("sha256_hex gives lowercase hex")
}

/// What the journal writes with each of a suite's items' entries, by the item's position: the
/// digest of its inputs, and (`--batch` > 1) the digest of the batch it is predicted in.
pub struct ItemKeys<'s> {
    pub items: &'s Items,
    /// One per item, in suite order.
    pub digests: Vec<Digest>,
    /// Items per batch (0 or 1: no batches).
    pub batch: usize,
    /// One per batch: batch `b` is items `b * batch ..`.
    pub groups: Vec<Digest>,
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
    #[error("{path} line {line}: not a journal entry: {message}; the journal was altered or damaged — use a new --out")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: the journal's item ids or probabilities pass 4 Gi (bytes or values), more than a suite can hold — use a new --out")]
    TooLarge { path: PathBuf },
}

impl crate::error::HasKind for JournalError {
    fn kind(&self) -> crate::error::ErrorKind {
        match self {
            JournalError::Io { .. } => crate::error::ErrorKind::Runtime,
            JournalError::Corrupt { .. } | JournalError::TooLarge { .. } => {
                crate::error::ErrorKind::Input
            }
        }
    }
}

/// An open journal, appending.
pub struct Journal<'s> {
    path: PathBuf,
    file: File,
    /// Lines read that an older tonebench wrote (no checksum, no item digest).
    legacy: usize,
    /// The digest and batch of each item, written with its entries.
    keys: Option<ItemKeys<'s>>,
}

/// What a journal file holds, read line by line.
struct Read {
    done: HashMap<String, Done>,
    /// Bytes of whole, good lines: what follows (a torn last line) is cut off.
    good_len: u64,
    legacy: usize,
    /// Whether any line is a prediction or an item's failure (not only models joining).
    results: bool,
}

/// Reads a journal. A last line that is torn (cut short, or not a good entry) is left out; a
/// bad line before the end is an error naming it.
fn read(path: &Path) -> Result<Read, JournalError> {
    let mut r = Read {
        done: HashMap::new(),
        good_len: 0,
        legacy: 0,
        results: false,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(r),
        Err(source) => {
            return Err(JournalError::Io {
                path: path.to_owned(),
                what: "read",
                source,
            })
        }
    };
    let mut summed = false;
    let mut at = 0usize;
    let mut number = 0usize;
    while at < bytes.len() {
        number += 1;
        let (text, next, whole) = match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(n) => (&bytes[at..at + n], at + n + 1, true),
            None => (&bytes[at..], bytes.len(), false),
        };
        let last = next >= bytes.len();
        let decoded = if whole {
            line::decode(text)
        } else {
            Err("the line is cut short".into())
        };
        let entry = match decoded {
            Ok(Decoded::Summed(l)) => {
                summed = true;
                Ok(l)
            }
            // Lines of an older tonebench come before any checksummed line.
            Ok(Decoded::Legacy(l)) if !summed => {
                r.legacy += 1;
                Ok(l)
            }
            Ok(Decoded::Legacy(_)) => Err("the line has no checksum".to_string()),
            Err(message) => Err(message),
        };
        let entry = match entry {
            Ok(l) => l,
            // A line cut short by a crash is the last one; it is dropped and redone.
            Err(_) if last => break,
            Err(message) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: number,
                    message,
                })
            }
        };
        r.good_len = next as u64;
        r.results |= !matches!(entry.entry, Entry::Model { .. });
        record_line(&mut r.done, entry).map_err(|TooLong| JournalError::TooLarge {
            path: path.to_owned(),
        })?;
        at = next;
    }
    Ok(r)
}

/// Whether the journal in `dir` holds any result (a prediction or an item's failure): a journal
/// where models only joined (a run that failed while loading one) holds none and never blocks
/// a fresh start. A journal that cannot be read holds one, to be safe.
pub fn holds_results(dir: &Path) -> bool {
    read(&Journal::path_in(dir)).map_or(true, |r| r.results)
}

/// What the journal in `dir` holds, read without opening it for writing (a shard's, for
/// `merge`): a torn last line is left in the file and not counted.
pub fn read_done(dir: &Path) -> Result<HashMap<String, Done>, JournalError> {
    Ok(read(&Journal::path_in(dir))?.done)
}

impl<'s> Journal<'s> {
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Reads an existing journal (dropping a torn last line, which it cuts off) and opens it
    /// for appending; `fresh` starts it empty instead. A missing journal reads as empty.
    pub fn open(
        dir: &Path,
        fresh: bool,
    ) -> Result<(Journal<'s>, HashMap<String, Done>), JournalError> {
        let path = Self::path_in(dir);
        let io = |what, source| JournalError::Io {
            path: path.clone(),
            what,
            source,
        };
        let r = if fresh {
            Read {
                done: HashMap::new(),
                good_len: 0,
                legacy: 0,
                results: false,
            }
        } else {
            read(&path)?
        };
        // O_APPEND: every write lands at the end, whoever else might hold the file.
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io("open", e))?;
        file.set_len(r.good_len).map_err(|e| io("truncate", e))?;
        Ok((
            Journal {
                path,
                file,
                legacy: r.legacy,
                keys: None,
            },
            r.done,
        ))
    }

    /// Lines read that an older tonebench wrote: no checksums, no item digests.
    pub fn legacy_lines(&self) -> usize {
        self.legacy
    }

    /// The digests of the items' inputs, written with every entry of an item from now on, and
    /// their batches, written with their models' clean predictions.
    pub fn set_keys(&mut self, keys: ItemKeys<'s>) {
        self.keys = Some(keys);
    }

    /// Appends entries in one write, then adds them to what is known to be `done`.
    pub fn record(
        &mut self,
        done: &mut HashMap<String, Done>,
        entries: impl IntoIterator<Item = Entry> + AsRef<[Entry]>,
    ) -> Result<(), JournalError> {
        self.append(entries.as_ref())?;
        for e in entries {
            record_into(done, e).map_err(|TooLong| JournalError::TooLarge {
                path: self.path.clone(),
            })?;
        }
        Ok(())
    }

    /// Appends entries in one write and flushes them to the OS.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), JournalError> {
        let mut buf = Vec::new();
        for e in entries {
            buf.extend_from_slice(&line::encode(&self.line(e.clone())));
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

    /// An entry with its item's digest and batch.
    fn line(&self, entry: Entry) -> Line {
        let (id, plain) = match &entry {
            Entry::Item { model, id, .. } => (Some(id), !model.contains(CONDITION_SEP)),
            Entry::Call { id, .. } | Entry::Error { id, .. } => (Some(id), false),
            Entry::Model { .. } | Entry::Batch { .. } => (None, false),
        };
        let at = self
            .keys
            .as_ref()
            .zip(id)
            .and_then(|(k, id)| Some((k, k.items.position(id)?)));
        Line {
            sha: at.and_then(|(k, i)| k.digests.get(i).copied().map(digest_hex)),
            group: at
                .filter(|(k, _)| plain && k.batch > 1)
                .and_then(|(k, i)| k.groups.get(i / k.batch).copied().map(digest_hex)),
            entry,
        }
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

/// Adds a journal line to what is known to be done, with its digest and batch.
fn record_line(done: &mut HashMap<String, Done>, line: Line) -> Result<(), TooLong> {
    let key = match &line.entry {
        Entry::Item { model, id, .. }
        | Entry::Call { model, id, .. }
        | Entry::Error { model, id, .. } => Some((model.clone(), id.clone())),
        Entry::Model { .. } | Entry::Batch { .. } => None,
    };
    record_into(done, line.entry)?;
    if let Some((model, id)) = key {
        let d = done.entry(model).or_default();
        match line.sha {
            Some(sha) => d.digests.insert(&id, parse_digest(&sha)).map(drop)?,
            None => drop(d.digests.remove(&id)),
        };
        match line.group {
            Some(g) => d.groups.insert(&id, parse_digest(&g)).map(drop)?,
            None => drop(d.groups.remove(&id)),
        };
    }
    Ok(())
}

/// Adds an entry to what is known to be done. `Err`: the ids held would pass 4 GiB.
pub fn record_into(done: &mut HashMap<String, Done>, entry: Entry) -> Result<(), TooLong> {
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
            d.items.insert(&id, &probs, latency_ms)?;
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
                &id,
                CallDone {
                    probs,
                    speech,
                    fraction,
                    source,
                    samples,
                    latency_ms,
                },
            )?;
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
            done.entry(model).or_default().errors.insert(&id, error)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
