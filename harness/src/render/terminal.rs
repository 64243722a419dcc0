//! What the terminal shows: the compact summary after a run and the latency table of a profile.
//! Text in, text out; the command line prints it.

use std::fmt::Write;

use tonebench_core::report::{Report, WarningCode};

use crate::render::markdown::num;

/// The run summary: one header line and one line per model, with its warnings.
pub fn summary(report: &Report) -> String {
    let mut s = String::new();
    write_summary(&mut s, report).expect("writing to a String cannot fail");
    s
}

/// The latency table of every profiled model, with its warnings.
pub fn profile_table(report: &Report) -> String {
    let mut s = String::new();
    write_profile_table(&mut s, report).expect("writing to a String cannot fail");
    s
}

fn write_summary(out: &mut impl Write, report: &Report) -> std::fmt::Result {
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

fn write_profile_table(w: &mut impl Write, report: &Report) -> std::fmt::Result {
    for m in &report.models {
        let Some(l) = &m.latency else { continue };
        writeln!(
            w,
            "{} on {} ({}), {} thread(s)",
            m.name,
            l.device,
            l.provider,
            l.threads.unwrap_or(0)
        )?;
        writeln!(
            w,
            "session creation {:.1} ms · first inference {:.2} ms · warm-up {} calls",
            l.session_create_ms.unwrap_or(f64::NAN),
            l.first_inference_ms.unwrap_or(f64::NAN),
            l.warmup.unwrap_or(0)
        )?;
        writeln!(
            w,
            "{:>5} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8} {:>4}",
            "batch",
            "calls",
            "min ms",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "mean ms",
            "std ms",
            "items/s",
            "RTF",
            "infer50",
            "out"
        )?;
        for b in &l.batches {
            let s = &b.latency;
            writeln!(
                w,
                "{:>5} {:>6} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.1} {:>8} {:>8.3} {:>4}",
                b.batch,
                b.iterations,
                s.min_ms,
                s.p50_ms,
                s.p90_ms,
                s.p99_ms,
                s.max_ms,
                s.mean_ms,
                s.std_ms,
                b.throughput_per_s,
                b.rtf.map(|r| format!("{r:.4}")).unwrap_or_else(|| "-".into()),
                b.stages.get("inference").map(|s| s.p50_ms).unwrap_or(f64::NAN),
                s.outliers
            )?;
        }
        if let Some(s) = &l.streaming {
            writeln!(
                w,
                "streaming {} s windows every {} s over {:.0} s of audio: {} windows, p50 {:.2} ms, p99 {:.2} ms, RTF {:.4} — {}",
                s.window_s,
                s.hop_s,
                s.audio_s,
                s.windows,
                s.latency.p50_ms,
                s.latency.p99_ms,
                s.rtf,
                if s.keeps_up { "keeps up with real time" } else { "falls behind real time" }
            )?;
        }
        for wn in &m.warnings {
            // Metric warnings (0/0 over the few items profiled) belong to report.md, not here.
            if !matches!(
                wn.code,
                WarningCode::ItemsNotScored | WarningCode::ZeroDivision
            ) {
                writeln!(w, "warning: {}", wn.message)?;
            }
        }
    }
    Ok(())
}
