//! Hostile input (issue 18, causes 1, 2 and 4): every size that drives an allocation is bounded
//! before anything is allocated (DESIGN.md, "Limits"), only regular files are opened as inputs,
//! user text is escaped the one way in messages and renderers, similar problems share an exit
//! code, and report.json's paths do not depend on the folder tonebench was started in. Each test
//! is a defect the adversarial sweep found: a crash, a hang or a wrong answer before.

use std::path::{Path, PathBuf};

use crate::common::{ort, root, spec_error, tonebench, write_suite, MANIFEST};

/// Runs tonebench with `args` in `dir`; (exit code, stderr). Exits within `secs` or panics —
/// a hang is a failure, not a stuck test.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = tonebench()
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let code = out.status.code().expect("tonebench exited (not killed)");
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Exit 2 and a one-line message that contains every one of `parts`.
fn refused(dir: &Path, args: &[&str], parts: &[&str]) {
    let (code, err) = run_in(dir, args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    for p in parts {
        assert!(err.contains(p), "{args:?}: {err:?} lacks {p:?}");
    }
}

/// A suite of two items with the given items CSV, and a predictions file for it.
fn suite(dir: &Path, manifest_extra: &str, items: &str) -> PathBuf {
    let s = write_suite(
        &dir.join("s"),
        &format!("{MANIFEST}{manifest_extra}"),
        &[("items.csv", items.as_bytes())],
    );
    std::fs::write(dir.join("p.csv"), "id,pred\na,negative\nb,positive\n").unwrap();
    s
}

const ITEMS: &str = "id,label\na,negative\nb,positive\n";

fn wav(path: &Path, frames: usize, rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames {
        w.write_sample(((i % 64) as i16 - 32) * 100).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn resamples_past_the_bound_are_refused_on_the_command_line_and_in_gate_files() {
    let tmp = tempfile::tempdir().unwrap();
    suite(tmp.path(), "", ITEMS);
    refused(
        tmp.path(),
        &[
            "score",
            "--suite",
            "s",
            "--predictions",
            "p.csv",
            "--resamples",
            "1000000000",
        ],
        &["--resamples is 1000000000", "maximum of 1000000"],
    );
    let gates = tonebench::input::gate_file::parse_gates(
        "g.toml",
        "format-version = 1\n[[non-inferiority]]\nmetric = \"accuracy\"\ndelta = 0.01\nresamples = 1000000000\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        gates.contains("g.toml line 3") && gates.contains("maximum of 1000000"),
        "{gates}"
    );
}

#[test]
fn a_label_set_past_the_bound_is_refused_in_one_short_line() {
    let tmp = tempfile::tempdir().unwrap();
    let labels: Vec<String> = (0..100_003).map(|i| format!("\"l{i}\"")).collect();
    let manifest = format!(
        "format-version = 1\nname = \"t\"\nlabels = [{}]\nitems = \"items.csv\"\n",
        labels.join(", ")
    );
    write_suite(
        &tmp.path().join("s"),
        &manifest,
        &[("items.csv", b"id,label\na,l0\n")],
    );
    std::fs::write(tmp.path().join("p.csv"), "id,pred,p_l0\na,l0,1\n").unwrap();
    let (code, err) = run_in(
        tmp.path(),
        &["score", "--suite", "s", "--predictions", "p.csv"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the number of labels is 100003, more than the supported maximum of 1000"),
        "{err}"
    );
    assert!(err.len() < 300, "{} bytes: {err}", err.len());
}

#[test]
fn sample_rates_past_the_bounds_are_refused_in_wav_headers_and_model_specs() {
    let tmp = tempfile::tempdir().unwrap();
    // A WAV whose header says 1 Hz: resampling it to 16 kHz once asked for 64 GB.
    let path = tmp.path().join("hz1.wav");
    wav(&path, 200_000, 1);
    let e = tonebench::audio::load(&path, 16_000)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("hz1.wav")
            && e.contains("sample rate 1 Hz is outside the supported 1000..=384000 Hz"),
        "{e}"
    );
    // A model spec asking for 4 GHz.
    let e = spec_error(
        tmp.path(),
        "[audio]\nonnx = \"a.onnx\"\nsample-rate = 4000000000\n",
    );
    assert!(
        e.contains("[audio] sample-rate: sample rate 4000000000 Hz is outside"),
        "{e}"
    );
}

#[test]
fn clips_longer_than_the_bound_are_refused_from_the_header() {
    let tmp = tempfile::tempdir().unwrap();
    // 5 hours at 1 kHz (36 MB of samples): past the 4-hour bound.
    let path = tmp.path().join("long.wav");
    wav(&path, 5 * 3600 * 1000, 1000);
    let e = tonebench::audio::decode(&path).unwrap_err().to_string();
    assert!(
        e.contains(
            "long.wav: the duration (seconds) is 18000, more than the supported maximum of 14400"
        ),
        "{e}"
    );
}

#[test]
fn embeddings_of_huge_magnitude_are_refused_at_input_not_in_k_means() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut items = String::from("id,label,speaker\n");
    let mut emb = String::from("speaker,e0,e1\n");
    for s in 0..8 {
        items.push_str(&format!("i{s},negative,s{s}\n"));
        let v = if s == 3 {
            "1e300".to_string()
        } else {
            format!("{s}.5")
        };
        emb.push_str(&format!("s{s},{v},{s}\n"));
    }
    write_suite(
        &dir.join("s"),
        &format!("{MANIFEST}[cohorts]\nembeddings = \"emb.csv\"\nmin-speakers = 2\n"),
        &[("items.csv", items.as_bytes()), ("emb.csv", emb.as_bytes())],
    );
    let preds: String = (0..8).map(|s| format!("i{s},negative\n")).collect();
    std::fs::write(dir.join("p.csv"), format!("id,pred\n{preds}")).unwrap();
    refused(
        dir,
        &[
            "score",
            "--suite",
            "s",
            "--predictions",
            "p.csv",
            "--resamples",
            "10",
        ],
        &[
            "emb.csv line 5 column e0",
            "1e300 is not a finite number of magnitude at most 1e12",
        ],
    );
}

#[test]
fn hops_that_would_cut_a_call_into_billions_of_windows_are_refused() {
    let e = tonebench_core::streaming::WindowSpec::new(1.0, 1e-9).unwrap_err();
    assert!(e.contains("minimum of 0.01 seconds"), "{e}");
}

#[test]
fn conditions_files_past_the_bound_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("format-version = 1\n");
    for i in 0..300 {
        text.push_str(&format!(
            "[[condition]]\nname = \"c{i}\"\nnoise = \"white\"\nsnr-db = 5\n"
        ));
    }
    let path = tmp.path().join("c.toml");
    let e = tonebench::input::conditions::parse(&path, &text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("[[condition]] entries is 300, more than the supported maximum of 256"),
        "{e}"
    );
}

#[test]
fn cells_and_lines_past_the_bound_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let big = "x".repeat((1 << 20) + 10);
    let path = tmp.path().join("t.csv");
    std::fs::write(&path, format!("id,text\na,short\nb,{big}\n")).unwrap();
    let e = tonebench::input::table::Table::read(&path)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.csv line 3: field 2: the cell's length (bytes)"),
        "{e}"
    );
    let path = tmp.path().join("t.jsonl");
    let line = format!(
        "{{\"id\": \"a\", \"text\": \"{}\"}}\n",
        "y".repeat(17 << 20)
    );
    std::fs::write(&path, line).unwrap();
    let e = tonebench::input::table::Table::read(&path)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.jsonl line 1: the line's length (bytes)"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn inputs_that_are_not_regular_files_are_refused_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // An items table that is a symlink to /dev/zero (was read until memory ran out), then a
    // FIFO (blocked in open() forever).
    let s = dir.join("s");
    std::fs::create_dir_all(&s).unwrap();
    std::fs::write(s.join("suite.toml"), MANIFEST).unwrap();
    std::os::unix::fs::symlink("/dev/zero", s.join("items.csv")).unwrap();
    std::fs::write(dir.join("p.csv"), "id,pred\na,negative\n").unwrap();
    let args = ["score", "--suite", "s", "--predictions", "p.csv"];
    refused(
        dir,
        &args,
        &[
            "items.csv",
            "is a device; tonebench reads inputs only from regular files",
        ],
    );
    std::fs::remove_file(s.join("items.csv")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(s.join("items.csv"))
        .status();
    if !fifo.is_ok_and(|st| st.success()) {
        eprintln!("skipped the FIFO half: mkfifo failed");
        return;
    }
    refused(dir, &args, &["items.csv", "is a named pipe (FIFO)"]);
    // A WAV that is a FIFO, read by the audio decoder.
    let e = tonebench::audio::decode(&s.join("items.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read: is a named pipe (FIFO)"), "{e}");
    // A predictions file that is a directory.
    std::fs::create_dir(dir.join("d.csv")).unwrap();
    std::fs::remove_file(s.join("items.csv")).unwrap();
    std::fs::write(s.join("items.csv"), ITEMS).unwrap();
    refused(
        dir,
        &["score", "--suite", "s", "--predictions", "d.csv"],
        &["d.csv", "is a directory"],
    );
}

#[test]
fn missing_arguments_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    refused(
        tmp.path(),
        &["score"],
        &["not provided: --suite <SUITE>, --predictions <PREDICTIONS>"],
    );
}

#[test]
fn csv_header_quotes_are_unescaped_and_column_names_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.csv");
    std::fs::write(&path, "id,\"p_neg\"\"x\",\"a\rb\"\n1,2,3\n").unwrap();
    let t = tonebench::input::table::Table::read(&path).unwrap();
    assert_eq!(t.columns(), ["id", "p_neg\"x", "a\rb"]);
    // A `\r` inside a column name reaches the terminal escaped, never raw.
    suite(
        tmp.path(),
        "[columns]\nlabel = \"lab\\rel\"\n",
        "id,\"x\ry\"\na,negative\n",
    );
    let (code, err) = run_in(
        tmp.path(),
        &["score", "--suite", "s", "--predictions", "p.csv"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!err.trim_end().contains('\r'), "{err:?}");
    assert!(
        err.contains("\"lab\\rel\"") && err.contains("\"x\\ry\""),
        "{err}"
    );
}

#[test]
fn nested_parquet_columns_are_refused_naming_column_and_row() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let ids = Column::new("id".into(), ["a", "b"]);
    let list = Series::new(
        "tags".into(),
        [
            Series::new("".into(), [1i32, 2]),
            Series::new("".into(), [3i32]),
        ],
    );
    for (name, col) in [
        ("list.parquet", list.clone().into_column()),
        (
            "struct.parquet",
            StructChunked::from_series("meta".into(), 2, [list].iter())
                .unwrap()
                .into_series()
                .into_column(),
        ),
    ] {
        let mut df = DataFrame::new(2, vec![ids.clone(), col]).unwrap();
        let path = tmp.path().join(name);
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let e = tonebench::input::table::Table::read(&path)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("{name} row 0: column")), "{e}");
        assert!(e.contains("a cell must be text or a number"), "{e}");
    }
}

#[test]
fn ids_with_trailing_spaces_are_quoted() {
    let e = tonebench::infer::InferError::Item {
        id: "a ".into(),
        msg: "x".into(),
    };
    assert_eq!(e.to_string(), "item \"a \": x");
    let plain = tonebench::infer::InferError::Item {
        id: "demo-0001".into(),
        msg: "x".into(),
    };
    assert_eq!(plain.to_string(), "item demo-0001: x");
}

#[test]
fn duplicate_metadata_names_and_a_label_named_drop_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    suite(
        tmp.path(),
        "[cohorts]\nmetadata = [\"sex\", \"sex\"]\n",
        "id,label,sex\na,negative,f\nb,positive,m\n",
    );
    refused(
        tmp.path(),
        &["score", "--suite", "s", "--predictions", "p.csv"],
        &["[cohorts] metadata names column \"sex\" twice"],
    );
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "format-version = 1\nname = \"t\"\nlabels = [\"negative\", \"drop\"]\nitems = \"items.csv\"\n[label-map]\nneg = \"negative\"\n";
    write_suite(
        &tmp.path().join("s"),
        manifest,
        &[("items.csv", b"id,label\na,neg\n")],
    );
    std::fs::write(tmp.path().join("p.csv"), "id,pred\na,negative\n").unwrap();
    refused(
        tmp.path(),
        &["score", "--suite", "s", "--predictions", "p.csv"],
        &["a label named \"drop\" collides with the label-map keyword"],
    );
}

#[test]
fn a_cohorts_json_of_an_unknown_format_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("cohorts.json");
    std::fs::write(&p, "{\"format_version\": 2, \"partitions\": []}").unwrap();
    let e = tonebench::store::cohorts::read_cohorts_json(&p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("format_version 2 is not supported (this tonebench reads version 1)"),
        "{e}"
    );
}

#[test]
fn gate_markdown_escapes_model_names() {
    use tonebench_core::gate::{Status, Verdict};
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>|";
    let run = tonebench_core::verdicts::GateRun {
        verdicts: vec![Verdict {
            model: Some(evil.into()),
            rule: "accuracy >= 0.5 `x`".into(),
            status: Status::Pass,
            value: Some(0.9),
            bound: evil.into(),
            why: evil.into(),
        }],
        baseline: Some(evil.into()),
    };
    let md = tonebench::render::gate::markdown(&run, "r/<b>report.json");
    assert!(!md.contains("<script") && !md.contains("<img"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
}

#[test]
fn writing_compare_html_onto_a_folder_is_invalid_input_as_in_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    suite(dir, "", ITEMS);
    let (code, err) = run_in(
        dir,
        &[
            "score",
            "--suite",
            "s",
            "--predictions",
            "p.csv",
            "--out",
            "run",
            "--resamples",
            "0",
        ],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::create_dir(dir.join("folder")).unwrap();
    refused(dir, &["compare", "run", "--out", "folder"], &["folder"]);
    std::fs::write(
        dir.join("g.toml"),
        "format-version = 1\n[[gate]]\nrule = \"accuracy >= 0.1\"\n",
    )
    .unwrap();
    refused(
        dir,
        &[
            "gate",
            "--report",
            "run",
            "--gates",
            "g.toml",
            "--markdown",
            "folder",
        ],
        &["folder"],
    );
}

#[test]
fn report_paths_are_relative_to_the_suite_whatever_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    suite(dir, "", ITEMS);
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    let args = |out: &str| -> Vec<String> {
        [
            "score",
            "--suite",
            "s",
            "--predictions",
            "p.csv",
            "--resamples",
            "20",
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    };
    let a: Vec<String> = args("a");
    let (code, err) = run_in(dir, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    let abs = |p: &str| dir.join(p).display().to_string();
    let b = [
        "score",
        "--suite",
        &abs("s"),
        "--predictions",
        &abs("p.csv"),
        "--resamples",
        "20",
        "--out",
        &abs("b"),
    ];
    let (code, err) = run_in(&dir.join("elsewhere"), &b);
    assert_eq!(code, 0, "{err}");
    let ja = std::fs::read(dir.join("a/report.json")).unwrap();
    assert_eq!(ja, std::fs::read(dir.join("b/report.json")).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&ja).unwrap();
    // Outside the suite folder: its file name (a path from the suite would name the folders
    // both sit in).
    assert_eq!(v["models"][0]["source"]["path"], "p.csv");
}

/// An ONNX graph whose output the spec declares as probabilities but which gives logits is
/// refused like the same numbers in a predictions file (exit 2); with output-kind = "logits"
/// it runs. `onnx = "."` says it is a directory. A 1-sample clip is exit 2 naming the file.
#[test]
fn model_outputs_and_files_are_checked_like_file_inputs() {
    if !ort("model_outputs_and_files_are_checked_like_file_inputs") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let onnx = root().join("tests/fixtures/hf/wav2vec2/model.onnx");
    let spec = |kind: &str, onnx: &str| {
        format!(
            "format-version = 1\nname = \"w\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\n{kind}[audio]\nonnx = \"{onnx}\"\nsample-rate = 16000\n"
        )
    };
    std::fs::write(
        dir.join("probs.toml"),
        spec("", &onnx.display().to_string()),
    )
    .unwrap();
    std::fs::write(
        dir.join("logits.toml"),
        spec("output-kind = \"logits\"\n", &onnx.display().to_string()),
    )
    .unwrap();
    std::fs::write(dir.join("dot.toml"), spec("", ".")).unwrap();
    let s = write_suite(
        &dir.join("s"),
        &format!("{MANIFEST}audio-root = \"audio\"\n"),
        &[("items.csv", b"id,label,audio\na,negative,a.wav\n")],
    );
    std::fs::create_dir(s.join("audio")).unwrap();
    wav(&s.join("audio/a.wav"), 16_000, 16_000);
    let run = |model: &str, out: &str| {
        run_in(
            dir,
            &["run", "--suite", "s", "--model", model, "--out", out],
        )
    };
    let (code, err) = run("probs.toml", "o1");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("declared as probabilities but value") && err.contains("outside [0, 1]"),
        "{err}"
    );
    let (code, err) = run("logits.toml", "o2");
    assert_eq!(code, 0, "{err}");
    let (code, err) = run("dot.toml", "o3");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    wav(&s.join("audio/a.wav"), 1, 16_000);
    let (code, err) = run("logits.toml", "o4");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a.wav: 1 samples at 16000 Hz is shorter than the 0.025 s"),
        "{err}"
    );
}
