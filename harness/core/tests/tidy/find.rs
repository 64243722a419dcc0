//! Finders for the checks on what code may do where: I/O in the core, hash maps in the report
//! model, file writes and run-folder file names outside the store; and the part of a file that
//! is not its unit-test module. They read the tokens and paths of `scan.rs`, so comments and doc
//! comments never count.

use crate::scan::{self, Hit, Tok};

/// The part of `src` before its unit-test module: everything above the first line that is
/// `#[cfg(test)]` and puts it on an inline `mod name {` (other attributes and comments may come
/// between). A `#[cfg(test)]` on any other item (a helper function, an out-of-line
/// `mod tests;`) does not end the scan: only the test module at the end of a file is exempt.
pub fn before_test_module(src: &str) -> &str {
    let lines: Vec<&str> = src.split_inclusive('\n').collect();
    let mut offset = 0;
    for (k, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            let item = lines[k + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty() && !l.starts_with("#[") && !l.starts_with("//"));
            if item.is_some_and(is_inline_mod) {
                return &src[..offset];
            }
        }
        offset += line.len();
    }
    src
}

/// `mod x {`, `pub mod x {`, `pub(crate) mod x {`.
fn is_inline_mod(line: &str) -> bool {
    let mut rest = line;
    if let Some(r) = rest.strip_prefix("pub") {
        rest = r.trim_start();
        if rest.starts_with('(') {
            rest = rest.split_once(')').map_or("", |(_, r)| r).trim_start();
        }
    }
    rest.starts_with("mod ") && rest.trim_end().ends_with('{')
}

/// What the I/O-free core must not touch: `std::fs`, `std::env`, `std::process`, `std::net`
/// (also through `use std::{fs, env}`), the clock (`std::time::SystemTime`, `std::time::Instant`,
/// `time::Instant` after `use std::time`, a glob `std::time::*`), any `File::` path and
/// `OpenOptions`. `std::time::Duration` is a value and allowed.
pub fn core_io_uses(src: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = scan::paths(src)
        .into_iter()
        .filter(|p| {
            let s: Vec<&str> = p.segs.iter().map(String::as_str).collect();
            let os = matches!(s.as_slice(), ["std", "fs" | "env" | "process" | "net", ..]);
            let clock = s
                .windows(2)
                .any(|w| w[0] == "time" && matches!(w[1], "SystemTime" | "Instant" | "*"));
            let file = s.len() > 1 && s[..s.len() - 1].contains(&"File");
            os || clock || file || s.contains(&"OpenOptions")
        })
        .map(|p| (p.line, p.to_string()))
        .collect();
    hits.dedup();
    hits
}

/// Hash maps and sets: every path with a segment ending in `HashMap` or `HashSet`
/// (`HashMap`, `std::collections::HashSet`, `FxHashMap`).
pub fn hash_uses(src: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = scan::paths(src)
        .into_iter()
        .filter(|p| {
            p.segs
                .iter()
                .any(|s| s.ends_with("HashMap") || s.ends_with("HashSet"))
        })
        .map(|p| (p.line, p.to_string()))
        .collect();
    hits.dedup();
    hits
}

/// The `std::fs` functions that change the file system.
const FS_WRITES: &[&str] = &[
    "write",
    "rename",
    "copy",
    "remove_file",
    "remove_dir",
    "remove_dir_all",
    "create_dir",
    "create_dir_all",
    "hard_link",
    "set_permissions",
];

/// Writes to the file system: `fs::write`, `fs::rename`, `fs::copy`, `fs::remove_*`,
/// `fs::create_dir*`, `fs::hard_link`, `fs::set_permissions` (as `std::fs::…`, `fs::…` or
/// imported by name), `File::create`, `File::create_new`, `File::options` and `OpenOptions`.
/// Reading (`fs::read_to_string`, `File::open`) is not a write.
pub fn fs_writes(src: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = scan::paths(src)
        .into_iter()
        .filter(|p| {
            p.segs.windows(2).any(|w| {
                (w[0] == "fs" && FS_WRITES.contains(&w[1].as_str()))
                    || (w[0] == "File"
                        && matches!(w[1].as_str(), "create" | "create_new" | "options"))
            }) || p.segs.iter().any(|s| s == "OpenOptions")
        })
        .map(|p| (p.line, p.to_string()))
        .collect();
    hits.dedup();
    hits
}

/// Opening a file to read it: `fs::read`, `fs::read_to_string`, `File::open` and
/// `WavReader::open` (as `std::fs::…`, `fs::…` or by type).
pub fn fs_reads(src: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = scan::paths(src)
        .into_iter()
        .filter(|p| {
            p.segs.windows(2).any(|w| {
                (w[0] == "fs" && matches!(w[1].as_str(), "read" | "read_to_string"))
                    || (matches!(w[0].as_str(), "File" | "WavReader") && w[1] == "open")
            })
        })
        .map(|p| (p.line, p.to_string()))
        .collect();
    hits.dedup();
    hits
}

/// Every string literal of `src` (plain, byte, C, raw) with the line it starts on.
pub fn string_literals(src: &str) -> Vec<(usize, String)> {
    scan::lex_with_strings(src)
        .into_iter()
        .filter_map(|t| match t.tok {
            Tok::Str(s) => Some((t.line, s)),
            _ => None,
        })
        .collect()
}

/// String literals that are or contain one of `names`: `"report.json"`,
/// `"cannot write report.md"`, `"run/predictions.parquet"`. Comments do not count.
pub fn literals_naming(src: &str, names: &[&str]) -> Vec<Hit> {
    string_literals(src)
        .into_iter()
        .filter_map(|(line, text)| {
            let named: Vec<&str> = names.iter().copied().filter(|n| text.contains(n)).collect();
            if named.is_empty() {
                return None;
            }
            Some((
                line,
                format!("{} names {}", excerpt(&text, named[0]), named.join(", ")),
            ))
        })
        .collect()
}

/// A literal as a reader finds it: quoted whole if short, else the 60 characters or so around
/// the first place it names `name`, with `…` where it was cut.
fn excerpt(text: &str, name: &str) -> String {
    const WIDTH: usize = 60;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= WIDTH {
        return format!("{text:?}");
    }
    let at = text.find(name).map_or(0, |b| text[..b].chars().count());
    let start = at.saturating_sub(20).min(chars.len() - WIDTH);
    let end = start + WIDTH;
    let cut: String = chars[start..end].iter().collect();
    let (pre, post) = (
        if start > 0 { "…" } else { "" },
        if end < chars.len() { "…" } else { "" },
    );
    format!("{pre}{cut:?}{post}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(hits: Vec<Hit>) -> Vec<usize> {
        hits.into_iter().map(|(l, _)| l).collect()
    }

    #[test]
    fn the_scan_stops_at_the_unit_test_module_only() {
        let src = "use a;\n#[cfg(test)]\nfn helper() {}\nfn b() {}\n\n#[cfg(test)]\n#[allow(x)]\nmod tests {\n    fn t() {}\n}\n";
        assert_eq!(
            before_test_module(src),
            "use a;\n#[cfg(test)]\nfn helper() {}\nfn b() {}\n\n"
        );
        let out_of_line = "#[cfg(test)]\nmod tests;\nfn after() {}\n";
        assert_eq!(before_test_module(out_of_line), out_of_line);
        assert_eq!(
            before_test_module("fn a() {}\n    #[cfg(test)]\n    pub(crate) mod t {\n}\n"),
            "fn a() {}\n"
        );
        assert_eq!(before_test_module("fn a() {}\n"), "fn a() {}\n");
    }

    #[test]
    fn the_core_may_not_touch_files_environment_processes_network_or_clock() {
        let src = "use std::{env, fs::File, io};\nuse std::time::{Duration, Instant};\n\
                   fn f() { std::process::exit(1); ::std::net::TcpStream::connect(a); }\n\
                   fn g() { File::open(p); OpenOptions::new(); time::SystemTime::now(); }\n\
                   use std::time::*;\n";
        assert_eq!(
            core_io_uses(src),
            [
                (1, "use std::env".to_string()),
                (1, "use std::fs::File".to_string()),
                (2, "use std::time::Instant".to_string()),
                (3, "std::process::exit".to_string()),
                (3, "std::net::TcpStream::connect".to_string()),
                (4, "File::open".to_string()),
                (4, "OpenOptions::new".to_string()),
                (4, "time::SystemTime::now".to_string()),
                (5, "use std::time::*".to_string()),
            ]
        );
        let fine = "//! reads std::fs, std::env\nuse std::time::Duration;\nuse std::io::Write;\n\
                    /// File::open\nfn f(file: File) -> &'static str { \"std::env::var\" }\n";
        assert_eq!(core_io_uses(fine), []);
    }

    #[test]
    fn hash_maps_are_found_as_types_imports_and_paths() {
        let src = "use std::collections::{BTreeMap, HashMap};\n\
                   struct R { a: std::collections::HashSet<u8>, b: FxHashMap<u8, u8> }\n\
                   // a HashMap in a comment\nconst S: &str = \"HashMap\";\nstruct I(IndexMap<u8, u8>);\n";
        assert_eq!(lines(hash_uses(src)), [1, 2, 2]);
    }

    #[test]
    fn writes_are_found_and_reads_are_not() {
        let src = "use std::fs::{self, rename};\nfn f() {\n    fs::write(p, b)?;\n    \
                   std::fs::create_dir_all(d)?;\n    File::create(p)?;\n    \
                   OpenOptions::new().append(true);\n    fs::remove_file(p).ok();\n}\n";
        assert_eq!(lines(fs_writes(src)), [1, 3, 4, 5, 6, 7]);
        let reads = "fn f() { fs::read_to_string(p); File::open(p); std::fs::metadata(p); }\n\
                     /// fs::write\nconst S: &str = \"fs::write\";\n";
        assert_eq!(fs_writes(reads), []);
    }

    #[test]
    fn string_literals_are_extracted_with_their_line_and_escapes_undone() {
        let src =
            "// \"not me\"\n/// \"nor me\"\nlet a = \"one\\\"two\";\nlet b = r#\"raw \"x\"\"#;\n\
                   let c = b\"bytes\";\nlet d = \"multi\n line\";\nlet e = \"cont\\\n    inued\";\n\
                   let ch = '\"';\nlet f = format!(\"{x}.json\");\n";
        assert_eq!(
            string_literals(src),
            [
                (3, "one\"two".to_string()),
                (4, "raw \"x\"".to_string()),
                (5, "bytes".to_string()),
                (6, "multi\n line".to_string()),
                (8, "continued".to_string()),
                (11, "{x}.json".to_string()),
            ]
        );
    }

    #[test]
    fn file_names_are_found_in_literals_not_in_comments() {
        let names = ["report.json", "cohorts.csv"];
        let src = "/// Writes report.json.\n// cohorts.csv too\nconst A: &str = \"report.json\";\n\
                   fn f() { ctx(\"cannot read run/cohorts.csv\"); g(\"report.jsonl\"); h(\"report\"); }\n";
        assert_eq!(
            literals_naming(src, &names),
            [
                (3, "\"report.json\" names report.json".to_string()),
                (
                    4,
                    "\"cannot read run/cohorts.csv\" names cohorts.csv".to_string()
                ),
                (4, "\"report.jsonl\" names report.json".to_string()),
            ]
        );
        let long = format!("{}see report.json for {}", "x".repeat(50), "y".repeat(50));
        assert_eq!(
            literals_naming(&format!("f({long:?});"), &names),
            [(
                1,
                format!(
                    "…\"{}see report.json for {}\"… names report.json",
                    "x".repeat(16),
                    "y".repeat(24)
                )
            )]
        );
    }
}
