//! Bootstrap intervals of the probability metrics and paired differences between two models.
//!
//! These metrics are not functions of a confusion matrix, so a resample is a vector of item
//! counts: `n` items drawn uniformly with replacement (seeded xoshiro256++), the same draw for
//! every metric and, when two models are compared, for both models. [`Scores`] sorted the items
//! once per class; a resample walks those orders with its counts, `O(n)` per class and metric,
//! never sorting again. A resample in which a metric is undefined (a class drew no item) is left
//! out of that metric's distribution.

use rand::distributions::{Distribution, Uniform};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{ProbMetric, Scores, Weights};
use crate::bootstrap::{percentile_interval, quantile_sorted, BootstrapConfig, Interval};

/// The item counts of one bootstrap resample.
#[derive(Debug, Clone)]
pub struct ResampleWeights {
    counts: Vec<u32>,
    rng: Xoshiro256PlusPlus,
}

impl ResampleWeights {
    pub fn new(items: usize, seed: u64) -> Self {
        ResampleWeights {
            counts: vec![0; items],
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// Draws the next resample: `n` items uniformly with replacement.
    pub fn draw(&mut self) {
        let n = self.counts.len();
        self.counts.fill(0);
        if n == 0 {
            return;
        }
        let pick = Uniform::new(0, n);
        for _ in 0..n {
            self.counts[pick.sample(&mut self.rng)] += 1;
        }
    }
}

impl Weights for ResampleWeights {
    fn at(&self, item: usize) -> u64 {
        self.counts[item] as u64
    }
    fn total(&self) -> u64 {
        self.counts.len() as u64
    }
}

/// Percentile intervals of every probability metric, in label order; `None` where the metric
/// is undefined on all items or in every resample.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbabilityIntervals {
    pub roc_auc_macro: Option<Interval>,
    pub roc_auc_weighted: Option<Interval>,
    pub roc_auc: Vec<Option<Interval>>,
    pub average_precision_macro: Option<Interval>,
    pub average_precision: Vec<Option<Interval>>,
    pub log_loss: Option<Interval>,
    pub brier: Option<Interval>,
    pub ece_equal_width: Option<Interval>,
    pub ece_equal_mass: Option<Interval>,
}

/// Every metric of `s`, in a fixed order: macro and weighted ROC-AUC, per-class ROC-AUC, macro
/// and per-class average precision, log loss, Brier, both ECEs.
fn all_metrics(k: usize) -> Vec<ProbMetric> {
    let mut m = vec![ProbMetric::RocAucMacro, ProbMetric::RocAucWeighted];
    m.extend((0..k).map(ProbMetric::RocAucClass));
    m.push(ProbMetric::AveragePrecisionMacro);
    m.extend((0..k).map(ProbMetric::AveragePrecisionClass));
    m.extend([
        ProbMetric::LogLoss,
        ProbMetric::Brier,
        ProbMetric::EceEqualWidth,
        ProbMetric::EceEqualMass,
    ]);
    m
}

/// The bootstrap distribution of one metric (the defined resamples, unsorted).
pub fn metric_distribution(s: &Scores, metric: ProbMetric, cfg: &BootstrapConfig) -> Vec<f64> {
    let mut w = ResampleWeights::new(s.n, cfg.seed);
    let mut out = Vec::with_capacity(cfg.resamples as usize);
    for _ in 0..cfg.resamples.max(1) {
        w.draw();
        out.extend(s.metric(metric, &w));
    }
    out
}

/// Percentile bootstrap intervals of every probability metric, resampling items.
pub fn probability_intervals(s: &Scores, cfg: &BootstrapConfig) -> ProbabilityIntervals {
    let k = s.k;
    let metrics = all_metrics(k);
    let point = super::Ones(s.n);
    let defined: Vec<bool> = metrics
        .iter()
        .map(|&m| s.metric(m, &point).is_some())
        .collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(cfg.resamples as usize); metrics.len()];
    let mut w = ResampleWeights::new(s.n, cfg.seed);
    for _ in 0..cfg.resamples.max(1) {
        w.draw();
        // The per-class ROC-AUCs are computed once for the class values and both averages.
        let (macro_avg, weighted, per) = s.roc_auc_averages(&w);
        for (j, &m) in metrics.iter().enumerate() {
            if !defined[j] {
                continue;
            }
            let v = match m {
                ProbMetric::RocAucMacro => macro_avg,
                ProbMetric::RocAucWeighted => weighted,
                ProbMetric::RocAucClass(c) => per[c],
                other => s.metric(other, &w),
            };
            values[j].extend(v);
        }
    }
    let mut it = values
        .into_iter()
        .map(|v| (!v.is_empty()).then(|| percentile_interval(v, cfg.confidence)));
    let mut next = || it.next().flatten();
    ProbabilityIntervals {
        roc_auc_macro: next(),
        roc_auc_weighted: next(),
        roc_auc: (0..k).map(|_| next()).collect(),
        average_precision_macro: next(),
        average_precision: (0..k).map(|_| next()).collect(),
        log_loss: next(),
        brier: next(),
        ece_equal_width: next(),
        ece_equal_mass: next(),
    }
}

/// A paired bootstrap of `a − b` on one metric, both models scored on the same items.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDraws {
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// `a − b` of every resample in which both are defined, sorted.
    pub diffs: Vec<f64>,
}

impl PairedDraws {
    /// The `q`-quantile of the differences (NaN without any).
    pub fn quantile(&self, q: f64) -> f64 {
        quantile_sorted(&self.diffs, q)
    }
}

/// Resamples items jointly for both models: `a` and `b` must hold the same items in the same
/// order (checked by the caller's pairing).
pub fn paired_bootstrap(
    a: &Scores,
    b: &Scores,
    metric: ProbMetric,
    resamples: u32,
    seed: u64,
) -> PairedDraws {
    let point = super::Ones(a.n);
    let mut w = ResampleWeights::new(a.n, seed);
    let mut diffs = Vec::with_capacity(resamples as usize);
    for _ in 0..resamples.max(1) {
        w.draw();
        if let (Some(x), Some(y)) = (a.metric(metric, &w), b.metric(metric, &w)) {
            diffs.push(x - y);
        }
    }
    diffs.sort_by(f64::total_cmp);
    PairedDraws {
        a: a.metric(metric, &point),
        b: b.metric(metric, &point),
        diffs,
    }
}
