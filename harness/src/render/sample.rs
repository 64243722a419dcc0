//! Synthetic reports for the renderer's tests and benchmarks (deterministic, no I/O).
//!
//! Not part of the user-facing API: the numbers are made up, though internally consistent
//! (metrics are computed from the confusion matrices by the core).

use indexmap::IndexMap;
use tonebench_core::bootstrap::{confusion_intervals, BootstrapConfig};
use tonebench_core::report::{
    BootstrapInfo, CohortGroup, CohortReport, LatencyReport, MetricsReport, Modality, ModelReport,
    Report, Source, SuiteInfo, Warning, WarningCode, SCHEMA_VERSION,
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
            },
            metrics: MetricsReport::new(&spec.labels, &cm, &metrics, intervals.as_ref()),
            cohorts,
            latency,
            warnings: Vec::new(),
            examples: Vec::new(),
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
