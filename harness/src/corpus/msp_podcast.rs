//! MSP-Podcast (Lotfian & Busso 2019): `Labels/labels_consensus.csv` with FileName, EmoClass
//! (A angry, S sad, H happy, U surprise, F fear, D disgust, C contempt, N neutral, O other,
//! X no agreement), EmoAct, EmoVal, EmoDom (1–7), SpkrID, Gender, Split_Set (Train,
//! Development, Test1, Test2, …); audio in `Audios/<FileName>` (found anywhere in the folder).
//! `Unknown` speakers and genders are left empty.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{files_under, find_file, read_columns, shown, CorpusError, Info, Parsed, Record, Skip};

/// EmoClass codes and the names tonebench writes.
pub const CODES: [(&str, &str); 10] = [
    ("A", "angry"),
    ("S", "sad"),
    ("H", "happy"),
    ("U", "surprised"),
    ("F", "fearful"),
    ("D", "disgust"),
    ("C", "contempt"),
    ("N", "neutral"),
    ("O", "other"),
    ("X", "no_agreement"),
];

const EMOTIONS: [&str; 9] = [
    "angry",
    "sad",
    "happy",
    "surprised",
    "fearful",
    "disgust",
    "contempt",
    "neutral",
    "other",
];

/// The consensus label file.
pub const LABELS: &str = "labels_consensus.csv";

const COLUMNS: [&str; 8] = [
    "FileName",
    "EmoClass",
    "EmoAct",
    "EmoVal",
    "EmoDom",
    "SpkrID",
    "Gender",
    "Split_Set",
];

pub fn info(version: &str) -> Info {
    Info {
        name: "MSP-Podcast",
        version: version.to_string(),
        license: "MSP-Podcast academic license (UT Dallas; no redistribution)",
        citation: "Lotfian & Busso 2019, IEEE Trans. Affective Computing 10(4):471-483",
    }
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    let Some(path) = find_file(dir, LABELS)? else {
        return Err(CorpusError::Invalid {
            corpus: "MSP-Podcast",
            path: dir.to_owned(),
            message: format!("no {LABELS}"),
        });
    };
    let audio: BTreeMap<String, PathBuf> = files_under(dir, &["wav", "flac"])?
        .into_iter()
        .filter_map(|p| Some((p.file_name()?.to_string_lossy().into_owned(), p)))
        .collect();
    let (cols, lines) = read_columns(&path, "MSP-Podcast", &COLUMNS)?;
    let cell = |c: usize, row: usize| cols[c][row].clone().unwrap_or_default();
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for (row, line) in lines.iter().enumerate() {
        let at = format!("{} {}", shown(&path, dir), line);
        let file = cell(0, row);
        let code = cell(1, row);
        let Some((_, emotion)) = CODES.iter().find(|(c, _)| *c == code) else {
            skipped.push(Skip::new(
                at,
                format!("EmoClass {code:?} is not one of A S H U F D C N O X"),
            ));
            continue;
        };
        let Some(wav) = audio.get(&file) else {
            skipped.push(Skip::new(at, format!("audio file {file} not found")));
            continue;
        };
        let sex = match cell(6, row).to_ascii_lowercase().as_str() {
            "male" => "male",
            "female" => "female",
            _ => "",
        };
        let spk = cell(5, row);
        let stem = file
            .rsplit_once('.')
            .map_or(file.as_str(), |(s, _)| s)
            .to_string();
        let mut r = Record::new(format!("msp-{stem}"), emotion)
            .with("sex", sex)
            .with("split", cell(7, row))
            .with("arousal_score", cell(2, row))
            .with("valence_score", cell(3, row))
            .with("dominance_score", cell(4, row))
            .with("emotion_code", code.clone());
        r.speaker = (!spk.is_empty() && !spk.eq_ignore_ascii_case("unknown")).then_some(spk);
        r.audio = Some(wav.clone());
        records.push(r);
    }
    let version = path
        .parent()
        .and_then(Path::parent)
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "unknown release".into());
    Ok(Parsed {
        info: info(&version),
        records,
        skipped,
        emotions: &EMOTIONS,
    })
}
