//! What the terminal shows: one line per case while running
//! ([`progress_line`]), then a summary ([`summary`]): the counts, the gaps of
//! the coverage, the skipped cases, every failure with its `curl` command,
//! and the verdict. ANSI colors only when asked; every text that came from
//! the target has its control characters made visible, so a response cannot
//! drive the terminal.

use std::fmt::Write as _;

use super::{CoverageCounts, exchanges_to_reproduce, human_duration, step_label, visible_controls};
use crate::case::Coverage;
use crate::verdict::{CaseResult, Outcome, Report};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Paints text with ANSI codes, or leaves it alone.
#[derive(Debug, Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn with(self, codes: &str, text: &str) -> String {
        if self.0 {
            format!("{codes}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// `codes` when `count` is not zero, plain otherwise.
    fn if_any(self, count: usize, codes: &str, text: &str) -> String {
        if count > 0 {
            self.with(codes, text)
        } else {
            text.to_owned()
        }
    }
}

/// One plain line per finished case, for CI logs:
/// `PASS body.documentType.missing (12 ms)`,
/// `FAIL body.documentType.null (8 ms): status, error-codes`,
/// `SKIP auth.partner.gone: no credentials of the set gone`.
pub fn progress_line(result: &CaseResult) -> String {
    let id = visible_controls(&result.case.id);
    let time = human_duration(result.duration_ms);
    match &result.outcome {
        Outcome::Passed => format!("PASS {id} ({time})"),
        Outcome::Failed { failures, .. } => {
            let checks: Vec<&str> = failures.iter().map(|f| f.check.name()).collect();
            format!("FAIL {id} ({time}): {}", checks.join(", "))
        }
        Outcome::Skipped { reason } => {
            format!("SKIP {id}: {}", one_line(reason))
        }
    }
}

/// The summary printed after a run.
pub fn summary(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let (passed, failed, skipped) = (report.passed(), report.failed(), report.skipped());
    let coverage = CoverageCounts::of(report);

    let _ = writeln!(
        out,
        "{} {} against {} (seed {}, {})",
        visible_controls(&report.title),
        visible_controls(&report.version),
        visible_controls(&report.target),
        report.seed,
        human_duration(report.duration_ms),
    );
    out.push('\n');

    // Two blocks side by side: the cases, and the catalog codes.
    let left = [
        ("cases", None, ""),
        ("passed", Some(passed), GREEN),
        ("failed", Some(failed), RED),
        ("skipped", Some(skipped), YELLOW),
        ("total", Some(report.results.len()), ""),
    ];
    let right = [
        ("error codes", None, ""),
        ("reached", Some(coverage.reached), GREEN),
        ("not reachable", Some(coverage.unreachable), ""),
        ("needs fixture", Some(coverage.needs_fixture), YELLOW),
        ("not covered", Some(coverage.not_covered), RED),
        ("total", Some(coverage.total()), ""),
    ];
    for row in 0..left.len().max(right.len()) {
        let cell = |block: &[(&str, Option<usize>, &str)], label_width: usize| match block.get(row)
        {
            None => " ".repeat(label_width + 6),
            Some((label, None, _)) => {
                paint.with(BOLD, &format!("{label:<w$}", w = label_width + 6))
            }
            Some((label, Some(n), codes)) => {
                let cell = format!("{label:<label_width$}{n:>6}");
                paint.if_any(*n, codes, &cell)
            }
        };
        let line = format!("  {}        {}", cell(&left, 8), cell(&right, 14));
        let _ = writeln!(out, "{}", line.trim_end());
    }

    let gaps: Vec<String> = report
        .coverage
        .iter()
        .filter(|c| matches!(c.verdict, Coverage::NotCovered))
        .map(|c| format!("{} ({})", c.code, c.message))
        .collect();
    if !gaps.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint.with(RED, "not covered by any case:"),
            visible_controls(&gaps.join(", "))
        );
    }

    let skipped_results: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
        .collect();
    if !skipped_results.is_empty() {
        let _ = writeln!(out, "\n{}", paint.with(BOLD, "Skipped"));
        for r in skipped_results {
            if let Outcome::Skipped { reason } = &r.outcome {
                let _ = writeln!(
                    out,
                    "  {} {}: {}",
                    paint.with(YELLOW, "SKIP"),
                    visible_controls(&r.case.id),
                    one_line(reason)
                );
            }
        }
    }

    let failures: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\n{}", paint.with(BOLD, "Failures"));
        for r in failures {
            failure(&mut out, r, paint);
        }
    }

    let counts = format!(
        "{passed} passed, {failed} failed, {skipped} skipped of {} cases",
        report.results.len()
    );
    out.push('\n');
    if report.conformant() {
        let _ = writeln!(
            out,
            "{}: {counts}",
            paint.with(&format!("{BOLD}{GREEN}"), "CONFORMANT")
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {counts}",
            paint.with(&format!("{BOLD}{RED}"), "NOT CONFORMANT")
        );
    }
    out
}

fn failure(out: &mut String, result: &CaseResult, paint: Paint) {
    let Outcome::Failed { step, failures } = &result.outcome else {
        return;
    };
    let case = &result.case;
    let _ = writeln!(
        out,
        "\n{} {}",
        paint.with(&format!("{BOLD}{RED}"), "FAIL"),
        paint.with(BOLD, &visible_controls(&case.id))
    );
    let _ = writeln!(out, "  {}", visible_controls(&case.title));
    let _ = writeln!(out, "  rule:   {}", visible_controls(&case.rule.name));
    let _ = writeln!(
        out,
        "  origin: {}",
        paint.with(DIM, &visible_controls(&case.rule.origin))
    );
    if let Some(label) = step_label(*step, case.steps.len()) {
        let _ = writeln!(out, "  failed at {label}");
    }
    for f in failures {
        let _ = writeln!(
            out,
            "  {}",
            paint.with(RED, &format!("[{}]", f.check.name()))
        );
        let _ = writeln!(out, "    expected: {}", block(&f.expected, 14));
        let _ = writeln!(out, "    actual:   {}", block(&f.actual, 14));
    }
    let reproduce = exchanges_to_reproduce(result);
    if !reproduce.is_empty() {
        let _ = writeln!(
            out,
            "  reproduce{}:",
            if reproduce.len() > 1 {
                " (in order)"
            } else {
                ""
            }
        );
        for exchange in reproduce {
            let _ = writeln!(out, "    {}", block(&exchange.curl, 4));
            if let Some(file) = &exchange.body_file {
                let _ = writeln!(out, "    (request body in {})", visible_controls(file));
            }
        }
    }
}

/// Text with control characters made visible and continuation lines
/// indented by `indent` spaces.
fn block(text: &str, indent: usize) -> String {
    visible_controls(text.trim_end()).replace('\n', &format!("\n{}", " ".repeat(indent)))
}

fn one_line(text: &str) -> String {
    visible_controls(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}
