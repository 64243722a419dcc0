//! Exit codes of DESIGN.md and the classification of errors into them.
//!
//! Subsystems return their own `thiserror` enums. Where an error crosses into the CLI, the
//! code that knows what it means wraps it with [`input`] or [`runtime`]; `main` walks the chain
//! and exits with the code of the first classified error (3, a runtime failure, when none is).

use std::fmt;

/// Success, or every gate passed.
pub const SUCCESS: i32 = 0;
/// A gate failed.
pub const GATE_FAILED: i32 = 1;
/// Invalid input or usage.
pub const INVALID_INPUT: i32 = 2;
/// Model or runtime failure.
pub const RUNTIME_FAILURE: i32 = 3;

/// An error tagged with the exit code it maps to. Displays as its source, so tagging never
/// changes a message.
#[derive(Debug)]
pub struct Classified {
    pub code: i32,
    source: anyhow::Error,
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:#}` prints the whole chain of the source on one line.
        write!(f, "{:#}", self.source)
    }
}

impl std::error::Error for Classified {}

/// Tags an error as invalid input (exit 2).
pub fn input(e: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Classified {
        code: INVALID_INPUT,
        source: e.into(),
    })
}

/// Tags an error as a model or runtime failure (exit 3).
pub fn runtime(e: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Classified {
        code: RUNTIME_FAILURE,
        source: e.into(),
    })
}

/// The exit code for an error: the first classified error in its chain, else a runtime failure.
pub fn code_for(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Classified>().map(|c| c.code))
        .unwrap_or(RUNTIME_FAILURE)
}
