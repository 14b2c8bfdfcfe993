//! `junit.xml`: one `<testcase>` per case, for CI systems.
//!
//! Layout: a `<testsuites>` root with one `<testsuite>` per operation (in
//! plan order), each case a `<testcase>` whose `name` is the case id and
//! whose `classname` is the operation. One suite per operation rather than a
//! single suite because that is the grouping every common reader shows:
//! GitLab's test report lists suites by name with their own counts, GitHub
//! reporters (test-reporter, action-junit-report and the like) show one
//! section per suite, and Jenkins groups by `classname`, which is the same
//! operation; a single suite would show one flat list of every case of every
//! endpoint. Suite `time` is the sum of its cases' times (cases may run
//! concurrently); the root's `time` is the run's wall time.
//!
//! A failed case has one `<failure>`: its `message` lists every failed check
//! with what was expected and what came, its body adds the rule, the response
//! and the `curl` commands that reproduce it. A skipped case has
//! `<skipped message="reason"/>`. Nothing is reported as `<error>`: every
//! problem, a transport one included, is a failure of the target.

use std::fmt::Write as _;

use super::{exchanges_to_reproduce, seconds, step_label, visible_controls};
use crate::verdict::{CaseResult, Outcome, Report};

/// Longest `message` attribute; the body holds everything.
const MESSAGE_MAX: usize = 1000;

/// The text of `junit.xml`.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" {} time=\"{}\">",
        attr(&format!(
            "specgate conformance: {} {}",
            report.title, report.version
        )),
        counts(report.results.iter()),
        seconds(report.duration_ms),
    );
    for (operation, results) in by_operation(report) {
        let time: u64 = results.iter().map(|r| r.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" {} time=\"{}\">",
            attr(operation),
            counts(results.iter().copied()),
            seconds(time),
        );
        out.push_str("    <properties>\n");
        for (name, value) in [
            ("api", format!("{} {}", report.title, report.version)),
            ("target", report.target.clone()),
            ("seed", report.seed.to_string()),
        ] {
            let _ = writeln!(
                out,
                "      <property name=\"{name}\" value=\"{}\"/>",
                attr(&value)
            );
        }
        out.push_str("    </properties>\n");
        for result in results {
            testcase(&mut out, result);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Results grouped by operation, operations in order of first appearance.
fn by_operation(report: &Report) -> Vec<(&str, Vec<&CaseResult>)> {
    let mut groups: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
    for result in &report.results {
        let op = result.case.operation.as_str();
        match groups.iter_mut().find(|(o, _)| *o == op) {
            Some((_, members)) => members.push(result),
            None => groups.push((op, vec![result])),
        }
    }
    groups
}

fn counts<'a>(results: impl Iterator<Item = &'a CaseResult>) -> String {
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for r in results {
        tests += 1;
        match r.outcome {
            Outcome::Failed { .. } => failures += 1,
            Outcome::Skipped { .. } => skipped += 1,
            Outcome::Passed => {}
        }
    }
    format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"")
}

fn testcase(out: &mut String, result: &CaseResult) {
    let open = format!(
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&result.case.id),
        attr(&result.case.operation),
        seconds(result.duration_ms),
    );
    match &result.outcome {
        Outcome::Passed => {
            let _ = writeln!(out, "{open}/>");
        }
        Outcome::Skipped { reason } => {
            let _ = writeln!(out, "{open}>");
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(reason));
            out.push_str("    </testcase>\n");
        }
        Outcome::Failed { step, failures } => {
            let mut message = failures
                .iter()
                .map(|f| {
                    format!(
                        "{}: expected {}, actual {}",
                        f.check.name(),
                        one_line(&f.expected),
                        one_line(&f.actual)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            if let Some(label) = step_label(*step, result.case.steps.len()) {
                message = format!("{label}: {message}");
            }
            let message = cut(&message, MESSAGE_MAX);
            let kind = failures.first().map_or("failure", |f| f.check.name());
            let _ = writeln!(out, "{open}>");
            let _ = write!(
                out,
                "      <failure message=\"{}\" type=\"{}\">",
                attr(&message),
                attr(kind)
            );
            out.push_str(&text(&failure_body(result, *step)));
            out.push_str("</failure>\n    </testcase>\n");
        }
    }
}

/// The plain-text body of a `<failure>`: title, rule, each failed check,
/// the response, and the commands that reproduce it.
fn failure_body(result: &CaseResult, step: usize) -> String {
    let case = &result.case;
    let mut body = String::new();
    let _ = writeln!(body, "{}", case.title);
    let _ = writeln!(body, "rule: {}", case.rule.name);
    let _ = writeln!(body, "origin: {}", case.rule.origin);
    if let Some(label) = step_label(step, case.steps.len()) {
        let _ = writeln!(body, "failed at {label}");
    }
    if let Outcome::Failed { failures, .. } = &result.outcome {
        for f in failures {
            let _ = writeln!(body, "\n[{}]", f.check.name());
            let _ = writeln!(
                body,
                "  expected: {}",
                indent_rest(&f.expected, "            ")
            );
            let _ = writeln!(
                body,
                "  actual:   {}",
                indent_rest(&f.actual, "            ")
            );
        }
    }
    if let Some(exchange) = result.exchanges.get(step) {
        let status = exchange
            .status
            .map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}"));
        let _ = writeln!(body, "\nresponse: {status}");
        for (name, value) in &exchange.response_headers {
            let _ = writeln!(body, "  {name}: {value}");
        }
        if !exchange.response_excerpt.is_empty() {
            let _ = writeln!(body, "{}", exchange.response_excerpt);
        }
    }
    let reproduce = exchanges_to_reproduce(result);
    if !reproduce.is_empty() {
        let _ = writeln!(
            body,
            "\nreproduce{}:",
            if reproduce.len() > 1 {
                " (in order)"
            } else {
                ""
            }
        );
        for exchange in reproduce {
            let _ = writeln!(body, "{}", exchange.curl);
            if let Some(file) = &exchange.body_file {
                let _ = writeln!(body, "(request body in {file})");
            }
        }
    }
    body
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn indent_rest(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

/// At most `max` characters, marked when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Escapes character data: markup characters, and characters XML 1.0 does
/// not allow made visible.
pub(crate) fn text(raw: &str) -> String {
    let raw = visible_controls(raw);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value in double quotes; tabs and newlines are
/// written as references so parsers do not normalize them to spaces.
pub(crate) fn attr(raw: &str) -> String {
    let raw = visible_controls(raw);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(text("a<b>&c\"'"), "a&lt;b&gt;&amp;c\"'");
        assert_eq!(text("]]>\u{0}\u{8}"), "]]&gt;\\u{0}\\u{8}");
        assert_eq!(attr("\"x'\n\ty\u{b}"), "&quot;x&apos;&#10;&#9;y\\u{b}");
    }

    #[test]
    fn long_messages_are_cut_on_characters() {
        assert_eq!(cut("ééé", 2), "éé…");
        assert_eq!(cut("ab", 2), "ab");
    }
}
