//! Reads spec files (YAML or JSON, parsed by the `parse` module), checks the
//! OpenAPI version, and resolves `$ref`s across files. The only module that
//! touches raw OpenAPI.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, child, unescape_token};
use crate::locate::locate;
use crate::parse::parse_text;

/// A place in one of the loaded documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub doc: usize,
    pub pointer: String,
}

impl Loc {
    pub fn child(&self, token: &str) -> Loc {
        Loc {
            doc: self.doc,
            pointer: child(&self.pointer, token),
        }
    }

    pub fn index(&self, i: usize) -> Loc {
        self.child(&i.to_string())
    }
}

/// One file of the spec.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub value: Value,
}

/// The root file and every file its `$ref`s reach, loaded on demand.
#[derive(Debug, Default)]
pub struct Sources {
    docs: Vec<Source>,
    by_path: HashMap<PathBuf, usize>,
}

/// Largest spec file we read: beyond this a typo'd path to a binary is likelier than a spec.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

impl Sources {
    /// Load the root document from a file.
    pub fn open(path: &Path) -> Result<Self, Diagnostic> {
        let mut sources = Sources::default();
        sources.load_file(path, None)?;
        Ok(sources)
    }

    /// Load the root document from text; `$ref`s to other files resolve
    /// relative to `path`'s folder.
    pub fn from_text(path: &Path, text: String) -> Result<Self, Diagnostic> {
        let mut sources = Sources::default();
        sources.insert(path.to_path_buf(), text)?;
        Ok(sources)
    }

    pub fn root(&self) -> &Source {
        &self.docs[0]
    }

    pub fn doc(&self, doc: usize) -> &Source {
        &self.docs[doc]
    }

    pub fn docs(&self) -> &[Source] {
        &self.docs
    }

    /// A diagnostic at `loc`, with the line and column looked up.
    pub fn diag(&self, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        let source = &self.docs[loc.doc];
        Diagnostic {
            file: source.path.clone(),
            position: locate(&source.text, &loc.pointer),
            pointer: loc.pointer.clone(),
            message: message.into(),
        }
    }

    /// `file#/pointer` for origins: the file relative to the root
    /// document's folder, so that origins do not depend on where the spec lies.
    pub fn describe(&self, loc: &Loc) -> String {
        let path = &self.docs[loc.doc].path;
        let base = self.docs[0].path.parent().unwrap_or(Path::new(""));
        let shown = path
            .strip_prefix(base)
            .ok()
            .or_else(|| path.file_name().map(Path::new))
            .unwrap_or(path);
        format!("{}#{}", shown.display(), loc.pointer)
    }

    pub fn value(&self, loc: &Loc) -> Option<&Value> {
        self.docs[loc.doc].value.pointer(&loc.pointer)
    }

    /// Deserialize the value at `loc`, locating any error precisely.
    pub fn typed<T: DeserializeOwned>(&self, loc: &Loc) -> Result<T, Diagnostic> {
        let value = self
            .value(loc)
            .ok_or_else(|| self.diag(loc, "nothing at this location"))?;
        self.typed_copy(loc, value)
    }

    /// Deserialize `value`, the value at `loc` or a changed copy of it,
    /// locating any error below `loc`.
    pub fn typed_copy<T: DeserializeOwned>(
        &self,
        loc: &Loc,
        value: &Value,
    ) -> Result<T, Diagnostic> {
        from_value(value).map_err(|(path, message)| {
            let mut at = loc.clone();
            for token in path {
                at = at.child(&token);
            }
            self.diag(&at, message)
        })
    }

    /// Resolve `reference` (a `$ref` found at `at`) to the place it names,
    /// following chains of `$ref`s; refuses cycles that never reach a value.
    pub fn resolve(&mut self, at: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let mut seen = HashSet::new();
        let mut from = at.clone();
        let mut reference = reference.to_string();
        loop {
            let target = self.resolve_one(&from, &reference)?;
            if !seen.insert(target.clone()) {
                return Err(self.diag(
                    at,
                    format!(
                        "$ref cycle: `{reference}` leads back to itself without reaching a schema"
                    ),
                ));
            }
            match self.value(&target) {
                Some(Value::Object(map)) if map.contains_key("$ref") => {
                    let Some(Value::String(next)) = map.get("$ref") else {
                        return Err(self.diag(&target.child("$ref"), "$ref must be a string"));
                    };
                    reference = next.clone();
                    from = target.child("$ref");
                }
                _ => return Ok(target),
            }
        }
    }

    fn resolve_one(&mut self, at: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let (file, fragment) = match reference.split_once('#') {
            Some((file, fragment)) => (file, fragment),
            None => (reference, ""),
        };
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(self.diag(
                at,
                format!("unsupported $ref `{reference}`: the fragment must be a JSON pointer such as #/components/schemas/Name"),
            ));
        }
        let doc = if file.is_empty() {
            at.doc
        } else if file.contains("://") {
            return Err(self.diag(
                at,
                format!("unsupported $ref `{reference}`: only local and relative-file references are read, never URLs"),
            ));
        } else {
            let base = self.docs[at.doc]
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let path = base.join(percent_decode(file));
            self.load_file(&path, Some(at))?
        };
        let mut target = Loc {
            doc,
            pointer: fragment.to_string(),
        };
        // A fragment is a URI fragment: `{` and `}` of a path key arrive
        // percent-encoded (RFC 6901, section 6). The text as written wins
        // when it names something, for keys that hold a literal `%`.
        if self.value(&target).is_none() && fragment.contains('%') {
            let decoded = Loc {
                doc,
                pointer: percent_decode(fragment),
            };
            if self.value(&decoded).is_some() {
                target = decoded;
            }
        }
        if self.value(&target).is_none() {
            return Err(self.diag(
                at,
                format!(
                    "unresolvable $ref `{reference}`: {} has nothing at `{}`",
                    self.docs[doc].path.display(),
                    if fragment.is_empty() { "#" } else { fragment }
                ),
            ));
        }
        Ok(target)
    }

    fn load_file(&mut self, path: &Path, from: Option<&Loc>) -> Result<usize, Diagnostic> {
        let key = normalize(path);
        if let Some(&doc) = self.by_path.get(&key) {
            return Ok(doc);
        }
        let fail = |this: &Self, message: String| match from {
            Some(at) => this.diag(at, message),
            None => Diagnostic {
                file: path.to_path_buf(),
                position: None,
                pointer: String::new(),
                message,
            },
        };
        let meta = std::fs::metadata(path)
            .map_err(|e| fail(self, format!("cannot read {}: {e}", path.display())))?;
        // A device or a pipe has no length to check and may never end.
        if !meta.is_file() {
            return Err(fail(
                self,
                format!("cannot read {}: not a regular file", path.display()),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(fail(
                self,
                format!(
                    "{} is {} bytes, over the {MAX_FILE_BYTES}-byte limit for a spec file",
                    path.display(),
                    meta.len()
                ),
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(self, format!("cannot read {}: {e}", path.display())))?;
        // Keep the path as the user or the $ref wrote it, for messages.
        self.insert(path.to_path_buf(), text)
    }

    fn insert(&mut self, path: PathBuf, text: String) -> Result<usize, Diagnostic> {
        let value: Value = parse_text(&text).map_err(|failure| Diagnostic {
            file: path.clone(),
            position: failure.position,
            pointer: failure.pointer,
            message: failure.message,
        })?;
        let doc = self.docs.len();
        self.by_path.insert(normalize(&path), doc);
        self.docs.push(Source { path, text, value });
        Ok(doc)
    }
}

fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, (Vec<String>, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        (path, e.into_inner().to_string())
    })
}

fn normalize(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Split a JSON pointer into unescaped tokens.
pub fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_token).collect()
}

/// The OpenAPI version check: 3.0.x only, with a clear word for the rest.
pub fn check_version(sources: &Sources) -> Result<(), Diagnostic> {
    let root = Loc {
        doc: 0,
        pointer: String::new(),
    };
    let value = &sources.root().value;
    let Value::Object(map) = value else {
        return Err(sources.diag(
            &root,
            "the document must be a mapping with an `openapi` field",
        ));
    };
    if map.contains_key("swagger") {
        return Err(sources.diag(
            &root.child("swagger"),
            "Swagger 2.0 is not supported: convert the document to OpenAPI 3.0 first",
        ));
    }
    let at = root.child("openapi");
    match map.get("openapi") {
        None => Err(sources.diag(&root, "missing `openapi` field: this is not an OpenAPI document")),
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(Value::String(v)) if v.starts_with("3.1") => Err(sources.diag(
            &at,
            format!("OpenAPI {v} is not supported yet: only 3.0.x is read (3.1 changes the schema dialect, and reading it as 3.0 would generate wrong code)"),
        )),
        Some(Value::String(v)) => Err(sources.diag(&at, format!("unsupported OpenAPI version `{v}`: only 3.0.x is read"))),
        Some(other) => Err(sources.diag(&at, format!("`openapi` must be a version string such as \"3.0.3\", not {other}"))),
    }
}
