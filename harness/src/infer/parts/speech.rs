//! A graph's second output: the speech presence of each row (`[speech]` in the model spec).

use super::Graph;
use crate::infer::spec::{SpeechKind, SpeechPlan};
use crate::infer::InferError;

/// Which output holds speech presence, and how to read it.
#[derive(Debug, Clone)]
pub(super) struct SpeechOut {
    name: String,
    column: usize,
    logit: bool,
}

impl Graph {
    /// Reads `plan.output` beside the main output on every run (see [`Graph::take_speech`]).
    /// The output must be a float32 `[batch]` or `[batch, n]` tensor with `plan.column < n`.
    pub fn read_speech(&mut self, plan: &SpeechPlan) -> Result<(), InferError> {
        let bad = |msg: String| InferError::Model {
            file: self.file.display().to_string(),
            msg,
        };
        let outputs: Vec<String> = self
            .session
            .outputs()
            .iter()
            .map(|o| o.name().to_string())
            .collect();
        let Some(outlet) = self
            .session
            .outputs()
            .iter()
            .find(|o| o.name() == plan.output)
        else {
            return Err(bad(format!(
                "[speech] output \"{}\" is not an output of the graph (its outputs: {})",
                plan.output,
                outputs.join(", ")
            )));
        };
        if outlet.dtype().tensor_type() != Some(ort::value::TensorElementType::Float32) {
            return Err(bad(format!(
                "[speech] output \"{}\" is not a float32 tensor",
                plan.output
            )));
        }
        match outlet.dtype().tensor_shape().map(|s| s.to_vec()) {
            Some(shape) if shape.len() == 1 && plan.column == 0 => {}
            Some(shape) if shape.len() == 2 => {
                if shape[1] >= 0 && plan.column as i64 >= shape[1] {
                    return Err(bad(format!(
                        "[speech] column = {} but output \"{}\" has {} columns",
                        plan.column, plan.output, shape[1]
                    )));
                }
            }
            shape => {
                return Err(bad(format!(
                "[speech] output \"{}\" has shape {:?}; expected [batch] or [batch, n] (column {})",
                plan.output,
                shape.unwrap_or_default(),
                plan.column
            )))
            }
        }
        self.speech = Some(SpeechOut {
            name: plan.output.clone(),
            column: plan.column,
            logit: plan.kind == SpeechKind::Logit,
        });
        Ok(())
    }

    /// Whether runs read a speech output.
    pub fn reads_speech(&self) -> bool {
        self.speech.is_some()
    }

    /// The speech probabilities of the rows run since the last call, in order.
    pub fn take_speech(&mut self) -> Vec<f32> {
        std::mem::take(&mut self.speech_rows)
    }
}

/// The speech probability of each of `rows` rows in `outputs`.
pub(super) fn extract(
    outputs: &ort::session::SessionOutputs<'_>,
    s: &SpeechOut,
    rows: usize,
) -> Result<Vec<f32>, String> {
    let value = outputs
        .get(&s.name)
        .ok_or_else(|| format!("speech output \"{}\" missing", s.name))?;
    let (shape, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| e.to_string())?;
    let width = match shape.len() {
        1 => 1,
        2 => usize::try_from(shape[1]).unwrap_or(0),
        _ => 0,
    };
    if shape.first().map(|&b| b as usize) != Some(rows) || s.column >= width {
        return Err(format!(
            "speech output \"{}\" has shape {:?}; expected [{rows}] or [{rows}, > {}]",
            s.name,
            &shape[..],
            s.column
        ));
    }
    data.chunks(width)
        .map(|row| {
            let v = row[s.column];
            let p = if s.logit { 1.0 / (1.0 + (-v).exp()) } else { v };
            if p.is_finite() && (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(format!(
                    "speech output \"{}\" holds {v}, which is not a probability{}",
                    s.name,
                    if s.logit {
                        ""
                    } else {
                        " (set [speech] kind = \"logit\" if the graph outputs logits)"
                    }
                ))
            }
        })
        .collect()
}
