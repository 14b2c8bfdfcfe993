//! The bugs a double can have: each breaks exactly one rule of the spec, by
//! rewriting the request before the reference sees it, answering in its
//! place, or rewriting its answer.

use std::io::Cursor;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::double::{Answer, Proxy, Sent};

/// One broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    /// Wrong code: answers ER074 (invalid type) where ER067 (missing type)
    /// belongs.
    WrongCode,
    /// Skipped check: a missing `documentSide` is taken as `Front`.
    DefaultSide,
    /// Boundary off by one: an image exactly 300 pixels wide (the minimum,
    /// allowed) is refused with ER909, as `width <= 300` would.
    WidthOffByOne,
    /// Wrong status: ER708 (a pending duplicate) with 400 instead of 409.
    ConflictStatus,
    /// Malformed error body: `{"errors": [...]}`, a list instead of an
    /// object keyed by code.
    ErrorsAsList,
    /// Invalid success body: `verificationLevel.id` is not a UUID.
    SuccessBadUuid,
    /// State ignored: a repeated upload is accepted (the last 200 replayed)
    /// instead of ER708.
    StateIgnored,
    /// Lax base64: a `data:...;base64,` prefix and whitespace are stripped
    /// from `data` instead of refused with ER078.
    LaxBase64,
    /// Wrong message text for ER075.
    WrongMessage,
    /// Auth order: with a client credential but no user credential, the body
    /// is checked first (ER067/ER075/ER077 instead of ER704).
    BodyBeforeUser,
    /// Case-sensitive scheme: `Authorization: bearer <token>` (or `BEARER`)
    /// is refused with ER800.
    CaseSensitiveScheme,
    /// Error responses with `Content-Type: text/plain`.
    ErrorsAsText,
    /// Expired partner tokens are accepted.
    ExpiredAccepted,
    /// Only the first field error of a body is reported (the spec wants all
    /// of them together).
    FirstErrorOnly,
    /// A user token and a user identifier naming different users are not
    /// compared: the identifier is ignored when a token is present.
    MismatchIgnored,
}

/// The vendor's message of ER075 is "Missing document side.".
pub const WRONG_ER075_MESSAGE: &str = "Document side is missing.";

/// A `verificationLevel.id` that is not a UUID.
pub const BAD_LEVEL_ID: &str = "level-hero";

impl Bug {
    /// Runs before the reference: may rewrite the request, or answer in the
    /// reference's place.
    pub fn before(self, sent: &mut Sent) -> Option<Answer> {
        match self {
            Bug::DefaultSide => {
                if let Some(Value::Object(mut body)) = sent.json()
                    && !body.contains_key("documentSide")
                {
                    body.insert("documentSide".into(), json!("Front"));
                    sent.set_json(&Value::Object(body));
                }
                None
            }
            Bug::LaxBase64 => {
                if let Some(Value::Object(mut body)) = sent.json()
                    && let Some(Value::String(data)) = body.get("data")
                {
                    let mut lax = data.as_str();
                    if lax.starts_with("data:")
                        && let Some((_, rest)) = lax.split_once(";base64,")
                    {
                        lax = rest;
                    }
                    let lax: String = lax.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                    if &lax != data {
                        body.insert("data".into(), Value::String(lax));
                        sent.set_json(&Value::Object(body));
                    }
                }
                None
            }
            Bug::CaseSensitiveScheme => {
                let value = sent.header("authorization")?;
                let word = value.split(' ').next().unwrap_or_default();
                let other_case = word.eq_ignore_ascii_case("bearer") && word != "Bearer";
                (other_case && !sent.has_header("x-api-key")).then(|| Answer::error(&["ER800"]))
            }
            Bug::MismatchIgnored => {
                if sent.has_header("user-authorization") {
                    sent.remove_header("user-identifier");
                }
                None
            }
            _ => None,
        }
    }

    /// Runs on the reference's answer.
    pub async fn after(self, proxy: &Proxy, sent: &Sent, mut answer: Answer) -> Answer {
        match self {
            Bug::WrongCode if answer.has_code("ER067") => {
                let codes: Vec<String> = answer
                    .codes()
                    .into_iter()
                    .map(|c| if c == "ER067" { "ER074".into() } else { c })
                    .collect();
                let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                Answer::error(&codes)
            }
            Bug::WidthOffByOne if width_is_checked_after(&answer) => {
                match sent.data().and_then(|d| image_width(&d)) {
                    Some(300) => Answer::error(&["ER909"]),
                    _ => answer,
                }
            }
            Bug::ConflictStatus if answer.has_code("ER708") => {
                answer.status = StatusCode::BAD_REQUEST;
                answer
            }
            Bug::ErrorsAsList if !answer.status.is_success() => {
                if let Some(mut body) = answer.json()
                    && let Some(Value::Object(errors)) = body.get("errors")
                {
                    body["errors"] = Value::Array(errors.values().cloned().collect());
                    answer.set_json(&body);
                }
                answer
            }
            Bug::SuccessBadUuid if answer.status == StatusCode::OK => {
                if let Some(mut body) = answer.json()
                    && body["verificationLevel"].is_object()
                {
                    body["verificationLevel"]["id"] = json!(BAD_LEVEL_ID);
                    answer.set_json(&body);
                }
                answer
            }
            Bug::StateIgnored => {
                let mut last = proxy.last_success.lock().expect("not poisoned");
                if answer.status == StatusCode::OK {
                    *last = Some(answer.clone());
                } else if answer.has_code("ER708")
                    && let Some(success) = last.clone()
                {
                    return success;
                }
                answer
            }
            Bug::WrongMessage if answer.has_code("ER075") => {
                if let Some(mut body) = answer.json() {
                    body["errors"]["ER075"]["message"] = json!(WRONG_ER075_MESSAGE);
                    answer.set_json(&body);
                }
                answer
            }
            Bug::BodyBeforeUser if answer.has_code("ER704") => {
                let missing = missing_fields(sent.json());
                if missing.is_empty() {
                    answer
                } else {
                    Answer::error(&missing)
                }
            }
            Bug::ErrorsAsText if answer.status.is_client_error() => {
                answer.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                answer
            }
            Bug::ExpiredAccepted if answer.has_code("ER801") => {
                let mut retry = sent.clone();
                let token = format!("Bearer {}", proxy.valid_partner_token);
                retry.parts.headers.insert(
                    AUTHORIZATION,
                    HeaderValue::from_str(&token).expect("a valid header value"),
                );
                proxy.forward(&retry).await
            }
            Bug::FirstErrorOnly if answer.codes().len() > 1 => {
                let first = answer.codes().remove(0);
                Answer::error(&[first.as_str()])
            }
            _ => answer,
        }
    }
}

/// Whether the reference's answer leaves room for a width check: a success,
/// or a file code of a check the spec runs after the minimum width.
fn width_is_checked_after(answer: &Answer) -> bool {
    const LATER: [&str; 9] = [
        "ER910", "ER911", "ER912", "ER913", "ER914", "ER915", "ER916", "ER917", "ER918",
    ];
    answer.status == StatusCode::OK
        || (!answer.codes().is_empty()
            && answer.codes().iter().all(|c| LATER.contains(&c.as_str())))
}

/// The width in the header of a base64 PNG or JPEG.
fn image_width(data: &str) -> Option<u32> {
    let bytes = identity_document::runtime::decode_base64(data)?;
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.into_dimensions().ok().map(|(w, _)| w)
}

/// The codes of the required body fields that are missing or null, as a
/// sloppy implementation checks them (a body that is not an object lacks all).
fn missing_fields(body: Option<Value>) -> Vec<&'static str> {
    let body = body.filter(Value::is_object).unwrap_or_else(|| json!({}));
    [
        ("documentType", "ER067"),
        ("documentSide", "ER075"),
        ("data", "ER077"),
    ]
    .into_iter()
    .filter(|(field, _)| body.get(field).is_none_or(Value::is_null))
    .map(|(_, code)| code)
    .collect()
}
