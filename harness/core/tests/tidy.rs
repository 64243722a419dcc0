//! Tidy: the architecture invariants of ARCHITECTURE.md, checked on the source files.
//!
//! Each invariant is one `#[test]`, so a failure names the rule that broke and lists every
//! violation as `file:line`, with what to do about it. The checks only read `.rs` files (no
//! build of the `tonebench` crate is needed): comments, doc comments and string literals are
//! skipped by a small lexer (`tidy/scan.rs`), which hands string literals to the one check that
//! reads them; import cycles are computed from `crate::…` paths (`tidy/graph.rs`); the finders
//! of what code may do where are in `tidy/find.rs`, those of error kinds in `tidy/kinds.rs`.
//!
//! The checks of harness/src outside a module (writes, run-folder file names, error kinds) stop
//! at a file's unit-test module (`#[cfg(test)] mod tests {` at its end): tests may make
//! temporary files and spell file names.
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
#[path = "tidy/find.rs"]
mod find;
#[path = "tidy/graph.rs"]
mod graph;
#[path = "tidy/kinds.rs"]
mod kinds;
#[path = "tidy/scan.rs"]
mod scan;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use graph::{Graph, Root};

/// The longest a source file under `harness/` or an integration test under `tests/` may be.
const MAX_LINES: usize = 600;

/// The files of a run folder (and the baseline beside it), whose names only `store/` spells.
const RUN_FOLDER_FILES: &[&str] = &[
    "report.json",
    "report.md",
    "report.html",
    "predictions.parquet",
    "predictions.journal.jsonl",
    "cohorts.csv",
    "cohorts.json",
    "baseline.json",
];

/// The checkout to check: `$TONEBENCH_TIDY_ROOT`, else two levels above this crate. The
/// crate's folder is taken from the environment cargo runs the test in, not from the build: a
/// target folder shared by several checkouts may hold a test binary built in another one.
fn root() -> PathBuf {
    let root = match std::env::var_os("TONEBENCH_TIDY_ROOT") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
            .join("../.."),
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

/// Invariant: no source file under `harness/`, and no integration test under `tests/`
/// (fixtures under `tests/fixtures/` aside), is longer than [`MAX_LINES`].
#[test]
fn no_source_file_over_600_lines() {
    let tests = sources("tests")
        .into_iter()
        .filter(|file| !file.rel.starts_with("tests/fixtures/"));
    let violations = sources("harness")
        .into_iter()
        .chain(tests)
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
         the part they test; an integration test file becomes more modules of the tests/tests.rs \
         binary, helpers they share in tests/common.rs): a long file is usually several modules \
         that share a name.",
        violations,
    );
}

/// Invariant: the core is values in, values out; it never touches the file system, the
/// environment, processes, the network or the clock.
#[test]
fn the_core_does_no_io() {
    let mut violations = Vec::new();
    for file in sources("harness/core/src") {
        violations.extend(
            find::core_io_uses(&file.text)
                .into_iter()
                .map(|(l, w)| format!("{}:{l}: {w}", file.rel)),
        );
    }
    check(
        "harness/core/src touches the file system, the environment, processes, the network or \
         the clock",
        "the core is values in, values out: take what the code needs as arguments (file contents \
         as bytes or text, settings as values, durations measured by the caller as \
         std::time::Duration) and return values; the harness reads files, the environment and \
         the clock (input/, store/, app/) and passes the values in. A core test that needs files \
         belongs in harness/core/tests/ (or tests/), not in harness/core/src.",
        violations,
    );
}

/// Invariant: nothing serialized holds a `HashMap`: the report model's maps keep label order.
#[test]
fn the_report_model_holds_no_hash_map() {
    let mut violations = Vec::new();
    for file in sources("harness/core/src/report") {
        violations.extend(
            find::hash_uses(&file.text)
                .into_iter()
                .map(|(l, w)| format!("{}:{l}: {w}", file.rel)),
        );
    }
    check(
        "a HashMap or HashSet in harness/core/src/report/",
        "a hash map's order changes from run to run, so report.json would not be byte-identical: \
         use an IndexMap / IndexSet filled in label order (or a BTreeMap / BTreeSet, or a Vec of \
         pairs) for anything the report holds.",
        violations,
    );
}

/// Invariant: files are written only by `store/` (atomically, through `store::write_atomic`).
#[test]
fn only_store_writes_files() {
    check(
        "harness/src writes files outside store/",
        "every file tonebench writes goes through harness/src/store/ (written whole: temporary \
         file + rename, store::write_atomic): add a function to store/ that takes the value or \
         the bytes and call it; folders, renames and removals belong there too. A unit-test \
         module at the end of a file (#[cfg(test)] mod tests) may write temporary files.",
        hits_in_src(
            |_, module| module != Some("store"),
            |src| find::fs_writes(find::before_test_module(src)),
        )
        .into_iter()
        .filter(|hit| {
            !WRITES_ALLOWED
                .iter()
                .any(|(file, what, _why)| hit.starts_with(file) && hit.contains(what))
        })
        .collect(),
    );
}

/// File-system changes outside `store/` that are not tonebench's outputs, each with its reason.
const WRITES_ALLOWED: &[(&str, &str, &str)] = &[(
    "harness/src/infer/runtime.rs:",
    "fs::remove_file",
    "ONNX Runtime writes its own profiling trace; infer deletes it once it has read it",
)];

/// Invariant: every input is opened through `harness/src/open.rs`, which opens only regular
/// files (a FIFO or /dev/zero would hang tonebench or feed it forever).
#[test]
fn inputs_are_opened_only_through_open() {
    check(
        "harness/src opens a file to read it without harness/src/open.rs",
        "open every input with crate::open::{read, read_to_string, open} (or crate::open::check a \
         path a library opens itself): they refuse directories, FIFOs, sockets and devices \
         before open(). Files tonebench itself wrote and reads back in the same run are listed \
         in READS_ALLOWED with the reason.",
        hits_in_src(
            |file, _| file.rel != "harness/src/open.rs",
            |src| find::fs_reads(find::before_test_module(src)),
        )
        .into_iter()
        .filter(|hit| {
            !READS_ALLOWED
                .iter()
                .any(|(file, _why)| hit.starts_with(file))
        })
        .collect(),
    );
}

/// Reads that do not go through `open.rs`, each with its reason.
const READS_ALLOWED: &[(&str, &str)] = &[
    (
        "harness/src/infer/runtime.rs:",
        "ONNX Runtime's own profiling trace, at the path ONNX Runtime returned",
    ),
    (
        "harness/src/store/journal.rs:",
        "the run folder's journal, which tonebench wrote (and locks, with --resume)",
    ),
];

/// Invariant: only `store/` knows the names of the files in a run folder.
#[test]
fn only_store_spells_run_folder_file_names() {
    check(
        "a run-folder file name spelled in a string literal outside harness/src/store/",
        "the names of the files in a run folder are constants of harness/src/store/ \
         (store::REPORT_JSON, store::PREDICTIONS, …, store::journal::FILE_NAME): use them (or a \
         store/ function that returns the path, e.g. RunDir's) instead of the literal, and build \
         messages from them (format!(\"cannot write {}\", store::REPORT_JSON) \
         or the path itself). Doc comments and // comments may name the files.",
        hits_in_src(
            |_, module| module != Some("store"),
            |src| {
                find::literals_naming(find::before_test_module(src), RUN_FOLDER_FILES)
                    .into_iter()
                    // A path into the repository's templates/ names a template, not an output.
                    .filter(|(_, what)| !what.contains("templates/"))
                    .collect()
            },
        ),
    );
}

/// Invariant: every error type has a kind, and `cli::exit` knows it.
#[test]
fn every_error_type_has_a_kind() {
    const EXIT: &str = "harness/src/cli/exit.rs";
    let exit = std::fs::read_to_string(root().join(EXIT)).unwrap_or_else(|e| panic!("{EXIT}: {e}"));
    let listed = kinds::kinds_list(&exit);
    let listed_names: BTreeSet<&str> = listed.iter().map(|n| n.name.as_str()).collect();
    let mut impls = Vec::new();
    let mut types = Vec::new();
    for file in sources("harness/src") {
        let code = find::before_test_module(&file.text);
        impls.extend(
            kinds::has_kind_impls(code)
                .into_iter()
                .map(|n| (file.rel.clone(), n)),
        );
        types.extend(
            kinds::error_types(code)
                .into_iter()
                .map(|n| (file.rel.clone(), n)),
        );
    }
    let with_kind: BTreeSet<&str> = impls.iter().map(|(_, n)| n.name.as_str()).collect();
    let mut violations = Vec::new();
    if listed.is_empty() {
        violations.push(format!("{EXIT}:1: no kinds!(…) list found"));
    }
    for (rel, n) in &types {
        if !with_kind.contains(n.name.as_str()) {
            violations.push(format!(
                "{rel}:{}: {} derives thiserror::Error but has no `impl HasKind for {}`",
                n.line, n.name, n.name
            ));
        }
    }
    for (rel, n) in &impls {
        if !listed_names.contains(n.name.as_str()) {
            violations.push(format!(
                "{rel}:{}: impl HasKind for {}: {} is not in the kinds!(…) list of {EXIT}",
                n.line, n.path, n.name
            ));
        }
    }
    check(
        "an error type without a kind",
        "the exit code comes from the kind of the first error in a chain whose type cli::exit \
         knows; an error type it does not know exits as a runtime failure (3), whatever it \
         means. Give the type `impl HasKind for X` beside it (Usage, Input, Model or Runtime, \
         see harness/src/error.rs) and add its path to the kinds!(…) list in \
         harness/src/cli/exit.rs.",
        violations,
    );
}
