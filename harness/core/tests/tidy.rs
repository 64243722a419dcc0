//! Tidy: the architecture invariants of ARCHITECTURE.md, checked on the source files.
//!
//! Each invariant is one `#[test]`, so a failure names the rule that broke and lists every
//! violation as `file:line`, with what to do about it. The checks only read `.rs` files (no
//! build of the `tonebench` crate is needed): comments, doc comments and string literals are
//! skipped by a small lexer (`tidy/scan.rs`); import cycles are computed from `crate::…` paths
//! (`tidy/graph.rs`).
//!
//! A file belongs to the top-level module its path starts with: `harness/src/cli.rs` and
//! everything under `harness/src/cli/` are the module `cli`.
//!
//! The tree checked is the repository this file lives in, or `$TONEBENCH_TIDY_ROOT` when set:
//!
//! ```text
//! cargo test -p tonebench-core --test tidy
//! TONEBENCH_TIDY_ROOT=/path/to/other/checkout cargo test -p tonebench-core --test tidy
//! ```

// A test's crate root looks for modules beside it; these live in tidy/ so that cargo does not
// build them as tests of their own.
#[path = "tidy/graph.rs"]
mod graph;
#[path = "tidy/scan.rs"]
mod scan;

use std::path::{Path, PathBuf};

use graph::{Graph, Root};

/// The longest a source file under `harness/` may be.
const MAX_LINES: usize = 600;

/// The checkout to check: `$TONEBENCH_TIDY_ROOT`, else two levels above this crate.
fn root() -> PathBuf {
    let root = match std::env::var_os("TONEBENCH_TIDY_ROOT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    assert!(
        root.join("harness/src/lib.rs").is_file() && root.join("harness/core/src/lib.rs").is_file(),
        "{} is not a tonebench checkout (no harness/src/lib.rs or harness/core/src/lib.rs); \
         set TONEBENCH_TIDY_ROOT to the repository root",
        root.display()
    );
    root
}

/// One source file: its path relative to the checkout (with `/`) and its text.
struct Source {
    rel: String,
    text: String,
}

impl Source {
    /// The top-level module of a file of `harness/src` (none for lib.rs, main.rs).
    fn module_in(&self, src_dir: &str) -> Option<String> {
        graph::module_of_file(self.rel.strip_prefix(src_dir)?.strip_prefix('/')?)
    }
}

/// Every `.rs` file below `dir` (relative to the checkout), sorted by path; `target/` and
/// hidden folders are skipped.
fn sources(dir: &str) -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    walk(&path, out);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut files = Vec::new();
    walk(&root.join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).expect("below the root");
            let rel: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            let rel = rel.join("/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Source { rel, text }
        })
        .collect()
}

/// Panics with the rule, what to do, and every violation, if there are any.
fn check(rule: &str, fix: &str, violations: Vec<String>) {
    if !violations.is_empty() {
        panic!(
            "\n\ntidy: {rule} ({n} violation{s})\n\n{fix}\n\n  {list}\n",
            n = violations.len(),
            s = if violations.len() == 1 { "" } else { "s" },
            list = violations.join("\n  ")
        );
    }
}

/// `file:line: found` for every hit of `find` in the files of harness/src that `keep` selects
/// by their top-level module (`None` for lib.rs and main.rs).
fn hits_in_src(
    keep: impl Fn(&Source, Option<&str>) -> bool,
    find: impl Fn(&str) -> Vec<scan::Hit>,
) -> Vec<String> {
    let mut out = Vec::new();
    for file in sources("harness/src") {
        if keep(&file, file.module_in("harness/src").as_deref()) {
            out.extend(
                find(&file.text)
                    .into_iter()
                    .map(|(l, w)| format!("{}:{l}: {w}", file.rel)),
            );
        }
    }
    out
}

/// Invariant: only `cli/` knows clap. Everything below the command line takes plain plans.
#[test]
fn clap_is_used_only_in_cli() {
    check(
        "clap is used outside harness/src/cli/",
        "clap is only for harness/src/cli/: move the argument struct (with its #[arg]/#[command] \
         attributes) into cli/, turn it into a plain plan there (RunPlan, ProfilePlan, GatePlan, \
         …) and pass the plan to the app layer; for an enum chosen on the command line, keep a \
         plain enum outside cli/ and map a cli-side clap::ValueEnum onto it. main.rs only calls \
         tonebench::cli::main().",
        hits_in_src(|_, module| module != Some("cli"), scan::clap_uses),
    );
}

/// Invariant: renderers are pure (`&Report → String/bytes`); the store writes files.
#[test]
fn render_does_not_touch_the_file_system() {
    check(
        "harness/src/render/ touches the file system",
        "render/ is pure functions from a report to String/bytes: return the text or bytes and \
         let the run-folder store write them (atomically); inputs a renderer needs are read by \
         the caller and passed in.",
        hits_in_src(|_, module| module == Some("render"), scan::fs_uses),
    );
}

/// Invariant: ONNX Runtime is used only in `infer/`.
#[test]
fn ort_is_used_only_in_infer() {
    // The core is checked too: it has no ort dependency and must not grow one.
    let mut violations = hits_in_src(|_, module| module != Some("infer"), scan::ort_uses);
    for file in sources("harness/core") {
        let hits = scan::ort_uses(&file.text);
        violations.extend(
            hits.into_iter()
                .map(|(l, w)| format!("{}:{l}: {w}", file.rel)),
        );
    }
    check(
        "ort is used outside harness/src/infer/",
        "ONNX Runtime is only for harness/src/infer/: add what you need to infer's API (taking \
         and returning plain types, errors as InferError) and call that instead of ort.",
        violations,
    );
}

/// Invariant: data flows down from the command line; nothing below `cli/` imports it.
#[test]
fn nothing_below_cli_imports_cli() {
    check(
        "a module outside harness/src/cli/ imports crate::cli",
        "nothing below the command line may depend on it: move what is shared (output folder \
         naming, option structs, defaults) into the layer that uses it (app/ or store/) and have \
         cli/ build a plan from its arguments and call down; only main.rs calls cli::main().",
        hits_in_src(
            |file, module| module != Some("cli") && file.rel != "harness/src/main.rs",
            scan::cli_imports,
        ),
    );
}

/// The import cycles between the top-level modules of the crate whose sources are `src_dir`.
fn import_cycles(src_dir: &str) -> Vec<String> {
    let root = Root::parse(&std::fs::read_to_string(root().join(src_dir).join("lib.rs")).unwrap());
    let mut graph = Graph::new();
    for file in sources(src_dir) {
        if let Some(module) = file.module_in(src_dir) {
            graph::add_file(&mut graph, &root, &file.rel, &module, &file.text);
        }
    }
    const CAP: usize = 200;
    let cycles = graph::cycles(&graph, CAP);
    let mut out: Vec<String> = cycles
        .iter()
        .map(|cycle| {
            let mut text = format!("{} -> {}", cycle.join(" -> "), cycle[0]);
            for (k, from) in cycle.iter().enumerate() {
                let to = &cycle[(k + 1) % cycle.len()];
                let at = &graph[from][to];
                text += &format!(
                    "\n      {from} -> {to}: {}:{}: {}",
                    at.file, at.line, at.path
                );
            }
            text
        })
        .collect();
    if cycles.len() >= CAP {
        out.push(format!("(stopped after {CAP} cycles)"));
    }
    out
}

const CYCLE_FIX: &str = "top-level modules must form a DAG (Face -> App -> Core, App -> Edges): \
    for each cycle, move the shared type or function to the lower module (or a new leaf module \
    both use), or pass it in as a value, so that one of the listed edges disappears.";

/// Invariant: the top-level modules of `harness/src` import each other without cycles.
#[test]
fn no_import_cycles_in_harness_src() {
    check(
        "import cycles between the modules of harness/src",
        CYCLE_FIX,
        import_cycles("harness/src"),
    );
}

/// Invariant: the top-level modules of the core import each other without cycles.
#[test]
fn no_import_cycles_in_core() {
    check(
        "import cycles between the modules of harness/core/src",
        CYCLE_FIX,
        import_cycles("harness/core/src"),
    );
}

/// Invariant: no source file under `harness/` is longer than [`MAX_LINES`].
#[test]
fn no_source_file_over_600_lines() {
    let violations = sources("harness")
        .into_iter()
        .map(|file| (file.text.lines().count(), file.rel))
        .filter(|(lines, _)| *lines > MAX_LINES)
        .map(|(lines, rel)| {
            format!(
                "{rel}:{}: {lines} lines (the limit is {MAX_LINES})",
                MAX_LINES + 1
            )
        })
        .collect();
    check(
        &format!("source files over {MAX_LINES} lines"),
        "split the file by concern (one type or one step per file; tests of a split file go with \
         the part they test): a long file is usually several modules that share a name.",
        violations,
    );
}
