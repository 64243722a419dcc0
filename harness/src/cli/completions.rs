//! `tonebench completions SHELL` and `tonebench man`: shell completion scripts (clap_complete)
//! and the man page (clap_mangen), generated from the same `Cli` that parses the arguments, so
//! they never drift from the flags.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {}

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<i32> {
    use clap_complete::Shell as S;
    let shell = match args.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut cmd = super::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tonebench", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(exit::SUCCESS)
}

pub fn man(_: &ManArgs) -> anyhow::Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(super::command()).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(exit::SUCCESS)
}
