//! What counts as a probability vector, for predictions files and ONNX outputs alike.

/// How far probabilities may sum from 1.
pub const SUM_TOLERANCE: f64 = 1e-3;

/// `Ok` when every value is in [0, 1] and they sum to 1 within [`SUM_TOLERANCE`]; else why
/// not, as a message fragment naming the first bad value's position (0-based).
pub fn check_distribution(values: &[f64]) -> Result<(), String> {
    if let Some(i) = values.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(format!("value {i} = {} is outside [0, 1]", values[i]));
    }
    let sum: f64 = values.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(format!(
            "the values sum to {sum}, not 1 (tolerance {SUM_TOLERANCE})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_distributions_pass() {
        assert_eq!(check_distribution(&[0.2, 0.8]), Ok(()));
        assert_eq!(
            check_distribution(&[-0.064, 0.0, 0.064]).unwrap_err(),
            "value 0 = -0.064 is outside [0, 1]"
        );
        assert!(check_distribution(&[0.2, 0.2])
            .unwrap_err()
            .contains("sum to 0.4"));
        assert!(check_distribution(&[f64::NAN, 1.0]).is_err());
    }
}
