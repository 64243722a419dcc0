//! `merge` of profile shards (`profile --shard I/N`): checked like the shards of a run (one
//! suite, model, settings, tonebench and ONNX Runtime version; every index once), then their
//! timings summarized **per host class**: the percentiles of a class are those of the union of
//! its shards' timed calls (nearest rank, as `profile`), never averages of per-shard
//! percentiles, and figures of different hardware are never pooled.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tonebench_core::latency::{self, Summary};

use super::AppError;
use crate::store::shard::{
    ClassBatch, ClassProfile, ClassStream, ProfileMergeRecord, ShardManifest, Timings, KIND_PROFILE,
};

/// Summarizes the shards' timings per host class and writes `shards.json` into `out`.
pub fn merge_profiles(
    shards: &[(PathBuf, ShardManifest)],
    out: &Path,
) -> anyhow::Result<ProfileMergeRecord> {
    let mut classes: BTreeMap<&str, Vec<(&ShardManifest, Timings)>> = BTreeMap::new();
    for (dir, m) in shards {
        let t = crate::store::shard::read_timings(dir)?;
        classes.entry(&m.host.class).or_default().push((m, t));
    }
    let host_classes = classes
        .into_iter()
        .map(|(class, members)| class_profile(class, &members))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &shards[0].1;
    let record = ProfileMergeRecord {
        format_version: 1,
        kind: KIND_PROFILE.into(),
        suite: first.suite.name.clone(),
        model: first
            .models
            .first()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        shards: super::merge::merged_shards(shards),
        host_classes,
    };
    crate::store::RunDir::create(out)?;
    crate::store::shard::write_profile_record(out, &record)?;
    Ok(record)
}

fn summary(xs: &[f64], what: &str, class: &str) -> Result<Summary, AppError> {
    latency::summarize(xs).ok_or_else(|| {
        AppError::Profile(format!(
            "host class {class}: no {what} timings in its shards"
        ))
    })
}

/// One host class from its shards (in shard order), every timing pooled.
fn class_profile(
    class: &str,
    members: &[(&ShardManifest, Timings)],
) -> Result<ClassProfile, AppError> {
    let (_, first) = &members[0];
    let mut batches = Vec::new();
    for (j, b) in first.batches.iter().enumerate() {
        let calls: Vec<f64> = members
            .iter()
            .flat_map(|(_, t)| {
                t.batches
                    .get(j)
                    .map(|x| x.calls_ms.as_slice())
                    .unwrap_or(&[])
            })
            .copied()
            .collect();
        let total: f64 = calls.iter().sum();
        batches.push(ClassBatch {
            batch: b.batch,
            latency: summary(&calls, &format!("batch {}", b.batch), class)?,
            throughput_per_s: latency::throughput(calls.len() as u64 * b.batch as u64, total),
        });
    }
    let streaming = match &first.streaming {
        Some(s) => {
            let windows: Vec<f64> = members
                .iter()
                .filter_map(|(_, t)| t.streaming.as_ref())
                .flat_map(|t| t.windows_ms.iter().copied())
                .collect();
            let l = summary(&windows, "streaming", class)?;
            Some(ClassStream {
                window_s: s.window_s,
                hop_s: s.hop_s,
                rtf: l.mean_ms / (s.hop_s * 1e3),
                keeps_up: l.p99_ms < s.hop_s * 1e3,
                latency: l,
            })
        }
        None => None,
    };
    let mut hosts: Vec<String> = members
        .iter()
        .map(|(m, _)| m.host.hostname.clone())
        .collect();
    hosts.sort();
    hosts.dedup();
    let per_shard = |f: fn(&Timings) -> f64| members.iter().map(|(_, t)| f(t)).collect::<Vec<_>>();
    Ok(ClassProfile {
        host_class: class.to_string(),
        provider: first.provider.clone(),
        shards: members.iter().map(|(m, _)| m.shard.index).collect(),
        hosts,
        items: members.iter().map(|(m, _)| m.items).sum(),
        session_create_ms: summary(&per_shard(|t| t.session_create_ms), "session", class)?,
        first_inference_ms: summary(&per_shard(|t| t.first_inference_ms), "first", class)?,
        batches,
        streaming,
    })
}

/// What a merge of profile shards prints: per host class, per batch size.
pub fn summary_text(r: &ProfileMergeRecord, out: &Path) -> String {
    let mut s = format!(
        "profile of {} on suite {}: {} shards, {} host class{}\n",
        r.model,
        r.suite,
        r.shards.len(),
        r.host_classes.len(),
        if r.host_classes.len() == 1 { "" } else { "es" }
    );
    for c in &r.host_classes {
        s.push_str(&format!(
            "{} (shards {}; {} items)\n",
            c.host_class,
            c.shards
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            c.items
        ));
        for b in &c.batches {
            s.push_str(&format!(
                "  batch {:>4}: {} calls, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, mean {:.3} ms, {:.1} items/s\n",
                b.batch, b.latency.n, b.latency.p50_ms, b.latency.p90_ms, b.latency.p99_ms,
                b.latency.mean_ms, b.throughput_per_s
            ));
        }
        if let Some(st) = &c.streaming {
            s.push_str(&format!(
                "  streaming {} s / {} s: {} windows, p99 {:.3} ms, rtf {:.3}\n",
                st.window_s, st.hop_s, st.latency.n, st.latency.p99_ms, st.rtf
            ));
        }
    }
    s.push_str(&format!(
        "wrote {}\n",
        out.join(crate::store::shard::SHARDS_JSON).display()
    ));
    s
}
