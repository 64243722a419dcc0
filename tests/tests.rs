//! tonebench's integration tests: one binary, one module per feature area.

mod baseline;
mod common;
mod embed;
mod exit;
mod formats;
mod gate;
mod golden;
mod gpu;
mod hf;
mod html;
mod markdown;
mod mlflow;
mod onnx;
mod paired;
mod perturb;
mod probability;
mod profile;
mod robustness;
mod run;
mod schemas;
mod score;
mod streaming;
mod streaming_report;
mod wav;
