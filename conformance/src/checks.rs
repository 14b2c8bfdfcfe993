//! The checks of one answer against the step's [`Expect`]: status, content
//! type, JSON, schema, the exact set of error codes and their texts.
//!
//! Every failure says what the spec requires and what came, in words a
//! vendor reads without knowing specgate. Nothing here panics, whatever the
//! answer holds.

use std::collections::BTreeSet;

use serde_json::Value;
use spec::ir::{Api, ErrorLayout, Operation, Response, Schema, Shape, StatusSpec};

use crate::case::{Case, Expect};
use crate::schema;
use crate::verdict::{Check, Failure};

/// The IR operation of `case.operation` (`"METHOD /path/template"`).
pub fn find_operation<'a>(api: &'a Api, operation: &str) -> Option<&'a Operation> {
    let (method, path) = operation.trim().split_once(' ')?;
    let path = path.trim();
    api.operations
        .iter()
        .find(|o| o.method.eq_ignore_ascii_case(method) && o.path == path)
}

/// The declared response for `status`: an exact code first, then a range
/// (`4XX`), then `default`.
pub fn response_for(op: &Operation, status: u16) -> Option<&Response> {
    let rank = |s: StatusSpec| match s {
        StatusSpec::Code(_) => 0,
        StatusSpec::Range(_) => 1,
        StatusSpec::Default => 2,
    };
    op.responses
        .iter()
        .filter(|r| r.status.matches(status))
        .min_by_key(|r| rank(r.status))
}

/// The media type without parameters, lower-case: `application/json`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` or any `+json` type.
pub fn is_json(media_type: &str) -> bool {
    let e = essence(media_type);
    e == "application/json" || (e.starts_with("application/") && e.ends_with("+json"))
}

/// Whether a declared media type (possibly `image/*` or `*/*`) admits `actual`.
fn media_matches(declared: &str, actual: &str) -> bool {
    let declared = essence(declared);
    let actual = essence(actual);
    if declared == actual || declared == "*/*" {
        return true;
    }
    match declared.strip_suffix("/*") {
        Some(kind) => actual.split('/').next() == Some(kind),
        None => false,
    }
}

/// The first value of header `name` (case-insensitive).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn failure(check: Check, expected: impl Into<String>, actual: impl Into<String>) -> Failure {
    Failure {
        check,
        expected: expected.into(),
        actual: actual.into(),
    }
}

/// Checks one answer to step `step_index` of `case`. An empty list means
/// the step passed.
pub fn check_response(
    api: &Api,
    case: &Case,
    step_index: usize,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<Failure> {
    let Some(step) = case.steps.get(step_index) else {
        return vec![failure(
            Check::Status,
            format!("an answer to step {} of the case", step_index + 1),
            format!("the case has {} steps", case.steps.len()),
        )];
    };
    let op = find_operation(api, &case.operation);
    match &step.expect {
        Expect::Success { statuses } => {
            check_success(api, op, case, statuses, status, headers, body)
        }
        Expect::Error {
            status: want,
            codes,
        } => check_error(api, op, *want, codes, status, headers, body),
        Expect::Refusal { statuses, any_4xx } => {
            let four = (400..500).contains(&status);
            let ok = statuses.contains(&status) || ((*any_4xx || statuses.is_empty()) && four);
            if ok {
                Vec::new()
            } else {
                vec![failure(
                    Check::Status,
                    refusal_words(statuses, *any_4xx),
                    describe_status(api, status, body),
                )]
            }
        }
    }
}

fn check_success(
    api: &Api,
    op: Option<&Operation>,
    case: &Case,
    statuses: &[u16],
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<Failure> {
    if !statuses.contains(&status) {
        return vec![failure(
            Check::Status,
            format!("a success: {}", status_list(statuses)),
            describe_status(api, status, body),
        )];
    }
    let Some(op) = op else {
        return vec![failure(
            Check::BodySchema,
            format!("an answer of the operation `{}`", case.operation),
            "the spec has no such operation, so the body could not be checked (a specgate plan error)",
        )];
    };
    let Some(response) = response_for(op, status) else {
        // A status the plan expects but the operation does not declare: a
        // plan error, and nothing more to check.
        return Vec::new();
    };
    if response.content.is_empty() {
        return Vec::new();
    }
    let mut failures = Vec::new();
    let declared: Vec<&str> = response
        .content
        .iter()
        .map(|c| c.media_type.as_str())
        .collect();
    let actual_type = header(headers, "content-type");
    let matched = actual_type.and_then(|t| {
        response
            .content
            .iter()
            .find(|c| media_matches(&c.media_type, t))
    });
    if matched.is_none() {
        failures.push(failure(
            Check::ContentType,
            format!("Content-Type {}", or_words(&declared)),
            content_type_words(actual_type),
        ));
    }
    // The content to check the body against: the matched media type, else
    // the declared JSON one (the body may still be right).
    let content = matched.or_else(|| response.content.iter().find(|c| is_json(&c.media_type)));
    let Some(content) = content.filter(|c| is_json(&c.media_type)) else {
        return failures;
    };
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(f) => {
            failures.push(f);
            return failures;
        }
    };
    if let Some(s) = &content.schema
        && let Err(errors) = schema::validate(api, s, &value)
    {
        failures.push(failure(
            Check::BodySchema,
            format!("a body valid against {}", schema_words(api, s)),
            errors.join("; "),
        ));
    }
    failures
}

fn check_error(
    api: &Api,
    op: Option<&Operation>,
    want: u16,
    codes: &BTreeSet<String>,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<Failure> {
    if status != want {
        return vec![failure(
            Check::Status,
            error_words(want, codes),
            describe_status(api, status, body),
        )];
    }
    let mut failures = Vec::new();
    // The declared JSON media type of that status, else application/json.
    let declared = op
        .and_then(|op| response_for(op, status))
        .and_then(|r| r.content.iter().find(|c| is_json(&c.media_type)))
        .map(|c| c.media_type.as_str())
        .unwrap_or("application/json");
    let actual_type = header(headers, "content-type");
    if !actual_type.is_some_and(|t| media_matches(declared, t)) {
        failures.push(failure(
            Check::ContentType,
            format!("Content-Type {declared}"),
            content_type_words(actual_type),
        ));
    }
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(f) => {
            failures.push(f);
            return failures;
        }
    };
    let Some(catalog) = &api.errors else {
        return failures;
    };
    let error_schema = Schema::new(Shape::Named(catalog.schema));
    if let Err(errors) = schema::validate(api, &error_schema, &value) {
        failures.push(failure(
            Check::BodySchema,
            format!(
                "an error body valid against {}",
                schema_words(api, &error_schema)
            ),
            errors.join("; "),
        ));
    }
    match catalog.layout {
        ErrorLayout::KeyedByCode => {
            let Some(entries) = value.get("errors").and_then(Value::as_object) else {
                // The schema check above already says what is wrong.
                if !failures.iter().any(|f| f.check == Check::BodySchema) {
                    failures.push(failure(
                        Check::ErrorCodes,
                        codes_words(codes),
                        "no `errors` object in the body",
                    ));
                }
                return failures;
            };
            let actual: BTreeSet<String> = entries.keys().cloned().collect();
            if !codes.is_empty() && &actual != codes {
                failures.push(failure(
                    Check::ErrorCodes,
                    codes_words(codes),
                    actual_codes_words(&actual),
                ));
            }
            for (key, entry) in entries {
                let code = entry.get("code");
                if code.and_then(Value::as_str) != Some(key.as_str()) {
                    failures.push(failure(
                        Check::ErrorCodes,
                        format!("the entry `{key}` has \"code\": \"{key}\""),
                        match code {
                            Some(c) => format!("its \"code\" is {}", short_json(c)),
                            None => "it has no \"code\"".to_string(),
                        },
                    ));
                }
                // Texts of the codes that were expected (an unexpected code
                // is already reported as such).
                if !codes.is_empty() && !codes.contains(key) {
                    continue;
                }
                let Some(known) = catalog.get(key) else {
                    continue;
                };
                for (field, text) in [("message", &known.message), ("solution", &known.solution)] {
                    let got = entry.get(field);
                    if got.and_then(Value::as_str) != Some(text.as_str()) {
                        failures.push(failure(
                            Check::ErrorText,
                            format!("{key} with the {field} \"{text}\""),
                            match got {
                                Some(Value::String(s)) => {
                                    format!("{key} with the {field} \"{}\"", cut(s, 300))
                                }
                                Some(other) => {
                                    format!("{key} with the {field} {}", short_json(other))
                                }
                                None => format!("{key} without a {field}"),
                            },
                        ));
                    }
                }
            }
        }
    }
    failures
}

fn parse_json(body: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        let actual = if body.is_empty() {
            "an empty body".to_string()
        } else {
            format!(
                "a body that is not JSON ({e}): {}",
                cut(&String::from_utf8_lossy(body), 200)
            )
        };
        failure(Check::BodyJson, "a JSON body", actual)
    })
}

/// "the schema `User`" or "the declared schema".
fn schema_words(api: &Api, s: &Schema) -> String {
    match &s.shape {
        Shape::Named(id) => match api.types.get(id.0) {
            Some(def) => format!("the schema `{}`", def.name),
            None => "the declared schema".into(),
        },
        _ => "the declared schema".into(),
    }
}

fn content_type_words(actual: Option<&str>) -> String {
    match actual {
        Some(t) => format!("Content-Type {}", cut(t, 200)),
        None => "no Content-Type header".into(),
    }
}

/// The codes of a keyed-by-code error body, if the body is one.
fn body_codes(api: &Api, body: &[u8]) -> Option<BTreeSet<String>> {
    let catalog = api.errors.as_ref()?;
    match catalog.layout {
        ErrorLayout::KeyedByCode => {
            let value: Value = serde_json::from_slice(body).ok()?;
            let entries = value.get("errors")?.as_object()?;
            Some(entries.keys().cloned().collect())
        }
    }
}

/// What came, as a status: "401 with the codes ER802", "404", "500 with an
/// empty body".
pub fn describe_status(api: &Api, status: u16, body: &[u8]) -> String {
    match body_codes(api, body) {
        Some(codes) if codes.is_empty() => format!("{status} with an error body without codes"),
        Some(codes) => format!("{status} with {}", actual_codes_words(&codes)),
        None if body.is_empty() => format!("{status} with an empty body"),
        None => status.to_string(),
    }
}

fn list(codes: &BTreeSet<String>) -> String {
    codes
        .iter()
        .map(|c| cut(c, 40))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "400 with exactly the codes ER067, ER075".
fn error_words(status: u16, codes: &BTreeSet<String>) -> String {
    if codes.is_empty() {
        format!("{status} with an error body")
    } else {
        format!("{status} with {}", codes_words(codes))
    }
}

fn codes_words(codes: &BTreeSet<String>) -> String {
    match codes.len() {
        0 => "an error body".into(),
        1 => format!("exactly the code {}", list(codes)),
        _ => format!("exactly the codes {}", list(codes)),
    }
}

fn actual_codes_words(codes: &BTreeSet<String>) -> String {
    match codes.len() {
        0 => "no codes".into(),
        1 => format!("the code {}", list(codes)),
        n if n > 20 => {
            let first: BTreeSet<String> = codes.iter().take(20).cloned().collect();
            format!("{n} codes: {}, …", list(&first))
        }
        _ => format!("the codes {}", list(codes)),
    }
}

fn status_list(statuses: &[u16]) -> String {
    let words: Vec<String> = statuses.iter().map(u16::to_string).collect();
    or_words(&words)
}

fn or_words<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => "(none declared)".into(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} or {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

fn refusal_words(statuses: &[u16], any_4xx: bool) -> String {
    if statuses.is_empty() {
        "a refusal: any 4xx status".into()
    } else if any_4xx {
        format!(
            "a refusal: {} or any other 4xx status",
            status_list(statuses)
        )
    } else {
        format!("a refusal: {}", status_list(statuses))
    }
}

fn short_json(v: &Value) -> String {
    cut(&v.to_string(), 100)
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::case::{Request, Rule, Step};

    const OP: &str = "POST /api/v1/user/identity-document";

    fn api() -> Api {
        spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/identity-document.yaml"))
            .unwrap()
    }

    fn case(expect: Expect) -> Case {
        Case {
            id: "t".into(),
            title: "t".into(),
            operation: OP.into(),
            rule: Rule {
                name: "r".into(),
                origin: "o".into(),
            },
            steps: vec![Step {
                request: Request {
                    method: "POST".into(),
                    path: "/api/v1/user/identity-document".into(),
                    headers: Vec::new(),
                    body: None,
                },
                expect,
            }],
        }
    }

    fn codes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn json_headers() -> Vec<(String, String)> {
        vec![(
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        )]
    }

    /// A catalog error body for `list`, with the catalog's texts.
    fn error_body(api: &Api, list: &[&str]) -> Vec<u8> {
        let catalog = api.errors.as_ref().unwrap();
        let mut errors = serde_json::Map::new();
        for c in list {
            let e = catalog.get(c).unwrap();
            errors.insert(
                c.to_string(),
                json!({"code": c, "message": e.message, "solution": e.solution}),
            );
        }
        serde_json::to_vec(&json!({ "errors": errors })).unwrap()
    }

    fn error_case(status: u16, list: &[&str]) -> Case {
        case(Expect::Error {
            status,
            codes: codes(list),
        })
    }

    #[test]
    fn finds_operations() {
        let api = api();
        assert!(find_operation(&api, OP).is_some());
        assert!(find_operation(&api, "post /api/v1/user/identity-document").is_some());
        assert!(find_operation(&api, "GET /api/v1/user/identity-document").is_none());
        assert!(find_operation(&api, "").is_none());
    }

    #[test]
    fn a_correct_error_passes() {
        let api = api();
        let c = error_case(400, &["ER067", "ER075"]);
        let body = error_body(&api, &["ER075", "ER067"]);
        assert_eq!(
            check_response(&api, &c, 0, 400, &json_headers(), &body),
            vec![]
        );
    }

    #[test]
    fn wrong_status_names_the_codes_that_came() {
        let api = api();
        let c = error_case(400, &["ER067", "ER075"]);
        let body = error_body(&api, &["ER802"]);
        let f = check_response(&api, &c, 0, 401, &json_headers(), &body);
        assert_eq!(
            f,
            vec![Failure {
                check: Check::Status,
                expected: "400 with exactly the codes ER067, ER075".into(),
                actual: "401 with the code ER802".into(),
            }]
        );
        let f = check_response(&api, &c, 0, 500, &[], b"");
        assert_eq!(f[0].actual, "500 with an empty body");
        let f = check_response(&api, &c, 0, 502, &[], b"<html>");
        assert_eq!(f[0].actual, "502");
    }

    #[test]
    fn wrong_code_set() {
        let api = api();
        let c = error_case(400, &["ER067", "ER075"]);
        let body = error_body(&api, &["ER067"]);
        let f = check_response(&api, &c, 0, 400, &json_headers(), &body);
        assert_eq!(
            f,
            vec![Failure {
                check: Check::ErrorCodes,
                expected: "exactly the codes ER067, ER075".into(),
                actual: "the code ER067".into(),
            }]
        );
        let body = error_body(&api, &["ER067", "ER075", "ER078"]);
        let f = check_response(&api, &c, 0, 400, &json_headers(), &body);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].actual, "the codes ER067, ER075, ER078");
        let f = check_response(&api, &c, 0, 400, &json_headers(), br#"{"errors": {}}"#);
        assert_eq!(f[0].actual, "no codes");
    }

    #[test]
    fn entry_code_must_equal_its_key() {
        let api = api();
        let c = error_case(400, &["ER067"]);
        let mut body: Value = serde_json::from_slice(&error_body(&api, &["ER067"])).unwrap();
        body["errors"]["ER067"]["code"] = json!("ER074");
        let f = check_response(
            &api,
            &c,
            0,
            400,
            &json_headers(),
            &serde_json::to_vec(&body).unwrap(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].check, Check::ErrorCodes);
        assert_eq!(f[0].expected, "the entry `ER067` has \"code\": \"ER067\"");
        assert_eq!(f[0].actual, "its \"code\" is \"ER074\"");
    }

    #[test]
    fn wrong_texts_name_code_and_both_texts() {
        let api = api();
        let c = error_case(400, &["ER067"]);
        let mut body: Value = serde_json::from_slice(&error_body(&api, &["ER067"])).unwrap();
        body["errors"]["ER067"]["message"] = json!("No document type.");
        body["errors"]["ER067"]["solution"] = json!("Provide a valid identity document type. ");
        let f = check_response(
            &api,
            &c,
            0,
            400,
            &json_headers(),
            &serde_json::to_vec(&body).unwrap(),
        );
        assert_eq!(
            f,
            vec![
                Failure {
                    check: Check::ErrorText,
                    expected: "ER067 with the message \"No identity document type provided.\""
                        .into(),
                    actual: "ER067 with the message \"No document type.\"".into(),
                },
                Failure {
                    check: Check::ErrorText,
                    expected: "ER067 with the solution \"Provide a valid identity document type.\""
                        .into(),
                    actual: "ER067 with the solution \"Provide a valid identity document type. \""
                        .into(),
                },
            ]
        );
    }

    #[test]
    fn error_body_shape() {
        let api = api();
        let c = error_case(400, &["ER067"]);
        // Missing content type: only that.
        let body = error_body(&api, &["ER067"]);
        let f = check_response(&api, &c, 0, 400, &[], &body);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].check, Check::ContentType);
        assert_eq!(f[0].expected, "Content-Type application/json");
        assert_eq!(f[0].actual, "no Content-Type header");
        let f = check_response(
            &api,
            &c,
            0,
            400,
            &[("content-type".into(), "text/plain".into())],
            &body,
        );
        assert_eq!(f[0].actual, "Content-Type text/plain");
        // Not JSON.
        let f = check_response(&api, &c, 0, 400, &json_headers(), b"{\"errors\": ");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].check, Check::BodyJson);
        assert!(f[0].actual.starts_with("a body that is not JSON"), "{f:?}");
        // JSON, but not the error schema.
        let f = check_response(&api, &c, 0, 400, &json_headers(), br#"{"error": "ER067"}"#);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].check, Check::BodySchema);
        assert_eq!(
            f[0].expected,
            "an error body valid against the schema `ErrorResponse`"
        );
        assert!(
            f[0].actual.contains("\"errors\" is a required property"),
            "{f:?}"
        );
        let f = check_response(
            &api,
            &c,
            0,
            400,
            &json_headers(),
            br#"{"errors": {"ER067": {"code": "ER067", "message": "No identity document type provided."}}}"#,
        );
        assert_eq!(
            f.iter().map(|f| f.check).collect::<Vec<_>>(),
            vec![Check::BodySchema, Check::ErrorText],
            "{f:?}"
        );
        assert_eq!(f[1].actual, "ER067 without a solution");
    }

    fn user() -> Value {
        json!({"firstName": "John", "verificationLevel": {
            "id": "a1b2c3d4-0003-4000-8000-000000000003", "level": "hero",
            "buyLimit": {"amount": 1, "currencyCode": "EUR"},
            "sellLimit": {"amount": 1, "currencyCode": "EUR"}}})
    }

    #[test]
    fn success() {
        let api = api();
        let c = case(Expect::Success {
            statuses: vec![200],
        });
        let body = serde_json::to_vec(&user()).unwrap();
        assert_eq!(
            check_response(&api, &c, 0, 200, &json_headers(), &body),
            vec![]
        );
        let f = check_response(
            &api,
            &c,
            0,
            400,
            &json_headers(),
            &error_body(&api, &["ER067"]),
        );
        assert_eq!(f[0].check, Check::Status);
        assert_eq!(f[0].expected, "a success: 200");
        assert_eq!(f[0].actual, "400 with the code ER067");
        let mut bad = user();
        bad["verificationLevel"]["id"] = json!("not-a-uuid");
        let f = check_response(
            &api,
            &c,
            0,
            200,
            &json_headers(),
            &serde_json::to_vec(&bad).unwrap(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].check, Check::BodySchema);
        assert_eq!(f[0].expected, "a body valid against the schema `User`");
        assert!(f[0].actual.starts_with("/verificationLevel/id: "), "{f:?}");
        let f = check_response(
            &api,
            &c,
            0,
            200,
            &[("Content-Type".into(), "text/html".into())],
            b"<html>",
        );
        assert_eq!(
            f.iter().map(|f| f.check).collect::<Vec<_>>(),
            vec![Check::ContentType, Check::BodyJson]
        );
        assert_eq!(f[0].expected, "Content-Type application/json");
        let c = case(Expect::Success {
            statuses: vec![200, 201],
        });
        let f = check_response(&api, &c, 0, 204, &[], b"");
        assert_eq!(f[0].expected, "a success: 200 or 201");
        assert_eq!(f[0].actual, "204 with an empty body");
    }

    #[test]
    fn refusal() {
        let api = api();
        let c = case(Expect::Refusal {
            statuses: vec![415],
            any_4xx: true,
        });
        for s in [415, 400, 499] {
            assert_eq!(check_response(&api, &c, 0, s, &[], b""), vec![]);
        }
        let f = check_response(&api, &c, 0, 200, &[], b"{}");
        assert_eq!(f[0].check, Check::Status);
        assert_eq!(f[0].expected, "a refusal: 415 or any other 4xx status");
        assert_eq!(f[0].actual, "200");
        let c = case(Expect::Refusal {
            statuses: vec![400, 415],
            any_4xx: false,
        });
        assert_eq!(check_response(&api, &c, 0, 415, &[], b""), vec![]);
        let f = check_response(&api, &c, 0, 404, &[], b"");
        assert_eq!(f[0].expected, "a refusal: 400 or 415");
    }

    #[test]
    fn never_panics_on_garbage() {
        let api = api();
        let garbage: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff, 0xfe, 0x00, 0x80],
            b"[".repeat(100_000),
            b"{\"errors\": {\"ER067\": [1,2,3], \"\xff\": null}}".to_vec(),
            b"{\"errors\": 5}".to_vec(),
            b"null".to_vec(),
            b"1e999999".to_vec(),
            "\"\u{0}\u{202e}\"".as_bytes().to_vec(),
        ];
        let headers = vec![
            (
                "content-type".to_string(),
                "\u{fffd}\u{fffd}; ;;".to_string(),
            ),
            ("x".to_string(), String::new()),
        ];
        for expect in [
            Expect::Success {
                statuses: vec![200],
            },
            Expect::Error {
                status: 400,
                codes: codes(&["ER067"]),
            },
            Expect::Error {
                status: 400,
                codes: BTreeSet::new(),
            },
            Expect::Refusal {
                statuses: vec![],
                any_4xx: false,
            },
        ] {
            let c = case(expect);
            for body in &garbage {
                for status in [0, 200, 400, 999, u16::MAX] {
                    let _ = check_response(&api, &c, 0, status, &headers, body);
                    let _ = check_response(&api, &c, 0, status, &[], body);
                }
            }
            let _ = check_response(&api, &c, 7, 200, &[], b"");
        }
        let mut unknown = case(Expect::Success {
            statuses: vec![200],
        });
        unknown.operation = "garbage".into();
        let f = check_response(&api, &unknown, 0, 200, &[], b"{}");
        assert_eq!(f[0].check, Check::BodySchema);
    }

    #[test]
    fn media_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/json+html"));
        assert!(media_matches("image/*", "image/png"));
        assert!(media_matches("*/*", "text/plain"));
        assert!(!media_matches("image/*", "text/plain"));
        assert!(media_matches(
            "application/json",
            "application/json;charset=UTF-8"
        ));
    }
}
