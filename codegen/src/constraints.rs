//! Limits and file checks of the spec as typed constants, so that no number
//! of the spec is written twice: implementations and tests read these.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use spec::ir::*;

use crate::names;
use crate::types::Ctx;

/// Room for the JSON around the largest base64 field (names, other fields).
const JSON_SLACK: u64 = 64 * 1024;
/// Body limit when the spec bounds no field: axum's own default.
const DEFAULT_BODY_LIMIT: u64 = 2 * 1024 * 1024;

/// Top-level body fields of `op` that carry file checks.
pub fn file_fields<'a>(ctx: &Ctx<'a>, op: &'a Operation) -> Vec<&'a Field> {
    let Some(Shape::Named(id)) = op
        .body
        .as_ref()
        .and_then(|b| b.content.first())
        .and_then(|c| c.schema.as_ref())
        .map(|s| &s.shape)
    else {
        return Vec::new();
    };
    match &ctx.api.type_def(*id).kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .filter(|f| !f.schema.file_checks.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// The name of the constant holding `field`'s file checks.
pub fn checks_const(op: &Operation, field: &Field) -> Ident {
    names::constant(&format!("{} {} file checks", op.rust_name, field.rust_name))
}

/// The name of the constant holding `op`'s body limit.
pub fn body_limit_const(op: &Operation) -> Ident {
    names::constant(&format!("{} max body bytes", op.rust_name))
}

/// Largest body of `op` that can be valid.
pub fn body_limit(ctx: &Ctx<'_>, op: &Operation) -> u64 {
    let max_file = file_fields(ctx, op)
        .iter()
        .flat_map(|f| &f.schema.file_checks)
        .filter_map(|c| match c.rule {
            FileRule::MaxBytes(n) => Some(n),
            _ => None,
        })
        .max();
    match max_file {
        // Twice the base64 length: JSON may escape every `/` as `\/`.
        Some(n) => n.div_ceil(3) * 4 * 2 + JSON_SLACK,
        None => DEFAULT_BODY_LIMIT,
    }
}

fn rule_word(rule: &FileRule) -> Option<(&'static str, TokenStream, TokenStream)> {
    let int = |n: &u64| {
        let l = Literal::u64_unsuffixed(*n);
        quote! { #l }
    };
    let float = |r: &f64| {
        let l = Literal::f64_unsuffixed(*r);
        quote! { #l }
    };
    let (word, value): (&str, TokenStream) = match rule {
        FileRule::MaxBytes(n) => ("max bytes", int(n)),
        FileRule::MaxWidth(n) => ("max width", int(n)),
        FileRule::MinWidth(n) => ("min width", int(n)),
        FileRule::MaxHeight(n) => ("max height", int(n)),
        FileRule::MinHeight(n) => ("min height", int(n)),
        FileRule::MaxPixels(n) => ("max pixels", int(n)),
        FileRule::MinPixels(n) => ("min pixels", int(n)),
        FileRule::MaxRatio(r) => ("max ratio", float(r)),
        FileRule::MinRatio(r) => ("min ratio", float(r)),
        _ => return None,
    };
    let ty = match rule {
        FileRule::MaxRatio(_) | FileRule::MinRatio(_) => quote! { f64 },
        _ => quote! { u64 },
    };
    Some((word, ty, value))
}

fn media(m: &MediaType) -> TokenStream {
    match m {
        MediaType::Jpeg => quote! { crate::runtime::MediaType::Jpeg },
        MediaType::Png => quote! { crate::runtime::MediaType::Png },
        MediaType::Gif => quote! { crate::runtime::MediaType::Gif },
        MediaType::Bmp => quote! { crate::runtime::MediaType::Bmp },
        MediaType::Webp => quote! { crate::runtime::MediaType::Webp },
        MediaType::Tiff => quote! { crate::runtime::MediaType::Tiff },
        MediaType::Pdf => quote! { crate::runtime::MediaType::Pdf },
    }
}

/// The name of the constant holding `op`'s state rules.
pub fn conflicts_const(op: &Operation) -> Ident {
    names::constant(&format!("{} conflicts", op.rust_name))
}

pub fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let mut items = Vec::new();
    if ctx.api.operations.iter().any(|o| !o.conflicts.is_empty()) {
        items.push(quote! {
            /// A state rule (`x-specgate-conflicts`): a request repeated with
            /// the same values of `key` while the first is pending answers `code`.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Conflict {
                pub code: &'static str,
                pub key: &'static [&'static str],
            }
        });
    }
    for op in &ctx.api.operations {
        if !op.conflicts.is_empty() {
            let name = conflicts_const(op);
            let doc = format!(" State rules of `{} {}`.", op.method, op.path);
            let rules = op.conflicts.iter().map(|c| {
                let code = &c.code;
                let key = &c.key;
                quote! { Conflict { code: #code, key: &[#(#key),*] } }
            });
            items.push(quote! {
                #[doc = #doc]
                pub const #name: &[Conflict] = &[#(#rules),*];
            });
        }
        let limit = body_limit(ctx, op);
        let limit_name = body_limit_const(op);
        let limit_doc = format!(
            " Bound on the request body of `{} {}`: room for the largest valid file even with every `/` escaped; a larger body is refused before it is read.",
            op.method, op.path
        );
        let limit = Literal::u64_unsuffixed(limit);
        items.push(quote! {
            #[doc = #limit_doc]
            pub const #limit_name: usize = #limit;
        });
        for field in file_fields(ctx, op) {
            let prefix = format!("{} {}", op.rust_name, field.rust_name);
            let mut checks = Vec::new();
            for check in &field.schema.file_checks {
                let code = &check.code;
                let rule = match &check.rule {
                    FileRule::NotEmpty => quote! { crate::runtime::FileRule::NotEmpty },
                    FileRule::MediaType {
                        allow,
                        refuse,
                        refused_code,
                    } => {
                        let allow = allow.iter().map(media);
                        let refuse = refuse.iter().map(media);
                        quote! {
                            crate::runtime::FileRule::MediaType {
                                allow: &[#(#allow),*],
                                refuse: &[#(#refuse),*],
                                refused_code: #refused_code,
                            }
                        }
                    }
                    FileRule::ImageHeader => quote! { crate::runtime::FileRule::ImageHeader },
                    FileRule::ImageDecode => quote! { crate::runtime::FileRule::ImageDecode },
                    FileRule::Orientation { allow, when } => {
                        let allow = allow.iter().map(|o| match o {
                            Orientation::Landscape => {
                                quote! { crate::runtime::Orientation::Landscape }
                            }
                            Orientation::Portrait => {
                                quote! { crate::runtime::Orientation::Portrait }
                            }
                            Orientation::Square => quote! { crate::runtime::Orientation::Square },
                        });
                        let when = when
                            .iter()
                            .map(|(prop, values)| quote! { (#prop, &[#(#values),*]) });
                        quote! {
                            crate::runtime::FileRule::Orientation { allow: &[#(#allow),*], when: &[#(#when),*] }
                        }
                    }
                    other => {
                        let Some((word, ty, value)) = rule_word(other) else {
                            continue;
                        };
                        let name = names::constant(&format!("{prefix} {word}"));
                        let doc = format!(
                            " `{}` of `{}`: {word} (fails with {code}).",
                            op.rust_name, field.json_name
                        );
                        items.push(quote! {
                            #[doc = #doc]
                            pub const #name: #ty = #value;
                        });
                        let variant = match other {
                            FileRule::MaxBytes(_) => quote! { MaxBytes },
                            FileRule::MaxWidth(_) => quote! { MaxWidth },
                            FileRule::MinWidth(_) => quote! { MinWidth },
                            FileRule::MaxHeight(_) => quote! { MaxHeight },
                            FileRule::MinHeight(_) => quote! { MinHeight },
                            FileRule::MaxPixels(_) => quote! { MaxPixels },
                            FileRule::MinPixels(_) => quote! { MinPixels },
                            FileRule::MaxRatio(_) => quote! { MaxRatio },
                            _ => quote! { MinRatio },
                        };
                        quote! { crate::runtime::FileRule::#variant(#name) }
                    }
                };
                checks.push(quote! { crate::runtime::FileCheck { rule: #rule, code: #code } });
            }
            let name = checks_const(op, field);
            let doc = format!(
                " Checks of the decoded bytes of `{}` in `{} {}`, in the spec's order (`x-specgate-file`).",
                field.json_name, op.method, op.path
            );
            items.push(quote! {
                #[doc = #doc]
                pub const #name: &[crate::runtime::FileCheck] = &[#(#checks),*];
            });
        }
    }
    quote! {
        //! Limits and file checks of the spec, as typed constants.
        #(#items)*
    }
}
