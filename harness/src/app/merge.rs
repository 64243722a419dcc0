//! `tonebench merge SHARD… --out DIR`: the shards of one run (`run --shard I/N`) checked
//! against each other, their journals joined into one, and the run finished there as a resumed
//! run with nothing left to predict — so report.json comes from the same evaluation, over the
//! same items in the same order with the same seed, as the unsharded run's, byte for byte.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use super::run::RunOutcome;
use super::shard::{by_of, first_difference, key_of, shard_of, RunSettings, ShardError};
use crate::input::suite::Suite;
use crate::store::journal::{Done, Entry, Journal};
use crate::store::shard::{HostLatency, MergeRecord, MergedShard, ShardManifest};

/// What `merge` does.
#[derive(Debug, Clone)]
pub struct MergePlan {
    /// Shard run folders, or folders holding them.
    pub shards: Vec<PathBuf>,
    pub out: PathBuf,
}

/// Journal entries written per append.
const APPEND: usize = 8192;

/// What a merge made: a run, or (of `profile --shard` shards) latency per host class.
#[derive(Debug)]
pub enum Merged {
    Run(Box<RunOutcome>),
    Profile(crate::store::shard::ProfileMergeRecord),
}

/// Checks the shards, joins their journals into `out` and finishes the run there; shards of a
/// profile go to [`super::profile_merge`].
pub fn merge(plan: &MergePlan) -> anyhow::Result<Merged> {
    let shards = read_shards(&plan.shards)?;
    check_shards(&shards)?;
    if super::profile_shard::is_profile(&shards[0].1) {
        return super::profile_merge::merge_profiles(&shards, &plan.out).map(Merged::Profile);
    }
    let (first_dir, first) = &shards[0];
    let settings: RunSettings =
        serde_json::from_value(first.settings.clone()).map_err(|e| ShardError::Settings {
            path: first_dir.join(crate::store::shard::SHARD_JSON),
            message: e.to_string(),
        })?;
    let suite = Suite::load(&settings.suite)?;
    if suite.manifest_sha256 != first.suite.manifest_sha256
        || suite.items_sha256 != first.suite.items_sha256
    {
        return Err(ShardError::SuiteChanged(settings.suite.clone()).into());
    }
    crate::store::check_fresh(&plan.out)?;
    let joined = join(&shards, &suite)?;
    crate::store::RunDir::create(&plan.out)?;
    let (mut journal, _) = Journal::open(&plan.out, true)?;
    write_journal(&mut journal, &joined.done, &suite)?;
    drop(joined.done);
    crate::store::shard::write_record(
        &plan.out,
        &MergeRecord {
            format_version: 1,
            shards: merged_shards(&shards),
            latency: joined.latency,
        },
    )?;
    super::run::run_suite(&settings.resume_in(&plan.out), suite).map(|o| Merged::Run(Box::new(o)))
}

/// What `shards.json` lists of each shard merged.
pub fn merged_shards(shards: &[(PathBuf, ShardManifest)]) -> Vec<MergedShard> {
    shards
        .iter()
        .map(|(dir, m)| MergedShard {
            index: m.shard.index,
            dir: dir.clone(),
            items: m.items,
            host: m.host.clone(),
        })
        .collect()
}

/// The shard folders named, a folder without a manifest standing for the shard folders in it,
/// each with its manifest, ordered by shard index.
fn read_shards(given: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, ShardManifest)>> {
    let mut dirs = Vec::new();
    for p in given {
        if !crate::store::shard::is_shard(p) && p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| super::AppError::Read {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|d| crate::store::shard::is_shard(d))
                .collect();
            if !inner.is_empty() {
                inner.sort();
                dirs.extend(inner);
                continue;
            }
        }
        dirs.push(p.clone());
    }
    if dirs.is_empty() {
        return Err(ShardError::NoShards.into());
    }
    let mut shards = Vec::new();
    for d in dirs {
        let m = crate::store::shard::read_manifest(&d)?
            .ok_or_else(|| ShardError::NotAShard(d.clone()))?;
        if !m.complete {
            return Err(ShardError::Unfinished(d).into());
        }
        shards.push((d, m));
    }
    shards.sort_by_key(|(_, m)| m.shard.index);
    Ok(shards)
}

/// Every shard of one run, each once: the same suite, models, settings, tonebench and ONNX
/// Runtime versions and shard count, and indices 0 … N−1.
fn check_shards(shards: &[(PathBuf, ShardManifest)]) -> Result<(), ShardError> {
    let what = |m: &ShardManifest| {
        let mut v = serde_json::to_value(m).expect("manifests serialize");
        if let Some(o) = v.as_object_mut() {
            for k in ["host", "items", "complete"] {
                o.remove(k);
            }
        }
        if let Some(s) = v.get_mut("shard").and_then(|s| s.as_object_mut()) {
            s.remove("index");
        }
        v
    };
    let (a, first) = &shards[0];
    let reference = what(first);
    for (b, m) in &shards[1..] {
        if let Some((key, va, vb)) = first_difference(&reference, &what(m), "shard.json") {
            return Err(ShardError::Mismatch {
                a: a.clone(),
                b: b.clone(),
                key,
                va,
                vb,
            });
        }
    }
    for pair in shards.windows(2) {
        if pair[0].1.shard.index == pair[1].1.shard.index {
            return Err(ShardError::DuplicateShard {
                index: pair[0].1.shard.index,
                a: pair[0].0.clone(),
                b: pair[1].0.clone(),
            });
        }
    }
    let count = first.shard.count;
    let have: BTreeSet<usize> = shards.iter().map(|(_, m)| m.shard.index).collect();
    let missing: Vec<String> = (0..count)
        .filter(|i| !have.contains(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::MissingShards {
            missing: missing.join(", "),
            count,
        });
    }
    Ok(())
}

/// The union of the shards' journals, and the latency of each model per host class.
struct Joined {
    done: HashMap<String, Done>,
    latency: Vec<HostLatency>,
}

/// Joins the shards' journals: no item twice, none outside the suite, none missing. A streamed
/// model's batch check is the one made on the suite's first call of more than one window, as
/// in the unsharded run.
fn join(shards: &[(PathBuf, ShardManifest)], suite: &Suite) -> anyhow::Result<Joined> {
    let k = suite.labels.len();
    let mut done: HashMap<String, Done> = HashMap::new();
    let mut batch_at: HashMap<String, usize> = HashMap::new();
    let mut timings: BTreeMap<(String, String), (Vec<f64>, BTreeSet<usize>)> = BTreeMap::new();
    for (si, (dir, m)) in shards.iter().enumerate() {
        let shard_done = crate::store::journal::read_done(dir)?;
        for (key, d) in shard_done {
            let u = done.entry(key.clone()).or_default();
            if u.identity.is_none() {
                u.identity = d.identity.clone();
            }
            if let Some(b) = d.batch {
                let at = d
                    .calls
                    .iter()
                    .filter(|(_, c)| c.probs.len() / k.max(1) > 1)
                    .filter_map(|(id, _)| suite.items.position(id))
                    .min()
                    .unwrap_or(usize::MAX);
                if batch_at.get(&key).is_none_or(|&best| at < best) {
                    batch_at.insert(key.clone(), at);
                    u.batch = Some(b);
                }
            }
            let ids = d.items.keys().chain(d.calls.keys()).chain(d.errors.keys());
            for id in ids {
                if suite.items.position(id).is_none() {
                    return Err(ShardError::StrayItem {
                        model: key.clone(),
                        id: id.to_owned(),
                        shard: dir.clone(),
                    }
                    .into());
                }
                if u.contains(id) {
                    return Err(ShardError::DuplicateItem {
                        model: key.clone(),
                        id: id.to_owned(),
                        a: holder(&shards[..si], &key, id)?,
                        b: dir.clone(),
                    }
                    .into());
                }
            }
            let t = timings
                .entry((key.clone(), m.host.class.clone()))
                .or_default();
            t.1.insert(m.shard.index);
            t.0.extend(d.items.iter().map(|(_, _, ms)| ms));
            t.0.extend(d.calls.values().map(|c| c.latency_ms));
            let too_large = |_| crate::store::journal::JournalError::TooLarge {
                path: Journal::path_in(dir),
            };
            u.items.extend(d.items).map_err(too_large)?;
            u.calls.extend(d.calls).map_err(too_large)?;
            u.errors.extend(d.errors).map_err(too_large)?;
        }
    }
    let (_, first) = &shards[0];
    let by = by_of(&first.shard);
    let mut keys: Vec<&String> = done.keys().collect();
    keys.sort();
    for key in keys {
        let d = &done[key];
        let missing: Vec<&str> = suite
            .items
            .iter()
            .filter(|i| !d.contains(i.id()))
            .map(|i| i.id())
            .collect();
        if let Some(&id) = missing.first() {
            let item = suite
                .items
                .get(suite.items.position(id).expect("a suite id"));
            return Err(ShardError::MissingItems {
                model: key.clone(),
                count: missing.len(),
                ids: missing
                    .iter()
                    .take(5)
                    .map(|i| format!("\"{i}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                first: format!("\"{id}\""),
                shard: shard_of(key_of(item, by), first.shard.count),
            }
            .into());
        }
    }
    let latency = timings
        .into_iter()
        .filter_map(|((model, host_class), (ms, shards))| {
            let s = tonebench_core::latency::summarize(&ms)?;
            Some(HostLatency {
                model,
                host_class,
                shards: shards.into_iter().collect(),
                items: s.n,
                p50_ms: s.p50_ms,
                p90_ms: s.p90_ms,
                p99_ms: s.p99_ms,
                mean_ms: s.mean_ms,
            })
        })
        .collect();
    Ok(Joined { done, latency })
}

/// The earlier shard whose journal holds `id` for `key` (for the duplicate's message).
fn holder(shards: &[(PathBuf, ShardManifest)], key: &str, id: &str) -> anyhow::Result<PathBuf> {
    for (dir, _) in shards {
        let d = crate::store::journal::read_done(dir)?;
        if d.get(key).is_some_and(|d| d.contains(id)) {
            return Ok(dir.clone());
        }
    }
    Ok(PathBuf::from("?"))
}

/// Writes the joined journal: per model (sorted), its identity, its items in suite order and
/// its batch check.
fn write_journal(
    journal: &mut Journal,
    done: &HashMap<String, Done>,
    suite: &Suite,
) -> anyhow::Result<()> {
    let mut keys: Vec<&String> = done.keys().collect();
    keys.sort();
    let mut entries = Vec::with_capacity(APPEND);
    for key in keys {
        let d = &done[key];
        if let Some(identity) = &d.identity {
            entries.push(Entry::Model {
                model: key.clone(),
                identity: identity.clone(),
            });
        }
        if let Some((batch, windows, argmax_agreement, max_abs_diff)) = d.batch {
            entries.push(Entry::Batch {
                model: key.clone(),
                batch,
                windows,
                argmax_agreement,
                max_abs_diff,
            });
        }
        for item in &suite.items {
            let (model, id) = (key.clone(), item.id().to_owned());
            if let Some((probs, latency_ms)) = d.items.get(item.id()) {
                entries.push(Entry::Item {
                    model,
                    id,
                    probs: probs.to_vec(),
                    latency_ms,
                });
            } else if let Some(c) = d.calls.get(item.id()) {
                entries.push(Entry::Call {
                    model,
                    id,
                    probs: c.probs.clone(),
                    speech: c.speech.clone(),
                    fraction: c.fraction.clone(),
                    source: c.source.clone(),
                    samples: c.samples,
                    latency_ms: c.latency_ms,
                });
            } else if let Some(error) = d.errors.get(item.id()) {
                entries.push(Entry::Error {
                    model,
                    id,
                    error: error.clone(),
                });
            }
            if entries.len() >= APPEND {
                journal.append(&entries)?;
                entries.clear();
            }
        }
    }
    journal.append(&entries)?;
    Ok(())
}
