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
    let mut items = 0usize;
    let mut agree = 0usize;
    let mut max_abs = 0.0f64;
    for (a, b) in one.iter().zip(&many) {
        if let (Ok(a), Ok(b)) = (a, b) {
            items += 1;
            if argmax(&a.probs) == argmax(&b.probs) {
                agree += 1;
            }
            for (x, y) in a.probs.iter().zip(&b.probs) {
                max_abs = max_abs.max(f64::from((x - y).abs()));
            }
        }
    }
    Ok(Sensitivity {
        batch: batch.max(1),
        items,
        argmax_agreement: if items == 0 {
            1.0
        } else {
            agree as f64 / items as f64
        },
        max_abs_diff: max_abs,
    })
}
