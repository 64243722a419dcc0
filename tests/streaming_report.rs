//! The streaming sections of report.md and report.html: what they say, the timeline pictures
//! (one polyline per label, the truth segments, well-formed SVG), escaping, `report` and
//! `compare` over streamed runs, and (with TONEBENCH_BROWSER_TESTS=1) a headless Chromium load.

use std::path::Path;

use tonebench::cli::compare::{execute as execute_compare, CompareArgs};
use tonebench::cli::report::{execute, ReportArgs};
use tonebench::render::sample::{self, SampleSpec};
use tonebench::render::{markdown, render_html, HtmlOptions};
use tonebench_core::report::Report;

use crate::common::{self, root, tonebench};

const EVIL: &str = "<script>alert(1)</script>";

fn streamed(resamples: u32) -> Report {
    sample::report(&SampleSpec {
        streaming: true,
        resamples,
        ..SampleSpec::default()
    })
}

fn html(report: &Report) -> String {
    render_html(report, &HtmlOptions::default()).expect("renders")
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The `<svg …>…</svg>` elements of a page that carry `class`.
fn svgs<'a>(page: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\"");
    page.match_indices(&open)
        .map(|(i, _)| &page[i..i + page[i..].find("</svg>").unwrap() + "</svg>".len()])
        .collect()
}

/// Checks that tags nest and close (an XML-ish well-formedness check of the markup).
fn balanced(svg: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        if tag.contains('<') || !tag.matches('"').count().is_multiple_of(2) {
            return Err(format!("broken tag <{tag}>"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or(""));
        }
        rest = &rest[end + 1..];
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

#[test]
fn the_html_section_pictures_each_worst_call() {
    let report = streamed(100);
    let page = html(&report);
    assert!(page.contains("<a href=\"#streaming\">Streaming</a>"));
    let s = &page[page
        .find("<section id=\"streaming\">")
        .expect("a streaming section")..];
    let s = &s[..s.find("</section>").unwrap()];
    for text in [
        "5 s windows every 2.5 s · 24 calls · 420 windows (1 zero-padded) · 352 speech windows",
        "<strong>silero-vad</strong>",
        "precision 0.950 · recall 0.900",
        "TP 317 · FP 17 · FN 35 · TN 51",
        "5.40 s",
        "7 of 9 followed",
        "mean 6.25 s · median 5.00 s · max 12.50 s",
        "batch 16 against batch 1 on 64 windows",
        "clustered by call",
        "2 rolling estimate(s) covered no labeled speech",
        "rolling 30 s, oracle speech",
        "call, oracle speech",
    ] {
        assert!(s.contains(text), "missing {text:?}");
    }
    // Five levels, each with its interval.
    assert_eq!(count(s, "<td class=\"l\" title="), 5);
    assert_eq!(count(s, "<small>"), 15);
    let timelines = svgs(s, "timeline-chart");
    let pictured = &report.models[0].streaming.as_ref().unwrap().timelines;
    assert_eq!(timelines.len(), pictured.len());
    assert_eq!(count(s, "<figure id=\"streaming-1-"), 2);
    for (svg, t) in timelines.iter().zip(pictured) {
        balanced(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        assert_eq!(count(svg, "<polyline "), 3, "one line per label");
        assert_eq!(count(svg, "<title>p("), 3);
        assert_eq!(count(svg, "<title>truth "), t.segments.len());
        assert!(svg.contains("role=\"img\" aria-label=\"Timeline of call "));
        assert!(svg.contains(&format!("<title>Timeline of call {}", t.id)));
        let points = svg.split("points=\"").nth(1).unwrap();
        let points = &points[..points.find('"').unwrap()];
        assert_eq!(points.split(' ').count(), t.windows.len());
    }
    // The legend names every label.
    for l in &report.suite.labels {
        assert!(
            s.contains(&format!("</svg> {l} &nbsp;")),
            "legend lacks {l}"
        );
    }
    assert!(!page.contains("<script"));
}

#[test]
fn reports_without_streaming_have_no_streaming_section() {
    let report = sample::report(&SampleSpec::default());
    let page = html(&report);
    assert!(!page.contains("id=\"streaming\"") && !page.contains("#streaming"));
    assert!(!markdown::render(&report).unwrap().contains("Streaming"));
}

#[test]
fn the_markdown_section_has_the_levels_and_the_worst_calls() {
    let md = markdown::render(&streamed(100)).unwrap();
    let s = &md[md
        .find("## Streaming: model-1")
        .expect("a streaming section")..];
    for text in [
        "| level | scored | accuracy (WA) | balanced accuracy (UA) | macro-F1 |",
        "| call | 24 | ",
        "| call, oracle speech | 24 | ",
        "| rolling 30 s, oracle speech | 352 | ",
        "Intervals are clustered by call",
        "Speech presence from **silero-vad**",
        "(TP 317 · FP 17 · FN 35 · TN 51)",
        "- First decision (end of the first speech window, mean over calls): 5.40 s",
        "- Label changes inside calls: 7 of 9 followed",
        "- Batch exactness: batch 16 against batch 1 on 64 windows",
        "| call | duration | truth | call estimate | oracle speech | p(truth) |",
        "| call-0007 | 31.00 s | negative |",
        "| call-0002 | 3.00 s | positive |",
    ] {
        assert!(s.contains(text), "missing {text:?} in\n{s}");
    }
    // Each level row has its interval; the section ends before the next one.
    let window = s.lines().find(|l| l.starts_with("| window |")).unwrap();
    assert_eq!(count(window, " ["), 3, "{window}");
    let md0 = markdown::render(&streamed(0)).unwrap();
    assert!(md0.contains("No confidence intervals were computed. Oracle speech"));
    assert!(!md0.contains("clustered by call"));
}

#[test]
fn user_strings_in_the_streaming_block_are_escaped() {
    let mut report = sample::report(&SampleSpec {
        streaming: true,
        labels: vec!["negative".into(), EVIL.into(), "positive".into()],
        ..SampleSpec::default()
    });
    let s = report.models[0].streaming.as_mut().unwrap();
    s.speech.rule = EVIL.into();
    s.speech.source = EVIL.into();
    s.timelines[0].id = format!("{EVIL}\" onload=\"alert(2)");
    s.timelines[0].segments[0].label = EVIL.into();
    s.timelines[0].windows[0].rolling = Some(EVIL.into());
    let page = html(&report);
    assert!(!page.contains("<script>alert"), "unescaped in html");
    assert!(!page.contains("\" onload=\""), "attribute escaped");
    for svg in svgs(&page, "timeline-chart") {
        balanced(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
    }
    let md = markdown::render(&report).unwrap();
    assert!(!md.contains("<script>"), "unescaped in markdown");
}

fn stream_demo_calls(out: &Path) {
    let o = tonebench()
        .args(["run", "--suite"])
        .arg(root().join("suites/demo-calls"))
        .arg("--model")
        .arg(root().join("suites/demo/models/audio.toml"))
        .args(["--window", "5", "--speech", "energy", "--resamples", "50"])
        .args(["--examples", "2", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_streamed_run_rerenders_byte_identically_and_compares() {
    if !common::ort("streamed report") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    stream_demo_calls(&a);
    let written = std::fs::read(a.join("report.html")).unwrap();
    let page = String::from_utf8_lossy(&written).into_owned();
    assert_eq!(svgs(&page, "timeline-chart").len(), 2);
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    assert!(
        md.contains("## Streaming: demo-audio") && md.contains("Speech presence from **energy**")
    );
    // report.json read back renders the same page, byte for byte.
    std::fs::remove_file(a.join("report.html")).unwrap();
    let code = execute(&ReportArgs {
        run: a.clone(),
        templates: None,
    })
    .unwrap();
    assert_eq!(code, 0);
    assert!(
        std::fs::read(a.join("report.html")).unwrap() == written,
        "re-render differs"
    );
    // Two streamed runs side by side: a section per model, anchors apart.
    stream_demo_calls(&b);
    let out = tmp.path().join("compare.html");
    let code = execute_compare(&CompareArgs {
        runs: vec![a, b],
        out: Some(out.clone()),
        templates: None,
    })
    .unwrap();
    assert_eq!(code, 0);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("<h3 id=\"streaming-1\">a · demo-audio</h3>"));
    assert!(page.contains("<h3 id=\"streaming-2\">b · demo-audio</h3>"));
    assert_eq!(svgs(&page, "timeline-chart").len(), 4);
}

#[test]
fn chromium_renders_the_timelines_as_valid_svg() {
    if std::env::var("TONEBENCH_BROWSER_TESTS").as_deref() != Ok("1") {
        println!("skipped: set TONEBENCH_BROWSER_TESTS=1 to run the headless Chromium test");
        return;
    }
    let browser = crate::html::chromium().expect("TONEBENCH_BROWSER_TESTS=1 but no chromium");
    let tmp = tempfile::tempdir().unwrap();
    let page = html(&streamed(100));
    let file = tmp.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    let seen = crate::html::load(&browser, &file, &tmp.path().join("profile-page"));
    assert!(seen.console.is_empty(), "console: {:#?}", seen.console);
    assert_eq!(
        count(&seen.dom, "<polyline "),
        6,
        "the timelines' lines are in the DOM"
    );
    // Each timeline on its own, parsed by the browser's XML parser.
    for (i, svg) in svgs(&page, "timeline-chart").iter().enumerate() {
        let f = tmp.path().join(format!("timeline-{i}.svg"));
        std::fs::write(&f, svg).unwrap();
        let seen = crate::html::load(&browser, &f, &tmp.path().join(format!("profile-{i}")));
        assert!(
            !seen.dom.contains("parsererror"),
            "not well-formed XML: {}",
            seen.dom
        );
        assert!(seen.dom.contains("<polyline"), "{}", seen.dom);
    }
    // A screenshot for the CI artifacts.
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("streaming.png");
    let out = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile-shot").display()
        ))
        .arg("--window-size=1000,3000")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}#streaming", file.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}
