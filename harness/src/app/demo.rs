//! `demo`: the bundled demo suite and its four models, run afresh into one folder.

use std::path::{Path, PathBuf};

use super::finish::EvalSettings;
use super::run::RunPlan;
use super::AppError;
use crate::infer::{Device, Options};

/// The bundled demo suite, found next to the executable's repository or the current folder.
pub fn demo_suite_dir() -> Result<PathBuf, AppError> {
    bundled("suites/demo").ok_or(AppError::NoDemoSuite)
}

/// A bundled suite folder (`suites/…`) under the current folder or the executable's repository.
fn bundled(rel: &str) -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from(rel)];
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            candidates.push(dir.join(rel));
        }
    }
    candidates
        .into_iter()
        .find(|c| c.join("suite.toml").is_file())
}

/// The streamed part of the demo: the demo audio model and the demo voice-tone model (the same
/// graph with a speech-presence output of its own) over the bundled calls suite
/// (`suites/demo-calls`) in 5-s windows every 2.5 s, into `out/calls`; `None` when the calls suite
/// is not there.
pub fn demo_calls_plan(out: &Path, eval: EvalSettings) -> anyhow::Result<Option<RunPlan>> {
    let Some(calls) = bundled("suites/demo-calls") else {
        return Ok(None);
    };
    let mut plan = demo_plan(&out.join("calls"), eval)?;
    plan.models = vec![
        plan.suite.join("models/audio.toml"),
        plan.suite.join("models/voice-tone.toml"),
    ];
    plan.suite = calls;
    plan.stream = Some(super::run::StreamRequest {
        window_s: Some(5.0),
        hop_s: Some(2.5),
        batch: super::streaming::DEFAULT_BATCH,
        speech: super::streaming::SpeechChoice::Auto,
    });
    Ok(Some(plan))
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
        retry_failed: false,
        jobs: 1,
        sensitivity_sample: 0,
        eval,
        stream: None,
        conditions: None,
    })
}
