//! Identifiers for emitted items.

use proc_macro2::{Ident, Span};

/// An identifier for `name`, which the IR already made keyword-safe and
/// unique; characters Rust does not accept in identifiers are spelled out.
pub fn ident(name: &str) -> Ident {
    if let Ok(id) = syn::parse_str::<Ident>(name) {
        return id;
    }
    let mut clean = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            clean.push(c);
        } else {
            clean.push_str(&format!("_u{:x}_", u32::from(c)));
        }
    }
    if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
        clean.insert(0, '_');
    }
    if spec::is_keyword(&clean) {
        clean.push('_');
    }
    Ident::new(&clean, Span::call_site())
}

/// snake_case identifier derived from a type or operation name.
pub fn snake(name: &str) -> Ident {
    ident(&spec::snake_name(name, "item"))
}

/// SCREAMING_SNAKE constant name.
pub fn constant(name: &str) -> Ident {
    ident(&spec::snake_name(name, "item").to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_identifiers_are_spelled_out() {
        assert_eq!(ident("User").to_string(), "User");
        assert_eq!(ident("日本").to_string(), "日本");
        assert_eq!(ident("x²").to_string(), "x_ub2_");
        assert_eq!(ident("").to_string(), "_");
        assert_eq!(snake("DocumentType").to_string(), "document_type");
        assert_eq!(constant("maxBytes").to_string(), "MAX_BYTES");
    }
}
