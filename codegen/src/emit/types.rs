//! Emitting the schema types: serde structs, open enums and aliases.
//!
//! Decoding is tolerant by construction: unknown fields are ignored, enums
//! keep unknown values in `Other`, and a `null` or missing required field
//! decodes as its type's default where it has one.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{docs, ident, type_tokens};
use crate::ir::{Api, Field, IntVariant, TypeDef, TypeDefKind, TypeRef, UnionVariant, Variant};

/// The `types.rs` file.
pub fn emit(api: &Api) -> TokenStream {
    let defaultable = defaultable_types(api);
    let here = TokenStream::new();
    let mut uses_null_default = false;
    let items: Vec<TokenStream> = api
        .types
        .iter()
        .map(|def| emit_type(def, &defaultable, &here, &mut uses_null_default))
        .collect();
    let helper = if uses_null_default {
        quote! {
            /// Decodes `null` as the type's default: daemons send `null` for
            /// empty lists and maps that the spec calls required.
            fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de> + Default,
            {
                Ok(<Option<T> as ::serde::Deserialize>::deserialize(deserializer)?.unwrap_or_default())
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #(#items)*
        #helper
    }
}

fn emit_type(
    def: &TypeDef,
    defaultable: &BTreeSet<String>,
    here: &TokenStream,
    uses_null_default: &mut bool,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = docs([def.doc.as_deref()]);
    match &def.kind {
        TypeDefKind::Struct { fields } => {
            let derive_default = if defaultable.contains(&def.name) {
                quote!(Default,)
            } else {
                TokenStream::new()
            };
            let fields: Vec<TokenStream> = fields
                .iter()
                .map(|f| emit_field(f, defaultable, here, uses_null_default))
                .collect();
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        TypeDefKind::Enum { variants } => emit_enum(&name, &doc, variants),
        TypeDefKind::IntEnum { variants } => emit_int_enum(&name, &doc, variants),
        TypeDefKind::Union { variants, tag } => emit_union(&name, &doc, variants, tag.as_deref()),
        TypeDefKind::Alias(target) => {
            let target = type_tokens(target, here);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
    }
}

fn emit_field(
    field: &Field,
    defaultable: &BTreeSet<String>,
    here: &TokenStream,
    uses_null_default: &mut bool,
) -> TokenStream {
    let name = ident(&field.ident);
    let wire = &field.wire;
    let doc = docs([field.doc.as_deref()]);
    let ty = type_tokens(&field.ty, here);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    if field.flatten {
        quote! {
            #doc
            #[serde(flatten)]
            pub #name: #ty,
        }
    } else if field.optional {
        quote! {
            #doc
            #[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
    } else if is_defaultable(&field.ty, defaultable) {
        *uses_null_default = true;
        quote! {
            #doc
            #[serde(rename = #wire, default, deserialize_with = "null_as_default")]
            pub #name: #ty,
        }
    } else {
        quote! {
            #doc
            #[serde(rename = #wire)]
            pub #name: #ty,
        }
    }
}

fn emit_enum(name: &proc_macro2::Ident, doc: &TokenStream, variants: &[Variant]) -> TokenStream {
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
    let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name {
            #(
                #[doc = concat!(" `", #wires, "`")]
                #[serde(rename = #wires)]
                #idents,
            )*
            /// A value this version of the spec does not know.
            #[serde(untagged)]
            Other(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    Self::Other(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(match value {
                    #(#wires => Self::#idents,)*
                    other => Self::Other(other.to_owned()),
                })
            }
        }
    }
}

fn emit_int_enum(
    name: &proc_macro2::Ident,
    doc: &TokenStream,
    variants: &[IntVariant],
) -> TokenStream {
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
    let values: Vec<_> = variants
        .iter()
        .map(|v| proc_macro2::Literal::i64_unsuffixed(v.value))
        .collect();
    let docs: Vec<String> = variants.iter().map(|v| format!(" `{}`", v.value)).collect();
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #[doc = #docs]
                #idents,
            )*
            /// A value this version of the spec does not know.
            Other(i64),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    #(Self::#idents => #values,)*
                    Self::Other(value) => *value,
                }
            }
        }

        impl From<i64> for #name {
            fn from(value: i64) -> Self {
                match value {
                    #(#values => Self::#idents,)*
                    other => Self::Other(other),
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <i64 as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::num::ParseIntError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                value.trim().parse::<i64>().map(Self::from)
            }
        }
    }
}

fn emit_union(
    name: &proc_macro2::Ident,
    doc: &TokenStream,
    variants: &[UnionVariant],
    tag: Option<&str>,
) -> TokenStream {
    let here = TokenStream::new();
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.ident)).collect();
    let types: Vec<TokenStream> = variants
        .iter()
        .map(|v| {
            let ty = type_tokens(&v.ty, &here);
            if v.boxed {
                quote!(Box<#ty>)
            } else {
                ty
            }
        })
        .collect();
    let Some(tag) = tag else {
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#idents(#types),)*
            }
        };
    };
    let wires: Vec<&str> = variants
        .iter()
        .map(|v| v.tag_value.as_deref().unwrap_or_default())
        .collect();
    let wraps: Vec<TokenStream> = variants
        .iter()
        .zip(&idents)
        .map(|(v, id)| {
            if v.boxed {
                quote!(|value| Self::#id(Box::new(value)))
            } else {
                quote!(Self::#id)
            }
        })
        .collect();
    let variant_docs: Vec<String> = wires.iter().map(|w| format!(" `{tag}: {w}`")).collect();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#[doc = #variant_docs] #idents(#types),)*
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (tag, value) = match self {
                    #(Self::#idents(value) => (#wires, ::serde_json::to_value(value)),)*
                };
                let mut value = value.map_err(::serde::ser::Error::custom)?;
                if let ::serde_json::Value::Object(object) = &mut value {
                    object
                        .entry(#tag)
                        .or_insert_with(|| ::serde_json::Value::String(tag.to_owned()));
                }
                ::serde::Serialize::serialize(&value, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(::serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(Some(#wires) => ::serde_json::from_value(value).map(#wraps).map_err(::serde::de::Error::custom),)*
                    Some(other) => Err(::serde::de::Error::custom(format!("unknown {} `{}`", #tag, other))),
                    None => Err(::serde::de::Error::missing_field(#tag)),
                }
            }
        }
    }
}

/// Names of types that implement `Default`: structs whose required fields
/// all do, and aliases of such types. Enums have no natural default.
pub fn defaultable_types(api: &Api) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = api
        .types
        .iter()
        .filter(|d| {
            !matches!(
                d.kind,
                TypeDefKind::Enum { .. } | TypeDefKind::IntEnum { .. } | TypeDefKind::Union { .. }
            )
        })
        .map(|d| d.name.clone())
        .collect();
    loop {
        let before = set.len();
        for def in &api.types {
            let ok = match &def.kind {
                TypeDefKind::Struct { fields } => fields
                    .iter()
                    .all(|f| f.optional || is_defaultable(&f.ty, &set)),
                TypeDefKind::Alias(target) => is_defaultable(target, &set),
                TypeDefKind::Enum { .. }
                | TypeDefKind::IntEnum { .. }
                | TypeDefKind::Union { .. } => false,
            };
            if !ok {
                set.remove(&def.name);
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Whether a type reference implements `Default`, given the defaultable named types.
pub fn is_defaultable(ty: &TypeRef, named: &BTreeSet<String>) -> bool {
    match ty {
        TypeRef::Named(name) => named.contains(name),
        _ => true,
    }
}
