//! The run folder's lock: one process at a time writes a run folder. `run` takes it before it
//! reads the journal and holds it until the reports are written; a second `run` on the same
//! folder is refused (exit 2) naming the holder's process id. The lock is an advisory `flock`
//! on `run.lock` in the folder, so the system releases it when the holder dies (`kill -9`
//! included): a stale file never blocks a resume. The file is never removed — removing it would
//! let two processes lock two different files of the same name.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file in a run folder.
pub const FILE_NAME: &str = "run.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{dir} is in use by another tonebench (pid {pid}); wait for it to finish, or choose another --out")]
    Busy { dir: PathBuf, pid: String },
    #[error("{path}: cannot lock the run folder")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl crate::error::HasKind for LockError {
    fn kind(&self) -> crate::error::ErrorKind {
        match self {
            LockError::Busy { .. } => crate::error::ErrorKind::Input,
            LockError::Io { .. } => crate::error::ErrorKind::Runtime,
        }
    }
}

/// A held lock; dropping it releases the folder.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Locks `dir` (which exists) for this process, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock, LockError> {
        let path = dir.join(FILE_NAME);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    dir: dir.to_owned(),
                    pid: holder(&mut file),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes())
            .map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

/// The process id the holder wrote into the lock file (it writes it just after locking, so a
/// few short waits cover a holder that has only just started).
fn holder(file: &mut File) -> String {
    for _ in 0..20 {
        let mut s = String::new();
        if file.rewind().is_ok() && file.read_to_string(&mut s).is_ok() && !s.trim().is_empty() {
            return s.trim().to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    "unknown".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_naming_the_holder_until_it_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let held = RunLock::acquire(tmp.path()).unwrap();
        let err = RunLock::acquire(tmp.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert_eq!(
            crate::error::HasKind::kind(&err),
            crate::error::ErrorKind::Input
        );
        drop(held);
        let _again = RunLock::acquire(tmp.path()).unwrap();
        assert!(tmp.path().join(FILE_NAME).exists());
    }
}
