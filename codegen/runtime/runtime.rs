//! Support code shared by every generated crate: JSON validation that maps
//! each failed rule to the error code the spec declares, the string formats
//! specgate checks, ECMA-262 patterns, credentials read from headers, the
//! error body, and the header-level checks of uploaded files.
//!
//! It is written once by hand and copied verbatim into each generated crate,
//! so it depends only on `std`, `serde`, `serde_json`, `axum` and `regex`, and it never
//! panics, whatever the request holds.
#![allow(dead_code)]

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex, PoisonError};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Number, Value};

/// An error code of the spec's catalog.
pub type Code = &'static str;

// ---------------------------------------------------------------------------
// Violations and codes
// ---------------------------------------------------------------------------

/// One failed rule at a JSON pointer, with the error code the spec maps it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub failure: &'static str,
    pub code: Option<Code>,
}

/// failure name -> code for one schema position (`x-specgate-codes`); the key
/// "default" covers any failure without its own entry.
#[derive(Debug, Clone, Copy)]
pub struct Codes(pub &'static [(&'static str, Code)]);

impl Codes {
    pub const NONE: Codes = Codes(&[]);

    /// The code this layer declares for exactly `failure` (no "default").
    pub fn get(&self, failure: &str) -> Option<Code> {
        self.0.iter().find(|(f, _)| *f == failure).map(|(_, c)| *c)
    }
}

/// The code for `failure`, looking through `layers` in order (use site first,
/// then the named type): in each layer the exact failure first, then that
/// layer's "default".
pub fn code_for(failure: &str, layers: &[Codes]) -> Option<Code> {
    layers
        .iter()
        .find_map(|layer| layer.get(failure).or_else(|| layer.get("default")))
}

/// Walks a JSON value, collecting violations with JSON pointers (RFC 6901
/// escaping).
#[derive(Debug, Default)]
pub struct Validator {
    /// The pointer of the value being checked, already escaped.
    pointer: String,
    pub violations: Vec<Violation>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Run `f` with `token` appended to the current pointer.
    pub fn at<R>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.pointer.len();
        self.pointer.push('/');
        for c in token.chars() {
            match c {
                '~' => self.pointer.push_str("~0"),
                '/' => self.pointer.push_str("~1"),
                c => self.pointer.push(c),
            }
        }
        let out = f(self);
        self.pointer.truncate(len);
        out
    }

    /// Run `f` at array index `index`.
    pub fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.at(&index.to_string(), f)
    }

    /// The pointer of the value being checked ("" for the root).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Record that `failure` happened here, with the code `layers` give it.
    pub fn fail(&mut self, failure: &'static str, layers: &[Codes]) {
        let code = code_for(failure, layers);
        self.fail_with(failure, code);
    }

    /// Record that `failure` happened here, with an explicit code.
    pub fn fail_with(&mut self, failure: &'static str, code: Option<Code>) {
        self.violations.push(Violation {
            pointer: self.pointer.clone(),
            failure,
            code,
        });
    }

    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// The distinct codes of the violations, in the order first seen.
    pub fn codes(&self) -> Vec<Code> {
        let mut out: Vec<Code> = Vec::new();
        for code in self.violations.iter().filter_map(|v| v.code) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }

    /// Whether some violation has no code (the spec maps nothing to it).
    pub fn has_uncoded(&self) -> bool {
        self.violations.iter().any(|v| v.code.is_none())
    }
}

// ---------------------------------------------------------------------------
// Rules and checks of JSON values
// ---------------------------------------------------------------------------

/// Rules of a string position. `format` is one of the checked formats.
#[derive(Debug, Clone, Copy)]
pub struct StringRules {
    pub format: Format,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<&'static str>,
    pub enum_values: &'static [&'static str],
}

impl StringRules {
    /// No rule at all: any string passes.
    pub const NONE: StringRules = StringRules {
        format: Format::None,
        min_length: None,
        max_length: None,
        pattern: None,
        enum_values: &[],
    };
}

/// The string formats specgate checks; any other format is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    None,
    Byte,
    DateTime,
    Date,
    Uuid,
}

impl Format {
    pub fn accepts(self, s: &str) -> bool {
        match self {
            Format::None => true,
            Format::Byte => is_canonical_base64(s),
            Format::DateTime => is_date_time(s),
            Format::Date => is_date(s),
            Format::Uuid => is_uuid(s),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct NumberRules {
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub integer: bool,
    pub enum_values: &'static [f64],
}

impl NumberRules {
    /// Any number passes.
    pub const NUMBER: NumberRules = NumberRules {
        minimum: None,
        exclusive_minimum: false,
        maximum: None,
        exclusive_maximum: false,
        multiple_of: None,
        integer: false,
        enum_values: &[],
    };
    /// Any integer passes.
    pub const INTEGER: NumberRules = NumberRules {
        integer: true,
        ..NumberRules::NUMBER
    };
}

#[derive(Debug, Clone, Copy)]
pub struct ArrayRules {
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
}

impl ArrayRules {
    pub const NONE: ArrayRules = ArrayRules {
        min_items: None,
        max_items: None,
        unique_items: false,
    };
}

#[derive(Debug, Clone, Copy)]
pub struct ObjectRules {
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub additional_forbidden: bool,
    pub known: &'static [&'static str],
}

impl ObjectRules {
    pub const NONE: ObjectRules = ObjectRules {
        min_properties: None,
        max_properties: None,
        additional_forbidden: false,
        known: &[],
    };
}

/// A value of the wrong JSON type: `null` is its own failure, so a spec can
/// tell "missing" (often sent as null) from "wrong".
fn wrong_type(v: &Value, nullable: bool, layers: &[Codes], cx: &mut Validator) {
    if v.is_null() {
        if !nullable {
            cx.fail("null", layers);
        }
    } else {
        cx.fail("type", layers);
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn check_count(
    n: usize,
    min: Option<u64>,
    max: Option<u64>,
    names: [&'static str; 2],
    layers: &[Codes],
    cx: &mut Validator,
) {
    let n = count(n);
    if min.is_some_and(|m| n < m) {
        cx.fail(names[0], layers);
    }
    if max.is_some_and(|m| n > m) {
        cx.fail(names[1], layers);
    }
}

/// Checks a string position. Failures are collected in the order enum,
/// format, pattern, minLength, maxLength. Lengths count Unicode code points.
pub fn check_string<'v>(
    v: &'v Value,
    nullable: bool,
    rules: &StringRules,
    layers: &[Codes],
    cx: &mut Validator,
) -> Option<&'v str> {
    let Value::String(s) = v else {
        wrong_type(v, nullable, layers, cx);
        return None;
    };
    if !rules.enum_values.is_empty() && !rules.enum_values.contains(&s.as_str()) {
        cx.fail("enum", layers);
    }
    if !rules.format.accepts(s) {
        cx.fail("format", layers);
    }
    if rules.pattern.is_some_and(|p| !pattern_matches(p, s)) {
        cx.fail("pattern", layers);
    }
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let chars = s.chars().count();
        check_count(
            chars,
            rules.min_length,
            rules.max_length,
            ["minLength", "maxLength"],
            layers,
            cx,
        );
    }
    Some(s)
}

/// Checks a number position. With `integer`, a number with a fractional part
/// fails "type" (1.0 is an integer, as in JSON Schema). Failures are collected
/// in the order enum, minimum/exclusiveMinimum, maximum/exclusiveMaximum,
/// multipleOf.
pub fn check_number(
    v: &Value,
    nullable: bool,
    rules: &NumberRules,
    layers: &[Codes],
    cx: &mut Validator,
) -> Option<f64> {
    let (Value::Number(n), Some(x)) = (v, v.as_f64()) else {
        wrong_type(v, nullable, layers, cx);
        return None;
    };
    if rules.integer && !is_integral(n) {
        cx.fail("type", layers);
        return None;
    }
    if !rules.enum_values.is_empty()
        && !rules
            .enum_values
            .iter()
            .any(|e| compare_number(n, *e) == Some(Ordering::Equal))
    {
        cx.fail("enum", layers);
    }
    if let Some(min) = rules.minimum {
        let ord = compare_number(n, min);
        if rules.exclusive_minimum {
            if ord != Some(Ordering::Greater) {
                cx.fail("exclusiveMinimum", layers);
            }
        } else if ord == Some(Ordering::Less) {
            cx.fail("minimum", layers);
        }
    }
    if let Some(max) = rules.maximum {
        let ord = compare_number(n, max);
        if rules.exclusive_maximum {
            if ord != Some(Ordering::Less) {
                cx.fail("exclusiveMaximum", layers);
            }
        } else if ord == Some(Ordering::Greater) {
            cx.fail("maximum", layers);
        }
    }
    if rules.multiple_of.is_some_and(|m| !is_multiple_of(n, x, m)) {
        cx.fail("multipleOf", layers);
    }
    Some(x)
}

fn is_integral(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// Integers are compared exactly with integral bounds: an i64 far from zero
/// does not fit an f64, and a bound must not move by rounding.
fn compare_number(n: &Number, bound: f64) -> Option<Ordering> {
    // i128 holds every i64, every u64 and every integral f64 below 2^127.
    if bound.fract() == 0.0 && bound.abs() < 1.0e38 {
        let b = bound as i128;
        if let Some(i) = n.as_i64() {
            return Some(i128::from(i).cmp(&b));
        }
        if let Some(u) = n.as_u64() {
            return Some(i128::from(u).cmp(&b));
        }
    }
    n.as_f64()?.partial_cmp(&bound)
}

fn is_multiple_of(n: &Number, x: f64, m: f64) -> bool {
    // The lowering refuses a non-positive multipleOf; never fail a request on one.
    if !(m > 0.0 && m.is_finite()) {
        return true;
    }
    if m.fract() == 0.0 && m < 9.0e18 {
        let step = m as u64;
        if let Some(u) = n.as_u64() {
            return u % step == 0;
        }
        if let Some(i) = n.as_i64() {
            return i.unsigned_abs() % step == 0;
        }
    }
    // Decimal steps (0.1) have no exact binary form: accept a quotient within
    // a few ulps of a whole number, so 0.3 is a multiple of 0.1.
    let q = (x / m).round();
    if !q.is_finite() {
        return false;
    }
    (q * m - x).abs() <= 4.0 * f64::EPSILON * x.abs().max(m)
}

pub fn check_boolean(
    v: &Value,
    nullable: bool,
    layers: &[Codes],
    cx: &mut Validator,
) -> Option<bool> {
    let Value::Bool(b) = v else {
        wrong_type(v, nullable, layers, cx);
        return None;
    };
    Some(*b)
}

/// An array checked by `rules`, then each item by `each`, at its index.
pub fn check_list(
    v: &Value,
    nullable: bool,
    rules: &ArrayRules,
    layers: &[Codes],
    cx: &mut Validator,
    mut each: impl FnMut(&Value, &mut Validator),
) {
    if let Some(items) = check_array(v, nullable, rules, layers, cx) {
        for (i, item) in items.iter().enumerate() {
            cx.at_index(i, |cx| each(item, cx));
        }
    }
}

/// An object checked by `rules` as a map, then each value by `each`, at its key.
pub fn check_map(
    v: &Value,
    nullable: bool,
    rules: &ObjectRules,
    layers: &[Codes],
    cx: &mut Validator,
    mut each: impl FnMut(&Value, &mut Validator),
) {
    if let Some(map) = check_object(v, nullable, rules, layers, cx) {
        for (key, item) in map {
            cx.at(key, |cx| each(item, cx));
        }
    }
}

/// Checks an array position (not its items). Uniqueness uses JSON Schema
/// equality: 1 and 1.0 are equal, key order of objects does not matter.
pub fn check_array<'v>(
    v: &'v Value,
    nullable: bool,
    rules: &ArrayRules,
    layers: &[Codes],
    cx: &mut Validator,
) -> Option<&'v [Value]> {
    let Value::Array(items) = v else {
        wrong_type(v, nullable, layers, cx);
        return None;
    };
    check_count(
        items.len(),
        rules.min_items,
        rules.max_items,
        ["minItems", "maxItems"],
        layers,
        cx,
    );
    if rules.unique_items && !all_unique(items) {
        cx.fail("uniqueItems", layers);
    }
    Some(items)
}

fn all_unique(items: &[Value]) -> bool {
    // Canonical text per item and a set: linear, whatever the array holds.
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().all(|item| {
        let mut key = String::new();
        canonical(item, &mut key);
        seen.insert(key)
    })
}

/// Text that is equal for two values exactly when JSON Schema calls them equal.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Number(n) => {
            out.push('#');
            out.push_str(&canonical_number(n));
        }
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Array(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(value) = map.get(key) {
                    canonical(value, out);
                }
                out.push(',');
            }
            out.push('}');
        }
    }
}

fn canonical_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // An integral float equals the integer of the same value.
    if f.fract() == 0.0 && (-9.2e18..0.0).contains(&f) {
        return (f as i64).to_string();
    }
    if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) {
        return (f as u64).to_string();
    }
    format!("{f:e}")
}

/// Checks an object position (not its properties). Each property that
/// `additionalProperties: false` forbids fails at its own pointer.
pub fn check_object<'v>(
    v: &'v Value,
    nullable: bool,
    rules: &ObjectRules,
    layers: &[Codes],
    cx: &mut Validator,
) -> Option<&'v Map<String, Value>> {
    let Value::Object(map) = v else {
        wrong_type(v, nullable, layers, cx);
        return None;
    };
    check_count(
        map.len(),
        rules.min_properties,
        rules.max_properties,
        ["minProperties", "maxProperties"],
        layers,
        cx,
    );
    if rules.additional_forbidden {
        for key in map.keys() {
            if !rules.known.contains(&key.as_str()) {
                cx.at(key, |cx| cx.fail("additionalProperties", layers));
            }
        }
    }
    Some(map)
}

/// A property of an object: absent -> fails "required" with `missing` (only
/// if `required`; without `missing`, the layers' "default" applies); null and
/// not nullable -> fails "null" at the property's pointer; otherwise runs
/// `check` at the property's pointer.
#[allow(clippy::too_many_arguments)]
pub fn field(
    obj: &Map<String, Value>,
    name: &str,
    required: bool,
    missing: Option<Code>,
    nullable: bool,
    layers: &[Codes],
    cx: &mut Validator,
    check: impl FnOnce(&Value, &mut Validator),
) {
    match obj.get(name) {
        None => {
            if required {
                let code = missing.or_else(|| code_for("required", layers));
                cx.at(name, |cx| cx.fail_with("required", code));
            }
        }
        Some(Value::Null) if !nullable => cx.at(name, |cx| cx.fail("null", layers)),
        Some(v) => cx.at(name, |cx| check(v, cx)),
    }
}

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

fn base64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Walks canonical base64, handing each decoded group of 1 to 3 bytes to
/// `emit`; false at the first thing that is not canonical.
fn walk_base64(s: &str, mut emit: impl FnMut(&[u8])) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let groups = b.len() / 4;
    for (i, group) in b.chunks_exact(4).enumerate() {
        // Padding may only close the last group, and at most two symbols.
        let pad = if i + 1 == groups {
            group.iter().rev().take_while(|&&c| c == b'=').count()
        } else {
            0
        };
        if pad > 2 {
            return false;
        }
        let mut n: u32 = 0;
        for &c in group.iter().take(4 - pad) {
            // '=' is not in the alphabet, so padding in the middle fails here.
            let Some(v) = base64_value(c) else {
                return false;
            };
            n = (n << 6) | v;
        }
        // Canonical form: the bits the padding leaves unused are zero.
        let [_, b0, b1, b2] = n.to_be_bytes();
        match pad {
            0 => emit(&[b0, b1, b2]),
            1 => {
                if n & 0b11 != 0 {
                    return false;
                }
                let [_, _, c0, c1] = (n >> 2).to_be_bytes();
                emit(&[c0, c1]);
            }
            _ => {
                if n & 0b1111 != 0 {
                    return false;
                }
                let [_, _, _, c0] = (n >> 4).to_be_bytes();
                emit(&[c0]);
            }
        }
    }
    true
}

/// Strict RFC 4648 base64: standard alphabet, '=' padding to a multiple of 4,
/// unused bits of the last symbol zero, no whitespace, no `data:` prefix; ""
/// is valid (zero bytes).
pub fn is_canonical_base64(s: &str) -> bool {
    walk_base64(s, |_| {})
}

/// The bytes of canonical base64; None unless canonical.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    walk_base64(s, |bytes| out.extend_from_slice(bytes)).then_some(out)
}

/// A fixed-width run of ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

fn is_leap_year(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap_year(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn full_date(b: &[u8]) -> bool {
    let (Some(y), Some(b'-'), Some(m), Some(b'-'), Some(d), 10) = (
        b.get(0..4).and_then(digits),
        b.get(4),
        b.get(5..7).and_then(digits),
        b.get(7),
        b.get(8..10).and_then(digits),
        b.len(),
    ) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// `hh:mm` with hour below 24 and minute below 60.
fn hour_minute(b: &[u8]) -> bool {
    matches!(
        (b.get(0..2).and_then(digits), b.get(2), b.get(3..5).and_then(digits)),
        (Some(h), Some(b':'), Some(m)) if h < 24 && m < 60
    )
}

fn full_time(b: &[u8]) -> bool {
    // partial-time: hh:mm:ss, then an optional fraction.
    if !hour_minute(b) || b.get(5) != Some(&b':') {
        return false;
    }
    if b.get(6..8).and_then(digits).is_none_or(|s| s > 60) {
        return false;
    }
    let mut rest = b.get(8..).unwrap_or_default();
    if let Some((b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or_default();
    }
    // time-offset: Z or +hh:mm / -hh:mm.
    match rest.split_first() {
        Some((b'Z' | b'z', tail)) => tail.is_empty(),
        Some((b'+' | b'-', tail)) => tail.len() == 5 && hour_minute(tail),
        _ => false,
    }
}

/// RFC 3339 date-time: full-date "T"/"t" full-time, offset Z/z or ±hh:mm.
pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.get(10), Some(b'T' | b't'))
        && b.get(..10).is_some_and(full_date)
        && b.get(11..).is_some_and(full_time)
}

/// RFC 3339 full-date.
pub fn is_date(s: &str) -> bool {
    full_date(s.as_bytes())
}

/// 8-4-4-4-12 hex digits, any case.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

type PatternCache = HashMap<&'static str, Option<regex::Regex>>;

/// Each spec pattern is compiled once; None marks one that cannot be.
static PATTERNS: LazyLock<Mutex<PatternCache>> = LazyLock::new(Mutex::default);

/// JSON Schema `pattern`: ECMA-262 regex, unanchored search. A pattern the
/// regex crate cannot run (lookaround, backreferences ...) counts as
/// matching: codegen warns about it when generating.
pub fn pattern_matches(pattern: &'static str, s: &str) -> bool {
    let compiled = {
        // A poisoned cache still holds valid entries.
        let mut cache = PATTERNS.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .entry(pattern)
            .or_insert_with(|| compile_pattern(pattern))
            .clone()
    };
    // Matching happens outside the lock (a Regex clone shares its program).
    compiled.is_none_or(|re| re.is_match(s))
}

/// An ECMA-262 pattern as a regex of the `regex` crate, or None when it uses
/// something that crate cannot express or it is not a valid pattern.
pub fn compile_pattern(pattern: &str) -> Option<regex::Regex> {
    regex::Regex::new(&ecma_to_regex(pattern)?).ok()
}

/// ECMA-262 `\s`: WhiteSpace and LineTerminator.
const ECMA_SPACE: &str = r"\t\n\x0B\x0C\r\x20\xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// What one escape or character of a pattern stands for.
#[derive(Debug, Clone, Copy)]
enum Atom {
    Char(char),
    /// Class contents in regex-crate syntax.
    Class {
        negated: bool,
        items: &'static str,
    },
    /// An assertion (only outside brackets).
    Assertion(&'static str),
}

/// Rewrites the ECMA-262 syntax whose meaning differs in the regex crate:
/// `\d`, `\w`, `\b` are ASCII-only and `\s` is ECMA's set; `.` stops at every
/// line terminator; `[` inside brackets and an unmatched `{`, `}` or `]` are
/// literals; `\uXXXX` escapes. Lookaround, backreferences and `\p` have no
/// counterpart: None.
pub fn ecma_to_regex(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '\\' => {
                let (atom, next) = escape(&chars, i, false)?;
                i = next;
                push_atom(&mut out, atom, false);
            }
            '[' => i = class(&chars, i, &mut out)?,
            '.' => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '(' => {
                if chars.get(i) == Some(&'?') {
                    match (chars.get(i + 1), chars.get(i + 2)) {
                        (Some(':'), _) => out.push_str("(?:"),
                        // A named group: `(?<name>`, the name copied as it is.
                        (Some('<'), Some(n)) if *n != '=' && *n != '!' => {
                            let name = chars.get(i + 2..)?;
                            let len = name
                                .iter()
                                .take_while(|c| c.is_alphanumeric() || **c == '_')
                                .count();
                            if name.get(len) != Some(&'>') {
                                return None;
                            }
                            out.push_str("(?<");
                            out.extend(name.get(..=len)?);
                            i += len + 1;
                        }
                        _ => return None,
                    }
                    i += 2;
                } else {
                    out.push('(');
                }
            }
            '{' => match quantifier_len(&chars, i) {
                Some(n) => {
                    out.push('{');
                    out.extend(chars.get(i..i + n)?);
                    i += n;
                }
                // Not a quantifier: a literal brace (ECMA-262 Annex B).
                None => push_literal(&mut out, c),
            },
            '}' | ']' => push_literal(&mut out, c),
            '^' | '$' | '|' | ')' | '*' | '+' | '?' => out.push(c),
            _ => push_literal(&mut out, c),
        }
    }
    Some(out)
}

/// Length of `n}`, `n,}` or `n,m}` after a `{`, if that is what follows.
fn quantifier_len(chars: &[char], start: usize) -> Option<usize> {
    let rest = chars.get(start..)?;
    let lead = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead == 0 {
        return None;
    }
    let mut n = lead;
    if rest.get(n) == Some(&',') {
        n += 1;
        n += rest
            .get(n..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    (rest.get(n) == Some(&'}')).then_some(n + 1)
}

fn hex_value(chars: &[char], start: usize, len: usize) -> Option<u32> {
    let run = chars.get(start..start + len)?;
    run.iter()
        .try_fold(0, |n, c| Some(n * 16 + c.to_digit(16)?))
}

/// The escape whose letter is at `i` (just after the backslash).
fn escape(chars: &[char], i: usize, in_class: bool) -> Option<(Atom, usize)> {
    let c = *chars.get(i)?;
    let mut next = i + 1;
    let class = |negated, items| Atom::Class { negated, items };
    let atom = match c {
        'd' => class(false, "0-9"),
        'D' => class(true, "0-9"),
        'w' => class(false, "0-9A-Za-z_"),
        'W' => class(true, "0-9A-Za-z_"),
        's' => class(false, ECMA_SPACE),
        'S' => class(true, ECMA_SPACE),
        'b' if in_class => Atom::Char('\u{8}'),
        'b' => Atom::Assertion(r"(?-u:\b)"),
        'B' if !in_class => Atom::Assertion(r"(?-u:\B)"),
        't' => Atom::Char('\t'),
        'n' => Atom::Char('\n'),
        'v' => Atom::Char('\u{B}'),
        'f' => Atom::Char('\u{C}'),
        'r' => Atom::Char('\r'),
        '0' if !chars.get(next).is_some_and(char::is_ascii_digit) => Atom::Char('\0'),
        // Backreferences, legacy octal, named backreferences, Unicode properties.
        '0'..='9' | 'k' | 'p' | 'P' => return None,
        'c' => {
            let letter = chars.get(next).filter(|l| l.is_ascii_alphabetic())?;
            next += 1;
            Atom::Char(char::from_u32(u32::from(*letter) % 32)?)
        }
        'x' => match hex_value(chars, next, 2) {
            Some(v) => {
                next += 2;
                Atom::Char(char::from_u32(v)?)
            }
            None => Atom::Char('x'),
        },
        'u' => match hex_value(chars, next, 4) {
            Some(hi @ 0xD800..=0xDBFF) => {
                // A surrogate pair written as two escapes.
                let lo = match (chars.get(next + 4), chars.get(next + 5)) {
                    (Some('\\'), Some('u')) => hex_value(chars, next + 6, 4)?,
                    _ => return None,
                };
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return None;
                }
                next += 10;
                Atom::Char(char::from_u32(
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                )?)
            }
            Some(v) => {
                next += 4;
                Atom::Char(char::from_u32(v)?)
            }
            None => Atom::Char('u'),
        },
        // Identity escape: `\/`, `\.`, `\-` ...
        other => Atom::Char(other),
    };
    Some((atom, next))
}

/// Reads a bracket expression whose body starts at `i`; returns the index
/// after its closing `]`.
fn class(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut body = String::new();
    loop {
        let c = *chars.get(i)?;
        i += 1;
        if c == ']' {
            break;
        }
        let (lo, after_lo) = class_atom(chars, c, i)?;
        i = after_lo;
        let range_to = match (chars.get(i), chars.get(i + 1)) {
            (Some('-'), Some(&hi)) if hi != ']' => Some(hi),
            _ => None,
        };
        let Some(hi_char) = range_to else {
            push_atom(&mut body, lo, true);
            continue;
        };
        let (hi, after_hi) = class_atom(chars, hi_char, i + 2)?;
        i = after_hi;
        match (lo, hi) {
            (Atom::Char(a), Atom::Char(b)) => {
                if a > b {
                    return None;
                }
                push_literal(&mut body, a);
                body.push('-');
                push_literal(&mut body, b);
            }
            // `[\d-z]`: a class cannot bound a range, so '-' is a literal.
            _ => {
                push_atom(&mut body, lo, true);
                push_literal(&mut body, '-');
                push_atom(&mut body, hi, true);
            }
        }
    }
    if body.is_empty() {
        // `[]` matches nothing and `[^]` any character.
        out.push_str(if negated {
            r"[\x{0}-\x{10FFFF}]"
        } else {
            r"[^\x{0}-\x{10FFFF}]"
        });
    } else {
        out.push('[');
        if negated {
            out.push('^');
        }
        out.push_str(&body);
        out.push(']');
    }
    Some(i)
}

fn class_atom(chars: &[char], c: char, i: usize) -> Option<(Atom, usize)> {
    if c == '\\' {
        escape(chars, i, true)
    } else {
        Some((Atom::Char(c), i))
    }
}

fn push_atom(out: &mut String, atom: Atom, in_class: bool) {
    match atom {
        Atom::Char(c) => push_literal(out, c),
        // Nested brackets are a union inside a class in the regex crate.
        Atom::Class { negated, items } => {
            out.push_str(if negated { "[^" } else { "[" });
            out.push_str(items);
            out.push(']');
        }
        Atom::Assertion(a) if !in_class => out.push_str(a),
        Atom::Assertion(_) => {}
    }
}

/// A character that matches itself, in or out of brackets: letters and
/// digits as they are, everything else as a `\x{..}` escape, which no regex
/// syntax can mistake for an operator.
fn push_literal(out: &mut String, c: char) {
    if c.is_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!(r"\x{{{:X}}}", u32::from(c)));
    }
}

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

/// What a request header holds for one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Absent,
    Empty,
    Malformed,
    Token(String),
}

/// The only value of `header`, trimmed of surrounding spaces and tabs; Err
/// when it is absent or repeated.
fn single_header<'h>(headers: &'h HeaderMap, header: &str) -> Result<&'h [u8], Credential> {
    let mut values = headers.get_all(header).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(if headers.contains_key(header) {
            Credential::Malformed
        } else {
            Credential::Absent
        });
    };
    // A header value holds no CR, LF or other control but tab, so this trims
    // exactly the optional whitespace (spaces, tabs) around it.
    Ok(value.as_bytes().trim_ascii())
}

/// Visible ASCII (RFC 5234 VCHAR): no spaces, controls or non-ASCII bytes.
fn is_visible(b: &[u8]) -> bool {
    b.iter().all(|c| (0x21..=0x7E).contains(c))
}

/// `<scheme> <token>` in `header` (e.g. Authorization: Bearer x). Absent
/// header -> Absent; empty value, only whitespace, or the scheme word alone ->
/// Empty; another scheme, no space separator, non-visible-ASCII bytes, several
/// headers of that name -> Malformed; the scheme name is compared
/// case-insensitively (RFC 7235), and one or more spaces may separate it from
/// the token.
pub fn scheme_credential(headers: &HeaderMap, header: &str, scheme: &str) -> Credential {
    let value = match single_header(headers, header) {
        Ok(v) => v,
        Err(c) => return c,
    };
    if value.is_empty() {
        return Credential::Empty;
    }
    let (word, token) = match value.iter().position(|c| *c == b' ') {
        Some(at) => (
            value.get(..at).unwrap_or_default(),
            value.get(at..).unwrap_or_default(),
        ),
        None => (value, &[][..]),
    };
    if !word.eq_ignore_ascii_case(scheme.as_bytes()) {
        return Credential::Malformed;
    }
    // RFC 7235: one or more spaces, nothing else, before the token.
    let token = token
        .get(token.iter().take_while(|c| **c == b' ').count()..)
        .unwrap_or_default();
    if token.is_empty() {
        return Credential::Empty;
    }
    match std::str::from_utf8(token) {
        Ok(t) if is_visible(token) => Credential::Token(t.to_owned()),
        _ => Credential::Malformed,
    }
}

/// A plain API key header: absent -> Absent; empty (or only whitespace) ->
/// Empty; non-visible-ASCII bytes or several headers of that name ->
/// Malformed; else Token(value as is, without surrounding whitespace).
pub fn key_credential(headers: &HeaderMap, header: &str) -> Credential {
    let value = match single_header(headers, header) {
        Ok(v) => v,
        Err(c) => return c,
    };
    if value.is_empty() {
        return Credential::Empty;
    }
    match std::str::from_utf8(value) {
        Ok(t) if is_visible(value) => Credential::Token(t.to_owned()),
        _ => Credential::Malformed,
    }
}

// ---------------------------------------------------------------------------
// Error responses
// ---------------------------------------------------------------------------

/// One catalog entry (emitted by codegen per spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub code: Code,
    pub status: u16,
    pub message: &'static str,
    pub solution: &'static str,
}

/// The error body of layout keyed-by-code:
/// `{"errors": {"<code>": {"code", "message", "solution"}}}`, each code once.
pub fn error_body(entries: &[Entry]) -> Value {
    let mut errors = Map::new();
    for e in entries {
        if !errors.contains_key(e.code) {
            errors.insert(
                e.code.to_owned(),
                serde_json::json!({"code": e.code, "message": e.message, "solution": e.solution}),
            );
        }
    }
    serde_json::json!({ "errors": errors })
}

/// [`error_body`] with the status of the first entry and content-type
/// application/json; no entry (or a status outside 100..=999) answers 500.
pub fn error_response(entries: &[Entry]) -> Response {
    let status = entries
        .first()
        .and_then(|e| StatusCode::from_u16(e.status).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(error_body(entries).to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// File types recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    Gif,
    Bmp,
    Webp,
    Tiff,
    Pdf,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Bmp => "image/bmp",
            MediaType::Webp => "image/webp",
            MediaType::Tiff => "image/tiff",
            MediaType::Pdf => "application/pdf",
        }
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// By magic bytes: JPEG FF D8 FF; PNG the 8-byte signature; GIF
/// "GIF87a"/"GIF89a"; BMP "BM"; WebP "RIFF" + 4 bytes + "WEBP"; TIFF "II*\0"
/// or "MM\0*"; PDF "%PDF-". A signature cut short -> None.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    let kind = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        MediaType::Jpeg
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        MediaType::Png
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        MediaType::Gif
    } else if bytes.starts_with(b"BM") {
        MediaType::Bmp
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        MediaType::Webp
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        MediaType::Tiff
    } else if bytes.starts_with(b"%PDF-") {
        MediaType::Pdf
    } else {
        return None;
    };
    Some(kind)
}

/// CRC-32 (ISO-HDLC, as PNG uses), table built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 of `bytes`, as PNG chunks carry it.
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, b| {
        CRC_TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8)
    })
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let four: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(four))
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    let two: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(u16::from_be_bytes(two))
}

/// The signature and a well-formed IHDR as the first chunk.
fn png_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&PNG_SIGNATURE) || be_u32(b, 8)? != 13 || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let chunk = b.get(12..29)?; // type and data, what the CRC covers
    if crc32(chunk) != be_u32(b, 29)? {
        return None;
    }
    let (width, height) = (be_u32(b, 16)?, be_u32(b, 20)?);
    let [depth, colour, compression, filter, interlace] = b.get(24..29)?.try_into().ok()?;
    let depth_ok = match colour {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    // PNG limits dimensions to 2^31 - 1.
    let size_ok = |n: u32| (1..=0x7FFF_FFFF).contains(&n);
    (depth_ok
        && compression == 0
        && filter == 0
        && interlace <= 1
        && size_ok(width)
        && size_ok(height))
    .then_some((width, height))
}

/// SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC) which share the range.
fn is_start_of_frame(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Walks the markers from SOI to the first complete SOFn segment.
fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker code.
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            // A stuffed zero, a second SOI, EOI or scan data before any frame header.
            0x00 | 0xD8 | 0xD9 | 0xDA => return None,
            // Standalone markers: TEM and RST0..RST7 carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = usize::from(be_u16(b, i)?);
        if len < 2 {
            return None;
        }
        let segment = b.get(i + 2..i.checked_add(len)?)?;
        if is_start_of_frame(marker) {
            // P, Y, X, Nf, then three bytes per component.
            let [_, y0, y1, x0, x1, components, ..] = *segment else {
                return None;
            };
            if components == 0 || segment.len() != 6 + 3 * usize::from(components) {
                return None;
            }
            let height = u32::from(u16::from_be_bytes([y0, y1]));
            let width = u32::from(u16::from_be_bytes([x0, x1]));
            return (width > 0 && height > 0).then_some((width, height));
        }
        i += len;
    }
}

/// Width and height from the image header without decoding pixels (PNG
/// IHDR, JPEG SOFn). Zero width or height, a header cut short or malformed,
/// or another type -> None.
pub fn image_dimensions(kind: MediaType, bytes: &[u8]) -> Option<(u32, u32)> {
    match kind {
        MediaType::Png => png_dimensions(bytes),
        MediaType::Jpeg => jpeg_dimensions(bytes),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Landscape,
    Portrait,
    Square,
}

impl Orientation {
    pub fn of(width: u32, height: u32) -> Orientation {
        match width.cmp(&height) {
            Ordering::Greater => Orientation::Landscape,
            Ordering::Less => Orientation::Portrait,
            Ordering::Equal => Orientation::Square,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum FileRule {
    NotEmpty,
    MaxBytes(u64),
    MediaType {
        allow: &'static [MediaType],
        refuse: &'static [MediaType],
        refused_code: Code,
    },
    ImageHeader,
    MaxWidth(u64),
    MinWidth(u64),
    MaxHeight(u64),
    MinHeight(u64),
    MaxPixels(u64),
    MinPixels(u64),
    MaxRatio(f64),
    MinRatio(f64),
    /// Applies when every (property, allowed values) pair matches the body's
    /// string property.
    Orientation {
        allow: &'static [Orientation],
        when: &'static [(&'static str, &'static [&'static str])],
    },
    ImageDecode,
}

#[derive(Debug, Clone, Copy)]
pub struct FileCheck {
    pub rule: FileRule,
    pub code: Code,
}

/// What the header-level checks found.
#[derive(Debug, Clone, PartialEq)]
pub enum FileVerdict {
    /// A check failed: its code.
    Refused(Code),
    /// All checks up to the first `ImageDecode` passed; the caller must now
    /// decode fully and answer `decode_code` on failure (None when the spec
    /// lists no ImageDecode). `kind` is the type the magic bytes name (None
    /// when unknown); width and height are 0 when no header was read.
    NeedsDecode {
        kind: Option<MediaType>,
        width: u32,
        height: u32,
        decode_code: Option<Code>,
    },
}

/// Run `checks` in order on decoded bytes; `body` is the request body object
/// (for Orientation's `when`). Stops at the first failure. A dimension or
/// orientation rule reads the header when no check has yet; if the header is
/// unreadable, an earlier ImageHeader check has already refused, and without
/// one the rule is skipped. Checks after the first ImageDecode are not run.
pub fn check_file(bytes: &[u8], checks: &[FileCheck], body: &Map<String, Value>) -> FileVerdict {
    let kind = sniff(bytes);
    // None: not read yet; Some(None): unreadable.
    let mut header: Option<Option<(u32, u32)>> = None;
    let read = |cache: &mut Option<Option<(u32, u32)>>| {
        *cache.get_or_insert_with(|| kind.and_then(|k| image_dimensions(k, bytes)))
    };
    let n_bytes = count(bytes.len());
    for check in checks {
        let passed = match check.rule {
            FileRule::NotEmpty => !bytes.is_empty(),
            FileRule::MaxBytes(max) => n_bytes <= max,
            FileRule::MediaType {
                allow,
                refuse,
                refused_code,
            } => match kind {
                Some(k) if allow.contains(&k) => true,
                Some(k) if refuse.contains(&k) => return FileVerdict::Refused(refused_code),
                _ => false,
            },
            FileRule::ImageHeader => read(&mut header).is_some(),
            FileRule::MaxWidth(v) => dimension_ok(read(&mut header), |w, _| w <= v),
            FileRule::MinWidth(v) => dimension_ok(read(&mut header), |w, _| w >= v),
            FileRule::MaxHeight(v) => dimension_ok(read(&mut header), |_, h| h <= v),
            FileRule::MinHeight(v) => dimension_ok(read(&mut header), |_, h| h >= v),
            FileRule::MaxPixels(v) => dimension_ok(read(&mut header), |w, h| w * h <= v),
            FileRule::MinPixels(v) => dimension_ok(read(&mut header), |w, h| w * h >= v),
            FileRule::MaxRatio(r) => {
                dimension_ok(read(&mut header), |w, h| w as f64 / h as f64 <= r)
            }
            FileRule::MinRatio(r) => {
                dimension_ok(read(&mut header), |w, h| w as f64 / h as f64 >= r)
            }
            FileRule::Orientation { allow, when } => {
                !applies(when, body)
                    || read(&mut header).is_none_or(|(w, h)| allow.contains(&Orientation::of(w, h)))
            }
            FileRule::ImageDecode => {
                let (width, height) = header.flatten().unwrap_or((0, 0));
                return FileVerdict::NeedsDecode {
                    kind,
                    width,
                    height,
                    decode_code: Some(check.code),
                };
            }
        };
        if !passed {
            return FileVerdict::Refused(check.code);
        }
    }
    let (width, height) = header.flatten().unwrap_or((0, 0));
    FileVerdict::NeedsDecode {
        kind,
        width,
        height,
        decode_code: None,
    }
}

/// A dimension rule on a readable header; skipped (passes) without one.
fn dimension_ok(header: Option<(u32, u32)>, rule: impl FnOnce(u64, u64) -> bool) -> bool {
    header.is_none_or(|(w, h)| rule(u64::from(w), u64::from(h)))
}

/// Whether every `when` property of the body is a string among its values.
fn applies(when: &[(&str, &[&str])], body: &Map<String, Value>) -> bool {
    when.iter().all(|(property, values)| {
        body.get(*property)
            .and_then(Value::as_str)
            .is_some_and(|s| values.contains(&s))
    })
}

// ---------------------------------------------------------------------------
// Model support: types and serde helpers the generated models use
// ---------------------------------------------------------------------------

/// The bytes of a `format: byte` string: canonical base64 on the wire
/// (RFC 4648, padded), decoded in memory.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64(pub Vec<u8>);

impl std::fmt::Debug for Base64 {
    // Image data in logs helps nobody and can be large: show the size only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl serde::Serialize for Base64 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode_base64(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Base64 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        decode_base64(&text)
            .map(Base64)
            .ok_or_else(|| serde::de::Error::custom("not canonical base64 (RFC 4648, padded)"))
    }
}

/// Canonical base64 (standard alphabet, `=` padding) of `bytes`.
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Serde glue for an optional, nullable property: absent is `None`, an
/// explicit `null` is `Some(None)`, so the two stay distinct.
pub mod double_option {
    pub fn serialize<T: serde::Serialize, S: serde::Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => serde::Serialize::serialize(inner, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        // Only called when the property is present (absent uses `default`).
        <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
    }
}

// ---------------------------------------------------------------------------
// Request parts: parameters and media types
// ---------------------------------------------------------------------------

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Number,
    Boolean,
    /// Comma-separated (or repeated) values, each kept as a string.
    List,
}

/// A parameter's text as the JSON value its schema is checked against. Text
/// that is not of the kind stays a string, so the check reports `type`.
pub fn param_value(raw: &str, kind: ParamKind) -> Value {
    match kind {
        ParamKind::String => Value::String(raw.to_string()),
        ParamKind::Integer => raw
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        ParamKind::Number => raw
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(raw.to_string())),
        ParamKind::Boolean => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        ParamKind::List => Value::Array(
            raw.split(',')
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
    }
}

/// A parameter's text (`None` when absent) as JSON of `kind`, checked by
/// `check` under the parameter's name; an absent required parameter is a
/// `required` violation. The value is kept for [`typed_param`].
pub fn param(
    cx: &mut Validator,
    name: &str,
    raw: Option<String>,
    kind: ParamKind,
    required: bool,
    layers: &[Codes],
    check: impl FnOnce(&Value, &mut Validator),
) -> Option<Value> {
    let value = raw.map(|raw| param_value(&raw, kind));
    cx.at(name, |cx| match &value {
        Some(v) => check(v, cx),
        None if required => cx.fail("required", layers),
        None => {}
    });
    value
}

/// A checked optional parameter as its Rust type; `Err` is the detail of a 400.
pub fn typed_param<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    name: &str,
) -> Result<Option<T>, String> {
    value
        .map(serde_json::from_value::<T>)
        .transpose()
        .map_err(|e| format!("parameter {name}: {e}"))
}

/// A checked required parameter as its Rust type; `Err` is the detail of a 400.
pub fn required_param<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    name: &str,
) -> Result<T, String> {
    typed_param(value, name)?.ok_or_else(|| format!("missing parameter {name}"))
}

/// The request body, at most `limit` bytes; `Err` is the detail of a 413.
/// An announced oversize body is refused before any of it is read.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<axum::body::Bytes, &'static str> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err("the request body is too large");
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| "the request body is too large or was cut off")
}

/// The first value of query parameter `name` (percent-decoded, `+` as space).
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of cookie `name`, if the request sent it.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// A credential read from a query parameter or cookie.
pub fn credential_of(value: Option<String>) -> Credential {
    match value {
        None => Credential::Absent,
        Some(v) if v.is_empty() => Credential::Empty,
        Some(v) => Credential::Token(v),
    }
}

/// Whether `content_type` (a request header) names one of `declared`
/// (media types of the spec, which may use `*` wildcards); parameters such as
/// `charset` are ignored and names compare case-insensitively.
pub fn media_type_matches(content_type: &str, declared: &[&str]) -> bool {
    let essence = |s: &str| {
        s.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let sent = essence(content_type);
    let (sent_type, sent_sub) = sent.split_once('/').unwrap_or((sent.as_str(), ""));
    declared.iter().any(|d| {
        let d = essence(d);
        let (t, s) = d.split_once('/').unwrap_or((d.as_str(), ""));
        (t == "*" || t == sent_type) && (s == "*" || s == sent_sub)
    })
}

// ---------------------------------------------------------------------------
// Routing: the spec's path templates, matched without axum's route syntax
// ---------------------------------------------------------------------------

/// The path parameters of a matched request (names as the template writes
/// them, values percent-decoded), carried to the handler in the request's
/// extensions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(pub Vec<(String, String)>);

/// Every path template of a spec with its operations: upper-case method, and
/// the index of the operation's handler.
pub type RouteTable = &'static [(&'static str, &'static [(&'static str, usize)])];

/// The answer of a handler, still to be computed.
pub type Handling = std::pin::Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// One piece of a template segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Param(String),
}

/// A path template of the spec (`/users/{id}`, `/files/{name}.{ext}`,
/// `/a:b/*`), split into segments of literal text and parameters. Any text
/// is a template: an unclosed `{` is literal text, so building never fails.
#[derive(Debug, Clone)]
struct Template {
    segments: Vec<Vec<Piece>>,
    /// How specific each segment is (0: literal only, 1: literal text and
    /// parameters, 2: a parameter alone), then the literal length of the
    /// mixed ones, reversed: the smallest rank is the most specific.
    rank: Vec<(u8, usize)>,
}

impl Template {
    fn parse(template: &str) -> Self {
        let segments: Vec<Vec<Piece>> = template.split('/').map(pieces).collect();
        let rank = segments
            .iter()
            .map(|s| {
                let literal: usize = s
                    .iter()
                    .map(|p| match p {
                        Piece::Literal(l) => l.len(),
                        Piece::Param(_) => 0,
                    })
                    .sum();
                match s.iter().filter(|p| matches!(p, Piece::Param(_))).count() {
                    0 => (0, 0),
                    _ if literal == 0 => (2, 0),
                    _ => (1, usize::MAX - literal),
                }
            })
            .collect();
        Template { segments, rank }
    }

    /// The parameters of `path` (split at `/`, still percent-encoded), or
    /// `None` when it does not match.
    fn matches(&self, path: &[&str]) -> Option<Vec<(String, String)>> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, raw) in self.segments.iter().zip(path) {
            let text = path_decode(raw)?;
            match segment.as_slice() {
                [] => {
                    if !text.is_empty() {
                        return None;
                    }
                }
                [Piece::Literal(l)] => {
                    if *l != text {
                        return None;
                    }
                }
                pieces => match_pieces(pieces, raw, &mut params)?,
            }
        }
        Some(params)
    }
}

/// A segment's pieces: `{name}` is a parameter, the rest literal text.
fn pieces(segment: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        literal.push_str(&rest[..open]);
        if !literal.is_empty() {
            out.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        out.push(Piece::Param(rest[open + 1..close].to_string()));
        rest = &rest[close + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Piece::Literal(literal));
    }
    out
}

/// Match one segment of parameters and literal text against `raw` (still
/// percent-encoded, so that an encoded `.` in a value is not a separator):
/// each parameter takes at least one character, up to the first place where
/// the literal text after it follows.
fn match_pieces(pieces: &[Piece], raw: &str, params: &mut Vec<(String, String)>) -> Option<()> {
    let mut rest = raw;
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Literal(l) => rest = rest.strip_prefix(l.as_str())?,
            Piece::Param(name) => {
                let value = match pieces.get(i + 1) {
                    Some(Piece::Literal(next)) => {
                        // At least one character before the next literal.
                        let first = rest.chars().next()?.len_utf8();
                        let at = rest[first..].find(next.as_str())? + first;
                        let (value, after) = rest.split_at(at);
                        rest = after;
                        value
                    }
                    // Two parameters in a row: the first takes one character.
                    Some(Piece::Param(_)) => {
                        let first = rest.chars().next()?.len_utf8();
                        let (value, after) = rest.split_at(first);
                        rest = after;
                        value
                    }
                    None => std::mem::take(&mut rest),
                };
                if value.is_empty() {
                    return None;
                }
                params.push((name.clone(), path_decode(value)?));
            }
        }
        i += 1;
    }
    rest.is_empty().then_some(())
}

/// Percent-decoding of a path segment (`+` stays `+`); `None` when the
/// bytes are not UTF-8.
fn path_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The operations of the spec by path template, matched as OpenAPI says:
/// a literal segment before a templated one, and templates that differ only
/// in their parameters' names are one path (their methods are pooled).
#[derive(Debug, Clone)]
pub struct Routes {
    /// Sorted by rank, most specific first.
    entries: Vec<(Template, &'static [(&'static str, usize)])>,
}

/// Where a request goes.
#[derive(Debug)]
pub enum Route {
    /// The index of the operation, with the request's path parameters.
    Operation(usize, PathParams),
    /// No template matches: 404.
    NotFound,
    /// The path matches but no operation has the method: 405 with these.
    MethodNotAllowed(Vec<&'static str>),
}

impl Routes {
    /// `table`: each path template with its operations (upper-case method,
    /// index of the operation).
    pub fn new(table: RouteTable) -> Self {
        let mut entries: Vec<(Template, &'static [(&'static str, usize)])> = table
            .iter()
            .map(|(template, ops)| (Template::parse(template), *ops))
            .collect();
        entries.sort_by(|a, b| a.0.rank.cmp(&b.0.rank));
        Routes { entries }
    }

    /// The route of a request. `HEAD` falls back to the path's `GET`.
    pub fn find(&self, method: &str, path: &str) -> Route {
        let split: Vec<&str> = path.split('/').collect();
        let mut best: Option<&[(u8, usize)]> = None;
        // The templates of the most specific matching rank, with their parameters.
        let mut found: Vec<(&'static [(&'static str, usize)], PathParams)> = Vec::new();
        for (template, ops) in &self.entries {
            if best.is_some_and(|rank| rank != template.rank.as_slice()) {
                break;
            }
            if let Some(params) = template.matches(&split) {
                best = Some(&template.rank);
                found.push((ops, PathParams(params)));
            }
        }
        let pick = |m: &str| {
            found.iter().find_map(|(ops, params)| {
                ops.iter()
                    .find(|(op_method, _)| *op_method == m)
                    .map(|(_, index)| Route::Operation(*index, params.clone()))
            })
        };
        if found.is_empty() {
            return Route::NotFound;
        }
        if let Some(route) = pick(method) {
            return route;
        }
        if method == "HEAD"
            && let Some(route) = pick("GET")
        {
            return route;
        }
        let mut allow: Vec<&'static str> = found
            .iter()
            .flat_map(|(ops, _)| ops.iter().map(|(m, _)| *m))
            .collect();
        if allow.contains(&"GET") {
            allow.push("HEAD");
        }
        allow.sort_unstable();
        allow.dedup();
        Route::MethodNotAllowed(allow)
    }
}

/// An implementation's status (500 when it is no HTTP status).
fn answer_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer with a status and no body.
pub fn respond_status(status: u16) -> Response {
    answer_status(status).into_response()
}

/// An answer with a JSON body.
pub fn respond_json<T: serde::Serialize>(status: u16, body: &T) -> Response {
    (answer_status(status), axum::Json(body)).into_response()
}

/// An answer with a body of a declared non-JSON content type.
pub fn respond_raw(status: u16, content_type: &'static str, body: axum::body::Bytes) -> Response {
    (
        answer_status(status),
        [(header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// An answer of an operation that declares none: any status, with a body of
/// the given content type (axum's `application/octet-stream` when empty).
pub fn respond_undeclared(status: u16, content_type: String, body: axum::body::Bytes) -> Response {
    if content_type.is_empty() {
        (answer_status(status), body).into_response()
    } else {
        (
            answer_status(status),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response()
    }
}

/// The answer for a request no operation takes: 404, or 405 with `Allow`.
pub fn unrouted(route: Route) -> Response {
    let mut response = Response::new(Body::empty());
    match route {
        Route::MethodNotAllowed(allow) => {
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            if let Ok(v) = HeaderValue::from_str(&allow.join(",")) {
                response.headers_mut().insert(header::ALLOW, v);
            }
        }
        _ => *response.status_mut() = StatusCode::NOT_FOUND,
    }
    response
}
