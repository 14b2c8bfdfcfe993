//! Paths and operations: parameters, bodies, responses, security.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use openapiv3::{ParameterSchemaOrContent, ReferenceOr, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::schema::SRef;
use super::{Lowerer, naming, root};
use crate::diagnostic::Diagnostic;
use crate::extensions::{self as ext, BodyExt, ConflictExt, UnreachableExt};
use crate::ir::*;
use crate::loader::{Loc, Sources};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Lowerer<'_> {
    pub(super) fn operations(&mut self, schemes: &[SecurityScheme]) -> Vec<Operation> {
        let root_value = &self.src.root().value;
        let Some(Value::Object(paths)) = root_value.get("paths") else {
            return Vec::new();
        };
        let mut keys: Vec<String> = paths
            .keys()
            .filter(|k| k.starts_with('/'))
            .cloned()
            .collect();
        keys.sort();
        let global: Vec<Vec<String>> = match root_value.get("security") {
            Some(_) => self
                .attempt(|l| {
                    l.src
                        .typed::<Vec<openapiv3::SecurityRequirement>>(&root().child("security"))
                })
                .map(|reqs| requirement_names(&reqs))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        self.check_requirements(&global, &root().child("security"), schemes);
        let mut out: Vec<(Operation, Loc)> = Vec::new();
        for path in &keys {
            let mut at = root().child("paths").child(path);
            if let Some(r) = self
                .src
                .value(&at)
                .and_then(|o| o.get("$ref"))
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                match self.src.resolve(&at.child("$ref"), &r) {
                    Ok(t) => at = t,
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                }
            }
            let Some(item) = self.attempt(|l| path_item(l.src, &at)) else {
                continue;
            };
            for method in METHODS {
                let op = match method {
                    "get" => &item.get,
                    "put" => &item.put,
                    "post" => &item.post,
                    "delete" => &item.delete,
                    "options" => &item.options,
                    "head" => &item.head,
                    "patch" => &item.patch,
                    _ => &item.trace,
                };
                let Some(op) = op else { continue };
                let op_at = at.child(method);
                if let Some(lowered) =
                    self.operation(path, method, op, &item, &op_at, &at, &global, schemes)
                {
                    out.push((lowered, op_at));
                }
            }
        }
        let mut names: Vec<String> = out.iter().map(|(o, _)| o.rust_name.clone()).collect();
        // `authenticate` is the generated trait's own method.
        naming::dedupe(&mut names, &["authenticate"]);
        for ((op, _), name) in out.iter_mut().zip(names) {
            op.rust_name = name;
        }
        self.op_locs = out.iter().map(|(_, l)| l.clone()).collect();
        out.into_iter().map(|(o, _)| o).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        item: &openapiv3::PathItem,
        at: &Loc,
        item_at: &Loc,
        global: &[Vec<String>],
        schemes: &[SecurityScheme],
    ) -> Option<Operation> {
        let rust_name = match &op.operation_id {
            Some(id) => naming::snake_name(id, "operation"),
            None => naming::snake_name(&format!("{method} {path}"), "operation"),
        };
        let hint = naming::type_name(&rust_name, "Operation");
        let security = match &op.security {
            Some(reqs) => {
                let names = requirement_names(reqs);
                self.check_requirements(&names, &at.child("security"), schemes);
                names
            }
            None => global.to_vec(),
        };
        let credential_headers: BTreeMap<String, String> = security
            .iter()
            .flatten()
            .filter_map(|name| {
                let s = schemes.iter().find(|s| &s.name == name)?;
                Some((s.kind.header()?.to_ascii_lowercase(), s.name.clone()))
            })
            .collect();

        // Operation parameters override path-level ones with the same name and place.
        let mut params: Vec<(openapiv3::Parameter, Loc)> = Vec::new();
        for (list, list_at) in [
            (&item.parameters, item_at.child("parameters")),
            (&op.parameters, at.child("parameters")),
        ] {
            for (i, p) in list.iter().enumerate() {
                let pat = list_at.index(i);
                let Some((param, ploc)) = self.deref::<openapiv3::Parameter>(p, &pat) else {
                    continue;
                };
                let key = (param.parameter_data_ref().name.clone(), location(&param));
                params.retain(|(q, _)| (q.parameter_data_ref().name.clone(), location(q)) != key);
                params.push((param, ploc));
            }
        }
        let mut parameters = Vec::new();
        for (param, ploc) in params {
            let data = param.parameter_data_ref();
            let loc_kind = location(&param);
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(s) => self.attempt(|l| {
                    l.use_site(
                        SRef::from(s),
                        &ploc.child("schema"),
                        &format!("{hint} {}", data.name),
                    )
                }),
                ParameterSchemaOrContent::Content(content) => self.content_schema(
                    content,
                    &ploc.child("content"),
                    &format!("{hint} {}", data.name),
                ),
            };
            let Some(schema) = schema else { continue };
            let credential_of = (loc_kind == ParamLocation::Header)
                .then(|| {
                    credential_headers
                        .get(&data.name.to_ascii_lowercase())
                        .cloned()
                })
                .flatten();
            parameters.push(Parameter {
                name: data.name.clone(),
                rust_name: naming::snake_name(&data.name, "param"),
                location: loc_kind,
                required: data.required || loc_kind == ParamLocation::Path,
                schema,
                docs: Docs {
                    title: None,
                    description: data.description.clone(),
                    deprecated: data.deprecated.unwrap_or(false),
                    example: data.example.clone(),
                },
                credential_of,
            });
        }
        let mut names: Vec<String> = parameters.iter().map(|p| p.rust_name.clone()).collect();
        // `body` is the request body's field in the generated input.
        naming::dedupe(&mut names, &["body"]);
        for (p, n) in parameters.iter_mut().zip(names) {
            p.rust_name = n;
        }

        let body = match &op.request_body {
            Some(rb) => {
                let (rb, rb_at) =
                    self.deref::<openapiv3::RequestBody>(rb, &at.child("requestBody"))?;
                Some(self.request_body(&rb, &rb_at, &hint))
            }
            None => None,
        };

        let mut responses = Vec::new();
        let mut statuses: Vec<(&StatusCode, &ReferenceOr<openapiv3::Response>)> =
            op.responses.responses.iter().collect();
        statuses.sort_by_key(|(s, _)| status_spec(s));
        let rat = at.child("responses");
        let listed = statuses
            .into_iter()
            .map(|(s, r)| (status_spec(s), r, rat.child(&s.to_string())))
            .chain(
                op.responses
                    .default
                    .iter()
                    .map(|r| (StatusSpec::Default, r, rat.child("default"))),
            )
            .collect::<Vec<_>>();
        for (status, r, r_at) in listed {
            let Some((resp, resp_at)) = self.deref::<openapiv3::Response>(r, &r_at) else {
                continue;
            };
            let word = match status {
                StatusSpec::Code(c) => c.to_string(),
                StatusSpec::Range(r) => format!("{r}XX"),
                StatusSpec::Default => "Default".into(),
            };
            let rhint = format!("{hint} Response {word}");
            let content = self.contents(&resp.content, &resp_at.child("content"), &rhint);
            let mut headers = Vec::new();
            let mut hnames: Vec<&String> = resp.headers.keys().collect();
            hnames.sort();
            for name in hnames {
                let h_at = resp_at.child("headers").child(name);
                let Some((h, h_loc)) = self.deref::<openapiv3::Header>(&resp.headers[name], &h_at)
                else {
                    continue;
                };
                let schema = match &h.format {
                    ParameterSchemaOrContent::Schema(s) => self.attempt(|l| {
                        l.use_site(
                            SRef::from(s),
                            &h_loc.child("schema"),
                            &format!("{rhint} {name}"),
                        )
                    }),
                    ParameterSchemaOrContent::Content(c) => {
                        self.content_schema(c, &h_loc.child("content"), &format!("{rhint} {name}"))
                    }
                };
                if let Some(schema) = schema {
                    headers.push((name.clone(), schema));
                }
            }
            responses.push(Response {
                status,
                description: resp.description.clone(),
                content,
                headers,
            });
        }

        let conflicts = self
            .read_ext::<Vec<ConflictExt>>(&op.extensions, at, ext::CONFLICTS)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                self.check_code(&c.code, &at.child(ext::CONFLICTS).index(i).child("code"));
                Conflict {
                    code: c.code,
                    key: c.key,
                    description: c.description,
                }
            })
            .collect();
        let unreachable: BTreeMap<String, String> = self
            .read_ext::<UnreachableExt>(&op.extensions, at, ext::UNREACHABLE)
            .unwrap_or_default()
            .into_iter()
            .collect();
        for code in unreachable.keys() {
            self.check_code(code, &at.child(ext::UNREACHABLE).child(code));
        }

        Some(Operation {
            rust_name,
            operation_id: op.operation_id.clone(),
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            parameters,
            body,
            responses,
            security,
            conflicts,
            unreachable,
            origin: self.src.describe(at),
        })
    }

    fn request_body(&mut self, rb: &openapiv3::RequestBody, at: &Loc, hint: &str) -> RequestBody {
        let body_ext: Option<BodyExt> = self.read_ext(&rb.extensions, at, ext::BODY);
        let (any_content_type, not_an_object) = match body_ext {
            Some(b) => {
                let n = match b.not_an_object.as_deref() {
                    None => NotAnObject::Unspecified,
                    Some("empty-object") => NotAnObject::EmptyObject,
                    Some(code) => {
                        self.check_code(code, &at.child(ext::BODY).child("not-an-object"));
                        NotAnObject::Code(code.to_string())
                    }
                };
                (b.any_content_type, n)
            }
            None => (false, NotAnObject::Unspecified),
        };
        RequestBody {
            required: rb.required,
            content: self.contents(&rb.content, &at.child("content"), &format!("{hint} Body")),
            any_content_type,
            not_an_object,
            description: rb.description.clone(),
        }
    }

    /// Media types with their schemas: JSON first, then by name.
    fn contents(
        &mut self,
        content: &IndexMap<String, openapiv3::MediaType>,
        at: &Loc,
        hint: &str,
    ) -> Vec<Content> {
        let mut keys: Vec<&String> = content.keys().collect();
        keys.sort_by_key(|k| (!is_json(k), k.to_string()));
        let mut out = Vec::new();
        let mut first = true;
        for mt in keys {
            let name = if first {
                hint.to_string()
            } else {
                format!("{hint} {mt}")
            };
            first = false;
            let schema = match &content[mt].schema {
                Some(s) => self
                    .attempt(|l| l.use_site(SRef::from(s), &at.child(mt).child("schema"), &name)),
                None => None,
            };
            out.push(Content {
                media_type: mt.clone(),
                schema,
            });
        }
        out
    }

    fn content_schema(
        &mut self,
        content: &IndexMap<String, openapiv3::MediaType>,
        at: &Loc,
        hint: &str,
    ) -> Option<Schema> {
        Some(
            self.contents(content, at, hint)
                .into_iter()
                .find_map(|c| c.schema)
                .unwrap_or_else(|| Schema::new(Shape::Any(AnyReason::Unconstrained))),
        )
    }

    /// An item or the item a reference names, with where it is.
    fn deref<T: DeserializeOwned + Clone>(
        &mut self,
        r: &ReferenceOr<T>,
        at: &Loc,
    ) -> Option<(T, Loc)> {
        match r {
            ReferenceOr::Item(t) => Some((t.clone(), at.clone())),
            ReferenceOr::Reference { reference } => {
                let target = self.attempt(|l| l.src.resolve(&at.child("$ref"), reference))?;
                let t = self.attempt(|l| l.src.typed::<T>(&target))?;
                Some((t, target))
            }
        }
    }

    fn check_requirements(&mut self, reqs: &[Vec<String>], at: &Loc, schemes: &[SecurityScheme]) {
        for (i, alt) in reqs.iter().enumerate() {
            for name in alt {
                if !schemes.iter().any(|s| &s.name == name) {
                    self.diags.push(self.src.diag(
                        &at.index(i).child(name),
                        format!("security requirement names `{name}`, which is not in components.securitySchemes"),
                    ));
                }
            }
        }
    }
}

/// The path item at `at`, without its operations' `callbacks`: they play
/// no part in a server of this API, and openapiv3 cannot read a callback
/// given as a `$ref`.
fn path_item(src: &Sources, at: &Loc) -> Result<openapiv3::PathItem, Diagnostic> {
    let has_callbacks = src
        .value(at)
        .and_then(Value::as_object)
        .is_some_and(|item| {
            METHODS
                .iter()
                .any(|m| item.get(*m).is_some_and(|op| op.get("callbacks").is_some()))
        });
    if !has_callbacks {
        return src.typed(at);
    }
    let mut copy = src.value(at).cloned().unwrap_or(Value::Null);
    if let Value::Object(item) = &mut copy {
        for m in METHODS {
            if let Some(Value::Object(op)) = item.get_mut(m) {
                op.remove("callbacks");
            }
        }
    }
    src.typed_copy(at, &copy)
}

fn requirement_names(reqs: &[openapiv3::SecurityRequirement]) -> Vec<Vec<String>> {
    reqs.iter()
        .map(|r| {
            let mut names: Vec<String> = r.keys().cloned().collect();
            names.sort();
            names
        })
        .collect()
}

fn location(p: &openapiv3::Parameter) -> ParamLocation {
    match p {
        openapiv3::Parameter::Query { .. } => ParamLocation::Query,
        openapiv3::Parameter::Header { .. } => ParamLocation::Header,
        openapiv3::Parameter::Path { .. } => ParamLocation::Path,
        openapiv3::Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

fn status_spec(s: &StatusCode) -> StatusSpec {
    match s {
        StatusCode::Code(c) => StatusSpec::Code(*c),
        StatusCode::Range(r) => StatusSpec::Range(u8::try_from(*r).unwrap_or(0)),
    }
}

fn is_json(media_type: &str) -> bool {
    let base = media_type.split(';').next().unwrap_or("").trim();
    base == "application/json" || base.ends_with("+json")
}

#[allow(dead_code)]
fn _diag_type(_: Diagnostic) {}
