//! `profile --shard I/N`: one piece of a latency profile split across machines. A shard
//! profiles the suite items the stable hash gives it (the rule of `run --shard`: speaker or
//! item id), into `--out/shard-I-of-N/`: its own profile report, every timing it took
//! (`timings.json`) and the shard manifest (`shard.json`, kind `profile`) with the host, its
//! class and the ONNX Runtime version and provider. `merge` ([`super::profile_merge`]) then
//! summarizes the timings per host class.

use std::path::PathBuf;

use super::profile::{profile_suite, ProfilePlan};
use super::shard::{default_by, host, keep_shard, shard_dir, Shard, ShardError};
use crate::input::suite::Suite;
use crate::store::shard::{ShardManifest, ShardModel, ShardPlace, ShardRuntime};

/// Profiles the items of one shard into `--out/shard-I-of-N`; returns the manifest and the
/// folder.
pub fn profile_shard(plan: &ProfilePlan, shard: Shard) -> anyhow::Result<(ShardManifest, PathBuf)> {
    plan.check()?;
    let base = plan.out.as_deref().ok_or(ShardError::NeedsOut)?;
    let out = shard_dir(base, shard.index, shard.count);
    let mut suite = Suite::load(&plan.suite)?;
    let by = shard.by.unwrap_or_else(|| default_by(&suite));
    let whole = keep_shard(&mut suite, &plan.suite, shard.index, shard.count, by);
    if suite.items.is_empty() {
        return Err(ShardError::EmptyShard {
            index: shard.index,
            count: shard.count,
            by: by.name(),
            items: whole.items,
            suite: whole.name,
        }
        .into());
    }
    let (report, timings) = profile_suite(plan, &suite)?;
    let model = report
        .models
        .first()
        .map(|m| ShardModel {
            name: m.name.clone(),
            spec: m.source.path.clone(),
            sha256: m.source.sha256.clone(),
            files: m.source.files.clone(),
        })
        .into_iter()
        .collect();
    let manifest = ShardManifest {
        format_version: 1,
        tonebench_version: env!("CARGO_PKG_VERSION").into(),
        kind: crate::store::shard::KIND_PROFILE.into(),
        shard: ShardPlace {
            index: shard.index,
            count: shard.count,
            by: by.name().into(),
        },
        suite: whole,
        models: model,
        settings: serde_json::to_value(plan).expect("settings serialize"),
        ort: ShardRuntime {
            version: crate::infer::ort_version().ok(),
            provider: timings.provider.clone(),
        },
        host: host(&timings.provider),
        items: suite.items.len(),
        complete: true,
    };
    let dir = crate::store::RunDir::create(&out)?;
    super::finish::write_report(&dir, &report)?;
    crate::store::shard::write_timings(&out, &timings)?;
    // The manifest last: a folder with a complete shard.json is a whole shard.
    crate::store::shard::write_manifest(&out, &manifest)?;
    Ok((manifest, out))
}

/// Whether the shards are profile shards (`merge` checks that all are of one kind).
pub fn is_profile(m: &ShardManifest) -> bool {
    m.kind == crate::store::shard::KIND_PROFILE
}
