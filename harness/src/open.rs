//! The one way tonebench opens a file it reads as input (suites, items, predictions, WAV and
//! other audio, model specs and ONNX graphs, tokenizers, gate files, reports, baselines,
//! conditions, templates): only a regular file — or a symlink to one — is opened. A directory,
//! a FIFO, a socket or a device (`/dev/zero`, a terminal) is refused before `open()` with an
//! error naming what it is, so no input can hang tonebench in `open()` or feed it an endless
//! stream. Files that ONNX Runtime or polars open themselves are [`check`]ed first.

use std::fs::File;
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// What a path that is not a regular file is, for the message.
fn what(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn refuse(meta: &std::fs::Metadata) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "is {}; tonebench reads inputs only from regular files",
            what(meta)
        ),
    )
}

/// `Ok` when `path` is (a symlink to) a regular file; `NotFound` when it does not exist; an
/// `InvalidInput` error saying what it is otherwise.
pub fn check(path: impl AsRef<Path>) -> std::io::Result<()> {
    let path = path.as_ref();
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(refuse(&meta))
    }
}

/// Opens a regular file for reading (see [`check`]); the opened file is checked again, so a
/// path swapped between the check and the open is still refused.
pub fn open(path: impl AsRef<Path>) -> std::io::Result<File> {
    let path = path.as_ref();
    check(path)?;
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(refuse(&meta))
    }
}

/// The bytes of a regular file.
pub fn read(path: impl AsRef<Path>) -> std::io::Result<Vec<u8>> {
    let mut file = open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The text of a regular file (UTF-8).
pub fn read_to_string(path: impl AsRef<Path>) -> std::io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f.csv");
        std::fs::write(&f, "id\n").unwrap();
        assert_eq!(read(&f).unwrap(), b"id\n");
        let e = read(dir.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "is a directory; tonebench reads inputs only from regular files"
        );
        assert_eq!(
            read(dir.path().join("none")).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("zero.csv");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            assert!(read(&link).unwrap_err().to_string().contains("is a device"));
        }
    }
}
