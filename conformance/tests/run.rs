//! The runner against tiny servers on 127.0.0.1: right answers pass, each
//! kind of wrong answer fails with the right check and a readable message,
//! hostile targets (slow, huge, reset, garbage) fail without hanging.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use common::*;
use conformance::case::{Body, CredentialSet, Expect, HeaderText, Profile};
use conformance::run::{RunOptions, Target, run};
use conformance::verdict::{CaseResult, Check, Failure, Outcome, Report};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

fn target(base_url: &str) -> Target {
    Target {
        base_url: base_url.to_string(),
        profile: Profile::from_entries([
            (CredentialSet::Valid, "partnerToken", "partner-1"),
            (CredentialSet::Valid, "userToken", "user-1"),
        ]),
    }
}

async fn run_one(base_url: &str, case: conformance::case::Case, opts: &RunOptions) -> CaseResult {
    let report = run(api(), &plan(vec![case]), &target(base_url), opts).await;
    assert_eq!(report.results.len(), 1);
    report.results.into_iter().next().unwrap()
}

/// The failures of a failed result (panics with the outcome otherwise).
#[track_caller]
fn failures(result: &CaseResult) -> &[Failure] {
    match &result.outcome {
        Outcome::Failed { failures, .. } => failures,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The single failure of a result, which must be of `check`.
#[track_caller]
fn only(result: &CaseResult, check: Check) -> &Failure {
    let f = failures(result);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].check, check, "{f:#?}");
    &f[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_success_passes_and_is_recorded() {
    let url = stub(|| json_answer(200, &user())).await;
    let r = run_one(&url, single("ok", success()), &options()).await;
    assert_eq!(r.outcome, Outcome::Passed);
    assert_eq!(r.exchanges.len(), 1);
    let x = &r.exchanges[0];
    assert_eq!(x.status, Some(200));
    assert!(
        x.response_excerpt.contains("\"firstName\":\"John\""),
        "{x:?}"
    );
    assert!(
        x.response_headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == "application/json"),
        "{x:?}"
    );
    assert_eq!(
        x.curl,
        format!(
            "curl -i -g -X 'POST' '{url}{PATH}' -H 'Content-Type: application/json' --data-binary '{{\"documentType\": \"Passport\"}}'"
        )
    );
    assert!(
        x.request_excerpt.starts_with(&format!(
            "POST {PATH}\nContent-Type: application/json\n\n{{"
        )),
        "{}",
        x.request_excerpt
    );
    assert_eq!(x.body_file, None);
}

/// The identity-document spec end to end: an error expectation with
/// credentials from the profile, against a stub that checks them and answers
/// the catalog's body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_document_error_end_to_end() {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new().route(
        PATH,
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let get = |n: &str| {
                    headers
                        .get(n)
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default()
                };
                record
                    .lock()
                    .unwrap()
                    .push((get("authorization"), get("user-authorization")));
                if get("authorization") != "Bearer partner-1" {
                    return json_answer(401, &error_body(&["ER802"]));
                }
                if get("user-authorization") != "Bearer user-1" {
                    return json_answer(401, &error_body(&["ER700"]));
                }
                let v: Value = serde_json::from_str(&body).unwrap_or(json!({}));
                let mut missing = Vec::new();
                if v.get("documentType").is_none() {
                    missing.push("ER067");
                }
                if v.get("documentSide").is_none() {
                    missing.push("ER075");
                }
                if v.get("data").is_none() {
                    missing.push("ER077");
                }
                answer(
                    400,
                    Some("application/json; charset=utf-8"),
                    serde_json::to_vec(&error_body(&missing)).unwrap(),
                )
            }
        }),
    );
    let url = serve(router).await;
    let mut req = request(PATH);
    req.headers = vec![
        (
            "Authorization".into(),
            credential(CredentialSet::Valid, "partnerToken", "Bearer "),
        ),
        (
            "User-Authorization".into(),
            credential(CredentialSet::Valid, "userToken", "Bearer "),
        ),
    ];
    req.body = Some(Body {
        content_type: "application/json".into(),
        bytes: br#"{"documentType": "Passport"}"#.to_vec(),
    });
    let c = case(
        "body.missing",
        vec![step(req.clone(), error(400, &["ER075", "ER077"]))],
    );
    let r = run_one(&url, c, &options()).await;
    assert_eq!(r.outcome, Outcome::Passed, "{:#?}", r.exchanges);
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![("Bearer partner-1".to_string(), "Bearer user-1".to_string())]
    );
    assert!(
        r.exchanges[0]
            .curl
            .contains("-H 'Authorization: Bearer partner-1'"),
        "{}",
        r.exchanges[0].curl
    );

    // The same stub, an expectation it does not meet: the report says which
    // codes were expected and which came.
    let c = case(
        "body.missing.wrong",
        vec![step(req, error(400, &["ER067", "ER075", "ER077"]))],
    );
    let r = run_one(&url, c, &options()).await;
    let f = only(&r, Check::ErrorCodes);
    assert_eq!(f.expected, "exactly the codes ER067, ER075, ER077");
    assert_eq!(f.actual, "the codes ER075, ER077");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_status() {
    let url = stub(|| json_answer(401, &error_body(&["ER802"]))).await;
    let r = run_one(
        &url,
        single("s", error(400, &["ER067", "ER075"])),
        &options(),
    )
    .await;
    let f = only(&r, Check::Status);
    assert_eq!(f.expected, "400 with exactly the codes ER067, ER075");
    assert_eq!(f.actual, "401 with the code ER802");
    assert_eq!(
        r.outcome,
        Outcome::Failed {
            step: 0,
            failures: vec![f.clone()]
        }
    );
    assert_eq!(r.exchanges[0].status, Some(401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_code_set() {
    let url = stub(|| json_answer(400, &error_body(&["ER067"]))).await;
    let r = run_one(
        &url,
        single("c", error(400, &["ER067", "ER075"])),
        &options(),
    )
    .await;
    let f = only(&r, Check::ErrorCodes);
    assert_eq!(f.expected, "exactly the codes ER067, ER075");
    assert_eq!(f.actual, "the code ER067");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_message() {
    let mut body = error_body(&["ER067"]);
    body["errors"]["ER067"]["message"] = json!("Document type missing.");
    let url = stub(move || json_answer(400, &body)).await;
    let r = run_one(&url, single("m", error(400, &["ER067"])), &options()).await;
    let f = only(&r, Check::ErrorText);
    assert_eq!(
        f.expected,
        "ER067 with the message \"No identity document type provided.\""
    );
    assert_eq!(
        f.actual,
        "ER067 with the message \"Document type missing.\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_content_type() {
    let url = stub(|| {
        answer(
            400,
            None,
            serde_json::to_vec(&error_body(&["ER067"])).unwrap(),
        )
    })
    .await;
    let r = run_one(&url, single("ct", error(400, &["ER067"])), &options()).await;
    let f = only(&r, Check::ContentType);
    assert_eq!(f.expected, "Content-Type application/json");
    assert_eq!(f.actual, "no Content-Type header");

    let url = stub(|| {
        answer(
            200,
            Some("text/plain"),
            serde_json::to_vec(&user()).unwrap(),
        )
    })
    .await;
    let r = run_one(&url, single("ct2", success()), &options()).await;
    let f = only(&r, Check::ContentType);
    assert_eq!(f.actual, "Content-Type text/plain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json() {
    let url = stub(|| answer(400, Some("application/json"), "{\"errors\": {\"ER067\": ")).await;
    let r = run_one(&url, single("j", error(400, &["ER067"])), &options()).await;
    let f = only(&r, Check::BodyJson);
    assert_eq!(f.expected, "a JSON body");
    assert!(
        f.actual
            .starts_with("a body that is not JSON (EOF while parsing"),
        "{}",
        f.actual
    );
    assert!(
        f.actual.ends_with("{\"errors\": {\"ER067\": "),
        "{}",
        f.actual
    );

    let url = stub(|| answer(200, Some("application/json"), Vec::new())).await;
    let r = run_one(&url, single("j2", success()), &options()).await;
    assert_eq!(only(&r, Check::BodyJson).actual, "an empty body");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_violating_the_schema() {
    let mut bad = user();
    bad["verificationLevel"]["id"] = json!("not-a-uuid");
    bad["firstName"] = json!(7);
    let url = stub(move || json_answer(200, &bad)).await;
    let r = run_one(&url, single("schema", success()), &options()).await;
    let f = only(&r, Check::BodySchema);
    assert_eq!(f.expected, "a body valid against the schema `User`");
    assert!(
        f.actual.contains("/firstName: 7 is not of type \"string\""),
        "{}",
        f.actual
    );
    assert!(
        f.actual
            .contains("/verificationLevel/id: \"not-a-uuid\" is not a \"uuid\""),
        "{}",
        f.actual
    );

    // An error body that is not the catalog's shape.
    let url = stub(|| json_answer(400, &json!({"error": "ER067"}))).await;
    let r = run_one(&url, single("schema2", error(400, &["ER067"])), &options()).await;
    let f = only(&r, Check::BodySchema);
    assert_eq!(
        f.expected,
        "an error body valid against the schema `ErrorResponse`"
    );
    assert!(
        f.actual
            .contains("(root): \"errors\" is a required property"),
        "{}",
        f.actual
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals() {
    let url = stub(|| answer(415, None, "")).await;
    let refusal = Expect::Refusal {
        statuses: vec![400],
        any_4xx: true,
    };
    let r = run_one(&url, single("r", refusal), &options()).await;
    assert_eq!(r.outcome, Outcome::Passed);
    let url = stub(|| json_answer(200, &user())).await;
    let refusal = Expect::Refusal {
        statuses: vec![400],
        any_4xx: true,
    };
    let r = run_one(&url, single("r2", refusal), &options()).await;
    let f = only(&r, Check::Status);
    assert_eq!(f.expected, "a refusal: 400 or any other 4xx status");
    assert_eq!(f.actual, "200");
}

fn short(timeout: u64) -> RunOptions {
    RunOptions {
        timeout: Duration::from_secs(timeout),
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_times_out() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await;
    let started = Instant::now();
    let r = run_one(&url, single("slow", success()), &short(1)).await;
    let elapsed = started.elapsed();
    let f = only(&r, Check::Transport);
    assert_eq!(f.actual, "no answer within 1 s (the timeout)");
    assert_eq!(f.expected, "a complete HTTP answer");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(r.exchanges[0].status, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_times_out() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"first")
            .await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let started = Instant::now();
    let r = run_one(&url, single("trickle", success()), &short(1)).await;
    let f = only(&r, Check::Transport);
    assert_eq!(
        f.actual,
        "the answer's body did not end within 1 s (the timeout)"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.exchanges[0].status, Some(200));
    assert_eq!(r.exchanges[0].response_excerpt, "{\"first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_streaming_body_is_cut_at_the_cap() {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let url = raw(move |mut s| {
        let counter = counter.clone();
        async move {
            let _ = read_request(&mut s).await;
            let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if s.write_all(head).await.is_err() {
                return;
            }
            let chunk = vec![b'a'; 16 * 1024];
            // Up to 1 GiB, far beyond the cap; stops when the client goes.
            for _ in 0..65536 {
                let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                frame.extend_from_slice(&chunk);
                frame.extend_from_slice(b"\r\n");
                if s.write_all(&frame).await.is_err() {
                    return;
                }
                counter.fetch_add(chunk.len(), Ordering::Relaxed);
            }
        }
    })
    .await;
    let opts = RunOptions {
        max_response_bytes: 100_000,
        ..short(10)
    };
    let r = run_one(&url, single("huge", success()), &opts).await;
    let f = only(&r, Check::Transport);
    assert_eq!(
        f.actual,
        "the answer's body is larger than the limit of 100000 bytes (reading stopped there)"
    );
    assert!(
        r.exchanges[0]
            .response_excerpt
            .ends_with("(100000 bytes in all)")
    );
    // The client stopped reading long before the server's gigabyte.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        sent.load(Ordering::Relaxed) < 64 * 1024 * 1024,
        "{}",
        sent.load(Ordering::Relaxed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_huge_body_is_refused_at_once() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000000\r\n\r\n[")
            .await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let r = run_one(&url, single("declared", success()), &short(10)).await;
    let f = only(&r, Check::Transport);
    assert_eq!(
        f.actual,
        "the answer's body is larger than the limit of 1048576 bytes (it declares 10000000000 bytes)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_without_answer() {
    let url = raw(|s| async move { drop(s) }).await;
    let r = run_one(&url, single("closed", success()), &short(5)).await;
    let f = only(&r, Check::Transport);
    assert!(f.actual.starts_with("the connection was "), "{}", f.actual);
    assert_eq!(r.exchanges[0].status, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        let _ = s.set_zero_linger();
        drop(s);
    })
    .await;
    let r = run_one(&url, single("reset", success()), &short(5)).await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual.starts_with("the connection was reset")
            || f.actual.starts_with("the connection was closed"),
        "{}",
        f.actual
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_instead_of_http() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        write_and_close(s, b"\x00\x01\xffgarbage that is not HTTP\r\n\r\n").await;
    })
    .await;
    let r = run_one(&url, single("garbage", success()), &short(5)).await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual.starts_with("the answer is not valid HTTP: "),
        "{}",
        f.actual
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = run_one(
        &format!("http://{addr}"),
        single("refused", success()),
        &short(5),
    )
    .await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual.starts_with("the connection was refused: "),
        "{}",
        f.actual
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsendable_requests_fail_without_a_request() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let url = stub(move || {
        h.fetch_add(1, Ordering::SeqCst);
        json_answer(200, &user())
    })
    .await;
    let mut req = request(PATH);
    req.headers.push((
        "X-Bad".into(),
        HeaderText::Literal("a\r\nInjected: yes".into()),
    ));
    let r = run_one(
        &url,
        case("bad.header", vec![step(req, success())]),
        &options(),
    )
    .await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual
            .starts_with("the value of the header `X-Bad` cannot be sent"),
        "{}",
        f.actual
    );
    let r = run_one("not a url", single("bad.url", success()), &options()).await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual
            .starts_with("the URL `not a url/api/v1/user/identity-document` is invalid"),
        "{}",
        f.actual
    );
    let r = run_one(
        "https://127.0.0.1:9",
        single("https", success()),
        &options(),
    )
    .await;
    let f = only(&r, Check::Transport);
    assert!(
        f.actual
            .contains("plain HTTP only (https needs a TLS feature"),
        "{}",
        f.actual
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

/// Counts requests in flight, remembering the most at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_run_concurrently_within_the_bound() {
    let flight = Arc::new(InFlight::default());
    let f = flight.clone();
    let router = axum::Router::new().fallback(move || {
        let f = f.clone();
        async move {
            let now = f.now.fetch_add(1, Ordering::SeqCst) + 1;
            f.max.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            f.now.fetch_sub(1, Ordering::SeqCst);
            f.total.fetch_add(1, Ordering::SeqCst);
            json_answer(200, &user())
        }
    });
    let url = serve(router).await;
    let cases = (0..20)
        .map(|i| single(&format!("c{i}"), success()))
        .collect();
    let opts = RunOptions {
        concurrency: 10,
        ..options()
    };
    let report = run(api(), &plan(cases), &target(&url), &opts).await;
    assert_eq!(report.passed(), 20, "{:#?}", report.results);
    assert_eq!(flight.total.load(Ordering::SeqCst), 20);
    let max = flight.max.load(Ordering::SeqCst);
    assert!(max >= 2, "at most {max} requests were in flight at once");
    assert!(max <= 10, "{max} requests in flight, above the bound of 10");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_one_is_sequential() {
    let flight = Arc::new(InFlight::default());
    let f = flight.clone();
    let router = axum::Router::new().fallback(move || {
        let f = f.clone();
        async move {
            let now = f.now.fetch_add(1, Ordering::SeqCst) + 1;
            f.max.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            f.now.fetch_sub(1, Ordering::SeqCst);
            json_answer(200, &user())
        }
    });
    let url = serve(router).await;
    let cases = (0..5)
        .map(|i| single(&format!("c{i}"), success()))
        .collect();
    let opts = RunOptions {
        concurrency: 1,
        ..options()
    };
    let report = run(api(), &plan(cases), &target(&url), &opts).await;
    assert_eq!(report.passed(), 5);
    assert_eq!(flight.max.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_keep_the_plan_order() {
    // Case i waits (5 - i) × 60 ms: later cases end first.
    let router = axum::Router::new().route(
        "/slow/{i}",
        axum::routing::post(
            |axum::extract::Path(i): axum::extract::Path<u64>| async move {
                tokio::time::sleep(Duration::from_millis((5 - i) * 60)).await;
                json_answer(200, &user())
            },
        ),
    );
    let url = serve(router).await;
    let cases: Vec<_> = (0..6)
        .map(|i| {
            case(
                &format!("c{i}"),
                vec![step(request(&format!("/slow/{i}")), success())],
            )
        })
        .collect();
    let ended: Arc<Mutex<Vec<String>>> = Arc::default();
    let e = ended.clone();
    let opts = RunOptions {
        concurrency: 6,
        on_result: Some(Arc::new(move |r: &CaseResult| {
            e.lock().unwrap().push(r.case.id.clone())
        })),
        ..options()
    };
    let p = plan(cases);
    let report = run(api(), &p, &target(&url), &opts).await;
    let ids: Vec<&str> = report.results.iter().map(|r| r.case.id.as_str()).collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4", "c5"]);
    assert_eq!(report.passed(), 6, "{:#?}", report.results);
    let mut ended = ended.lock().unwrap().clone();
    assert_eq!(ended.len(), 6);
    ended.sort();
    assert_eq!(ended, ids);
    // The report's frame.
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.title, p.title);
    assert_eq!(report.version, p.version);
    assert_eq!(report.seed, 7);
    assert_eq!(report.target, url);
    assert_eq!(report.coverage, p.coverage);
    assert!(report.duration_ms >= 250, "{}", report.duration_ms);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.duration_ms <= report.duration_ms)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_needing_missing_credentials_are_skipped() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let url = stub(move || {
        h.fetch_add(1, Ordering::SeqCst);
        json_answer(401, &error_body(&["ER801"]))
    })
    .await;
    let mut req = request(PATH);
    req.headers = vec![
        (
            "Authorization".into(),
            credential(CredentialSet::Expired, "partnerToken", "Bearer "),
        ),
        (
            "User-Authorization".into(),
            credential(CredentialSet::Valid, "userToken", "Bearer "),
        ),
    ];
    let expired = case(
        "auth.partnerToken.expired",
        vec![step(req.clone(), error(401, &["ER801"]))],
    );
    let mut both = req.clone();
    both.headers.push((
        "User-Identifier".into(),
        credential(CredentialSet::Gone, "userIdentifier", ""),
    ));
    let two = case("auth.two", vec![step(both, error(401, &["ER801"]))]);
    let report = run(
        api(),
        &plan(vec![expired.clone(), two]),
        &target(&url),
        &options(),
    )
    .await;
    assert_eq!(
        report.results[0].outcome,
        Outcome::Skipped {
            reason: "the profile has no `expired` credential for `partnerToken`".into()
        }
    );
    assert_eq!(
        report.results[1].outcome,
        Outcome::Skipped {
            reason: "the profile has no `expired` credential for `partnerToken`; the profile has no `gone` credential for `userIdentifier`".into()
        }
    );
    assert!(report.results.iter().all(|r| r.exchanges.is_empty()));
    assert_eq!(report.skipped(), 2);
    assert!(report.conformant());
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // With the credential, it runs and passes.
    let mut t = target(&url);
    t.profile
        .credentials
        .entry(CredentialSet::Expired)
        .or_default()
        .insert("partnerToken".into(), "old".into());
    let report = run(api(), &plan(vec![expired]), &t, &options()).await;
    assert_eq!(report.results[0].outcome, Outcome::Passed);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_run_in_order_and_stop_at_the_first_failure() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let s = s.clone();
        async move {
            s.lock().unwrap().push(uri.path().to_string());
            if uri.path().starts_with("/fail") {
                json_answer(409, &error_body(&["ER708"]))
            } else {
                json_answer(200, &user())
            }
        }
    });
    let url = serve(router).await;
    let steps =
        |paths: &[&str]| -> Vec<_> { paths.iter().map(|p| step(request(p), success())).collect() };
    let ok = case("seq.ok", steps(&["/a", "/b", "/c"]));
    let report = run(api(), &plan(vec![ok]), &target(&url), &options()).await;
    assert_eq!(report.results[0].outcome, Outcome::Passed);
    assert_eq!(report.results[0].exchanges.len(), 3);
    assert_eq!(seen.lock().unwrap().clone(), ["/a", "/b", "/c"]);

    seen.lock().unwrap().clear();
    let failing = case("seq.fail", steps(&["/a", "/fail", "/c"]));
    let report = run(api(), &plan(vec![failing]), &target(&url), &options()).await;
    let r = &report.results[0];
    match &r.outcome {
        Outcome::Failed { step, failures } => {
            assert_eq!(*step, 1);
            assert_eq!(failures[0].check, Check::Status);
            assert_eq!(failures[0].actual, "409 with the code ER708");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.exchanges.len(), 2);
    assert_eq!(seen.lock().unwrap().clone(), ["/a", "/fail"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_go_to_files() {
    let received: Arc<Mutex<Vec<usize>>> = Arc::default();
    let r = received.clone();
    let router = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let r = r.clone();
        async move {
            r.lock().unwrap().push(body.len());
            json_answer(200, &user())
        }
    });
    let url = serve(router).await;
    let big: Vec<u8> = format!("{{\"data\": \"{}\"}}", "QUJD".repeat(2000)).into_bytes();
    let mut req = request(PATH);
    req.body = Some(Body {
        content_type: "application/json".into(),
        bytes: big.clone(),
    });
    let c = case("file.big/one", vec![step(req, success())]);
    let dir = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        body_dir: Some(dir.path().join("bodies")),
        ..options()
    };
    let report = run(api(), &plan(vec![c.clone()]), &target(&url), &opts).await;
    let x = &report.results[0].exchanges[0];
    assert_eq!(report.results[0].outcome, Outcome::Passed);
    let path = dir.path().join("bodies").join("file.big_one.0.body");
    assert_eq!(x.body_file.as_deref(), Some(path.to_str().unwrap()));
    assert_eq!(std::fs::read(&path).unwrap(), big);
    assert!(
        x.curl
            .ends_with(&format!("--data-binary '@{}'", path.display())),
        "{}",
        x.curl
    );
    assert!(
        x.request_excerpt.len() <= 2200,
        "{}",
        x.request_excerpt.len()
    );
    assert!(
        x.request_excerpt
            .ends_with(&format!("({} bytes in all)", big.len())),
        "{}",
        x.request_excerpt
    );
    assert_eq!(received.lock().unwrap().clone(), [big.len()]);

    // Without a body directory: a placeholder, said so.
    let report = run(api(), &plan(vec![c]), &target(&url), &options()).await;
    let x = &report.results[0].exchanges[0];
    assert_eq!(x.body_file, None);
    assert!(
        x.curl
            .contains("--data-binary @BODY_FILE  # the 8012-byte body was not saved"),
        "{}",
        x.curl
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_hostile_targets_in_one_run_never_hang() {
    // Every way to misbehave at once, in one plan with small bounds.
    let url = raw(|mut s| async move {
        let req = read_request(&mut s).await;
        let text = String::from_utf8_lossy(&req).to_string();
        let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
        match path.as_str() {
            "/hang" => tokio::time::sleep(Duration::from_secs(60)).await,
            "/garbage" => write_and_close(s, b"\xde\xad\xbe\xef\r\n\r\n").await,
            "/reset" => {
                let _ = s.set_zero_linger();
                drop(s);
            }
            "/flood" => {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n").await;
                let chunk = vec![b'['; 64 * 1024];
                for _ in 0..100_000 {
                    if s.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
            }
            "/headers" => {
                let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
                for i in 0..10_000 {
                    head.extend_from_slice(format!("x-h{i}: {}\r\n", "v".repeat(100)).as_bytes());
                }
                write_and_close(s, &head).await;
            }
            _ => {
                write_and_close(s, b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}").await;
            }
        }
    })
    .await;
    let paths = ["/hang", "/garbage", "/reset", "/flood", "/headers", "/fine"];
    let cases = paths
        .iter()
        .map(|p| case(p.trim_start_matches('/'), vec![step(request(p), success())]))
        .collect();
    let opts = RunOptions {
        timeout: Duration::from_secs(2),
        max_response_bytes: 256 * 1024,
        concurrency: 3,
        ..RunOptions::default()
    };
    let started = Instant::now();
    let report: Report = run(api(), &plan(cases), &target(&url), &opts).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    for r in &report.results[..5] {
        let f = failures(r);
        assert_eq!(f[0].check, Check::Transport, "{}: {f:?}", r.case.id);
        assert!(!f[0].actual.is_empty());
    }
    // `{}` is a valid `User`.
    assert_eq!(
        report.results[5].outcome,
        Outcome::Passed,
        "{:?}",
        report.results[5]
    );
}

#[test]
fn the_run_future_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let p = plan(vec![]);
    let t = target("http://127.0.0.1:9");
    let opts = options();
    let future = run(api(), &p, &t, &opts);
    assert_send(&future);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_plan_gives_an_empty_report() {
    let report = run(
        api(),
        &plan(vec![]),
        &target("http://127.0.0.1:9"),
        &options(),
    )
    .await;
    assert!(report.results.is_empty());
    assert!(report.conformant());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_utf8_headers_and_bodies_are_read_lossily() {
    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        let body = serde_json::to_vec(&error_body(&["ER067"])).unwrap();
        let mut out = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-odd: caf",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(b"\xe9\xff\r\n\r\n");
        out.extend_from_slice(&body);
        write_and_close(s, &out).await;
    })
    .await;
    let r = run_one(&url, single("odd", error(400, &["ER067"])), &options()).await;
    assert_eq!(r.outcome, Outcome::Passed, "{r:#?}");
    let headers = &r.exchanges[0].response_headers;
    assert!(
        headers.contains(&("x-odd".to_string(), "caf\u{fffd}\u{fffd}".to_string())),
        "{headers:?}"
    );

    let url = raw(|mut s| async move {
        let _ = read_request(&mut s).await;
        write_and_close(
            s,
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4\r\n\r\n\xff\xfe\x00\x01",
        )
        .await;
    })
    .await;
    let r = run_one(&url, single("binary", success()), &options()).await;
    let f = only(&r, Check::BodyJson);
    assert!(
        f.actual.starts_with("a body that is not JSON"),
        "{}",
        f.actual
    );
    assert_eq!(
        r.exchanges[0].response_excerpt,
        "\u{fffd}\u{fffd}\u{0}\u{1}"
    );
}
