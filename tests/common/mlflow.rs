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
    pub port: u16,
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
        let server = Server {
            child,
            uri: format!("http://127.0.0.1:{port}"),
            port,
            _dir: dir,
        };
        server.wait_healthy();
        Some(server)
    }

    fn wait_healthy(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(120) {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let req = format!(
                    "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                    self.port
                );
                // The status line is enough; the server need not close the connection.
                let mut status = [0u8; 12];
                if s.write_all(req.as_bytes()).is_ok()
                    && s.read_exact(&mut status).is_ok()
                    && status.starts_with(b"HTTP/1.1 200")
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let log = std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default();
        panic!("mlflow server not healthy after 120 s:\n{log}");
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
        // `mlflow server` runs uvicorn in children: stop the whole group it leads.
        // SIGKILL: `mlflow server` can outlive a SIGTERM while it waits on its workers.
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
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
