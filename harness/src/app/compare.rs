//! `report` and `compare`: runs read back from their folders, and item-by-item comparisons
//! between models of different runs.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tonebench_core::bootstrap::BootstrapConfig;
use tonebench_core::paired::{compare_models, pair, ItemPred, ModelComparison};
use tonebench_core::report::Report;

use crate::render::HtmlOptions;
use crate::store::report::LoadedReport;

/// A run read back: where its report.json is, the report, and a short label for it.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    pub path: PathBuf,
    /// The predictions.parquet beside the report (it may be missing).
    pub predictions: PathBuf,
    pub label: String,
    pub report: Report,
}

/// Reads a run folder or report.json as the typed report.
pub fn read_run(run: &Path) -> anyhow::Result<LoadedRun> {
    let loaded = LoadedReport::read(run)?;
    let report = loaded.typed()?;
    Ok(LoadedRun {
        label: run_label(run, &loaded.path),
        predictions: loaded.predictions_path(),
        path: loaded.path,
        report,
    })
}

/// The templates of `--templates DIR`, read whole; none without a folder.
fn templates(dir: Option<&Path>) -> anyhow::Result<Vec<(String, String)>> {
    Ok(match dir {
        Some(d) => crate::input::templates::read_templates(d)?,
        None => Vec::new(),
    })
}

/// Re-renders a run's report.html from its report.json, with the templates of `templates_dir`
/// first; returns where it was written.
pub fn rerender(run: &Path, templates_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let templates = templates(templates_dir)?;
    let run = read_run(run)?;
    let opts = HtmlOptions {
        templates,
        ..HtmlOptions::default()
    };
    let html = crate::render::render_html(&run.report, &opts)?;
    let out = run.path.with_file_name(crate::store::REPORT_HTML);
    crate::store::write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// Renders several runs side by side into `out`, pairing models of different runs item by item
/// where their predictions allow it.
pub fn compare(runs: &[PathBuf], templates_dir: Option<&Path>, out: &Path) -> anyhow::Result<()> {
    let templates = templates(templates_dir)?;
    let mut loaded: Vec<LoadedRun> = Vec::new();
    for run in runs {
        let mut r = read_run(run)?;
        // Two folders with the same name (a/run, b/run) still need different labels.
        if loaded.iter().any(|l| l.label == r.label) {
            r.label = format!("{} ({})", r.label, loaded.len() + 1);
        }
        loaded.push(r);
    }
    let paired = cross_run_comparisons(&loaded);
    let (run_labels, reports): (Vec<String>, Vec<Report>) =
        loaded.into_iter().map(|r| (r.label, r.report)).unzip();
    let opts = HtmlOptions {
        templates,
        run_labels,
        paired,
        ..HtmlOptions::default()
    };
    let html = crate::render::render_compare_html(&reports, &opts)?;
    // A file the user named (`--out FILE`): failing to write it is their input, as in `gate`.
    crate::store::write_named(out, html.as_bytes())?;
    Ok(())
}

/// A short label for a run: its folder's name.
fn run_label(run: &Path, report_path: &Path) -> String {
    let dir = if run.is_dir() {
        run
    } else {
        report_path.parent().unwrap_or(run)
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| run.display().to_string())
}

/// Compares every model of one run with every model of another, item by item, where both runs
/// kept their predictions.parquet and scored the same items with the same labels. Pairs that
/// cannot be paired are left out (the page then compares their intervals).
fn cross_run_comparisons(runs: &[LoadedRun]) -> Vec<ModelComparison> {
    let preds: Vec<Option<IndexMap<String, Vec<ItemPred>>>> = runs
        .iter()
        .map(|run| crate::store::predictions::read_predictions(&run.predictions).ok())
        .collect();
    let mut out = Vec::new();
    for i in 0..runs.len() {
        for j in i + 1..runs.len() {
            let (Some(pi), Some(pj)) = (&preds[i], &preds[j]) else {
                continue;
            };
            let (ri, rj) = (&runs[i].report, &runs[j].report);
            if ri.suite.labels != rj.suite.labels {
                continue;
            }
            let suite_labels = &ri.suite.labels;
            let b = &ri.bootstrap;
            let cfg = BootstrapConfig {
                resamples: b.resamples.max(1),
                confidence: b.confidence,
                seed: b.seed,
            };
            for (ma, a) in pi {
                for (mb, bb) in pj {
                    let Ok(p) = pair(suite_labels, a, bb) else {
                        continue;
                    };
                    out.push(compare_models(
                        (
                            &format!("{} · {ma}", runs[i].label),
                            &format!("{} · {mb}", runs[j].label),
                        ),
                        suite_labels,
                        &p.truth,
                        &p.candidate,
                        &p.baseline,
                        &cfg,
                    ));
                }
            }
        }
    }
    out
}
