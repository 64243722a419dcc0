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
    let eval = args.bootstrap.settings()?;
    let plan = crate::app::demo::demo_plan(&args.out, eval.clone())?;
    let code = super::run::run_plan(&plan)?;
    let Some(calls) = crate::app::demo::demo_calls_plan(&args.out, eval)? else {
        return Ok(code);
    };
    println!();
    Ok(code.max(super::run::run_plan(&calls)?))
}
