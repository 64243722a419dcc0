//! Golden runs: the demo and runs of the real models over `../shared`, recorded by
//! `scripts/golden.sh` under `tests/fixtures/golden/NAME/`. The current build must
//! - render each recorded report.json to the recorded report.md and report.html byte for byte,
//!   and serialize it back to the same bytes;
//! - rerun each case to the same report.json, report.md and report.html byte for byte, and the
//!   same predictions.parquet cell for cell, timings aside (no two runs take the same
//!   milliseconds: the `latency_ms` column is masked).

use std::path::{Path, PathBuf};

use tonebench::input::table::Table;
use tonebench_core::report::Report;

use crate::common::{ort, root, shared, tonebench};

const FILES: [&str; 4] = [
    "report.json",
    "report.md",
    "report.html",
    "predictions.parquet",
];

struct Case {
    name: String,
    args: Vec<String>,
    needs_shared: bool,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/golden/cases.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut words = l.split_whitespace().map(str::to_string);
            let name = words.next().unwrap();
            let args: Vec<String> = words.collect();
            Case {
                needs_shared: args.iter().any(|a| a.contains("{shared}")),
                name,
                args,
            }
        })
        .collect()
}

fn golden(name: &str) -> PathBuf {
    root().join("tests/fixtures/golden").join(name)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first line where two texts differ, for a message that can be acted on.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  recorded: {x}\n  now:      {y}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

fn assert_same_text(what: &str, recorded: &[u8], now: &[u8]) {
    if recorded != now {
        panic!(
            "{what} differs from its golden file: {}",
            first_difference(
                &String::from_utf8_lossy(recorded),
                &String::from_utf8_lossy(now)
            )
        );
    }
}

#[test]
fn recorded_reports_render_to_the_recorded_markdown_and_html() {
    for case in cases() {
        let dir = golden(&case.name);
        let json = read(&dir.join("report.json"));
        let report: Report = serde_json::from_slice(&json).unwrap();
        assert_same_text(
            &format!("{} report.json (round trip)", case.name),
            &json,
            &tonebench::store::report::report_json(&report),
        );
        let md = tonebench::render::markdown::render(&report).unwrap();
        assert_same_text(
            &format!("{} report.md", case.name),
            &read(&dir.join("report.md")),
            md.as_bytes(),
        );
        let html = tonebench::render::render_html(&report, &Default::default()).unwrap();
        assert_same_text(
            &format!("{} report.html", case.name),
            &read(&dir.join("report.html")),
            html.as_bytes(),
        );
    }
}

/// Every cell of predictions.parquet as text, row by row, with latency_ms masked.
fn rows(path: &Path) -> Vec<Vec<Option<String>>> {
    let t = Table::read(path).unwrap();
    let columns: Vec<String> = t.columns().to_vec();
    let cols: Vec<Vec<Option<String>>> = columns
        .iter()
        .map(|c| {
            if c == "latency_ms" {
                vec![None; t.height()]
            } else {
                t.strings(c).unwrap()
            }
        })
        .collect();
    let mut out = vec![columns.iter().cloned().map(Some).collect::<Vec<_>>()];
    for r in 0..t.height() {
        out.push(cols.iter().map(|c| c[r].clone()).collect());
    }
    out
}

#[test]
fn golden_runs_reproduce_their_reports_and_predictions() {
    if !ort("golden runs") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for case in cases() {
        if case.needs_shared && shared(&format!("golden run {}", case.name)).is_none() {
            continue;
        }
        let out = tmp.path().join(&case.name);
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| {
                a.replace("{shared}", "../shared")
                    .replace("{out}", &out.display().to_string())
            })
            .collect();
        tonebench()
            .current_dir(root())
            .args(&args)
            .args(["--resamples", "200"])
            .assert()
            .success();
        let dir = golden(&case.name);
        for f in FILES {
            assert!(out.join(f).is_file(), "{}: no {f}", case.name);
        }
        for f in ["report.json", "report.md", "report.html"] {
            assert_same_text(
                &format!("{} {f}", case.name),
                &read(&dir.join(f)),
                &read(&out.join(f)),
            );
        }
        assert_eq!(
            rows(&dir.join("predictions.parquet")),
            rows(&out.join("predictions.parquet")),
            "{} predictions.parquet differs from its golden file (latency_ms aside)",
            case.name
        );
    }
}
