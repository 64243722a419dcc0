//! Suite folders written by `suite import` and `suite split`: suite.toml, items.csv and, for an
//! import, skipped.csv (what was not imported and why).

use std::path::Path;

use super::perturbed::SUITE_TOML;
use super::{write_atomic, StoreError};

/// The items table of a written suite.
pub const ITEMS_CSV: &str = "items.csv";
/// What `suite import` did not take, and why.
pub const SKIPPED_CSV: &str = "skipped.csv";

/// Writes a suite folder; a folder that already holds a suite is an error (nothing is
/// overwritten).
pub fn write_suite(
    dir: &Path,
    manifest: &str,
    items: &str,
    skipped: Option<&str>,
) -> Result<(), StoreError> {
    if dir.join(SUITE_TOML).exists() {
        return Err(StoreError::HoldsSuite(dir.to_owned()));
    }
    super::RunDir::create(dir)?;
    write_atomic(&dir.join(ITEMS_CSV), items.as_bytes())?;
    if let Some(s) = skipped {
        write_atomic(&dir.join(SKIPPED_CSV), s.as_bytes())?;
    }
    // The manifest last: a folder with suite.toml is a whole suite.
    write_atomic(&dir.join(SUITE_TOML), manifest.as_bytes())
}
