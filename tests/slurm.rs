//! A real Slurm job array: a single-node cluster on localhost (`scripts/slurm/local-cluster.sh`:
//! munged, slurmctld and slurmd from Debian's slurm-wlm and munge, all state in a temporary
//! folder, stopped at the end), `sbatch --array=0-3 --wait` running `tonebench run --shard auto`,
//! then `merge`, compared with the unsharded run byte for byte. It runs where the packages are
//! installed (`scripts/setup.sh --test`) and the tests run as root, as the smoke of `make test`;
//! `TONEBENCH_SLURM_TESTS=0` turns it off and `=1` makes missing packages a failure. Where the
//! daemons cannot start it says `skipped` with the reason.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{ort, root, tonebench};

/// The cluster's daemons, stopped when dropped.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Result<Cluster, String> {
        let o = Command::new("bash")
            .arg(root().join("scripts/slurm/local-cluster.sh"))
            .arg("start")
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        if o.status.success() {
            Ok(Cluster {
                dir: dir.to_owned(),
            })
        } else {
            Err(String::from_utf8_lossy(&o.stderr)
                .trim()
                .replace('\n', " | "))
        }
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("scripts/slurm/local-cluster.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

fn installed() -> bool {
    ["munged", "slurmctld", "slurmd", "sbatch"].iter().all(|b| {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .any(|d| Path::new(d).join(b).is_file())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_slurm_job_array_of_shards_merges_to_the_unsharded_report() {
    let test = "a_slurm_job_array_of_shards_merges_to_the_unsharded_report";
    let gate = std::env::var("TONEBENCH_SLURM_TESTS").unwrap_or_default();
    if gate == "0" {
        eprintln!("skipped {test}: TONEBENCH_SLURM_TESTS=0");
        return;
    }
    if !installed() || !is_root() {
        let why = if is_root() {
            "slurm-wlm and munge are not installed (scripts/setup.sh --test installs them)"
        } else {
            "the local cluster's daemons run as root"
        };
        assert!(gate != "1", "TONEBENCH_SLURM_TESTS=1 but {why}");
        eprintln!("skipped {test}: {why}");
        return;
    }
    if !ort(test) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cluster = match Cluster::start(&tmp.path().join("cluster")) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("skipped {test}: the Slurm daemons cannot start here: {why}");
            return;
        }
    };
    let demo = root().join("suites/demo");
    let run_args = |out: &Path| {
        vec![
            "run".to_owned(),
            "--suite".into(),
            demo.display().to_string(),
            "--model".into(),
            demo.join("models/text.toml").display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--resamples".into(),
            "100".into(),
            "--threads".into(),
            "1".into(),
        ]
    };
    let whole = tmp.path().join("whole");
    let o = tonebench().args(run_args(&whole)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let shards = tmp.path().join("shards");
    let bin = assert_cmd::cargo::cargo_bin("tonebench");
    let script = tmp.path().join("shard.sbatch");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} {} --shard auto\n",
            bin.display(),
            run_args(&shards).join(" ")
        ),
    )
    .unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let started = Instant::now();
    let mut sbatch = Command::new("sbatch")
        .args(["--array=0-3", "--wait", "--job-name=tonebench-shards"])
        .arg(format!("--chdir={}", root().display()))
        .arg(format!("--output={}/task-%a.log", logs.display()))
        .arg(&script)
        .env("SLURM_CONF", cluster.conf())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = sbatch.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(300) {
            sbatch.kill().unwrap();
            sbatch.wait().unwrap();
            panic!("sbatch --wait did not return in 300 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let task_logs: String = (0..4)
        .map(|i| std::fs::read_to_string(logs.join(format!("task-{i}.log"))).unwrap_or_default())
        .collect();
    assert!(
        status.success(),
        "sbatch: {status}; task logs:\n{task_logs}"
    );
    eprintln!(
        "{test}: 4 Slurm array tasks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for i in 0..4 {
        let m = crate::common::read_json(&shards.join(format!("shard-{i}-of-4/shard.json")));
        assert_eq!(m["shard"]["index"], i, "task {i} ran shard {i}");
    }

    let merged = tmp.path().join("merged");
    let o = tonebench()
        .arg("merge")
        .arg(&shards)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(whole.join("report.json")).unwrap()
            == std::fs::read(merged.join("report.json")).unwrap(),
        "the merged Slurm shards' report.json differs from the unsharded run's"
    );
}
