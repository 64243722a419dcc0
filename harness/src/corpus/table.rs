//! The text of an imported suite: the items table (standard columns first), the manifest and
//! the skip report. `store::imported` writes them.

use std::path::{Component, Path, PathBuf};

use super::{Info, Record, Scheme};

/// The standard metadata columns, in the order every importer writes them (those a corpus has).
pub const STANDARD: [&str; 6] = [
    "sex",
    "age",
    "age_band",
    "emotion",
    "intensity",
    "statement",
];

/// Columns a suite's cohorts are defined on by default, when the corpus has them.
const COHORT_COLUMNS: [&str; 4] = ["sex", "age_band", "intensity", "statement"];

/// One CSV field, quoted when it must be (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One CSV line.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut s = cells
        .iter()
        .map(|c| field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    s
}

/// The metadata columns of a set of records: the standard ones they have, then the rest in
/// the order they first appear.
pub fn meta_columns<'a>(records: impl Iterator<Item = &'a Record> + Clone) -> Vec<&'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    for r in records.clone() {
        for (c, v) in &r.meta {
            if !v.is_empty() && !seen.contains(c) {
                seen.push(c);
            }
        }
    }
    let has_emotion = records.clone().any(|r| !r.emotion.is_empty());
    let mut cols: Vec<&'static str> = STANDARD
        .iter()
        .copied()
        .filter(|c| seen.contains(c) || (*c == "emotion" && has_emotion))
        .collect();
    cols.extend(seen.iter().filter(|c| !STANDARD.contains(c)));
    cols
}

/// The items table: id, label, text, audio, speaker (those the corpus has), then metadata.
pub fn items_csv(kept: &[(String, Record)], dir: &Path) -> String {
    let recs = kept.iter().map(|(_, r)| r);
    let has_text = recs.clone().any(|r| r.text.is_some());
    let has_audio = recs.clone().any(|r| r.audio.is_some());
    let has_speaker = recs.clone().any(|r| r.speaker.is_some());
    let meta = meta_columns(recs);
    let mut head = vec!["id", "label"];
    head.extend(has_text.then_some("text"));
    head.extend(has_audio.then_some("audio"));
    head.extend(has_speaker.then_some("speaker"));
    head.extend(meta.iter().copied());
    let mut out = line(&head);
    for (label, r) in kept {
        let mut cells = vec![r.id.clone(), label.clone()];
        if has_text {
            cells.push(r.text.clone().unwrap_or_default());
        }
        if has_audio {
            cells.push(
                r.audio
                    .as_deref()
                    .map(|a| relative_cell(a, dir))
                    .unwrap_or_default(),
            );
        }
        if has_speaker {
            cells.push(r.speaker.clone().unwrap_or_default());
        }
        for c in &meta {
            let v = if *c == "emotion" {
                r.emotion.clone()
            } else {
                r.meta
                    .iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            cells.push(v);
        }
        out.push_str(&line(&cells));
    }
    out
}

/// An audio path as an items cell: relative to the corpus folder, `/`-separated.
fn relative_cell(path: &Path, dir: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `audio-root` for a suite written to `out` over the corpus in `dir`: `dir` relative to `out`
/// when both are on one tree, else absolute.
pub fn audio_root(dir: &Path, out: &Path) -> String {
    let dir = absolute(dir);
    let out = absolute(out);
    let common = dir
        .components()
        .zip(out.components())
        .take_while(|(a, b)| a == b)
        .count();
    // Sharing only the root (or a drive) is no shared tree: write the absolute path.
    if common <= 1 {
        return dir.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in out.components().skip(common) {
        rel.push("..");
    }
    for c in dir.components().skip(common) {
        rel.push(c);
    }
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// An absolute, `..`-free path: the deepest existing ancestor canonicalized, the rest appended.
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_owned()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut tail = Vec::new();
    let mut head = p.as_path();
    loop {
        if let Ok(c) = head.canonicalize() {
            let mut out = c;
            for t in tail.iter().rev() {
                out.push(t);
            }
            return out;
        }
        match (head.parent(), head.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name.to_owned());
                head = parent;
            }
            _ => break,
        }
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list<S: AsRef<str>>(v: &[S]) -> String {
    let cells: Vec<String> = v.iter().map(|s| toml_str(s.as_ref())).collect();
    format!("[{}]", cells.join(", "))
}

/// suite.toml of an imported suite.
pub fn manifest(
    name: &str,
    info: &Info,
    scheme: Scheme,
    labels: &[String],
    audio_root: &str,
    kept: &[(String, Record)],
) -> String {
    let mapping = match scheme {
        Scheme::Valence => "; labels: 3-class valence by tonebench's default mapping (neutral, calm -> neutral; happy, excited, pleasant surprise -> positive; sad, angry, fearful, disgust, frustrated, contempt, boredom -> negative; surprised, other dropped) or the corpus's own sentiment",
        Scheme::Emotion => "; labels: the corpus's emotions",
        Scheme::FourClass => "; labels: 4-class neutral / happy (+excited) / sad / angry",
    };
    let description = format!(
        "{} {}, {}; {}{}; imported by tonebench suite import",
        info.name, info.version, info.license, info.citation, mapping
    );
    let mut s = String::new();
    s.push_str("format-version = 1\n");
    s.push_str(&format!("name = {}\n", toml_str(name)));
    s.push_str(&format!("description = {}\n", toml_str(&description)));
    s.push_str(&format!("labels = {}\n", toml_list(labels)));
    s.push_str("items = \"items.csv\"\n");
    if kept.iter().any(|(_, r)| r.audio.is_some()) {
        s.push_str(&format!("audio-root = {}\n", toml_str(audio_root)));
    }
    let meta = meta_columns(kept.iter().map(|(_, r)| r));
    let cohorts: Vec<&str> = COHORT_COLUMNS
        .iter()
        .copied()
        .filter(|c| meta.contains(c))
        .collect();
    if !cohorts.is_empty() {
        s.push_str(&format!(
            "\n[cohorts]\nmetadata = {}\n",
            toml_list(&cohorts)
        ));
    }
    s
}

/// The skip report: one line per file or row not imported, with the reason.
pub fn skipped_csv(skipped: &[super::Skip]) -> String {
    let mut out = line(&["source", "reason"]);
    for s in skipped {
        out.push_str(&line(&[&s.source, &s.reason]));
    }
    out
}
