//! Reading the daemon's answer in the shape the spec declares.

use serde::de::DeserializeOwned;

use super::{ByteStream, Error, JsonLines, LogStream};

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
