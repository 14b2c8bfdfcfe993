//! How IR shapes map to Rust types, and which references need a `Box`.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use spec::ir::*;

use crate::names;

/// What every emitter needs to know about the API.
pub struct Ctx<'a> {
    pub api: &'a Api,
    idents: Vec<Ident>,
    /// snake_case stem of each type, unique, for function and constant names.
    snakes: Vec<String>,
    /// Strongly connected component of each type (direct containment only).
    scc: Vec<usize>,
    /// Named types a request can carry, in order.
    request_types: Vec<TypeId>,
}

impl<'a> Ctx<'a> {
    pub fn new(api: &'a Api) -> Self {
        let idents = api.types.iter().map(|t| names::ident(&t.name)).collect();
        let mut seen = std::collections::HashSet::new();
        let snakes = api
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let base = names::snake(&t.name).to_string();
                if seen.insert(base.clone()) {
                    base
                } else {
                    format!("{base}_{i}")
                }
            })
            .collect();
        let scc = components(api);
        let request_types = request_types(api).into_iter().collect();
        Ctx {
            api,
            idents,
            snakes,
            scc,
            request_types,
        }
    }

    pub fn snake(&self, id: TypeId) -> &str {
        &self.snakes[id.0]
    }

    pub fn ident(&self, id: TypeId) -> &Ident {
        &self.idents[id.0]
    }

    /// Does a value of `from` hold a `to` inline, in a cycle? Then the reference is boxed.
    pub fn needs_box(&self, from: TypeId, to: TypeId) -> bool {
        self.scc[from.0] == self.scc[to.0]
    }

    /// Whether a use of `schema` admits `null`.
    pub fn nullable(&self, schema: &Schema) -> bool {
        schema.nullable
            || match schema.shape {
                Shape::Named(id) => self.api.type_def(id).nullable,
                _ => false,
            }
    }

    /// The Rust type of a value of `schema` (without the `Option` for null or
    /// absence), as held inside the type `owner`.
    pub fn rust_type(&self, schema: &Schema, owner: Option<TypeId>) -> TokenStream {
        match &schema.shape {
            Shape::Named(id) => {
                let ident = self.ident(*id);
                let path = quote! { crate::models::#ident };
                match owner {
                    Some(o) if self.needs_box(o, *id) => quote! { ::std::boxed::Box<#path> },
                    _ => path,
                }
            }
            Shape::Boolean => quote! { bool },
            Shape::Integer(IntegerFormat::Int32) => quote! { i32 },
            Shape::Integer(_) => quote! { i64 },
            // `float` too is an f64: JSON numbers are doubles, and an f32
            // would not give back the value a client sent.
            Shape::Number(_) => quote! { f64 },
            Shape::String(StringFormat::Byte) => quote! { crate::runtime::Base64 },
            Shape::String(StringFormat::DateTime) => {
                quote! { ::chrono::DateTime<::chrono::Utc> }
            }
            Shape::String(StringFormat::Date) => quote! { ::chrono::NaiveDate },
            Shape::String(StringFormat::Uuid) => quote! { ::uuid::Uuid },
            Shape::String(_) => quote! { ::std::string::String },
            Shape::List(item) => {
                let inner = self.held(item, None);
                quote! { ::std::vec::Vec<#inner> }
            }
            Shape::Map(value) => {
                let inner = self.held(value, None);
                quote! { ::std::collections::BTreeMap<::std::string::String, #inner> }
            }
            Shape::Any(_) => quote! { ::serde_json::Value },
        }
    }

    /// The type of a nested value: `Option<T>` when it admits null.
    pub fn held(&self, schema: &Schema, owner: Option<TypeId>) -> TokenStream {
        let t = self.rust_type(schema, owner);
        if self.nullable(schema) && !matches!(schema.shape, Shape::Any(_)) {
            quote! { ::std::option::Option<#t> }
        } else {
            t
        }
    }

    /// Named types a request can carry (bodies and parameters), which need
    /// validators, in order.
    pub fn request_types(&self) -> &[TypeId] {
        &self.request_types
    }
}

fn request_types(api: &Api) -> BTreeSet<TypeId> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&Schema> = Vec::new();
    for op in &api.operations {
        stack.extend(op.parameters.iter().map(|p| &p.schema));
        if let Some(b) = &op.body {
            stack.extend(b.content.iter().filter_map(|c| c.schema.as_ref()));
        }
    }
    while let Some(s) = stack.pop() {
        match &s.shape {
            Shape::Named(id) if out.insert(*id) => children(api.type_def(*id), &mut stack),
            Shape::List(i) | Shape::Map(i) => stack.push(i),
            _ => {}
        }
    }
    out
}

fn children<'a>(t: &'a TypeDef, out: &mut Vec<&'a Schema>) {
    match &t.kind {
        TypeKind::Struct(s) => {
            out.extend(s.fields.iter().map(|f| &f.schema));
            if let Additional::Typed(v) = &s.additional {
                out.push(v);
            }
        }
        TypeKind::Enum(_) => {}
        TypeKind::Union(u) => out.extend(u.variants.iter().map(|v| &v.schema)),
        TypeKind::Alias(a) => out.push(a),
    }
}

/// Types a value holds inline (not behind a `Vec` or map, which already allocate).
fn direct(t: &TypeDef) -> Vec<TypeId> {
    let mut schemas = Vec::new();
    children(t, &mut schemas);
    schemas
        .into_iter()
        .filter_map(|s| match s.shape {
            Shape::Named(id) => Some(id),
            _ => None,
        })
        .collect()
}

/// Tarjan's strongly connected components, iteratively (large specs nest deeply).
fn components(api: &Api) -> Vec<usize> {
    let n = api.types.len();
    let edges: Vec<Vec<TypeId>> = api.types.iter().map(direct).collect();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_comp = 0;
    let mut self_loop: HashMap<usize, bool> = HashMap::new();
    for (v, e) in edges.iter().enumerate() {
        self_loop.insert(v, e.iter().any(|t| t.0 == v));
    }
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(w) = edges[v].get(*i).map(|t| t.0) {
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                // A single type is its own cycle only if it contains itself.
                let cyclic = members.len() > 1 || self_loop.get(&v).copied().unwrap_or(false);
                for w in members {
                    comp[w] = if cyclic {
                        next_comp
                    } else {
                        usize::MAX - 1 - w
                    };
                }
                next_comp += 1;
            }
        }
    }
    comp
}
