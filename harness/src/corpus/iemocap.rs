//! IEMOCAP (Busso et al. 2008): `SessionN/dialog/EmoEvaluation/<dialog>.txt`, one line per
//! utterance `[start - end]\tSes01F_impro01_F000\tneu\t[V, A, D]`; audio in
//! `SessionN/sentences/wav/<dialog>/<utterance>.wav`, text in
//! `SessionN/dialog/transcriptions/<dialog>.txt` (`Ses01F_impro01_F000 [006.2901-008.2357]: text`).
//!
//! The speaker is the session plus the gender letter of the utterance's own turn (the last
//! `_` field): `Ses01F_impro01_M000` is the male actor of session 1, `Ses01M`, although the
//! dialog's name starts `Ses01F` (which only says who wore the markers). Emotion codes: neu,
//! hap, exc, sad, ang, fru, fea, sur, dis, oth, xxx (no majority: `no_agreement`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{files_under, shown, CorpusError, Info, Parsed, Record, Skip};

/// Emotion codes and the names tonebench writes.
pub const CODES: [(&str, &str); 11] = [
    ("neu", "neutral"),
    ("hap", "happy"),
    ("exc", "excited"),
    ("sad", "sad"),
    ("ang", "angry"),
    ("fru", "frustrated"),
    ("fea", "fearful"),
    ("sur", "surprised"),
    ("dis", "disgust"),
    ("oth", "other"),
    ("xxx", "no_agreement"),
];

const EMOTIONS: [&str; 10] = [
    "neutral",
    "happy",
    "excited",
    "sad",
    "angry",
    "frustrated",
    "fearful",
    "surprised",
    "disgust",
    "other",
];

pub fn info() -> Info {
    Info {
        name: "IEMOCAP",
        version: "release 1 (USC SAIL)".into(),
        license: "IEMOCAP release agreement (research use, no redistribution)",
        citation: "Busso et al. 2008, Language Resources and Evaluation 42(4):335-359",
    }
}

/// The parts of an utterance id: session number, speaker (`Ses01M`), sex, dialog, whether
/// improvised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub session: u32,
    pub speaker: String,
    pub sex: &'static str,
    pub dialog: String,
    pub improvised: bool,
}

/// Parses `Ses01F_impro01_M000` (or `Ses01F_script01_1_F012`, `Ses05M_script01_1b_M003`).
pub fn parse_utterance(id: &str) -> Result<Utterance, String> {
    let bad = || format!("utterance id {id:?} is not SesNN[FM]_<dialog>_[FM]NNN");
    let (dialog, turn) = id.rsplit_once('_').ok_or_else(bad)?;
    if !id.starts_with("Ses") || id.len() < 6 || !id.is_ascii() {
        return Err(bad());
    }
    let session: u32 = id[3..5].parse().map_err(|_| bad())?;
    let sex = match turn.chars().next() {
        Some('F') => "female",
        Some('M') => "male",
        _ => return Err(bad()),
    };
    if turn.len() < 2 || !turn[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let improvised = if dialog.contains("_impro") {
        true
    } else if dialog.contains("_script") {
        false
    } else {
        return Err(format!(
            "dialog {dialog:?} is neither improvised (_impro) nor scripted (_script)"
        ));
    };
    Ok(Utterance {
        session,
        speaker: format!("Ses{session:02}{}", &turn[..1]),
        sex,
        dialog: dialog.to_string(),
        improvised,
    })
}

/// One utterance's summary line of an evaluation file.
struct EvalLine {
    start: String,
    end: String,
    id: String,
    code: String,
    vad: [String; 3],
}

/// One evaluation line; `None` for lines that are not an utterance's summary line.
fn evaluation_line(line: &str) -> Option<Result<EvalLine, String>> {
    let line = line.trim();
    if !line.starts_with('[') {
        return None;
    }
    let close = line.find(']')?;
    let (start, end) = line[1..close].split_once('-')?;
    let rest: Vec<&str> = line[close + 1..].split_whitespace().collect();
    if rest.len() < 2 {
        return Some(Err(
            "expected [start - end] utterance emotion [V, A, D]".into()
        ));
    }
    let vad_text = rest[2..].join(" ");
    let vad: Vec<String> = vad_text
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let vad = match vad[..] {
        [ref v, ref a, ref d] if [v, a, d].iter().all(|x| x.parse::<f64>().is_ok()) => {
            [v.clone(), a.clone(), d.clone()]
        }
        _ => {
            return Some(Err(format!(
                "V, A, D {vad_text:?} is not three numbers in brackets"
            )))
        }
    };
    Some(Ok(EvalLine {
        start: start.trim().to_string(),
        end: end.trim().to_string(),
        id: rest[0].to_string(),
        code: rest[1].to_string(),
        vad,
    }))
}

/// The transcriptions of one dialog: utterance id → text.
fn transcriptions(path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = crate::open::read_to_string(path) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| {
            let (id, rest) = l.split_once(' ')?;
            let (_, said) = rest.split_once("]:")?;
            Some((id.trim().to_string(), said.trim().to_string()))
        })
        .collect()
}

pub fn parse(dir: &Path) -> Result<Parsed, CorpusError> {
    let evaluations: Vec<PathBuf> = files_under(dir, &["txt"])?
        .into_iter()
        .filter(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n == "EmoEvaluation")
        })
        .collect();
    if evaluations.is_empty() {
        return Err(CorpusError::Invalid {
            corpus: "IEMOCAP",
            path: dir.to_owned(),
            message: "no SessionN/dialog/EmoEvaluation/*.txt files".into(),
        });
    }
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for eval in evaluations {
        // SessionN/dialog/EmoEvaluation/<dialog>.txt
        let dialog_dir = eval.parent().and_then(Path::parent).unwrap_or(dir);
        let session_dir = dialog_dir.parent().unwrap_or(dir);
        let dialog_name = super::stem(&eval);
        let said = transcriptions(
            &dialog_dir
                .join("transcriptions")
                .join(format!("{dialog_name}.txt")),
        );
        let text = crate::open::read_to_string(&eval).map_err(|source| CorpusError::Io {
            path: eval.clone(),
            source,
        })?;
        for (n, line) in text.lines().enumerate() {
            let at = format!("{}:{}", shown(&eval, dir), n + 1);
            let EvalLine {
                start,
                end,
                id,
                code,
                vad,
            } = match evaluation_line(line) {
                None => continue,
                Some(Err(why)) => {
                    skipped.push(Skip::new(at, why));
                    continue;
                }
                Some(Ok(x)) => x,
            };
            let u = match parse_utterance(&id) {
                Ok(u) => u,
                Err(why) => {
                    skipped.push(Skip::new(at, why));
                    continue;
                }
            };
            let Some((_, emotion)) = CODES.iter().find(|(c, _)| *c == code) else {
                skipped.push(Skip::new(
                    at,
                    format!("emotion code {code:?} is not an IEMOCAP code"),
                ));
                continue;
            };
            let mut r = Record::new(format!("iemocap-{id}"), emotion)
                .with("sex", u.sex)
                .with("session", u.session.to_string())
                .with("dialog", u.dialog.clone())
                .with(
                    "dialog_type",
                    if u.improvised {
                        "improvised"
                    } else {
                        "scripted"
                    },
                )
                .with("valence_score", vad[0].clone())
                .with("arousal_score", vad[1].clone())
                .with("dominance_score", vad[2].clone())
                .with("start_s", start)
                .with("end_s", end)
                .with("emotion_code", code);
            r.speaker = Some(u.speaker);
            r.text = said.get(&id).cloned();
            r.audio = Some(
                session_dir
                    .join("sentences")
                    .join("wav")
                    .join(&u.dialog)
                    .join(format!("{id}.wav")),
            );
            records.push(r);
        }
    }
    Ok(Parsed {
        info: info(),
        records,
        skipped,
        emotions: &EMOTIONS,
    })
}
