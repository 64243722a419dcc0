//! The command line: clap definitions and dispatch. Each command lives in its own module and
//! returns an exit code; this module only parses arguments and maps errors to exit codes.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tonebench_core::bootstrap::BootstrapConfig;

use crate::exit;

#[derive(Debug, Parser)]
#[command(
    name = "tonebench",
    version,
    about = "Evaluation and fairness benchmarking for text, audio and hybrid sentiment models",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole job on the bundled demo suite and models; writes reports/demo/
    Demo(crate::commands::DemoArgs),
    /// Run ONNX models over a suite and score them
    Run(crate::run::RunArgs),
    /// Score predictions made outside tonebench against a suite
    Score(crate::commands::ScoreArgs),
    /// Release gate: check a run's report against rules and, optionally, a baseline
    Gate(crate::gate::GateArgs),
    /// Record and inspect the baselines gates compare against
    Baseline(crate::baseline::BaselineArgs),
    /// Re-render report.html from a run's report.json
    Report(crate::render::ReportArgs),
    /// Render several runs side by side
    Compare(crate::render::CompareArgs),
    /// Latency profile of a model on real suite inputs (CPU, CUDA or TensorRT)
    Profile(crate::profile::ProfileArgs),
    /// Where ONNX Runtime was found, its version, which execution providers work
    Doctor(crate::infer::DoctorArgs),
}

/// Options shared by the commands that score: confidence intervals and cohorts.
#[derive(Debug, Clone, Args)]
pub struct BootstrapArgs {
    /// Bootstrap resamples for confidence intervals (0 = no intervals)
    #[arg(long, default_value_t = 1000)]
    pub resamples: u32,
    /// Two-sided confidence level of the intervals
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Seed of the bootstrap (same inputs and seed give byte-identical report.json)
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Apply the embedding cohorts of an earlier run (its folder or cohorts.json) instead of
    /// clustering anew, so cohorts are the same across models and releases
    #[arg(long, value_name = "RUN")]
    pub cohorts_from: Option<PathBuf>,
    /// Add the N most confidently misclassified items of every cohort to the report (evidence
    /// for a fairness review; item text is included)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub examples: usize,
}

impl BootstrapArgs {
    pub fn config(&self) -> anyhow::Result<BootstrapConfig> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(exit::input(anyhow::anyhow!(
                "--confidence {} must be between 0 and 1, e.g. 0.95",
                self.confidence
            )));
        }
        Ok(BootstrapConfig {
            resamples: self.resamples,
            confidence: self.confidence,
            seed: self.seed,
        })
    }
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // One line, like every other error: the first line of clap's message plus where to
            // look for the usage.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let _ = writeln!(std::io::stderr(), "{first} (see tonebench --help)");
            return exit::INVALID_INPUT;
        }
        Err(e) => {
            let _ = e.print();
            return exit::SUCCESS;
        }
    };
    let result = match &cli.command {
        Command::Demo(a) => crate::commands::demo(a),
        Command::Run(a) => crate::run::execute(a),
        Command::Score(a) => crate::commands::score(a),
        Command::Gate(a) => crate::gate::execute(a),
        Command::Baseline(a) => crate::baseline::execute(a),
        Command::Report(a) => crate::render::execute(a),
        Command::Compare(a) => crate::render::execute_compare(a),
        Command::Doctor(a) => crate::infer::execute(a),
        Command::Profile(a) => crate::profile::execute(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => exit::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            exit::code_for(&e)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The output folder given, or the default one for a suite.
pub fn out_dir(given: &Option<PathBuf>, suite: &str) -> PathBuf {
    given
        .clone()
        .unwrap_or_else(|| crate::output::default_out_dir(suite))
}
