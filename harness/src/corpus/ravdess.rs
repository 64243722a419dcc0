//! RAVDESS (Livingstone & Russo 2018): `MM-VC-EE-II-SS-RR-AA.wav` — modality (01 full AV,
//! 02 video only, 03 audio only), vocal channel (01 speech, 02 song), emotion (01 neutral,
//! 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust, 08 surprised), intensity
//! (01 normal, 02 strong; neutral has normal only), statement (01 "Kids are talking by the
//! door", 02 "Dogs are sitting by the door"), repetition (01, 02), actor (01–24; odd male, even
//! female). Only audio-only files (modality 03) are imported; the others are reported.

use std::path::Path;

use super::{stem, CorpusError, Info, Parsed, Record};

/// Emotion codes 01..08, in the corpus's order.
pub const EMOTIONS: [&str; 8] = [
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
];

/// The two statements, by code 01 and 02.
pub const STATEMENTS: [&str; 2] = [
    "Kids are talking by the door",
    "Dogs are sitting by the door",
];

pub fn info() -> Info {
    Info {
        name: "RAVDESS",
        version: "1.0.0 (zenodo 1188976)".into(),
        license: "CC BY-NC-SA 4.0",
        citation: "Livingstone & Russo 2018, PLoS ONE 13(5):e0196391",
    }
}

/// One file name, parsed; `Err` says why it is off the naming scheme.
pub fn parse_name(name: &str) -> Result<Record, String> {
    let parts: Vec<&str> = name.split('-').collect();
    if parts.len() != 7
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("not a RAVDESS name MM-VC-EE-II-SS-RR-AA (seven 2-digit fields)".into());
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (modality, channel, emotion, intensity, statement, repetition, actor) =
        (n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
    if modality != 3 {
        return Err(match modality {
            1 | 2 => format!(
                "modality {:02} is video (only 03, audio-only, is imported)",
                modality
            ),
            m => format!("modality {m:02} is not one of 01, 02, 03"),
        });
    }
    let channel = match channel {
        1 => "speech",
        2 => "song",
        c => {
            return Err(format!(
                "vocal channel {c:02} is not 01 (speech) or 02 (song)"
            ))
        }
    };
    let Some(emotion) = EMOTIONS.get((emotion as usize).wrapping_sub(1)) else {
        return Err(format!("emotion {emotion:02} is not 01..08"));
    };
    let intensity = match intensity {
        1 => "normal",
        2 => "strong",
        i => {
            return Err(format!(
                "intensity {i:02} is not 01 (normal) or 02 (strong)"
            ))
        }
    };
    let Some(text) = STATEMENTS.get((statement as usize).wrapping_sub(1)) else {
        return Err(format!("statement {statement:02} is not 01 or 02"));
    };
    if !(1..=2).contains(&repetition) {
        return Err(format!("repetition {repetition:02} is not 01 or 02"));
    }
    if !(1..=24).contains(&actor) {
        return Err(format!("actor {actor:02} is not 01..24"));
    }
    let sex = if actor % 2 == 1 { "male" } else { "female" };
    let mut r = Record::new(format!("ravdess-{name}"), emotion)
        .with("sex", sex)
        .with("intensity", intensity)
        .with("statement", parts[4])
        .with("vocal_channel", channel)
        .with("repetition", parts[5])
        .with("emotion_code", parts[2]);
    r.text = Some(text.to_string());
    r.speaker = Some(format!("actor{}", parts[6]));
    Ok(r)
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    super::from_file_names(dir, &["wav", "mp4"], info(), &EMOTIONS, |p| {
        parse_name(&stem(p))
    })
}
