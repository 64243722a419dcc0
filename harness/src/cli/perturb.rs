//! `tonebench perturb`: one suite folder per acoustic condition, to listen to what a model
//! hears under it and to run any other command on it.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::app::perturb::{perturb, PerturbPlan};

#[derive(Debug, Clone, Args)]
pub struct PerturbArgs {
    /// Suite folder (or its suite.toml)
    #[arg(long)]
    pub suite: PathBuf,
    /// Conditions file (TOML, format-version 1)
    #[arg(long)]
    pub conditions: PathBuf,
    /// Seed of every random choice (the same as `run --seed` gives the audio that run heard)
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder: receives one suite folder per condition, DIR/<condition>/
    #[arg(long)]
    pub out: PathBuf,
}

pub fn execute(args: &PerturbArgs) -> anyhow::Result<i32> {
    let written = perturb(&PerturbPlan {
        suite: args.suite.clone(),
        conditions: args.conditions.clone(),
        seed: args.seed,
        out: args.out.clone(),
    })?;
    for w in written {
        crate::status!("{}: {} clips in {}", w.condition, w.clips, w.dir.display());
    }
    Ok(exit::SUCCESS)
}
