//! Tests of the runtime module that every generated crate embeds
//! (`codegen/runtime/runtime.rs`), compiled here exactly as it is shipped.
#![deny(warnings)]

#[path = "../runtime/runtime.rs"]
mod runtime;

use std::future::Future;
use std::task::{Context, Poll, Waker};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use runtime::*;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/// Small xorshift64 PRNG: deterministic input for sweeps, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Polls a future that is ready at once (a collected in-memory body).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The test's own base64 encoder, independent of the runtime's decoder.
fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sym = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sym(18));
        out.push(sym(12));
        out.push(if chunk.len() > 1 { sym(6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    out
}

/// Bitwise CRC-32, a different algorithm from the runtime's table.
fn crc(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

const PNG_SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    out.extend_from_slice(&crc(&covered).to_be_bytes());
    out
}

fn ihdr(w: u32, h: u32, depth: u8, colour: u8, interlace: u8) -> Vec<u8> {
    let mut data = w.to_be_bytes().to_vec();
    data.extend_from_slice(&h.to_be_bytes());
    data.extend_from_slice(&[depth, colour, 0, 0, interlace]);
    data
}

/// Signature and IHDR: the 33 bytes the header check needs.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = PNG_SIG.to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr(w, h, 8, 2, 0)));
    out
}

/// A complete 1x1 greyscale PNG: zlib stream of one stored block.
fn tiny_png() -> Vec<u8> {
    let raw = [0u8, 0xFF]; // filter type 0, one white pixel
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = PNG_SIG.to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr(1, 1, 8, 0, 0)));
    out.extend(png_chunk(b"IDAT", &zlib));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

fn segment(marker: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

fn sof(marker: u8, w: u16, h: u16, components: u8) -> Vec<u8> {
    let mut data = vec![8];
    data.extend_from_slice(&h.to_be_bytes());
    data.extend_from_slice(&w.to_be_bytes());
    data.push(components);
    for id in 1..=components {
        data.extend_from_slice(&[id, 0x11, 0]);
    }
    segment(marker, &data)
}

const SOI: [u8; 2] = [0xFF, 0xD8];

fn app0() -> Vec<u8> {
    segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
}

fn dqt() -> Vec<u8> {
    let mut data = vec![0u8];
    data.extend([1u8; 64]);
    segment(0xDB, &data)
}

/// SOI, APP0, DQT, the frame header `frame`, then scan data and EOI.
fn jpeg_with(frame: &[u8]) -> Vec<u8> {
    let mut out = SOI.to_vec();
    out.extend(app0());
    out.extend(dqt());
    out.extend_from_slice(frame);
    out.extend(segment(
        0xC4,
        &[0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ));
    out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    out.extend_from_slice(&[0x3F, 0xFF, 0xD9]);
    out
}

fn jpeg(w: u16, h: u16) -> Vec<u8> {
    jpeg_with(&sof(0xC0, w, h, 3))
}

/// A complete 8x8 greyscale baseline JPEG (checked once with libjpeg's
/// djpeg): one block, DC difference 0 and end-of-block, each a 1-bit code.
fn tiny_jpeg() -> Vec<u8> {
    let mut out = SOI.to_vec();
    out.extend(dqt());
    out.extend(sof(0xC0, 8, 8, 1));
    let mut dc = vec![0x00, 1];
    dc.extend([0u8; 15]);
    dc.push(0x00);
    out.extend(segment(0xC4, &dc));
    let mut ac = vec![0x10, 1];
    ac.extend([0u8; 15]);
    ac.push(0x00);
    out.extend(segment(0xC4, &ac));
    out.extend(segment(0xDA, &[1, 1, 0x00, 0, 63, 0]));
    out.extend_from_slice(&[0x3F, 0xFF, 0xD9]);
    out
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn failures(cx: &Validator) -> Vec<(&str, &'static str, Option<Code>)> {
    cx.violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.failure, v.code))
        .collect()
}

fn failure_names(cx: &Validator) -> Vec<&'static str> {
    cx.violations.iter().map(|v| v.failure).collect()
}

// ---------------------------------------------------------------------------
// codes and pointers
// ---------------------------------------------------------------------------

#[test]
fn code_for_looks_at_each_layer_exact_then_default() {
    let site = Codes(&[("type", "A"), ("default", "D")]);
    let named = Codes(&[("enum", "E"), ("type", "T2"), ("format", "F")]);
    assert_eq!(code_for("type", &[site, named]), Some("A"));
    // The use site's default wins over the named type's exact entry.
    assert_eq!(code_for("enum", &[site, named]), Some("D"));
    assert_eq!(code_for("format", &[named, site]), Some("F"));
    assert_eq!(code_for("pattern", &[named, site]), Some("D"));

    let site = Codes(&[("type", "A")]);
    let named = Codes(&[("enum", "E"), ("default", "N")]);
    assert_eq!(code_for("enum", &[site, named]), Some("E"));
    assert_eq!(code_for("maxLength", &[site, named]), Some("N"));
    assert_eq!(code_for("maxLength", &[site]), None);
    assert_eq!(code_for("type", &[]), None);
    assert_eq!(code_for("type", &[Codes::NONE, Codes::NONE]), None);
    assert_eq!(code_for("type", &[Codes::NONE, site]), Some("A"));
    assert_eq!(site.get("type"), Some("A"));
    assert_eq!(named.get("type"), None, "get looks at exact entries only");
}

#[test]
fn validator_pointers_escape_and_restore() {
    let mut cx = Validator::new();
    assert!(cx.is_clean());
    assert_eq!(cx.pointer(), "");
    cx.fail("type", &[]);
    cx.at("a/b", |cx| {
        assert_eq!(cx.pointer(), "/a~1b");
        cx.at("~x", |cx| cx.fail("enum", &[Codes(&[("enum", "E1")])]));
        cx.at("~1", |cx| cx.fail("enum", &[]));
        cx.at_index(3, |cx| cx.fail("null", &[]));
        cx.at("", |cx| cx.fail("required", &[]));
    });
    assert_eq!(cx.pointer(), "");
    let r = cx.at("é ü", |cx| {
        cx.fail("format", &[]);
        7
    });
    assert_eq!(r, 7);
    assert!(!cx.is_clean());
    assert_eq!(
        failures(&cx),
        vec![
            ("", "type", None),
            ("/a~1b/~0x", "enum", Some("E1")),
            ("/a~1b/~01", "enum", None),
            ("/a~1b/3", "null", None),
            ("/a~1b/", "required", None),
            ("/é ü", "format", None),
        ]
    );
}

#[test]
fn validator_codes_are_distinct_in_order() {
    let mut cx = Validator::new();
    cx.fail_with("required", Some("ER077"));
    cx.fail_with("type", Some("ER074"));
    cx.fail_with("enum", Some("ER077"));
    assert!(!cx.has_uncoded());
    cx.fail_with("enum", None);
    assert_eq!(cx.codes(), vec!["ER077", "ER074"]);
    assert!(cx.has_uncoded());
}

// ---------------------------------------------------------------------------
// strings
// ---------------------------------------------------------------------------

const TYPE_CODES: Codes = Codes(&[("type", "T"), ("null", "N"), ("default", "D")]);

fn string_rules() -> StringRules {
    StringRules::NONE
}

#[test]
fn string_type_and_null() {
    for v in [
        json!(1),
        json!(1.5),
        json!(true),
        json!([]),
        json!({}),
        json!(["a"]),
    ] {
        let mut cx = Validator::new();
        assert_eq!(
            check_string(&v, false, &string_rules(), &[TYPE_CODES], &mut cx),
            None,
            "{v}"
        );
        assert_eq!(failures(&cx), vec![("", "type", Some("T"))], "{v}");
        // nullable changes nothing for a value that is not null
        let mut cx = Validator::new();
        assert_eq!(
            check_string(&v, true, &string_rules(), &[TYPE_CODES], &mut cx),
            None
        );
        assert_eq!(failure_names(&cx), vec!["type"]);
    }
    let mut cx = Validator::new();
    assert_eq!(
        check_string(&Value::Null, false, &string_rules(), &[TYPE_CODES], &mut cx),
        None
    );
    assert_eq!(failures(&cx), vec![("", "null", Some("N"))]);
    let mut cx = Validator::new();
    assert_eq!(
        check_string(&Value::Null, true, &string_rules(), &[TYPE_CODES], &mut cx),
        None
    );
    assert!(cx.is_clean());
    let mut cx = Validator::new();
    let v = json!("");
    assert_eq!(
        check_string(&v, false, &string_rules(), &[TYPE_CODES], &mut cx),
        Some("")
    );
    assert!(cx.is_clean());
}

fn string_failures(s: &str, rules: &StringRules) -> Vec<&'static str> {
    let mut cx = Validator::new();
    let v = Value::String(s.to_owned());
    assert_eq!(
        check_string(&v, false, rules, &[], &mut cx),
        Some(s),
        "the typed value comes back"
    );
    failure_names(&cx)
}

#[test]
fn string_lengths_at_their_boundaries_count_code_points() {
    let rules = StringRules {
        min_length: Some(36),
        max_length: Some(255),
        ..StringRules::NONE
    };
    assert_eq!(string_failures(&"a".repeat(35), &rules), vec!["minLength"]);
    assert!(string_failures(&"a".repeat(36), &rules).is_empty());
    assert!(string_failures(&"a".repeat(255), &rules).is_empty());
    assert_eq!(string_failures(&"a".repeat(256), &rules), vec!["maxLength"]);
    assert_eq!(string_failures("", &rules), vec!["minLength"]);
    // Two-byte, three-byte and four-byte characters count once each.
    for ch in ["é", "€", "😀"] {
        assert_eq!(
            string_failures(&ch.repeat(35), &rules),
            vec!["minLength"],
            "{ch}"
        );
        assert!(string_failures(&ch.repeat(36), &rules).is_empty(), "{ch}");
        assert!(string_failures(&ch.repeat(255), &rules).is_empty(), "{ch}");
        assert_eq!(
            string_failures(&ch.repeat(256), &rules),
            vec!["maxLength"],
            "{ch}"
        );
    }
    let exact = StringRules {
        min_length: Some(0),
        max_length: Some(0),
        ..StringRules::NONE
    };
    assert!(string_failures("", &exact).is_empty());
    assert_eq!(string_failures("x", &exact), vec!["maxLength"]);
}

#[test]
fn string_enum_is_an_exact_match() {
    let rules = StringRules {
        enum_values: &["IdentityCard", "Passport", ""],
        ..StringRules::NONE
    };
    assert!(string_failures("IdentityCard", &rules).is_empty());
    assert!(string_failures("Passport", &rules).is_empty());
    assert!(string_failures("", &rules).is_empty());
    for bad in [
        "identitycard",
        "IDENTITYCARD",
        " IdentityCard",
        "IdentityCard ",
        "Identity Card",
        "Unknown",
        "IdentityCard\0",
    ] {
        assert_eq!(string_failures(bad, &rules), vec!["enum"], "{bad:?}");
    }
    // An empty enum list means no enum rule.
    assert!(string_failures("anything", &StringRules::NONE).is_empty());
}

#[test]
fn string_formats() {
    let cases: [(Format, &str, &str); 5] = [
        (Format::Byte, "YWJj", "YWJ"),
        (Format::DateTime, "2024-02-29T12:00:00Z", "2024-02-29"),
        (Format::Date, "2024-02-29", "2023-02-29"),
        (
            Format::Uuid,
            "123e4567-e89b-12d3-a456-426614174000",
            "123e4567e89b12d3a456426614174000",
        ),
        (Format::None, "anything at all", "\u{0}"),
    ];
    for (format, good, bad) in cases {
        let rules = StringRules {
            format,
            ..StringRules::NONE
        };
        assert!(
            string_failures(good, &rules).is_empty(),
            "{format:?} {good}"
        );
        let expected: Vec<&str> = if format == Format::None {
            vec![]
        } else {
            vec!["format"]
        };
        assert_eq!(string_failures(bad, &rules), expected, "{format:?} {bad}");
        assert!(format.accepts(good));
    }
}

#[test]
fn string_collects_every_failure_with_its_code() {
    // The User-Identifier header: 36 to 255 ASCII letters and digits.
    let rules = StringRules {
        format: Format::None,
        min_length: Some(36),
        max_length: Some(255),
        pattern: Some("^[A-Za-z0-9]+$"),
        enum_values: &[],
    };
    let codes = Codes(&[
        ("minLength", "ER707"),
        ("maxLength", "ER707"),
        ("pattern", "ER707"),
    ]);
    let mut cx = Validator::new();
    let v = json!("a-b");
    assert_eq!(
        check_string(&v, false, &rules, &[codes], &mut cx),
        Some("a-b")
    );
    assert_eq!(
        failures(&cx),
        vec![
            ("", "pattern", Some("ER707")),
            ("", "minLength", Some("ER707"))
        ]
    );
    assert_eq!(cx.codes(), vec!["ER707"]);

    let rules = StringRules {
        format: Format::Uuid,
        min_length: Some(40),
        max_length: Some(2),
        pattern: Some("^x"),
        enum_values: &["y"],
    };
    let mut cx = Validator::new();
    let v = json!("abc");
    check_string(
        &v,
        false,
        &rules,
        &[Codes(&[("enum", "E")]), Codes(&[("default", "D")])],
        &mut cx,
    );
    assert_eq!(
        failures(&cx),
        vec![
            ("", "enum", Some("E")),
            ("", "format", Some("D")),
            ("", "pattern", Some("D")),
            ("", "minLength", Some("D")),
            ("", "maxLength", Some("D")),
        ]
    );
}

// ---------------------------------------------------------------------------
// numbers, booleans, arrays, objects
// ---------------------------------------------------------------------------

fn number_failures(v: Value, rules: &NumberRules) -> Vec<&'static str> {
    let mut cx = Validator::new();
    let out = check_number(&v, false, rules, &[], &mut cx);
    if failure_names(&cx).contains(&"type") {
        assert_eq!(out, None);
    } else {
        assert_eq!(out, v.as_f64(), "{v}");
    }
    failure_names(&cx)
}

#[test]
fn number_type_null_and_integers() {
    for v in [json!("1"), json!(true), json!([1]), json!({"a": 1})] {
        assert_eq!(number_failures(v, &NumberRules::NUMBER), vec!["type"]);
    }
    assert_eq!(
        number_failures(Value::Null, &NumberRules::NUMBER),
        vec!["null"]
    );
    let mut cx = Validator::new();
    assert_eq!(
        check_number(&Value::Null, true, &NumberRules::NUMBER, &[], &mut cx),
        None
    );
    assert!(cx.is_clean());

    for v in [
        json!(1),
        json!(1.0),
        json!(-3),
        json!(0),
        json!(-0.0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e20),
    ] {
        assert!(
            number_failures(v.clone(), &NumberRules::INTEGER).is_empty(),
            "{v}"
        );
    }
    for v in [json!(1.5), json!(-0.001), json!(1e-10)] {
        assert_eq!(
            number_failures(v.clone(), &NumberRules::INTEGER),
            vec!["type"],
            "{v}"
        );
        assert!(
            number_failures(v.clone(), &NumberRules::NUMBER).is_empty(),
            "{v}"
        );
    }
}

#[test]
fn number_bounds_at_their_boundaries() {
    let min = NumberRules {
        minimum: Some(10.0),
        ..NumberRules::NUMBER
    };
    assert_eq!(number_failures(json!(9), &min), vec!["minimum"]);
    assert_eq!(number_failures(json!(9.999), &min), vec!["minimum"]);
    assert!(number_failures(json!(10), &min).is_empty());
    assert!(number_failures(json!(10.0), &min).is_empty());
    let xmin = NumberRules {
        exclusive_minimum: true,
        ..min
    };
    assert_eq!(number_failures(json!(10), &xmin), vec!["exclusiveMinimum"]);
    assert_eq!(number_failures(json!(9), &xmin), vec!["exclusiveMinimum"]);
    assert!(number_failures(json!(10.0001), &xmin).is_empty());
    assert!(number_failures(json!(11), &xmin).is_empty());

    let max = NumberRules {
        maximum: Some(100.0),
        ..NumberRules::NUMBER
    };
    assert!(number_failures(json!(100), &max).is_empty());
    assert!(number_failures(json!(-1e300), &max).is_empty());
    assert_eq!(number_failures(json!(101), &max), vec!["maximum"]);
    assert_eq!(number_failures(json!(100.0001), &max), vec!["maximum"]);
    let xmax = NumberRules {
        exclusive_maximum: true,
        ..max
    };
    assert_eq!(number_failures(json!(100), &xmax), vec!["exclusiveMaximum"]);
    assert!(number_failures(json!(99.9), &xmax).is_empty());

    // Integers beyond 2^53 compare exactly with an integral bound.
    let big = NumberRules {
        maximum: Some(9_007_199_254_740_992.0),
        integer: true,
        ..NumberRules::NUMBER
    };
    assert!(number_failures(json!(9_007_199_254_740_992u64), &big).is_empty());
    assert_eq!(
        number_failures(json!(9_007_199_254_740_993u64), &big),
        vec!["maximum"]
    );
    let neg = NumberRules {
        minimum: Some(-9_007_199_254_740_992.0),
        ..NumberRules::INTEGER
    };
    assert_eq!(
        number_failures(json!(-9_007_199_254_740_993i64), &neg),
        vec!["minimum"]
    );
    assert!(
        number_failures(
            json!(u64::MAX),
            &NumberRules {
                minimum: Some(0.0),
                ..NumberRules::INTEGER
            }
        )
        .is_empty()
    );
}

#[test]
fn number_multiple_of_and_enum() {
    let three = NumberRules {
        multiple_of: Some(3.0),
        ..NumberRules::NUMBER
    };
    for ok in [
        json!(0),
        json!(9),
        json!(-9),
        json!(9.0),
        json!(3_000_000_000_000_000_000u64),
    ] {
        assert!(number_failures(ok.clone(), &three).is_empty(), "{ok}");
    }
    for bad in [json!(10), json!(-10), json!(9.5), json!(u64::MAX - 1)] {
        assert_eq!(
            number_failures(bad.clone(), &three),
            vec!["multipleOf"],
            "{bad}"
        );
    }
    let tenth = NumberRules {
        multiple_of: Some(0.1),
        ..NumberRules::NUMBER
    };
    for ok in [
        json!(0.3),
        json!(0.7),
        json!(1.1),
        json!(3),
        json!(-0.2),
        json!(123456.7),
    ] {
        assert!(number_failures(ok.clone(), &tenth).is_empty(), "{ok}");
    }
    for bad in [json!(0.35), json!(0.30000000001), json!(1.05)] {
        assert_eq!(
            number_failures(bad.clone(), &tenth),
            vec!["multipleOf"],
            "{bad}"
        );
    }
    let two_and_half = NumberRules {
        multiple_of: Some(2.5),
        ..NumberRules::NUMBER
    };
    assert!(number_failures(json!(7.5), &two_and_half).is_empty());
    assert_eq!(number_failures(json!(7), &two_and_half), vec!["multipleOf"]);

    let choices = NumberRules {
        enum_values: &[1.0, 2.5],
        ..NumberRules::NUMBER
    };
    assert!(number_failures(json!(1), &choices).is_empty());
    assert!(number_failures(json!(1.0), &choices).is_empty());
    assert!(number_failures(json!(2.5), &choices).is_empty());
    assert_eq!(number_failures(json!(3), &choices), vec!["enum"]);
    assert_eq!(number_failures(json!(2.4999), &choices), vec!["enum"]);
}

#[test]
fn number_collects_every_failure() {
    let rules = NumberRules {
        minimum: Some(10.0),
        exclusive_minimum: false,
        maximum: Some(5.0),
        exclusive_maximum: true,
        multiple_of: Some(4.0),
        integer: true,
        enum_values: &[12.0],
    };
    assert_eq!(
        number_failures(json!(7), &rules),
        vec!["enum", "minimum", "exclusiveMaximum", "multipleOf"]
    );
    let mut cx = Validator::new();
    check_number(
        &json!(7),
        false,
        &rules,
        &[Codes(&[("minimum", "LOW"), ("default", "ANY")])],
        &mut cx,
    );
    assert_eq!(cx.codes(), vec!["ANY", "LOW"]);
}

#[test]
fn booleans() {
    let mut cx = Validator::new();
    assert_eq!(check_boolean(&json!(true), false, &[], &mut cx), Some(true));
    assert_eq!(
        check_boolean(&json!(false), false, &[], &mut cx),
        Some(false)
    );
    assert!(cx.is_clean());
    for v in [json!("true"), json!(1), json!(0), json!([]), json!({})] {
        let mut cx = Validator::new();
        assert_eq!(check_boolean(&v, true, &[TYPE_CODES], &mut cx), None);
        assert_eq!(failures(&cx), vec![("", "type", Some("T"))]);
    }
    let mut cx = Validator::new();
    assert_eq!(
        check_boolean(&Value::Null, false, &[TYPE_CODES], &mut cx),
        None
    );
    assert_eq!(failures(&cx), vec![("", "null", Some("N"))]);
    let mut cx = Validator::new();
    assert_eq!(
        check_boolean(&Value::Null, true, &[TYPE_CODES], &mut cx),
        None
    );
    assert!(cx.is_clean());
}

fn array_failures(v: Value, rules: &ArrayRules) -> Vec<&'static str> {
    let mut cx = Validator::new();
    let out = check_array(&v, false, rules, &[], &mut cx).map(<[Value]>::to_vec);
    assert_eq!(out.as_ref(), v.as_array(), "{v}");
    failure_names(&cx)
}

#[test]
fn arrays() {
    for v in [json!("[]"), json!(1), json!(true), json!({})] {
        assert_eq!(array_failures(v, &ArrayRules::NONE), vec!["type"]);
    }
    let mut cx = Validator::new();
    assert_eq!(
        check_array(&Value::Null, false, &ArrayRules::NONE, &[], &mut cx),
        None
    );
    assert_eq!(failure_names(&cx), vec!["null"]);
    let mut cx = Validator::new();
    assert_eq!(
        check_array(&Value::Null, true, &ArrayRules::NONE, &[], &mut cx),
        None
    );
    assert!(cx.is_clean());

    let sized = ArrayRules {
        min_items: Some(1),
        max_items: Some(2),
        unique_items: false,
    };
    assert_eq!(array_failures(json!([]), &sized), vec!["minItems"]);
    assert!(array_failures(json!([1]), &sized).is_empty());
    assert!(array_failures(json!([1, 1]), &sized).is_empty());
    assert_eq!(array_failures(json!([1, 2, 3]), &sized), vec!["maxItems"]);

    let unique = ArrayRules {
        unique_items: true,
        ..ArrayRules::NONE
    };
    for ok in [
        json!([]),
        json!([1, 2]),
        json!(["1", 1]),
        json!([null, false, 0, "", [], {}]),
        json!([{"a": 1}, {"a": 2}]),
        json!([[1, 2], [2, 1]]),
        json!([1.5, 2.5]),
    ] {
        assert!(array_failures(ok.clone(), &unique).is_empty(), "{ok}");
    }
    for bad in [
        json!([1, 1]),
        json!([1, 1.0]),
        json!([0, -0.0]),
        json!(["a", "b", "a"]),
        json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}]),
        json!([[1], [1.0]]),
        json!([null, null]),
        json!([2.5, 2.5]),
    ] {
        assert_eq!(
            array_failures(bad.clone(), &unique),
            vec!["uniqueItems"],
            "{bad}"
        );
    }
    let both = ArrayRules {
        min_items: Some(3),
        max_items: None,
        unique_items: true,
    };
    assert_eq!(
        array_failures(json!([1, 1]), &both),
        vec!["minItems", "uniqueItems"]
    );
}

#[test]
fn objects() {
    for v in [json!("{}"), json!(1), json!(true), json!([])] {
        let mut cx = Validator::new();
        assert_eq!(
            check_object(&v, false, &ObjectRules::NONE, &[], &mut cx),
            None
        );
        assert_eq!(failure_names(&cx), vec!["type"]);
    }
    let mut cx = Validator::new();
    assert_eq!(
        check_object(&Value::Null, false, &ObjectRules::NONE, &[], &mut cx),
        None
    );
    assert_eq!(failure_names(&cx), vec!["null"]);
    let mut cx = Validator::new();
    assert_eq!(
        check_object(&Value::Null, true, &ObjectRules::NONE, &[], &mut cx),
        None
    );
    assert!(cx.is_clean());

    let sized = ObjectRules {
        min_properties: Some(1),
        max_properties: Some(2),
        ..ObjectRules::NONE
    };
    let run = |v: Value, rules: &ObjectRules| {
        let mut cx = Validator::new();
        let got = check_object(
            &v,
            false,
            rules,
            &[Codes(&[("additionalProperties", "X")])],
            &mut cx,
        )
        .cloned();
        assert_eq!(got.as_ref(), v.as_object());
        failures(&cx)
            .into_iter()
            .map(|(p, f, c)| (p.to_owned(), f, c))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run(json!({}), &sized),
        vec![(String::new(), "minProperties", None)]
    );
    assert!(run(json!({"a": 1}), &sized).is_empty());
    assert!(run(json!({"a": 1, "b": 2}), &sized).is_empty());
    assert_eq!(
        run(json!({"a": 1, "b": 2, "c": 3}), &sized),
        vec![(String::new(), "maxProperties", None)]
    );

    let closed = ObjectRules {
        additional_forbidden: true,
        known: &["a", "b"],
        ..ObjectRules::NONE
    };
    assert!(run(json!({"a": 1}), &closed).is_empty());
    assert!(run(json!({}), &closed).is_empty());
    assert_eq!(
        run(json!({"a": 1, "x/y": 2, "~": 3}), &closed),
        vec![
            ("/x~1y".to_owned(), "additionalProperties", Some("X")),
            ("/~0".to_owned(), "additionalProperties", Some("X")),
        ]
    );
    // Without additionalProperties: false, unknown properties are fine.
    let open = ObjectRules {
        known: &["a"],
        ..ObjectRules::NONE
    };
    assert!(run(json!({"zzz": 1}), &open).is_empty());
}

// ---------------------------------------------------------------------------
// field()
// ---------------------------------------------------------------------------

const DOC_TYPE: Codes = Codes(&[("null", "ER067"), ("type", "ER074"), ("enum", "ER074")]);
const DOC_SIDE: Codes = Codes(&[("null", "ER075"), ("type", "ER076"), ("enum", "ER076")]);
const DATA: Codes = Codes(&[("null", "ER077"), ("type", "ER078"), ("format", "ER078")]);

/// The identity-document body, validated the way generated code will.
fn validate_body(body: &Value) -> Validator {
    let mut cx = Validator::new();
    let empty = Map::new();
    let map = body.as_object().unwrap_or(&empty);
    let types = StringRules {
        enum_values: &[
            "IdentityCard",
            "Passport",
            "DrivingLicence",
            "ResidencePermit",
        ],
        ..StringRules::NONE
    };
    let sides = StringRules {
        enum_values: &["Front", "Back", "Selfie", "SecondSelfie"],
        ..StringRules::NONE
    };
    let data = StringRules {
        format: Format::Byte,
        ..StringRules::NONE
    };
    field(
        map,
        "documentType",
        true,
        Some("ER067"),
        false,
        &[DOC_TYPE],
        &mut cx,
        |v, cx| {
            check_string(v, false, &types, &[DOC_TYPE], cx);
        },
    );
    field(
        map,
        "documentSide",
        true,
        Some("ER075"),
        false,
        &[DOC_SIDE],
        &mut cx,
        |v, cx| {
            check_string(v, false, &sides, &[DOC_SIDE], cx);
        },
    );
    field(
        map,
        "data",
        true,
        Some("ER077"),
        false,
        &[DATA],
        &mut cx,
        |v, cx| {
            check_string(v, false, &data, &[DATA], cx);
        },
    );
    cx
}

#[test]
fn field_required_null_and_present() {
    let cx = validate_body(&json!({}));
    assert_eq!(
        failures(&cx),
        vec![
            ("/documentType", "required", Some("ER067")),
            ("/documentSide", "required", Some("ER075")),
            ("/data", "required", Some("ER077")),
        ]
    );
    let cx = validate_body(&json!({"documentType": null, "documentSide": "Foo", "data": "YQ"}));
    assert_eq!(
        failures(&cx),
        vec![
            ("/documentType", "null", Some("ER067")),
            ("/documentSide", "enum", Some("ER076")),
            ("/data", "format", Some("ER078")),
        ]
    );
    assert_eq!(cx.codes(), vec!["ER067", "ER076", "ER078"]);
    let cx = validate_body(&json!({"documentType": 5, "documentSide": ["Front"], "data": false}));
    assert_eq!(cx.codes(), vec!["ER074", "ER076", "ER078"]);
    let cx = validate_body(
        &json!({"documentType": "Passport", "documentSide": "Front", "data": "", "extra": 1}),
    );
    assert!(cx.is_clean());

    // Optional and absent: nothing; required without its own code: the layers' default.
    let map = obj(json!({"n": null}));
    let mut cx = Validator::new();
    let mut ran = false;
    field(
        &map,
        "gone",
        false,
        Some("X"),
        false,
        &[],
        &mut cx,
        |_, _| ran = true,
    );
    field(
        &map,
        "gone",
        true,
        None,
        false,
        &[Codes(&[("default", "DEF")])],
        &mut cx,
        |_, _| ran = true,
    );
    field(&map, "gone", true, None, false, &[], &mut cx, |_, _| {
        ran = true
    });
    assert!(!ran, "check runs only for a present value");
    assert_eq!(
        failures(&cx),
        vec![
            ("/gone", "required", Some("DEF")),
            ("/gone", "required", None)
        ]
    );

    // Null and nullable: the check runs, at the property's pointer.
    let mut cx = Validator::new();
    let mut seen = None;
    field(&map, "n", true, None, true, &[], &mut cx, |v, cx| {
        seen = Some((v.clone(), cx.pointer().to_owned()))
    });
    assert_eq!(seen, Some((Value::Null, "/n".to_owned())));
    assert!(cx.is_clean());
}

// ---------------------------------------------------------------------------
// base64
// ---------------------------------------------------------------------------

#[test]
fn base64_valid() {
    for (s, bytes) in [
        ("", &b""[..]),
        ("YQ==", b"a"),
        ("YWI=", b"ab"),
        ("YWJj", b"abc"),
        ("aGEgbWFkZSB5b3UgbG9vayE=", b"ha made you look!"),
        ("+/+/", &[0xFB, 0xFF, 0xBF]),
        ("AAAA", &[0, 0, 0]),
        ("////", &[0xFF, 0xFF, 0xFF]),
    ] {
        assert!(is_canonical_base64(s), "{s}");
        assert_eq!(decode_base64(s).as_deref(), Some(bytes), "{s}");
    }
}

#[test]
fn base64_invalid() {
    for s in [
        "-_-_",     // url-safe alphabet
        "YW-j",     //
        "YW_j",     //
        "YW*j",     // not in any alphabet
        "YQ",       // missing padding
        "YWI",      //
        "Y",        //
        "YQ===",    // too much padding
        "Y===",     //
        "====",     //
        "YQ==YQ==", // padding in the middle
        "YQ=a",     //
        "Y=Q=",     //
        "YR==",     // non-zero unused bits
        "YWJ=",     //
        "YWK=",     //
        "YWJjZ",    // length not a multiple of 4
        "YWJjZA=",  //
        " YWJj",    // whitespace anywhere
        "YWJj ",    //
        "YW Jj",    //
        "YWJj\n",   //
        "YW\nJj",   //
        "YWJj\r\n", //
        "\tYWJj",   //
        "data:image/png;base64,iVBORw0KGgo=",
        "data:,YWJj",
        "YWJjé",
        "\u{FF21}AAA", // full-width letter
    ] {
        assert!(!is_canonical_base64(s), "{s:?}");
        assert_eq!(decode_base64(s), None, "{s:?}");
    }
}

#[test]
fn base64_round_trips_random_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for len in 0..=64 {
        for _ in 0..20 {
            let bytes = rng.bytes(len);
            let text = encode(&bytes);
            assert!(is_canonical_base64(&text), "{text}");
            assert_eq!(decode_base64(&text), Some(bytes), "{text}");
        }
    }
    // Canonical means the encoding is unique: whatever decodes re-encodes to itself.
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ "
            .chars()
            .collect();
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = rng.below(13);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let decoded = decode_base64(&s);
        assert_eq!(decoded.is_some(), is_canonical_base64(&s), "{s}");
        if let Some(bytes) = decoded {
            accepted += 1;
            assert_eq!(encode(&bytes), s);
        }
    }
    assert!(
        accepted > 100,
        "the sweep reached valid inputs ({accepted})"
    );
}

// ---------------------------------------------------------------------------
// dates and UUIDs
// ---------------------------------------------------------------------------

#[test]
fn date_time() {
    for ok in [
        "2024-02-29T12:34:56Z",
        "2024-02-29t12:34:56z",
        "1985-04-12T23:20:50.52Z",
        "1996-12-19T16:39:57-08:00",
        "1990-12-31T23:59:60Z",
        "2000-01-01T00:00:00+23:59",
        "2000-02-29T00:00:00.123456789+01:00",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ] {
        assert!(is_date_time(ok), "{ok}");
    }
    for bad in [
        "",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T23:60:00Z",
        "2024-01-01T23:59:61Z",
        "2024-13-01T00:00:00Z",
        "2024-00-10T00:00:00Z",
        "2024-04-31T00:00:00Z",
        "2024-01-00T00:00:00Z",
        "2024-01-01 12:00:00Z",
        "2024-01-01T12:00:00",
        "2024-01-01T12:00:00.Z",
        "2024-01-01T12:00:00,5Z",
        "2024-01-01T12:00:00+0100",
        "2024-01-01T12:00:00+24:00",
        "2024-01-01T12:00:00+01:60",
        "2024-01-01T12:00:00+1:00",
        "2024-01-01T12:00Z",
        "2024-1-01T12:00:00Z",
        "24-01-01T12:00:00Z",
        "2024-01-01T12:00:00Z ",
        " 2024-01-01T12:00:00Z",
        "2024-01-01T12:00:00ZZ",
        "2024-01-01",
        "2024-01-01T",
        "２０２４-01-01T12:00:00Z",
        "2024-01-01T1２:00:00Z",
        "2024-01-01T12:00:00+01:00:00",
    ] {
        assert!(!is_date_time(bad), "{bad}");
    }
}

#[test]
fn dates() {
    for ok in [
        "2024-02-29",
        "2000-02-29",
        "2023-02-28",
        "2024-12-31",
        "2024-04-30",
        "0001-01-01",
    ] {
        assert!(is_date(ok), "{ok}");
    }
    for bad in [
        "",
        "2023-02-29",
        "1900-02-29",
        "2024-02-30",
        "2024-04-31",
        "2024-12-32",
        "2024-13-01",
        "2024-00-01",
        "2024-01-00",
        "2024-1-01",
        "2024/01/01",
        "20240101",
        "2024-01-01T00:00:00Z",
        "2024-01-01 ",
        "+2024-01-01",
        "2024-0a-01",
    ] {
        assert!(!is_date(bad), "{bad}");
    }
}

#[test]
fn uuids() {
    for ok in [
        "123e4567-e89b-12d3-a456-426614174000",
        "123E4567-E89B-12D3-A456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "fFfFfFfF-fFfF-fFfF-fFfF-fFfFfFfFfFfF",
    ] {
        assert!(is_uuid(ok), "{ok}");
    }
    for bad in [
        "",
        "123e4567e89b12d3a456426614174000",
        "{123e4567-e89b-12d3-a456-426614174000}",
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-4266141740000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "123e456-7e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456_426614174000",
        " 123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-42661417400é",
    ] {
        assert!(!is_uuid(bad), "{bad}");
    }
}

// ---------------------------------------------------------------------------
// patterns
// ---------------------------------------------------------------------------

#[test]
fn pattern_search_is_unanchored() {
    assert!(pattern_matches("b", "abc"));
    assert!(pattern_matches("", "anything"));
    assert!(!pattern_matches("^b", "abc"));
    assert!(!pattern_matches("b$", "abc"));
    assert!(pattern_matches("c$", "abc"));
    // Compiled once, asked twice.
    assert!(pattern_matches("b", "b"));
    assert!(!pattern_matches("b", "a"));
}

#[test]
fn pattern_identifier() {
    let p = "^[A-Za-z0-9]+$";
    for ok in ["abc", "ABC", "123", "aB3", &"a".repeat(255)] {
        assert!(pattern_matches(p, ok), "{ok}");
    }
    for bad in [
        "",
        "a-b",
        "a b",
        "abc\n",
        "\nabc",
        "äbc",
        "abc_",
        "١٢٣",
        "ａｂｃ",
    ] {
        assert!(!pattern_matches(p, bad), "{bad:?}");
    }
}

#[test]
fn pattern_that_cannot_compile_counts_as_match() {
    for p in [
        "(?=a)b", "(?!a)", "(?<=a)b", "(?<!a)b", "(a)\\1", "(", "[a", "a{2,1}", "*a", "\\",
        "(?i)abc", "\\p{L}", "\\k<x>",
    ] {
        assert!(compile_pattern(p).is_none(), "{p}");
        assert!(pattern_matches(p, "zzz"), "{p}");
    }
}

#[test]
fn pattern_follows_ecma_262() {
    let cases: &[(&'static str, &str, bool)] = &[
        // \d, \w and \b are ASCII-only in ECMA-262.
        (r"^\d+$", "0123456789", true),
        (r"^\d+$", "١٢٣", false),
        (r"^\D$", "١", true),
        (r"^\w+$", "a_Z9", true),
        (r"^\w$", "é", false),
        (r"^\W$", "é", true),
        (r"\bfoo\b", "a foo b", true),
        (r"\bfoo\b", "éfooé", true),
        (r"\bfoo\b", "afoo", false),
        (r"\Bfoo", "afoo", true),
        // \s is ECMA's whitespace and line terminators.
        (r"^\s$", "\u{A0}", true),
        (r"^\s$", "\u{FEFF}", true),
        (r"^\s$", "\u{2028}", true),
        (r"^\s$", "\u{85}", false),
        (r"^\S$", "x", true),
        // . stops at every line terminator.
        (r"^.$", "a", true),
        (r"^.$", "😀", true),
        (r"^.$", "\n", false),
        (r"^.$", "\r", false),
        (r"^.$", "\u{2028}", false),
        (r"^[^]$", "\n", true),
        (r"a[]", "a", false),
        // Escapes.
        (r"^\/$", "/", true),
        (r"^\.$", "x", false),
        (r"^\x41\u0042$", "AB", true),
        (r"^\uD83D\uDE00$", "😀", true),
        (r"^\cJ$", "\n", true),
        (r"^\t\n\v\f\r\0$", "\t\n\u{B}\u{C}\r\0", true),
        (r"^\-$", "-", true),
        // Braces and brackets that are not operators are literals.
        (r"^a{2}$", "aa", true),
        (r"^a{2,}$", "aaa", true),
        (r"^a{1,2}$", "aaa", false),
        (r"^a{$", "a{", true),
        (r"^a{x}$", "a{x}", true),
        (r"^}$", "}", true),
        (r"^]$", "]", true),
        (r"^[[]$", "[", true),
        (r"^[a&&b]$", "&", true),
        (r"^[a~~b]$", "~", true),
        (r"^a&&b$", "a&&b", true),
        (r"^#$", "#", true),
        // Classes: ranges, negation, escapes inside.
        (r"^[a-c]+$", "abcabc", true),
        (r"^[a-c]$", "d", false),
        (r"^[^a-c]$", "d", true),
        (r"^[a-]$", "-", true),
        (r"^[-a]$", "-", true),
        (r"^[\d-z]$", "-", true),
        (r"^[\d-z]$", "5", true),
        (r"^[\d-z]$", "m", false),
        (r"^[\w.]+$", "a.b", true),
        (r"^[\b]$", "\u{8}", true),
        (r"^[\]]$", "]", true),
        (r"^[^\s]$", " ", false),
        (r"^[.]$", "x", false),
        (r"^[$^|]+$", "$^|", true),
        // Groups, alternation, lazy quantifiers, named groups.
        (r"^(?:ab)+$", "abab", true),
        (r"^(ab|cd)$", "cd", true),
        (r"^a+?$", "aaa", true),
        (r"^(?<year>\d{4})-(?<m_1>\d{2})$", "2024-02", true),
        // Non-ASCII literals.
        (r"^é+$", "éé", true),
        (r"^[é-ë]$", "ê", true),
    ];
    for (p, s, expected) in cases {
        assert!(compile_pattern(p).is_some(), "{p} should compile");
        assert_eq!(pattern_matches(p, s), *expected, "{p} on {s:?}");
    }
    assert!(
        compile_pattern("[z-a]").is_none(),
        "a reversed range is an ECMA syntax error"
    );
}

// ---------------------------------------------------------------------------
// credentials
// ---------------------------------------------------------------------------

fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let value = HeaderValue::from_bytes(value).unwrap_or_else(|e| panic!("{e}"));
        map.append(name, value);
    }
    map
}

fn bearer(value: &[u8]) -> Credential {
    scheme_credential(
        &headers(&[("authorization", value)]),
        "Authorization",
        "Bearer",
    )
}

fn token(s: &str) -> Credential {
    Credential::Token(s.to_owned())
}

#[test]
fn scheme_credentials() {
    assert_eq!(
        scheme_credential(&HeaderMap::new(), "Authorization", "Bearer"),
        Credential::Absent
    );
    assert_eq!(
        scheme_credential(&headers(&[("x-api-key", b"k")]), "Authorization", "Bearer"),
        Credential::Absent
    );
    assert_eq!(bearer(b"Bearer x"), token("x"));
    assert_eq!(bearer(b"bearer x"), token("x"));
    assert_eq!(bearer(b"BEARER x"), token("x"));
    assert_eq!(
        bearer(b"bEaReR abc.DEF-123_~+/=="),
        token("abc.DEF-123_~+/==")
    );
    assert_eq!(bearer(b"Bearer   x"), token("x"));
    assert_eq!(bearer(b" Bearer x "), token("x"));
    assert_eq!(bearer(b"Bearer"), Credential::Empty);
    assert_eq!(bearer(b"bearer"), Credential::Empty);
    assert_eq!(bearer(b"Bearer "), Credential::Empty);
    assert_eq!(bearer(b"Bearer \t "), Credential::Empty);
    assert_eq!(bearer(b""), Credential::Empty);
    assert_eq!(bearer(b"   "), Credential::Empty);
    assert_eq!(bearer(b"\t"), Credential::Empty);
    assert_eq!(bearer(b"Basic abc"), Credential::Malformed);
    assert_eq!(bearer(b"Basic"), Credential::Malformed);
    assert_eq!(bearer(b"Bearerx"), Credential::Malformed);
    assert_eq!(bearer(b"Bearer\tx"), Credential::Malformed);
    assert_eq!(bearer(b"Bearer a b"), Credential::Malformed);
    assert_eq!(bearer(b"x"), Credential::Malformed);
    assert_eq!(bearer("Bearer tök".as_bytes()), Credential::Malformed);
    assert_eq!(bearer(b"Bearer \xFF"), Credential::Malformed);
    assert_eq!(bearer("Béarer x".as_bytes()), Credential::Malformed);
    // Two headers of that name, whatever they hold.
    let two = headers(&[
        ("authorization", b"Bearer x"),
        ("authorization", b"Bearer x"),
    ]);
    assert_eq!(
        scheme_credential(&two, "Authorization", "Bearer"),
        Credential::Malformed
    );
    let two = headers(&[("authorization", b""), ("authorization", b"Bearer y")]);
    assert_eq!(
        scheme_credential(&two, "authorization", "bearer"),
        Credential::Malformed
    );
    // Another header, another scheme word.
    let user = headers(&[
        ("user-authorization", b"Bearer u1"),
        ("authorization", b"Basic zz"),
    ]);
    assert_eq!(
        scheme_credential(&user, "User-Authorization", "bearer"),
        token("u1")
    );
    assert_eq!(
        scheme_credential(&user, "Authorization", "basic"),
        token("zz")
    );
    // A header name that cannot exist is simply absent.
    assert_eq!(
        scheme_credential(&user, "bad name", "Bearer"),
        Credential::Absent
    );
}

#[test]
fn key_credentials() {
    let key = |v: &[u8]| key_credential(&headers(&[("x-api-key", v)]), "X-Api-Key");
    assert_eq!(
        key_credential(&HeaderMap::new(), "X-Api-Key"),
        Credential::Absent
    );
    assert_eq!(key(b""), Credential::Empty);
    assert_eq!(key(b"  "), Credential::Empty);
    assert_eq!(key(b"abc"), token("abc"));
    assert_eq!(key(b"Ab-9_.~+/="), token("Ab-9_.~+/="));
    assert_eq!(key(b" abc "), token("abc"));
    assert_eq!(key(b"a b"), Credential::Malformed);
    assert_eq!(key(b"Bearer x"), Credential::Malformed);
    assert_eq!(key("ké".as_bytes()), Credential::Malformed);
    assert_eq!(key(b"\x80"), Credential::Malformed);
    let two = headers(&[("x-api-key", b"a"), ("x-api-key", b"a")]);
    assert_eq!(key_credential(&two, "x-api-key"), Credential::Malformed);
}

// ---------------------------------------------------------------------------
// error responses
// ---------------------------------------------------------------------------

const ER067: Entry = Entry {
    code: "ER067",
    status: 400,
    message: "No identity document type provided.",
    solution: "Provide a valid identity document type.",
};
const ER077: Entry = Entry {
    code: "ER077",
    status: 400,
    message: "No data provided.",
    solution: "Provide \"data\".",
};
const ER802: Entry = Entry {
    code: "ER802",
    status: 401,
    message: "Missing partner token.",
    solution: "Send one.",
};

fn read(entries: &[Entry]) -> (StatusCode, Option<String>, String) {
    let response = error_response(entries);
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let collected = block_on(response.into_body().collect()).unwrap_or_else(|e| panic!("{e}"));
    let body = String::from_utf8(collected.to_bytes().to_vec()).unwrap_or_else(|e| panic!("{e}"));
    (status, content_type, body)
}

#[test]
fn error_response_one_code() {
    let (status, content_type, body) = read(&[ER067]);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(
        body,
        r#"{"errors":{"ER067":{"code":"ER067","message":"No identity document type provided.","solution":"Provide a valid identity document type."}}}"#
    );
}

#[test]
fn error_response_several_codes_once_each_in_order() {
    let (status, _, body) = read(&[ER077, ER067, ER077, ER067]);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let value: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        value,
        json!({"errors": {
            "ER077": {"code": "ER077", "message": "No data provided.", "solution": "Provide \"data\"."},
            "ER067": {"code": "ER067", "message": "No identity document type provided.", "solution": "Provide a valid identity document type."},
        }})
    );
    let keys: Vec<&String> = value["errors"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["ER077", "ER067"], "codes in the order given");
    assert_eq!(error_body(&[ER077, ER067, ER077]), value);
    // The status is the first entry's.
    assert_eq!(read(&[ER802, ER067]).0, StatusCode::UNAUTHORIZED);
    assert_eq!(read(&[ER067, ER802]).0, StatusCode::BAD_REQUEST);
}

#[test]
fn error_response_without_entries_is_500() {
    let (status, content_type, body) = read(&[]);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(body, r#"{"errors":{}}"#);
    assert_eq!(error_body(&[]), json!({"errors": {}}));
    let odd = Entry {
        status: 42,
        ..ER067
    };
    assert_eq!(read(&[odd]).0, StatusCode::INTERNAL_SERVER_ERROR);
}

// ---------------------------------------------------------------------------
// sniffing
// ---------------------------------------------------------------------------

fn signatures() -> Vec<(MediaType, Vec<u8>)> {
    vec![
        (MediaType::Jpeg, vec![0xFF, 0xD8, 0xFF]),
        (MediaType::Png, PNG_SIG.to_vec()),
        (MediaType::Gif, b"GIF87a".to_vec()),
        (MediaType::Gif, b"GIF89a".to_vec()),
        (MediaType::Bmp, b"BM".to_vec()),
        (MediaType::Webp, b"RIFF\x10\0\0\0WEBP".to_vec()),
        (MediaType::Tiff, b"II*\0".to_vec()),
        (MediaType::Tiff, b"MM\0*".to_vec()),
        (MediaType::Pdf, b"%PDF-".to_vec()),
    ]
}

#[test]
fn sniff_each_type_and_cut_short() {
    for (kind, sig) in signatures() {
        assert_eq!(sniff(&sig), Some(kind), "{kind:?}");
        let mut longer = sig.clone();
        longer.extend_from_slice(b"trailing bytes");
        assert_eq!(sniff(&longer), Some(kind), "{kind:?}");
        assert_eq!(sniff(&sig[..sig.len() - 1]), None, "{kind:?} cut short");
    }
    assert_eq!(MediaType::Jpeg.mime(), "image/jpeg");
    assert_eq!(MediaType::Pdf.mime(), "application/pdf");
}

#[test]
fn sniff_unknown_bytes() {
    for bytes in [
        &b""[..],
        b"\0\0\0\0\0\0\0\0\0\0\0\0",
        b"GIF88a",
        b"gif89a",
        b"RIFF\0\0\0\0WAVE",
        b"RIFFWEBP",
        b"MM*\0",
        b"II\0*",
        b"%PDF",
        b"%pdf-1.7",
        b"\xFF\xD8\xFE",
        b"\x89PNG\r\n\x1A\x0B",
        b"hello world",
        b"{\"a\":1}",
    ] {
        assert_eq!(sniff(bytes), None, "{bytes:?}");
    }
    let mut rng = Rng(42);
    let mut unknown = 0;
    for _ in 0..1000 {
        let bytes = rng.bytes(32);
        // A random start can be a real two-byte BMP signature; nothing longer.
        match sniff(&bytes) {
            None => unknown += 1,
            Some(MediaType::Bmp) => assert!(bytes.starts_with(b"BM")),
            Some(other) => panic!("random bytes sniffed as {other:?}"),
        }
    }
    assert!(unknown > 990);
}

// ---------------------------------------------------------------------------
// image headers
// ---------------------------------------------------------------------------

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    let mut rng = Rng(7);
    for len in [1, 13, 17, 100] {
        let bytes = rng.bytes(len);
        assert_eq!(crc32(&bytes), crc(&bytes));
    }
}

#[test]
fn png_dimensions() {
    for (w, h) in [(1, 1), (300, 400), (8000, 1), (0x7FFF_FFFF, 0x7FFF_FFFF)] {
        assert_eq!(
            image_dimensions(MediaType::Png, &png_header(w, h)),
            Some((w, h))
        );
    }
    assert_eq!(image_dimensions(MediaType::Png, &tiny_png()), Some((1, 1)));
    for (w, h) in [(0, 1), (1, 0), (0, 0), (0x8000_0000, 1), (1, u32::MAX)] {
        assert_eq!(
            image_dimensions(MediaType::Png, &png_header(w, h)),
            None,
            "{w}x{h}"
        );
    }
    // Every legal bit depth / colour type pair, and some illegal ones.
    let legal: &[(u8, &[u8])] = &[
        (0, &[1, 2, 4, 8, 16]),
        (2, &[8, 16]),
        (3, &[1, 2, 4, 8]),
        (4, &[8, 16]),
        (6, &[8, 16]),
    ];
    for colour in 0..=8u8 {
        for depth in 0..=17u8 {
            let ok = legal
                .iter()
                .any(|(c, ds)| *c == colour && ds.contains(&depth));
            for interlace in [0, 1] {
                let mut png = PNG_SIG.to_vec();
                png.extend(png_chunk(b"IHDR", &ihdr(10, 20, depth, colour, interlace)));
                let expected = ok.then_some((10, 20));
                assert_eq!(
                    image_dimensions(MediaType::Png, &png),
                    expected,
                    "colour {colour} depth {depth}"
                );
            }
        }
    }
    let variant = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut data = ihdr(10, 20, 8, 2, 0);
        f(&mut data);
        let mut png = PNG_SIG.to_vec();
        png.extend(png_chunk(b"IHDR", &data));
        image_dimensions(MediaType::Png, &png)
    };
    assert_eq!(variant(&|_| {}), Some((10, 20)));
    assert_eq!(variant(&|d| d[10] = 1), None, "compression");
    assert_eq!(variant(&|d| d[11] = 1), None, "filter");
    assert_eq!(variant(&|d| d[12] = 2), None, "interlace");
    assert_eq!(variant(&|d| d.push(0)), None, "IHDR of length 14");
    assert_eq!(variant(&|d| d.truncate(12)), None, "IHDR of length 12");

    let good = png_header(10, 20);
    let mut bad_crc = good.clone();
    bad_crc[32] ^= 1;
    assert_eq!(image_dimensions(MediaType::Png, &bad_crc), None);
    let mut bad_type = good.clone();
    bad_type[15] = b'r';
    assert_eq!(image_dimensions(MediaType::Png, &bad_type), None);
    let mut bad_sig = good.clone();
    bad_sig[7] = 0;
    assert_eq!(image_dimensions(MediaType::Png, &bad_sig), None);
    // Another chunk first.
    let mut other_first = PNG_SIG.to_vec();
    other_first.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
    other_first.extend(png_chunk(b"IHDR", &ihdr(10, 20, 8, 2, 0)));
    assert_eq!(image_dimensions(MediaType::Png, &other_first), None);
    // The header is only read for the type it belongs to.
    assert_eq!(image_dimensions(MediaType::Jpeg, &good), None);
    assert_eq!(image_dimensions(MediaType::Gif, &good), None);
}

#[test]
fn png_truncated_at_every_length() {
    let full = tiny_png();
    for len in 0..full.len() {
        let expected = (len >= 33).then_some((1, 1));
        assert_eq!(
            image_dimensions(MediaType::Png, &full[..len]),
            expected,
            "length {len}"
        );
    }
}

#[test]
fn jpeg_dimensions() {
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &jpeg(640, 480)),
        Some((640, 480))
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &jpeg(65535, 1)),
        Some((65535, 1))
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &tiny_jpeg()),
        Some((8, 8))
    );
    // Every SOFn, and never DHT, JPG or DAC.
    for marker in 0xC0..=0xCFu8 {
        let got = image_dimensions(MediaType::Jpeg, &jpeg_with(&sof(marker, 300, 200, 3)));
        if matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            assert_eq!(got, None, "{marker:X}");
        } else {
            assert_eq!(got, Some((300, 200)), "{marker:X}");
        }
    }
    // A DHT segment shaped like a frame header is skipped.
    let mut frame = sof(0xC4, 1, 1, 3);
    frame.extend(sof(0xC2, 1024, 768, 3));
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &jpeg_with(&frame)),
        Some((1024, 768))
    );
    // Fill bytes and standalone markers before a segment.
    let mut frame = vec![0xFF, 0xFF, 0xFF, 0xD0, 0xFF, 0x01, 0xFF, 0xD7, 0xFF];
    frame.extend(segment(0xFE, b"a comment"));
    frame.extend_from_slice(&[0xFF, 0xFF]);
    frame.extend(sof(0xC0, 10, 20, 1));
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &jpeg_with(&frame)),
        Some((10, 20))
    );
    // Zero dimensions; a length that disagrees with the component count; no component.
    assert_eq!(image_dimensions(MediaType::Jpeg, &jpeg(0, 480)), None);
    assert_eq!(image_dimensions(MediaType::Jpeg, &jpeg(640, 0)), None);
    let mut wrong = sof(0xC0, 10, 10, 3);
    wrong[3] -= 1;
    wrong.pop();
    assert_eq!(image_dimensions(MediaType::Jpeg, &jpeg_with(&wrong)), None);
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &jpeg_with(&sof(0xC0, 10, 10, 0))),
        None
    );
    assert_eq!(
        image_dimensions(
            MediaType::Jpeg,
            &jpeg_with(&segment(0xC0, &[8, 0, 10, 0, 10]))
        ),
        None
    );
    // Scan data or the end before any frame header.
    let mut sos_first = SOI.to_vec();
    sos_first.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    sos_first.extend(sof(0xC0, 10, 10, 1));
    assert_eq!(image_dimensions(MediaType::Jpeg, &sos_first), None);
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xD9]),
        None
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xD8]),
        None
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0x00]),
        None
    );
    // Bytes that are not a marker where one must be.
    let mut garbage = SOI.to_vec();
    garbage.extend(app0());
    garbage.push(0x00);
    garbage.extend(sof(0xC0, 10, 10, 1));
    assert_eq!(image_dimensions(MediaType::Jpeg, &garbage), None);
    // Segment lengths below 2 or past the end.
    assert_eq!(
        image_dimensions(
            MediaType::Jpeg,
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0]
        ),
        None
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]),
        None
    );
    assert_eq!(
        image_dimensions(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0, 0]),
        None
    );
    assert_eq!(image_dimensions(MediaType::Png, &jpeg(640, 480)), None);
}

#[test]
fn jpeg_truncated_at_every_length() {
    for full in [jpeg(640, 480), tiny_jpeg()] {
        let sof_at = full
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .unwrap_or_else(|| panic!("no SOF0"));
        let sof_len = usize::from(u16::from_be_bytes([full[sof_at + 2], full[sof_at + 3]]));
        let sof_end = sof_at + 2 + sof_len;
        let dims = image_dimensions(MediaType::Jpeg, &full);
        assert!(dims.is_some());
        for len in 0..=full.len() {
            let expected = if len >= sof_end { dims } else { None };
            assert_eq!(
                image_dimensions(MediaType::Jpeg, &full[..len]),
                expected,
                "length {len}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// file checks
// ---------------------------------------------------------------------------

const ID_CHECKS: &[FileCheck] = &[
    FileCheck {
        rule: FileRule::NotEmpty,
        code: "ER904",
    },
    FileCheck {
        rule: FileRule::MaxBytes(5_242_880),
        code: "ER902",
    },
    FileCheck {
        rule: FileRule::MediaType {
            allow: &[MediaType::Jpeg, MediaType::Png],
            refuse: &[
                MediaType::Gif,
                MediaType::Bmp,
                MediaType::Webp,
                MediaType::Tiff,
                MediaType::Pdf,
            ],
            refused_code: "ER903",
        },
        code: "ER907",
    },
    FileCheck {
        rule: FileRule::ImageHeader,
        code: "ER918",
    },
    FileCheck {
        rule: FileRule::MaxWidth(8000),
        code: "ER908",
    },
    FileCheck {
        rule: FileRule::MinWidth(300),
        code: "ER909",
    },
    FileCheck {
        rule: FileRule::MaxHeight(8000),
        code: "ER910",
    },
    FileCheck {
        rule: FileRule::MinHeight(300),
        code: "ER911",
    },
    FileCheck {
        rule: FileRule::MinPixels(160_000),
        code: "ER912",
    },
    FileCheck {
        rule: FileRule::MaxPixels(40_000_000),
        code: "ER913",
    },
    FileCheck {
        rule: FileRule::MaxRatio(4.0),
        code: "ER914",
    },
    FileCheck {
        rule: FileRule::MinRatio(0.25),
        code: "ER915",
    },
    FileCheck {
        rule: FileRule::Orientation {
            allow: &[Orientation::Portrait, Orientation::Square],
            when: &[("documentSide", &["Selfie", "SecondSelfie"])],
        },
        code: "ER916",
    },
    FileCheck {
        rule: FileRule::Orientation {
            allow: &[Orientation::Landscape, Orientation::Square],
            when: &[
                (
                    "documentType",
                    &["IdentityCard", "DrivingLicence", "ResidencePermit"],
                ),
                ("documentSide", &["Front", "Back"]),
            ],
        },
        code: "ER917",
    },
    FileCheck {
        rule: FileRule::ImageDecode,
        code: "ER918",
    },
];

fn passport() -> Map<String, Value> {
    obj(json!({"documentType": "Passport", "documentSide": "Front"}))
}

fn id_check(bytes: &[u8]) -> FileVerdict {
    check_file(bytes, ID_CHECKS, &passport())
}

fn passed(kind: MediaType, width: u32, height: u32) -> FileVerdict {
    FileVerdict::NeedsDecode {
        kind: Some(kind),
        width,
        height,
        decode_code: Some("ER918"),
    }
}

fn refused(code: Code) -> FileVerdict {
    FileVerdict::Refused(code)
}

#[test]
fn file_order_and_types() {
    assert_eq!(id_check(&[]), refused("ER904"));
    assert_eq!(
        id_check(&png_header(1000, 1000)),
        passed(MediaType::Png, 1000, 1000)
    );
    assert_eq!(
        id_check(&jpeg(1000, 800)),
        passed(MediaType::Jpeg, 1000, 800)
    );
    assert_eq!(id_check(&tiny_png()), refused("ER909"));
    for (kind, sig) in signatures() {
        let mut bytes = sig.clone();
        bytes.extend_from_slice(&[0u8; 64]);
        let expected = match kind {
            MediaType::Jpeg | MediaType::Png => refused("ER918"),
            _ => refused("ER903"),
        };
        assert_eq!(id_check(&bytes), expected, "{kind:?}");
        assert_eq!(
            id_check(&sig[..sig.len() - 1]),
            refused("ER907"),
            "{kind:?} cut short"
        );
    }
    assert_eq!(id_check(b"plain text"), refused("ER907"));
    // Size before type: a huge unknown file is too big, not unknown.
    assert_eq!(id_check(&vec![0u8; 5_242_881]), refused("ER902"));
}

#[test]
fn file_size_boundary() {
    let mut bytes = png_header(1000, 1000);
    bytes.resize(5_242_880, 0);
    assert_eq!(id_check(&bytes), passed(MediaType::Png, 1000, 1000));
    bytes.push(0);
    assert_eq!(id_check(&bytes), refused("ER902"));
    let small = [FileCheck {
        rule: FileRule::MaxBytes(3),
        code: "BIG",
    }];
    assert!(matches!(
        check_file(b"abc", &small, &Map::new()),
        FileVerdict::NeedsDecode { .. }
    ));
    assert_eq!(check_file(b"abcd", &small, &Map::new()), refused("BIG"));
}

#[test]
fn file_dimension_boundaries() {
    let cases: &[((u32, u32), Option<Code>)] = &[
        ((8000, 2000), None),
        ((8001, 2001), Some("ER908")),
        ((300, 600), None),
        ((299, 600), Some("ER909")),
        ((2000, 8000), None),
        ((2001, 8001), Some("ER910")),
        ((600, 300), None),
        ((600, 299), Some("ER911")),
        ((400, 400), None),
        ((400, 399), Some("ER912")),
        ((8000, 5000), None),
        ((8000, 5001), Some("ER913")),
        ((1200, 300), None),
        ((1201, 300), Some("ER914")),
        ((300, 1200), None),
        ((300, 1201), Some("ER915")),
        // Several failures: the first listed answers.
        ((299, 299), Some("ER909")),
        ((9000, 100), Some("ER908")),
        ((100, 9000), Some("ER909")),
    ];
    for &((w, h), code) in cases {
        for (kind, bytes) in [
            (MediaType::Png, png_header(w, h)),
            (MediaType::Jpeg, jpeg(w as u16, h as u16)),
        ] {
            let expected = match code {
                Some(c) => refused(c),
                None => passed(kind, w, h),
            };
            assert_eq!(id_check(&bytes), expected, "{kind:?} {w}x{h}");
        }
    }
}

#[test]
fn file_orientation() {
    let landscape = png_header(500, 400);
    let portrait = png_header(400, 500);
    let square = png_header(500, 500);
    let body = |t: &str, s: &str| obj(json!({"documentType": t, "documentSide": s}));
    let run = |bytes: &[u8], b: &Map<String, Value>| check_file(bytes, ID_CHECKS, b);

    for side in ["Selfie", "SecondSelfie"] {
        assert_eq!(
            run(&landscape, &body("Passport", side)),
            refused("ER916"),
            "{side}"
        );
        assert_eq!(
            run(&portrait, &body("IdentityCard", side)),
            passed(MediaType::Png, 400, 500)
        );
        assert_eq!(
            run(&square, &body("IdentityCard", side)),
            passed(MediaType::Png, 500, 500)
        );
    }
    for t in ["IdentityCard", "DrivingLicence", "ResidencePermit"] {
        for side in ["Front", "Back"] {
            assert_eq!(
                run(&portrait, &body(t, side)),
                refused("ER917"),
                "{t} {side}"
            );
            assert_eq!(
                run(&landscape, &body(t, side)),
                passed(MediaType::Png, 500, 400)
            );
            assert_eq!(
                run(&square, &body(t, side)),
                passed(MediaType::Png, 500, 500)
            );
        }
    }
    // `when` does not match: no orientation rule applies.
    assert_eq!(
        run(&portrait, &body("Passport", "Front")),
        passed(MediaType::Png, 400, 500)
    );
    assert_eq!(
        run(&landscape, &body("Passport", "Back")),
        passed(MediaType::Png, 500, 400)
    );
    assert_eq!(
        run(&portrait, &body("identitycard", "Front")),
        passed(MediaType::Png, 400, 500)
    );
    assert_eq!(
        run(&portrait, &obj(json!({"documentType": "IdentityCard"}))),
        passed(MediaType::Png, 400, 500)
    );
    assert_eq!(
        run(&landscape, &obj(json!({"documentSide": 5}))),
        passed(MediaType::Png, 500, 400)
    );
    assert_eq!(
        run(&landscape, &Map::new()),
        passed(MediaType::Png, 500, 400)
    );

    assert_eq!(Orientation::of(2, 1), Orientation::Landscape);
    assert_eq!(Orientation::of(1, 2), Orientation::Portrait);
    assert_eq!(Orientation::of(7, 7), Orientation::Square);
    // An empty `when` always applies.
    let always = [FileCheck {
        rule: FileRule::Orientation {
            allow: &[Orientation::Square],
            when: &[],
        },
        code: "SQ",
    }];
    assert_eq!(check_file(&landscape, &always, &Map::new()), refused("SQ"));
    assert!(matches!(
        check_file(&square, &always, &Map::new()),
        FileVerdict::NeedsDecode { .. }
    ));
}

#[test]
fn file_refused_and_unknown_types() {
    let checks = [FileCheck {
        rule: FileRule::MediaType {
            allow: &[MediaType::Jpeg],
            refuse: &[MediaType::Gif],
            refused_code: "REFUSED",
        },
        code: "UNKNOWN",
    }];
    let none = Map::new();
    assert_eq!(
        check_file(b"GIF89a....", &checks, &none),
        refused("REFUSED")
    );
    // Recognised, but neither allowed nor listed as refused: the generic code.
    assert_eq!(
        check_file(&png_header(1, 1), &checks, &none),
        refused("UNKNOWN")
    );
    assert_eq!(check_file(b"????", &checks, &none), refused("UNKNOWN"));
    assert_eq!(
        check_file(&jpeg(1, 1), &checks, &none),
        FileVerdict::NeedsDecode {
            kind: Some(MediaType::Jpeg),
            width: 0,
            height: 0,
            decode_code: None
        }
    );
}

#[test]
fn file_header_rules_without_image_header_check() {
    let none = Map::new();
    let dims_only = [FileCheck {
        rule: FileRule::MinWidth(300),
        code: "W",
    }];
    // No readable header and no ImageHeader check: the dimension rule is skipped.
    assert_eq!(
        check_file(b"GIF89a", &dims_only, &none),
        FileVerdict::NeedsDecode {
            kind: Some(MediaType::Gif),
            width: 0,
            height: 0,
            decode_code: None
        }
    );
    assert_eq!(
        check_file(b"\x89PNG\r\n\x1A\n", &dims_only, &none),
        FileVerdict::NeedsDecode {
            kind: Some(MediaType::Png),
            width: 0,
            height: 0,
            decode_code: None
        }
    );
    // A readable header is read by the rule itself.
    assert_eq!(
        check_file(&png_header(299, 500), &dims_only, &none),
        refused("W")
    );
    assert_eq!(
        check_file(&png_header(300, 500), &dims_only, &none),
        FileVerdict::NeedsDecode {
            kind: Some(MediaType::Png),
            width: 300,
            height: 500,
            decode_code: None
        }
    );
    // An unreadable header with an ImageHeader check answers its code.
    let with_header = [
        FileCheck {
            rule: FileRule::ImageHeader,
            code: "H",
        },
        dims_only[0],
    ];
    assert_eq!(
        check_file(b"\x89PNG\r\n\x1A\n", &with_header, &none),
        refused("H")
    );
    assert_eq!(check_file(b"GIF89a", &with_header, &none), refused("H"));
    // Without any header rule, nothing is read.
    let decode_only = [
        FileCheck {
            rule: FileRule::NotEmpty,
            code: "E",
        },
        FileCheck {
            rule: FileRule::ImageDecode,
            code: "D",
        },
    ];
    assert_eq!(
        check_file(&png_header(300, 500), &decode_only, &none),
        FileVerdict::NeedsDecode {
            kind: Some(MediaType::Png),
            width: 0,
            height: 0,
            decode_code: Some("D")
        }
    );
    // Checks after the first ImageDecode are the caller's, not run here.
    let decode_first = [
        FileCheck {
            rule: FileRule::ImageDecode,
            code: "D",
        },
        FileCheck {
            rule: FileRule::NotEmpty,
            code: "E",
        },
    ];
    assert_eq!(
        check_file(&[], &decode_first, &none),
        FileVerdict::NeedsDecode {
            kind: None,
            width: 0,
            height: 0,
            decode_code: Some("D")
        }
    );
    assert_eq!(
        check_file(&[], &[], &none),
        FileVerdict::NeedsDecode {
            kind: None,
            width: 0,
            height: 0,
            decode_code: None
        }
    );
}

#[test]
fn file_pixels_and_ratios_alone() {
    let none = Map::new();
    let run = |rule: FileRule, w: u32, h: u32| {
        check_file(&png_header(w, h), &[FileCheck { rule, code: "X" }], &none) == refused("X")
    };
    assert!(!run(FileRule::MaxPixels(12), 3, 4));
    assert!(run(FileRule::MaxPixels(11), 3, 4));
    assert!(!run(FileRule::MinPixels(12), 3, 4));
    assert!(run(FileRule::MinPixels(13), 3, 4));
    // Pixel counts do not overflow.
    assert!(!run(
        FileRule::MaxPixels(u64::MAX),
        0x7FFF_FFFF,
        0x7FFF_FFFF
    ));
    assert!(run(
        FileRule::MaxPixels(u64::from(u32::MAX)),
        0x7FFF_FFFF,
        0x7FFF_FFFF
    ));
    assert!(!run(FileRule::MaxRatio(4.0), 4, 1));
    assert!(run(FileRule::MaxRatio(4.0), 401, 100));
    assert!(!run(FileRule::MinRatio(0.25), 1, 4));
    assert!(run(FileRule::MinRatio(0.25), 100, 401));
    assert!(!run(FileRule::MaxWidth(10), 10, 99));
    assert!(run(FileRule::MaxWidth(10), 11, 1));
    assert!(!run(FileRule::MaxHeight(10), 99, 10));
    assert!(run(FileRule::MaxHeight(10), 1, 11));
    assert!(!run(FileRule::MinHeight(10), 1, 10));
    assert!(run(FileRule::MinHeight(10), 1, 9));
}

// ---------------------------------------------------------------------------
// no panic, whatever the input
// ---------------------------------------------------------------------------

fn poke(bytes: &[u8]) {
    let kind = sniff(bytes);
    for k in [MediaType::Png, MediaType::Jpeg, MediaType::Gif] {
        let _ = image_dimensions(k, bytes);
    }
    if let Some(k) = kind {
        let _ = image_dimensions(k, bytes);
    }
    let body = obj(json!({"documentType": "IdentityCard", "documentSide": "Selfie"}));
    let _ = check_file(bytes, ID_CHECKS, &body);
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(is_canonical_base64(&text), decode_base64(&text).is_some());
    let _ = (is_date_time(&text), is_date(&text), is_uuid(&text));
    let _ = compile_pattern(&text);
}

#[test]
fn no_panic_on_prefixes_of_valid_headers() {
    let mut progressive = jpeg_with(&sof(0xC2, 500, 500, 3));
    progressive.insert(2, 0xFF); // a fill byte after SOI
    for full in [
        tiny_png(),
        png_header(300, 300),
        jpeg(640, 480),
        tiny_jpeg(),
        progressive,
        b"GIF89a\x01\0\x01\0".to_vec(),
    ] {
        for len in 0..=full.len() {
            poke(&full[..len]);
        }
    }
}

#[test]
fn no_panic_on_random_bytes() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let starts: [&[u8]; 5] = [&[], &[0xFF, 0xD8], &[0xFF, 0xD8, 0xFF], &PNG_SIG, b"RIFF"];
    for i in 0..4000 {
        let mut bytes = starts[i % starts.len()].to_vec();
        let len = rng.below(80);
        bytes.extend(rng.bytes(len));
        // Sprinkle markers so the JPEG walk goes past its first segment.
        if i % 3 == 0 {
            for _ in 0..rng.below(6) {
                let at = rng.below(bytes.len() + 1);
                bytes.insert(at, 0xFF);
            }
        }
        poke(&bytes);
    }
    // Random JPEG segment sequences with sane and insane lengths.
    for _ in 0..2000 {
        let mut bytes = SOI.to_vec();
        for _ in 0..rng.below(6) {
            let marker = 0xC0 + rng.below(0x40) as u8;
            let len = rng.below(24);
            bytes.extend_from_slice(&[0xFF, marker]);
            bytes.extend_from_slice(&(rng.below(30) as u16).to_be_bytes());
            bytes.extend(rng.bytes(len));
        }
        poke(&bytes);
    }
}

#[test]
fn no_panic_on_random_patterns() {
    let pieces = [
        "\\", "[", "]", "(", ")", "{", "}", "?", "*", "+", "^", "$", "|", ".", "-", ",", "a", "1",
        "9", "\\u", "\\x", "\\c", "D83D", "(?", "<", ">", "=", "!", ":", "é", "&&", "~~", "\\d",
        "\\b", "\\k", "\\0", "\\u{", "ff",
    ];
    let mut rng = Rng(99);
    let mut compiled = 0;
    for _ in 0..5000 {
        let n = rng.below(8);
        let p: String = (0..n).map(|_| pieces[rng.below(pieces.len())]).collect();
        if let Some(re) = compile_pattern(&p) {
            compiled += 1;
            let _ = re.is_match("aé1-{}[]");
        }
    }
    assert!(
        compiled > 100,
        "the sweep reached valid patterns ({compiled})"
    );
}

// ---------------------------------------------------------------------------
// routing
// ---------------------------------------------------------------------------

static TABLE: &[(&str, &[(&str, usize)])] = &[
    ("/users/{id}", &[("GET", 0)]),
    ("/users/me", &[("GET", 1)]),
    ("/users/{name}", &[("DELETE", 2)]),
    ("/files/{name}.{ext}", &[("GET", 3)]),
    ("/files/{name}", &[("PUT", 4)]),
    ("/a:b/*/{x}", &[("POST", 5)]),
    ("/trailing/", &[("GET", 6)]),
    ("/trailing", &[("POST", 7)]),
    ("/", &[("GET", 8)]),
    ("/v{version}/items", &[("GET", 9)]),
    ("/odd/{unclosed", &[("GET", 10)]),
];

fn route(method: &str, path: &str) -> Result<(usize, Vec<(String, String)>), String> {
    match Routes::new(TABLE).find(method, path) {
        Route::Operation(i, PathParams(p)) => Ok((i, p)),
        Route::NotFound => Err("404".into()),
        Route::MethodNotAllowed(allow) => Err(format!("405 {}", allow.join(","))),
    }
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_literal_segment_wins_over_a_template() {
    assert_eq!(route("GET", "/users/me"), Ok((1, vec![])));
    assert_eq!(route("GET", "/users/42"), Ok((0, params(&[("id", "42")]))));
}

#[test]
fn templates_differing_only_in_names_are_one_path() {
    assert_eq!(
        route("DELETE", "/users/bob"),
        Ok((2, params(&[("name", "bob")])))
    );
    assert_eq!(
        route("PATCH", "/users/bob"),
        Err("405 DELETE,GET,HEAD".into())
    );
    // `/users/me` is its own path: DELETE is not one of its methods.
    assert_eq!(route("DELETE", "/users/me"), Err("405 GET,HEAD".into()));
}

#[test]
fn several_parameters_in_one_segment() {
    assert_eq!(
        route("GET", "/files/report.tar.gz"),
        Ok((3, params(&[("name", "report"), ("ext", "tar.gz")])))
    );
    // Without the dot it is the other template; an encoded dot is no separator.
    assert_eq!(
        route("PUT", "/files/report"),
        Ok((4, params(&[("name", "report")])))
    );
    assert_eq!(
        route("PUT", "/files/a%2Eb"),
        Ok((4, params(&[("name", "a.b")])))
    );
    assert_eq!(route("GET", "/files/.json"), Err("405 PUT".into()));
    assert_eq!(
        route("GET", "/v2/items"),
        Ok((9, params(&[("version", "2")])))
    );
    assert_eq!(route("GET", "/v/items"), Err("404".into()));
}

#[test]
fn colons_stars_trailing_slashes_and_odd_braces_are_literal_text() {
    assert_eq!(route("POST", "/a:b/*/1"), Ok((5, params(&[("x", "1")]))));
    assert_eq!(route("POST", "/a:b/c/1"), Err("404".into()));
    assert_eq!(route("GET", "/trailing/"), Ok((6, vec![])));
    assert_eq!(route("POST", "/trailing"), Ok((7, vec![])));
    assert_eq!(route("GET", "/trailing"), Err("405 POST".into()));
    assert_eq!(route("GET", "/"), Ok((8, vec![])));
    assert_eq!(route("GET", "/odd/{unclosed"), Ok((10, vec![])));
    assert_eq!(route("GET", "/odd/%7Bunclosed"), Ok((10, vec![])));
}

#[test]
fn values_are_percent_decoded_and_must_be_utf8_and_non_empty() {
    assert_eq!(
        route("GET", "/users/a%20b+c"),
        Ok((0, params(&[("id", "a b+c")])))
    );
    assert_eq!(route("GET", "/users/%FF"), Err("404".into()));
    assert_eq!(route("GET", "/users/"), Err("404".into()));
    assert_eq!(route("GET", "/users"), Err("404".into()));
}

#[test]
fn head_falls_back_to_get() {
    assert_eq!(route("HEAD", "/users/me"), Ok((1, vec![])));
    assert_eq!(route("HEAD", "/trailing"), Err("405 POST".into()));
}

#[test]
fn routing_never_panics_on_any_template_or_path() {
    let alphabet = [
        "/", "{", "}", "a", ".", "%", "%2", "%FF", ":", "*", "é", "{x}", "",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut templates: Vec<&'static str> = Vec::new();
    for _ in 0..200 {
        let t: String = (0..rng.below(8))
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        templates.push(Box::leak(t.into_boxed_str()));
    }
    let table: Vec<(&'static str, &'static [(&'static str, usize)])> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let ops: &'static [(&'static str, usize)] =
                Box::leak(vec![("GET", i)].into_boxed_slice());
            (*t, ops)
        })
        .collect();
    let routes = Routes::new(Box::leak(table.into_boxed_slice()));
    for _ in 0..2000 {
        let p: String = (0..rng.below(8))
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let _ = routes.find("GET", &p);
    }
}

#[test]
fn unrouted_requests_answer_404_or_405_with_allow() {
    let r = unrouted(Route::NotFound);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = unrouted(Route::MethodNotAllowed(vec!["GET", "HEAD"]));
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()[header::ALLOW], "GET,HEAD");
}

// ---------------------------------------------------------------------------
// handler helpers: parameters, body reading, answers
// ---------------------------------------------------------------------------

const LIMITS: Codes = Codes(&[("required", "ER_MISSING"), ("maximum", "ER_BIG")]);

fn at_most_ten(v: &Value, cx: &mut Validator) {
    let rules = NumberRules {
        maximum: Some(10.0),
        ..NumberRules::INTEGER
    };
    check_number(v, false, &rules, &[LIMITS], cx);
}

#[test]
fn param_checks_present_values_under_their_name() {
    let mut cx = Validator::new();
    let value = param(
        &mut cx,
        "limit",
        Some("12".into()),
        ParamKind::Integer,
        false,
        &[LIMITS],
        at_most_ten,
    );
    assert_eq!(value, Some(json!(12)));
    assert_eq!(failures(&cx), vec![("/limit", "maximum", Some("ER_BIG"))]);

    let mut cx = Validator::new();
    let value = param(
        &mut cx,
        "limit",
        Some("7".into()),
        ParamKind::Integer,
        true,
        &[LIMITS],
        at_most_ten,
    );
    assert_eq!(value, Some(json!(7)));
    assert!(cx.is_clean());
}

#[test]
fn param_absent_is_a_violation_only_when_required() {
    let mut cx = Validator::new();
    let mut checked = false;
    let value = param(
        &mut cx,
        "limit",
        None,
        ParamKind::Integer,
        false,
        &[LIMITS],
        |_, _| checked = true,
    );
    assert_eq!(value, None);
    assert!(cx.is_clean());
    assert!(!checked, "an absent parameter has nothing to check");

    let mut cx = Validator::new();
    let value = param(
        &mut cx,
        "limit",
        None,
        ParamKind::Integer,
        true,
        &[LIMITS],
        at_most_ten,
    );
    assert_eq!(value, None);
    assert_eq!(
        failures(&cx),
        vec![("/limit", "required", Some("ER_MISSING"))]
    );
}

#[test]
fn typed_params_convert_or_say_which_parameter_failed() {
    assert_eq!(typed_param::<u8>(Some(json!(7)), "limit"), Ok(Some(7)));
    assert_eq!(typed_param::<u8>(None, "limit"), Ok(None));
    let Err(err) = typed_param::<u8>(Some(json!(300)), "limit") else {
        panic!("an unfit value converts");
    };
    assert!(err.starts_with("parameter limit: "), "{err}");

    assert_eq!(required_param::<u8>(Some(json!(7)), "limit"), Ok(7));
    assert_eq!(
        required_param::<u8>(None, "limit"),
        Err("missing parameter limit".to_string())
    );
    let Err(err) = required_param::<u8>(Some(json!("x")), "limit") else {
        panic!("an unfit value converts");
    };
    assert!(err.starts_with("parameter limit: "), "{err}");
}

#[test]
fn read_body_refuses_announced_and_actual_oversize_bodies() {
    let small = block_on(read_body(
        &HeaderMap::new(),
        axum::body::Body::from("abc"),
        3,
    ));
    assert_eq!(small.as_deref(), Ok(&b"abc"[..]));

    let big = block_on(read_body(
        &HeaderMap::new(),
        axum::body::Body::from("abcd"),
        3,
    ));
    assert_eq!(big, Err("the request body is too large or was cut off"));

    // Announced too large: refused before reading, even if the body is small.
    let announced = headers(&[("content-length", b"4096")]);
    let refused = block_on(read_body(&announced, axum::body::Body::from("a"), 3));
    assert_eq!(refused, Err("the request body is too large"));

    // An unreadable length header is not an announcement.
    let odd = headers(&[("content-length", b"many")]);
    let read = block_on(read_body(&odd, axum::body::Body::from("ab"), 3));
    assert_eq!(read.as_deref(), Ok(&b"ab"[..]));
}

fn answer(response: axum::response::Response) -> (StatusCode, Option<String>, Vec<u8>) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = block_on(response.into_body().collect())
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, content_type, body)
}

#[test]
fn answers_carry_the_implementations_status_and_body() {
    assert_eq!(
        answer(respond_status(204)),
        (StatusCode::NO_CONTENT, None, vec![])
    );
    let (status, content_type, body) = answer(respond_json(201, &json!({"id": 1})));
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).ok(),
        Some(json!({"id": 1}))
    );
    assert_eq!(
        answer(respond_raw(200, "text/csv", "a,b".into())),
        (
            StatusCode::OK,
            Some("text/csv".to_string()),
            b"a,b".to_vec()
        )
    );
    assert_eq!(
        answer(respond_undeclared(202, String::new(), "x".into())),
        (
            StatusCode::ACCEPTED,
            Some("application/octet-stream".to_string()),
            b"x".to_vec()
        )
    );
    assert_eq!(
        answer(respond_undeclared(200, "text/plain".into(), "x".into())),
        (
            StatusCode::OK,
            Some("text/plain".to_string()),
            b"x".to_vec()
        )
    );
    // A status no HTTP answer can carry is the implementation's fault.
    assert_eq!(
        answer(respond_status(1000)).0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[test]
fn lists_and_maps_check_each_item_at_its_place() {
    let mut cx = Validator::new();
    let rules = ArrayRules {
        max_items: Some(3),
        ..ArrayRules::NONE
    };
    check_list(
        &json!([1, 11, 2, 12]),
        false,
        &rules,
        &[LIMITS],
        &mut cx,
        at_most_ten,
    );
    assert_eq!(
        failures(&cx),
        vec![
            ("", "maxItems", None),
            ("/1", "maximum", Some("ER_BIG")),
            ("/3", "maximum", Some("ER_BIG")),
        ]
    );

    let mut cx = Validator::new();
    check_map(
        &json!({"a": 1, "b": 11}),
        false,
        &ObjectRules::NONE,
        &[LIMITS],
        &mut cx,
        at_most_ten,
    );
    assert_eq!(failures(&cx), vec![("/b", "maximum", Some("ER_BIG"))]);

    // Not a list: the type fails and no item is checked.
    let mut cx = Validator::new();
    check_list(
        &json!({"a": 11}),
        false,
        &ArrayRules::NONE,
        &[LIMITS],
        &mut cx,
        at_most_ten,
    );
    assert_eq!(failures(&cx), vec![("", "type", None)]);
}
