//! Human-readable reports rendered from report.json: self-contained HTML through minijinja.
//!
//! One report model, many renderers: [`html::build_view`] turns [`Report`]s into a view model of
//! formatted strings and chart coordinates ([`format`] holds the number formatting that the
//! Markdown renderer shares); the templates in `templates/html/` only lay it out. The built-in
//! templates are compiled into the binary; `--templates DIR` puts a directory in front of them,
//! so a file `DIR/html/cohorts.html` replaces just that section.

pub mod format;
pub mod gate;
pub mod html;
pub mod markdown;
pub mod robustness;
pub mod sample;
pub mod streaming;
pub mod terminal;

use minijinja::{Environment, TemplateSource, UndefinedBehavior};
use tonebench_core::report::Report;

use crate::error::{ErrorKind, HasKind};
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
        "html/calibration.html",
        include_str!("../../../templates/html/calibration.html"),
    ),
    (
        "html/cohorts.html",
        include_str!("../../../templates/html/cohorts.html"),
    ),
    (
        "html/robustness.html",
        include_str!("../../../templates/html/robustness.html"),
    ),
    (
        "html/latency.html",
        include_str!("../../../templates/html/latency.html"),
    ),
    (
        "html/streaming.html",
        include_str!("../../../templates/html/streaming.html"),
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
    #[error("writing JUnit XML: {0}")]
    Junit(String),
}

impl HasKind for RenderError {
    fn kind(&self) -> ErrorKind {
        match self {
            // A template that does not render, built in or given: the templates are input.
            RenderError::Template { .. } | RenderError::NoReports => ErrorKind::Input,
            RenderError::Junit(_) => ErrorKind::Runtime,
        }
    }
}

/// Options of the HTML renderer.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// Templates that replace built-in ones of the same name, or add new ones for them to
    /// include (`--templates DIR`, read by `input::templates`).
    pub templates: Vec<(String, String)>,
    /// Gate verdicts to show in the summary; empty when no gates were run.
    pub gates: Vec<tonebench_core::gate::Verdict>,
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
/// the given templates first, then the built-in ones.
pub fn environment(overrides: &[(String, String)]) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_reload(false);
    let over: Vec<(String, String)> = overrides.to_vec();
    env.set_loader(move |name| {
        if let Some((_, s)) = over.iter().find(|(n, _)| n == name) {
            return Ok(Some(TemplateSource::new(s.clone())));
        }
        Ok(BUILTIN_TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| TemplateSource::new(*s)))
    });
    env
}

impl RenderError {
    /// A template error with minijinja's whole chain of causes: each template and line down to
    /// the cause.
    pub fn template(name: &str, e: &minijinja::Error) -> RenderError {
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        RenderError::Template {
            name: name.to_string(),
            message,
        }
    }
}

fn render_view(view: &html::ReportView, opts: &HtmlOptions) -> Result<String, RenderError> {
    const NAME: &str = "html/base.html";
    let env = environment(&opts.templates);
    let wrap = |e: minijinja::Error| RenderError::template(NAME, &e);
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
