//! How a plan accounts for every code of the catalog.

use std::collections::{BTreeMap, BTreeSet};

use spec::ir::*;

use crate::case::{Case, CodeCoverage, Coverage, Profile};

/// For each code an operation can answer: the cases that expect it, or the
/// spec's reason it cannot be reached, or the credential it needs.
pub fn coverage(api: &Api, cases: &[Case], profile: Option<&Profile>) -> Vec<CodeCoverage> {
    let Some(catalog) = &api.errors else {
        return Vec::new();
    };
    let mut codes: BTreeSet<String> = BTreeSet::new();
    let mut unreachable: BTreeMap<String, String> = BTreeMap::new();
    for op in &api.operations {
        codes.extend(api.operation_codes(op));
        for (c, why) in &op.unreachable {
            unreachable.entry(c.clone()).or_insert_with(|| why.clone());
        }
    }
    let runnable = |case: &Case| match profile {
        None => true,
        Some(p) => case.requirements().iter().all(|c| p.get(c).is_some()),
    };
    codes
        .into_iter()
        .filter_map(|code| {
            let entry = catalog.get(&code)?;
            let expecting: Vec<&Case> = cases
                .iter()
                .filter(|c| c.expected_codes().contains(&code))
                .collect();
            let reached: Vec<String> = expecting
                .iter()
                .filter(|c| runnable(c))
                .map(|c| c.id.clone())
                .collect();
            let verdict = if let Some(why) = unreachable.get(&code) {
                Coverage::Unreachable {
                    reason: why.clone(),
                }
            } else if !reached.is_empty() {
                Coverage::Reached { cases: reached }
            } else if let Some(case) = expecting.first() {
                let missing = case
                    .requirements()
                    .into_iter()
                    .find(|c| profile.is_some_and(|p| p.get(c).is_none()))
                    .map(|c| format!("{} credential for {}", c.set.name(), c.scheme))
                    .unwrap_or_default();
                Coverage::NeedsFixture {
                    credential: missing,
                }
            } else {
                Coverage::NotCovered
            };
            Some(CodeCoverage {
                code,
                status: entry.status,
                message: entry.message.clone(),
                verdict,
            })
        })
        .collect()
}
