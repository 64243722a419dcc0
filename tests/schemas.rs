//! The JSON Schemas of docs/schemas/: current with the types they are derived from, and every
//! report the tests write, the golden reports and the repository's suites, model specs, gate files
//! and conditions files valid against them — checked by an independent validator (the
//! `jsonschema` crate), not by the serde types that wrote them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::root;

/// The committed schema `file` of docs/schemas/, compiled.
fn validator(file: &str) -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(root().join("docs/schemas").join(file)).unwrap())
            .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Panics naming every violation when `doc` (read from `path`) is not valid against `file`.
pub fn check(file: &str, doc: &Value, path: &Path) {
    static REPORT: OnceLock<jsonschema::Validator> = OnceLock::new();
    let owned;
    let v = if file == "report.schema.json" {
        REPORT.get_or_init(|| validator(file))
    } else {
        owned = validator(file);
        &owned
    };
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "{} is not valid against {file}:\n{}",
        path.display(),
        errors.join("\n")
    );
}

#[test]
fn committed_schemas_are_current() {
    let mut stale = Vec::new();
    for s in tonebench::schema::all() {
        let path = root().join("docs/schemas").join(s.file);
        let want = tonebench::schema::to_bytes(&s.schema);
        if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
            if std::env::var("UPDATE_SCHEMAS").as_deref() == Ok("1") {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(s.file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/schemas/{stale:?} do not match the types; regenerate with: UPDATE_SCHEMAS=1 cargo test --test tests schemas::"
    );
}

fn files(dir: &str, pick: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root().join(dir)];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if pick(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn toml_as_json(path: &Path) -> Value {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn golden_reports_are_valid() {
    let reports = files("tests/fixtures/golden", |p| p.ends_with("report.json"));
    assert!(reports.len() >= 3);
    for p in reports {
        check("report.schema.json", &crate::common::read_json(&p), &p);
    }
}

#[test]
fn the_repositorys_config_files_are_valid() {
    let toml = |p: &Path| p.extension().is_some_and(|e| e == "toml");
    let mut n = 0;
    for p in files("suites", |p| p.ends_with("suite.toml"))
        .into_iter()
        .chain(files("tests/fixtures/sklearn", |p| {
            p.ends_with("suite.toml")
        }))
    {
        check("suite.schema.json", &toml_as_json(&p), &p);
        n += 1;
    }
    for p in files("suites/demo/models", toml)
        .into_iter()
        .chain(files("tests/fixtures/models", toml))
    {
        check("model.schema.json", &toml_as_json(&p), &p);
        n += 1;
    }
    for p in files("docs/examples", |p| {
        toml(p) && p.to_string_lossy().contains("gates")
    }) {
        check("gates.schema.json", &toml_as_json(&p), &p);
        n += 1;
    }
    for p in files("docs/examples", |p| {
        toml(p) && p.to_string_lossy().contains("conditions")
    }) {
        check("conditions.schema.json", &toml_as_json(&p), &p);
        n += 1;
    }
    assert!(n >= 15, "{n} files checked");
}

#[test]
fn a_misspelled_key_is_invalid() {
    let v = validator("gates.schema.json");
    let bad: Value =
        toml::from_str("format-version = 1\n[[gate]]\nrul = \"accuracy >= 0.5\"\n").unwrap();
    assert!(!v.is_valid(&bad));
    let good: Value =
        toml::from_str("format-version = 1\n[[gate]]\nrule = \"accuracy >= 0.5\"\n").unwrap();
    assert!(v.is_valid(&good));
}
