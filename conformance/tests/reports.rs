//! The reports of a run: `report.json`, `junit.xml`, `report.html` and the
//! terminal summary, on sample reports built by hand (a passed case, a case
//! failed with two failures and a hostile response, a skipped case, a case
//! of two steps, and coverage of every kind). The HTML is also opened in
//! headless Chromium (see `html_renders_in_headless_chromium`).
//!
//! Set `SPECGATE_SAMPLE_REPORTS=DIR` to keep the sample's three reports and
//! the Chromium screenshot in DIR for a look.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use conformance::case::{
    Body, Case, CodeCoverage, Coverage, Credential, CredentialSet, Expect, HeaderText, Request,
    Rule, Step,
};
use conformance::report::{self, html, json, junit, terminal};
use conformance::verdict::{CaseResult, Check, Exchange, Failure, Outcome, Report};
use serde_json::Value;

const UPLOAD: &str = "POST /api/v1/user/identity-document";
const STATUS: &str = "GET /api/v1/user/identity-document/{id}";

/// A response a hostile target could send: markup, a terminal escape that
/// would clear the screen, a NUL, and the end of an XML CDATA section.
const HOSTILE: &str = "{\"errors\":[{\"code\":\"ER999\",\"message\":\"<script>alert('pwned')</script><img src=https://evil.example/x.png>\u{1b}[2J\u{0}]]>\"}]}";

fn credential(set: CredentialSet, scheme: &str) -> HeaderText {
    HeaderText::Credential(Credential {
        set,
        scheme: scheme.to_owned(),
        prefix: "Bearer ".to_owned(),
    })
}

fn upload_request(body: &str) -> Request {
    Request {
        method: "POST".to_owned(),
        path: "/api/v1/user/identity-document".to_owned(),
        headers: vec![
            (
                "Authorization".to_owned(),
                credential(CredentialSet::Valid, "userToken"),
            ),
            (
                "X-Request-Id".to_owned(),
                HeaderText::Literal("r-1".to_owned()),
            ),
        ],
        body: Some(Body {
            content_type: "application/json".to_owned(),
            bytes: body.as_bytes().to_vec(),
        }),
    }
}

fn case(id: &str, title: &str, operation: &str, rule: &str, steps: Vec<Step>) -> Case {
    Case {
        id: id.to_owned(),
        title: title.to_owned(),
        operation: operation.to_owned(),
        rule: Rule {
            name: rule.to_owned(),
            origin: "spec/identity-document.yaml#/components/schemas/IdentityDocumentUpload"
                .to_owned(),
        },
        steps,
    }
}

fn exchange(body: &str, status: Option<u16>, response: &str) -> Exchange {
    Exchange {
        curl: format!(
            "curl -sS -X POST 'http://127.0.0.1:8080/api/v1/user/identity-document' -H 'Authorization: Bearer $VALID_USERTOKEN' -H 'Content-Type: application/json' --data-raw '{body}'"
        ),
        body_file: None,
        request_excerpt: format!(
            "POST /api/v1/user/identity-document\nAuthorization: Bearer …\nContent-Type: application/json\n\n{body}"
        ),
        status,
        response_headers: status
            .map(|_| vec![("content-type".to_owned(), "application/json".to_owned())])
            .unwrap_or_default(),
        response_excerpt: response.to_owned(),
    }
}

fn error(status: u16, codes: &[&str]) -> Expect {
    Expect::Error {
        status,
        codes: codes
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<BTreeSet<_>>(),
    }
}

/// The sample: 2 passed, 1 failed (two failures), 1 skipped; one code of
/// each coverage kind plus a second reached one.
fn sample() -> Report {
    let good = r#"{"documentType":"PASSPORT","front":"iVBORw0KGgo="}"#;
    let missing = r#"{"front":"iVBORw0KGgo="}"#;
    let passed = CaseResult {
        case: case(
            "body.documentType.passport",
            "A passport upload is accepted",
            UPLOAD,
            "documentType accepts PASSPORT",
            vec![Step {
                request: upload_request(good),
                expect: Expect::Success {
                    statuses: vec![201],
                },
            }],
        ),
        outcome: Outcome::Passed,
        exchanges: vec![exchange(
            good,
            Some(201),
            r#"{"id":"d-1","status":"PENDING"}"#,
        )],
        duration_ms: 12,
    };
    let failed = CaseResult {
        case: case(
            "body.documentType.missing",
            "An upload without documentType is refused with ER067",
            UPLOAD,
            "documentType is required (ER067)",
            vec![Step {
                request: upload_request(missing),
                expect: error(400, &["ER067"]),
            }],
        ),
        outcome: Outcome::Failed {
            step: 0,
            failures: vec![
                Failure {
                    check: Check::Status,
                    expected: "HTTP 400".to_owned(),
                    actual: "HTTP 422".to_owned(),
                },
                Failure {
                    check: Check::ErrorCodes,
                    expected: "exactly ER067".to_owned(),
                    actual: "ER999 (message: <script>alert('pwned')</script>\u{1b}[2J)".to_owned(),
                },
            ],
        },
        exchanges: vec![exchange(missing, Some(422), HOSTILE)],
        duration_ms: 8,
    };
    let skipped = CaseResult {
        case: case(
            "auth.userToken.deleted",
            "A deleted user's token is refused with ER112",
            STATUS,
            "a deleted user is refused (ER112)",
            vec![Step {
                request: Request {
                    method: "GET".to_owned(),
                    path: "/api/v1/user/identity-document/d-1".to_owned(),
                    headers: vec![(
                        "Authorization".to_owned(),
                        credential(CredentialSet::Gone, "userToken"),
                    )],
                    body: None,
                },
                expect: error(401, &["ER112"]),
            }],
        ),
        outcome: Outcome::Skipped {
            reason: "the profile has no `gone` credential for userToken".to_owned(),
        },
        exchanges: vec![],
        duration_ms: 0,
    };
    let state = CaseResult {
        case: case(
            "state.upload.pending",
            "A second upload while the first is pending is refused with ER708",
            UPLOAD,
            "one pending upload per user (ER708)",
            vec![
                Step {
                    request: upload_request(good),
                    expect: Expect::Success {
                        statuses: vec![201],
                    },
                },
                Step {
                    request: upload_request(good),
                    expect: error(409, &["ER708"]),
                },
            ],
        ),
        outcome: Outcome::Passed,
        exchanges: vec![
            exchange(good, Some(201), r#"{"id":"d-2","status":"PENDING"}"#),
            exchange(good, Some(409), r#"{"errors":[{"code":"ER708"}]}"#),
        ],
        duration_ms: 1534,
    };
    Report {
        schema_version: report::SCHEMA_VERSION,
        title: "Identity document API".to_owned(),
        version: "1.2.0".to_owned(),
        target: "http://127.0.0.1:8080".to_owned(),
        seed: 42,
        duration_ms: 1650,
        results: vec![passed, failed, skipped, state],
        coverage: vec![
            coverage(
                "ER067",
                400,
                "documentType is required",
                Coverage::Reached {
                    cases: vec!["body.documentType.missing".to_owned()],
                },
            ),
            coverage(
                "ER708",
                409,
                "An upload is already pending",
                Coverage::Reached {
                    cases: vec!["state.upload.pending".to_owned()],
                },
            ),
            coverage(
                "ER500",
                500,
                "Internal error",
                Coverage::Unreachable {
                    reason: "x-specgate-unreachable: a server fault".to_owned(),
                },
            ),
            coverage(
                "ER112",
                401,
                "User deleted",
                Coverage::NeedsFixture {
                    credential: "gone userToken".to_owned(),
                },
            ),
            coverage(
                "ER321",
                400,
                "File type & size <not> allowed",
                Coverage::NotCovered,
            ),
        ],
    }
}

fn coverage(code: &str, status: u16, message: &str, verdict: Coverage) -> CodeCoverage {
    CodeCoverage {
        code: code.to_owned(),
        status,
        message: message.to_owned(),
        verdict,
    }
}

/// The sample with the failure turned into a pass.
fn conformant() -> Report {
    let mut report = sample();
    report.results[1].outcome = Outcome::Passed;
    report
}

const CODES: [&str; 5] = ["ER067", "ER708", "ER500", "ER112", "ER321"];

// ---------------------------------------------------------------- report.json

#[test]
fn json_has_the_documented_fields_in_struct_order() -> Result<(), serde_json::Error> {
    let text = json::render(&sample())?;
    assert!(text.ends_with("}\n"));
    let v: Value = serde_json::from_str(&text)?;
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "schema_version",
            "title",
            "version",
            "target",
            "seed",
            "duration_ms",
            "results",
            "coverage"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["title"], "Identity document API");
    assert_eq!(v["seed"], 42);
    assert_eq!(v["duration_ms"], 1650);

    let failed = &v["results"][1];
    assert_eq!(failed["case"]["id"], "body.documentType.missing");
    assert_eq!(failed["case"]["operation"], UPLOAD);
    assert_eq!(
        failed["case"]["rule"]["name"],
        "documentType is required (ER067)"
    );
    let step = &failed["case"]["steps"][0];
    assert_eq!(step["request"]["method"], "POST");
    assert_eq!(step["request"]["headers"][0][0], "Authorization");
    assert_eq!(
        step["request"]["headers"][0][1]["Credential"]["set"],
        "valid"
    );
    assert_eq!(step["request"]["headers"][1][1]["Literal"], "r-1");
    assert_eq!(
        step["request"]["body"]["bytes"],
        r#"{"front":"iVBORw0KGgo="}"#
    );
    assert_eq!(step["expect"]["Error"]["status"], 400);
    assert_eq!(step["expect"]["Error"]["codes"][0], "ER067");
    assert_eq!(failed["outcome"]["kind"], "failed");
    assert_eq!(failed["outcome"]["step"], 0);
    assert_eq!(failed["outcome"]["failures"][0]["check"], "status");
    assert_eq!(failed["outcome"]["failures"][0]["expected"], "HTTP 400");
    assert_eq!(failed["outcome"]["failures"][1]["check"], "error-codes");
    assert_eq!(failed["exchanges"][0]["status"], 422);
    assert_eq!(failed["exchanges"][0]["response_excerpt"], HOSTILE);
    assert_eq!(
        failed["exchanges"][0]["response_headers"][0],
        serde_json::json!(["content-type", "application/json"])
    );
    assert_eq!(failed["exchanges"][0]["body_file"], Value::Null);
    assert_eq!(failed["duration_ms"], 8);

    assert_eq!(
        v["results"][0]["outcome"],
        serde_json::json!({"kind": "passed"})
    );
    assert_eq!(
        v["results"][0]["case"]["steps"][0]["expect"],
        serde_json::json!({"Success": {"statuses": [201]}})
    );
    assert_eq!(v["results"][2]["outcome"]["kind"], "skipped");
    assert_eq!(
        v["results"][2]["case"]["steps"][0]["request"]["body"],
        Value::Null
    );

    let kinds: Vec<&Value> = (0..5)
        .map(|i| &v["coverage"][i]["verdict"]["kind"])
        .collect();
    assert_eq!(
        kinds,
        [
            "reached",
            "reached",
            "unreachable",
            "needs-fixture",
            "not-covered"
        ]
    );
    assert_eq!(
        v["coverage"][0]["verdict"]["cases"][0],
        "body.documentType.missing"
    );
    assert_eq!(v["coverage"][3]["verdict"]["credential"], "gone userToken");
    assert_eq!(
        v["coverage"][4]["verdict"],
        serde_json::json!({"kind": "not-covered"})
    );
    Ok(())
}

#[test]
fn json_is_deterministic() -> Result<(), serde_json::Error> {
    let first = json::render(&sample())?;
    assert_eq!(first, json::render(&sample())?);
    assert_eq!(first, json::render(&sample().clone())?);
    Ok(())
}

/// Every key and every enum value `report.json` can hold is named in
/// `REPORT.md`, so the documentation cannot fall behind silently.
#[test]
fn report_md_documents_every_key_and_enum_value() -> Result<(), Box<dyn std::error::Error>> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("REPORT.md"))?;
    let mut report = sample();
    // Reach the variants the sample lacks.
    report.results[0].case.steps.push(Step {
        request: upload_request("{}"),
        expect: Expect::Refusal {
            statuses: vec![413],
            any_4xx: true,
        },
    });
    report.results[0].exchanges[0].body_file = Some("bodies/x.bin".to_owned());
    let v: Value = serde_json::from_str(&json::render(&report)?)?;
    let mut keys = BTreeSet::new();
    collect_keys(&v, &mut keys);
    for key in &keys {
        assert!(
            doc.contains(&format!("`{key}`")),
            "REPORT.md does not document the key `{key}`"
        );
    }
    let checks = [
        Check::Transport,
        Check::Status,
        Check::ContentType,
        Check::BodyJson,
        Check::BodySchema,
        Check::ErrorCodes,
        Check::ErrorText,
    ];
    let values = checks
        .iter()
        .map(|c| c.name())
        .chain(["passed", "failed", "skipped"])
        .chain(["reached", "unreachable", "needs-fixture", "not-covered"])
        .chain(["valid", "expired", "other", "gone"]);
    for value in values {
        assert!(
            doc.contains(&format!("`\"{value}\"`")),
            "REPORT.md does not document the value \"{value}\""
        );
    }
    // The names the serializer gives the checks are the ones `name()` gives.
    for c in checks {
        assert_eq!(serde_json::to_value(c)?, Value::from(c.name()));
    }
    Ok(())
}

fn collect_keys(v: &Value, keys: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                keys.insert(k.clone());
                collect_keys(v, keys);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}

// ------------------------------------------------------------------ write_all

#[test]
fn write_all_writes_the_three_files() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = TempDir::new("write-all")?;
    let dir = tmp.path().join("nested/reports");
    let report = sample();
    let written = report::write_all(&report, &dir)?;
    assert_eq!(written.json, dir.join("report.json"));
    assert_eq!(written.junit, dir.join("junit.xml"));
    assert_eq!(written.html, dir.join("report.html"));
    assert_eq!(
        std::fs::read_to_string(&written.json)?,
        json::render(&report)?
    );
    assert_eq!(
        std::fs::read_to_string(&written.junit)?,
        junit::render(&report)
    );
    assert_eq!(
        std::fs::read_to_string(&written.html)?,
        html::render(&report)
    );
    // Writing again over the same files gives the same bytes.
    report::write_all(&report, &dir)?;
    assert_eq!(
        std::fs::read_to_string(&written.html)?,
        html::render(&report)
    );
    if let Some(keep) = std::env::var_os("SPECGATE_SAMPLE_REPORTS") {
        report::write_all(&report, Path::new(&keep))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ junit.xml

#[test]
fn junit_is_well_formed_with_counts_and_failures() -> Result<(), String> {
    let xml = junit::render(&sample());
    let root = xml::parse(&xml)?;
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("4"));
    assert_eq!(root.attr("failures"), Some("1"));
    assert_eq!(root.attr("errors"), Some("0"));
    assert_eq!(root.attr("skipped"), Some("1"));
    assert_eq!(root.attr("time"), Some("1.650"));

    let suites: Vec<&xml::Element> = root.children("testsuite").collect();
    assert_eq!(suites.len(), 2, "one suite per operation");
    let (upload, status) = (suites[0], suites[1]);
    assert_eq!(upload.attr("name"), Some(UPLOAD));
    assert_eq!(upload.attr("tests"), Some("3"));
    assert_eq!(upload.attr("failures"), Some("1"));
    assert_eq!(upload.attr("skipped"), Some("0"));
    assert_eq!(upload.attr("time"), Some("1.554"));
    assert_eq!(status.attr("name"), Some(STATUS));
    assert_eq!(status.attr("tests"), Some("1"));
    assert_eq!(status.attr("skipped"), Some("1"));

    let properties: BTreeMap<&str, &str> = upload
        .children("properties")
        .flat_map(|p| p.children("property"))
        .filter_map(|p| Some((p.attr("name")?, p.attr("value")?)))
        .collect();
    assert_eq!(properties.get("target"), Some(&"http://127.0.0.1:8080"));
    assert_eq!(properties.get("seed"), Some(&"42"));

    let cases: Vec<&xml::Element> = upload.children("testcase").collect();
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attr("name")).collect();
    assert_eq!(
        names,
        [
            "body.documentType.passport",
            "body.documentType.missing",
            "state.upload.pending"
        ]
    );
    assert!(cases.iter().all(|c| c.attr("classname") == Some(UPLOAD)));
    assert_eq!(cases[0].attr("time"), Some("0.012"));
    assert_eq!(cases[0].children("failure").count(), 0);
    assert_eq!(cases[1].attr("time"), Some("0.008"));

    let failure = cases[1]
        .children("failure")
        .next()
        .ok_or("no <failure> in the failed case")?;
    let message = failure.attr("message").ok_or("no message")?;
    assert!(
        message.contains("status: expected HTTP 400, actual HTTP 422"),
        "{message}"
    );
    assert!(
        message.contains("error-codes: expected exactly ER067, actual ER999"),
        "{message}"
    );
    assert_eq!(failure.attr("type"), Some("status"));
    let body = failure.text();
    for needle in [
        "An upload without documentType is refused with ER067",
        "rule: documentType is required (ER067)",
        "[status]",
        "expected: HTTP 400",
        "actual:   HTTP 422",
        "[error-codes]",
        "response: HTTP 422",
        "<script>alert('pwned')</script>",
        "curl -sS -X POST 'http://127.0.0.1:8080/api/v1/user/identity-document'",
        "\\u{1b}[2J\\u{0}]]>",
    ] {
        assert!(
            body.contains(needle),
            "failure body lacks {needle:?}:\n{body}"
        );
    }
    // Markup is escaped in the file itself, not only after parsing.
    assert!(!xml.contains("<script>"));
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'));

    let skipped = status
        .children("testcase")
        .next()
        .ok_or("no skipped testcase")?;
    assert_eq!(skipped.attr("name"), Some("auth.userToken.deleted"));
    let skip = skipped.children("skipped").next().ok_or("no <skipped>")?;
    assert_eq!(
        skip.attr("message"),
        Some("the profile has no `gone` credential for userToken")
    );
    Ok(())
}

#[test]
fn junit_survives_every_hostile_character() -> Result<(), String> {
    let mut report = sample();
    let nasty: String = (0u32..0x80)
        .filter_map(char::from_u32)
        .chain(['\u{fffe}', '\u{ffff}', '\u{85}', '\u{10ffff}'])
        .collect();
    report.title = nasty.clone();
    report.results[1].case.id = nasty.clone();
    report.results[1].case.operation = nasty.clone();
    report.results[1].exchanges[0].response_excerpt = nasty.clone();
    report.results[2].outcome = Outcome::Skipped {
        reason: nasty.clone(),
    };
    let xml = junit::render(&report);
    let root = xml::parse(&xml)?;
    let case = root
        .children("testsuite")
        .flat_map(|s| s.children("testcase"))
        .find(|c| c.children("failure").count() == 1)
        .ok_or("no failed testcase")?;
    // Attribute values keep tabs and newlines (written as references).
    let name = case.attr("name").ok_or("no name")?;
    assert!(name.contains("\t\n"), "{name:?}");
    assert!(
        name.contains("!\"#$%&'()*+,-./0123456789:;<=>?@"),
        "{name:?}"
    );
    assert!(name.contains("\\u{1b}") && name.contains("\\u{fffe}"));
    Ok(())
}

// ---------------------------------------------------------------- report.html

#[test]
fn html_shows_verdict_coverage_and_cases() {
    let page = html::render(&sample());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<p class=\"verdict-word\">NOT CONFORMANT</p>"));
    assert!(page.contains("<li class=\"passed\"><b>2</b>passed</li>"));
    assert!(page.contains("<li class=\"failed\"><b>1</b>failed</li>"));
    assert!(page.contains("<li class=\"skipped\"><b>1</b>skipped</li>"));
    assert!(page.contains("Identity document API"));
    assert!(page.contains("version 1.2.0"));
    assert!(page.contains("<code>http://127.0.0.1:8080</code>"));
    assert!(page.contains("<dt>Seed</dt><dd><code>42</code></dd>"));

    // The coverage table: one row per code, with status, message and how.
    for code in CODES {
        assert!(
            page.contains(&format!("<tr id=\"code-{code}\"")),
            "no coverage row for {code}"
        );
        assert!(page.contains(&format!("<td><code>{code}</code></td>")));
    }
    let row = |code: &str| -> String {
        let start = page.find(&format!("<tr id=\"code-{code}\"")).unwrap_or(0);
        let end = page[start..]
            .find("</tr>")
            .map_or(page.len(), |e| start + e);
        page[start..end].to_owned()
    };
    assert!(row("ER067").contains("reached"));
    assert!(
        row("ER067").contains("href=\"#case-body.documentType.missing\""),
        "{}",
        row("ER067")
    );
    assert!(row("ER067").contains("(failed)"));
    assert!(row("ER500").contains("not reachable"));
    assert!(row("ER500").contains("x-specgate-unreachable: a server fault"));
    assert!(row("ER112").contains("needs fixture"));
    assert!(row("ER112").contains("gone userToken"));
    assert!(row("ER321").contains("not covered"));
    assert!(row("ER321").contains("File type &amp; size &lt;not&gt; allowed"));

    // Failed cases first, with an anchor, the checks, excerpts and curl.
    let at = |needle: &str| page.find(needle).unwrap_or(usize::MAX);
    let failed = at("<article class=\"case failed\" id=\"case-body.documentType.missing\">");
    let skipped = at("<article class=\"case skipped\" id=\"case-auth.userToken.deleted\">");
    let passed = at("<article class=\"case passed\" id=\"case-body.documentType.passport\">");
    assert!(
        failed < skipped && skipped < passed,
        "{failed} {skipped} {passed}"
    );
    assert!(at("<section id=\"coverage\">") < failed);
    let article = &page[failed..skipped];
    for needle in [
        "An upload without documentType is refused with ER067",
        "<dt>Rule</dt><dd>documentType is required (ER067)</dd>",
        "spec/identity-document.yaml#/components/schemas/IdentityDocumentUpload",
        "HTTP 400 with exactly the code ER067",
        "<td><code>status</code></td><td class=\"expected\">HTTP 400</td><td class=\"actual\">HTTP 422</td>",
        "<td><code>error-codes</code></td>",
        "Response: <span class=\"status\">HTTP 422</span>",
        "curl -sS -X POST &#39;http://127.0.0.1:8080/api/v1/user/identity-document&#39;",
        "Reproduce",
    ] {
        assert!(article.contains(needle), "failed case lacks {needle:?}");
    }
    assert!(
        page.contains(
            "<strong>Not run:</strong> the profile has no `gone` credential for userToken"
        )
    );
    assert!(page.contains("(step 2 of 2)"));
    // The verdict links to the failed case.
    assert!(page.contains("<li><a href=\"#case-body.documentType.missing\">"));
}

#[test]
fn html_escapes_hostile_responses() {
    let page = html::render(&sample());
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=https://evil.example/x.png&gt;"));
    assert!(!page.contains("<img"));
    assert!(page.contains("\\u{1b}[2J\\u{0}"));
    assert!(!page.contains('\u{1b}') && !page.contains('\u{0}'));
    // Exactly one script: the page's own.
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn html_loads_nothing_from_outside() {
    let page = html::render(&sample());
    let mut refs = 0;
    for attr in ["href=", "src=", "action=", "srcset=", "poster=", "data="] {
        for (i, _) in page.match_indices(attr) {
            // Only real attributes: escaped text has no quote after `=`.
            let value = &page[i + attr.len()..];
            let Some(quote) = value.chars().next().filter(|q| *q == '"' || *q == '\'') else {
                continue;
            };
            let value = &value[1..value[1..].find(quote).map_or(value.len(), |e| e + 1)];
            refs += 1;
            assert!(
                attr == "href=" && value.starts_with('#'),
                "{attr}{quote}{value}{quote} is not an anchor in the page"
            );
        }
    }
    assert!(refs > 5, "expected internal anchors");
    let lower = page.to_ascii_lowercase();
    for forbidden in ["url(", "@import", "<link", "<iframe", "<object", "<embed"] {
        assert!(!lower.contains(forbidden), "{forbidden}");
    }
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

#[test]
fn html_is_deterministic_and_conformant_reports_say_so() {
    assert_eq!(html::render(&sample()), html::render(&sample()));
    let page = html::render(&conformant());
    assert!(page.contains("<p class=\"verdict-word\">CONFORMANT</p>"));
    assert!(!page.contains("NOT CONFORMANT"));
    assert!(page.contains("<section id=\"verdict\" class=\"verdict pass\">"));
    assert!(!page.contains("<section id=\"failed\">"));
}

// ------------------------------------------------------------------- terminal

#[test]
fn terminal_summary_lists_counts_failures_and_verdict() {
    let text = terminal::summary(&sample(), false);
    println!("{text}");
    assert!(!text.contains('\u{1b}'), "no color asked, no escape sent");
    for needle in [
        "Identity document API 1.2.0 against http://127.0.0.1:8080 (seed 42, 1.650 s)",
        "not covered by any case: ER321 (File type & size <not> allowed)",
        "SKIP auth.userToken.deleted: the profile has no `gone` credential for userToken",
        "FAIL body.documentType.missing",
        "An upload without documentType is refused with ER067",
        "rule:   documentType is required (ER067)",
        "[status]\n    expected: HTTP 400\n    actual:   HTTP 422",
        "[error-codes]\n    expected: exactly ER067\n    actual:   ER999 (message: <script>alert('pwned')</script>\\u{1b}[2J)",
        "reproduce:\n    curl -sS -X POST 'http://127.0.0.1:8080/api/v1/user/identity-document'",
    ] {
        assert!(text.contains(needle), "summary lacks {needle:?}");
    }
    assert!(text.ends_with("NOT CONFORMANT: 2 passed, 1 failed, 1 skipped of 4 cases\n"));
    // The table: cases on the left, catalog codes on the right.
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(2)
        .take(6)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let expected: [&[&str]; 6] = [
        &["cases", "error", "codes"],
        &["passed", "2", "reached", "2"],
        &["failed", "1", "not", "reachable", "1"],
        &["skipped", "1", "needs", "fixture", "1"],
        &["total", "4", "not", "covered", "1"],
        &["total", "5"],
    ];
    assert_eq!(rows, expected);
    assert!(!text.contains("FAIL body.documentType.passport"));
}

#[test]
fn terminal_colors_only_when_asked_and_never_the_targets() {
    let text = terminal::summary(&sample(), true);
    assert!(text.contains("\u{1b}[1m\u{1b}[31mNOT CONFORMANT\u{1b}[0m"));
    assert!(text.contains("\u{1b}[31m[status]\u{1b}[0m"));
    // The response's own escape sequence is shown, not sent.
    assert!(!text.contains("\u{1b}[2J"));
    assert!(text.contains("\\u{1b}[2J"));

    let ok = terminal::summary(&conformant(), true);
    assert!(ok.contains(
        "\u{1b}[1m\u{1b}[32mCONFORMANT\u{1b}[0m: 3 passed, 0 failed, 1 skipped of 4 cases"
    ));
    assert!(!ok.contains("Failures"));
}

#[test]
fn terminal_reproduces_every_step_up_to_the_failed_one() {
    let mut report = sample();
    let state = &mut report.results[3];
    state.outcome = Outcome::Failed {
        step: 1,
        failures: vec![Failure {
            check: Check::Transport,
            expected: "an answer within 10 s".to_owned(),
            actual: "no answer after 10 s".to_owned(),
        }],
    };
    state.exchanges[1].status = None;
    let text = terminal::summary(&report, false);
    let at = text.find("FAIL state.upload.pending").unwrap_or(0);
    let block = &text[at..];
    assert!(block.contains("failed at step 2 of 2"));
    assert!(block.contains("[transport]"));
    assert!(block.contains("reproduce (in order):"));
    assert_eq!(block.matches("    curl ").count(), 2, "{block}");
    assert_eq!(
        terminal::progress_line(&report.results[3]),
        "FAIL state.upload.pending (1.534 s): transport"
    );
}

#[test]
fn progress_lines_are_plain() {
    let report = sample();
    assert_eq!(
        terminal::progress_line(&report.results[0]),
        "PASS body.documentType.passport (12 ms)"
    );
    assert_eq!(
        terminal::progress_line(&report.results[1]),
        "FAIL body.documentType.missing (8 ms): status, error-codes"
    );
    assert_eq!(
        terminal::progress_line(&report.results[2]),
        "SKIP auth.userToken.deleted: the profile has no `gone` credential for userToken"
    );
}

// ------------------------------------------------------------ headless Chromium

/// Opens the sample's page in headless Chromium: the dumped DOM must hold the
/// verdict and every coverage row, the page's script must have run under its
/// Content-Security-Policy and no injected one, and a screenshot must come
/// out as a PNG. Without `chromium` on PATH the test fails under CI (which
/// installs it) and is skipped with a notice elsewhere.
#[test]
fn html_renders_in_headless_chromium() -> Result<(), Box<dyn std::error::Error>> {
    let Some(chromium) = find_on_path("chromium") else {
        if std::env::var_os("CI").is_some() {
            return Err(
                "chromium is not on PATH, and CI must run this test (.ci/run installs it)".into(),
            );
        }
        eprintln!("notice: chromium is not on PATH; skipping the headless rendering test");
        return Ok(());
    };
    let tmp = TempDir::new("chromium")?;
    let page = tmp.path().join("report.html");
    std::fs::write(&page, html::render(&sample()))?;
    let url = format!("file://{}", page.display());

    let dom = run_chromium(&chromium, &tmp, &["--dump-dom", &url])?;
    assert!(
        dom.contains("NOT CONFORMANT"),
        "DOM lacks the verdict:\n{dom}"
    );
    assert!(dom.contains("<b>1</b>failed"));
    for code in CODES {
        assert!(
            dom.contains(&format!("<tr id=\"code-{code}\"")),
            "DOM lacks the coverage row of {code}"
        );
    }
    assert!(
        dom.contains("<html lang=\"en\" class=\"js\">"),
        "the page's script did not run (is SCRIPT_SHA256 the hash of SCRIPT?)"
    );
    assert!(dom.contains("&lt;script&gt;alert"));
    assert!(!dom.contains("<img"), "an injected element was parsed");

    let png = tmp.path().join("report.png");
    run_chromium(
        &chromium,
        &tmp,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,2000",
            "--hide-scrollbars",
            &url,
        ],
    )?;
    let bytes = std::fs::read(&png)?;
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 10_000, "suspiciously small screenshot");
    if let Some(keep) = std::env::var_os("SPECGATE_SAMPLE_REPORTS") {
        std::fs::create_dir_all(&keep)?;
        std::fs::copy(&png, Path::new(&keep).join("report.png"))?;
    }
    Ok(())
}

/// Runs headless Chromium with a fresh profile and no network chatter;
/// returns its standard output. Killed after two minutes.
fn run_chromium(
    chromium: &Path,
    tmp: &TempDir,
    args: &[&str],
) -> Result<String, Box<dyn std::error::Error>> {
    let profile = TempDir::new("chromium-profile")?;
    let stdout = tmp.path().join("stdout");
    let stderr = tmp.path().join("stderr");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout)?)
        .stderr(std::fs::File::create(&stderr)?)
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill()?;
            child.wait()?;
            return Err("chromium did not finish within two minutes".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        return Err(format!("chromium failed ({status}):\n{err}").into());
    }
    Ok(std::fs::read_to_string(&stdout)?)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "specgate-reports-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A small, strict XML 1.0 reader, enough to prove `junit.xml` well formed:
/// one root element, matching tags, quoted and unique attributes, only the
/// predefined and numeric references, and only characters XML 1.0 allows.
mod xml {
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub nodes: Vec<Node>,
    }

    #[derive(Debug)]
    pub enum Node {
        Element(Element),
        Text(String),
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
            self.nodes.iter().filter_map(move |n| match n {
                Node::Element(e) if e.name == name => Some(e),
                _ => None,
            })
        }

        pub fn text(&self) -> String {
            self.nodes
                .iter()
                .filter_map(|n| match n {
                    Node::Text(t) => Some(t.as_str()),
                    Node::Element(_) => None,
                })
                .collect()
        }
    }

    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
    }

    struct Reader<'a> {
        s: &'a str,
        at: usize,
    }

    pub fn parse(s: &str) -> Result<Element, String> {
        if let Some(bad) = s.chars().find(|c| !allowed(*c)) {
            return Err(format!(
                "character U+{:04X} is not allowed in XML 1.0",
                u32::from(bad)
            ));
        }
        let mut r = Reader { s, at: 0 };
        if r.rest().starts_with("<?xml") {
            r.skip_past("?>")?;
        }
        r.misc()?;
        let root = r.element()?;
        r.misc()?;
        if r.at != s.len() {
            return Err(format!("content after the root element at {}", r.at));
        }
        Ok(root)
    }

    impl Reader<'_> {
        fn rest(&self) -> &str {
            &self.s[self.at..]
        }

        fn err<T>(&self, what: &str) -> Result<T, String> {
            let near: String = self.rest().chars().take(40).collect();
            Err(format!("{what} at byte {} near {near:?}", self.at))
        }

        fn skip_past(&mut self, end: &str) -> Result<(), String> {
            match self.rest().find(end) {
                Some(i) => {
                    self.at += i + end.len();
                    Ok(())
                }
                None => self.err(&format!("no {end}")),
            }
        }

        fn skip_space(&mut self) {
            let n = self.rest().len()
                - self
                    .rest()
                    .trim_start_matches([' ', '\t', '\n', '\r'])
                    .len();
            self.at += n;
        }

        /// Whitespace and comments outside the root.
        fn misc(&mut self) -> Result<(), String> {
            loop {
                self.skip_space();
                if self.rest().starts_with("<!--") {
                    self.skip_past("-->")?;
                } else {
                    return Ok(());
                }
            }
        }

        fn name(&mut self) -> Result<String, String> {
            let len = self
                .rest()
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
                .unwrap_or(self.rest().len());
            let name = self.rest()[..len].to_owned();
            if name.is_empty()
                || name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
            {
                return self.err("bad name");
            }
            self.at += len;
            Ok(name)
        }

        fn element(&mut self) -> Result<Element, String> {
            if !self.rest().starts_with('<') {
                return self.err("expected an element");
            }
            self.at += 1;
            let name = self.name()?;
            let mut attrs: Vec<(String, String)> = Vec::new();
            loop {
                let before = self.at;
                self.skip_space();
                if self.rest().starts_with("/>") {
                    self.at += 2;
                    return Ok(Element {
                        name,
                        attrs,
                        nodes: vec![],
                    });
                }
                if self.rest().starts_with('>') {
                    self.at += 1;
                    break;
                }
                if self.at == before {
                    return self.err("expected space before an attribute");
                }
                let attr = self.name()?;
                if !self.rest().starts_with('=') {
                    return self.err("expected =");
                }
                self.at += 1;
                let Some(quote) = self
                    .rest()
                    .chars()
                    .next()
                    .filter(|q| *q == '"' || *q == '\'')
                else {
                    return self.err("unquoted attribute");
                };
                self.at += 1;
                let end = match self.rest().find(quote) {
                    Some(end) => end,
                    None => return self.err("unterminated attribute"),
                };
                let raw = &self.rest()[..end];
                if raw.contains('<') {
                    return self.err("< in an attribute value");
                }
                // Literal whitespace becomes a space; references such as
                // &#10; keep their character, as XML's normalization does.
                let value =
                    unescape(&raw.replace(['\t', '\n', '\r'], " ")).or_else(|e| self.err(&e))?;
                self.at += end + 1;
                if attrs.iter().any(|(n, _)| *n == attr) {
                    return self.err("duplicate attribute");
                }
                attrs.push((attr, value));
            }
            let mut nodes = Vec::new();
            loop {
                if self.rest().starts_with("</") {
                    self.at += 2;
                    let end = self.name()?;
                    if end != name {
                        return self.err(&format!("</{end}> closes <{name}>"));
                    }
                    self.skip_space();
                    if !self.rest().starts_with('>') {
                        return self.err("expected >");
                    }
                    self.at += 1;
                    return Ok(Element { name, attrs, nodes });
                } else if self.rest().starts_with("<!--") {
                    self.skip_past("-->")?;
                } else if self.rest().starts_with("<![CDATA[") {
                    let start = self.at + 9;
                    self.skip_past("]]>")?;
                    nodes.push(Node::Text(self.s[start..self.at - 3].to_owned()));
                } else if self.rest().starts_with('<') {
                    nodes.push(Node::Element(self.element()?));
                } else if self.rest().is_empty() {
                    return self.err(&format!("<{name}> is never closed"));
                } else {
                    let len = self.rest().find('<').unwrap_or(self.rest().len());
                    let raw = &self.rest()[..len];
                    if raw.contains("]]>") {
                        return self.err("]]> in text");
                    }
                    let text = unescape(raw).or_else(|e| self.err(&e))?;
                    self.at += len;
                    nodes.push(Node::Text(text));
                }
            }
        }
    }

    fn unescape(raw: &str) -> Result<String, String> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            let end = rest.find(';').ok_or("& without ;")?;
            let entity = &rest[..end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = if let Some(hex) = entity.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16)
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse()
                    } else {
                        return Err(format!("unknown entity &{entity};"));
                    };
                    let c = code
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or(format!("bad reference &{entity};"))?;
                    if !allowed(c) {
                        return Err(format!("reference to a forbidden character &{entity};"));
                    }
                    c
                }
            };
            out.push(c);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}
