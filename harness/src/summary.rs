//! The compact terminal summary printed after a run.

use std::io::Write;

use tonebench_core::report::Report;

use crate::markdown::num;

/// Prints one header line and one line per model.
pub fn print(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let s = &report.suite;
    write!(
        out,
        "{}: {} items, labels {}",
        s.name,
        s.items,
        s.labels.join("/")
    )?;
    if let Some(sp) = s.speakers {
        write!(out, ", {sp} speakers")?;
    }
    writeln!(out)?;
    let width = report
        .models
        .iter()
        .map(|m| m.name.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let ci_pct = (report.bootstrap.confidence * 100.0).round();
    writeln!(
        out,
        "  {:width$}  {:>8}  {:>17}  {:>8}  {:>8}  {:>17}  {:>6}",
        "model",
        "modality",
        format!("accuracy [{ci_pct}%]"),
        "bal.acc",
        "macro-F1",
        format!("macro-F1 [{ci_pct}%]"),
        "kappa"
    )?;
    for m in &report.models {
        let x = &m.metrics;
        let iv = x.intervals.as_ref();
        let ci = |i: Option<&tonebench_core::bootstrap::Interval>| {
            i.map(|i| format!("[{}, {}]", num(i.low), num(i.high)))
                .unwrap_or_default()
        };
        writeln!(
            out,
            "  {:width$}  {:>8}  {:>5} {:>11}  {:>8}  {:>8}  {:>17}  {:>6}",
            m.name,
            m.modality.as_str(),
            num(x.accuracy),
            ci(iv.map(|i| &i.accuracy)),
            num(x.balanced_accuracy),
            num(x.macro_avg.f1),
            ci(iv.map(|i| &i.macro_f1)),
            num(x.cohen_kappa)
        )?;
        for w in &m.warnings {
            writeln!(out, "  warning: {}: {}", m.name, w.message)?;
        }
    }
    Ok(())
}
