//! `run --shard I/N` and `merge`: for random suites, shard counts and splits, the merged
//! report.json is byte-identical to the unsharded run's — plain, streamed (`--window`) and under
//! acoustic conditions (`--conditions`); shards that do not belong together are refused, naming
//! which. `TONEBENCH_SHARD_CASES=N` runs N random plain cases instead of the smoke's 3.

use std::path::{Path, PathBuf};

use crate::common::{ort, root, tonebench, Rng};

/// A random suite over the demo's clips: some of its rows in a random order, with or without
/// speakers, cohorts by sex and accent (and, with speakers, k-means over MFCC statistics).
fn random_suite(dir: &Path, rng: &mut Rng) -> PathBuf {
    let demo = root().join("suites/demo");
    let items = std::fs::read_to_string(demo.join("items.csv")).unwrap();
    let mut lines = items.lines();
    let mut header = lines.next().unwrap().to_owned();
    let mut rows: Vec<&str> = lines.collect();
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.range(0, i));
    }
    rows.truncate(rng.range(12, 60));
    if rng.range(0, 3) == 0 {
        // No speakers: the speaker column becomes metadata, shards split by item.
        header = header.replace(",speaker,", ",voice,");
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("items.csv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.join("suite.toml"),
        format!(
            "format-version = 1\nname = \"random\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\n\
             items = \"items.csv\"\naudio-root = {:?}\n[cohorts]\nmetadata = [\"sex\", \"accent\"]\nseed = 7\nmin-speakers = 2\n",
            demo.join("audio").display().to_string()
        ),
    )
    .unwrap();
    dir.to_owned()
}

/// `tonebench run` with `args`, which must succeed.
fn run(args: &[&std::ffi::OsStr]) {
    let o = tonebench().arg("run").args(args).output().unwrap();
    assert!(
        o.status.success(),
        "run {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The unsharded run against the merge of `n` shards split `by`: report.json, and every other
/// file both write but the journal and predictions.parquet, byte for byte.
fn check(tmp: &Path, args: &[&std::ffi::OsStr], n: usize, by: Option<&str>) {
    let whole = tmp.join("whole");
    let sharded = tmp.join("shards");
    let merged = tmp.join("merged");
    run(&[args, &["--out".as_ref(), whole.as_os_str()]].concat());
    for i in 0..n {
        let shard = format!("{i}/{n}");
        let mut a: Vec<&std::ffi::OsStr> = args.to_vec();
        a.extend(["--out".as_ref(), sharded.as_os_str(), "--shard".as_ref()]);
        a.push(shard.as_ref());
        if let Some(by) = by {
            a.extend([os("--shard-by"), os(by)]);
        }
        run(&a);
    }
    let o = tonebench()
        .arg("merge")
        .arg(&sharded)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<_> = std::fs::read_dir(&whole)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort_by_key(|n| n != "report.json");
    let mut compared = 0;
    for name in names {
        // The journal is written in suite order by the merge; predictions.parquet holds the
        // latencies measured, which differ from run to run; run.lock holds its writer's pid.
        if name == "predictions.journal.jsonl"
            || name == "predictions.parquet"
            || name == "run.lock"
        {
            continue;
        }
        let a = std::fs::read(whole.join(&name)).unwrap();
        let b =
            std::fs::read(merged.join(&name)).unwrap_or_else(|_| panic!("merge wrote no {name:?}"));
        assert!(
            a == b,
            "{name:?} of {n} shards by {by:?} differs from the unsharded run's ({})",
            tmp.display()
        );
        compared += 1;
    }
    assert!(
        compared >= 4,
        "report.json, .md, .html, predictions.parquet"
    );
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    if !ort("merged_shards_equal_the_unsharded_run") {
        return;
    }
    let cases: usize = std::env::var("TONEBENCH_SHARD_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let models = root().join("suites/demo/models");
    let mut rng = Rng(0x5eed_0014);
    for case in 0..cases {
        let tmp = tempfile::tempdir().unwrap();
        let suite = random_suite(&tmp.path().join("suite"), &mut rng);
        let n = rng.range(1, 8);
        let by = [None, Some("speaker"), Some("item")][rng.range(0, 2)];
        let text = models.join("text.toml");
        let audio = models.join("audio.toml");
        let mut args = vec![
            os("--suite"),
            suite.as_os_str(),
            os("--model"),
            text.as_os_str(),
        ];
        if case % 2 == 1 {
            args.extend([os("--model"), audio.as_os_str()]);
        }
        args.extend([os("--resamples"), os("100"), os("--threads"), os("1")]);
        eprintln!("case {case}: {n} shards by {by:?}");
        check(tmp.path(), &args, n, by);
    }
}

#[test]
fn merged_streamed_shards_equal_the_unsharded_run() {
    if !ort("merged_streamed_shards_equal_the_unsharded_run") {
        return;
    }
    let mut rng = Rng(0x5eed_0015);
    let n = rng.range(2, 5);
    let suite = root().join("suites/demo-calls");
    let model = root().join("suites/demo/models/audio.toml");
    let tmp = tempfile::tempdir().unwrap();
    // --window-batch 2: the batch check of the unsharded run (its first call) is kept.
    let args = [
        os("--suite"),
        suite.as_os_str(),
        os("--model"),
        model.as_os_str(),
        os("--window"),
        os("5"),
        os("--window-batch"),
        os("2"),
        os("--speech"),
        os("energy"),
        os("--resamples"),
        os("100"),
        os("--threads"),
        os("1"),
    ];
    check(tmp.path(), &args, n, Some("item"));
}

#[test]
fn merged_shards_under_conditions_equal_the_unsharded_run() {
    if !ort("merged_shards_under_conditions_equal_the_unsharded_run") {
        return;
    }
    let mut rng = Rng(0x5eed_0016);
    let tmp = tempfile::tempdir().unwrap();
    let suite = random_suite(&tmp.path().join("suite"), &mut rng);
    let conditions = tmp.path().join("conditions.toml");
    std::fs::write(
        &conditions,
        "format-version = 1\n[[condition]]\nname = \"white-10db\"\nnoise = \"white\"\nsnr-db = 10\n\
         [[condition]]\nname = \"phone\"\ntelephony = \"g711-mulaw\"\n",
    )
    .unwrap();
    let model = root().join("suites/demo/models/audio.toml");
    let args = [
        os("--suite"),
        suite.as_os_str(),
        os("--model"),
        model.as_os_str(),
        os("--conditions"),
        conditions.as_os_str(),
        os("--resamples"),
        os("100"),
        os("--threads"),
        os("1"),
    ];
    check(tmp.path(), &args, rng.range(2, 8), None);
}

/// `tonebench run` of the demo's text model over the demo suite.
fn demo_text() -> assert_cmd::Command {
    let demo = root().join("suites/demo");
    let mut c = tonebench();
    c.args(["run", "--suite"])
        .arg(&demo)
        .arg("--model")
        .arg(demo.join("models/text.toml"));
    c
}

/// A 2-shard run of the demo's text model in `dir/name`, with `extra` arguments.
fn two_shards(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    for i in 0..2 {
        let o = demo_text()
            .arg("--out")
            .arg(&out)
            .args(["--resamples", "50", "--shard", &format!("{i}/2")])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    out
}

/// `merge` over `shards`: exit 2 and an error containing every one of `want`.
fn refused(tmp: &Path, shards: &[PathBuf], want: &[&str]) {
    let out = tmp.join("merged");
    let o = tonebench()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for w in want {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    assert!(!out.join("report.json").exists());
}

#[test]
fn shards_that_do_not_belong_together_are_refused_naming_which() {
    if !ort("shards_that_do_not_belong_together") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let run = two_shards(t, "run", &[]);
    let (s0, s1) = (run.join("shard-0-of-2"), run.join("shard-1-of-2"));
    refused(t, std::slice::from_ref(&s0), &["shard(s) 1 of 2 missing"]);
    refused(
        t,
        &[s0.clone(), s0.clone(), s1.clone()],
        &["are both shard 0", "shard-0-of-2"],
    );
    let other = two_shards(t, "other", &["--seed", "8"]);
    refused(
        t,
        &[s0.clone(), other.join("shard-1-of-2")],
        &["settings.bootstrap.seed (7 vs 8)", "other/shard-1-of-2"],
    );
    refused(t, &[run.join("nothing")], &["not a shard run folder"]);

    // An item in two shards, then an item in none.
    let journal = |d: &Path| d.join("predictions.journal.jsonl");
    let j0 = std::fs::read_to_string(journal(&s0)).unwrap();
    let j1 = std::fs::read_to_string(journal(&s1)).unwrap();
    let item = j0
        .lines()
        .find(|l| l.contains("\"kind\":\"item\""))
        .unwrap();
    std::fs::write(journal(&s1), format!("{j1}{item}\n")).unwrap();
    refused(
        t,
        &[s0.clone(), s1.clone()],
        &["is in shards", "shard-0-of-2", "shard-1-of-2"],
    );
    std::fs::write(journal(&s1), &j1).unwrap();
    let id = item
        .split("\"id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let kept: String = j0
        .lines()
        .filter(|l| *l != item)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(journal(&s0), kept).unwrap();
    refused(
        t,
        &[s0.clone(), s1.clone()],
        &["missing from every shard", id, "belongs to shard 0"],
    );
    std::fs::write(journal(&s0), &j0).unwrap();

    // A shard whose run did not finish.
    let manifest = s1.join("shard.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        m.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    refused(
        t,
        &[s0.clone(), s1.clone()],
        &["did not finish", "shard-1-of-2"],
    );
    std::fs::write(&manifest, m).unwrap();

    // And the shards as they are merge.
    let o = tonebench()
        .arg("merge")
        .arg(&run)
        .arg("--out")
        .arg(t.join("ok"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let record = crate::common::read_json(&t.join("ok/shards.json"));
    assert_eq!(record["shards"].as_array().unwrap().len(), 2);
    assert_eq!(record["latency"][0]["model"], "demo-text");
    assert_eq!(record["latency"][0]["items"], 108);
}

#[test]
fn bad_shard_arguments_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, want) in [
        (vec!["--shard", "2/2"], "the index must be 0"),
        (vec!["--shard", "x"], "expected I/N"),
        (vec!["--shard-by", "item"], "--shard-by needs --shard"),
        (vec!["--shard", "auto"], "neither SLURM_ARRAY_TASK_ID"),
    ] {
        let o = demo_text()
            .arg("--out")
            .arg(tmp.path().join("o"))
            .args(&args)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let o = demo_text().args(["--shard", "0/2"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard needs --out"));
}
