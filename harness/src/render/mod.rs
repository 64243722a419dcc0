//! Human-readable reports rendered from report.json: self-contained HTML through minijinja.
//!
//! One report model, many renderers: [`html::build_view`] turns [`Report`]s into a view model of
//! formatted strings and chart coordinates ([`format`] holds the number formatting that the
//! Markdown renderer shares); the templates in `templates/html/` only lay it out. The built-in
//! templates are compiled into the binary; `--templates DIR` puts a directory in front of them,
//! so a file `DIR/html/cohorts.html` replaces just that section.

pub mod format;
pub mod html;
pub mod markdown;
pub mod sample;

use std::path::{Path, PathBuf};

use anyhow::Context;
use minijinja::{path_loader, Environment, TemplateSource, UndefinedBehavior};
use tonebench_core::report::Report;

use crate::exit;
use html::RunInput;

/// The built-in templates, by the name templates use to include each other.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "html/base.html",
        include_str!("../../../templates/html/base.html"),
    ),
    (
        "html/style.css",
        include_str!("../../../templates/html/style.css"),
    ),
    (
        "html/summary.html",
        include_str!("../../../templates/html/summary.html"),
    ),
    (
        "html/comparison.html",
        include_str!("../../../templates/html/comparison.html"),
    ),
    (
        "html/confusion.html",
        include_str!("../../../templates/html/confusion.html"),
    ),
    (
        "html/cohorts.html",
        include_str!("../../../templates/html/cohorts.html"),
    ),
    (
        "html/latency.html",
        include_str!("../../../templates/html/latency.html"),
    ),
    (
        "html/warnings.html",
        include_str!("../../../templates/html/warnings.html"),
    ),
];

/// Errors of the report renderers.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// `message` is minijinja's error chain: each template and line down to the cause.
    #[error("rendering {name}: {message}")]
    Template { name: String, message: String },
    #[error("compare needs at least one report")]
    NoReports,
}

/// A release-gate verdict to show in the summary (the gate module maps its results to these).
#[derive(Debug, Clone, PartialEq)]
pub struct GateVerdict {
    /// The rule as the gates file names it, e.g. `macro_f1 >= 0.70`.
    pub name: String,
    /// The model it applied to, when it applied to one.
    pub model: Option<String>,
    pub passed: bool,
    /// Observed value and threshold, e.g. `0.684 < 0.700`.
    pub detail: String,
}

/// Options of the HTML renderer.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// A directory searched before the built-in templates (`--templates DIR`).
    pub templates: Option<PathBuf>,
    /// Gate verdicts to show in the summary; empty when no gates were run.
    pub gates: Vec<GateVerdict>,
    /// Page title; defaults to the suite name(s).
    pub title: Option<String>,
    /// Labels of the runs in a comparison (usually the run folders' names); missing ones are
    /// `run 1`, `run 2`, ….
    pub run_labels: Vec<String>,
    /// Item-level comparisons between models of different runs, named by their displayed names
    /// (`run · model`); pairs without one fall back to comparing intervals.
    pub paired: Vec<tonebench_core::paired::ModelComparison>,
}

/// A template environment: strict undefined, HTML auto-escaping (by the `.html` extension),
/// templates from `dir` first, then the built-in ones.
pub fn environment(dir: Option<&Path>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_reload(false);
    let over = dir.map(|d| path_loader(d.to_path_buf()));
    env.set_loader(move |name| {
        if let Some(load) = &over {
            if let Some(source) = load(name)? {
                return Ok(Some(source));
            }
        }
        Ok(BUILTIN_TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| TemplateSource::new(*s)))
    });
    env
}

fn render_view(view: &html::ReportView, opts: &HtmlOptions) -> Result<String, RenderError> {
    const NAME: &str = "html/base.html";
    let env = environment(opts.templates.as_deref());
    let wrap = |e: minijinja::Error| {
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        RenderError::Template {
            name: NAME.to_string(),
            message,
        }
    };
    let template = env.get_template(NAME).map_err(wrap)?;
    template
        .render(minijinja::context! { r => minijinja::value::Serde(view) })
        .map_err(wrap)
}

/// Renders one run's report as a self-contained HTML page.
pub fn render_html(report: &Report, opts: &HtmlOptions) -> Result<String, RenderError> {
    let view = html::build_view(
        &[RunInput {
            label: None,
            report,
        }],
        opts,
    );
    render_view(&view, opts)
}

/// Renders several runs side by side; models are named `<run label> · <model>`.
pub fn render_compare_html(reports: &[Report], opts: &HtmlOptions) -> Result<String, RenderError> {
    if reports.is_empty() {
        return Err(RenderError::NoReports);
    }
    let runs: Vec<RunInput<'_>> = reports
        .iter()
        .enumerate()
        .map(|(i, report)| RunInput {
            label: Some(
                opts.run_labels
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("run {}", i + 1)),
            ),
            report,
        })
        .collect();
    let view = html::build_view(&runs, opts);
    render_view(&view, opts)
}

/// `tonebench report DIR`: re-render a run's report from its report.json.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The run folder (holding report.json) or a report.json file.
    pub run: PathBuf,
    /// A directory of templates searched before the built-in ones (e.g. DIR/html/summary.html).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// `tonebench compare RUN…`: several runs side by side in one HTML page.
#[derive(Debug, Clone, clap::Args)]
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

/// The report.json of a run folder, or the path itself when it names a file.
fn report_path(run: &Path) -> PathBuf {
    if run.is_dir() {
        run.join("report.json")
    } else {
        run.to_path_buf()
    }
}

/// Reads and parses a run's report.json; a missing or malformed file is invalid input.
pub fn read_report(run: &Path) -> anyhow::Result<(PathBuf, Report)> {
    let path = report_path(run);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(exit::input)?;
    let report: Report = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a tonebench report", path.display()))
        .map_err(exit::input)?;
    if report.schema_version != tonebench_core::report::SCHEMA_VERSION {
        return Err(exit::input(anyhow::anyhow!(
            "{}: schema_version {} is not supported (this tonebench reads {})",
            path.display(),
            report.schema_version,
            tonebench_core::report::SCHEMA_VERSION
        )));
    }
    Ok((path, report))
}

/// Compares every model of one run with every model of another, item by item, where both runs
/// kept their predictions.parquet and scored the same items with the same labels. Pairs that
/// cannot be paired are left out (the page then compares their intervals).
fn cross_run_comparisons(
    runs: &[PathBuf],
    reports: &[Report],
    labels: &[String],
) -> Vec<tonebench_core::paired::ModelComparison> {
    use tonebench_core::bootstrap::BootstrapConfig;
    use tonebench_core::paired::{compare_models, pair};
    let preds: Vec<Option<indexmap::IndexMap<String, Vec<tonebench_core::paired::ItemPred>>>> =
        runs.iter()
            .map(|run| {
                let dir = report_path(run).parent().map(Path::to_owned)?;
                crate::baseline::read_predictions(&dir.join("predictions.parquet")).ok()
            })
            .collect();
    let mut out = Vec::new();
    for i in 0..reports.len() {
        for j in i + 1..reports.len() {
            let (Some(pi), Some(pj)) = (&preds[i], &preds[j]) else {
                continue;
            };
            if reports[i].suite.labels != reports[j].suite.labels {
                continue;
            }
            let suite_labels = &reports[i].suite.labels;
            let b = &reports[i].bootstrap;
            let cfg = BootstrapConfig {
                resamples: b.resamples.max(1),
                confidence: b.confidence,
                seed: b.seed,
            };
            for (ma, a) in pi {
                for (mb, bb) in pj {
                    let Ok(p) = pair(suite_labels, a, bb) else {
                        continue;
                    };
                    out.push(compare_models(
                        (
                            &format!("{} · {ma}", labels[i]),
                            &format!("{} · {mb}", labels[j]),
                        ),
                        suite_labels,
                        &p.truth,
                        &p.candidate,
                        &p.baseline,
                        &cfg,
                    ));
                }
            }
        }
    }
    out
}

fn check_templates(dir: &Option<PathBuf>) -> anyhow::Result<()> {
    match dir {
        Some(d) if !d.is_dir() => Err(exit::input(anyhow::anyhow!(
            "--templates {}: not a directory",
            d.display()
        ))),
        _ => Ok(()),
    }
}

/// Runs `tonebench report`: writes report.html next to the run's report.json.
pub fn execute(args: &ReportArgs) -> anyhow::Result<i32> {
    check_templates(&args.templates)?;
    let (path, report) = read_report(&args.run)?;
    let opts = HtmlOptions {
        templates: args.templates.clone(),
        ..HtmlOptions::default()
    };
    // A broken template (built-in or given) is invalid input, not a runtime failure.
    let html = render_html(&report, &opts).map_err(exit::input)?;
    let out = path.with_file_name("report.html");
    std::fs::write(&out, html)
        .with_context(|| format!("cannot write {}", out.display()))
        .map_err(exit::runtime)?;
    eprintln!("wrote {}", out.display());
    Ok(exit::SUCCESS)
}

/// A short label for a run: its folder's name.
fn run_label(run: &Path, report_path: &Path) -> String {
    let dir = if run.is_dir() {
        run
    } else {
        report_path.parent().unwrap_or(run)
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| run.display().to_string())
}

/// Runs `tonebench compare`: writes one HTML page with every model of every run.
pub fn execute_compare(args: &CompareArgs) -> anyhow::Result<i32> {
    check_templates(&args.templates)?;
    let mut reports = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for run in &args.runs {
        let (path, report) = read_report(run)?;
        let mut label = run_label(run, &path);
        // Two folders with the same name (a/run, b/run) still need different labels.
        if labels.contains(&label) {
            label = format!("{label} ({})", labels.len() + 1);
        }
        labels.push(label);
        reports.push(report);
    }
    let paired = cross_run_comparisons(&args.runs, &reports, &labels);
    let opts = HtmlOptions {
        templates: args.templates.clone(),
        run_labels: labels,
        paired,
        ..HtmlOptions::default()
    };
    let html = render_compare_html(&reports, &opts).map_err(exit::input)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("compare.html"));
    std::fs::write(&out, html)
        .with_context(|| format!("cannot write {}", out.display()))
        .map_err(exit::runtime)?;
    eprintln!("wrote {}", out.display());
    Ok(exit::SUCCESS)
}
