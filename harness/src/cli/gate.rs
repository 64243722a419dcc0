//! `tonebench gate`: exit 0 when every gate passes, 1 when one fails, 2 when one cannot be
//! evaluated; JUnit XML and a Markdown summary on request.

use std::path::PathBuf;

use clap::Args;
use tonebench_core::verdicts::Outcome;

use super::exit;
use crate::app::gate::{gate, unevaluated, GatePlan};
use crate::render::gate as show;

#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// A run folder or its report.json.
    #[arg(long)]
    pub report: PathBuf,
    /// The gate file (TOML).
    #[arg(long)]
    pub gates: PathBuf,
    /// Baseline to compare against (overrides `baseline` in the gate file).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Folder holding the baselines.
    #[arg(long, default_value = "baselines")]
    pub baselines: PathBuf,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

pub fn execute(args: &GateArgs) -> anyhow::Result<i32> {
    let plan = GatePlan {
        report: args.report.clone(),
        gates: args.gates.clone(),
        baseline: args.baseline.clone(),
        baselines: args.baselines.clone(),
        junit: args.junit.clone(),
        markdown: args.markdown.clone(),
    };
    let run = gate(&plan)?;
    for v in &run.verdicts {
        println!("{}", show::terminal_line(v));
    }
    println!("{}", show::counts_line(&run));
    match run.outcome() {
        Outcome::Pass => Ok(exit::SUCCESS),
        Outcome::Fail => Ok(exit::GATE_FAILED),
        Outcome::Unevaluated => Err(unevaluated(&run, &args.gates.display().to_string())
            .expect("an unevaluated run has an error verdict")
            .into()),
    }
}
