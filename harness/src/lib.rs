//! tonebench: the edges around the I/O-free core — reading suites and predictions, running
//! models, writing reports — and the command line.

pub mod audio;
pub mod baseline;
pub mod cli;
pub mod cohorts_io;
pub mod commands;
pub mod config;
pub mod embeddings;
pub mod error;
pub mod evaluate;
pub mod exit;
pub mod gate;
pub mod infer;
pub mod journal;
pub mod output;
pub mod predictions;
pub mod profile;
pub mod render;
pub mod run;
pub mod suite;
pub mod summary;
pub mod table;
