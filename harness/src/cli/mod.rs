//! The command line: the only module that knows clap. Each subcommand has its own file that turns
//! its arguments into a plan for the app layer, calls it and prints what a person reads; the exit
//! code is decided once, here, from the kind of the error ([`exit`]).

pub mod args;
pub mod baseline;
pub mod compare;
pub mod completions;
pub mod demo;
pub mod doctor;
pub mod examples;
pub mod exit;
pub mod gate;
pub mod perturb;
pub mod profile;
pub mod report;
pub mod run;
pub mod score;
pub mod shard;
pub mod suite;
pub mod track;

use std::io::Write;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tonebench",
    version,
    about = "Evaluation and fairness benchmarking for text, audio and hybrid sentiment models",
    propagate_version = true
)]
pub struct Cli {
    /// Print only errors, warnings and what a command is asked to print: no progress bars, no
    /// timings, no run summary (the files written and the exit code are the same)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Colour in help and usage messages: auto (on a terminal, unless NO_COLOR is set), always,
    /// never
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// The last `--color WHEN` / `--color=WHEN` of the raw arguments (before they are parsed,
    /// so that the help and errors of the parse itself are coloured as asked); auto otherwise.
    fn scan(args: &[std::ffi::OsString]) -> ColorWhen {
        use clap::ValueEnum;
        let mut when = ColorWhen::Auto;
        let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(w) = words.next() {
            if w == "--" {
                break;
            }
            let value = match w.strip_prefix("--color") {
                Some("") => words.next().map(|v| v.into_owned()),
                Some(v) if v.starts_with('=') => Some(v[1..].to_owned()),
                _ => continue,
            };
            if let Some(v) = value.and_then(|v| ColorWhen::from_str(&v, true).ok()) {
                when = v;
            }
        }
        when
    }

    fn choice(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }
}

/// The command line as parsed, with the examples of every subcommand ([`examples`]); also the
/// source of the completion scripts and the man page.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    examples::attach(Cli::command())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole job on the bundled demo suite and models; writes reports/demo/
    Demo(demo::DemoArgs),
    /// Run ONNX models over a suite and score them
    Run(run::RunArgs),
    /// Score predictions made outside tonebench against a suite
    Score(score::ScoreArgs),
    /// Release gate: check a run's report against rules and, optionally, a baseline
    Gate(gate::GateArgs),
    /// Record and inspect the baselines gates compare against
    Baseline(baseline::BaselineArgs),
    /// Re-render report.html from a run's report.json
    Report(report::ReportArgs),
    /// Render several runs side by side
    Compare(compare::CompareArgs),
    /// Latency profile of a model on real suite inputs (CPU, CUDA or TensorRT)
    Profile(profile::ProfileArgs),
    /// Where ONNX Runtime was found, its version, which execution providers work
    Doctor(doctor::DoctorArgs),
    /// Write a suite once per acoustic condition (noise, speed, reverberation, telephone, …)
    Perturb(perturb::PerturbArgs),
    /// Log a finished run folder to an experiment tracker (MLflow)
    Log(track::LogArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell)
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) of tonebench and its subcommands
    Man(completions::ManArgs),
    /// Import corpora as suites, split them speaker-disjointly, check them for leakage
    Suite(suite::SuiteArgs),
    /// Merge the shards of a run (`run --shard I/N`) into one run folder, as if run unsharded
    Merge(shard::MergeArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> i32 {
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // clap's Auto defers to anstream: NO_COLOR (then CLICOLOR_FORCE, CLICOLOR) and whether the
    // stream is a terminal; always and never override them.
    let parsed = command()
        .color(ColorWhen::scan(&args).choice())
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // One line, like every other error: the first line of clap's message plus where to
            // look for the usage.
            let text = e.render().to_string();
            let _ = writeln!(
                std::io::stderr(),
                "{} (see tonebench --help)",
                one_line(&text)
            );
            return exit::INVALID_INPUT;
        }
        Err(e) => {
            let _ = e.print();
            return exit::SUCCESS;
        }
    };
    crate::term::set_quiet(cli.quiet);
    let result = match &cli.command {
        Command::Demo(a) => demo::execute(a),
        Command::Run(a) => run::execute(a),
        Command::Score(a) => score::execute(a),
        Command::Gate(a) => gate::execute(a),
        Command::Baseline(a) => baseline::execute(a),
        Command::Report(a) => report::execute(a),
        Command::Compare(a) => compare::execute(a),
        Command::Doctor(a) => doctor::execute(a),
        Command::Profile(a) => profile::execute(a),
        Command::Perturb(a) => perturb::execute(a),
        Command::Log(a) => track::execute(a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
        Command::Suite(a) => suite::execute(a),
        Command::Merge(a) => shard::execute_merge(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => exit::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            exit::code_for(&e)
        }
    }
}

/// The first line of clap's message; when it ends in `:` (the missing arguments, the possible
/// values), the indented lines it introduces are joined onto it.
fn one_line(text: &str) -> String {
    let mut lines = text.lines();
    let mut first = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_end()
        .to_owned();
    if first.ends_with(':') {
        let more: Vec<&str> = lines
            .take_while(|l| l.starts_with(' '))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        first.push(' ');
        first.push_str(&more.join(", "));
    }
    first
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints the run summary and where the files went (nothing with `--quiet`).
fn print_summary(
    report: &tonebench_core::report::Report,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    if crate::term::quiet() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", crate::render::terminal::summary(report))?;
    writeln!(
        stdout,
        "wrote {}/{{{}}}",
        out.display(),
        crate::store::RUN_FILES.join(", ")
    )?;
    Ok(())
}
