//! The HTML report: sections, table and chart shapes, escaping of every user string, template
//! overrides, size, the `report` and `compare` commands, and (with TONEBENCH_BROWSER_TESTS=1)
//! a headless Chromium check that no script runs and the console stays clean.

use std::path::{Path, PathBuf};
use std::process::Command;

use tonebench::cli::compare::{execute as execute_compare, CompareArgs};
use tonebench::cli::report::{execute, ReportArgs};
use tonebench::input::templates::read_templates;
use tonebench::render::sample::{self, SampleSpec};
use tonebench::render::{render_compare_html, render_html, HtmlOptions};
use tonebench_core::gate::{Status, Verdict};
use tonebench_core::report::{Report, Warning, WarningCode};

const EVIL: &str = "<script>alert(1)</script>";

fn spec(models: usize, cohorts: usize, per_partition: usize) -> SampleSpec {
    SampleSpec {
        models,
        cohorts,
        per_partition,
        ..SampleSpec::default()
    }
}

fn render(report: &Report) -> String {
    render_html(report, &HtmlOptions::default()).expect("renders")
}

/// The text of `<section id="id">…</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no section {id}"));
    let len = html[start..].find("</section>").expect("section closes");
    &html[start..start + len]
}

/// The pieces of `html` between each `start` and the following `end`.
fn elements<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(start) {
        let tail = &rest[i..];
        let j = tail.find(end).expect("element closes");
        out.push(&tail[..j]);
        rest = &tail[j..];
    }
    out
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn every_section_is_present() {
    let html = render(&sample::report(&spec(2, 6, 3)));
    assert!(html.starts_with("<!doctype html>"));
    for id in [
        "summary",
        "comparison",
        "confusion",
        "cohorts",
        "latency",
        "warnings",
    ] {
        assert!(!section(&html, id).is_empty(), "{id}");
    }
    // Self-contained: no scripts, no external resources.
    assert!(!html.to_lowercase().contains("<script"));
    let without_xmlns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_xmlns.contains("http:") && !without_xmlns.contains("https:"));
    assert!(!html.contains("<link"));
}

#[test]
fn comparison_table_has_a_cell_per_class_model_and_measure() {
    let html = render(&sample::report(&spec(2, 6, 3)));
    let table = &elements(
        section(&html, "comparison"),
        "<table class=\"comparison\">",
        "</table>",
    )[0];
    let body = &elements(table, "<tbody>", "</tbody>")[0];
    let rows = elements(body, "<tr", "</tr>");
    // 3 classes + macro avg + weighted avg + accuracy + balanced accuracy.
    assert_eq!(rows.len(), 3 + 2 + 2);
    // A class row: label, support, then P/R/F1 for each of 2 models.
    for row in &rows[..5] {
        assert_eq!(count(row, "<td"), 2 + 2 * 3, "{row}");
    }
    // Accuracy rows: one cell spanning P/R/F1 per model.
    for row in &rows[5..] {
        assert_eq!(count(row, "<td"), 2 + 2, "{row}");
        assert_eq!(count(row, "colspan=\"3\""), 2);
    }
    // Two column groups in the header.
    assert_eq!(count(table, "<th class=\"group\" colspan=\"3\">"), 2);
    // Pairwise differences: one pair of two models.
    let diffs = elements(
        section(&html, "comparison"),
        "<table class=\"differences\">",
        "</table>",
    );
    assert_eq!(count(diffs[0], "<tr>") - 1, 1);
}

#[test]
fn best_model_per_row_is_marked_and_intervals_are_shown() {
    let html = render(&sample::report(&spec(3, 0, 3)));
    let comparison = section(&html, "comparison");
    let body = &elements(comparison, "<tbody>", "</tbody>")[0];
    for row in elements(body, "<tr", "</tr>") {
        // Each measure column has at least one best model (ties may mark more).
        assert!(count(row, "best") >= 1, "{row}");
    }
    // Intervals in small print and on hover: "0.701–0.765".
    assert!(comparison.contains("<small>0."));
    assert!(comparison.contains("title=\"CI 0."));
}

#[test]
fn confusion_heatmap_has_one_rect_per_cell_with_count_and_rate() {
    let report = sample::report(&spec(2, 0, 3));
    let html = render(&report);
    let svgs = elements(section(&html, "confusion"), "<svg", "</svg>");
    assert_eq!(svgs.len(), 2);
    for (svg, model) in svgs.iter().zip(&report.models) {
        assert_eq!(count(svg, "<rect"), 3 * 3);
        // Count and row-normalized rate of the first cell.
        let row = &model.metrics.confusion.matrix[0];
        let n = row[0];
        let rate = format!("{:.1}%", 100.0 * n as f64 / row.iter().sum::<u64>() as f64);
        assert!(svg.contains(&format!(">{n}</text>")), "count {n}");
        assert!(svg.contains(&format!(">{rate}</text>")), "rate {rate}");
    }
}

#[test]
fn cohort_charts_have_a_whisker_per_cohort_and_highlight_the_worst() {
    let report = sample::report(&spec(2, 7, 4));
    let html = render(&report);
    let cohorts = section(&html, "cohorts");
    // 7 cohorts per model in partitions of 4 and 3: 2 partitions per model.
    let charts = elements(cohorts, "<svg", "</svg>");
    assert_eq!(charts.len(), 2 * 2);
    assert_eq!(count(charts[0], "<circle"), 4);
    assert_eq!(count(charts[1], "<circle"), 3);
    assert_eq!(count(charts[0], "class=\"whisker\""), 4);
    for chart in &charts {
        assert_eq!(count(chart, "cohort worst"), 1);
    }
    // The partition comparison table: one row per model and partition.
    let table = &elements(cohorts, "<table class=\"partitions\">", "</table>")[0];
    let body = &elements(table, "<tbody>", "</tbody>")[0];
    assert_eq!(count(body, "<tr>"), 2 * 2);
    assert_eq!(count(&body[..body.find("</tr>").unwrap()], "<td"), 14);
}

#[test]
fn empty_cohorts_and_latency_say_so() {
    let mut report = sample::report(&spec(1, 0, 3));
    report.models[0].latency = None;
    report.warnings.clear();
    let html = render(&report);
    assert!(section(&html, "cohorts").contains("No cohort analysis"));
    assert!(section(&html, "latency").contains("No latency measurements"));
    assert!(section(&html, "warnings").contains("No warnings."));
    // No model pairs, nothing marked best with a single model.
    assert!(!section(&html, "comparison").contains("class=\"differences\""));
    assert!(!html.contains(" best\"") && !html.contains("class=\"best\""));
}

#[test]
fn a_report_without_models_still_renders() {
    let mut report = sample::report(&spec(1, 0, 3));
    report.models.clear();
    let html = render(&report);
    assert!(section(&html, "summary").contains("0 models") || html.contains("· 0 models"));
    assert_eq!(count(section(&html, "confusion"), "<svg"), 0);
}

#[test]
fn latency_chart_has_a_row_per_model() {
    let html = render(&sample::report(&spec(3, 0, 3)));
    let latency = section(&html, "latency");
    let chart = &elements(latency, "<svg", "</svg>")[0];
    assert_eq!(count(chart, "<g class=\"latency\">"), 3);
    assert_eq!(count(chart, "<circle"), 3);
    // Sample model 1: p50 = 3 ms.
    assert!(latency.contains("<td>3.00 ms</td>"));
}

#[test]
fn gate_verdicts_are_shown_when_given() {
    let report = sample::report(&spec(1, 0, 3));
    let opts = HtmlOptions {
        gates: vec![
            Verdict {
                rule: "macro_f1 >= 0.70".into(),
                model: Some("model-1".into()),
                status: Status::Pass,
                value: Some(0.81),
                bound: ">= 0.7".into(),
                why: "0.81 >= 0.70".into(),
            },
            Verdict {
                rule: "gap_abs <= 0.05".into(),
                model: None,
                status: Status::Fail,
                value: Some(0.09),
                bound: "<= 0.05".into(),
                why: "0.09 > 0.05".into(),
            },
        ],
        ..HtmlOptions::default()
    };
    let html = render_html(&report, &opts).unwrap();
    let summary = section(&html, "summary");
    assert!(summary.contains("1 of 2 gates failed"));
    assert_eq!(count(summary, ">FAIL</span>"), 1);
    assert_eq!(count(summary, ">pass</span>"), 1);
    // Without gates there is no gate table.
    assert!(!render(&report).contains("class=\"gates\""));
}

/// A report in which every user-supplied string carries a script.
fn evil_report() -> Report {
    let mut report = sample::report(&SampleSpec {
        labels: vec!["negative".into(), EVIL.into(), "positive".into()],
        ..spec(2, 4, 4)
    });
    report.suite.name = format!("suite {EVIL}");
    report.suite.description = EVIL.into();
    report.models[0].name = format!("model {EVIL} \" onmouseover=\"alert(2)");
    report.models[0].source.path = EVIL.into();
    report.models[0].source.provider = Some(EVIL.into());
    report.models[0].cohorts[0].partition = EVIL.into();
    report.models[0].cohorts[0].groups[0].name = EVIL.into();
    report.models[0].cohorts[0].worst = Some(EVIL.into());
    report.models[0].latency.as_mut().unwrap().device = EVIL.into();
    report.warnings.push(Warning {
        code: WarningCode::Other(EVIL.into()),
        metric: Some(EVIL.into()),
        message: format!("\"quoted\" & {EVIL} <img src=x onerror=\"document.title='PWNED'\">"),
    });
    report
}

#[test]
fn user_strings_are_escaped() {
    let html = render(&evil_report());
    assert!(!html.to_lowercase().contains("<script"), "a raw script tag");
    assert!(!html.contains("<img"), "a raw img tag");
    // Quotes are escaped too, so a name cannot break out of an attribute.
    assert!(!html.contains("\" onmouseover="), "a raw attribute");
    assert!(html.contains("aria-label=\"confusion matrix of model &lt;script&gt;"));
    // Escaped text appears where each string is shown.
    let escaped = "&lt;script&gt;alert(1)&lt;";
    for id in [
        "summary",
        "comparison",
        "confusion",
        "cohorts",
        "latency",
        "warnings",
    ] {
        assert!(section(&html, id).contains(escaped), "{id}");
    }
    assert!(html.contains("<title>tonebench report — suite &lt;script&gt;"));
}

#[test]
fn override_directory_replaces_single_templates_and_undefined_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("html")).unwrap();
    std::fs::write(
        dir.path().join("html/warnings.html"),
        "<section id=\"warnings\">custom {{ r.warnings|length }} {{ r.title }}</section>",
    )
    .unwrap();
    let mut report = sample::report(&spec(1, 0, 3));
    report.suite.name = EVIL.into();
    let opts = HtmlOptions {
        templates: read_templates(dir.path()).unwrap(),
        ..HtmlOptions::default()
    };
    let html = render_html(&report, &opts).unwrap();
    // The override is used and still auto-escapes; the other sections are the built-in ones.
    assert!(section(&html, "warnings").contains("custom 1 tonebench report — &lt;script&gt;"));
    assert!(section(&html, "summary").contains("Headline metrics"));

    std::fs::write(
        dir.path().join("html/warnings.html"),
        "{{ r.no_such_field }}",
    )
    .unwrap();
    // Templates are read once, when the command starts.
    let opts = HtmlOptions {
        templates: read_templates(dir.path()).unwrap(),
        ..HtmlOptions::default()
    };
    let err = render_html(&report, &opts).unwrap_err().to_string();
    assert!(err.contains("rendering html/base.html"), "{err}");
    assert!(err.contains("undefined"), "{err}");
    assert!(err.contains("html/warnings.html:1"), "{err}");
    assert!(err.len() < 300, "{err}");
}

#[test]
fn ten_models_by_fifty_cohorts_stay_under_one_megabyte() {
    let html = render(&sample::report(&spec(10, 50, 10)));
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
    assert_eq!(count(section(&html, "cohorts"), "<circle"), 10 * 50);
}

#[test]
fn compare_puts_runs_side_by_side() {
    let a = sample::report(&spec(2, 3, 3));
    let b = sample::report(&spec(2, 3, 3));
    let opts = HtmlOptions {
        run_labels: vec!["base".into(), "cand".into()],
        ..HtmlOptions::default()
    };
    let html = render_compare_html(&[a, b], &opts).unwrap();
    let comparison = section(&html, "comparison");
    assert_eq!(count(comparison, "<th class=\"group\" colspan=\"3\">"), 4);
    assert!(comparison.contains("base · model-1") && comparison.contains("cand · model-2"));
    // All pairs of 4 models: 4 × 3 / 2.
    let diffs = elements(comparison, "<table class=\"differences\">", "</table>");
    assert_eq!(count(diffs[0], "<tr>") - 1, 4 * 3 / 2);
    // Identical runs: every interval overlaps.
    assert!(!diffs[0].contains("disjoint"));
    assert_eq!(count(section(&html, "confusion"), "<svg"), 4);
    assert!(render_compare_html(&[], &opts).is_err());
}

fn write_run(dir: &Path, report: &Report) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(report).unwrap(),
    )
    .unwrap();
}

#[test]
fn report_and_compare_commands_write_html() {
    let tmp = tempfile::tempdir().unwrap();
    let run1 = tmp.path().join("run1");
    let run2 = tmp.path().join("run2");
    write_run(&run1, &sample::report(&spec(1, 3, 3)));
    write_run(&run2, &sample::report(&spec(2, 3, 3)));

    let code = execute(&ReportArgs {
        run: run1.clone(),
        templates: None,
    })
    .unwrap();
    assert_eq!(code, 0);
    let html = std::fs::read_to_string(run1.join("report.html")).unwrap();
    assert!(html.contains("<section id=\"cohorts\">"));

    let out = tmp.path().join("cmp.html");
    let code = execute_compare(&CompareArgs {
        runs: vec![run1.clone(), run2.join("report.json")],
        out: Some(out.clone()),
        templates: None,
    })
    .unwrap();
    assert_eq!(code, 0);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("run1 · model-1") && html.contains("run2 · model-2"));

    // A folder without report.json is invalid input (exit 2) and names the file.
    let err = execute(&ReportArgs {
        run: tmp.path().join("nothing"),
        templates: None,
    })
    .unwrap_err();
    assert_eq!(tonebench::cli::exit::code_for(&err), 2);
    assert!(format!("{err:#}").contains("nothing"), "{err:#}");
}

/// What a headless Chromium saw when it loaded a page.
pub(crate) struct BrowserRun {
    pub(crate) dom: String,
    pub(crate) console: Vec<String>,
}

pub(crate) fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn browser_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(std::iter::once(format!(
        "--user-data-dir={}",
        profile.display()
    )))
    .collect()
}

pub(crate) fn load(browser: &Path, page: &Path, profile: &Path) -> BrowserRun {
    let out = Command::new(browser)
        .args(browser_args(profile))
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(out.status.success(), "chromium failed: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    BrowserRun {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        // Every console message (log, error, CSP violation) is logged as `…:CONSOLE:…`.
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

/// Payloads that change the DOM when they run, so execution shows in `--dump-dom`.
const DOM_PAYLOADS: [&str; 2] = [
    "<script>document.title='PWNED';document.documentElement.setAttribute('data-pwned','1')</script>",
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">",
];

fn script_ran(run: &BrowserRun) -> bool {
    run.dom.contains("<title>PWNED</title>") || run.dom.contains("data-pwned=\"1\"")
}

#[test]
fn chromium_runs_no_script_and_logs_nothing() {
    if std::env::var("TONEBENCH_BROWSER_TESTS").as_deref() != Ok("1") {
        println!("skipped: set TONEBENCH_BROWSER_TESTS=1 to run the headless Chromium test");
        return;
    }
    let browser = chromium().expect("TONEBENCH_BROWSER_TESTS=1 but no chromium on PATH");
    let tmp = tempfile::tempdir().unwrap();

    // Control: the same check sees a script that does run and a console message.
    let control = tmp.path().join("control.html");
    std::fs::write(
        &control,
        format!(
            "<!doctype html><title>t</title><p>x</p>{}<script>console.error('control')</script>",
            DOM_PAYLOADS[0]
        ),
    )
    .unwrap();
    let seen = load(&browser, &control, &tmp.path().join("profile-control"));
    assert!(
        script_ran(&seen),
        "the check cannot see scripts run: {}",
        seen.dom
    );
    assert!(
        seen.console.iter().any(|l| l.contains("control")),
        "the check cannot see console messages"
    );

    // The report, with every user string carrying payloads.
    let mut report = evil_report();
    let payloads = DOM_PAYLOADS.join(" ");
    report.suite.description = payloads.clone();
    report.models[1].name = payloads.clone();
    report.models[0].cohorts[0].groups[1].name = payloads.clone();
    let html = render_html(&report, &HtmlOptions::default()).unwrap();
    let page = tmp.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let seen = load(&browser, &page, &tmp.path().join("profile-report"));
    assert!(!script_ran(&seen), "a script ran");
    assert!(!seen.dom.contains("<script"), "a script element in the DOM");
    assert!(seen
        .dom
        .contains("<title>tonebench report — suite &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(
        seen.dom.contains("&lt;script&gt;document.title="),
        "payload shown as text"
    );
    assert!(
        seen.console.is_empty(),
        "console messages: {:#?}",
        seen.console
    );

    // A screenshot for the CI artifacts (a report without payloads, as people see it).
    let artifacts = crate::common::root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let clean = tmp.path().join("clean.html");
    std::fs::write(&clean, render(&sample::report(&spec(3, 8, 4)))).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new(&browser)
        .args(browser_args(&tmp.path().join("profile-shot")))
        .arg("--window-size=1280,4000")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", clean.display()))
        .output()
        .expect("chromium starts");
    assert!(out.status.success(), "screenshot failed: {out:?}");
    assert!(shot.metadata().map(|m| m.len() > 10_000).unwrap_or(false));
    println!("screenshot: {}", shot.display());
}
