//! The runner: sends every case of a plan to a target over HTTP, checks
//! each answer, and gathers a [`Report`].
//!
//! Cases run concurrently (at most [`RunOptions::concurrency`] at a time);
//! the steps of one case run in order, and a failed step ends its case.
//! Every request is bounded in time (the timeout covers connecting, sending
//! and reading the whole body) and in size (the body is read chunk by chunk
//! up to [`RunOptions::max_response_bytes`]), so a target that hangs,
//! floods, resets or answers garbage fails cases with a reason, never hangs
//! the run.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use spec::ir::Api;

use crate::case::{Case, Credential, HeaderText, Plan, Profile, Request, excerpt};
use crate::checks;
use crate::curl::{self, INLINE_MAX, ResolvedRequest};
use crate::verdict::{CaseResult, Check, Exchange, Failure, Outcome, Report};

/// Where cases are sent, and with which credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// `http://host:port` with an optional path prefix.
    pub base_url: String,
    pub profile: Profile,
}

/// Called with each result as soon as its case ends (in completion order).
pub type ResultHook = Arc<dyn Fn(&CaseResult) + Send + Sync>;

/// How a plan is run.
#[derive(Clone)]
pub struct RunOptions {
    /// Most cases in flight at once (at least 1).
    pub concurrency: usize,
    /// Bound of one request: connecting, sending and reading the whole answer.
    pub timeout: Duration,
    /// Largest response body read; a larger one fails the step.
    pub max_response_bytes: usize,
    /// Where request bodies too large for a `curl` line are written
    /// (`<case-id>.<step>.body`, step counted from 0).
    pub body_dir: Option<PathBuf>,
    /// Progress: called once per case as it ends.
    pub on_result: Option<ResultHook>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            concurrency: 8,
            timeout: Duration::from_secs(30),
            max_response_bytes: 1024 * 1024,
            body_dir: None,
            on_result: None,
        }
    }
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("concurrency", &self.concurrency)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("body_dir", &self.body_dir)
            .field(
                "on_result",
                &self.on_result.as_ref().map(|_| "Fn(&CaseResult)"),
            )
            .finish()
    }
}

/// Longest request or response excerpt kept in an [`Exchange`].
pub const EXCERPT_MAX: usize = 2048;

/// Runs every case of `plan` against `target`. Results come in the plan's
/// order whatever order the cases end in.
pub async fn run(api: &Api, plan: &Plan, target: &Target, opts: &RunOptions) -> Report {
    let started = Instant::now();
    // Targets are addressed directly: a proxy from the environment would
    // change what is being tested.
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(opts.timeout)
        .timeout(opts.timeout)
        .build()
        .map_err(|e| format!("the HTTP client could not be created: {}", error_chain(&e)));
    let ctx = Ctx {
        api,
        target,
        opts,
        client,
    };
    // The futures are made first (a closure inside the stream would keep the
    // whole run from being `Send`); `buffered` polls at most `concurrency`
    // of them at once and yields results in the plan's order.
    let cases: Vec<_> = plan.cases.iter().map(|case| ctx.run_case(case)).collect();
    let results: Vec<CaseResult> = futures_util::stream::iter(cases)
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    Report {
        schema_version: crate::report::SCHEMA_VERSION,
        title: plan.title.clone(),
        version: plan.version.clone(),
        target: target.base_url.clone(),
        seed: plan.seed,
        duration_ms: millis(started.elapsed()),
        results,
        coverage: plan.coverage.clone(),
    }
}

/// `request` with every credential taken from `profile`; the first
/// credential the profile lacks otherwise.
pub fn resolve(request: &Request, profile: &Profile) -> Result<ResolvedRequest, Credential> {
    let mut headers = Vec::with_capacity(request.headers.len());
    for (name, text) in &request.headers {
        let value = match text {
            HeaderText::Literal(v) => v.clone(),
            HeaderText::Credential(c) => match profile.get(c) {
                Some(v) => format!("{}{v}", c.prefix),
                None => return Err(c.clone()),
            },
        };
        headers.push((name.clone(), value));
    }
    Ok(ResolvedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers,
        body: request.body.clone(),
    })
}

/// Why a case cannot run with `profile`, if it cannot.
pub fn missing_credentials(case: &Case, profile: &Profile) -> Option<String> {
    let missing: Vec<String> = case
        .requirements()
        .into_iter()
        .filter(|c| profile.get(c).is_none())
        .map(|c| {
            format!(
                "the profile has no `{}` credential for `{}`",
                c.set.name(),
                c.scheme
            )
        })
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

struct Ctx<'a> {
    api: &'a Api,
    target: &'a Target,
    opts: &'a RunOptions,
    client: Result<reqwest::Client, String>,
}

/// What one request brought back.
struct Answer {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Set when no complete answer came.
    transport: Option<String>,
}

impl Ctx<'_> {
    async fn run_case(&self, case: &Case) -> CaseResult {
        let started = Instant::now();
        let (outcome, exchanges) = match missing_credentials(case, &self.target.profile) {
            Some(reason) => (Outcome::Skipped { reason }, Vec::new()),
            None => self.run_steps(case).await,
        };
        let result = CaseResult {
            case: case.clone(),
            outcome,
            exchanges,
            duration_ms: millis(started.elapsed()),
        };
        if let Some(hook) = &self.opts.on_result {
            hook(&result);
        }
        result
    }

    async fn run_steps(&self, case: &Case) -> (Outcome, Vec<Exchange>) {
        let mut exchanges = Vec::with_capacity(case.steps.len());
        for (index, step) in case.steps.iter().enumerate() {
            let request = match resolve(&step.request, &self.target.profile) {
                Ok(r) => r,
                // `missing_credentials` ran first; kept for safety.
                Err(c) => {
                    let reason = format!(
                        "the profile has no `{}` credential for `{}`",
                        c.set.name(),
                        c.scheme
                    );
                    return (Outcome::Skipped { reason }, exchanges);
                }
            };
            let body_file = self.write_body(case, index, &request);
            let answer = self.send(&request).await;
            exchanges.push(Exchange {
                curl: curl::curl_command(&self.target.base_url, &request, body_file.as_deref()),
                body_file: body_file.map(|p| p.display().to_string()),
                request_excerpt: request_excerpt(&request),
                status: answer.status,
                response_headers: answer.headers.clone(),
                response_excerpt: excerpt(&answer.body, EXCERPT_MAX),
            });
            let failures = match (&answer.transport, answer.status) {
                (Some(reason), _) => vec![Failure {
                    check: Check::Transport,
                    expected: "a complete HTTP answer".into(),
                    actual: reason.clone(),
                }],
                (None, Some(status)) => checks::check_response(
                    self.api,
                    case,
                    index,
                    status,
                    &answer.headers,
                    &answer.body,
                ),
                (None, None) => vec![Failure {
                    check: Check::Transport,
                    expected: "a complete HTTP answer".into(),
                    actual: "no answer".into(),
                }],
            };
            if !failures.is_empty() {
                return (
                    Outcome::Failed {
                        step: index,
                        failures,
                    },
                    exchanges,
                );
            }
        }
        (Outcome::Passed, exchanges)
    }

    /// Writes a body too large for a `curl` line into the body directory.
    fn write_body(&self, case: &Case, step: usize, request: &ResolvedRequest) -> Option<PathBuf> {
        let body = request.body.as_ref()?;
        if body.bytes.len() <= INLINE_MAX {
            return None;
        }
        let dir = self.opts.body_dir.as_ref()?;
        let path = body_path(self.opts, &case.id, step)?;
        std::fs::create_dir_all(dir).ok()?;
        std::fs::write(&path, &body.bytes).ok()?;
        Some(path)
    }

    async fn send(&self, request: &ResolvedRequest) -> Answer {
        let fail = |reason: String| Answer {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            transport: Some(reason),
        };
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => return fail(e.clone()),
        };
        let url = request.url(&self.target.base_url);
        let built = match build(client, &url, request) {
            Ok(b) => b,
            Err(e) => return fail(e),
        };
        let timeout = self.opts.timeout;
        let mut answer = Answer {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            transport: None,
        };
        // The client's timeout bounds the whole exchange too; this one keeps
        // the status and the part of the body read when time runs out.
        let exchange = read_answer(built, self.opts.max_response_bytes, &mut answer);
        match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => answer.transport = Some(reason),
            Err(_) => answer.transport = Some(timeout_words(timeout, answer.status.is_some())),
        }
        if let Some(reason) = &mut answer.transport
            && let Some(more) = classify(reason, timeout, answer.status.is_some())
        {
            *reason = more;
        }
        answer
    }
}

/// The reqwest request of `request`, or why it cannot be sent.
fn build(
    client: &reqwest::Client,
    url: &str,
    request: &ResolvedRequest,
) -> Result<reqwest::RequestBuilder, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("the method `{}` cannot be sent", request.method))?;
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("the URL `{url}` is invalid: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "the URL `{url}` is not http: this build of specgate speaks plain HTTP only (https needs a TLS feature of reqwest)"
        ));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in request.headers_to_send() {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("the header name `{name}` cannot be sent"))?;
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| format!("the value of the header `{name}` cannot be sent: {value:?}"))?;
        headers.append(header, value);
    }
    let mut builder = client.request(method, parsed).headers(headers);
    if let Some(body) = &request.body {
        builder = builder.body(body.bytes.clone());
    }
    Ok(builder)
}

/// Sends `builder` and reads the answer into `answer`, at most `max` body
/// bytes.
async fn read_answer(
    builder: reqwest::RequestBuilder,
    max: usize,
    answer: &mut Answer,
) -> Result<(), String> {
    let mut response = builder.send().await.map_err(|e| error_chain(&e))?;
    answer.status = Some(response.status().as_u16());
    answer.headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Some(len) = response.content_length()
        && len > max as u64
    {
        return Err(too_large(max, &format!("it declares {len} bytes")));
    }
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        format!(
            "the answer's body could not be read after {} bytes: {}",
            answer.body.len(),
            error_chain(&e)
        )
    })? {
        let room = max - answer.body.len();
        if chunk.len() > room {
            answer.body.extend_from_slice(&chunk[..room]);
            return Err(too_large(max, "reading stopped there"));
        }
        answer.body.extend_from_slice(&chunk);
    }
    Ok(())
}

fn too_large(max: usize, detail: &str) -> String {
    format!("the answer's body is larger than the limit of {max} bytes ({detail})")
}

fn timeout_words(timeout: Duration, had_status: bool) -> String {
    if had_status {
        format!(
            "the answer's body did not end within {} (the timeout)",
            human(timeout)
        )
    } else {
        format!("no answer within {} (the timeout)", human(timeout))
    }
}

/// A clearer sentence for the usual transport errors.
fn classify(reason: &str, timeout: Duration, had_status: bool) -> Option<String> {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("timed out") || lower.contains("operation timed out") {
        return Some(timeout_words(timeout, had_status));
    }
    let prefix = if lower.contains("connection refused") {
        "the connection was refused"
    } else if lower.contains("connection reset") {
        "the connection was reset"
    } else if lower.contains("connection closed before message completed")
        || lower.contains("incomplete message")
    {
        "the connection was closed before a complete answer"
    } else if lower.contains("message head is too large") {
        "the answer's headers are too large"
    } else if lower.contains("invalid http") {
        "the answer is not valid HTTP"
    } else {
        return None;
    };
    if reason.starts_with(prefix) {
        None
    } else {
        Some(format!("{prefix}: {reason}"))
    }
}

/// An error with its causes: `a: b: c`, without repeated texts and without
/// the client's wrapper layers ("error sending request for url (…)",
/// "client error (SendRequest)") when a cause says more.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        let wrapper = e.source().is_some()
            && (text.starts_with("error sending request") || text.starts_with("client error ("));
        if !wrapper && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// "1 s", "1.5 s", "250 ms".
fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        let fraction = format!("{:03}", ms % 1000);
        format!("{}.{} s", ms / 1000, fraction.trim_end_matches('0'))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `id` as a file name: anything but letters, digits, `.`, `-` and `_`
/// becomes `_`.
fn file_safe(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("case{s}")
    } else {
        s
    }
}

/// The request as text: request line, headers, blank line, body excerpt;
/// at most about [`EXCERPT_MAX`] bytes.
fn request_excerpt(request: &ResolvedRequest) -> String {
    let mut head = format!("{} {}\n", request.method, request.path);
    for (name, value) in request.headers_to_send() {
        head.push_str(&name);
        head.push_str(": ");
        head.push_str(&value);
        head.push('\n');
    }
    let head = excerpt(head.as_bytes(), EXCERPT_MAX);
    match &request.body {
        Some(body) => {
            let room = EXCERPT_MAX.saturating_sub(head.len() + 1);
            format!("{head}\n{}", excerpt(&body.bytes, room))
        }
        None => head,
    }
}

/// Where the runner writes the body of step `step` (from 0) of the case
/// `case_id`, when `opts` has a body directory.
pub fn body_path(opts: &RunOptions, case_id: &str, step: usize) -> Option<PathBuf> {
    opts.body_dir
        .as_deref()
        .map(|dir| dir.join(format!("{}.{step}.body", file_safe(case_id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(human(Duration::from_secs(1)), "1 s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(human(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            file_safe("body.documentType.missing"),
            "body.documentType.missing"
        );
        assert_eq!(file_safe("a/b c"), "a_b_c");
        assert_eq!(file_safe("../x"), "case.._x");
        assert_eq!(file_safe(""), "case");
    }
}
