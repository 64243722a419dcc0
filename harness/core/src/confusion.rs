//! Confusion matrices: integer counts, rows = true label, columns = predicted label.
//!
//! Every metric of tonebench that is a function of the confusion matrix is computed from these
//! integer counts, which keeps report.json byte-identical run to run and lets the bootstrap
//! resample cells instead of items.

use serde::{Deserialize, Serialize};

/// A `k × k` matrix of counts; `get(t, p)` is the number of items with true label `t` that were
/// predicted `p`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Confusion {
    k: usize,
    counts: Vec<u64>,
}

impl Confusion {
    pub fn zeros(k: usize) -> Self {
        Confusion {
            k,
            counts: vec![0; k * k],
        }
    }

    /// Counts `(truth, pred)` index pairs. Indices must be below `k`.
    pub fn from_pairs(k: usize, truth: &[usize], pred: &[usize]) -> Self {
        assert_eq!(truth.len(), pred.len(), "truth and pred differ in length");
        let mut c = Confusion::zeros(k);
        for (&t, &p) in truth.iter().zip(pred) {
            c.counts[t * k + p] += 1;
        }
        c
    }

    /// Builds a matrix from its row-major cells.
    pub fn from_cells(k: usize, counts: Vec<u64>) -> Self {
        assert_eq!(
            counts.len(),
            k * k,
            "a {k}x{k} matrix needs {} cells",
            k * k
        );
        Confusion { k, counts }
    }

    pub fn add(&mut self, truth: usize, pred: usize) {
        self.counts[truth * self.k + pred] += 1;
    }

    /// Adds `n` items with true label `truth` predicted `pred`.
    pub fn add_n(&mut self, truth: usize, pred: usize, n: u64) {
        self.counts[truth * self.k + pred] += n;
    }

    /// Adds every count of `other`, a matrix of the same size.
    pub fn add_matrix(&mut self, other: &Confusion) {
        assert_eq!(self.k, other.k, "matrices differ in size");
        for (sum, &x) in self.counts.iter_mut().zip(&other.counts) {
            *sum += x;
        }
    }

    pub fn k(&self) -> usize {
        self.k
    }

    pub fn get(&self, truth: usize, pred: usize) -> u64 {
        self.counts[truth * self.k + pred]
    }

    /// Row-major cells.
    pub fn cells(&self) -> &[u64] {
        &self.counts
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn correct(&self) -> u64 {
        (0..self.k).map(|i| self.get(i, i)).sum()
    }

    /// Items whose true label is `c` (sklearn's `support`).
    pub fn support(&self, c: usize) -> u64 {
        (0..self.k).map(|p| self.get(c, p)).sum()
    }

    /// Items predicted as `c`.
    pub fn predicted(&self, c: usize) -> u64 {
        (0..self.k).map(|t| self.get(t, c)).sum()
    }

    /// The matrix as rows, for serialization.
    pub fn rows(&self) -> Vec<Vec<u64>> {
        self.counts.chunks(self.k).map(|r| r.to_vec()).collect()
    }
}
