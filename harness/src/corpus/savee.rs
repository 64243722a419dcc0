//! SAVEE, Surrey Audio-Visual Expressed Emotion (Haq & Jackson 2009): four male speakers (DC,
//! JE, JK, KL); `AudioData/DC/a01.wav` as distributed, or `DC_a01.wav` flattened. The code is
//! the emotion (a anger, d disgust, f fear, h happiness, n neutral, sa sadness, su surprise)
//! and the sentence number (01–15; neutral 01–30).

use std::path::Path;

use super::{stem, CorpusError, Info, Parsed, Record};

pub const SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

/// Emotion prefixes (longest first) and the names tonebench writes.
pub const CODES: [(&str, &str); 7] = [
    ("sa", "sad"),
    ("su", "surprised"),
    ("a", "angry"),
    ("d", "disgust"),
    ("f", "fearful"),
    ("h", "happy"),
    ("n", "neutral"),
];

const EMOTIONS: [&str; 7] = [
    "angry",
    "disgust",
    "fearful",
    "happy",
    "neutral",
    "sad",
    "surprised",
];

pub fn info() -> Info {
    Info {
        name: "SAVEE",
        version: "Surrey Audio-Visual Expressed Emotion database".into(),
        license: "free for research use (kahlan.eps.surrey.ac.uk/savee)",
        citation: "Haq & Jackson 2009, AVSP",
    }
}

/// One clip: the speaker and the clip code (`a01`).
pub fn parse_clip(speaker: &str, code: &str) -> Result<Record, String> {
    if !SPEAKERS.contains(&speaker) {
        return Err(format!("speaker {speaker:?} is not DC, JE, JK or KL"));
    }
    let Some((prefix, emotion)) = CODES.iter().find(|(p, _)| code.starts_with(p)) else {
        return Err(format!(
            "clip {code:?} does not start with an emotion code a d f h n sa su"
        ));
    };
    let number = &code[prefix.len()..];
    let max = if *prefix == "n" { 30 } else { 15 };
    match number.parse::<u32>() {
        Ok(n) if number.len() == 2 && (1..=max).contains(&n) => {}
        _ => return Err(format!("sentence number {number:?} is not 01..{max}")),
    }
    let mut r = Record::new(format!("savee-{speaker}_{code}"), emotion)
        .with("sex", "male")
        .with("statement", number)
        .with("emotion_code", *prefix);
    r.speaker = Some(speaker.to_string());
    Ok(r)
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    super::from_file_names(dir, &["wav"], info(), &EMOTIONS, |path| {
        let name = stem(path);
        match name.split_once('_') {
            Some((spk, code)) => parse_clip(spk, code),
            None => {
                let folder = path
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                parse_clip(&folder, &name)
            }
        }
    })
}
