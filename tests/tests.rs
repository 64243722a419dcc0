//! tonebench's integration tests: one binary, one module per feature area.

mod common;
mod gate;
mod html;
mod onnx;
mod profile;
mod run;
mod score;
