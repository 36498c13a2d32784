//! Small helpers shared by the emitters: identifiers, type tokens, docs.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::TypeRef;

/// An identifier token; accepts raw identifiers (`r#type`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Parses a path such as `crate::types` into tokens. Paths come from the
/// generator's configuration, which validates them.
pub fn path(text: &str) -> TokenStream {
    text.parse().unwrap_or_else(|_| quote!(crate))
}

/// The Rust type for `ty`; named types are qualified with `types` unless it is empty.
pub fn type_tokens(ty: &TypeRef, types: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(String),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Named(name) => {
            let name = ident(name);
            if types.is_empty() {
                quote!(#name)
            } else {
                quote!(#types::#name)
            }
        }
        TypeRef::List(item) => {
            let item = type_tokens(item, types);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, types);
            quote!(::std::collections::BTreeMap<String, #value>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(inner, types);
            quote!(Option<#inner>)
        }
    }
}

/// `#[doc = "..."]` attributes for optional documentation paragraphs.
pub fn docs<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> TokenStream {
    let text: Vec<&str> = parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if text.is_empty() {
        return TokenStream::new();
    }
    let lines: Vec<String> = text
        .join("\n\n")
        .lines()
        .map(|line| format!(" {line}"))
        .collect();
    quote!(#(#[doc = #lines])*)
}
