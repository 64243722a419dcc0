//! windows.parquet: with `run --window`, one row per window of every call and model — what the
//! model and the speech source said about it and what the segments say it holds.

use std::path::Path;

use polars::prelude::*;

use super::StoreError;

/// One window as windows.parquet stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRow {
    pub id: String,
    pub model: String,
    pub window: u32,
    pub start_s: f64,
    pub end_s: f64,
    pub padded: bool,
    pub speech_truth: bool,
    pub speech_pred: bool,
    /// `silero-vad`, `energy`, `model` or `oracle`.
    pub speech_source: String,
    /// The fraction of the window's frames the speech source judged speech (for `model`: the
    /// model's speech probability).
    pub speech_fraction: f64,
    /// The true label of a speech window.
    pub label: Option<String>,
    pub pred: String,
    /// In suite label order.
    pub probs: Vec<f64>,
}

/// Writes windows.parquet: `id, model, window, start_s, end_s, padded, speech_truth,
/// speech_pred, speech_source, speech_fraction, label, pred, p_<label>…`.
pub fn write_windows(path: &Path, labels: &[String], rows: &[WindowRow]) -> Result<(), StoreError> {
    let col_f = |f: fn(&WindowRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let col_b = |f: fn(&WindowRow) -> bool| rows.iter().map(f).collect::<Vec<bool>>();
    let mut columns = vec![
        Column::new(
            "id".into(),
            rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "model".into(),
            rows.iter().map(|r| r.model.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "window".into(),
            rows.iter().map(|r| r.window).collect::<Vec<u32>>(),
        ),
        Column::new("start_s".into(), col_f(|r| r.start_s)),
        Column::new("end_s".into(), col_f(|r| r.end_s)),
        Column::new("padded".into(), col_b(|r| r.padded)),
        Column::new("speech_truth".into(), col_b(|r| r.speech_truth)),
        Column::new("speech_pred".into(), col_b(|r| r.speech_pred)),
        Column::new(
            "speech_source".into(),
            rows.iter()
                .map(|r| r.speech_source.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new("speech_fraction".into(), col_f(|r| r.speech_fraction)),
        Column::new(
            "label".into(),
            rows.iter().map(|r| r.label.as_deref()).collect::<Vec<_>>(),
        ),
        Column::new(
            "pred".into(),
            rows.iter().map(|r| r.pred.as_str()).collect::<Vec<_>>(),
        ),
    ];
    for (c, l) in labels.iter().enumerate() {
        columns.push(Column::new(
            format!("p_{l}").into(),
            rows.iter()
                .map(|r| r.probs.get(c).copied())
                .collect::<Vec<_>>(),
        ));
    }
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| StoreError::Encode {
        path: path.to_owned(),
        message: format!("cannot assemble windows: {e}"),
    })?;
    super::predictions::write_parquet(path, &mut df)
}
