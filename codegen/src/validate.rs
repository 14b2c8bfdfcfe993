//! Request validation: one function per named type a request can carry,
//! checking every keyword of the spec and naming the code each failure yields.
//!
//! The emitted code names `Some`, `None`, `Ok` and `Err` through the prelude:
//! the module defines only `validate_*` functions and `*_CODES` constants,
//! so nothing generated can shadow them, and full paths made up a large
//! share of the tokens codegen parses and prints for large specs.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use spec::ir::*;

use crate::names;
use crate::types::Ctx;

/// The validator function of a named type.
pub fn fn_name(ctx: &Ctx<'_>, id: TypeId) -> Ident {
    format_ident!("validate_{}", ctx.snake(id))
}

/// The constant with a named type's own codes.
pub fn codes_const(ctx: &Ctx<'_>, id: TypeId) -> Ident {
    names::constant(&format!("{} codes", ctx.snake(id)))
}

/// A `Codes` literal for a failure -> code map.
pub fn codes_literal(codes: &std::collections::BTreeMap<String, String>) -> TokenStream {
    let pairs = codes
        .iter()
        .filter(|(k, _)| k.as_str() != "required")
        .map(|(k, v)| quote! { (#k, #v) });
    quote! { crate::runtime::Codes(&[#(#pairs),*]) }
}

fn own_rules(kind: &TypeKind) -> Option<&Rules> {
    match kind {
        TypeKind::Struct(s) => Some(&s.rules),
        TypeKind::Enum(e) => Some(&e.rules),
        TypeKind::Union(u) => Some(&u.rules),
        TypeKind::Alias(_) => None,
    }
}

/// The layers of codes at a use of `schema`: the use site's, then the named type's.
pub fn layers(ctx: &Ctx<'_>, schema: &Schema) -> TokenStream {
    let site = codes_literal(&schema.rules.codes);
    match schema.shape {
        Shape::Named(id) => {
            let own = codes_const(ctx, id);
            quote! { &[#site, crate::validate::#own] }
        }
        _ => quote! { &[#site] },
    }
}

/// Statements checking the `&Value` named `v` against `schema`.
/// `nullable` is an expression of type bool.
pub fn check(ctx: &Ctx<'_>, schema: &Schema, nullable: TokenStream) -> TokenStream {
    let site = codes_literal(&schema.rules.codes);
    let layers = quote! { &[#site] };
    let checks = &schema.rules.checks;
    match &schema.shape {
        Shape::Named(id) => {
            let f = fn_name(ctx, *id);
            quote! { crate::validate::#f(v, #nullable, #site, cx); }
        }
        Shape::String(format) => {
            let rules = string_rules(format, checks, &[]);
            quote! { crate::runtime::check_string(v, #nullable, &#rules, #layers, cx); }
        }
        Shape::Integer(_) | Shape::Number(_) => {
            let rules = number_rules(matches!(schema.shape, Shape::Integer(_)), checks, &[]);
            quote! { crate::runtime::check_number(v, #nullable, &#rules, #layers, cx); }
        }
        Shape::Boolean => quote! { crate::runtime::check_boolean(v, #nullable, #layers, cx); },
        Shape::List(item) => {
            let rules = array_rules(checks);
            let inner = check(ctx, item, nullable_of(ctx, item));
            quote! {
                crate::runtime::check_list(v, #nullable, &#rules, #layers, cx, |v, cx| { #inner });
            }
        }
        Shape::Map(value) => {
            let rules = object_rules(checks, false, &[]);
            let inner = check(ctx, value, nullable_of(ctx, value));
            quote! {
                crate::runtime::check_map(v, #nullable, &#rules, #layers, cx, |v, cx| { #inner });
            }
        }
        Shape::Any(_) => quote! { let _ = (v, cx); },
    }
}

fn nullable_of(ctx: &Ctx<'_>, schema: &Schema) -> TokenStream {
    let n = ctx.nullable(schema);
    quote! { #n }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v.map(Literal::u64_unsuffixed) {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    }
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v.map(Literal::f64_unsuffixed) {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    }
}

fn string_rules(format: &StringFormat, checks: &[Keyword], enum_values: &[&str]) -> TokenStream {
    let mut min = None;
    let mut max = None;
    let mut pattern = quote! { None };
    let mut values: Vec<String> = enum_values.iter().map(|s| s.to_string()).collect();
    for k in checks {
        match k {
            Keyword::MinLength(n) => min = Some(*n),
            Keyword::MaxLength(n) => max = Some(*n),
            Keyword::Pattern(p) => pattern = quote! { Some(#p) },
            Keyword::Enum(vals) => {
                values.extend(vals.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
    }
    let format = match format {
        StringFormat::Byte => quote! { Byte },
        StringFormat::DateTime => quote! { DateTime },
        StringFormat::Date => quote! { Date },
        StringFormat::Uuid => quote! { Uuid },
        _ => quote! { None },
    };
    let (min, max) = (opt_u64(min), opt_u64(max));
    quote! {
        crate::runtime::StringRules {
            format: crate::runtime::Format::#format,
            min_length: #min,
            max_length: #max,
            pattern: #pattern,
            enum_values: &[#(#values),*],
        }
    }
}

fn number_rules(integer: bool, checks: &[Keyword], enum_values: &[f64]) -> TokenStream {
    let mut minimum = None;
    let mut maximum = None;
    let mut exclusive_minimum = false;
    let mut exclusive_maximum = false;
    let mut multiple_of = None;
    let mut values: Vec<f64> = enum_values.to_vec();
    for k in checks {
        match k {
            Keyword::Minimum { value, exclusive } => {
                minimum = Some(*value);
                exclusive_minimum = *exclusive;
            }
            Keyword::Maximum { value, exclusive } => {
                maximum = Some(*value);
                exclusive_maximum = *exclusive;
            }
            Keyword::MultipleOf(m) => multiple_of = Some(*m),
            Keyword::Enum(vals) => values.extend(vals.iter().filter_map(Value::as_f64)),
            _ => {}
        }
    }
    let (minimum, maximum, multiple_of) =
        (opt_f64(minimum), opt_f64(maximum), opt_f64(multiple_of));
    let values = values.into_iter().map(Literal::f64_unsuffixed);
    quote! {
        crate::runtime::NumberRules {
            minimum: #minimum,
            exclusive_minimum: #exclusive_minimum,
            maximum: #maximum,
            exclusive_maximum: #exclusive_maximum,
            multiple_of: #multiple_of,
            integer: #integer,
            enum_values: &[#(#values),*],
        }
    }
}

fn array_rules(checks: &[Keyword]) -> TokenStream {
    let mut min = None;
    let mut max = None;
    let mut unique = false;
    for k in checks {
        match k {
            Keyword::MinItems(n) => min = Some(*n),
            Keyword::MaxItems(n) => max = Some(*n),
            Keyword::UniqueItems => unique = true,
            _ => {}
        }
    }
    let (min, max) = (opt_u64(min), opt_u64(max));
    quote! { crate::runtime::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique } }
}

fn object_rules(checks: &[Keyword], forbidden: bool, known: &[&str]) -> TokenStream {
    let mut min = None;
    let mut max = None;
    for k in checks {
        match k {
            Keyword::MinProperties(n) => min = Some(*n),
            Keyword::MaxProperties(n) => max = Some(*n),
            _ => {}
        }
    }
    let (min, max) = (opt_u64(min), opt_u64(max));
    quote! {
        crate::runtime::ObjectRules {
            min_properties: #min,
            max_properties: #max,
            additional_forbidden: #forbidden,
            known: &[#(#known),*],
        }
    }
}

/// The number of parts of the file: its attributes, then one validator per
/// named type a request can carry.
pub fn parts(ctx: &Ctx<'_>) -> usize {
    1 + ctx.request_types().len()
}

/// Part `i` of the file (see [`parts`]).
pub fn part(ctx: &Ctx<'_>, i: usize) -> TokenStream {
    match i.checked_sub(1).and_then(|i| ctx.request_types().get(i)) {
        None => quote! {
            //! Request validation, generated from the spec's schemas and `x-specgate-codes`.
            #![allow(clippy::too_many_lines, unused_variables, unused_qualifications)]
        },
        Some(&id) => validator(ctx, id),
    }
}

fn validator(ctx: &Ctx<'_>, id: TypeId) -> TokenStream {
    let t = ctx.api.type_def(id);
    let f = fn_name(ctx, id);
    let own = codes_const(ctx, id);
    let own_codes = own_rules(&t.kind)
        .map(|r| codes_literal(&r.codes))
        .unwrap_or_else(|| quote! { crate::runtime::Codes::NONE });
    let doc = format!(
        " Checks a value against `{}`, collecting every violation.",
        t.name
    );
    let own_doc = format!(
        " Codes that `{}` itself declares (`x-specgate-codes`).",
        t.name
    );
    let body = body(ctx, t);
    quote! {
        #[doc = #own_doc]
        pub const #own: crate::runtime::Codes = #own_codes;

        #[doc = #doc]
        pub fn #f(v: &::serde_json::Value, nullable: bool, site: crate::runtime::Codes, cx: &mut crate::runtime::Validator) {
            let layers = [site, #own];
            #body
        }
    }
}

fn body(ctx: &Ctx<'_>, t: &TypeDef) -> TokenStream {
    let nullable = if t.nullable {
        quote! { true }
    } else {
        quote! { nullable }
    };
    match &t.kind {
        TypeKind::Struct(s) => {
            let known: Vec<&str> = s.fields.iter().map(|f| f.json_name.as_str()).collect();
            let rules = object_rules(
                &s.rules.checks,
                matches!(s.additional, Additional::Forbidden),
                &known,
            );
            let fields = s.fields.iter().map(|f| {
                let name = &f.json_name;
                let required = f.required;
                let missing = match &f.missing_code {
                    Some(c) => quote! { Some(#c) },
                    None => quote! { None },
                };
                let field_nullable = ctx.nullable(&f.schema);
                let layers = layers(ctx, &f.schema);
                // The value is not null here: `field` handles null.
                let inner = check(ctx, &f.schema, quote! { false });
                quote! {
                    crate::runtime::field(obj, #name, #required, #missing, #field_nullable, #layers, cx, |v, cx| { #inner });
                }
            });
            let additional = match &s.additional {
                Additional::Typed(value) => {
                    let inner = check(ctx, value, nullable_of(ctx, value));
                    quote! {
                        for (k, v) in obj {
                            if ![#(#known),*].contains(&k.as_str()) {
                                cx.at(k, |cx| { #inner });
                            }
                        }
                    }
                }
                _ => quote! {},
            };
            quote! {
                let Some(obj) = crate::runtime::check_object(v, #nullable, &#rules, &layers, cx) else {
                    return;
                };
                #(#fields)*
                #additional
            }
        }
        TypeKind::Enum(e) => {
            let strings: Vec<&str> = e.variants.iter().filter_map(|v| v.value.as_str()).collect();
            if strings.len() == e.variants.len() {
                let rules = string_rules(&StringFormat::Plain, &e.rules.checks, &strings);
                quote! { crate::runtime::check_string(v, #nullable, &#rules, &layers, cx); }
            } else {
                let numbers: Vec<f64> =
                    e.variants.iter().filter_map(|v| v.value.as_f64()).collect();
                let integer = e
                    .variants
                    .iter()
                    .all(|v| v.value.is_i64() || v.value.is_u64());
                let rules = number_rules(integer, &e.rules.checks, &numbers);
                quote! { crate::runtime::check_number(v, #nullable, &#rules, &layers, cx); }
            }
        }
        TypeKind::Alias(inner) => {
            let check = if ctx.nullable(inner) {
                check(ctx, inner, quote! { true })
            } else {
                check(ctx, inner, nullable)
            };
            quote! { #check }
        }
        TypeKind::Union(u) => {
            let probes = u.variants.iter().map(|var| {
                let inner = check(ctx, &var.schema, nullable_of(ctx, &var.schema));
                quote! {
                    {
                        let mut probe = crate::runtime::Validator::new();
                        let cx = &mut probe;
                        #inner
                        probe.is_clean()
                    }
                }
            });
            let exclusive = u.exclusive;
            match &u.discriminator {
                None => quote! {
                    if v.is_null() {
                        if !#nullable {
                            cx.fail("null", &layers);
                        }
                        return;
                    }
                    let matched = [#(#probes),*].into_iter().filter(|ok| *ok).count();
                    if matched == 0 {
                        cx.fail("type", &layers);
                    } else if #exclusive && matched > 1 {
                        cx.fail("oneOf", &layers);
                    }
                },
                Some(d) => {
                    let property = &d.property;
                    let arms = d.mapping.iter().map(|(value, index)| {
                        let var = &u.variants[*index];
                        let inner = check(ctx, &var.schema, quote! { false });
                        quote! { Some(#value) => { #inner } }
                    });
                    quote! {
                        if v.is_null() {
                            if !#nullable {
                                cx.fail("null", &layers);
                            }
                            return;
                        }
                        match v.get(#property).and_then(::serde_json::Value::as_str) {
                            #(#arms)*
                            _ => cx.fail("type", &layers),
                        }
                    }
                }
            }
        }
    }
}
