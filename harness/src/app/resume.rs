//! What `run --resume` may trust of a journal: predictions of items whose inputs are unchanged,
//! in the batches an uninterrupted run forms. Before any model runs, the journal's digests are
//! checked against the items (a changed item refuses the resume, naming it), failed items are
//! forgotten with `--retry-failed`, and the predictions of a batch that was only partly
//! journaled are forgotten so the whole batch is predicted again, together, as it was.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::input::suite::{ItemRef, Suite};
use crate::store::journal::{digest_of, Digest, Done, ItemKeys, CONDITION_SEP};

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("{journal}: the inputs of {n} item(s) changed since they were journaled: {list}; their journaled results would not match them — run into a new --out{hint}", n = changed.len(), list = list(changed))]
    ItemsChanged {
        journal: PathBuf,
        /// `(id, whether only a failure was journaled)`, in suite order.
        changed: Vec<(String, bool)>,
        hint: &'static str,
    },
}

impl crate::error::HasKind for ResumeError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

fn list(changed: &[(String, bool)]) -> String {
    const SHOWN: usize = 5;
    let mut s = changed
        .iter()
        .take(SHOWN)
        .map(|(id, failed)| {
            if *failed {
                format!("{id:?} (failed)")
            } else {
                format!("{id:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if changed.len() > SHOWN {
        s.push_str(&format!(" and {} more", changed.len() - SHOWN));
    }
    s
}

/// The digest of what a model is given of each item, in suite order: its text, its audio path
/// (relative to the audio root) and its audio file's bytes. The label and metadata are not part
/// of it: changing them changes the report, not the predictions.
pub fn digests(suite: &Suite) -> Vec<Digest> {
    suite.items.iter().map(|i| digest(suite, i)).collect()
}

fn digest(suite: &Suite, item: ItemRef<'_>) -> Digest {
    let mut s = String::new();
    if let Some(t) = item.text() {
        s.push_str(&format!("text {}:{t}\n", t.len()));
    }
    if let Some(a) = item.audio() {
        let rel = a.strip_prefix(&suite.audio_root).unwrap_or(a);
        let bytes = crate::digest::sha256_file(a).unwrap_or_else(|e| format!("unreadable: {e}"));
        s.push_str(&format!("audio {}\n{bytes}\n", rel.display()));
    }
    digest_of(s.as_bytes())
}

/// The batches at `--batch` `batch` (none at 1): the suite in order, `batch` items at a time,
/// each named by a digest of its items' ids in order; item `i` is in batch `i / batch`.
pub fn groups(suite: &Suite, batch: usize) -> Vec<Digest> {
    if batch <= 1 {
        return Vec::new();
    }
    (0..suite.items.len())
        .step_by(batch)
        .map(|start| {
            let ids: String = suite
                .items
                .range(start..(start + batch).min(suite.items.len()))
                .map(|i| format!("{}:{}\n", i.id().len(), i.id()))
                .collect();
            digest_of(ids.as_bytes())
        })
        .collect()
}

/// Makes what the journal holds safe to resume from (see the module's doc); returns how many
/// journaled predictions of partly journaled batches will be made again.
pub fn prepare(
    suite: &Suite,
    done: &mut HashMap<String, Done>,
    digests: &[Digest],
    (batch, groups): (usize, &[Digest]),
    retry_failed: bool,
    journal: PathBuf,
) -> Result<usize, ResumeError> {
    if retry_failed {
        for d in done.values_mut() {
            d.errors.clear();
        }
    }
    let mut changed: Vec<(String, bool)> = Vec::new();
    for item in &suite.items {
        let id = item.id();
        let now = digests[item.index()];
        let mut failed_only = true;
        let mut differs = false;
        for d in done.values() {
            let Some(was) = d.digests.get(id) else {
                continue;
            };
            let held = d.items.contains_key(id) || d.calls.contains_key(id);
            if !held && !d.errors.contains_key(id) {
                continue; // a failure forgotten by --retry-failed
            }
            if *was != Some(now) {
                differs = true;
                failed_only &= !held;
            }
        }
        if differs {
            changed.push((id.to_owned(), failed_only));
        }
    }
    if !changed.is_empty() {
        let hint = if changed.iter().all(|(_, f)| *f) {
            " (or pass --retry-failed to predict the failed items again)"
        } else {
            ""
        };
        return Err(ResumeError::ItemsChanged {
            journal,
            changed,
            hint,
        });
    }
    Ok(reform_batches(suite, done, batch, groups))
}

/// Forgets the predictions of every batch not wholly journaled in the batch it belongs to, so
/// that it is predicted again as one batch. Predictions journaled without a batch (by an older
/// tonebench) are kept as they are.
fn reform_batches(
    suite: &Suite,
    done: &mut HashMap<String, Done>,
    batch: usize,
    groups: &[Digest],
) -> usize {
    if batch <= 1 || groups.is_empty() {
        return 0;
    }
    let mut redone = 0;
    for (key, d) in done.iter_mut() {
        if key.contains(CONDITION_SEP) {
            continue;
        }
        for (b, &g) in groups.iter().enumerate() {
            let start = b * batch;
            let members = suite
                .items
                .range(start..(start + batch).min(suite.items.len()));
            let whole = members.clone().all(|i| {
                d.errors.contains_key(i.id())
                    || (d.items.contains_key(i.id())
                        && d.groups.get(i.id()).is_none_or(|was| *was == Some(g)))
            });
            if !whole {
                for i in members {
                    redone += usize::from(d.items.remove(i.id()));
                    d.errors.remove(i.id());
                }
            }
        }
    }
    redone
}

/// The journal checked and made safe for `plan` (see the module's doc), and its entries from
/// now on written with their items' digests and batches.
pub fn check<'s>(
    suite: &'s Suite,
    plan: &super::run::RunPlan,
    journal: &mut crate::store::journal::Journal<'s>,
    done: &mut HashMap<String, Done>,
) -> anyhow::Result<()> {
    if plan.retry_failed && !plan.resume {
        return Err(crate::error::UsageError(
            "--retry-failed continues a run: pass it with --resume".into(),
        )
        .into());
    }
    if journal.legacy_lines() > 0 {
        eprintln!(
            "warning: {}: {} line(s) were written by an older tonebench, without checksums or item digests; they are trusted as they are",
            journal.path().display(),
            journal.legacy_lines()
        );
    }
    let digests = digests(suite);
    let batch = plan.options.batch;
    let groups = groups(suite, batch);
    let redone = prepare(
        suite,
        done,
        &digests,
        (batch, &groups),
        plan.retry_failed,
        journal.path().to_owned(),
    )?;
    if redone > 0 {
        crate::note!(
            "resuming: {redone} journaled prediction(s) of partly journaled batches are made again, so each batch is the one an uninterrupted run forms"
        );
    }
    journal.set_keys(ItemKeys {
        items: &suite.items,
        digests,
        batch,
        groups,
    });
    Ok(())
}
