//! The label schemes of `suite import --labels` and the default valence mapping (DESIGN.md).
//!
//! Every importer spells emotions in one vocabulary (`neutral`, `calm`, `happy`, `sad`, `angry`,
//! `fearful`, `disgust`, `surprised`, and the corpus-specific `boredom`, `excited`,
//! `frustrated`, `contempt`, `pleasant_surprise`, `other`, `no_agreement`), keeping the corpus's
//! own code in `emotion_code`; the schemes below work on that vocabulary.

use super::Record;

/// Which labels an imported suite scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// negative / neutral / positive, by [`valence`] (or the corpus's own sentiment).
    Valence,
    /// The corpus's emotions.
    Emotion,
    /// The standard 4-class setup of IEMOCAP: neutral, happy (with excited merged), sad, angry.
    FourClass,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "valence" => Some(Scheme::Valence),
            "emotion" => Some(Scheme::Emotion),
            "emotion4" | "four-class" => Some(Scheme::FourClass),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Valence => "valence",
            Scheme::Emotion => "emotion",
            Scheme::FourClass => "emotion4",
        }
    }
}

/// The valence labels, in the order every imported valence suite lists them.
pub const VALENCE: [&str; 3] = ["negative", "neutral", "positive"];

/// The default valence of an emotion; `None` drops it (surprise is ambiguous, `other` and
/// `no_agreement` have no emotion).
pub fn valence(emotion: &str) -> Option<&'static str> {
    match emotion {
        "neutral" | "calm" => Some("neutral"),
        "happy" | "excited" | "pleasant_surprise" => Some("positive"),
        "sad" | "angry" | "fearful" | "disgust" | "frustrated" | "contempt" | "boredom" => {
            Some("negative")
        }
        _ => None,
    }
}

/// The 4-class label of an emotion (excited counts as happy); `None` drops it.
pub fn four_class(emotion: &str) -> Option<&'static str> {
    match emotion {
        "neutral" => Some("neutral"),
        "happy" | "excited" => Some("happy"),
        "sad" => Some("sad"),
        "angry" => Some("angry"),
        _ => None,
    }
}

/// The label of a record under a scheme, or `None` when the scheme drops it.
pub fn label_of(scheme: Scheme, r: &Record) -> Option<String> {
    match scheme {
        Scheme::Valence => match &r.sentiment {
            Some(s) => VALENCE.contains(&s.as_str()).then(|| s.clone()),
            None => valence(&r.emotion).map(str::to_string),
        },
        Scheme::Emotion => {
            (!matches!(r.emotion.as_str(), "no_agreement" | "")).then(|| r.emotion.clone())
        }
        Scheme::FourClass => four_class(&r.emotion).map(str::to_string),
    }
}

/// Why a scheme drops an emotion, for the skip report.
pub fn why_dropped(scheme: Scheme, emotion: &str) -> &'static str {
    match (scheme, emotion) {
        (_, "no_agreement") => "the annotators did not agree",
        (Scheme::Valence, "surprised") => "surprise is ambiguous in valence",
        (Scheme::Valence, _) => "no valence in the default mapping",
        (Scheme::FourClass, _) => "not one of neutral, happy (+excited), sad, angry",
        (Scheme::Emotion, _) => "no emotion label",
    }
}

/// The label set of an imported suite: the valence or 4-class labels in their fixed order, or
/// the corpus's emotions in its documented order (those present, then any others sorted).
pub fn label_set<'a>(
    scheme: Scheme,
    documented: &[&str],
    present: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut present: Vec<&str> = present.collect();
    present.sort_unstable();
    present.dedup();
    let ordered: Vec<&str> = match scheme {
        Scheme::Valence => VALENCE.to_vec(),
        Scheme::FourClass => vec!["neutral", "happy", "sad", "angry"],
        Scheme::Emotion => {
            let mut v: Vec<&str> = documented
                .iter()
                .copied()
                .filter(|e| present.contains(e))
                .collect();
            v.extend(present.iter().filter(|e| !documented.contains(e)));
            v
        }
    };
    ordered.into_iter().map(str::to_string).collect()
}
