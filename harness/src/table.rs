//! Reading item and prediction tables (.csv, .tsv, .parquet, .jsonl) through polars.

/// Where a row of a table was written, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// 1-based line of a text file (CSV, TSV, JSONL).
    Line(usize),
    /// 0-based row of a Parquet file.
    Row(usize),
}

impl std::fmt::Display for RowRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowRef::Line(l) => write!(f, "line {l}"),
            RowRef::Row(r) => write!(f, "row {r}"),
        }
    }
}
