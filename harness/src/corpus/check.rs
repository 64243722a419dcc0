//! `tonebench suite check`: leakage within a suite and between a suite and what a model was
//! trained on.
//!
//! - audio: every clip decoded; two clips are duplicates when their decoded samples (and rate)
//!   hash alike, near-duplicates when their [`near_hash`] does (the same sound at another gain,
//!   with other leading or trailing silence, or re-encoded at another bit depth);
//! - text: equal after [`normalize_text`] (reported, never a failure on its own: fixed-phrase
//!   corpora repeat their sentences by design);
//! - speakers: shared between the suite and `--train` (or the suite's own `training`).
//!
//! `--train` is a suite folder or a table (.csv/.tsv/.parquet/.jsonl) with a `speaker` column
//! and, optionally, `id`, `text` and `audio` (relative to the table's folder).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::audio::Waveform;
use crate::input::suite::Suite;
use crate::input::table::Table;

use super::CorpusError;

/// One item as the check sees it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub speaker: Option<String>,
    pub text: Option<String>,
    pub audio: Option<PathBuf>,
}

/// One finding of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `duplicate-audio`, `near-duplicate-audio`, `duplicate-text`, `shared-speakers`.
    pub kind: &'static str,
    /// `suite`, or `train-test` for findings across the two.
    pub scope: &'static str,
    /// The ids (or speakers) involved; train ids are written `train:ID`.
    pub members: Vec<String>,
    /// Whether the finding makes the check fail (exit 1).
    pub fails: bool,
}

/// What `suite check` found.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub items: usize,
    pub clips: usize,
    pub train_items: Option<usize>,
    pub findings: Vec<Finding>,
}

impl CheckOutcome {
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.fails)
    }
}

/// The entries of a loaded suite.
pub fn entries_of(suite: &Suite) -> Vec<Entry> {
    suite
        .items
        .iter()
        .map(|i| Entry {
            id: i.id().to_owned(),
            speaker: i.speaker().map(str::to_owned),
            text: i.text().map(str::to_owned),
            audio: i.audio().map(Path::to_path_buf),
        })
        .collect()
}

/// A training set: a suite folder, or a table with a `speaker` column.
pub fn read_train(path: &Path) -> Result<Vec<Entry>, anyhow::Error> {
    if path.is_dir() || path.file_name().is_some_and(|n| n == "suite.toml") {
        return Ok(entries_of(&Suite::load(path)?));
    }
    let table = Table::read(path)?;
    if !table.has_column("speaker") {
        return Err(CorpusError::Invalid {
            corpus: "training manifest".into(),
            path: path.to_owned(),
            message: format!(
                "no speaker column (columns: {})",
                table.columns().join(", ")
            ),
        }
        .into());
    }
    let col = |n: &str| -> Result<Vec<Option<String>>, anyhow::Error> {
        Ok(if table.has_column(n) {
            table.strings(n)?
        } else {
            vec![None; table.height()]
        })
    };
    let (ids, speakers, texts, audio) = (col("id")?, col("speaker")?, col("text")?, col("audio")?);
    let base = path.parent().unwrap_or(Path::new("."));
    Ok((0..table.height())
        .map(|r| Entry {
            id: ids[r]
                .clone()
                .unwrap_or_else(|| format!("{}", table.origin(r))),
            speaker: speakers[r].clone(),
            text: texts[r].clone(),
            audio: audio[r].as_ref().map(|a| base.join(a)),
        })
        .collect())
}

/// The speakers two sets share, sorted.
pub fn shared_speakers(test: &[Entry], train: &[Entry]) -> Vec<String> {
    let a: BTreeSet<&str> = test.iter().filter_map(|e| e.speaker.as_deref()).collect();
    let b: BTreeSet<&str> = train.iter().filter_map(|e| e.speaker.as_deref()).collect();
    a.intersection(&b).map(|s| s.to_string()).collect()
}

/// sha256 of the decoded samples and the rate: equal for the same sound in any container.
pub fn exact_hash(w: &Waveform) -> String {
    let mut bytes = Vec::with_capacity(4 + w.samples.len() * 4);
    bytes.extend_from_slice(&w.sample_rate.to_le_bytes());
    for s in &w.samples {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    crate::digest::sha256_hex(&bytes)
}

/// A coarse fingerprint: silence below 1% of the peak trimmed from both ends, then for every
/// 20 ms frame its RMS relative to the loudest frame in 8 levels and its zero crossings halved.
/// Gain, padding and bit depth do not change it; `None` for silence.
pub fn near_hash(w: &Waveform) -> Option<String> {
    let peak = w.samples.iter().fold(0f32, |m, x| m.max(x.abs()));
    if peak <= 0.0 {
        return None;
    }
    let floor = 0.01 * peak;
    let first = w.samples.iter().position(|x| x.abs() > floor)?;
    let last = w.samples.iter().rposition(|x| x.abs() > floor)?;
    let frame = (w.sample_rate as usize / 50).max(1);
    let frames: Vec<&[f32]> = w.samples[first..=last].chunks(frame).collect();
    let rms: Vec<f32> = frames
        .iter()
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let top = rms
        .iter()
        .fold(0f32, |m, x| m.max(*x))
        .max(f32::MIN_POSITIVE);
    let mut print = Vec::with_capacity(frames.len() * 3);
    for (c, r) in frames.iter().zip(&rms) {
        let crossings = c
            .windows(2)
            .filter(|p| (p[0] >= 0.0) != (p[1] >= 0.0))
            .count();
        print.push(((r / top) * 7.0).round() as u8);
        print.extend_from_slice(&((crossings / 2) as u16).to_le_bytes());
    }
    Some(crate::digest::sha256_hex(&print))
}

/// Text compared for duplicates: lowercase, letters and digits only, single spaces.
pub fn normalize_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A clip's exact hash and near-duplicate fingerprint.
type Hashes = (String, Option<String>);

/// Hashes of every clip of a set: (exact, near) by entry index.
fn hashes(entries: &[Entry]) -> Result<Vec<Option<Hashes>>, anyhow::Error> {
    let bar = crate::term::bar(entries.len(), "check: decoding", "clips");
    let hashes = entries
        .iter()
        .map(|e| {
            bar.inc(1);
            match &e.audio {
                Some(p) => {
                    let w = crate::audio::decode(p)?;
                    Ok(Some((exact_hash(&w), near_hash(&w))))
                }
                None => Ok(None),
            }
        })
        .collect();
    bar.finish_and_clear();
    hashes
}

/// Groups of two or more members sharing a key.
fn groups<K: Ord>(keyed: impl Iterator<Item = (K, String)>) -> Vec<Vec<String>> {
    let mut m: BTreeMap<K, Vec<String>> = BTreeMap::new();
    for (k, id) in keyed {
        m.entry(k).or_default().push(id);
    }
    m.into_values().filter(|v| v.len() > 1).collect()
}

/// Runs the check on a suite's entries and, optionally, a training set's.
pub fn check_entries(
    test: &[Entry],
    train: Option<&[Entry]>,
) -> Result<CheckOutcome, anyhow::Error> {
    let th = hashes(test)?;
    let train = train.unwrap_or(&[]);
    let rh = hashes(train)?;
    let mut findings = Vec::new();
    // Every (entry, side) with its name; train ids are prefixed.
    type Named<'a> = (String, Option<&'a Hashes>, Option<&'a String>);
    let named: Vec<Named> = test
        .iter()
        .zip(&th)
        .map(|(e, h)| (e.id.clone(), h.as_ref(), e.text.as_ref()))
        .chain(
            train
                .iter()
                .zip(&rh)
                .map(|(e, h)| (format!("train:{}", e.id), h.as_ref(), e.text.as_ref())),
        )
        .collect();
    let scope = |members: &[String]| {
        if members.iter().any(|m| m.starts_with("train:"))
            && members.iter().any(|m| !m.starts_with("train:"))
        {
            Some("train-test")
        } else if members.iter().all(|m| !m.starts_with("train:")) {
            Some("suite")
        } else {
            None // within the training set: not this suite's concern
        }
    };
    let exact = groups(
        named
            .iter()
            .filter_map(|(id, h, _)| Some(((*h)?.0.clone(), id.clone()))),
    );
    let exact_members: BTreeSet<&String> = exact.iter().flatten().collect();
    for g in &exact {
        if let Some(s) = scope(g) {
            findings.push(Finding {
                kind: "duplicate-audio",
                scope: s,
                members: g.clone(),
                fails: true,
            });
        }
    }
    let near = groups(
        named
            .iter()
            .filter_map(|(id, h, _)| Some(((*h)?.1.clone()?, id.clone()))),
    );
    for g in near {
        // A group that is one exact duplicate group was reported already.
        let distinct: BTreeSet<&String> = g.iter().filter(|m| !exact_members.contains(m)).collect();
        if distinct.is_empty() && exact.iter().any(|e| e == &g) {
            continue;
        }
        if let Some(s) = scope(&g) {
            findings.push(Finding {
                kind: "near-duplicate-audio",
                scope: s,
                members: g,
                fails: true,
            });
        }
    }
    let texts = groups(named.iter().filter_map(|(id, _, t)| {
        let n = normalize_text(t.as_ref()?);
        (!n.is_empty()).then(|| (n, id.clone()))
    }));
    for g in texts {
        if let Some(s) = scope(&g) {
            findings.push(Finding {
                kind: "duplicate-text",
                scope: s,
                members: g,
                fails: false,
            });
        }
    }
    let shared = shared_speakers(test, train);
    if !shared.is_empty() {
        findings.push(Finding {
            kind: "shared-speakers",
            scope: "train-test",
            members: shared,
            fails: true,
        });
    }
    Ok(CheckOutcome {
        items: test.len(),
        clips: th.iter().flatten().count() + rh.iter().flatten().count(),
        train_items: (!train.is_empty()).then_some(train.len()),
        findings,
    })
}

/// `suite check SUITE [--train T]`: `--train`, else the suite's own `training`.
pub fn check(suite: &Path, train: Option<&Path>) -> Result<CheckOutcome, anyhow::Error> {
    let s = Suite::load(suite)?;
    let train_path = train.map(Path::to_owned).or_else(|| s.training.clone());
    let train = train_path.as_deref().map(read_train).transpose()?;
    check_entries(&entries_of(&s), train.as_deref())
}

/// The speakers a suite shares with its declared `training` set (for `run` and `score`):
/// `None` when it declares none.
pub fn declared_overlap(suite: &Suite) -> Result<Option<(PathBuf, Vec<String>)>, anyhow::Error> {
    let Some(t) = &suite.training else {
        return Ok(None);
    };
    let train = read_train(t)?;
    Ok(Some((
        t.clone(),
        shared_speakers(&entries_of(suite), &train),
    )))
}
