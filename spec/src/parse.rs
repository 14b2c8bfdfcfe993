//! Spec text (YAML or JSON) to a JSON value, refusing a mapping that names
//! a key twice: YAML forbids it, and in JSON which copy wins is up to the
//! reader, so keeping the last one silently would lose what the first said.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use crate::diagnostic::child;
use crate::locate::locate_nth;

/// Why a text is not a spec document: where, if known, and what.
#[derive(Debug)]
pub(crate) struct ParseFailure {
    pub position: Option<(usize, usize)>,
    /// JSON pointer of the duplicate key; empty for syntax errors.
    pub pointer: String,
    pub message: String,
}

/// Parse YAML or JSON. Text that starts like JSON is read by the JSON parser:
/// it is many times faster on large files, and it takes what YAML refuses in
/// JSON (C1 control characters in strings, integers beyond 64 bits, read as
/// floats). Text that is not JSON after all is read as YAML.
pub(crate) fn parse_text(text: &str) -> Result<Value, ParseFailure> {
    let unmarked = text.trim_start_matches('\u{feff}');
    if !unmarked.trim_start().starts_with(['{', '[']) {
        return parse_as(Syntax::Yaml, text);
    }
    parse_as(Syntax::Json, unmarked).or_else(|json_error| {
        if json_error.is_duplicate() {
            return Err(json_error);
        }
        // A YAML flow mapping may start with `{` too: give YAML its chance,
        // and report the JSON error if it fails as well (unless YAML found
        // a duplicate key, which JSON never reached).
        parse_as(Syntax::Yaml, text).map_err(|yaml_error| {
            if yaml_error.is_duplicate() {
                yaml_error
            } else {
                json_error
            }
        })
    })
}

impl ParseFailure {
    fn is_duplicate(&self) -> bool {
        // Only a duplicate key is located by pointer (never empty: it names the key).
        !self.pointer.is_empty()
    }
}

/// Parse `text` as `syntax`; a duplicate key is located by a second reading.
fn parse_as(syntax: Syntax, text: &str) -> Result<Value, ParseFailure> {
    match read(syntax, text, false) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(_)) => Err(duplicate(syntax, text)),
        (Err(e), None) => Err(e),
    }
}

#[derive(Clone, Copy)]
enum Syntax {
    Json,
    Yaml,
}

/// The failure for a text known to name a key twice: read again, this time
/// noting the path of every value, to say where.
fn duplicate(syntax: Syntax, text: &str) -> ParseFailure {
    let (result, found) = read(syntax, text, true);
    let found = found.unwrap_or_default();
    // The parsers stop after the key (JSON) or at its mapping (YAML); the
    // second copy of the key itself is what a reader looks for.
    let position = locate_nth(text, &found.pointer, 1).or(result.err().and_then(|e| e.position));
    ParseFailure {
        position,
        message: format!(
            "duplicate key `{}`: a mapping may name a key once (readers disagree on which copy wins)",
            found.key
        ),
        pointer: found.pointer,
    }
}

/// A key met twice: the key and, when the reading located values, the JSON
/// pointer of its second copy.
#[derive(Debug, Default)]
struct Duplicate {
    key: String,
    pointer: String,
}

/// Read `text`, and say whether it failed on a duplicate key.
fn read(
    syntax: Syntax,
    text: &str,
    locate: bool,
) -> (Result<Value, ParseFailure>, Option<Duplicate>) {
    let mut trail = Trail {
        path: locate.then(Vec::new),
        duplicate: None,
    };
    let seed = Reader { trail: &mut trail };
    let result = match syntax {
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut de)
                .and_then(|v| de.end().map(|()| v))
                .map_err(|e| ParseFailure {
                    position: Some((e.line(), e.column())),
                    pointer: String::new(),
                    message: format!("not valid JSON: {e}"),
                })
        }
        Syntax::Yaml => seed
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| ParseFailure {
                position: e.location().map(|l| (l.line(), l.column())),
                pointer: String::new(),
                message: format!("not valid YAML or JSON: {e}"),
            }),
    };
    (result, trail.duplicate)
}

/// What the reading carries down: the path so far (only when locating, so
/// that an ordinary reading allocates nothing more than the value) and the
/// duplicate key, once met.
struct Trail {
    path: Option<Vec<String>>,
    duplicate: Option<Duplicate>,
}

impl Trail {
    fn enter(&mut self, token: impl FnOnce() -> String) {
        if let Some(path) = &mut self.path {
            path.push(token());
        }
    }

    fn leave(&mut self) {
        if let Some(path) = &mut self.path {
            path.pop();
        }
    }
}

/// Reads one value of any kind, as `serde_json::Value` does, through the trail.
struct Reader<'t> {
    trail: &'t mut Trail,
}

impl<'de> DeserializeSeed<'de> for Reader<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Reader<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // As serde_json: a number JSON cannot hold (NaN, infinity) is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let index = items.len();
            self.trail.enter(|| index.to_string());
            let item = seq.next_element_seed(Reader {
                trail: &mut *self.trail,
            });
            self.trail.leave();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let slot = match entries.entry(key) {
                Entry::Vacant(slot) => slot,
                Entry::Occupied(first) => {
                    let key = first.key().clone();
                    let pointer = match &self.trail.path {
                        Some(path) => path.iter().fold(String::new(), |p, t| child(&p, t)),
                        None => String::new(),
                    };
                    let error = de::Error::custom(format_args!("duplicate key `{key}`"));
                    self.trail.duplicate = Some(Duplicate {
                        pointer: child(&pointer, &key),
                        key,
                    });
                    return Err(error);
                }
            };
            self.trail.enter(|| slot.key().clone());
            let value = map.next_value_seed(Reader {
                trail: &mut *self.trail,
            });
            self.trail.leave();
            slot.insert(value?);
        }
        Ok(Value::Object(entries))
    }
}
