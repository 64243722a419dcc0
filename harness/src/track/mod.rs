//! Experiment trackers: a finished run folder logged to MLflow through its REST API. The one
//! module that talks to the network. It reads the report and the run's files and writes
//! nothing; a tracker that is down or refuses is a [`TrackError`] (exit 3), raised only after the
//! run folder is complete, so no result is lost because a tracker failed.

pub mod entries;
pub mod keys;
pub mod mlflow;

use std::time::Duration;

use crate::error::{ErrorKind, HasKind};

/// Where and how to log, read from the command line and the variables MLflow's own client reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The tracking server, e.g. `http://127.0.0.1:5000` (a path prefix is kept).
    pub uri: String,
    /// `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD` (HTTP basic auth; wins over a token,
    /// as in MLflow's client).
    pub basic: Option<(String, String)>,
    /// `MLFLOW_TRACKING_TOKEN`: `Authorization: Bearer …`.
    pub token: Option<String>,
    /// `MLFLOW_TRACKING_INSECURE_TLS=true`: https without certificate checks.
    pub insecure_tls: bool,
    /// `MLFLOW_HTTP_REQUEST_TIMEOUT` seconds (MLflow's default 120).
    pub timeout: Duration,
    /// `MLFLOW_HTTP_REQUEST_MAX_RETRIES` (tonebench's default 3; MLflow's is 7).
    pub retries: u32,
    /// `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` seconds: retry n waits factor × 2^(n-1).
    pub backoff: f64,
    /// `--experiment`, else `MLFLOW_EXPERIMENT_NAME`, else `MLFLOW_EXPERIMENT_ID`, else the suite.
    pub experiment: Option<Experiment>,
    /// `--run-name`: the MLflow run's name (default: the run folder's name, or the model's).
    pub run_name: Option<String>,
}

/// The experiment a run goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Experiment {
    Name(String),
    Id(String),
}

impl Settings {
    /// The settings for `uri` (or, when `None`, `MLFLOW_TRACKING_URI`) from `vars`, the
    /// environment as a lookup (a test passes its own).
    pub fn from_vars(
        uri: Option<&str>,
        experiment: Option<&str>,
        run_name: Option<&str>,
        vars: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, TrackError> {
        let var = |k: &str| vars(k).filter(|v| !v.is_empty());
        let uri = match uri
            .map(str::to_string)
            .or_else(|| var("MLFLOW_TRACKING_URI"))
        {
            Some(u) => u,
            None => return Err(TrackError::NoUri),
        };
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(TrackError::Scheme(uri));
        }
        if var("MLFLOW_TRACKING_SERVER_CERT_PATH").is_some()
            || var("MLFLOW_TRACKING_CLIENT_CERT_PATH").is_some()
        {
            return Err(TrackError::Unsupported(
                "MLFLOW_TRACKING_SERVER_CERT_PATH / MLFLOW_TRACKING_CLIENT_CERT_PATH (tonebench trusts the Mozilla roots only)",
            ));
        }
        let number = |k: &'static str, default: f64| -> Result<f64, TrackError> {
            match var(k) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or(TrackError::BadVar { var: k, value: v }),
            }
        };
        let basic = match (
            var("MLFLOW_TRACKING_USERNAME"),
            var("MLFLOW_TRACKING_PASSWORD"),
        ) {
            (Some(u), Some(p)) => Some((u, p)),
            _ => None,
        };
        let experiment = match experiment {
            Some(e) => Some(Experiment::Name(e.to_string())),
            None => var("MLFLOW_EXPERIMENT_NAME")
                .map(Experiment::Name)
                .or_else(|| var("MLFLOW_EXPERIMENT_ID").map(Experiment::Id)),
        };
        Ok(Settings {
            uri: uri.trim_end_matches('/').to_string(),
            basic,
            token: var("MLFLOW_TRACKING_TOKEN"),
            insecure_tls: var("MLFLOW_TRACKING_INSECURE_TLS")
                .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
            timeout: Duration::from_secs_f64(number("MLFLOW_HTTP_REQUEST_TIMEOUT", 120.0)?),
            retries: number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 3.0)? as u32,
            backoff: number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 0.5)?,
            experiment,
            run_name: run_name.map(str::to_string),
        })
    }
}

/// A tracker that cannot be reached, refuses, or answers what tonebench cannot use.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    #[error("no MLflow tracking URI: give --uri (or --mlflow URI) or set MLFLOW_TRACKING_URI")]
    NoUri,
    #[error("MLflow tracking URI {0:?}: tonebench logs over http:// or https:// only (a tracking server; not file:, sqlite: or databricks)")]
    Scheme(String),
    #[error("{var}={value:?} is not a number of at least 0")]
    BadVar { var: &'static str, value: String },
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    #[error("MLflow at {uri} cannot be reached: {cause}")]
    Unreachable { uri: String, cause: String },
    #[error("MLflow refused {what} ({status}{code}): {message}{hint}")]
    Refused {
        what: String,
        status: u16,
        code: String,
        message: String,
        hint: &'static str,
    },
    #[error("MLflow answered {what} with something that is not its API's JSON: {cause}")]
    BadAnswer { what: String, cause: String },
    #[error(
        "MLflow experiment {0:?} is deleted; restore it in MLflow or choose another --experiment"
    )]
    DeletedExperiment(String),
    #[error("MLflow run {run_id} stores artifacts at {artifact_uri}; tonebench uploads through the server only (start it with --serve-artifacts, the default of `mlflow server`); params, metrics and tags were logged, the run is marked FAILED")]
    ArtifactStore {
        run_id: String,
        artifact_uri: String,
    },
    #[error("cannot read {path} to log it")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("logging to MLflow run {run_id} failed (the run is marked FAILED; the run folder is complete — log it again with: tonebench log mlflow {run_dir})")]
    RunFailed {
        run_id: String,
        run_dir: String,
        #[source]
        source: Box<TrackError>,
    },
}

impl HasKind for TrackError {
    fn kind(&self) -> ErrorKind {
        match self {
            TrackError::NoUri
            | TrackError::Scheme(_)
            | TrackError::BadVar { .. }
            | TrackError::Unsupported(_) => ErrorKind::Usage,
            TrackError::Unreachable { .. }
            | TrackError::Refused { .. }
            | TrackError::BadAnswer { .. }
            | TrackError::DeletedExperiment(_)
            | TrackError::ArtifactStore { .. }
            | TrackError::Read { .. }
            | TrackError::RunFailed { .. } => ErrorKind::Runtime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)], uri: Option<&str>) -> Result<Settings, TrackError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(uri, None, None, |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn variables_are_read_as_mlflows_client_reads_them() {
        let s = settings(
            &[
                ("MLFLOW_TRACKING_URI", "http://h:5000/"),
                ("MLFLOW_TRACKING_TOKEN", "t"),
                ("MLFLOW_TRACKING_USERNAME", "u"),
                ("MLFLOW_TRACKING_PASSWORD", "p"),
                ("MLFLOW_EXPERIMENT_ID", "4"),
                ("MLFLOW_HTTP_REQUEST_TIMEOUT", "5"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(s.uri, "http://h:5000");
        assert_eq!(s.basic, Some(("u".into(), "p".into())));
        assert_eq!(s.token.as_deref(), Some("t"));
        assert_eq!(s.experiment, Some(Experiment::Id("4".into())));
        assert_eq!(s.timeout, Duration::from_secs(5));
        let given = settings(&[("MLFLOW_TRACKING_URI", "http://env")], Some("http://arg")).unwrap();
        assert_eq!(given.uri, "http://arg");
    }

    #[test]
    fn missing_or_unusable_uris_are_usage_errors() {
        assert!(matches!(settings(&[], None), Err(TrackError::NoUri)));
        let e = settings(&[], Some("file:///tmp/mlruns")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Usage);
        let e = settings(&[("MLFLOW_HTTP_REQUEST_TIMEOUT", "soon")], Some("http://h")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "MLFLOW_HTTP_REQUEST_TIMEOUT=\"soon\" is not a number of at least 0"
        );
    }
}
