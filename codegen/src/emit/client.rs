//! Emitting the client interface: per-operation parameter structs and
//! outcome enums, one trait per tag, and their implementation over the
//! runtime's `Client`.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{docs, ident, path, type_tokens};
use super::types::{defaultable_types, is_defaultable};
use crate::ir::{
    Api, BodyKind, Content, Group, HeaderEncoding, Method, OpResult, Operation, Param,
    ParamEncoding, ParamLocation, ParamStyle, PathPart, Reply, TypeDefKind, TypeRef,
};
use crate::Paths;

/// The `client.rs` file.
pub fn emit(api: &Api, paths: &Paths, implementation: bool) -> TokenStream {
    let text = text_types(api);
    let ctx = Ctx {
        types: path(&paths.types),
        rt: path(&paths.runtime),
        defaultable: defaultable_types(api),
        object_types: object_types(api, &text),
        text_types: text,
        implementation,
    };
    let all_ops = || api.groups.iter().flat_map(|g| &g.operations);
    let needs_pairs = all_ops()
        .flat_map(|op| &op.params)
        .any(|p| p.encoding == ParamEncoding::Plain && ctx.shape(&p.ty) == Shape::Object);
    let needs_form =
        all_ops().any(|op| matches!(op.body.as_ref().map(|b| &b.kind), Some(BodyKind::Form(_))));
    let needs_multipart = all_ops().any(|op| {
        matches!(
            op.body.as_ref().map(|b| &b.kind),
            Some(BodyKind::Multipart(_))
        )
    });
    let helpers = if implementation {
        helpers(
            needs_pairs || needs_form || needs_multipart,
            needs_form,
            needs_multipart,
        )
    } else {
        TokenStream::new()
    };
    let servers = servers(api);
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

        #servers
        #(#support)*
        #(#traits)*
        #helpers
    }
}

/// `SERVERS`, when the spec lists any.
fn servers(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return TokenStream::new();
    }
    let entries = api.servers.iter().map(|server| {
        let url = &server.url;
        let description = match &server.description {
            Some(d) => quote!(Some(#d)),
            None => quote!(None),
        };
        let variables = server.variables.iter().map(|v| {
            let (name, default, values) = (&v.name, &v.default, &v.values);
            quote!(ServerVariable { name: #name, default: #default, values: &[#(#values),*] })
        });
        quote!(Server { url: #url, description: #description, variables: &[#(#variables),*] })
    });
    quote! {
        /// A server of the API (`servers`): a URL template and its variables.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Server {
            /// URL template, e.g. `https://{region}.example.com`.
            pub url: &'static str,
            /// Description.
            pub description: Option<&'static str>,
            /// The template's variables.
            pub variables: &'static [ServerVariable],
        }

        /// A variable of a server URL template.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ServerVariable {
            /// Name in the template.
            pub name: &'static str,
            /// Value used when none is given.
            pub default: &'static str,
            /// Allowed values; empty when any value is allowed.
            pub values: &'static [&'static str],
        }

        impl Server {
            /// The URL with the given variables substituted, the others at their defaults.
            pub fn url_with(&self, values: &[(&str, &str)]) -> String {
                let mut url = self.url.to_owned();
                for variable in self.variables {
                    let value = values
                        .iter()
                        .find(|(name, _)| *name == variable.name)
                        .map_or(variable.default, |(_, value)| *value);
                    url = url.replace(&format!("{{{}}}", variable.name), value);
                }
                url
            }

            /// The URL with every variable at its default.
            pub fn default_url(&self) -> String {
                self.url_with(&[])
            }
        }

        /// The servers the spec lists, in order; the first is the default.
        pub const SERVERS: &[Server] = &[#(#entries),*];
    }
}

/// Encoders the generated calls use for objects in parameters and for form
/// bodies. They are emitted into the file (only when used) so the runtime
/// needs nothing beyond `to_json` and `Body::from_bytes`.
fn helpers(pairs: bool, form: bool, multipart: bool) -> TokenStream {
    let mut out = TokenStream::new();
    if pairs {
        out.extend(quote! {
            /// The top-level members of a JSON object as text pairs: strings
            /// as themselves, other values as JSON; `null`s are left out.
            fn berth_object_pairs(json: &str) -> Vec<(String, String)> {
                let Ok(::serde_json::Value::Object(object)) = ::serde_json::from_str::<::serde_json::Value>(json) else {
                    return Vec::new();
                };
                object
                    .into_iter()
                    .flat_map(|(key, value)| {
                        let values = match value {
                            ::serde_json::Value::Array(items) => items,
                            other => vec![other],
                        };
                        values.into_iter().filter_map(move |value| match value {
                            ::serde_json::Value::Null => None,
                            ::serde_json::Value::String(text) => Some((key.clone(), text)),
                            other => Some((key.clone(), other.to_string())),
                        })
                    })
                    .collect()
            }
        });
    }
    if form {
        out.extend(quote! {
            /// `application/x-www-form-urlencoded` text of a JSON object
            /// (arrays repeat their key).
            fn berth_form_urlencoded(json: &str) -> Vec<u8> {
                fn encode(text: &str, out: &mut String) {
                    for byte in text.bytes() {
                        match byte {
                            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                                out.push(char::from(byte))
                            }
                            b' ' => out.push('+'),
                            other => out.push_str(&format!("%{other:02X}")),
                        }
                    }
                }
                let mut out = String::new();
                for (key, value) in berth_object_pairs(json) {
                    if !out.is_empty() {
                        out.push('&');
                    }
                    encode(&key, &mut out);
                    out.push('=');
                    encode(&value, &mut out);
                }
                out.into_bytes()
            }
        });
    }
    if multipart {
        out.extend(quote! {
            /// A `multipart/form-data` body of a JSON object, a part per
            /// member (arrays: a part per item; objects as JSON), and its
            /// Content-Type with the boundary.
            fn berth_multipart(json: &str) -> (Vec<u8>, String) {
                let Ok(::serde_json::Value::Object(object)) = ::serde_json::from_str::<::serde_json::Value>(json) else {
                    return (Vec::new(), "multipart/form-data; boundary=berth".to_owned());
                };
                let mut parts = Vec::new();
                for (name, value) in object {
                    let values = match value {
                        ::serde_json::Value::Array(items) => items,
                        other => vec![other],
                    };
                    for value in values {
                        match value {
                            ::serde_json::Value::Null => {}
                            ::serde_json::Value::String(text) => parts.push((name.clone(), "text/plain; charset=utf-8", text)),
                            ::serde_json::Value::Object(_) => parts.push((name.clone(), "application/json", value.to_string())),
                            other => parts.push((name.clone(), "text/plain; charset=utf-8", other.to_string())),
                        }
                    }
                }
                let mut boundary = "berth-boundary".to_owned();
                while parts.iter().any(|(name, _, text)| text.contains(&boundary) || name.contains(&boundary)) {
                    boundary.push('x');
                }
                let mut body = String::new();
                for (name, media_type, text) in &parts {
                    let name = name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
                    body.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {media_type}\r\n\r\n{text}\r\n"
                    ));
                }
                body.push_str(&format!("--{boundary}--\r\n"));
                (body.into_bytes(), format!("multipart/form-data; boundary={boundary}"))
            }
        });
    }
    out
}

/// What a parameter's type looks like to its `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    List,
    Object,
    Complex,
}

/// Structs whose fields are all text: objects a parameter can spell out.
fn object_types(
    api: &Api,
    text: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    let is_text =
        |ty: &TypeRef| is_scalar(ty) || matches!(ty, TypeRef::Named(n) if text.contains(n));
    api.types
        .iter()
        .filter(|d| match &d.kind {
            TypeDefKind::Struct { fields } => fields.iter().all(|f| !f.flatten && is_text(&f.ty)),
            _ => false,
        })
        .map(|d| d.name.clone())
        .collect()
}

struct Ctx {
    types: TokenStream,
    rt: TokenStream,
    defaultable: std::collections::BTreeSet<String>,
    text_types: std::collections::BTreeSet<String>,
    object_types: std::collections::BTreeSet<String>,
    implementation: bool,
}

/// Named types whose values are written as plain text in a query or header:
/// enums, and aliases of scalars.
pub fn text_types(api: &Api) -> std::collections::BTreeSet<String> {
    api.types
        .iter()
        .filter(|d| match &d.kind {
            TypeDefKind::Enum { .. } | TypeDefKind::IntEnum { .. } => true,
            TypeDefKind::Alias(target) => is_scalar(target),
            TypeDefKind::Struct { .. } | TypeDefKind::Union { .. } => false,
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

    fn is_text(&self, ty: &TypeRef) -> bool {
        is_scalar(ty) || matches!(ty, TypeRef::Named(n) if self.text_types.contains(n))
    }

    fn shape(&self, ty: &TypeRef) -> Shape {
        match ty {
            ty if self.is_text(ty) => Shape::Scalar,
            TypeRef::List(item) if self.is_text(item) => Shape::List,
            TypeRef::Map(value) if self.is_text(value) => Shape::Object,
            TypeRef::Named(n) if self.object_types.contains(n) => Shape::Object,
            _ => Shape::Complex,
        }
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
                    TypeRef::List(item) => {
                        let item = self.ty(item);
                        quote!(#name: &[#item])
                    }
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
                BodyKind::Json(ty) | BodyKind::Form(ty) | BodyKind::Multipart(ty) => {
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
        let implementation = self.implementation.then(|| {
            let bodies = group.operations.iter().map(|op| self.method_impl(op));
            quote! {
                impl #name for #rt::Client {
                    #(#bodies)*
                }
            }
        });
        quote! {
            #doc
            pub trait #name {
                #(#signatures)*
            }

            #implementation
        }
    }

    fn method_impl(&self, op: &Operation) -> TokenStream {
        let rt = &self.rt;
        let method = ident(&op.method_name);
        let args = self.arguments(op);
        let result = self.result_type(op);
        let http_method = ident(method_name(op.method));
        let path = self.path_expr(op);
        let mut params: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| !matches!(p.location, ParamLocation::Path | ParamLocation::Cookie))
            .map(|p| self.param_stmt(p))
            .collect();
        let cookies: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Cookie)
            .map(|p| self.param_stmt(p))
            .collect();
        if !cookies.is_empty() {
            params.push(quote! {
                let mut cookies: Vec<String> = Vec::new();
                #(#cookies)*
                if !cookies.is_empty() {
                    request.header("Cookie", cookies.join("; "));
                }
            });
        }
        let body = op.body.as_ref().map(|body| {
            let set = match &body.kind {
                BodyKind::Json(_) => quote!(request.json_body(body)?;),
                BodyKind::Binary { media_type } => quote!(request.body(body, #media_type);),
                BodyKind::Text => quote!(request.text_body(body);),
                BodyKind::Form(_) => quote! {
                    request.body(
                        #rt::Body::from_bytes(berth_form_urlencoded(&#rt::to_json(body)?)),
                        "application/x-www-form-urlencoded",
                    );
                },
                BodyKind::Multipart(_) => quote! {
                    let (bytes, content_type) = berth_multipart(&#rt::to_json(body)?);
                    request.body(#rt::Body::from_bytes(bytes), &content_type);
                },
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
                    let ty = op.params.iter().find(|p| &p.ident == name).map(|p| &p.ty);
                    let name = ident(name);
                    match ty {
                        Some(TypeRef::String) => quote!(&#rt::encode_path(#name)),
                        Some(TypeRef::List(_)) => quote!(&#rt::encode_path(
                            &#name.iter().map(|item| item.to_string()).collect::<Vec<_>>().join(",")
                        )),
                        _ => quote!(&#rt::encode_path(&#name.to_string())),
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

    /// Statements adding one query, header or cookie parameter to
    /// `request` (cookies to `cookies`), per its `style` and `explode`.
    fn param_stmt(&self, p: &Param) -> TokenStream {
        let rt = &self.rt;
        let field = ident(&p.ident);
        let wire = &p.wire;
        let add = |name: TokenStream, value: TokenStream| match p.location {
            ParamLocation::Header => quote!(request.header(#name, #value);),
            ParamLocation::Cookie => {
                quote!({ let text: String = #value; cookies.push(format!("{}={}", #name, text)); })
            }
            _ => quote!(request.query(#name, #value);),
        };
        let joined = |sep: &str| {
            add(
                quote!(#wire),
                quote!(value.iter().map(|item| item.to_string()).collect::<Vec<_>>().join(#sep)),
            )
        };
        let shape = if p.encoding == ParamEncoding::Json {
            Shape::Complex
        } else {
            self.shape(&p.ty)
        };
        let query = p.location == ParamLocation::Query;
        let write = match shape {
            Shape::Complex => add(quote!(#wire), quote!(#rt::to_json(value)?)),
            Shape::Scalar => add(quote!(#wire), quote!(value.to_string())),
            Shape::List => match (p.style, p.explode) {
                (_, true) if query => {
                    let one = add(quote!(#wire), quote!(item.to_string()));
                    quote!(for item in value { #one })
                }
                (ParamStyle::SpaceDelimited, _) => joined(" "),
                (ParamStyle::PipeDelimited, _) => joined("|"),
                _ => joined(","),
            },
            Shape::Object => {
                let pairs = quote!(berth_object_pairs(&#rt::to_json(value)?));
                match (p.style, p.explode) {
                    (ParamStyle::DeepObject, _) => {
                        let one = add(quote!(&format!("{}[{}]", #wire, key)), quote!(item));
                        quote!(for (key, item) in #pairs { #one })
                    }
                    (_, true) if query => {
                        let one = add(quote!(&key), quote!(item));
                        quote!(for (key, item) in #pairs { #one })
                    }
                    (_, true) => add(
                        quote!(#wire),
                        quote!(#pairs.into_iter().map(|(key, item)| format!("{key}={item}")).collect::<Vec<_>>().join(",")),
                    ),
                    (_, false) => add(
                        quote!(#wire),
                        quote!(#pairs.into_iter().flat_map(|(key, item)| [key, item]).collect::<Vec<_>>().join(",")),
                    ),
                }
            }
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
