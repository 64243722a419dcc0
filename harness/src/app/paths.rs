//! Paths as report.json records them: relative to the suite folder (a source outside it by its
//! file name; a model's files relative to its spec), with `/` separators, so the same inputs
//! give the same bytes whatever folder tonebench was started in, wherever the checkout lies and
//! however the paths were typed (`models/a.toml`, `./models/a.toml`, `/abs/…/models/a.toml`).

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

/// Whether `path` lies inside the folder `dir` (lexically, as [`relative_to`] sees them).
fn inside(dir: &Path, path: &Path) -> bool {
    absolute(path).starts_with(absolute(dir))
}

/// How report.json names a model's source (DESIGN.md, "Paths in report.json"): relative to
/// the suite folder when it lies inside it; otherwise its file name alone, since any path from
/// the suite to a file elsewhere would name the folders the two happen to sit in (a checkout's
/// name, a home folder) — its `sha256` says which file it was.
pub fn source_name(suite_dir: &Path, path: &Path) -> String {
    if inside(suite_dir, path) {
        relative_to(suite_dir, path)
    } else {
        path.file_name().map_or_else(
            || relative_to(suite_dir, path),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// Rewrites every model's `source.path` ([`source_name`]) and the paths of `source.files`,
/// which become relative to the model spec's folder (an export folder: to itself) — where the
/// spec names them from (DESIGN.md, "Paths in report.json").
pub fn relative_sources(report: &mut Report, suite_dir: &Path) {
    for m in &mut report.models {
        let src = &mut m.source;
        let spec = PathBuf::from(&src.path);
        let base = if spec.is_dir() {
            spec.clone()
        } else {
            spec.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        src.files = std::mem::take(&mut src.files)
            .into_iter()
            .map(|(p, h)| (relative_to(&base, Path::new(&p)), h))
            .collect();
        src.path = source_name(suite_dir, &spec);
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
        assert_eq!(
            source_name(&suite, Path::new("suites/demo/models/audio.toml")),
            "models/audio.toml"
        );
        assert_eq!(source_name(&suite, &abs), "p.csv");
    }
}
