//! `tonebench profile`: latency of one model on real suite inputs — session creation, first
//! inference, then per batch size after warm-up: nearest-rank percentiles, spread, per-stage
//! breakdown, throughput and real-time factors; optionally a streaming run over windows.
//!
//! The call sequence is fixed so that the same suite and flags measure the same shapes the same
//! number of times: call `c` of batch size `b` takes suite items `(c·b + k) mod n`,
//! `k = 0..b`. The first inference is call 0 of the first batch size; every batch size then
//! warms up on calls `0..warmup` and times calls `warmup..warmup + iterations`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use tonebench_core::bootstrap::BootstrapConfig;
use tonebench_core::latency::{self, Summary};
use tonebench_core::report::WarningCode;
use tonebench_core::report::{
    BatchLatency, LatencyReport, ProviderNodes, Report, StreamingLatency, Warning,
};

use super::evaluate::{evaluate, EvalConfig};
use super::source::{ModelFiles, OnnxModel};
use super::AppError;
use crate::error::UsageError;
use crate::infer::{self, Device, InferInput, Model, Options, Prediction};
use crate::input::suite::Suite;

/// What `profile` does.
#[derive(Debug, Clone)]
pub struct ProfilePlan {
    pub model: PathBuf,
    pub suite: PathBuf,
    pub device: Device,
    /// Batch sizes, in order; the first one's predictions are scored.
    pub batch: Vec<usize>,
    pub threads: usize,
    /// Untimed calls per batch size before timing.
    pub warmup: u64,
    /// Timed calls per batch size (default [`DEFAULT_ITERATIONS`]).
    pub iterations: Option<u64>,
    /// Time each batch size for this many seconds instead.
    pub duration: Option<f64>,
    /// Report a run whose nodes ONNX Runtime placed elsewhere instead of failing.
    pub allow_fallback: bool,
    /// Streaming mode: window length in seconds.
    pub window: Option<f64>,
    /// Streaming mode: hop in seconds (default: half the window).
    pub hop: Option<f64>,
    pub out: Option<PathBuf>,
}

/// Default timed calls per batch size.
pub const DEFAULT_ITERATIONS: u64 = 100;
/// Seconds of suite audio concatenated for streaming mode (at least four windows).
const STREAM_S: f64 = 60.0;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl ProfilePlan {
    /// Refuses settings that cannot be profiled or would run for hours.
    pub fn check(&self) -> Result<(), UsageError> {
        let a = self;
        let bad = |m: String| Err(UsageError(m));
        if a.batch.is_empty() || a.batch.contains(&0) {
            return bad("--batch takes sizes of 1 or more, e.g. --batch 1,8,32".into());
        }
        if let Some(b) = a.batch.iter().find(|&&b| b > MAX_BATCH) {
            return bad(format!("--batch {b}: at most {MAX_BATCH} items per call"));
        }
        if a.iterations == Some(0) {
            return bad("--iterations must be 1 or more".into());
        }
        if let Some(d) = a.duration {
            if !(d > 0.0 && d.is_finite()) {
                return bad(format!(
                    "--duration {d} must be a positive number of seconds"
                ));
            }
        }
        if let Some(w) = a.window {
            let h = a.hop.unwrap_or(w / 2.0);
            if !(w > 0.0 && w.is_finite() && h > 0.0 && h.is_finite()) {
                return bad(format!(
                    "--window {w} and --hop {h} must be positive numbers of seconds"
                ));
            }
            // Bounds that keep a typo from starting an hour-long profile.
            if !(0.01..=600.0).contains(&w) {
                return bad(format!("--window {w} must be from 0.01 to 600 seconds"));
            }
            let windows = ((STREAM_S.max(4.0 * w) - w) / h).floor() + 1.0;
            if windows > MAX_WINDOWS {
                return bad(format!(
                "--window {w} --hop {h} would time {windows} windows; at most {MAX_WINDOWS} (raise --hop)"
            ));
            }
        }
        Ok(())
    }
}

/// The largest batch size a profile times.
pub const MAX_BATCH: usize = 4096;

/// The most streaming windows one profile times.
pub const MAX_WINDOWS: f64 = 10_000.0;

/// The inputs of call `c` at batch size `b`.
fn call_inputs<'a>(all: &[InferInput<'a>], c: u64, b: usize) -> Vec<(usize, InferInput<'a>)> {
    let n = all.len();
    (0..b)
        .map(|k| {
            let i = ((c as usize).wrapping_mul(b) + k) % n;
            (i, all[i])
        })
        .collect()
}

/// Runs one call; any item error stops the profile.
fn call(
    model: &mut Model,
    inputs: &[(usize, InferInput<'_>)],
) -> anyhow::Result<(Duration, Vec<Prediction>)> {
    let batch: Vec<InferInput<'_>> = inputs.iter().map(|(_, i)| *i).collect();
    let t = Instant::now();
    let res = model.predict_batch(&batch)?;
    let wall = t.elapsed();
    let preds = res.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((wall, preds))
}

/// Per-call sums of each stage.
#[derive(Default)]
struct Stages {
    decode: Vec<f64>,
    resample: Vec<f64>,
    features: Vec<f64>,
    tokenize: Vec<f64>,
    inference: Vec<f64>,
    post: Vec<f64>,
}

impl Stages {
    fn push(&mut self, preds: &[Prediction]) {
        let sum = |f: fn(&Prediction) -> Duration| preds.iter().map(|p| ms(f(p))).sum::<f64>();
        self.decode.push(sum(|p| p.timings.decode));
        self.resample.push(sum(|p| p.timings.resample));
        self.features.push(sum(|p| p.timings.features));
        self.tokenize.push(sum(|p| p.timings.tokenize));
        self.inference.push(sum(|p| p.timings.inference));
        self.post.push(sum(|p| p.timings.post));
    }

    fn summaries(&self) -> IndexMap<String, Summary> {
        [
            ("decode", &self.decode),
            ("resample", &self.resample),
            // Only front ends that compute features (normalization, log-mel) have this stage.
            ("features", &self.features),
            ("tokenize", &self.tokenize),
            ("inference", &self.inference),
            ("post", &self.post),
        ]
        .into_iter()
        .filter(|(n, v)| *n != "features" || v.iter().any(|&x| x > 0.0))
        .filter_map(|(n, v)| latency::summarize(v).map(|s| (n.to_string(), s)))
        .collect()
    }
}

/// Predictions kept for the report's metrics: the first one of each item at the first batch
/// size.
struct Kept {
    pred: Vec<Option<usize>>,
    probs: Vec<Option<Vec<f32>>>,
}

impl Kept {
    fn keep(&mut self, inputs: &[(usize, InferInput<'_>)], preds: &[Prediction]) {
        for ((i, _), p) in inputs.iter().zip(preds) {
            if self.pred[*i].is_none() {
                self.pred[*i] = Some(p.argmax());
                self.probs[*i] = Some(p.probs.clone());
            }
        }
    }
}

fn profile_batch(
    model: &mut Model,
    all: &[InferInput<'_>],
    b: usize,
    args: &ProfilePlan,
    kept: Option<&mut Kept>,
) -> anyhow::Result<BatchLatency> {
    model.options.batch = b;
    let mut kept = kept;
    for c in 0..args.warmup {
        let inputs = call_inputs(all, c, b);
        let (_, preds) = call(model, &inputs)?;
        if let Some(k) = kept.as_deref_mut() {
            k.keep(&inputs, &preds);
        }
    }
    let mut walls = Vec::new();
    let mut stages = Stages::default();
    let mut per_item: Vec<(f64, f64)> = Vec::new();
    let mut distinct = BTreeSet::new();
    let mut items = 0u64;
    let started = Instant::now();
    let mut c = args.warmup;
    loop {
        let done = walls.len() as u64;
        match (args.iterations, args.duration) {
            (_, Some(d)) if done > 0 && started.elapsed().as_secs_f64() >= d => break,
            (Some(n), _) if done >= n => break,
            (None, None) if done >= DEFAULT_ITERATIONS => break,
            _ => {}
        }
        let inputs = call_inputs(all, c, b);
        let (wall, preds) = call(model, &inputs)?;
        walls.push(ms(wall));
        stages.push(&preds);
        for ((i, _), p) in inputs.iter().zip(&preds) {
            distinct.insert(*i);
            if let Some(a) = p.audio_s {
                per_item.push((ms(p.timings.total()), a));
            }
        }
        if let Some(k) = kept.as_deref_mut() {
            k.keep(&inputs, &preds);
        }
        items += preds.len() as u64;
        c += 1;
    }
    let total: f64 = walls.iter().sum();
    let summary = latency::summarize(&walls).ok_or(AppError::NothingTimed(b))?;
    let rt = latency::real_time(&per_item);
    Ok(BatchLatency {
        batch: b,
        iterations: walls.len() as u64,
        items,
        distinct_items: distinct.len() as u64,
        latency: summary,
        stages: stages.summaries(),
        throughput_per_s: latency::throughput(items, total),
        rtf: rt.map(|r| r.rtf),
        rtfx: rt.map(|r| r.rtfx),
        buckets: latency::buckets(&per_item),
    })
}

/// Streaming: suite audio concatenated to at least [`STREAM_S`] seconds, cut into windows.
fn profile_stream(
    model: &mut Model,
    suite: &Suite,
    window_s: f64,
    hop_s: f64,
    warmup: u64,
) -> anyhow::Result<StreamingLatency> {
    let sr = model.sample_rate().ok_or_else(|| {
        AppError::Profile(format!(
            "--window: model {} takes no audio; streaming mode is for audio and hybrid models",
            model.name
        ))
    })?;
    let with_audio: Vec<&crate::input::suite::Item> =
        suite.items.iter().filter(|i| i.audio.is_some()).collect();
    if with_audio.is_empty() {
        return Err(AppError::Profile(format!(
            "--window: suite {} has no audio items to stream",
            suite.name
        ))
        .into());
    }
    let text = with_audio[0].text.clone();
    let win = (window_s * f64::from(sr)).round() as usize;
    let hop = ((hop_s * f64::from(sr)).round() as usize).max(1);
    let want = ((STREAM_S.max(4.0 * window_s)) * f64::from(sr)) as usize;
    let mut stream: Vec<f32> = Vec::with_capacity(want);
    let mut k = 0usize;
    while stream.len() < want.max(win) {
        let it = with_audio[k % with_audio.len()];
        let path = it.audio.as_ref().expect("filtered on audio");
        let loaded = crate::audio::load(path, sr).map_err(|e| {
            AppError::Profile(format!(
                "item {}: {e}",
                tonebench_core::text::plain_or_quoted(&it.id)
            ))
        })?;
        stream.extend_from_slice(&loaded.waveform.samples);
        k += 1;
        if k > 100_000 {
            break;
        }
    }
    let starts: Vec<usize> = (0..)
        .map(|j| j * hop)
        .take_while(|s| s + win <= stream.len())
        .collect();
    for &s in starts.iter().take(warmup as usize) {
        model.predict_samples(&stream[s..s + win], text.as_deref())?;
    }
    let mut walls = Vec::with_capacity(starts.len());
    for &s in &starts {
        let t = Instant::now();
        model.predict_samples(&stream[s..s + win], text.as_deref())?;
        walls.push(ms(t.elapsed()));
    }
    let summary = latency::summarize(&walls)
        .ok_or_else(|| AppError::Profile(format!("--window {window_s}: no window fits")))?;
    Ok(StreamingLatency {
        window_s,
        hop_s,
        audio_s: stream.len() as f64 / f64::from(sr),
        windows: walls.len() as u64,
        rtf: summary.mean_ms / (hop_s * 1e3),
        keeps_up: summary.p99_ms < hop_s * 1e3,
        latency: summary,
    })
}

/// Checks that the requested provider ran the graph; returns the provider to report and
/// warnings about nodes placed elsewhere.
fn check_providers(
    device: Device,
    used: &[infer::ProviderUse],
    allow_fallback: bool,
) -> anyhow::Result<(String, Vec<Warning>)> {
    let want = device.provider();
    let mut warnings = Vec::new();
    let listing = used
        .iter()
        .map(|u| format!("{} {} node(s) of {}", u.provider, u.nodes, u.graph))
        .collect::<Vec<_>>()
        .join(", ");
    let graphs: BTreeSet<&str> = used.iter().map(|u| u.graph.as_str()).collect();
    let mut fell_back = Vec::new();
    for g in &graphs {
        let on_wanted = used
            .iter()
            .any(|u| u.graph == *g && u.provider == want && u.nodes > 0);
        if !on_wanted {
            fell_back.push(*g);
        }
    }
    if used.is_empty() {
        warnings.push(Warning {
            code: WarningCode::ProviderUnknown,
            metric: None,
            message: "ONNX Runtime's profile named no nodes; the provider that ran is unknown"
                .into(),
        });
    }
    if !fell_back.is_empty() {
        let msg = format!(
            "{want} ran no node of {} (ran: {listing}): ONNX Runtime fell back",
            fell_back.join(", ")
        );
        if !allow_fallback {
            return Err(AppError::ProviderFallback(format!(
                "{msg}; pass --allow-fallback to profile anyway"
            ))
            .into());
        }
        warnings.push(Warning {
            code: WarningCode::ProviderFallback,
            metric: Some("latency.provider".into()),
            message: msg,
        });
    } else if device != Device::Cpu {
        let cpu: u64 = used
            .iter()
            .filter(|u| u.provider == "CPUExecutionProvider")
            .map(|u| u.nodes)
            .sum();
        if cpu > 0 {
            warnings.push(Warning {
                code: WarningCode::ProviderPartial,
                metric: Some("latency.providers".into()),
                message: format!("{cpu} node(s) ran on the CPU ({listing})"),
            });
        }
    }
    let mut by_nodes: Vec<(&str, u64)> = Vec::new();
    for u in used {
        match by_nodes.iter_mut().find(|(p, _)| *p == u.provider) {
            Some(e) => e.1 += u.nodes,
            None => by_nodes.push((&u.provider, u.nodes)),
        }
    }
    let provider = if fell_back.is_empty() {
        want.to_string()
    } else {
        by_nodes
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(p, _)| p.to_string())
            .unwrap_or_else(|| want.to_string())
    };
    Ok((provider, warnings))
}

/// Profiles the model; writes report.json, report.md and report.html and returns the report and
/// the folder.
pub fn profile(plan: &ProfilePlan) -> anyhow::Result<(Report, PathBuf)> {
    plan.check()?;
    let suite = Suite::load(&plan.suite)?;
    if suite.items.is_empty() {
        return Err(AppError::NothingToProfile(suite.name.clone()).into());
    }
    let labels = suite.labels.names();
    let options = Options {
        threads: plan.threads,
        batch: plan.batch[0],
        device: plan.device,
    };
    let t = Instant::now();
    let mut model = Model::load_profiled(&plan.model, labels, options)?;
    let session_create_ms = ms(t.elapsed());
    let all: Vec<InferInput<'_>> = suite.items.iter().map(InferInput::from).collect();
    let mut kept = Kept {
        pred: vec![None; all.len()],
        probs: vec![None; all.len()],
    };
    let first = call_inputs(&all, 0, plan.batch[0]);
    let (first_wall, preds) = call(&mut model, &first)?;
    kept.keep(&first, &preds);
    let used = model.providers_used()?;
    let (provider, mut warnings) = check_providers(plan.device, &used, plan.allow_fallback)?;

    let mut batches = Vec::new();
    for (j, &b) in plan.batch.iter().enumerate() {
        let k = (j == 0).then_some(&mut kept);
        batches.push(profile_batch(&mut model, &all, b, plan, k)?);
    }
    let streaming = match plan.window {
        Some(w) => Some(profile_stream(
            &mut model,
            &suite,
            w,
            plan.hop.unwrap_or(w / 2.0),
            plan.warmup,
        )?),
        None => None,
    };
    warnings.extend(timing_warnings(plan, &model, &batches, streaming.as_ref()));

    let head = &batches[0];
    let latency_report = LatencyReport {
        device: plan.device.to_string(),
        provider: provider.clone(),
        p50_ms: head.latency.p50_ms,
        p90_ms: head.latency.p90_ms,
        p95_ms: head.latency.p95_ms,
        p99_ms: head.latency.p99_ms,
        mean_ms: head.latency.mean_ms,
        throughput_per_s: head.throughput_per_s,
        rtf: head.rtf,
        rtfx: head.rtfx,
        min_ms: Some(head.latency.min_ms),
        max_ms: Some(head.latency.max_ms),
        p999_ms: Some(head.latency.p999_ms),
        std_ms: Some(head.latency.std_ms),
        session_create_ms: Some(session_create_ms),
        first_inference_ms: Some(ms(first_wall)),
        warmup: Some(plan.warmup),
        iterations: Some(head.iterations),
        threads: Some(plan.threads),
        outliers: Some(head.latency.outliers),
        providers: used
            .iter()
            .map(|u| ProviderNodes {
                graph: u.graph.clone(),
                provider: u.provider.clone(),
                nodes: u.nodes,
            })
            .collect(),
        batches,
        streaming,
    };

    let report = build_report(
        &suite,
        &model,
        plan,
        &provider,
        kept,
        latency_report,
        warnings,
    )?;
    let out = crate::store::out_dir(plan.out.as_deref(), &suite.name);
    let dir = crate::store::RunDir::create(&out)?;
    super::finish::write_report(&dir, &report)?;
    Ok((report, out))
}

/// Warnings about the timings themselves: a busy machine, audio "batches", a stream that
/// falls behind real time.
fn timing_warnings(
    plan: &ProfilePlan,
    model: &Model,
    batches: &[BatchLatency],
    streaming: Option<&StreamingLatency>,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for bl in batches {
        if bl.latency.noisy {
            warnings.push(Warning {
                code: WarningCode::NoisyTiming,
                metric: Some(format!("latency.batches.{}", bl.batch)),
                message: format!(
                    "batch {}: {} of {} timings are outliers (|modified z| > 3.5) and some lie more than 14.8 MADs from the median; the machine was busy — compare medians of repeated runs",
                    bl.batch, bl.latency.outliers, bl.iterations
                ),
            });
        }
    }
    if model.modality != "text" && plan.batch.iter().any(|&b| b > 1) {
        warnings.push(Warning {
            code: WarningCode::AudioBatch,
            metric: None,
            message: "audio graphs run one clip per session call (zero padding changes their outputs); a batch of N is N consecutive calls".into(),
        });
    }
    if let Some(s) = streaming {
        if !s.keeps_up {
            warnings.push(Warning {
                code: WarningCode::StreamingBehind,
                metric: Some("latency.streaming".into()),
                message: format!(
                    "streaming: p99 window latency {:.1} ms exceeds the hop of {:.0} ms; the model does not keep up with real time on {} with {} thread(s)",
                    s.latency.p99_ms,
                    s.hop_s * 1e3,
                    plan.device,
                    plan.threads
                ),
            });
        }
    }
    warnings
}

fn build_report(
    suite: &Suite,
    model: &Model,
    plan: &ProfilePlan,
    provider: &str,
    kept: Kept,
    latency: LatencyReport,
    warnings: Vec<Warning>,
) -> anyhow::Result<Report> {
    let files = ModelFiles::read(&plan.model, &model.files)?;
    let k = suite.labels.names().len();
    let probs: Option<Vec<f64>> = kept
        .probs
        .iter()
        .all(Option::is_some)
        .then(|| {
            kept.probs
                .iter()
                .flat_map(|p| p.iter().flatten().map(|&x| f64::from(x)))
                .collect::<Vec<f64>>()
        })
        .filter(|v| v.len() == k * kept.probs.len());
    let run = OnnxModel {
        name: &model.name,
        spec: &plan.model,
        pipeline: model.modality,
        files: &files,
        provider: provider.to_string(),
        batch: plan.batch[0],
        threads: plan.threads,
        front_end: model.front_end(),
        load_warnings: &model.warnings,
    }
    .run(kept.pred, probs, None, warnings);
    let cfg = EvalConfig {
        bootstrap: BootstrapConfig {
            resamples: 0,
            confidence: 0.95,
            seed: 7,
        },
    };
    let mut report = evaluate(suite, &[run], &cfg);
    super::paths::relative_sources(&mut report, &suite.dir);
    if let Some(m) = report.models.first_mut() {
        m.latency = Some(latency);
    }
    Ok(report)
}
