//! `profile --shard I/N` and `merge` of profile shards: the merged percentiles of a host class
//! are exactly those of the union of its shards' timed calls (nearest rank), two host classes
//! are never pooled, and shards of different settings, kinds or indices are refused.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{ort, read_json, root, tonebench};

fn demo() -> (PathBuf, PathBuf) {
    let r = root().join("suites/demo");
    (r.join("models/text.toml"), r)
}

/// `profile --shard` with `shard` (e.g. `["--shard", "1/3"]`) into `out`; panics on failure.
fn profile_shard(out: &Path, shard: &[&str], extra: &[&str], env: &[(&str, &str)]) -> String {
    let (model, suite) = demo();
    let mut cmd = tonebench();
    cmd.arg("profile")
        .arg("--model")
        .arg(&model)
        .arg("--suite")
        .arg(&suite)
        .args(["--batch", "1,4", "--iterations", "9"])
        .args(if extra.contains(&"--warmup") {
            &[][..]
        } else {
            &["--warmup", "1"][..]
        })
        .args(["--threads", "1", "--shard-by", "item", "--out"])
        .arg(out)
        .args(shard)
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `merge ARGS… --out out`: (exit code, stdout, stderr).
fn merge(args: &[&Path], out: &Path) -> (i32, String, String) {
    let o = tonebench()
        .arg("merge")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Nearest rank: the value at index ceil(p/100 · n) − 1 of the sorted timings.
fn rank(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.max(1) - 1]
}

/// The timed calls of batch entry `j` of the given shard folders, in shard order.
fn calls(shards: &[PathBuf], j: usize) -> Vec<f64> {
    shards
        .iter()
        .flat_map(|d| {
            read_json(&d.join("timings.json"))["batches"][j]["calls_ms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Checks a merged class's batch figures against the union of its shards' timings.
fn assert_union(class: &Value, shards: &[PathBuf]) {
    for (j, b) in class["batches"].as_array().unwrap().iter().enumerate() {
        let mut all = calls(shards, j);
        assert_eq!(b["latency"]["n"].as_u64().unwrap() as usize, all.len());
        all.sort_by(f64::total_cmp);
        let l = &b["latency"];
        for (key, p) in [
            ("p50_ms", 50.0),
            ("p90_ms", 90.0),
            ("p95_ms", 95.0),
            ("p99_ms", 99.0),
        ] {
            assert_eq!(
                l[key].as_f64().unwrap(),
                rank(&all, p),
                "{key} of batch {j}"
            );
        }
        assert_eq!(l["min_ms"].as_f64().unwrap(), all[0]);
        assert_eq!(l["max_ms"].as_f64().unwrap(), *all.last().unwrap());
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        assert!((l["mean_ms"].as_f64().unwrap() - mean).abs() <= 1e-9 * mean);
        let batch = b["batch"].as_f64().unwrap();
        let tput = all.len() as f64 * batch / (all.iter().sum::<f64>() / 1000.0);
        assert!((b["throughput_per_s"].as_f64().unwrap() - tput).abs() <= 1e-9 * tput);
    }
}

#[test]
fn profile_shards_merge_per_host_class_from_the_union_of_their_timings() {
    if !ort("profile_shards_merge_per_host_class_from_the_union_of_their_timings") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("prof");
    for i in 0..3 {
        let said = if i == 1 {
            // The index from a Kubernetes Indexed Job.
            profile_shard(
                &out,
                &["--shards", "3"],
                &[],
                &[("JOB_COMPLETION_INDEX", "1")],
            )
        } else {
            profile_shard(&out, &["--shard", &format!("{i}/3")], &[], &[])
        };
        assert!(
            said.contains(&format!("shard {i} of 3 (by item)")),
            "{said}"
        );
    }
    let shards: Vec<PathBuf> = (0..3)
        .map(|i| out.join(format!("shard-{i}-of-3")))
        .collect();
    let mut items = 0;
    for d in &shards {
        let m = read_json(&d.join("shard.json"));
        assert_eq!(m["kind"], "profile");
        assert!(m["ort"]["version"].is_string(), "{m:#}");
        assert_eq!(m["ort"]["provider"], "CPUExecutionProvider");
        assert!(m["host"]["class"]
            .as_str()
            .unwrap()
            .ends_with("CPUExecutionProvider"));
        items += m["items"].as_u64().unwrap();
        // Each shard is a profile of its own items too.
        let r = read_json(&d.join("report.json"));
        assert_eq!(r["models"][0]["latency"]["batches"][0]["latency"]["n"], 9);
    }
    assert_eq!(
        items,
        read_json(&shards[0].join("shard.json"))["suite"]["items"]
            .as_u64()
            .unwrap()
    );

    // One host class: the percentiles of the union of the shards' calls.
    let merged = tmp.path().join("merged");
    let (code, said, err) = merge(&[&out], &merged);
    assert_eq!(code, 0, "{err}");
    assert!(said.contains("3 shards, 1 host class"), "{said}");
    let rec = read_json(&merged.join("shards.json"));
    assert_eq!(rec["kind"], "profile");
    let classes = rec["host_classes"].as_array().unwrap();
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0]["shards"], serde_json::json!([0, 1, 2]));
    assert_eq!(classes[0]["items"].as_u64().unwrap(), items);
    assert_eq!(classes[0]["batches"][0]["latency"]["n"], 27);
    assert_union(&classes[0], &shards);

    // Shard 1 on other hardware: two classes, each from its own shards only.
    let moved = tmp.path().join("other").join("shard-1-of-3");
    std::fs::create_dir_all(&moved).unwrap();
    for f in ["shard.json", "timings.json"] {
        std::fs::copy(shards[1].join(f), moved.join(f)).unwrap();
    }
    let mut m = read_json(&moved.join("shard.json"));
    m["host"]["class"] = "Other CPU x64 CPUExecutionProvider".into();
    m["host"]["hostname"] = "elsewhere".into();
    std::fs::write(
        moved.join("shard.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    let merged2 = tmp.path().join("merged2");
    let (code, said, err) = merge(&[&shards[0], &moved, &shards[2]], &merged2);
    assert_eq!(code, 0, "{err}");
    assert!(said.contains("2 host classes"), "{said}");
    let rec = read_json(&merged2.join("shards.json"));
    let classes = rec["host_classes"].as_array().unwrap();
    let of = |name: &str| {
        classes
            .iter()
            .find(|c| c["host_class"].as_str().unwrap().starts_with(name))
            .unwrap()
    };
    let other = of("Other CPU");
    assert_eq!(other["shards"], serde_json::json!([1]));
    assert_eq!(other["hosts"], serde_json::json!(["elsewhere"]));
    assert_union(other, std::slice::from_ref(&moved));
    let here = classes
        .iter()
        .find(|c| c["shards"] == serde_json::json!([0, 2]))
        .unwrap();
    assert_union(here, &[shards[0].clone(), shards[2].clone()]);

    // Refusals (exit 2, naming what differs).
    let diff = tmp.path().join("diff");
    profile_shard(&diff, &["--shard", "1/3"], &["--warmup", "2"], &[]);
    let diff1 = diff.join("shard-1-of-3");
    let refused = [
        (
            vec![&shards[0], &diff1, &shards[2]],
            "settings.warmup (1 vs 2)",
        ),
        (vec![&shards[0], &shards[2]], "shard(s) 1 of 3 missing"),
        (
            vec![&shards[0], &shards[1], &moved, &shards[2]],
            "are both shard 1",
        ),
    ];
    for (args, says) in refused {
        let args: Vec<&Path> = args.iter().map(|p| p.as_path()).collect();
        let (code, _, err) = merge(&args, &tmp.path().join("never"));
        assert_eq!(code, 2, "{says}: {err}");
        assert!(err.contains(says), "want {says:?} in {err}");
    }
    assert!(!tmp.path().join("never").join("shards.json").exists());
}

#[test]
fn profile_and_run_shards_are_not_merged_together() {
    if !ort("profile_and_run_shards_are_not_merged_together") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let prof = tmp.path().join("prof");
    profile_shard(&prof, &["--shard", "0/2"], &[], &[]);
    let (model, suite) = demo();
    let run = tmp.path().join("run");
    let o = tonebench()
        .arg("run")
        .arg("--suite")
        .arg(&suite)
        .arg("--model")
        .arg(&model)
        .args([
            "--shard",
            "1/2",
            "--shard-by",
            "item",
            "--resamples",
            "10",
            "--out",
        ])
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, _, err) = merge(
        &[&prof.join("shard-0-of-2"), &run.join("shard-1-of-2")],
        &tmp.path().join("never"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("shard.json.kind"), "{err}");
    // A profile needs --out to shard, and a shard with no items says how to fix it.
    let (m, s) = demo();
    let o = tonebench()
        .args(["profile", "--shard", "0/2", "--model"])
        .arg(&m)
        .arg("--suite")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard needs --out"));
}
