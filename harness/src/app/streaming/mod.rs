//! `run --window W --hop H`: every model over the windows of every call, as a real-time voice
//! tone service runs it. Each call is decoded and resampled once (on a second thread, one call
//! ahead of the session), cut into windows of one length, predicted in batches of windows,
//! given a speech decision per window, journaled, and finally evaluated by the core
//! (`tonebench_core::streaming`): speech presence, window, rolling-30-s and whole-call
//! metrics, clustered by call. The whole-call estimates are the model's per-item predictions,
//! so cohorts, comparisons and gates work on calls unchanged.

mod outcome;
pub mod plan;
mod speech;

use std::time::{Duration, Instant};

use tonebench_core::streaming::WindowSpec;

pub use speech::SpeechChoice;

use super::run::{register, RunPlan};
use super::source::ModelFiles;
use super::AppError;
use crate::infer::Model;
use crate::input::suite::{ItemRef, Suite};
use crate::runs::ModelRun;
use crate::store::journal::{Done, Entry, Journal};
use crate::store::windows::WindowRow;
use speech::Speech;

/// How a streamed run cuts and judges calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamPlan {
    /// The window of the models whose spec has no `[streaming]`: the command line's, else the
    /// suite's; `None` when only model specs set windows.
    pub spec: Option<WindowSpec>,
    /// `--window` was given: it overrides the models' `[streaming]` too.
    pub forced: bool,
    /// `--hop`: it overrides the hop of a model's `[streaming]`.
    pub hop: Option<f64>,
    /// Windows per session call.
    pub batch: usize,
    pub speech: SpeechChoice,
    /// Calls pictured in the reports (the worst first).
    pub timelines: usize,
}

impl StreamPlan {
    /// The window `model` runs on: `--window`, else its spec's `[streaming]`, else the suite's.
    pub fn window(&self, model: &Model) -> anyhow::Result<WindowSpec> {
        let own = model.service.streaming.filter(|_| !self.forced);
        match (own, self.spec) {
            (Some(s), _) => s.spec(self.hop).map_err(|e| {
                crate::error::UsageError(format!("model {}: [streaming]: {e}", model.name)).into()
            }),
            (None, Some(spec)) => Ok(spec),
            (None, None) => Err(crate::error::UsageError(format!(
                "model {} has no [streaming] window and neither --window nor the suite sets one",
                model.name
            ))
            .into()),
        }
    }
}

/// Windows per session call when `--window-batch` is not given: batch 1, which reproduces
/// batch-1 references exactly and was also the faster on the CPU (benches/streaming.rs: the
/// audio CNN at 396x real time per core at batch 1, 340x at batch 16; docs/benchmarks.md).
/// Batches of equal-length windows are for accelerators and static shapes.
pub const DEFAULT_BATCH: usize = 1;
/// Windows of the first call run at batch 1 to measure what batching changes.
const EXACTNESS_SAMPLE: usize = 16;

/// The streamed runs of every model and their windows.
pub struct Streamed {
    pub runs: Vec<ModelRun>,
    pub windows: Vec<WindowRow>,
}

/// A call decoded for one model: samples at the model's rate (and at 16 kHz for the VAD).
struct Decoded {
    samples: Vec<f32>,
    /// The speech source's frame scores (`None` for the oracle), computed on the decoding thread
    /// while the session runs the previous call.
    frames: Result<Option<tonebench_core::streaming::speech::Frames>, crate::infer::InferError>,
    duration_s: f64,
    took: Duration,
}

/// Decodes a call; `speech` scores its frames unless the model brings its own speech output.
fn decode(
    item: ItemRef<'_>,
    rate: u32,
    speech: Option<&mut Speech>,
) -> Result<Decoded, crate::audio::AudioError> {
    let t = Instant::now();
    let path = item.audio().unwrap_or(std::path::Path::new(""));
    let source = crate::audio::decode(path)?;
    let samples = crate::audio::resample(path, &source, rate)?;
    let frames = match speech {
        None => Ok(None),
        Some(speech) => {
            let at_16k = (speech.wants_16k() && rate != crate::infer::vad::RATE)
                .then(|| crate::audio::resample(path, &source, crate::infer::vad::RATE))
                .transpose()?;
            speech.frames(item.id(), &samples, rate, at_16k.as_deref())
        }
    };
    Ok(Decoded {
        samples,
        frames,
        duration_s: source.duration_s(),
        took: t.elapsed(),
    })
}

/// Runs every model of `plan` over the calls of `suite`, window by window, skipping the calls
/// the journal holds.
pub fn run_models(
    suite: &Suite,
    plan: &RunPlan,
    stream: &StreamPlan,
    journal: &mut Journal,
    done: &mut std::collections::HashMap<String, Done>,
) -> anyhow::Result<Streamed> {
    if let Some(item) = suite.items.iter().find(|i| i.audio().is_none()) {
        return Err(AppError::StreamNoAudio(item.id().to_owned()).into());
    }
    // Segments past the end of their audio are found before any model runs.
    if let Some(segs) = &suite.segments {
        for item in &suite.items {
            if let Some(path) = item.audio() {
                segs.check_duration(item.id(), crate::audio::duration_s(path)?)?;
            }
        }
    }
    let labels = suite.labels.names();
    let mut run_speech = Speech::open(stream.speech)?;
    let mut out = Streamed {
        runs: Vec::new(),
        windows: Vec::new(),
    };
    for spec in &plan.models {
        let mut model = Model::load(spec, labels, plan.options)?;
        let Some(rate) = model.sample_rate() else {
            return Err(AppError::StreamTextModel(model.name.clone()).into());
        };
        let window = stream.window(&model)?;
        let own = speech::own(stream.speech, &model)?;
        let (source, mut speech) = match (&own, run_speech.as_mut()) {
            (Some(s), _) => (speech::own_source(s), None),
            (None, Some(r)) => (r.source(), Some(r)),
            (None, None) => return Err(AppError::NoModelSpeech(model.name.clone()).into()),
        };
        let files = ModelFiles::read(spec, &model.files)?;
        let identity = format!(
            "{}|window={}|hop={}|window-batch={}|speech={}",
            files.identity(plan.options.batch),
            window.window_s,
            window.hop_s,
            stream.batch,
            source.name
        );
        let name = model.name.clone();
        register(journal, done, &name, identity, labels.len())?;
        let todo: Vec<ItemRef<'_>> = suite
            .items
            .iter()
            .filter(|i| !done[&name].contains(i.id()))
            .collect();
        if todo.len() < suite.items.len() {
            crate::note!(
                "{name}: resuming, {} of {} calls already done",
                suite.items.len() - todo.len(),
                suite.items.len()
            );
        }
        let bar = crate::term::bar(suite.items.len(), name.clone(), "calls");
        bar.set_position((suite.items.len() - todo.len()) as u64);
        let started = Instant::now();
        let (mut audio_s, mut session) = (0.0f64, Duration::ZERO);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let todo = &todo;
            let speech = &mut speech;
            scope.spawn(move || {
                for &item in todo.iter() {
                    if tx.send(decode(item, rate, speech.as_deref_mut())).is_err() {
                        break;
                    }
                }
            });
            for (&item, decoded) in todo.iter().zip(rx) {
                let t = Instant::now();
                let decoded = match decoded {
                    Ok(d) => d,
                    Err(e) if plan.keep_going => {
                        record(journal, done, failed(&name, item, &e))?;
                        bar.inc(1);
                        continue;
                    }
                    Err(e) => {
                        bar.abandon();
                        return Err(anyhow::Error::from(e).context(format!(
                            "call \"{}\" (pass --keep-going to record failing calls and go on; --resume continues this run)",
                            item.id()
                        )));
                    }
                };
                let n = decoded.samples.len();
                let windows = tonebench_core::streaming::windows(n, rate, &window);
                let w = window.window_samples(rate);
                let text = item.text();
                let predicted = match model.predict_windows(
                    &decoded.samples,
                    &windows,
                    w,
                    stream.batch,
                    text,
                ) {
                    Ok(p) => p,
                    Err(e) if e.is_item() && plan.keep_going => {
                        record(journal, done, failed(&name, item, &e))?;
                        bar.inc(1);
                        continue;
                    }
                    Err(e) => {
                        bar.abandon();
                        return Err(
                            anyhow::Error::from(e).context(format!("call \"{}\"", item.id()))
                        );
                    }
                };
                if done[&name].batch.is_none() && stream.batch > 1 && windows.len() > 1 {
                    let e = outcome::exactness(
                        &mut model,
                        &decoded.samples,
                        &windows,
                        w,
                        &predicted.probs,
                        labels.len(),
                        stream.batch,
                        EXACTNESS_SAMPLE,
                        text,
                    )?;
                    let entry = Entry::Batch {
                        model: name.clone(),
                        batch: e.batch,
                        windows: e.windows,
                        argmax_agreement: e.argmax_agreement,
                        max_abs_diff: e.max_abs_diff,
                    };
                    record(journal, done, entry)?;
                }
                let spans: Vec<(f64, f64)> = windows.iter().map(|x| x.span_s(rate)).collect();
                let frames = decoded.frames?;
                let (speech_pred, fraction): (Vec<bool>, Vec<f64>) = match (&own, frames) {
                    (Some(s), _) => predicted
                        .speech
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .map(|&p| (f64::from(p) >= s.threshold, f64::from(p)))
                        .unzip(),
                    (None, Some(f)) => f
                        .decide(&spans)
                        .into_iter()
                        .map(|d| (d.speech, d.fraction))
                        .unzip(),
                    (None, None) => outcome::oracle_decisions(
                        suite,
                        item,
                        &spans,
                        labels.len(),
                        decoded.duration_s,
                    ),
                };
                session += predicted.session;
                audio_s += decoded.duration_s;
                let entry = Entry::Call {
                    model: name.clone(),
                    id: item.id().to_owned(),
                    probs: predicted.probs,
                    speech: speech_pred,
                    fraction,
                    source: source.name.clone(),
                    samples: n,
                    latency_ms: (t.elapsed() + decoded.took).as_secs_f64() * 1e3,
                };
                record(journal, done, entry)?;
                bar.inc(1);
            }
            Ok(())
        })?;
        bar.finish_and_clear();
        if audio_s > 0.0 {
            let wall = started.elapsed().as_secs_f64();
            crate::note!(
                "{name}: {audio_s:.1} s of calls in {wall:.2} s ({:.0}x real time; session.run {:.2} s)",
                audio_s / wall.max(1e-9),
                session.as_secs_f64()
            );
        }
        let made = outcome::model_run(
            suite,
            &model,
            &files,
            &done[&name],
            rate,
            &StreamPlan {
                spec: Some(window),
                ..*stream
            },
            &source,
            &plan.eval,
        );
        out.windows.extend(made.windows);
        out.runs.push(made.run);
    }
    Ok(out)
}

/// Appends an entry to the journal and to what is known to be done.
fn record(
    journal: &mut Journal,
    done: &mut std::collections::HashMap<String, Done>,
    entry: Entry,
) -> anyhow::Result<()> {
    Ok(journal.record(done, [entry])?)
}

/// The journal entry of a call that failed (`--keep-going`).
fn failed(model: &str, item: ItemRef<'_>, e: &dyn std::fmt::Display) -> Entry {
    Entry::Error {
        model: model.to_string(),
        id: item.id().to_owned(),
        error: e.to_string(),
    }
}
