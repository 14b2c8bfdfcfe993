//! IR schemas as JSON Schema (draft 2020-12), and validation of response
//! bodies against them.
//!
//! The conversion keeps OpenAPI 3.0 semantics: `nullable` admits `null`,
//! exclusive bounds are booleans in 3.0 and numbers here, a discriminator
//! selects the variant it names, `format: byte` is canonical base64.
//! Every named type reachable from the schema lands in `$defs` (referred to
//! as `#/$defs/<Name>`), so recursive types need nothing special.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Number, Value, json};
use spec::ir::{
    Additional, Api, Keyword, Schema, Shape, StringFormat, TypeDef, TypeId, TypeKind, Union,
};

/// Draft 2020-12.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Longest text of one validation message (the offending value is cut).
const MESSAGE_MAX: usize = 300;
/// Most validation messages reported for one value.
const ERRORS_MAX: usize = 20;

/// `schema` as a standalone JSON Schema: the schema itself, plus `$schema`
/// and a `$defs` entry for every named type it reaches.
pub fn json_schema(api: &Api, schema: &Schema) -> Value {
    let mut defs = BTreeMap::new();
    let mut todo = Vec::new();
    let root = convert(api, schema, &mut todo);
    while let Some(id) = todo.pop() {
        if id.0 >= api.types.len() {
            continue;
        }
        let def = api.type_def(id);
        if defs.contains_key(&def.name) {
            continue;
        }
        // Reserve the name first so recursion ends.
        defs.insert(def.name.clone(), Value::Bool(true));
        let converted = convert_def(api, def, &mut todo);
        defs.insert(def.name.clone(), converted);
    }
    let mut out = match root {
        Value::Object(map) => map,
        // `true`: an empty schema accepts everything as well.
        _ => Map::new(),
    };
    out.insert("$schema".into(), Value::String(DIALECT.into()));
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
    }
    Value::Object(out)
}

/// The JSON Schema of the named type `id`.
pub fn type_schema(api: &Api, id: TypeId) -> Value {
    json_schema(api, &Schema::new(Shape::Named(id)))
}

/// `#/$defs/<name>`, escaped as a JSON pointer.
fn def_ref(name: &str) -> String {
    format!("#/$defs/{}", name.replace('~', "~0").replace('/', "~1"))
}

fn convert_def(api: &Api, def: &TypeDef, todo: &mut Vec<TypeId>) -> Value {
    let schema = match &def.kind {
        TypeKind::Struct(s) => {
            let mut out = Map::new();
            out.insert("type".into(), json!("object"));
            let mut props = Map::new();
            let mut required = Vec::new();
            for field in &s.fields {
                props.insert(field.json_name.clone(), convert(api, &field.schema, todo));
                if field.required {
                    required.push(Value::String(field.json_name.clone()));
                }
            }
            if !props.is_empty() {
                out.insert("properties".into(), Value::Object(props));
            }
            if !required.is_empty() {
                out.insert("required".into(), Value::Array(required));
            }
            match &s.additional {
                Additional::Ignored => {}
                Additional::Forbidden => {
                    out.insert("additionalProperties".into(), Value::Bool(false));
                }
                Additional::Typed(value) => {
                    out.insert("additionalProperties".into(), convert(api, value, todo));
                }
            }
            add_keywords(&mut out, &s.rules.checks);
            Value::Object(out)
        }
        TypeKind::Enum(e) => {
            let mut out = Map::new();
            out.insert(
                "enum".into(),
                Value::Array(e.variants.iter().map(|v| v.value.clone()).collect()),
            );
            add_keywords(&mut out, &e.rules.checks);
            Value::Object(out)
        }
        TypeKind::Union(u) => union(api, u, todo),
        TypeKind::Alias(schema) => {
            // The alias's own `nullable` is the definition's.
            let mut inner = schema.clone();
            inner.nullable = false;
            convert(api, &inner, todo)
        }
    };
    if def.nullable {
        with_null(schema)
    } else {
        schema
    }
}

fn union(api: &Api, u: &Union, todo: &mut Vec<TypeId>) -> Value {
    let variants: Vec<Value> = u
        .variants
        .iter()
        .map(|v| convert(api, &v.schema, todo))
        .collect();
    let mut out = Map::new();
    match &u.discriminator {
        // OpenAPI: the discriminator property names the one variant that
        // applies; the others are not consulted (several may match).
        Some(d) if !d.mapping.is_empty() => {
            let values: Vec<Value> = d
                .mapping
                .iter()
                .map(|(value, _)| Value::String(value.clone()))
                .collect();
            let branches: Vec<Value> = d
                .mapping
                .iter()
                .filter_map(|(value, index)| {
                    variants.get(*index).map(|variant| {
                        json!({
                            "if": {"properties": {d.property.clone(): {"const": value}}},
                            "then": variant,
                        })
                    })
                })
                .collect();
            out.insert("type".into(), json!("object"));
            out.insert("required".into(), json!([d.property]));
            out.insert(
                "properties".into(),
                json!({d.property.clone(): {"enum": values}}),
            );
            out.insert("allOf".into(), Value::Array(branches));
        }
        _ => {
            let key = if u.exclusive { "oneOf" } else { "anyOf" };
            out.insert(key.into(), Value::Array(variants));
        }
    }
    add_keywords(&mut out, &u.rules.checks);
    Value::Object(out)
}

/// A schema at a use site.
fn convert(api: &Api, schema: &Schema, todo: &mut Vec<TypeId>) -> Value {
    let mut out = Map::new();
    match &schema.shape {
        Shape::Named(id) => {
            if let Some(def) = api.types.get(id.0) {
                todo.push(*id);
                out.insert("$ref".into(), Value::String(def_ref(&def.name)));
            }
        }
        Shape::Boolean => {
            out.insert("type".into(), json!("boolean"));
        }
        Shape::Integer(_) => {
            out.insert("type".into(), json!("integer"));
        }
        Shape::Number(_) => {
            out.insert("type".into(), json!("number"));
        }
        Shape::String(format) => {
            out.insert("type".into(), json!("string"));
            if let Some(name) = format_name(format) {
                out.insert("format".into(), json!(name));
            }
        }
        Shape::List(item) => {
            out.insert("type".into(), json!("array"));
            let item = convert(api, item, todo);
            if item != Value::Bool(true) {
                out.insert("items".into(), item);
            }
        }
        Shape::Map(value) => {
            out.insert("type".into(), json!("object"));
            let value = convert(api, value, todo);
            if value != Value::Bool(true) {
                out.insert("additionalProperties".into(), value);
            }
        }
        Shape::Any(_) => {}
    }
    add_keywords(&mut out, &schema.rules.checks);
    let value = if out.is_empty() {
        Value::Bool(true)
    } else {
        Value::Object(out)
    };
    if schema.nullable {
        with_null(value)
    } else {
        value
    }
}

/// The formats the validator checks: the rest are annotations.
fn format_name(format: &StringFormat) -> Option<&'static str> {
    match format {
        StringFormat::Byte => Some("byte"),
        StringFormat::DateTime => Some("date-time"),
        StringFormat::Date => Some("date"),
        StringFormat::Uuid => Some("uuid"),
        StringFormat::Plain | StringFormat::Binary | StringFormat::Other(_) => None,
    }
}

fn number(value: f64) -> Option<Value> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Some(Value::Number(Number::from(value as i64)))
    } else {
        Number::from_f64(value).map(Value::Number)
    }
}

fn add_keywords(out: &mut Map<String, Value>, checks: &[Keyword]) {
    for check in checks {
        let (key, value) = match check {
            Keyword::Enum(values) => ("enum", Some(Value::Array(values.clone()))),
            Keyword::Format(format) => ("format", format_name(format).map(|f| json!(f))),
            Keyword::Pattern(p) => ("pattern", Some(json!(p))),
            Keyword::MinLength(n) => ("minLength", Some(json!(n))),
            Keyword::MaxLength(n) => ("maxLength", Some(json!(n))),
            Keyword::Minimum {
                value,
                exclusive: false,
            } => ("minimum", number(*value)),
            Keyword::Minimum {
                value,
                exclusive: true,
            } => ("exclusiveMinimum", number(*value)),
            Keyword::Maximum {
                value,
                exclusive: false,
            } => ("maximum", number(*value)),
            Keyword::Maximum {
                value,
                exclusive: true,
            } => ("exclusiveMaximum", number(*value)),
            Keyword::MultipleOf(n) => ("multipleOf", number(*n)),
            Keyword::MinItems(n) => ("minItems", Some(json!(n))),
            Keyword::MaxItems(n) => ("maxItems", Some(json!(n))),
            Keyword::UniqueItems => ("uniqueItems", Some(Value::Bool(true))),
            Keyword::MinProperties(n) => ("minProperties", Some(json!(n))),
            Keyword::MaxProperties(n) => ("maxProperties", Some(json!(n))),
        };
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    }
}

/// `schema`, also admitting `null`.
fn with_null(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        // `true` admits null already; `false` is never produced.
        return schema;
    };
    let combined = ["$ref", "oneOf", "anyOf", "allOf", "not", "if"]
        .iter()
        .any(|k| map.contains_key(*k));
    if combined {
        return json!({"anyOf": [Value::Object(map), {"type": "null"}]});
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => {
            types.push(json!("null"));
        }
        _ => {}
    }
    Value::Object(map)
}

/// Canonical base64 (RFC 4648, standard alphabet, padded), as OpenAPI's
/// `format: byte`.
pub fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let value = |b: u8| -> Option<u8> {
        match b {
            b'A'..=b'Z' => Some(b - b'A'),
            b'a'..=b'z' => Some(b - b'a' + 26),
            b'0'..=b'9' => Some(b - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let pad = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 2 {
        return false;
    }
    let data = &bytes[..bytes.len() - pad];
    if data.iter().any(|&b| value(b).is_none()) {
        return false;
    }
    // Canonical: the unused low bits of the last symbol are zero.
    match (pad, data.last()) {
        (1, Some(&last)) => value(last).is_some_and(|v| v & 0b11 == 0),
        (2, Some(&last)) => value(last).is_some_and(|v| v & 0b1111 == 0),
        _ => true,
    }
}

/// A compiled validator, shared.
type Compiled = Arc<jsonschema::Validator>;

/// Compiled validators by the text of their JSON Schema.
fn cache() -> &'static Mutex<HashMap<String, Compiled>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Most validators kept; the cache starts over beyond (a process checks a
/// handful of specs, so this is a bound, not a policy).
const CACHE_MAX: usize = 4096;

/// Compiles `schema` (as [`json_schema`] makes it), once per distinct schema.
pub fn compile(schema: &Value) -> Result<Compiled, String> {
    let key = schema.to_string();
    if let Ok(cache) = cache().lock()
        && let Some(v) = cache.get(&key)
    {
        return Ok(v.clone());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", is_base64)
        .build(schema)
        .map_err(|e| format!("the schema could not be compiled: {}", cut(&e.to_string())))?;
    let validator = Arc::new(validator);
    if let Ok(mut cache) = cache().lock() {
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, validator.clone());
    }
    Ok(validator)
}

/// Checks `value` against `schema`; the errors are readable sentences, each
/// starting with the JSON pointer of the offending value (`(root)` for the
/// value itself).
pub fn validate(api: &Api, schema: &Schema, value: &Value) -> Result<(), Vec<String>> {
    validate_json(&json_schema(api, schema), value)
}

/// [`validate`] for a schema already converted with [`json_schema`].
pub fn validate_json(schema: &Value, value: &Value) -> Result<(), Vec<String>> {
    let validator = compile(schema).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(value) {
        if errors.len() < ERRORS_MAX {
            let path = error.instance_path().to_string();
            let at = if path.is_empty() { "(root)" } else { &path };
            errors.push(format!("{at}: {}", cut(&error.to_string())));
        } else {
            more += 1;
            if more >= 1000 {
                break;
            }
        }
    }
    if more > 0 {
        errors.push(format!("… and {more} more"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// At most [`MESSAGE_MAX`] bytes of `text`, cut on a character boundary.
fn cut(text: &str) -> String {
    if text.len() <= MESSAGE_MAX {
        return text.to_string();
    }
    let mut end = MESSAGE_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn load(rel: &str) -> Api {
        spec::load(&root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn named(api: &Api, name: &str) -> Schema {
        let i = api
            .types
            .iter()
            .position(|t| t.name == name)
            .unwrap_or_else(|| panic!("no type {name}"));
        Schema::new(Shape::Named(TypeId(i)))
    }

    fn identity() -> Api {
        load("spec/identity-document.yaml")
    }

    /// The spec's example of the 200 answer (`UserWithPendingDocument`).
    fn user_example() -> Value {
        let amount = json!({"amount": 3000, "currencyCode": "EUR"});
        let limit = json!({"limit": amount, "remaining": amount, "interval": "P1D"});
        json!({
            "emailAddress": "john.doe@example.com",
            "firstName": "John",
            "lastName": "Doe",
            "region": "nl-nl",
            "phoneNumber": "+31612345678",
            "registrationDate": "2019-01-01T14:13:55Z",
            "activationDate": "2019-01-02T12:43:25Z",
            "is_business": false,
            "limits": {"buy": limit, "sell": limit},
            "enabledIbanAccounts": [{"number": "NL00BANK0123456789", "holder": "J. Doe", "verified": true}],
            "enabledWalletAddresses": [
                {"currency": "BTC", "address": "3FZbgi29cpjq2GjdwV8eyHuJJnkLtktZc5",
                 "destinationTag": "ABC1234", "name": "My BTC wallet 1", "status": "verified",
                 "walletType": "unhosted", "verificationStatus": "required", "id": 189632},
                {"currency": "XRP", "address": "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe",
                 "destinationTag": 12341, "name": "My XRP wallet", "status": "pending",
                 "walletType": "vasp", "verificationStatus": "travel_rule_required", "id": 189633}
            ],
            "enabledAccounts": [{"type": "iban", "name": "My bank account",
                "identifier": "NL00BANK0123456789", "verified": true, "limitRaised": false}],
            "status": {
                "status": "pending",
                "description": "Identification process is in progress.",
                "details": {
                    "amld5VerificationStatus": "verified",
                    "emailAddressVerificationStatus": "verified",
                    "identityVerificationStatus": "pending",
                    "privacyAgreementVerificationStatus": "verified",
                    "identityDocumentVerificationStatus": [
                        {"documentType": "Passport", "documentSide": "Front", "status": "pending"}
                    ],
                    "residentialAddressVerificationStatus": "present"
                }
            },
            "verificationLevel": {
                "id": "a1b2c3d4-0003-4000-8000-000000000003",
                "level": "hero",
                "buyLimit": amount,
                "sellLimit": amount
            }
        })
    }

    fn errors_of(api: &Api, schema: &Schema, value: &Value) -> Vec<String> {
        validate(api, schema, value).expect_err("must be invalid")
    }

    #[test]
    fn user_example_validates_and_a_bad_uuid_does_not() {
        let api = identity();
        let user = named(&api, "User");
        let example = user_example();
        validate(&api, &user, &example).unwrap();
        let mut bad = example.clone();
        bad["verificationLevel"]["id"] = json!("not-a-uuid");
        let errors = errors_of(&api, &user, &bad);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("/verificationLevel/id: "),
            "{errors:?}"
        );
        assert!(errors[0].contains("uuid"), "{errors:?}");
    }

    #[test]
    fn user_schema_checks_types_required_enums_and_dates() {
        let api = identity();
        let user = named(&api, "User");
        let example = user_example();
        let mut bad = example.clone();
        bad["registrationDate"] = json!("yesterday");
        bad["is_business"] = json!("no");
        bad["verificationLevel"]
            .as_object_mut()
            .unwrap()
            .remove("level");
        bad["status"]["status"] = json!("Pending");
        let errors = errors_of(&api, &user, &bad);
        let joined = errors.join("\n");
        assert!(joined.contains("/registrationDate: "), "{joined}");
        assert!(joined.contains("/is_business: "), "{joined}");
        assert!(joined.contains("/verificationLevel: "), "{joined}");
        assert!(
            joined.contains("\"level\" is a required property"),
            "{joined}"
        );
        assert!(joined.contains("/status/status: "), "{joined}");
        // Unknown properties are allowed (additionalProperties not set).
        let mut extra = example.clone();
        extra["somethingNew"] = json!({"a": 1});
        validate(&api, &user, &extra).unwrap();
        // The root is checked too.
        let errors = errors_of(&api, &user, &json!([1, 2]));
        assert!(errors[0].starts_with("(root): "), "{errors:?}");
    }

    #[test]
    fn destination_tag_union_takes_string_integer_and_null() {
        let api = identity();
        let wallet = named(&api, "WalletAddress");
        for tag in [json!("ABC"), json!(12), Value::Null] {
            validate(&api, &wallet, &json!({"destinationTag": tag})).unwrap();
        }
        errors_of(&api, &wallet, &json!({"destinationTag": 1.5}));
        errors_of(&api, &wallet, &json!({"destinationTag": true}));
    }

    #[test]
    fn error_schema_from_the_catalog() {
        let api = identity();
        let catalog = api.errors.as_ref().unwrap();
        let schema = Schema::new(Shape::Named(catalog.schema));
        let good = json!({"errors": {"ER067": {
            "code": "ER067",
            "message": "No identity document type provided.",
            "solution": "Provide a valid identity document type."
        }}});
        validate(&api, &schema, &good).unwrap();
        let errors = errors_of(
            &api,
            &schema,
            &json!({"errors": {"ER067": {"code": "ER067"}}}),
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("\"message\" is a required property")),
            "{errors:?}"
        );
        let errors = errors_of(
            &api,
            &schema,
            &json!({"errors": {"X": {"code": "ER000", "message": "m", "solution": "s"}}}),
        );
        assert!(errors[0].starts_with("/errors/X/code: "), "{errors:?}");
        errors_of(&api, &schema, &json!({}));
    }

    #[test]
    fn json_schema_shape() {
        let api = identity();
        let user = named(&api, "User");
        let s = json_schema(&api, &user);
        assert_eq!(s["$schema"], json!(DIALECT));
        assert_eq!(s["$ref"], json!("#/$defs/User"));
        let defs = s["$defs"].as_object().unwrap();
        for name in [
            "User",
            "VerificationLevel",
            "FiatAmount",
            "DestinationTag",
            "CheckStatus",
        ] {
            assert!(
                defs.contains_key(name),
                "{name} missing from {:?}",
                defs.keys()
            );
        }
        assert!(!defs.contains_key("ErrorResponse"));
        assert_eq!(
            defs["VerificationLevel"]["required"],
            json!(["buyLimit", "id", "level", "sellLimit"])
        );
        assert_eq!(
            defs["VerificationLevel"]["properties"]["id"],
            json!({"type": "string", "format": "uuid"})
        );
    }

    #[test]
    fn nullable_fields() {
        let api = load("tests/fixtures/nullable.yaml");
        let profile = named(&api, "Profile");
        let ok = json!({"name": "n", "nickname": null, "status": null, "bio": null,
            "mood": null, "address": null, "aliases": ["a", null]});
        validate(&api, &profile, &ok).unwrap();
        let ok = json!({"name": "n", "nickname": "nick", "status": "active", "mood": "happy",
            "address": {"street": "s"}, "billing": {"street": "s"}});
        validate(&api, &profile, &ok).unwrap();
        for (field, value) in [
            ("name", Value::Null),
            ("age", Value::Null),
            ("billing", Value::Null),
            ("status", json!("gone")),
            ("mood", json!("angry")),
            ("address", json!({})),
        ] {
            let mut bad = json!({"name": "n", "nickname": null, "status": null});
            bad[field] = value.clone();
            let errors = errors_of(&api, &profile, &bad);
            assert!(
                errors.iter().any(|e| e.starts_with(&format!("/{field}"))),
                "{field} = {value}: {errors:?}"
            );
        }
        let errors = errors_of(&api, &profile, &json!({"name": "n", "status": null}));
        assert!(
            errors[0].contains("\"nickname\" is a required property"),
            "{errors:?}"
        );
    }

    #[test]
    fn recursive_types() {
        let api = load("tests/fixtures/recursion.yaml");
        let graphs = named(&api, "Graphs");
        let ok = json!({
            "tree": {"value": "a", "children": [{"value": "b", "children": [{"value": "c"}]}]},
            "list": {"value": 1, "next": {"value": 2, "next": {"value": 3}}},
            "company": {"name": "c", "employees": [{"name": "p", "employer": {"name": "c2", "employees": []}}]}
        });
        validate(&api, &graphs, &ok).unwrap();
        let bad = json!({"list": {"value": 1, "next": {"value": 2, "next": {"value": "three"}}}});
        let errors = errors_of(&api, &graphs, &bad);
        assert!(
            errors[0].starts_with("/list/next/next/value: "),
            "{errors:?}"
        );
        let bad = json!({"tree": {"value": "a", "children": [{"children": []}]}});
        let errors = errors_of(&api, &graphs, &bad);
        assert!(errors[0].starts_with("/tree/children/0: "), "{errors:?}");
        let bad = json!({"company": {"employees": [{"employer": {"employees": [{"name": 3}]}}]}});
        let errors = errors_of(&api, &graphs, &bad);
        assert!(
            errors[0].starts_with("/company/employees/0/employer/employees/0/name"),
            "{errors:?}"
        );
    }

    #[test]
    fn maps_and_additional_properties() {
        let api = load("tests/fixtures/maps.yaml");
        let maps = named(&api, "Maps");
        let ok = json!({
            "counts": {"a": 1}, "anything": {"x": [1, "y"]}, "nothing": {},
            "lists": {"l": ["a"]}, "nested": {"a": {"b": true}}, "scores": {"s": 1.5},
            "labelled": {"id": "i", "extra": "e"}, "closed": {"id": "i"}
        });
        validate(&api, &maps, &ok).unwrap();
        for (field, value, at) in [
            ("counts", json!({"a": 1.5}), "/counts/a"),
            ("nothing", json!({"a": 1}), "/nothing"),
            ("nested", json!({"a": {"b": 1}}), "/nested/a/b"),
            (
                "labelled",
                json!({"id": "i", "extra": 1}),
                "/labelled/extra",
            ),
            ("closed", json!({"id": "i", "other": "o"}), "/closed"),
            ("scores", json!({"s": "high"}), "/scores/s"),
        ] {
            let errors = errors_of(&api, &maps, &json!({ field: value }));
            assert!(
                errors[0].starts_with(&format!("{at}: ")),
                "{field}: {errors:?}"
            );
        }
    }

    #[test]
    fn composition() {
        let api = load("tests/fixtures/composition.yaml");
        let zoo = named(&api, "Zoo");
        let ok = json!({
            "pet": {"name": "rex", "species": "dog", "age": 3},
            "puppy": {"name": "p", "species": "dog", "chewing": true},
            "described": {"name": "d", "species": "cat"},
            "scalar": "text",
            "animal": {"kind": "cat", "purrs": true},
            "contact": {"email": "a@b.c"}
        });
        validate(&api, &zoo, &ok).unwrap();
        for scalar in [json!(3), json!({"name": "n"})] {
            validate(&api, &zoo, &json!({ "scalar": scalar })).unwrap();
        }
        for animal in [
            json!({"kind": "dog", "barks": true}),
            json!({"kind": "puppy"}),
            json!({"kind": "Bird"}),
        ] {
            validate(&api, &zoo, &json!({ "animal": animal })).unwrap();
        }
        // The discriminator selects the variant whose rules apply.
        errors_of(
            &api,
            &zoo,
            &json!({"animal": {"kind": "cat", "purrs": "yes"}}),
        );
        errors_of(
            &api,
            &zoo,
            &json!({"animal": {"kind": "dog", "barks": "yes"}}),
        );
        errors_of(&api, &zoo, &json!({"animal": {"kind": "fish"}}));
        errors_of(&api, &zoo, &json!({"animal": {"purrs": true}}));
        errors_of(&api, &zoo, &json!({"pet": {"name": "rex"}}));
        errors_of(&api, &zoo, &json!({"scalar": 1.5}));
        errors_of(&api, &zoo, &json!({"contact": {}}));
        validate(
            &api,
            &zoo,
            &json!({"contact": {"phone": "1", "email": "a@b.c"}}),
        )
        .unwrap();
    }

    fn keyword_schema(shape: Shape, checks: Vec<Keyword>) -> Schema {
        let mut s = Schema::new(shape);
        s.rules.checks = checks;
        s
    }

    #[test]
    fn keywords() {
        let api = identity();
        let string = |checks| keyword_schema(Shape::String(StringFormat::Plain), checks);
        let s = string(vec![
            Keyword::MinLength(2),
            Keyword::MaxLength(3),
            Keyword::Pattern("^[a-z]+$".into()),
        ]);
        validate(&api, &s, &json!("ab")).unwrap();
        validate(&api, &s, &json!("abc")).unwrap();
        for bad in [json!("a"), json!("abcd"), json!("AB"), json!(1)] {
            errors_of(&api, &s, &bad);
        }
        let n = keyword_schema(
            Shape::Number(spec::ir::NumberFormat::Double),
            vec![
                Keyword::Minimum {
                    value: 0.0,
                    exclusive: true,
                },
                Keyword::Maximum {
                    value: 10.5,
                    exclusive: false,
                },
                Keyword::MultipleOf(0.5),
            ],
        );
        validate(&api, &n, &json!(0.5)).unwrap();
        validate(&api, &n, &json!(10.5)).unwrap();
        for bad in [json!(0), json!(11), json!(0.3), json!("1")] {
            errors_of(&api, &n, &bad);
        }
        let i = keyword_schema(
            Shape::Integer(spec::ir::IntegerFormat::Int32),
            vec![
                Keyword::Minimum {
                    value: 1.0,
                    exclusive: false,
                },
                Keyword::Maximum {
                    value: 5.0,
                    exclusive: true,
                },
            ],
        );
        validate(&api, &i, &json!(1)).unwrap();
        validate(&api, &i, &json!(4)).unwrap();
        for bad in [json!(0), json!(5), json!(2.5)] {
            errors_of(&api, &i, &bad);
        }
        let list = keyword_schema(
            Shape::List(Box::new(Schema::new(Shape::Integer(
                spec::ir::IntegerFormat::Unspecified,
            )))),
            vec![
                Keyword::MinItems(1),
                Keyword::MaxItems(2),
                Keyword::UniqueItems,
            ],
        );
        validate(&api, &list, &json!([1, 2])).unwrap();
        for bad in [json!([]), json!([1, 2, 3]), json!([1, 1]), json!(["a"])] {
            errors_of(&api, &list, &bad);
        }
        let map = keyword_schema(
            Shape::Map(Box::new(Schema::new(Shape::Boolean))),
            vec![Keyword::MinProperties(1), Keyword::MaxProperties(1)],
        );
        validate(&api, &map, &json!({"a": true})).unwrap();
        for bad in [json!({}), json!({"a": true, "b": false}), json!({"a": 1})] {
            errors_of(&api, &map, &bad);
        }
        let e = keyword_schema(
            Shape::Integer(spec::ir::IntegerFormat::Unspecified),
            vec![Keyword::Enum(vec![json!(1), json!(2)])],
        );
        validate(&api, &e, &json!(2)).unwrap();
        errors_of(&api, &e, &json!(3));
        let mut nullable_enum = e.clone();
        nullable_enum.nullable = true;
        validate(&api, &nullable_enum, &Value::Null).unwrap();
        errors_of(&api, &nullable_enum, &json!(3));
        let any = Schema::new(Shape::Any(spec::ir::AnyReason::Unconstrained));
        assert_eq!(json_schema(&api, &any), json!({"$schema": DIALECT}));
        for v in [Value::Null, json!(1), json!({"a": [1]})] {
            validate(&api, &any, &v).unwrap();
        }
    }

    #[test]
    fn formats() {
        let api = identity();
        let f = |format| Schema::new(Shape::String(format));
        let byte = f(StringFormat::Byte);
        for ok in ["", "aGEgbWFkZSB5b3UgbG9vayE=", "YQ==", "YWI=", "YWJj"] {
            validate(&api, &byte, &json!(ok)).unwrap_or_else(|e| panic!("{ok}: {e:?}"));
        }
        for bad in [
            "YQ",
            "Y===",
            "YR==",
            "YWJ=",
            "a b=",
            "data:image/png;base64,YWJj",
            "YW-j",
            "YWJj\n",
        ] {
            errors_of(&api, &byte, &json!(bad));
        }
        let date = f(StringFormat::Date);
        validate(&api, &date, &json!("2024-02-29")).unwrap();
        errors_of(&api, &date, &json!("2024-02-30"));
        let dt = f(StringFormat::DateTime);
        validate(&api, &dt, &json!("2019-01-01T14:13:55Z")).unwrap();
        validate(&api, &dt, &json!("2019-01-01T14:13:55.5+02:00")).unwrap();
        errors_of(&api, &dt, &json!("2019-01-01 14:13"));
        let uuid = f(StringFormat::Uuid);
        validate(&api, &uuid, &json!("a1b2c3d4-0003-4000-8000-000000000003")).unwrap();
        errors_of(&api, &uuid, &json!("a1b2c3d4"));
        // Formats without a check are annotations.
        let email = f(StringFormat::Other("email".into()));
        validate(&api, &email, &json!("not an email")).unwrap();
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let api = identity();
        let s = Schema::new(Shape::String(StringFormat::Uuid));
        let errors = errors_of(&api, &s, &json!("x".repeat(100_000)));
        assert!(errors[0].len() < 400, "{}", errors[0].len());
        let list = Schema::new(Shape::List(Box::new(Schema::new(Shape::Boolean))));
        let errors = errors_of(&api, &list, &json!(vec![1; 500]));
        assert_eq!(errors.len(), ERRORS_MAX + 1);
        assert_eq!(errors[ERRORS_MAX], "… and 480 more");
    }

    #[test]
    fn every_response_schema_of_every_fixture_compiles() {
        let dir = root().join("tests/fixtures");
        let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        specs.push(root().join("spec/identity-document.yaml"));
        for path in specs {
            let api = spec::load(&path).unwrap();
            for id in 0..api.types.len() {
                let s = type_schema(&api, TypeId(id));
                compile(&s)
                    .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), api.types[id].name));
            }
            for op in &api.operations {
                for r in &op.responses {
                    for c in &r.content {
                        if let Some(s) = &c.schema {
                            compile(&json_schema(&api, s)).unwrap();
                        }
                    }
                }
            }
        }
    }
}
