//! `demo`: the bundled demo suite and its four models, run afresh into one folder.

use std::path::{Path, PathBuf};

use super::finish::EvalSettings;
use super::run::RunPlan;
use super::AppError;
use crate::infer::{Device, Options};

/// The bundled demo suite, found next to the executable's repository or the current folder.
pub fn demo_suite_dir() -> Result<PathBuf, AppError> {
    let mut candidates = vec![PathBuf::from("suites/demo")];
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            candidates.push(dir.join("suites/demo"));
        }
    }
    candidates
        .into_iter()
        .find(|c| c.join("suite.toml").is_file())
        .ok_or(AppError::NoDemoSuite)
}

/// The run the demo makes: every demo model on the CPU at batch 1, into `out`, which is cleared
/// of an earlier demo's run first.
pub fn demo_plan(out: &Path, eval: EvalSettings) -> anyhow::Result<RunPlan> {
    let dir = demo_suite_dir()?;
    let models: Vec<PathBuf> = ["text.toml", "audio.toml", "hybrid.toml", "late-fusion.toml"]
        .iter()
        .map(|m| dir.join("models").join(m))
        .collect();
    // The demo always starts afresh: an earlier demo's run in its folder is replaced.
    crate::store::clear_run(out)?;
    Ok(RunPlan {
        suite: dir,
        models,
        out: Some(out.to_owned()),
        options: Options {
            threads: 0,
            batch: 1,
            device: Device::Cpu,
        },
        resume: false,
        keep_going: false,
        jobs: 1,
        sensitivity_sample: 0,
        eval,
        conditions: None,
    })
}
