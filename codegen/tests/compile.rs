//! Every spec's generated crate compiles warning-free: the output of the
//! spec and of each fixture is written into a scratch Cargo workspace and
//! checked with `-D warnings` (a snapshot alone proves nothing).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod generation_specs {
    include!("common/specs.rs");
}

#[test]
fn every_generated_crate_compiles_without_warnings() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-crates");
    let _ = std::fs::remove_dir_all(scratch.join("crates"));
    std::fs::create_dir_all(scratch.join("crates")).unwrap();
    let mut members = Vec::new();
    for (name, path) in generation_specs::specs() {
        let api = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let output = codegen::generate(&api).unwrap();
        let dir = scratch.join("crates").join(&name);
        codegen::write_dir(&output, &dir).unwrap();
        let manifest = codegen::starter_manifest(&dir);
        let manifest = manifest.replace(
            "[dependencies]",
            "[lints.rust]\nunsafe_code = \"forbid\"\n\n[dependencies]",
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        members.push(format!("\"crates/{name}\""));
    }
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    // Same dependency versions as this workspace, and no network when they are cached.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    std::fs::copy(lock, scratch.join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["clippy", "--workspace", "--quiet", "--", "-D", "warnings"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "generated crates do not compile cleanly:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
