//! `tonebench run`: ONNX models over a suite, journaled and resumable.

use std::path::PathBuf;

use clap::Args;

use super::args::{parse_positive, BootstrapArgs, ExecArgs};
use super::exit;
use crate::app::run::{run, RunPlan};

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Suite folder (or its suite.toml)
    #[arg(long)]
    pub suite: PathBuf,
    /// Model spec (model.toml); repeat for several models
    #[arg(long = "model", required = true)]
    pub models: Vec<PathBuf>,
    /// Output folder (default: reports/<suite>-<time>)
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Continue an interrupted run in --out: items already predicted are not run again
    #[arg(long)]
    pub resume: bool,
    /// Record an item that fails (bad audio, …) as an error and go on, instead of stopping
    #[arg(long)]
    pub keep_going: bool,
    /// Sessions run in parallel, each on its own thread (with --threads 1 each, --jobs 2 uses two
    /// cores for small models better than one session with two threads)
    #[arg(long, default_value_t = 1, value_parser = parse_positive)]
    pub jobs: usize,
    /// Items sampled to measure how much --batch changes outputs (0 = skip the check)
    #[arg(long, default_value_t = 64)]
    pub sensitivity_sample: usize,
    /// Conditions file (TOML): every audio or hybrid model is also scored under each acoustic
    /// condition (noise at an SNR, speed, tempo, reverberation, telephone channel, gain, clipping)
    #[arg(long)]
    pub conditions: Option<PathBuf>,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
}

impl RunArgs {
    pub fn plan(&self) -> anyhow::Result<RunPlan> {
        Ok(RunPlan {
            suite: self.suite.clone(),
            models: self.models.clone(),
            out: self.out.clone(),
            options: self.exec.options(),
            resume: self.resume,
            keep_going: self.keep_going,
            jobs: self.jobs,
            sensitivity_sample: self.sensitivity_sample,
            eval: self.bootstrap.settings()?,
            conditions: self.conditions.clone(),
        })
    }
}

pub fn execute(args: &RunArgs) -> anyhow::Result<i32> {
    run_plan(&args.plan()?)
}

/// Runs a plan and prints its summary; shared with `demo`.
pub fn run_plan(plan: &RunPlan) -> anyhow::Result<i32> {
    let outcome = run(plan)?;
    super::print_summary(&outcome.report, &outcome.out)?;
    // With --keep-going the report is complete, but the exit code still says items failed.
    if outcome.failed > 0 {
        eprintln!(
            "error: {} item prediction(s) failed and are not scored; see the warnings in {}",
            outcome.failed,
            outcome.out.join(crate::store::REPORT_JSON).display()
        );
        return Ok(exit::INVALID_INPUT);
    }
    Ok(exit::SUCCESS)
}
