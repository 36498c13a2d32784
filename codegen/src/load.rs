//! Reading a spec file into an OpenAPI document, with errors that say where
//! the text is wrong and what kind of document it is when it is not 3.0.

use std::path::Path;

use openapiv3::OpenAPI;

use crate::error::{Error, Location, Result};

/// Reads and parses the OpenAPI 3.0 document at `path` (YAML or JSON).
pub fn load_file(path: &Path) -> Result<OpenAPI> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Parses an OpenAPI 3.0 document from text. `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<OpenAPI> {
    let parse_error = |message: String| Error::Parse {
        path: path.to_owned(),
        message,
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    // A generic parse first: it tells a Swagger 2.0 or 3.1 document apart
    // from a malformed one, and reports syntax errors with line and column.
    let value: serde_json::Value = if is_json {
        serde_json::from_str(text).map_err(|e| parse_error(format!("invalid JSON: {e}")))?
    } else {
        serde_norway::from_str(text).map_err(|e| parse_error(format!("invalid YAML: {e}")))?
    };
    check_version(&value).map_err(parse_error)?;
    // Typed decoding from the parsed value avoids reading the text twice; only
    // when it fails is the text decoded again, for a message with a line number.
    let doc = match serde_json::from_value::<OpenAPI>(value) {
        Ok(doc) => doc,
        Err(value_error) => {
            let located = contain_panics(|| {
                if is_json {
                    serde_json::from_str::<OpenAPI>(text)
                        .err()
                        .map(|e| e.to_string())
                } else {
                    serde_norway::from_str::<OpenAPI>(text)
                        .err()
                        .map(|e| e.to_string())
                }
            });
            let message = located.unwrap_or_else(|| value_error.to_string());
            return Err(parse_error(format!(
                "not a valid OpenAPI 3.0 document: {message}"
            )));
        }
    };
    Ok(doc)
}

/// Runs `f`, turning a panic into `None`. openapiv3 2.2 can panic
/// ("somehow this parsed successfully the second time") while decoding some
/// malformed YAML straight from text (found by fuzzing); that decode only
/// serves to put a line number in the message, so a panic there must not
/// take the build down. The panic hook is silenced meanwhile.
fn contain_panics(f: impl FnOnce() -> Option<String> + std::panic::UnwindSafe) -> Option<String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(f);
    std::panic::set_hook(hook);
    result.ok().flatten()
}

fn check_version(value: &serde_json::Value) -> Result<(), String> {
    if let Some(swagger) = value.get("swagger") {
        return Err(format!(
            "this is a Swagger {} document; berth-codegen reads OpenAPI 3.0.x. \
             Convert it first (for example with swagger2openapi) and generate from the result",
            swagger.as_str().unwrap_or("2.0")
        ));
    }
    match value.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0") => Ok(()),
        Some(v) => Err(format!(
            "OpenAPI version {v} is not supported; berth-codegen reads 3.0.x"
        )),
        None => Err("no `openapi` field: this is not an OpenAPI 3.0 document".to_owned()),
    }
}

/// The component name a local `$ref` points to, e.g. `#/components/schemas/Foo`
/// with kind `schemas` → `Foo`.
pub fn ref_name<'r>(reference: &'r str, kind: &str, at: &Location) -> Result<&'r str> {
    let prefix = format!("#/components/{kind}/");
    reference.strip_prefix(&prefix).filter(|name| !name.contains('/')).ok_or_else(|| {
        Error::spec(
            at,
            format!("`$ref: {reference}` is not supported here; expected a reference of the form {prefix}<name>"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, file: &str) -> String {
        match parse(text, Path::new(file)) {
            Ok(_) => "parsed".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn swagger_two_is_named_and_conversion_suggested() {
        let e = err(
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "a.yaml",
        );
        assert!(
            e.contains("Swagger 2.0") && e.contains("swagger2openapi"),
            "{e}"
        );
    }

    #[test]
    fn malformed_yaml_reports_line_and_column() {
        let e = err("openapi: 3.0.3\ninfo: [unclosed\n", "bad.yaml");
        assert!(
            e.starts_with("bad.yaml: invalid YAML") && e.contains("line"),
            "{e}"
        );
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let e = err("{\"openapi\": \"3.0.3\",\n \"info\": }", "bad.json");
        assert!(e.contains("invalid JSON") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn openapi_three_one_is_refused() {
        let e = err(
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "a.yaml",
        );
        assert!(e.contains("3.1.0 is not supported"), "{e}");
    }

    #[test]
    fn a_panicking_decoder_is_an_error() {
        // Found by fuzzing: openapiv3 panics decoding this YAML from text.
        let text = include_str!("../tests/fixtures/errors/openapiv3-panic.yaml");
        let e = err(text, "crash.yaml");
        assert!(e.contains("not a valid OpenAPI 3.0 document"), "{e}");
    }

    #[test]
    fn minimal_document_parses() {
        assert_eq!(
            err(
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
                "a.yaml"
            ),
            "parsed"
        );
    }
}
