//! The fuzz targets' bodies (`bodies.rs`), behind the `harness` feature (on by default): without
//! it only the core's own target, `rule`, builds — in minutes rather than the whole crate's build.

#[cfg(feature = "harness")]
mod bodies;
#[cfg(feature = "harness")]
pub use bodies::*;
