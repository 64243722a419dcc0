//! `baseline`: record a run as a named baseline, find one, list them.

use std::path::{Path, PathBuf};

use crate::store::baseline::{self, Baseline};
use crate::store::report::LoadedReport;

/// Records the run at `run` as baseline `name` under `root`; returns the baseline's folder.
pub fn save(root: &Path, name: &str, run: &Path, force: bool) -> anyhow::Result<PathBuf> {
    Ok(baseline::save(root, name, run, force)?)
}

/// Baseline `name` (of `suite`, when given) and its report.
pub fn show(
    root: &Path,
    name: &str,
    suite: Option<&str>,
) -> anyhow::Result<(Baseline, LoadedReport)> {
    let b = baseline::find(root, name, suite)?;
    let report = b.report()?;
    Ok((b, report))
}

/// Every baseline under `root`, by suite then name.
pub fn list(root: &Path) -> anyhow::Result<Vec<Baseline>> {
    Ok(baseline::list(root)?)
}
