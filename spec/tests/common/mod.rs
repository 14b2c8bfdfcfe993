//! Helpers shared by the integration tests of the `spec` crate.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "specgate-spec-tests-{}-{n}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `text` to `rel` (folders created) and return its path.
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The crate folder (`spec/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The source of truth, `spec/identity-document.yaml`.
pub fn identity_spec() -> PathBuf {
    crate_dir().join("identity-document.yaml")
}

/// `tests/fixtures/<name>` at the workspace root.
pub fn fixture(name: &str) -> PathBuf {
    crate_dir()
        .join("..")
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// The fixture specs, by file name.
pub const FIXTURES: &[&str] = &[
    "composition.yaml",
    "nullable.yaml",
    "recursion.yaml",
    "maps.yaml",
    "names.yaml",
    "params.yaml",
    "content.yaml",
    "vocabulary.yaml",
    "routes.yaml",
];

/// 1-based (line, column) of the only occurrence of `needle` in `text`.
#[track_caller]
pub fn pos(text: &str, needle: &str) -> (usize, usize) {
    let mut found = text.match_indices(needle);
    let (at, _) = found
        .next()
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    assert!(found.next().is_none(), "`{needle}` occurs more than once");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// `text` with the only occurrence of `old` replaced by `new`.
#[track_caller]
pub fn patch(text: &str, old: &str, new: &str) -> String {
    assert_eq!(
        text.matches(old).count(),
        1,
        "`{old}` must occur exactly once in the text to patch"
    );
    text.replacen(old, new, 1)
}
