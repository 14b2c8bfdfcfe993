//! Verdicts: every way a case can fail, as data, so each report can say
//! precisely which rule broke, what was expected and what came.

use serde::Serialize;

use crate::case::{Case, CodeCoverage};

/// The result of running a whole plan against one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Format version of `report.json`.
    pub schema_version: u32,
    pub title: String,
    pub version: String,
    /// Base URL of the target, or `embedded reference`.
    pub target: String,
    pub seed: u64,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    pub results: Vec<CaseResult>,
    pub coverage: Vec<CodeCoverage>,
}

impl Report {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }

    /// The run's verdict: conformant when nothing failed.
    pub fn conformant(&self) -> bool {
        self.failed() == 0
    }
}

/// One case and what happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    pub case: Case,
    pub outcome: Outcome,
    /// What was sent and received, step by step (excerpts).
    pub exchanges: Vec<Exchange>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    /// Every failed check of the step that failed.
    Failed {
        step: usize,
        failures: Vec<Failure>,
    },
    /// Not run, and why (a credential the profile lacks, a filter).
    Skipped {
        reason: String,
    },
}

/// One broken expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub check: Check,
    /// What the spec requires, in words.
    pub expected: String,
    /// What came, in words.
    pub actual: String,
}

/// The checks a response goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The request could not be sent or no complete answer came (timeout,
    /// reset, oversized or unreadable response).
    Transport,
    Status,
    ContentType,
    /// The body is not JSON where JSON is declared.
    BodyJson,
    /// The body does not validate against the declared schema.
    BodySchema,
    /// The set of error codes differs from the expected one.
    ErrorCodes,
    /// A code's message or solution differs from the catalog.
    ErrorText,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Transport => "transport",
            Check::Status => "status",
            Check::ContentType => "content-type",
            Check::BodyJson => "body-json",
            Check::BodySchema => "body-schema",
            Check::ErrorCodes => "error-codes",
            Check::ErrorText => "error-text",
        }
    }
}

/// One request and its answer, as reports show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    /// A `curl` command that sends the same request (large bodies are
    /// referred to by file name; see `body_file`).
    pub curl: String,
    /// Where the request body was written when too large to inline.
    pub body_file: Option<String>,
    pub request_excerpt: String,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_excerpt: String,
}
