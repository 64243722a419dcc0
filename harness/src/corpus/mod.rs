//! `tonebench suite import`: public speech-emotion and sentiment corpora, as their authors
//! distribute them, turned into checked suites (one file per corpus); `split` (speaker-disjoint,
//! label-stratified folds and the corpora's own splits) and `check` (leakage: duplicate audio
//! and text, speakers shared with a training set).
//!
//! Every importer returns [`Record`]s with the standard columns of DESIGN.md (`sex`, `age`,
//! `age_band`, `emotion`, `intensity`, `statement`, then its own), the corpus's [`Info`], and
//! every file or line it did not take with the reason ([`Skip`]). [`import`] then maps emotions
//! to labels ([`labels`]), checks that every audio file exists and decodes, and hands the items
//! table and manifest to `store::imported`.

pub mod check;
pub mod cremad;
pub mod emodb;
pub mod generic;
pub mod generic_read;
pub mod iemocap;
pub mod labels;
pub mod meld;
pub mod msp_podcast;
pub mod ravdess;
pub mod savee;
pub mod split;
pub mod table;
pub mod tess;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, HasKind};
pub use labels::Scheme;

/// The corpora `suite import` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corpus {
    Ravdess,
    CremaD,
    EmoDb,
    Iemocap,
    Meld,
    MspPodcast,
    Tess,
    Savee,
    /// Any corpus, described by a mapping file (`--map`, [`generic`]).
    Generic,
}

impl Corpus {
    /// Every corpus with the name `suite import` takes.
    pub const ALL: [(&'static str, Corpus); 9] = [
        ("ravdess", Corpus::Ravdess),
        ("crema-d", Corpus::CremaD),
        ("emodb", Corpus::EmoDb),
        ("iemocap", Corpus::Iemocap),
        ("meld", Corpus::Meld),
        ("msp-podcast", Corpus::MspPodcast),
        ("tess", Corpus::Tess),
        ("savee", Corpus::Savee),
        ("generic", Corpus::Generic),
    ];

    /// The corpus named `s` (case-insensitive; `cremad` and `msppodcast` too).
    pub fn parse(s: &str) -> Option<Corpus> {
        let s = s.to_ascii_lowercase().replace('_', "-");
        Corpus::ALL
            .iter()
            .find(|(n, _)| *n == s || n.replace('-', "") == s)
            .map(|(_, c)| *c)
    }

    /// The name `suite import` takes.
    pub fn name(self) -> &'static str {
        Corpus::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .unwrap_or("corpus")
    }
}

/// What the suite description says about the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub name: String,
    pub version: String,
    pub license: String,
    pub citation: String,
}

/// One utterance as the corpus describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    /// The corpus's own emotion name (`angry`, `calm`, `hap`→`happy`, …).
    pub emotion: String,
    /// The 3-class valence label, when the corpus gives one itself (MELD's Sentiment); `None`
    /// takes the default mapping of [`labels::valence`].
    pub sentiment: Option<String>,
    pub text: Option<String>,
    /// Absolute (or as found) path of the audio file.
    pub audio: Option<PathBuf>,
    pub speaker: Option<String>,
    /// Metadata columns after the standard ones, in column order: (column, value).
    pub meta: Vec<(Cow<'static, str>, String)>,
}

impl Record {
    /// A record with the given id and emotion and nothing else yet.
    pub fn new(id: String, emotion: &str) -> Record {
        Record {
            id,
            emotion: emotion.to_string(),
            sentiment: None,
            text: None,
            audio: None,
            speaker: None,
            meta: Vec::new(),
        }
    }

    /// Adds a metadata cell.
    pub fn with(
        mut self,
        column: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Record {
        self.meta.push((column.into(), value.into()));
        self
    }
}

/// A file or line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The file (and line) as found.
    pub source: String,
    pub reason: String,
}

impl Skip {
    pub fn new(source: impl Into<String>, reason: impl Into<String>) -> Skip {
        Skip {
            source: source.into(),
            reason: reason.into(),
        }
    }
}

/// What an importer read.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub info: Info,
    pub records: Vec<Record>,
    pub skipped: Vec<Skip>,
    /// The corpus's emotion names in its documented order (the `--labels emotion` label set).
    pub emotions: Vec<String>,
}

/// A documented emotion list as [`Parsed::emotions`].
pub fn owned(emotions: &[&str]) -> Vec<String> {
    emotions.iter().map(|e| e.to_string()).collect()
}

/// Why a corpus could not be imported at all (single bad files are [`Skip`]s).
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: not a folder")]
    NotAFolder { path: PathBuf },
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{corpus} in {path}: {message}")]
    Invalid {
        corpus: String,
        path: PathBuf,
        message: String,
    },
    #[error("{path}: line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Usage(String),
}

impl HasKind for CorpusError {
    fn kind(&self) -> ErrorKind {
        match self {
            CorpusError::Usage(_) => ErrorKind::Usage,
            CorpusError::Io { .. } => ErrorKind::Input,
            _ => ErrorKind::Input,
        }
    }
}

/// Reads a corpus folder with its importer.
pub fn parse(corpus: Corpus, dir: &Path) -> Result<Parsed, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::NotAFolder {
            path: dir.to_owned(),
        });
    }
    match corpus {
        Corpus::Ravdess => ravdess::parse(dir),
        Corpus::CremaD => cremad::parse(dir),
        Corpus::EmoDb => emodb::parse(dir),
        Corpus::Iemocap => iemocap::parse(dir),
        Corpus::Meld => meld::parse(dir),
        Corpus::MspPodcast => msp_podcast::parse(dir),
        Corpus::Tess => tess::parse(dir),
        Corpus::Savee => savee::parse(dir),
        Corpus::Generic => Err(CorpusError::Usage(
            "suite import generic needs --map MAPPING.toml (docs/DESIGN.md, Generic corpora)"
                .into(),
        )),
    }
}

/// Every file under `dir` (recursively, sorted, hidden entries skipped) whose extension is one
/// of `exts` (case-insensitive; every file when `exts` is empty).
pub fn files_under(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, CorpusError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| CorpusError::Io {
            path: d.clone(),
            source,
        })?;
        for e in entries {
            let e = e.map_err(|source| CorpusError::Io {
                path: d.clone(),
                source,
            })?;
            let path = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if exts.is_empty()
                || path
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.iter().any(|e| x.eq_ignore_ascii_case(e)))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What an importer that reads everything from file names finds: every file under `dir` with
/// one of `exts`, parsed by `parse` (audio set to the file); a file that does not parse is a
/// [`Skip`] with the reason `parse` gives.
pub fn from_file_names(
    dir: &Path,
    exts: &[&str],
    info: Info,
    emotions: &[&str],
    parse: impl Fn(&Path) -> Result<Record, String>,
) -> Result<Parsed, CorpusError> {
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for path in files_under(dir, exts)? {
        match parse(&path) {
            Ok(mut r) => {
                r.audio = Some(path);
                records.push(r);
            }
            Err(why) => skipped.push(Skip::new(shown(&path, dir), why)),
        }
    }
    Ok(Parsed {
        info,
        records,
        skipped,
        emotions: owned(emotions),
    })
}

/// The first file named `name` under `dir` (breadth first), if any.
pub fn find_file(dir: &Path, name: &str) -> Result<Option<PathBuf>, CorpusError> {
    let ext = Path::new(name)
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or("");
    let mut hits: Vec<PathBuf> = files_under(dir, &[ext])?
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == name))
        .collect();
    hits.sort_by_key(|p| (p.components().count(), p.clone()));
    Ok(hits.into_iter().next())
}

/// A file's stem as text (`03-01-01-01-01-01-13` for `…/03-01-01-01-01-01-13.wav`).
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` relative to `dir` for messages and the skip report.
pub fn shown(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// The age band of an age in years (DESIGN.md): `18-29`, `30-39`, `40-49`, `50-59`, `60+`
/// (`under-18` below).
pub fn age_band(age: u32) -> &'static str {
    match age {
        0..=17 => "under-18",
        18..=29 => "18-29",
        30..=39 => "30-39",
        40..=49 => "40-49",
        50..=59 => "50-59",
        _ => "60+",
    }
}

/// What `suite import` is asked to do.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub corpus: Corpus,
    pub dir: PathBuf,
    /// The mapping file of [`Corpus::Generic`].
    pub map: Option<PathBuf>,
    pub out: PathBuf,
    pub scheme: Scheme,
    /// The suite's name (default: the corpus's).
    pub name: Option<String>,
    /// Check that every audio file decodes (on by default).
    pub decode: bool,
}

/// What `suite import` did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub dir: PathBuf,
    pub items: usize,
    pub labels: Vec<(String, usize)>,
    pub skipped: Vec<Skip>,
}

/// Imports a corpus into a suite folder.
pub fn import(plan: &ImportPlan) -> Result<Imported, anyhow::Error> {
    let parsed = match (&plan.map, plan.corpus) {
        (Some(map), Corpus::Generic) => generic_read::parse(&plan.dir, map, plan.scheme)?,
        (Some(_), c) => {
            return Err(CorpusError::Usage(format!(
                "--map is for `suite import generic`, not {}",
                c.name()
            ))
            .into())
        }
        (None, c) => parse(c, &plan.dir)?,
    };
    let Parsed {
        info,
        records,
        mut skipped,
        emotions,
    } = parsed;
    let mut kept = Vec::with_capacity(records.len());
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let bar = crate::term::bar(records.len(), "import: decoding", "clips");
    for r in records {
        bar.inc(1);
        let from = r
            .audio
            .as_deref()
            .map(|a| shown(a, &plan.dir))
            .unwrap_or_else(|| r.id.clone());
        if let Some(first) = seen.get(&r.id) {
            skipped.push(Skip::new(
                from,
                format!("duplicate id {} (first: {first})", r.id),
            ));
            continue;
        }
        seen.insert(r.id.clone(), from);
        let Some(label) = labels::label_of(plan.scheme, &r) else {
            skipped.push(Skip::new(
                r.id.clone(),
                format!(
                    "emotion {:?} has no {} label ({})",
                    r.emotion,
                    plan.scheme.name(),
                    labels::why_dropped(plan.scheme, &r.emotion)
                ),
            ));
            continue;
        };
        if let Some(audio) = &r.audio {
            if plan.decode {
                if let Err(e) = crate::audio::decode(audio) {
                    skipped.push(Skip::new(shown(audio, &plan.dir), e.to_string()));
                    continue;
                }
            } else if !audio.is_file() {
                skipped.push(Skip::new(shown(audio, &plan.dir), "audio file not found"));
                continue;
            }
        }
        kept.push((label, r));
    }
    bar.finish_and_clear();
    if kept.is_empty() {
        return Err(CorpusError::Invalid {
            corpus: info.name.clone(),
            path: plan.dir.clone(),
            message: format!(
                "nothing to import ({} skipped{})",
                skipped.len(),
                skipped
                    .first()
                    .map(|s| format!("; first: {}: {}", s.source, s.reason))
                    .unwrap_or_default()
            ),
        }
        .into());
    }
    let documented: Vec<&str> = emotions.iter().map(String::as_str).collect();
    let label_set = labels::label_set(
        plan.scheme,
        &documented,
        kept.iter().map(|(l, _)| l.as_str()),
    );
    let root = table::audio_root(&plan.dir, &plan.out);
    let items = table::items_csv(&kept, &plan.dir);
    let name = plan.name.clone().unwrap_or_else(|| match plan.corpus {
        Corpus::Generic => generic::slug(&info.name),
        c => c.name().to_string(),
    });
    let manifest = table::manifest(&name, &info, plan.scheme, &label_set, &root, &kept);
    let report = table::skipped_csv(&skipped);
    crate::store::imported::write_suite(&plan.out, &manifest, &items, Some(&report))?;
    let labels = label_set
        .iter()
        .map(|l| (l.clone(), kept.iter().filter(|(k, _)| k == l).count()))
        .collect();
    Ok(Imported {
        dir: plan.out.clone(),
        items: kept.len(),
        labels,
        skipped,
    })
}

/// Columns of a table as text, and the line (or row) of every row.
pub type ColumnsRead = (Vec<Vec<Option<String>>>, Vec<String>);

/// Reads the named columns of a table as text (a missing column or unreadable table is an
/// error naming the file), with each row's line for the skip report.
pub fn read_columns(path: &Path, corpus: &str, names: &[&str]) -> Result<ColumnsRead, CorpusError> {
    let invalid = |e: crate::input::table::TableError| CorpusError::Invalid {
        corpus: corpus.to_string(),
        path: path.to_owned(),
        message: e.to_string(),
    };
    let table = crate::input::table::Table::read(path).map_err(invalid)?;
    let cols = names
        .iter()
        .map(|n| table.strings(n).map_err(invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let lines = (0..table.height())
        .map(|r| table.origin(r).to_string())
        .collect();
    Ok((cols, lines))
}
