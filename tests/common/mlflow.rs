//! A real MLflow tracking server for tests/mlflow.rs: `mlflow server` from the cached venv of
//! scripts/setup-mlflow.sh on 127.0.0.1, a SQLite store and served artifacts in a temporary
//! folder, stopped (its whole process group) when dropped; and MLflow's Python client reading
//! an experiment back (tests/fixtures/mlflow/read_back.py).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

/// The venv holding mlflow: `TONEBENCH_MLFLOW_VENV`, else ~/.cache/tonebench-py/mlflow.
pub fn venv() -> PathBuf {
    std::env::var_os("TONEBENCH_MLFLOW_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/tonebench-py/mlflow")
        })
}

/// Whether the full MLflow tests run (`TONEBENCH_MLFLOW_TESTS=1`); the smoke runs whenever the
/// venv is there.
pub fn full() -> bool {
    std::env::var("TONEBENCH_MLFLOW_TESTS").as_deref() == Ok("1")
}

pub struct Server {
    child: Child,
    pub uri: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server, or `None` with the reason printed when mlflow is not installed (with
    /// `TONEBENCH_MLFLOW_TESTS=1` a missing mlflow fails the test instead).
    pub fn start(test: &str) -> Option<Server> {
        let mlflow = venv().join("bin/mlflow");
        if !mlflow.is_file() {
            let why = format!(
                "{} not found; run scripts/setup-mlflow.sh (make setup-test does)",
                mlflow.display()
            );
            assert!(!full(), "TONEBENCH_MLFLOW_TESTS=1 but {why}");
            eprintln!("skipped {test}: {why}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new(&mlflow);
        cmd.args(["server", "--workers", "1", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--backend-store-uri")
            .arg(format!(
                "sqlite:///{}",
                dir.path().join("mlflow.db").display()
            ))
            .arg("--artifacts-destination")
            .arg(dir.path().join("artifacts"))
            .arg("--serve-artifacts")
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("mlflow server starts");
        let mut server = Server {
            child,
            uri: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        server.wait_healthy();
        Some(server)
    }

    /// Polls `/health` (ureq, 5 s per try) until it answers 200, the server exits, or 120 s
    /// pass; a failure panics with the server's log (and the drop stops the server).
    fn wait_healthy(&mut self) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let url = format!("{}/health", self.uri);
        let start = Instant::now();
        let why = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break format!("mlflow server exited ({status}) before it was healthy");
            }
            if start.elapsed() > Duration::from_secs(120) {
                break "mlflow server not healthy after 120 s".to_string();
            }
            if agent
                .get(&url)
                .call()
                .is_ok_and(|r| r.status().as_u16() == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        };
        let log = std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default();
        panic!("{why}:\n{log}");
    }

    /// The server's processes: `mlflow server` and the uvicorn workers of its process group.
    pub fn pids(&self) -> Vec<u32> {
        let group = self.child.id();
        let mut pids = vec![group];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // After the command's `)`: state, ppid, pgrp.
            let pgrp = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<u32>().ok());
            if pgrp == Some(group) && pid != group {
                pids.push(pid);
            }
        }
        pids
    }

    /// Every run of `experiment` as MLflow's Python client reads it.
    pub fn read_back(&self, experiment: &str) -> serde_json::Value {
        let out = Command::new(venv().join("bin/python"))
            .arg(root().join("tests/fixtures/mlflow/read_back.py"))
            .arg(&self.uri)
            .arg(experiment)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "read_back.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `mlflow server` runs uvicorn in children: stop the whole group it leads. SIGKILL:
        // `mlflow server` can outlive a SIGTERM while it waits on its workers. The `--` matters:
        // procps-ng's kill reads `-KILL -PGID` as two signal options, sends nothing and exits 0
        // (which once left this drop waiting forever on a server that was never signalled).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Never wait forever: if the group kill did not take, kill the leader itself.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a process is still running (not gone, not a zombie): for the test that the server
/// is stopped.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// sha256 of a file, as read_back.py reports artifacts.
pub fn sha256(path: &Path) -> String {
    tonebench::digest::sha256_file(path).unwrap()
}
