//! `tonebench profile`: latency of one model on real suite inputs.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{parse_threads, DeviceArg};
use super::exit;
use crate::app::profile::{profile, ProfilePlan};

#[derive(Debug, Clone, Args)]
pub struct ProfileArgs {
    /// Model spec (model.toml)
    #[arg(long)]
    pub model: PathBuf,
    /// Suite folder (or its suite.toml) whose items are the inputs
    #[arg(long)]
    pub suite: PathBuf,
    /// Execution provider
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// Batch sizes to profile, comma-separated (audio models run one clip per session call)
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = super::args::parse_batch)]
    pub batch: Vec<usize>,
    /// Intra-op threads (0 = ONNX Runtime's default)
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
    /// Untimed calls per batch size before timing
    #[arg(long, default_value_t = 10)]
    pub warmup: u64,
    /// Timed calls per batch size (default 100)
    #[arg(long, conflicts_with = "duration")]
    pub iterations: Option<u64>,
    /// Time each batch size for this many seconds instead of a fixed number of calls
    #[arg(long)]
    pub duration: Option<f64>,
    /// Report a run whose nodes ONNX Runtime placed on the CPU instead of failing (exit 3)
    #[arg(long)]
    pub allow_fallback: bool,
    /// Streaming mode: window length in seconds (audio models)
    #[arg(long)]
    pub window: Option<f64>,
    /// Streaming mode: hop between windows in seconds (default: half the window)
    #[arg(long, requires = "window")]
    pub hop: Option<f64>,
    /// Output folder (default: reports/<suite>-<time>); with --shard, the folder every shard
    /// writes its shard-I-of-N/ under
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
}

pub fn execute(args: &ProfileArgs) -> anyhow::Result<i32> {
    let plan = ProfilePlan {
        model: args.model.clone(),
        suite: args.suite.clone(),
        device: args.device.into(),
        batch: args.batch.clone(),
        threads: args.threads,
        warmup: args.warmup,
        iterations: args.iterations,
        duration: args.duration,
        allow_fallback: args.allow_fallback,
        window: args.window,
        hop: args.hop,
        out: args.out.clone(),
    };
    if let Some(shard) = args.shard.shard()? {
        let (manifest, out) = crate::app::profile_shard::profile_shard(&plan, shard)?;
        println!("{}", super::shard::summary(&manifest, &out));
        return Ok(exit::SUCCESS);
    }
    let (report, out) = profile(&plan)?;
    let mut stdout = std::io::stdout().lock();
    write!(
        stdout,
        "{}",
        crate::render::terminal::profile_table(&report)
    )?;
    writeln!(
        stdout,
        "wrote {}/{{{}}}",
        out.display(),
        crate::store::REPORT_FILES.join(", ")
    )?;
    Ok(exit::SUCCESS)
}
