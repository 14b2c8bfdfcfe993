//! Deliberately broken implementations, each caught: the real reference
//! behind a proxy that breaks exactly one rule (`tests/broken/`), run through
//! the whole conformance plan. For each double the report is not conformant,
//! the cases that exercise the broken rule fail with the right check and say
//! what was expected and what came, and every other case still passes (the
//! double is otherwise correct). A transparent proxy passes everything, so
//! the proxy itself adds nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "broken/bugs.rs"]
mod bugs;
#[path = "broken/double.rs"]
mod double;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use bugs::Bug;
use conformance::case::{Case, Expect, Plan};
use conformance::run::{RunOptions, Target};
use conformance::verdict::{CaseResult, Check, Outcome, Report};
use double::Double;
use spec::ir::Api;

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/identity-document.yaml"))
            .expect("the spec loads")
    })
}

/// The whole plan, made once per test binary (synthesizing the images takes
/// seconds in a debug build).
fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| conformance::plan::plan(api(), 1))
}

/// Runs the whole plan against a fresh double with `bug`.
fn run(bug: Option<Bug>) -> Report {
    let plan = plan();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let double = Double::start(bug).await;
        let target = Target {
            base_url: double.url.clone(),
            profile: double.profile.clone(),
        };
        let options = RunOptions {
            timeout: Duration::from_secs(60),
            ..RunOptions::default()
        };
        conformance::run::run(api(), plan, &target, &options).await
    })
}

/// A case that must fail, with a failure of `check` whose texts contain
/// `expected` and `actual`.
struct Caught {
    id: &'static str,
    check: Check,
    expected: &'static str,
    actual: &'static str,
}

fn caught(id: &'static str, check: Check) -> Caught {
    Caught {
        id,
        check,
        expected: "",
        actual: "",
    }
}

impl Caught {
    fn saying(self, expected: &'static str, actual: &'static str) -> Caught {
        Caught {
            expected,
            actual,
            ..self
        }
    }
}

/// Every failed case with its checks, one per line, for assertion messages.
fn failures(report: &Report) -> String {
    report
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed { failures, .. } => Some(format!(
                "  {}: {}",
                r.case.id,
                failures
                    .iter()
                    .map(|f| format!(
                        "[{}] expected {} / actual {}",
                        f.check.name(),
                        f.expected,
                        f.actual
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn result<'a>(report: &'a Report, id: &str) -> &'a CaseResult {
    report
        .results
        .iter()
        .find(|r| r.case.id == id)
        .unwrap_or_else(|| panic!("the plan has no case {id}"))
}

/// The double is caught: the report is not conformant, every `caught`
/// case failed as described, and every failed case is one `may_fail`
/// admits (the rest of the double is correct, so the rest passes).
#[track_caller]
fn assert_caught(report: &Report, caught: &[Caught], may_fail: impl Fn(&Case) -> bool) {
    let all = failures(report);
    eprintln!("{} failed:\n{all}", report.failed());
    assert!(!report.conformant(), "the double was not caught");
    assert_eq!(report.skipped(), 0, "the reference's profile has every set");
    for c in caught {
        let r = result(report, c.id);
        let Outcome::Failed { failures, .. } = &r.outcome else {
            panic!(
                "{} should fail with [{}], but it {:?}\nfailures:\n{all}",
                c.id,
                c.check.name(),
                r.outcome
            );
        };
        assert!(
            failures.iter().any(|f| f.check == c.check
                && f.expected.contains(c.expected)
                && f.actual.contains(c.actual)),
            "{} should fail with [{}] expecting {:?} and saying {:?}, got {failures:#?}",
            c.id,
            c.check.name(),
            c.expected,
            c.actual
        );
        // The report names the rule the case exercises, and how to
        // reproduce the failure.
        assert!(!r.case.rule.name.is_empty() && !r.case.rule.origin.is_empty());
        assert!(
            r.exchanges.iter().all(|x| x.curl.starts_with("curl ")),
            "{:?}",
            r.exchanges
        );
    }
    let unexpected: Vec<&str> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }) && !may_fail(&r.case))
        .map(|r| r.case.id.as_str())
        .collect();
    assert!(
        unexpected.is_empty(),
        "cases unrelated to the bug failed: {unexpected:?}\nfailures:\n{all}"
    );
}

/// Glob match of a case id (`*` any run of characters), as `--filter`.
fn id_is(pattern: &str) -> impl Fn(&Case) -> bool + '_ {
    move |case| {
        if pattern.contains('*') {
            conformance::plan::matches_pattern(&case.id, pattern)
        } else {
            case.id == pattern
        }
    }
}

fn any_of<'a>(patterns: &'a [&'a str]) -> impl Fn(&Case) -> bool + 'a {
    move |case| patterns.iter().any(|p| id_is(p)(case))
}

fn expects_error(case: &Case) -> bool {
    case.steps
        .iter()
        .any(|s| matches!(s.expect, Expect::Error { .. } | Expect::Refusal { .. }))
}

fn expects_success(case: &Case) -> bool {
    case.steps
        .iter()
        .any(|s| matches!(s.expect, Expect::Success { .. }))
}

fn expects_code(code: &'static str) -> impl Fn(&Case) -> bool {
    move |case| case.expected_codes().contains(code)
}

// ---------------------------------------------------------------------------

#[test]
fn the_transparent_proxy_is_conformant() {
    let report = run(None);
    assert!(report.conformant(), "failures:\n{}", failures(&report));
    assert_eq!(report.passed(), plan().cases.len());
}

#[test]
fn a_wrong_code_is_caught() {
    let report = run(Some(Bug::WrongCode));
    assert_caught(
        &report,
        &[
            caught("body.documentType.missing", Check::ErrorCodes)
                .saying("exactly the code ER067", "ER074"),
            caught("body.documentType.null", Check::ErrorCodes),
            caught("body.not-an-object.empty", Check::ErrorCodes)
                .saying("ER067, ER075, ER077", "ER074"),
        ],
        expects_code("ER067"),
    );
}

#[test]
fn a_skipped_required_check_is_caught() {
    let report = run(Some(Bug::DefaultSide));
    assert_caught(
        &report,
        &[
            // 200, or 409 when an earlier success stored the same type with `Front`.
            caught("body.documentSide.missing", Check::Status)
                .saying("400 with exactly the code ER075", ""),
            caught("body.combined.data+documentSide.missing", Check::ErrorCodes)
                .saying("ER075, ER077", "ER077"),
        ],
        any_of(&[
            "body.documentSide.missing",
            "body.combined.data+documentSide.missing",
        ]),
    );
}

#[test]
fn a_boundary_off_by_one_is_caught() {
    let report = run(Some(Bug::WidthOffByOne));
    assert_caught(
        &report,
        &[
            caught("file.data.width.min.at-limit.png", Check::Status)
                .saying("a success", "400 with the code ER909"),
            caught("file.data.width.min.at-limit.jpeg", Check::Status),
            caught("file.data.height.min.beyond.jpeg", Check::ErrorCodes)
                .saying("exactly the code ER911", "ER909"),
        ],
        any_of(&[
            "file.data.width.min.at-limit.*",
            "file.data.height.*",
            "file.data.ratio.*",
        ]),
    );
}

#[test]
fn a_wrong_status_is_caught() {
    let report = run(Some(Bug::ConflictStatus));
    let r = result(&report, "state.ER708.repeat");
    assert!(
        matches!(r.outcome, Outcome::Failed { step: 1, .. }),
        "{:?}",
        r.outcome
    );
    assert_caught(
        &report,
        &[caught("state.ER708.repeat", Check::Status).saying("409", "400 with the code ER708")],
        id_is("state.ER708.repeat"),
    );
}

#[test]
fn a_malformed_error_body_is_caught() {
    let report = run(Some(Bug::ErrorsAsList));
    assert_caught(
        &report,
        &[
            caught("body.documentType.missing", Check::BodySchema)
                .saying("ErrorResponse", "errors"),
            caught("auth.client.missing", Check::BodySchema),
            caught("file.data.width.min.beyond.png", Check::BodySchema),
        ],
        expects_error,
    );
    // Every error case is caught; no success case is.
    let error_cases = plan().cases.iter().filter(|c| expects_error(c)).count();
    assert_eq!(report.failed(), error_cases, "{}", failures(&report));
}

#[test]
fn an_invalid_success_body_is_caught() {
    let report = run(Some(Bug::SuccessBadUuid));
    assert_caught(
        &report,
        &[
            caught("positive.baseline", Check::BodySchema).saying("a body valid against", "uuid"),
            caught("auth.partnerToken.scheme-lowercase", Check::BodySchema),
            caught("file.data.size.at-max", Check::BodySchema),
        ],
        expects_success,
    );
    let success_cases = plan().cases.iter().filter(|c| expects_success(c)).count();
    assert_eq!(report.failed(), success_cases, "{}", failures(&report));
}

#[test]
fn ignored_state_is_caught() {
    let report = run(Some(Bug::StateIgnored));
    let r = result(&report, "state.ER708.repeat");
    assert!(
        matches!(r.outcome, Outcome::Failed { step: 1, .. }),
        "{:?}",
        r.outcome
    );
    assert_caught(
        &report,
        &[caught("state.ER708.repeat", Check::Status)
            .saying("409 with exactly the code ER708", "200")],
        id_is("state.ER708.repeat"),
    );
}

#[test]
fn lax_base64_is_caught() {
    let report = run(Some(Bug::LaxBase64));
    assert_caught(
        &report,
        &[
            caught("body.data.format.data-uri-prefix", Check::ErrorCodes)
                .saying("exactly the code ER078", ""),
            caught("body.data.format.whitespace", Check::ErrorCodes)
                .saying("exactly the code ER078", ""),
            caught("body.data.format.newline", Check::ErrorCodes),
        ],
        any_of(&[
            "body.data.format.data-uri-prefix",
            "body.data.format.whitespace",
            "body.data.format.newline",
        ]),
    );
}

#[test]
fn a_wrong_message_is_caught() {
    let report = run(Some(Bug::WrongMessage));
    assert_caught(
        &report,
        &[
            caught("body.documentSide.missing", Check::ErrorText).saying(
                "ER075 with the message \"Missing document side.\"",
                bugs::WRONG_ER075_MESSAGE,
            ),
            caught("body.not-an-object.empty", Check::ErrorText),
        ],
        expects_code("ER075"),
    );
    // Only the text is wrong: no other check fails.
    for r in &report.results {
        if let Outcome::Failed { failures, .. } = &r.outcome {
            assert!(
                failures.iter().all(|f| f.check == Check::ErrorText),
                "{}: {failures:?}",
                r.case.id
            );
        }
    }
}

#[test]
fn body_checks_before_user_auth_are_caught() {
    let report = run(Some(Bug::BodyBeforeUser));
    assert_caught(
        &report,
        &[caught("order.user-before-body", Check::ErrorCodes)
            .saying("exactly the code ER704", "ER067, ER075, ER077")],
        id_is("order.user-before-body"),
    );
}

#[test]
fn a_case_sensitive_scheme_is_caught() {
    let report = run(Some(Bug::CaseSensitiveScheme));
    assert_caught(
        &report,
        &[
            caught("auth.partnerToken.scheme-lowercase", Check::Status)
                .saying("a success", "401 with the code ER800"),
            caught("auth.partnerToken.scheme-uppercase", Check::Status),
        ],
        id_is("auth.partnerToken.scheme-*"),
    );
}

#[test]
fn a_wrong_error_content_type_is_caught() {
    let report = run(Some(Bug::ErrorsAsText));
    assert_caught(
        &report,
        &[
            caught("body.documentType.missing", Check::ContentType)
                .saying("Content-Type application/json", "text/plain"),
            caught("auth.client.missing", Check::ContentType),
            caught("state.ER708.repeat", Check::ContentType),
        ],
        expects_error,
    );
    for r in &report.results {
        if let Outcome::Failed { failures, .. } = &r.outcome {
            assert!(
                failures.iter().all(|f| f.check == Check::ContentType),
                "{}: {failures:?}",
                r.case.id
            );
        }
    }
}

#[test]
fn an_accepted_expired_token_is_caught() {
    let report = run(Some(Bug::ExpiredAccepted));
    assert_caught(
        &report,
        &[caught("auth.partnerToken.expired", Check::Status)
            .saying("401 with exactly the code ER801", "200")],
        id_is("auth.partnerToken.expired"),
    );
}

#[test]
fn reporting_only_the_first_field_error_is_caught() {
    let report = run(Some(Bug::FirstErrorOnly));
    assert_caught(
        &report,
        &[
            caught("body.combined.data+documentSide.missing", Check::ErrorCodes)
                .saying("exactly the codes ER075, ER077", ""),
            caught("body.not-an-object.empty", Check::ErrorCodes)
                .saying("exactly the codes ER067, ER075, ER077", ""),
        ],
        |case| case.expected_codes().len() > 1,
    );
}

#[test]
fn an_ignored_user_mismatch_is_caught() {
    let report = run(Some(Bug::MismatchIgnored));
    assert_caught(
        &report,
        &[caught("auth.user.mismatch", Check::Status)
            .saying("403 with exactly the code ER703", "200")],
        |case| case.id == "auth.user.mismatch",
    );
}
