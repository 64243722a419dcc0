//! Top-label expected calibration error: the confidence of an item is its highest probability,
//! it is correct when the class of that probability (the first, on ties, as numpy's `argmax`) is
//! its true label, and `ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b|` over bins.
//!
//! Two binnings, both with [`ECE_BINS`] bins: **equal width** — bin `j` holds the confidences in
//! `(j/B, (j+1)/B]` (numpy: `np.searchsorted(np.arange(B + 1)[1:-1] / B, conf, side="left")`) —
//! and **equal mass** — the items sorted by confidence (stable) cut into `B` runs of equal size,
//! the first `n mod B` one item longer (`np.array_split`). Empty bins add nothing.

use super::Weights;

/// Number of bins of both ECE estimates (torchmetrics' default).
pub const ECE_BINS: usize = 15;

/// One equal-width bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityBin {
    /// Confidences in `(low, high]`.
    pub low: f64,
    pub high: f64,
    pub items: u64,
    /// Mean confidence of the bin's items.
    pub confidence: f64,
    /// Fraction of the bin's items whose top label is right.
    pub accuracy: f64,
}

/// What the ECE needs of every item, computed once.
#[derive(Debug, Clone)]
pub(super) struct Calibration {
    confidence: Vec<f64>,
    correct: Vec<bool>,
    /// Equal-width bin of every item.
    bin: Vec<u8>,
    /// Items by increasing confidence (stable).
    order: Vec<u32>,
}

/// Sums of one bin: weight, weighted confidence, weighted correct items.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: u64,
    confidence: f64,
    correct: u64,
}

impl Calibration {
    pub(super) fn new(truth: &[usize], probs: &[f64], k: usize) -> Self {
        let edges: Vec<f64> = (1..ECE_BINS).map(|j| j as f64 / ECE_BINS as f64).collect();
        let (mut confidence, mut correct, mut bin) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &t) in truth.iter().enumerate() {
            let row = &probs[i * k..(i + 1) * k];
            let mut top = 0;
            for c in 1..k {
                if row[c] > row[top] {
                    top = c;
                }
            }
            let conf = row[top];
            confidence.push(conf);
            correct.push(top == t);
            bin.push(edges.partition_point(|&e| e < conf) as u8);
        }
        let mut keyed: Vec<(f64, u32)> = confidence
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u32))
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let order = keyed.into_iter().map(|(_, i)| i).collect();
        Calibration {
            confidence,
            correct,
            bin,
            order,
        }
    }

    fn equal_width_sums<W: Weights>(&self, w: &W) -> [Sums; ECE_BINS] {
        let mut bins = [Sums::default(); ECE_BINS];
        for i in 0..self.confidence.len() {
            let x = w.at(i);
            if x == 0 {
                continue;
            }
            let b = &mut bins[self.bin[i] as usize];
            b.n += x;
            b.confidence += x as f64 * self.confidence[i];
            b.correct += if self.correct[i] { x } else { 0 };
        }
        bins
    }

    /// Equal-width ECE; `None` without items.
    pub(super) fn equal_width<W: Weights>(&self, w: &W) -> Option<f64> {
        ece(&self.equal_width_sums(w))
    }

    /// Equal-mass ECE over the (weighted) items: an item drawn `w` times fills `w` consecutive
    /// places of the sorted resample, which may lie in two bins.
    pub(super) fn equal_mass<W: Weights>(&self, w: &W) -> Option<f64> {
        let n = w.total();
        let b = ECE_BINS as u64;
        let (q, r) = (n / b, n % b);
        // Bin j covers places [start(j), start(j + 1)).
        let start = |j: u64| j * q + j.min(r);
        let mut bins = [Sums::default(); ECE_BINS];
        let (mut place, mut j) = (0u64, 0u64);
        for &i in &self.order {
            let i = i as usize;
            let mut x = w.at(i);
            while x > 0 {
                while start(j + 1) <= place {
                    j += 1;
                }
                let take = x.min(start(j + 1) - place);
                let s = &mut bins[j as usize];
                s.n += take;
                s.confidence += take as f64 * self.confidence[i];
                s.correct += if self.correct[i] { take } else { 0 };
                place += take;
                x -= take;
            }
        }
        ece(&bins)
    }

    /// The equal-width bins of the reliability diagram (empty bins left out).
    pub(super) fn reliability<W: Weights>(&self, w: &W) -> Vec<ReliabilityBin> {
        self.equal_width_sums(w)
            .iter()
            .enumerate()
            .filter(|(_, s)| s.n > 0)
            .map(|(j, s)| ReliabilityBin {
                low: j as f64 / ECE_BINS as f64,
                high: (j + 1) as f64 / ECE_BINS as f64,
                items: s.n,
                confidence: s.confidence / s.n as f64,
                accuracy: s.correct as f64 / s.n as f64,
            })
            .collect()
    }
}

fn ece(bins: &[Sums]) -> Option<f64> {
    let n: u64 = bins.iter().map(|s| s.n).sum();
    (n > 0).then(|| {
        bins.iter()
            .filter(|s| s.n > 0)
            .map(|s| (s.correct as f64 - s.confidence).abs())
            .sum::<f64>()
            / n as f64
    })
}
