//! One Rust type per named schema.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use spec::ir::*;

use crate::doc_lines;
use crate::names;
use crate::types::Ctx;

/// The number of parts of the file: its attributes, then one per named type.
pub fn parts(ctx: &Ctx<'_>) -> usize {
    1 + ctx.api.types.len()
}

/// Part `i` of the file (see [`parts`]).
pub fn part(ctx: &Ctx<'_>, i: usize) -> TokenStream {
    if i == 0 {
        return quote! {
            //! Models: one type per named schema of the spec.
            //!
            //! Paths are written in full (`crate::models::X`, `::std::string::String`)
            //! so that a schema named like a prelude type cannot shadow it.
            #![allow(deprecated, unused_qualifications)]
        };
    }
    let id = TypeId(i - 1);
    type_def(ctx, id, ctx.api.type_def(id))
}

fn docs_of(docs: &Docs, extra: Option<String>) -> TokenStream {
    let mut text = String::new();
    if let Some(t) = &docs.title {
        text.push_str(t);
    }
    if let Some(d) = &docs.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(d);
    }
    if let Some(e) = extra {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&e);
    }
    let lines = doc_lines(&escape_doc(&text));
    let deprecated = docs.deprecated.then(|| quote! { #[deprecated] });
    quote! { #lines #deprecated }
}

/// Doc text is Markdown for rustdoc; keep it from being read as code or links.
fn escape_doc(text: &str) -> String {
    text.replace("```", "'''")
}

fn any_note(schema: &Schema) -> Option<String> {
    match &schema.shape {
        Shape::Any(AnyReason::Untyped(why)) => Some(format!(
            "Kept as untyped JSON (`serde_json::Value`): {why}."
        )),
        _ => None,
    }
}

fn type_def(ctx: &Ctx<'_>, id: TypeId, t: &TypeDef) -> TokenStream {
    let name = ctx.ident(id);
    match &t.kind {
        TypeKind::Struct(s) => structure(ctx, id, t, s),
        TypeKind::Enum(e) => enumeration(t, e, name),
        TypeKind::Union(u) => union(ctx, id, t, u),
        TypeKind::Alias(inner) => {
            let docs = docs_of(&t.docs, any_note(inner));
            let ty = ctx.held(inner, Some(id));
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #ty);
            }
        }
    }
}

fn structure(ctx: &Ctx<'_>, id: TypeId, t: &TypeDef, s: &Struct) -> TokenStream {
    let name = ctx.ident(id);
    let docs = docs_of(&t.docs, None);
    let fields = s.fields.iter().map(|f| {
        let ident = names::ident(&f.rust_name);
        let json = &f.json_name;
        let ty = ctx.rust_type(&f.schema, Some(id));
        let nullable = ctx.nullable(&f.schema) && !matches!(f.schema.shape, Shape::Any(_));
        let mut docs = f.docs.clone();
        docs.deprecated |= f.schema.docs.deprecated;
        let docs = docs_of(&docs, any_note(&f.schema));
        // Rename only where the Rust name differs from the wire name.
        let rename = (f.rust_name != f.json_name).then(|| quote! { rename = #json, });
        let (ty, attrs) = match (f.required, nullable) {
            (true, false) => (ty, rename.as_ref().map(|r| quote! { #[serde(#r)] }).unwrap_or_default()),
            (true, true) => (
                quote! { ::std::option::Option<#ty> },
                rename.as_ref().map(|r| quote! { #[serde(#r)] }).unwrap_or_default(),
            ),
            (false, false) => (
                quote! { ::std::option::Option<#ty> },
                quote! { #[serde(#rename default, skip_serializing_if = "::std::option::Option::is_none")] },
            ),
            // Absent and null are different answers: `None` is absent,
            // `Some(None)` is an explicit null.
            (false, true) => (
                quote! { ::std::option::Option<::std::option::Option<#ty>> },
                quote! {
                    #[serde(
                        #rename
                        default,
                        skip_serializing_if = "::std::option::Option::is_none",
                        with = "crate::runtime::double_option"
                    )]
                },
            ),
        };
        quote! {
            #docs
            #attrs
            pub #ident: #ty,
        }
    });
    let extra = match &s.additional {
        Additional::Typed(v) => {
            let ty = ctx.held(v, Some(id));
            Some(quote! {
                /// Properties beyond the declared ones (`additionalProperties`).
                #[serde(flatten)]
                pub additional: ::std::collections::BTreeMap<::std::string::String, #ty>,
            })
        }
        _ => None,
    };
    let deny = matches!(s.additional, Additional::Forbidden)
        .then(|| quote! { #[serde(deny_unknown_fields)] });
    // Default only when every field can be absent.
    let default = s
        .fields
        .iter()
        .all(|f| !f.required)
        .then(|| quote! { Default, });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
        #deny
        pub struct #name {
            #(#fields)*
            #extra
        }
    }
}

fn enumeration(t: &TypeDef, e: &Enum, name: &proc_macro2::Ident) -> TokenStream {
    let docs = docs_of(&t.docs, None);
    let idents: Vec<_> = e
        .variants
        .iter()
        .map(|v| names::ident(&v.rust_name))
        .collect();
    let all_strings = e.variants.iter().all(|v| v.value.is_string());
    if all_strings {
        let values: Vec<&str> = e.variants.iter().filter_map(|v| v.value.as_str()).collect();
        let count = idents.len();
        return quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
            pub enum #name {
                #(#[serde(rename = #values)] #idents,)*
            }
            impl #name {
                /// Every value, in the spec's order.
                pub const ALL: [Self; #count] = [#(Self::#idents),*];
                /// The value on the wire.
                pub fn as_str(&self) -> &'static str {
                    match self { #(Self::#idents => #values,)* }
                }
            }
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        };
    }
    // Integer (or mixed scalar) enums go through their JSON value.
    let values: Vec<TokenStream> = e.variants.iter().map(|v| json_literal(&v.value)).collect();
    let count = idents.len();
    let try_from_name = format_ident!("{}", "try_from");
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(try_from = "::serde_json::Value", into = "::serde_json::Value")]
        pub enum #name {
            #(#idents,)*
        }
        impl #name {
            /// Every value, in the spec's order.
            pub const ALL: [Self; #count] = [#(Self::#idents),*];
        }
        impl ::std::convert::From<#name> for ::serde_json::Value {
            fn from(v: #name) -> Self {
                match v { #(#name::#idents => #values,)* }
            }
        }
        impl ::std::convert::TryFrom<::serde_json::Value> for #name {
            type Error = ::std::string::String;
            fn #try_from_name(v: ::serde_json::Value) -> ::std::result::Result<Self, ::std::string::String> {
                #(if v == #values { return ::std::result::Result::Ok(Self::#idents); })*
                ::std::result::Result::Err(::std::format!("{v} is not a value of {}", ::std::stringify!(#name)))
            }
        }
    }
}

/// A `serde_json::Value` expression for a literal.
pub fn json_literal(v: &Value) -> TokenStream {
    match v {
        Value::Null => quote! { ::serde_json::Value::Null },
        Value::Bool(b) => quote! { ::serde_json::Value::Bool(#b) },
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                quote! { ::serde_json::Value::from(#i) }
            } else if let Some(u) = n.as_u64() {
                quote! { ::serde_json::Value::from(#u) }
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                quote! { ::serde_json::Value::from(#f) }
            }
        }
        Value::String(s) => quote! { ::serde_json::Value::String(::std::string::String::from(#s)) },
        other => {
            let text = other.to_string();
            quote! { ::serde_json::from_str(#text).unwrap_or(::serde_json::Value::Null) }
        }
    }
}

fn union(ctx: &Ctx<'_>, id: TypeId, t: &TypeDef, u: &Union) -> TokenStream {
    let name = ctx.ident(id);
    let note = match (&u.discriminator, u.exclusive) {
        (Some(d), _) => format!(
            "One of the variants, chosen by the `{}` property.",
            d.property
        ),
        (None, true) => {
            "Exactly one of the variants (oneOf); serde tries them in order.".to_string()
        }
        (None, false) => {
            "At least one of the variants (anyOf); serde takes the first that fits.".to_string()
        }
    };
    let docs = docs_of(&t.docs, Some(note));
    let variants: Vec<TokenStream> = u
        .variants
        .iter()
        .map(|v| {
            let ident = names::ident(&v.rust_name);
            let ty = ctx.held(&v.schema, Some(id));
            let vdocs = docs_of(&v.schema.docs, any_note(&v.schema));
            quote! { #vdocs #ident(#ty), }
        })
        .collect();
    match &u.discriminator {
        None => quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }
        },
        Some(d) => {
            // Dispatch on the tag, then read the whole object (tag included)
            // into the variant, which usually declares the tag property too.
            let property = &d.property;
            let arms = d.mapping.iter().map(|(value, index)| {
                let ident = names::ident(&u.variants[*index].rust_name);
                quote! {
                    ::std::option::Option::Some(#value) => ::serde_json::from_value(value)
                        .map(Self::#ident)
                        .map_err(::serde::de::Error::custom),
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
                #[serde(untagged)]
                pub enum #name {
                    #(#variants)*
                }
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(::std::string::ToString::to_string);
                        match tag.as_deref() {
                            #(#arms)*
                            other => ::std::result::Result::Err(::serde::de::Error::custom(::std::format!(
                                "unknown {} {:?}", #property, other
                            ))),
                        }
                    }
                }
            }
        }
    }
}
