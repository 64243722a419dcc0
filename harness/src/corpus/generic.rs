//! The mapping file of `suite import generic DIR --map MAPPING.toml` (format-version 1,
//! DESIGN.md "Generic corpora"): where each standard column comes from — a metadata table in
//! DIR (`[table]`) or the audio files' names (`[files]`: a glob and a regex with named groups) —
//! as templates (`"actor{actor}"`), value maps (`[map.COLUMN]`, `drop` excludes an item), and
//! the corpus's name, version and licence. Every mistake is a [`ConfigError`] naming the mapping
//! file, line and column; [`super::generic_read`] reads the corpus with a checked [`Mapping`].

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use super::Info;
use crate::input::config::{from_toml, line_col, ConfigError};

/// Format version of mapping files.
pub const MAP_FORMAT_VERSION: u32 = 1;

/// The value of a `[map.COLUMN]` entry that excludes the item (reported in skipped.csv).
pub const DROP: &str = "drop";

/// The placeholders a `[files]` template may use besides the regex's named groups.
pub const FILE_FIELDS: [&str; 4] = ["stem", "name", "path", "parent"];

/// The columns `[columns]` may give before the standard metadata columns
/// ([`super::table::STANDARD`]), in the order of DESIGN.md.
pub const HEAD: [&str; 5] = ["id", "label", "text", "audio", "speaker"];

/// The columns `[columns]` may give: [`HEAD`], then the standard metadata columns.
pub fn columns() -> impl Iterator<Item = &'static str> {
    HEAD.iter().chain(super::table::STANDARD.iter()).copied()
}

/// Whether `name` is a column of `[columns]` (not of `[extra]`).
pub fn is_standard(name: &str) -> bool {
    columns().any(|c| c == name)
}

/// A value map as written: raw value → value, with where each value is written.
type ValueMap = IndexMap<String, Spanned<String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MappingFile {
    format_version: Spanned<u32>,
    corpus: CorpusSection,
    #[serde(default)]
    files: Option<Spanned<FilesSection>>,
    #[serde(default)]
    table: Option<Spanned<TableSection>>,
    columns: Spanned<ColumnsSection>,
    #[serde(default)]
    extra: IndexMap<Spanned<String>, Spanned<String>>,
    /// The label's value map, spelled as in suite.toml.
    #[serde(default)]
    label_map: Option<Spanned<ValueMap>>,
    #[serde(default)]
    map: IndexMap<Spanned<String>, ValueMap>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CorpusSection {
    name: Spanned<String>,
    version: String,
    license: String,
    #[serde(default)]
    citation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FilesSection {
    glob: Spanned<String>,
    regex: Spanned<String>,
    #[serde(default, rename = "match")]
    on: Option<On>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TableSection {
    path: Spanned<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ColumnsSection {
    id: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
    text: Option<Spanned<String>>,
    audio: Option<Spanned<String>>,
    speaker: Option<Spanned<String>>,
    sex: Option<Spanned<String>>,
    age: Option<Spanned<String>>,
    #[serde(rename = "age_band", alias = "age-band")]
    age_band: Option<Spanned<String>>,
    emotion: Option<Spanned<String>>,
    intensity: Option<Spanned<String>>,
    statement: Option<Spanned<String>>,
}

impl ColumnsSection {
    /// The given columns in [`columns`] order.
    fn given(&self) -> Vec<(&'static str, &Spanned<String>)> {
        let all = [
            &self.id,
            &self.label,
            &self.text,
            &self.audio,
            &self.speaker,
            &self.sex,
            &self.age,
            &self.age_band,
            &self.emotion,
            &self.intensity,
            &self.statement,
        ];
        columns()
            .zip(all)
            .filter_map(|(n, v)| v.as_ref().map(|v| (n, v)))
            .collect()
    }
}

/// What a `[files]` regex is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum On {
    /// The file name without its extension (the default).
    Stem,
    /// The file name.
    Name,
    /// The path relative to DIR, `/`-separated.
    Path,
}

/// A piece of a template: literal text or a `{field}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    Field(String),
}

/// A place in the mapping file: 1-based line and column.
pub type At = (usize, usize);

/// One output column: its name, template, value map and where the template is written.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub parts: Vec<Part>,
    /// `[map.NAME]`: raw value → value (or [`DROP`]).
    pub map: Option<IndexMap<String, String>>,
    pub at: At,
}

impl Column {
    /// The fields the template names.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(f) => Some(f.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// The template filled in by `value` (a field's value, `None` for an unknown one).
    pub fn expand<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.as_str(),
                Part::Field(f) => value(f).unwrap_or(""),
            })
            .collect()
    }
}

/// Where the items come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Every file under DIR whose relative path matches `glob`, named as `regex` says.
    Files {
        glob: glob::Pattern,
        regex: regex::Regex,
        on: On,
    },
    /// One row per item of a table inside DIR.
    Table { path: PathBuf, at: At },
}

/// A checked mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub file: PathBuf,
    pub info: Info,
    pub source: Source,
    /// `[columns]` in [`columns`] order (with `id = "{stem}"` for `[files]` when not given),
    /// then `[extra]` in file order.
    pub columns: Vec<Column>,
}

impl Mapping {
    /// The column named `name`, if the mapping gives it.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// An error at a place of the mapping file.
    pub fn error(&self, at: At, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: self.file.clone(),
            line: at.0,
            column: at.1,
            message: message.into(),
        }
    }

    /// Reads and checks a mapping file.
    pub fn read(file: &Path) -> Result<Mapping, ConfigError> {
        let text = crate::open::read_to_string(file).map_err(|e| ConfigError {
            path: file.to_owned(),
            line: 1,
            column: 1,
            message: format!("cannot read the mapping: {e}"),
        })?;
        Mapping::parse(file, &text)
    }

    /// Checks the text of a mapping file (read from `file`, for messages).
    pub fn parse(file: &Path, text: &str) -> Result<Mapping, ConfigError> {
        let err = |at: At, message: String| ConfigError {
            path: file.to_owned(),
            line: at.0,
            column: at.1,
            message,
        };
        let at = |s: &std::ops::Range<usize>| line_col(text, s.start);
        let raw: MappingFile =
            from_toml(text).map_err(|p| err(p.at.unwrap_or((1, 1)), p.message))?;
        if *raw.format_version.get_ref() != MAP_FORMAT_VERSION {
            return Err(err(
                at(&raw.format_version.span()),
                format!(
                    "format-version {} is not supported (this tonebench reads {MAP_FORMAT_VERSION})",
                    raw.format_version.get_ref()
                ),
            ));
        }
        let source = match (&raw.files, &raw.table) {
            (Some(f), None) => {
                let files = f.get_ref();
                let glob = glob::Pattern::new(files.glob.get_ref())
                    .map_err(|e| err(at(&files.glob.span()), format!("bad glob: {}", e.msg)))?;
                let regex = regex::Regex::new(&format!("^(?:{})$", files.regex.get_ref()))
                    .map_err(|e| {
                        err(
                            at(&files.regex.span()),
                            format!(
                                "bad regex: {}",
                                crate::input::table::one_line(&e.to_string())
                            ),
                        )
                    })?;
                Source::Files {
                    glob,
                    regex,
                    on: files.on.unwrap_or(On::Stem),
                }
            }
            (None, Some(t)) => {
                let p = t.get_ref().path.get_ref();
                let rel = Path::new(p);
                if rel.is_absolute()
                    || rel
                        .components()
                        .any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    return Err(err(
                        at(&t.get_ref().path.span()),
                        format!(
                            "[table] path {p:?} must be relative to the corpus folder, inside it"
                        ),
                    ));
                }
                Source::Table {
                    path: rel.to_owned(),
                    at: at(&t.get_ref().path.span()),
                }
            }
            (Some(f), Some(_)) => {
                return Err(err(
                    at(&f.span()),
                    "give either [files] or [table], not both".into(),
                ))
            }
            (None, None) => {
                return Err(err(
                    (1, 1),
                    "no [files] or [table]: say where the items come from".into(),
                ))
            }
        };
        let files = matches!(source, Source::Files { .. });
        let cols = raw.columns.get_ref();
        let cols_at = at(&raw.columns.span());
        let mut columns = Vec::new();
        if files && cols.id.is_none() {
            columns.push(column("id", "{stem}", cols_at).map_err(|m| err(cols_at, m))?);
        }
        for (name, v) in cols.given() {
            columns
                .push(column(name, v.get_ref(), at(&v.span())).map_err(|m| err(at(&v.span()), m))?);
        }
        // TOML tables come sorted by key: the file's order is that of the spans.
        let mut extra: Vec<_> = raw.extra.iter().collect();
        extra.sort_by_key(|(k, _)| k.span().start);
        for (name, v) in extra {
            let n = name.get_ref();
            if is_standard(n) {
                return Err(err(
                    at(&name.span()),
                    format!("[extra] {n:?} is a standard column: give it in [columns]"),
                ));
            }
            if n.is_empty() || n.contains(['\n', '\r', ',', '"']) {
                return Err(err(
                    at(&name.span()),
                    format!("[extra] {n:?} is not a column name"),
                ));
            }
            columns.push(column(n, v.get_ref(), at(&v.span())).map_err(|m| err(at(&v.span()), m))?);
        }
        let has = |n: &str| columns.iter().any(|c| c.name == n);
        if files && cols.audio.is_some() {
            let v = cols
                .audio
                .as_ref()
                .map(|v| at(&v.span()))
                .unwrap_or(cols_at);
            return Err(err(
                v,
                "[columns] audio is for [table]: with [files] the audio is the matched file".into(),
            ));
        }
        if !files && !has("id") {
            return Err(err(
                cols_at,
                "[columns] needs id (the table column of the item id, as \"{Column}\")".into(),
            ));
        }
        if !files && !has("audio") && !has("text") {
            return Err(err(cols_at, "[columns] needs audio or text".into()));
        }
        if !has("label") && !has("emotion") {
            return Err(err(
                cols_at,
                "[columns] needs emotion (for --labels valence|emotion|emotion4) or label (a valence label)".into(),
            ));
        }
        let mut maps: Vec<(&str, At, &ValueMap)> = Vec::new();
        if let Some(lm) = &raw.label_map {
            maps.push(("label", at(&lm.span()), lm.get_ref()));
        }
        for (name, entries) in &raw.map {
            if name.get_ref() == "label" {
                return Err(err(
                    at(&name.span()),
                    "the label's map is [label-map] (as in suite.toml), not [map.label]".into(),
                ));
            }
            maps.push((name.get_ref(), at(&name.span()), entries));
        }
        for (n, place, entries) in maps {
            let table = map_table(n);
            let Some(c) = columns.iter_mut().find(|c| c.name == n) else {
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                return Err(err(
                    place,
                    format!(
                        "{table}: no column {n:?} in [columns] or [extra] (these are: {})",
                        names.join(", ")
                    ),
                ));
            };
            let allowed: Option<&[&str]> = match n {
                "label" => Some(&super::labels::VALENCE),
                "sex" => Some(&["female", "male", ""]),
                _ => None,
            };
            for (k, v) in entries {
                if let Some(ok) = allowed {
                    if v.get_ref() != DROP && !ok.contains(&v.get_ref().as_str()) {
                        return Err(err(
                            at(&v.span()),
                            format!(
                                "{table} {k:?} = {:?}: {n} values are {} or \"drop\"",
                                v.get_ref(),
                                ok.iter()
                                    .filter(|o| !o.is_empty())
                                    .copied()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                }
            }
            let mut entries: Vec<_> = entries.iter().collect();
            entries.sort_by_key(|(_, v)| v.span().start);
            c.map = Some(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                    .collect(),
            );
        }
        if let Source::Files { regex, .. } = &source {
            let groups: Vec<&str> = regex.capture_names().flatten().collect();
            for c in &columns {
                for f in c.fields() {
                    if !groups.contains(&f) && !FILE_FIELDS.contains(&f) {
                        return Err(err(
                            c.at,
                            format!(
                                "{}: the [files] regex has no group {f:?} (its groups: {}; always there: {})",
                                c.name,
                                if groups.is_empty() { "none".to_string() } else { groups.join(", ") },
                                FILE_FIELDS.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        let name = raw.corpus.name.get_ref().trim().to_string();
        if slug(&name).is_empty() {
            return Err(err(
                at(&raw.corpus.name.span()),
                "[corpus] name is empty".into(),
            ));
        }
        Ok(Mapping {
            file: file.to_owned(),
            info: Info {
                name,
                version: raw.corpus.version,
                license: raw.corpus.license,
                citation: raw
                    .corpus
                    .citation
                    .unwrap_or_else(|| "no citation given".into()),
            },
            source,
            columns,
        })
    }
}

/// The table of a column's value map: `[label-map]` for the label, else `[map.COLUMN]`.
pub fn map_table(column: &str) -> String {
    if column == "label" {
        "[label-map]".into()
    } else {
        format!("[map.{column}]")
    }
}

/// A column from its template text; `Err` says what is wrong with the template.
fn column(name: &str, template: &str, at: At) -> Result<Column, String> {
    Ok(Column {
        name: name.to_string(),
        parts: template_parts(template).map_err(|m| format!("{name} = {template:?}: {m}"))?,
        map: None,
        at,
    })
}

/// A template's pieces: `{field}` placeholders, `{{` and `}}` for literal braces.
pub fn template_parts(t: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err("a `{` without its `}` (write `{{` for a brace)".into())
                        }
                        Some(c) => field.push(c),
                    }
                }
                if field.trim().is_empty() {
                    return Err("an empty `{}`".into());
                }
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Field(field));
            }
            '}' => return Err("a `}` without its `{` (write `}}` for a brace)".into()),
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(parts)
}

/// A suite name from a corpus name: lower case, runs of other characters as one `-`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_fields_and_text() {
        assert_eq!(
            template_parts("actor{a}-{{x}}").unwrap(),
            vec![
                Part::Lit("actor".into()),
                Part::Field("a".into()),
                Part::Lit("-{x}".into())
            ]
        );
        assert!(template_parts("{a").is_err());
        assert!(template_parts("a}").is_err());
        assert!(template_parts("{}").is_err());
        assert_eq!(slug("MSP-Podcast 1.11"), "msp-podcast-1-11");
    }
}
