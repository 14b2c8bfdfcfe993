//! Body and parameter cases: required properties missing and null, wrong
//! JSON types, enum near-misses, format violations, length and pattern
//! boundaries on both sides, combined faults, and every enum value accepted.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use spec::ir::*;

use super::keys::schema_enum;
use super::values::{length_bounds, pattern_of, string_breaking, string_of_len};
use super::{Planner, dotted, edit_body, raw_body};

/// The codes declared at a use of `schema` (use site first, then the named type).
fn code(api: &Api, schema: &Schema, failure: &str) -> Option<String> {
    if let Some(c) = schema.rules.code(failure) {
        return Some(c.to_string());
    }
    match &schema.shape {
        Shape::Named(id) => {
            let t = api.type_def(*id);
            let own = match &t.kind {
                TypeKind::Struct(s) => s.rules.code(failure),
                TypeKind::Enum(e) => e.rules.code(failure),
                TypeKind::Union(u) => u.rules.code(failure),
                TypeKind::Alias(a) => return code(api, a, failure),
            };
            own.map(str::to_string)
        }
        _ => None,
    }
}

/// The JSON types a schema accepts (by its shape).
fn accepted_types(api: &Api, schema: &Schema) -> Vec<&'static str> {
    match &schema.shape {
        Shape::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Struct(_) => vec!["object"],
            TypeKind::Enum(e) => {
                if e.variants.iter().all(|v| v.value.is_string()) {
                    vec!["string"]
                } else {
                    vec!["number", "integer"]
                }
            }
            TypeKind::Union(u) => u
                .variants
                .iter()
                .flat_map(|v| accepted_types(api, &v.schema))
                .collect(),
            TypeKind::Alias(a) => accepted_types(api, a),
        },
        Shape::Boolean => vec!["boolean"],
        Shape::Integer(_) => vec!["integer"],
        Shape::Number(_) => vec!["number", "integer"],
        Shape::String(_) => vec!["string"],
        Shape::List(_) => vec!["array"],
        Shape::Map(_) => vec!["object"],
        Shape::Any(_) => vec!["string", "number", "integer", "boolean", "array", "object"],
    }
}

fn sample_of(json_type: &str) -> Value {
    match json_type {
        "string" => Value::String("specgate".into()),
        "integer" => Value::from(7),
        "number" => Value::from(7.5),
        "boolean" => Value::Bool(true),
        "array" => Value::Array(vec![Value::from(1)]),
        _ => Value::Object(Map::new()),
    }
}

/// Body fields of the operation: (json name, schema, required, missing code).
fn body_fields<'a>(p: &Planner<'a>) -> Vec<&'a Field> {
    let Some(Shape::Named(id)) = p.body_schema.map(|s| &s.shape) else {
        return Vec::new();
    };
    match &p.api.type_def(*id).kind {
        TypeKind::Struct(s) => s.fields.iter().collect(),
        _ => Vec::new(),
    }
}

fn set_field(v: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in parents {
        match cur.get_mut(p.as_str()) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(o) = cur.as_object_mut() {
        match value {
            Some(x) => {
                o.insert(last.clone(), x);
            }
            None => {
                o.remove(last);
            }
        }
    }
}

/// Every enum value of a body property accepted at least once.
pub fn enum_values(p: &mut Planner<'_>) {
    let fields: Vec<(String, Vec<Value>)> = body_fields(p)
        .into_iter()
        .map(|f| (f.json_name.clone(), schema_enum(p.api, &f.schema)))
        .filter(|(_, values)| values.len() > 1)
        .collect();
    for (name, values) in fields {
        for v in values {
            let word = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            p.success_case(
                format!("positive.{name}.{word}"),
                format!("{name} {word} is accepted"),
                &format!("every value of {name}'s enum is accepted"),
                "",
                &[(name.clone(), v.clone())],
                |_, _| {},
            );
        }
    }
}

/// Cases for each top-level body property.
pub fn fields(p: &mut Planner<'_>) {
    let Some(body) = p.op.body.as_ref() else {
        return;
    };
    if p.body_schema.is_none() {
        return;
    }
    let fields: Vec<Field> = body_fields(p).into_iter().cloned().collect();
    let mut coded_missing: Vec<(String, String)> = Vec::new();
    for f in &fields {
        let path = vec![f.json_name.clone()];
        field_cases(p, &path, f);
        if f.required
            && let Some(c) = &f.missing_code
        {
            coded_missing.push((f.json_name.clone(), c.clone()));
        }
    }
    // Two faults at once: both codes.
    if coded_missing.len() >= 2 {
        let (a, ca) = coded_missing[0].clone();
        let (b, cb) = coded_missing[1].clone();
        let expect = p.expect_codes([ca.clone(), cb.clone()].into_iter().collect(), 400);
        p.error_case(
            format!("body.combined.{a}+{b}.missing"),
            format!("{a} and {b} both missing: both {ca} and {cb} are reported"),
            "every field error of a body is reported together",
            "",
            expect,
            |r, _| {
                edit_body(r, |v| {
                    set_field(v, std::slice::from_ref(&a), None);
                    set_field(v, std::slice::from_ref(&b), None);
                })
            },
        );
    }
    // A body that is not an object.
    let all_missing: BTreeSet<String> = coded_missing.iter().map(|(_, c)| c.clone()).collect();
    let (not_object, word) = match &body.not_an_object {
        NotAnObject::EmptyObject => (
            p.expect_codes(all_missing, 400),
            "is read as {}, so every required property is reported missing",
        ),
        NotAnObject::Code(c) => (p.expect_code(Some(c), 400), "is refused with its code"),
        NotAnObject::Unspecified => (p.expect_codes(BTreeSet::new(), 400), "is refused"),
    };
    for (slug, bytes) in [
        ("array", b"[]".to_vec()),
        ("string", b"\"specgate\"".to_vec()),
        ("null", b"null".to_vec()),
        ("not-json", b"{\"documentType\":".to_vec()),
        ("empty", Vec::new()),
    ] {
        let expect = not_object.clone();
        p.error_case(
            format!("body.not-an-object.{slug}"),
            format!("A body that is {slug} {word}"),
            "a body that is not a JSON object",
            "/requestBody",
            expect,
            |r, _| raw_body(r, bytes.clone()),
        );
    }
}

fn field_cases(p: &mut Planner<'_>, path: &[String], f: &Field) {
    let api = p.api;
    let name = dotted(path);
    let schema = &f.schema;
    if f.required {
        let expect = p.expect_code(f.missing_code.as_deref(), 400);
        let path_owned = path.to_vec();
        p.error_case(
            format!("body.{name}.missing"),
            format!(
                "{name} missing is refused{}",
                code_note(f.missing_code.as_deref())
            ),
            &format!("{name} is required"),
            "",
            expect,
            move |r, _| edit_body(r, |v| set_field(v, &path_owned, None)),
        );
    }
    let nullable =
        schema.nullable || matches!(schema.shape, Shape::Named(id) if api.type_def(id).nullable);
    if !nullable && !matches!(schema.shape, Shape::Any(_)) {
        let c = code(api, schema, "null");
        let expect = p.expect_code(c.as_deref(), 400);
        let path_owned = path.to_vec();
        p.error_case(
            format!("body.{name}.null"),
            format!("{name} null is refused{}", code_note(c.as_deref())),
            &format!("{name} is not nullable"),
            "",
            expect,
            move |r, _| edit_body(r, |v| set_field(v, &path_owned, Some(Value::Null))),
        );
    }
    // Wrong JSON types.
    let accepted = accepted_types(api, schema);
    let type_code = code(api, schema, "type");
    for t in ["string", "number", "boolean", "array", "object"] {
        if accepted.contains(&t)
            || (t == "number" && accepted.contains(&"integer") && accepted.len() > 1)
        {
            continue;
        }
        let expect = p.expect_code(type_code.as_deref(), 400);
        let path_owned = path.to_vec();
        p.error_case(
            format!("body.{name}.type.{t}"),
            format!(
                "{name} as a JSON {t} is refused{}",
                code_note(type_code.as_deref())
            ),
            &format!("{name} has a declared type"),
            "",
            expect,
            move |r, _| edit_body(r, |v| set_field(v, &path_owned, Some(sample_of(t)))),
        );
    }
    // Enum near-misses.
    let values = schema_enum(api, schema);
    if let Some(first) = values.iter().find_map(Value::as_str) {
        let enum_code = code(api, schema, "enum");
        let strings: BTreeSet<&str> = values.iter().filter_map(Value::as_str).collect();
        let misses = [
            ("lowercase", first.to_lowercase()),
            ("uppercase", first.to_uppercase()),
            ("padded-left", format!(" {first}")),
            ("padded-right", format!("{first} ")),
            ("unknown", format!("{first}Unknown")),
            ("empty", String::new()),
        ];
        for (slug, miss) in misses {
            if strings.contains(miss.as_str()) {
                continue;
            }
            let expect = p.expect_code(enum_code.as_deref(), 400);
            let path_owned = path.to_vec();
            p.error_case(
                format!("body.{name}.enum.{slug}"),
                format!(
                    "{name} {miss:?} (not a value of the enum) is refused{}",
                    code_note(enum_code.as_deref())
                ),
                &format!("{name} is one of its enum values"),
                "",
                expect,
                move |r, _| {
                    edit_body(r, |v| {
                        set_field(v, &path_owned, Some(Value::String(miss.clone())))
                    })
                },
            );
        }
    }
    // Formats.
    if let Shape::String(format) = &schema.shape {
        let format_code = code(api, schema, "format");
        let bad: Vec<(&str, String)> = match format {
            StringFormat::Byte => {
                let good = super::image::base64(b"specgate conformance!");
                vec![
                    (
                        "url-safe-alphabet",
                        good.replace('+', "-")
                            .replace('/', "_")
                            .replacen('Z', "-", 1),
                    ),
                    ("bad-alphabet", format!("{}*", &good[..good.len() - 1])),
                    ("missing-padding", "YQ".to_string()),
                    ("extra-padding", "YQ===".to_string()),
                    ("padding-inside", "YQ==YQ==".to_string()),
                    ("nonzero-unused-bits", "YR==".to_string()),
                    ("whitespace", format!("{} {}", &good[..8], &good[8..])),
                    ("newline", format!("{}\n{}", &good[..8], &good[8..])),
                    ("data-uri-prefix", format!("data:image/png;base64,{good}")),
                ]
            }
            StringFormat::DateTime => vec![
                ("no-time", "2024-02-29".into()),
                ("bad-day", "2023-02-29T12:00:00Z".into()),
                ("no-offset", "2024-02-29T12:00:00".into()),
            ],
            StringFormat::Date => vec![
                ("bad-day", "2023-02-29".into()),
                ("with-time", "2024-02-29T12:00:00Z".into()),
            ],
            StringFormat::Uuid => vec![
                ("short", "1234".into()),
                ("not-hex", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz".into()),
            ],
            _ => Vec::new(),
        };
        let word = match format {
            StringFormat::Byte => "base64",
            StringFormat::DateTime => "date-time",
            StringFormat::Date => "date",
            StringFormat::Uuid => "uuid",
            _ => "format",
        };
        for (slug, value) in bad {
            let expect = p.expect_code(format_code.as_deref(), 400);
            let path_owned = path.to_vec();
            p.error_case(
                format!("body.{name}.format.{slug}"),
                format!(
                    "{name} that is not valid {word} ({slug}) is refused{}",
                    code_note(format_code.as_deref())
                ),
                &format!("{name} is {word}"),
                "",
                expect,
                move |r, _| {
                    edit_body(r, |v| {
                        set_field(v, &path_owned, Some(Value::String(value.clone())))
                    })
                },
            );
        }
        // Lengths and patterns of plain strings.
        if !matches!(format, StringFormat::Byte) {
            string_bounds(p, path, schema);
        }
    }
}

/// minLength/maxLength boundaries on both sides and a pattern violation.
fn string_bounds(p: &mut Planner<'_>, path: &[String], schema: &Schema) {
    let api = p.api;
    let name = dotted(path);
    let (min, max) = length_bounds(&schema.rules.checks);
    let pattern = pattern_of(&schema.rules.checks).map(str::to_string);
    let mut rng = p.rng(&format!("bounds:{name}"));
    let mut bounds: Vec<(String, usize, bool, &str)> = Vec::new();
    if min > 0 {
        bounds.push((
            format!("length.{}", min - 1),
            (min - 1) as usize,
            false,
            "minLength",
        ));
        bounds.push((format!("length.{min}"), min as usize, true, "minLength"));
    }
    if let Some(max) = max {
        bounds.push((format!("length.{max}"), max as usize, true, "maxLength"));
        bounds.push((
            format!("length.{}", max + 1),
            (max + 1) as usize,
            false,
            "maxLength",
        ));
    }
    for (slug, len, ok, keyword) in bounds {
        let Some(text) = string_of_len(pattern.as_deref(), len, &mut rng) else {
            continue;
        };
        let path_owned = path.to_vec();
        if ok {
            p.success_case(
                format!("body.{name}.{slug}"),
                format!("{name} of {len} characters is accepted"),
                &format!("{name}'s {keyword}"),
                "",
                &[],
                move |r, _| {
                    edit_body(r, |v| {
                        set_field(v, &path_owned, Some(Value::String(text.clone())))
                    })
                },
            );
        } else {
            let c = code(api, schema, keyword);
            let expect = p.expect_code(c.as_deref(), 400);
            p.error_case(
                format!("body.{name}.{slug}"),
                format!(
                    "{name} of {len} characters is refused{}",
                    code_note(c.as_deref())
                ),
                &format!("{name}'s {keyword}"),
                "",
                expect,
                move |r, _| {
                    edit_body(r, |v| {
                        set_field(v, &path_owned, Some(Value::String(text.clone())))
                    })
                },
            );
        }
    }
    if let Some(pat) = &pattern {
        let len = (min.max(8)).min(max.unwrap_or(u64::MAX)) as usize;
        if let Some(text) = string_breaking(pat, len) {
            let c = code(api, schema, "pattern");
            let expect = p.expect_code(c.as_deref(), 400);
            let path_owned = path.to_vec();
            p.error_case(
                format!("body.{name}.pattern"),
                format!(
                    "{name} {text:?} (not matching {pat}) is refused{}",
                    code_note(c.as_deref())
                ),
                &format!("{name}'s pattern"),
                "",
                expect,
                move |r, _| {
                    edit_body(r, |v| {
                        set_field(v, &path_owned, Some(Value::String(text.clone())))
                    })
                },
            );
        }
    }
}

/// Required parameters missing (credentials are covered by the auth cases).
pub fn params(p: &mut Planner<'_>) {
    let params: Vec<Parameter> = p
        .op
        .parameters
        .iter()
        .filter(|x| x.credential_of.is_none() && x.required && x.location != ParamLocation::Path)
        .cloned()
        .collect();
    for param in params {
        let c = param.schema.rules.code("required").map(str::to_string);
        let expect = p.expect_code(c.as_deref(), 400);
        let name = param.name.clone();
        let location = param.location;
        p.error_case(
            format!("param.{}.missing", param.name),
            format!("The required {} parameter {} missing is refused", location_word(location), param.name),
            &format!("{} is required", param.name),
            "/parameters",
            expect,
            move |r, _| match location {
                ParamLocation::Header => super::set_header(r, &name, None),
                ParamLocation::Query => {
                    if let Some((path, query)) = r.path.split_once('?') {
                        let kept: Vec<&str> = query
                            .split('&')
                            .filter(|kv| kv.split('=').next() != Some(super::percent_encode(&name).as_str()))
                            .collect();
                        r.path = if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) };
                    }
                }
                _ => r.headers.retain(|(n, v)| !(n == "Cookie" && matches!(v, crate::case::HeaderText::Literal(t) if t.starts_with(&format!("{name}="))))),
            },
        );
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

/// " with ER067" or "".
pub fn code_note(code: Option<&str>) -> String {
    code.map(|c| format!(" with {c}")).unwrap_or_default()
}
