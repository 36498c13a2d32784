//! Emitting the clap command tree: a group per tag, a command per operation
//! (plus the docker-style commands declared with `x-berth-cli`), and the
//! dispatch from parsed arguments to the client traits.
//!
//! The generated code leans on a small hand-written support module (path
//! configured in [`Paths::support`]) for reading bodies and printing results.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::client::{is_scalar, text_types};
use super::rust::{docs, ident, path, type_tokens};
use crate::error::{Error, Location, Result};
use crate::ir::{
    Api, BodyKind, CliArgTarget, CliCommand, Content, Field, Group, OpResult, Operation, Param,
    ParamLocation, Reply, TypeDef, TypeDefKind, TypeRef,
};
use crate::naming;
use crate::Paths;

/// Flags the generated commands may not define (the program's own).
const RESERVED_FLAGS: &[&str] = &["help", "body", "host", "output"];

struct Ctx<'a> {
    defs: std::collections::BTreeMap<&'a str, &'a TypeDef>,
    extensions: &'a [(String, String)],
    types: TokenStream,
    api: TokenStream,
    rt: TokenStream,
    support: TokenStream,
    text_types: BTreeSet<String>,
}

/// The `cli.rs` file.
pub fn emit(api: &Api, paths: &Paths) -> Result<TokenStream> {
    let ctx = Ctx {
        defs: api.types.iter().map(|d| (d.name.as_str(), d)).collect(),
        extensions: &paths.group_extensions,
        types: path(&paths.types),
        api: path(&paths.client),
        rt: path(&paths.runtime),
        support: path(&paths.support),
        text_types: text_types(api),
    };
    let (support, rt, client_api) = (&ctx.support, &ctx.rt, &ctx.api);
    let traits: Vec<_> = api.groups.iter().map(|g| ident(&g.trait_name)).collect();
    let mut group_variants = Vec::new();
    let mut group_arms = Vec::new();
    let mut items = Vec::new();
    for group in &api.groups {
        let variant = ident(&group.variant);
        let enum_name = ident(&format!("{}Command", group.variant));
        let name = &group.command;
        let about = group
            .doc
            .clone()
            .unwrap_or_else(|| format!("Operations tagged {}", group.tag));
        let about = about.lines().next().unwrap_or_default().to_owned();
        group_variants.push(quote! {
            #[command(name = #name, about = #about)]
            #variant {
                #[command(subcommand)]
                command: #enum_name,
            },
        });
        group_arms.push(quote!(Self::#variant { command } => command.run(client).await,));
        items.push(ctx.group(group, &enum_name)?);
    }
    Ok(quote! {
        #[allow(unused_imports)]
        use #client_api::{#(#traits),*};

        /// Every command generated from the spec, grouped by tag.
        #[derive(Debug, ::clap::Subcommand)]
        pub enum Command {
            #(#group_variants)*
        }

        impl Command {
            /// Runs the command against the daemon.
            pub async fn run(self, client: &#rt::Client) -> Result<#support::Output, #support::Error> {
                match self {
                    #(#group_arms)*
                }
            }
        }

        #(#items)*
    })
}

impl Ctx<'_> {
    fn group(&self, group: &Group, enum_name: &proc_macro2::Ident) -> Result<TokenStream> {
        let (support, rt) = (&self.support, &self.rt);
        let mut taken = BTreeSet::new();
        let mut variants = Vec::new();
        let mut arms = Vec::new();
        let mut items = Vec::new();
        for op in &group.operations {
            let variant = ident(&naming::unique(
                naming::type_ident(&op.cli.name, "Command"),
                &mut taken,
            ));
            let args = ident(&format!("{}Args", naming::type_ident(&op.id, "Operation")));
            let name = &op.cli.name;
            let aliases = &op.cli.aliases;
            let about = op
                .summary
                .clone()
                .unwrap_or_else(|| format!("{} {}", op.path, op.id));
            let long_about = docs([op.summary.as_deref(), op.description.as_deref()]);
            let alias_attr = if aliases.is_empty() {
                TokenStream::new()
            } else {
                quote!(visible_aliases = [#(#aliases),*],)
            };
            variants.push(quote! {
                #long_about
                #[command(name = #name, #alias_attr about = #about)]
                #variant(#args),
            });
            arms.push(quote!(Self::#variant(args) => args.run(client).await,));
            items.push(self.operation_args(op, &args)?);
            for command in &op.cli.commands {
                let variant = ident(&naming::unique(
                    naming::type_ident(&command.name, "Command"),
                    &mut taken,
                ));
                let args = ident(&format!("{}Args", command.type_name));
                let name = &command.name;
                let about = command
                    .about
                    .clone()
                    .or_else(|| op.summary.clone())
                    .unwrap_or_default();
                variants.push(quote! {
                    #[command(name = #name, about = #about)]
                    #variant(#args),
                });
                arms.push(quote!(Self::#variant(args) => args.run(client).await,));
                items.push(self.command_args(op, command, &args)?);
            }
        }
        for (_, extension) in self.extensions.iter().filter(|(tag, _)| tag == &group.tag) {
            let extension = path(extension);
            let variant = ident(&naming::unique("HandWritten".to_owned(), &mut taken));
            variants.push(quote! {
                #[command(flatten)]
                #variant(#extension),
            });
            arms.push(quote!(Self::#variant(command) => command.run(client).await,));
        }
        let doc = format!(" Commands of the `{}` group.", group.command);
        Ok(quote! {
            #[doc = #doc]
            // Argument structs differ in size; commands are parsed once, so boxing would only add noise.
            #[allow(clippy::large_enum_variant)]
            #[derive(Debug, ::clap::Subcommand)]
            pub enum #enum_name {
                #(#variants)*
            }

            impl #enum_name {
                /// Runs the command against the daemon.
                pub async fn run(self, client: &#rt::Client) -> Result<#support::Output, #support::Error> {
                    match self {
                        #(#arms)*
                    }
                }
            }

            #(#items)*
        })
    }

    /// The arguments struct of an operation's own command, and its `run`.
    fn operation_args(&self, op: &Operation, name: &proc_macro2::Ident) -> Result<TokenStream> {
        let mut fields = Vec::new();
        let mut taken_flags: BTreeSet<String> =
            RESERVED_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        for p in op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
        {
            fields.push(self.positional_field(p));
        }
        let mut param_values = Vec::new();
        for p in op
            .params
            .iter()
            .filter(|p| p.location != ParamLocation::Path)
        {
            let (field, value) = self.flag_field(op, p, &mut taken_flags)?;
            fields.push(field);
            let field_name = ident(&p.ident);
            param_values.push(quote!(#field_name: #value,));
        }
        let body_value = match self.body_flags(op, &mut taken_flags) {
            Some((body_fields, value)) => {
                fields.extend(body_fields);
                Some(value)
            }
            None => self.body_field(op).map(|(field, value)| {
                fields.push(field);
                value
            }),
        };
        fields.extend(output_field(op));
        let call = self.call(op, param_values, body_value, |p| {
            let f = arg_field(&p.ident);
            quote!(&self.#f)
        });
        Ok(args_struct(name, &op.cli.name, fields, call))
    }

    /// The arguments struct of a docker-style command, and its `run`.
    fn command_args(
        &self,
        op: &Operation,
        command: &CliCommand,
        name: &proc_macro2::Ident,
    ) -> Result<TokenStream> {
        let support = &self.support;
        let mut fields = Vec::new();
        let mut taken_flags: BTreeSet<String> =
            RESERVED_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        let mut body_value = None;
        // Values for parameters filled by positionals.
        let mut from_args: Vec<(String, TokenStream)> = Vec::new();
        for arg in &command.args {
            let field = ident(&arg.ident);
            let value_name = &arg.value_name;
            if arg.variadic {
                let CliArgTarget::Param(param) = &arg.target else {
                    return Err(Error::spec(
                        &Location::root().in_operation(&op.id),
                        format!(
                            "command `{}`: a variadic argument must fill one parameter",
                            command.name
                        ),
                    ));
                };
                let p = find_param(op, param)?;
                let doc = docs([arg.help.as_deref()]);
                let required = !arg.optional;
                fields.push(quote! {
                    #doc
                    #[arg(value_name = #value_name, num_args = 1.., required = #required)]
                    pub #field: Vec<String>,
                });
                let items = match &p.ty {
                    TypeRef::List(item) if **item == TypeRef::String => quote!(self.#field.clone()),
                    TypeRef::List(_) => quote!(self
                        .#field
                        .iter()
                        .map(|v| #support::parse_text(v))
                        .collect::<Result<Vec<_>, _>>()?),
                    _ => {
                        return Err(Error::spec(
                            &Location::root().in_operation(&op.id),
                            format!(
                                "command `{}`: variadic argument `{}` must fill an array parameter",
                                command.name, arg.ident
                            ),
                        ))
                    }
                };
                let value = if p.required {
                    items
                } else {
                    quote!((!self.#field.is_empty()).then_some(#items))
                };
                from_args.push((param.clone(), value));
                continue;
            }
            let (ty, value) = if arg.optional {
                (quote!(Option<String>), quote!(self.#field.clone()))
            } else {
                (quote!(String), quote!(Some(self.#field.clone())))
            };
            let doc = docs([arg.help.as_deref()]);
            fields.push(quote! {
                #doc
                #[arg(value_name = #value_name)]
                pub #field: #ty,
            });
            match &arg.target {
                CliArgTarget::Body => {
                    let body_required = op.body.as_ref().is_some_and(|b| b.required);
                    body_value = Some(match (arg.optional, body_required) {
                        (false, true) => quote!(#support::binary_body(&self.#field).await?),
                        (false, false) => quote!(Some(#support::binary_body(&self.#field).await?)),
                        (true, false) => {
                            quote!(match &self.#field { Some(path) => Some(#support::binary_body(path).await?), None => None })
                        }
                        (true, true) => {
                            return Err(Error::spec(
                                &Location::root().in_operation(&op.id),
                                format!("command `{}`: the body is required, so argument `{}` cannot be optional", command.name, arg.ident),
                            ))
                        }
                    });
                }
                CliArgTarget::Param(param) => {
                    let p = find_param(op, param)?;
                    from_args.push((param.clone(), self.text_value(p, value)));
                }
                CliArgTarget::NameTag(name_param, tag_param) => {
                    let (n, t) = (find_param(op, name_param)?, find_param(op, tag_param)?);
                    let split = quote!(#value.as_deref().map(#support::split_name_tag));
                    let name_value = self.text_value(n, quote!(#split.map(|(name, _)| name)));
                    let tag_value = self.text_value(t, quote!(#split.and_then(|(_, tag)| tag)));
                    from_args.push((name_param.clone(), name_value));
                    from_args.push((tag_param.clone(), tag_value));
                }
            }
        }
        let mut param_values = Vec::new();
        for p in op
            .params
            .iter()
            .filter(|p| p.location != ParamLocation::Path)
        {
            let field_name = ident(&p.ident);
            let value = if let Some((_, value)) = command.set.iter().find(|(i, _)| i == &p.ident) {
                self.literal_value(op, p, value)?
            } else if let Some((_, value)) = from_args.iter().find(|(i, _)| i == &p.ident) {
                value.clone()
            } else if command.flags.contains(&p.ident) {
                let (field, value) = self.flag_field(op, p, &mut taken_flags)?;
                fields.push(field);
                value
            } else if p.required {
                return Err(Error::spec(
                    &Location::root().in_operation(&op.id),
                    format!("command `{}` leaves required parameter `{}` unset; `set` it, take it as an argument, or list it in `flags`", command.name, p.wire),
                ));
            } else {
                quote!(None)
            };
            param_values.push(quote!(#field_name: #value,));
        }
        let path_values: Vec<(String, TokenStream)> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| {
                let value = command
                    .set
                    .iter()
                    .find(|(i, _)| i == &p.ident)
                    .and_then(|(_, v)| v.as_str().map(|s| quote!(#s)))
                    .or_else(|| {
                        from_args
                            .iter()
                            .find(|(i, _)| i == &p.ident)
                            .map(|(_, v)| quote!(&#v))
                    })
                    .unwrap_or_else(|| quote!(""));
                (p.ident.clone(), value)
            })
            .collect();
        if body_value.is_none() {
            if let Some((field, value)) = self.body_field(op) {
                fields.push(field);
                body_value = Some(value);
            }
        }
        fields.extend(output_field(op));
        let call = self.call(op, param_values, body_value, |p| {
            path_values
                .iter()
                .find(|(i, _)| i == &p.ident)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| quote!(""))
        });
        Ok(args_struct(name, &command.name, fields, call))
    }

    /// `run`: builds the parameters, calls the trait method, converts the result.
    fn call(
        &self,
        op: &Operation,
        param_values: Vec<TokenStream>,
        body_value: Option<TokenStream>,
        path_arg: impl Fn(&Param) -> TokenStream,
    ) -> TokenStream {
        let (support, rt, api) = (&self.support, &self.rt, &self.api);
        let method = ident(&op.method_name);
        let mut args: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(path_arg)
            .collect();
        let params = op.params_struct.as_ref().map(|name| {
            let name = ident(name);
            args.push(quote!(&params));
            quote!(let params = #api::#name { #(#param_values)* };)
        });
        let read_body = match (body_value, &op.body) {
            (Some(read), Some(body)) => {
                args.push(match (&body.kind, body.required) {
                    (
                        BodyKind::Json(_)
                        | BodyKind::Form(_)
                        | BodyKind::Multipart(_)
                        | BodyKind::Text,
                        true,
                    ) => quote!(&body),
                    (BodyKind::Json(TypeRef::List(_)), false) => quote!(body.as_deref()),
                    (BodyKind::Json(_) | BodyKind::Form(_) | BodyKind::Multipart(_), false) => {
                        quote!(body.as_ref())
                    }
                    (BodyKind::Text, false) => quote!(body.as_deref()),
                    (BodyKind::Binary { .. }, _) => quote!(body),
                });
                match &body.kind {
                    BodyKind::Json(ty) | BodyKind::Form(ty) | BodyKind::Multipart(ty) => {
                        let ty = type_tokens(ty, &self.types);
                        let ty = if body.required {
                            ty
                        } else {
                            quote!(Option<#ty>)
                        };
                        quote!(let body: #ty = #read;)
                    }
                    _ => quote!(let body = #read;),
                }
            }
            _ => TokenStream::new(),
        };
        let (bind, output) = match &op.result {
            OpResult::Single(Reply {
                content: Content::Empty,
                headers: None,
            }) => (TokenStream::new(), quote!(Ok(#support::Output::Nothing))),
            _ => (quote!(let result =), self.output(op)),
        };
        quote! {
            /// Runs the command against the daemon.
            pub async fn run(self, client: &#rt::Client) -> Result<#support::Output, #support::Error> {
                #params
                #read_body
                #bind client.#method(#(#args),*).await?;
                #output
            }
        }
    }

    fn output(&self, op: &Operation) -> TokenStream {
        let support = &self.support;
        let target = if downloads(op) {
            quote!(self.output_file)
        } else {
            quote!(None)
        };
        match &op.result {
            OpResult::Single(reply) => output_of(support, reply, quote!(result), &target),
            OpResult::Outcomes { name, variants } => {
                let api = &self.api;
                let name = ident(name);
                let arms = variants.iter().map(|v| {
                    let variant = ident(&v.variant);
                    if v.reply.content == Content::Empty && v.reply.headers.is_none() {
                        quote!(#api::#name::#variant => Ok(#support::Output::Nothing),)
                    } else {
                        let out = output_of(support, &v.reply, quote!(value), &target);
                        quote!(#api::#name::#variant(value) => { #out })
                    }
                });
                quote!(match result { #(#arms)* })
            }
        }
    }

    fn positional_field(&self, p: &Param) -> TokenStream {
        let field = arg_field(&p.ident);
        let value_name = naming::snake(&p.wire).to_uppercase();
        let ty = type_tokens(&p.ty, &self.types);
        let doc = docs([p.doc.as_deref()]);
        quote! {
            #doc
            #[arg(value_name = #value_name)]
            pub #field: #ty,
        }
    }

    /// A flag for a query or header parameter: its field, and the expression
    /// that turns the parsed flag into the parameter's value.
    fn flag_field(
        &self,
        op: &Operation,
        p: &Param,
        taken: &mut BTreeSet<String>,
    ) -> Result<(TokenStream, TokenStream)> {
        let support = &self.support;
        let field = arg_field(&p.ident);
        let doc = docs([p.doc.as_deref()]);
        let repeatable = matches!(&p.ty, TypeRef::List(item) if self.is_text(item))
            || matches!(&p.ty, TypeRef::Map(value) if **value == TypeRef::String || matches!(&**value, TypeRef::List(i) if **i == TypeRef::String));
        let base = if repeatable {
            naming::kebab(naming::singular(&p.wire))
        } else {
            naming::kebab(&p.wire)
        };
        if base.is_empty() {
            return Err(Error::spec(
                &Location::root().in_operation(&op.id),
                format!("parameter `{}` has no letters to make a flag from", p.wire),
            ));
        }
        let flag = if taken.contains(&base) {
            naming::unique(format!("{base}-param"), taken)
        } else {
            naming::unique(base, taken)
        };
        let value_name = flag.to_uppercase().replace('-', "_");
        let wrap = |value: TokenStream, empty: TokenStream| {
            if p.required {
                value
            } else {
                quote!((!#empty).then_some(#value))
            }
        };
        let (attr, ty, value) = match &p.ty {
            TypeRef::Bool if p.required => (
                quote!(#[arg(long = #flag, action = ::clap::ArgAction::Set)]),
                quote!(bool),
                quote!(self.#field),
            ),
            TypeRef::Bool => (
                quote!(#[arg(long = #flag, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "true|false")]),
                quote!(Option<bool>),
                quote!(self.#field),
            ),
            TypeRef::List(item) if self.is_text(item) => {
                let item = type_tokens(item, &self.types);
                let empty = quote!(self.#field.is_empty());
                (
                    quote!(#[arg(long = #flag, value_name = #value_name)]),
                    quote!(Vec<#item>),
                    wrap(quote!(self.#field), empty),
                )
            }
            TypeRef::Map(value) if **value == TypeRef::String => {
                let empty = quote!(self.#field.is_empty());
                (
                    quote!(#[arg(long = #flag, value_name = "KEY=VALUE", value_parser = #support::key_value)]),
                    quote!(Vec<(String, String)>),
                    wrap(quote!(#support::string_map(self.#field)), empty),
                )
            }
            TypeRef::Map(value) if matches!(&**value, TypeRef::List(i) if **i == TypeRef::String) =>
            {
                let empty = quote!(self.#field.is_empty());
                (
                    quote!(#[arg(long = #flag, value_name = "KEY=VALUE", value_parser = #support::key_value)]),
                    quote!(Vec<(String, String)>),
                    wrap(quote!(#support::list_map(self.#field)), empty),
                )
            }
            ty if self.is_text(ty) => {
                let rust = type_tokens(ty, &self.types);
                if p.required {
                    (
                        quote!(#[arg(long = #flag, value_name = #value_name)]),
                        rust,
                        quote!(self.#field),
                    )
                } else {
                    (
                        quote!(#[arg(long = #flag, value_name = #value_name)]),
                        quote!(Option<#rust>),
                        quote!(self.#field),
                    )
                }
            }
            ty => {
                let rust = type_tokens(ty, &self.types);
                let attr = quote!(#[arg(long = #flag, value_name = "JSON", value_parser = #support::parse_json::<#rust>)]);
                if p.required {
                    (attr, rust, quote!(self.#field))
                } else {
                    (attr, quote!(Option<#rust>), quote!(self.#field))
                }
            }
        };
        // A command-line default that differs from the API's (`x-berth-cli: defaults`).
        let default = match op.cli.defaults.iter().find(|(ident, _)| ident == &p.ident) {
            None => TokenStream::new(),
            Some((_, text)) if matches!(&p.ty, TypeRef::Bool) || self.is_text(&p.ty) => {
                quote!(#[arg(default_value = #text)])
            }
            Some(_) => {
                return Err(Error::spec(
                    &Location::root().in_operation(&op.id),
                    format!(
                        "a command-line default for `{}` needs a flag that takes one value",
                        p.wire
                    ),
                ))
            }
        };
        Ok((quote!(#doc #attr #default pub #field: #ty,), value))
    }

    /// For a JSON body that is an object: `--body` plus a flag for each
    /// top-level field given as text (`--image`, repeatable `--cmd`,
    /// `--label KEY=VALUE`). Flags are merged into the object from `--body`
    /// (or `{}`) by wire name, then the whole is decoded into the body type.
    fn body_flags(
        &self,
        op: &Operation,
        taken: &mut BTreeSet<String>,
    ) -> Option<(Vec<TokenStream>, TokenStream)> {
        let support = &self.support;
        let body = op.body.as_ref()?;
        let BodyKind::Json(TypeRef::Named(name)) = &body.kind else {
            return None;
        };
        let fields = self.struct_fields(name)?;
        let mut out = Vec::new();
        let mut setters = Vec::new();
        let mut checks = Vec::new();
        for field in fields.iter().filter(|f| !f.flatten) {
            let Some((attr, ty, kind)) = self.body_flag_shape(field) else {
                continue;
            };
            let base = if kind == "list" || kind == "map" {
                naming::kebab(naming::singular(&field.wire))
            } else {
                naming::kebab(&field.wire)
            };
            if base.is_empty() || taken.contains(&base) {
                continue;
            }
            taken.insert(base.clone());
            let ident_ = ident(&format!("body_{}", field.ident.trim_start_matches("r#")));
            let doc = docs([field.doc.as_deref()]);
            let wire = &field.wire;
            let value_name = base.to_uppercase().replace('-', "_");
            let attr = if kind == "map" || field.ty == TypeRef::Bool {
                attr
            } else {
                quote!(value_name = #value_name, #attr)
            };
            out.push(quote!(#doc #[arg(long = #base, #attr)] pub #ident_: #ty,));
            setters.push(match kind {
                "map" => quote!(#support::set_map(&mut object, #wire, &self.#ident_);),
                "list" => quote!(#support::set_list(&mut object, #wire, &self.#ident_)?;),
                _ => quote!(#support::set_value(&mut object, #wire, &self.#ident_)?;),
            });
            checks.push(match kind {
                "map" | "list" => quote!(!self.#ident_.is_empty()),
                _ => quote!(self.#ident_.is_some()),
            });
        }
        if out.is_empty() {
            return None;
        }
        let doc = docs([
            body.doc.as_deref(),
            Some("Flags for single fields are applied on top of it."),
        ]);
        out.push(quote!(#doc #[arg(long = "body", value_name = "FILE|-|JSON")] pub request_body: Option<String>,));
        let build = quote! {{
            let mut object = #support::json_object(self.request_body.as_deref())?;
            #(#setters)*
            #support::from_object(object)?
        }};
        let value = if body.required {
            build
        } else {
            quote!(if self.request_body.is_some() #(|| #checks)* { Some(#build) } else { None })
        };
        Some((out, value))
    }

    /// The fields of a struct type, following aliases.
    fn struct_fields(&self, name: &str) -> Option<&[Field]> {
        let mut current = name;
        for _ in 0..16 {
            match &self.defs.get(current)?.kind {
                TypeDefKind::Struct { fields } => return Some(fields),
                TypeDefKind::Alias(TypeRef::Named(next)) => current = next.as_str(),
                _ => return None,
            }
        }
        None
    }

    /// How a body field is taken as a flag: clap attributes, field type, and
    /// `value`, `list` or `map`; `None` for fields only `--body` can set.
    fn body_flag_shape(&self, field: &Field) -> Option<(TokenStream, TokenStream, &'static str)> {
        let support = &self.support;
        Some(match &field.ty {
            TypeRef::Bool => (
                quote!(
                    num_args = 0..=1,
                    require_equals = true,
                    default_missing_value = "true",
                    value_name = "true|false"
                ),
                quote!(Option<bool>),
                "value",
            ),
            TypeRef::List(item) if self.is_text(item) => {
                let item = type_tokens(item, &self.types);
                (
                    quote!(allow_hyphen_values = true),
                    quote!(Vec<#item>),
                    "list",
                )
            }
            TypeRef::Map(value) if **value == TypeRef::String => (
                quote!(value_name = "KEY=VALUE", value_parser = #support::key_value),
                quote!(Vec<(String, String)>),
                "map",
            ),
            ty if self.is_text(ty) => {
                let rust = type_tokens(ty, &self.types);
                (
                    quote!(allow_hyphen_values = true),
                    quote!(Option<#rust>),
                    "value",
                )
            }
            _ => return None,
        })
    }

    /// The `--body` field, and the expression that reads the body (owned:
    /// the JSON value, the streamed body or the text; in an `Option` when the
    /// body is optional).
    fn body_field(&self, op: &Operation) -> Option<(TokenStream, TokenStream)> {
        let support = &self.support;
        let body = op.body.as_ref()?;
        let doc = docs([body.doc.as_deref()]);
        let (value_name, read) = match &body.kind {
            BodyKind::Json(_) | BodyKind::Form(_) | BodyKind::Multipart(_) => {
                ("FILE|-|JSON", quote!(#support::json_body(body)?))
            }
            BodyKind::Binary { .. } => ("FILE|-", quote!(#support::binary_body(body).await?)),
            BodyKind::Text => ("TEXT", quote!(body.clone())),
        };
        Some(if body.required {
            (
                quote!(#doc #[arg(long = "body", value_name = #value_name)] pub request_body: String,),
                quote!({ let body = &self.request_body; #read }),
            )
        } else {
            (
                quote!(#doc #[arg(long = "body", value_name = #value_name)] pub request_body: Option<String>,),
                quote!(match &self.request_body { Some(body) => Some(#read), None => None }),
            )
        })
    }

    /// Whether values of `ty` are given as plain text on the command line.
    fn is_text(&self, ty: &TypeRef) -> bool {
        is_scalar(ty) || matches!(ty, TypeRef::Named(name) if self.text_types.contains(name))
    }

    /// Converts an `Option<String>` expression to the parameter's value.
    fn text_value(&self, p: &Param, value: TokenStream) -> TokenStream {
        let support = &self.support;
        let converted = if p.ty == TypeRef::String {
            value
        } else {
            quote!(#value.map(|v| #support::parse_text(&v)).transpose()?)
        };
        if p.required {
            quote!(#converted.unwrap_or_default())
        } else {
            converted
        }
    }

    /// A fixed value from `set`, as a Rust expression of the parameter's type.
    fn literal_value(
        &self,
        op: &Operation,
        p: &Param,
        value: &serde_json::Value,
    ) -> Result<TokenStream> {
        let fail = || {
            Error::spec(
                &Location::root().in_operation(&op.id),
                format!("`set` value {value} does not fit parameter `{}`", p.wire),
            )
        };
        let expr = match (&p.ty, value) {
            (TypeRef::String, serde_json::Value::String(s)) => quote!(#s.to_owned()),
            (TypeRef::Bool, serde_json::Value::Bool(b)) => quote!(#b),
            (
                TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64,
                serde_json::Value::Number(n),
            ) => {
                let n: TokenStream = n.to_string().parse().map_err(|_| fail())?;
                quote!(#n)
            }
            (TypeRef::F32 | TypeRef::F64, serde_json::Value::Number(n)) => {
                let n = n.as_f64().ok_or_else(fail)?;
                quote!(#n)
            }
            (TypeRef::Named(_), serde_json::Value::String(s)) if self.is_text(&p.ty) => {
                let support = &self.support;
                quote!(#support::parse_text(#s)?)
            }
            _ => return Err(fail()),
        };
        Ok(if p.required {
            expr
        } else {
            quote!(Some(#expr))
        })
    }
}

/// The field of an argument struct for a parameter. clap names arguments
/// after their fields, and `help` is its own. (`version` is free: only the
/// top-level command has `--version`.)
fn arg_field(param: &str) -> proc_macro2::Ident {
    match param {
        "help" => ident("help_param"),
        _ => ident(param),
    }
}

/// Whether the command's answer is a byte stream (a download).
fn downloads(op: &Operation) -> bool {
    let binary = |reply: &Reply| reply.content == Content::Binary;
    match &op.result {
        OpResult::Single(reply) => binary(reply),
        OpResult::Outcomes { variants, .. } => variants.iter().any(|v| binary(&v.reply)),
    }
}

/// `-o/--output FILE` for downloads: written all or nothing.
fn output_field(op: &Operation) -> Option<TokenStream> {
    downloads(op).then(|| {
        quote! {
            /// Write the data to FILE (complete or not at all) instead of stdout.
            #[arg(short = 'o', long = "output", value_name = "FILE")]
            pub output_file: Option<::std::path::PathBuf>,
        }
    })
}

fn args_struct(
    name: &proc_macro2::Ident,
    command: &str,
    fields: Vec<TokenStream>,
    call: TokenStream,
) -> TokenStream {
    let doc = format!(" Arguments of `{command}`.");
    quote! {
        #[doc = #doc]
        #[derive(Debug, ::clap::Args)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #call
        }
    }
}

fn find_param<'o>(op: &'o Operation, ident: &str) -> Result<&'o Param> {
    op.params.iter().find(|p| p.ident == ident).ok_or_else(|| {
        Error::spec(
            &Location::root().in_operation(&op.id),
            format!("no parameter `{ident}`"),
        )
    })
}

/// Converts a decoded result to the support module's `Output`. With typed
/// headers the body is printed, or the headers when there is no body.
fn output_of(
    support: &TokenStream,
    reply: &Reply,
    value: TokenStream,
    target: &TokenStream,
) -> TokenStream {
    let value = match (&reply.headers, &reply.content) {
        (Some(_), Content::Empty) => return quote!(#support::Output::json(&#value.headers)),
        (Some(_), _) => quote!(#value.body),
        (None, _) => value,
    };
    match &reply.content {
        Content::Empty => quote!({
            let () = #value;
            Ok(#support::Output::Nothing)
        }),
        Content::Json(_) => quote!(#support::Output::json(&#value)),
        Content::Text => quote!(Ok(#support::Output::Text(#value))),
        Content::Binary => quote!(Ok(#support::Output::Bytes(#value, #target))),
        Content::JsonLines { .. } => quote!(Ok(#support::Output::items(#value))),
        Content::Multiplexed => quote!(Ok(#support::Output::Logs(#value))),
        Content::Upgraded => quote!(Ok(#support::Output::Session(#value))),
    }
}
