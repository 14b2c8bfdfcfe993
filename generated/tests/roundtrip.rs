//! The spec's examples round-trip through the generated models, and the
//! generated catalog and constants hold exactly what the spec says. Every
//! expected value is read from spec/identity-document.yaml at test time.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(deprecated)] // User::enabled_iban_accounts is deprecated in the spec

mod common;

use std::collections::BTreeSet;

use common::{data_example, deref, non_canonical_base64, resolve, spec};
use identity_document::catalog::{self, ErrorCode};
use identity_document::constraints;
use identity_document::models::{self, DestinationTag, WalletAddress};
use identity_document::runtime::Base64;
use serde_json::{Value, json};

/// `v` deserialized into `T`, serialized to JSON text (the wire), read back.
fn roundtrip<T>(v: &Value) -> Result<Value, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let model: T = serde_json::from_value(v.clone()).map_err(|e| format!("deserialize: {e}"))?;
    let text = serde_json::to_string(&model).map_err(|e| format!("serialize: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("reparse: {e}"))
}

macro_rules! named_models {
    ($($name:ident),* $(,)?) => {
        /// Round-trips `v` through the model named `name`; None when the
        /// crate has no model of that name.
        fn roundtrip_named(name: &str, v: &Value) -> Option<Result<Value, String>> {
            match name {
                $(stringify!($name) => Some(roundtrip::<models::$name>(v)),)*
                _ => None,
            }
        }
    };
}

named_models!(
    Account,
    CheckStatus,
    DestinationTag,
    DocumentSide,
    DocumentType,
    Error,
    ErrorCode,
    ErrorResponse,
    FiatAmount,
    IbanAccount,
    IdentityDocumentStatus,
    IdentityDocumentStatusStatus,
    IdentityDocumentUpload,
    Limits,
    TradeLimit,
    User,
    VerificationDetails,
    VerificationDetailsAmld5VerificationStatus,
    VerificationDetailsResidentialAddressVerificationStatus,
    VerificationLevel,
    VerificationStatus,
    VerificationStatusStatus,
    WalletAddress,
    WalletStatus,
    WalletType,
    WalletVerificationRequirement,
);

/// `v` with every integral float written as an integer, so that two values
/// compare as JSON numbers do (JSON Schema equality: 3000 == 3000.0), not as
/// serde_json's representations do. Nothing else changes.
fn numbers_by_value(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map_or_else(|| v.clone(), |f| json!(f as i64)),
        Value::Array(items) => Value::Array(items.iter().map(numbers_by_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), numbers_by_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Asserts that `example` round-trips through the model `name` unchanged:
/// the same keys, strings, booleans, nulls and arrays, and numbers of the
/// same value (an f32 field writes the integral 3000 as 3000.0, see
/// `fiat_amounts_are_f32_and_an_integral_amount_serializes_as_a_float`).
fn assert_roundtrips(name: &str, example: &Value, what: &str) {
    let back = roundtrip_named(name, example)
        .unwrap_or_else(|| panic!("{what}: the crate has no model {name}"))
        .unwrap_or_else(|e| panic!("{what} as {name}: {e}"));
    assert_eq!(
        numbers_by_value(&back),
        numbers_by_value(example),
        "{what} as {name}"
    );
}

/// The name of the component schema `schema` is or wraps (`$ref`, or a
/// single-entry `allOf`/`oneOf` of a `$ref`).
fn named_type(schema: &Value) -> Option<&str> {
    let reference = schema.get("$ref").or_else(|| {
        ["allOf", "oneOf"]
            .iter()
            .find_map(|k| match schema.get(*k)?.as_array()?.as_slice() {
                [only] => only.get("$ref"),
                _ => None,
            })
    })?;
    reference.as_str()?.strip_prefix("#/components/schemas/")
}

fn schemas() -> &'static serde_json::Map<String, Value> {
    spec()["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The value of an `example` or of the `value` of an Example Object ($ref allowed).
fn example_values(media: &'static Value) -> Vec<(String, &'static Value)> {
    let mut out = Vec::new();
    if let Some(v) = media.get("example") {
        out.push(("example".to_owned(), v));
    }
    if let Some(map) = media.get("examples").and_then(Value::as_object) {
        for (key, ex) in map {
            out.push((format!("examples.{key}"), &deref(ex)["value"]));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// examples
// ---------------------------------------------------------------------------

#[test]
fn every_component_schema_has_a_model() {
    for name in schemas().keys() {
        assert!(
            roundtrip_named(name, &Value::Null).is_some(),
            "no model named {name}"
        );
    }
}

#[test]
fn the_user_example_roundtrips_through_user() {
    let example = &spec()["components"]["examples"]["UserWithPendingDocument"]["value"];
    assert!(example.is_object());
    assert_roundtrips("User", example, "UserWithPendingDocument");
    // And it reads into the fields one expects, not into catch-alls.
    let user: models::User = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(user.first_name.as_deref(), Some("John"));
    let wallets = user.enabled_wallet_addresses.unwrap();
    assert_eq!(
        wallets[0].destination_tag,
        Some(Some(DestinationTag::String("ABC1234".into())))
    );
    assert_eq!(
        wallets[1].destination_tag,
        Some(Some(DestinationTag::Integer(12341)))
    );
    let docs = user
        .status
        .and_then(|s| s.details)
        .and_then(|d| d.identity_document_verification_status)
        .unwrap();
    assert_eq!(docs[0].document_type, Some(models::DocumentType::Passport));
    assert_eq!(docs[0].document_side, Some(models::DocumentSide::Front));
    assert_eq!(
        docs[0].status,
        Some(models::IdentityDocumentStatusStatus::Pending)
    );
}

#[test]
fn every_request_and_response_example_roundtrips_through_its_schema() {
    let mut seen = 0;
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut media: Vec<(String, &'static Value)> = Vec::new();
            if let Some(body) = op.get("requestBody") {
                for (mt, m) in deref(body)["content"].as_object().unwrap() {
                    media.push((format!("{method} {path} requestBody {mt}"), m));
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = deref(response);
                for (mt, m) in response["content"].as_object().into_iter().flatten() {
                    media.push((format!("{method} {path} {status} {mt}"), m));
                }
            }
            for (what, m) in media {
                let name = named_type(&m["schema"])
                    .unwrap_or_else(|| panic!("{what}: the schema is a named type"));
                for (key, example) in example_values(m) {
                    assert_roundtrips(name, example, &format!("{what} {key}"));
                    seen += 1;
                }
            }
        }
    }
    // The request example, the 200 example and one per error response.
    assert!(seen >= 8, "only {seen} examples found");
}

#[test]
fn every_component_response_example_roundtrips() {
    let responses = spec()["components"]["responses"].as_object().unwrap();
    assert!(!responses.is_empty());
    for (key, response) in responses {
        for (mt, m) in response["content"].as_object().unwrap() {
            let name = named_type(&m["schema"]).unwrap();
            let examples = example_values(m);
            assert!(!examples.is_empty(), "responses.{key} has an example");
            for (ek, example) in examples {
                assert_roundtrips(name, example, &format!("responses.{key} {mt} {ek}"));
            }
        }
    }
}

#[test]
fn error_response_examples_agree_with_the_catalog() {
    for (key, response) in spec()["components"]["responses"].as_object().unwrap() {
        for m in response["content"].as_object().unwrap().values() {
            for (_, example) in example_values(m) {
                let body: models::ErrorResponse = serde_json::from_value(example.clone()).unwrap();
                for (code, error) in &body.errors {
                    let c = ErrorCode::from_code(code)
                        .unwrap_or_else(|| panic!("responses.{key}: {code} is in the catalog"));
                    assert_eq!(error.code.as_str(), code, "responses.{key}");
                    assert_eq!(error.message, c.message(), "responses.{key} {code}");
                    assert_eq!(error.solution, c.solution(), "responses.{key} {code}");
                }
            }
        }
    }
}

#[test]
fn every_schema_level_example_roundtrips_through_its_type() {
    let mut seen = Vec::new();
    for (name, schema) in schemas() {
        // The schema's own example.
        if let Some(example) = schema.get("example") {
            assert_roundtrips(name, example, &format!("schemas.{name}.example"));
            seen.push(name.clone());
        }
        // Examples of oneOf branches are values of the schema too.
        for (i, branch) in schema["oneOf"].as_array().into_iter().flatten().enumerate() {
            if let Some(example) = branch.get("example") {
                assert_roundtrips(name, example, &format!("schemas.{name}.oneOf[{i}].example"));
                seen.push(format!("{name}.oneOf[{i}]"));
            }
        }
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        // A property's example, as the named type of the property.
        let mut object = serde_json::Map::new();
        for (prop, p) in properties {
            let Some(example) = p.get("example") else {
                continue;
            };
            object.insert(prop.clone(), example.clone());
            let what = format!("schemas.{name}.properties.{prop}.example");
            if let Some(t) = named_type(p) {
                assert_roundtrips(t, example, &what);
                seen.push(format!("{name}.{prop}"));
            } else if p.get("enum").is_some() {
                // An inline enum is a model of its own, named after its place.
                assert_roundtrips(&format!("{name}{}", upper_first(prop)), example, &what);
                seen.push(format!("{name}.{prop}"));
            }
        }
        // The property examples together, as an object of the schema, when
        // they cover its required properties (e.g. FiatAmount).
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !object.is_empty() && required.iter().all(|r| object.contains_key(*r)) {
            assert_roundtrips(
                name,
                &Value::Object(object),
                &format!("schemas.{name} from its property examples"),
            );
            seen.push(format!("{name} (object)"));
        }
    }
    for expected in [
        "DocumentType",
        "DocumentSide",
        "DestinationTag",
        "FiatAmount (object)",
        "WalletAddress (object)",
        "VerificationDetails.emailAddressVerificationStatus",
        "VerificationStatus.status",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} was checked (checked: {seen:?})"
        );
    }
}

#[test]
fn an_integral_fiat_amount_serializes_as_a_float() {
    // Numbers are f64: the example's 3000 (an integer in the spec) goes out
    // as 3000.0, the same JSON number but not the same serde_json::Value, so
    // examples are compared by numeric value.
    let example = json!({"amount": 3000, "currencyCode": "EUR"});
    let amount: models::FiatAmount = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(amount.amount, 3000.0_f64);
    let text = serde_json::to_string(&amount).unwrap();
    assert_eq!(text, r#"{"amount":3000.0,"currencyCode":"EUR"}"#);
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_ne!(back, example);
    assert_eq!(numbers_by_value(&back), example);
    // Fractions with few digits keep their shortest form.
    let cents: models::FiatAmount =
        serde_json::from_value(json!({"amount": 2999.99, "currencyCode": "EUR"})).unwrap();
    assert_eq!(
        serde_json::to_string(&cents).unwrap(),
        r#"{"amount":2999.99,"currencyCode":"EUR"}"#
    );
}

#[test]
fn fiat_amounts_keep_the_value_they_were_given() {
    for amount in [1_234_567.89, 16_777_217.0, 99_999_999.99] {
        let given = json!({"amount": amount, "currencyCode": "EUR"});
        let model: models::FiatAmount = serde_json::from_value(given.clone()).unwrap();
        let back: Value = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(
            numbers_by_value(&back),
            numbers_by_value(&given),
            "{amount}"
        );
    }
}

// ---------------------------------------------------------------------------
// DestinationTag and Base64
// ---------------------------------------------------------------------------

#[test]
fn destination_tag_takes_a_string_or_an_integer() {
    let tag = |v: Value| serde_json::from_value::<DestinationTag>(v);
    assert_eq!(
        tag(json!("ABC1234")).unwrap(),
        DestinationTag::String("ABC1234".into())
    );
    assert_eq!(tag(json!(12341)).unwrap(), DestinationTag::Integer(12341));
    // A numeric string stays a string; untagged tries String first.
    assert_eq!(
        tag(json!("12341")).unwrap(),
        DestinationTag::String("12341".into())
    );
    assert_eq!(
        serde_json::to_value(DestinationTag::Integer(12341)).unwrap(),
        json!(12341)
    );
    assert_eq!(
        serde_json::to_value(DestinationTag::String("ABC1234".into())).unwrap(),
        json!("ABC1234")
    );
    // Neither branch: a fraction, a boolean, an object.
    assert!(tag(json!(1.5)).is_err());
    assert!(tag(json!(true)).is_err());
    assert!(tag(json!({})).is_err());
    // null is not a DestinationTag on its own: the model has no null
    // variant; null is held by the Option around it (below).
    assert!(tag(Value::Null).is_err());
}

#[test]
fn destination_tag_null_inside_a_wallet_address_is_kept_apart_from_absent() {
    let wallet = |v: Value| serde_json::from_value::<WalletAddress>(v).unwrap();
    // Explicit null: Some(None), serialized back as null.
    let with_null = wallet(json!({"currency": "BTC", "destinationTag": null}));
    assert_eq!(with_null.destination_tag, Some(None));
    assert_eq!(
        serde_json::to_value(&with_null).unwrap(),
        json!({"currency": "BTC", "destinationTag": null})
    );
    // Absent: None, and absent again.
    let absent = wallet(json!({"currency": "BTC"}));
    assert_eq!(absent.destination_tag, None);
    assert_eq!(
        serde_json::to_value(&absent).unwrap(),
        json!({"currency": "BTC"})
    );
    // A value: Some(Some(..)).
    assert_eq!(
        wallet(json!({"destinationTag": 12341})).destination_tag,
        Some(Some(DestinationTag::Integer(12341)))
    );
    assert!(serde_json::from_value::<WalletAddress>(json!({"destinationTag": 1.5})).is_err());
}

#[test]
fn base64_decodes_the_seed_example_and_reencodes_it_identically() {
    let text = data_example();
    let decoded: Base64 = serde_json::from_value(json!(text)).unwrap();
    assert_eq!(decoded.0, b"ha made you look!");
    assert_eq!(serde_json::to_value(&decoded).unwrap(), json!(text));
    // The request body example carries the same data.
    let op = &spec()["paths"]["/api/v1/user/identity-document"]["post"];
    let example = &op["requestBody"]["content"]["application/json"]["example"];
    let upload: models::IdentityDocumentUpload = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(upload.data.0, b"ha made you look!");
    assert_eq!(upload.document_type, models::DocumentType::Passport);
    assert_eq!(upload.document_side, models::DocumentSide::Front);
}

#[test]
fn base64_refuses_non_canonical_input() {
    // The standard-alphabet counterpart of the url-safe case is accepted.
    let fb_ff: Base64 = serde_json::from_value(json!("+/8=")).unwrap();
    assert_eq!(fb_ff.0, [0xFB, 0xFF]);
    let empty: Base64 = serde_json::from_value(json!("")).unwrap();
    assert!(empty.0.is_empty());
    for (why, text) in non_canonical_base64() {
        assert!(
            serde_json::from_value::<Base64>(json!(text)).is_err(),
            "{why}: {text:?} is refused"
        );
    }
    assert!(serde_json::from_value::<Base64>(json!(17)).is_err());
}

// ---------------------------------------------------------------------------
// the catalog and the constants
// ---------------------------------------------------------------------------

fn spec_codes() -> &'static serde_json::Map<String, Value> {
    spec()["x-specgate-errors"]["codes"].as_object().unwrap()
}

#[test]
fn the_catalog_has_exactly_the_codes_of_the_spec() {
    let ours: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let theirs: BTreeSet<&str> = spec_codes().keys().map(String::as_str).collect();
    assert_eq!(ours.iter().copied().collect::<BTreeSet<_>>(), theirs);
    assert_eq!(ours.len(), theirs.len(), "no code twice");
    for code in ErrorCode::ALL {
        let entry = &spec_codes()[code.as_str()];
        assert_eq!(
            u64::from(code.status()),
            entry["status"].as_u64().unwrap(),
            "{code}"
        );
        assert_eq!(code.message(), entry["message"].as_str().unwrap(), "{code}");
        assert_eq!(
            code.solution(),
            entry["solution"].as_str().unwrap(),
            "{code}"
        );
        assert_eq!(ErrorCode::from_code(code.as_str()), Some(code));
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(catalog::CATALOG[code as usize], code.entry());
    }
    assert_eq!(ErrorCode::from_code("ER000"), None);
    assert_eq!(ErrorCode::from_code("er067"), None);
    let fallback = spec()["x-specgate-errors"]["fallback"].as_str();
    assert_eq!(catalog::FALLBACK.map(ErrorCode::as_str), fallback);
}

#[test]
fn the_error_code_schema_lists_the_catalog() {
    let schema_enum: Vec<&str> = spec()["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let model: Vec<&str> = models::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(model, schema_enum);
    let catalog: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        schema_enum.iter().copied().collect::<BTreeSet<_>>(),
        catalog
    );
}

#[tokio::test]
async fn catalog_error_responses_have_the_keyed_layout() {
    let codes = [ErrorCode::ER067, ErrorCode::ER075, ErrorCode::ER067];
    let response = catalog::error_response(&codes);
    assert_eq!(response.status().as_u16(), 400);
    let bytes = {
        use http_body_util::BodyExt;
        response.into_body().collect().await.unwrap().to_bytes()
    };
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let parsed: models::ErrorResponse = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        parsed.errors.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ER067", "ER075"]
    );
    assert_eq!(
        body["errors"]["ER075"],
        json!({"code": "ER075", "message": "Missing document side.", "solution": "Provide a document side."})
    );
}

#[test]
fn enum_models_list_the_values_of_the_spec() {
    let values = |name: &str| -> Vec<String> {
        spec()["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let types: Vec<String> = models::DocumentType::ALL
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(types, values("DocumentType"));
    let sides: Vec<String> = models::DocumentSide::ALL
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(sides, values("DocumentSide"));
    for t in models::DocumentType::ALL {
        assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        assert_eq!(
            serde_json::from_value::<models::DocumentType>(json!(t.as_str())).unwrap(),
            t
        );
    }
    for s in models::DocumentSide::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
    }
}

/// The `x-specgate-file` check named `check`.
fn file_check(check: &str) -> &'static Value {
    spec()["components"]["schemas"]["IdentityDocumentUpload"]["properties"]["data"]
        ["x-specgate-file"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("a {check} check"))
}

#[test]
fn the_constants_hold_the_limits_of_the_spec() {
    let int = |check: &str| file_check(check)["value"].as_u64().unwrap();
    let float = |check: &str| file_check(check)["value"].as_f64().unwrap();
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_BYTES,
        int("max-bytes")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH,
        int("max-width")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH,
        int("min-width")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_HEIGHT,
        int("max-height")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT,
        int("min-height")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS,
        int("max-pixels")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS,
        int("min-pixels")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_RATIO,
        float("max-ratio")
    );
    assert_eq!(
        constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_RATIO,
        float("min-ratio")
    );
    // One generated check per spec check, in the spec's order, same codes.
    let spec_checks = spec()["components"]["schemas"]["IdentityDocumentUpload"]["properties"]
        ["data"]["x-specgate-file"]
        .as_array()
        .unwrap();
    let ours = constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_FILE_CHECKS;
    assert_eq!(ours.len(), spec_checks.len());
    for (ours, theirs) in ours.iter().zip(spec_checks) {
        assert_eq!(ours.code, theirs["code"].as_str().unwrap(), "{theirs}");
    }
    // A body carrying the largest file is not refused for its size.
    let largest = usize::try_from(int("max-bytes")).unwrap().div_ceil(3) * 4;
    assert!(constraints::UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES > largest + 100);
}

#[test]
fn resolve_finds_component_refs() {
    // Sanity of the test helper itself.
    assert!(resolve("#/components/schemas/User").is_object());
}
