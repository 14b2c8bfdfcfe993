//! Shared helpers of the generated crate's tests: the spec read at test
//! time, a recording stub of `Api`, request builders, response readers and
//! builders of PNG and JPEG headers.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use identity_document::catalog::ErrorCode;
use identity_document::models::User;
use identity_document::runtime::{crc32, encode_base64};
use identity_document::server::{
    Auth, Identity, Refusal, Scheme, UploadIdentityDocumentInput, UploadIdentityDocumentResponse,
};
use serde_json::{Value, json};
use tower::ServiceExt;

// ---------------------------------------------------------------------------
// the spec
// ---------------------------------------------------------------------------

pub const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/identity-document.yaml"
);

/// The spec, read once with serde_yaml and held as JSON.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC_PATH).expect("read the spec");
        serde_yaml::from_str::<Value>(&text).expect("the spec is YAML")
    })
}

/// The value a local `$ref` ("#/a/b") points at.
pub fn resolve(reference: &str) -> &'static Value {
    let pointer = reference.strip_prefix('#').expect("a local $ref");
    spec()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} resolves"))
}

/// `v` itself, or what its `$ref` points at.
pub fn deref(v: &'static Value) -> &'static Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(resolve(r)),
        None => v,
    }
}

/// The schema of the header parameter named `name` (found by its `name`, not
/// by its key under `components.parameters`).
pub fn header_parameter_schema(name: &str) -> &'static Value {
    spec()["components"]["parameters"]
        .as_object()
        .expect("components.parameters")
        .values()
        .map(deref)
        .find(|p| p["in"] == "header" && p["name"].as_str() == Some(name))
        .map(|p| &p["schema"])
        .unwrap_or_else(|| panic!("a header parameter {name}"))
}

/// minLength and maxLength of the `User-Identifier` header, from the spec.
pub fn identifier_lengths() -> (usize, usize) {
    let schema = header_parameter_schema("User-Identifier");
    let n = |k: &str| usize::try_from(schema[k].as_u64().expect(k)).expect(k);
    (n("minLength"), n("maxLength"))
}

/// A well-formed user identifier: `len` copies of `c` (an ASCII letter or digit).
pub fn identifier(c: char, len: usize) -> String {
    assert!(c.is_ascii_alphanumeric());
    std::iter::repeat_n(c, len).collect()
}

/// The shortest well-formed identifier of user A (linked to A in the stub).
pub fn id_a() -> String {
    identifier('a', identifier_lengths().0)
}
/// The shortest well-formed identifier of user B.
pub fn id_b() -> String {
    identifier('b', identifier_lengths().0)
}
/// The shortest well-formed identifier of user D, who is deleted.
pub fn id_deleted() -> String {
    identifier('d', identifier_lengths().0)
}
/// Well formed but linked to no user.
pub fn id_unknown() -> String {
    identifier('u', identifier_lengths().0)
}

/// The `data` example of the upload schema (the seed's example).
pub fn data_example() -> &'static str {
    spec()["components"]["schemas"]["IdentityDocumentUpload"]["properties"]["data"]["example"]
        .as_str()
        .unwrap()
}

/// Non-canonical spellings of base64, each with why.
pub fn non_canonical_base64() -> Vec<(&'static str, String)> {
    let text = data_example();
    vec![
        ("missing padding", text.trim_end_matches('=').to_owned()),
        ("extra padding", format!("{text}=")),
        ("url-safe alphabet", "-_8=".to_owned()), // standard: "+/8=" (FB FF)
        ("url-safe alphabet, unpadded", "-_8".to_owned()),
        ("inner space", format!("{} {}", &text[..4], &text[4..])),
        ("inner newline", format!("{}\n{}", &text[..4], &text[4..])),
        ("trailing newline", format!("{text}\n")),
        ("leading space", format!(" {text}")),
        (
            "MIME line break",
            format!("{}\r\n{}", &text[..4], &text[4..]),
        ),
        ("data: URL prefix", format!("data:image/png;base64,{text}")),
        (
            "non-zero unused bits (one pad)",
            text.replace("vayE=", "vayF="),
        ),
        ("non-zero unused bits (two pads)", "QR==".to_owned()),
        ("padding inside", "QQ==QQ==".to_owned()),
        ("only padding", "====".to_owned()),
        ("three pads", "Q===".to_owned()),
        ("not base64 at all", "not base64!".to_owned()),
    ]
}

// ---------------------------------------------------------------------------
// the stub implementation
// ---------------------------------------------------------------------------

pub const PARTNER: &str = "partner";
pub const KEY_OWNER: &str = "key-owner";
pub const USER_A: &str = "A";
pub const USER_B: &str = "B";
pub const USER_D: &str = "D";

type Verdict = Result<Identity<String>, Refusal>;

fn ok(subject: &str, gone: bool) -> Verdict {
    Ok(Identity {
        subject: subject.to_owned(),
        gone,
    })
}

/// One call of `upload_identity_document`.
#[derive(Debug, Clone)]
pub struct Call {
    pub auth: Auth<String>,
    pub input: UploadIdentityDocumentInput,
}

/// An `Api` with fixed credentials that records what reaches it.
#[derive(Debug)]
pub struct Stub {
    pub credentials: HashMap<(Scheme, String), Verdict>,
    /// Every `authenticate` call, in order.
    pub authenticated: Mutex<Vec<(Scheme, String)>>,
    /// Every `upload_identity_document` call, in order.
    pub calls: Mutex<Vec<Call>>,
    /// The answer of `upload_identity_document` (default: 200 with an empty user).
    pub answer: Mutex<Option<UploadIdentityDocumentResponse>>,
}

impl Default for Stub {
    fn default() -> Self {
        let mut credentials = HashMap::new();
        let mut add = |scheme, credential: &str, verdict| {
            credentials.insert((scheme, credential.to_owned()), verdict);
        };
        add(Scheme::PartnerToken, "partner-ok", ok(PARTNER, false));
        add(
            Scheme::PartnerToken,
            "partner-expired",
            Err(Refusal::Expired),
        );
        add(
            Scheme::PartnerToken,
            "partner-malformed",
            Err(Refusal::Malformed),
        );
        add(Scheme::ApiKey, "key-ok", ok(KEY_OWNER, false));
        add(Scheme::UserToken, "user-a", ok(USER_A, false));
        add(Scheme::UserToken, "user-b", ok(USER_B, false));
        add(Scheme::UserToken, "user-deleted", ok(USER_D, true));
        add(Scheme::UserToken, "user-expired", Err(Refusal::Expired));
        add(Scheme::UserToken, "user-malformed", Err(Refusal::Malformed));
        add(Scheme::UserIdentifier, &id_a(), ok(USER_A, false));
        add(Scheme::UserIdentifier, &id_b(), ok(USER_B, false));
        add(Scheme::UserIdentifier, &id_deleted(), ok(USER_D, true));
        Self {
            credentials,
            authenticated: Mutex::default(),
            calls: Mutex::default(),
            answer: Mutex::default(),
        }
    }
}

impl Stub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The default stub, plus `credential` of `scheme` naming `subject`.
    pub fn with(scheme: Scheme, credential: &str, subject: &str) -> Arc<Self> {
        let mut stub = Self::default();
        stub.credentials
            .insert((scheme, credential.to_owned()), ok(subject, false));
        Arc::new(stub)
    }

    /// The default stub, answering `answer` to every upload.
    pub fn answering(answer: UploadIdentityDocumentResponse) -> Arc<Self> {
        let stub = Self::default();
        *stub.answer.lock().unwrap() = Some(answer);
        Arc::new(stub)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn authenticated(&self) -> Vec<(Scheme, String)> {
        self.authenticated.lock().unwrap().clone()
    }

    /// The only call that reached the implementation.
    pub fn only_call(&self) -> Call {
        let calls = self.calls();
        assert_eq!(
            calls.len(),
            1,
            "exactly one call reached the implementation"
        );
        calls.into_iter().next().unwrap()
    }
}

impl identity_document::Api for Stub {
    type Subject = String;

    async fn authenticate(&self, scheme: Scheme, credential: &str) -> Verdict {
        self.authenticated
            .lock()
            .unwrap()
            .push((scheme, credential.to_owned()));
        self.credentials
            .get(&(scheme, credential.to_owned()))
            .cloned()
            .unwrap_or(Err(Refusal::Unknown))
    }

    async fn upload_identity_document(
        &self,
        auth: Auth<String>,
        input: UploadIdentityDocumentInput,
    ) -> UploadIdentityDocumentResponse {
        self.calls.lock().unwrap().push(Call { auth, input });
        self.answer
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| UploadIdentityDocumentResponse::Ok(User::default()))
    }
}

// ---------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------

pub const PATH: &str = "/api/v1/user/identity-document";

/// A request under construction.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Req {
    /// `POST` to the endpoint with no header at all.
    pub fn bare(body: impl Into<Vec<u8>>) -> Self {
        Self {
            method: "POST",
            path: PATH.to_owned(),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// `POST` with a valid partner token, user token and JSON content type.
    pub fn authed(body: impl Into<Vec<u8>>) -> Self {
        Self::bare(body)
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer partner-ok")
            .header("User-Authorization", "Bearer user-a")
    }

    /// Adds a header (repeated names are sent repeated).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Removes every header called `name` (case-insensitive).
    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// Replaces the headers called `name` by one with `value`.
    pub fn set(self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.without(name).header(name, value)
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    pub fn path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.path);
        self
    }

    pub fn build(self) -> Request<Body> {
        let mut builder = Request::builder().method(self.method).uri(self.path);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body)).unwrap()
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The codes of an error body (`errors` keys), or the empty set when the
    /// body has no `errors` object.
    pub fn codes(&self) -> BTreeSet<String> {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("errors").and_then(Value::as_object).cloned())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Asserts a 200 answer.
    pub fn assert_ok(&self) {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200, got body {}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// Asserts an error answer with exactly `codes` (in any order), the
    /// catalog's status, and each entry equal to the catalog's.
    pub fn assert_error(&self, codes: &[ErrorCode]) {
        assert!(!codes.is_empty());
        let expected: BTreeSet<String> = codes.iter().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(
            self.codes(),
            expected,
            "codes (status {}, body {})",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        let status = codes[0].status();
        assert!(
            codes.iter().all(|c| c.status() == status),
            "one status for all codes"
        );
        assert_eq!(self.status.as_u16(), status, "status of {codes:?}");
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        let body = self.json();
        let top: Vec<&String> = body.as_object().expect("an object").keys().collect();
        assert_eq!(top, ["errors"], "the body holds only `errors`");
        for code in codes {
            assert_eq!(
                body["errors"][code.as_str()],
                json!({
                    "code": code.as_str(),
                    "message": code.message(),
                    "solution": code.solution(),
                }),
                "entry of {code}"
            );
        }
    }
}

/// Sends `req` through a fresh router on `stub` (no socket).
pub async fn send(stub: &Arc<Stub>, req: Req) -> Answer {
    send_request(stub, req.build()).await
}

pub async fn send_request(stub: &Arc<Stub>, req: Request<Body>) -> Answer {
    let response = identity_document::router(Arc::clone(stub))
        .oneshot(req)
        .await
        .expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("read the body").to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.to_vec(),
    }
}

// ---------------------------------------------------------------------------
// bodies
// ---------------------------------------------------------------------------

/// The upload body for `data` as given (already base64 text).
pub fn upload(document_type: &str, document_side: &str, data: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "documentType": document_type,
        "documentSide": document_side,
        "data": data,
    }))
    .unwrap()
}

/// The upload body carrying `bytes`, base64-encoded.
pub fn upload_bytes(document_type: &str, document_side: &str, bytes: &[u8]) -> Vec<u8> {
    upload(document_type, document_side, &encode_base64(bytes))
}

/// An upload of a Passport front (no orientation rule applies) carrying `bytes`.
pub fn passport(bytes: &[u8]) -> Vec<u8> {
    upload_bytes("Passport", "Front", bytes)
}

// ---------------------------------------------------------------------------
// image headers
// ---------------------------------------------------------------------------

pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// A PNG chunk: length, type, data, CRC of type and data.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// IHDR data: width, height, bit depth 8, colour type 2 (truecolour).
pub fn ihdr(width: u32, height: u32) -> Vec<u8> {
    let mut data = width.to_be_bytes().to_vec();
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 2, 0, 0, 0]);
    data
}

/// Signature, an IHDR of `width` x `height` with a correct CRC, an IDAT with
/// arbitrary bytes and IEND: a readable header, not a decodable image.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr(width, height)));
    out.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x01, 0x02, 0x03]));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A JPEG segment: marker and its length-prefixed payload.
pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// SOF payload: precision 8, height, width, three components.
pub fn sof_payload(width: u16, height: u16) -> Vec<u8> {
    let mut p = vec![8];
    p.extend_from_slice(&height.to_be_bytes());
    p.extend_from_slice(&width.to_be_bytes());
    p.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    p
}

/// SOI, APP0 (JFIF), SOF0 of `width` x `height`, SOS with arbitrary bytes, EOI.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    jpeg_with_sof(0xC0, width, height)
}

/// [`jpeg`] with another SOFn marker.
pub fn jpeg_with_sof(sof: u8, width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend(jpeg_segment(
        0xE0,
        &[b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
    ));
    out.extend(jpeg_segment(sof, &sof_payload(width, height)));
    out.extend(jpeg_segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    out.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    out
}

/// An image of `width` x `height` in `format` ("png" or "jpeg").
pub fn image(format: &str, width: u64, height: u64) -> Vec<u8> {
    match format {
        "png" => png(
            u32::try_from(width).unwrap(),
            u32::try_from(height).unwrap(),
        ),
        "jpeg" => jpeg(
            u16::try_from(width).unwrap(),
            u16::try_from(height).unwrap(),
        ),
        other => panic!("no builder for {other}"),
    }
}

pub const FORMATS: [&str; 2] = ["png", "jpeg"];
