//! Exit codes of DESIGN.md, decided once from the kind of the error: the first error in the
//! chain whose type has a kind decides, and a chain with none is a runtime failure.

use std::error::Error as StdError;

use crate::error::{ErrorKind, HasKind};

/// Success, or every gate passed.
pub const SUCCESS: i32 = 0;
/// A gate failed.
pub const GATE_FAILED: i32 = 1;
/// Invalid input or usage.
pub const INVALID_INPUT: i32 = 2;
/// Model or runtime failure.
pub const RUNTIME_FAILURE: i32 = 3;

/// The exit code of a kind of failure.
pub fn code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Usage | ErrorKind::Input => INVALID_INPUT,
        ErrorKind::Model | ErrorKind::Runtime => RUNTIME_FAILURE,
    }
}

/// The kind of an error: that of the first cause in its chain whose type has one.
pub fn kind_of(err: &anyhow::Error) -> ErrorKind {
    err.chain()
        .find_map(kind_of_cause)
        .unwrap_or(ErrorKind::Runtime)
}

/// The exit code for an error.
pub fn code_for(err: &anyhow::Error) -> i32 {
    code(kind_of(err))
}

/// The kind of one cause, when its type is one of tonebench's error types.
fn kind_of_cause(cause: &(dyn StdError + 'static)) -> Option<ErrorKind> {
    macro_rules! kinds {
        ($($t:ty),* $(,)?) => {
            $(
                if let Some(e) = cause.downcast_ref::<$t>() {
                    return Some(e.kind());
                }
            )*
        };
    }
    kinds!(
        crate::error::UsageError,
        crate::app::AppError,
        crate::app::gate::GateError,
        crate::app::resume::ResumeError,
        crate::input::config::ConfigError,
        crate::input::table::TableError,
        crate::input::suite::SuiteError,
        crate::input::predictions::PredictionsError,
        crate::input::embeddings::EmbeddingsError,
        crate::input::gate_file::GateFileError,
        crate::input::templates::TemplatesError,
        crate::infer::InferError,
        crate::audio::AudioError,
        crate::audio::perturb::PerturbError,
        crate::store::StoreError,
        crate::store::report::ReadError,
        crate::store::baseline::BaselineError,
        crate::store::cohorts::CohortsFileError,
        crate::store::journal::JournalError,
        crate::store::shard::ShardFileError,
        crate::app::shard::ShardError,
        crate::store::lock::LockError,
        crate::render::RenderError,
        crate::track::TrackError,
        crate::corpus::CorpusError,
        tonebench_core::cohorts::CohortError,
    );
    None
}
