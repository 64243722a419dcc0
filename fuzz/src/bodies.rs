//! The bodies of the fuzz targets, one function per parser of user input, so that the targets
//! (`fuzz_targets/*.rs`, run by `cargo fuzz`) and the seed smoke test of `make test`
//! (`tests/fuzz_seeds.rs`, which includes this file) run the very same code. Parsers that read
//! files are fuzzed through the code that reads them: the input is written to a scratch folder
//! (in memory where `/dev/shm` is there) and read back from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tonebench::input::predictions::Predictions;
use tonebench::input::segments::Segments;
use tonebench::input::suite::Suite;
use tonebench::input::table::Table;
use tonebench_core::labels::LabelSet;

/// A target's body: one input in, nothing out but panics.
pub type Body = fn(&[u8]);

/// Every target: its name (as `cargo fuzz run NAME` knows it) and its body.
pub const TARGETS: [(&str, Body); 8] = [
    ("table", table),
    ("suite", suite),
    ("predictions", predictions),
    ("wav", wav),
    ("model_spec", model_spec),
    ("gate", gate),
    ("conditions", conditions),
    ("segments", segments),
];

/// The table formats, in the order of the selector byte that starts a table input.
pub const TABLE_EXTENSIONS: [&str; 4] = ["csv", "tsv", "jsonl", "parquet"];

/// This process's scratch folder, emptied once at start.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("tonebench-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

/// Writes `bytes` to `name` in the scratch folder and returns its path.
fn put(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// A table file of the format the first byte picks, holding the rest of the input.
fn put_table(data: &[u8]) -> PathBuf {
    let (format, rest) = data.split_first().map_or((0, data), |(b, r)| (*b, r));
    let ext = TABLE_EXTENSIONS[usize::from(format) % TABLE_EXTENSIONS.len()];
    put(&format!("t.{ext}"), rest)
}

/// Splits an input into `n` parts at NUL bytes (the last part takes the rest).
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.splitn(n, |&b| b == 0).collect();
    out.resize(n, &[]);
    out
}

/// The items/predictions table reader: CSV, TSV, JSON Lines and Parquet bytes.
pub fn table(data: &[u8]) {
    if let Ok(t) = Table::read(&put_table(data)) {
        for c in t.columns().to_vec() {
            let _ = t.strings(&c);
            let _ = t.floats(&c);
        }
        for row in 0..t.height().min(4) {
            let _ = t.origin(row).to_string();
        }
    }
}

/// A suite: suite.toml, its items table and its segments table (NUL-separated parts).
pub fn suite(data: &[u8]) {
    let p = parts(data, 3);
    let dir = scratch().join("suite");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    write("suite.toml", p[0]);
    write("items.csv", p[1]);
    write("items.jsonl", p[1]);
    write("segments.csv", p[2]);
    let _ = Suite::load(&dir);
}

fn fixed_suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let dir = scratch().join("fixed-suite");
        std::fs::create_dir_all(&dir).expect("scratch folder");
        std::fs::write(
            dir.join("suite.toml"),
            "format-version = 1\nname = \"fuzz\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("items.csv"),
            "id,label,text\na,negative,bad\nb,neutral,so so\nc,positive,good\n",
        )
        .expect("write");
        Suite::load(&dir).expect("the fixed suite loads")
    })
}

/// A predictions table joined to a small fixed suite.
pub fn predictions(data: &[u8]) {
    let _ = Predictions::load(&put_table(data), fixed_suite());
}

/// WAV decoding, then resampling to 16 kHz of what decodes.
pub fn wav(data: &[u8]) {
    let path = Path::new("fuzz.wav");
    if let Ok(w) = tonebench::audio::decode_bytes(path, data) {
        let _ = w.duration_s();
        let _ = tonebench::audio::resample(path, &w, 16_000);
    }
}

/// A model spec (model.toml) and an embedding model spec.
pub fn model_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = scratch().join("model.toml");
    let _ = tonebench::infer::spec::parse(&path, text);
    let _ = tonebench::infer::spec::parse_embedding(&path, text);
}

/// A gate file, and each of its lines as a gate rule.
pub fn gate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(g) = tonebench::input::gate_file::parse_gates("gates.toml", text) {
        let _ = format!("{:?}", g.rules);
    }
    for line in text.lines() {
        let _ = tonebench_core::gate::Rule::parse(line);
    }
}

/// A conditions file (`run --conditions`).
pub fn conditions(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = tonebench::input::conditions::parse(&scratch().join("conditions.toml"), text);
}

/// A calls suite's segments table, against a fixed label set and label map.
pub fn segments(data: &[u8]) {
    let labels = LabelSet::new(vec!["negative".into(), "neutral".into(), "positive".into()])
        .expect("labels");
    let map: BTreeMap<String, String> = [("neg".to_string(), "negative".to_string())].into();
    if let Ok(s) = Segments::read(&put_table(data), &labels, &map) {
        let _ = s.check_ids(&|id| id.len() < 4);
        let _ = s.check_duration("a", 10.0);
    }
}
