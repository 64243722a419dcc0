//! `tonebench score` and `tonebench demo`: read, evaluate, write, summarize.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use tonebench_core::report::{Modality, Report, Source};

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
        warnings: Vec::new(),
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
    let report = evaluate(suite, runs, &cfg);
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

pub fn score(args: &ScoreArgs) -> anyhow::Result<i32> {
    let suite = load_suite(&args.suite)?;
    let run = external_run(&suite, &args.predictions, args.name.as_deref())?;
    let out = out_dir(&args.out, &suite.name);
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
    let suite = load_suite(&dir)?;
    let mut runs = Vec::new();
    for (name, file) in [
        ("demo-text", "reference_text.csv"),
        ("demo-audio", "reference_audio.csv"),
        ("demo-hybrid", "reference_hybrid.csv"),
    ] {
        let path = dir.join("models").join(file);
        if path.is_file() {
            runs.push(external_run(&suite, &path, Some(name))?);
        }
    }
    if runs.is_empty() {
        return Err(exit::input(anyhow::anyhow!(
            "the demo suite {} has no bundled predictions",
            dir.display()
        )));
    }
    finish_run(&suite, &runs, &args.bootstrap, &args.out)?;
    Ok(exit::SUCCESS)
}
