//! `tonebench report RUN`: re-render report.html from a run's report.json.

use std::path::PathBuf;

use clap::Args;

use super::exit;

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The run folder (holding report.json) or a report.json file.
    pub run: PathBuf,
    /// A directory of templates searched before the built-in ones (e.g. DIR/html/summary.html).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

pub fn execute(args: &ReportArgs) -> anyhow::Result<i32> {
    let out = crate::app::compare::rerender(&args.run, args.templates.as_deref())?;
    crate::note!("wrote {}", out.display());
    Ok(exit::SUCCESS)
}
