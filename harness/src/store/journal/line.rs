//! One journal line on disk: an [`Entry`] with the item's digest and batch, then a checksum of
//! the line, `{"kind":…,"sha":"…","group":"…","sum":"<16 hex>"}`. The sum is the first 16 hex
//! digits of the SHA-256 of the line as it would read without its `,"sum":"…"` member.

use serde::{Deserialize, Serialize};

use super::Entry;

/// An entry with what the journal adds to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    #[serde(flatten)]
    pub entry: Entry,
    /// The digest of the item's inputs (its text, audio path and audio bytes) when predicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// The batch the prediction was made in (`--batch` > 1): a digest of its items' ids in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

const SUM_OPEN: &[u8] = b",\"sum\":\"";
const SUM_HEX: usize = 16;
/// `,"sum":"` + 16 hex digits + `"}`.
const SUFFIX: usize = SUM_OPEN.len() + SUM_HEX + 2;

/// What one line of the file says.
#[derive(Debug, PartialEq)]
pub enum Decoded {
    /// A checksummed line that checks out.
    Summed(Line),
    /// A line written before lines were checksummed (an older tonebench).
    Legacy(Line),
}

/// The checksum of a line's body.
fn sum(body: &[u8]) -> String {
    crate::digest::sha256_hex(body)[..SUM_HEX].to_owned()
}

/// The line, checksummed, without its newline.
pub fn encode(line: &Line) -> Vec<u8> {
    let mut body = serde_json::to_vec(line).expect("journal entries always serialize");
    let s = sum(&body);
    body.pop(); // the closing brace
    body.extend_from_slice(SUM_OPEN);
    body.extend_from_slice(s.as_bytes());
    body.extend_from_slice(b"\"}");
    body
}

/// Reads one line (without its newline): checksummed, legacy, or an error saying what is wrong.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let n = bytes.len();
    let summed = n > SUFFIX
        && bytes.ends_with(b"\"}")
        && &bytes[n - SUFFIX..n - SUFFIX + SUM_OPEN.len()] == SUM_OPEN;
    if !summed {
        return serde_json::from_slice::<Line>(bytes)
            .map(Decoded::Legacy)
            .map_err(|e| e.to_string());
    }
    let mut body = bytes[..n - SUFFIX].to_vec();
    body.push(b'}');
    let written = &bytes[n - SUFFIX + SUM_OPEN.len()..n - 2];
    if written != sum(&body).as_bytes() {
        return Err(format!(
            "checksum {} does not match the line",
            String::from_utf8_lossy(written)
        ));
    }
    serde_json::from_slice::<Line>(&body)
        .map(Decoded::Summed)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Line {
        Line {
            entry: Entry::Error {
                model: "m".into(),
                id: "a\"b".into(),
                error: "ends with \",\"sum\":\"0123456789abcdef\"}".into(),
            },
            sha: Some("00ff".into()),
            group: None,
        }
    }

    #[test]
    fn lines_round_trip_and_every_changed_byte_is_caught() {
        let bytes = encode(&line());
        assert_eq!(decode(&bytes), Ok(Decoded::Summed(line())));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(
                !matches!(decode(&bad), Ok(Decoded::Summed(l)) if l == line()),
                "byte {i} flipped unnoticed"
            );
        }
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut} accepted");
        }
    }

    #[test]
    fn lines_of_older_journals_read_as_legacy() {
        let old = br#"{"kind":"item","model":"m","id":"a","probs":[0.5,0.5],"latency_ms":1.0}"#;
        match decode(old) {
            Ok(Decoded::Legacy(l)) => {
                assert!(l.sha.is_none() && l.group.is_none());
                assert!(matches!(l.entry, Entry::Item { .. }));
            }
            other => panic!("{other:?}"),
        }
    }
}
