//! What the generated commands call: reading bodies and flag values, and the
//! `Output` a command returns for `render` to print.

use std::collections::BTreeMap;
use std::io::Read;

use berth_client::{Body, ByteStream, JsonLines, LogStream, Upgraded};
use futures_util::stream::{BoxStream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The daemon or the connection failed.
    #[error(transparent)]
    Client(#[from] berth_client::Error),
    /// The user's input cannot be used.
    #[error("{0}")]
    Input(String),
    /// Ctrl-C or SIGTERM stopped the command.
    #[error("interrupted")]
    Interrupted,
}

/// What a command produced.
pub enum Output {
    /// Nothing to print.
    Nothing,
    /// One JSON document.
    Json(serde_json::Value),
    /// Text.
    Text(String),
    /// Raw bytes, for stdout or (all or nothing) a file.
    Bytes(ByteStream, Option<std::path::PathBuf>),
    /// JSON values arriving one by one (progress, events).
    Items(BoxStream<'static, Result<serde_json::Value, berth_client::Error>>),
    /// A container's stdout and stderr.
    Logs(LogStream),
    /// A switched connection: stdin goes in, stdout and stderr come out.
    Session(Upgraded),
    /// Exit with this status (a container's or a command's exit code).
    Exit(u8),
}

impl Output {
    /// A JSON document from any serializable result.
    pub fn json<T: Serialize>(value: &T) -> Result<Output, Error> {
        serde_json::to_value(value)
            .map(Output::Json)
            .map_err(|e| Error::Input(format!("cannot print the result: {e}")))
    }

    /// A stream of typed items, printed as they arrive.
    pub fn items<T: Serialize + DeserializeOwned + Send + 'static>(stream: JsonLines<T>) -> Output {
        Output::Items(
            stream
                .map(|item| {
                    item.and_then(|v| serde_json::to_value(v).map_err(berth_client::Error::Decode))
                })
                .boxed(),
        )
    }
}

/// Reads a JSON body from a file, `-` (stdin), or the argument itself when
/// it starts with `{` or `[`.
pub fn json_body<T: DeserializeOwned>(source: &str) -> Result<T, Error> {
    let trimmed = source.trim_start();
    let (text, origin) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        (source.to_owned(), "--body".to_owned())
    } else if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Input(format!("cannot read the body from stdin: {e}")))?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(source)
            .map_err(|e| Error::Input(format!("cannot read the body from {source}: {e}")))?;
        (text, source.to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::Input(format!("the body from {origin} is not valid: {e}")))
}

/// A streamed body from a file or `-` (stdin); nothing is read into memory whole.
pub async fn binary_body(source: &str) -> Result<Body, Error> {
    if source == "-" {
        return Ok(Body::from_reader(tokio::io::stdin()));
    }
    Body::from_file(source)
        .await
        .map_err(|e| Error::Input(format!("cannot open {source}: {e}")))
}

/// Parses `KEY=VALUE` (clap value parser).
pub fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

/// `KEY=VALUE` pairs as a map; a later key wins.
pub fn string_map(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    pairs.into_iter().collect()
}

/// `KEY=VALUE` pairs as a map of lists (`--filter label=a --filter label=b`).
pub fn list_map(pairs: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    map
}

/// Splits `NAME[:TAG]` at the last colon after the last slash, so a registry
/// port is not taken for a tag: `localhost:5000/app:1` → (`localhost:5000/app`, `1`).
pub fn split_name_tag(reference: &str) -> (String, Option<String>) {
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference.get(name_start..).and_then(|last| last.rfind(':')) {
        Some(colon) => {
            let at = name_start + colon;
            let tag = reference.get(at + 1..).unwrap_or_default();
            (
                reference.get(..at).unwrap_or_default().to_owned(),
                (!tag.is_empty()).then(|| tag.to_owned()),
            )
        }
        None => (reference.to_owned(), None),
    }
}

/// The JSON object a body starts from: `--body` if given, else `{}`.
pub fn json_object(
    source: Option<&str>,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match source {
        None => Ok(serde_json::Map::new()),
        Some(source) => match json_body::<serde_json::Value>(source)? {
            serde_json::Value::Object(map) => Ok(map),
            _ => Err(Error::Input("the body must be a JSON object".to_owned())),
        },
    }
}

/// Sets a body field from a flag that was given.
pub fn set_value<T: Serialize>(
    object: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    value: &Option<T>,
) -> Result<(), Error> {
    if let Some(value) = value {
        let value = serde_json::to_value(value)
            .map_err(|e| Error::Input(format!("cannot use the value for {key}: {e}")))?;
        object.insert(key.to_owned(), value);
    }
    Ok(())
}

/// Sets a list body field from a repeatable flag that was given.
pub fn set_list<T: Serialize>(
    object: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    values: &[T],
) -> Result<(), Error> {
    if !values.is_empty() {
        let value = serde_json::to_value(values)
            .map_err(|e| Error::Input(format!("cannot use the values for {key}: {e}")))?;
        object.insert(key.to_owned(), value);
    }
    Ok(())
}

/// Adds `KEY=VALUE` flags to a map body field (keeping what `--body` set).
pub fn set_map(
    object: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    pairs: &[(String, String)],
) {
    if pairs.is_empty() {
        return;
    }
    let entry = object
        .entry(key.to_owned())
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if !entry.is_object() {
        *entry = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(map) = entry {
        for (k, v) in pairs {
            map.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
    }
}

/// Decodes the merged body object into the operation's body type.
pub fn from_object<T: DeserializeOwned>(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| Error::Input(format!("the request body is not valid: {e}")))
}

/// Parses a flag given as JSON (clap value parser).
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON for this flag: {e}"))
}

/// Parses a positional into a parameter's type.
pub fn parse_text<T: std::str::FromStr>(text: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| Error::Input(format!("invalid value {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_tag_split_keeps_registry_ports() {
        let cases = [
            ("busybox", ("busybox", None)),
            ("busybox:1.36", ("busybox", Some("1.36"))),
            ("localhost:5000/app", ("localhost:5000/app", None)),
            ("localhost:5000/app:1", ("localhost:5000/app", Some("1"))),
            ("repo/app:", ("repo/app", None)),
        ];
        for (input, (name, tag)) in cases {
            assert_eq!(
                split_name_tag(input),
                (name.to_owned(), tag.map(str::to_owned)),
                "{input}"
            );
        }
    }

    #[test]
    fn filters_collect_into_lists() {
        let map = list_map(vec![
            ("label".into(), "a=b".into()),
            ("label".into(), "c".into()),
            ("name".into(), "x".into()),
        ]);
        assert_eq!(
            serde_json::to_string(&map).ok().as_deref(),
            Some(r#"{"label":["a=b","c"],"name":["x"]}"#)
        );
    }

    #[test]
    fn key_value_needs_a_key() {
        assert_eq!(
            key_value("label=a=b"),
            Ok(("label".to_owned(), "a=b".to_owned()))
        );
        assert_eq!(
            key_value("dangling="),
            Ok(("dangling".to_owned(), String::new()))
        );
        assert!(key_value("=x").is_err());
        assert!(key_value("novalue").is_err());
    }

    #[test]
    fn json_body_accepts_inline_json() {
        let v: Result<serde_json::Value, _> = json_body(r#"{"Image":"x"}"#);
        assert_eq!(v.ok(), Some(serde_json::json!({"Image": "x"})));
        let missing: Result<serde_json::Value, _> = json_body("/nonexistent/body.json");
        assert!(missing.is_err_and(|e| e.to_string().contains("/nonexistent/body.json")));
    }
}
