//! Building requests: path, query, headers and body, plus the encodings the
//! generated code uses for path segments and JSON-valued parameters.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::{Body, Error};

/// Characters escaped in a path segment: everything that would end or
/// reshape the segment. `:` and `@` stay (image references use them).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// Percent-encodes a value for use as one path segment.
pub fn encode_path(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// A fresh `Sec-WebSocket-Key`: 16 bytes, base64. The key only has to differ
/// between handshakes (RFC 6455 section 4.1), so time and a counter suffice.
fn websocket_key() -> String {
    use base64::Engine;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) ^ u64::from(std::process::id());
    let mut bytes = [0u8; 16];
    for (slot, byte) in bytes
        .iter_mut()
        .zip(nanos.to_le_bytes().into_iter().chain(count.to_le_bytes()))
    {
        *slot = byte;
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Encodes a parameter value as JSON text (`filters`, objects in queries).
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::Encode)
}

/// A request to the daemon, before the API version is known.
#[derive(Debug)]
pub struct Request {
    method: reqwest::Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<(reqwest::Body, String)>,
}

impl Request {
    /// A request for `path` (without the `/v1.xx` prefix).
    pub fn new(method: reqwest::Method, path: String) -> Self {
        Request {
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a query pair.
    pub fn query(&mut self, name: &str, value: String) {
        self.query.push((name.to_owned(), value));
    }

    /// Adds a header.
    pub fn header(&mut self, name: &str, value: String) {
        self.headers.push((name.to_owned(), value));
    }

    /// Asks the daemon to switch the connection to `protocol` (`101`).
    /// A websocket upgrade also carries the handshake's key and version.
    pub fn upgrade(&mut self, protocol: &str) {
        self.header("Connection", "Upgrade".to_owned());
        self.header("Upgrade", protocol.to_owned());
        if protocol.eq_ignore_ascii_case("websocket") {
            self.header("Sec-WebSocket-Version", "13".to_owned());
            self.header("Sec-WebSocket-Key", websocket_key());
        }
    }

    /// Sets a JSON body.
    pub fn json_body<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(Error::Encode)?;
        self.body = Some((bytes.into(), "application/json".to_owned()));
        Ok(())
    }

    /// Sets a plain-text body.
    pub fn text_body(&mut self, text: &str) {
        self.body = Some((text.to_owned().into(), "text/plain".to_owned()));
    }

    /// Sets a streamed body with its media type.
    pub fn body(&mut self, body: Body, media_type: &str) {
        self.body = Some((body.into_inner(), media_type.to_owned()));
    }

    pub(crate) fn into_reqwest(
        self,
        http: &reqwest::Client,
        base: &str,
        version: &str,
    ) -> Result<reqwest::Request, Error> {
        let mut url =
            reqwest::Url::parse(&format!("{base}/v{version}{}", self.path)).map_err(|e| {
                Error::InvalidHost {
                    host: base.to_owned(),
                    reason: e.to_string(),
                }
            })?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut builder = http.request(self.method, url);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if let Some((body, media_type)) = self.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, media_type)
                .body(body);
        }
        builder.build().map_err(Error::Http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped_but_references_stay_readable() {
        assert_eq!(encode_path("abc123"), "abc123");
        assert_eq!(encode_path("busybox:latest"), "busybox:latest");
        assert_eq!(encode_path("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
    }

    #[test]
    fn version_goes_on_the_wire_and_query_is_encoded() {
        let http = reqwest::Client::new();
        let mut request = Request::new(reqwest::Method::GET, "/containers/json".to_owned());
        request.query("filters", r#"{"label":["a=b"]}"#.to_owned());
        let built = request
            .into_reqwest(&http, "http://localhost", "1.41")
            .map_err(|e| e.to_string());
        let url = built.map(|r| r.url().to_string());
        assert_eq!(
            url.as_deref(),
            Ok("http://localhost/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D")
        );
    }
}
