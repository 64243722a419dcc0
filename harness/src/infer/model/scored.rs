//! A graph's output row, checked before it is scored.

use std::path::Path;

use super::super::parts::Head;
use super::super::spec::OutputKind;
use super::super::InferError;

/// A graph's output row through the head, checked: NaN or infinite scores (e.g. from
/// non-finite samples) are a runtime failure of the item; an output declared as probabilities
/// that is not one (a value outside [0, 1], a sum off 1) is invalid input of the item, exactly
/// as the same numbers in a predictions file are ([`crate::input::predictions`]).
pub(super) fn scored(
    head: &Head,
    row: &[f32],
    id: &str,
    graph: &Path,
) -> Result<Vec<f32>, InferError> {
    let probs = head.apply(row);
    if !probs.iter().all(|p| p.is_finite()) {
        return Err(InferError::ItemRun {
            id: id.to_string(),
            msg: format!(
                "{}: the model's output is not finite ({probs:?}); check the input for NaN or huge values",
                graph.display()
            ),
        });
    }
    if head.kind == OutputKind::Probabilities {
        let values: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
        if let Err(why) = tonebench_core::probability::check_distribution(&values) {
            return Err(InferError::Item {
                id: id.to_string(),
                msg: format!(
                    "{}: the output is declared as probabilities but {why}; set output-kind = \"logits\" in the model spec if the graph outputs logits",
                    graph.display()
                ),
            });
        }
    }
    Ok(probs)
}
