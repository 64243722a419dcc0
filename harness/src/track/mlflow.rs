//! MLflow's REST API (2.0 paths, as served by MLflow 3.17.2): experiments looked up by name before
//! one is created, runs created, `log-batch` chunked to the server's limits, artifacts uploaded
//! through `mlflow-artifacts`, runs finished with `runs/update`.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::entries::Entries;
use super::{Experiment, Settings, TrackError};

/// `log-batch` limits of MLflow's server: per call at most 1000 metrics, 100 params, 100 tags,
/// and 1000 entries in all.
pub const MAX_METRICS: usize = 1000;
pub const MAX_PARAMS: usize = 100;
pub const MAX_TAGS: usize = 100;
/// MLflow's longest param value (`MAX_PARAM_VAL_LENGTH`) and tag value (`MAX_TAG_VAL_LENGTH`).
pub const MAX_PARAM_VALUE: usize = 6000;
pub const MAX_TAG_VALUE: usize = 8000;

/// A connection to one tracking server.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
}

/// An MLflow run created for logging.
#[derive(Debug, Clone)]
pub struct RunHandle {
    pub run_id: String,
    pub experiment_id: String,
    pub artifact_uri: String,
}

impl Client {
    pub fn new(settings: Settings) -> Client {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(settings.insecure_tls)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .tls_config(tls)
            .build()
            .into();
        Client { agent, settings }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The id of the experiment named `name`, created when there is none.
    pub fn experiment_id(&self, experiment: &Experiment) -> Result<String, TrackError> {
        let name = match experiment {
            Experiment::Id(id) => return Ok(id.clone()),
            Experiment::Name(n) => n,
        };
        if let Some(id) = self.find_experiment(name)? {
            return Ok(id);
        }
        match self.post("experiments/create", &json!({ "name": name })) {
            Ok(v) => string_at(&v, "/experiment_id", "experiments/create"),
            // Created by someone else since the lookup.
            Err(TrackError::Refused { code, .. }) if code.contains("RESOURCE_ALREADY_EXISTS") => {
                self.find_experiment(name)?
                    .ok_or_else(|| TrackError::BadAnswer {
                        what: "experiments/get-by-name".into(),
                        cause: format!("experiment {name:?} exists but was not found by name"),
                    })
            }
            Err(e) => Err(e),
        }
    }

    fn find_experiment(&self, name: &str) -> Result<Option<String>, TrackError> {
        let what = "experiments/get-by-name";
        let url = self.url(what);
        let sent = self.send(what, || {
            self.auth(self.agent.get(&url))
                .query("experiment_name", name)
                .call()
        });
        match sent {
            Ok(v) => {
                let stage = v
                    .pointer("/experiment/lifecycle_stage")
                    .and_then(Value::as_str);
                if stage == Some("deleted") {
                    return Err(TrackError::DeletedExperiment(name.to_string()));
                }
                string_at(&v, "/experiment/experiment_id", what).map(Some)
            }
            Err(TrackError::Refused { code, .. }) if code.contains("RESOURCE_DOES_NOT_EXIST") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a run named `name` in `experiment_id` (its tags come with [`Client::log_entries`]).
    pub fn create_run(&self, experiment_id: &str, name: &str) -> Result<RunHandle, TrackError> {
        let what = "runs/create";
        let v = self.post(
            what,
            &json!({
                "experiment_id": experiment_id,
                "run_name": name,
                "start_time": now_ms(),
            }),
        )?;
        Ok(RunHandle {
            run_id: string_at(&v, "/run/info/run_id", what)?,
            experiment_id: experiment_id.to_string(),
            artifact_uri: string_at(&v, "/run/info/artifact_uri", what)?,
        })
    }

    /// Logs every param, metric and tag of `entries`, in calls within MLflow's limits.
    pub fn log_entries(&self, run: &RunHandle, entries: &Entries) -> Result<(), TrackError> {
        let ts = now_ms();
        for chunk in entries.params.chunks(MAX_PARAMS) {
            self.log_batch(run, json!({ "params": pairs(chunk, MAX_PARAM_VALUE) }))?;
        }
        for chunk in entries.tags.chunks(MAX_TAGS) {
            self.log_batch(run, json!({ "tags": pairs(chunk, MAX_TAG_VALUE) }))?;
        }
        for chunk in entries.metrics.chunks(MAX_METRICS) {
            let metrics: Vec<Value> = chunk
                .iter()
                .map(|(k, v)| json!({ "key": k, "value": v, "timestamp": ts, "step": 0 }))
                .collect();
            self.log_batch(run, json!({ "metrics": metrics }))?;
        }
        Ok(())
    }

    fn log_batch(&self, run: &RunHandle, mut body: Value) -> Result<(), TrackError> {
        body["run_id"] = json!(run.run_id);
        self.post("runs/log-batch", &body).map(drop)
    }

    /// Uploads `file` as the artifact `name` at the top of the run's artifacts.
    pub fn log_artifact(&self, run: &RunHandle, name: &str, file: &Path) -> Result<(), TrackError> {
        let Some(root) = artifact_path(&run.artifact_uri) else {
            return Err(TrackError::ArtifactStore {
                run_id: run.run_id.clone(),
                artifact_uri: run.artifact_uri.clone(),
            });
        };
        let bytes = crate::open::read(file).map_err(|source| TrackError::Read {
            path: file.display().to_string(),
            source,
        })?;
        let url = format!(
            "{}/api/2.0/mlflow-artifacts/artifacts/{root}/{name}",
            self.settings.uri
        );
        let what = format!("the upload of {name}");
        self.send(&what, || {
            self.auth(self.agent.put(&url))
                .header("Content-Type", "application/octet-stream")
                .send(&bytes[..])
        })
        .map(drop)
    }

    /// Ends the run: `FINISHED`, or `FAILED` when logging broke off.
    pub fn finish(&self, run: &RunHandle, ok: bool) -> Result<(), TrackError> {
        let status = if ok { "FINISHED" } else { "FAILED" };
        self.post(
            "runs/update",
            &json!({ "run_id": run.run_id, "status": status, "end_time": now_ms() }),
        )
        .map(drop)
    }

    fn url(&self, endpoint: &str) -> String {
        format!("{}/api/2.0/mlflow/{endpoint}", self.settings.uri)
    }

    fn post(&self, endpoint: &str, body: &Value) -> Result<Value, TrackError> {
        let url = self.url(endpoint);
        self.send(endpoint, || {
            self.auth(self.agent.post(&url))
                .header("Content-Type", "application/json")
                .send(body.to_string())
        })
    }

    fn auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if let Some((user, password)) = &self.settings.basic {
            let token = base64(format!("{user}:{password}").as_bytes());
            req.header("Authorization", format!("Basic {token}"))
        } else if let Some(t) = &self.settings.token {
            req.header("Authorization", format!("Bearer {t}"))
        } else {
            req
        }
    }

    /// Sends with retries on transport errors and 429 / 5xx (as MLflow's client retries), and
    /// reads the JSON answer; any other non-2xx status is [`TrackError::Refused`].
    fn send(
        &self,
        what: &str,
        request: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Value, TrackError> {
        let mut attempt = 0u32;
        loop {
            let retry = attempt < self.settings.retries;
            let wait = || {
                let secs = self.settings.backoff * 2f64.powi(attempt as i32);
                std::thread::sleep(Duration::from_secs_f64(secs.min(60.0)));
            };
            match request() {
                Err(e) if retry => {
                    let _ = e;
                    wait();
                }
                Err(e) => {
                    return Err(TrackError::Unreachable {
                        uri: self.settings.uri.clone(),
                        cause: e.to_string(),
                    })
                }
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let text = resp.body_mut().read_to_string().unwrap_or_default();
                    let transient = status == 429 || (500..600).contains(&status);
                    if transient && retry {
                        wait();
                    } else if (200..300).contains(&status) {
                        return parse(what, &text);
                    } else {
                        return Err(refused(what, status, &text));
                    }
                }
            }
            attempt += 1;
        }
    }
}

fn parse(what: &str, text: &str) -> Result<Value, TrackError> {
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(text).map_err(|e| TrackError::BadAnswer {
        what: what.to_string(),
        cause: e.to_string(),
    })
}

fn refused(what: &str, status: u16, text: &str) -> TrackError {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let code = v
        .get("error_code")
        .and_then(Value::as_str)
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text.trim().chars().take(300).collect());
    let hint = match status {
        401 => "; set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
        403 => "; a server started with --host 127.0.0.1 answers 403 to other host names: use the host it was started with, or start it with --allowed-hosts",
        _ => "",
    };
    TrackError::Refused {
        what: what.to_string(),
        status,
        code,
        message,
        hint,
    }
}

fn string_at(v: &Value, pointer: &str, what: &str) -> Result<String, TrackError> {
    v.pointer(pointer)
        .and_then(|x| {
            x.as_str()
                .map(str::to_string)
                .or_else(|| x.as_u64().map(|n| n.to_string()))
        })
        .ok_or_else(|| TrackError::BadAnswer {
            what: what.to_string(),
            cause: format!("no {pointer} in the answer"),
        })
}

/// `[{key, value}]`, values cut to `max` characters.
fn pairs(entries: &[(String, String)], max: usize) -> Vec<Value> {
    entries
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v.chars().take(max).collect::<String>() }))
        .collect()
}

/// The path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/<run>/artifacts` or with a
/// `//host:port` authority), which the server serves under `mlflow-artifacts/artifacts/`.
pub fn artifact_path(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("mlflow-artifacts:")?;
    let rest = match rest.strip_prefix("//") {
        Some(r) => r.split_once('/').map(|(_, p)| p).unwrap_or(""),
        None => rest,
    };
    Some(rest.trim_matches('/').to_string())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Standard base64 with padding (RFC 4648), for HTTP basic auth.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_map_to_the_servers_path() {
        assert_eq!(
            artifact_path("mlflow-artifacts:/1/abc/artifacts").as_deref(),
            Some("1/abc/artifacts")
        );
        assert_eq!(
            artifact_path("mlflow-artifacts://127.0.0.1:5000/1/abc/artifacts").as_deref(),
            Some("1/abc/artifacts")
        );
        assert_eq!(artifact_path("s3://bucket/1/abc/artifacts"), None);
    }

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn a_refusal_names_mlflows_code_and_a_fix() {
        let e = refused(
            "runs/log-batch",
            400,
            r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid metric name: 'a=b'"}"#,
        );
        assert_eq!(
            e.to_string(),
            "MLflow refused runs/log-batch (400 INVALID_PARAMETER_VALUE): Invalid metric name: 'a=b'"
        );
        assert!(refused("runs/create", 403, "Invalid Host header")
            .to_string()
            .contains("--host 127.0.0.1"));
    }
}
