//! CREMA-D (Cao et al. 2014): `ActorID_Sentence_Emotion_Level.wav` (e.g. `1001_DFA_ANG_XX.wav`)
//! under `AudioWAV/`, with `VideoDemographics.csv` (ActorID, Age, Sex, Race, Ethnicity) anywhere
//! in the folder. Sentences and codes are those of the corpus README; emotion levels LO / MD /
//! HI / XX are written as `low` / `medium` / `high` / `unspecified`. Age bands: [`super::age_band`].

use std::collections::BTreeMap;
use std::path::Path;

use super::{age_band, find_file, stem, CorpusError, Info, Parsed, Record};
use crate::input::table::Table;

/// The 12 sentences by their code (README.md of the corpus).
pub const SENTENCES: [(&str, &str); 12] = [
    ("IEO", "It's eleven o'clock"),
    ("TIE", "That is exactly what happened"),
    ("IOM", "I'm on my way to the meeting"),
    ("IWW", "I wonder what this is about"),
    ("TAI", "The airplane is almost full"),
    ("MTI", "Maybe tomorrow it will be cold"),
    ("IWL", "I would like a new alarm clock"),
    ("ITH", "I think I have a doctor's appointment"),
    ("DFA", "Don't forget a jacket"),
    ("ITS", "I think I've seen this before"),
    ("TSI", "The surface is slick"),
    ("WSI", "We'll stop in a couple of minutes"),
];

/// Emotion codes and the names tonebench writes.
pub const CODES: [(&str, &str); 6] = [
    ("ANG", "angry"),
    ("DIS", "disgust"),
    ("FEA", "fearful"),
    ("HAP", "happy"),
    ("NEU", "neutral"),
    ("SAD", "sad"),
];

const EMOTIONS: [&str; 6] = ["angry", "disgust", "fearful", "happy", "neutral", "sad"];

/// Emotion level codes.
pub const LEVELS: [(&str, &str); 4] = [
    ("LO", "low"),
    ("MD", "medium"),
    ("HI", "high"),
    ("XX", "unspecified"),
];

/// The demographics file's name.
pub const DEMOGRAPHICS: &str = "VideoDemographics.csv";

pub fn info() -> Info {
    Info {
        name: "CREMA-D",
        version: "1.0 (github.com/CheyneyComputerScience/CREMA-D)".into(),
        license: "Open Database License 1.0 + Database Contents License 1.0",
        citation: "Cao et al. 2014, IEEE Trans. Affective Computing 5(4):377-390",
    }
}

/// One actor's demographics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub age: u32,
    pub sex: String,
    pub race: String,
    pub ethnicity: String,
}

/// Reads `VideoDemographics.csv`: ActorID → demographics. A bad row is an error naming its line.
pub fn demographics(path: &Path) -> Result<BTreeMap<String, Actor>, CorpusError> {
    let table = Table::read(path).map_err(|e| CorpusError::Invalid {
        corpus: "CREMA-D",
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let col = |name: &str| -> Result<Vec<Option<String>>, CorpusError> {
        table.strings(name).map_err(|e| CorpusError::Invalid {
            corpus: "CREMA-D",
            path: path.to_owned(),
            message: e.to_string(),
        })
    };
    let (ids, ages, sexes, races, eths) = (
        col("ActorID")?,
        col("Age")?,
        col("Sex")?,
        col("Race")?,
        col("Ethnicity")?,
    );
    let mut out = BTreeMap::new();
    for row in 0..ids.len() {
        let bad = |message: String| CorpusError::Line {
            path: path.to_owned(),
            line: row + 2,
            message,
        };
        let id = ids[row]
            .clone()
            .ok_or_else(|| bad("empty ActorID".into()))?;
        let age_text = ages[row].clone().unwrap_or_default();
        let age: u32 = age_text
            .trim()
            .parse()
            .map_err(|_| bad(format!("Age {age_text:?} is not a whole number")))?;
        let sex = match sexes[row].as_deref().map(str::trim) {
            Some("Male") => "male",
            Some("Female") => "female",
            other => return Err(bad(format!("Sex {other:?} is not Male or Female"))),
        };
        out.insert(
            id.trim().to_string(),
            Actor {
                age,
                sex: sex.into(),
                race: races[row].clone().unwrap_or_default(),
                ethnicity: eths[row].clone().unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// One clip name, parsed against the demographics.
pub fn parse_name(name: &str, actors: &BTreeMap<String, Actor>) -> Result<Record, String> {
    let parts: Vec<&str> = name.split('_').collect();
    let [actor, sentence, emotion, level] = parts[..] else {
        return Err("not a CREMA-D name ActorID_Sentence_Emotion_Level".into());
    };
    let Some(a) = actors.get(actor) else {
        return Err(format!("actor {actor} is not in {DEMOGRAPHICS}"));
    };
    let Some((_, text)) = SENTENCES.iter().find(|(c, _)| *c == sentence) else {
        return Err(format!("sentence code {sentence} is not one of the 12"));
    };
    let Some((_, emo)) = CODES.iter().find(|(c, _)| *c == emotion) else {
        return Err(format!(
            "emotion code {emotion} is not ANG, DIS, FEA, HAP, NEU or SAD"
        ));
    };
    let Some((_, lvl)) = LEVELS.iter().find(|(c, _)| *c == level) else {
        return Err(format!("emotion level {level} is not LO, MD, HI or XX"));
    };
    let mut r = Record::new(format!("cremad-{name}"), emo)
        .with("sex", a.sex.clone())
        .with("age", a.age.to_string())
        .with("age_band", age_band(a.age))
        .with("intensity", *lvl)
        .with("statement", sentence)
        .with("race", a.race.clone())
        .with("ethnicity", a.ethnicity.clone())
        .with("emotion_code", emotion);
    r.text = Some(text.to_string());
    r.speaker = Some(actor.to_string());
    Ok(r)
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    let Some(demo) = find_file(dir, DEMOGRAPHICS)? else {
        return Err(CorpusError::Invalid {
            corpus: "CREMA-D",
            path: dir.to_owned(),
            message: format!("no {DEMOGRAPHICS} (the actors' age, sex, race and ethnicity)"),
        });
    };
    let actors = demographics(&demo)?;
    super::from_file_names(dir, &["wav"], info(), &EMOTIONS, |p| {
        parse_name(&stem(p), &actors)
    })
}
