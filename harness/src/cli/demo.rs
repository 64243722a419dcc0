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
    #[command(flatten)]
    pub track: super::track::TrackArgs,
}

pub fn execute(args: &DemoArgs) -> anyhow::Result<i32> {
    let eval = args.bootstrap.settings()?;
    let track = args.track.settings()?;
    let plan = crate::app::demo::demo_plan(&args.out, eval.clone())?;
    let mut code = super::run::run_plan(&plan, None)?;
    let mut written = vec![args.out.clone()];
    if let Some(calls) = crate::app::demo::demo_calls_plan(&args.out, eval)? {
        crate::status!();
        code = code.max(super::run::run_plan(&calls, None)?);
        written.extend(calls.out);
    }
    // Both run folders are written before either is logged: a tracker failure loses nothing.
    for dir in &written {
        super::track::log_after(track.as_ref(), dir)?;
    }
    Ok(code)
}
