//! The HTTP side: the generated router with the reference's layers, and a
//! server with graceful shutdown.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;
use identity_document::catalog::{ErrorCode, error_response};
use identity_document::constraints::UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;

use crate::Reference;

/// Largest response body the request log reads to find its error codes
/// (error bodies are a few hundred bytes).
const MAX_LOGGED_BODY: u64 = 64 * 1024;

/// The generated router of the spec, serving `reference`, with the
/// reference's layers (see [`layer`]).
pub fn router(reference: Arc<Reference>) -> axum::Router {
    layer(identity_document::router(reference))
}

/// Wrap `router` in the reference's layers: a panic in a handler answers
/// the catalog's fallback (ER999, 500) and is logged; request bodies wait
/// for room in a shared budget before they are read (see [`BODY_BUDGET_KIB`]);
/// every request is logged once (method, path, status, latency, error
/// codes), never with its headers or body.
pub fn layer(router: axum::Router) -> axum::Router {
    let budget = Arc::new(Semaphore::new(BODY_BUDGET_KIB as usize));
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(budget, within_budget))
        .layer(axum::middleware::from_fn(log_request))
}

/// The request bodies all requests in flight may announce together, in KiB.
/// A request takes its Content-Length (the router's bound when it announces
/// none, nothing when it announces more than the bound, which the router
/// refuses unread) and waits until that much is free, so the memory that
/// buffered bodies and their decoded copies take is bounded whatever the
/// number of clients.
pub const BODY_BUDGET_KIB: u32 = 64 * 1024;

async fn within_budget(
    State(budget): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let bound = UPLOAD_IDENTITY_DOCUMENT_MAX_BODY_BYTES as u64;
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let bytes = match announced {
        Some(n) if n > bound => 0,
        Some(n) => n,
        None if request.body().size_hint().exact() == Some(0) => 0,
        None => bound,
    };
    let kib = u32::try_from(bytes.div_ceil(1024))
        .unwrap_or(BODY_BUDGET_KIB)
        .clamp(1, BODY_BUDGET_KIB);
    let Ok(_permit) = budget.acquire_many(kib).await else {
        tracing::error!("the body budget is closed");
        return error_response(&[ErrorCode::ER999]);
    };
    next.run(request).await
}

/// Serve `router` on `listener` until `shutdown` completes, then stop
/// accepting and let requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    tracing::error!(panic = %message, "a handler panicked");
    error_response(&[ErrorCode::ER999])
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let latency = started.elapsed();
    let status = response.status();
    let (response, codes) = error_codes(response).await;
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::warn!(%method, %path, status = status.as_u16(), latency_ms, code = %codes, "request");
    } else {
        tracing::info!(%method, %path, status = status.as_u16(), latency_ms, code = %codes, "request");
    }
    response
}

/// The codes of an error body (`{"errors": {"ER..": ..}}`), comma-separated,
/// and the response with its body restored.
async fn error_codes(response: Response) -> (Response, String) {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_LOGGED_BODY);
    if response.status().is_success() || !is_json || !small {
        return (response, String::new());
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::try_from(MAX_LOGGED_BODY).unwrap_or(0)).await
    else {
        tracing::error!("an error body could not be read for the log");
        return (error_response(&[ErrorCode::ER999]), String::new());
    };
    let codes = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            v.get("errors")
                .and_then(serde_json::Value::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>().join(","))
        })
        .unwrap_or_default();
    (Response::from_parts(parts, Body::from(bytes)), codes)
}
