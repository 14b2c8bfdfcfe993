//! The request log: one line per request with method, path, status,
//! latency and codes, and never a credential or image data. Its own test
//! binary, so that no other test touches tracing's callsites meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use identity_document::runtime::encode_base64;
use reference::Reference;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn post(router: &axum::Router, headers: &[(&str, String)], body: &Value) -> (u16, Value) {
    let mut req = Request::post("/api/v1/user/identity-document");
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap();
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn png(side: u32) -> Vec<u8> {
    let img = image::GrayImage::from_fn(side, side, |x, y| image::Luma([((x ^ y) % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn requests_are_logged_without_credentials_or_image_data() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let reference = Reference::temporary().unwrap();
    let p = reference.seed_demo().unwrap();
    let router = reference::router(Arc::new(reference));
    let side = u32::try_from(
        identity_document::constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS.isqrt(),
    )
    .unwrap();
    let image = png(side);
    let body = |side: &str, bytes: &[u8]| json!({"documentType": "Passport", "documentSide": side, "data": encode_base64(bytes)});
    let bearer = |t: &Option<String>| format!("Bearer {}", t.as_deref().unwrap());
    let user = ("user-authorization", bearer(&p.valid.user_token));
    let partner = ("authorization", bearer(&p.valid.partner_token));
    let (status, _) = post(
        &router,
        &[partner.clone(), user.clone()],
        &body("Front", &image),
    )
    .await;
    assert_eq!(status, 200);
    let wrong_key = format!("{}x", p.valid.api_key.as_deref().unwrap());
    let headers = [("x-api-key", wrong_key.clone()), user.clone()];
    let (_, answer) = post(&router, &headers, &body("Back", &image)).await;
    assert!(answer["errors"]["ER805"].is_object(), "{answer}");
    let mut corrupt = image.clone();
    let at = corrupt.len() / 2;
    corrupt.truncate(at);
    let (_, answer) = post(&router, &[partner, user], &body("Back", &corrupt)).await;
    assert!(answer["errors"]["ER918"].is_object(), "{answer}");

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("code=ER805"), "{logs}");
    assert!(logs.contains("code=ER918"), "{logs}");
    assert!(
        logs.contains("method=POST") && logs.contains("latency_ms="),
        "{logs}"
    );
    let secrets = [
        p.valid.partner_token.clone().unwrap(),
        p.valid.user_token.clone().unwrap(),
        p.valid.api_key.clone().unwrap(),
        wrong_key,
        p.valid.user_identifier.clone().unwrap(),
        encode_base64(&image)[..64].to_owned(),
    ];
    for secret in secrets {
        assert!(!logs.contains(&secret), "{secret} is in the logs:\n{logs}");
    }
}
