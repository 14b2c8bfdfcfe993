//! `report.html`: one self-contained page a vendor can hand to an auditor.
//!
//! What it holds, in order: the API, target and seed; the verdict with the
//! counts; the error-code coverage table; then every case, failed ones
//! first, each with its rule, the failed checks (expected against actual),
//! the request and response excerpts, and the `curl` command.
//!
//! Self-contained: CSS and one short script are inline, nothing is loaded
//! from anywhere, and a Content-Security-Policy forbids every load besides
//! (the script is allowed by its hash, so nothing injected could run). Every
//! text is escaped, responses being hostile. No date: the page is a pure
//! function of the report. Printing opens every collapsed section, and the
//! print style keeps colors and wraps long lines.

use std::fmt::Write as _;

use super::{
    CoverageCounts, describe_expect, exchanges_to_reproduce, failed_first, human_duration,
    outcome_word, step_label, visible_controls,
};
use crate::case::Coverage;
use crate::verdict::{CaseResult, Exchange, Outcome, Report};

/// The page's only script: marks that scripts run, and opens every
/// `<details>` before printing so a printed report shows everything.
const SCRIPT: &str = r#"document.documentElement.classList.add("js");addEventListener("beforeprint",function(){document.querySelectorAll("details").forEach(function(d){d.open=true})});"#;

/// base64 of the SHA-256 of [`SCRIPT`], as the Content-Security-Policy
/// wants it. Change both together: the headless Chromium test in
/// `tests/reports.rs` fails when the script is blocked.
const SCRIPT_SHA256: &str = "H3XagxA4kxJTglq47FW+0XJy9Q3/lyVcwf8nzCrMcFs=";

const STYLE: &str = r#"
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--skip:#9a6700;--skip-bg:#fff8c5;--muted:#57606a;--line:#d0d7de;--code-bg:#f6f8fa;--grey-bg:#eaeef2}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1100px;padding:24px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",sans-serif;color:#1f2328;background:#fff}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--code-bg);border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:4px 0 10px;white-space:pre-wrap;overflow-wrap:anywhere}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:0}
h4{font-size:13px;margin:12px 0 2px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
a{color:#0969da}
.api{font-size:18px;margin:0 0 12px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0 0 16px}
.facts dt{color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
nav{margin:8px 0 0;font-size:14px}
nav a{margin-right:14px}
.verdict{border:2px solid;border-radius:8px;padding:16px 20px;margin:16px 0}
.verdict.pass{border-color:var(--pass);background:var(--pass-bg)}
.verdict.fail{border-color:var(--fail);background:var(--fail-bg)}
.verdict-word{font-size:34px;font-weight:800;letter-spacing:.02em;margin:0}
.verdict.pass .verdict-word{color:var(--pass)}
.verdict.fail .verdict-word{color:var(--fail)}
.counts{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0 6px;padding:0;list-style:none}
.counts li{background:#fff;border:1px solid var(--line);border-radius:6px;padding:4px 12px}
.counts b{font-size:20px;margin-right:4px}
.counts .passed b{color:var(--pass)}.counts .failed b{color:var(--fail)}.counts .skipped b{color:var(--skip)}
.verdict p{margin:6px 0 0}
.verdict ul.failed-list{margin:6px 0 0;padding-left:20px}
table{border-collapse:collapse;width:100%;margin:8px 0 12px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--code-bg);font-size:13px}
td.num{white-space:nowrap}
tr.cov td:first-child{border-left:4px solid var(--line)}
tr.cov-reached td:first-child{border-left-color:var(--pass)}
tr.cov-needs-fixture td:first-child{border-left-color:var(--skip)}
tr.cov-not-covered td:first-child{border-left-color:var(--fail)}
tr.cov-not-covered{background:var(--fail-bg)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap;border:1px solid}
.b-passed,.b-reached{color:var(--pass);background:var(--pass-bg)}
.b-failed,.b-not-covered{color:var(--fail);background:var(--fail-bg)}
.b-skipped,.b-needs-fixture{color:var(--skip);background:var(--skip-bg)}
.b-unreachable{color:var(--muted);background:var(--grey-bg)}
.cov-summary{margin:4px 0}
.cov-summary span{margin-right:14px}
.case-ref.failed{color:var(--fail);font-weight:700}
.case-ref.skipped{color:var(--skip)}
.case{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0}
.case.failed{border-left-color:var(--fail)}
.case.skipped{border-left-color:var(--skip)}
.case.passed{border-left-color:var(--pass)}
.case-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:8px}
.case-head .time{margin-left:auto;color:var(--muted);font-size:13px}
.case-title{margin:4px 0}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:4px 0;font-size:14px}
.meta dt{color:var(--muted)}
.meta dd{margin:0;overflow-wrap:anywhere}
.checks td:first-child{white-space:nowrap}
.checks td{font-size:14px}
.checks .expected{background:var(--pass-bg)}
.checks .actual{background:var(--fail-bg)}
.reason{background:var(--skip-bg);border-radius:6px;padding:6px 10px;margin:6px 0}
details{margin:6px 0}
summary{cursor:pointer;color:var(--muted);font-size:14px}
.step{margin:4px 0 8px}
.status{font-weight:700}
.empty{color:var(--muted);font-style:italic}
.footer{margin-top:32px;color:var(--muted);font-size:13px}
@media print{
@page{margin:14mm}
body{max-width:none;padding:0;font-size:11pt}
nav,summary{display:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}
h2{break-after:avoid}
.verdict,tr,.case-head,.checks{break-inside:avoid}
pre{font-size:9pt;border-color:#bbb}
}
"#;

/// The text of `report.html`.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024 + report.results.len() * 2048);
    head(&mut out, report);
    header(&mut out, report);
    verdict(&mut out, report);
    coverage(&mut out, report);
    cases(&mut out, report);
    let _ = writeln!(
        out,
        "<p class=\"footer\">Written by specgate {} from report.json format {}. \
         Durations are measured on the machine that ran the cases.</p>",
        env!("CARGO_PKG_VERSION"),
        report.schema_version
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

fn head(out: &mut String, report: &Report) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{SCRIPT_SHA256}'; \
         base-uri 'none'; form-action 'none'\">"
    );
    out.push_str("<meta name=\"color-scheme\" content=\"light\">\n");
    let _ = writeln!(
        out,
        "<title>{} {}: conformance report ({})</title>",
        esc(&report.title),
        esc(&report.version),
        verdict_word(report)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
}

fn header(out: &mut String, report: &Report) {
    out.push_str("<header>\n<h1>Conformance report</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"api\"><strong>{}</strong>, version {}</p>",
        esc(&report.title),
        esc(&report.version)
    );
    out.push_str("<dl class=\"facts\">\n");
    let facts = [
        ("Target", format!("<code>{}</code>", esc(&report.target))),
        ("Seed", format!("<code>{}</code>", report.seed)),
        ("Cases", report.results.len().to_string()),
        ("Error codes", report.coverage.len().to_string()),
        ("Run time", esc(&human_duration(report.duration_ms))),
    ];
    for (name, value) in facts {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n<nav>");
    out.push_str("<a href=\"#verdict\">Verdict</a><a href=\"#coverage\">Error-code coverage</a>");
    for (group, title) in GROUPS {
        if report.count(|o| outcome_word(o) == group) > 0 {
            let _ = write!(out, "<a href=\"#{group}\">{title}</a>");
        }
    }
    out.push_str("</nav>\n</header>\n");
}

const GROUPS: [(&str, &str); 3] = [
    ("failed", "Failed cases"),
    ("skipped", "Skipped cases"),
    ("passed", "Passed cases"),
];

fn verdict_word(report: &Report) -> &'static str {
    if report.conformant() {
        "CONFORMANT"
    } else {
        "NOT CONFORMANT"
    }
}

fn verdict(out: &mut String, report: &Report) {
    let class = if report.conformant() { "pass" } else { "fail" };
    let _ = writeln!(
        out,
        "<section id=\"verdict\" class=\"verdict {class}\">\n<p class=\"verdict-word\">{}</p>",
        verdict_word(report)
    );
    out.push_str("<ul class=\"counts\">");
    for (word, n) in [
        ("passed", report.passed()),
        ("failed", report.failed()),
        ("skipped", report.skipped()),
    ] {
        let _ = write!(out, "<li class=\"{word}\"><b>{n}</b>{word}</li>");
    }
    let _ = writeln!(
        out,
        "<li><b>{}</b>cases in all</li></ul>",
        report.results.len()
    );
    if report.conformant() {
        out.push_str(
            "<p>No case failed: the target answered every case run as the specification requires.",
        );
        if report.skipped() > 0 {
            out.push_str(" Skipped cases were not run; they are listed below with the reason.");
        }
        out.push_str("</p>\n");
    } else {
        out.push_str("<p>These cases failed; each is detailed below with what was expected and what came:</p>\n<ul class=\"failed-list\">\n");
        for r in report
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\"><code>{}</code></a>: {}</li>",
                case_anchor(&r.case.id),
                esc(&r.case.id),
                esc(&r.case.rule.name)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn coverage(out: &mut String, report: &Report) {
    let counts = CoverageCounts::of(report);
    out.push_str("<section id=\"coverage\">\n<h2>Error-code coverage</h2>\n");
    out.push_str(
        "<p>Every error code the specification declares, and how this run accounts for it.</p>\n",
    );
    let _ = writeln!(
        out,
        "<p class=\"cov-summary\"><span><span class=\"badge b-reached\">reached</span> {}</span>\
         <span><span class=\"badge b-unreachable\">not reachable</span> {}</span>\
         <span><span class=\"badge b-needs-fixture\">needs fixture</span> {}</span>\
         <span><span class=\"badge b-not-covered\">not covered</span> {}</span></p>",
        counts.reached, counts.unreachable, counts.needs_fixture, counts.not_covered
    );
    if report.coverage.is_empty() {
        out.push_str(
            "<p class=\"empty\">The specification declares no error codes.</p>\n</section>\n",
        );
        return;
    }
    out.push_str(
        "<table class=\"coverage\">\n<thead><tr><th>Code</th><th>Status</th><th>Message</th><th>Coverage</th></tr></thead>\n<tbody>\n",
    );
    for c in &report.coverage {
        let (kind, label) = coverage_kind(&c.verdict);
        let _ = write!(
            out,
            "<tr id=\"{}\" class=\"cov cov-{kind}\"><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td><span class=\"badge b-{kind}\">{label}</span> ",
            anchor("code-", &c.code),
            esc(&c.code),
            c.status,
            esc(&c.message),
        );
        match &c.verdict {
            Coverage::Reached { cases } => {
                out.push_str("by ");
                for (i, id) in cases.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    case_ref(out, report, id);
                }
            }
            Coverage::Unreachable { reason } => {
                let _ = write!(out, "cannot be caused from outside: {}", esc(reason));
            }
            Coverage::NeedsFixture { credential } => {
                let _ = write!(
                    out,
                    "needs <code>{}</code> credentials, which the profile lacks",
                    esc(credential)
                );
            }
            Coverage::NotCovered => {
                out.push_str("no case reaches it: a gap of the conformance suite");
            }
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The CSS kind and the label of a coverage verdict.
fn coverage_kind(c: &Coverage) -> (&'static str, &'static str) {
    match c {
        Coverage::Reached { .. } => ("reached", "reached"),
        Coverage::Unreachable { .. } => ("unreachable", "not reachable"),
        Coverage::NeedsFixture { .. } => ("needs-fixture", "needs fixture"),
        Coverage::NotCovered => ("not-covered", "not covered"),
    }
}

/// A link to a case of the report, marked with its outcome when it did not
/// pass; plain text when the case was not run (filtered out).
fn case_ref(out: &mut String, report: &Report, id: &str) {
    match report.results.iter().find(|r| r.case.id == id) {
        Some(r) => {
            let word = outcome_word(&r.outcome);
            let _ = write!(
                out,
                "<a class=\"case-ref {word}\" href=\"#{}\"><code>{}</code></a>",
                case_anchor(id),
                esc(id)
            );
            if !matches!(r.outcome, Outcome::Passed) {
                let _ = write!(out, " ({word})");
            }
        }
        None => {
            let _ = write!(out, "<code>{}</code> (not run)", esc(id));
        }
    }
}

fn cases(out: &mut String, report: &Report) {
    let ordered = failed_first(report);
    for (group, title) in GROUPS {
        let members: Vec<&&CaseResult> = ordered
            .iter()
            .filter(|r| outcome_word(&r.outcome) == group)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<section id=\"{group}\">\n<h2>{title} ({})</h2>",
            members.len()
        );
        for r in members {
            case(out, r);
        }
        out.push_str("</section>\n");
    }
    if report.results.is_empty() {
        out.push_str("<h2>Cases</h2>\n<p class=\"empty\">No case was run.</p>\n");
    }
}

fn case(out: &mut String, result: &CaseResult) {
    let c = &result.case;
    let word = outcome_word(&result.outcome);
    let _ = writeln!(
        out,
        "<article class=\"case {word}\" id=\"{}\">\n<div class=\"case-head\"><span class=\"badge b-{word}\">{word}</span><h3><code>{}</code></h3><span class=\"time\">{}</span></div>",
        case_anchor(&c.id),
        esc(&c.id),
        esc(&human_duration(result.duration_ms))
    );
    let _ = writeln!(out, "<p class=\"case-title\">{}</p>", esc(&c.title));
    out.push_str("<dl class=\"meta\">\n");
    let _ = writeln!(
        out,
        "<dt>Operation</dt><dd><code>{}</code></dd>",
        esc(&c.operation)
    );
    let _ = writeln!(out, "<dt>Rule</dt><dd>{}</dd>", esc(&c.rule.name));
    let _ = writeln!(
        out,
        "<dt>Origin</dt><dd><code>{}</code></dd>",
        esc(&c.rule.origin)
    );
    for (i, step) in c.steps.iter().enumerate() {
        let label = step_label(i, c.steps.len()).map_or_else(String::new, |l| format!(" ({l})"));
        let _ = writeln!(
            out,
            "<dt>Expects{label}</dt><dd>{}</dd>",
            esc(&describe_expect(&step.expect))
        );
    }
    out.push_str("</dl>\n");

    match &result.outcome {
        Outcome::Passed => {
            exchanges(out, result, false);
        }
        Outcome::Skipped { reason } => {
            let _ = writeln!(
                out,
                "<p class=\"reason\"><strong>Not run:</strong> {}</p>",
                esc(reason)
            );
        }
        Outcome::Failed { step, failures } => {
            let at =
                step_label(*step, c.steps.len()).map_or_else(String::new, |l| format!(" at {l}"));
            let _ = writeln!(out, "<h4>Failed checks{at}</h4>");
            out.push_str("<table class=\"checks\">\n<thead><tr><th>Check</th><th>Expected</th><th>Actual</th></tr></thead>\n<tbody>\n");
            for f in failures {
                let _ = writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td class=\"expected\">{}</td><td class=\"actual\">{}</td></tr>",
                    f.check.name(),
                    multiline(&f.expected),
                    multiline(&f.actual)
                );
            }
            out.push_str("</tbody>\n</table>\n");
            exchanges(out, result, true);
            let reproduce = exchanges_to_reproduce(result);
            if !reproduce.is_empty() {
                let order = if reproduce.len() > 1 {
                    ", in order"
                } else {
                    ""
                };
                let _ = writeln!(out, "<h4>Reproduce{order}</h4>");
                for e in reproduce {
                    curl(out, e);
                }
            }
        }
    }
    out.push_str("</article>\n");
}

/// The exchanges of a case: open for a failed case, collapsed otherwise.
fn exchanges(out: &mut String, result: &CaseResult, open: bool) {
    if result.exchanges.is_empty() {
        return;
    }
    let n = result.exchanges.len();
    let _ = writeln!(
        out,
        "<details{}><summary>Request{} and response{}</summary>",
        if open { " open" } else { "" },
        if n > 1 { "s" } else { "" },
        if n > 1 { "s" } else { "" }
    );
    for (i, e) in result.exchanges.iter().enumerate() {
        out.push_str("<div class=\"step\">\n");
        if let Some(label) = step_label(i, n) {
            let _ = writeln!(out, "<h4>{}</h4>", esc(&capitalized(&label)));
        }
        out.push_str("<h4>Request</h4>\n");
        pre(out, &e.request_excerpt);
        let status = e
            .status
            .map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}"));
        let _ = writeln!(
            out,
            "<h4>Response: <span class=\"status\">{}</span></h4>",
            esc(&status)
        );
        if e.status.is_some() {
            let mut text = String::new();
            for (name, value) in &e.response_headers {
                let _ = writeln!(text, "{name}: {value}");
            }
            if !e.response_headers.is_empty() {
                text.push('\n');
            }
            text.push_str(&e.response_excerpt);
            pre(out, &text);
        }
        if !open {
            out.push_str("<h4>curl</h4>\n");
            curl(out, e);
        }
        out.push_str("</div>\n");
    }
    out.push_str("</details>\n");
}

fn curl(out: &mut String, e: &Exchange) {
    pre(out, &e.curl);
    if let Some(file) = &e.body_file {
        let _ = writeln!(
            out,
            "<p>The request body is in <code>{}</code>.</p>",
            esc(file)
        );
    }
}

fn pre(out: &mut String, text: &str) {
    if text.is_empty() {
        out.push_str("<pre class=\"empty\">(empty)</pre>\n");
    } else {
        let _ = writeln!(out, "<pre>{}</pre>", esc(text));
    }
}

/// Escaped text whose line breaks are kept.
fn multiline(text: &str) -> String {
    esc(text).replace('\n', "<br>")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn case_anchor(id: &str) -> String {
    anchor("case-", id)
}

/// An id attribute (and fragment) made of `[A-Za-z0-9.-]`, every other byte
/// written `_XX`, so distinct names give distinct anchors and none needs
/// escaping in a URL.
fn anchor(prefix: &str, name: &str) -> String {
    let mut out = String::from(prefix);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "_{b:02X}");
        }
    }
    out
}

/// Escapes text for element content and double- or single-quoted
/// attributes, with control characters made visible.
pub(crate) fn esc(raw: &str) -> String {
    let raw = visible_controls(raw);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_unambiguous_and_url_safe() {
        assert_eq!(
            anchor("case-", "body.documentType.missing"),
            "case-body.documentType.missing"
        );
        assert_eq!(anchor("case-", "a b_c/é"), "case-a_20b_5Fc_2F_C3_A9");
        assert_ne!(anchor("case-", "a_20"), anchor("case-", "a "));
    }

    #[test]
    fn escapes_everything_markup_can_hide_in() {
        assert_eq!(
            esc("<script>alert('x')</script>&\"\u{1b}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\\u{1b}"
        );
    }
}
