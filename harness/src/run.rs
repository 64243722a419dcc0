//! `tonebench run`: runs ONNX models over a suite, journaling every prediction as it is made,
//! resumable after an interruption, and writes the same run folder as `score`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tonebench_core::report::{Modality, Source, Warning, WarningCode};

use crate::cli::{out_dir, BootstrapArgs};
use crate::evaluate::ModelRun;
use crate::exit;
use crate::infer::{self, Device, InferError, InferInput, Model, Options};
use crate::journal::{Done, Entry, Journal};
use crate::suite::Suite;
use crate::table::hex_sha256;

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
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
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
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    pub device: Device,
}

impl ExecArgs {
    pub fn options(&self) -> Options {
        Options {
            threads: self.threads,
            batch: self.batch.max(1),
            device: self.device,
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

/// Items predicted between journal flushes and progress updates.
const CHUNK: usize = 32;
/// How often predictions.parquet is rewritten during a run.
const PARQUET_EVERY: Duration = Duration::from_secs(5);

pub fn execute(args: &RunArgs) -> anyhow::Result<i32> {
    let suite = crate::commands::load_suite(&args.suite)?;
    let out = out_dir(&args.out, &suite.name);
    if !args.resume {
        crate::output::check_fresh(&out)?;
    }
    // Model names are checked before any inference: they key the journal and the report.
    let mut names: Vec<String> = Vec::new();
    for spec in &args.models {
        let name = infer::spec::load(spec)
            .map_err(InferError::classified)?
            .name;
        if name.trim().is_empty() {
            return Err(exit::input(anyhow::anyhow!(
                "{}: name is empty",
                spec.display()
            )));
        }
        if names.contains(&name) {
            return Err(exit::input(anyhow::anyhow!(
                "two models are named \"{name}\"; give each spec its own name"
            )));
        }
        names.push(name);
    }
    let files = crate::output::RunFiles::create(&out)?;
    let (mut journal, mut done) = Journal::open(&out).map_err(exit::runtime)?;
    let mut others: Vec<&String> = done.keys().filter(|m| !names.contains(m)).collect();
    if !others.is_empty() {
        others.sort();
        return Err(exit::input(anyhow::anyhow!(
            "{} holds predictions of other models ({}); --resume needs the same --model set as the interrupted run",
            out.display(),
            others.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ")
        )));
    }
    let runs = run_models(&suite, args, &mut journal, &mut done, &files)?;
    crate::commands::finish_run(&suite, &runs, &args.bootstrap, &out)?;
    // With --keep-going the report is complete, but the exit code still says items failed.
    let failed: usize = runs
        .iter()
        .map(|r| r.pred.iter().filter(|p| p.is_none()).count())
        .sum();
    if failed > 0 {
        eprintln!(
            "error: {failed} item prediction(s) failed and are not scored; see the warnings in {}",
            out.join("report.json").display()
        );
        return Ok(exit::INVALID_INPUT);
    }
    Ok(exit::SUCCESS)
}

/// Runs every model (skipping what the journal already holds) and returns their runs.
pub fn run_models(
    suite: &Suite,
    args: &RunArgs,
    journal: &mut Journal,
    done: &mut std::collections::HashMap<String, Done>,
    files: &crate::output::RunFiles,
) -> anyhow::Result<Vec<ModelRun>> {
    let options = args.exec.options();
    let labels = suite.labels.names();
    let mut runs = Vec::new();
    let mut last_parquet = Instant::now();
    for spec in &args.models {
        let mut model = Model::load(spec, labels, options).map_err(InferError::classified)?;
        let spec_bytes =
            std::fs::read(spec).with_context(|| format!("cannot read {}", spec.display()))?;
        let mut file_hashes = indexmap::IndexMap::new();
        for f in &model.files {
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            file_hashes.insert(f.display().to_string(), hex_sha256(&bytes));
        }
        let identity = format!(
            "{}|batch={}|{}",
            hex_sha256(&spec_bytes),
            options.batch,
            file_hashes.values().cloned().collect::<Vec<_>>().join(",")
        );
        let d = done.entry(model.name.clone()).or_default();
        let k = labels.len();
        if let Some((id, (p, _))) = d.items.iter().find(|(_, (p, _))| p.len() != k) {
            return Err(exit::input(anyhow::anyhow!(
                "{}: the entry for item \"{id}\" of model \"{}\" has {} probabilities, the suite has {k} labels; the journal was altered — use a new --out",
                journal.path().display(),
                model.name,
                p.len()
            )));
        }
        match &d.identity {
            Some(prev) if prev != &identity => {
                return Err(exit::input(anyhow::anyhow!(
                    "cannot resume model \"{}\": its files or batch size changed since the interrupted run; use a new --out",
                    model.name
                )))
            }
            Some(_) => {}
            None => {
                journal
                    .append(&[Entry::Model {
                        model: model.name.clone(),
                        identity: identity.clone(),
                    }])
                    .map_err(exit::runtime)?;
                d.identity = Some(identity);
            }
        }
        let todo: Vec<&crate::suite::Item> =
            suite.items.iter().filter(|i| !d.contains(&i.id)).collect();
        if todo.len() < suite.items.len() {
            eprintln!(
                "{}: resuming, {} of {} items already done",
                model.name,
                suite.items.len() - todo.len(),
                suite.items.len()
            );
        }
        let bar = ProgressBar::new(suite.items.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .expect("valid progress template")
                .progress_chars("=> "),
        );
        bar.set_prefix(model.name.clone());
        bar.set_position((suite.items.len() - todo.len()) as u64);
        let started = Instant::now();
        let mut session_time = Duration::ZERO;
        let mut predicted = 0usize;
        let identity_of = ModelInfo::of(&model);
        let name = identity_of.name.clone();
        let chunks: Vec<&[&crate::suite::Item]> = todo.chunks(CHUNK.max(options.batch)).collect();
        // Extra sessions for --jobs: each worker thread runs its own copy of the model.
        let mut extra = Vec::new();
        for _ in 1..args.jobs.max(1).min(chunks.len().max(1)) {
            extra.push(Model::load(spec, labels, options).map_err(InferError::classified)?);
        }
        let rate = model.sample_rate();
        let next_chunk = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(extra.len() + 1);
            if extra.is_empty() {
                // One session: audio is decoded and resampled one chunk ahead on another
                // thread, so the session is not kept waiting for the front end.
                let (ptx, prx) = std::sync::mpsc::sync_channel(1);
                if let Some(sr) = rate {
                    let chunks = &chunks;
                    scope.spawn(move || prefetch(chunks, sr, ptx));
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
                let results = results.map_err(InferError::classified)?;
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
                                id: item.id.clone(),
                                probs: p.probs,
                                latency_ms: p.timings.total().as_secs_f64() * 1e3,
                            })
                        }
                        Err(e) if args.keep_going => entries.push(Entry::Error {
                            model: name.clone(),
                            id: item.id.clone(),
                            error: e.to_string(),
                        }),
                        Err(e) => {
                            stop = Some(e);
                            break;
                        }
                    }
                }
                // What was done before a failing item is kept.
                journal.append(&entries).map_err(exit::runtime)?;
                for e in entries {
                    crate::journal::record_into(done, e);
                }
                bar.inc(chunk.len() as u64);
                if let Some(e) = stop {
                    bar.abandon();
                    return Err(anyhow::Error::from(e).context(
                        "stopped (pass --keep-going to record failing items and go on; --resume continues this run)",
                    ))
                    .map_err(|e| if is_item_input(&e) { exit::input(e) } else { exit::runtime(e) });
                }
                if last_parquet.elapsed() >= PARQUET_EVERY {
                    let partial: Vec<ModelRun> = runs
                        .iter()
                        .cloned()
                        .chain(std::iter::once(model_run(
                            suite,
                            &identity_of,
                            done,
                            &file_hashes,
                            &spec_bytes,
                            Vec::new(),
                        )))
                        .collect();
                    crate::output::write_predictions(&files.predictions(), suite, &partial)?;
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
            eprintln!(
                "{}: {predicted} items in {:.2} s on {sessions} session(s), session.run {:.2} s in all (wall × sessions / session.run = {:.3})",
                model.name,
                wall.as_secs_f64(),
                session_time.as_secs_f64(),
                wall.as_secs_f64() * sessions as f64 / session_time.as_secs_f64().max(1e-9)
            );
        }
        let mut warnings = Vec::new();
        if options.batch > 1 && args.sensitivity_sample > 0 {
            warnings.extend(batch_check(
                suite,
                &mut model,
                options.batch,
                args.sensitivity_sample,
            )?);
        }
        runs.push(model_run(
            suite,
            &identity_of,
            done,
            &file_hashes,
            &spec_bytes,
            warnings,
        ));
    }
    Ok(runs)
}

fn is_item_input(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<InferError>()
            .is_some_and(InferError::is_input)
    })
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
        .map(|i| i.input())
        .collect();
    let s = infer::batch_sensitivity(model, &inputs, batch).map_err(InferError::classified)?;
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
}

impl ModelInfo {
    fn of(model: &Model) -> Self {
        ModelInfo {
            name: model.name.clone(),
            file: model.file.clone(),
            modality: model.modality,
            options: model.options,
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
    chunk: &[&crate::suite::Item],
) -> Result<Vec<Result<infer::Prediction, InferError>>, InferError> {
    let inputs: Vec<InferInput> = chunk.iter().map(|i| i.input()).collect();
    model.predict_batch(&inputs)
}

/// Decodes and resamples the audio of each chunk in turn, sending the clips on as each chunk is
/// done; stops when the receiver is gone. Files that fail are left for the session to report.
fn prefetch(
    chunks: &[&[&crate::suite::Item]],
    rate: u32,
    tx: std::sync::mpsc::SyncSender<Vec<(PathBuf, crate::audio::Loaded)>>,
) {
    for chunk in chunks {
        let clips = chunk
            .iter()
            .filter_map(|i| i.audio.as_ref())
            .filter_map(|p| crate::audio::load(p, rate).ok().map(|l| (p.clone(), l)))
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
    file_hashes: &indexmap::IndexMap<String, String>,
    spec_bytes: &[u8],
    mut warnings: Vec<Warning>,
) -> ModelRun {
    let k = suite.labels.len();
    let empty = Done::default();
    let d = done.get(&model.name).unwrap_or(&empty);
    let mut pred = Vec::with_capacity(suite.items.len());
    let mut probs = vec![f64::NAN; suite.items.len() * k];
    let mut latency = Vec::with_capacity(suite.items.len());
    for (i, item) in suite.items.iter().enumerate() {
        match d.items.get(&item.id) {
            Some((p, ms)) => {
                pred.push(Some(infer::argmax(p)));
                for (c, v) in p.iter().enumerate().take(k) {
                    probs[i * k + c] = f64::from(*v);
                }
                latency.push(Some(*ms));
            }
            None => {
                pred.push(None);
                latency.push(None);
            }
        }
    }
    let mut errors: Vec<(&String, &String)> = d.errors.iter().collect();
    errors.sort();
    for (id, e) in errors {
        warnings.push(Warning {
            code: WarningCode::ItemFailed,
            metric: None,
            message: format!("item \"{id}\" failed and is not scored: {e}"),
        });
    }
    let modality = match model.modality {
        "text" => Modality::Text,
        "audio" => Modality::Audio,
        _ => Modality::Hybrid,
    };
    ModelRun {
        name: model.name.clone(),
        modality,
        source: Source {
            kind: "onnx".into(),
            path: model.file.display().to_string(),
            sha256: hex_sha256(spec_bytes),
            files: file_hashes.clone(),
            ort_version: infer::ort_version().ok(),
            provider: Some(model.options.device.provider().into()),
            batch_size: Some(model.options.batch),
            threads: Some(model.options.threads),
        },
        pred,
        probs: Some(probs),
        latency_ms: Some(latency),
        warnings,
    }
}
