//! report.md: a snapshot of the Markdown rendering of a fixed synthetic report, escaping of user
//! text inside tables, and the size limit of `$GITHUB_STEP_SUMMARY`.
//!
//! To accept an intended change of the output: `TONEBENCH_BLESS=1 cargo test --test tests markdown`.

use tonebench::render::markdown;
use tonebench::render::sample::{self, SampleSpec};

use crate::common::root;

#[test]
fn markdown_matches_its_snapshot() {
    let report = sample::report(&SampleSpec::default());
    let md = markdown::render(&report).unwrap();
    let path = root().join("tests/fixtures/markdown/sample.md");
    if std::env::var_os("TONEBENCH_BLESS").is_some() {
        std::fs::write(&path, &md).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(
        md == want,
        "report.md changed; review the diff and bless it with TONEBENCH_BLESS=1\n--- got ---\n{md}"
    );
}

#[test]
fn user_text_cannot_break_tables() {
    let mut report = sample::report(&SampleSpec::default());
    report.models[0].name = "a|b\n<script>x</script>".into();
    let md = markdown::render(&report).unwrap();
    assert!(
        md.contains("| a\\|b &lt;script&gt;x&lt;/script&gt; |"),
        "{md}"
    );
    assert!(!md.contains("<script>"));
}

#[test]
fn a_large_report_fits_a_step_summary() {
    let report = sample::report(&SampleSpec {
        models: 10,
        cohorts: 50,
        per_partition: 10,
        ..SampleSpec::default()
    });
    let md = markdown::render(&report).unwrap();
    assert!(md.len() < 1 << 20, "report.md is {} bytes", md.len());
}
