//! SHA-256 digests in lowercase hex: what reports record of every file they came from.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The digest of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The digest of a file's contents, read in blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    sha256_files(&[path])
}

/// One digest over several files' contents, concatenated in order.
pub fn sha256_files(files: &[&Path]) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    for f in files {
        let mut file = crate::open::open(f)?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    Ok(hex(&h.finalize()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_sha256sum() {
        // printf 'abc' | sha256sum
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex(b"abc"), abc);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), abc);
        assert_eq!(sha256_files(&[&p, &p]).unwrap(), sha256_hex(b"abcabc"));
    }
}
