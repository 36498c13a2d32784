//! Reading the daemon's answer in the shape the spec declares.

use serde::de::DeserializeOwned;

use base64::Engine;

use super::{ByteStream, Error, JsonLines, LogStream, Upgraded};

/// A successful answer from the daemon.
#[derive(Debug)]
pub struct Response(reqwest::Response);

impl Response {
    pub(crate) fn new(inner: reqwest::Response) -> Self {
        Response(inner)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.0.status().as_u16()
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.0.headers()
    }

    /// A header parsed as `T`; `None` when absent.
    pub fn header<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Error>
    where
        T::Err: std::fmt::Display,
    {
        let Some(text) = self.header_text(name)? else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|e| Error::Header {
            name: name.to_owned(),
            reason: format!("{text:?}: {e}"),
        })
    }

    /// A header holding base64-encoded JSON, decoded; `None` when absent.
    pub fn header_base64_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Error> {
        let Some(text) = self.header_text(name)? else {
            return Ok(None);
        };
        let invalid = |reason: String| Error::Header {
            name: name.to_owned(),
            reason,
        };
        let json = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| invalid(format!("not base64: {e}")))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| invalid(format!("not the declared JSON: {e}")))
    }

    fn header_text(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.0.headers().get(name) {
            None => Ok(None),
            Some(value) => value.to_str().map(Some).map_err(|_| Error::Header {
                name: name.to_owned(),
                reason: "not text".to_owned(),
            }),
        }
    }

    /// The connection after `101 Switching Protocols`.
    pub async fn into_upgraded(self) -> Result<Upgraded, Error> {
        let status = self.status();
        if status != 101 {
            return Err(Error::UnexpectedStatus(status));
        }
        let protocol = self
            .headers()
            .get("upgrade")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        self.0
            .upgrade()
            .await
            .map(|io| Upgraded::new(io, &protocol))
            .map_err(Error::Http)
    }

    /// Decodes a JSON body.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let bytes = self.0.bytes().await.map_err(Error::Http)?;
        serde_json::from_slice(&bytes).map_err(Error::Decode)
    }

    /// Reads a text body.
    pub async fn text(self) -> Result<String, Error> {
        self.0.text().await.map_err(Error::Http)
    }

    /// Reads and discards the body, so the connection can be reused.
    pub async fn empty(self) -> Result<(), Error> {
        self.0.bytes().await.map(drop).map_err(Error::Http)
    }

    /// The body as a stream of byte chunks.
    pub fn into_byte_stream(self) -> ByteStream {
        ByteStream::new(self.0)
    }

    /// The body as a stream of JSON values; `error` points at a field whose
    /// presence in an item means the daemon reports a failure.
    pub fn into_json_lines<T: DeserializeOwned>(self, error: Option<&'static str>) -> JsonLines<T> {
        JsonLines::new(ByteStream::new(self.0), error)
    }

    /// The body as stdout/stderr chunks. The framing comes from the
    /// Content-Type when the daemon sends one; older daemons send none, and
    /// then the first bytes tell a framed stream from a raw (TTY) one.
    pub fn into_log_stream(self) -> LogStream {
        let framed = match self
            .0
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        {
            Some(t) if t.starts_with("application/vnd.docker.multiplexed-stream") => Some(true),
            Some(t) if t.starts_with("application/vnd.docker.raw-stream") => Some(false),
            _ => None,
        };
        LogStream::new(ByteStream::new(self.0), framed)
    }
}
