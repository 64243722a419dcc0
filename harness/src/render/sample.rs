//! Synthetic reports for the renderer's tests and benchmarks (deterministic, no I/O).
//!
//! Not part of the user-facing API: the numbers are made up, though internally consistent
//! (metrics are computed from the confusion matrices by the core).

use indexmap::IndexMap;
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::report::{
    BatchExactness, BootstrapInfo, ChangeReport, CohortGroup, CohortReport, LatencyReport,
    MetricsReport, Modality, ModelReport, OracleSpeech, Report, Source, SpeechReport,
    StreamingReport, SuiteInfo, Timeline, TimelineSegment, TimelineWindow, Warning, WarningCode,
    SCHEMA_VERSION,
};
use tonebench_core::{Confusion, Metrics};

/// Shape of a synthetic report.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub suite: String,
    pub labels: Vec<String>,
    pub models: usize,
    /// Cohorts per model, split over partitions of at most `per_partition` cohorts.
    pub cohorts: usize,
    pub per_partition: usize,
    pub latency: bool,
    /// Bootstrap resamples (0: no intervals).
    pub resamples: u32,
    /// Whether the first model was also streamed over calls ([`streaming`]).
    pub streaming: bool,
}

impl Default for SampleSpec {
    fn default() -> Self {
        SampleSpec {
            suite: "demo".into(),
            labels: vec!["negative".into(), "neutral".into(), "positive".into()],
            models: 2,
            cohorts: 6,
            per_partition: 3,
            latency: true,
            resamples: 200,
            streaming: false,
        }
    }
}

/// A deterministic pseudo-random sequence (SplitMix64), so samples need no RNG crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Builds a report shaped by `spec`.
pub fn report(spec: &SampleSpec) -> Report {
    let k = spec.labels.len();
    let cfg = BootstrapConfig {
        resamples: spec.resamples,
        confidence: 0.95,
        seed: 7,
    };
    let mut rng = Mix(42);
    let mut models = Vec::new();
    let mut items = 0;
    for mi in 0..spec.models {
        let mut cells = vec![0u64; k * k];
        for t in 0..k {
            for p in 0..k {
                cells[t * k + p] = if t == p {
                    60 + rng.below(40) + 5 * mi as u64
                } else {
                    rng.below(15)
                };
            }
        }
        let cm = Confusion::from_cells(k, cells);
        items = cm.total();
        let metrics = Metrics::compute(&cm, &spec.labels);
        let intervals = (spec.resamples > 0).then(|| confusion_intervals(&cm, &cfg));
        let mut cohorts = Vec::new();
        let partitions = spec.cohorts.div_ceil(spec.per_partition.max(1));
        for pi in 0..partitions {
            let n = spec
                .per_partition
                .min(spec.cohorts - pi * spec.per_partition.max(1));
            let groups: Vec<CohortGroup> = (0..n)
                .map(|gi| {
                    let items = 20 + rng.below(200);
                    let errors = rng.below(items / 2);
                    let error_rate = errors as f64 / items as f64;
                    CohortGroup {
                        name: format!("group-{}", gi + 1),
                        items,
                        speakers: 2 + rng.below(20),
                        accuracy: 1.0 - error_rate,
                        error_rate,
                        macro_f1: 1.0 - error_rate * 1.1,
                        ..CohortGroup::default()
                    }
                })
                .collect();
            let worst = groups
                .iter()
                .max_by(|a, b| a.error_rate.total_cmp(&b.error_rate))
                .map(|g| g.name.clone());
            let max = groups.iter().map(|g| g.error_rate).fold(0.0, f64::max);
            let min = groups.iter().map(|g| g.error_rate).fold(1.0, f64::min);
            cohorts.push(CohortReport {
                partition: format!("partition-{}", pi + 1),
                source: if pi % 2 == 0 { "metadata" } else { "embedding" }.into(),
                groups,
                worst,
                gap_abs: Some((max - min) / 2.0),
                gap_rel_pct: Some(40.0),
                worst_share_pct: Some(12.5),
                difference: Some(max - min),
                ratio: Some((1.0 - max) / (1.0 - min)),
                p_value: Some(0.004 * (pi + 1) as f64),
                p_adjusted: Some(0.012 * (pi + 1) as f64),
                ..CohortReport::default()
            });
        }
        let latency = spec.latency.then(|| {
            let base = 3.0 + mi as f64 * 2.5;
            LatencyReport {
                device: "cpu".into(),
                provider: "CPUExecutionProvider".into(),
                p50_ms: base,
                p90_ms: base * 1.6,
                p95_ms: base * 1.9,
                p99_ms: base * 2.8,
                mean_ms: base * 1.2,
                throughput_per_s: 1000.0 / (base * 1.2),
                rtf: Some(0.01 * (mi + 1) as f64),
                ..LatencyReport::default()
            }
        });
        let mut files = IndexMap::new();
        files.insert(
            format!("model-{}/model.onnx", mi + 1),
            format!("{:016x}", rng.next()).repeat(4),
        );
        models.push(ModelReport {
            name: format!("model-{}", mi + 1),
            modality: [Modality::Text, Modality::Audio, Modality::Hybrid][mi % 3],
            source: Source {
                kind: "onnx".into(),
                path: format!("models/model-{}/model.toml", mi + 1),
                sha256: format!("{:016x}{:016x}", rng.next(), rng.next()),
                files,
                ort_version: Some("1.31.1".into()),
                provider: Some("CPUExecutionProvider".into()),
                batch_size: Some(8),
                threads: Some(2),
                front_end: None,
            },
            metrics: MetricsReport::new(&spec.labels, &cm, &metrics, intervals.as_ref()),
            cohorts,
            latency,
            warnings: Vec::new(),
            examples: Vec::new(),
            streaming: (spec.streaming && mi == 0)
                .then(|| Box::new(streaming(&spec.labels, spec.resamples))),
            robustness: Vec::new(),
        });
    }
    Report {
        schema_version: SCHEMA_VERSION,
        tonebench_version: env!("CARGO_PKG_VERSION").into(),
        suite: SuiteInfo {
            name: spec.suite.clone(),
            description: "synthetic report for renderer tests".into(),
            items,
            labels: spec.labels.clone(),
            speakers: Some(48),
            dropped: 0,
            manifest_sha256: "ab".repeat(32),
            items_sha256: "cd".repeat(32),
        },
        bootstrap: BootstrapInfo::from(&cfg),
        models,
        warnings: vec![Warning {
            code: WarningCode::SmallCohort,
            metric: None,
            message: "cohort group-1 has fewer than 30 items".into(),
        }],
        comparisons: Vec::new(),
        fairness: None,
    }
}

/// Metrics of `n` estimates over `labels`, right about `right` of the time.
fn level(labels: &[String], n: u64, right: f64, resamples: u32, rng: &mut Mix) -> MetricsReport {
    let k = labels.len();
    let mut cells = vec![0u64; k * k];
    for i in 0..n {
        let t = (i % k as u64) as usize;
        let ok = (rng.below(1000) as f64) < right * 1000.0;
        let p = if ok {
            t
        } else {
            (t + 1 + rng.below(k as u64 - 1) as usize) % k
        };
        cells[t * k + p] += 1;
    }
    let cm = Confusion::from_cells(k, cells);
    let metrics = Metrics::compute(&cm, labels);
    let cfg = BootstrapConfig {
        resamples,
        confidence: 0.95,
        seed: 7,
    };
    let intervals = (resamples > 0).then(|| confusion_intervals(&cm, &cfg));
    MetricsReport::new(labels, &cm, &metrics, intervals.as_ref())
}

/// A pictured call of `duration` seconds: `segments` as (start, end, label index), 5-second
/// windows every 2.5 s (one zero-padded window when it is shorter), probabilities that follow the
/// segments loosely.
fn timeline(
    id: &str,
    duration: f64,
    segments: &[(f64, f64, usize)],
    labels: &[String],
    rng: &mut Mix,
) -> Timeline {
    let k = labels.len();
    let (window, hop) = (5.0, 2.5);
    let n = if duration < window {
        1
    } else {
        ((duration - window) / hop).floor() as usize + 1
    };
    let mut sum = vec![0.0; k];
    let mut windows = Vec::new();
    for w in 0..n {
        let (start_s, end_s) = (w as f64 * hop, w as f64 * hop + window);
        let overlap = |&(a, b, _): &(f64, f64, usize)| (b.min(end_s) - a.max(start_s)).max(0.0);
        let covered: f64 = segments.iter().map(overlap).sum();
        let main = segments
            .iter()
            .max_by(|x, y| overlap(x).total_cmp(&overlap(y)))
            .map_or(0, |s| s.2);
        let speech_truth = covered >= window.min(duration) / 2.0;
        // The detector misses one window in seven and hears speech in one silence in five.
        let speech_pred = if speech_truth {
            rng.below(7) != 0
        } else {
            rng.below(5) == 0
        };
        let mut probs: Vec<f64> = (0..k)
            .map(|_| 0.05 + rng.below(100) as f64 / 400.0)
            .collect();
        probs[main] += 0.5 + rng.below(100) as f64 / 200.0;
        let total: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
        if speech_pred {
            sum.iter_mut().zip(&probs).for_each(|(s, p)| *s += p);
        }
        windows.push(TimelineWindow {
            start_s,
            end_s,
            speech_truth,
            speech_pred,
            rolling: speech_pred.then(|| labels[main].clone()),
            probs,
        });
    }
    let total: f64 = sum.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let pred = (0..k)
        .max_by(|&a, &b| sum[a].total_cmp(&sum[b]))
        .unwrap_or(0);
    let truth = segments.first().map_or(0, |s| s.2);
    Timeline {
        id: id.into(),
        duration_s: duration,
        truth: Some(labels[truth].clone()),
        pred: labels[pred].clone(),
        oracle_pred: labels[truth].clone(),
        p_truth: Some(sum[truth] / total),
        segments: segments
            .iter()
            .map(|&(start_s, end_s, l)| TimelineSegment {
                start_s,
                end_s,
                label: labels[l].clone(),
            })
            .collect(),
        windows,
    }
}

/// A streaming block over synthetic calls, with two pictured calls: a 31-second call whose label
/// changes twice, and a 3-second call (one zero-padded window).
pub fn streaming(labels: &[String], resamples: u32) -> StreamingReport {
    let mut rng = Mix(11);
    let last = labels.len().saturating_sub(1);
    let timelines = vec![
        timeline(
            "call-0007",
            31.0,
            &[(0.4, 9.8, 0), (11.0, 19.5, last), (20.0, 30.2, 0)],
            labels,
            &mut rng,
        ),
        timeline("call-0002", 3.0, &[(0.2, 2.7, last)], labels, &mut rng),
    ];
    StreamingReport {
        window_s: 5.0,
        hop_s: 2.5,
        rolling_s: 30.0,
        rolling_windows: 12,
        windows: 420,
        calls: 24,
        padded_windows: 1,
        speech_windows: 352,
        speech: SpeechReport {
            source: "silero-vad".into(),
            rule: "a window is speech when at least half of its 512-sample chunks are (p >= 0.5)"
                .into(),
            precision: 0.95,
            recall: 0.9,
            f1: 2.0 * 0.95 * 0.9 / 1.85,
            true_positive: 317,
            false_positive: 17,
            false_negative: 35,
            true_negative: 51,
        },
        window: level(labels, 352, 0.7, resamples, &mut rng),
        rolling_30s: level(labels, 334, 0.75, resamples, &mut rng),
        call: level(labels, 24, 0.8, resamples, &mut rng),
        oracle_speech: OracleSpeech {
            call: level(labels, 24, 0.85, resamples, &mut rng),
            rolling_30s: level(labels, 352, 0.78, resamples, &mut rng),
        },
        first_decision_s: Some(5.4),
        change_delay_s: Some(6.25),
        changes: ChangeReport {
            changes: 9,
            followed: 7,
            median_delay_s: Some(5.0),
            max_delay_s: Some(12.5),
        },
        calls_without_speech: 0,
        rolling_unscored: 2,
        batch: Some(BatchExactness {
            batch: 16,
            windows: 64,
            argmax_agreement: 1.0,
            max_abs_diff: 3.2e-7,
        }),
        timelines,
    }
}
