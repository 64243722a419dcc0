//! A walk over a Parquet file's footer (its `FileMetaData`, Thrift compact protocol) before
//! polars decodes it. polars-parquet 0.55.2 reserves room for every list the footer declares
//! before reading one element (`Vec::with_capacity(count)`), so a footer of a few bytes that
//! declares 2^31 row groups asks for tens of GB and the allocation failure aborts the process;
//! libFuzzer found such files for the table and predictions targets (issue 18).
//!
//! polars reads each field it knows by its id, whatever type the field's header declares (a
//! field 4 declared as an integer is still read as the list of row groups). So the walk follows
//! polars' own layout of the structs it reads ([`FILE_METADATA`] and what it holds, taken from
//! polars-parquet's `file_metadata_thrift.rs`): a known field must have the type polars reads it
//! as, or the footer is refused; unknown fields are skipped by their declared type, as polars
//! skips them. Every list, set, map and binary is checked against the bytes that remain (each
//! element takes at least one byte), no list may declare more than [`MAX_ELEMENTS`] elements,
//! values nest at most [`MAX_DEPTH`] deep, and the schema tree that `num_children` describes at
//! most [`MAX_DEPTH`] deep (polars builds it recursively). A footer that does not walk is a parse
//! error naming what was wrong; what the fields mean is polars' to check.

/// Structs, lists and maps nested deeper than this are refused (parquet's own footer nests
/// about six deep; the Thrift library's default limit is 64).
const MAX_DEPTH: usize = 64;

/// Elements one list of the footer may declare: a row group's column chunks, the row groups, the
/// schema's elements (one per column and group) — far more than any table tonebench reads has.
pub const MAX_ELEMENTS: usize = 1 << 20;

/// The footer of `file` (a Parquet file's bytes): `Err` says why it cannot be decoded safely.
/// A file too short for a footer, or without the magic, is left to polars, which reports it.
pub fn check_footer(file: &[u8]) -> Result<(), String> {
    let n = file.len();
    if n < 12 || &file[n - 4..] != b"PAR1" {
        return Ok(());
    }
    let len = u32::from_le_bytes(file[n - 8..n - 4].try_into().expect("4 bytes")) as usize;
    let Some(start) = (n - 8).checked_sub(len) else {
        return Ok(()); // polars says the footer is longer than the file
    };
    let mut w = Walk {
        buf: &file[start..n - 8],
        at: 0,
        children: None,
    };
    let malformed = |e| format!("its footer (FileMetaData) is malformed: {e}");
    w.fields(FILE_METADATA, 0).map_err(malformed)?;
    if let Some(children) = &w.children {
        schema_depth(children).map_err(malformed)?;
    }
    Ok(())
}

/// The depth of the schema tree that `num_children` of its elements (in order, depth first)
/// describe; `Err` past [`MAX_DEPTH`].
fn schema_depth(children: &[i64]) -> Result<usize, String> {
    // Children still to come at each open level.
    let mut open: Vec<i64> = Vec::new();
    let mut deepest = 0;
    for &c in children {
        while open.last() == Some(&0) {
            open.pop();
        }
        if let Some(left) = open.last_mut() {
            *left -= 1;
        }
        if c > 0 {
            open.push(c);
            deepest = deepest.max(open.len());
            if open.len() > MAX_DEPTH {
                return Err(format!("its schema nests more than {MAX_DEPTH} deep"));
            }
        }
    }
    Ok(deepest)
}

const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// How polars reads a field it knows.
#[derive(Clone, Copy)]
enum Expect {
    /// `read_i8`: one byte.
    Byte,
    /// `read_i32` / `read_i64` / `skip_vlq`: a zigzag varint (I16, I32 or I64).
    Int,
    /// `SchemaElement.num_children`, an `Int` noted for the schema's depth.
    Children,
    /// A string or bytes.
    Bytes,
    /// A boolean field (its value is its type).
    Bool,
    Struct(&'static [(i16, Expect)]),
    /// A list of `Int`, `Bytes` or `Struct` elements.
    List(&'static Expect),
    /// `FileMetaData.schema`: a list of [`SCHEMA_ELEMENT`], whose `num_children` are noted.
    Schema,
}

use Expect::{Bool, Byte, Bytes, Children, Int, List, Schema, Struct};

const EMPTY: &[(i16, Expect)] = &[];
const TIME_UNIT: &[(i16, Expect)] = &[(1, Struct(EMPTY)), (2, Struct(EMPTY)), (3, Struct(EMPTY))];
const TIME: &[(i16, Expect)] = &[(1, Bool), (2, Struct(TIME_UNIT))];
const LOGICAL_TYPE: &[(i16, Expect)] = &[
    (1, Struct(EMPTY)),
    (2, Struct(EMPTY)),
    (3, Struct(EMPTY)),
    (4, Struct(EMPTY)),
    (5, Struct(&[(1, Int), (2, Int)])),
    (6, Struct(EMPTY)),
    (7, Struct(TIME)),
    (8, Struct(TIME)),
    (10, Struct(&[(1, Byte), (2, Bool)])),
    (11, Struct(EMPTY)),
    (12, Struct(EMPTY)),
    (13, Struct(EMPTY)),
    (14, Struct(EMPTY)),
    (15, Struct(EMPTY)),
];
const SCHEMA_ELEMENT: &[(i16, Expect)] = &[
    (1, Int),
    (2, Int),
    (3, Int),
    (4, Bytes),
    (5, Children),
    (6, Int),
    (7, Int),
    (8, Int),
    (9, Int),
    (10, Struct(LOGICAL_TYPE)),
];
const STATISTICS: &[(i16, Expect)] = &[
    (1, Bytes),
    (2, Bytes),
    (3, Int),
    (4, Int),
    (5, Bytes),
    (6, Bytes),
    (7, Bool),
    (8, Bool),
];
const COLUMN_METADATA: &[(i16, Expect)] = &[
    (1, Int),
    (2, List(&Int)),
    (3, List(&Bytes)),
    (4, Int),
    (5, Int),
    (6, Int),
    (7, Int),
    (9, Int),
    (10, Int),
    (11, Int),
    (12, Struct(STATISTICS)),
    (14, Int),
    (15, Int),
];
const COLUMN_CHUNK: &[(i16, Expect)] = &[
    (1, Bytes),
    (2, Int),
    (3, Struct(COLUMN_METADATA)),
    (4, Int),
    (5, Int),
    (6, Int),
    (7, Int),
];
const SORTING_COLUMN: &[(i16, Expect)] = &[(1, Int), (2, Bool), (3, Bool)];
const ROW_GROUP: &[(i16, Expect)] = &[
    (1, List(&Struct(COLUMN_CHUNK))),
    (2, Int),
    (3, Int),
    (4, List(&Struct(SORTING_COLUMN))),
    (5, Int),
    (6, Int),
    (7, Int),
];
/// `FileMetaData`, as polars-parquet 0.55.2 reads it.
const FILE_METADATA: &[(i16, Expect)] = &[
    (1, Int),
    (2, Schema),
    (3, Int),
    (4, List(&Struct(ROW_GROUP))),
    (5, List(&Struct(&[(1, Bytes), (2, Bytes)]))),
    (6, Bytes),
    (7, List(&Struct(&[(1, Struct(EMPTY)), (2, Struct(EMPTY))]))),
];

impl Expect {
    /// Whether a value of Thrift type `kind` is what polars reads.
    fn admits(self, kind: u8) -> bool {
        match self {
            Byte => kind == BYTE,
            Int | Children => matches!(kind, I16 | I32 | I64),
            Bytes => kind == BINARY,
            Bool => matches!(kind, BOOL_TRUE | BOOL_FALSE),
            Struct(_) => kind == STRUCT,
            List(_) | Schema => matches!(kind, LIST | SET),
        }
    }
}

struct Walk<'a> {
    buf: &'a [u8],
    at: usize,
    /// `num_children` of each schema element (0 when absent), once the schema is walked.
    children: Option<Vec<i64>>,
}

impl Walk<'_> {
    fn left(&self) -> usize {
        self.buf.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.at)
            .ok_or_else(|| format!("it ends inside a value (byte {})", self.at))?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if n > self.left() {
            return Err(format!(
                "a value of {n} bytes at byte {} runs past its end",
                self.at
            ));
        }
        self.at += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!(
            "a varint longer than 10 bytes ends at byte {}",
            self.at
        ))
    }

    /// `count` elements follow: each takes at least a byte, and there are at most
    /// [`MAX_ELEMENTS`].
    fn count(&mut self, count: u64, what: &str) -> Result<usize, String> {
        let n = usize::try_from(count)
            .ok()
            .filter(|&c| c <= self.left())
            .ok_or_else(|| {
                format!(
                    "a {what} at byte {} declares {count} elements in the {} bytes left",
                    self.at,
                    self.left()
                )
            })?;
        if n > MAX_ELEMENTS {
            return Err(format!(
                "a {what} at byte {} declares {n} elements, more than {MAX_ELEMENTS}",
                self.at
            ));
        }
        Ok(n)
    }

    /// A list's or set's header: how many elements follow (checked by [`Walk::count`]) and
    /// their Thrift type.
    fn list_header(&mut self) -> Result<(usize, u8), String> {
        let head = self.byte()?;
        let declared = match head >> 4 {
            15 => self.varint()?,
            n => u64::from(n),
        };
        Ok((self.count(declared, "list")?, head & 0x0f))
    }

    fn zigzag(v: u64) -> i64 {
        (v >> 1) as i64 ^ -((v & 1) as i64)
    }

    /// One struct field's header: `None` at the struct's end, else its id and type.
    fn field(&mut self, last: i16) -> Result<Option<(i16, u8)>, String> {
        let head = self.byte()?;
        if head == 0 {
            return Ok(None);
        }
        let id = match head >> 4 {
            0 => Self::zigzag(self.varint()?) as i16,
            delta => last.wrapping_add(i16::from(delta)),
        };
        Ok(Some((id, head & 0x0f)))
    }

    /// The value of a struct field of type `kind` (a boolean field's value is its type).
    fn field_value(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        match kind {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            kind => self.value(kind, depth),
        }
    }

    /// A struct's fields, read as polars reads a struct of layout `layout`; the value of its
    /// `Children` field (0 when absent).
    fn fields(&mut self, layout: &'static [(i16, Expect)], depth: usize) -> Result<i64, String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nest more than {MAX_DEPTH} deep"));
        }
        let (mut last, mut children) = (0, 0);
        while let Some((id, kind)) = self.field(last)? {
            last = id;
            match layout.iter().find(|(i, _)| *i == id) {
                None => self.field_value(kind, depth + 1)?,
                Some(&(_, expect)) => {
                    if !expect.admits(kind) {
                        return Err(format!(
                            "field {id} before byte {} has Thrift type {kind}, not the type Parquet gives it",
                            self.at
                        ));
                    }
                    if let Some(c) = self.expected(expect, kind, depth + 1)? {
                        children = c;
                    }
                }
            }
        }
        Ok(children)
    }

    /// A value polars reads as `expect` (its Thrift type `kind` admitted); a `Children` value.
    fn expected(&mut self, expect: Expect, kind: u8, depth: usize) -> Result<Option<i64>, String> {
        match expect {
            Children => Ok(Some(Self::zigzag(self.varint()?))),
            Bool => Ok(None),
            Struct(layout) => self.fields(layout, depth).map(|_| None),
            List(_) | Schema => {
                let (n, kind) = self.list_header()?;
                let elem = match expect {
                    List(elem) => *elem,
                    _ => Struct(SCHEMA_ELEMENT),
                };
                if n > 0 && !elem.admits(kind) {
                    return Err(format!(
                        "a list before byte {} holds Thrift type {kind}, not the type Parquet gives its elements",
                        self.at
                    ));
                }
                let mut children = Vec::new();
                for _ in 0..n {
                    match elem {
                        Struct(layout) => children.push(self.fields(layout, depth + 1)?),
                        _ => self.value(kind, depth + 1)?,
                    }
                }
                if matches!(expect, Schema) {
                    self.children = Some(children);
                }
                Ok(None)
            }
            Byte | Int | Bytes => self.value(kind, depth).map(|()| None),
        }
    }

    fn value(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nest more than {MAX_DEPTH} deep"));
        }
        match kind {
            BOOL_TRUE | BOOL_FALSE | BYTE => self.skip(1),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.skip(8),
            UUID => self.skip(16),
            BINARY => {
                let n = self.varint()?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                self.skip(n)
            }
            LIST | SET => {
                let (n, elem) = self.list_header()?;
                for _ in 0..n {
                    self.value(elem, depth + 1)?;
                }
                Ok(())
            }
            MAP => {
                let declared = self.varint()?;
                let n = self.count(declared, "map")?;
                if n == 0 {
                    return Ok(());
                }
                let types = self.byte()?;
                for _ in 0..n {
                    self.value(types >> 4, depth + 1)?;
                    self.value(types & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            // A struct polars does not know: every field skipped by its declared type.
            STRUCT => self.fields(EMPTY, depth).map(drop),
            other => Err(format!(
                "byte {} has an unknown value type {other}",
                self.at.saturating_sub(1)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(footer: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(footer);
        f.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    #[test]
    fn a_real_footer_walks() {
        let mut df = polars::df!("id" => ["a", "b"], "p" => [0.5f64, 0.25]).unwrap();
        let mut bytes = Vec::new();
        polars::prelude::ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .unwrap();
        assert_eq!(check_footer(&bytes), Ok(()));
    }

    /// Footers as pyarrow writes them with each writer option that changes the footer
    /// (tests/fixtures/parquet-footers/make.py), and the golden runs' predictions.parquet.
    #[test]
    fn footers_of_other_writers_walk() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/parquet-footers"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.push(root.join("tests/fixtures/sklearn/imbalanced-parquet/items.parquet"));
        files.push(root.join("tests/fixtures/golden/demo/predictions.parquet"));
        assert!(files.len() >= 8, "{files:?}");
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            assert_eq!(check_footer(&bytes), Ok(()), "{}", f.display());
            assert_eq!(
                super::super::pages::check_pages(bytes),
                Ok(()),
                "{}",
                f.display()
            );
        }
    }

    #[test]
    fn a_list_longer_than_its_bytes_is_refused() {
        // Field 4 (row_groups), a list of structs declaring 2^31 - 1 elements.
        let footer = [0x49, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00];
        let e = check_footer(&file(&footer)).unwrap_err();
        assert!(e.contains("declares 2147483647 elements"), "{e}");
        // A map, a binary, deep nesting and a cut value too.
        for bad in [
            &[0x1b, 0xff, 0xff, 0x03, 0x88, 0x00][..],
            &[0x18, 0xff, 0xff, 0x03, 0x00],
            &[0x15][..],
        ] {
            assert!(check_footer(&file(bad)).is_err(), "{bad:x?}");
        }
        // Field 100 (unknown to polars, skipped by its type), a struct holding field 100, …
        let deep: Vec<u8> = std::iter::repeat_n([0x0c, 0xc8, 0x01], 100)
            .flatten()
            .collect();
        assert!(check_footer(&file(&deep)).unwrap_err().contains("nest"));
        // Field 4 (row_groups) declared an integer: polars reads it as a list all the same.
        let e = check_footer(&file(&[0x45, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00])).unwrap_err();
        assert!(e.contains("field 4") && e.contains("Thrift type 5"), "{e}");
        // Within its bytes but past the cap: a list of 2^20 + 1 bytes.
        let mut wide = vec![0x49, 0xf3];
        let mut n = MAX_ELEMENTS as u64 + 1;
        while n >= 0x80 {
            wide.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        wide.push(n as u8);
        wide.extend(std::iter::repeat_n(0, MAX_ELEMENTS + 2));
        let e = check_footer(&file(&wide)).unwrap_err();
        assert!(e.contains("more than 1048576"), "{e}");
    }

    /// A schema of 100 groups each holding the next: field 2, a list of 100 structs whose field
    /// 5 (num_children, zigzag 1 = 2) is 1.
    #[test]
    fn a_schema_nested_too_deep_is_refused() {
        let mut footer = vec![0x29, 0xfc, 100];
        for _ in 0..100 {
            footer.extend_from_slice(&[0x55, 0x02, 0x00]);
        }
        footer.push(0x00);
        let e = check_footer(&file(&footer)).unwrap_err();
        assert!(e.contains("schema nests more than 64"), "{e}");
        assert_eq!(schema_depth(&[2, 0, 1, 0]), Ok(2));
        assert_eq!(schema_depth(&[3, 0, 0, 0]), Ok(1));
        assert_eq!(schema_depth(&[]), Ok(0));
    }

    #[test]
    fn what_is_not_a_parquet_file_is_left_to_polars() {
        assert_eq!(check_footer(b"PAR1"), Ok(()));
        assert_eq!(check_footer(b"id,label\na,b\n"), Ok(()));
        let mut long = file(&[0x00]);
        let n = long.len();
        long[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(check_footer(&long), Ok(()));
    }
}
