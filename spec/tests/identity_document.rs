//! The IR of the source of truth, `spec/identity-document.yaml`: the facts
//! codegen and conformance rely on. Numbers, codes and messages are read from
//! the YAML itself (never retyped), so the test follows the spec.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use serde_json::Value;
use spec::ir::*;

fn load() -> Api {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/identity-document.yaml");
    spec::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The spec as plain data.
fn yaml() -> Value {
    let text = std::fs::read_to_string(common::identity_spec()).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

#[track_caller]
fn at<'v>(v: &'v Value, pointer: &str) -> &'v Value {
    v.pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer} in the YAML"))
}

#[track_caller]
fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    at(v, pointer)
        .as_str()
        .unwrap_or_else(|| panic!("{pointer} is not a string"))
}

#[track_caller]
fn strings(v: &Value, pointer: &str) -> Vec<String> {
    at(v, pointer)
        .as_array()
        .unwrap_or_else(|| panic!("{pointer} is not a list"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[track_caller]
fn named<'a>(api: &'a Api, name: &str) -> (TypeId, &'a TypeDef) {
    let i = api
        .types
        .iter()
        .position(|t| t.name == name)
        .unwrap_or_else(|| panic!("no type {name}"));
    (TypeId(i), &api.types[i])
}

#[track_caller]
fn fields<'a>(api: &'a Api, name: &str) -> &'a [Field] {
    match &named(api, name).1.kind {
        TypeKind::Struct(s) => &s.fields,
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

#[track_caller]
fn field<'a>(api: &'a Api, ty: &str, json: &str) -> &'a Field {
    fields(api, ty)
        .iter()
        .find(|f| f.json_name == json)
        .unwrap_or_else(|| panic!("{ty} has no field {json}"))
}

fn operation(api: &Api) -> &Operation {
    assert_eq!(api.operations.len(), 1);
    &api.operations[0]
}

#[test]
fn the_spec_loads_and_says_what_it_is() {
    let api = load();
    let y = yaml();
    assert_eq!(api.title, text(&y, "/info/title"));
    assert_eq!(api.version, text(&y, "/info/version"));
    assert_eq!(
        api.description.as_deref(),
        Some(text(&y, "/info/description"))
    );
}

#[test]
fn one_post_operation_uploads_the_document() {
    let api = load();
    let y = yaml();
    let op = operation(&api);
    assert_eq!(op.method, "POST");
    assert_eq!(op.path, "/api/v1/user/identity-document");
    assert_eq!(op.rust_name, "upload_identity_document");
    let base = "/paths/~1api~1v1~1user~1identity-document/post";
    assert_eq!(
        op.operation_id.as_deref(),
        Some(text(&y, &format!("{base}/operationId")))
    );
    assert_eq!(
        op.summary.as_deref(),
        Some(text(&y, &format!("{base}/summary")))
    );
    assert!(!op.deprecated);
    assert_eq!(
        op.origin,
        format!("identity-document.yaml#{base}"),
        "origins are relative to the spec's folder"
    );
    // The root security alternatives, each sorted by scheme name.
    let want: Vec<Vec<String>> = at(&y, "/security")
        .as_array()
        .unwrap()
        .iter()
        .map(|alt| {
            let mut names: Vec<String> = alt.as_object().unwrap().keys().cloned().collect();
            names.sort();
            names
        })
        .collect();
    assert_eq!(op.security, want);
    assert_eq!(op.security.len(), 6);
}

#[test]
fn the_body_is_json_read_whatever_the_content_type() {
    let api = load();
    let body = operation(&api).body.as_ref().unwrap();
    assert!(body.required);
    assert!(body.any_content_type);
    assert_eq!(body.not_an_object, NotAnObject::EmptyObject);
    assert_eq!(body.content.len(), 1);
    assert_eq!(body.content[0].media_type, "application/json");
    let (upload, _) = named(&api, "IdentityDocumentUpload");
    assert_eq!(
        body.content[0].schema.as_ref().unwrap().shape,
        Shape::Named(upload)
    );
}

#[test]
fn the_body_fields_carry_their_codes() {
    let api = load();
    let y = yaml();
    let props = "/components/schemas/IdentityDocumentUpload/properties";
    let names: Vec<&str> = fields(&api, "IdentityDocumentUpload")
        .iter()
        .map(|f| f.json_name.as_str())
        .collect();
    assert_eq!(names, ["data", "documentSide", "documentType"]);
    let required = strings(&y, "/components/schemas/IdentityDocumentUpload/required");
    for f in fields(&api, "IdentityDocumentUpload") {
        assert!(required.contains(&f.json_name));
        assert!(f.required, "{} is required", f.json_name);
        let mut codes: BTreeMap<String, String> =
            at(&y, &format!("{props}/{}/x-specgate-codes", f.json_name))
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
        // `required` becomes the field's missing code; the rest stay rules.
        let missing = codes.remove("required");
        assert_eq!(f.missing_code, missing, "{}", f.json_name);
        assert_eq!(f.schema.rules.codes, codes, "{}", f.json_name);
        assert!(!f.schema.nullable);
    }
    let missing: Vec<&str> = ["documentType", "documentSide", "data"]
        .iter()
        .map(|n| {
            field(&api, "IdentityDocumentUpload", n)
                .missing_code
                .as_deref()
                .unwrap()
        })
        .collect();
    assert_eq!(missing, ["ER067", "ER075", "ER077"]);

    // documentType and documentSide are the named enums, refined by codes.
    for (json, ty) in [
        ("documentType", "DocumentType"),
        ("documentSide", "DocumentSide"),
    ] {
        let f = field(&api, "IdentityDocumentUpload", json);
        let (id, def) = named(&api, ty);
        assert_eq!(f.schema.shape, Shape::Named(id));
        assert_eq!(f.rust_name, spec::snake_name(json, "field"));
        assert_eq!(
            f.docs.description.as_deref(),
            Some(text(&y, &format!("{props}/{json}/description")))
        );
        let TypeKind::Enum(e) = &def.kind else {
            panic!("{ty} is not an enum");
        };
        let values: Vec<&str> = e
            .variants
            .iter()
            .map(|v| v.value.as_str().unwrap())
            .collect();
        assert_eq!(
            values,
            strings(&y, &format!("/components/schemas/{ty}/enum"))
        );
        for v in &e.variants {
            assert_eq!(
                v.rust_name,
                v.value.as_str().unwrap(),
                "already UpperCamelCase"
            );
        }
        assert!(f.schema.rules.code("enum").is_some());
        assert!(f.schema.rules.code("type").is_some());
    }

    // data is a base64 string checked as such.
    let data = field(&api, "IdentityDocumentUpload", "data");
    assert_eq!(data.schema.shape, Shape::String(StringFormat::Byte));
    assert_eq!(
        data.schema.rules.checks,
        [Keyword::Format(StringFormat::Byte)]
    );
    assert_eq!(
        data.schema.rules.code("format"),
        at(&y, &format!("{props}/data/x-specgate-codes/format")).as_str()
    );
}

#[test]
fn the_fifteen_file_checks_keep_their_order_values_and_codes() {
    let api = load();
    let y = yaml();
    let declared = at(
        &y,
        "/components/schemas/IdentityDocumentUpload/properties/data/x-specgate-file",
    )
    .as_array()
    .unwrap();
    let checks = &field(&api, "IdentityDocumentUpload", "data")
        .schema
        .file_checks;
    assert_eq!(checks.len(), 15);
    assert_eq!(checks.len(), declared.len());
    let mimes = |v: &Value, key: &str| -> Vec<MediaType> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| MediaType::from_mime(m.as_str().unwrap()).unwrap())
            .collect()
    };
    let orientations = |v: &Value| -> Vec<Orientation> {
        v["allow"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| match o.as_str().unwrap() {
                "landscape" => Orientation::Landscape,
                "portrait" => Orientation::Portrait,
                "square" => Orientation::Square,
                other => panic!("orientation {other}"),
            })
            .collect()
    };
    for (i, (check, want)) in checks.iter().zip(declared).enumerate() {
        assert_eq!(check.code, want["code"].as_str().unwrap(), "check {i}");
        let n = || want["value"].as_u64().unwrap();
        let f = || want["value"].as_f64().unwrap();
        let expected = match want["check"].as_str().unwrap() {
            "not-empty" => FileRule::NotEmpty,
            "max-bytes" => FileRule::MaxBytes(n()),
            "media-type" => FileRule::MediaType {
                allow: mimes(want, "allow"),
                refuse: mimes(want, "refuse"),
                refused_code: want["refused-code"].as_str().unwrap().to_string(),
            },
            "image-header" => FileRule::ImageHeader,
            "max-width" => FileRule::MaxWidth(n()),
            "min-width" => FileRule::MinWidth(n()),
            "max-height" => FileRule::MaxHeight(n()),
            "min-height" => FileRule::MinHeight(n()),
            "max-pixels" => FileRule::MaxPixels(n()),
            "min-pixels" => FileRule::MinPixels(n()),
            "max-ratio" => FileRule::MaxRatio(f()),
            "min-ratio" => FileRule::MinRatio(f()),
            "orientation" => {
                let mut when: Vec<(String, Vec<String>)> = want["when"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| {
                        let values = v
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|s| s.as_str().unwrap().to_string())
                            .collect();
                        (k.clone(), values)
                    })
                    .collect();
                when.sort();
                FileRule::Orientation {
                    allow: orientations(want),
                    when,
                }
            }
            "image-decode" => FileRule::ImageDecode,
            other => panic!("check {other}"),
        };
        assert_eq!(check.rule, expected, "check {i}");
    }
    // The order is the spec's: the first failing check answers.
    let kinds: Vec<&str> = declared
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"not-empty"));
    assert_eq!(kinds.last(), Some(&"image-decode"));
}

#[test]
fn the_catalog_has_the_43_codes_of_the_yaml() {
    let api = load();
    let y = yaml();
    let catalog = api.errors.as_ref().unwrap();
    let declared = at(&y, "/x-specgate-errors/codes").as_object().unwrap();
    assert_eq!(catalog.codes.len(), 43);
    assert_eq!(catalog.codes.len(), declared.len());
    assert_eq!(catalog.layout, ErrorLayout::KeyedByCode);
    assert_eq!(
        catalog.fallback.as_deref(),
        Some(text(&y, "/x-specgate-errors/fallback"))
    );
    assert_eq!(catalog.schema, named(&api, "ErrorResponse").0);
    // Sorted by code.
    let codes: Vec<&str> = catalog.codes.iter().map(|c| c.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    for (code, v) in declared {
        let c = catalog.get(code).unwrap();
        assert_eq!(u64::from(c.status), v["status"].as_u64().unwrap(), "{code}");
        assert_eq!(c.message, v["message"].as_str().unwrap(), "{code}");
        assert_eq!(c.solution, v["solution"].as_str().unwrap(), "{code}");
    }
    // A handful that the rest of specgate leans on, against the YAML.
    let status = |code: &str| u64::from(catalog.get(code).unwrap().status);
    let yaml_status =
        |code: &str| at(&y, &format!("/x-specgate-errors/codes/{code}/status")).as_u64();
    for code in [
        "ER708", "ER703", "ER709", "ER919", "ER999", "ER067", "ER802",
    ] {
        assert_eq!(Some(status(code)), yaml_status(code), "{code}");
    }
    // The fallback is a server fault.
    assert!(status("ER999") >= 500);
    // The ErrorCode enum lists the same codes as the catalog.
    let TypeKind::Enum(e) = &named(&api, "ErrorCode").1.kind else {
        panic!("ErrorCode is not an enum");
    };
    let enum_codes: Vec<&str> = e
        .variants
        .iter()
        .map(|v| v.value.as_str().unwrap())
        .collect();
    assert_eq!(enum_codes, codes);
}

#[test]
fn every_code_the_operation_can_answer_has_a_declared_response() {
    let api = load();
    let op = operation(&api);
    let statuses: Vec<StatusSpec> = op.responses.iter().map(|r| r.status).collect();
    let want: Vec<StatusSpec> = [200, 400, 401, 403, 404, 409, 500]
        .into_iter()
        .map(StatusSpec::Code)
        .collect();
    assert_eq!(statuses, want);
    let catalog = api.errors.as_ref().unwrap();
    for code in &catalog.codes {
        assert!(
            op.responses.iter().any(|r| r.status.matches(code.status)),
            "{} ({})",
            code.code,
            code.status
        );
    }
    let (user, _) = named(&api, "User");
    let (errors, _) = named(&api, "ErrorResponse");
    for r in &op.responses {
        assert_eq!(r.content.len(), 1);
        assert_eq!(r.content[0].media_type, "application/json");
        let want = if r.status == StatusSpec::Code(200) {
            user
        } else {
            errors
        };
        assert_eq!(
            r.content[0].schema.as_ref().unwrap().shape,
            Shape::Named(want)
        );
    }
}

#[test]
fn the_two_auth_stages_and_their_codes() {
    let api = load();
    let y = yaml();
    let declared = at(&y, "/x-specgate-auth").as_array().unwrap();
    assert_eq!(api.auth_stages.len(), 2);
    for (stage, want) in api.auth_stages.iter().zip(declared) {
        assert_eq!(stage.name, want["stage"].as_str().unwrap());
        let schemes: Vec<&str> = want["schemes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(stage.schemes, schemes);
        let code = |k: &str| want["codes"].get(k).and_then(Value::as_str);
        assert_eq!(stage.missing.as_deref(), code("missing"));
        assert_eq!(stage.multiple.as_deref(), code("multiple"));
        assert_eq!(stage.mismatch.as_deref(), code("mismatch"));
        assert_eq!(stage.gone.as_deref(), code("gone"));
    }
    let client = &api.auth_stages[0];
    assert_eq!(client.name, "client");
    assert_eq!(client.schemes, ["partnerToken", "apiKey"]);
    assert!(client.multiple.is_some() && client.missing.is_some());
    let user = &api.auth_stages[1];
    assert_eq!(user.name, "user");
    assert_eq!(user.schemes, ["userToken", "userIdentifier"]);
    assert!(user.mismatch.is_some() && user.gone.is_some() && user.multiple.is_none());
}

#[test]
fn the_four_security_schemes() {
    let api = load();
    let y = yaml();
    let names: Vec<&str> = api
        .security_schemes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["apiKey", "partnerToken", "userIdentifier", "userToken"]
    );
    let kind = |name: &str| api.scheme(name).unwrap().kind.clone();
    assert_eq!(
        kind("partnerToken"),
        SchemeKind::HttpAuth {
            header: "Authorization".into(),
            scheme: "bearer".into()
        }
    );
    assert_eq!(
        kind("userToken"),
        SchemeKind::HttpAuth {
            header: "User-Authorization".into(),
            scheme: "bearer".into()
        }
    );
    assert_eq!(
        kind("apiKey"),
        SchemeKind::ApiKey {
            location: ParamLocation::Header,
            name: "X-Api-Key".into()
        }
    );
    assert_eq!(
        kind("userIdentifier"),
        SchemeKind::ApiKey {
            location: ParamLocation::Header,
            name: "User-Identifier".into()
        }
    );
    for s in &api.security_schemes {
        let base = format!("/components/securitySchemes/{}", s.name);
        assert_eq!(
            s.description.as_deref(),
            Some(text(&y, &format!("{base}/description")))
        );
        let codes = at(&y, &format!("{base}/x-specgate-credential/codes"));
        let code = |k: &str| codes.get(k).and_then(Value::as_str);
        assert_eq!(s.codes.empty.as_deref(), code("empty"), "{}", s.name);
        assert_eq!(
            s.codes.malformed.as_deref(),
            code("malformed"),
            "{}",
            s.name
        );
        assert_eq!(s.codes.unknown.as_deref(), code("unknown"), "{}", s.name);
        assert_eq!(s.codes.expired.as_deref(), code("expired"), "{}", s.name);
    }
}

#[test]
fn the_credential_headers_are_checked_with_their_schemes() {
    let api = load();
    let y = yaml();
    let op = operation(&api);
    let params: Vec<(&str, Option<&str>)> = op
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.credential_of.as_deref()))
        .collect();
    assert_eq!(
        params,
        [
            ("X-Api-Key", Some("apiKey")),
            ("User-Authorization", Some("userToken")),
            ("User-Identifier", Some("userIdentifier")),
        ]
    );
    for p in &op.parameters {
        assert_eq!(p.location, ParamLocation::Header);
        assert!(!p.required);
    }
    let id = &op.parameters[2];
    let base = "/components/parameters/UserIdentifier/schema";
    let n = |k: &str| at(&y, &format!("{base}/{k}")).as_u64().unwrap();
    assert_eq!(id.rust_name, "user_identifier");
    assert_eq!(id.schema.shape, Shape::String(StringFormat::Plain));
    assert_eq!(
        id.schema.rules.checks,
        [
            Keyword::Pattern(text(&y, &format!("{base}/pattern")).to_string()),
            Keyword::MinLength(n("minLength")),
            Keyword::MaxLength(n("maxLength")),
        ]
    );
    let code = text(&y, &format!("{base}/x-specgate-codes/pattern"));
    assert_eq!(code, "ER707");
    for keyword in ["pattern", "minLength", "maxLength"] {
        assert_eq!(
            id.schema.rules.codes.get(keyword).map(String::as_str),
            Some(code)
        );
    }
    assert_eq!(id.schema.rules.codes.len(), 3);
}

#[test]
fn the_unreachable_codes_and_the_conflict() {
    let api = load();
    let y = yaml();
    let op = operation(&api);
    let base = "/paths/~1api~1v1~1user~1identity-document/post";
    let keys: Vec<&str> = op.unreachable.keys().map(String::as_str).collect();
    let mut want = vec![
        "ER706", "ER905", "ER906", "ER900", "ER901", "ER919", "ER999",
    ];
    want.sort_unstable();
    assert_eq!(keys, want);
    for (code, reason) in &op.unreachable {
        assert_eq!(
            reason,
            text(&y, &format!("{base}/x-specgate-unreachable/{code}"))
        );
    }
    assert_eq!(op.conflicts.len(), 1);
    let c = &op.conflicts[0];
    assert_eq!(c.code, "ER708");
    assert_eq!(
        c.code,
        text(&y, &format!("{base}/x-specgate-conflicts/0/code"))
    );
    assert_eq!(c.key, ["documentType", "documentSide"]);
    assert_eq!(
        c.description.as_deref(),
        Some(text(
            &y,
            &format!("{base}/x-specgate-conflicts/0/description")
        ))
    );
    // The conflict status is a declared response.
    let status = api.errors.as_ref().unwrap().get("ER708").unwrap().status;
    assert!(
        op.responses
            .iter()
            .any(|r| r.status == StatusSpec::Code(status))
    );
}

#[test]
fn destination_tag_is_a_nullable_union_of_string_and_integer() {
    let api = load();
    let (id, tag) = named(&api, "DestinationTag");
    assert!(tag.nullable);
    let TypeKind::Union(u) = &tag.kind else {
        panic!("DestinationTag is not a union");
    };
    assert!(u.exclusive);
    assert!(u.discriminator.is_none());
    let shapes: Vec<&Shape> = u.variants.iter().map(|v| &v.schema.shape).collect();
    assert_eq!(
        shapes,
        [
            &Shape::String(StringFormat::Plain),
            &Shape::Integer(IntegerFormat::Unspecified)
        ]
    );
    // The null moved from the string branch to the union.
    assert!(u.variants.iter().all(|v| !v.schema.nullable));
    let names: Vec<&str> = u.variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(names, ["String", "Integer"]);
    assert_eq!(
        field(&api, "WalletAddress", "destinationTag").schema.shape,
        Shape::Named(id)
    );
}

#[test]
fn enabled_iban_accounts_is_deprecated() {
    let api = load();
    let f = field(&api, "User", "enabledIbanAccounts");
    assert!(f.docs.deprecated);
    let (iban, _) = named(&api, "IbanAccount");
    match &f.schema.shape {
        Shape::List(item) => assert_eq!(item.shape, Shape::Named(iban)),
        other => panic!("enabledIbanAccounts is {other:?}"),
    }
    let deprecated: Vec<&str> = api
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Struct(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| &s.fields)
        .filter(|f| f.docs.deprecated)
        .map(|f| f.json_name.as_str())
        .collect();
    assert_eq!(deprecated, ["enabledIbanAccounts"]);
}

#[test]
fn the_named_types() {
    let api = load();
    let y = yaml();
    let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Account",
            "CheckStatus",
            "DestinationTag",
            "DocumentSide",
            "DocumentType",
            "Error",
            "ErrorCode",
            "ErrorResponse",
            "FiatAmount",
            "IbanAccount",
            "IdentityDocumentStatus",
            "IdentityDocumentStatusStatus",
            "IdentityDocumentUpload",
            "Limits",
            "TradeLimit",
            "User",
            "VerificationDetails",
            "VerificationDetailsAmld5VerificationStatus",
            "VerificationDetailsResidentialAddressVerificationStatus",
            "VerificationLevel",
            "VerificationStatus",
            "VerificationStatusStatus",
            "WalletAddress",
            "WalletStatus",
            "WalletType",
            "WalletVerificationRequirement",
        ]
    );
    // Every component schema is a named type of its own name.
    for key in at(&y, "/components/schemas").as_object().unwrap().keys() {
        let (_, def) = named(&api, key);
        assert_eq!(
            def.origin,
            format!("identity-document.yaml#/components/schemas/{key}")
        );
    }
    // Inline enums are named after their place.
    let (status, _) = named(&api, "VerificationStatusStatus");
    assert_eq!(
        field(&api, "VerificationStatus", "status").schema.shape,
        Shape::Named(status)
    );
}

#[test]
fn single_branch_wrappers_become_their_branch() {
    let api = load();
    // walletType is `oneOf: [$ref WalletType]`: the named enum itself.
    let (wallet_type, _) = named(&api, "WalletType");
    assert_eq!(
        field(&api, "WalletAddress", "walletType").schema.shape,
        Shape::Named(wallet_type)
    );
    // `allOf: [$ref CheckStatus]` with a description: the enum, documented.
    let (check, _) = named(&api, "CheckStatus");
    let f = field(&api, "VerificationDetails", "identityVerificationStatus");
    assert_eq!(f.schema.shape, Shape::Named(check));
    assert_eq!(
        f.docs.description.as_deref(),
        Some("Status of the identity verification.")
    );
}

#[test]
fn the_error_body_is_keyed_by_code() {
    let api = load();
    let errors = field(&api, "ErrorResponse", "errors");
    assert!(errors.required);
    let (error, _) = named(&api, "Error");
    match &errors.schema.shape {
        Shape::Map(value) => assert_eq!(value.shape, Shape::Named(error)),
        other => panic!("errors is {other:?}"),
    }
    let (code, _) = named(&api, "ErrorCode");
    assert_eq!(
        field(&api, "Error", "code").schema.shape,
        Shape::Named(code)
    );
}
