//! Cases and plans: what is sent, and what must come back. Pure data, so a
//! plan can be listed (`specgate cases`), compared between runs, and run.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Every case derived from one spec with one seed, in a stable order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub title: String,
    pub version: String,
    pub seed: u64,
    pub cases: Vec<Case>,
    /// Every code of the catalog an operation can answer, and how the plan
    /// accounts for it.
    pub coverage: Vec<CodeCoverage>,
}

/// One conformance case: one request, or an ordered sequence of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Stable, readable id: `body.documentType.missing`, `auth.partnerToken.expired`.
    pub id: String,
    /// What the case does, as a sentence.
    pub title: String,
    /// `POST /path` of the operation.
    pub operation: String,
    /// The spec rule the case exercises, with where it is written.
    pub rule: Rule,
    pub steps: Vec<Step>,
}

impl Case {
    /// Profile credentials the case needs.
    pub fn requirements(&self) -> BTreeSet<Credential> {
        self.steps
            .iter()
            .flat_map(|s| &s.request.headers)
            .filter_map(|(_, v)| match v {
                HeaderText::Credential(c) => Some(c.clone()),
                HeaderText::Literal(_) => None,
            })
            .collect()
    }

    /// Codes this case expects to see.
    pub fn expected_codes(&self) -> BTreeSet<String> {
        self.steps
            .iter()
            .filter_map(|s| match &s.expect {
                Expect::Error { codes, .. } => Some(codes.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// Where a case comes from: a human name of the rule and the place in the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// e.g. "documentType is required (ER067)".
    pub name: String,
    /// e.g. `spec/identity-document.yaml#/components/schemas/IdentityDocumentUpload`.
    pub origin: String,
}

/// One request and its expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub request: Request,
    pub expect: Expect,
}

/// An HTTP request, with credentials still symbolic (resolved from the
/// profile when the case runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// Upper-case method.
    pub method: String,
    /// The path with parameters filled in, and the query string if any.
    pub path: String,
    pub headers: Vec<(String, HeaderText)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum HeaderText {
    Literal(String),
    Credential(Credential),
}

/// A credential of the profile: which set, which scheme, and how it is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Credential {
    pub set: CredentialSet,
    /// The security scheme's name in the spec.
    pub scheme: String,
    /// Written before the value, e.g. `Bearer ` for HTTP auth schemes.
    pub prefix: String,
}

/// The credential sets of a profile (see the profile format in README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialSet {
    /// A subject that may do everything.
    Valid,
    /// Expired credentials of that subject.
    Expired,
    /// Another subject, for mismatch rules.
    Other,
    /// A deleted subject.
    Gone,
}

impl CredentialSet {
    pub fn name(self) -> &'static str {
        match self {
            CredentialSet::Valid => "valid",
            CredentialSet::Expired => "expired",
            CredentialSet::Other => "other",
            CredentialSet::Gone => "gone",
        }
    }
}

/// A request body: bytes and their content type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub content_type: String,
    #[serde(serialize_with = "serialize_excerpt")]
    pub bytes: Vec<u8>,
}

fn serialize_excerpt<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&excerpt(bytes, 512))
}

/// At most `max` bytes of `bytes` as text, marked when cut.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    if bytes.len() > max {
        format!("{text}… ({} bytes in all)", bytes.len())
    } else {
        text
    }
}

/// What must come back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expect {
    /// A success: one of the declared 2xx statuses, its body valid against
    /// the declared schema of that status.
    Success { statuses: Vec<u16> },
    /// An error of the catalog: this status, exactly these codes, each with
    /// the catalog's message and solution, in a body valid against the error schema.
    Error {
        status: u16,
        codes: BTreeSet<String>,
    },
    /// A refusal the spec declares without codes: any of these statuses
    /// (a range `4XX` is written as 400..=499 by the runner).
    Refusal { statuses: Vec<u16>, any_4xx: bool },
}

/// How a catalog code is accounted for by a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCoverage {
    pub code: String,
    pub status: u16,
    pub message: String,
    pub verdict: Coverage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Coverage {
    /// Expected by these cases.
    Reached { cases: Vec<String> },
    /// The spec declares it cannot be caused from outside.
    Unreachable { reason: String },
    /// Only reachable with a credential the profile lacks.
    NeedsFixture { credential: String },
    /// The planner has no mechanism that reaches it (a gap, shown as such).
    NotCovered,
}

/// Credentials of a target, by set and scheme name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub credentials: BTreeMap<CredentialSet, BTreeMap<String, String>>,
}

impl Profile {
    pub fn get(&self, c: &Credential) -> Option<&str> {
        self.credentials
            .get(&c.set)
            .and_then(|m| m.get(&c.scheme))
            .map(String::as_str)
    }
}
