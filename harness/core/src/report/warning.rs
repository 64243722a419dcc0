//! Warnings: notes the reader must see next to the numbers.

use serde::{Deserialize, Serialize};

/// A note the reader must see next to the numbers: a 0/0 metric, a small cohort, a noisy timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable kind, e.g. `zero_division`.
    pub code: String,
    /// Dotted report path of the affected value, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub message: String,
}
