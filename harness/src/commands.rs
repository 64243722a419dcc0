//! `tonebench score` and `tonebench demo`: read, evaluate, write, summarize.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use tonebench_core::report::{Modality, Report, Source, Warning, WarningCode};

use crate::cli::{out_dir, BootstrapArgs};
use crate::evaluate::{evaluate, EvalConfig, ModelRun};
use crate::exit;
use crate::output::RunFiles;
use crate::predictions::Predictions;
use crate::suite::Suite;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Suite folder (or its suite.toml)
    #[arg(long)]
    pub suite: PathBuf,
    /// Predictions table (.csv, .tsv, .parquet, .jsonl) with id, pred and optional p_<label>
    #[arg(long)]
    pub predictions: PathBuf,
    /// Model name in the report (default: the predictions file's stem)
    #[arg(long)]
    pub name: Option<String>,
    /// Output folder (default: reports/<suite>-<time>)
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder
    #[arg(long, default_value = "reports/demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
}

/// Loads a suite, tagging failures as invalid input.
pub fn load_suite(path: &Path) -> anyhow::Result<Suite> {
    Suite::load(path).map_err(exit::input)
}

/// The model run of an external predictions file.
pub fn external_run(suite: &Suite, path: &Path, name: Option<&str>) -> anyhow::Result<ModelRun> {
    let p = Predictions::load(path, suite).map_err(exit::input)?;
    if name.is_some_and(|n| n.trim().is_empty()) {
        return Err(exit::input(anyhow::anyhow!("--name must not be empty")));
    }
    let name = name.map(str::to_owned).unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "predictions".into())
    });
    Ok(ModelRun {
        name,
        modality: Modality::External,
        source: Source {
            kind: "predictions".into(),
            path: path.display().to_string(),
            sha256: p.sha256.clone(),
            files: Default::default(),
            ort_version: None,
            provider: None,
            batch_size: None,
            threads: None,
        },
        pred: p.pred.into_iter().map(Some).collect(),
        probs: p.probs,
        latency_ms: p.latency_ms,
        warnings: (p.pred_not_argmax > 0)
            .then(|| Warning {
                code: WarningCode::PredNotArgmax,
                metric: None,
                message: format!(
                    "{} items have a pred that is not their most probable label; metrics use pred",
                    p.pred_not_argmax
                ),
            })
            .into_iter()
            .collect(),
    })
}

/// Evaluates and writes a run folder, then prints the summary.
pub fn finish_run(
    suite: &Suite,
    runs: &[ModelRun],
    bootstrap: &BootstrapArgs,
    out: &Path,
) -> anyhow::Result<Report> {
    let cfg = EvalConfig {
        bootstrap: bootstrap.config()?,
    };
    let files = RunFiles::create(out)?;
    crate::output::write_predictions(&files.predictions(), suite, runs)?;
    let mut report = evaluate(suite, runs, &cfg);
    if let Some(spec) = &suite.cohorts {
        let sources = cohort_sources(suite, spec, bootstrap.cohorts_from.as_deref())?;
        let partitions = crate::evaluate::attach_cohorts(
            &mut report,
            suite,
            runs,
            spec,
            &sources,
            &cfg.bootstrap,
            bootstrap.examples,
        )
        .map_err(exit::input)?;
        let speakers: Vec<Option<String>> = suite.speakers();
        crate::cohorts_io::write_run_files(
            out,
            &partitions.partitions,
            &speakers,
            &partitions.model,
        )
        .map_err(exit::runtime)?;
    } else if bootstrap.cohorts_from.is_some() {
        return Err(exit::input(anyhow::anyhow!(
            "--cohorts-from given, but suite {} has no [cohorts] section",
            suite.name
        )));
    }
    files.write_report(&report)?;
    let mut stdout = std::io::stdout().lock();
    crate::summary::print(&mut stdout, &report)?;
    writeln!(
        stdout,
        "wrote {}/{{report.json, report.md, report.html, predictions.parquet}}",
        out.display()
    )?;
    Ok(report)
}

/// The embeddings of a suite's `[cohorts]` — the `embeddings` file, the `embedding-model` run
/// over the suite's audio, or, when neither is given and the suite has audio and speakers, the
/// built-in MFCC statistics — and the cohorts of `--cohorts-from`.
pub fn cohort_sources(
    suite: &Suite,
    spec: &crate::suite::CohortSpec,
    cohorts_from: Option<&Path>,
) -> anyhow::Result<crate::evaluate::CohortSources> {
    let mut embeddings = Vec::new();
    let mut warnings = Vec::new();
    if let Some(path) = &spec.embeddings {
        let ids: Vec<String> = suite.items.iter().map(|i| i.id.clone()).collect();
        let speakers: Vec<Option<String>> = suite.speakers();
        embeddings
            .push(crate::cohorts_io::read_embeddings(path, &ids, &speakers).map_err(exit::input)?);
    }
    let computed = if let Some(model) = &spec.embedding_model {
        Some(crate::embeddings::from_model(suite, model, spec.k)?)
    } else if spec.embeddings.is_none() && crate::embeddings::has_audio_speakers(suite) {
        Some(crate::embeddings::mfcc_stats(suite, spec.k)?)
    } else {
        None
    };
    if let Some(c) = computed {
        if let Some(src) = &c.source {
            eprintln!(
                "embeddings {}: {} clips in {:.2} s ({:.1} ms/clip)",
                src.name,
                c.items,
                c.elapsed.as_secs_f64(),
                c.elapsed.as_secs_f64() * 1e3 / c.items.max(1) as f64
            );
        }
        embeddings.extend(c.source);
        warnings.extend(c.warnings);
    }
    let saved = cohorts_from
        .map(|p| {
            let p = if p.is_dir() {
                p.join("cohorts.json")
            } else {
                p.to_owned()
            };
            crate::cohorts_io::read_cohorts_json(&p)
        })
        .transpose()
        .map_err(exit::input)?;
    Ok(crate::evaluate::CohortSources {
        embeddings,
        saved,
        warnings,
    })
}

pub fn score(args: &ScoreArgs) -> anyhow::Result<i32> {
    let suite = load_suite(&args.suite)?;
    let out = out_dir(&args.out, &suite.name);
    crate::output::check_fresh(&out)?;
    let run = external_run(&suite, &args.predictions, args.name.as_deref())?;
    finish_run(&suite, &[run], &args.bootstrap, &out)?;
    Ok(exit::SUCCESS)
}

/// The bundled demo suite, found next to the executable's repository or the current folder.
pub fn demo_suite_dir() -> anyhow::Result<PathBuf> {
    let mut candidates = vec![PathBuf::from("suites/demo")];
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            candidates.push(dir.join("suites/demo"));
        }
    }
    candidates
        .into_iter()
        .find(|c| c.join("suite.toml").is_file())
        .ok_or_else(|| {
            exit::input(anyhow::anyhow!(
                "cannot find the bundled demo suite suites/demo; run tonebench demo from the tonebench checkout"
            ))
        })
}

pub fn demo(args: &DemoArgs) -> anyhow::Result<i32> {
    let dir = demo_suite_dir()?;
    let models: Vec<PathBuf> = ["text.toml", "audio.toml", "hybrid.toml", "late-fusion.toml"]
        .iter()
        .map(|m| dir.join("models").join(m))
        .collect();
    // The demo always starts afresh: an earlier demo's run in its folder is replaced.
    for file in [crate::journal::FILE_NAME, "report.json"] {
        let path = args.out.join(file);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    let run = crate::run::RunArgs {
        suite: dir,
        models,
        out: Some(args.out.clone()),
        exec: crate::run::ExecArgs {
            threads: 0,
            batch: 1,
            device: crate::infer::Device::Cpu,
        },
        resume: false,
        keep_going: false,
        jobs: 1,
        sensitivity_sample: 0,
        bootstrap: args.bootstrap.clone(),
    };
    crate::run::execute(&run)
}
