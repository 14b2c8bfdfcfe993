//! The generated router, driven in memory (tower `oneshot`, no socket) on a
//! stub `Api`: every refusal the router decides, with its exact status and
//! codes, the order of the stages, and what reaches the implementation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::*;
use identity_document::catalog::ErrorCode::{self, *};
use identity_document::constraints::*;
use identity_document::models::{DocumentSide, DocumentType, ErrorResponse, User};
use identity_document::runtime::encode_base64;
use identity_document::server::{Scheme, UploadIdentityDocumentResponse};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------

/// The side of the smallest square that passes every dimension rule.
fn square_side() -> u64 {
    let side = UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH
        .max(UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT)
        .max(UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS.isqrt() + 1);
    assert!(side <= UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH);
    assert!(side * side <= UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS);
    side
}

/// A square PNG that passes every router check, whatever the type and side.
fn good_png() -> Vec<u8> {
    let s = square_side();
    image("png", s, s)
}

/// A valid upload of a Passport front.
fn good_body() -> Vec<u8> {
    passport(&good_png())
}

/// A body with the given JSON fields.
fn body(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// The fields of a valid body, with `key` replaced by `value` (or removed
/// when `value` is None).
fn good_fields_with(key: &str, value: Option<Value>) -> Vec<u8> {
    let mut fields = serde_json::from_slice::<Value>(&good_body()).unwrap();
    let map = fields.as_object_mut().unwrap();
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
    body(&fields)
}

/// Sends `req` to a fresh default stub; returns the answer and the stub.
async fn send_default(req: Req) -> (Answer, Arc<Stub>) {
    let stub = Stub::new();
    let answer = send(&stub, req).await;
    (answer, stub)
}

/// Asserts `req` is refused with exactly `codes` and reaches no implementation.
async fn refused(req: Req, codes: &[ErrorCode]) -> Arc<Stub> {
    let (answer, stub) = send_default(req.clone()).await;
    answer.assert_error(codes);
    assert!(
        stub.calls().is_empty(),
        "{:?} reached the implementation",
        req.headers
    );
    stub
}

/// Asserts `req` passes every router check; returns the recorded call.
async fn accepted(req: Req) -> Call {
    let (answer, stub) = send_default(req).await;
    answer.assert_ok();
    stub.only_call()
}

/// Every JSON value but `null`, of each JSON type but string.
fn non_strings() -> Vec<Value> {
    vec![
        json!(1),
        json!(0),
        json!(1.5),
        json!(true),
        json!(false),
        json!([]),
        json!(["Passport"]),
        json!({}),
        json!({"Passport": 1}),
    ]
}

// ---------------------------------------------------------------------------
// client authentication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_client_credential_is_er802() {
    refused(Req::bare(good_body()), &[ER802]).await;
    let stub = refused(Req::authed(good_body()).without("Authorization"), &[ER802]).await;
    assert!(stub.authenticated().is_empty());
}

#[tokio::test]
async fn an_empty_authorization_is_er802() {
    for value in ["", "Bearer", "Bearer ", "bearer", "BEARER  ", " "] {
        let stub = refused(
            Req::authed(good_body()).set("Authorization", value),
            &[ER802],
        )
        .await;
        assert!(stub.authenticated().is_empty(), "{value:?}");
    }
}

#[tokio::test]
async fn another_authorization_scheme_or_a_malformed_token_is_er800() {
    for value in [
        "Basic abc",
        "Basic",
        "Token partner-ok",
        "Bearerpartner-ok",
        "partner-ok",
        "Bearer partner ok",
        "Bearer\tpartner-ok",
        "Bearer t\u{f6}k",
    ] {
        let stub = refused(
            Req::authed(good_body()).set("Authorization", value),
            &[ER800],
        )
        .await;
        assert!(stub.authenticated().is_empty(), "{value:?}");
    }
    // Two Authorization headers.
    let req = Req::authed(good_body()).header("Authorization", "Bearer partner-ok");
    refused(req, &[ER800]).await;
}

#[tokio::test]
async fn an_unknown_partner_token_is_er800() {
    let req = Req::authed(good_body()).set("Authorization", "Bearer nope");
    let stub = refused(req, &[ER800]).await;
    assert_eq!(
        stub.authenticated(),
        [(Scheme::PartnerToken, "nope".to_owned())]
    );
    // The implementation calling the token malformed is the same refusal.
    let req = Req::authed(good_body()).set("Authorization", "Bearer partner-malformed");
    refused(req, &[ER800]).await;
}

#[tokio::test]
async fn an_expired_partner_token_is_er801() {
    let req = Req::authed(good_body()).set("Authorization", "Bearer partner-expired");
    refused(req, &[ER801]).await;
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    for value in [
        "bearer partner-ok",
        "BEARER partner-ok",
        "BeArEr partner-ok",
        "Bearer   partner-ok",
    ] {
        let call = accepted(Req::authed(good_body()).set("Authorization", value)).await;
        assert_eq!(
            call.auth.get(Scheme::PartnerToken).map(String::as_str),
            Some(PARTNER),
            "{value:?}"
        );
    }
}

#[tokio::test]
async fn both_client_methods_are_er803_whatever_their_values() {
    for authorization in ["Bearer partner-ok", "", "Bearer", "Basic x", "Bearer nope"] {
        for key in ["key-ok", "", "nope"] {
            let req = Req::authed(good_body())
                .set("Authorization", authorization)
                .header("X-Api-Key", key);
            let stub = refused(req, &[ER803]).await;
            assert!(
                stub.authenticated().is_empty(),
                "{authorization:?} + {key:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_empty_api_key_is_er806() {
    for value in ["", "  "] {
        let req = Req::authed(good_body())
            .without("Authorization")
            .header("X-Api-Key", value);
        refused(req, &[ER806]).await;
    }
}

#[tokio::test]
async fn an_unknown_api_key_is_er805() {
    let req = Req::authed(good_body())
        .without("Authorization")
        .header("X-Api-Key", "nope");
    let stub = refused(req, &[ER805]).await;
    assert_eq!(stub.authenticated(), [(Scheme::ApiKey, "nope".to_owned())]);
    // Keys are compared exactly.
    let req = Req::authed(good_body())
        .without("Authorization")
        .header("X-Api-Key", "KEY-OK");
    refused(req, &[ER805]).await;
}

#[tokio::test]
async fn api_key_with_a_space_or_non_ascii_is_er805() {
    // Present, not empty, and no such key: the contract's ER805.
    for value in [&b"key ok"[..], b"Bearer key-ok", "cl\u{e9}".as_bytes()] {
        let req = Req::authed(good_body())
            .without("Authorization")
            .header("X-Api-Key", value);
        refused(req, &[ER805]).await;
    }
    // Two X-Api-Key headers.
    let req = Req::authed(good_body())
        .without("Authorization")
        .header("X-Api-Key", "key-ok")
        .header("X-Api-Key", "key-ok");
    refused(req, &[ER805]).await;
}

#[tokio::test]
async fn a_known_api_key_passes() {
    let req = Req::authed(good_body())
        .without("Authorization")
        .header("X-Api-Key", "key-ok");
    let call = accepted(req).await;
    assert_eq!(
        call.auth.get(Scheme::ApiKey).map(String::as_str),
        Some(KEY_OWNER)
    );
    assert_eq!(call.auth.get(Scheme::PartnerToken), None);
    assert_eq!(call.input.x_api_key.as_deref(), Some("key-ok"));
    // With a user identifier instead of a user token.
    let req = by_identifier(&id_a())
        .without("Authorization")
        .header("X-Api-Key", "key-ok");
    let call = accepted(req).await;
    assert_eq!(
        call.auth.accepted,
        [
            (Scheme::ApiKey, KEY_OWNER.to_owned()),
            (Scheme::UserIdentifier, USER_A.to_owned()),
        ]
    );
}

// ---------------------------------------------------------------------------
// user authentication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_user_credential_is_er704() {
    let req = Req::authed(good_body()).without("User-Authorization");
    refused(req, &[ER704]).await;
}

#[tokio::test]
async fn an_empty_user_token_is_er700() {
    for value in ["", "Bearer", "Bearer ", "bearer", " "] {
        let req = Req::authed(good_body()).set("User-Authorization", value);
        let stub = refused(req, &[ER700]).await;
        assert!(
            !stub
                .authenticated()
                .iter()
                .any(|(s, _)| *s == Scheme::UserToken),
            "{value:?}"
        );
    }
}

#[tokio::test]
async fn another_user_scheme_or_a_malformed_user_token_is_er702() {
    for value in ["Basic x", "user-a", "Beareruser-a", "Bearer user a"] {
        let req = Req::authed(good_body()).set("User-Authorization", value);
        let stub = refused(req, &[ER702]).await;
        assert!(
            !stub
                .authenticated()
                .iter()
                .any(|(s, _)| *s == Scheme::UserToken),
            "{value:?}"
        );
    }
    let req = Req::authed(good_body()).header("User-Authorization", "Bearer user-a");
    refused(req, &[ER702]).await;
}

#[tokio::test]
async fn an_unknown_user_token_is_er702() {
    for value in ["Bearer nope", "Bearer user-malformed"] {
        let req = Req::authed(good_body()).set("User-Authorization", value);
        refused(req, &[ER702]).await;
    }
}

#[tokio::test]
async fn an_expired_user_token_is_er701() {
    let req = Req::authed(good_body()).set("User-Authorization", "Bearer user-expired");
    refused(req, &[ER701]).await;
}

#[tokio::test]
async fn the_user_bearer_scheme_is_case_insensitive() {
    let call = accepted(Req::authed(good_body()).set("User-Authorization", "bearer user-a")).await;
    assert_eq!(
        call.auth.get(Scheme::UserToken).map(String::as_str),
        Some(USER_A)
    );
    assert_eq!(
        call.input.user_authorization.as_deref(),
        Some("bearer user-a")
    );
}

/// A request with the partner token and only `User-Identifier: id`.
fn by_identifier(id: &str) -> Req {
    Req::authed(good_body())
        .without("User-Authorization")
        .header("User-Identifier", id)
}

#[tokio::test]
async fn an_empty_user_identifier_is_er707() {
    for value in ["", "  "] {
        refused(by_identifier(value), &[ER707]).await;
    }
}

#[tokio::test]
async fn user_identifier_lengths_come_from_the_spec() {
    let (min, max) = identifier_lengths();
    // Too short and too long never reach `authenticate`.
    for len in [1, min - 1, max + 1, max + 100] {
        let id = identifier('a', len);
        let stub = refused(by_identifier(&id), &[ER707]).await;
        assert!(
            !stub
                .authenticated()
                .iter()
                .any(|(s, _)| *s == Scheme::UserIdentifier),
            "length {len}"
        );
    }
    // min and max pass the format: unknown, then known.
    for len in [min, min + 1, max - 1, max] {
        let id = identifier('z', len);
        let stub = refused(by_identifier(&id), &[ER705]).await;
        assert_eq!(
            stub.authenticated().last(),
            Some(&(Scheme::UserIdentifier, id.clone()))
        );
        let stub = Stub::with(Scheme::UserIdentifier, &id, USER_A);
        let answer = send(&stub, by_identifier(&id)).await;
        answer.assert_ok();
        assert_eq!(
            stub.only_call().input.user_identifier.as_deref(),
            Some(id.as_str())
        );
    }
}

#[tokio::test]
async fn a_user_identifier_of_other_characters_is_er707() {
    let (min, _) = identifier_lengths();
    for c in ['-', '_', '.', '+', '/', '=', '!', '~'] {
        let mut id = id_a();
        id.replace_range(min / 2..min / 2 + 1, &c.to_string());
        assert_eq!(id.chars().count(), min);
        refused(by_identifier(&id), &[ER707]).await;
    }
}

#[tokio::test]
async fn a_user_identifier_with_a_space_or_non_ascii_is_er707() {
    let (min, _) = identifier_lengths();
    let spaced = format!("{} {}", identifier('a', min / 2), identifier('a', min / 2));
    refused(by_identifier(&spaced), &[ER707]).await;
    let accented = format!("{}\u{e9}", identifier('a', min));
    refused(by_identifier(&accented), &[ER707]).await;
    let twice = by_identifier(&id_a()).header("User-Identifier", id_a());
    refused(twice, &[ER707]).await;
}

#[tokio::test]
async fn an_unknown_user_identifier_is_er705() {
    refused(by_identifier(&id_unknown()), &[ER705]).await;
    // Identifiers are compared exactly: A's in capitals is nobody's.
    refused(by_identifier(&id_a().to_uppercase()), &[ER705]).await;
}

#[tokio::test]
async fn token_and_identifier_of_different_users_are_er703() {
    let req = Req::authed(good_body()).header("User-Identifier", id_b());
    refused(req, &[ER703]).await;
    let req = Req::authed(good_body())
        .set("User-Authorization", "Bearer user-b")
        .header("User-Identifier", id_a());
    refused(req, &[ER703]).await;
}

#[tokio::test]
async fn a_deleted_user_is_er709() {
    // By token.
    refused(
        Req::authed(good_body()).set("User-Authorization", "Bearer user-deleted"),
        &[ER709],
    )
    .await;
    // By identifier: still linked, so ER709 rather than ER705.
    refused(by_identifier(&id_deleted()), &[ER709]).await;
    // By both.
    refused(
        Req::authed(good_body())
            .set("User-Authorization", "Bearer user-deleted")
            .header("User-Identifier", id_deleted()),
        &[ER709],
    )
    .await;
}

#[tokio::test]
async fn token_and_identifier_of_the_same_user_pass() {
    let req = Req::authed(good_body()).header("User-Identifier", id_a());
    let call = accepted(req).await;
    assert_eq!(
        call.auth.get(Scheme::UserToken).map(String::as_str),
        Some(USER_A)
    );
    assert_eq!(
        call.auth.get(Scheme::UserIdentifier).map(String::as_str),
        Some(USER_A)
    );
    assert_eq!(
        call.auth.get(Scheme::PartnerToken).map(String::as_str),
        Some(PARTNER)
    );
    assert_eq!(call.input.user_identifier, Some(id_a()));
    // The identifier alone passes too.
    let call = accepted(by_identifier(&id_a())).await;
    assert_eq!(call.auth.get(Scheme::UserToken), None);
    assert_eq!(
        call.auth.get(Scheme::UserIdentifier).map(String::as_str),
        Some(USER_A)
    );
}

#[tokio::test]
async fn within_the_user_stage_the_token_is_checked_first_then_mismatch_then_gone() {
    let with = |token: &str, id: &str| {
        Req::authed(good_body())
            .set("User-Authorization", token)
            .header("User-Identifier", id)
    };
    refused(with("Bearer nope", "bad-id"), &[ER702]).await;
    refused(with("Bearer", &id_unknown()), &[ER700]).await;
    refused(with("Bearer user-expired", &id_unknown()), &[ER701]).await;
    refused(with("Bearer user-a", "bad-id"), &[ER707]).await;
    refused(with("Bearer user-a", ""), &[ER707]).await;
    refused(with("Bearer user-a", &id_unknown()), &[ER705]).await;
    // A deleted user's token with another user's identifier: mismatch first.
    refused(with("Bearer user-deleted", &id_a()), &[ER703]).await;
    refused(with("Bearer user-a", &id_deleted()), &[ER703]).await;
}

// ---------------------------------------------------------------------------
// order of the stages
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_failures_win_over_user_and_body_failures() {
    // No client credential, no user credential, a body that is not JSON.
    refused(Req::bare("nope"), &[ER802]).await;
    // Expired partner token, mismatched users, an empty body.
    let req = Req::authed("{}")
        .set("Authorization", "Bearer partner-expired")
        .header("User-Identifier", id_b());
    refused(req, &[ER801]).await;
    // Two client methods, an unknown user, a bad file.
    let req = Req::authed(passport(b"GIF89a"))
        .header("X-Api-Key", "key-ok")
        .set("User-Authorization", "Bearer nope");
    refused(req, &[ER803]).await;
    // Unknown key and a body over the size limit.
    let huge = vec![b' '; UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES + 1];
    let req = Req::bare(huge).header("X-Api-Key", "nope");
    refused(req, &[ER805]).await;
}

#[tokio::test]
async fn user_failures_win_over_body_failures() {
    let req = Req::authed("{").without("User-Authorization");
    refused(req, &[ER704]).await;
    let req = Req::authed(good_fields_with("documentType", Some(json!("x"))))
        .set("User-Authorization", "Bearer user-expired");
    refused(req, &[ER701]).await;
    let req = by_identifier(&id_deleted()).body(passport(b""));
    refused(req, &[ER709]).await;
    let huge = vec![b' '; UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES + 1];
    let req = Req::authed(huge).without("User-Authorization");
    refused(req, &[ER704]).await;
}

#[tokio::test]
async fn field_failures_win_over_file_failures() {
    // A valid-looking GIF with a bad side: only the field is reported.
    let req = Req::authed(upload_bytes("Passport", "Sideways", b"GIF89a"));
    refused(req, &[ER076]).await;
}

// ---------------------------------------------------------------------------
// body fields
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_empty_object_misses_every_field() {
    refused(Req::authed("{}"), &[ER067, ER075, ER077]).await;
}

#[tokio::test]
async fn a_body_that_is_not_an_object_counts_as_empty() {
    for text in [
        "",
        "nope",
        "[]",
        "[1]",
        r#"["Passport", "Front", "aGE="]"#,
        r#""Passport""#,
        "null",
        "42",
        "true",
        "{",
        r#"{"documentType": "Passport", "#,
        r#"{"documentType": "Passport"} trailing"#,
    ] {
        refused(Req::authed(text), &[ER067, ER075, ER077]).await;
    }
    // Not UTF-8; a byte-order mark before an object.
    refused(Req::authed(b"\xFF\xFE{}".to_vec()), &[ER067, ER075, ER077]).await;
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(good_body());
    refused(Req::authed(bom), &[ER067, ER075, ER077]).await;
}

#[tokio::test]
async fn a_missing_or_null_document_type_is_er067() {
    refused(
        Req::authed(good_fields_with("documentType", None)),
        &[ER067],
    )
    .await;
    refused(
        Req::authed(good_fields_with("documentType", Some(Value::Null))),
        &[ER067],
    )
    .await;
}

#[tokio::test]
async fn a_document_type_of_another_json_type_is_er074() {
    for v in non_strings() {
        refused(
            Req::authed(good_fields_with("documentType", Some(v))),
            &[ER074],
        )
        .await;
    }
}

#[tokio::test]
async fn a_document_type_outside_the_enum_is_er074() {
    for v in [
        "passport",
        " Passport",
        "Passport ",
        "PASSPORT",
        "Unknown",
        "",
        "Passport\u{0}",
        "Front",
    ] {
        refused(
            Req::authed(good_fields_with("documentType", Some(json!(v)))),
            &[ER074],
        )
        .await;
    }
}

#[tokio::test]
async fn a_missing_or_null_document_side_is_er075() {
    refused(
        Req::authed(good_fields_with("documentSide", None)),
        &[ER075],
    )
    .await;
    refused(
        Req::authed(good_fields_with("documentSide", Some(Value::Null))),
        &[ER075],
    )
    .await;
}

#[tokio::test]
async fn a_document_side_of_another_json_type_is_er076() {
    for v in non_strings() {
        refused(
            Req::authed(good_fields_with("documentSide", Some(v))),
            &[ER076],
        )
        .await;
    }
}

#[tokio::test]
async fn a_document_side_outside_the_enum_is_er076() {
    for v in [
        "front", " Front", "Front ", "FRONT", "Unknown", "", "Passport",
    ] {
        refused(
            Req::authed(good_fields_with("documentSide", Some(json!(v)))),
            &[ER076],
        )
        .await;
    }
}

#[tokio::test]
async fn missing_or_null_data_is_er077() {
    refused(Req::authed(good_fields_with("data", None)), &[ER077]).await;
    refused(
        Req::authed(good_fields_with("data", Some(Value::Null))),
        &[ER077],
    )
    .await;
}

#[tokio::test]
async fn data_of_another_json_type_is_er078() {
    for v in non_strings() {
        refused(Req::authed(good_fields_with("data", Some(v))), &[ER078]).await;
    }
}

#[tokio::test]
async fn data_that_is_not_canonical_base64_is_er078() {
    for (why, text) in non_canonical_base64() {
        let (answer, stub) = send_default(Req::authed(upload("Passport", "Front", &text))).await;
        assert_eq!(answer.codes().len(), 1, "{why}");
        answer.assert_error(&[ER078]);
        assert!(stub.calls().is_empty(), "{why}");
    }
    // A real image, spoiled: a prefix, line breaks every 76 characters,
    // url-safe alphabet, padding dropped.
    let text = encode_base64(&good_png());
    let mime: String = text
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let spoiled = [
        format!("data:image/png;base64,{text}"),
        mime,
        text.replace('+', "-").replace('/', "_"),
        text.trim_end_matches('=').to_owned(),
    ];
    assert!(text.contains(['+', '/']) || text.ends_with('='));
    for bad in spoiled {
        if bad == text {
            continue;
        }
        refused(Req::authed(upload("Passport", "Front", &bad)), &[ER078]).await;
    }
}

#[tokio::test]
async fn every_faulty_field_is_reported_together() {
    refused(
        Req::authed(body(
            &json!({"documentType": "x", "documentSide": "Front", "data": 1}),
        )),
        &[ER074, ER078],
    )
    .await;
    refused(
        Req::authed(body(&json!({"documentSide": "Front"}))),
        &[ER067, ER077],
    )
    .await;
    refused(
        Req::authed(body(
            &json!({"documentType": "x", "documentSide": null, "data": "QQ"}),
        )),
        &[ER074, ER075, ER078],
    )
    .await;
    refused(
        Req::authed(body(
            &json!({"documentType": 1, "documentSide": 2, "data": 3}),
        )),
        &[ER074, ER076, ER078],
    )
    .await;
}

#[tokio::test]
async fn every_document_type_and_side_is_accepted() {
    let png = good_png();
    for t in DocumentType::ALL {
        for s in DocumentSide::ALL {
            let call = accepted(Req::authed(upload_bytes(t.as_str(), s.as_str(), &png))).await;
            assert_eq!(call.input.body.document_type, t);
            assert_eq!(call.input.body.document_side, s);
            assert_eq!(call.input.body.data.0, png);
        }
    }
}

#[tokio::test]
async fn the_content_type_is_not_checked() {
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data",
        "application/json; charset=utf-8",
        "",
    ] {
        let req = Req::authed(good_body()).set("Content-Type", content_type);
        accepted(req).await;
    }
    accepted(Req::authed(good_body()).without("Content-Type")).await;
}

#[tokio::test]
async fn unknown_properties_are_ignored() {
    let req = Req::authed(good_fields_with("comment", Some(json!({"any": "thing"}))));
    accepted(req).await;
}

// ---------------------------------------------------------------------------
// file checks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_empty_file_is_er904() {
    refused(Req::authed(passport(b"")), &[ER904]).await;
}

/// A readable square PNG header padded with zeros to `len` bytes.
fn png_of_len(len: usize) -> Vec<u8> {
    let mut bytes = good_png();
    assert!(bytes.len() <= len);
    bytes.resize(len, 0);
    bytes
}

#[tokio::test]
async fn the_largest_file_passes_the_size_check() {
    let max = usize::try_from(UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_BYTES).unwrap();
    let bytes = png_of_len(max);
    // The longest type and side make the largest valid body.
    let longest_type = DocumentType::ALL
        .iter()
        .max_by_key(|t| t.as_str().len())
        .unwrap();
    let longest_side = DocumentSide::ALL
        .iter()
        .max_by_key(|s| s.as_str().len())
        .unwrap();
    let body = upload_bytes(longest_type.as_str(), longest_side.as_str(), &bytes);
    assert!(body.len() <= UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES);
    let call = accepted(Req::authed(body)).await;
    assert_eq!(call.input.body.data.0.len(), max);
    assert_eq!(call.input.body.data.0, bytes);
}

#[tokio::test]
async fn one_byte_more_is_er902() {
    let max = usize::try_from(UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_BYTES).unwrap();
    refused(Req::authed(passport(&png_of_len(max + 1))), &[ER902]).await;
    // Size is checked before the type.
    let mut gif = b"GIF89a".to_vec();
    gif.resize(max + 1, 0);
    refused(Req::authed(passport(&gif)), &[ER902]).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_er902_without_reaching_the_implementation() {
    let limit = UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES;
    let head = br#"{"documentType":"Passport","documentSide":"Front","data":""#;
    let mut huge = head.to_vec();
    huge.resize(limit + 1 - 2, b'A');
    huge.extend_from_slice(br#""}"#);
    assert_eq!(huge.len(), limit + 1);
    // Without Content-Length: the read stops at the limit.
    refused(Req::authed(huge.clone()), &[ER902]).await;
    // With Content-Length announcing it: refused before reading.
    let req = Req::authed(huge).header("Content-Length", (limit + 1).to_string());
    refused(req, &[ER902]).await;
    // Whitespace alone over the limit, too.
    refused(Req::authed(vec![b' '; limit + 1]), &[ER902]).await;
    // A body of exactly the limit is read (and judged on its fields).
    let mut at_limit = b"{}".to_vec();
    at_limit.resize(limit, b' ');
    refused(Req::authed(at_limit), &[ER067, ER075, ER077]).await;
}

/// Deterministic bytes (xorshift64), standing in for compressed image data.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[tokio::test]
async fn json_escapes_in_data_are_decoded_before_the_base64_check() {
    let bytes = good_png();
    let text = encode_base64(&bytes);
    assert!(text.contains('/') || text.contains('A'));
    let escaped = text.replace('/', "\\/").replace('A', "\\u0041");
    let body =
        format!(r#"{{"documentType":"Passport","documentSide":"Front","data":"{escaped}"}}"#);
    let call = accepted(Req::authed(body)).await;
    assert_eq!(call.input.body.data.0, bytes);
}

/// The base64 text plus 64 KiB: the escaped body is larger than that.
fn plain_len_with_margin(text: &str) -> usize {
    text.len() + 64 * 1024
}

#[tokio::test]
async fn the_largest_file_with_escaped_slashes_is_not_refused_for_its_size() {
    let max = usize::try_from(UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_BYTES).unwrap();
    let mut bytes = good_png();
    bytes.extend(noise(max - bytes.len()));
    let text = encode_base64(&bytes);
    let plain = passport(&bytes);
    assert!(plain.len() <= UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES);
    // The same JSON text with "/" written "\/", as PHP's json_encode and
    // other encoders do by default.
    let escaped = String::from_utf8(plain).unwrap().replace('/', "\\/");
    assert!(escaped.len() > plain_len_with_margin(&text));
    assert!(escaped.len() <= UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES);
    let call = accepted(Req::authed(escaped)).await;
    assert_eq!(call.input.body.data.0.len(), max);
}

#[tokio::test]
async fn recognised_but_refused_types_are_er903() {
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&[0x24, 0, 0, 0]);
    webp.extend_from_slice(b"WEBPVP8 ");
    for (what, signature) in [
        ("GIF87a", b"GIF87a".to_vec()),
        ("GIF89a", b"GIF89a".to_vec()),
        ("BMP", b"BM".to_vec()),
        ("WebP", webp),
        ("TIFF little-endian", b"II*\0".to_vec()),
        ("TIFF big-endian", b"MM\0*".to_vec()),
        ("PDF", b"%PDF-".to_vec()),
    ] {
        // The bare signature, and the signature followed by more bytes.
        let mut longer = signature.clone();
        longer.extend_from_slice(&[0x01; 64]);
        for bytes in [signature, longer] {
            let (answer, stub) = send_default(Req::authed(passport(&bytes))).await;
            assert_eq!(answer.codes().len(), 1, "{what}");
            answer.assert_error(&[ER903]);
            assert!(stub.calls().is_empty());
        }
    }
}

#[tokio::test]
async fn unknown_bytes_and_cut_short_signatures_are_er907() {
    let mut cases: Vec<Vec<u8>> = vec![
        b"hello, world".to_vec(),
        vec![0; 64],
        b"RIFF\x24\0\0\0WAVEfmt ".to_vec(),
        b"RIFF\x24\0\0\0WEB".to_vec(),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        b"\x00\x00\x01\x00".to_vec(), // ICO
    ];
    let signatures: [&[u8]; 8] = [
        &PNG_SIGNATURE,
        &[0xFF, 0xD8, 0xFF],
        b"GIF87a",
        b"GIF89a",
        b"II*\0",
        b"MM\0*",
        b"%PDF-",
        b"RIFF",
    ];
    for signature in signatures {
        for len in 1..signature.len() {
            cases.push(signature[..len].to_vec());
        }
    }
    for bytes in cases {
        let (answer, _) = send_default(Req::authed(passport(&bytes))).await;
        assert_eq!(
            answer.codes().into_iter().collect::<Vec<_>>(),
            ["ER907"],
            "{bytes:?}"
        );
        answer.assert_error(&[ER907]);
    }
}

#[tokio::test]
async fn an_unreadable_png_header_is_er918() {
    let s = u32::try_from(square_side()).unwrap();
    let with_ihdr = |ihdr_chunk: Vec<u8>| {
        let mut out = PNG_SIGNATURE.to_vec();
        out.extend(ihdr_chunk);
        out.extend(png_chunk(b"IEND", &[]));
        out
    };
    let mut bad_crc = png(s, s);
    bad_crc[29] ^= 0xFF; // first byte of IHDR's CRC
    let mut bad_data = png(s, s);
    bad_data[17] ^= 0x01; // width changed, CRC kept
    let mut ihdr14 = ihdr(s, s);
    ihdr14.push(0);
    let mut bad_depth = ihdr(s, s);
    bad_depth[8] = 3; // depth 3 is no PNG depth
    let mut bad_colour = ihdr(s, s);
    bad_colour[9] = 5;
    let mut bad_interlace = ihdr(s, s);
    bad_interlace[12] = 2;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("signature only", PNG_SIGNATURE.to_vec()),
        ("IHDR cut short", png(s, s)[..20].to_vec()),
        ("IHDR without CRC", png(s, s)[..29].to_vec()),
        ("bad CRC", bad_crc),
        ("data changed under the CRC", bad_data),
        ("zero width", with_ihdr(png_chunk(b"IHDR", &ihdr(0, s)))),
        ("zero height", with_ihdr(png_chunk(b"IHDR", &ihdr(s, 0)))),
        (
            "width over 2^31-1",
            with_ihdr(png_chunk(b"IHDR", &ihdr(0x8000_0000, s))),
        ),
        ("IHDR of 14 bytes", with_ihdr(png_chunk(b"IHDR", &ihdr14))),
        ("IDAT first", with_ihdr(png_chunk(b"IDAT", &ihdr(s, s)))),
        ("bit depth 3", with_ihdr(png_chunk(b"IHDR", &bad_depth))),
        ("colour type 5", with_ihdr(png_chunk(b"IHDR", &bad_colour))),
        ("interlace 2", with_ihdr(png_chunk(b"IHDR", &bad_interlace))),
    ];
    for (what, bytes) in cases {
        let (answer, _) = send_default(Req::authed(passport(&bytes))).await;
        assert_eq!(answer.codes().len(), 1, "{what}");
        answer.assert_error(&[ER918]);
    }
}

#[tokio::test]
async fn an_unreadable_jpeg_header_is_er918() {
    let s = u16::try_from(square_side()).unwrap();
    let soi = vec![0xFF, 0xD8];
    let cat = |parts: &[&[u8]]| parts.concat();
    let sof = jpeg_segment(0xC0, &sof_payload(s, s));
    let mut one_component = sof_payload(s, s);
    one_component[5] = 1; // says 1 component, carries 3
    let mut no_component = sof_payload(s, s)[..6].to_vec();
    no_component[5] = 0;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("SOI and a lone FF", cat(&[&soi, &[0xFF]])),
        (
            "SOI and a marker without length",
            cat(&[&soi, &[0xFF, 0xE0]]),
        ),
        ("SOF cut short", jpeg(s, s)[..24].to_vec()),
        ("zero width", jpeg(0, s)),
        ("zero height", jpeg(s, 0)),
        (
            "SOS before SOF",
            cat(&[&soi, &jpeg_segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]), &sof]),
        ),
        ("EOI before SOF", cat(&[&soi, &[0xFF, 0xD9], &sof])),
        ("SOI twice", cat(&[&soi, &soi, &sof])),
        (
            "component count disagrees with the length",
            cat(&[&soi, &jpeg_segment(0xC0, &one_component)]),
        ),
        (
            "no component",
            cat(&[&soi, &jpeg_segment(0xC0, &no_component)]),
        ),
        (
            "segment length below 2",
            cat(&[&soi, &[0xFF, 0xE0, 0x00, 0x01], &sof]),
        ),
        (
            "segment longer than the file",
            cat(&[&soi, &[0xFF, 0xE0, 0x10, 0x00, 0x00]]),
        ),
        (
            "garbage between markers",
            cat(&[&soi, &[0xFF, 0xE1, 0, 2, 0x42], &sof]),
        ),
    ];
    for (what, bytes) in cases {
        let (answer, _) = send_default(Req::authed(passport(&bytes))).await;
        assert_eq!(answer.codes().len(), 1, "{what}");
        answer.assert_error(&[ER918]);
    }
}

#[tokio::test]
async fn jpeg_headers_are_read_past_other_segments_and_from_any_sof() {
    let s = u16::try_from(square_side()).unwrap();
    // Progressive (SOF2) and lossless (SOF3) frames, and fill bytes.
    for sof in [0xC1, 0xC2, 0xC3, 0xC5, 0xC9, 0xCF] {
        accepted(Req::authed(passport(&jpeg_with_sof(sof, s, s)))).await;
    }
    // DHT (C4) and DQT before the frame are skipped, as are fill bytes.
    let mut bytes = vec![0xFF, 0xD8];
    bytes.extend(jpeg_segment(0xDB, &[0; 65]));
    bytes.extend(jpeg_segment(0xC4, &[0; 20]));
    bytes.extend_from_slice(&[0xFF, 0xFF]);
    bytes.extend(jpeg_segment(0xC0, &sof_payload(s, s)));
    accepted(Req::authed(passport(&bytes))).await;
    // A DHT is not a frame: a landscape "frame" in it is ignored.
    let mut bytes = vec![0xFF, 0xD8];
    bytes.extend(jpeg_segment(0xC4, &sof_payload(800, 10)));
    bytes.extend(jpeg_segment(0xC0, &sof_payload(s, s)));
    accepted(Req::authed(passport(&bytes))).await;
}

/// One dimension case: `width` x `height` of a Passport front.
#[derive(Debug, Clone, Copy)]
struct Dim {
    why: &'static str,
    width: u64,
    height: u64,
    expect: Option<ErrorCode>,
}

fn dim(why: &'static str, width: u64, height: u64, expect: Option<ErrorCode>) -> Dim {
    Dim {
        why,
        width,
        height,
        expect,
    }
}

async fn check_dims(cases: &[Dim], document_type: &str, document_side: &str) {
    for format in FORMATS {
        for case in cases {
            let bytes = image(format, case.width, case.height);
            let req = Req::authed(upload_bytes(document_type, document_side, &bytes));
            let (answer, stub) = send_default(req).await;
            let what = format!(
                "{format} {}x{} {document_type}/{document_side} ({})",
                case.width, case.height, case.why
            );
            match case.expect {
                None => {
                    assert_eq!(
                        answer.status,
                        StatusCode::OK,
                        "{what}: {:?}",
                        answer.codes()
                    );
                    assert_eq!(stub.only_call().input.body.data.0, bytes, "{what}");
                }
                Some(code) => {
                    assert_eq!(
                        answer.codes().into_iter().collect::<Vec<_>>(),
                        [code.as_str()],
                        "{what}"
                    );
                    answer.assert_error(&[code]);
                    assert!(stub.calls().is_empty(), "{what}");
                }
            }
        }
    }
}

#[tokio::test]
async fn width_and_height_boundaries() {
    let (min_w, max_w) = (
        UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH,
        UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH,
    );
    let (min_h, max_h) = (
        UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT,
        UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_HEIGHT,
    );
    let (min_px, max_px) = (
        UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS,
        UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS,
    );
    // The other side of each boundary image, chosen so that every other
    // rule passes (checked below).
    let h_at_min_w = min_h.max(min_px.div_ceil(min_w));
    let h_at_max_w = max_px / max_w;
    let w_at_min_h = min_w.max(min_px.div_ceil(min_h));
    let w_at_max_h = max_px / max_h;
    let cases = [
        dim("min width", min_w, h_at_min_w, None),
        dim("below min width", min_w - 1, h_at_min_w, Some(ER909)),
        dim("max width", max_w, h_at_max_w, None),
        dim("above max width", max_w + 1, h_at_max_w, Some(ER908)),
        dim("min height", w_at_min_h, min_h, None),
        dim("below min height", w_at_min_h, min_h - 1, Some(ER911)),
        dim("max height", w_at_max_h, max_h, None),
        dim("above max height", w_at_max_h, max_h + 1, Some(ER910)),
        // Width is checked before height.
        dim("both too small", min_w - 1, min_h - 1, Some(ER909)),
        dim("both too large", max_w + 1, max_h + 1, Some(ER908)),
        dim("too high, too narrow", min_w - 1, max_h + 1, Some(ER909)),
    ];
    for case in &cases {
        if case.expect.is_none() {
            assert!(passes_every_rule(case.width, case.height), "{case:?}");
        }
    }
    check_dims(&cases, "Passport", "Front").await;
}

/// Whether `w` x `h` passes every dimension rule (fixture sanity only).
fn passes_every_rule(w: u64, h: u64) -> bool {
    let ratio = w as f64 / h as f64;
    (UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH..=UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH).contains(&w)
        && (UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT..=UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_HEIGHT)
            .contains(&h)
        && (UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS..=UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS)
            .contains(&(w * h))
        && (UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_RATIO..=UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_RATIO)
            .contains(&ratio)
}

#[tokio::test]
async fn pixel_count_boundaries() {
    let min_px = UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS;
    let max_px = UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS;
    let max_w = UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH;
    // A square of exactly the fewest pixels.
    let s = min_px.isqrt();
    assert_eq!(s * s, min_px, "the fixture needs a square minimum");
    // Exactly the most pixels, at the widest width.
    let h = max_px / max_w;
    assert_eq!(
        max_w * h,
        max_px,
        "the fixture needs max width to divide max pixels"
    );
    let cases = [
        dim("fewest pixels", s, s, None),
        dim("one row fewer", s, s - 1, Some(ER912)),
        dim("one column fewer", s - 1, s, Some(ER912)),
        dim("most pixels", max_w, h, None),
        dim("most pixels, turned", h, max_w, None),
        dim("one row more", max_w, h + 1, Some(ER913)),
        dim("one column more, turned", h + 1, max_w, Some(ER913)),
    ];
    for case in &cases {
        if case.expect.is_none() {
            assert!(passes_every_rule(case.width, case.height), "{case:?}");
        }
        assert!(case.width >= UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH);
        assert!(case.height >= UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT);
    }
    check_dims(&cases, "Passport", "Front").await;
}

#[tokio::test]
async fn ratio_boundaries() {
    let max_r = UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_RATIO;
    let min_r = UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_RATIO;
    let min_h = UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_HEIGHT;
    let min_w = UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_WIDTH;
    // width = max_r * height exactly, at the smallest height.
    let wide = (max_r * min_h as f64) as u64;
    assert_eq!(wide as f64 / min_h as f64, max_r);
    // height = width / min_r exactly, at the smallest width.
    let tall = (min_w as f64 / min_r) as u64;
    assert_eq!(min_w as f64 / tall as f64, min_r);
    let cases = [
        dim("ratio exactly max", wide, min_h, None),
        dim("ratio just above max", wide + 1, min_h, Some(ER914)),
        dim("ratio exactly max, larger", wide * 3, min_h * 3, None),
        dim(
            "ratio barely above max",
            wide * 3 + 1,
            min_h * 3,
            Some(ER914),
        ),
        dim("ratio exactly min", min_w, tall, None),
        dim("ratio just below min", min_w, tall + 1, Some(ER915)),
        dim("ratio exactly min, larger", min_w * 3, tall * 3, None),
        dim(
            "ratio barely below min",
            min_w * 3,
            tall * 3 + 1,
            Some(ER915),
        ),
    ];
    for case in &cases {
        if case.expect.is_none() {
            assert!(passes_every_rule(case.width, case.height), "{case:?}");
        } else {
            // Only the ratio is off.
            assert!(case.width <= UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH);
            assert!(case.height <= UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_HEIGHT);
            assert!(case.width * case.height <= UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS);
            assert!(case.width * case.height >= UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS);
        }
    }
    check_dims(&cases, "Passport", "Front").await;
}

#[tokio::test]
async fn png_dimensions_beyond_sixteen_bits_are_read() {
    // PNG only: a JPEG frame holds 16-bit dimensions.
    let max_w = u32::try_from(UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH).unwrap();
    let s = u32::try_from(square_side()).unwrap();
    refused(Req::authed(passport(&png(0x1_0000 + max_w, s))), &[ER908]).await;
    refused(Req::authed(passport(&png(s, 0x1_0000 + max_w))), &[ER910]).await;
}

#[tokio::test]
async fn orientation_rules() {
    let s = square_side();
    let (long, short) = (s * 4 / 3, s);
    let landscape = (long, short);
    let portrait = (short, long);
    let square = (s, s);
    for (w, h) in [landscape, portrait, square] {
        assert!(passes_every_rule(w, h));
    }
    type Case = (&'static str, &'static str, (u64, u64), Option<ErrorCode>);
    let cases: [Case; 20] = [
        ("Selfie", "Selfie", landscape, Some(ER916)),
        ("Selfie", "SecondSelfie", landscape, Some(ER916)),
        ("Passport", "Selfie", landscape, Some(ER916)),
        ("IdentityCard", "Selfie", landscape, Some(ER916)),
        ("Selfie", "Selfie", square, None),
        ("Selfie", "Selfie", portrait, None),
        ("SecondSelfie", "SecondSelfie", portrait, None),
        ("IdentityCard", "Front", portrait, Some(ER917)),
        ("IdentityCard", "Back", portrait, Some(ER917)),
        ("DrivingLicence", "Back", portrait, Some(ER917)),
        ("DrivingLicence", "Front", portrait, Some(ER917)),
        ("ResidencePermit", "Front", portrait, Some(ER917)),
        ("IdentityCard", "Front", landscape, None),
        ("IdentityCard", "Front", square, None),
        ("DrivingLicence", "Back", square, None),
        ("Passport", "Front", portrait, None),
        ("Passport", "Back", portrait, None),
        ("IdentityCard", "Selfie", portrait, None),
        ("IdentityCard", "ProofOfResidency", portrait, None),
        ("Selfie", "Front", portrait, None),
    ];
    for (t, side, (w, h), expect) in cases {
        let dims = [Dim {
            why: "orientation",
            width: w,
            height: h,
            expect,
        }];
        check_dims(&dims, t, side).await;
    }
    // A dimension failure is answered before the orientation.
    let max_w = UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH;
    let dims = [dim(
        "too wide and landscape",
        max_w + 1,
        max_w / 2,
        Some(ER908),
    )];
    check_dims(&dims, "Selfie", "Selfie").await;
}

#[tokio::test]
async fn a_passing_request_reaches_the_implementation_with_the_decoded_bytes() {
    let s = u16::try_from(square_side()).unwrap();
    let bytes = jpeg(s, s);
    let req =
        Req::authed(upload_bytes("IdentityCard", "Back", &bytes)).header("User-Identifier", id_a());
    let (answer, stub) = send_default(req).await;
    answer.assert_ok();
    assert_eq!(answer.json(), json!({}));
    let call = stub.only_call();
    assert_eq!(call.input.body.data.0, bytes);
    assert_eq!(call.input.body.document_type, DocumentType::IdentityCard);
    assert_eq!(call.input.body.document_side, DocumentSide::Back);
    assert_eq!(
        call.input.user_authorization.as_deref(),
        Some("Bearer user-a")
    );
    assert_eq!(call.input.user_identifier, Some(id_a()));
    assert_eq!(call.input.x_api_key, None);
    assert_eq!(
        call.auth.accepted,
        [
            (Scheme::PartnerToken, PARTNER.to_owned()),
            (Scheme::UserToken, USER_A.to_owned()),
            (Scheme::UserIdentifier, USER_A.to_owned()),
        ]
    );
}

#[tokio::test]
async fn the_router_reads_only_the_header_the_full_decode_is_left_to_the_implementation() {
    // A PNG with a good IHDR and garbage pixel data passes every router
    // check (the contract's last file check, ER918 on a failed full decode,
    // is the implementation's to make).
    let s = u32::try_from(square_side()).unwrap();
    let mut bytes = PNG_SIGNATURE.to_vec();
    bytes.extend(png_chunk(b"IHDR", &ihdr(s, s)));
    bytes.extend(png_chunk(b"IDAT", b"definitely not zlib"));
    let call = accepted(Req::authed(passport(&bytes))).await;
    assert_eq!(call.input.body.data.0, bytes);
}

// ---------------------------------------------------------------------------
// routing and responses
// ---------------------------------------------------------------------------

#[tokio::test]
async fn other_paths_are_404() {
    for path in [
        "/",
        "/api/v1/user",
        "/api/v1/user/identity-documents",
        "/api/v1/user/identity-document/",
        "/api/v1/user/identity-document/1",
        "/API/v1/user/identity-document",
        "/api/v2/user/identity-document",
    ] {
        let (answer, stub) = send_default(Req::authed(good_body()).path(path)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.codes().is_empty(), "{path}: no ER code");
        assert!(stub.calls().is_empty() && stub.authenticated().is_empty());
    }
}

#[tokio::test]
async fn other_methods_on_the_path_are_405_with_allow() {
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let (answer, stub) = send_default(Req::authed(good_body()).method(method)).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        let allow = answer
            .headers
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{method}: an Allow header"));
        assert!(
            allow.split(',').any(|m| m.trim() == "POST"),
            "{method}: Allow: {allow}"
        );
        assert!(answer.codes().is_empty(), "{method}: no ER code");
        assert!(stub.calls().is_empty() && stub.authenticated().is_empty());
    }
}

#[tokio::test]
async fn a_catalog_error_of_the_implementation_renders_with_its_status() {
    let stub = Stub::answering(UploadIdentityDocumentResponse::Error(ER708));
    let answer = send(&stub, Req::authed(good_body())).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    answer.assert_error(&[ER708]);
    assert_eq!(stub.calls().len(), 1);
    for code in [ER900, ER901, ER918, ER919, ER999] {
        let stub = Stub::answering(UploadIdentityDocumentResponse::Error(code));
        send(&stub, Req::authed(good_body()))
            .await
            .assert_error(&[code]);
    }
}

#[tokio::test]
async fn the_implementations_bodies_are_rendered_as_given() {
    let user: User = serde_json::from_value(
        spec()["components"]["examples"]["UserWithPendingDocument"]["value"].clone(),
    )
    .unwrap();
    let stub = Stub::answering(UploadIdentityDocumentResponse::Ok(user.clone()));
    let answer = send(&stub, Req::authed(good_body())).await;
    answer.assert_ok();
    assert_eq!(answer.json(), serde_json::to_value(&user).unwrap());
    let conflict: ErrorResponse = serde_json::from_value(json!({
        "errors": {"ER708": {"code": "ER708", "message": ER708.message(), "solution": ER708.solution()}}
    }))
    .unwrap();
    let stub = Stub::answering(UploadIdentityDocumentResponse::Conflict(conflict));
    send(&stub, Req::authed(good_body()))
        .await
        .assert_error(&[ER708]);
}
