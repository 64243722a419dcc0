//! [`ModelRun`]: one model's predictions over a suite, whoever made them — an ONNX run, a
//! profile, or a predictions file made elsewhere. What the run folder stores and the evaluation
//! reads.

use tonebench_core::report::{Modality, Source, StreamingReport, Warning};

/// One model's predictions over a suite, aligned to its items.
#[derive(Debug, Clone)]
pub struct ModelRun {
    pub name: String,
    pub modality: Modality,
    pub source: Source,
    /// Predicted label index per suite item; `None` for an item that failed (`--keep-going`),
    /// which is left out of this model's metrics.
    pub pred: Vec<Option<usize>>,
    /// `k` probabilities per item, in suite label order.
    pub probs: Option<Vec<f64>>,
    pub latency_ms: Option<Vec<Option<f64>>>,
    /// Warnings from producing the predictions (e.g. batch sensitivity).
    pub warnings: Vec<Warning>,
    /// With `run --window`: the evaluation over the calls' windows (then `pred` and `probs`
    /// are the whole-call estimates).
    pub streaming: Option<Box<StreamingReport>>,
}
