//! `pip install tonebench` (TONEBENCH_WHEEL_TESTS=1): scripts/build-wheel.sh builds the wheel in
//! the dev profile, pip installs it into a fresh venv under ~/.cache/tonebench-py/ (which pulls
//! the onnxruntime wheel from PyPI), and the installed `tonebench` finds that onnxruntime by
//! itself: `doctor` names it, `score` and `run` work from the venv with nothing set.

use std::path::Path;
use std::process::Command;

use crate::common::root;

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The installed binary, run as a user would: no ORT_DYLIB_PATH, outside the repository, the
/// venv not activated (so `python3` on PATH is not the venv's).
fn installed(venv: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::new(venv.join("bin/tonebench"));
    cmd.current_dir(cwd)
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("VIRTUAL_ENV")
        .env("PATH", "/usr/bin:/bin");
    cmd
}

#[test]
fn the_wheel_installs_with_onnxruntime_and_runs_doctor_and_score() {
    if std::env::var("TONEBENCH_WHEEL_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped the_wheel_installs_with_onnxruntime_and_runs_doctor_and_score: set TONEBENCH_WHEEL_TESTS=1");
        return;
    }
    let cache = Path::new(&std::env::var_os("HOME").unwrap()).join(".cache/tonebench-py");
    let wheels = tempfile::tempdir().unwrap();
    let built = sh(Command::new("bash")
        .arg(root().join("scripts/build-wheel.sh"))
        .args(["--profile", "dev", "--compatibility", "linux", "--out"])
        .arg(wheels.path()));
    let wheel = built.lines().last().unwrap().trim().to_string();
    assert!(wheel.ends_with(".whl"), "{built}");

    let venv = cache.join("wheel-test");
    let _ = std::fs::remove_dir_all(&venv);
    sh(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    sh(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet"])
        .arg(&wheel));
    let elsewhere = tempfile::tempdir().unwrap();

    let doctor = sh(installed(&venv, elsewhere.path()).args(["doctor", "--json"]));
    let info: serde_json::Value = serde_json::from_str(&doctor).unwrap();
    let library = info["library"].as_str().unwrap();
    assert!(
        library.starts_with(venv.to_str().unwrap())
            && library.contains("site-packages/onnxruntime/capi/libonnxruntime.so"),
        "{doctor}"
    );
    assert_eq!(info["version"], tonebench::infer::EXPECTED_ORT_VERSION);

    // score needs no runtime; run loads the installed onnxruntime for a real model.
    let demo = root().join("suites/demo");
    let out = elsewhere.path().join("scored");
    sh(installed(&venv, elsewhere.path())
        .args(["score", "--quiet", "--suite"])
        .arg(&demo)
        .arg("--predictions")
        .arg(demo.join("models/reference_text.csv"))
        .arg("--out")
        .arg(&out));
    crate::common::read_json(&out.join("report.json"));
    let out = elsewhere.path().join("run");
    sh(installed(&venv, elsewhere.path())
        .args(["run", "--quiet", "--resamples", "0", "--suite"])
        .arg(&demo)
        .arg("--model")
        .arg(demo.join("models/text.toml"))
        .arg("--out")
        .arg(&out));
    let report = crate::common::read_json(&out.join("report.json"));
    assert_eq!(report["models"][0]["name"], "demo-text");
    let _ = std::fs::remove_dir_all(&venv);
}
