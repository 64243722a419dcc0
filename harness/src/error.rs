//! What kind of failure an error is. Every subsystem error type has a `kind()` returning one of
//! these; the command line (`cli::exit`) turns the kind into the exit code of DESIGN.md in one
//! exhaustive `match`. No message text decides anything.

/// The kinds of failure tonebench distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A command-line argument is wrong or two arguments contradict each other.
    Usage,
    /// A file the user gave (suite, predictions, model spec, gate file, report, baseline) is
    /// missing, malformed or does not fit the rest of the input.
    Input,
    /// A model could not be loaded or run, or ONNX Runtime failed.
    Model,
    /// The environment failed: an output could not be written, a thread died.
    Runtime,
}

/// An error raised where the arguments are checked, before any work starts.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// An error type that knows its kind.
pub trait HasKind {
    fn kind(&self) -> ErrorKind;
}

impl HasKind for UsageError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// Cohort definitions that do not fit the suite, embeddings that cannot be clustered: the
/// user's input.
impl HasKind for tonebench_core::cohorts::CohortError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}
