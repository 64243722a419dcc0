//! `tonebench compare RUN…`: several runs side by side in one HTML page.

use std::path::PathBuf;

use clap::Args;

use super::exit;

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Run folders (or report.json files) to compare.
    #[arg(required = true, num_args = 1.., value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// Where to write the HTML [default: compare.html in the current directory].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A directory of templates searched before the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

pub fn execute(args: &CompareArgs) -> anyhow::Result<i32> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("compare.html"));
    crate::app::compare::compare(&args.runs, args.templates.as_deref(), &out)?;
    crate::note!("wrote {}", out.display());
    Ok(exit::SUCCESS)
}
