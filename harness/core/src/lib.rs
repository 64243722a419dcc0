//! tonebench's core: values in, values out.
//!
//! Metrics, bootstrap intervals, cohort statistics, gate rules and the report model live here.
//! Nothing in this crate touches the file system, the network, ONNX Runtime or the clock: the
//! `tonebench` crate reads inputs, calls into the core and writes what it returns.

pub mod bootstrap;
pub mod cohorts;
pub mod confusion;
pub mod direction;
pub mod gate;
pub mod intervals;
pub mod labels;
pub mod latency;
pub mod limits;
pub mod metrics;
pub mod paired;
pub mod probability;
pub mod report;
pub mod robustness;
pub mod split;
pub mod streaming;
pub mod text;
pub mod verdicts;

pub use confusion::Confusion;
pub use labels::LabelSet;
pub use metrics::Metrics;
