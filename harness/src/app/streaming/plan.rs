//! The streaming plan of a run: `--window`/`--hop` over each model spec's and the suite's
//! `[streaming]` (DESIGN.md "Which window").

use super::StreamPlan;
use crate::app::run::RunPlan;
use crate::input::suite::{StreamingManifest, Suite};

/// Calls pictured in a streamed run's reports when `--examples` is not given.
const DEFAULT_TIMELINES: usize = 3;

/// The streaming plan of a run: the request on the command line over the models' and the
/// suite's `[streaming]`. `model_windows` holds each model spec's `[streaming]`; a calls suite
/// (one with segments) is streamed when any of them sets a window.
pub(in crate::app) fn stream_plan(
    plan: &RunPlan,
    suite: &Suite,
    model_windows: &[(String, Option<StreamingManifest>)],
) -> anyhow::Result<Option<StreamPlan>> {
    let req = plan.stream;
    let hop = req.and_then(|r| r.hop_s);
    let cli = req.and_then(|r| r.window_s);
    let default = match cli {
        Some(window) => Some(StreamingManifest { window, hop: None }),
        None => suite.streaming,
    };
    let by_model = suite.segments.is_some() && model_windows.iter().any(|(_, w)| w.is_some());
    if default.is_none() && !by_model {
        if req.is_some() {
            return Err(crate::error::UsageError(format!(
                "streaming options given, but neither --window, suite {}'s [streaming] nor a model spec's [streaming] sets a window",
                suite.name
            ))
            .into());
        }
        return Ok(None);
    }
    if default.is_none() {
        if let Some((name, _)) = model_windows.iter().find(|(_, w)| w.is_none()) {
            return Err(crate::error::UsageError(format!(
                "model {name} has no [streaming] window and neither --window nor suite {}'s [streaming] sets one",
                suite.name
            ))
            .into());
        }
    }
    let spec = default
        .map(|s| {
            s.spec(hop)
                .map_err(|e| crate::error::UsageError(format!("--window/--hop: {e}")))
        })
        .transpose()?;
    Ok(Some(StreamPlan {
        spec,
        forced: cli.is_some(),
        hop,
        batch: req.map_or(super::DEFAULT_BATCH, |r| r.batch.max(1)),
        speech: req.map(|r| r.speech).unwrap_or_default(),
        timelines: if plan.eval.examples > 0 {
            plan.eval.examples
        } else {
            DEFAULT_TIMELINES
        },
    }))
}
