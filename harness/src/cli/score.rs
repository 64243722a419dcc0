//! `tonebench score`: predictions made elsewhere, scored against a suite.

use std::path::PathBuf;

use clap::Args;

use super::args::BootstrapArgs;
use super::exit;
use crate::app::score::{score, ScorePlan};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Suite folder (or its suite.toml)
    #[arg(long)]
    pub suite: PathBuf,
    /// Predictions table (.csv, .tsv, .parquet, .jsonl) with id, pred and optional p_<label>
    #[arg(long)]
    pub predictions: PathBuf,
    /// Model name in the report (default: the predictions file's stem)
    #[arg(long)]
    pub name: Option<String>,
    /// Output folder (default: reports/<suite>-<time>)
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
    #[command(flatten)]
    pub track: super::track::TrackArgs,
}

pub fn execute(args: &ScoreArgs) -> anyhow::Result<i32> {
    let track = args.track.settings()?;
    let plan = ScorePlan {
        suite: args.suite.clone(),
        predictions: args.predictions.clone(),
        name: args.name.clone(),
        out: args.out.clone(),
        eval: args.bootstrap.settings()?,
    };
    let (report, out) = score(&plan)?;
    super::print_summary(&report, &out)?;
    super::track::log_after(track.as_ref(), &out)?;
    Ok(exit::SUCCESS)
}
