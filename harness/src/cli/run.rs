//! `tonebench run`: ONNX models over a suite, journaled and resumable.

use std::path::PathBuf;

use clap::Args;

use super::args::{parse_positive, BootstrapArgs, ExecArgs};
use super::exit;
use crate::app::run::{run, RunPlan, StreamRequest};
use crate::app::streaming::SpeechChoice;

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
    /// With --resume: predict again the items the journal records as failed (after fixing them)
    #[arg(long)]
    pub retry_failed: bool,
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
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub track: super::track::TrackArgs,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
}

/// Streaming evaluation: each recording cut into fixed windows, as a real-time service runs.
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// Evaluate over windows of this many seconds of every recording, for every model (without
    /// it: a model spec's [streaming], else the suite's): speech presence, window, rolling-30-s
    /// and whole-call metrics
    #[arg(long, value_name = "SECONDS")]
    pub window: Option<f64>,
    /// Seconds from one window to the next (default: half the window)
    #[arg(long, value_name = "SECONDS")]
    pub hop: Option<f64>,
    /// Windows per session call (same length, so no padding; what batching changes is measured
    /// on the first call and reported) [default: 1]
    #[arg(long, value_parser = super::args::parse_batch)]
    pub window_batch: Option<usize>,
    /// Where per-window speech presence comes from [default: auto = the model's own [speech]
    /// output when its spec declares one, else silero-vad when installed, else energy]
    #[arg(long, value_enum)]
    pub speech: Option<SpeechArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpeechArg {
    Auto,
    SileroVad,
    Energy,
    Oracle,
    Model,
}

impl StreamArgs {
    /// The request, when any streaming option was given.
    pub fn request(&self) -> Option<StreamRequest> {
        let any = self.window.is_some()
            || self.hop.is_some()
            || self.window_batch.is_some()
            || self.speech.is_some();
        any.then(|| StreamRequest {
            window_s: self.window,
            hop_s: self.hop,
            batch: self
                .window_batch
                .unwrap_or(crate::app::streaming::DEFAULT_BATCH),
            speech: match self.speech.unwrap_or(SpeechArg::Auto) {
                SpeechArg::Auto => SpeechChoice::Auto,
                SpeechArg::SileroVad => SpeechChoice::SileroVad,
                SpeechArg::Energy => SpeechChoice::Energy,
                SpeechArg::Oracle => SpeechChoice::Oracle,
                SpeechArg::Model => SpeechChoice::Model,
            },
        })
    }
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
            retry_failed: self.retry_failed,
            jobs: self.jobs,
            sensitivity_sample: self.sensitivity_sample,
            eval: self.bootstrap.settings()?,
            stream: self.stream.request(),
            conditions: self.conditions.clone(),
        })
    }
}

pub fn execute(args: &RunArgs) -> anyhow::Result<i32> {
    let track = args.track.settings()?;
    let shard = args.shard.shard()?;
    if shard.is_some() && track.is_some() {
        return Err(crate::error::UsageError(
            "--mlflow logs a whole run: log the merged folder with `tonebench log mlflow` \
             after `tonebench merge`, not each --shard"
                .into(),
        )
        .into());
    }
    let plan = args.plan()?;
    match shard {
        Some(shard) => {
            let outcome = crate::app::shard::run_shard(&plan, shard)?;
            crate::status!("{}", super::shard::summary(&outcome.manifest, &outcome.out));
            if outcome.failed > 0 {
                eprintln!(
                    "error: {} item prediction(s) failed and are not scored",
                    outcome.failed
                );
                return Ok(exit::INVALID_INPUT);
            }
            Ok(exit::SUCCESS)
        }
        None => run_plan(&plan, track.as_ref()),
    }
}

/// Runs a plan, prints its summary and logs it to a tracker when asked; shared with `demo`.
pub fn run_plan(plan: &RunPlan, track: Option<&crate::track::Settings>) -> anyhow::Result<i32> {
    let outcome = run(plan)?;
    let code = report_outcome(&outcome)?;
    super::track::log_after(track, &outcome.out)?;
    Ok(code)
}

/// Prints a finished run's summary; the exit code says whether items failed (`run`, `merge`).
pub fn report_outcome(outcome: &crate::app::run::RunOutcome) -> anyhow::Result<i32> {
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
