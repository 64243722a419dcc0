//! tonebench's integration tests: one binary, one module per feature area.

mod baseline;
mod common;
mod embed;
mod exit;
mod gate;
mod golden;
mod gpu;
mod html;
mod markdown;
mod onnx;
mod paired;
mod profile;
mod run;
mod score;
mod streaming;
mod wav;
