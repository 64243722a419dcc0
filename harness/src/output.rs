//! Writing a run folder: report.json, report.md, predictions.parquet — each written whole to a
//! temporary name and renamed, so a crash never leaves half a file.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;
use tonebench_core::report::Report;

use crate::evaluate::ModelRun;
use crate::suite::Suite;

/// Prefix of the predictions.parquet columns that carry suite metadata columns.
pub const META_PREFIX: &str = "meta_";

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// report.json bytes: pretty JSON with a trailing newline. Deterministic for a given report.
pub fn report_json(report: &Report) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).expect("the report model always serializes");
    bytes.push(b'\n');
    bytes
}

/// The predictions of every model, one row per item and model. Besides id, model, label, pred,
/// `p_<label>` and latency_ms it carries each item's cohort membership: `speaker` and one
/// `meta_<column>` per suite metadata column (nullable text), so that a baseline's stored
/// predictions can be restricted to a cohort (`cohort = "sex=female"` in a gate file).
pub fn predictions_frame(suite: &Suite, runs: &[ModelRun]) -> PolarsResult<DataFrame> {
    let labels = suite.labels.names();
    let k = labels.len();
    let rows = suite.items.len() * runs.len();
    let mut id = Vec::with_capacity(rows);
    let mut model = Vec::with_capacity(rows);
    let mut truth = Vec::with_capacity(rows);
    let mut pred = Vec::with_capacity(rows);
    let mut probs: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); k];
    let mut latency: Vec<Option<f64>> = Vec::with_capacity(rows);
    let mut speaker: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut meta: Vec<Vec<Option<&str>>> =
        vec![Vec::with_capacity(rows); suite.metadata_columns.len()];
    for run in runs {
        for (i, item) in suite.items.iter().enumerate() {
            id.push(item.id.as_str());
            model.push(run.name.as_str());
            truth.push(labels[item.label].as_str());
            pred.push(run.pred[i].map(|p| labels[p].as_str()));
            for (c, col) in probs.iter_mut().enumerate() {
                col.push(run.probs.as_ref().map(|p| p[i * k + c]));
            }
            latency.push(run.latency_ms.as_ref().and_then(|l| l[i]));
            speaker.push(item.speaker.as_deref());
            for (c, col) in meta.iter_mut().enumerate() {
                col.push(item.meta.get(c).and_then(|v| v.as_deref()));
            }
        }
    }
    let mut columns = vec![
        Column::new("id".into(), id),
        Column::new("model".into(), model),
        Column::new("label".into(), truth),
        Column::new("pred".into(), pred),
    ];
    for (c, col) in probs.into_iter().enumerate() {
        columns.push(Column::new(format!("p_{}", labels[c]).into(), col));
    }
    columns.push(Column::new("latency_ms".into(), latency));
    columns.push(Column::new("speaker".into(), speaker));
    for (name, col) in suite.metadata_columns.iter().zip(meta) {
        columns.push(Column::new(format!("{META_PREFIX}{name}").into(), col));
    }
    DataFrame::new_infer_height(columns)
}

/// Writes predictions.parquet.
pub fn write_predictions(path: &Path, suite: &Suite, runs: &[ModelRun]) -> anyhow::Result<()> {
    let mut df = predictions_frame(suite, runs)
        .map_err(|e| anyhow::anyhow!("cannot assemble predictions: {e}"))?;
    let tmp = path.with_extension("tmp~");
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// The files a run folder receives.
pub struct RunFiles {
    pub dir: PathBuf,
}

impl RunFiles {
    pub fn create(dir: &Path) -> anyhow::Result<RunFiles> {
        if dir.exists() && !dir.is_dir() {
            return Err(crate::exit::input(anyhow::anyhow!(
                "--out {}: exists and is not a folder",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        Ok(RunFiles {
            dir: dir.to_owned(),
        })
    }

    pub fn report_json(&self) -> PathBuf {
        self.dir.join("report.json")
    }

    pub fn report_html(&self) -> PathBuf {
        self.dir.join("report.html")
    }

    pub fn report_md(&self) -> PathBuf {
        self.dir.join("report.md")
    }

    pub fn predictions(&self) -> PathBuf {
        self.dir.join("predictions.parquet")
    }

    /// Writes the report in every format.
    pub fn write_report(&self, report: &Report) -> anyhow::Result<()> {
        write_atomic(&self.report_json(), &report_json(report))?;
        let md = crate::render::markdown::render(report).context("cannot render report.md")?;
        write_atomic(&self.report_md(), md.as_bytes())?;
        let html = crate::render::render_html(report, &Default::default())
            .context("cannot render report.html")?;
        write_atomic(&self.report_html(), html.as_bytes())
    }
}

/// Refuses an output folder that already holds a run, so a finished run is never overwritten by
/// accident (`run --resume` continues one on purpose).
pub fn check_fresh(dir: &Path) -> anyhow::Result<()> {
    for file in ["report.json", crate::journal::FILE_NAME] {
        if dir.join(file).exists() {
            return Err(crate::exit::input(anyhow::anyhow!(
                "{} already holds a run ({file}); choose another --out, remove the folder, or continue an interrupted `tonebench run` with --resume",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `reports/<suite>-<UTC time>` under the current folder.
pub fn default_out_dir(suite: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    PathBuf::from("reports").join(format!("{}-{}", sanitize(suite), utc_stamp(secs)))
}

/// A file-name-safe version of a name.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `YYYYMMDD-HHMMSS` in UTC for seconds since the Unix epoch.
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps() {
        assert_eq!(super::utc_stamp(0), "19700101-000000");
        assert_eq!(super::utc_stamp(1_795_000_000), "20261118-110640");
    }
}
