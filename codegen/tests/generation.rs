//! Generated code reviewed three ways: insta snapshots of every emitted file,
//! byte-for-byte determinism, and (in `compile.rs`) compilation under
//! `-D warnings`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod common {
    include!("common/specs.rs");
}
use common::{root, specs};

fn generate(path: &Path) -> codegen::Output {
    let api = spec::load(path).unwrap_or_else(|e| panic!("{e}"));
    codegen::generate(&api).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn snapshots_of_every_emitted_file() {
    for (name, path) in specs() {
        let output = generate(&path);
        for (file, text) in &output.files {
            // The runtime is copied verbatim; its own tests review it.
            if file == "runtime.rs" {
                continue;
            }
            let snapshot = format!("{name}__{}", file.trim_end_matches(".rs"));
            insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(snapshot, text);
            });
        }
    }
}

#[test]
fn same_spec_same_bytes() {
    for (name, path) in specs() {
        let first = generate(&path);
        let second = generate(&path);
        assert_eq!(first, second, "{name}: two runs differ");
    }
}

/// Reverse the key order of every JSON object.
fn reorder(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .rev()
                    .map(|(k, v)| (k, reorder(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(reorder).collect())
        }
        other => other,
    }
}

#[test]
fn reordered_maps_give_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("specgate-reorder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, path) in specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let copy = dir.join(format!("{name}.json"));
        std::fs::write(
            &copy,
            serde_json::to_string_pretty(&reorder(value)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            generate(&path),
            generate(&copy),
            "{name}: reordered maps change the output"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generated_crate_is_in_sync_with_the_spec() {
    let output = generate(&root().join("spec/identity-document.yaml"));
    let drift = codegen::check_dir(&output, &root().join("generated")).unwrap();
    assert!(
        drift.is_clean(),
        "generated/ is stale; run `cargo run -- generate spec/identity-document.yaml --out generated`:\n{drift}"
    );
}

#[test]
fn check_reports_missing_changed_and_extra_files() {
    let dir = std::env::temp_dir().join(format!("specgate-drift-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = generate(&root().join("spec/identity-document.yaml"));
    codegen::write_dir(&output, &dir).unwrap();
    assert!(codegen::check_dir(&output, &dir).unwrap().is_clean());
    std::fs::remove_file(dir.join("src/catalog.rs")).unwrap();
    let models = dir.join("src/models.rs");
    let text = std::fs::read_to_string(&models).unwrap();
    std::fs::write(
        &models,
        text.replacen("pub struct User {", "pub struct Person {", 1),
    )
    .unwrap();
    std::fs::write(dir.join("src/stale.rs"), "").unwrap();
    let drift = codegen::check_dir(&output, &dir).unwrap();
    assert_eq!(drift.missing, ["catalog.rs"]);
    assert_eq!(drift.changed.len(), 1);
    assert_eq!(drift.changed[0].0, "models.rs");
    assert!(drift.changed[0].2.contains("pub struct User {"));
    assert!(drift.changed[0].3.contains("pub struct Person {"));
    assert_eq!(drift.extra, ["stale.rs"]);
    let _ = std::fs::remove_dir_all(&dir);
}
