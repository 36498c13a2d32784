//! Lowering operations: names, path templates, parameters and request bodies.

use openapiv3::{Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody};

use super::Lowerer;
use crate::error::{Error, Location, Result};
use crate::ir::{
    Body, BodyKind, Method, Operation, Param, ParamEncoding, ParamLocation, ParamStyle, PathPart,
};
use crate::load::ref_name;
use crate::naming;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_operation(
        &mut self,
        path: &str,
        method: &str,
        item: &'a PathItem,
        op: &'a openapiv3::Operation,
        path_at: &Location,
    ) -> Result<Operation> {
        let at = &path_at.join(method);
        let id = match &op.operation_id {
            Some(id) if !naming::snake(id).is_empty() => id.clone(),
            Some(id) => {
                return Err(Error::spec(
                    at,
                    format!("operationId `{id}` has no letters or digits to make a name from"),
                ))
            }
            None => derived_operation_id(method, path),
        };
        let at = &at.in_operation(&id);
        let type_stem = naming::type_ident(&id, "Operation");
        let method = parse_method(method, at)?;

        let mut params = Vec::new();
        // Operation-level parameters override path-level ones with the same name and location.
        let declared: Vec<(&ReferenceOr<Parameter>, Location)> = item
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (p, path_at.join("parameters").join(&i.to_string())))
            .chain(
                op.parameters
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, at.join("parameters").join(&i.to_string()))),
            )
            .collect();
        let mut taken = std::collections::BTreeSet::new();
        for (param, param_at) in declared {
            let param = self.resolve_parameter(param, &param_at)?;
            if is_ignored_header(param) {
                continue;
            }
            let lowered = self.lower_parameter(param, &type_stem, &param_at)?;
            params.retain(|p: &Param| !(p.wire == lowered.wire && p.location == lowered.location));
            params.push(lowered);
        }
        for param in &mut params {
            param.ident = naming::unique(param.ident.clone(), &mut taken);
        }
        let path_parts = split_path(path, &params, at)?;
        // Path parameters first, in template order; then the rest as declared.
        let mut ordered: Vec<Param> = path_parts
            .iter()
            .filter_map(|part| match part {
                PathPart::Param(ident) => params.iter().find(|p| &p.ident == ident).cloned(),
                PathPart::Literal(_) => None,
            })
            .collect();
        ordered.extend(
            params
                .into_iter()
                .filter(|p| p.location != ParamLocation::Path),
        );
        let params_struct = ordered
            .iter()
            .any(|p| p.location != ParamLocation::Path)
            .then(|| self.reserve_type_name(&format!("{type_stem}Params")));

        let body = match &op.request_body {
            Some(body) => Some(self.lower_body(body, &type_stem, &at.join("requestBody"))?),
            None => None,
        };
        let result = self.lower_responses(&op.responses, &type_stem, &at.join("responses"))?;
        let upgrade = upgrade_protocol(op, &result, at)?;
        let mut operation = Operation {
            method_name: naming::field_ident(&id),
            id,
            method,
            path: path.to_owned(),
            path_parts,
            summary: op.summary.clone(),
            description: op.description.clone(),
            params: ordered,
            params_struct,
            body,
            result,
            upgrade,
            cli: crate::ir::Cli {
                name: String::new(),
                aliases: Vec::new(),
                commands: Vec::new(),
                defaults: Vec::new(),
            },
        };
        operation.cli = self.lower_cli(&operation, op, at)?;
        Ok(operation)
    }

    fn resolve_parameter(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: &Location,
    ) -> Result<&'a Parameter> {
        match param {
            ReferenceOr::Item(p) => Ok(p),
            ReferenceOr::Reference { reference } => {
                let name = ref_name(reference, "parameters", at)?;
                match self.doc.components.as_ref().and_then(|c| c.parameters.get(name)) {
                    Some(ReferenceOr::Item(p)) => Ok(p),
                    Some(ReferenceOr::Reference { .. }) => {
                        Err(Error::spec(at, format!("parameter `{name}` refers to another reference; refer to the parameter directly")))
                    }
                    None => Err(Error::spec(at, format!("`$ref` to nothing: there is no parameter `{name}` in #/components/parameters"))),
                }
            }
        }
    }

    fn lower_parameter(
        &mut self,
        param: &'a Parameter,
        type_stem: &str,
        at: &Location,
    ) -> Result<Param> {
        use openapiv3::{PathStyle, QueryStyle};
        let (data, location, style) = match param {
            Parameter::Path {
                parameter_data,
                style,
            } => {
                let style = match style {
                    PathStyle::Simple => ParamStyle::Simple,
                    PathStyle::Label | PathStyle::Matrix => {
                        return Err(Error::spec(
                            &at.join("style"),
                            format!(
                                "path parameter `{}`: styles `label` and `matrix` are not supported; use `simple`",
                                parameter_data.name
                            ),
                        ))
                    }
                };
                (parameter_data, ParamLocation::Path, style)
            }
            Parameter::Query {
                parameter_data,
                style,
                ..
            } => {
                let style = match style {
                    QueryStyle::Form => ParamStyle::Form,
                    QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                    QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                    QueryStyle::DeepObject => ParamStyle::DeepObject,
                };
                (parameter_data, ParamLocation::Query, style)
            }
            Parameter::Header { parameter_data, .. } => {
                (parameter_data, ParamLocation::Header, ParamStyle::Simple)
            }
            Parameter::Cookie { parameter_data, .. } => {
                (parameter_data, ParamLocation::Cookie, ParamStyle::Form)
            }
        };
        // OpenAPI: `explode` defaults to true for `form`, false otherwise.
        let explode = data.explode.unwrap_or(style == ParamStyle::Form);
        if style == ParamStyle::DeepObject && !explode {
            return Err(Error::spec(
                &at.join("explode"),
                format!(
                    "parameter `{}`: `deepObject` requires `explode: true`",
                    data.name
                ),
            ));
        }
        if location == ParamLocation::Path && !data.required {
            return Err(Error::spec(
                at,
                format!("path parameter `{}` must be `required: true`", data.name),
            ));
        }
        let hint = format!("{type_stem}{}", naming::type_ident(&data.name, "Value"));
        let (ty, encoding) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (
                self.lower_schema(schema, &hint, &at.join("schema"))?.ty,
                ParamEncoding::Plain,
            ),
            ParameterSchemaOrContent::Content(content) => {
                let (media, value) = content
                    .iter()
                    .find(|(media, _)| is_json(media))
                    .ok_or_else(|| {
                        Error::spec(at, "a parameter with `content` must use a JSON media type")
                    })?;
                let schema = value.schema.as_ref().ok_or_else(|| {
                    Error::spec(
                        &at.join("content").join(media),
                        "the media type has no schema",
                    )
                })?;
                (
                    self.lower_schema(
                        schema,
                        &hint,
                        &at.join("content").join(media).join("schema"),
                    )?
                    .ty,
                    ParamEncoding::Json,
                )
            }
        };
        if encoding == ParamEncoding::Plain {
            check_param_shape(&self.param_shape(&ty), style, location, &data.name, at)?;
        }
        Ok(Param {
            ident: naming::field_ident(&data.name),
            wire: data.name.clone(),
            location,
            encoding,
            style,
            explode,
            ty,
            required: data.required,
            doc: data.description.clone(),
        })
    }

    fn lower_body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        type_stem: &str,
        at: &Location,
    ) -> Result<Body> {
        let body = match body {
            ReferenceOr::Item(b) => b,
            ReferenceOr::Reference { reference } => {
                let name = ref_name(reference, "requestBodies", at)?;
                match self.doc.components.as_ref().and_then(|c| c.request_bodies.get(name)) {
                    Some(ReferenceOr::Item(b)) => b,
                    _ => return Err(Error::spec(at, format!("`$ref` to nothing: there is no request body `{name}` in #/components/requestBodies"))),
                }
            }
        };
        // Several media types: the first JSON one wins, then a form, then
        // multipart, then text, then the first listed (sent as bytes).
        let find = |wanted: &dyn Fn(&str) -> bool| {
            body.content
                .iter()
                .find(|(m, _)| wanted(essence(m).as_str()))
        };
        let form = find(&|m| m == "application/x-www-form-urlencoded");
        let multipart = find(&|m| m == "multipart/form-data");
        let kind = if let Some((media, value)) = body.content.iter().find(|(m, _)| is_json(m)) {
            let schema_at = at.join("content").join(media).join("schema");
            match &value.schema {
                Some(schema) => BodyKind::Json(
                    self.lower_schema(schema, &format!("{type_stem}Body"), &schema_at)?
                        .ty,
                ),
                None => BodyKind::Json(crate::ir::TypeRef::Json),
            }
        } else if let Some((media, value)) = form.or(multipart) {
            let media_at = at.join("content").join(media);
            let schema = value.schema.as_ref().ok_or_else(|| {
                Error::spec(&media_at, "a form body needs a `schema` (an object)")
            })?;
            let ty = self
                .lower_schema(
                    schema,
                    &format!("{type_stem}Body"),
                    &media_at.join("schema"),
                )?
                .ty;
            if !self.is_object(&ty) {
                return Err(Error::spec(
                    &media_at.join("schema"),
                    format!("a `{media}` body must be an object with properties"),
                ));
            }
            if form.is_some() {
                BodyKind::Form(ty)
            } else {
                BodyKind::Multipart(ty)
            }
        } else if body.content.keys().any(|m| m.starts_with("text/")) {
            BodyKind::Text
        } else if let Some(media) = body.content.keys().next() {
            BodyKind::Binary {
                media_type: media.clone(),
            }
        } else {
            return Err(Error::spec(at, "the request body declares no media type"));
        };
        Ok(Body {
            required: body.required,
            kind,
            doc: body.description.clone(),
        })
    }
}

/// The `Upgrade` protocol of an operation with a `101` response
/// (`x-berth-upgrade`, default `tcp`).
fn upgrade_protocol(
    op: &openapiv3::Operation,
    result: &crate::ir::OpResult,
    at: &Location,
) -> Result<Option<String>> {
    use crate::ir::{Content, OpResult};
    let switches = match result {
        OpResult::Single(reply) => reply.content == Content::Upgraded,
        OpResult::Outcomes { variants, .. } => variants
            .iter()
            .any(|v| v.reply.content == Content::Upgraded),
    };
    let declared = op.extensions.get("x-berth-upgrade");
    match (switches, declared) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(Error::spec(
            &at.join("x-berth-upgrade"),
            "x-berth-upgrade needs a `101` response on the operation",
        )),
        (true, None) => Ok(Some("tcp".to_owned())),
        (true, Some(serde_json::Value::String(protocol)))
            if !protocol.is_empty() && protocol.is_ascii() =>
        {
            Ok(Some(protocol.clone()))
        }
        (true, Some(_)) => Err(Error::spec(
            &at.join("x-berth-upgrade"),
            "x-berth-upgrade must be a protocol name such as `tcp`",
        )),
    }
}

/// OpenAPI 3.0: header parameters named Accept, Content-Type or
/// Authorization are ignored (the body's media type and security say those).
fn is_ignored_header(param: &Parameter) -> bool {
    match param {
        Parameter::Header { parameter_data, .. } => ["accept", "content-type", "authorization"]
            .contains(&parameter_data.name.to_ascii_lowercase().as_str()),
        _ => false,
    }
}

/// The media type without parameters, lower-cased.
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// What a parameter's type looks like to its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A scalar or text enum.
    Scalar,
    /// A list of scalars.
    List,
    /// An object or map of scalars.
    Object,
    /// Anything else (nested lists, objects in lists): sent as JSON text.
    Complex,
}

fn check_param_shape(
    shape: &Shape,
    style: ParamStyle,
    location: ParamLocation,
    name: &str,
    at: &Location,
) -> Result<()> {
    let fail = |what: &str| {
        Err(Error::spec(
            at,
            format!("parameter `{name}`: {what} is not supported"),
        ))
    };
    match (style, shape) {
        (ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited, Shape::Scalar | Shape::List) => {
            Ok(())
        }
        (ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited, _) => {
            fail("a space- or pipe-delimited value that is not an array")
        }
        (ParamStyle::DeepObject, Shape::Object) => Ok(()),
        (ParamStyle::DeepObject, _) => {
            fail("`deepObject` for a value that is not an object of scalars")
        }
        (_, Shape::Object | Shape::List) if location == ParamLocation::Cookie => {
            fail("an array or object in a cookie")
        }
        _ => Ok(()),
    }
}

/// `application/json`, `application/problem+json`, `application/json; charset=utf-8`.
pub fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

fn parse_method(method: &str, at: &Location) -> Result<Method> {
    Ok(match method {
        "get" => Method::Get,
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "options" => Method::Options,
        "head" => Method::Head,
        "patch" => Method::Patch,
        "trace" => Method::Trace,
        other => return Err(Error::spec(at, format!("unknown HTTP method `{other}`"))),
    })
}

/// A stable name for an operation without operationId: `get /pets/{id}` → `GetPetsId`.
fn derived_operation_id(method: &str, path: &str) -> String {
    format!("{}{}", naming::pascal(method), naming::pascal(path))
}

/// Splits a path template into literal text and parameters, checking that
/// template variables and path parameters match one to one.
fn split_path(path: &str, params: &[Param], at: &Location) -> Result<Vec<PathPart>> {
    let mut parts = Vec::new();
    let mut rest = path;
    let mut used = Vec::new();
    while let Some(open) = rest.find('{') {
        let (literal, after) = rest.split_at(open);
        let close = after.find('}').ok_or_else(|| {
            Error::spec(at, format!("path template `{path}` has an unclosed `{{`"))
        })?;
        let name = after.get(1..close).unwrap_or("");
        let param = params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire == name)
            .ok_or_else(|| Error::spec(at, format!("path template `{path}` uses `{{{name}}}` but no path parameter `{name}` is declared")))?;
        if !literal.is_empty() {
            parts.push(PathPart::Literal(literal.to_owned()));
        }
        parts.push(PathPart::Param(param.ident.clone()));
        used.push(name.to_owned());
        rest = after.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_owned()));
    }
    if let Some(unused) = params
        .iter()
        .find(|p| p.location == ParamLocation::Path && !used.contains(&p.wire))
    {
        return Err(Error::spec(
            at,
            format!(
                "path parameter `{}` does not appear in the path template `{path}`",
                unused.wire
            ),
        ));
    }
    Ok(parts)
}
