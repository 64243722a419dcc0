//! A streamed model's journaled calls → its [`ModelRun`] (whole-call estimates per item, the
//! core's streaming report) and its windows.parquet rows.

use tonebench_core::report::{BatchExactness, Warning, WarningCode};
use tonebench_core::streaming::truth::window_truth;
use tonebench_core::streaming::{evaluate_calls, CallInput, Segment, SpeechSource, StreamSettings};

use super::StreamPlan;
use crate::app::finish::EvalSettings;
use crate::app::source::{ModelFiles, OnnxModel};
use crate::infer::{InferError, Model};
use crate::input::suite::{ItemRef, Suite};
use crate::runs::ModelRun;
use crate::store::journal::Done;
use crate::store::windows::WindowRow;

/// The labeled speech of a call: its segments, or — in a suite without a segments table — the
/// whole recording as one segment with the item's label.
pub fn segments_of(suite: &Suite, item: ItemRef<'_>, duration_s: f64) -> Vec<Segment> {
    match &suite.segments {
        Some(s) => s.of(item.id()).iter().map(|r| r.segment()).collect(),
        None => vec![Segment {
            start: 0.0,
            end: duration_s,
            label: item.label(),
        }],
    }
}

/// The oracle's decisions: the truth of each window, with its coverage as the fraction.
pub fn oracle_decisions(
    suite: &Suite,
    item: ItemRef<'_>,
    spans: &[(f64, f64)],
    k: usize,
    duration_s: f64,
) -> (Vec<bool>, Vec<f64>) {
    let segs = segments_of(suite, item, duration_s);
    spans
        .iter()
        .map(|&(t0, t1)| {
            let t = window_truth(&segs, t0, t1, k);
            (t.speech, t.coverage)
        })
        .unzip()
}

/// Runs the first `sample` windows of a call at batch 1 and compares them with the batched
/// probabilities `probs`.
#[allow(clippy::too_many_arguments)]
pub fn exactness(
    model: &mut Model,
    samples: &[f32],
    windows: &[tonebench_core::streaming::Window],
    w: usize,
    probs: &[f32],
    k: usize,
    batch: usize,
    sample: usize,
    text: Option<&str>,
) -> Result<BatchExactness, InferError> {
    let rows = windows.len().min(sample);
    let one = model
        .predict_windows(samples, &windows[..rows], w, 1, text)?
        .probs;
    let (_, argmax_agreement, max_abs_diff) =
        crate::infer::sensitivity::agreement(one.chunks(k).zip(probs.chunks(k)).take(rows));
    Ok(BatchExactness {
        batch,
        windows: rows as u64,
        argmax_agreement,
        max_abs_diff,
    })
}

/// Batched windows may differ from batch 1 by float rounding in the kernels; more than this
/// (or a changed argmax) is reported as a warning.
pub const BATCH_TOLERANCE: f64 = 1e-4;

/// What a streamed model produced.
pub struct Made {
    pub run: ModelRun,
    pub windows: Vec<WindowRow>,
}

/// One call's journaled windows, laid out for the core.
struct Laid {
    item: usize,
    segments: Vec<Segment>,
    spans: Vec<(f64, f64)>,
    padded: Vec<bool>,
    duration_s: f64,
}

#[allow(clippy::too_many_arguments)]
pub fn model_run(
    suite: &Suite,
    model: &Model,
    files: &ModelFiles,
    done: &Done,
    rate: u32,
    stream: &StreamPlan,
    source: &SpeechSource,
    eval: &EvalSettings,
) -> Made {
    let labels = suite.labels.names();
    let k = labels.len();
    let spec = stream.spec.expect("the model's window is resolved");
    let laid: Vec<Laid> = suite
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let c = done.calls.get(item.id())?;
            let windows = tonebench_core::streaming::windows(c.samples, rate, &spec);
            let duration_s = c.samples as f64 / f64::from(rate);
            Some(Laid {
                item: i,
                segments: segments_of(suite, item, duration_s),
                spans: windows.iter().map(|w| w.span_s(rate)).collect(),
                padded: windows.iter().map(|w| w.padded).collect(),
                duration_s,
            })
        })
        .collect();
    let inputs: Vec<CallInput> = laid
        .iter()
        .map(|l| {
            let item = suite.items.get(l.item);
            let c = &done.calls[item.id()];
            CallInput {
                id: item.id(),
                segments: &l.segments,
                truth: Some(item.label()),
                duration_s: l.duration_s,
                spans: &l.spans,
                padded: &l.padded,
                probs: &c.probs,
                speech: &c.speech,
            }
        })
        .collect();
    let settings = StreamSettings {
        spec,
        bootstrap: eval.bootstrap,
        timelines: stream.timelines,
        speech: source.clone(),
    };
    let result = evaluate_calls(&inputs, labels, &settings);
    let n = suite.items.len();
    let mut pred = vec![None; n];
    let mut probs = vec![f64::NAN; n * k];
    let mut latency = vec![None; n];
    let mut rows = Vec::new();
    for ((l, input), o) in laid.iter().zip(&inputs).zip(&result.calls) {
        let item = suite.items.get(l.item);
        let c = &done.calls[item.id()];
        pred[l.item] = Some(o.estimate.pred);
        probs[l.item * k..(l.item + 1) * k].copy_from_slice(&o.estimate.probs);
        latency[l.item] = Some(c.latency_ms);
        for (w, &(start_s, end_s)) in input.spans.iter().enumerate() {
            let p: Vec<f64> = c.probs[w * k..(w + 1) * k]
                .iter()
                .map(|&x| f64::from(x))
                .collect();
            rows.push(WindowRow {
                id: item.id().to_owned(),
                model: model.name.clone(),
                window: w as u32,
                start_s,
                end_s,
                padded: l.padded[w],
                speech_truth: o.truth[w].speech,
                speech_pred: c.speech[w],
                speech_source: source.name.clone(),
                speech_fraction: c.fraction[w],
                label: o.truth[w].label.map(|t| labels[t].clone()),
                pred: labels[tonebench_core::streaming::aggregate::argmax(&p)].clone(),
                probs: p,
            });
        }
    }
    let mut warnings = result.warnings;
    if source.name == "energy" {
        warnings.push(Warning {
            code: WarningCode::StreamingEnergySpeech,
            metric: Some("streaming.speech".into()),
            message: "speech presence came from the energy detector, the weakest source; install Silero VAD (scripts/setup-vad.sh) for real speech detection".into(),
        });
    }
    let mut errors: Vec<(&str, &String)> = done.errors.iter().collect();
    errors.sort();
    for (id, e) in errors {
        warnings.push(Warning {
            code: WarningCode::ItemFailed,
            metric: None,
            message: format!("call \"{id}\" failed and is not scored: {e}"),
        });
    }
    let mut report = result.report;
    report.batch =
        done.batch.map(
            |(batch, windows, argmax_agreement, max_abs_diff)| BatchExactness {
                batch,
                windows,
                argmax_agreement,
                max_abs_diff,
            },
        );
    if let Some(b) = &report.batch {
        if b.argmax_agreement < 1.0 || b.max_abs_diff > BATCH_TOLERANCE {
            warnings.push(Warning {
                code: WarningCode::BatchSensitivity,
                metric: Some("streaming".into()),
                message: format!(
                    "windows ran {} per session call: on {} windows of the first call, argmax agrees with batch 1 on {:.1} % and probabilities differ by up to {:.2e}; use --window-batch 1 to reproduce batch-1 results",
                    b.batch,
                    b.windows,
                    b.argmax_agreement * 100.0,
                    b.max_abs_diff
                ),
            });
        }
    }
    let mut run = OnnxModel {
        name: &model.name,
        spec: &model.file,
        pipeline: model.modality,
        files,
        provider: model.options.device.provider().into(),
        batch: stream.batch,
        threads: model.options.threads,
        front_end: model.front_end(),
        load_warnings: &model.warnings,
    }
    .run(pred, Some(probs), Some(latency), warnings);
    run.streaming = Some(Box::new(report));
    Made { run, windows: rows }
}
