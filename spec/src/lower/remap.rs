//! Final names and order of the named types: independent of the order of
//! the spec's maps, so that the same API always gives the same output.

use crate::ir::*;

use super::naming;

pub(super) fn name_and_sort(api: &mut Api) {
    // Colliding names are told apart in the order of their origins.
    let mut order: Vec<usize> = (0..api.types.len()).collect();
    order.sort_by(|&a, &b| {
        (&api.types[a].name, &api.types[a].origin).cmp(&(&api.types[b].name, &api.types[b].origin))
    });
    let mut names: Vec<String> = order.iter().map(|&i| api.types[i].name.clone()).collect();
    naming::dedupe(&mut names, naming::PRELUDE);
    for (&i, name) in order.iter().zip(names) {
        api.types[i].name = name;
    }
    order.sort_by(|&a, &b| api.types[a].name.cmp(&api.types[b].name));
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut old_types: Vec<Option<TypeDef>> = std::mem::take(&mut api.types)
        .into_iter()
        .map(Some)
        .collect();
    api.types = order
        .iter()
        .filter_map(|&old| old_types[old].take())
        .collect();
    let map = |id: &mut TypeId| id.0 = new_index[id.0];
    for t in &mut api.types {
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    schema(&mut f.schema, &map);
                }
                if let Additional::Typed(v) = &mut s.additional {
                    schema(v, &map);
                }
            }
            TypeKind::Enum(_) => {}
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    schema(&mut v.schema, &map);
                }
            }
            TypeKind::Alias(a) => schema(a, &map),
        }
    }
    for op in &mut api.operations {
        for p in &mut op.parameters {
            schema(&mut p.schema, &map);
        }
        for c in op.body.iter_mut().flat_map(|b| b.content.iter_mut()) {
            if let Some(s) = &mut c.schema {
                schema(s, &map);
            }
        }
        for r in &mut op.responses {
            for c in &mut r.content {
                if let Some(s) = &mut c.schema {
                    schema(s, &map);
                }
            }
            for (_, h) in &mut r.headers {
                schema(h, &map);
            }
        }
    }
    if let Some(e) = &mut api.errors {
        map(&mut e.schema);
    }
}

fn schema(s: &mut Schema, map: &impl Fn(&mut TypeId)) {
    match &mut s.shape {
        Shape::Named(id) => map(id),
        Shape::List(item) | Shape::Map(item) => schema(item, map),
        _ => {}
    }
}
