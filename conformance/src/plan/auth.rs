//! The authentication matrix, from the security schemes and
//! `x-specgate-auth`: missing, empty, another scheme, unknown, expired, two
//! methods at once, two subjects that disagree, a deleted subject, the
//! format of credential headers at their boundaries, every accepted
//! combination, and the order of the stages.

use spec::ir::*;

use super::values::{length_bounds, pattern_of, string_breaking, string_of_len};
use super::{Planner, edit_body, set_header};
use crate::case::{CredentialSet, HeaderText, Request};

/// The stages of `op`: each with the schemes it uses, in check order.
/// Schemes in no declared stage form stages of their own.
fn stages(api: &Api, op: &Operation) -> Vec<(Option<AuthStage>, Vec<SecurityScheme>)> {
    let used: Vec<&String> = op.security.iter().flatten().collect();
    let mut out = Vec::new();
    for stage in &api.auth_stages {
        let schemes: Vec<SecurityScheme> = stage
            .schemes
            .iter()
            .filter(|s| used.contains(s))
            .filter_map(|s| api.scheme(s).cloned())
            .collect();
        if !schemes.is_empty() {
            out.push((Some(stage.clone()), schemes));
        }
    }
    for s in &api.security_schemes {
        if used.contains(&&s.name)
            && !api
                .auth_stages
                .iter()
                .any(|st| st.schemes.contains(&s.name))
        {
            out.push((None, vec![s.clone()]));
        }
    }
    out
}

fn stage_name(stage: &Option<AuthStage>, schemes: &[SecurityScheme]) -> String {
    match stage {
        Some(s) => s.name.clone(),
        None => schemes.first().map(|s| s.name.clone()).unwrap_or_default(),
    }
}

/// Headers of every scheme in `schemes`.
fn headers_of(schemes: &[SecurityScheme]) -> Vec<String> {
    schemes
        .iter()
        .filter_map(|s| s.kind.header().map(str::to_string))
        .collect()
}

fn remove_stage(r: &mut Request, schemes: &[SecurityScheme]) {
    for h in headers_of(schemes) {
        set_header(r, &h, None);
    }
}

/// Whether every alternative of `op` needs a scheme of `schemes`.
fn required(op: &Operation, schemes: &[SecurityScheme]) -> bool {
    !op.security.is_empty()
        && op
            .security
            .iter()
            .all(|alt| alt.iter().any(|n| schemes.iter().any(|s| &s.name == n)))
}

pub fn cases(p: &mut Planner<'_>) {
    if p.op.security.is_empty() {
        return;
    }
    let api = p.api;
    let op = p.op;
    let all = stages(api, op);
    for (stage, schemes) in &all {
        let name = stage_name(stage, schemes);
        let codes = stage.clone();
        if required(op, schemes) {
            let code = codes.as_ref().and_then(|s| s.missing.clone());
            let expect = p.expect_code(code.as_deref(), 401);
            let sc = schemes.clone();
            p.error_case(
                format!("auth.{name}.missing"),
                format!(
                    "No {name} credential at all is refused{}",
                    super::body::code_note(code.as_deref())
                ),
                &format!("the {name} stage needs a credential"),
                "/security",
                expect,
                move |r, _| remove_stage(r, &sc),
            );
        }
        if let Some(multiple) = codes.as_ref().and_then(|s| s.multiple.clone())
            && schemes.len() > 1
        {
            let expect = p.expect_code(Some(&multiple), 400);
            let sc = schemes.clone();
            p.error_case(
                format!("auth.{name}.multiple"),
                format!(
                    "Valid credentials of two {name} schemes at once are refused with {multiple}"
                ),
                &format!("at most one {name} credential"),
                "/x-specgate-auth",
                expect,
                move |r, p| {
                    remove_stage(r, &sc);
                    for s in &sc {
                        if let Some((h, v)) = p.credential_header(&s.name, CredentialSet::Valid) {
                            set_header(r, &h, Some(v));
                        }
                    }
                },
            );
            let expect = p.expect_code(Some(&multiple), 400);
            let sc = schemes.clone();
            p.error_case(
                format!("auth.{name}.multiple-empty"),
                format!("Two {name} headers, both empty, are refused with {multiple} (whatever their values)"),
                &format!("at most one {name} credential"),
                "/x-specgate-auth",
                expect,
                move |r, _| {
                    remove_stage(r, &sc);
                    for h in headers_of(&sc) {
                        set_header(r, &h, Some(HeaderText::Literal(String::new())));
                    }
                },
            );
        }
        if let Some(mismatch) = codes.as_ref().and_then(|s| s.mismatch.clone())
            && schemes.len() > 1
        {
            let expect = p.expect_code(Some(&mismatch), 403);
            let (a, b) = (schemes[0].name.clone(), schemes[1].name.clone());
            let sc = schemes.clone();
            p.error_case(
                format!("auth.{name}.mismatch"),
                format!("{a} and {b} naming different subjects are refused with {mismatch}"),
                &format!("{name} credentials must name one subject"),
                "/x-specgate-auth",
                expect,
                move |r, p| {
                    remove_stage(r, &sc);
                    for (scheme, set) in [(&a, CredentialSet::Valid), (&b, CredentialSet::Other)] {
                        if let Some((h, v)) = p.credential_header(scheme, set) {
                            set_header(r, &h, Some(v));
                        }
                    }
                },
            );
        }
        if let Some(gone) = codes.as_ref().and_then(|s| s.gone.clone()) {
            for s in schemes {
                let expect = p.expect_code(Some(&gone), 404);
                let sc = schemes.clone();
                let scheme = s.name.clone();
                p.error_case(
                    format!("auth.{}.gone", s.name),
                    format!(
                        "A {} naming a deleted subject is refused with {gone}",
                        s.name
                    ),
                    &format!("the {name} subject must exist"),
                    "/x-specgate-auth",
                    expect,
                    move |r, p| {
                        remove_stage(r, &sc);
                        if let Some((h, v)) = p.credential_header(&scheme, CredentialSet::Gone) {
                            set_header(r, &h, Some(v));
                        }
                    },
                );
            }
        }
        for s in schemes {
            scheme_cases(p, s, schemes);
        }
    }
    accepted(p);
    order(p, &all);
}

/// A request whose `stage` holds only `scheme`, with header value `value`.
fn with_only(r: &mut Request, stage: &[SecurityScheme], header: &str, value: HeaderText) {
    remove_stage(r, stage);
    set_header(r, header, Some(value));
}

fn scheme_cases(p: &mut Planner<'_>, s: &SecurityScheme, stage: &[SecurityScheme]) {
    let api = p.api;
    let op = p.op;
    let Some(header) = s.kind.header().map(str::to_string) else {
        return;
    };
    let name = s.name.clone();
    let code = |f| api.credential_code(op, s, f);
    let prefix = match &s.kind {
        SchemeKind::HttpAuth { scheme, .. } => Some(scheme.clone()),
        SchemeKind::OAuth { .. } => Some("bearer".to_string()),
        SchemeKind::ApiKey { .. } => None,
    };
    let word = prefix.as_deref().map(capitalize);
    // Empty values.
    let mut empties = vec![("empty", String::new())];
    if let Some(w) = &word {
        empties.push(("scheme-only", w.clone()));
        empties.push(("scheme-and-space", format!("{w} ")));
    }
    for (slug, value) in empties {
        let c = code(CredentialFailure::Empty);
        let expect = p.expect_code(c.as_deref(), 401);
        let (sc, h) = (stage.to_vec(), header.clone());
        p.error_case(
            format!("auth.{name}.{slug}"),
            format!(
                "{header}: {value:?} is refused{}",
                super::body::code_note(c.as_deref())
            ),
            &format!("{name} must not be empty"),
            "/components/securitySchemes",
            expect,
            move |r, _| with_only(r, &sc, &h, HeaderText::Literal(value.clone())),
        );
    }
    if let Some(w) = &word {
        // Another scheme, and the scheme name in other letter cases.
        let c = code(CredentialFailure::Malformed);
        let expect = p.expect_code(c.as_deref(), 401);
        let other = if w.eq_ignore_ascii_case("basic") {
            "Bearer"
        } else {
            "Basic"
        };
        let (sc, h) = (stage.to_vec(), header.clone());
        p.error_case(
            format!("auth.{name}.other-scheme"),
            format!(
                "{header} with the {other} scheme is refused{}",
                super::body::code_note(c.as_deref())
            ),
            &format!("{name} uses the {w} scheme"),
            "/components/securitySchemes",
            expect,
            move |r, _| {
                with_only(
                    r,
                    &sc,
                    &h,
                    HeaderText::Literal(format!("{other} c3BlY2dhdGU6Y29uZm9ybWFuY2U=")),
                )
            },
        );
        for (slug, spelled) in [
            ("lowercase", w.to_lowercase()),
            ("uppercase", w.to_uppercase()),
        ] {
            if &spelled == w {
                continue;
            }
            let scheme_name = name.clone();
            let (sc, h) = (stage.to_vec(), header.clone());
            p.success_case(
                format!("auth.{name}.scheme-{slug}"),
                format!(
                    "The scheme name written {spelled:?} is accepted (case-insensitive, RFC 7235)"
                ),
                "auth scheme names are case-insensitive",
                "/components/securitySchemes",
                &[],
                move |r, p| {
                    if let Some((_, HeaderText::Credential(mut cred))) =
                        p.credential_header(&scheme_name, CredentialSet::Valid)
                    {
                        cred.prefix = format!("{spelled} ");
                        with_only(r, &sc, &h, HeaderText::Credential(cred));
                        // The rest of the baseline stays: other stages keep their credentials.
                    }
                },
            );
        }
    }
    // A well-formed credential that the target does not know.
    let carrier = api.credential_carrier(op, &s.name).cloned();
    let mut rng = p.rng(&format!("unknown:{name}"));
    let checks = carrier
        .as_ref()
        .map(|c| c.schema.rules.checks.clone())
        .unwrap_or_default();
    let (min, max) = length_bounds(&checks);
    let pattern = pattern_of(&checks).map(str::to_string);
    let unknown_len = (min.max(40)).min(max.unwrap_or(u64::MAX)) as usize;
    if let Some(token) = string_of_len(pattern.as_deref(), unknown_len, &mut rng) {
        let c = code(CredentialFailure::Unknown);
        let expect = p.expect_code(c.as_deref(), 401);
        let (sc, h) = (stage.to_vec(), header.clone());
        let value = match &word {
            Some(w) => format!("{w} specgate.{token}"),
            None => token,
        };
        p.error_case(
            format!("auth.{name}.unknown"),
            format!(
                "A well-formed {name} the target does not know is refused{}",
                super::body::code_note(c.as_deref())
            ),
            &format!("{name} must be a known credential"),
            "/components/securitySchemes",
            expect,
            move |r, _| with_only(r, &sc, &h, HeaderText::Literal(value.clone())),
        );
    }
    if s.codes.expired.is_some() {
        let c = code(CredentialFailure::Expired);
        let expect = p.expect_code(c.as_deref(), 401);
        let (sc, h, scheme) = (stage.to_vec(), header.clone(), name.clone());
        p.error_case(
            format!("auth.{name}.expired"),
            format!(
                "An expired {name} is refused{}",
                super::body::code_note(c.as_deref())
            ),
            &format!("{name} must not be expired"),
            "/components/securitySchemes",
            expect,
            move |r, p| {
                if let Some((_, v)) = p.credential_header(&scheme, CredentialSet::Expired) {
                    with_only(r, &sc, &h, v);
                }
            },
        );
    }
    // The format of the carrying header, at its boundaries: a value that
    // passes the format goes on to the next check (an unknown credential).
    if let Some(carrier) = carrier {
        let malformed = code(CredentialFailure::Malformed);
        let unknown = code(CredentialFailure::Unknown);
        let mut bounds: Vec<(usize, bool)> = Vec::new();
        if min > 0 {
            bounds.push(((min - 1) as usize, false));
            bounds.push((min as usize, true));
        }
        if let Some(max) = max {
            bounds.push((max as usize, true));
            bounds.push(((max + 1) as usize, false));
        }
        for (len, ok) in bounds {
            let Some(text) = string_of_len(pattern.as_deref(), len, &mut rng) else {
                continue;
            };
            let (c, what) = if ok {
                (unknown.clone(), "passes the format and is unknown")
            } else {
                (malformed.clone(), "breaks the format")
            };
            let expect = p.expect_code(c.as_deref(), if ok { 401 } else { 400 });
            let (sc, h) = (stage.to_vec(), header.clone());
            p.error_case(
                format!("auth.{name}.length.{len}"),
                format!(
                    "{} of {len} characters {what}{}",
                    carrier.name,
                    super::body::code_note(c.as_deref())
                ),
                &format!("the format of {}", carrier.name),
                "/parameters",
                expect,
                move |r, _| with_only(r, &sc, &h, HeaderText::Literal(text.clone())),
            );
        }
        if let Some(pat) = &pattern
            && let Some(text) = string_breaking(pat, unknown_len)
        {
            let expect = p.expect_code(malformed.as_deref(), 400);
            let (sc, h) = (stage.to_vec(), header.clone());
            p.error_case(
                format!("auth.{name}.pattern"),
                format!(
                    "{} {text:?} (not matching {pat}) is refused{}",
                    carrier.name,
                    super::body::code_note(malformed.as_deref())
                ),
                &format!("the format of {}", carrier.name),
                "/parameters",
                expect,
                move |r, _| with_only(r, &sc, &h, HeaderText::Literal(text.clone())),
            );
        }
    }
}

/// Every security alternative of the operation is accepted.
fn accepted(p: &mut Planner<'_>) {
    let alternatives = p.op.security.clone();
    let all_schemes: Vec<SecurityScheme> = p.api.security_schemes.clone();
    for alt in alternatives {
        if alt.is_empty() {
            continue;
        }
        let names = alt.join("+");
        let alt_owned = alt.clone();
        let sc = all_schemes.clone();
        p.success_case(
            format!("auth.accepted.{names}"),
            format!("Credentials {} together are accepted", alt.join(" and ")),
            "the security requirements of the operation",
            "/security",
            &[],
            move |r, p| {
                remove_stage(r, &sc);
                for scheme in &alt_owned {
                    if let Some((h, v)) = p.credential_header(scheme, CredentialSet::Valid) {
                        set_header(r, &h, Some(v));
                    }
                }
            },
        );
    }
}

/// The first failing stage answers: earlier stages win over later ones, and
/// authentication wins over the body.
fn order(p: &mut Planner<'_>, all: &[(Option<AuthStage>, Vec<SecurityScheme>)]) {
    let op = p.op;
    let required_stages: Vec<&(Option<AuthStage>, Vec<SecurityScheme>)> =
        all.iter().filter(|(_, s)| required(op, s)).collect();
    if let Some((first, first_schemes)) = required_stages.first() {
        let code = first.as_ref().and_then(|s| s.missing.clone());
        let first_name = stage_name(first, first_schemes);
        if let Some((second, second_schemes)) = required_stages.get(1) {
            let second_name = stage_name(second, second_schemes);
            let expect = p.expect_code(code.as_deref(), 401);
            let (a, b) = (first_schemes.clone(), second_schemes.clone());
            p.error_case(
                format!("order.{first_name}-before-{second_name}"),
                format!("With no {first_name} and no {second_name} credential, only the {first_name} failure is reported"),
                "authentication stages are checked in order",
                "/x-specgate-auth",
                expect,
                move |r, _| {
                    remove_stage(r, &a);
                    remove_stage(r, &b);
                },
            );
        }
        if p.body_schema.is_some() {
            for (stage, schemes) in &required_stages {
                let code = stage.as_ref().and_then(|s| s.missing.clone());
                let name = stage_name(stage, schemes);
                let expect = p.expect_code(code.as_deref(), 401);
                let sc = schemes.clone();
                p.error_case(
                    format!("order.{name}-before-body"),
                    format!("With no {name} credential and an empty body, only the {name} failure is reported"),
                    "authentication is checked before the body",
                    "/x-specgate-auth",
                    expect,
                    move |r, _| {
                        remove_stage(r, &sc);
                        edit_body(r, |v| *v = serde_json::json!({}));
                    },
                );
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
