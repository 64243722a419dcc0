//! `--templates DIR`: a folder of minijinja templates that replace the built-in ones by name
//! (`DIR/html/cohorts.html` replaces `html/cohorts.html`), read whole before rendering so that
//! the renderers never touch the file system.

use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, HasKind};

/// The most template files one folder may hold, and the most bytes one may have: far beyond
/// any real set, low enough that a wrong folder is refused quickly.
const MAX_FILES: usize = 1000;
const MAX_BYTES: u64 = 16 << 20;

/// A template folder that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplatesError {
    #[error("--templates {0}: not a directory")]
    NotADirectory(PathBuf),
    #[error("--templates {path}: cannot read")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--templates {0}: not UTF-8 text")]
    NotText(PathBuf),
    #[error("--templates {0}: more than {MAX_FILES} files or a file over 16 MiB; name the folder that holds html/")]
    TooLarge(PathBuf),
}

impl HasKind for TemplatesError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Every file under `dir`, by its path relative to `dir` with `/` separators, sorted.
pub fn read_templates(dir: &Path) -> Result<Vec<(String, String)>, TemplatesError> {
    if !dir.is_dir() {
        return Err(TemplatesError::NotADirectory(dir.to_owned()));
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), TemplatesError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| TemplatesError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let meta = std::fs::metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else if meta.is_file() {
            if out.len() >= MAX_FILES || meta.len() > MAX_BYTES {
                return Err(TemplatesError::TooLarge(root.to_owned()));
            }
            let bytes = crate::open::read(&path).map_err(io(&path))?;
            let text =
                String::from_utf8(bytes).map_err(|_| TemplatesError::NotText(path.clone()))?;
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, text));
        }
    }
    Ok(())
}
