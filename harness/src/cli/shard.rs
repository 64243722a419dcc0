//! `run --shard I/N | auto` and `tonebench merge`: the arguments of a sharded run, the index a
//! scheduler gives a task (Slurm job arrays, Kubernetes Indexed Jobs), and the merge.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::parse_positive;
use crate::app::merge::{merge, MergePlan};
use crate::app::shard::{Shard, ShardBy};
use crate::error::UsageError;

/// Which piece of a run split across machines this process runs.
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Run only shard I of N (I = 0 … N−1) into --out/shard-I-of-N, for `tonebench merge`;
    /// `auto`: I (and N) from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT or
    /// JOB_COMPLETION_INDEX (with --shards N)
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// The number of shards, for --shard auto (required with JOB_COMPLETION_INDEX; --shards N
    /// alone means --shard auto)
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    pub shards: Option<usize>,
    /// What the stable hash splits [default: speaker when the suite has speakers, so a
    /// speaker's items stay together, else item]
    #[arg(long, value_enum)]
    pub shard_by: Option<ShardByArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShardByArg {
    Speaker,
    Item,
}

impl ShardArgs {
    /// The shard asked for, reading the scheduler's variables for `auto`.
    pub fn shard(&self) -> Result<Option<Shard>, UsageError> {
        resolve(self, |name| std::env::var(name).ok())
    }
}

/// [`ShardArgs::shard`] with the environment given.
pub fn resolve(
    args: &ShardArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, UsageError> {
    let by = args.shard_by.map(|b| match b {
        ShardByArg::Speaker => ShardBy::Speaker,
        ShardByArg::Item => ShardBy::Item,
    });
    let spelled = match (args.shard.as_deref(), args.shards) {
        (None, None) if by.is_some() => {
            return Err(UsageError(
                "--shard-by needs --shard I/N (or --shard auto)".into(),
            ))
        }
        (None, None) => return Ok(None),
        (None, Some(_)) => "auto",
        (Some(s), _) => s,
    };
    let (index, count) = if spelled == "auto" {
        from_env(args.shards, &env)?
    } else {
        let bad = || {
            UsageError(format!(
                "--shard {spelled:?}: expected I/N with 0 <= I < N, e.g. 0/4, or auto"
            ))
        };
        let (i, n) = spelled.split_once('/').ok_or_else(bad)?;
        let (i, n): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if args.shards.is_some_and(|s| s != n) {
            return Err(UsageError(format!(
                "--shard {spelled} and --shards {} disagree",
                args.shards.unwrap_or(0)
            )));
        }
        (i, n)
    };
    if count == 0 || index >= count {
        return Err(UsageError(format!(
            "shard {index} of {count}: the index must be 0 … N−1"
        )));
    }
    Ok(Some(Shard { index, count, by }))
}

/// The task index a scheduler set: a Slurm job array's (counted from its first task, by its
/// step) or a Kubernetes Indexed Job's.
fn from_env(
    shards: Option<usize>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(usize, usize), UsageError> {
    let num = |name: &str| -> Result<Option<usize>, UsageError> {
        env(name)
            .map(|v| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| UsageError(format!("{name}={v:?} is not a whole number")))
            })
            .transpose()
    };
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let index = id.saturating_sub(min) / step;
        let count =
            match (num("SLURM_ARRAY_TASK_COUNT")?, shards) {
                (Some(c), Some(s)) if c != s => {
                    return Err(UsageError(format!(
                        "--shards {s}, but the Slurm array has {c} tasks (SLURM_ARRAY_TASK_COUNT)"
                    )))
                }
                (Some(c), _) | (None, Some(c)) => c,
                (None, None) => return Err(UsageError(
                    "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: pass --shards N"
                        .into(),
                )),
            };
        return Ok((index, count));
    }
    if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let count = shards.ok_or_else(|| {
            UsageError(
                "JOB_COMPLETION_INDEX is set: pass --shards N (the Job's completions)".into(),
            )
        })?;
        return Ok((index, count));
    }
    Err(UsageError(
        "--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; pass --shard I/N"
            .into(),
    ))
}

/// `tonebench merge`: the shards of one run, evaluated once.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Shard run folders written by `run --shard`, or the --out folder that holds them
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    /// The merged run folder (report.json as the unsharded run's, byte for byte)
    #[arg(long)]
    pub out: PathBuf,
}

pub fn execute_merge(args: &MergeArgs) -> anyhow::Result<i32> {
    let outcome = merge(&MergePlan {
        shards: args.shards.clone(),
        out: args.out.clone(),
    })?;
    super::run::report_outcome(&outcome)
}

/// What a finished shard prints: which piece it ran, and how to merge.
pub fn summary(m: &crate::store::shard::ShardManifest, out: &std::path::Path) -> String {
    let parent = out.parent().unwrap_or(out);
    format!(
        "shard {} of {} (by {}): {} of {} items of suite {} on {}\nwrote {}; when every shard is done: tonebench merge {} --out MERGED",
        m.shard.index,
        m.shard.count,
        m.shard.by,
        m.items,
        m.suite.items,
        m.suite.name,
        m.host.hostname,
        out.display(),
        parent.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(shard: Option<&str>, shards: Option<usize>) -> ShardArgs {
        ShardArgs {
            shard: shard.map(str::to_owned),
            shards,
            shard_by: None,
        }
    }

    fn check(a: ShardArgs, env: &[(&str, &str)]) -> Result<Option<(usize, usize)>, String> {
        resolve(&a, |n| {
            env.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
        .map(|s| s.map(|s| (s.index, s.count)))
        .map_err(|e| e.0)
    }

    #[test]
    fn shards_come_from_the_flag_or_the_scheduler() {
        assert_eq!(check(args(None, None), &[]), Ok(None));
        assert_eq!(check(args(Some("2/4"), None), &[]), Ok(Some((2, 4))));
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ];
        assert_eq!(check(args(Some("auto"), None), &slurm), Ok(Some((4, 8))));
        let k8s = [("JOB_COMPLETION_INDEX", "3")];
        assert_eq!(check(args(None, Some(4)), &k8s), Ok(Some((3, 4))));
        assert!(check(args(Some("auto"), None), &k8s)
            .unwrap_err()
            .contains("--shards N"));
        assert!(check(args(Some("4/4"), None), &[])
            .unwrap_err()
            .contains("0 … N−1"));
        assert!(check(args(Some("1-4"), None), &[])
            .unwrap_err()
            .contains("expected I/N"));
        assert!(check(args(Some("auto"), None), &[])
            .unwrap_err()
            .contains("neither"));
    }
}
