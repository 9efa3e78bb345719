//! Paths shared by the traces crate's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A file or folder of the shared real trace samples (../shared/traces).
pub fn shared(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/traces");
    assert!(
        root.is_dir(),
        "the shared trace samples are missing: expected the folder {} (../shared/traces beside the repository; CI has it)",
        root.display()
    );
    root.join(rel)
}

/// A file or folder of this crate's hand-written fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}
