//! tonebench's integration tests: one binary, one module per feature area.

mod common;
mod embed;
mod gate;
mod html;
mod markdown;
mod onnx;
mod profile;
mod run;
mod score;
