//! Terminal conventions: `--quiet`, `--color` and NO_COLOR, shell completions and the man page.
//! (The examples of every subcommand's --help are checked by a unit test of cli/examples.rs,
//! which parses each example with the real parser.)

use std::process::Command;

use crate::common::{root, tonebench};

fn score(out: &std::path::Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let suite = root().join("suites/demo");
    tonebench()
        .args(extra)
        .args(["score", "--suite"])
        .arg(&suite)
        .arg("--predictions")
        .arg(suite.join("models/reference_text.csv"))
        .args(["--resamples", "200", "--out"])
        .arg(out)
        .assert()
}

#[test]
fn quiet_prints_nothing_and_writes_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (loud, quiet) = (tmp.path().join("loud"), tmp.path().join("quiet"));
    let said = score(&loud, &[]).success();
    assert!(!said.get_output().stdout.is_empty(), "the summary");
    let done = score(&quiet, &["--quiet"]).success();
    let out = done.get_output();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "stdout with --quiet"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "stderr with --quiet"
    );
    // The same results, byte for byte.
    for f in ["report.json", "report.md"] {
        assert_eq!(
            std::fs::read(loud.join(f)).unwrap(),
            std::fs::read(quiet.join(f)).unwrap(),
            "{f}"
        );
    }
    crate::common::read_json(&quiet.join("report.json"));
    assert!(quiet.join("predictions.parquet").is_file());
    // -q is global: after the subcommand too; errors still say what is wrong, with their code.
    tonebench()
        .args([
            "score",
            "-q",
            "--suite",
            "nowhere",
            "--predictions",
            "p.csv",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with("error: "));
}

fn help(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = tonebench();
    cmd.args(args).arg("--help");
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn color_always_styles_the_help_and_no_color_turns_auto_off() {
    let esc = |s: &str| s.contains('\x1b');
    assert!(esc(&help(&["--color", "always"], &[])), "--color always");
    assert!(
        esc(&help(&["score", "--color=always"], &[])),
        "after the subcommand"
    );
    assert!(!esc(&help(&[], &[])), "auto, not a terminal");
    // auto follows CLICOLOR_FORCE (anstream), and NO_COLOR wins over it.
    assert!(esc(&help(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!esc(&help(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    assert!(!esc(&help(
        &["--color", "auto"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    assert!(!esc(&help(
        &["--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    // An explicit --color always is the user's choice over NO_COLOR.
    assert!(esc(&help(&["--color", "always"], &[("NO_COLOR", "1")])));
    // Every subcommand's help ends with examples.
    let h = help(&["suite", "split"], &[]);
    assert!(h.contains("Examples:\n  tonebench suite split "), "{h}");
    tonebench()
        .args(["--color", "sometimes", "doctor"])
        .assert()
        .code(2);
}

#[test]
fn completions_and_the_man_page_cover_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = tonebench().args(["completions", shell]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        for word in ["merge", "quiet", "mlflow-experiment", "import"] {
            assert!(text.contains(word), "{shell}: {word}");
        }
    }
    // bash reads the script without a syntax error.
    let out = tonebench().args(["completions", "bash"]).assert().success();
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &out.get_output().stdout).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(script.path())
        .status()
        .unwrap();
    assert!(checked.success());
    let out = tonebench().arg("man").assert().success();
    let man = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        man.starts_with(".ie") || man.starts_with(".TH"),
        "{}",
        &man[..40]
    );
    for word in ["tonebench\\-score", "\\-\\-quiet", "\\-\\-color"] {
        assert!(man.contains(word), "{word}");
    }
}
