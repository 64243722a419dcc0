//! The shared end of every scoring command: evaluate the model runs, attach cohorts, write the
//! run folder (report.json, report.md, report.html, predictions.parquet, cohorts files).

use std::path::{Path, PathBuf};

use anyhow::Context;

use tonebench_core::bootstrap::BootstrapConfig;
use tonebench_core::report::Report;

use super::embeddings::{Ahead, ClipEmbedder};
use super::evaluate::{attach_cohorts, cohort_config, evaluate, CohortSources, EvalConfig};
use super::robustness::evaluate::attach;
use super::robustness::RobustnessRuns;
use super::AppError;
use crate::input::suite::{CohortSpec, Suite};
use crate::runs::ModelRun;
use crate::store::RunDir;

/// How runs are evaluated: intervals, saved cohorts to apply, evidence to include.
#[derive(Debug, Clone)]
pub struct EvalSettings {
    pub bootstrap: BootstrapConfig,
    /// `--cohorts-from`: a run folder or cohorts.json whose embedding cohorts are applied.
    pub cohorts_from: Option<PathBuf>,
    /// `--examples N`: the most confidently misclassified items of every cohort.
    pub examples: usize,
}

/// Renders the report and writes it into the run folder in every format.
pub fn write_report(dir: &RunDir, report: &Report) -> anyhow::Result<()> {
    let md = crate::render::markdown::render(report)
        .with_context(|| format!("cannot render {}", crate::store::REPORT_MD))?;
    let html = crate::render::render_html(report, &Default::default())
        .with_context(|| format!("cannot render {}", crate::store::REPORT_HTML))?;
    dir.write_report(report, &md, &html)?;
    Ok(())
}

/// Evaluates and writes a run folder; returns the report.
pub fn finish_run(
    suite: &Suite,
    runs: &[ModelRun],
    settings: &EvalSettings,
    out: &Path,
) -> anyhow::Result<Report> {
    finish_run_with(suite, runs, None, None, settings, out)
}

/// [`finish_run`] with the predictions under acoustic conditions of `run --conditions`, and the
/// embeddings `run` made as it decoded the clips.
pub fn finish_run_with(
    suite: &Suite,
    runs: &[ModelRun],
    robustness: Option<&RobustnessRuns>,
    ahead: Option<Ahead>,
    settings: &EvalSettings,
    out: &Path,
) -> anyhow::Result<Report> {
    let cfg = EvalConfig {
        bootstrap: settings.bootstrap,
    };
    let dir = RunDir::create(out)?;
    crate::store::predictions::write_predictions(&dir.predictions(), suite, runs)?;
    let spinner = crate::term::spinner(format!(
        "scoring {} model(s): {} bootstrap resamples",
        runs.len(),
        cfg.bootstrap.resamples
    ));
    let mut report = evaluate(suite, runs, &cfg);
    drop(spinner);
    report
        .warnings
        .extend(super::leakage::training_warning(suite)?);
    super::paths::relative_sources(&mut report, &suite.dir);
    if let Some(spec) = &suite.cohorts {
        let sources = cohort_sources(suite, spec, settings.cohorts_from.as_deref(), ahead)?;
        let spinner = crate::term::spinner("cohorts: clustering, intervals and tests");
        let partitions = attach_cohorts(
            &mut report,
            suite,
            runs,
            spec,
            &sources,
            &cfg.bootstrap,
            settings.examples,
        )?;
        drop(spinner);
        crate::store::cohorts::write_run_files(
            out,
            &partitions.partitions,
            &suite.speakers(),
            &partitions.model,
        )?;
        if let Some(rob) = robustness {
            let ccfg = cohort_config(spec, &cfg.bootstrap);
            let _spinner = crate::term::spinner("robustness: per-condition scores");
            attach(
                &mut report,
                suite,
                runs,
                rob,
                Some((&partitions, &ccfg)),
                &cfg.bootstrap,
            );
        }
    } else if settings.cohorts_from.is_some() {
        return Err(AppError::NoCohortsSection(suite.name.clone()).into());
    } else if let Some(rob) = robustness {
        let _spinner = crate::term::spinner("robustness: per-condition scores");
        attach(&mut report, suite, runs, rob, None, &cfg.bootstrap);
    }
    write_report(&dir, &report)?;
    Ok(report)
}

/// The embeddings of a suite's `[cohorts]` — the `embeddings` file, the `embedding-model` run
/// over the suite's audio, or, when neither is given and the suite has audio and speakers, the
/// built-in MFCC statistics (`ahead`: those of them `run` made already) — and the cohorts of
/// `--cohorts-from`.
pub fn cohort_sources(
    suite: &Suite,
    spec: &CohortSpec,
    cohorts_from: Option<&Path>,
    ahead: Option<Ahead>,
) -> anyhow::Result<CohortSources> {
    let mut embeddings = Vec::new();
    let mut warnings = Vec::new();
    if let Some(path) = &spec.embeddings {
        let ids: Vec<String> = suite.items.iter().map(|i| i.id().to_owned()).collect();
        embeddings.push(crate::input::embeddings::read_embeddings(
            path,
            &ids,
            &suite.speakers(),
        )?);
    }
    let from_run = ahead.is_some();
    let ahead = match ahead {
        Some(a) => Some(a),
        None => ClipEmbedder::for_suite(suite, spec)?.map(|e| Ahead::new(e, suite)),
    };
    let computed = ahead.map(|a| a.finish(suite, spec.k)).transpose()?;
    if let Some(c) = computed {
        if let Some(src) = &c.source {
            let ahead = c.ahead;
            let rest = c.items.saturating_sub(ahead);
            let timing = format!(
                "in {:.2} s ({:.1} ms/clip)",
                c.elapsed.as_secs_f64(),
                c.elapsed.as_secs_f64() * 1e3 / rest.max(1) as f64
            );
            crate::note!(
                "embeddings {}: {} clips{}",
                src.name,
                c.items,
                if !from_run {
                    format!(" {timing}")
                } else if rest == 0 {
                    format!(", all {ahead} embedded as the model run decoded them")
                } else {
                    format!(
                        ", {ahead} of them embedded as the model run decoded them, the other {rest} {timing}"
                    )
                }
            );
        }
        embeddings.extend(c.source);
        warnings.extend(c.warnings);
    }
    let saved = cohorts_from
        .map(|p| {
            let p = if p.is_dir() {
                p.join(crate::store::COHORTS_JSON)
            } else {
                p.to_owned()
            };
            crate::store::cohorts::read_cohorts_json(&p)
        })
        .transpose()?;
    Ok(CohortSources {
        embeddings,
        saved,
        warnings,
    })
}
