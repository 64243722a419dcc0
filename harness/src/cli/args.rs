//! Arguments shared by several subcommands, and the checks that turn them into the plain
//! settings of the app layer.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use tonebench_core::bootstrap::BootstrapConfig;

use crate::app::finish::EvalSettings;
use crate::error::UsageError;
use crate::infer::{Device, Options};

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
    /// The checked settings of the evaluation.
    pub fn settings(&self) -> Result<EvalSettings, UsageError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(UsageError(format!(
                "--confidence {} must be between 0 and 1, e.g. 0.95",
                self.confidence
            )));
        }
        tonebench_core::limits::at_most(
            "--resamples",
            u64::from(self.resamples),
            tonebench_core::limits::RESAMPLES,
        )
        .map_err(|e| UsageError(e.to_string()))?;
        Ok(EvalSettings {
            bootstrap: BootstrapConfig {
                resamples: self.resamples,
                confidence: self.confidence,
                seed: self.seed,
            },
            cohorts_from: self.cohorts_from.clone(),
            examples: self.examples,
        })
    }
}

/// Where a session runs, as spelled on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    #[default]
    Cpu,
    Cuda,
    /// TensorRT, with CUDA for the nodes TensorRT does not take.
    Tensorrt,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Device {
        match d {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
            DeviceArg::Tensorrt => Device::Tensorrt,
        }
    }
}

/// How sessions run; shared by `run` and `profile`.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Intra-op threads (0 = ONNX Runtime's default)
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
    /// Text batch size. The default 1 reproduces batch-1 references exactly; larger batches may
    /// change outputs of dynamically quantized models (tonebench measures and reports by how much)
    #[arg(long, default_value_t = 1, value_parser = parse_positive)]
    pub batch: usize,
    /// Execution provider
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
}

impl ExecArgs {
    pub fn options(&self) -> Options {
        Options {
            threads: self.threads,
            batch: self.batch.max(1),
            device: self.device.into(),
        }
    }
}

/// A count of at least 1.
pub fn parse_positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a whole number of at least 1")),
    }
}

/// The most intra-op threads tonebench asks ONNX Runtime for: far beyond any core count, low
/// enough that a typo does not start thousands of threads.
pub const MAX_THREADS: usize = 256;

/// Intra-op threads: 0 (ONNX Runtime's default) to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(format!(
            "{s:?} is not a thread count from 0 (ONNX Runtime's default) to {MAX_THREADS}"
        )),
    }
}
