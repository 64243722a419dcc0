//! Exit codes come from the kind of an error, never from its message: the same error types with
//! other words keep their codes, and a message that once decided a code decides nothing now.

use std::path::PathBuf;

use tonebench::cli::exit::{code_for, INVALID_INPUT, RUNTIME_FAILURE};
use tonebench::infer::InferError;

fn code(e: impl Into<anyhow::Error>) -> i32 {
    code_for(&e.into())
}

#[test]
fn renaming_a_message_does_not_move_the_exit_code() {
    for msg in [
        "tokenizer: not JSON",
        "labels: missing",
        "file not found",
        "anything at all",
    ] {
        // A file the spec names that does not fit: invalid input, whatever it says.
        let input = InferError::ModelInput {
            file: "m.toml".into(),
            msg: msg.into(),
        };
        assert_eq!(code(input), INVALID_INPUT, "{msg}");
        // A graph ONNX Runtime cannot run: a model failure, even when its words are those that
        // once meant invalid input.
        let model = InferError::Model {
            file: "m.onnx".into(),
            msg: msg.into(),
        };
        assert_eq!(code(model), RUNTIME_FAILURE, "{msg}");
        assert_eq!(
            code(InferError::Item {
                id: "a".into(),
                msg: msg.into()
            }),
            INVALID_INPUT
        );
        assert_eq!(
            code(InferError::ItemRun {
                id: "a".into(),
                msg: msg.into()
            }),
            RUNTIME_FAILURE
        );
        assert_eq!(
            code(tonebench::error::UsageError(msg.into())),
            INVALID_INPUT
        );
    }
}

#[test]
fn the_first_error_with_a_kind_in_a_chain_decides() {
    // Context added on top never changes the code.
    let e = anyhow::Error::new(InferError::Spec {
        file: "m.toml".into(),
        msg: "x".into(),
    })
    .context("[cohorts] embedding-model")
    .context("stopped");
    assert_eq!(code_for(&e), INVALID_INPUT);
    // A failure to write an output is the environment's, not the user's.
    let write = tonebench::store::StoreError::Write {
        path: PathBuf::from("out/report.json"),
        source: std::io::Error::other("disk full"),
    };
    assert_eq!(code(write), RUNTIME_FAILURE);
    // An error of no tonebench type is a runtime failure.
    assert_eq!(code_for(&anyhow::anyhow!("who knows")), RUNTIME_FAILURE);
}
