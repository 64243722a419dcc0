//! The fuzz targets' seed corpus, from the tests' fixtures, the bundled suites and the docs'
//! examples, and a smoke run of every target's body over it (the bodies are `fuzz/src/bodies.rs`,
//! included here, so `make test` needs no nightly toolchain). With `TONEBENCH_FUZZ_CORPUS=DIR`
//! the seeds are also written to `DIR/<target>/` — `scripts/fuzz.sh corpus` does that.

#[path = "../fuzz/src/bodies.rs"]
#[allow(dead_code)]
pub mod bodies;

/// Held by the tests that use the bodies' scratch folder (one per process), which they empty.
pub static SCRATCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

use std::path::{Path, PathBuf};

use crate::common::root;

/// WAV seeds: the small fixtures and the first few demo clips (the corpus stays small).
const WAV_SEEDS: usize = 6;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The ```toml blocks of the docs.
fn toml_blocks() -> Vec<String> {
    let mut docs = Vec::new();
    files(&root().join("docs"), &mut docs);
    docs.push(root().join("README.md"));
    docs.sort();
    let mut out = Vec::new();
    for d in docs
        .iter()
        .filter(|d| d.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(d).unwrap();
        for block in text.split("```toml\n").skip(1) {
            out.push(block.split("```").next().unwrap().to_owned());
        }
    }
    out
}

/// Every seed: `(target, name, bytes)`.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut all = Vec::new();
    for dir in ["tests/fixtures", "suites"] {
        files(&root().join(dir), &mut all);
    }
    all.sort();
    let mut out = Vec::new();
    let name = |p: &Path| {
        p.strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace(['/', '\\'], "_")
    };
    let mut wavs = 0;
    for p in &all {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        let file = p.file_name().unwrap().to_string_lossy();
        let bytes = std::fs::read(p).unwrap();
        if let Some(f) = bodies::TABLE_EXTENSIONS.iter().position(|e| *e == ext) {
            let mut t = vec![f as u8];
            t.extend_from_slice(&bytes);
            out.push(("table", name(p), t.clone()));
            if file.contains("pred") {
                out.push(("predictions", name(p), t.clone()));
            }
            if file.contains("segments") {
                out.push(("segments", name(p), t));
            }
        }
        if ext == "wav" && (wavs < WAV_SEEDS || !p.starts_with(root().join("suites"))) {
            wavs += 1;
            out.push(("wav", name(p), bytes.clone()));
        }
        if ext == "toml" && file != "suite.toml" {
            out.push(("model_spec", name(p), bytes.clone()));
        }
        if file == "suite.toml" {
            // suite.toml, NUL, its items table, NUL, its segments table.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let dir = p.parent().unwrap();
            let named = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .and_then(|v| v.split('"').nth(1))
                    .and_then(|f| std::fs::read(dir.join(f)).ok())
                    .unwrap_or_default()
            };
            let items = named("items = ");
            let segments = named("segments = ");
            // The fuzz suite's items file is items.csv or items.jsonl.
            let ext = if text.contains(".jsonl\"") {
                "jsonl"
            } else {
                "csv"
            };
            let manifest = text
                .lines()
                .map(|l| {
                    if l.starts_with("items = ") {
                        format!("items = \"items.{ext}\"")
                    } else if l.starts_with("segments = ") {
                        "segments = \"segments.csv\"".to_string()
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            let mut s = manifest.into_bytes();
            s.push(0);
            s.extend_from_slice(&items);
            s.push(0);
            s.extend_from_slice(&segments);
            out.push(("suite", name(p), s));
        }
    }
    let mut examples = Vec::new();
    files(&root().join("docs/examples"), &mut examples);
    examples.sort();
    for p in examples
        .iter()
        .filter(|p| p.to_string_lossy().contains("gates"))
    {
        out.push(("gate", name(p), std::fs::read(p).unwrap()));
    }
    for (i, block) in toml_blocks().into_iter().enumerate() {
        let target = if block.contains("[[condition]]") {
            "conditions"
        } else if block.contains("[[gate]]")
            || block.contains("[[non-inferiority]]")
            || block.contains("[[mcnemar]]")
        {
            "gate"
        } else if block.contains("[text]") || block.contains("[audio]") {
            "model_spec"
        } else {
            continue;
        };
        out.push((target, format!("docs-{i}.toml"), block.into_bytes()));
    }
    // The rule language alone (`rule`, a target of the core): every rule of the gate seeds.
    let rules: Vec<(String, Vec<u8>)> = out
        .iter()
        .filter(|(t, _, _)| *t == "gate")
        .flat_map(|(_, name, bytes)| {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let rules: Vec<String> = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("rule = \""))
                .filter_map(|r| r.split('"').next())
                .map(str::to_owned)
                .collect();
            rules
                .into_iter()
                .enumerate()
                .map(move |(i, r)| (format!("{name}-{i}"), r.into_bytes()))
        })
        .collect();
    out.extend(rules.into_iter().map(|(n, b)| ("rule", n, b)));
    out
}

#[test]
fn every_fuzz_target_runs_over_its_seed_corpus() {
    let _scratch = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(bodies::scratch()).unwrap();
    let seeds = seeds();
    for (target, _) in bodies::TARGETS {
        let n = seeds.iter().filter(|(t, _, _)| *t == target).count();
        assert!(n > 0, "no seeds for fuzz target {target}");
    }
    let corpus = std::env::var_os("TONEBENCH_FUZZ_CORPUS").map(PathBuf::from);
    for (target, name, bytes) in &seeds {
        match bodies::TARGETS.iter().find(|(t, _)| t == target) {
            Some((_, body)) => body(bytes),
            None => {
                let rule = tonebench_core::gate::Rule::parse(std::str::from_utf8(bytes).unwrap());
                assert!(rule.is_ok(), "{target} seed {name}: {rule:?}");
            }
        }
        if let Some(dir) = &corpus {
            let dir = dir.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    std::fs::remove_dir_all(bodies::scratch()).unwrap();
}

/// A data page whose header declares a negative value count made polars-parquet reserve a 2^61
/// byte bitmap and abort the process (no panic to contain); input/table/pages.rs now refuses
/// the file first, naming the page.
#[test]
fn a_parquet_page_with_a_negative_value_count_is_a_parse_error() {
    let _scratch = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(bodies::scratch()).unwrap();
    let bytes = std::fs::read(root().join("tests/fixtures/fuzz/table/parquet-page-negative-count"))
        .unwrap();
    let file = bodies::scratch().join("negative.parquet");
    std::fs::write(&file, &bytes[1..]).unwrap();
    let e = tonebench::input::table::Table::read(&file)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("negative.parquet")
            && e.contains("a data page declares a negative number of values"),
        "{e}"
    );
    std::fs::remove_dir_all(bodies::scratch()).unwrap();
}

/// The inputs fuzzing found crashes with (issue 18), kept as regressions: `tests/fixtures/fuzz/
/// <target>/<name>` runs through the target's body without a panic. table: corrupt Parquet files
/// on which polars-parquet panicked (contained since: input/table/contain.rs) or aborted (refused
/// before polars reads them since: input/table/pages.rs).
#[test]
fn inputs_that_crashed_a_fuzz_target_now_run_cleanly() {
    let _scratch = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(bodies::scratch()).unwrap();
    let mut found = 0;
    for (target, body) in bodies::TARGETS {
        let mut inputs = Vec::new();
        files(
            &root().join("tests/fixtures/fuzz").join(target),
            &mut inputs,
        );
        inputs.sort();
        for p in inputs {
            let bytes = std::fs::read(&p).unwrap();
            let r = std::panic::catch_unwind(|| body(&bytes));
            assert!(r.is_ok(), "{target}: {} panics", p.display());
            found += 1;
            if target == "table" {
                // Read as the file it is: an error naming it, never a panic.
                let ext = bodies::TABLE_EXTENSIONS[usize::from(bytes[0]) % 4];
                let file = bodies::scratch().join(format!("regression.{ext}"));
                std::fs::write(&file, &bytes[1..]).unwrap();
                if let Err(e) = tonebench::input::table::Table::read(&file) {
                    let e = e.to_string();
                    println!("{}: {e}", p.display());
                    assert!(e.contains("regression."), "{e}");
                }
            }
        }
    }
    assert!(found > 0, "no regression inputs in tests/fixtures/fuzz");
    std::fs::remove_dir_all(bodies::scratch()).unwrap();
}
