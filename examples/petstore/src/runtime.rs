//! The runtime the generated client is written against, as small as this
//! spec allows: what `client.rs` calls and nothing else. Each project brings
//! its own (Berth's, in `generated-client/src/runtime`, speaks to Docker over
//! Unix sockets and negotiates API versions); this one is plain HTTP over
//! reqwest, with whole bodies in memory.

pub use reqwest::Method;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error status.
    #[error("status {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The body, as text.
        body: String,
    },
    /// A status the spec does not list.
    #[error("unexpected status {0}")]
    UnexpectedStatus(u16),
    /// Transport failure.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// A request value could not be encoded.
    #[error("cannot encode the request: {0}")]
    Encode(#[source] serde_json::Error),
    /// The answer did not match the spec.
    #[error("cannot decode the answer: {0}")]
    Decode(#[source] serde_json::Error),
    /// A declared response header is unreadable.
    #[error("cannot read header {0}")]
    Header(String),
}

/// Percent-encodes one path segment.
pub fn encode_path(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A value as JSON text.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::Encode)
}

/// A request body.
#[derive(Debug)]
pub struct Body(Vec<u8>);

impl Body {
    /// A body of these bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Body(bytes.into())
    }
}

/// A request being built by the generated code.
#[derive(Debug)]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<(Vec<u8>, String)>,
}

impl Request {
    /// A request for `path` (relative to the client's base URL).
    pub fn new(method: Method, path: String) -> Self {
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

    /// A JSON body.
    pub fn json_body<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(Error::Encode)?;
        self.body = Some((bytes, "application/json".to_owned()));
        Ok(())
    }

    /// A body of any media type.
    pub fn body(&mut self, body: Body, media_type: &str) {
        self.body = Some((body.0, media_type.to_owned()));
    }
}

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for the server at `base` (e.g. `SERVERS[0].default_url()`).
    pub fn new(base: &str) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends a request; a status of 400 or above is an error.
    pub async fn execute(&self, request: Request) -> Result<Response, Error> {
        let url = format!("{}{}", self.base, request.path);
        let mut url = reqwest::Url::parse(&url).map_err(|_| Error::Header("url".to_owned()))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut builder = self.http.request(request.method, url);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some((bytes, media_type)) = request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, media_type)
                .body(bytes);
        }
        let response = builder.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        if status >= 400 {
            return Err(Error::Status {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// A successful answer, read whole.
#[derive(Debug)]
pub struct Response {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Response {
    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A declared header, parsed.
    pub fn header<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| v.parse().ok())
                .map(Some)
                .ok_or_else(|| Error::Header(name.to_owned())),
        }
    }

    /// The body as JSON.
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(Error::Decode)
    }

    /// The body as text.
    pub async fn text(self) -> Result<String, Error> {
        Ok(String::from_utf8_lossy(&self.body).into_owned())
    }

    /// No body.
    pub async fn empty(self) -> Result<(), Error> {
        Ok(())
    }
}

/// A result with the response's typed headers beside its body.
#[derive(Debug)]
pub struct WithHeaders<B, H> {
    /// The body.
    pub body: B,
    /// The declared headers.
    pub headers: H,
}
