//! The first pass over a delimited or JSON-lines table: where each row starts (so that errors
//! name their line), the header as RFC 4180 spells it, and the bounds on cells and lines.

use std::path::Path;

use tonebench_core::limits;
use tonebench_core::text::quoted;

use super::{RowRef, TableError};

/// Checks a delimited text file record by record (RFC 4180 quoting) and returns the line on
/// which each data record starts. Blank lines are skipped, as polars skips them.
pub(super) fn scan_delimited(
    path: &Path,
    bytes: &[u8],
    sep: u8,
) -> Result<(Vec<RowRef>, Vec<String>), TableError> {
    let malformed = |line: usize, message: String| TableError::Malformed {
        path: path.to_owned(),
        at: RowRef::Line(line),
        message,
    };
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(malformed(
            line,
            "not UTF-8 text (is this a binary file?)".into(),
        ));
    }
    let mut origins = Vec::new();
    let mut header_fields: Option<usize> = None;
    let mut header_names = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;
    let n = bytes.len();
    // Skip a UTF-8 byte order mark.
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        i = 3;
    }
    while i < n {
        let start_line = line;
        // A blank line is not a record.
        if bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            i += if bytes[i] == b'\r' { 2 } else { 1 };
            line += 1;
            continue;
        }
        let mut fields = 1usize;
        let mut in_quotes = false;
        let mut at_field_start = true;
        let record_start = i;
        let mut field_start = i;
        loop {
            if i - field_start > limits::CELL_BYTES || i - record_start > limits::LINE_BYTES {
                let (what, len, max) = if i - record_start > limits::LINE_BYTES {
                    (
                        "the line's length (bytes)",
                        i - record_start,
                        limits::LINE_BYTES,
                    )
                } else {
                    (
                        "the cell's length (bytes)",
                        i - field_start,
                        limits::CELL_BYTES,
                    )
                };
                let e = limits::at_most(what, len, max).unwrap_err();
                return Err(malformed(start_line, format!("field {fields}: {e}")));
            }
            if i >= n {
                if in_quotes {
                    return Err(malformed(
                        start_line,
                        "a quoted field is never closed".into(),
                    ));
                }
                break;
            }
            let b = bytes[i];
            if b == 0 {
                return Err(malformed(
                    line,
                    "contains a NUL byte (is this a binary file?)".into(),
                ));
            }
            if in_quotes {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    in_quotes = false;
                } else if b == b'\n' {
                    line += 1;
                }
                i += 1;
                continue;
            }
            if b == b'"' && at_field_start {
                in_quotes = true;
                at_field_start = false;
                i += 1;
                continue;
            }
            if b == sep {
                fields += 1;
                at_field_start = true;
                i += 1;
                field_start = i;
                continue;
            }
            if b == b'\n' {
                line += 1;
                i += 1;
                break;
            }
            at_field_start = false;
            i += 1;
        }
        match header_fields {
            None => {
                header_fields = Some(fields);
                let header = std::str::from_utf8(&bytes[record_start..i]).unwrap_or_default();
                let names = split_header(header, sep);
                if let Err(e) =
                    limits::at_most("the number of columns", names.len(), limits::COLUMNS)
                {
                    return Err(malformed(start_line, e.to_string()));
                }
                if let Some(n) = super::first_repeat(names.iter().map(String::as_str)) {
                    return Err(malformed(
                        start_line,
                        format!("column {} appears twice in the header", quoted(n)),
                    ));
                }
                header_names = names;
            }
            Some(h) if h != fields => {
                return Err(malformed(
                    start_line,
                    format!("{fields} fields, but the header has {h}"),
                ));
            }
            Some(_) => origins.push(RowRef::Line(start_line)),
        }
    }
    if header_fields.is_none() {
        return Err(TableError::Empty {
            path: path.to_owned(),
        });
    }
    Ok((origins, header_names))
}

/// The column names of a delimited file's first line (after a byte order mark).
pub(super) fn header_names(bytes: &[u8], sep: u8) -> Vec<String> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).map_or_else(|_| Vec::new(), |h| split_header(h, sep))
}

/// The column names of a header record (RFC 4180 quoting), trimmed of line ends.
pub(super) fn split_header(record: &str, sep: u8) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = record.trim_end_matches(['\n', '\r']).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if !quoted && c as u32 == u32::from(sep) => names.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    names.push(cur);
    names
}

/// Checks that every non-blank line of a JSON-lines file is a JSON object; returns their lines.
pub(super) fn scan_json_lines(path: &Path, bytes: &[u8]) -> Result<Vec<RowRef>, TableError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        TableError::Malformed {
            path: path.to_owned(),
            at: RowRef::Line(line),
            message: "not UTF-8 text (is this a binary file?)".into(),
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut origins = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        if let Err(e) = limits::at_most("the line's length (bytes)", l.len(), limits::LINE_BYTES) {
            return Err(TableError::Malformed {
                path: path.to_owned(),
                at: RowRef::Line(i + 1),
                message: e.to_string(),
            });
        }
        match serde_json::from_str::<serde_json::Value>(l) {
            Ok(serde_json::Value::Object(_)) => origins.push(RowRef::Line(i + 1)),
            Ok(_) => {
                return Err(TableError::Malformed {
                    path: path.to_owned(),
                    at: RowRef::Line(i + 1),
                    message: "expected a JSON object".into(),
                })
            }
            Err(e) => {
                return Err(TableError::Malformed {
                    path: path.to_owned(),
                    at: RowRef::Line(i + 1),
                    message: format!("invalid JSON: {e}"),
                })
            }
        }
    }
    Ok(origins)
}
