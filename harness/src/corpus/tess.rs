//! TESS, the Toronto emotional speech set (Dupuis & Pichora-Fuller 2010): `OAF_back_angry.wav`
//! — speaker (OAF, the older talker, 64; YAF, the younger, 26; both female), the target word
//! of the carrier phrase "Say the word …", emotion (angry, disgust, fear, happy, neutral,
//! ps = pleasant surprise, sad).

use std::path::Path;

use super::{age_band, stem, CorpusError, Info, Parsed, Record};

/// Speaker, age in years (both talkers are female).
pub const SPEAKERS: [(&str, u32); 2] = [("OAF", 64), ("YAF", 26)];

/// Emotion words in file names and the names tonebench writes.
pub const CODES: [(&str, &str); 9] = [
    ("angry", "angry"),
    ("disgust", "disgust"),
    ("fear", "fearful"),
    ("happy", "happy"),
    ("neutral", "neutral"),
    ("ps", "pleasant_surprise"),
    ("pleasant_surprise", "pleasant_surprise"),
    ("pleasant_surprised", "pleasant_surprise"),
    ("sad", "sad"),
];

const EMOTIONS: [&str; 7] = [
    "angry",
    "disgust",
    "fearful",
    "happy",
    "neutral",
    "pleasant_surprise",
    "sad",
];

pub fn info() -> Info {
    Info {
        name: "TESS",
        version: "Toronto emotional speech set (University of Toronto dataverse)".into(),
        license: "CC BY-NC-ND 4.0",
        citation: "Dupuis & Pichora-Fuller 2010, University of Toronto",
    }
}

/// One file name, parsed.
pub fn parse_name(name: &str) -> Result<Record, String> {
    let bad = || "not a TESS name SPEAKER_word_emotion (e.g. OAF_back_angry)".to_string();
    let (speaker, rest) = name.split_once('_').ok_or_else(bad)?;
    let (word, code) = rest.split_once('_').ok_or_else(bad)?;
    let speaker = speaker.to_ascii_uppercase();
    let Some((_, age)) = SPEAKERS.iter().find(|(s, _)| *s == speaker) else {
        return Err(format!("speaker {speaker} is not OAF or YAF"));
    };
    let code_l = code.to_ascii_lowercase();
    let Some((_, emotion)) = CODES.iter().find(|(c, _)| *c == code_l) else {
        return Err(format!(
            "emotion {code:?} is not angry, disgust, fear, happy, neutral, ps or sad"
        ));
    };
    let word = word.to_ascii_lowercase();
    let mut r = Record::new(format!("tess-{speaker}_{word}_{code_l}"), emotion)
        .with("sex", "female")
        .with("age", age.to_string())
        .with("age_band", age_band(*age))
        .with("statement", word.clone())
        .with("emotion_code", code_l.clone());
    r.text = Some(format!("Say the word {word}"));
    r.speaker = Some(speaker);
    Ok(r)
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    super::from_file_names(dir, &["wav"], info(), &EMOTIONS, |p| parse_name(&stem(p)))
}
