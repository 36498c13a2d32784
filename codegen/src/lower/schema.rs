//! Lowering JSON schemas into Rust types.
//!
//! A schema becomes either a plain type (`i64`, `Vec<String>`, a map) or a
//! named definition (a struct, an enum). Inline schemas that need a
//! definition get a name derived from where they stand (`ContainerStateHealth`
//! for the `Health` property of `ContainerState`), so names are stable.

use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::Lowerer;
use crate::error::{Error, Location, Result};
use crate::ir::{Field, IntVariant, TypeDef, TypeDefKind, TypeRef, UnionVariant, Variant};
use crate::load::ref_name;
use crate::naming;

/// A lowered schema: its type, and whether `null` is an allowed value.
pub struct Lowered {
    pub ty: TypeRef,
    pub nullable: bool,
}

impl Lowered {
    /// The type of a value that may be `null`: `Option<T>` when nullable.
    /// (Struct fields express nullability with their `optional` flag instead.)
    pub fn value_type(self) -> TypeRef {
        if self.nullable {
            TypeRef::Option(Box::new(self.ty))
        } else {
            self.ty
        }
    }
}

/// Properties gathered from an object schema and everything it `allOf`s.
#[derive(Default)]
struct ObjectParts<'a> {
    properties: Vec<(String, &'a ReferenceOr<Box<Schema>>, Location)>,
    required: Vec<String>,
    /// `additionalProperties` of the last part that declares it.
    additional: Option<(&'a AdditionalProperties, Location)>,
}

impl<'a> Lowerer<'a> {
    /// Lowers any schema; `hint` names a definition it may need.
    pub fn lower_schema(
        &mut self,
        schema: &'a ReferenceOr<Schema>,
        hint: &str,
        at: &Location,
    ) -> Result<Lowered> {
        match schema {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, at),
            ReferenceOr::Item(schema) => self.lower_inline(schema, hint, at),
        }
    }

    fn lower_boxed(
        &mut self,
        schema: &'a ReferenceOr<Box<Schema>>,
        hint: &str,
        at: &Location,
    ) -> Result<Lowered> {
        match schema {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, at),
            ReferenceOr::Item(schema) => self.lower_inline(schema, hint, at),
        }
    }

    fn lower_reference(&mut self, reference: &str, at: &Location) -> Result<Lowered> {
        let name = ref_name(reference, "schemas", at)?;
        let (rust_name, schema) = self.component_schema(name, at)?;
        Ok(Lowered {
            ty: TypeRef::Named(rust_name),
            nullable: schema.schema_data.nullable,
        })
    }

    fn lower_inline(&mut self, schema: &'a Schema, hint: &str, at: &Location) -> Result<Lowered> {
        let nullable = schema.schema_data.nullable;
        let ty = match self.plain_type(schema, hint, at)? {
            Some(ty) => ty,
            None => {
                let name = self.reserve_type_name(hint);
                let kind = self.definition(schema, &name, at)?;
                self.add_type(TypeDef {
                    name: name.clone(),
                    doc: doc_of(schema),
                    kind,
                });
                TypeRef::Named(name)
            }
        };
        Ok(Lowered { ty, nullable })
    }

    /// The definition of a named type for `schema`.
    pub fn definition(
        &mut self,
        schema: &'a Schema,
        name: &str,
        at: &Location,
    ) -> Result<TypeDefKind> {
        if let Some(variants) = string_enum(schema) {
            return Ok(TypeDefKind::Enum {
                variants: enum_variants(&variants),
            });
        }
        if let Some(values) = int_enum(schema) {
            return Ok(TypeDefKind::IntEnum {
                variants: int_variants(&values),
            });
        }
        if let Some((alternatives, keyword)) = alternatives(schema, at)? {
            return self.union(schema, alternatives, keyword, name, at);
        }
        if needs_struct(schema) {
            let mut parts = ObjectParts::default();
            self.gather_object(schema, at, &mut parts, 0)?;
            return Ok(TypeDefKind::Struct {
                fields: self.fields(parts, name)?,
            });
        }
        match self.plain_type(schema, name, at)? {
            Some(ty) => Ok(TypeDefKind::Alias(ty)),
            None => Err(Error::spec(
                at,
                "this schema has no type berth-codegen can represent",
            )),
        }
    }

    /// The type of a schema that needs no definition of its own, or `None`.
    fn plain_type(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        at: &Location,
    ) -> Result<Option<TypeRef>> {
        if string_enum(schema).is_some()
            || int_enum(schema).is_some()
            || needs_struct(schema)
            || alternatives(schema, at)?.is_some()
        {
            return Ok(None);
        }
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::String(s)) => match &s.format {
                // Binary strings inside JSON documents are rare; they travel as text.
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::String,
                _ => TypeRef::String,
            },
            SchemaKind::Type(Type::Integer(i)) => integer_type(&i.format),
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            },
            SchemaKind::Type(Type::Array(a)) => {
                let item = match &a.items {
                    Some(items) => self
                        .lower_boxed(items, &format!("{hint}Item"), &at.join("items"))?
                        .value_type(),
                    None => TypeRef::Json,
                };
                TypeRef::List(Box::new(item))
            }
            SchemaKind::Type(Type::Object(o)) => {
                self.map_type(o.additional_properties.as_ref(), hint, at)?
            }
            SchemaKind::AllOf { all_of } => match all_of.as_slice() {
                // `allOf: [$ref]` is a common way to attach a description to a reference.
                [only] => {
                    self.lower_schema(only, hint, &at.join("allOf").join("0"))?
                        .ty
                }
                _ => return Ok(None),
            },
            SchemaKind::Any(any) => self.any_type(any, hint, at)?,
            // Handled by `alternatives` above; an empty list means any value.
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => TypeRef::Json,
            SchemaKind::Not { .. } => {
                return Err(Error::spec(
                    at,
                    "`not` is not supported: it cannot be expressed as a Rust type; remove it or describe the allowed shape",
                ))
            }
        };
        Ok(Some(ty))
    }

    fn map_type(
        &mut self,
        additional: Option<&'a AdditionalProperties>,
        hint: &str,
        at: &Location,
    ) -> Result<TypeRef> {
        Ok(match additional {
            Some(AdditionalProperties::Schema(value)) => {
                let value = self.lower_schema(
                    value,
                    &format!("{hint}Value"),
                    &at.join("additionalProperties"),
                )?;
                TypeRef::Map(Box::new(value.value_type()))
            }
            Some(AdditionalProperties::Any(true)) => TypeRef::Map(Box::new(TypeRef::Json)),
            Some(AdditionalProperties::Any(false)) | None => TypeRef::Json,
        })
    }

    /// A schema openapiv3 could not classify: `type` beside keywords of another type.
    fn any_type(&mut self, any: &'a AnySchema, hint: &str, at: &Location) -> Result<TypeRef> {
        Ok(match any.typ.as_deref() {
            Some("boolean") => TypeRef::Bool,
            Some("string") => TypeRef::String,
            Some("integer") => match any.format.as_deref() {
                Some(f) => integer_type(&VariantOrUnknownOrEmpty::Unknown(f.to_owned())),
                None => TypeRef::I64,
            },
            Some("number") if any.format.as_deref() == Some("float") => TypeRef::F32,
            Some("number") => TypeRef::F64,
            Some("array") => match &any.items {
                Some(items) => {
                    let item =
                        self.lower_boxed(items, &format!("{hint}Item"), &at.join("items"))?;
                    TypeRef::List(Box::new(item.value_type()))
                }
                None => TypeRef::List(Box::new(TypeRef::Json)),
            },
            Some("object") | None => self.map_type(any.additional_properties.as_ref(), hint, at)?,
            Some(other) => return Err(Error::spec(at, format!("unknown schema type `{other}`"))),
        })
    }

    /// Collects properties of an object schema, following `allOf`.
    fn gather_object(
        &mut self,
        schema: &'a Schema,
        at: &Location,
        parts: &mut ObjectParts<'a>,
        depth: usize,
    ) -> Result<()> {
        if depth > 32 {
            return Err(Error::spec(
                at,
                "allOf nests more than 32 levels deep (is it circular?)",
            ));
        }
        let (properties, required, all_of, additional) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (
                Some(&o.properties),
                Some(&o.required),
                None,
                o.additional_properties.as_ref(),
            ),
            SchemaKind::AllOf { all_of } => (None, None, Some(all_of), None),
            SchemaKind::Any(any) => {
                if !any.one_of.is_empty() || !any.any_of.is_empty() {
                    return Err(Error::spec(
                        at,
                        "oneOf/anyOf beside properties or allOf is not supported; move the shared properties into each alternative",
                    ));
                }
                (
                    Some(&any.properties),
                    Some(&any.required),
                    Some(&any.all_of),
                    any.additional_properties.as_ref(),
                )
            }
            _ => return Err(Error::spec(at, "allOf may only combine object schemas")),
        };
        if let Some(additional) = additional {
            parts.additional = Some((additional, at.join("additionalProperties")));
        }
        if let Some(all_of) = all_of {
            for (i, part) in all_of.iter().enumerate() {
                let part_at = at.join("allOf").join(&i.to_string());
                let part_schema = match part {
                    ReferenceOr::Reference { reference } => {
                        let name = ref_name(reference, "schemas", &part_at)?;
                        self.component_schema(name, &part_at)?.1
                    }
                    ReferenceOr::Item(s) => s,
                };
                self.gather_object(part_schema, &part_at, parts, depth + 1)?;
            }
        }
        if let Some(properties) = properties {
            for (name, prop) in properties {
                let prop_at = at.join("properties").join(name);
                // A later definition of the same property wins, as in JSON Schema merging.
                parts.properties.retain(|(n, _, _)| n != name);
                parts.properties.push((name.clone(), prop, prop_at));
            }
        }
        if let Some(required) = required {
            parts.required.extend(required.iter().cloned());
        }
        Ok(())
    }

    fn fields(&mut self, parts: ObjectParts<'a>, owner: &str) -> Result<Vec<Field>> {
        let mut taken = std::collections::BTreeSet::new();
        let mut fields = Vec::with_capacity(parts.properties.len() + 1);
        for (wire, schema, at) in parts.properties {
            let hint = format!("{owner}{}", naming::type_ident(&wire, "Value"));
            let lowered = self.lower_boxed(schema, &hint, &at)?;
            let required = parts.required.contains(&wire);
            let doc = match schema {
                ReferenceOr::Item(s) => with_default(doc_of(s), s),
                ReferenceOr::Reference { .. } => None,
            };
            fields.push(Field {
                ident: naming::unique(naming::field_ident(&wire), &mut taken),
                wire,
                doc,
                ty: lowered.ty,
                optional: !required || lowered.nullable,
                boxed: false,
                flatten: false,
            });
        }
        // Properties beside the named ones are kept in a flattened map
        // (`additionalProperties: false` adds nothing: unknown fields are ignored).
        let value = match parts.additional {
            Some((AdditionalProperties::Schema(value), at)) if !fields.is_empty() => Some(
                self.lower_schema(value, &format!("{owner}Value"), &at)?
                    .value_type(),
            ),
            Some((AdditionalProperties::Any(true), _)) if !fields.is_empty() => Some(TypeRef::Json),
            _ => None,
        };
        if let Some(value) = value {
            fields.push(Field {
                ident: naming::unique("additional_properties".to_owned(), &mut taken),
                wire: String::new(),
                doc: Some(
                    "Properties not named in the schema (`additionalProperties`).".to_owned(),
                ),
                ty: TypeRef::Map(Box::new(value)),
                optional: false,
                boxed: false,
                flatten: true,
            });
        }
        Ok(fields)
    }

    /// A union for `oneOf`/`anyOf`: untagged, or tagged by `discriminator`.
    fn union(
        &mut self,
        schema: &'a Schema,
        alternatives: &'a [ReferenceOr<Schema>],
        keyword: &str,
        name: &str,
        at: &Location,
    ) -> Result<TypeDefKind> {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut taken = std::collections::BTreeSet::new();
        let mut variants = Vec::with_capacity(alternatives.len());
        for (i, alternative) in alternatives.iter().enumerate() {
            let alt_at = at.join(keyword).join(&i.to_string());
            let lowered = self.lower_schema(alternative, &format!("{name}Variant{i}"), &alt_at)?;
            let ty = lowered.value_type();
            let (stem, tag_value) = match alternative {
                ReferenceOr::Reference { reference } => {
                    let component = ref_name(reference, "schemas", &alt_at)?;
                    let tag_value = discriminator.map(|d| {
                        d.mapping
                            .iter()
                            .find(|(_, target)| {
                                *target == reference || target.as_str() == component
                            })
                            .map_or_else(|| component.to_owned(), |(value, _)| value.clone())
                    });
                    (naming::type_ident(component, "Variant"), tag_value)
                }
                ReferenceOr::Item(_) => {
                    if let Some(d) = discriminator {
                        return Err(Error::spec(
                            &alt_at,
                            format!("a `discriminator` (`{}`) needs every alternative to be a `$ref` to a component schema", d.property_name),
                        ));
                    }
                    (variant_stem(&ty), None)
                }
            };
            if let Some(value) = &tag_value {
                if variants
                    .iter()
                    .any(|v: &UnionVariant| v.tag_value.as_ref() == Some(value))
                {
                    return Err(Error::spec(
                        &alt_at,
                        format!("discriminator value `{value}` selects two alternatives"),
                    ));
                }
            }
            variants.push(UnionVariant {
                ident: naming::unique(stem, &mut taken),
                ty,
                tag_value,
                boxed: false,
            });
        }
        Ok(TypeDefKind::Union {
            variants,
            tag: discriminator.map(|d| d.property_name.clone()),
        })
    }
}

/// True when the schema is an object with properties, or combines objects.
fn needs_struct(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            !o.properties.is_empty()
                || o.additional_properties == Some(AdditionalProperties::Any(false))
        }
        SchemaKind::AllOf { all_of } => all_of.len() > 1,
        SchemaKind::Any(any) => !any.all_of.is_empty() || !any.properties.is_empty(),
        _ => false,
    }
}

/// The values of a string enum, if the schema is one.
fn string_enum(schema: &Schema) -> Option<Vec<String>> {
    let values: Vec<String> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().cloned().collect(),
        SchemaKind::Any(any) if any.typ.as_deref() == Some("string") => any
            .enumeration
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    (!values.is_empty()).then_some(values)
}

/// The `oneOf` or `anyOf` alternatives of a schema (with the keyword), if it
/// is a union. A union with a single alternative is that alternative.
#[allow(clippy::type_complexity)]
fn alternatives<'s>(
    schema: &'s Schema,
    at: &Location,
) -> Result<Option<(&'s [ReferenceOr<Schema>], &'static str)>> {
    let (list, keyword) = match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => (one_of, "oneOf"),
        SchemaKind::AnyOf { any_of } => (any_of, "anyOf"),
        SchemaKind::Any(any) if any.properties.is_empty() && any.all_of.is_empty() => {
            match (any.one_of.is_empty(), any.any_of.is_empty()) {
                (false, true) => (&any.one_of, "oneOf"),
                (true, false) => (&any.any_of, "anyOf"),
                (true, true) => return Ok(None),
                (false, false) => {
                    return Err(Error::spec(
                        at,
                        "a schema with both oneOf and anyOf is not supported",
                    ))
                }
            }
        }
        _ => return Ok(None),
    };
    Ok((!list.is_empty()).then_some((list.as_slice(), keyword)))
}

/// A variant name for an inline union alternative, from its type.
fn variant_stem(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Bool => "Bool".to_owned(),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "Integer".to_owned(),
        TypeRef::F32 | TypeRef::F64 => "Number".to_owned(),
        TypeRef::String => "String".to_owned(),
        TypeRef::Json => "Value".to_owned(),
        TypeRef::List(_) => "List".to_owned(),
        TypeRef::Map(_) => "Map".to_owned(),
        TypeRef::Option(inner) => variant_stem(inner),
        TypeRef::Named(name) => name.clone(),
    }
}

/// The values of an integer enum, if the schema is one.
fn int_enum(schema: &Schema) -> Option<Vec<i64>> {
    let values: Vec<i64> = match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(i)) => i.enumeration.iter().flatten().copied().collect(),
        SchemaKind::Any(any) if any.typ.as_deref() == Some("integer") => any
            .enumeration
            .iter()
            .filter_map(serde_json::Value::as_i64)
            .collect(),
        _ => Vec::new(),
    };
    (!values.is_empty()).then_some(values)
}

fn int_variants(values: &[i64]) -> Vec<IntVariant> {
    let mut taken = std::collections::BTreeSet::new();
    taken.insert("Other".to_owned());
    let mut variants = Vec::new();
    for &value in values {
        if variants.iter().any(|v: &IntVariant| v.value == value) {
            continue;
        }
        let stem = if value < 0 {
            format!("Minus{}", value.unsigned_abs())
        } else {
            format!("V{value}")
        };
        variants.push(IntVariant {
            value,
            ident: naming::unique(stem, &mut taken),
        });
    }
    variants
}

/// Documentation with the schema's `default` appended, when it has one.
fn with_default(doc: Option<String>, schema: &Schema) -> Option<String> {
    match &schema.schema_data.default {
        None => doc,
        Some(value) => {
            let note = format!("Default: `{value}`.");
            Some(match doc {
                Some(doc) => format!("{doc}\n\n{note}"),
                None => note,
            })
        }
    }
}

fn enum_variants(values: &[String]) -> Vec<Variant> {
    let mut taken = std::collections::BTreeSet::new();
    // `Other` holds unknown values, so no known value may take its name.
    taken.insert("Other".to_owned());
    let mut variants = Vec::new();
    for value in values {
        if variants.iter().any(|v: &Variant| &v.wire == value) {
            continue;
        }
        let ident = naming::unique(naming::type_ident(value, "Empty"), &mut taken);
        variants.push(Variant {
            wire: value.clone(),
            ident,
        });
    }
    variants
}

fn integer_type(format: &VariantOrUnknownOrEmpty<IntegerFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) | VariantOrUnknownOrEmpty::Empty => {
            TypeRef::I64
        }
        VariantOrUnknownOrEmpty::Unknown(f) => match f.as_str() {
            "uint64" => TypeRef::U64,
            "uint32" | "uint16" | "uint8" => TypeRef::U32,
            "int32" | "int16" | "int8" => TypeRef::I32,
            _ => TypeRef::I64,
        },
    }
}

/// The documentation of a schema: its description, else its title.
pub fn doc_of(schema: &Schema) -> Option<String> {
    schema
        .schema_data
        .description
        .clone()
        .or_else(|| schema.schema_data.title.clone())
}
