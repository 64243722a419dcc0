//! The application layer: plans in, reports and verdicts out. It reads inputs through `input`,
//! runs models through `infer`, keeps files through `store` and renders through `render`; it
//! knows nothing of clap and prints no results (progress on stderr aside).

pub mod baseline;
pub mod compare;
pub mod demo;
pub mod embeddings;
pub mod evaluate;
pub mod finish;
pub mod gate;
pub mod leakage;
pub mod merge;
pub mod paths;
pub mod perturb;
pub mod profile;
pub mod profile_merge;
pub mod profile_providers;
pub mod profile_shard;
pub mod resume;
pub mod robustness;
pub mod run;
pub mod score;
pub mod shard;
pub mod source;
pub mod streaming;
pub mod track;

use std::path::PathBuf;

use crate::error::{ErrorKind, HasKind};

/// Failures the app layer itself finds: inputs that are each fine but do not fit together.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("--name must not be empty")]
    EmptyName,
    #[error("--cohorts-from given, but suite {0} has no [cohorts] section")]
    NoCohortsSection(String),
    #[error("cannot find the bundled demo suite suites/demo; run tonebench demo from the tonebench checkout")]
    NoDemoSuite,
    #[error("{0}: name is empty")]
    EmptyModelName(PathBuf),
    #[error("two models are named \"{0}\"; give each spec its own name")]
    DuplicateModel(String),
    #[error("{dir} holds predictions of other models ({models}); --resume needs the same --model set as the interrupted run")]
    OtherModels { dir: PathBuf, models: String },
    #[error("{journal}: the entry for item \"{id}\" of model \"{model}\" has {found} probabilities, the suite has {labels} labels; the journal was altered — use a new --out")]
    JournalWidth {
        journal: PathBuf,
        id: String,
        model: String,
        found: usize,
        labels: usize,
    },
    #[error("cannot resume model \"{0}\": its files or batch size changed since the interrupted run; use a new --out")]
    ModelChanged(String),
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("suite {0} has no items to profile")]
    NothingToProfile(String),
    #[error("{0}")]
    Profile(String),
    #[error("batch {0}: no call was timed")]
    NothingTimed(usize),
    #[error("{0}")]
    ProviderFallback(String),
    #[error(
        "--window: model {0} takes no audio; streaming evaluation is for audio and hybrid models"
    )]
    StreamTextModel(String),
    #[error("--window: item \"{0}\" has no audio; every item of a streamed suite is a recording")]
    StreamNoAudio(String),
    #[error("--speech silero-vad: Silero VAD's graph not found (looked at TONEBENCH_VAD and .vad/silero_vad.onnx); run scripts/setup-vad.sh (or make setup), or choose --speech energy")]
    NoVad,
    #[error("--speech model: model {0} declares no speech output; add a [speech] section (output = \"...\") to its spec, or choose another --speech source")]
    NoModelSpeech(String),
    #[error("perturb: {0}")]
    Perturb(String),
}

impl HasKind for AppError {
    fn kind(&self) -> ErrorKind {
        match self {
            AppError::EmptyName
            | AppError::NoCohortsSection(_)
            | AppError::NoDemoSuite
            | AppError::EmptyModelName(_)
            | AppError::DuplicateModel(_)
            | AppError::OtherModels { .. }
            | AppError::JournalWidth { .. }
            | AppError::ModelChanged(_)
            | AppError::Read { .. }
            | AppError::NothingToProfile(_)
            | AppError::Profile(_)
            | AppError::StreamTextModel(_)
            | AppError::StreamNoAudio(_)
            | AppError::NoVad
            | AppError::NoModelSpeech(_)
            | AppError::Perturb(_) => ErrorKind::Input,
            AppError::NothingTimed(_) | AppError::ProviderFallback(_) => ErrorKind::Model,
        }
    }
}
