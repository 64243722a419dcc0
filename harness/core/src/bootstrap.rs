//! Seeded percentile bootstrap confidence intervals for confusion-matrix metrics.
//!
//! Resampling `n` items with replacement and counting them into a confusion matrix is the same
//! as drawing the matrix from a multinomial distribution over its cells with probabilities
//! `count / n`. tonebench draws that multinomial directly, as a chain of conditional binomials,
//! so one resample costs `O(k²)` whatever the number of items.

use rand::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::metrics::ratio;
use crate::Confusion;

/// How intervals are computed; recorded in the report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BootstrapConfig {
    pub resamples: u32,
    /// Two-sided confidence level, e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: 1000,
            confidence: 0.95,
            seed: 7,
        }
    }
}

/// A two-sided interval `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Intervals for one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClassIntervals {
    pub precision: Interval,
    pub recall: Interval,
    pub f1: Interval,
}

/// Intervals for the headline metrics and every class, in label order.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    pub accuracy: Interval,
    pub balanced_accuracy: Interval,
    pub macro_f1: Interval,
    pub per_class: Vec<ClassIntervals>,
}

/// A seeded source of multinomial resamples of a confusion matrix.
pub struct CellResampler {
    rng: Xoshiro256PlusPlus,
}

impl CellResampler {
    pub fn new(seed: u64) -> Self {
        CellResampler {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// Draws cell counts from Multinomial(total, cells / total) into `out`.
    pub fn draw(&mut self, cells: &[u64], out: &mut [u64]) {
        let mut left: u64 = cells.iter().sum();
        let mut rest: u64 = left;
        for (i, &c) in cells.iter().enumerate() {
            if left == 0 || c == 0 {
                out[i] = 0;
                continue;
            }
            let x = if c == rest {
                left
            } else {
                let p = c as f64 / rest as f64;
                // p is in (0, 1) here, so the distribution always builds.
                Binomial::new(left, p)
                    .map(|b| b.sample(&mut self.rng))
                    .unwrap_or(0)
            };
            out[i] = x;
            left -= x;
            rest -= c;
        }
    }
}

/// The `q`-quantile of sorted values with linear interpolation (numpy's default method).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = pos.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// The percentile interval of a bootstrap distribution.
pub fn percentile_interval(mut values: Vec<f64>, confidence: f64) -> Interval {
    values.sort_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    Interval {
        low: quantile_sorted(&values, alpha),
        high: quantile_sorted(&values, 1.0 - alpha),
    }
}

/// Percentile bootstrap intervals of accuracy, balanced accuracy, macro-F1 and per-class
/// precision, recall and F1, resampling items (as multinomial cell draws).
pub fn confusion_intervals(cm: &Confusion, cfg: &BootstrapConfig) -> Intervals {
    let k = cm.k();
    let b = cfg.resamples.max(1) as usize;
    let mut sampler = CellResampler::new(cfg.seed);
    let mut cells = vec![0u64; k * k];
    let mut draws = Draws::new(k, b);
    for _ in 0..b {
        sampler.draw(cm.cells(), &mut cells);
        draws.push(&Confusion::from_cells(k, cells.clone()));
    }
    draws.intervals(cfg.confidence)
}

/// Percentile bootstrap intervals like [`confusion_intervals`], resampling **clusters** with
/// replacement: each resample draws `clusters.len()` clusters (e.g. the calls of a streaming
/// run, whose windows are not independent) and sums their confusion matrices. Duplicating every
/// observation inside every cluster leaves these intervals unchanged; resampling the
/// observations themselves would narrow them.
pub fn clustered_intervals(clusters: &[Confusion], k: usize, cfg: &BootstrapConfig) -> Intervals {
    use rand::Rng;
    let b = cfg.resamples.max(1) as usize;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
    let mut draws = Draws::new(k, b);
    for _ in 0..b {
        let mut r = Confusion::zeros(k);
        for _ in 0..clusters.len() {
            r.add_matrix(&clusters[rng.gen_range(0..clusters.len())]);
        }
        draws.push(&r);
    }
    draws.intervals(cfg.confidence)
}

/// The bootstrap distributions of every metric of [`Intervals`], one resample at a time.
struct Draws {
    acc: Vec<f64>,
    bal: Vec<f64>,
    mf1: Vec<f64>,
    /// Precision, recall and F1 of each class.
    per: Vec<[Vec<f64>; 3]>,
}

impl Draws {
    fn new(k: usize, b: usize) -> Self {
        Draws {
            acc: Vec::with_capacity(b),
            bal: Vec::with_capacity(b),
            mf1: Vec::with_capacity(b),
            per: (0..k)
                .map(|_| {
                    [
                        Vec::with_capacity(b),
                        Vec::with_capacity(b),
                        Vec::with_capacity(b),
                    ]
                })
                .collect(),
        }
    }

    /// Adds one resampled matrix.
    fn push(&mut self, r: &Confusion) {
        let k = self.per.len();
        let (mut recall_sum, mut present, mut f1_sum) = (0.0, 0usize, 0.0);
        for (c, slot) in self.per.iter_mut().enumerate() {
            let tp = r.get(c, c) as f64;
            let support = r.support(c) as f64;
            let predicted = r.predicted(c) as f64;
            let precision = ratio(tp, predicted).unwrap_or(0.0);
            let recall = ratio(tp, support).unwrap_or(0.0);
            let f1 = ratio(2.0 * tp, support + predicted).unwrap_or(0.0);
            if support > 0.0 {
                recall_sum += recall;
                present += 1;
            }
            f1_sum += f1;
            slot[0].push(precision);
            slot[1].push(recall);
            slot[2].push(f1);
        }
        self.acc
            .push(ratio(r.correct() as f64, r.total() as f64).unwrap_or(0.0));
        self.bal
            .push(ratio(recall_sum, present as f64).unwrap_or(0.0));
        self.mf1.push(f1_sum / k.max(1) as f64);
    }

    fn intervals(self, confidence: f64) -> Intervals {
        let ci = |v: Vec<f64>| percentile_interval(v, confidence);
        Intervals {
            accuracy: ci(self.acc),
            balanced_accuracy: ci(self.bal),
            macro_f1: ci(self.mf1),
            per_class: self
                .per
                .into_iter()
                .map(|[p, r, f]| ClassIntervals {
                    precision: ci(p),
                    recall: ci(r),
                    f1: ci(f),
                })
                .collect(),
        }
    }
}

/// Checks that the point estimates of [`Metrics`] and the resampler agree on definitions.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metrics;

    #[test]
    fn draws_keep_the_total_and_empty_cells() {
        let cm = Confusion::from_cells(3, vec![50, 0, 3, 7, 20, 0, 1, 2, 917]);
        let mut s = CellResampler::new(1);
        let mut out = vec![0; 9];
        for _ in 0..200 {
            s.draw(cm.cells(), &mut out);
            assert_eq!(out.iter().sum::<u64>(), cm.total());
            assert_eq!(out[1], 0);
            assert_eq!(out[5], 0);
        }
    }

    #[test]
    fn draws_have_multinomial_means() {
        let cells = [100u64, 300, 600];
        let mut s = CellResampler::new(3);
        let mut out = vec![0; 3];
        let mut sums = [0f64; 3];
        let n = 4000;
        for _ in 0..n {
            s.draw(&cells, &mut out);
            for i in 0..3 {
                sums[i] += out[i] as f64;
            }
        }
        for i in 0..3 {
            let mean = sums[i] / n as f64;
            // The standard error of the mean is below 0.5 for every cell here.
            assert!(
                (mean - cells[i] as f64).abs() < 2.5,
                "cell {i}: mean {mean}"
            );
        }
    }

    #[test]
    fn same_seed_same_intervals_and_point_inside() {
        let cm = Confusion::from_cells(3, vec![40, 5, 5, 10, 30, 10, 2, 8, 90]);
        let cfg = BootstrapConfig::default();
        let a = confusion_intervals(&cm, &cfg);
        let b = confusion_intervals(&cm, &cfg);
        assert_eq!(a, b);
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let m = Metrics::compute(&cm, &labels);
        assert!(a.accuracy.low <= m.accuracy && m.accuracy <= a.accuracy.high);
        assert!(a.macro_f1.low <= m.macro_avg.f1 && m.macro_avg.f1 <= a.macro_f1.high);
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.percentile([1, 2, 3, 4], 2.5) == 1.075
        assert!((quantile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }
}
