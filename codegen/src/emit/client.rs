//! Emitting the client interface: per-operation parameter structs and
//! outcome enums, one trait per tag, and their implementation over the
//! runtime's `Client`.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{docs, ident, path, type_tokens};
use super::types::{defaultable_types, is_defaultable};
use crate::ir::{
    Api, BodyKind, Content, Group, HeaderEncoding, Method, OpResult, Operation, Param,
    ParamEncoding, ParamLocation, PathPart, Reply, TypeDefKind, TypeRef,
};
use crate::Paths;

/// The `client.rs` file.
pub fn emit(api: &Api, paths: &Paths) -> TokenStream {
    let ctx = Ctx {
        types: path(&paths.types),
        rt: path(&paths.runtime),
        defaultable: defaultable_types(api),
        text_types: text_types(api),
    };
    let version = &api.version;
    let operations: Vec<TokenStream> = api
        .groups
        .iter()
        .flat_map(|g| g.operations.iter().map(move |op| (g, op)))
        .map(|(g, op)| {
            let (tag, id, method, path) = (&g.tag, &op.id, method_name(op.method), &op.path);
            quote!(OperationInfo { tag: #tag, id: #id, method: #method, path: #path })
        })
        .collect();
    let support: Vec<TokenStream> = api
        .groups
        .iter()
        .flat_map(|g| &g.operations)
        .map(|op| ctx.support_types(op))
        .collect();
    let traits: Vec<TokenStream> = api.groups.iter().map(|g| ctx.group_trait(g)).collect();
    quote! {
        /// The API version the spec describes; the client asks for it unless
        /// the daemon is older.
        pub const API_VERSION: &str = #version;

        /// One operation of the API, as described by the spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct OperationInfo {
            /// The tag that groups it (its trait and command group).
            pub tag: &'static str,
            /// Its operationId.
            pub id: &'static str,
            /// HTTP method.
            pub method: &'static str,
            /// Path template.
            pub path: &'static str,
        }

        /// Every operation in the spec, in spec order within each tag.
        pub const OPERATIONS: &[OperationInfo] = &[#(#operations),*];

        #(#support)*
        #(#traits)*
    }
}

struct Ctx {
    types: TokenStream,
    rt: TokenStream,
    defaultable: std::collections::BTreeSet<String>,
    text_types: std::collections::BTreeSet<String>,
}

/// Named types whose values are written as plain text in a query or header:
/// enums, and aliases of scalars.
pub fn text_types(api: &Api) -> std::collections::BTreeSet<String> {
    api.types
        .iter()
        .filter(|d| match &d.kind {
            TypeDefKind::Enum { .. } => true,
            TypeDefKind::Alias(target) => is_scalar(target),
            TypeDefKind::Struct { .. } => false,
        })
        .map(|d| d.name.clone())
        .collect()
}

/// Types that print as text with `to_string()`.
pub fn is_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U32
            | TypeRef::U64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::String
    )
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
        Method::Head => "HEAD",
        Method::Patch => "PATCH",
        Method::Trace => "TRACE",
    }
}

impl Ctx {
    fn ty(&self, ty: &TypeRef) -> TokenStream {
        type_tokens(ty, &self.types)
    }

    /// The parameter struct and outcome enum of an operation, if it needs them.
    fn support_types(&self, op: &Operation) -> TokenStream {
        let mut out = TokenStream::new();
        if let Some(name) = &op.params_struct {
            let name = ident(name);
            let id = &op.id;
            let doc = format!(" Parameters of `{id}` other than path parameters.");
            let query: Vec<&Param> = op
                .params
                .iter()
                .filter(|p| p.location != ParamLocation::Path)
                .collect();
            let derive_default = if query
                .iter()
                .all(|p| !p.required || is_defaultable(&p.ty, &self.defaultable))
            {
                quote!(Default,)
            } else {
                TokenStream::new()
            };
            let fields = query.iter().map(|p| {
                let field = ident(&p.ident);
                let ty = self.ty(&p.ty);
                let doc = docs([p.doc.as_deref()]);
                if p.required {
                    quote!(#doc pub #field: #ty,)
                } else {
                    quote!(#doc pub #field: Option<#ty>,)
                }
            });
            out.extend(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, #derive_default)]
                pub struct #name {
                    #(#fields)*
                }
            });
        }
        if let OpResult::Outcomes { name, variants } = &op.result {
            let name = ident(name);
            let doc = format!(" The successful outcomes of `{}`, one per status.", op.id);
            let variants = variants.iter().map(|v| {
                let variant = ident(&v.variant);
                let doc = docs([
                    Some(format!("Status {}.", v.status).as_str()),
                    v.doc.as_deref(),
                ]);
                match self.reply_type(&v.reply) {
                    None => quote!(#doc #variant,),
                    Some(ty) => quote!(#doc #variant(#ty),),
                }
            });
            out.extend(quote! {
                #[doc = #doc]
                #[derive(Debug)]
                pub enum #name {
                    #(#variants)*
                }
            });
        }
        let replies: Vec<&Reply> = match &op.result {
            OpResult::Single(reply) => vec![reply],
            OpResult::Outcomes { variants, .. } => variants.iter().map(|v| &v.reply).collect(),
        };
        for headers in replies.iter().filter_map(|r| r.headers.as_ref()) {
            let name = ident(&headers.name);
            let doc = format!(" Headers of a `{}` response.", op.id);
            let fields = headers.fields.iter().map(|h| {
                let field = ident(&h.ident);
                let ty = self.ty(&h.ty);
                let wire = &h.wire;
                let doc = docs([h.doc.as_deref()]);
                quote!(#doc #[serde(rename = #wire, skip_serializing_if = "Option::is_none")] pub #field: Option<#ty>,)
            });
            out.extend(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize)]
                pub struct #name {
                    #(#fields)*
                }
            });
        }
        out
    }

    /// The Rust type of a reply: its content, with headers when declared.
    fn reply_type(&self, reply: &Reply) -> Option<TokenStream> {
        let content = self.content_type(&reply.content);
        match &reply.headers {
            None => content,
            Some(headers) => {
                let rt = &self.rt;
                let name = ident(&headers.name);
                let body = content.unwrap_or_else(|| quote!(()));
                Some(quote!(#rt::WithHeaders<#body, #name>))
            }
        }
    }

    /// The Rust type a response content decodes to; `None` for no content.
    fn content_type(&self, content: &Content) -> Option<TokenStream> {
        let rt = &self.rt;
        Some(match content {
            Content::Empty => return None,
            Content::Json(ty) => self.ty(ty),
            Content::Text => quote!(String),
            Content::Binary => quote!(#rt::ByteStream),
            Content::JsonLines { item, .. } => {
                let item = self.ty(item);
                quote!(#rt::JsonLines<#item>)
            }
            Content::Multiplexed => quote!(#rt::LogStream),
            Content::Upgraded => quote!(#rt::Upgraded),
        })
    }

    fn result_type(&self, op: &Operation) -> TokenStream {
        match &op.result {
            OpResult::Single(reply) => self.reply_type(reply).unwrap_or_else(|| quote!(())),
            OpResult::Outcomes { name, .. } => {
                let name = ident(name);
                quote!(#name)
            }
        }
    }

    /// The method's arguments after `&self`.
    fn arguments(&self, op: &Operation) -> Vec<TokenStream> {
        let mut args: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| {
                let name = ident(&p.ident);
                match &p.ty {
                    TypeRef::String => quote!(#name: &str),
                    other => {
                        let ty = self.ty(other);
                        quote!(#name: &#ty)
                    }
                }
            })
            .collect();
        if let Some(name) = &op.params_struct {
            let name = ident(name);
            args.push(quote!(params: &#name));
        }
        if let Some(body) = &op.body {
            let rt = &self.rt;
            let ty = match &body.kind {
                BodyKind::Json(TypeRef::List(item)) => {
                    let item = self.ty(item);
                    quote!(&[#item])
                }
                BodyKind::Json(ty) => {
                    let ty = self.ty(ty);
                    quote!(&#ty)
                }
                BodyKind::Binary { .. } => quote!(#rt::Body),
                BodyKind::Text => quote!(&str),
            };
            args.push(if body.required {
                quote!(body: #ty)
            } else {
                quote!(body: Option<#ty>)
            });
        }
        args
    }

    fn group_trait(&self, group: &Group) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&group.trait_name);
        let doc = docs([
            Some(format!("Operations tagged `{}`.", group.tag).as_str()),
            group.doc.as_deref(),
        ]);
        let signatures = group.operations.iter().map(|op| {
            let method = ident(&op.method_name);
            let args = self.arguments(op);
            let result = self.result_type(op);
            let http = format!("`{} {}` (`{}`).", method_name(op.method), op.path, op.id);
            let doc = docs([op.summary.as_deref(), op.description.as_deref(), Some(http.as_str())]);
            quote! {
                #doc
                fn #method(&self, #(#args),*) -> impl ::std::future::Future<Output = Result<#result, #rt::Error>> + Send;
            }
        });
        let bodies = group.operations.iter().map(|op| self.method_impl(op));
        quote! {
            #doc
            pub trait #name {
                #(#signatures)*
            }

            impl #name for #rt::Client {
                #(#bodies)*
            }
        }
    }

    fn method_impl(&self, op: &Operation) -> TokenStream {
        let rt = &self.rt;
        let method = ident(&op.method_name);
        let args = self.arguments(op);
        let result = self.result_type(op);
        let http_method = ident(method_name(op.method));
        let path = self.path_expr(op);
        let params: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location != ParamLocation::Path)
            .map(|p| self.param_stmt(p))
            .collect();
        let body = op.body.as_ref().map(|body| {
            let set = match &body.kind {
                BodyKind::Json(_) => quote!(request.json_body(body)?;),
                BodyKind::Binary { media_type } => quote!(request.body(body, #media_type);),
                BodyKind::Text => quote!(request.text_body(body);),
            };
            if body.required {
                set
            } else {
                quote!(if let Some(body) = body { #set })
            }
        });
        let finish = self.finish(op);
        let upgrade = op
            .upgrade
            .as_ref()
            .map(|protocol| quote!(request.upgrade(#protocol);));
        let mutable = if params.is_empty() && body.is_none() && upgrade.is_none() {
            TokenStream::new()
        } else {
            quote!(mut)
        };
        quote! {
            async fn #method(&self, #(#args),*) -> Result<#result, #rt::Error> {
                let #mutable request = #rt::Request::new(#rt::Method::#http_method, #path);
                #(#params)*
                #body
                #upgrade
                let response = self.execute(request).await?;
                #finish
            }
        }
    }

    fn path_expr(&self, op: &Operation) -> TokenStream {
        let rt = &self.rt;
        let parts: Vec<TokenStream> = op
            .path_parts
            .iter()
            .map(|part| match part {
                PathPart::Literal(text) => quote!(#text),
                PathPart::Param(name) => {
                    let is_string = op
                        .params
                        .iter()
                        .any(|p| &p.ident == name && p.ty == TypeRef::String);
                    let name = ident(name);
                    if is_string {
                        quote!(&#rt::encode_path(#name))
                    } else {
                        quote!(&#rt::encode_path(&#name.to_string()))
                    }
                }
            })
            .collect();
        match parts.as_slice() {
            [only]
                if op
                    .path_parts
                    .iter()
                    .all(|p| matches!(p, PathPart::Literal(_))) =>
            {
                quote!(#only.to_owned())
            }
            _ => quote!([#(#parts),*].concat()),
        }
    }

    /// Statements adding one query or header parameter to `request`.
    fn param_stmt(&self, p: &Param) -> TokenStream {
        let rt = &self.rt;
        let field = ident(&p.ident);
        let wire = &p.wire;
        let add = match p.location {
            ParamLocation::Header => quote!(request.header),
            _ => quote!(request.query),
        };
        let write = match (p.encoding, &p.ty) {
            (ParamEncoding::Plain, TypeRef::List(_)) => quote! {
                for item in value { #add(#wire, item.to_string()); }
            },
            (ParamEncoding::Plain, TypeRef::Map(_) | TypeRef::Json) | (ParamEncoding::Json, _) => {
                quote!(#add(#wire, #rt::to_json(value)?);)
            }
            (ParamEncoding::Plain, TypeRef::Named(name)) if !self.text_types.contains(name) => {
                quote!(#add(#wire, #rt::to_json(value)?);)
            }
            (ParamEncoding::Plain, _) => quote!(#add(#wire, value.to_string());),
        };
        if p.required {
            quote! { { let value = &params.#field; #write } }
        } else {
            quote! { if let Some(value) = &params.#field { #write } }
        }
    }

    /// Decoding the response into the method's result.
    fn finish(&self, op: &Operation) -> TokenStream {
        match &op.result {
            OpResult::Single(reply) => self.decode_reply(reply).into_result(),
            OpResult::Outcomes { name, variants } => {
                let rt = &self.rt;
                let name = ident(name);
                let arms = variants.iter().map(|v| {
                    let status = proc_macro2::Literal::u16_unsuffixed(v.status);
                    let variant = ident(&v.variant);
                    let unit = v.reply.content == Content::Empty && v.reply.headers.is_none();
                    match self.decode_reply(&v.reply) {
                        Decode::Value(value) => quote!(#status => Ok(#name::#variant(#value)),),
                        Decode::Fallible(read) if unit => {
                            quote!(#status => #read.map(|()| #name::#variant),)
                        }
                        Decode::Fallible(read) => quote!(#status => #read.map(#name::#variant),),
                    }
                });
                quote! {
                    match response.status() {
                        #(#arms)*
                        status => Err(#rt::Error::UnexpectedStatus(status)),
                    }
                }
            }
        }
    }

    /// Decoding one reply: headers first (the body read consumes the response).
    fn decode_reply(&self, reply: &Reply) -> Decode {
        let decode = self.decode(&reply.content);
        let Some(headers) = &reply.headers else {
            return decode;
        };
        let rt = &self.rt;
        let name = ident(&headers.name);
        let fields = headers.fields.iter().map(|h| {
            let field = ident(&h.ident);
            let wire = &h.wire;
            match h.encoding {
                HeaderEncoding::Plain => quote!(#field: response.header(#wire)?,),
                HeaderEncoding::Base64Json => quote!(#field: response.header_base64_json(#wire)?,),
            }
        });
        let body = match (decode, &reply.content) {
            (Decode::Fallible(read), Content::Empty) => quote!(#read?; let body = ();),
            (Decode::Fallible(read), _) => quote!(let body = #read?;),
            (Decode::Value(value), _) => quote!(let body = #value;),
        };
        Decode::Fallible(quote!({
            let headers = #name { #(#fields)* };
            #body
            Ok(#rt::WithHeaders { body, headers })
        }))
    }

    fn decode(&self, content: &Content) -> Decode {
        match content {
            Content::Empty => Decode::Fallible(quote!(response.empty().await)),
            Content::Json(_) => Decode::Fallible(quote!(response.json().await)),
            Content::Text => Decode::Fallible(quote!(response.text().await)),
            Content::Binary => Decode::Value(quote!(response.into_byte_stream())),
            Content::JsonLines {
                error: Some(pointer),
                ..
            } => Decode::Value(quote!(response.into_json_lines(Some(#pointer)))),
            Content::JsonLines { error: None, .. } => {
                Decode::Value(quote!(response.into_json_lines(None)))
            }
            Content::Multiplexed => Decode::Value(quote!(response.into_log_stream())),
            Content::Upgraded => Decode::Fallible(quote!(response.into_upgraded().await)),
        }
    }
}

/// How a reply is decoded: an expression of the value itself, or of a
/// `Result` (reading the body can fail).
enum Decode {
    Value(TokenStream),
    Fallible(TokenStream),
}

impl Decode {
    fn into_result(self) -> TokenStream {
        match self {
            Decode::Value(value) => quote!(Ok(#value)),
            Decode::Fallible(read) => read,
        }
    }
}
