//! `tonebench run`: runs ONNX models over a suite, journaling every prediction as it is made,
//! resumable after an interruption, and writes the same run folder as `score`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tonebench_core::report::{Report, Warning, WarningCode};

use super::embeddings::Ahead;
use super::finish::{finish_run_with, EvalSettings};
use super::robustness::RobustnessRuns;
use super::source::{ModelFiles, OnnxModel};
use super::AppError;
use crate::infer::{self, InferError, InferInput, Model, Options};
use crate::input::suite::Suite;
use crate::runs::ModelRun;
use crate::store::journal::{Done, Entry, Journal};
use crate::store::RunDir;

/// What `run` does: every model over the suite, into one run folder.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub suite: PathBuf,
    /// Model specs, in report order.
    pub models: Vec<PathBuf>,
    /// The run folder (default: `reports/<suite>-<time>`).
    pub out: Option<PathBuf>,
    pub options: Options,
    /// Continue an interrupted run in `out`.
    pub resume: bool,
    /// Record failing items and go on.
    pub keep_going: bool,
    /// With `resume`: predict again the items the journal records as failed.
    pub retry_failed: bool,
    /// Sessions on worker threads.
    pub jobs: usize,
    /// Items sampled to measure the effect of batching (0 = no check).
    pub sensitivity_sample: usize,
    pub eval: EvalSettings,
    /// `--conditions FILE`: every audio model once more under each acoustic condition.
    pub conditions: Option<PathBuf>,
    /// `--window`: evaluate over the windows of each recording (else the suite's
    /// `[streaming]`, else whole items).
    pub stream: Option<StreamRequest>,
}

/// What `--window`, `--hop`, `--window-batch` and `--speech` asked for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamRequest {
    /// `None`: the suite's `[streaming]` window (an error when it has none).
    pub window_s: Option<f64>,
    pub hop_s: Option<f64>,
    pub batch: usize,
    pub speech: super::streaming::SpeechChoice,
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: Report,
    pub out: PathBuf,
    /// Item predictions that failed (`--keep-going`) and are not scored.
    pub failed: usize,
}

/// Items predicted between journal flushes and progress updates.
const CHUNK: usize = 32;
/// How often predictions.parquet is rewritten during a run.
const PARQUET_EVERY: Duration = Duration::from_secs(5);

/// Runs the plan: loads the suite, checks the models' names and the journal, predicts what is
/// not yet journaled, evaluates and writes the run folder.
pub fn run(plan: &RunPlan) -> anyhow::Result<RunOutcome> {
    run_suite(plan, Suite::load(&plan.suite)?)
}

/// [`run`] over a suite already loaded (`merge` has checked it against the shards).
pub(super) fn run_suite(plan: &RunPlan, suite: Suite) -> anyhow::Result<RunOutcome> {
    let out = crate::store::out_dir(plan.out.as_deref(), &suite.name);
    // The embeddings of embedding cohorts are made as the audio models decode the clips.
    let mut ahead = super::embeddings::Ahead::for_suite(&suite)?;
    let (runs, robustness, _lock) = predict(&suite, plan, &out, ahead.as_mut())?;
    let report = finish_run_with(&suite, &runs, robustness.as_ref(), ahead, &plan.eval, &out)?;
    Ok(RunOutcome {
        report,
        out,
        failed: failed(&runs, robustness.as_ref()),
    })
}

/// Item predictions that failed (`--keep-going`), clean and under conditions.
pub(super) fn failed(runs: &[ModelRun], robustness: Option<&RobustnessRuns>) -> usize {
    runs.iter()
        .map(|r| r.pred.iter().filter(|p| p.is_none()).count())
        .sum::<usize>()
        + robustness
            .iter()
            .flat_map(|r| &r.models)
            .flat_map(|m| &m.preds)
            .map(|p| p.iter().filter(|p| p.is_none()).count())
            .sum::<usize>()
}

/// Everything of a run before its evaluation: checks the models' names and the journal in
/// `out`, predicts what is not yet journaled (clean, streamed or under conditions) and returns
/// the model runs with the run folder's lock, which the caller holds until its last file is
/// written; a shard (`run --shard`) stops here. `ahead` embeds the clips the clean run decodes.
pub(super) fn predict(
    suite: &Suite,
    plan: &RunPlan,
    out: &std::path::Path,
    ahead: Option<&mut Ahead>,
) -> anyhow::Result<(
    Vec<ModelRun>,
    Option<RobustnessRuns>,
    crate::store::lock::RunLock,
)> {
    // A bad conditions file is found before any model runs.
    let conditions = plan
        .conditions
        .as_deref()
        .map(crate::input::conditions::Conditions::load)
        .transpose()?;
    // Model names are checked before any inference: they key the journal and the report.
    let mut names: Vec<String> = Vec::new();
    let mut model_windows = Vec::new();
    for spec in &plan.models {
        let loaded = infer::spec::load(spec)?;
        let name = loaded.name;
        model_windows.push((name.clone(), loaded.service.streaming));
        if name.trim().is_empty() {
            return Err(AppError::EmptyModelName(spec.clone()).into());
        }
        if names.contains(&name) {
            return Err(AppError::DuplicateModel(name).into());
        }
        names.push(name);
    }
    let files = RunDir::create(out)?;
    // One process at a time in a run folder, from reading the journal to the last report: the
    // caller holds the returned lock until then.
    let lock = crate::store::lock::RunLock::acquire(out)?;
    if !plan.resume {
        crate::store::check_fresh(out)?;
    }
    let (mut journal, mut done) = Journal::open(out, !plan.resume)?;
    let mut others: Vec<&String> = done
        .keys()
        .filter(|m| {
            !names
                .iter()
                .any(|n| n == crate::store::journal::model_of(m))
        })
        .collect();
    if !others.is_empty() {
        others.sort();
        return Err(AppError::OtherModels {
            dir: out.to_owned(),
            models: others
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    super::resume::check(suite, plan, &mut journal, &mut done)?;
    let stream = super::streaming::plan::stream_plan(plan, suite, &model_windows)?;
    if stream.is_some() && conditions.is_some() {
        return Err(crate::error::UsageError(
            "--window and --conditions cannot be combined yet: stream the clean calls and run the conditions separately".into(),
        )
        .into());
    }
    let runs = match stream {
        Some(stream) => {
            let s = super::streaming::run_models(suite, plan, &stream, &mut journal, &mut done)?;
            crate::store::windows::write_windows(
                &files.windows(),
                suite.labels.names(),
                &s.windows,
            )?;
            s.runs
        }
        None => run_models(suite, plan, &mut journal, &mut done, &files, ahead)?,
    };
    let robustness = conditions
        .map(|c| super::robustness::run_conditions(suite, plan, &c, &mut journal, &mut done))
        .transpose()?;
    Ok((runs, robustness, lock))
}

/// Runs every model (skipping what the journal already holds) and returns their runs. The
/// first audio model at `ahead`'s rate also has each clip it decodes embedded (one session:
/// the decoding thread does it; with `--jobs` the clips are embedded at the end).
pub fn run_models(
    suite: &Suite,
    plan: &RunPlan,
    journal: &mut Journal,
    done: &mut std::collections::HashMap<String, Done>,
    files: &RunDir,
    mut ahead: Option<&mut Ahead>,
) -> anyhow::Result<Vec<ModelRun>> {
    let options = plan.options;
    let labels = suite.labels.names();
    let mut runs = Vec::new();
    let mut last_parquet = Instant::now();
    for spec in &plan.models {
        let mut model = Model::load(spec, labels, options)?;
        let files_read = ModelFiles::read(spec, &model.files)?;
        let identity = files_read.identity(options.batch);
        let d = register(journal, done, &model.name, identity, labels.len())?;
        let todo: Vec<crate::input::suite::ItemRef<'_>> =
            suite.items.iter().filter(|i| !d.contains(i.id())).collect();
        if todo.len() < suite.items.len() {
            crate::note!(
                "{}: resuming, {} of {} items already done",
                model.name,
                suite.items.len() - todo.len(),
                suite.items.len()
            );
        }
        let bar = crate::term::bar(suite.items.len(), model.name.clone(), "");
        bar.set_position((suite.items.len() - todo.len()) as u64);
        let started = Instant::now();
        let mut session_time = Duration::ZERO;
        let mut predicted = 0usize;
        let identity_of = ModelInfo::of(&model);
        let name = identity_of.name.clone();
        // Whole batches per chunk: a batch is the same suite items however much was resumed.
        let chunks: Vec<&[crate::input::suite::ItemRef<'_>]> = todo
            .chunks(CHUNK.div_ceil(options.batch.max(1)) * options.batch.max(1))
            .collect();
        // Extra sessions for --jobs: each worker thread runs its own copy of the model.
        let mut extra = Vec::new();
        for _ in 1..plan.jobs.max(1).min(chunks.len().max(1)) {
            extra.push(Model::load(spec, labels, options)?);
        }
        let rate = model.sample_rate();
        let early = ahead
            .as_deref_mut()
            .filter(|a| extra.is_empty() && rate == Some(a.sample_rate()));
        let next_chunk = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(extra.len() + 1);
            if extra.is_empty() {
                // One session: audio is decoded and resampled one chunk ahead on another
                // thread, so the session is not kept waiting for the front end.
                let (ptx, prx) = std::sync::mpsc::sync_channel(1);
                if let Some(sr) = rate {
                    let chunks = &chunks;
                    scope.spawn(move || prefetch(chunks, sr, ptx, early));
                }
                let model = &mut model;
                let chunks = &chunks;
                scope.spawn(move || {
                    for (i, chunk) in chunks.iter().enumerate() {
                        if rate.is_some() {
                            if let Ok(clips) = prx.recv() {
                                model.preload(clips);
                            }
                        }
                        if tx.send((i, predict_chunk(model, chunk))).is_err() {
                            break;
                        }
                    }
                });
            } else {
                // Several sessions take chunks from a shared queue.
                let next = &next_chunk;
                let chunks = &chunks;
                for m in std::iter::once(&mut model).chain(extra.iter_mut()) {
                    let tx = tx.clone();
                    scope.spawn(move || loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        if tx.send((i, predict_chunk(m, chunk))).is_err() {
                            break;
                        }
                    });
                }
                drop(tx);
            }
            for (i, results) in rx {
                let chunk = chunks[i];
                let results = results?;
                let mut entries = Vec::with_capacity(chunk.len());
                let mut stop = None;
                for (item, r) in chunk.iter().zip(results) {
                    match r {
                        Ok(p) => {
                            // Batched session calls spread their time over their items.
                            session_time += p.timings.inference;
                            predicted += 1;
                            entries.push(Entry::Item {
                                model: name.clone(),
                                id: item.id().to_owned(),
                                probs: p.probs,
                                latency_ms: p.timings.total().as_secs_f64() * 1e3,
                            })
                        }
                        Err(e) if plan.keep_going => entries.push(Entry::Error {
                            model: name.clone(),
                            id: item.id().to_owned(),
                            error: e.to_string(),
                        }),
                        Err(e) => {
                            stop = Some(e);
                            break;
                        }
                    }
                }
                // What was done before a failing item is kept.
                journal.record(done, entries)?;
                bar.inc(chunk.len() as u64);
                if let Some(e) = stop {
                    bar.abandon();
                    return Err(anyhow::Error::from(e).context(
                        "stopped (pass --keep-going to record failing items and go on; --resume continues this run)",
                    ));
                }
                if last_parquet.elapsed() >= PARQUET_EVERY {
                    let partial: Vec<ModelRun> = runs
                        .iter()
                        .cloned()
                        .chain(std::iter::once(model_run(
                            suite,
                            &identity_of,
                            done,
                            &files_read,
                            Vec::new(),
                        )))
                        .collect();
                    crate::store::predictions::write_predictions(
                        &files.predictions(),
                        suite,
                        &partial,
                    )?;
                    last_parquet = Instant::now();
                }
            }
            Ok(())
        })?;
        bar.finish_and_clear();
        if predicted > 0 {
            // Harness overhead: wall time of the loop against the time spent in session.run.
            let wall = started.elapsed();
            let sessions = 1 + extra.len();
            crate::note!(
                "{}: {predicted} items in {:.2} s on {sessions} session(s), session.run {:.2} s in all (wall × sessions / session.run = {:.3})",
                model.name,
                wall.as_secs_f64(),
                session_time.as_secs_f64(),
                wall.as_secs_f64() * sessions as f64 / session_time.as_secs_f64().max(1e-9)
            );
        }
        let mut warnings = Vec::new();
        if options.batch > 1 && plan.sensitivity_sample > 0 {
            warnings.extend(batch_check(
                suite,
                &mut model,
                options.batch,
                plan.sensitivity_sample,
            )?);
        }
        runs.push(model_run(suite, &identity_of, done, &files_read, warnings));
    }
    Ok(runs)
}

/// The journal's record of a model: checked against `identity` (its files and settings) when
/// the journal knows it, else recorded; every journaled prediction must have one probability
/// per label.
pub(super) fn register<'a>(
    journal: &mut Journal,
    done: &'a mut std::collections::HashMap<String, Done>,
    name: &str,
    identity: String,
    k: usize,
) -> anyhow::Result<&'a mut Done> {
    let d = done.entry(name.to_string()).or_default();
    let widths = d
        .items
        .iter()
        .map(|(id, p, _)| (id, p.len()))
        .chain(d.calls.iter().map(|(id, c)| {
            let windows = c.speech.len().max(1);
            (
                id,
                if c.probs.len() % windows == 0 {
                    c.probs.len() / windows
                } else {
                    0
                },
            )
        }));
    if let Some((id, found)) = widths.into_iter().find(|&(_, w)| w != k) {
        return Err(AppError::JournalWidth {
            journal: journal.path().to_owned(),
            id: id.to_owned(),
            model: name.to_string(),
            found,
            labels: k,
        }
        .into());
    }
    match &d.identity {
        Some(prev) if prev != &identity => {
            return Err(AppError::ModelChanged(name.to_string()).into())
        }
        Some(_) => {}
        None => {
            journal.append(&[Entry::Model {
                model: name.to_string(),
                identity: identity.clone(),
            }])?;
            d.identity = Some(identity);
        }
    }
    Ok(d)
}

/// Measures how much the batch size changes outputs on an evenly spaced sample of the suite.
fn batch_check(
    suite: &Suite,
    model: &mut Model,
    batch: usize,
    sample: usize,
) -> anyhow::Result<Option<Warning>> {
    let step = (suite.items.len() / sample.max(1)).max(1);
    let inputs: Vec<InferInput> = suite
        .items
        .iter()
        .step_by(step)
        .take(sample)
        .map(InferInput::from)
        .collect();
    let s = infer::batch_sensitivity(model, &inputs, batch)?;
    Ok(Some(Warning {
        code: WarningCode::BatchSensitivity,
        metric: None,
        message: format!(
            "ran at batch {batch}: on {} sampled items, argmax agrees with batch 1 on {:.1} % and probabilities differ by up to {:.2e}{}",
            s.items,
            s.argmax_agreement * 100.0,
            s.max_abs_diff,
            if s.argmax_agreement < 1.0 || s.max_abs_diff > 1e-4 {
                "; use --batch 1 to reproduce batch-1 results"
            } else {
                ""
            }
        ),
    }))
}

/// What a run records about a model, taken before its sessions go to worker threads.
struct ModelInfo {
    name: String,
    file: PathBuf,
    modality: &'static str,
    options: Options,
    front_end: Option<tonebench_core::report::FrontEnd>,
    warnings: Vec<String>,
}

impl ModelInfo {
    fn of(model: &Model) -> Self {
        ModelInfo {
            name: model.name.clone(),
            file: model.file.clone(),
            modality: model.modality,
            options: model.options,
            front_end: model.front_end(),
            warnings: model.warnings.clone(),
        }
    }
}

/// One chunk's predictions, from whichever session ran it, by chunk index.
type Chunk = (
    usize,
    Result<Vec<Result<infer::Prediction, InferError>>, InferError>,
);

/// Predicts the items of one chunk.
fn predict_chunk(
    model: &mut Model,
    chunk: &[crate::input::suite::ItemRef<'_>],
) -> Result<Vec<Result<infer::Prediction, InferError>>, InferError> {
    let inputs: Vec<InferInput> = chunk.iter().map(|&i| InferInput::from(i)).collect();
    model.predict_batch(&inputs)
}

/// Decodes and resamples the audio of each chunk in turn, sending the clips on as each chunk is
/// done; stops when the receiver is gone. Files that fail are left for the session to report.
/// `ahead` (at `rate`) embeds each clip of an item with a speaker on the way.
fn prefetch(
    chunks: &[&[crate::input::suite::ItemRef<'_>]],
    rate: u32,
    tx: std::sync::mpsc::SyncSender<Vec<(PathBuf, crate::audio::Loaded)>>,
    mut ahead: Option<&mut Ahead>,
) {
    for chunk in chunks {
        let clips = chunk
            .iter()
            .filter_map(|i| {
                let p = i.audio()?;
                let l = crate::audio::load(p, rate).ok()?;
                if let Some(a) = ahead.as_deref_mut().filter(|_| i.speaker().is_some()) {
                    a.embed(i.index(), p, &l.waveform.samples);
                }
                Some((p.to_path_buf(), l))
            })
            .collect();
        if tx.send(clips).is_err() {
            break;
        }
    }
}

fn model_run(
    suite: &Suite,
    model: &ModelInfo,
    done: &std::collections::HashMap<String, Done>,
    files: &ModelFiles,
    mut warnings: Vec<Warning>,
) -> ModelRun {
    let k = suite.labels.len();
    let empty = Done::default();
    let d = done.get(&model.name).unwrap_or(&empty);
    let mut pred = Vec::with_capacity(suite.items.len());
    let mut probs = vec![f64::NAN; suite.items.len() * k];
    let mut latency = Vec::with_capacity(suite.items.len());
    for (i, item) in suite.items.iter().enumerate() {
        match d.items.get(item.id()) {
            Some((p, ms)) => {
                pred.push(Some(infer::argmax(p)));
                for (c, v) in p.iter().enumerate().take(k) {
                    probs[i * k + c] = f64::from(*v);
                }
                latency.push(Some(ms));
            }
            None => {
                pred.push(None);
                latency.push(None);
            }
        }
    }
    let mut errors: Vec<(&str, &String)> = d.errors.iter().collect();
    errors.sort();
    for (id, e) in errors {
        warnings.push(Warning {
            code: WarningCode::ItemFailed,
            metric: None,
            message: format!("item {id:?} failed and is not scored: {e}"),
        });
    }
    OnnxModel {
        name: &model.name,
        spec: &model.file,
        pipeline: model.modality,
        files,
        provider: model.options.device.provider().into(),
        batch: model.options.batch,
        threads: model.options.threads,
        front_end: model.front_end.clone(),
        load_warnings: &model.warnings,
    }
    .run(pred, Some(probs), Some(latency), warnings)
}
