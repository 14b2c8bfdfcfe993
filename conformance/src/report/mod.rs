//! Reports of a run: `report.json` (the [`Report`] as data, schema in
//! `conformance/REPORT.md`), `junit.xml` (for CI systems), `report.html` (one
//! self-contained page for people) and the terminal summary.
//!
//! Every format is a pure function of the [`Report`]: no clock, no
//! environment, so the same report always gives the same bytes.

pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::case::{Coverage, Expect};
use crate::verdict::{CaseResult, Exchange, Outcome, Report};

/// The format version written in `report.json` (`schema_version`); raised
/// whenever a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// File names inside the report directory.
pub const JSON_FILE: &str = "report.json";
pub const JUNIT_FILE: &str = "junit.xml";
pub const HTML_FILE: &str = "report.html";

/// Paths of the files [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub json: PathBuf,
    pub junit: PathBuf,
    pub html: PathBuf,
}

/// Writes `report.json`, `junit.xml` and `report.html` into `dir`, creating
/// it when needed.
pub fn write_all(report: &Report, dir: &Path) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let written = Written {
        json: dir.join(JSON_FILE),
        junit: dir.join(JUNIT_FILE),
        html: dir.join(HTML_FILE),
    };
    let json = json::render(report).map_err(io::Error::other)?;
    std::fs::write(&written.json, json)?;
    std::fs::write(&written.junit, junit::render(report))?;
    std::fs::write(&written.html, html::render(report))?;
    Ok(written)
}

/// How many catalog codes fall in each kind of coverage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageCounts {
    pub reached: usize,
    pub unreachable: usize,
    pub needs_fixture: usize,
    pub not_covered: usize,
}

impl CoverageCounts {
    pub fn of(report: &Report) -> Self {
        Self::of_coverage(&report.coverage)
    }

    /// The counts of a plan's (or report's) coverage list.
    pub fn of_coverage(coverage: &[crate::case::CodeCoverage]) -> Self {
        let mut counts = Self::default();
        for c in coverage {
            match c.verdict {
                Coverage::Reached { .. } => counts.reached += 1,
                Coverage::Unreachable { .. } => counts.unreachable += 1,
                Coverage::NeedsFixture { .. } => counts.needs_fixture += 1,
                Coverage::NotCovered => counts.not_covered += 1,
            }
        }
        counts
    }

    pub fn total(&self) -> usize {
        self.reached + self.unreachable + self.needs_fixture + self.not_covered
    }
}

/// The word for an outcome, as every format shows it.
pub(crate) fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Skipped { .. } => "skipped",
    }
}

/// The results in reading order for people: failed cases first, then skipped
/// ones, then passed ones, each group in plan order.
pub(crate) fn failed_first(report: &Report) -> Vec<&CaseResult> {
    let rank = |r: &CaseResult| match r.outcome {
        Outcome::Failed { .. } => 0,
        Outcome::Skipped { .. } => 1,
        Outcome::Passed => 2,
    };
    let mut results: Vec<&CaseResult> = report.results.iter().collect();
    // A stable sort keeps plan order inside each group.
    results.sort_by_key(|r| rank(r));
    results
}

/// The exchanges that reproduce the failed step: every step up to and
/// including it (a later step may depend on the state earlier ones left).
pub(crate) fn exchanges_to_reproduce(result: &CaseResult) -> &[Exchange] {
    match result.outcome {
        Outcome::Failed { step, .. } => {
            let end = step.saturating_add(1).min(result.exchanges.len());
            &result.exchanges[..end]
        }
        _ => &result.exchanges,
    }
}

/// "step 2 of 3" for a case of several steps, nothing for a single request.
/// `step` counts from 0, as in `Outcome::Failed`.
pub(crate) fn step_label(step: usize, steps: usize) -> Option<String> {
    (steps > 1).then(|| format!("step {} of {steps}", step + 1))
}

/// What a step expects, in words.
pub fn describe_expect(expect: &Expect) -> String {
    match expect {
        Expect::Success { statuses } => {
            format!("a success: HTTP {}", or_list(statuses))
        }
        Expect::Error { status, codes } => {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            match codes.as_slice() {
                [] => format!("HTTP {status} with an error body"),
                [one] => format!("HTTP {status} with exactly the code {one}"),
                many => format!("HTTP {status} with exactly the codes {}", many.join(", ")),
            }
        }
        Expect::Refusal { statuses, any_4xx } => {
            let mut text = String::from("a refusal: HTTP ");
            if statuses.is_empty() {
                text.push_str("4XX");
            } else {
                text.push_str(&or_list(statuses));
                if *any_4xx {
                    text.push_str(" or any 4XX");
                }
            }
            text
        }
    }
}

fn or_list(statuses: &[u16]) -> String {
    let mut text = String::new();
    for (i, s) in statuses.iter().enumerate() {
        if i > 0 {
            text.push_str(if i + 1 == statuses.len() {
                " or "
            } else {
                ", "
            });
        }
        let _ = write!(text, "{s}");
    }
    text
}

/// Milliseconds as seconds with three decimals ("1.234"), without floats so
/// the text never depends on rounding.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A duration for people: "12 ms", "1.234 s".
pub(crate) fn human_duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{} s", seconds(ms))
    }
}

/// `text` with every character that could corrupt a report made visible as
/// `\u{..}`: control characters other than tab and newline (escape sequences
/// a hostile response could send to a terminal, characters XML 1.0 forbids)
/// and the non-characters U+FFFE and U+FFFF. A CR before LF is dropped.
pub(crate) fn visible_controls(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(visible_controls("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(visible_controls("x\r\ny\rz"), "x\ny\\u{d}z");
        assert_eq!(
            visible_controls("\u{0}\u{ffff}\u{9b}"),
            "\\u{0}\\u{ffff}\\u{9b}"
        );
    }

    #[test]
    fn durations_do_not_use_floats() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(5), "0.005");
        assert_eq!(human_duration(12), "12 ms");
        assert_eq!(human_duration(61_005), "61.005 s");
    }

    #[test]
    fn expectations_in_words() {
        let codes = ["ER067".to_owned(), "ER070".to_owned()]
            .into_iter()
            .collect();
        assert_eq!(
            describe_expect(&Expect::Error { status: 400, codes }),
            "HTTP 400 with exactly the codes ER067, ER070"
        );
        assert_eq!(
            describe_expect(&Expect::Success {
                statuses: vec![200, 201, 202]
            }),
            "a success: HTTP 200, 201 or 202"
        );
        assert_eq!(
            describe_expect(&Expect::Refusal {
                statuses: vec![413],
                any_4xx: true
            }),
            "a refusal: HTTP 413 or any 4XX"
        );
    }
}
