//! `tonebench demo`: the bundled demo suite and models, end to end.

use std::path::PathBuf;

use clap::Args;

use super::args::BootstrapArgs;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder
    #[arg(long, default_value = "reports/demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
}

pub fn execute(args: &DemoArgs) -> anyhow::Result<i32> {
    let plan = crate::app::demo::demo_plan(&args.out, args.bootstrap.settings()?)?;
    super::run::run_plan(&plan)
}
