//! tonebench: the edges around the I/O-free core — reading suites and predictions, running
//! models, writing reports — and the command line.

pub mod cohorts_io;
pub mod exit;
pub mod suite;
pub mod table;
