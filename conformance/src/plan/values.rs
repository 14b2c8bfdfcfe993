//! Valid values for any schema of the IR, deterministic for a seed.

use serde_json::{Map, Value};
use spec::ir::*;

use super::Rng;
use super::keys::schema_enum;

/// Nesting beyond this gives the smallest value that can be valid, so that
/// recursive types end.
const MAX_DEPTH: usize = 6;

/// The longest string (in characters) or array a case is built with: a
/// `maxLength: 2147483647` boundary is not a request anyone can send, so
/// lengths beyond this get no boundary case.
pub const MAX_GENERATED_LEN: usize = 1 << 16;

pub fn valid(api: &Api, schema: &Schema, rng: &mut Rng) -> Value {
    value(api, schema, rng, 0)
}

fn value(api: &Api, schema: &Schema, rng: &mut Rng, depth: usize) -> Value {
    let values = schema_enum(api, schema);
    if let Some(first) = values.first() {
        return first.clone();
    }
    match &schema.shape {
        Shape::Named(id) => named(api, *id, rng, depth),
        Shape::Boolean => Value::Bool(true),
        Shape::Integer(_) => Value::from(number(&schema.rules.checks, true) as i64),
        Shape::Number(_) => serde_json::Number::from_f64(number(&schema.rules.checks, false))
            .map(Value::Number)
            .unwrap_or(Value::from(0)),
        Shape::String(format) => Value::String(string(format, &schema.rules.checks, rng)),
        Shape::List(item) => {
            let min = schema
                .rules
                .checks
                .iter()
                .find_map(|k| match k {
                    Keyword::MinItems(n) => Some(*n),
                    _ => None,
                })
                .unwrap_or(0);
            if depth >= MAX_DEPTH {
                return Value::Array(Vec::new());
            }
            let n = min.max(1).min(MAX_GENERATED_LEN as u64);
            Value::Array((0..n).map(|_| value(api, item, rng, depth + 1)).collect())
        }
        Shape::Map(_) => Value::Object(Map::new()),
        Shape::Any(_) => Value::String("specgate".into()),
    }
}

fn named(api: &Api, id: TypeId, rng: &mut Rng, depth: usize) -> Value {
    let t = api.type_def(id);
    match &t.kind {
        TypeKind::Struct(s) => {
            let mut map = Map::new();
            for f in &s.fields {
                // Only what is required: optional parts may recurse or carry
                // rules that do not matter to the case.
                if f.required {
                    map.insert(f.json_name.clone(), value(api, &f.schema, rng, depth + 1));
                }
            }
            Value::Object(map)
        }
        TypeKind::Enum(e) => e
            .variants
            .first()
            .map(|v| v.value.clone())
            .unwrap_or(Value::Null),
        TypeKind::Union(u) => u
            .variants
            .first()
            .map(|v| value(api, &v.schema, rng, depth + 1))
            .unwrap_or(Value::Null),
        TypeKind::Alias(inner) => value(api, inner, rng, depth + 1),
    }
}

fn number(checks: &[Keyword], integer: bool) -> f64 {
    let mut lo = f64::NEG_INFINITY;
    let mut hi = f64::INFINITY;
    let mut step = None;
    for k in checks {
        match k {
            Keyword::Minimum { value, exclusive } => {
                lo = if *exclusive {
                    value + if integer { 1.0 } else { 0.5 }
                } else {
                    *value
                }
            }
            Keyword::Maximum { value, exclusive } => {
                hi = if *exclusive {
                    value - if integer { 1.0 } else { 0.5 }
                } else {
                    *value
                }
            }
            Keyword::MultipleOf(m) => step = Some(*m),
            _ => {}
        }
    }
    let mut v = if lo.is_finite() {
        lo
    } else if hi.is_finite() && hi < 1.0 {
        hi
    } else {
        1.0
    };
    if let Some(m) = step
        && m > 0.0
    {
        v = (v / m).ceil() * m;
    }
    if integer { v.ceil() } else { v }
}

/// Lengths a string must have by its keywords.
pub fn length_bounds(checks: &[Keyword]) -> (u64, Option<u64>) {
    let mut min = 0;
    let mut max = None;
    for k in checks {
        match k {
            Keyword::MinLength(n) => min = *n,
            Keyword::MaxLength(n) => max = Some(*n),
            _ => {}
        }
    }
    (min, max)
}

pub fn pattern_of(checks: &[Keyword]) -> Option<&str> {
    checks.iter().find_map(|k| match k {
        Keyword::Pattern(p) => Some(p.as_str()),
        _ => None,
    })
}

/// A string of exactly `len` characters that matches `pattern` (when it can
/// be found by trying simple alphabets), or `None`.
pub fn string_of_len(pattern: Option<&str>, len: usize, rng: &mut Rng) -> Option<String> {
    if len > MAX_GENERATED_LEN {
        return None;
    }
    let re = match pattern {
        Some(p) => Some(regex::Regex::new(p).ok()?),
        None => None,
    };
    let candidates = [
        rng.alnum(len),
        "a".repeat(len),
        "A".repeat(len),
        "1".repeat(len),
        "a1".repeat(len).chars().take(len).collect(),
        "x-".repeat(len).chars().take(len).collect(),
    ];
    candidates
        .into_iter()
        .find(|c| re.as_ref().is_none_or(|r| r.is_match(c)))
}

/// A string breaking `pattern` while keeping a length in `[min, max]`.
pub fn string_breaking(pattern: &str, len: usize) -> Option<String> {
    if len > MAX_GENERATED_LEN {
        return None;
    }
    let re = regex::Regex::new(pattern).ok()?;
    let len = len.max(1);
    ["-", " ", "!", "é", "\u{1F600}", "#", "/", "0", "a", "Z"]
        .iter()
        .map(|c| c.repeat(len))
        .chain(std::iter::once(format!(
            "{}-",
            "a".repeat(len.saturating_sub(1))
        )))
        .find(|c| !re.is_match(c))
}

fn string(format: &StringFormat, checks: &[Keyword], rng: &mut Rng) -> String {
    match format {
        StringFormat::DateTime => "2024-02-29T12:34:56Z".into(),
        StringFormat::Date => "2024-02-29".into(),
        StringFormat::Uuid => {
            let h = format!("{:016x}{:016x}", rng.next(), rng.next());
            format!(
                "{}-{}-4{}-8{}-{}",
                &h[0..8],
                &h[8..12],
                &h[13..16],
                &h[17..20],
                &h[20..32]
            )
        }
        StringFormat::Byte => super::image::base64(b"specgate"),
        _ => {
            let (min, max) = length_bounds(checks);
            let len = (min.max(8))
                .min(max.unwrap_or(u64::MAX))
                .min(MAX_GENERATED_LEN as u64) as usize;
            string_of_len(pattern_of(checks), len, rng).unwrap_or_else(|| "a".repeat(len))
        }
    }
}
