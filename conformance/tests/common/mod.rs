//! Helpers of the runner tests: hand-built plans, and tiny servers on
//! 127.0.0.1 that answer right, wrong, slowly, hugely or not at all.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::http::StatusCode;
use axum::response::Response;
use conformance::case::{
    Body, Case, CodeCoverage, Coverage, Credential, CredentialSet, Expect, HeaderText, Plan,
    Request, Rule, Step,
};
use conformance::run::RunOptions;
use serde_json::{Value, json};
use spec::ir::Api;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const OP: &str = "POST /api/v1/user/identity-document";
pub const PATH: &str = "/api/v1/user/identity-document";

/// The identity-document spec's IR, loaded once.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/identity-document.yaml"))
            .unwrap()
    })
}

pub fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub fn request(path: &str) -> Request {
    Request {
        method: "POST".into(),
        path: path.into(),
        headers: Vec::new(),
        body: Some(Body {
            content_type: "application/json".into(),
            bytes: br#"{"documentType": "Passport"}"#.to_vec(),
        }),
    }
}

pub fn credential(set: CredentialSet, scheme: &str, prefix: &str) -> HeaderText {
    HeaderText::Credential(Credential {
        set,
        scheme: scheme.into(),
        prefix: prefix.into(),
    })
}

pub fn step(request: Request, expect: Expect) -> Step {
    Step { request, expect }
}

pub fn case(id: &str, steps: Vec<Step>) -> Case {
    Case {
        id: id.into(),
        title: format!("the case {id}"),
        operation: OP.into(),
        rule: Rule {
            name: format!("rule of {id}"),
            origin: "spec/identity-document.yaml#/paths".into(),
        },
        steps,
    }
}

/// A one-step case on the operation's path.
pub fn single(id: &str, expect: Expect) -> Case {
    case(id, vec![step(request(PATH), expect)])
}

pub fn error(status: u16, list: &[&str]) -> Expect {
    Expect::Error {
        status,
        codes: codes(list),
    }
}

pub fn success() -> Expect {
    Expect::Success {
        statuses: vec![200],
    }
}

pub fn plan(cases: Vec<Case>) -> Plan {
    Plan {
        title: api().title.clone(),
        version: api().version.clone(),
        seed: 7,
        cases,
        coverage: vec![CodeCoverage {
            code: "ER067".into(),
            status: 400,
            message: "No identity document type provided.".into(),
            verdict: Coverage::NotCovered,
        }],
    }
}

/// Options for tests: a short timeout, so nothing waits long.
pub fn options() -> RunOptions {
    RunOptions {
        timeout: Duration::from_secs(5),
        ..RunOptions::default()
    }
}

/// The catalog's error body for `list`.
pub fn error_body(list: &[&str]) -> Value {
    let catalog = api().errors.as_ref().unwrap();
    let mut errors = serde_json::Map::new();
    for c in list {
        let e = catalog.get(c).unwrap();
        errors.insert(
            c.to_string(),
            json!({"code": c, "message": e.message, "solution": e.solution}),
        );
    }
    json!({ "errors": errors })
}

/// A valid `User`.
pub fn user() -> Value {
    json!({
        "firstName": "John",
        "registrationDate": "2019-01-01T14:13:55Z",
        "verificationLevel": {
            "id": "a1b2c3d4-0003-4000-8000-000000000003",
            "level": "hero",
            "buyLimit": {"amount": 3000, "currencyCode": "EUR"},
            "sellLimit": {"amount": 3000, "currencyCode": "EUR"}
        }
    })
}

/// An answer with this status, content type (if any) and body.
pub fn answer(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Response {
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap());
    if let Some(t) = content_type {
        b = b.header("content-type", t);
    }
    b.body(AxumBody::from(body.into())).unwrap()
}

pub fn json_answer(status: u16, body: &Value) -> Response {
    answer(
        status,
        Some("application/json"),
        serde_json::to_vec(body).unwrap(),
    )
}

/// Serves `router` on 127.0.0.1; returns the base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// Serves the same answer to every request.
pub async fn stub(make: impl Fn() -> Response + Clone + Send + Sync + 'static) -> String {
    let router = axum::Router::new().fallback(move || {
        let make = make.clone();
        async move { make() }
    });
    serve(router).await
}

/// Accepts connections on 127.0.0.1 and hands each to `handle`.
pub async fn raw<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    format!("http://{addr}")
}

/// Reads one request (head and a `Content-Length` body) from `stream`.
pub async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let head_end = data.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                return data;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return data,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `bytes` and closes the connection.
pub async fn write_and_close(mut stream: TcpStream, bytes: &[u8]) {
    let _ = stream.write_all(bytes).await;
    let _ = stream.shutdown().await;
}
