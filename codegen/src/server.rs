//! The server side: the trait an implementation provides, one response enum
//! per operation, and an axum router that checks every request as the spec
//! declares (authentication stages, parameters, body fields, file checks)
//! before the implementation sees it.
//!
//! The emitted code names `Some`, `None`, `Ok` and `Err` through the prelude:
//! the module's types are `Api`, `Scheme`, `Identity`, `Refusal`, `Auth` and
//! names ending in `Input` or `Response`, its functions are snake case, so
//! nothing generated can shadow them, and full paths made up a large
//! share of the tokens codegen parses and prints for large specs.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use spec::ir::*;

use crate::constraints;
use crate::doc_lines;
use crate::names;
use crate::types::Ctx;
use crate::validate;

/// The number of parts of the file: the trait and its support, one part per
/// operation (input, responses, handler), then the router.
pub fn parts(ctx: &Ctx<'_>) -> usize {
    ctx.api.operations.len() + 2
}

/// Part `i` of the file (see [`parts`]).
pub fn part(ctx: &Ctx<'_>, i: usize) -> TokenStream {
    let api = ctx.api;
    let has_auth = !api.security_schemes.is_empty();
    if i == 0 {
        return head(ctx, has_auth);
    }
    match api.operations.get(i - 1) {
        Some(op) => {
            let input = input_struct(ctx, op);
            let response = response_enum(ctx, op);
            let handler = handler(ctx, op, has_auth);
            quote! { #input #response #handler }
        }
        None => routing(api),
    }
}

/// The file's attributes, the scheme types, the handlers' helpers and the trait.
fn head(ctx: &Ctx<'_>, has_auth: bool) -> TokenStream {
    let api = ctx.api;
    let scheme_enum = has_auth.then(|| scheme_enum(api));
    // The handlers' helpers, for the handlers there are.
    let support = (!api.operations.is_empty()).then(|| support(ctx, has_auth));
    let trait_methods: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| trait_method(ctx, op, has_auth))
        .collect();
    let auth_items = if has_auth {
        quote! {
            /// The identity an accepted credential names.
            type Subject: ::std::clone::Clone + ::std::cmp::PartialEq + ::std::marker::Send + ::std::marker::Sync + 'static;

            /// Check one credential. The router calls this in the spec's
            /// authentication order, after the credential's format passed.
            fn authenticate(
                &self,
                scheme: Scheme,
                credential: &str,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<Identity<Self::Subject>, Refusal>> + ::std::marker::Send;
        }
    } else {
        quote! {}
    };
    let title = crate::doc_text(&format!(
        " The operations of {}: implement this, then serve [`router`].",
        api.title
    ));
    quote! {
        //! The server trait, the response types and the validating router.
        // `deprecated`: the router still serves the spec's deprecated operations.
        #![allow(clippy::too_many_lines, clippy::large_enum_variant, deprecated, unused_mut, unused_variables)]

        #scheme_enum
        #support

        #[doc = #title]
        pub trait Api: ::std::marker::Send + ::std::marker::Sync + 'static {
            #auth_items
            #(#trait_methods)*
        }

    }
}

/// The router and the dispatch of requests to the handlers.
fn routing(api: &Api) -> TokenStream {
    let routes = routes(api);
    let dispatch_arms = api.operations.iter().enumerate().map(|(i, op)| {
        let handler = format_ident!("handle_{}", op.rust_name);
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote! { #i => ::std::boxed::Box::pin(#handler::<A>(api, req)), }
    });
    if api.operations.is_empty() {
        quote! {
            /// The router: the spec declares no operation, so every request answers 404.
            pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> ::axum::Router {
                let _ = api;
                ::axum::Router::new()
                    .fallback(|| async { crate::runtime::unrouted(crate::runtime::Route::NotFound) })
            }
        }
    } else {
        quote! {
        /// The router: every operation of the spec, each checking its request
        /// before calling `api`. Other paths answer 404, other methods 405.
        ///
        /// Paths are matched by the spec's own templates (`crate::runtime::Routes`),
        /// not by axum's route syntax, so any template the spec writes is
        /// served and building the router cannot fail.
        pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> ::axum::Router {
            ::axum::Router::new()
                .fallback(dispatch::<A>)
                .with_state(api)
        }

        /// Every path template with its operations: method, index of the handler.
        const ROUTES: crate::runtime::RouteTable = &[#(#routes),*];

        fn routes() -> &'static crate::runtime::Routes {
            static TABLE: ::std::sync::LazyLock<crate::runtime::Routes> =
                ::std::sync::LazyLock::new(|| crate::runtime::Routes::new(ROUTES));
            &TABLE
        }

        async fn dispatch<A: Api>(
            ::axum::extract::State(api): ::axum::extract::State<::std::sync::Arc<A>>,
            mut req: ::axum::extract::Request,
        ) -> ::axum::response::Response {
            let (index, params) = match routes().find(req.method().as_str(), req.uri().path()) {
                crate::runtime::Route::Operation(index, params) => (index, params),
                other => return crate::runtime::unrouted(other),
            };
            req.extensions_mut().insert(params);
            let handler: crate::runtime::Handling = match index {
                #(#dispatch_arms)*
                _ => return crate::runtime::unrouted(crate::runtime::Route::NotFound),
            };
            handler.await
        }
        }
    }
}

fn scheme_ident(scheme: &SecurityScheme) -> Ident {
    names::ident(&scheme.rust_name)
}

fn scheme_enum(api: &Api) -> TokenStream {
    let idents: Vec<Ident> = api.security_schemes.iter().map(scheme_ident).collect();
    let names: Vec<&str> = api
        .security_schemes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let docs: Vec<String> = api
        .security_schemes
        .iter()
        .map(|s| {
            crate::doc_text(&format!(
                " `{}`: {}",
                s.name,
                s.description.as_deref().unwrap_or("").trim()
            ))
        })
        .collect();
    quote! {
        /// The security schemes of the spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scheme {
            #(#[doc = #docs] #idents,)*
        }

        impl Scheme {
            /// The scheme's name in the spec.
            pub fn name(self) -> &'static str {
                match self { #(Self::#idents => #names,)* }
            }
        }

        /// Why [`Api::authenticate`] refused a credential.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Refusal {
            /// Well formed, but no such credential (or forged).
            Unknown,
            /// Known, but expired.
            Expired,
            /// Not a credential of this scheme's format.
            Malformed,
            /// The implementation could not check it (a server fault): the
            /// request is answered with the spec's fallback code, 500.
            Fault,
        }

        /// An accepted credential: who it names, and whether that subject is gone (deleted).
        #[derive(Debug, Clone, PartialEq)]
        pub struct Identity<S> {
            pub subject: S,
            pub gone: bool,
        }

        /// The credentials of a request that passed, with the subject each names.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Auth<S> {
            pub accepted: ::std::vec::Vec<(Scheme, S)>,
        }

        impl<S> Auth<S> {
            /// The subject named by `scheme`'s credential, if it was sent.
            pub fn get(&self, scheme: Scheme) -> ::std::option::Option<&S> {
                self.accepted.iter().find(|(s, _)| *s == scheme).map(|(_, subject)| subject)
            }
        }
    }
}

/// Helpers shared by the handlers.
fn support(ctx: &Ctx<'_>, _has_auth: bool) -> TokenStream {
    let with_catalog = ctx.api.errors.is_some();
    let lookup = if with_catalog {
        quote! {
            let entries: ::std::vec::Vec<crate::runtime::Entry> = codes
                .iter()
                .filter_map(|c| crate::catalog::ErrorCode::from_code(c))
                .map(crate::catalog::ErrorCode::entry)
                .collect();
            if !entries.is_empty() {
                return crate::runtime::error_response(&entries);
            }
        }
    } else {
        quote! { let _ = codes; }
    };
    quote! {
        /// A refusal: the catalog's error body for `codes` when the spec
        /// names any, else `status` with a short JSON description.
        fn reject(status: u16, codes: &[&'static str], detail: &str) -> ::axum::response::Response {
            #lookup
            let status = ::axum::http::StatusCode::from_u16(status).unwrap_or(::axum::http::StatusCode::BAD_REQUEST);
            (status, ::axum::Json(::serde_json::json!({ "error": detail }))).into_response()
        }

        /// A refusal for the violations of a request, with every code they name.
        fn reject_violations(violations: &[crate::runtime::Violation]) -> ::axum::response::Response {
            let mut codes: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
            for v in violations {
                if let Some(c) = v.code && !codes.contains(&c) {
                    codes.push(c);
                }
            }
            let detail = violations
                .iter()
                .map(|v| ::std::format!("{}: {}", if v.pointer.is_empty() { "/" } else { &v.pointer }, v.failure))
                .collect::<::std::vec::Vec<_>>()
                .join("; ");
            reject(400, &codes, &detail)
        }

        use ::axum::response::IntoResponse as _;
    }
}

fn op_type(op: &Operation, suffix: &str) -> Ident {
    names::ident(&spec::type_name(
        &format!("{} {suffix}", op.rust_name),
        "Operation",
    ))
}

/// How an operation's body reaches the implementation.
enum BodyKind<'a> {
    None,
    /// JSON only, of this schema.
    Json(&'a Schema),
    /// Only non-JSON media types: raw bytes.
    Raw,
}

fn body_kind(op: &Operation) -> BodyKind<'_> {
    let Some(body) = &op.body else {
        return BodyKind::None;
    };
    match body.content.first() {
        Some(c) if is_json(&c.media_type) => match &c.schema {
            Some(s) => BodyKind::Json(s),
            None => BodyKind::Raw,
        },
        Some(_) => BodyKind::Raw,
        None => BodyKind::None,
    }
}

fn is_json(media_type: &str) -> bool {
    let base = media_type.split(';').next().unwrap_or("").trim();
    base == "application/json" || base.ends_with("+json")
}

fn input_struct(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let name = op_type(op, "input");
    let params = op.parameters.iter().map(|p| {
        let ident = names::ident(&p.rust_name);
        let doc = doc_lines(&format!(
            "`{}` ({}){}",
            p.name,
            location_word(p.location),
            p.docs
                .description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
        let ty = if p.credential_of.is_some() {
            quote! { ::std::string::String }
        } else {
            ctx.held(&p.schema, None)
        };
        let ty = if p.required {
            ty
        } else {
            quote! { ::std::option::Option<#ty> }
        };
        quote! { #doc pub #ident: #ty, }
    });
    let body = match body_kind(op) {
        BodyKind::None => quote! {},
        BodyKind::Json(schema) => {
            let ty = ctx.held(schema, None);
            let required = op.body.as_ref().is_some_and(|b| b.required);
            let ty = if required {
                ty
            } else {
                quote! { ::std::option::Option<#ty> }
            };
            quote! {
                /// The request body, checked against the spec.
                pub body: #ty,
            }
        }
        BodyKind::Raw => quote! {
            /// The request body as sent, with its content type.
            pub body: ::std::option::Option<(::std::string::String, ::axum::body::Bytes)>,
        },
    };
    let doc = crate::doc_text(&format!(
        " The checked request of `{} {}`.",
        op.method, op.path
    ));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #name {
            #(#params)*
            #body
        }
    }
}

fn location_word(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

fn status_word(code: u16) -> String {
    let word = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => return format!("Status {code}"),
    };
    word.to_string()
}

struct Variant<'a> {
    ident: Ident,
    response: &'a Response,
}

fn variants(op: &Operation) -> Vec<Variant<'_>> {
    let mut names: Vec<String> = op
        .responses
        .iter()
        .map(|r| match r.status {
            StatusSpec::Code(c) => spec::type_name(&status_word(c), "Status"),
            StatusSpec::Range(d) => format!("Status{d}XX"),
            StatusSpec::Default => "Default".to_string(),
        })
        .collect();
    // `Error` is taken by the catalog variant.
    let mut seen = std::collections::HashSet::from(["Error".to_string()]);
    for n in names.iter_mut() {
        while !seen.insert(n.clone()) {
            n.push('_');
        }
    }
    op.responses
        .iter()
        .zip(names)
        .map(|(response, n)| Variant {
            ident: names::ident(&n),
            response,
        })
        .collect()
}

fn response_enum(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let name = op_type(op, "response");
    let vs = variants(op);
    let mut defs = Vec::new();
    let mut arms = Vec::new();
    for v in &vs {
        let ident = &v.ident;
        let r = v.response;
        let status_doc = match r.status {
            StatusSpec::Code(c) => c.to_string(),
            StatusSpec::Range(d) => format!("{d}XX"),
            StatusSpec::Default => "default".to_string(),
        };
        let doc = doc_lines(&format!("{status_doc}: {}", r.description));
        let (fixed, status_field) = match r.status {
            StatusSpec::Code(c) => (Some(c), None),
            _ => (None, Some(quote! { u16 })),
        };
        let status_expr = match fixed.map(proc_macro2::Literal::u16_unsuffixed) {
            Some(c) => quote! { #c },
            None => quote! { status },
        };
        let content = r.content.first();
        match content {
            None => {
                match &status_field {
                    None => defs.push(quote! { #doc #ident, }),
                    Some(t) => defs.push(quote! { #doc #ident(#t), }),
                }
                let pat = if status_field.is_some() {
                    quote! { Self::#ident(status) }
                } else {
                    quote! { Self::#ident }
                };
                arms.push(quote! { #pat => crate::runtime::respond_status(#status_expr), });
            }
            Some(c) if is_json(&c.media_type) && c.schema.is_some() => {
                let ty = c
                    .schema
                    .as_ref()
                    .map(|s| ctx.held(s, None))
                    .unwrap_or_else(|| quote! { ::serde_json::Value });
                match &status_field {
                    None => defs.push(quote! { #doc #ident(#ty), }),
                    Some(t) => defs.push(quote! { #doc #ident(#t, #ty), }),
                }
                let pat = if status_field.is_some() {
                    quote! { Self::#ident(status, body) }
                } else {
                    quote! { Self::#ident(body) }
                };
                arms.push(quote! { #pat => crate::runtime::respond_json(#status_expr, &body), });
            }
            Some(c) => {
                let mt = &c.media_type;
                match &status_field {
                    None => defs.push(quote! { #doc #ident(::axum::body::Bytes), }),
                    Some(t) => defs.push(quote! { #doc #ident(#t, ::axum::body::Bytes), }),
                }
                let pat = if status_field.is_some() {
                    quote! { Self::#ident(status, body) }
                } else {
                    quote! { Self::#ident(body) }
                };
                arms.push(quote! { #pat => crate::runtime::respond_raw(#status_expr, #mt, body), });
            }
        }
    }
    if vs.is_empty() {
        // Nothing declared says nothing about the answers: any status, with
        // a body of any type, rather than a type no implementation can build.
        defs.push(quote! {
            /// The spec declares no response for this operation: any status,
            /// with a body of the given content type (empty for none).
            Undeclared(u16, ::std::string::String, ::axum::body::Bytes),
        });
        arms.push(quote! {
            Self::Undeclared(status, content_type, body) => crate::runtime::respond_undeclared(status, content_type, body),
        });
    }
    if ctx.api.errors.is_some() {
        defs.push(quote! {
            /// An error of the catalog, answered with its status, message and solution.
            Error(crate::catalog::ErrorCode),
        });
        arms.push(quote! { Self::Error(code) => crate::catalog::error_response(&[code]), });
    }
    let doc = crate::doc_text(&format!(
        " Every answer `{} {}` declares.",
        op.method, op.path
    ));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub enum #name {
            #(#defs)*
        }

        impl ::axum::response::IntoResponse for #name {
            fn into_response(self) -> ::axum::response::Response {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

fn trait_method(ctx: &Ctx<'_>, op: &Operation, has_auth: bool) -> TokenStream {
    let method = names::ident(&op.rust_name);
    let input = op_type(op, "input");
    let response = op_type(op, "response");
    let mut text = format!("`{} {}`", op.method, op.path);
    if let Some(s) = &op.summary {
        text.push_str(&format!(": {s}"));
    }
    if let Some(d) = &op.description
        && op.summary.as_deref() != Some(d.as_str())
    {
        text.push_str(&format!("\n\n{d}"));
    }
    for f in constraints::file_fields(ctx, op) {
        if let Some(check) = f
            .schema
            .file_checks
            .iter()
            .find(|c| c.rule == FileRule::ImageDecode)
        {
            text.push_str(&format!(
                "\n\nThe router ran the checks of `{}` up to its full decode: decode it \
                 completely and answer `{}` when that fails (`constraints::{}`).",
                f.json_name,
                check.code,
                constraints::checks_const(op, f)
            ));
        }
    }
    let docs = doc_lines(&text);
    let deprecated = op.deprecated.then(|| quote! { #[deprecated] });
    let auth = (has_auth && !op.security.is_empty()).then(|| quote! { auth: Auth<Self::Subject>, });
    quote! {
        #docs
        #deprecated
        fn #method(&self, #auth input: #input) -> impl ::std::future::Future<Output = #response> + ::std::marker::Send;
    }
}

fn routes(api: &Api) -> Vec<TokenStream> {
    // One entry per path template, with every method it has.
    let mut by_path: BTreeMap<&str, Vec<(String, usize)>> = BTreeMap::new();
    for (i, op) in api.operations.iter().enumerate() {
        by_path
            .entry(op.path.as_str())
            .or_default()
            .push((op.method.to_ascii_uppercase(), i));
    }
    by_path
        .into_iter()
        .map(|(path, ops)| {
            let ops = ops.iter().map(|(m, i)| {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote! { (#m, #i) }
            });
            quote! { (#path, &[#(#ops),*]) }
        })
        .collect()
}

/// Code literal for an optional code.
fn code_list(code: &Option<String>) -> TokenStream {
    match code {
        Some(c) => quote! { &[#c] },
        None => quote! { &[] },
    }
}

fn handler(ctx: &Ctx<'_>, op: &Operation, has_auth: bool) -> TokenStream {
    let api = ctx.api;
    let handler = format_ident!("handle_{}", op.rust_name);
    let method = names::ident(&op.rust_name);
    let input = op_type(op, "input");
    let uses_auth = has_auth && !op.security.is_empty();
    let auth = if uses_auth {
        auth_steps(ctx, op)
    } else {
        quote! {}
    };
    let auth_arg = uses_auth.then(|| quote! { auth, });

    // Parameters other than credentials.
    let mut param_steps = Vec::new();
    let mut param_fields = Vec::new();
    for p in &op.parameters {
        let field = names::ident(&p.rust_name);
        // The handler's locals (`parts`, `body`, `cx` ...) never meet a parameter's.
        let ident = names::ident(&format!("param_{}", p.rust_name));
        let name = &p.name;
        let raw = match p.location {
            ParamLocation::Header => quote! {
                parts.headers.get(#name).and_then(|v| v.to_str().ok()).map(::std::string::ToString::to_string)
            },
            ParamLocation::Query => {
                quote! { crate::runtime::query_value(parts.uri.query(), #name) }
            }
            ParamLocation::Cookie => quote! { crate::runtime::cookie_value(&parts.headers, #name) },
            ParamLocation::Path => quote! {
                path_params.iter().find(|(k, _)| *k == #name).map(|(_, v)| v.clone())
            },
        };
        if p.credential_of.is_some() {
            // Checked in the authentication stage already.
            let value = if p.required {
                quote! { #raw.unwrap_or_default() }
            } else {
                raw
            };
            param_fields.push(quote! { #field: #value, });
            continue;
        }
        let kind = param_kind(&p.schema);
        let required = p.required;
        let check = validate::check(ctx, &p.schema, quote! { false });
        let layers = validate::layers(ctx, &p.schema);
        let ty = ctx.held(&p.schema, None);
        param_steps.push(quote! {
            let #ident = crate::runtime::param(&mut cx, #name, #raw, #kind, #required, #layers, |v, cx| { #check });
        });
        // Runtime helpers keep each parameter to a few generated lines: specs
        // with thousands of operations make every line count (generation
        // and compile time).
        let convert = if p.required {
            quote! { crate::runtime::required_param::<#ty>(#ident, #name) }
        } else {
            quote! { crate::runtime::typed_param::<#ty>(#ident, #name) }
        };
        param_fields.push(quote! {
            #field: match #convert {
                Ok(v) => v,
                Err(e) => return reject(400, &[], &e),
            },
        });
    }

    let limit = constraints::body_limit_const(op);
    // A body over the limit can only fail the size check of its largest file.
    let too_large: Vec<&str> = constraints::file_fields(ctx, op)
        .iter()
        .flat_map(|f| &f.schema.file_checks)
        .filter(|c| matches!(c.rule, FileRule::MaxBytes(_)))
        .map(|c| c.code.as_str())
        .take(1)
        .collect();
    let body_steps = body_steps(ctx, op);
    let body_field = match body_kind(op) {
        BodyKind::None => quote! {},
        _ => quote! { body, },
    };
    let path_extract = op
        .parameters
        .iter()
        .any(|p| p.location == ParamLocation::Path)
        .then(|| quote! {
            let path_params: ::std::vec::Vec<(::std::string::String, ::std::string::String)> = match parts.extensions.get::<crate::runtime::PathParams>() {
                Some(p) => p.0.clone(),
                None => ::std::vec::Vec::new(),
            };
        });
    let _ = api;
    quote! {
        async fn #handler<A: Api>(
            api: ::std::sync::Arc<A>,
            req: ::axum::extract::Request,
        ) -> ::axum::response::Response {
            let (parts, body) = req.into_parts();
            #path_extract
            #auth
            let mut cx = crate::runtime::Validator::new();
            #(#param_steps)*
            if !cx.is_clean() {
                return reject_violations(&cx.violations);
            }
            let bytes = match crate::runtime::read_body(&parts.headers, body, crate::constraints::#limit).await {
                Ok(b) => b,
                Err(detail) => return reject(413, &[#(#too_large),*], detail),
            };
            #body_steps
            let input = #input {
                #(#param_fields)*
                #body_field
            };
            api.#method(#auth_arg input).await.into_response()
        }
    }
}

fn param_kind(schema: &Schema) -> TokenStream {
    let word = match &schema.shape {
        Shape::Integer(_) => quote! { Integer },
        Shape::Number(_) => quote! { Number },
        Shape::Boolean => quote! { Boolean },
        Shape::List(_) => quote! { List },
        _ => quote! { String },
    };
    quote! { crate::runtime::ParamKind::#word }
}

/// Statements that read, check and convert the body into `body`.
fn body_steps(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let Some(rb) = &op.body else {
        return quote! { let _ = bytes; };
    };
    let media_types: Vec<&str> = rb.content.iter().map(|c| c.media_type.as_str()).collect();
    match body_kind(op) {
        BodyKind::None => quote! { let _ = bytes; },
        BodyKind::Raw => {
            let required = rb.required;
            quote! {
                let content_type = parts.headers.get(::axum::http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let body = if bytes.is_empty() {
                    if #required {
                        return reject(400, &[], "a request body is required");
                    }
                    None
                } else {
                    if !crate::runtime::media_type_matches(&content_type, &[#(#media_types),*]) {
                        return reject(415, &[], "unsupported content type");
                    }
                    Some((content_type, bytes))
                };
            }
        }
        BodyKind::Json(schema) => {
            let required = rb.required;
            let content_check = (!rb.any_content_type).then(|| {
                quote! {
                    if !bytes.is_empty() {
                        let content_type = parts.headers.get(::axum::http::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if !crate::runtime::media_type_matches(content_type, &[#(#media_types),*]) {
                            return reject(415, &[], "unsupported content type");
                        }
                    }
                }
            });
            let not_object = match &rb.not_an_object {
                NotAnObject::EmptyObject => quote! {
                    let value = match value {
                        Some(v @ ::serde_json::Value::Object(_)) => v,
                        _ => ::serde_json::Value::Object(::serde_json::Map::new()),
                    };
                },
                NotAnObject::Code(c) => quote! {
                    let value = match value {
                        Some(v @ ::serde_json::Value::Object(_)) => v,
                        _ => return reject(400, &[#c], "the body is not a JSON object"),
                    };
                },
                NotAnObject::Unspecified => quote! {
                    let value = match value {
                        Some(v) => v,
                        None => return reject(400, &[], "the body is not valid JSON"),
                    };
                },
            };
            let nullable = ctx.nullable(schema);
            let check = validate::check(ctx, schema, quote! { #nullable });
            let files = file_steps(ctx, op);
            let ty = ctx.held(schema, None);
            let convert = quote! {
                match ::serde_json::from_value::<#ty>(value) {
                    Ok(b) => b,
                    Err(e) => return reject(400, &[], &::std::format!("body: {e}")),
                }
            };
            let convert = if required {
                convert
            } else {
                quote! { Some(#convert) }
            };
            let absent = if required {
                quote! {}
            } else {
                quote! {
                    if bytes.is_empty() {
                        None
                    } else
                }
            };
            quote! {
                #content_check
                let body = #absent {
                    let value: ::std::option::Option<::serde_json::Value> = ::serde_json::from_slice(&bytes).ok();
                    #not_object
                    let mut cx = crate::runtime::Validator::new();
                    {
                        let v = &value;
                        let cx = &mut cx;
                        #check
                    }
                    if !cx.is_clean() {
                        return reject_violations(&cx.violations);
                    }
                    #files
                    #convert
                };
                // The raw body is not needed once parsed: free it before the
                // implementation runs (bodies can be megabytes).
                drop(bytes);
            }
        }
    }
}

/// File checks of top-level body fields, in the spec's order; the first failure answers.
fn file_steps(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let steps = constraints::file_fields(ctx, op).into_iter().map(|f| {
        let name = &f.json_name;
        let checks = constraints::checks_const(op, f);
        quote! {
            if let Some(obj) = value.as_object()
                && let Some(::serde_json::Value::String(text)) = obj.get(#name)
                && let Some(bytes) = crate::runtime::decode_base64(text)
                && let crate::runtime::FileVerdict::Refused(code) = crate::runtime::check_file(&bytes, crate::constraints::#checks, obj)
            {
                return reject(400, &[code], "file check failed");
            }
        }
    });
    quote! { #(#steps)* }
}

/// The authentication stages, in the spec's order, for the schemes `op` uses.
fn auth_steps(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let api = ctx.api;
    let used: Vec<&String> = op.security.iter().flatten().collect();
    // Stages first, then schemes in no stage, each as a stage of its own.
    let mut stages: Vec<(Vec<&SecurityScheme>, Option<&AuthStage>)> = Vec::new();
    for stage in &api.auth_stages {
        let schemes: Vec<&SecurityScheme> = stage
            .schemes
            .iter()
            .filter(|s| used.contains(s))
            .filter_map(|s| api.scheme(s))
            .collect();
        if !schemes.is_empty() {
            stages.push((schemes, Some(stage)));
        }
    }
    for s in &api.security_schemes {
        if used.contains(&&s.name)
            && !api
                .auth_stages
                .iter()
                .any(|st| st.schemes.contains(&s.name))
        {
            stages.push((vec![s], None));
        }
    }
    let anonymous = op.security.iter().any(Vec::is_empty);
    let steps = stages.iter().map(|(schemes, stage)| {
        // Required when every alternative names a scheme of this stage.
        let required = !anonymous
            && op
                .security
                .iter()
                .all(|alt| alt.iter().any(|n| schemes.iter().any(|s| &s.name == n)));
        let reads = schemes.iter().map(|s| {
            let ident = scheme_ident(s);
            let read = match &s.kind {
                SchemeKind::HttpAuth { header, scheme } => {
                    quote! { crate::runtime::scheme_credential(&parts.headers, #header, #scheme) }
                }
                SchemeKind::OAuth { header } => {
                    quote! { crate::runtime::scheme_credential(&parts.headers, #header, "bearer") }
                }
                SchemeKind::ApiKey { location: ParamLocation::Header, name } => {
                    quote! { crate::runtime::key_credential(&parts.headers, #name) }
                }
                SchemeKind::ApiKey { location: ParamLocation::Query, name } => {
                    quote! { crate::runtime::credential_of(crate::runtime::query_value(parts.uri.query(), #name)) }
                }
                SchemeKind::ApiKey { name, .. } => {
                    quote! { crate::runtime::credential_of(crate::runtime::cookie_value(&parts.headers, #name)) }
                }
            };
            quote! { (Scheme::#ident, #read) }
        });
        let (missing, multiple, mismatch, gone) = match stage {
            Some(st) => (code_list(&st.missing), st.multiple.as_ref().map(|c| quote! { &[#c] }), code_list(&st.mismatch), code_list(&st.gone)),
            None => (quote! { &[] }, None, quote! { &[] }, quote! { &[] }),
        };
        let missing_check = required.then(|| quote! {
            if present == 0 {
                return reject(401, #missing, "no credential");
            }
        });
        let multiple_check = multiple.map(|codes| quote! {
            if present > 1 {
                return reject(400, #codes, "more than one credential of one stage");
            }
        });
        let per_scheme = schemes.iter().enumerate().map(|(i, s)| {
            // A failure without its own code takes the closest declared one
            // (spec/EXTENSIONS.md).
            let code = |f| api.credential_code(op, s, f);
            let empty = code_list(&code(CredentialFailure::Empty));
            let malformed = code_list(&code(CredentialFailure::Malformed));
            let unknown = code_list(&code(CredentialFailure::Unknown));
            let expired = code_list(&code(CredentialFailure::Expired));
            let fault = code_list(&api.errors.as_ref().and_then(|e| e.fallback.clone()));
            let name = &s.name;
            let empty_msg = format!("empty credential for {name}");
            let malformed_msg = format!("malformed credential for {name}");
            let unknown_msg = format!("unknown credential for {name}");
            let expired_msg = format!("expired credential for {name}");
            // A header parameter that carries this credential may refine its format.
            let format_check = op
                .parameters
                .iter()
                .find(|p| p.credential_of.as_deref() == Some(s.name.as_str()))
                .map(|p| {
                    let check = validate::check(ctx, &p.schema, quote! { false });
                    quote! {
                        let mut format = crate::runtime::Validator::new();
                        {
                            let value = ::serde_json::Value::String(token.clone());
                            let v = &value;
                            let cx = &mut format;
                            #check
                        }
                        if !format.is_clean() {
                            let codes: ::std::vec::Vec<&'static str> = format.violations.iter().filter_map(|v| v.code).collect();
                            let codes: &[&'static str] = if codes.is_empty() { #malformed } else { &codes };
                            return reject(401, codes, #malformed_msg);
                        }
                    }
                });
            let scheme_var = format_ident!("scheme_{}", i);
            let credential_var = format_ident!("credential_{}", i);
            quote! {
                let (scheme, credential) = (#scheme_var, #credential_var);
                match credential {
                    crate::runtime::Credential::Absent => {}
                    crate::runtime::Credential::Empty => {
                        return reject(401, #empty, #empty_msg);
                    }
                    crate::runtime::Credential::Malformed => {
                        return reject(401, #malformed, #malformed_msg);
                    }
                    crate::runtime::Credential::Token(token) => {
                        #format_check
                        match api.authenticate(scheme, &token).await {
                            Ok(identity) => subjects.push((scheme, identity)),
                            Err(Refusal::Unknown) => {
                                return reject(401, #unknown, #unknown_msg);
                            }
                            Err(Refusal::Expired) => {
                                return reject(401, #expired, #expired_msg);
                            }
                            Err(Refusal::Malformed) => {
                                return reject(401, #malformed, #malformed_msg);
                            }
                            Err(Refusal::Fault) => {
                                return reject(500, #fault, "the credential could not be checked");
                            }
                        }
                    }
                }
            }
        });
        let scheme_vars: Vec<Ident> = (0..schemes.len()).map(|i| format_ident!("scheme_{}", i)).collect();
        let credential_vars: Vec<Ident> = (0..schemes.len()).map(|i| format_ident!("credential_{}", i)).collect();
        quote! {
            {
                let credentials = [#(#reads),*];
                let present = credentials
                    .iter()
                    .filter(|(_, c)| *c != crate::runtime::Credential::Absent)
                    .count();
                #multiple_check
                #missing_check
                let mut subjects: ::std::vec::Vec<(Scheme, Identity<A::Subject>)> = ::std::vec::Vec::new();
                let [#((#scheme_vars, #credential_vars)),*] = credentials;
                #(#per_scheme)*
                if subjects.windows(2).any(|w| w[0].1.subject != w[1].1.subject) {
                    return reject(403, #mismatch, "the credentials name different subjects");
                }
                if subjects.iter().any(|(_, identity)| identity.gone) {
                    return reject(404, #gone, "the subject is gone");
                }
                accepted.extend(subjects.into_iter().map(|(scheme, identity)| (scheme, identity.subject)));
            }
        }
    });
    let alternatives = op.security.iter().map(|alt| {
        // The loader refuses a requirement naming an unknown scheme.
        let idents = alt.iter().filter_map(|n| api.scheme(n)).map(scheme_ident);
        quote! { &[#(Scheme::#idents),*] }
    });
    quote! {
        let mut accepted: ::std::vec::Vec<(Scheme, A::Subject)> = ::std::vec::Vec::new();
        #(#steps)*
        // The credentials sent must satisfy one of the spec's alternatives.
        let alternatives: &[&[Scheme]] = &[#(#alternatives),*];
        if !alternatives
            .iter()
            .any(|alt| alt.iter().all(|s| accepted.iter().any(|(a, _)| a == s)))
        {
            return reject(401, &[], "the credentials sent match none of the operation's security requirements");
        }
        let auth = Auth { accepted };
    }
}
