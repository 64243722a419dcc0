//! MELD (Poria et al. 2019): `train_sent_emo.csv`, `dev_sent_emo.csv`, `test_sent_emo.csv` with
//! Utterance, Speaker, Emotion, Sentiment, Dialogue_ID, Utterance_ID, Season, Episode,
//! StartTime, EndTime. The valence label is the corpus's own Sentiment. Media are
//! `diaX_uttY.mp4` (or an extracted `.wav`/`.flac`) in a folder whose name says the split
//! (`train_splits`, `dev_splits_complete`, `output_repeated_splits_test`); with none anywhere
//! the suite is text-only, with some, an utterance without its file is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{files_under, find_file, read_columns, shown, CorpusError, Info, Parsed, Record, Skip};

/// MELD's emotions and the names tonebench writes.
pub const CODES: [(&str, &str); 7] = [
    ("neutral", "neutral"),
    ("joy", "happy"),
    ("sadness", "sad"),
    ("anger", "angry"),
    ("surprise", "surprised"),
    ("fear", "fearful"),
    ("disgust", "disgust"),
];

const EMOTIONS: [&str; 7] = [
    "neutral",
    "happy",
    "sad",
    "angry",
    "surprised",
    "fearful",
    "disgust",
];

/// The label files, by split.
pub const SPLITS: [(&str, &str); 3] = [
    ("train", "train_sent_emo.csv"),
    ("dev", "dev_sent_emo.csv"),
    ("test", "test_sent_emo.csv"),
];

const COLUMNS: [&str; 10] = [
    "Utterance",
    "Speaker",
    "Emotion",
    "Sentiment",
    "Dialogue_ID",
    "Utterance_ID",
    "Season",
    "Episode",
    "StartTime",
    "EndTime",
];

pub fn info() -> Info {
    Info {
        name: "MELD",
        version: "1.0 (github.com/declare-lab/MELD)".into(),
        license: "GPL-3.0 (repository); utterances from the Friends TV series",
        citation: "Poria et al. 2019, ACL",
    }
}

/// The split a media folder holds, from its name.
fn split_of(folder: &str) -> Option<&'static str> {
    let f = folder.to_ascii_lowercase();
    ["train", "dev", "test"].into_iter().find(|s| f.contains(s))
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    // (split, "diaX_uttY") -> media file
    let mut media: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for p in files_under(dir, &["mp4", "wav", "flac"])? {
        let folder = p
            .parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        if let Some(split) = folder.as_deref().and_then(split_of) {
            media
                .entry((split.to_string(), super::stem(&p)))
                .or_insert(p);
        }
    }
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let mut found = 0;
    for (split, file) in SPLITS {
        let Some(path) = find_file(dir, file)? else {
            continue;
        };
        found += 1;
        let (cols, lines) = read_columns(&path, "MELD", &COLUMNS)?;
        let cell = |c: usize, row: usize| cols[c][row].clone().unwrap_or_default();
        for (row, line) in lines.iter().enumerate() {
            let at = format!("{} {}", shown(&path, dir), line);
            let raw = cell(2, row);
            let Some((_, emotion)) = CODES.iter().find(|(c, _)| *c == raw) else {
                skipped.push(Skip::new(
                    at,
                    format!("Emotion {raw:?} is not one of MELD's seven"),
                ));
                continue;
            };
            let sentiment = cell(3, row);
            if !super::labels::VALENCE.contains(&sentiment.as_str()) {
                skipped.push(Skip::new(
                    at,
                    format!("Sentiment {sentiment:?} is not negative, neutral or positive"),
                ));
                continue;
            }
            let (d, u) = (cell(4, row), cell(5, row));
            if d.parse::<u32>().is_err() || u.parse::<u32>().is_err() {
                skipped.push(Skip::new(
                    at,
                    format!("Dialogue_ID {d:?} / Utterance_ID {u:?} are not whole numbers"),
                ));
                continue;
            }
            let mut r = Record::new(format!("meld-{split}-d{d}-u{u}"), emotion)
                .with("split", split)
                .with("dialogue", d.clone())
                .with("utterance", u.clone())
                .with("season", cell(6, row))
                .with("episode", cell(7, row))
                .with("start_time", cell(8, row))
                .with("end_time", cell(9, row))
                .with("emotion_code", raw.clone());
            r.sentiment = Some(sentiment);
            r.text = Some(cell(0, row));
            r.speaker = cols[1][row].clone();
            if !media.is_empty() {
                match media.get(&(split.to_string(), format!("dia{d}_utt{u}"))) {
                    Some(m) => r.audio = Some(m.clone()),
                    None => {
                        skipped.push(Skip::new(
                            at,
                            format!("no media file dia{d}_utt{u} in the {split} media folder"),
                        ));
                        continue;
                    }
                }
            }
            records.push(r);
        }
    }
    if found == 0 {
        return Err(CorpusError::Invalid {
            corpus: "MELD",
            path: dir.to_owned(),
            message: "no train_sent_emo.csv, dev_sent_emo.csv or test_sent_emo.csv".into(),
        });
    }
    Ok(Parsed {
        info: info(),
        records,
        skipped,
        emotions: &EMOTIONS,
    })
}
