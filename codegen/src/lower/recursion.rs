//! Recursive types: a struct that contains itself (directly or through other
//! structs, not through a `Vec` or map) would have infinite size, so the
//! field that closes the cycle is boxed.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{TypeDef, TypeDefKind, TypeRef};

/// Marks every field through which its struct can reach itself.
pub fn box_cycles(types: &mut [TypeDef]) {
    let edges: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|d| (d.name.clone(), direct_targets(d)))
        .collect();
    for def in types.iter_mut() {
        let name = def.name.clone();
        match &mut def.kind {
            TypeDefKind::Struct { fields } => {
                for field in fields {
                    if let TypeRef::Named(target) = &field.ty {
                        field.boxed = reaches(target, &name, &edges);
                    }
                }
            }
            TypeDefKind::Union { variants, .. } => {
                for variant in variants {
                    if let TypeRef::Named(target) = &variant.ty {
                        variant.boxed = reaches(target, &name, &edges);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Types a definition holds by value (not behind a `Vec` or map).
fn direct_targets(def: &TypeDef) -> Vec<String> {
    match &def.kind {
        TypeDefKind::Struct { fields } => fields
            .iter()
            .filter_map(|f| match &f.ty {
                TypeRef::Named(target) => Some(target.clone()),
                _ => None,
            })
            .collect(),
        TypeDefKind::Union { variants, .. } => variants
            .iter()
            .filter_map(|v| match &v.ty {
                TypeRef::Named(target) => Some(target.clone()),
                _ => None,
            })
            .collect(),
        TypeDefKind::Alias(TypeRef::Named(target)) => vec![target.clone()],
        _ => Vec::new(),
    }
}

fn reaches(from: &str, to: &str, edges: &BTreeMap<String, Vec<String>>) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(current) = stack.pop() {
        if current == to {
            return true;
        }
        if seen.insert(current.clone()) {
            stack.extend(edges.get(&current).into_iter().flatten().cloned());
        }
    }
    false
}
