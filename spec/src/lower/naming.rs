//! Deterministic, collision-free Rust names from spec names.

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

/// Rust keywords (strict, reserved and edition-2024 `gen`).
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Names of the Rust 2024 prelude (types, traits, variants) that a named
/// type must not take: generated code would shadow them.
pub const PRELUDE: &[&str] = &[
    "AsMut",
    "AsRef",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Future",
    "Into",
    "IntoFuture",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Keep letters, digits and `_`, so that case conversion sees word breaks
/// and the result is an identifier.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

fn finish(mut name: String, fallback: &str, digit_prefix: &str) -> String {
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{digit_prefix}{name}");
    }
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

/// UpperCamelCase type or variant name.
pub fn type_name(raw: &str, fallback: &str) -> String {
    finish(words(raw).to_upper_camel_case(), fallback, "T")
}

/// snake_case field, parameter or method name.
pub fn snake_name(raw: &str, fallback: &str) -> String {
    finish(words(raw).to_snake_case(), fallback, "_")
}

/// UpperCamelCase variant name for an enum value.
pub fn variant_name(value: &Value, index: usize) -> String {
    let fallback = format!("Value{index}");
    match value {
        Value::String(s) => {
            let name = type_name(s, "");
            if name.is_empty() {
                symbol_name(s).unwrap_or(fallback)
            } else {
                name
            }
        }
        Value::Number(n) => {
            let text = n.to_string().replace('-', "Minus").replace('.', "Point");
            format!("V{text}")
        }
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Null => "Null".to_string(),
        _ => fallback,
    }
}

/// A name for values made only of symbols (`+`, `-`, `*` ...), so that the
/// variant still says what it holds.
fn symbol_name(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("Empty".to_string());
    }
    let mut out = String::new();
    for c in s.chars() {
        let word = match c {
            '+' => "Plus",
            '-' => "Minus",
            '*' => "Star",
            '/' => "Slash",
            '.' => "Dot",
            '=' => "Equals",
            '<' => "Lt",
            '>' => "Gt",
            '!' => "Bang",
            '@' => "At",
            '#' => "Hash",
            '$' => "Dollar",
            '%' => "Percent",
            '&' => "Amp",
            '|' => "Pipe",
            '~' => "Tilde",
            '^' => "Caret",
            '?' => "Question",
            ':' => "Colon",
            ',' => "Comma",
            ' ' => "Space",
            '_' => "Underscore",
            _ => return None,
        };
        out.push_str(word);
    }
    Some(out)
}

/// Make `names` unique in place: a repeated name gets `2`, `3` ... in list
/// order (callers order the list deterministically). `taken` are names that
/// exist already and must not be produced.
pub fn dedupe(names: &mut [String], taken: &[&str]) {
    use std::collections::HashSet;
    let taken: HashSet<&str> = taken.iter().copied().collect();
    // Every original name is reserved, so a suffixed name never steals one.
    let mut used: HashSet<String> = names.iter().cloned().collect();
    used.extend(taken.iter().map(|s| s.to_string()));
    let mut kept: HashSet<String> = HashSet::new();
    for name in names.iter_mut() {
        if !taken.contains(name.as_str()) && kept.insert(name.clone()) {
            continue;
        }
        let sep = if name.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        let mut n = 2;
        loop {
            let candidate = format!("{name}{sep}{n}");
            if used.insert(candidate.clone()) {
                kept.insert(candidate.clone());
                *name = candidate;
                break;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn case_conversion_keeps_words() {
        assert_eq!(
            type_name("identity-document upload", "X"),
            "IdentityDocumentUpload"
        );
        assert_eq!(type_name("HTTPServer", "X"), "HttpServer");
        assert_eq!(snake_name("documentType", "x"), "document_type");
        assert_eq!(snake_name("is_business", "x"), "is_business");
        assert_eq!(snake_name("X-Api-Key", "x"), "x_api_key");
    }

    #[test]
    fn keywords_digits_and_empty_names_become_identifiers() {
        assert_eq!(snake_name("type", "x"), "type_");
        assert_eq!(type_name("self", "X"), "Self_");
        assert_eq!(snake_name("2fa", "x"), "_2fa");
        assert_eq!(type_name("3d", "X"), "T3d");
        assert_eq!(snake_name("@@", "field"), "field");
    }

    #[test]
    fn odd_enum_values_get_readable_variants() {
        assert_eq!(variant_name(&json!("not-validated"), 0), "NotValidated");
        assert_eq!(variant_name(&json!("+"), 1), "Plus");
        assert_eq!(variant_name(&json!(""), 2), "Empty");
        assert_eq!(variant_name(&json!(-1.5), 3), "VMinus1Point5");
        assert_eq!(variant_name(&json!("日本"), 4), "日本");
        assert_eq!(variant_name(&json!("\u{1F600}"), 5), "Value5");
    }

    #[test]
    fn colliding_names_all_survive() {
        let mut names = vec![
            "UserName".to_string(),
            "UserName".into(),
            "UserName2".into(),
            "V1".into(),
            "V1".into(),
        ];
        dedupe(&mut names, &["Taken"]);
        assert_eq!(names, ["UserName", "UserName3", "UserName2", "V1", "V1_2"]);
        let mut names = vec!["Taken".to_string()];
        dedupe(&mut names, &["Taken"]);
        assert_eq!(names, ["Taken2"]);
    }
}
