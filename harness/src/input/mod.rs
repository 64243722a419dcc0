//! Reading what the user gives: TOML configuration, tables, suites, predictions.

pub mod conditions;
pub mod config;
pub mod embeddings;
pub mod gate_file;
pub mod items;
pub mod predictions;
pub mod segments;
pub mod suite;
pub mod table;
pub mod templates;
