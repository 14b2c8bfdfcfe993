//! Root-level vocabulary (catalog, security, auth stages), and the checks that
//! tie the extensions together.

use std::collections::{BTreeSet, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::{Lowerer, naming, root};
use crate::diagnostic::Diagnostic;
use crate::extensions::{self as ext, AuthStageExt, CredentialExt, ErrorsExt};
use crate::ir::*;
use crate::loader::Loc;

impl Lowerer<'_> {
    pub(super) fn catalog(&mut self, root_ext: &IndexMap<String, Value>) -> Option<ErrorCatalog> {
        let at = root();
        let e: ErrorsExt = self.read_ext(root_ext, &at, ext::ERRORS)?;
        let base = at.child(ext::ERRORS);
        self.catalog = Some(e.codes.keys().cloned().collect());
        if e.codes.is_empty() {
            self.diags.push(
                self.src
                    .diag(&base.child("codes"), "the catalog lists no codes"),
            );
        }
        let mut codes = Vec::new();
        for (code, c) in e.codes {
            if !(400..=599).contains(&c.status) {
                self.diags.push(self.src.diag(
                    &base.child("codes").child(&code).child("status"),
                    format!(
                        "status {} of `{code}` is not an error status (400 to 599)",
                        c.status
                    ),
                ));
            }
            codes.push(ErrorCode {
                code,
                status: c.status,
                message: c.message,
                solution: c.solution,
            });
        }
        codes.sort_by(|a, b| a.code.cmp(&b.code));
        if let Some(fallback) = &e.fallback {
            self.check_code(fallback, &base.child("fallback"));
            if let Some(c) = codes.iter().find(|c| &c.code == fallback)
                && c.status < 500
            {
                self.diags.push(self.src.diag(
                    &base.child("fallback"),
                    format!(
                        "the fallback `{fallback}` must have a 5xx status, not {}",
                        c.status
                    ),
                ));
            }
        }
        let schema_at = base.child("schema");
        let schema = match self.src.resolve(&schema_at, &e.schema) {
            Ok(target) => match self.define(target) {
                Ok(id) => id,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            },
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        let layout = match e.layout {
            ext::LayoutExt::KeyedByCode => ErrorLayout::KeyedByCode,
        };
        let fits = match &self.types[schema.0].kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .any(|f| f.json_name == "errors" && matches!(f.schema.shape, Shape::Map(_))),
            _ => false,
        };
        if !fits {
            self.diags.push(self.src.diag(
                &schema_at,
                "layout `keyed-by-code` needs an object schema whose `errors` property is a map (additionalProperties)",
            ));
        }
        Some(ErrorCatalog {
            schema,
            layout,
            fallback: e.fallback,
            codes,
        })
    }

    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let base = root().child("components").child("securitySchemes");
        let Some(Value::Object(map)) = self.src.value(&base).cloned() else {
            return Vec::new();
        };
        let mut names: Vec<&String> = map.keys().collect();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let mut at = base.child(name);
            if let Some(Value::Object(o)) = map.get(name)
                && let Some(Value::String(r)) = o.get("$ref")
            {
                match self.src.resolve(&at.child("$ref"), r) {
                    Ok(t) => at = t,
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                }
            }
            let Some(scheme) = self.attempt(|l| l.src.typed::<openapiv3::SecurityScheme>(&at))
            else {
                continue;
            };
            use openapiv3::SecurityScheme as S;
            let (extensions, description) = match &scheme {
                S::APIKey {
                    extensions,
                    description,
                    ..
                }
                | S::HTTP {
                    extensions,
                    description,
                    ..
                }
                | S::OAuth2 {
                    extensions,
                    description,
                    ..
                }
                | S::OpenIDConnect {
                    extensions,
                    description,
                    ..
                } => (extensions.clone(), description.clone()),
            };
            let cred: Option<CredentialExt> = self.read_ext(&extensions, &at, ext::CREDENTIAL);
            let kind = match &scheme {
                S::APIKey { location, name, .. } => {
                    let location = match location {
                        openapiv3::APIKeyLocation::Query => ParamLocation::Query,
                        openapiv3::APIKeyLocation::Header => ParamLocation::Header,
                        openapiv3::APIKeyLocation::Cookie => ParamLocation::Cookie,
                    };
                    match cred.as_ref().and_then(|c| c.scheme.clone()) {
                        Some(auth) if location == ParamLocation::Header => SchemeKind::HttpAuth {
                            header: name.clone(),
                            scheme: auth.to_ascii_lowercase(),
                        },
                        Some(_) => {
                            self.diags.push(self.src.diag(
                                &at.child(ext::CREDENTIAL).child("scheme"),
                                "an auth scheme prefix applies only to an API key sent in a header",
                            ));
                            SchemeKind::ApiKey {
                                location,
                                name: name.clone(),
                            }
                        }
                        None => SchemeKind::ApiKey {
                            location,
                            name: name.clone(),
                        },
                    }
                }
                S::HTTP { scheme, .. } => {
                    if cred.as_ref().is_some_and(|c| c.scheme.is_some()) {
                        self.diags.push(self.src.diag(
                            &at.child(ext::CREDENTIAL).child("scheme"),
                            "`type: http` names its scheme already; `scheme` here is for API-key schemes",
                        ));
                    }
                    SchemeKind::HttpAuth {
                        header: "Authorization".into(),
                        scheme: scheme.to_ascii_lowercase(),
                    }
                }
                S::OAuth2 { .. } | S::OpenIDConnect { .. } => SchemeKind::OAuth {
                    header: "Authorization".into(),
                },
            };
            let mut codes = CredentialCodes::default();
            if let Some(c) = cred {
                let cat = at.child(ext::CREDENTIAL).child("codes");
                for (key, code) in [
                    ("empty", &c.codes.empty),
                    ("malformed", &c.codes.malformed),
                    ("unknown", &c.codes.unknown),
                    ("expired", &c.codes.expired),
                ] {
                    if let Some(code) = code {
                        self.check_code(code, &cat.child(key));
                    }
                }
                codes = CredentialCodes {
                    empty: c.codes.empty,
                    malformed: c.codes.malformed,
                    unknown: c.codes.unknown,
                    expired: c.codes.expired,
                };
            }
            out.push(SecurityScheme {
                name: name.clone(),
                rust_name: String::new(),
                kind,
                description,
                codes,
            });
        }
        let mut names: Vec<String> = out
            .iter()
            .map(|s| naming::type_name(&s.name, "Scheme"))
            .collect();
        naming::dedupe(&mut names, &[]);
        for (s, rust_name) in out.iter_mut().zip(names) {
            s.rust_name = rust_name;
        }
        out
    }

    pub(super) fn auth_stages(
        &mut self,
        root_ext: &IndexMap<String, Value>,
        schemes: &[SecurityScheme],
    ) -> Vec<AuthStage> {
        let at = root();
        let Some(list) = self.read_ext::<Vec<AuthStageExt>>(root_ext, &at, ext::AUTH) else {
            return Vec::new();
        };
        let base = at.child(ext::AUTH);
        let mut names = HashSet::new();
        let mut staged = HashSet::new();
        let mut out = Vec::new();
        for (i, s) in list.into_iter().enumerate() {
            let sat = base.index(i);
            if !names.insert(s.stage.clone()) {
                self.diags.push(self.src.diag(
                    &sat.child("stage"),
                    format!("stage name `{}` is used twice", s.stage),
                ));
            }
            if s.schemes.is_empty() {
                self.diags.push(
                    self.src
                        .diag(&sat.child("schemes"), "a stage needs at least one scheme"),
                );
            }
            for (j, name) in s.schemes.iter().enumerate() {
                if !schemes.iter().any(|x| &x.name == name) {
                    self.diags.push(self.src.diag(
                        &sat.child("schemes").index(j),
                        format!("`{name}` is not a scheme of components.securitySchemes"),
                    ));
                } else if !staged.insert(name.clone()) {
                    self.diags.push(self.src.diag(
                        &sat.child("schemes").index(j),
                        format!("scheme `{name}` is in two stages"),
                    ));
                }
            }
            let cat = sat.child("codes");
            for (key, code) in [
                ("missing", &s.codes.missing),
                ("multiple", &s.codes.multiple),
                ("mismatch", &s.codes.mismatch),
                ("gone", &s.codes.gone),
            ] {
                if let Some(code) = code {
                    self.check_code(code, &cat.child(key));
                }
            }
            out.push(AuthStage {
                name: s.stage,
                schemes: s.schemes,
                missing: s.codes.missing,
                multiple: s.codes.multiple,
                mismatch: s.codes.mismatch,
                gone: s.codes.gone,
            });
        }
        out
    }

    /// Every code an operation can answer must have its status declared, and
    /// conflict keys must be body properties.
    pub(super) fn check_statuses(&mut self, api: &Api) {
        let Some(catalog) = &api.errors else {
            return;
        };
        for (op, loc) in api.operations.iter().zip(self.op_locs.clone()) {
            let mut codes = BTreeSet::new();
            operation_codes(api, op, &mut codes);
            for code in codes {
                let Some(entry) = catalog.get(&code) else {
                    continue;
                };
                if !op.responses.iter().any(|r| r.status.matches(entry.status)) {
                    self.diags.push(self.src.diag(
                        &loc.child("responses"),
                        format!(
                            "{} {} can answer `{code}` (status {}), but declares no {} response",
                            op.method, op.path, entry.status, entry.status
                        ),
                    ));
                }
            }
            let body_fields = op
                .body
                .as_ref()
                .and_then(|b| b.content.first())
                .and_then(|c| c.schema.as_ref())
                .and_then(|s| match s.shape {
                    Shape::Named(id) => match &api.types[id.0].kind {
                        TypeKind::Struct(st) => Some(
                            st.fields
                                .iter()
                                .map(|f| f.json_name.clone())
                                .collect::<Vec<_>>(),
                        ),
                        _ => None,
                    },
                    _ => None,
                });
            for (i, c) in op.conflicts.iter().enumerate() {
                for (j, k) in c.key.iter().enumerate() {
                    if !body_fields.as_ref().is_some_and(|f| f.contains(k)) {
                        self.diags.push(self.src.diag(
                            &loc.child(ext::CONFLICTS).index(i).child("key").index(j),
                            format!("conflict key `{k}` is not a property of the request body"),
                        ));
                    }
                }
            }
        }
    }

    /// Every `x-specgate-*` key that nothing read: unknown, or in the wrong place.
    pub(super) fn unread_extensions(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for doc in 0..self.src.docs().len() {
            let mut stack = vec![(
                Loc {
                    doc,
                    pointer: String::new(),
                },
                &self.src.doc(doc).value,
            )];
            while let Some((at, value)) = stack.pop() {
                match value {
                    Value::Object(map) => {
                        for (k, v) in map {
                            let child = at.child(k);
                            if k.starts_with(ext::PREFIX) {
                                if !self.consumed.contains(&child) {
                                    out.push(self.src.diag(&child, unread_message(k, map)));
                                }
                                continue;
                            }
                            // Free-form values are data, not spec structure.
                            if matches!(
                                k.as_str(),
                                "example" | "examples" | "default" | "enum" | "const"
                            ) {
                                continue;
                            }
                            stack.push((child, v));
                        }
                    }
                    Value::Array(items) => {
                        for (i, v) in items.iter().enumerate() {
                            stack.push((at.index(i), v));
                        }
                    }
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| {
            (&a.file, a.position, &a.pointer).cmp(&(&b.file, b.position, &b.pointer))
        });
        out
    }
}

fn unread_message(key: &str, siblings: &serde_json::Map<String, Value>) -> String {
    if !ext::KEYS.contains(&key) {
        return format!(
            "unknown extension `{key}`; the x-specgate vocabulary is: {} (spec/EXTENSIONS.md)",
            ext::KEYS.join(", ")
        );
    }
    if siblings.contains_key("$ref") {
        return format!(
            "`{key}` beside a $ref is ignored (OpenAPI 3.0 ignores siblings of $ref): wrap the reference as `allOf: [{{$ref: ...}}]`"
        );
    }
    let place = match key {
        ext::ERRORS | ext::AUTH => "the document root",
        ext::CODES => "a schema",
        ext::BODY => "a request body",
        ext::FILE => "a `format: byte` string schema",
        ext::CREDENTIAL => "a security scheme",
        _ => "an operation",
    };
    format!(
        "`{key}` is not read here: it belongs on {place}, and this one is not used by any operation or component that is read"
    )
}

/// The codes `op` can answer, by the spec's extensions.
pub(crate) fn operation_codes(api: &Api, op: &Operation, out: &mut BTreeSet<String>) {
    let mut seen = HashSet::new();
    for p in &op.parameters {
        schema_codes(api, &p.schema, out, &mut seen);
    }
    if let Some(body) = &op.body {
        if let NotAnObject::Code(c) = &body.not_an_object {
            out.insert(c.clone());
        }
        for c in &body.content {
            if let Some(s) = &c.schema {
                schema_codes(api, s, out, &mut seen);
            }
        }
    }
    let used: BTreeSet<&String> = op.security.iter().flatten().collect();
    for s in &api.security_schemes {
        if used.contains(&s.name) {
            let c = &s.codes;
            out.extend(
                [&c.empty, &c.malformed, &c.unknown, &c.expired]
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }
    for stage in &api.auth_stages {
        if stage.schemes.iter().any(|s| used.contains(s)) {
            out.extend(
                [
                    &stage.missing,
                    &stage.multiple,
                    &stage.mismatch,
                    &stage.gone,
                ]
                .into_iter()
                .flatten()
                .cloned(),
            );
        }
    }
    out.extend(op.conflicts.iter().map(|c| c.code.clone()));
    out.extend(op.unreachable.keys().cloned());
}

fn schema_codes(api: &Api, s: &Schema, out: &mut BTreeSet<String>, seen: &mut HashSet<TypeId>) {
    out.extend(s.rules.codes.values().cloned());
    for f in &s.file_checks {
        out.insert(f.code.clone());
        if let FileRule::MediaType { refused_code, .. } = &f.rule {
            out.insert(refused_code.clone());
        }
    }
    match &s.shape {
        Shape::Named(id) => {
            if !seen.insert(*id) {
                return;
            }
            match &api.types[id.0].kind {
                TypeKind::Struct(st) => {
                    out.extend(st.rules.codes.values().cloned());
                    for f in &st.fields {
                        out.extend(f.missing_code.iter().cloned());
                        schema_codes(api, &f.schema, out, seen);
                    }
                    if let Additional::Typed(v) = &st.additional {
                        schema_codes(api, v, out, seen);
                    }
                }
                TypeKind::Enum(e) => out.extend(e.rules.codes.values().cloned()),
                TypeKind::Union(u) => {
                    out.extend(u.rules.codes.values().cloned());
                    for v in &u.variants {
                        schema_codes(api, &v.schema, out, seen);
                    }
                }
                TypeKind::Alias(a) => schema_codes(api, a, out, seen),
            }
        }
        Shape::List(item) | Shape::Map(item) => schema_codes(api, item, out, seen),
        _ => {}
    }
}
