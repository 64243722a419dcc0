//! What `gate` shows: one terminal line per verdict, JUnit XML for CI, a Markdown summary for
//! `$GITHUB_STEP_SUMMARY`.

use tonebench_core::gate::{fmt_num, Status, Verdict};
use tonebench_core::verdicts::{GateRun, Outcome};

use tonebench_core::text::{markdown_cell as md_cell, markdown_code as md_code};

use super::RenderError;

/// A p-value or other small number: scientific below 1e-4.
pub fn fmt_p(p: f64) -> String {
    if p > 0.0 && p < 1e-4 {
        format!("{p:.2e}")
    } else {
        fmt_num(p)
    }
}

/// The closing line of the terminal output.
pub fn counts_line(run: &GateRun) -> String {
    format!(
        "gates: {} passed, {} failed, {} could not be evaluated",
        run.count(Status::Pass),
        run.count(Status::Fail),
        run.count(Status::Error)
    )
}

/// One terminal line per verdict.
pub fn terminal_line(v: &Verdict) -> String {
    let tag = match v.status {
        Status::Pass => "PASS ",
        Status::Fail => "FAIL ",
        Status::Error => "ERROR",
    };
    format!("{tag} {} — {}", v.name(), v.why)
}

/// JUnit XML: one test suite, one test case per verdict.
pub fn junit_xml(run: &GateRun, gate_file: &str) -> Result<String, RenderError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("tonebench gate {gate_file}"));
    for v in &run.verdicts {
        let detail = format!(
            "value {}, bound {}: {}",
            v.value.map(fmt_p).unwrap_or_else(|| "none".into()),
            v.bound,
            v.why
        );
        let status = match v.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail | Status::Error => {
                let kind = if v.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(detail.clone())
                    .set_type(if v.status == Status::Fail {
                        "gate failed"
                    } else {
                        "gate error"
                    });
                s
            }
        };
        let mut case = TestCase::new(v.name(), status);
        case.set_classname(format!(
            "tonebench.gate.{}",
            v.model.as_deref().unwrap_or("report")
        ));
        if v.status == Status::Pass {
            case.set_system_out(detail);
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("tonebench gate");
    report.add_test_suite(suite);
    report
        .to_string()
        .map_err(|e| RenderError::Junit(e.to_string()))
}

/// A Markdown summary for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(run: &GateRun, report_path: &str) -> String {
    let (pass, fail, err) = (
        run.count(Status::Pass),
        run.count(Status::Fail),
        run.count(Status::Error),
    );
    let head = match run.outcome() {
        Outcome::Pass => "✅ all gates passed".to_string(),
        Outcome::Fail => format!("❌ {fail} of {} gates failed", run.verdicts.len()),
        Outcome::Unevaluated => format!(
            "⚠️ {err} of {} gates could not be evaluated",
            run.verdicts.len()
        ),
    };
    let mut s = format!("## tonebench gate: {head}\n\n");
    // Paths and baseline names are user text: escaped as cells (HTML included), then quoted.
    s.push_str(&format!("Report: `{}`", md_cell(report_path)));
    if let Some(b) = &run.baseline {
        s.push_str(&format!(" · baseline: `{}`", md_cell(b)));
    }
    s.push_str(&format!(
        " · {pass} passed, {fail} failed, {err} errors\n\n"
    ));
    s.push_str("| verdict | model | rule | value | bound | why |\n|---|---|---|---|---|---|\n");
    for v in &run.verdicts {
        let tag = match v.status {
            Status::Pass => "✅ pass",
            Status::Fail => "❌ fail",
            Status::Error => "⚠️ error",
        };
        s.push_str(&format!(
            "| {tag} | {} | `{}` | {} | {} | {} |\n",
            md_cell(v.model.as_deref().unwrap_or("")),
            md_code(&v.rule),
            v.value.map(fmt_p).unwrap_or_else(|| "—".into()),
            md_cell(&v.bound),
            md_cell(&v.why)
        ));
    }
    s.push('\n');
    s
}
