// Shared by the codegen tests: the specs whose output is reviewed.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The spec and every fixture spec (`tests/fixtures/`, and `tests/unlinted/`
/// for those that break a rule on purpose), by a short name.
pub fn specs() -> Vec<(String, PathBuf)> {
    let mut out = vec![(
        "identity-document".to_string(),
        root().join("spec/identity-document.yaml"),
    )];
    for dir in ["tests/fixtures", "tests/unlinted"] {
        let dir = root().join(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, f));
        }
    }
    out
}

