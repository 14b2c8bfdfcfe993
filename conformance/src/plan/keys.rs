//! Conflict keys: requests that succeed store state, and a second success
//! with the same key (`x-specgate-conflicts`) would be refused. Every success
//! case therefore gets a key of its own; every error case shares one
//! reserved key that no success case uses, so a target that wrongly accepts
//! a bad request cannot make later cases fail.

use serde_json::Value;
use spec::ir::*;

/// Body property values that a request must carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Key {
    pub values: Vec<(String, Value)>,
}

#[derive(Debug, Clone)]
pub struct KeyPool {
    fields: Vec<String>,
    combos: Vec<Vec<Value>>,
    used: Vec<bool>,
}

impl KeyPool {
    pub fn new(api: &Api, op: &Operation, body: Option<&Schema>) -> Self {
        let mut fields: Vec<String> = Vec::new();
        for c in &op.conflicts {
            for k in &c.key {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
        }
        let field_values: Vec<Vec<Value>> = fields
            .iter()
            .map(|f| enum_values_of(api, body, f))
            .collect();
        // A key field whose values cannot be enumerated leaves keys unmanaged.
        if field_values.iter().any(Vec::is_empty) {
            fields.clear();
        }
        let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
        if !fields.is_empty() {
            for values in &field_values {
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        values.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push(v.clone());
                            c
                        })
                    })
                    .collect();
            }
        }
        let used = vec![false; combos.len()];
        KeyPool {
            fields,
            combos,
            used,
        }
    }

    /// The key shared by every error case: the last combination.
    pub fn reserved(&self) -> Key {
        match self.combos.last() {
            Some(c) if !self.fields.is_empty() => Key {
                values: self.fields.iter().cloned().zip(c.iter().cloned()).collect(),
            },
            _ => Key::default(),
        }
    }

    /// An unused key agreeing with `fixed` (property values the case needs),
    /// or `None` when every combination is taken.
    pub fn fresh(&mut self, fixed: &[(String, Value)]) -> Option<Key> {
        self.fresh_where(fixed, |_| true)
    }

    /// Like [`KeyPool::fresh`], taking the first key that `accept` takes.
    pub fn fresh_where(
        &mut self,
        fixed: &[(String, Value)],
        accept: impl Fn(&Key) -> bool,
    ) -> Option<Key> {
        let extra: Vec<(String, Value)> = fixed
            .iter()
            .filter(|(k, _)| !self.fields.contains(k))
            .cloned()
            .collect();
        if self.fields.is_empty() {
            let key = Key {
                values: fixed.to_vec(),
            };
            return accept(&key).then_some(key);
        }
        let last = self.combos.len().saturating_sub(1);
        // Cases that need particular values search from the front; cases
        // that need none take keys from the back, leaving the front free.
        let order: Vec<usize> = if fixed.iter().any(|(k, _)| self.fields.contains(k)) {
            (0..last).collect()
        } else {
            (0..last).rev().collect()
        };
        for i in order {
            let combo = &self.combos[i];
            if self.used[i] {
                continue;
            }
            let agrees = fixed.iter().all(|(k, v)| {
                self.fields
                    .iter()
                    .position(|f| f == k)
                    .is_none_or(|p| &combo[p] == v)
            });
            if agrees {
                let mut values: Vec<(String, Value)> = self
                    .fields
                    .iter()
                    .cloned()
                    .zip(combo.iter().cloned())
                    .collect();
                values.extend(extra.iter().cloned());
                let key = Key { values };
                if accept(&key) {
                    self.used[i] = true;
                    return Some(key);
                }
            }
        }
        None
    }
}

/// The enum values of top-level body property `field`.
pub fn enum_values_of(api: &Api, body: Option<&Schema>, field: &str) -> Vec<Value> {
    let Some(Shape::Named(id)) = body.map(|b| &b.shape) else {
        return Vec::new();
    };
    let TypeKind::Struct(s) = &api.type_def(*id).kind else {
        return Vec::new();
    };
    let Some(f) = s.fields.iter().find(|f| f.json_name == field) else {
        return Vec::new();
    };
    schema_enum(api, &f.schema)
}

/// The enum values a schema allows, if it is an enumeration.
pub fn schema_enum(api: &Api, schema: &Schema) -> Vec<Value> {
    if let Some(Keyword::Enum(values)) = schema
        .rules
        .checks
        .iter()
        .find(|k| matches!(k, Keyword::Enum(_)))
    {
        return values.clone();
    }
    match &schema.shape {
        Shape::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Enum(e) => e.variants.iter().map(|v| v.value.clone()).collect(),
            TypeKind::Alias(inner) => schema_enum(api, inner),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
