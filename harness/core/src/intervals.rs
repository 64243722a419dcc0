//! Interval estimates and the verdicts read from them, for the renderers to show as they are.
//!
//! The Wilson score interval of a proportion; whether two models' intervals separate them;
//! which model a paired comparison calls better; which values of a row are the best; and the
//! thresholds that flag a cohort result (significant, small, unstable clustering). The HTML
//! and Markdown renderers format these verdicts and decide nothing themselves.

use crate::bootstrap::Interval;
use crate::direction::Direction;
use crate::paired::{McNemar, PairedDiff};

/// The standard normal quantile of a two-sided 95 % interval, `Φ⁻¹(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval of a binomial proportion at 95 %: `successes` of `n` trials.
///
/// Counts are `f64` so that a rate times its size can be passed as it is. The bounds are clamped
/// to [0, 1]; with `n <= 0` both are NaN (there is no proportion to estimate).
pub fn wilson(successes: f64, n: f64) -> Interval {
    if n <= 0.0 {
        return Interval {
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let z = Z_95;
    let p = successes / n;
    let z2 = z * z;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// The interval of a cohort's error rate: the report's speaker-level bootstrap interval, or for
/// reports without one (older files) a Wilson interval over the cohort's `items`.
pub fn cohort_error_interval(bootstrap: Option<Interval>, error_rate: f64, items: u64) -> Interval {
    match bootstrap {
        Some(ci) => ci,
        None => wilson((error_rate * items as f64).round(), items as f64),
    }
}

/// One of the two models of a pairwise comparison: `A` is the first, `B` the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

/// What two models' (unpaired) intervals of one metric say about their difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalVerdict {
    /// The intervals are disjoint; the model named lies wholly above the other.
    Disjoint(Side),
    /// The intervals overlap (or cannot be ordered, e.g. a NaN bound): no verdict.
    Overlapping,
    /// At least one of the models has no interval.
    NoIntervals,
}

impl IntervalVerdict {
    /// The model this verdict calls better, if any.
    pub fn better(self) -> Option<Side> {
        match self {
            IntervalVerdict::Disjoint(side) => Some(side),
            IntervalVerdict::Overlapping | IntervalVerdict::NoIntervals => None,
        }
    }
}

/// Compares two models by whether their intervals of a metric overlap. This is the fallback
/// when no item-level (paired) comparison exists: disjoint intervals are a conservative sign of
/// a difference, overlapping ones are no evidence either way.
pub fn compare_intervals(a: Option<&Interval>, b: Option<&Interval>) -> IntervalVerdict {
    match (a, b) {
        (Some(a), Some(b)) => {
            if a.low > b.high {
                IntervalVerdict::Disjoint(Side::A)
            } else if b.low > a.high {
                IntervalVerdict::Disjoint(Side::B)
            } else {
                IntervalVerdict::Overlapping
            }
        }
        _ => IntervalVerdict::NoIntervals,
    }
}

/// The model a paired comparison calls better on one metric: `A` when the paired interval of
/// A − B lies above zero, `B` when it lies below, `None` when it contains zero.
///
/// With few discordant items the percentile interval is optimistic, so for `accuracy` the exact
/// McNemar test must also reject at α = 1 − `confidence` before a model is called better.
///
/// For a lower-is-better metric ([`Direction::of`]: log loss, Brier score, ECE) the sides swap:
/// an interval of A − B below zero makes A better.
pub fn paired_better(diff: &PairedDiff, mcnemar: &McNemar, confidence: f64) -> Option<Side> {
    let alpha = 1.0 - confidence;
    let exact_agrees = diff.metric != "accuracy" || mcnemar.p_value < alpha;
    let (above, below) = match Direction::of(&diff.metric) {
        Direction::HigherIsBetter => (Side::A, Side::B),
        Direction::LowerIsBetter => (Side::B, Side::A),
    };
    if diff.low > 0.0 && exact_agrees {
        Some(above)
    } else if diff.high < 0.0 && exact_agrees {
        Some(below)
    } else {
        None
    }
}

/// Values this close to the highest tie with it for best.
pub const TIE_TOLERANCE: f64 = 1e-12;

/// Which of `values` are the best of their row: the highest finite value and every value tied
/// with it (within [`TIE_TOLERANCE`]). All `false` when fewer than two values are finite, since
/// then there is nothing to compare.
pub fn best(values: &[f64]) -> Vec<bool> {
    let finite = values.iter().filter(|x| x.is_finite()).count();
    if finite < 2 {
        return vec![false; values.len()];
    }
    let max = values
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|&x| x.is_finite() && (x - max).abs() < TIE_TOLERANCE)
        .collect()
}

/// The level at which a partition's worst-cohort difference is called significant, applied to
/// the multiplicity-adjusted p-value.
pub const SIGNIFICANCE: f64 = 0.05;

/// Whether a partition's worst-cohort difference is significant: its adjusted p-value is below
/// [`SIGNIFICANCE`]. A partition without a test is not.
pub fn significant(p_adjusted: Option<f64>) -> bool {
    p_adjusted.is_some_and(|p| p < SIGNIFICANCE)
}

/// Cohorts with fewer items are flagged: their error rate is too noisy to act on alone.
pub const SMALL_COHORT: u64 = 30;

/// Whether a cohort of `items` items is too small for its error rate to be acted on alone.
pub fn small_cohort(items: u64) -> bool {
    items < SMALL_COHORT
}

/// Whether an embedding clustering is unstable: its mean adjusted Rand index across seeds is
/// below [`crate::cohorts::STABILITY_THRESHOLD`]. A partition without one is not.
pub fn unstable_clustering(stability_ari: Option<f64>) -> bool {
    stability_ari.is_some_and(|a| a < crate::cohorts::STABILITY_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(low: f64, high: f64) -> Interval {
        Interval { low, high }
    }

    /// `(count, nobs, low, high)` from statsmodels 0.15:
    /// `proportion_confint(count, nobs, alpha=0.05, method="wilson")`
    /// (tests/fixtures/intervals/make_wilson_cases.py prints this table).
    const STATSMODELS_WILSON: [(f64, f64, f64, f64); 15] = [
        (10.0, 100.0, 0.05522913706067509, 0.17436566150491348),
        (0.0, 1.0, 0.0, 0.7934506856227627),
        (1.0, 1.0, 0.2065493143772374, 1.0),
        (0.0, 10.0, 0.0, 0.27753279986288926),
        (10.0, 10.0, 0.7224672001371106, 1.0),
        (1.0, 2.0, 0.09453120573423068, 0.9054687942657693),
        (3.0, 7.0, 0.15821985525146964, 0.7495416354723428),
        (5.0, 20.0, 0.11186170140766563, 0.4687008776187441),
        (37.0, 215.0, 0.12750895513653984, 0.22818899734545697),
        (50.0, 100.0, 0.4038315303659956, 0.5961684696340044),
        (1.0, 1000.0, 0.00017654637062607765, 0.005642558597957937),
        (999.0, 1000.0, 0.9943574414020421, 0.9998234536293739),
        (0.0, 5000.0, 0.0, 0.0007677019450571248),
        (123.0, 4567.0, 0.022620022313028024, 0.032039816815401245),
        (4567.0, 4567.0, 0.9991595729461844, 0.9999999999999998),
    ];

    #[test]
    fn wilson_matches_statsmodels() {
        for (count, nobs, low, high) in STATSMODELS_WILSON {
            let w = wilson(count, nobs);
            assert!(
                (w.low - low).abs() < 1e-14,
                "{count}/{nobs}: {} vs {low}",
                w.low
            );
            assert!(
                (w.high - high).abs() < 1e-14,
                "{count}/{nobs}: {} vs {high}",
                w.high
            );
        }
    }

    #[test]
    fn wilson_edges() {
        // No trials: no interval.
        let w = wilson(0.0, 0.0);
        assert!(w.low.is_nan() && w.high.is_nan());
        assert!(wilson(3.0, -1.0).low.is_nan());
        // None and all successes stay inside [0, 1] and are mirror images.
        for n in [1.0, 2.0, 10.0, 30.0, 1e6] {
            let none = wilson(0.0, n);
            let all = wilson(n, n);
            // Zero up to rounding (statsmodels gives the same, e.g. 0 of 5 000 above).
            assert!(none.low >= 0.0 && none.low < 1e-15, "{n}: {}", none.low);
            assert!(
                all.high <= 1.0 && all.high > 1.0 - 1e-12,
                "{n}: {}",
                all.high
            );
            assert!(none.high > 0.0 && none.high < 1.0);
            assert!((none.high - (1.0 - all.low)).abs() < 1e-12, "{n}");
        }
        // The interval narrows as the sample grows.
        let (small, large) = (wilson(5.0, 10.0), wilson(500.0, 1000.0));
        assert!(large.high - large.low < small.high - small.low);
    }

    #[test]
    fn cohort_interval_prefers_the_bootstrap() {
        let boot = iv(0.1, 0.3);
        assert_eq!(cohort_error_interval(Some(boot), 0.2, 50), boot);
        // 0.1 × 100 items: Wilson over 10 of 100.
        assert_eq!(cohort_error_interval(None, 0.1, 100), wilson(10.0, 100.0));
        // A rate that is not a whole count of items is rounded to one.
        assert_eq!(cohort_error_interval(None, 0.333, 3), wilson(1.0, 3.0));
        assert!(cohort_error_interval(None, 0.0, 0).low.is_nan());
    }

    #[test]
    fn disjoint_intervals_name_the_better_model() {
        let (lo, hi) = (iv(0.1, 0.2), iv(0.3, 0.4));
        assert_eq!(
            compare_intervals(Some(&hi), Some(&lo)),
            IntervalVerdict::Disjoint(Side::A)
        );
        assert_eq!(
            compare_intervals(Some(&lo), Some(&hi)),
            IntervalVerdict::Disjoint(Side::B)
        );
        // Touching intervals overlap.
        let touch = iv(0.2, 0.3);
        assert_eq!(
            compare_intervals(Some(&lo), Some(&touch)),
            IntervalVerdict::Overlapping
        );
        let nan = iv(f64::NAN, f64::NAN);
        assert_eq!(
            compare_intervals(Some(&nan), Some(&lo)),
            IntervalVerdict::Overlapping
        );
        assert_eq!(
            compare_intervals(None, Some(&lo)),
            IntervalVerdict::NoIntervals
        );
        assert_eq!(
            compare_intervals(Some(&lo), None),
            IntervalVerdict::NoIntervals
        );
        assert_eq!(IntervalVerdict::Disjoint(Side::B).better(), Some(Side::B));
        assert_eq!(IntervalVerdict::Overlapping.better(), None);
        assert_eq!(IntervalVerdict::NoIntervals.better(), None);
    }

    fn diff(metric: &str, low: f64, high: f64) -> PairedDiff {
        PairedDiff {
            metric: metric.into(),
            a: 0.0,
            b: 0.0,
            diff: (low + high) / 2.0,
            low,
            high,
        }
    }

    fn mcnemar(p_value: f64) -> McNemar {
        McNemar {
            candidate_only: 10,
            baseline_only: 3,
            p_value,
        }
    }

    #[test]
    fn paired_verdicts_need_mcnemar_for_accuracy() {
        let (above, below, across) = ((0.01, 0.05), (-0.05, -0.01), (-0.01, 0.02));
        for metric in ["balanced_accuracy", "macro.f1"] {
            let not_significant = mcnemar(0.5);
            let d = diff(metric, above.0, above.1);
            assert_eq!(paired_better(&d, &not_significant, 0.95), Some(Side::A));
            let d = diff(metric, below.0, below.1);
            assert_eq!(paired_better(&d, &not_significant, 0.95), Some(Side::B));
            let d = diff(metric, across.0, across.1);
            assert_eq!(paired_better(&d, &not_significant, 0.95), None);
        }
        let d = diff("accuracy", above.0, above.1);
        assert_eq!(paired_better(&d, &mcnemar(0.01), 0.95), Some(Side::A));
        assert_eq!(paired_better(&d, &mcnemar(0.06), 0.95), None);
        // α follows the confidence level: p = 0.07 rejects at 90 %, not at 95 %.
        assert_eq!(paired_better(&d, &mcnemar(0.07), 0.90), Some(Side::A));
        assert_eq!(paired_better(&d, &mcnemar(0.07), 0.95), None);
        let d = diff("accuracy", below.0, below.1);
        assert_eq!(paired_better(&d, &mcnemar(0.001), 0.95), Some(Side::B));
        let d = diff("accuracy", across.0, across.1);
        assert_eq!(paired_better(&d, &mcnemar(0.001), 0.95), None);
    }

    #[test]
    fn best_marks_the_highest_finite_values() {
        assert_eq!(best(&[0.5, 0.7, 0.6]), [false, true, false]);
        // Ties within the tolerance are all best.
        assert_eq!(best(&[0.7, 0.7 + 1e-13, 0.6]), [true, true, false]);
        assert_eq!(best(&[0.7, 0.7 + 1e-9, 0.6]), [false, true, false]);
        // NaN and infinities are never best and do not count as comparable.
        assert_eq!(
            best(&[f64::NAN, 0.2, f64::INFINITY, 0.1]),
            [false, true, false, false]
        );
        // Fewer than two finite values: nothing to compare.
        assert_eq!(best(&[0.9]), [false]);
        assert_eq!(best(&[0.9, f64::NAN]), [false, false]);
        assert!(best(&[]).is_empty());
    }

    #[test]
    fn cohort_flags() {
        assert!(significant(Some(0.049)));
        assert!(!significant(Some(0.05)));
        assert!(!significant(None));
        assert!(small_cohort(29));
        assert!(!small_cohort(30));
        assert!(unstable_clustering(Some(0.79)));
        assert!(!unstable_clustering(Some(0.8)));
        assert!(!unstable_clustering(None));
    }
}
