//! A panic inside polars' readers is contained: fuzzing the table reader (issue 18) found
//! corrupt Parquet files on which polars-parquet panics (failed assertions, `unwrap` on `None`,
//! out-of-range thrift fields) — in the reading thread or in one of polars' worker threads,
//! whose panic rayon re-raises in the reader. [`contained`] turns such a panic into an `Err`
//! with its message, so the file is invalid input (exit 2) naming the file, and keeps the
//! panic's own report off stderr while it runs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

/// Reads under [`contained`] in progress: while any is, panics are not reported.
static QUIET: AtomicUsize = AtomicUsize::new(0);

/// Wraps the panic hook once: quiet while a contained read runs, the previous hook otherwise.
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.load(Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs `read`; a panic in it (or in the worker threads it waits for) is `Err(message)`.
pub fn contained<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    install();
    QUIET.fetch_add(1, Ordering::SeqCst);
    let r = catch_unwind(AssertUnwindSafe(read));
    QUIET.fetch_sub(1, Ordering::SeqCst);
    r.map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        let first = msg.lines().next().unwrap_or_default();
        let short: String = first.chars().take(160).collect();
        format!("the reader failed on this file ({short})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_values_pass_through() {
        assert_eq!(contained(|| 7), Ok(7));
        let e = contained(|| -> u8 { panic!("assertion failed: x >= 0") }).unwrap_err();
        assert_eq!(
            e,
            "the reader failed on this file (assertion failed: x >= 0)"
        );
    }
}
