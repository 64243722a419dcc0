//! One-vs-rest ROC-AUC and average precision of one class, from items sorted once by that
//! class's score and walked with per-item weights (1 for the point estimate, bootstrap counts
//! for a resample). A resample never sorts again: it walks the same order with other weights.
//!
//! Ties follow scikit-learn: items with equal scores form one threshold. ROC-AUC is the area
//! under the trapezoidal ROC curve of `roc_curve`, which equals the Mann–Whitney statistic with
//! a tie counted as ½; average precision is `Σ (Rₙ − Rₙ₋₁) Pₙ` over the distinct thresholds in
//! decreasing order (`average_precision_score`, no interpolation).

use super::Weights;

/// The items of one class in increasing order of their score for it, with the tie groups marked.
#[derive(Debug, Clone)]
pub(super) struct ClassOrder {
    /// Item indices, by increasing score.
    order: Vec<u32>,
    /// Per position: bit 0 = the item's true label is the class; bit 1 = the last item of its
    /// tie group (the next item has a higher score, or there is none).
    flags: Vec<u8>,
}

const POSITIVE: u8 = 1;
const GROUP_END: u8 = 2;

impl ClassOrder {
    /// Sorts the items by `score(i)` (a probability: never NaN), marking equal scores as ties;
    /// `-0.0` and `0.0` are one tie group, as for numpy.
    pub(super) fn new(
        n: usize,
        score: impl Fn(usize) -> f64,
        positive: impl Fn(usize) -> bool,
    ) -> Self {
        // Sorting (score, index) pairs keeps the keys contiguous; the index makes it stable.
        let mut keyed: Vec<(f64, u32)> = (0..n).map(|i| (score(i), i as u32)).collect();
        keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let flags = (0..n)
            .map(|j| {
                let (s, i) = keyed[j];
                let mut f = if positive(i as usize) { POSITIVE } else { 0 };
                if j + 1 == n || keyed[j + 1].0 != s {
                    f |= GROUP_END;
                }
                f
            })
            .collect();
        let order = keyed.into_iter().map(|(_, i)| i).collect();
        ClassOrder { order, flags }
    }

    /// Weighted positives of the class.
    pub(super) fn positives<W: Weights>(&self, w: &W) -> u64 {
        self.order
            .iter()
            .zip(&self.flags)
            .filter(|(_, &f)| f & POSITIVE != 0)
            .map(|(&i, _)| w.at(i as usize))
            .sum()
    }

    /// One-vs-rest ROC-AUC; `None` when the (weighted) truth has no positive or no negative.
    pub(super) fn roc_auc<W: Weights>(&self, w: &W) -> Option<f64> {
        self.roc_auc_and_support(w).0
    }

    /// The ROC-AUC and the weighted positives, from one walk.
    pub(super) fn roc_auc_and_support<W: Weights>(&self, w: &W) -> (Option<f64>, u64) {
        // Twice the Mann–Whitney U, in integers: a positive scores 2 per negative below it and 1
        // per negative tied with it.
        let (mut neg_below, mut pos_total, mut twice_u) = (0u64, 0u64, 0u64);
        let (mut g_pos, mut g_neg) = (0u64, 0u64);
        for (&i, &f) in self.order.iter().zip(&self.flags) {
            let x = w.at(i as usize);
            if f & POSITIVE != 0 {
                g_pos += x;
            } else {
                g_neg += x;
            }
            if f & GROUP_END != 0 {
                twice_u += g_pos * (2 * neg_below + g_neg);
                neg_below += g_neg;
                pos_total += g_pos;
                g_pos = 0;
                g_neg = 0;
            }
        }
        let auc = (pos_total > 0 && neg_below > 0)
            .then(|| twice_u as f64 / (2.0 * pos_total as f64 * neg_below as f64));
        (auc, pos_total)
    }

    /// Average precision; `None` when the (weighted) truth has no positive.
    pub(super) fn average_precision<W: Weights>(&self, w: &W) -> Option<f64> {
        let (mut tp, mut fp, mut sum) = (0u64, 0u64, 0.0f64);
        let (mut g_pos, mut g_neg) = (0u64, 0u64);
        // Decreasing score: a group is complete when the item before it (in increasing order)
        // ends another group, or at the first item.
        for j in (0..self.order.len()).rev() {
            let x = w.at(self.order[j] as usize);
            if self.flags[j] & POSITIVE != 0 {
                g_pos += x;
            } else {
                g_neg += x;
            }
            if j == 0 || self.flags[j - 1] & GROUP_END != 0 {
                tp += g_pos;
                fp += g_neg;
                if g_pos > 0 {
                    sum += g_pos as f64 * (tp as f64 / (tp + fp) as f64);
                }
                g_pos = 0;
                g_neg = 0;
            }
        }
        (tp > 0).then(|| sum / tp as f64)
    }
}
