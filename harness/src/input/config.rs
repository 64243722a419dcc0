//! TOML configuration files (suite.toml, model specs, gate files): parsing with errors that name
//! the file, line and column, and unknown keys rejected.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A TOML file that does not parse or does not fit its schema.
#[derive(Debug, thiserror::Error)]
#[error("{path} line {line} column {column}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl crate::error::HasKind for ConfigError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

/// Where and why a TOML text does not fit its schema, for callers with an error type of their
/// own (model specs, gate files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlProblem {
    /// 1-based line and column, when the parser names a place.
    pub at: Option<(usize, usize)>,
    /// The parser's message on one line.
    pub message: String,
}

/// Deserializes TOML text into `T`: the one place TOML errors become line, column and message.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, TomlProblem> {
    toml::from_str(text).map_err(|e| TomlProblem {
        at: e.span().map(|s| line_col(text, s.start)),
        message: crate::input::table::one_line(e.message()),
    })
}

/// Parses `text` (read from `path`) into `T`. Structs are expected to use
/// `#[serde(deny_unknown_fields)]`, so a misspelled key is an error naming the key and its line.
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    from_toml(text).map_err(|p| {
        let (line, column) = p.at.unwrap_or((1, 1));
        ConfigError {
            path: path.to_owned(),
            line,
            column,
            message: p.message,
        }
    })
}

/// 1-based line and column (in bytes) of a byte offset; an offset past the end is the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, column)
}
