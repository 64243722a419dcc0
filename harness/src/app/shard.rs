//! `run --shard I/N`: one piece of a run split across machines. Items go to shards by a stable
//! hash of their speaker (or id), each shard journals its predictions into its own run folder
//! with a manifest (`shard.json`), and `merge` ([`super::merge`]) evaluates the union once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tonebench_core::bootstrap::BootstrapConfig;

use super::finish::EvalSettings;
use super::run::{RunPlan, StreamRequest};
use crate::error::{ErrorKind, HasKind};
use crate::infer::Options;
use crate::input::suite::{ItemRef, Suite};
use crate::store::shard::{Host, ShardManifest, ShardModel, ShardPlace, ShardRuntime, ShardSuite};
use crate::store::RunDir;

/// What the stable hash of `--shard-by` splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardBy {
    /// Every item of a speaker in one shard (items without a speaker go by id).
    Speaker,
    /// Items (calls, in a calls suite) one by one.
    Item,
}

impl ShardBy {
    pub fn name(self) -> &'static str {
        match self {
            ShardBy::Speaker => "speaker",
            ShardBy::Item => "item",
        }
    }

    fn parse(name: &str) -> Option<ShardBy> {
        match name {
            "speaker" => Some(ShardBy::Speaker),
            "item" => Some(ShardBy::Item),
            _ => None,
        }
    }
}

/// One shard of a run: `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
    /// `None`: by speaker when the suite has speakers, else by item.
    pub by: Option<ShardBy>,
}

/// The shard of a key: the first 8 bytes of its SHA-256, big-endian, modulo `count`.
pub fn shard_of(key: &str, count: usize) -> usize {
    let hex = crate::digest::sha256_hex(key.as_bytes());
    let h = u64::from_str_radix(&hex[..16], 16).expect("a digest is hex");
    (h % count.max(1) as u64) as usize
}

/// The key an item is split by.
pub fn key_of(item: ItemRef<'_>, by: ShardBy) -> &str {
    match (by, item.speaker()) {
        (ShardBy::Speaker, Some(s)) => s,
        _ => item.id(),
    }
}

/// `--shard-by` when not given: speaker when any item has one.
pub fn default_by(suite: &Suite) -> ShardBy {
    if suite.items.iter().any(|i| i.speaker().is_some()) {
        ShardBy::Speaker
    } else {
        ShardBy::Item
    }
}

/// The run folder of shard `index` of `count` under `--out`.
pub fn shard_dir(out: &Path, index: usize, count: usize) -> PathBuf {
    out.join(format!("shard-{index}-of-{count}"))
}

/// Everything of a run plan that decides its results (not where it writes, nor `--jobs`):
/// what every shard's manifest holds and `merge` runs the evaluation with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub suite: PathBuf,
    pub models: Vec<PathBuf>,
    pub options: Options,
    pub keep_going: bool,
    pub sensitivity_sample: usize,
    pub bootstrap: BootstrapConfig,
    pub cohorts_from: Option<PathBuf>,
    pub examples: usize,
    pub conditions: Option<PathBuf>,
    pub conditions_sha256: Option<String>,
    pub stream: Option<StreamRequest>,
}

impl RunSettings {
    pub fn of(plan: &RunPlan) -> anyhow::Result<RunSettings> {
        let conditions_sha256 = plan
            .conditions
            .as_deref()
            .map(|p| {
                crate::digest::sha256_file(p).map_err(|source| super::AppError::Read {
                    path: p.to_owned(),
                    source,
                })
            })
            .transpose()?;
        Ok(RunSettings {
            suite: plan.suite.clone(),
            models: plan.models.clone(),
            options: plan.options,
            keep_going: plan.keep_going,
            sensitivity_sample: plan.sensitivity_sample,
            bootstrap: plan.eval.bootstrap,
            cohorts_from: plan.eval.cohorts_from.clone(),
            examples: plan.eval.examples,
            conditions: plan.conditions.clone(),
            conditions_sha256,
            stream: plan.stream,
        })
    }

    /// The plan that continues these settings' run in `out` (`merge`: nothing left to predict).
    pub fn resume_in(&self, out: &Path) -> RunPlan {
        RunPlan {
            suite: self.suite.clone(),
            models: self.models.clone(),
            out: Some(out.to_owned()),
            options: self.options,
            resume: true,
            retry_failed: false,
            keep_going: self.keep_going,
            jobs: 1,
            sensitivity_sample: self.sensitivity_sample,
            eval: EvalSettings {
                bootstrap: self.bootstrap,
                cohorts_from: self.cohorts_from.clone(),
                examples: self.examples,
            },
            conditions: self.conditions.clone(),
            stream: self.stream,
        }
    }
}

/// What sharding and merging find wrong, naming the shard folders.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("--shard needs --out: every shard of a run writes its folder (shard-I-of-N) under the same --out")]
    NeedsOut,
    #[error("{dir} holds shard {found} of this run, not {want}; use the --out of shard {want}")]
    OtherShard {
        dir: PathBuf,
        found: String,
        want: String,
    },
    #[error("{dir} was started with other settings ({key}); --resume needs the same arguments")]
    OtherSettings { dir: PathBuf, key: String },
    #[error("merge: no shard folders given")]
    NoShards,
    #[error("{0}: not a shard run folder (no shard.json); shards are written by tonebench run --shard I/N")]
    NotAShard(PathBuf),
    #[error(
        "{0}: the shard's run did not finish; continue it with tonebench run --shard … --resume"
    )]
    Unfinished(PathBuf),
    #[error("shards {a} and {b} differ in {key} ({va} vs {vb}); merge only shards of one run")]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        key: String,
        va: String,
        vb: String,
    },
    #[error("shards {a} and {b} are both shard {index}")]
    DuplicateShard {
        index: usize,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("shard(s) {missing} of {count} missing")]
    MissingShards { missing: String, count: usize },
    #[error("suite {0} changed since the shards ran (its digests differ from shard.json)")]
    SuiteChanged(PathBuf),
    #[error("item \"{id}\" of model \"{model}\" is in shards {a} and {b}")]
    DuplicateItem {
        model: String,
        id: String,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("{shard}: item \"{id}\" of model \"{model}\" is not in the suite")]
    StrayItem {
        model: String,
        id: String,
        shard: PathBuf,
    },
    #[error("model \"{model}\": {count} item(s) missing from every shard ({ids}); {first} belongs to shard {shard}")]
    MissingItems {
        model: String,
        count: usize,
        ids: String,
        first: String,
        shard: usize,
    },
    #[error("shard {index} of {count} (by {by}) has none of the {items} items of suite {suite}: profile it with fewer shards or --shard-by item")]
    EmptyShard {
        index: usize,
        count: usize,
        by: &'static str,
        items: usize,
        suite: String,
    },
    #[error("{path}: settings unreadable: {message}")]
    Settings { path: PathBuf, message: String },
}

impl HasKind for ShardError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// What a shard's run produced.
#[derive(Debug)]
pub struct ShardOutcome {
    pub out: PathBuf,
    pub manifest: ShardManifest,
    /// Item predictions that failed (`--keep-going`).
    pub failed: usize,
}

/// Runs the plan's models over the items of one shard, into `--out/shard-I-of-N`: the journal,
/// predictions.parquet (and windows.parquet) of those items and the shard manifest; no report.
pub fn run_shard(plan: &RunPlan, shard: Shard) -> anyhow::Result<ShardOutcome> {
    let base = plan.out.as_deref().ok_or(ShardError::NeedsOut)?;
    let out = shard_dir(base, shard.index, shard.count);
    let mut suite = Suite::load(&plan.suite)?;
    let by = shard.by.unwrap_or_else(|| default_by(&suite));
    let place = ShardPlace {
        index: shard.index,
        count: shard.count,
        by: by.name().into(),
    };
    let settings = serde_json::to_value(RunSettings::of(plan)?).expect("settings serialize");
    if plan.resume {
        if let Some(m) = crate::store::shard::read_manifest(&out)? {
            check_same_run(&out, &m, &place, &settings)?;
        }
    }
    let whole = keep_shard(&mut suite, &plan.suite, shard.index, shard.count, by);
    let mut manifest = ShardManifest {
        format_version: 1,
        tonebench_version: env!("CARGO_PKG_VERSION").into(),
        kind: crate::store::shard::KIND_RUN.into(),
        shard: place,
        suite: whole,
        models: Vec::new(),
        settings,
        ort: ShardRuntime {
            version: crate::infer::ort_version().ok(),
            provider: plan.options.device.provider().into(),
        },
        host: host(plan.options.device.provider()),
        items: suite.items.len(),
        complete: false,
    };
    let (runs, robustness, _lock) = super::run::predict(&suite, plan, &out, None)?;
    let dir = RunDir::create(&out)?;
    crate::store::predictions::write_predictions(&dir.predictions(), &suite, &runs)?;
    manifest.models = runs
        .iter()
        .map(|r| ShardModel {
            name: r.name.clone(),
            spec: r.source.path.clone(),
            sha256: r.source.sha256.clone(),
            files: r.source.files.clone(),
        })
        .collect();
    manifest.complete = true;
    crate::store::shard::write_manifest(&out, &manifest)?;
    Ok(ShardOutcome {
        out,
        manifest,
        failed: super::run::failed(&runs, robustness.as_ref()),
    })
}

/// Keeps the items of shard `index` of `count` in `suite` (loaded from `path`); returns what
/// the manifest records of the whole suite.
pub fn keep_shard(
    suite: &mut Suite,
    path: &Path,
    index: usize,
    count: usize,
    by: ShardBy,
) -> ShardSuite {
    let whole = ShardSuite {
        name: suite.name.clone(),
        path: path.to_owned(),
        manifest_sha256: suite.manifest_sha256.clone(),
        items_sha256: suite.items_sha256.clone(),
        items: suite.items.len(),
    };
    suite
        .items
        .retain(|i| shard_of(key_of(i, by), count) == index);
    whole
}

/// A shard folder being resumed must hold the same shard of the same run.
fn check_same_run(
    dir: &Path,
    m: &ShardManifest,
    place: &ShardPlace,
    settings: &serde_json::Value,
) -> Result<(), ShardError> {
    let name = |p: &ShardPlace| format!("{}/{} by {}", p.index, p.count, p.by);
    if &m.shard != place {
        return Err(ShardError::OtherShard {
            dir: dir.to_owned(),
            found: name(&m.shard),
            want: name(place),
        });
    }
    if let Some((key, _, _)) = first_difference(&m.settings, settings, "settings") {
        return Err(ShardError::OtherSettings {
            dir: dir.to_owned(),
            key,
        });
    }
    Ok(())
}

/// The first dotted path at which two JSON values differ, with both values.
pub fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: &str,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let null = Value::Null;
                first_difference(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &format!("{at}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some((at.to_owned(), a.to_string(), b.to_string())),
    }
}

/// The machine this process runs on; latency figures are grouped by its `class`.
pub fn host(provider: &str) -> Host {
    let hostname = crate::open::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let cpu = crate::open::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Host {
        class: format!("{cpu} x{cores} {provider}"),
        hostname,
        cpu,
        cores,
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// The shard-by a manifest names.
pub fn by_of(place: &ShardPlace) -> ShardBy {
    ShardBy::parse(&place.by).unwrap_or(ShardBy::Item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_and_spreads_keys() {
        // Fixed forever: shards of one run made by different tonebench builds must agree.
        assert_eq!(shard_of("spk-01", 4), shard_of("spk-01", 4));
        let counts = (0..4000).fold([0usize; 4], |mut c, i| {
            c[shard_of(&format!("item-{i}"), 4)] += 1;
            c
        });
        assert!(
            counts.iter().all(|&c| (900..1100).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(shard_of("anything", 1), 0);
    }

    #[test]
    fn differences_are_named_by_path() {
        let a = serde_json::json!({"bootstrap": {"seed": 7, "resamples": 10}, "models": ["a"]});
        let b = serde_json::json!({"bootstrap": {"seed": 8, "resamples": 10}, "models": ["a"]});
        assert_eq!(
            first_difference(&a, &b, "settings"),
            Some(("settings.bootstrap.seed".into(), "7".into(), "8".into()))
        );
        assert_eq!(first_difference(&a, &a, "settings"), None);
    }
}
