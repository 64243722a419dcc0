//! Paired comparison of a candidate against a baseline on the same items: non-inferiority by a
//! one-sided paired bootstrap of (candidate − baseline), and McNemar's exact test.
//!
//! Pairing is checked first: both must have scored exactly the same item ids with the same
//! labels ([`pair`]). The bootstrap resamples **items**, jointly for both models. An item is the
//! triple (truth, candidate prediction, baseline prediction), so resampling items is drawing the
//! `k³` joint counts from a multinomial — done with the same seeded
//! [`CellResampler`](crate::bootstrap::CellResampler) as the report's intervals, at `O(k³)` per
//! resample whatever the number of items.
//!
//! One file per step: [`pair`] (`pair.rs`), the metrics that can be compared
//! ([`PairedMetric`], `metric.rs`), [`non_inferiority`] (`non_inferiority.rs`), [`mcnemar`]
//! (`mcnemar.rs`), and [`compare_models`] for every pair of models of one run (`compare.rs`).

mod compare;
mod mcnemar;
mod metric;
mod non_inferiority;
mod pair;

pub use compare::{
    compare_models, probability_diffs, ModelComparison, PairedDiff, COMPARED_METRICS,
    COMPARED_PROBABILITY_METRICS,
};
pub use mcnemar::{mcnemar, mcnemar_exact_p, McNemar};
pub use metric::PairedMetric;
pub use non_inferiority::{
    non_inferiority, probability_non_inferiority, Finding, NonInferiority, NonInferiorityConfig,
};
pub use pair::{pair, ItemDiff, ItemPred, Paired, PairingError};

#[cfg(test)]
mod tests;
