//! The planner: derived from the IR alone, deterministic, and accounting for
//! every code of the catalog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use conformance::case::{Case, Coverage, Expect, Plan};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn api() -> &'static spec::ir::Api {
    static API: OnceLock<spec::ir::Api> = OnceLock::new();
    API.get_or_init(|| spec::load(&root().join("spec/identity-document.yaml")).unwrap())
}

/// Planning synthesizes images; do it once for all tests.
fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| conformance::plan::plan(api(), 7))
}

fn case(id: &str) -> &'static Case {
    plan()
        .cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn expect_error(id: &str) -> (u16, BTreeSet<String>) {
    match &case(id).steps[0].expect {
        Expect::Error { status, codes } => (*status, codes.clone()),
        other => panic!("{id}: {other:?}"),
    }
}

fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn body(c: &Case, step: usize) -> Value {
    serde_json::from_slice(&c.steps[step].request.body.as_ref().unwrap().bytes).unwrap()
}

fn decoded_file(c: &Case) -> Vec<u8> {
    let text = body(c, 0)["data"].as_str().unwrap().to_string();
    decode_base64(&text)
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk.iter().fold(0u32, |acc, &c| {
            (acc << 6) | u32::from(if c == b'=' { 0 } else { val(c) })
        });
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .unwrap();
    reader.into_dimensions().unwrap()
}

#[test]
fn every_code_of_the_catalog_is_reached_or_declared_unreachable() {
    let catalog = api().errors.as_ref().unwrap();
    assert_eq!(plan().coverage.len(), catalog.codes.len());
    for c in &plan().coverage {
        match &c.verdict {
            Coverage::Reached { cases } => assert!(!cases.is_empty(), "{}", c.code),
            Coverage::Unreachable { reason } => {
                let op = &api().operations[0];
                assert_eq!(op.unreachable.get(&c.code), Some(reason), "{}", c.code);
            }
            other => panic!("{} is {other:?}", c.code),
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_plan_and_ids_are_unique() {
    let again = conformance::plan::plan(api(), 7);
    assert_eq!(&again, plan());
    let ids: BTreeSet<&str> = plan().cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), plan().cases.len());
    assert!(plan().cases.iter().all(|c| !c.id.contains(' ')));
}

#[test]
fn single_faults_expect_exactly_their_code_with_the_catalogs_status() {
    assert_eq!(
        expect_error("body.documentType.missing"),
        (400, codes(&["ER067"]))
    );
    assert_eq!(
        expect_error("body.documentSide.enum.lowercase"),
        (400, codes(&["ER076"]))
    );
    assert_eq!(
        expect_error("body.data.format.data-uri-prefix"),
        (400, codes(&["ER078"]))
    );
    assert_eq!(
        expect_error("auth.client.multiple"),
        (400, codes(&["ER803"]))
    );
    assert_eq!(
        expect_error("auth.partnerToken.expired"),
        (401, codes(&["ER801"]))
    );
    assert_eq!(expect_error("auth.user.mismatch"), (403, codes(&["ER703"])));
    assert_eq!(
        expect_error("auth.userToken.gone"),
        (404, codes(&["ER709"]))
    );
    assert_eq!(
        expect_error("body.not-an-object.array"),
        (400, codes(&["ER067", "ER075", "ER077"]))
    );
    assert_eq!(
        expect_error("body.combined.data+documentSide.missing"),
        (400, codes(&["ER075", "ER077"]))
    );
}

#[test]
fn identifier_lengths_on_both_sides_of_each_bound() {
    let p = &api().operations[0]
        .parameters
        .iter()
        .find(|p| p.name == "User-Identifier")
        .unwrap()
        .schema
        .rules
        .checks;
    let (min, max) = p.iter().fold((0, 0), |acc, k| match k {
        spec::ir::Keyword::MinLength(n) => (*n, acc.1),
        spec::ir::Keyword::MaxLength(n) => (acc.0, *n),
        _ => acc,
    });
    // A value that passes the format goes on to the next check: unknown (ER705).
    assert_eq!(
        expect_error(&format!("auth.userIdentifier.length.{}", min - 1)).1,
        codes(&["ER707"])
    );
    assert_eq!(
        expect_error(&format!("auth.userIdentifier.length.{min}")).1,
        codes(&["ER705"])
    );
    assert_eq!(
        expect_error(&format!("auth.userIdentifier.length.{max}")).1,
        codes(&["ER705"])
    );
    assert_eq!(
        expect_error(&format!("auth.userIdentifier.length.{}", max + 1)).1,
        codes(&["ER707"])
    );
    for (id, len) in [(min - 1, min - 1), (max + 1, max + 1)] {
        let c = case(&format!("auth.userIdentifier.length.{id}"));
        let value = c.steps[0]
            .request
            .headers
            .iter()
            .find(|(h, _)| h == "User-Identifier")
            .map(|(_, v)| v.clone())
            .unwrap();
        match value {
            conformance::case::HeaderText::Literal(s) => assert_eq!(s.len() as u64, len),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn success_cases_each_have_a_conflict_key_of_their_own() {
    let mut seen = BTreeSet::new();
    for c in &plan().cases {
        if let Expect::Success { .. } = c.steps[0].expect {
            let b = body(c, 0);
            let key = (b["documentType"].to_string(), b["documentSide"].to_string());
            assert!(seen.insert(key.clone()), "{} reuses {key:?}", c.id);
        }
    }
    // Error cases share a key no success case uses.
    let err = body(case("body.documentType.enum.unknown"), 0);
    let probe = body(case("file.data.type.gif"), 0);
    assert_eq!(err["documentSide"], probe["documentSide"]);
    assert!(!seen.contains(&(
        probe["documentType"].to_string(),
        probe["documentSide"].to_string()
    )));
}

#[test]
fn every_enum_value_is_accepted_at_least_once() {
    let mut types = BTreeSet::new();
    let mut sides = BTreeSet::new();
    for c in &plan().cases {
        if let Expect::Success { .. } = c.steps[0].expect {
            let b = body(c, 0);
            types.insert(b["documentType"].as_str().unwrap().to_string());
            sides.insert(b["documentSide"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(types.len(), 10);
    assert_eq!(sides.len(), 6);
}

#[test]
fn file_cases_carry_real_images_at_their_boundaries() {
    let checks = api().operations[0]
        .body
        .as_ref()
        .and_then(|b| b.content[0].schema.as_ref())
        .map(|s| match s.shape {
            spec::ir::Shape::Named(id) => match &api().type_def(id).kind {
                spec::ir::TypeKind::Struct(st) => st
                    .fields
                    .iter()
                    .find(|f| f.json_name == "data")
                    .unwrap()
                    .schema
                    .file_checks
                    .clone(),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        })
        .unwrap();
    let value = |want: fn(&spec::ir::FileRule) -> Option<f64>| {
        checks.iter().find_map(|c| want(&c.rule)).unwrap()
    };
    let max_bytes = value(|r| match r {
        spec::ir::FileRule::MaxBytes(n) => Some(*n as f64),
        _ => None,
    }) as usize;
    assert_eq!(decoded_file(case("file.data.size.at-max")).len(), max_bytes);
    assert_eq!(
        decoded_file(case("file.data.size.over-max")).len(),
        max_bytes + 1
    );
    let min_width = value(|r| match r {
        spec::ir::FileRule::MinWidth(n) => Some(*n as f64),
        _ => None,
    }) as u32;
    for kind in ["png", "jpeg"] {
        let (w, _) = dimensions(&decoded_file(case(&format!(
            "file.data.width.min.at-limit.{kind}"
        ))));
        assert_eq!(w, min_width, "{kind}");
        let (w, _) = dimensions(&decoded_file(case(&format!(
            "file.data.width.min.beyond.{kind}"
        ))));
        assert_eq!(w, min_width - 1, "{kind}");
    }
    let max_ratio = value(|r| match r {
        spec::ir::FileRule::MaxRatio(x) => Some(*x),
        _ => None,
    });
    let (w, h) = dimensions(&decoded_file(case("file.data.ratio.max.at-limit.png")));
    assert_eq!(f64::from(w) / f64::from(h), max_ratio);
    let (w, h) = dimensions(&decoded_file(case("file.data.ratio.max.beyond.png")));
    assert!(f64::from(w) / f64::from(h) > max_ratio);
    let max_pixels = value(|r| match r {
        spec::ir::FileRule::MaxPixels(n) => Some(*n as f64),
        _ => None,
    }) as u64;
    let (w, h) = dimensions(&decoded_file(case("file.data.pixels.max.at-limit.png")));
    assert_eq!(u64::from(w) * u64::from(h), max_pixels);
}

#[test]
fn state_is_an_ordered_sequence() {
    let c = case("state.ER708.repeat");
    assert_eq!(c.steps.len(), 3);
    assert_eq!(c.steps[0].request, c.steps[1].request);
    assert!(matches!(c.steps[0].expect, Expect::Success { .. }));
    assert!(
        matches!(&c.steps[1].expect, Expect::Error { status: 409, codes } if codes.contains("ER708"))
    );
    assert_ne!(body(c, 0)["documentSide"].clone(), Value::Null);
    assert_ne!(c.steps[0].request, c.steps[2].request);
}

#[test]
fn fixtures_without_the_vocabulary_still_plan() {
    let mut files: Vec<PathBuf> = ["tests/fixtures", "tests/unlinted"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let api = spec::load(&f).unwrap();
        let plan = conformance::plan::plan(&api, 1);
        for op in &api.operations {
            let name = format!("{} {}", op.method, op.path);
            assert!(
                plan.cases.iter().any(|c| c.operation == name),
                "{}: no case for {name}",
                f.display()
            );
        }
    }
}

#[test]
fn filter_keeps_matching_ids() {
    let mut p = plan().clone();
    p.filter("auth.*.expired");
    let ids: Vec<&str> = p.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["auth.partnerToken.expired", "auth.userToken.expired"]);
    let mut p = plan().clone();
    p.filter("ER708");
    assert_eq!(p.cases.len(), 1);
}

#[test]
fn limits_too_large_to_send_get_no_boundary_case() {
    let api = spec::load(&root().join("tests/fixtures/routes.yaml")).unwrap();
    let plan = conformance::plan::plan(&api, 1);
    let ids: Vec<&str> = plan.cases.iter().map(|c| c.id.as_str()).collect();
    assert!(
        !ids.iter().any(|id| id.contains("length.2147483647")),
        "{ids:?}"
    );
    // Every request stays small: none carries a string of the limit.
    let largest = plan
        .cases
        .iter()
        .flat_map(|c| &c.steps)
        .map(|s| serde_json::to_string(&s.request).unwrap().len())
        .max()
        .unwrap();
    assert!(largest < 1 << 20, "a request of {largest} bytes");
}
