//! What tonebench draws on a terminal: progress bars and spinners (indicatif) on the steps that
//! take seconds, drawn only when stderr is a terminal and never with `--quiet`, and the status
//! lines a person reads (`wrote …`, timings, the run summary), left out with `--quiet`. Errors and
//! warnings are never left out; neither is what a command is asked to print (doctor, gate
//! verdicts, `suite check`, `baseline show|list`, completions, man).
//!
//! `--quiet` is one process-wide switch, set once by the command line before any work starts:
//! it changes what is printed, never what is computed or written.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: set by the command line before the command runs.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether status lines and progress are left out.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether progress is drawn: stderr is a terminal and `--quiet` is off.
pub fn draws() -> bool {
    !quiet() && std::io::stderr().is_terminal()
}

/// A status line on stdout (a command's summary), left out with `--quiet`.
#[macro_export]
macro_rules! status {
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            println!($($arg)*);
        }
    };
}

/// A note on stderr (timings, `wrote …`, resuming), left out with `--quiet`. Warnings and
/// errors use `eprintln!`: they are never left out.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            eprintln!($($arg)*);
        }
    };
}

fn target() -> ProgressDrawTarget {
    if draws() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A bar over `len` steps named `prefix`, e.g. `wav2vec2 [=====>    ] 120/400 35/s eta 8s`;
/// `unit` follows the count (`calls`, `clips`) or is empty for a rate.
pub fn bar(len: usize, prefix: impl Into<String>, unit: &str) -> ProgressBar {
    let template = if unit.is_empty() {
        "{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta}".to_string()
    } else {
        format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} eta {{eta}}")
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target());
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid progress template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix.into());
    bar
}

/// A spinner for a step with no count (bootstrap intervals, k-means, cohort tests): it shows
/// the step and the time so far, and is cleared when dropped.
pub struct Spinner(ProgressBar);

/// Starts a spinner saying `what`, e.g. `bootstrap: 1000 resamples`.
pub fn spinner(what: impl Into<String>) -> Spinner {
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid progress template"),
    );
    bar.set_message(what.into());
    if draws() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    Spinner(bar)
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_terminal_nothing_is_drawn() {
        // Tests run with stderr captured or piped: bars are hidden, whatever --quiet says.
        if std::io::stderr().is_terminal() {
            return;
        }
        assert!(!draws());
        assert!(bar(3, "m", "").is_hidden());
        assert!(spinner("s").0.is_hidden());
    }
}
