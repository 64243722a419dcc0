//! Paths as report.json records them: relative to the suite folder, with `/` separators, so
//! the same inputs give the same bytes whatever folder tonebench was started in and however
//! the paths were typed (`models/a.toml`, `./models/a.toml`, `/abs/…/models/a.toml`).

use std::path::{Component, Path, PathBuf};

use tonebench_core::report::Report;

/// `path` made absolute (against the current folder) and normalized lexically: no `.`, and
/// each `..` removes the component before it. Symlinks are not resolved.
fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to the folder `base`, `/`-separated (`../models/a.toml`); `.` for `base`
/// itself.
pub fn relative_to(base: &Path, path: &Path) -> String {
    let (base, path) = (absolute(base), absolute(path));
    let b: Vec<Component> = base.components().collect();
    let p: Vec<Component> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common)
        .chain(
            p[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Rewrites every model's `source.path` and the paths of `source.files` relative to the suite
/// folder `suite_dir` (DESIGN.md, "Paths in report.json").
pub fn relative_sources(report: &mut Report, suite_dir: &Path) {
    for m in &mut report.models {
        let src = &mut m.source;
        src.path = relative_to(suite_dir, Path::new(&src.path));
        src.files = std::mem::take(&mut src.files)
            .into_iter()
            .map(|(p, h)| (relative_to(suite_dir, Path::new(&p)), h))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_suite_whatever_their_spelling() {
        let cwd = std::env::current_dir().unwrap();
        let suite = cwd.join("suites/demo");
        for spelled in [
            "suites/demo/models/audio.toml",
            "./suites/demo/../demo/models/audio.toml",
        ] {
            assert_eq!(relative_to(&suite, Path::new(spelled)), "models/audio.toml");
        }
        let abs = cwd.join("preds/p.csv");
        assert_eq!(relative_to(&suite, &abs), "../../preds/p.csv");
        assert_eq!(
            relative_to(Path::new("suites/demo"), &abs),
            "../../preds/p.csv"
        );
        assert_eq!(relative_to(&suite, &suite), ".");
    }
}
