//! Reads a corpus with a checked [`Mapping`] (`suite import generic`): one [`Record`] per file
//! whose name the `[files]` regex matches, or per row of the `[table]`; a file or row that does
//! not fit (off the regex, a value outside its `[map.COLUMN]`, a `drop`, a bad sex or age) is a
//! [`Skip`] with the reason. [`super::import`] then does what it does for every corpus: the
//! label scheme, duplicate ids, the audio check, the suite folder.

use std::path::Path;

use indexmap::IndexMap;

use super::generic::{is_standard, map_table, Column, Mapping, On, Source, DROP};
use super::labels::{Scheme, VALENCE};
use super::{age_band, files_under, shown, stem, CorpusError, Parsed, Record, Skip};

/// Reads the corpus in `dir` as the mapping file `map` says.
pub fn parse(dir: &Path, map: &Path, scheme: Scheme) -> Result<Parsed, anyhow::Error> {
    if !dir.is_dir() {
        return Err(CorpusError::NotAFolder {
            path: dir.to_owned(),
        }
        .into());
    }
    let m = Mapping::read(map)?;
    if scheme != Scheme::Valence && m.column("emotion").is_none() {
        return Err(CorpusError::Usage(format!(
            "--labels {} takes the emotion column, and {} has none in [columns]",
            scheme.name(),
            map.display()
        ))
        .into());
    }
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    match &m.source {
        Source::Files { glob, regex, on } => {
            let opts = glob::MatchOptions {
                require_literal_separator: true,
                ..Default::default()
            };
            for path in files_under(dir, &[])? {
                let rel = relative(&path, dir);
                if !glob.matches_with(&rel, opts) {
                    continue;
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stem = stem(&path);
                let parent = path
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let target = match on {
                    On::Stem => &stem,
                    On::Name => &name,
                    On::Path => &rel,
                };
                let Some(caps) = regex.captures(target) else {
                    skipped.push(Skip::new(
                        shown(&path, dir),
                        format!(
                            "{} does not match the mapping's [files] regex",
                            on_name(*on)
                        ),
                    ));
                    continue;
                };
                let value = |f: &str| -> Option<&str> {
                    match f {
                        _ if regex.capture_names().flatten().any(|g| g == f) => {
                            caps.name(f).map(|c| c.as_str())
                        }
                        "stem" => Some(&stem),
                        "name" => Some(&name),
                        "path" => Some(&rel),
                        "parent" => Some(&parent),
                        _ => None,
                    }
                };
                match record(&m, scheme, &value) {
                    Ok((mut r, _)) => {
                        r.audio = Some(path.clone());
                        records.push(r);
                    }
                    Err(why) => skipped.push(Skip::new(shown(&path, dir), why)),
                }
            }
        }
        Source::Table { path: rel, at } => {
            let path = dir.join(rel);
            if !path.is_file() {
                return Err(m
                    .error(
                        *at,
                        format!(
                            "[table] path: no file {} in {}",
                            rel.display(),
                            dir.display()
                        ),
                    )
                    .into());
            }
            let table =
                crate::input::table::Table::read(&path).map_err(|e| CorpusError::Invalid {
                    corpus: m.info.name.clone(),
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            let mut cells: IndexMap<String, Vec<Option<String>>> = IndexMap::new();
            for c in &m.columns {
                for f in c.fields() {
                    if cells.contains_key(f) {
                        continue;
                    }
                    if !table.has_column(f) {
                        return Err(m
                            .error(
                                c.at,
                                format!(
                                    "{}: {} has no column {f:?} (its columns: {})",
                                    c.name,
                                    rel.display(),
                                    table.columns().join(", ")
                                ),
                            )
                            .into());
                    }
                    cells.insert(f.to_string(), table.strings(f)?);
                }
            }
            let file = rel.display().to_string();
            for row in 0..table.height() {
                let value =
                    |f: &str| -> Option<&str> { cells.get(f).and_then(|v| v[row].as_deref()) };
                let source = format!("{file} {}", table.origin(row));
                match record(&m, scheme, &value) {
                    Ok((mut r, audio)) => {
                        if !audio.is_empty() {
                            let a = Path::new(&audio);
                            r.audio = Some(if a.is_absolute() {
                                a.to_owned()
                            } else {
                                dir.join(a)
                            });
                        }
                        records.push(r);
                    }
                    Err(why) => skipped.push(Skip::new(source, why)),
                }
            }
        }
    }
    Ok(Parsed {
        emotions: documented_emotions(&m),
        info: m.info,
        records,
        skipped,
    })
}

/// What a `match` setting calls the text it matches, for the skip report.
fn on_name(on: On) -> &'static str {
    match on {
        On::Stem => "the file name (without extension)",
        On::Name => "the file name",
        On::Path => "the path",
    }
}

/// `path` relative to `dir`, `/`-separated (what a `[files]` glob is matched against).
fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The `--labels emotion` label order: the `[map.emotion]` values in file order.
fn documented_emotions(m: &Mapping) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(map) = m.column("emotion").and_then(|c| c.map.as_ref()) {
        for v in map.values() {
            if v != DROP && !out.contains(v) {
                out.push(v.clone());
            }
        }
    }
    out
}

/// One column's value for an item: the template filled in and mapped; `Err` is the skip
/// reason (a `drop`, or a value the column's map does not list).
fn cell<'a>(c: &Column, value: &dyn Fn(&str) -> Option<&'a str>) -> Result<String, String> {
    let raw = c.expand(value).trim().to_string();
    let Some(map) = &c.map else {
        return Ok(raw);
    };
    if raw.is_empty() {
        return Ok(raw);
    }
    match map.get(&raw) {
        Some(v) if v == DROP => Err(format!(
            "{} {raw:?} is dropped by the mapping ({})",
            c.name,
            map_table(&c.name)
        )),
        Some(v) => Ok(v.clone()),
        None => Err(format!(
            "{} {raw:?} is not in {}",
            c.name,
            map_table(&c.name)
        )),
    }
}

/// One item from its field values, and its audio cell (for `[table]`); `Err` is the skip reason.
fn record<'a>(
    m: &Mapping,
    scheme: Scheme,
    value: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<(Record, String), String> {
    let mut cells: Vec<(&str, String)> = Vec::with_capacity(m.columns.len());
    for c in &m.columns {
        cells.push((c.name.as_str(), cell(c, value)?));
    }
    let get = |n: &str| {
        cells
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let id = get("id");
    if id.is_empty() {
        return Err("empty id".into());
    }
    let sex = get("sex");
    if !sex.is_empty() && sex != "female" && sex != "male" {
        return Err(format!(
            "sex {sex:?} is not female or male (map the corpus's codes in [map.sex])"
        ));
    }
    let age = get("age");
    let mut band = get("age_band");
    if !age.is_empty() {
        let years: u32 = age
            .parse::<f64>()
            .ok()
            .filter(|a| a.fract() == 0.0 && (0.0..=150.0).contains(a))
            .map(|a| a as u32)
            .ok_or_else(|| format!("age {age:?} is not a whole number of years"))?;
        if band.is_empty() {
            band = age_band(years).to_string();
        }
    }
    let mut r = Record::new(id, &get("emotion"));
    if m.column("label").is_some() && scheme == Scheme::Valence {
        let label = get("label");
        if !VALENCE.contains(&label.as_str()) {
            return Err(format!(
                "label {label:?} is not negative, neutral or positive (map the corpus's labels in [label-map])"
            ));
        }
        r.sentiment = Some(label);
    }
    let text = get("text");
    r.text = (!text.is_empty()).then_some(text);
    let speaker = get("speaker");
    r.speaker = (!speaker.is_empty()).then_some(speaker);
    for (k, v) in [
        ("sex", sex),
        ("age", age),
        ("age_band", band),
        ("intensity", get("intensity")),
        ("statement", get("statement")),
    ] {
        if !v.is_empty() {
            r = r.with(k, v);
        }
    }
    for (k, v) in &cells {
        if !is_standard(k) {
            r = r.with(k.to_string(), v.clone());
        }
    }
    Ok((r, get("audio")))
}
