//! A test double: the real reference implementation (fresh temporary
//! database, demo data) behind an in-process proxy on 127.0.0.1 that breaks
//! exactly one rule of the spec (see [`Bug`]). Everything the bug does not
//! touch is answered by the reference itself, so a double is otherwise
//! conformant.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, request};
use axum::response::{IntoResponse, Response};
use identity_document::catalog::ErrorCode;
use reference::Reference;
use serde_json::Value;
use tower::ServiceExt as _;

use super::bugs::Bug;

/// Largest request body the proxy buffers (the plan's largest is about 7 MB).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A running double, stopped when dropped.
pub struct Double {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The reference's demo credentials, as the runner reads them.
    pub profile: conformance::case::Profile,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _reference: Arc<Reference>,
}

impl Drop for Double {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Double {
    /// Starts the reference behind a proxy with `bug` (none: a transparent
    /// proxy, for the control run). Must run inside a tokio runtime.
    pub async fn start(bug: Option<Bug>) -> Double {
        let reference = Reference::temporary().expect("a temporary reference");
        let demo = reference.seed_demo().expect("the demo data");
        let profile = conformance::case::Profile::from_toml(&demo.to_toml())
            .expect("the reference's profile reads as a conformance profile");
        let reference = Arc::new(reference);
        let proxy = Arc::new(Proxy {
            inner: reference::router(reference.clone()),
            bug,
            valid_partner_token: demo.valid.partner_token.clone().unwrap_or_default(),
            last_success: Mutex::new(None),
        });
        let app = Router::new().fallback(handle).with_state(proxy);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("the bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Double {
            url: format!("http://{address}"),
            profile,
            stop: Some(stop),
            _reference: reference,
        }
    }
}

/// A request as the proxy received it: head and whole body.
#[derive(Debug, Clone)]
pub struct Sent {
    pub parts: request::Parts,
    pub body: Vec<u8>,
}

impl Sent {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.parts.headers.contains_key(name)
    }

    pub fn remove_header(&mut self, name: &str) {
        self.parts.headers.remove(name);
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Replaces the body (Content-Length follows).
    pub fn set_json(&mut self, value: &Value) {
        self.body = serde_json::to_vec(value).expect("JSON serializes");
        self.parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
    }

    /// The `data` field of a JSON object body, if it is a string.
    pub fn data(&self) -> Option<String> {
        self.json()?.get("data")?.as_str().map(str::to_owned)
    }
}

/// An answer: status, headers and whole body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The spec's error answer for `codes` (status of the first), as the
    /// generated crate writes it.
    pub fn error(codes: &[&str]) -> Answer {
        let entries: Vec<_> = codes
            .iter()
            .map(|c| {
                ErrorCode::from_code(c)
                    .unwrap_or_else(|| panic!("{c} is in the catalog"))
                    .entry()
            })
            .collect();
        let status = entries
            .first()
            .and_then(|e| StatusCode::from_u16(e.status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Answer {
            status,
            headers,
            body: identity_document::runtime::error_body(&entries)
                .to_string()
                .into_bytes(),
        }
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Replaces the body with `value`.
    pub fn set_json(&mut self, value: &Value) {
        self.body = serde_json::to_vec(value).expect("JSON serializes");
        self.headers.remove(CONTENT_LENGTH);
    }

    /// The codes of an error body, in the body's order.
    pub fn codes(&self) -> Vec<String> {
        self.json()
            .and_then(|v| {
                v.get("errors")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
            })
            .unwrap_or_default()
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.codes().iter().any(|c| c == code)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response.headers_mut().remove(CONTENT_LENGTH);
        response
    }
}

/// The proxy's state: the reference's router and the bug.
pub struct Proxy {
    inner: Router,
    bug: Option<Bug>,
    /// For doubles that retry with a good credential.
    pub valid_partner_token: String,
    /// The last 200 answer, for doubles that replay one.
    pub last_success: Mutex<Option<Answer>>,
}

impl Proxy {
    /// Sends `sent` to the reference, in-process.
    pub async fn forward(&self, sent: &Sent) -> Answer {
        let request = Request::from_parts(sent.parts.clone(), Body::from(sent.body.clone()));
        let response = match self.inner.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .expect("the reference's answer is readable")
            .to_vec();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let mut sent = Sent {
        parts,
        body: body.to_vec(),
    };
    let Some(bug) = proxy.bug else {
        return proxy.forward(&sent).await.into_response();
    };
    if let Some(answer) = bug.before(&mut sent) {
        return answer.into_response();
    }
    let answer = proxy.forward(&sent).await;
    bug.after(&proxy, &sent, answer).await.into_response()
}
