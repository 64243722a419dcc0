//! EmoDB, the Berlin Database of Emotional Speech (Burkhardt et al. 2005): `03a01Fa.wav` —
//! speaker (2 digits), text code (3), emotion letter (the German word: W Ärger anger,
//! L Langeweile boredom, E Ekel disgust, A Angst fear, F Freude happiness, T Trauer sadness,
//! N neutral), version letter. Speakers' sex and age and the ten texts are the corpus
//! documentation's (emodb.bilderbar.info, "Information about the speakers" and "Code of
//! texts"); texts a.. are the short sentences, b.. the long ones (`statement_length`).

use std::path::Path;

use super::{age_band, stem, CorpusError, Info, Parsed, Record};

/// Speaker, sex, age in years (the corpus documentation).
pub const SPEAKERS: [(&str, &str, u32); 10] = [
    ("03", "male", 31),
    ("08", "female", 34),
    ("09", "female", 21),
    ("10", "male", 32),
    ("11", "male", 26),
    ("12", "male", 30),
    ("13", "female", 32),
    ("14", "female", 35),
    ("15", "male", 25),
    ("16", "female", 31),
];

/// The ten texts by code.
pub const TEXTS: [(&str, &str); 10] = [
    ("a01", "Der Lappen liegt auf dem Eisschrank."),
    ("a02", "Das will sie am Mittwoch abgeben."),
    ("a04", "Heute abend könnte ich es ihm sagen."),
    (
        "a05",
        "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    ),
    ("a07", "In sieben Stunden wird es soweit sein."),
    (
        "b01",
        "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    ),
    (
        "b02",
        "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    ),
    (
        "b03",
        "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    ),
    (
        "b09",
        "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    ),
    (
        "b10",
        "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
    ),
];

/// Emotion letters and the names tonebench writes.
pub const LETTERS: [(char, &str); 7] = [
    ('W', "angry"),
    ('L', "boredom"),
    ('E', "disgust"),
    ('A', "fearful"),
    ('F', "happy"),
    ('T', "sad"),
    ('N', "neutral"),
];

const EMOTIONS: [&str; 7] = [
    "angry", "boredom", "disgust", "fearful", "happy", "sad", "neutral",
];

pub fn info() -> Info {
    Info {
        name: "EmoDB",
        version: "Berlin Database of Emotional Speech (emodb.bilderbar.info)".into(),
        license: "free for research; no licence file in the original distribution",
        citation: "Burkhardt et al. 2005, Interspeech",
    }
}

/// One file name, parsed.
pub fn parse_name(name: &str) -> Result<Record, String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() != 7 || !name.is_ascii() {
        return Err("not an EmoDB name: 2-digit speaker, 3-character text code, emotion letter, version letter (e.g. 03a01Fa)".into());
    }
    let speaker = &name[0..2];
    let text = &name[2..5];
    let letter = chars[5];
    let version = chars[6];
    let Some((_, sex, age)) = SPEAKERS.iter().find(|(s, _, _)| *s == speaker) else {
        return Err(format!(
            "speaker {speaker} is not one of the ten EmoDB speakers"
        ));
    };
    let Some((_, sentence)) = TEXTS.iter().find(|(c, _)| *c == text) else {
        return Err(format!(
            "text code {text} is not one of the ten EmoDB texts"
        ));
    };
    let Some((_, emotion)) = LETTERS.iter().find(|(l, _)| *l == letter) else {
        return Err(format!(
            "emotion letter {letter} is not one of W L E A F T N"
        ));
    };
    if !version.is_ascii_lowercase() {
        return Err(format!("version {version} is not a lowercase letter"));
    }
    let length = if text.starts_with('a') {
        "short"
    } else {
        "long"
    };
    let mut r = Record::new(format!("emodb-{name}"), emotion)
        .with("sex", *sex)
        .with("age", age.to_string())
        .with("age_band", age_band(*age))
        .with("statement", text)
        .with("statement_length", length)
        .with("version", version.to_string())
        .with("emotion_code", letter.to_string());
    r.text = Some(sentence.to_string());
    r.speaker = Some(speaker.to_string());
    Ok(r)
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    super::from_file_names(dir, &["wav"], info(), &EMOTIONS, |p| parse_name(&stem(p)))
}
