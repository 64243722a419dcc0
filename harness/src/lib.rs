//! tonebench: the edges around the I/O-free core — reading suites and predictions, running
//! models, writing reports — and the command line.

pub mod app;
pub mod audio;
pub mod cli;
pub mod corpus;
pub mod digest;
pub mod error;
pub mod infer;
pub mod input;
pub mod open;
pub mod render;
pub mod runs;
pub mod schema;
pub mod store;
pub mod term;
pub mod track;
