//! Helpers shared by the integration tests; `gates` holds the world of the gate and baseline
//! tests.

pub mod calls;
pub mod gates;
pub mod mlflow;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The built `tonebench` binary.
pub fn tonebench() -> Command {
    Command::cargo_bin("tonebench").expect("the tonebench binary is built")
}

/// The repository root: the folder cargo runs the tests in, not the one they were built in (a
/// target folder shared by several checkouts, as CI's is, may hold a binary built in another).
pub fn root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
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
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    // Every report.json a test reads is also checked against docs/schemas/report.schema.json.
    if path.file_name().is_some_and(|n| n == "report.json") {
        crate::schemas::check("report.schema.json", &v, path);
    }
    v
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

/// Whether the GPU tests run: `TONEBENCH_GPU_TESTS=1` and CUDA works. Prints why a test is
/// skipped when the variable is unset or the machine has no NVIDIA driver; panics with
/// `tonebench doctor`'s words when it is set, the driver is there and CUDA still fails.
pub fn gpu_ready(test: &str) -> bool {
    if std::env::var("TONEBENCH_GPU_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped {test}: set TONEBENCH_GPU_TESTS=1 on a machine with an NVIDIA GPU (after make setup-gpu)");
        return false;
    }
    if !ort(test) {
        return false;
    }
    let info = tonebench::infer::doctor().unwrap();
    let cuda = info
        .providers
        .iter()
        .find(|(n, _)| n == "CUDA")
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    if cuda == "ok" {
        return true;
    }
    let driver = tonebench::infer::gpu::DRIVER_LIB;
    let no_driver = info
        .gpu_libraries
        .iter()
        .any(|(n, s)| n == driver && s.starts_with("missing"));
    if no_driver {
        eprintln!(
            "skipped {test}: TONEBENCH_GPU_TESTS=1 but this machine has no NVIDIA driver: {cuda}"
        );
        return false;
    }
    panic!("TONEBENCH_GPU_TESTS=1 but CUDA does not work here: {cuda}");
}

/// `../shared` beside the checkout with its `models/` folder, or None with a message.
pub fn shared_models() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("models").is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared not found");
        None
    }
}

/// A CSV table (read with tonebench's own table reader) as rows of named fields.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let t = tonebench::input::table::Table::read(path).unwrap();
    let cols: Vec<(String, Vec<Option<String>>)> = t
        .columns()
        .iter()
        .map(|c| (c.clone(), t.strings(c).unwrap()))
        .collect();
    (0..t.height())
        .map(|r| {
            cols.iter()
                .map(|(name, v)| (name.clone(), v[r].clone().unwrap_or_default()))
                .collect()
        })
        .collect()
}

/// The RAVDESS dev suite without its "surprised" items: (id, text, wav path) per item, and the
/// audio files as the references name them (`wav/…`).
pub struct Ravdess {
    pub inputs: Vec<(String, String, PathBuf)>,
    pub files: Vec<String>,
}

pub fn ravdess(shared: &Path) -> Ravdess {
    let suite = shared.join("suites/ravdess-dev");
    let root = suite.join("../../data/ravdess-dev/wav");
    let items = read_csv(&suite.join("items.csv"));
    let keep: Vec<_> = items.iter().filter(|r| r["label"] != "surprised").collect();
    Ravdess {
        inputs: keep
            .iter()
            .map(|r| (r["id"].clone(), r["text"].clone(), root.join(&r["audio"])))
            .collect(),
        files: keep.iter().map(|r| format!("wav/{}", r["audio"])).collect(),
    }
}

/// xorshift64*: random test cases that are the same on every run, with no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// The error of loading the model spec `dir/m.toml`: a three-label model named `m` with `body`
/// after its labels.
pub fn spec_error(dir: &Path, body: &str) -> String {
    let spec = dir.join("m.toml");
    std::fs::write(
        &spec,
        format!(
            "format-version = 1\nname = \"m\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\n{body}"
        ),
    )
    .unwrap();
    tonebench::infer::spec::load(&spec).unwrap_err().to_string()
}
