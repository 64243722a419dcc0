//! Reading item and prediction tables (.csv, .tsv, .parquet, .jsonl) through polars.
//!
//! Text formats are checked before polars parses them, so that a broken file is reported with
//! its line: invalid UTF-8 or binary bytes, an unterminated quote, a row with more or fewer
//! fields than the header, a JSON line that is not an object. Every cell is then read as text
//! (no type inference: an id `007` stays `007`); numbers are parsed by the caller, which knows
//! which row and column a bad one came from.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use tonebench_core::limits;
use tonebench_core::text::quoted;

pub use super::items::Origins;

mod contain;
mod flat;
mod footer;
mod pages;
mod scan;
use contain::contained;
use flat::check_flat;
use scan::{header_names, scan_delimited, scan_json_lines};

/// Where a row of a table was written, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// 1-based line of a text file (CSV, TSV, JSONL).
    Line(usize),
    /// 0-based data row of a Parquet file.
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

/// The file formats a table can have, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    Parquet,
    JsonLines,
}

impl Format {
    /// As messages name it (`cannot parse as …`).
    fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Parquet => "Parquet",
            Format::JsonLines => "JSON lines",
        }
    }

    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// Why a table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{path}: no such file")]
    Missing { path: PathBuf },
    /// `reason` is the I/O error's text (kept out of the error chain: the message holds it).
    #[error("{path}: cannot read: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{path}: unsupported table format; use .csv, .tsv, .parquet or .jsonl")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error("{path} {at}: {message}")]
    Malformed {
        path: PathBuf,
        at: RowRef,
        message: String,
    },
    #[error("{path}: cannot parse as {format}: {message}")]
    Parse {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{path}: column {column:?} appears more than once")]
    DuplicateColumn { path: PathBuf, column: String },
}

impl crate::error::HasKind for TableError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

/// A table read into memory: named text columns plus where each row came from.
pub struct Table {
    path: PathBuf,
    df: DataFrame,
    columns: Vec<String>,
    /// One `u32` a row (issue 15: not a 16-byte [`RowRef`] each).
    origins: Origins,
    sha256: String,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("path", &self.path)
            .field("columns", &self.columns)
            .field("rows", &self.height())
            .finish()
    }
}

/// The first name that appears a second time (in one pass: a header may hold 100,000 names).
fn first_repeat<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|n| !seen.insert(*n))
}

impl Table {
    /// Reads a table, choosing the format by extension.
    pub fn read(path: &Path) -> Result<Table, TableError> {
        Table::read_numeric(path, |_| false)
    }

    /// [`Table::read`], with the CSV/TSV columns whose header `numeric` accepts parsed straight
    /// to numbers by polars (8 bytes a cell instead of a string each). If any cell of them is
    /// not a plain number, the table is read again as text, so that [`Table::floats`] names the
    /// line of the bad cell exactly as it would have.
    pub fn read_numeric(path: &Path, numeric: impl Fn(&str) -> bool) -> Result<Table, TableError> {
        let format = Format::from_path(path).ok_or_else(|| TableError::UnknownFormat {
            path: path.to_owned(),
        })?;
        let bytes = crate::open::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => TableError::Missing {
                path: path.to_owned(),
            },
            _ => TableError::Io {
                path: path.to_owned(),
                reason: source.to_string(),
            },
        })?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(TableError::Empty {
                path: path.to_owned(),
            });
        }
        let sha256 = crate::digest::sha256_hex(&bytes);
        let parse_err = |format: &'static str, e: PolarsError| TableError::Parse {
            path: path.to_owned(),
            format,
            message: one_line(&e.to_string()),
        };
        // polars panics on some corrupt files (contain.rs): a panic is a parse error too.
        let panicked = |format: &'static str| {
            move |message: String| TableError::Parse {
                path: path.to_owned(),
                format,
                message,
            }
        };
        let (df, origins) = match format {
            Format::Csv | Format::Tsv => {
                let sep = if format == Format::Csv { b',' } else { b'\t' };
                let (origins, header) = scan_delimited(path, &bytes, sep)?;
                let numbers: Schema = header_names(&bytes, sep)
                    .into_iter()
                    .filter(|c| numeric(c))
                    .map(|c| Field::new(c.into(), DataType::Float64))
                    .collect();
                drop(bytes);
                let read = |schema: Option<Schema>| {
                    let parse = CsvParseOptions::default()
                        .with_separator(sep)
                        .with_missing_is_null(false);
                    CsvReadOptions::default()
                        .with_has_header(true)
                        .with_infer_schema_length(Some(0))
                        .with_schema_overwrite(schema.map(Arc::new))
                        .with_parse_options(parse)
                        .try_into_reader_with_file_path(Some(path.to_owned()))
                        .and_then(|r| r.finish())
                };
                let typed = (!numbers.is_empty())
                    .then(|| contained(|| read(Some(numbers))).ok()?.ok())
                    .flatten();
                let mut df = match typed {
                    Some(df) => df,
                    None => contained(|| read(None))
                        .map_err(panicked("CSV"))?
                        .map_err(|e| parse_err("CSV", e))?,
                };
                // polars keeps RFC 4180's doubled quotes in header names; the scan's are
                // unescaped.
                if header.len() == df.width() {
                    df.set_column_names(&header)
                        .map_err(|e| parse_err("CSV", e))?;
                }
                (df, Origins::from_refs(&origins))
            }
            Format::JsonLines => {
                let origins = scan_json_lines(path, &bytes)?;
                let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
                    Some(rest) => rest.to_vec(),
                    None => bytes,
                };
                let df = contained(|| {
                    JsonReader::new(std::io::Cursor::new(bytes))
                        .with_json_format(JsonFormat::JsonLines)
                        .finish()
                })
                .map_err(panicked("JSON lines"))?
                .map_err(|e| parse_err("JSON lines", e))?;
                check_flat(path, &df)?;
                (df, Origins::from_refs(&origins))
            }
            Format::Parquet => {
                // Checked before polars decodes them: the footer's declared sizes, then every
                // data page's counts (the bytes are moved in, freed before polars reads the file).
                contained(|| footer::check_footer(&bytes).and_then(|()| pages::check_pages(bytes)))
                    .and_then(|r| r)
                    .map_err(panicked("Parquet"))?;
                let file = crate::open::open(path).map_err(|source| TableError::Io {
                    path: path.to_owned(),
                    reason: source.to_string(),
                })?;
                let df = contained(|| ParquetReader::new(file).finish())
                    .map_err(panicked("Parquet"))?
                    .map_err(|e| parse_err("Parquet", e))?;
                check_flat(path, &df)?;
                (df, Origins::numbered())
            }
        };
        let columns: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        if let Err(e) = limits::at_most("the number of columns", columns.len(), limits::COLUMNS) {
            return Err(TableError::Parse {
                path: path.to_owned(),
                format: format.name(),
                message: e.to_string(),
            });
        }
        if let Some(c) = first_repeat(columns.iter().map(String::as_str)) {
            return Err(TableError::DuplicateColumn {
                path: path.to_owned(),
                column: c.to_owned(),
            });
        }
        // If the pre-scan and polars disagree on the number of rows (they should not), fall
        // back to row numbers rather than naming wrong lines.
        let origins = if origins.held().is_none_or(|n| n == df.height()) {
            origins
        } else {
            Origins::numbered()
        };
        Ok(Table {
            path: path.to_owned(),
            df,
            columns,
            origins,
            sha256,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frees the parsed data once every needed column has been read; names, rows' origins and
    /// the hash stay. Column reads after this fail.
    pub fn release_data(&mut self) {
        self.df = DataFrame::empty();
    }

    /// A short name for messages: the file name.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    pub fn height(&self) -> usize {
        self.df.height()
    }

    pub fn origin(&self, row: usize) -> RowRef {
        self.origins.get(row)
    }

    /// Where every row was written.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// sha256 of the file's bytes, hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// A column as text; `None` for a null or empty cell. Numbers and booleans are written as
    /// polars formats them.
    pub fn strings(&self, name: &str) -> Result<Vec<Option<String>>, TableError> {
        Ok(self
            .text(name)?
            .iter()
            .map(|v| v.filter(|s| !s.is_empty()).map(str::to_owned))
            .collect())
    }

    /// A column as polars text, to borrow its cells from (`None` for a null cell; empty cells
    /// stay empty): what [`Table::strings`] copies into a `String` each.
    pub fn text(&self, name: &str) -> Result<StringChunked, TableError> {
        let col = self.column(name)?;
        let cast = col
            .cast(&DataType::String)
            .map_err(|e| self.cast_err(name, e))?;
        let ca = cast.str().map_err(|e| self.cast_err(name, e))?;
        let long = ca.iter().enumerate().find_map(|(row, v)| {
            v.filter(|s| s.len() > limits::CELL_BYTES)
                .map(|s| (row, s.len()))
        });
        if let Some((row, len)) = long {
            return Err(TableError::Malformed {
                path: self.path.clone(),
                at: self.origin(row),
                message: format!(
                    "column {}: {}",
                    quoted(name),
                    limits::at_most("the cell's length (bytes)", len, limits::CELL_BYTES)
                        .unwrap_err()
                ),
            });
        }
        Ok(ca.clone())
    }

    /// A column as numbers; a cell that is not a number is an error naming its row.
    /// Empty cells are `None`.
    pub fn floats(&self, name: &str) -> Result<Vec<Option<f64>>, TableError> {
        let col = self.column(name)?;
        if col.dtype().is_primitive_numeric() {
            let cast = col
                .cast(&DataType::Float64)
                .map_err(|e| self.cast_err(name, e))?;
            let ca = cast.f64().map_err(|e| self.cast_err(name, e))?;
            return Ok(ca.iter().collect());
        }
        self.text(name)?
            .iter()
            .enumerate()
            .map(|(row, cell)| match cell.filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => s
                    .trim()
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| TableError::Malformed {
                        path: self.path.clone(),
                        at: self.origin(row),
                        message: format!("column {}: {} is not a number", quoted(name), quoted(s)),
                    }),
            })
            .collect()
    }

    fn column(&self, name: &str) -> Result<&Column, TableError> {
        self.df.column(name).map_err(|_| TableError::Parse {
            path: self.path.clone(),
            format: "table",
            message: format!("no column {}", quoted(name)),
        })
    }

    fn cast_err(&self, name: &str, e: PolarsError) -> TableError {
        TableError::Parse {
            path: self.path.clone(),
            format: "table",
            message: format!("column {}: {}", quoted(name), one_line(&e.to_string())),
        }
    }
}

/// Collapses a multi-line library message into one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<Vec<RowRef>, TableError> {
        scan_delimited(Path::new("t.csv"), text.as_bytes(), b',').map(|(rows, _)| rows)
    }

    #[test]
    fn records_start_on_the_right_lines() {
        let lines = scan("id,text\na,\"two\nlines\"\nb,\"say \"\"hi\"\"\"\n\nc,x\n").unwrap();
        assert_eq!(
            lines,
            vec![RowRef::Line(2), RowRef::Line(4), RowRef::Line(6)]
        );
    }

    #[test]
    fn duplicate_header_columns_are_refused() {
        let err = scan("id,label,\"label\"\na,b,c\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "t.csv line 1: column \"label\" appears twice in the header"
        );
    }

    #[test]
    fn ragged_rows_name_their_line() {
        let err = scan("id,label\na,b\nc,d,e\n").unwrap_err().to_string();
        assert_eq!(err, "t.csv line 3: 3 fields, but the header has 2");
    }

    #[test]
    fn unterminated_quotes_and_binary_are_reported() {
        assert!(scan("id,text\na,\"open\n")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        let err = scan_delimited(Path::new("t.csv"), b"id\n\xff\xfe\x00", b',').unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
