//! Case derivation: everything from the spec's IR. Each mechanism is driven
//! by standard keywords (required, enum, format, lengths, security schemes)
//! plus the `x-specgate-*` vocabulary, so it works for any spec; a spec
//! without the vocabulary still gets positive cases and expects a 4xx for
//! each violation.

mod auth;
mod body;
mod coverage;
mod files;
mod image;
mod keys;
mod state;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spec::ir::*;

use crate::case::*;

pub use coverage::coverage;

/// The plan for `api`: the same spec and seed always give the same cases.
pub fn plan(api: &Api, seed: u64) -> Plan {
    let mut cases = Vec::new();
    for op in &api.operations {
        let mut p = Planner::new(api, op, seed);
        p.positive();
        p.auth();
        p.params();
        p.body();
        p.files();
        p.state();
        cases.extend(p.cases);
    }
    unique_ids(&mut cases);
    let coverage = coverage(api, &cases, None);
    Plan {
        title: api.title.clone(),
        version: api.version.clone(),
        seed,
        cases,
        coverage,
    }
}

impl Plan {
    /// Keep the cases whose id matches `pattern` (`*` matches any run of
    /// characters; without `*` the pattern matches anywhere in the id).
    pub fn filter(&mut self, pattern: &str) {
        self.cases.retain(|c| matches_pattern(&c.id, pattern));
        // Codes that only the removed cases reach are not gaps of the plan:
        // the coverage speaks of the cases kept.
        let kept: BTreeSet<&str> = self.cases.iter().map(|c| c.id.as_str()).collect();
        self.coverage.retain_mut(|c| match &mut c.verdict {
            Coverage::Reached { cases } => {
                cases.retain(|id| kept.contains(id.as_str()));
                !cases.is_empty()
            }
            _ => true,
        });
    }

    /// Recount coverage for a profile: codes only reachable with credentials
    /// it lacks need a fixture. Codes a filter left out stay out.
    pub fn for_profile(&mut self, api: &Api, profile: &Profile) {
        let listed: BTreeSet<String> = self.coverage.iter().map(|c| c.code.clone()).collect();
        self.coverage = coverage(api, &self.cases, Some(profile))
            .into_iter()
            .filter(|c| listed.contains(&c.code))
            .collect();
    }

    /// Schemes whose `valid` credential some case needs and `profile` lacks:
    /// without them the target cannot be certified at all.
    pub fn missing_valid(&self, profile: &Profile) -> BTreeSet<String> {
        self.cases
            .iter()
            .flat_map(Case::requirements)
            .filter(|c| c.set == CredentialSet::Valid && profile.get(c).is_none())
            .map(|c| c.scheme)
            .collect()
    }
}

/// Glob-style match of a case id.
pub fn matches_pattern(id: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = id;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return part.is_empty() || rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn unique_ids(cases: &mut [Case]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in cases.iter_mut() {
        let n = seen.entry(c.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.id = format!("{}.{}", c.id, n);
        }
    }
}

/// A small deterministic generator (xorshift64*), so the same seed gives
/// the same values everywhere.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, salt: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
        for b in salt.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(h | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// `n` letters and digits.
    pub fn alnum(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| char::from(CHARS[(self.next() % CHARS.len() as u64) as usize]))
            .collect()
    }
}

/// Derives the cases of one operation.
pub(crate) struct Planner<'a> {
    pub api: &'a Api,
    pub op: &'a Operation,
    pub seed: u64,
    pub cases: Vec<Case>,
    pub keys: keys::KeyPool,
    /// The security alternative the baseline request satisfies.
    pub baseline_schemes: Vec<String>,
    /// The body schema (JSON) of the operation, if any.
    pub body_schema: Option<&'a Schema>,
}

impl<'a> Planner<'a> {
    fn new(api: &'a Api, op: &'a Operation, seed: u64) -> Self {
        let body_schema = op
            .body
            .as_ref()
            .and_then(|b| b.content.first())
            .filter(|c| is_json(&c.media_type))
            .and_then(|c| c.schema.as_ref());
        // The first alternative that needs no credential set beyond `valid`.
        let baseline_schemes = op.security.first().cloned().unwrap_or_default();
        let keys = keys::KeyPool::new(api, op, body_schema);
        Planner {
            api,
            op,
            seed,
            cases: Vec::new(),
            keys,
            baseline_schemes,
            body_schema,
        }
    }

    pub fn operation(&self) -> String {
        format!("{} {}", self.op.method, self.op.path)
    }

    pub fn origin(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.op.origin)
    }

    pub fn rng(&self, salt: &str) -> Rng {
        Rng::new(self.seed, &format!("{}:{salt}", self.operation()))
    }

    /// Credential header for `scheme` from the profile's `set`.
    pub fn credential_header(
        &self,
        scheme: &str,
        set: CredentialSet,
    ) -> Option<(String, HeaderText)> {
        let s = self.api.scheme(scheme)?;
        let header = s.kind.header()?.to_string();
        let prefix = match &s.kind {
            SchemeKind::HttpAuth { scheme, .. } => format!("{} ", http_scheme_word(scheme)),
            SchemeKind::OAuth { .. } => "Bearer ".to_string(),
            SchemeKind::ApiKey { .. } => String::new(),
        };
        Some((
            header,
            HeaderText::Credential(Credential {
                set,
                scheme: scheme.to_string(),
                prefix,
            }),
        ))
    }

    /// The valid request: baseline credentials, parameters and body, with
    /// the conflict key `key` (see [`keys::KeyPool`]).
    pub fn baseline(&self, key: &keys::Key) -> Request {
        let mut headers = Vec::new();
        for scheme in &self.baseline_schemes {
            if let Some(h) = self.credential_header(scheme, CredentialSet::Valid) {
                headers.push(h);
            }
        }
        let mut path = self.op.path.clone();
        let mut query = Vec::new();
        for p in &self.op.parameters {
            if p.credential_of.is_some() || !p.required {
                continue;
            }
            let v = values::valid(self.api, &p.schema, &mut self.rng(&p.name));
            let text = match &v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match p.location {
                ParamLocation::Path => {
                    path = path.replace(&format!("{{{}}}", p.name), &percent_encode(&text))
                }
                ParamLocation::Query => query.push(format!(
                    "{}={}",
                    percent_encode(&p.name),
                    percent_encode(&text)
                )),
                ParamLocation::Header => headers.push((p.name.clone(), HeaderText::Literal(text))),
                ParamLocation::Cookie => headers.push((
                    "Cookie".into(),
                    HeaderText::Literal(format!("{}={text}", p.name)),
                )),
            }
        }
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let body = self.baseline_body(key).map(|v| Body {
            content_type: self.content_type(),
            bytes: serde_json::to_vec(&v).unwrap_or_default(),
        });
        let body = body.or_else(|| {
            // A non-JSON body: send a few bytes of its declared type.
            let b = self.op.body.as_ref()?;
            let c = b.content.first()?;
            b.required.then(|| Body {
                content_type: c.media_type.clone(),
                bytes: b"specgate".to_vec(),
            })
        });
        Request {
            method: self.op.method.clone(),
            path,
            headers,
            body,
        }
    }

    pub fn content_type(&self) -> String {
        self.op
            .body
            .as_ref()
            .and_then(|b| b.content.first())
            .map(|c| c.media_type.clone())
            .unwrap_or_else(|| "application/json".into())
    }

    /// A valid JSON body with conflict key `key`.
    pub fn baseline_body(&self, key: &keys::Key) -> Option<Value> {
        let schema = self.body_schema?;
        let mut v = values::valid(self.api, schema, &mut self.rng("body"));
        if let Value::Object(map) = &mut v {
            for (k, value) in &key.values {
                map.insert(k.clone(), value.clone());
            }
            // Files must pass every check for this body.
            for (name, checks) in self.file_fields() {
                if let Some(bytes) = image::valid_file(&checks, map) {
                    map.insert(name, Value::String(image::base64(&bytes)));
                }
            }
        }
        Some(v)
    }

    /// Top-level body fields that carry file checks.
    pub fn file_fields(&self) -> Vec<(String, Vec<FileCheck>)> {
        let Some(Shape::Named(id)) = self.body_schema.map(|s| &s.shape) else {
            return Vec::new();
        };
        match &self.api.type_def(*id).kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .filter(|f| !f.schema.file_checks.is_empty())
                .map(|f| (f.json_name.clone(), f.schema.file_checks.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// What a request with one fault expects: the code when the spec maps
    /// one, else any 4xx refusal.
    pub fn expect_codes(&self, codes: BTreeSet<String>, fallback_status: u16) -> Expect {
        let statuses: BTreeSet<u16> = codes
            .iter()
            .filter_map(|c| self.api.errors.as_ref()?.get(c).map(|e| e.status))
            .collect();
        match (codes.is_empty(), statuses.len()) {
            (false, 1) => Expect::Error {
                status: statuses.into_iter().next().unwrap_or(fallback_status),
                codes,
            },
            _ => Expect::Refusal {
                statuses: vec![fallback_status],
                any_4xx: true,
            },
        }
    }

    pub fn expect_code(&self, code: Option<&str>, fallback_status: u16) -> Expect {
        self.expect_codes(
            code.map(str::to_string).into_iter().collect(),
            fallback_status,
        )
    }

    /// Statuses the operation declares for success.
    pub fn success(&self) -> Expect {
        let mut statuses: Vec<u16> = self
            .op
            .responses
            .iter()
            .filter_map(|r| match r.status {
                StatusSpec::Code(c) if (200..300).contains(&c) => Some(c),
                _ => None,
            })
            .collect();
        if statuses.is_empty() {
            statuses = (200..300).collect();
        }
        Expect::Success { statuses }
    }

    pub fn push(&mut self, id: String, title: String, rule: &str, origin: &str, steps: Vec<Step>) {
        self.cases.push(Case {
            id,
            title,
            operation: self.operation(),
            rule: Rule {
                name: rule.to_string(),
                origin: self.origin(origin),
            },
            steps,
        });
    }

    /// A success case with a fresh conflict key, and the body edited by `edit`.
    pub fn success_case(
        &mut self,
        id: String,
        title: String,
        rule: &str,
        origin: &str,
        fixed: &[(String, Value)],
        edit: impl FnOnce(&mut Request, &Planner<'_>),
    ) {
        let Some(key) = self.keys.fresh(fixed) else {
            return;
        };
        let mut request = self.baseline(&key);
        edit(&mut request, self);
        let expect = self.success();
        self.push(id, title, rule, origin, vec![Step { request, expect }]);
    }

    /// An error case on the reserved conflict key, the body edited by `edit`.
    pub fn error_case(
        &mut self,
        id: String,
        title: String,
        rule: &str,
        origin: &str,
        expect: Expect,
        edit: impl FnOnce(&mut Request, &Planner<'_>),
    ) {
        let key = self.keys.reserved();
        let mut request = self.baseline(&key);
        edit(&mut request, self);
        self.push(id, title, rule, origin, vec![Step { request, expect }]);
    }

    /// Positive cases: the baseline request, and every enum value of the body.
    fn positive(&mut self) {
        self.success_case(
            "positive.baseline".into(),
            "A valid request is accepted and its answer matches the declared schema".into(),
            "the operation accepts a valid request",
            "",
            &[],
            |_, _| {},
        );
        body::enum_values(self);
    }

    fn params(&mut self) {
        body::params(self);
    }

    fn body(&mut self) {
        body::fields(self);
    }

    fn auth(&mut self) {
        auth::cases(self);
    }

    fn files(&mut self) {
        files::cases(self);
    }

    fn state(&mut self) {
        state::cases(self);
    }
}

/// Set or replace a header.
pub(crate) fn set_header(request: &mut Request, name: &str, value: Option<HeaderText>) {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        request.headers.push((name.to_string(), v));
    }
}

/// Edit the JSON body in place.
pub(crate) fn edit_body(request: &mut Request, f: impl FnOnce(&mut Value)) {
    if let Some(body) = &mut request.body
        && let Ok(mut v) = serde_json::from_slice::<Value>(&body.bytes)
    {
        f(&mut v);
        body.bytes = serde_json::to_vec(&v).unwrap_or_default();
    }
}

/// Replace the body bytes.
pub(crate) fn raw_body(request: &mut Request, bytes: Vec<u8>) {
    if let Some(body) = &mut request.body {
        body.bytes = bytes;
    }
}

fn http_scheme_word(scheme: &str) -> String {
    let mut c = scheme.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(crate) fn is_json(media_type: &str) -> bool {
    let base = media_type.split(';').next().unwrap_or("").trim();
    base == "application/json" || base.ends_with("+json")
}

pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON pointer token list as a readable dotted path.
pub(crate) fn dotted(path: &[String]) -> String {
    path.join(".")
}
