//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The built `tonebench` binary.
pub fn tonebench() -> Command {
    Command::cargo_bin("tonebench").expect("the tonebench binary is built")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, or `None` with a message saying the test is skipped.
pub fn shared(test: &str) -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("DESIGN.md").is_file() {
        Some(p)
    } else {
        eprintln!("skipped {test}: ../shared not found beside the checkout");
        None
    }
}

/// Writes a suite folder with the given manifest and files.
pub fn write_suite(dir: &Path, manifest: &str, files: &[(&str, &[u8])]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("suite.toml"), manifest).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir.to_owned()
}

/// A minimal manifest over `items.csv` with three labels.
pub const MANIFEST: &str = "format-version = 1\nname = \"t\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\n";

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Whether ONNX Runtime can be loaded; prints why a test is skipped when not.
pub fn ort(test: &str) -> bool {
    match tonebench::infer::runtime::runtime() {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped {test}: {e}");
            false
        }
    }
}
