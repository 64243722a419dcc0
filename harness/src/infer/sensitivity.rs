//! How much batching changes a model's outputs: the check behind `--batch N`.

use super::model::Model;
use super::{argmax, InferError, InferInput};

/// How much a batch size changes a model's outputs compared with batch 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sensitivity {
    pub batch: usize,
    /// Items compared (those that succeeded both ways).
    pub items: usize,
    /// Share of items with the same argmax, in [0, 1].
    pub argmax_agreement: f64,
    pub max_abs_diff: f64,
}

/// Runs `inputs` at batch 1 and at `batch` and compares the outputs. The model's own batch
/// size is restored afterwards.
pub fn batch_sensitivity(
    model: &mut Model,
    inputs: &[InferInput<'_>],
    batch: usize,
) -> Result<Sensitivity, InferError> {
    let saved = model.options.batch;
    model.options.batch = 1;
    let one = model.predict_batch(inputs);
    model.options.batch = batch.max(1);
    let many = model.predict_batch(inputs);
    model.options.batch = saved;
    let (one, many) = (one?, many?);
    let (items, argmax_agreement, max_abs) =
        agreement(one.iter().zip(&many).filter_map(|(a, b)| {
            Some((
                a.as_ref().ok()?.probs.as_slice(),
                b.as_ref().ok()?.probs.as_slice(),
            ))
        }));
    Ok(Sensitivity {
        batch: batch.max(1),
        items,
        argmax_agreement,
        max_abs_diff: max_abs,
    })
}

/// Compares pairs of probability rows (batch 1, batched): how many, the share with the same
/// argmax (1 when there are none) and the largest absolute difference of a probability.
pub fn agreement<'a>(pairs: impl Iterator<Item = (&'a [f32], &'a [f32])>) -> (usize, f64, f64) {
    let (mut items, mut agree, mut max_abs) = (0usize, 0usize, 0.0f64);
    for (a, b) in pairs {
        items += 1;
        agree += usize::from(argmax(a) == argmax(b));
        for (x, y) in a.iter().zip(b) {
            max_abs = max_abs.max(f64::from((x - y).abs()));
        }
    }
    let share = if items == 0 {
        1.0
    } else {
        agree as f64 / items as f64
    };
    (items, share, max_abs)
}
