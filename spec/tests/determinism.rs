//! The same API gives the same IR: loading twice agrees, and so does loading
//! a copy whose every map lists its keys in reverse order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::TempDir;
use serde_json::Value;

/// `value` with the keys of every object in reverse order.
fn reversed(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.reverse();
            Value::Object(entries.into_iter().map(|(k, v)| (k, reversed(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(reversed).collect()),
        other => other,
    }
}

#[track_caller]
fn load(path: &Path) -> spec::ir::Api {
    spec::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Load `path`, then a reversed copy of it written as JSON under the same
/// file name, and compare the two IRs.
fn assert_order_free(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let value: Value = serde_yaml::from_str(&text).unwrap();
    let flipped = reversed(value.clone());
    assert_ne!(
        serde_json::to_string(&flipped).unwrap(),
        serde_json::to_string(&value).unwrap(),
        "the copy must really differ in order"
    );
    let dir = TempDir::new("reversed");
    let copy = dir.write(
        path.file_name().unwrap().to_str().unwrap(),
        serde_json::to_string_pretty(&flipped).unwrap(),
    );
    let original = load(path);
    let from_copy = load(&copy);
    let (a, b) = (format!("{original:#?}"), format!("{from_copy:#?}"));
    if a != b {
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let show = |s: &str| {
            s.lines()
                .skip(line.saturating_sub(15))
                .take(25)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{}: the IR depends on the order of the spec's maps; first difference at line {}:\n--- original\n{}\n--- reversed\n{}",
            path.display(),
            line + 1,
            show(&a),
            show(&b)
        );
    }
    assert_eq!(original, from_copy);
}

#[test]
fn loading_twice_gives_the_same_ir() {
    let path = common::identity_spec();
    let first = load(&path);
    let second = load(&path);
    assert_eq!(first, second);
    assert_eq!(format!("{first:#?}"), format!("{second:#?}"));
}

#[test]
fn load_and_load_str_agree() {
    let path = common::identity_spec();
    let text = std::fs::read_to_string(&path).unwrap();
    let from_text = spec::load_str(&path, &text).unwrap();
    assert_eq!(format!("{:#?}", load(&path)), format!("{from_text:#?}"));
}

#[test]
fn the_order_of_the_spec_maps_does_not_matter() {
    assert_order_free(&common::identity_spec());
}

#[test]
fn the_order_of_the_fixture_maps_does_not_matter() {
    for name in common::FIXTURES {
        assert_order_free(&common::fixture(name));
    }
}

#[test]
fn the_ir_does_not_depend_on_where_the_spec_lies() {
    let path = common::identity_spec();
    let dir = TempDir::new("moved");
    let copy = dir.write("sub/identity-document.yaml", std::fs::read(&path).unwrap());
    assert_eq!(format!("{:#?}", load(&path)), format!("{:#?}", load(&copy)));
}
