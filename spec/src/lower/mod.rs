//! Lowering: the raw OpenAPI documents to the [`Api`] IR.
//!
//! Every diagnostic found is collected; lowering goes on past a bad part so
//! that one run reports all of them.

mod naming;
mod operation;
mod remap;
mod schema;
mod vocabulary;

use std::collections::{BTreeSet, HashMap, HashSet};

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, LoadError};
use crate::ir::*;
use crate::loader::{Loc, Sources};

pub use naming::{is_keyword, snake_name, type_name};
pub(crate) use vocabulary::operation_codes;

pub(crate) struct Lowerer<'s> {
    src: &'s mut Sources,
    types: Vec<TypeDef>,
    by_loc: HashMap<Loc, TypeId>,
    /// Every `x-specgate-*` key that was read, so the rest can be reported.
    consumed: HashSet<Loc>,
    /// Codes of the catalog; `None` when the spec has no catalog.
    catalog: Option<BTreeSet<String>>,
    /// Where each operation of the result is written, in the same order.
    op_locs: Vec<Loc>,
    diags: Vec<Diagnostic>,
}

/// Lower the loaded documents into the IR.
pub fn lower(src: &mut Sources) -> Result<Api, LoadError> {
    let mut l = Lowerer {
        src,
        types: Vec::new(),
        by_loc: HashMap::new(),
        consumed: HashSet::new(),
        catalog: None,
        op_locs: Vec::new(),
        diags: Vec::new(),
    };
    let api = l.api();
    let unread = l.unread_extensions();
    l.diags.extend(unread);
    // A schema that fails is tried again at each use: report it once.
    let mut seen = HashSet::new();
    l.diags.retain(|d| seen.insert(d.clone()));
    match api {
        Some(api) if l.diags.is_empty() => Ok(api),
        _ => {
            if l.diags.is_empty() {
                l.diags
                    .push(l.src.diag(&root(), "the spec could not be read"));
            }
            Err(LoadError {
                diagnostics: l.diags,
            })
        }
    }
}

fn root() -> Loc {
    Loc {
        doc: 0,
        pointer: String::new(),
    }
}

impl Lowerer<'_> {
    fn api(&mut self) -> Option<Api> {
        // Only the root's extensions are copied: the document can be tens of
        // megabytes, and the rest is read in place.
        let Value::Object(root_map) = &self.src.root().value else {
            return None;
        };
        let root_ext: IndexMap<String, Value> = root_map
            .iter()
            .filter(|(k, _)| k.starts_with("x-"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let info: openapiv3::Info = self.attempt(|l| l.src.typed(&root().child("info")))?;

        let errors = self.catalog(&root_ext);
        let security_schemes = self.security_schemes();
        let auth_stages = self.auth_stages(&root_ext, &security_schemes);

        // Every component schema is a named type, used or not.
        if let Some(Value::Object(schemas)) = self.src.root().value.pointer("/components/schemas") {
            let mut keys: Vec<String> = schemas.keys().cloned().collect();
            keys.sort();
            for key in &keys {
                let loc = root().child("components").child("schemas").child(key);
                if let Err(d) = self.define(loc) {
                    self.diags.push(d);
                }
            }
        }

        let operations = self.operations(&security_schemes);

        let mut api = Api {
            title: info.title,
            version: info.version,
            description: info.description,
            types: std::mem::take(&mut self.types),
            operations,
            security_schemes,
            auth_stages,
            errors,
        };
        self.check_statuses(&api);
        remap::name_and_sort(&mut api);
        Some(api)
    }

    /// Run `f`, recording its diagnostic on failure.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, Diagnostic>) -> Option<T> {
        match f(self) {
            Ok(t) => Some(t),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// Read one `x-specgate-*` key of `extensions` (the object at `at`).
    fn read_ext<T: DeserializeOwned>(
        &mut self,
        extensions: &IndexMap<String, Value>,
        at: &Loc,
        key: &str,
    ) -> Option<T> {
        extensions.get(key)?;
        let loc = at.child(key);
        self.consumed.insert(loc.clone());
        match self.src.typed(&loc) {
            Ok(t) => Some(t),
            Err(mut d) => {
                d.message = format!("malformed {key}: {}", d.message);
                self.diags.push(d);
                None
            }
        }
    }

    /// A code named at `at` must be in the catalog.
    fn check_code(&mut self, code: &str, at: &Loc) {
        match &self.catalog {
            Some(codes) if codes.contains(code) => {}
            Some(_) => self.diags.push(self.src.diag(
                at,
                format!("error code `{code}` is not in the x-specgate-errors catalog"),
            )),
            None => self.diags.push(self.src.diag(
                at,
                format!("error code `{code}` is used, but the spec has no x-specgate-errors catalog at its root"),
            )),
        }
    }
}
