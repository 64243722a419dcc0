//! A stable-toolchain mutation fuzzer over the fuzz targets' bodies (`fuzz/src/bodies.rs`), for
//! machines where the coverage-instrumented `cargo fuzz` build is out of reach (docs/fuzzing.md).
//! It is blind (no coverage feedback): each round takes a seed of the corpus, or an input it made
//! before, and flips, overwrites, inserts, deletes, duplicates or splices bytes, or inserts
//! numbers and tokens that parsers trip on. A panic is a crash: its input is saved under
//! `fuzz/artifacts/<target>/mutate-<hash>` and counted. An input that runs longer than 10 s stops
//! the process; the input being run is always in `<scratch>/current` to find it.
//!
//! Reproduce one with `TONEBENCH_FUZZ_REPRO=FILE TONEBENCH_FUZZ_TARGETS=TARGET cargo test --test tests
//! fuzz_mutate::reproduce`. `make test` runs 300 mutations per target. `TONEBENCH_FUZZ_MUTATE=SECONDS` runs every target
//! for that long (`TONEBENCH_FUZZ_TARGETS=a,b` picks targets) and prints one line per target.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::common::{root, Rng};
use crate::fuzz_seeds::{bodies, seeds};

/// Numbers and tokens that parsers of sizes, rates and TOML trip on.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "1e-308",
    "NaN",
    "inf",
    "-0",
    "4294967296",
    "18446744073709551616",
    "9999999999",
    "\"",
    "\"\"",
    ",",
    "\t",
    "\n",
    "\r\n",
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\0",
    "\u{feff}",
    "é",
    "𝄞",
    "null",
    "true",
    "[]",
    "\"\\u0000\"",
    "RIFF",
    "WAVE",
    "fmt ",
    "data",
    "PAR1",
    "format-version = 1\n",
    "labels = [\"a\", \"a\"]\n",
    "sample-rate = 1\n",
    "window = 0.001\n",
    "k = 1000000\n",
    "resamples = 1000000000\n",
];

/// The targets whose input's first byte picks a table format (the fourth is Parquet).
const TABLE_TARGETS: [&str; 3] = ["table", "predictions", "segments"];

/// One to four mutations of `x`; `other` is a second input to splice from.
fn mutate(rng: &mut Rng, x: &mut Vec<u8>, other: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(x.len() + 1);
        match rng.below(8) {
            0 if !x.is_empty() => {
                let i = at.min(x.len() - 1);
                x[i] ^= 1 << rng.below(8);
            }
            1 if !x.is_empty() => {
                let i = at.min(x.len() - 1);
                x[i] = [0, 0xFF, 0x7F, 0x80, b'9', b'-'][rng.below(6)];
            }
            2 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                x.splice(at..at, bytes);
            }
            3 if !x.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(x.len());
                x.drain(at.min(end)..end);
            }
            4 if !x.is_empty() && x.len() < 1 << 20 => {
                let start = rng.below(x.len());
                let end = (start + 1 + rng.below(256)).min(x.len());
                let copy = x[start..end].to_vec();
                x.splice(at..at, copy);
            }
            5 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(512)).min(other.len());
                x.splice(at..at, other[start..end].iter().copied());
            }
            6 if x.len() >= 4 => {
                // A little-endian size field overwritten (WAV and Parquet headers).
                let i = at.min(x.len() - 4);
                let v = [0u32, 1, u32::MAX, 0x7FFF_FFFF, 0x8000_0000][rng.below(5)];
                x[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                x.splice(at..at, t.iter().copied());
            }
        }
    }
}

/// What fuzzing one target found.
struct Outcome {
    runs: u64,
    crashes: u64,
    secs: f64,
    first: Option<String>,
}

/// Fuzzes `body` from `corpus` for `budget` (time) or `max_runs` (count), whichever ends first.
fn fuzz(
    target: &str,
    body: &dyn Fn(&[u8]),
    corpus: &[Vec<u8>],
    budget: Duration,
    max_runs: u64,
) -> Outcome {
    static CURRENT_START: AtomicU64 = AtomicU64::new(0);
    // TONEBENCH_FUZZ_SKIP_PARQUET=1: table inputs never pick Parquet (it kept the fuzzer running
    // while polars-parquet aborted on some page headers, refused first since: docs/fuzzing.md).
    let skip_parquet = std::env::var_os("TONEBENCH_FUZZ_SKIP_PARQUET").is_some();
    let artifacts = root().join("fuzz/artifacts").join(target);
    let current = bodies::scratch().join("current");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64 ^ (corpus.len() as u64) << 32);
    let mut made: Vec<Vec<u8>> = Vec::new();
    let started = Instant::now();
    let epoch = Instant::now();
    // A watchdog: an input running longer than 10 s ends the process (its input is `current`).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = {
        let stop = stop.clone();
        let current = current.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let s = CURRENT_START.load(Ordering::Relaxed);
                if s > 0 && epoch.elapsed().as_millis() as u64 > s + 10_000 {
                    eprintln!("fuzz: an input ran over 10 s: {}", current.display());
                    std::process::abort();
                }
            }
        })
    };
    let mut out = Outcome {
        runs: 0,
        crashes: 0,
        secs: 0.0,
        first: None,
    };
    while out.runs < max_runs && started.elapsed() < budget {
        let pool = if made.is_empty() || rng.below(2) == 0 {
            corpus
        } else {
            &made
        };
        let mut x = pool[rng.below(pool.len())].clone();
        let other = &corpus[rng.below(corpus.len())];
        mutate(&mut rng, &mut x, other);
        if skip_parquet && TABLE_TARGETS.contains(&target) && x.first().is_some_and(|b| b % 4 == 3)
        {
            x[0] = 0;
        }
        std::fs::write(&current, &x).expect("scratch file");
        CURRENT_START.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let r = catch_unwind(AssertUnwindSafe(|| body(&x)));
        CURRENT_START.store(0, Ordering::Relaxed);
        out.runs += 1;
        if let Err(e) = r {
            out.crashes += 1;
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let name = format!("mutate-{:016x}", fxhash(&x));
            std::fs::create_dir_all(&artifacts).unwrap();
            std::fs::write(artifacts.join(&name), &x).unwrap();
            out.first.get_or_insert_with(|| format!("{name}: {msg}"));
        }
        if made.len() < 4096 && rng.below(16) == 0 {
            made.push(x);
        }
    }
    stop.store(true, Ordering::Relaxed);
    watch.join().unwrap();
    out.secs = started.elapsed().as_secs_f64();
    out
}

fn fxhash(x: &[u8]) -> u64 {
    x.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn rule(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = tonebench_core::gate::Rule::parse(s);
    }
}

/// `TONEBENCH_FUZZ_REPRO=FILE TONEBENCH_FUZZ_TARGETS=TARGET`: runs one saved input through its
/// target, panic and all (the stable toolchain's way to reproduce a crash).
#[test]
fn reproduce_a_saved_input() {
    let (Ok(file), Ok(target)) = (
        std::env::var("TONEBENCH_FUZZ_REPRO"),
        std::env::var("TONEBENCH_FUZZ_TARGETS"),
    ) else {
        return;
    };
    let _scratch = crate::fuzz_seeds::SCRATCH
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(bodies::scratch()).unwrap();
    let (_, body) = bodies::TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .expect("a fuzz target");
    body(&std::fs::read(file).unwrap());
    std::fs::remove_dir_all(bodies::scratch()).unwrap();
}

#[test]
fn mutated_seeds_never_panic_a_parser() {
    let secs: Option<u64> = std::env::var("TONEBENCH_FUZZ_MUTATE")
        .ok()
        .and_then(|s| s.parse().ok());
    let only: Option<Vec<String>> = std::env::var("TONEBENCH_FUZZ_TARGETS")
        .ok()
        .map(|s| s.split(',').map(str::to_owned).collect());
    let _scratch = crate::fuzz_seeds::SCRATCH
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(bodies::scratch()).unwrap();
    let seeds = seeds();
    let mut targets: Vec<(&str, bodies::Body)> = bodies::TARGETS.to_vec();
    targets.push(("rule", rule));
    // Panics are counted and saved, not printed once per input.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = Vec::new();
    for (name, body) in targets {
        if only.as_ref().is_some_and(|o| !o.iter().any(|t| t == name)) {
            continue;
        }
        let corpus: Vec<Vec<u8>> = seeds
            .iter()
            .filter(|(t, _, _)| *t == name)
            .map(|(_, _, b)| b.clone())
            .collect();
        let (budget, max_runs) = match secs {
            Some(s) => (Duration::from_secs(s), u64::MAX),
            None => (Duration::from_secs(60), 300),
        };
        let o = fuzz(name, &body, &corpus, budget, max_runs);
        println!(
            "fuzz-mutate {name}: {} runs in {:.0} s ({:.0}/s), {} crash(es){}",
            o.runs,
            o.secs,
            o.runs as f64 / o.secs.max(1e-9),
            o.crashes,
            o.first
                .as_deref()
                .map(|f| format!(", first {f}"))
                .unwrap_or_default()
        );
        if o.crashes > 0 {
            failed.push(name.to_string());
        }
    }
    std::panic::set_hook(hook);
    let _ = std::fs::remove_dir_all(bodies::scratch());
    assert!(failed.is_empty(), "crashes in {failed:?} (fuzz/artifacts/)");
}
