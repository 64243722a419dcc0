//! Release gate rules: a small rule language over any number in report.json, and its verdicts.
//!
//! A rule is `[lower(|upper(]PATH[)] OP NUMBER` with `OP` one of `>=`, `>`, `<=`, `<`:
//!
//! ```text
//! macro.f1 >= 0.70
//! lower(macro.f1) >= 0.70            # the lower end of the bootstrap interval
//! per_class.negative.recall >= 0.60
//! cohorts.sex.gap_abs <= 0.05        # arrays are indexed by `partition`/`name` or a number
//! latency.p95_ms <= 40               # also `latency.cpu.p95_ms`: the device must be cpu
//! suite.items >= 1000                # run-level values resolve in the report root
//! ```
//!
//! A path resolves, per model, in the first scope whose keys contain its first segment:
//! `models[i].metrics`, then `models[i]`, then the report root. A path that resolves nowhere,
//! ends on a null or on something that is not a number is an [`Status::Error`] verdict — a gate
//! is never silently skipped.
//!
//! Three steps, one file each: [`Rule::parse`] reads a rule (`rule.rs`), [`resolve`] finds the
//! number a path names in report.json (`resolve.rs`), and [`evaluate`] turns the two into
//! [`Verdict`]s (`verdict.rs`).

mod resolve;
mod rule;
mod verdict;

pub use resolve::{interval_path, resolve, resolve_model_path};
pub use rule::{Bound, Op, Rule, RuleError};
pub use verdict::{evaluate, fmt_num, ModelSelector, Status, Verdict};

#[cfg(test)]
mod tests;
