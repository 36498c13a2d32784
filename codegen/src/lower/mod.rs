//! Lowering a parsed OpenAPI document into the IR, once, for every emitter.
//!
//! Lowering resolves references, names every type, decides every shape, and
//! reports anything it cannot represent as an error at its spec location.

mod cli;
mod operation;
mod recursion;
mod response;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::error::{Error, Location, Result};
use crate::ir::{Api, Group, TypeDef};
use crate::naming;

/// Lowers `doc` into the IR.
pub fn lower(doc: &OpenAPI) -> Result<Api> {
    let mut lowerer = Lowerer::new(doc);
    lowerer.lower_components()?;
    let groups = lowerer.lower_operations()?;
    let mut types: Vec<TypeDef> = lowerer.types.into_values().collect();
    recursion::box_cycles(&mut types);
    Ok(Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        types,
        groups,
        servers: servers(doc),
    })
}

fn servers(doc: &OpenAPI) -> Vec<crate::ir::Server> {
    doc.servers
        .iter()
        .map(|server| crate::ir::Server {
            url: server.url.clone(),
            description: server.description.clone(),
            variables: server
                .variables
                .iter()
                .flatten()
                .map(|(name, var)| crate::ir::ServerVariable {
                    name: name.clone(),
                    default: var.default.clone(),
                    values: var.enumeration.clone(),
                })
                .collect(),
        })
        .collect()
}

/// State shared by the lowering passes.
pub struct Lowerer<'a> {
    doc: &'a OpenAPI,
    /// Named types by Rust name (sorted, so output order is stable).
    types: BTreeMap<String, TypeDef>,
    /// Every Rust type name handed out.
    taken: BTreeSet<String>,
    /// Component schema name → Rust type name.
    components: BTreeMap<String, String>,
}

impl<'a> Lowerer<'a> {
    fn new(doc: &'a OpenAPI) -> Self {
        Lowerer {
            doc,
            types: BTreeMap::new(),
            taken: BTreeSet::new(),
            components: BTreeMap::new(),
        }
    }

    /// Names every component schema first, so references can be lowered
    /// before (or while) their targets are, then defines each.
    fn lower_components(&mut self) -> Result<()> {
        let Some(components) = &self.doc.components else {
            return Ok(());
        };
        for name in components.schemas.keys() {
            let rust_name = self.reserve_type_name(name);
            self.components.insert(name.clone(), rust_name);
        }
        let at = Location::root().join("components").join("schemas");
        for (name, schema) in &components.schemas {
            let schema_at = at.join(name);
            let rust_name = self.components.get(name).cloned().unwrap_or_default();
            let (doc, kind) = match schema {
                ReferenceOr::Item(schema) => (
                    schema::doc_of(schema),
                    self.definition(schema, &rust_name, &schema_at)?,
                ),
                ReferenceOr::Reference { .. } => (
                    None,
                    crate::ir::TypeDefKind::Alias(
                        self.lower_schema(schema, &rust_name, &schema_at)?.ty,
                    ),
                ),
            };
            self.add_type(TypeDef {
                name: rust_name,
                doc,
                kind,
            });
        }
        Ok(())
    }

    fn lower_operations(&mut self) -> Result<Vec<Group>> {
        let mut groups = Vec::new();
        for (i, tag) in self.doc.tags.iter().enumerate() {
            let mut group = new_group(&tag.name, tag.description.clone());
            if let Some(name) =
                tag_command_name(tag, &Location::root().join("tags").join(&i.to_string()))?
            {
                group.command = name;
            }
            groups.push(group);
        }
        let paths_at = Location::root().join("paths");
        let mut seen_ids = BTreeMap::new();
        for (path, item) in self.doc.paths.iter() {
            let path_at = paths_at.join(path);
            let ReferenceOr::Item(item) = item else {
                return Err(Error::spec(
                    &path_at,
                    "path items given by `$ref` are not supported",
                ));
            };
            for (method, op) in item.iter() {
                let op_at = path_at.join(method);
                let lowered = self.lower_operation(path, method, item, op, &path_at)?;
                if let Some(previous) =
                    seen_ids.insert(lowered.method_name.clone(), op_at.pointer.clone())
                {
                    return Err(Error::spec(
                        &op_at.in_operation(&lowered.id),
                        format!("operationId `{}` is used twice (also at {previous}); operationIds must be unique", lowered.id),
                    ));
                }
                let tag = op.tags.first().map_or("default", String::as_str);
                let index = match groups.iter().position(|g| g.tag == tag) {
                    Some(index) => index,
                    None => {
                        groups.push(new_group(tag, None));
                        groups.len() - 1
                    }
                };
                if let Some(group) = groups.get_mut(index) {
                    group.operations.push(lowered);
                }
            }
        }
        groups.retain(|g| !g.operations.is_empty());
        for group in &mut groups {
            cli::finish_group(group)?;
        }
        Ok(groups)
    }

    /// The Rust name and schema of a component schema, following aliases.
    fn component_schema(&self, name: &str, at: &Location) -> Result<(String, &'a Schema)> {
        let missing = || {
            Error::spec(
                at,
                format!("`$ref` to nothing: there is no schema `{name}` in #/components/schemas"),
            )
        };
        let rust_name = self.components.get(name).cloned().ok_or_else(missing)?;
        let schemas = &self.doc.components.as_ref().ok_or_else(missing)?.schemas;
        let mut current = schemas.get(name).ok_or_else(missing)?;
        for _ in 0..32 {
            match current {
                ReferenceOr::Item(schema) => return Ok((rust_name, schema)),
                ReferenceOr::Reference { reference } => {
                    let next = crate::load::ref_name(reference, "schemas", at)?;
                    current = schemas.get(next).ok_or_else(|| {
                        Error::spec(at, format!("`$ref` to nothing: there is no schema `{next}` in #/components/schemas"))
                    })?;
                }
            }
        }
        Err(Error::spec(
            at,
            format!("schema `{name}` is an alias of itself"),
        ))
    }

    /// A new, unique Rust type name based on `hint`.
    fn reserve_type_name(&mut self, hint: &str) -> String {
        naming::unique(naming::type_ident(hint, "Value"), &mut self.taken)
    }

    /// The definition a named type resolves to through aliases.
    fn resolve_def(&self, ty: &crate::ir::TypeRef) -> Option<&TypeDef> {
        let mut current = ty;
        for _ in 0..32 {
            let crate::ir::TypeRef::Named(name) = current else {
                return None;
            };
            let def = self.types.get(name)?;
            match &def.kind {
                crate::ir::TypeDefKind::Alias(next) => current = next,
                _ => return Some(def),
            }
        }
        None
    }

    /// Whether values of `ty` are written as plain text (scalars, enums).
    fn is_text(&self, ty: &crate::ir::TypeRef) -> bool {
        use crate::ir::{TypeDefKind, TypeRef};
        match ty {
            TypeRef::Named(_) => {
                matches!(
                    self.resolve_def(ty).map(|d| &d.kind),
                    Some(TypeDefKind::Enum { .. } | TypeDefKind::IntEnum { .. })
                ) || self.alias_of_scalar(ty)
            }
            TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U32
            | TypeRef::U64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::String => true,
            _ => false,
        }
    }

    fn alias_of_scalar(&self, ty: &crate::ir::TypeRef) -> bool {
        let crate::ir::TypeRef::Named(name) = ty else {
            return false;
        };
        matches!(
            self.types.get(name).map(|d| &d.kind),
            Some(crate::ir::TypeDefKind::Alias(target)) if self.is_text(target)
        )
    }

    /// Whether `ty` is an object with named properties (a struct).
    fn is_object(&self, ty: &crate::ir::TypeRef) -> bool {
        matches!(
            self.resolve_def(ty).map(|d| &d.kind),
            Some(crate::ir::TypeDefKind::Struct { .. })
        )
    }

    /// How a parameter of type `ty` is shaped for `style`/`explode`.
    fn param_shape(&self, ty: &crate::ir::TypeRef) -> operation::Shape {
        use crate::ir::{TypeDefKind, TypeRef};
        use operation::Shape;
        if self.is_text(ty) {
            return Shape::Scalar;
        }
        match ty {
            TypeRef::List(item) if self.is_text(item) => Shape::List,
            TypeRef::Map(value) if self.is_text(value) => Shape::Object,
            TypeRef::Named(_) => match self.resolve_def(ty).map(|d| &d.kind) {
                Some(TypeDefKind::Struct { fields })
                    if fields.iter().all(|f| !f.flatten && self.is_text(&f.ty)) =>
                {
                    Shape::Object
                }
                _ => Shape::Complex,
            },
            _ => Shape::Complex,
        }
    }

    fn add_type(&mut self, def: TypeDef) {
        self.types.insert(def.name.clone(), def);
    }
}

/// `x-berth-cli: {name: ...}` on a tag: the name of its command group
/// (when the derived one is taken, e.g. by a docker-style command).
fn tag_command_name(tag: &openapiv3::Tag, at: &Location) -> Result<Option<String>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TagCli {
        name: String,
    }
    let Some(value) = tag.extensions.get("x-berth-cli") else {
        return Ok(None);
    };
    let ext: TagCli = serde_json::from_value(value.clone()).map_err(|e| {
        Error::spec(
            &at.join("x-berth-cli"),
            format!("invalid x-berth-cli on a tag: {e}"),
        )
    })?;
    if ext.name.is_empty() || ext.name.starts_with('-') || ext.name.contains(char::is_whitespace) {
        return Err(Error::spec(
            &at.join("x-berth-cli"),
            format!("`{}` is not a usable command name", ext.name),
        ));
    }
    Ok(Some(ext.name))
}

fn new_group(tag: &str, doc: Option<String>) -> Group {
    Group {
        tag: tag.to_owned(),
        trait_name: format!("{}Api", naming::type_ident(tag, "Default")),
        command: naming::kebab(tag),
        variant: naming::type_ident(tag, "Default"),
        doc,
        operations: Vec::new(),
    }
}
