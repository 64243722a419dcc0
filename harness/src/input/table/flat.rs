//! Cells are text or numbers: nested and binary columns of Parquet and JSON-lines tables are
//! refused by name and row.

use std::path::Path;

use polars::prelude::*;
use tonebench_core::text::quoted;

use super::{RowRef, TableError};

/// Refuses nested columns (lists, arrays, structs) and binary ones of a Parquet or JSON-lines
/// table, naming the column and its first row with a value: a cell is text or a number.
pub(super) fn check_flat(path: &Path, df: &DataFrame) -> Result<(), TableError> {
    for col in df.columns() {
        let dtype = col.dtype();
        if !(dtype.is_nested() || matches!(dtype, DataType::Binary | DataType::BinaryOffset)) {
            continue;
        }
        let row = col
            .is_not_null()
            .iter()
            .position(|v| v == Some(true))
            .unwrap_or(0);
        return Err(TableError::Malformed {
            path: path.to_owned(),
            at: RowRef::Row(row),
            message: format!(
                "column {} holds {dtype} values; a cell must be text or a number",
                quoted(col.name().as_str())
            ),
        });
    }
    Ok(())
}
