//! `tonebench baseline save|show|list`: record and inspect the baselines gates compare against.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;

use super::exit;
use crate::app::baseline::{list, save, show};
use crate::store::baseline::Baseline;
use crate::store::report::LoadedReport;

/// `tonebench baseline`.
#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {
    /// Folder holding the baselines.
    #[arg(long, default_value = "baselines", global = true)]
    pub baselines: PathBuf,
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BaselineCommand {
    /// Record a run's report.json and predictions.parquet as baseline NAME.
    Save {
        #[arg(long)]
        name: String,
        /// Replace an existing baseline of that name.
        #[arg(long)]
        force: bool,
        /// The run folder (holding report.json and predictions.parquet).
        run: PathBuf,
    },
    /// Show a baseline's origin and headline metrics.
    Show {
        name: String,
        #[arg(long)]
        suite: Option<String>,
    },
    /// List recorded baselines.
    List,
}

/// Runs `tonebench baseline …`; returns the exit code.
pub fn execute(args: &BaselineArgs) -> anyhow::Result<i32> {
    match &args.command {
        BaselineCommand::Save { name, force, run } => {
            let dir = save(&args.baselines, name, run, *force)?;
            crate::status!("saved baseline {name} in {}", dir.display());
        }
        BaselineCommand::Show { name, suite } => {
            let (b, report) = show(&args.baselines, name, suite.as_deref())?;
            print!("{}", show_text(&b, &report));
        }
        BaselineCommand::List => {
            let all = list(&args.baselines)?;
            if all.is_empty() {
                println!(
                    "no baselines under {}; record one with: tonebench baseline save --name NAME RUN",
                    args.baselines.display()
                );
            }
            for b in all {
                println!(
                    "{}/{}  {} items  models: {}  from {}",
                    b.info.suite,
                    b.info.name,
                    b.info.items,
                    b.info.models.join(", "),
                    b.info.source_run
                );
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// What `baseline show` prints.
pub fn show_text(b: &Baseline, report: &LoadedReport) -> String {
    use tonebench_core::gate::fmt_num;
    let mut s = format!(
        "baseline {} (suite {}, {} items)\n  folder: {}\n  saved from: {}\n  saved by: {}; report by tonebench {}\n",
        b.info.name,
        b.info.suite,
        b.info.items,
        b.dir.display(),
        b.info.source_run,
        b.info.saved_by,
        b.info.report_tonebench_version
    );
    for m in report
        .value
        .get("models")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let num = |p: &str| {
            m.pointer(p)
                .and_then(Value::as_f64)
                .map(fmt_num)
                .unwrap_or_else(|| "-".into())
        };
        s.push_str(&format!(
            "  model {}: accuracy {}  balanced_accuracy {}  macro.f1 {}\n",
            m.get("name").and_then(Value::as_str).unwrap_or("?"),
            num("/metrics/accuracy"),
            num("/metrics/balanced_accuracy"),
            num("/metrics/macro/f1")
        ));
    }
    s
}
