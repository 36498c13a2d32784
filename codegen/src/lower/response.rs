//! Lowering responses: which statuses succeed, what each carries, and the
//! stream shapes declared with `x-berth-stream`.

use openapiv3::{
    Header, MediaType, ParameterSchemaOrContent, ReferenceOr, Response, Responses, StatusCode,
};
use serde::Deserialize;

use super::operation::is_json;
use super::Lowerer;
use crate::error::{Error, Location, Result};
use crate::ir::{
    Content, HeaderEncoding, Headers, OpResult, Outcome, Reply, ResponseHeader, TypeRef,
};
use crate::naming;

/// `x-berth-stream` on a media type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct StreamExtension {
    framing: Framing,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum Framing {
    JsonLines,
    Multiplexed,
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_responses(
        &mut self,
        responses: &'a Responses,
        type_stem: &str,
        at: &Location,
    ) -> Result<OpResult> {
        let mut successes = Vec::new();
        for (status, response) in &responses.responses {
            let code = match status {
                StatusCode::Code(code) => *code,
                StatusCode::Range(range) => {
                    if (1..=3).contains(range) {
                        return Err(Error::spec(&at.join(&status.to_string()), "status ranges for successful responses are not supported; list the statuses"));
                    }
                    continue;
                }
            };
            if code >= 400 {
                continue;
            }
            let response_at = at.join(&code.to_string());
            let response = self.resolve_response(response, &response_at)?;
            successes.push((code, response, response_at));
        }
        // A `default` response is the result only when no success status is
        // listed; beside success statuses it describes errors, which the
        // runtime reports as its error type.
        if successes.is_empty() {
            if let Some(default) = &responses.default {
                let response_at = at.join("default");
                let response = self.resolve_response(default, &response_at)?;
                return Ok(OpResult::Single(self.lower_reply(
                    200,
                    response,
                    type_stem,
                    "",
                    &response_at,
                )?));
            }
        }
        match successes.as_slice() {
            [] => Ok(OpResult::Single(Reply {
                content: Content::Empty,
                headers: None,
            })),
            [(code, response, response_at)] => Ok(OpResult::Single(self.lower_reply(
                *code,
                response,
                type_stem,
                "",
                response_at,
            )?)),
            _ => {
                let mut variants = Vec::new();
                for (code, response, response_at) in successes {
                    let variant = status_variant(code);
                    let reply =
                        self.lower_reply(code, response, type_stem, &variant, &response_at)?;
                    variants.push(Outcome {
                        status: code,
                        variant,
                        reply,
                        doc: Some(response.description.clone()),
                    });
                }
                variants.sort_by_key(|v| v.status);
                Ok(OpResult::Outcomes {
                    name: self.reserve_type_name(&format!("{type_stem}Outcome")),
                    variants,
                })
            }
        }
    }

    /// The body and typed headers of one success response; `variant` tells
    /// responses of one operation apart in generated names.
    fn lower_reply(
        &mut self,
        code: u16,
        response: &'a Response,
        type_stem: &str,
        variant: &str,
        at: &Location,
    ) -> Result<Reply> {
        let content = if code == 101 {
            // After the switch the connection is the stream; its media type
            // only hints at framing, which the runtime reads from the bytes.
            Content::Upgraded
        } else {
            self.lower_content(response, &format!("{type_stem}{variant}Response"), at)?
        };
        let headers = if response.headers.is_empty() {
            None
        } else {
            let mut taken = std::collections::BTreeSet::new();
            let mut fields = Vec::new();
            for (name, header) in &response.headers {
                let header_at = at.join("headers").join(name);
                let header = self.resolve_header(header, &header_at)?;
                let hint = format!("{type_stem}{variant}{}", naming::type_ident(name, "Header"));
                fields.push(self.lower_header(name, header, &hint, &header_at, &mut taken)?);
            }
            Some(Headers {
                name: self.reserve_type_name(&format!("{type_stem}{variant}Headers")),
                fields,
            })
        };
        Ok(Reply { content, headers })
    }

    fn resolve_header(&self, header: &'a ReferenceOr<Header>, at: &Location) -> Result<&'a Header> {
        match header {
            ReferenceOr::Item(h) => Ok(h),
            ReferenceOr::Reference { reference } => {
                let name = crate::load::ref_name(reference, "headers", at)?;
                match self.doc.components.as_ref().and_then(|c| c.headers.get(name)) {
                    Some(ReferenceOr::Item(h)) => Ok(h),
                    _ => Err(Error::spec(at, format!("`$ref` to nothing: there is no header `{name}` in #/components/headers"))),
                }
            }
        }
    }

    fn lower_header(
        &mut self,
        name: &str,
        header: &'a Header,
        hint: &str,
        at: &Location,
        taken: &mut std::collections::BTreeSet<String>,
    ) -> Result<ResponseHeader> {
        let encoding = match header
            .extensions
            .get("x-berth-encoding")
            .map(|v| v.as_str())
        {
            None => HeaderEncoding::Plain,
            Some(Some("base64-json")) => HeaderEncoding::Base64Json,
            Some(other) => {
                return Err(Error::spec(
                    &at.join("x-berth-encoding"),
                    format!(
                        "unknown x-berth-encoding {other:?}; the supported one is `base64-json`"
                    ),
                ))
            }
        };
        let ty = match &header.format {
            ParameterSchemaOrContent::Schema(schema) => {
                self.lower_schema(schema, hint, &at.join("schema"))?.ty
            }
            ParameterSchemaOrContent::Content(_) => {
                return Err(Error::spec(
                    at,
                    "headers described with `content` are not supported; use `schema`",
                ))
            }
        };
        if encoding == HeaderEncoding::Plain
            && !matches!(
                ty,
                TypeRef::Bool
                    | TypeRef::I32
                    | TypeRef::I64
                    | TypeRef::U32
                    | TypeRef::U64
                    | TypeRef::F32
                    | TypeRef::F64
                    | TypeRef::String
                    | TypeRef::Named(_)
            )
        {
            return Err(Error::spec(
                at,
                "a header holding a list, map or JSON value needs `x-berth-encoding: base64-json`",
            ));
        }
        Ok(ResponseHeader {
            wire: name.to_owned(),
            ident: naming::unique(naming::field_ident(name), taken),
            ty,
            encoding,
            doc: header.description.clone(),
        })
    }

    fn resolve_response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Location,
    ) -> Result<&'a Response> {
        match response {
            ReferenceOr::Item(r) => Ok(r),
            ReferenceOr::Reference { reference } => {
                let name = crate::load::ref_name(reference, "responses", at)?;
                match self.doc.components.as_ref().and_then(|c| c.responses.get(name)) {
                    Some(ReferenceOr::Item(r)) => Ok(r),
                    _ => Err(Error::spec(at, format!("`$ref` to nothing: there is no response `{name}` in #/components/responses"))),
                }
            }
        }
    }

    fn lower_content(
        &mut self,
        response: &'a Response,
        hint: &str,
        at: &Location,
    ) -> Result<Content> {
        // A declared stream shape wins over the media type.
        for (media, value) in &response.content {
            let media_at = at.join("content").join(media);
            if let Some(stream) = stream_extension(value, &media_at)? {
                return self.stream_content(stream, value, hint, &media_at);
            }
        }
        if let Some((media, value)) = response.content.iter().find(|(m, _)| is_json(m)) {
            let ty = match &value.schema {
                Some(schema) => self
                    .lower_schema(schema, hint, &at.join("content").join(media).join("schema"))?
                    .value_type(),
                None => TypeRef::Json,
            };
            return Ok(Content::Json(ty));
        }
        if response.content.keys().any(|m| m.starts_with("text/")) {
            return Ok(Content::Text);
        }
        Ok(if response.content.is_empty() {
            Content::Empty
        } else {
            Content::Binary
        })
    }

    fn stream_content(
        &mut self,
        stream: StreamExtension,
        value: &'a MediaType,
        hint: &str,
        at: &Location,
    ) -> Result<Content> {
        match stream.framing {
            Framing::Multiplexed => {
                if stream.error.is_some() {
                    return Err(Error::spec(
                        at,
                        "x-berth-stream: `error` applies only to `framing: json-lines`",
                    ));
                }
                Ok(Content::Multiplexed)
            }
            Framing::JsonLines => {
                if let Some(pointer) = &stream.error {
                    if !pointer.starts_with('/') {
                        return Err(Error::spec(at, format!("x-berth-stream: `error` must be a JSON pointer such as `/error`, not `{pointer}`")));
                    }
                }
                let item = match &value.schema {
                    Some(schema) => {
                        self.lower_schema(schema, &format!("{hint}Item"), &at.join("schema"))?
                            .ty
                    }
                    None => TypeRef::Json,
                };
                Ok(Content::JsonLines {
                    item,
                    error: stream.error,
                })
            }
        }
    }
}

fn stream_extension(value: &MediaType, at: &Location) -> Result<Option<StreamExtension>> {
    match value.extensions.get("x-berth-stream") {
        None => Ok(None),
        Some(raw) => serde_json::from_value(raw.clone()).map(Some).map_err(|e| {
            Error::spec(
                &at.join("x-berth-stream"),
                format!("invalid x-berth-stream: {e}"),
            )
        }),
    }
}

/// A variant name for a success status: `204` → `NoContent`.
fn status_variant(code: u16) -> String {
    let name = match code {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        _ => return format!("Status{code}"),
    };
    name.to_owned()
}
