//! The client: one pooled HTTP connection set to one daemon, and the API
//! version negotiated with it.

use std::time::Duration;

use tokio::sync::OnceCell;

use super::host::DEFAULT_HOST;
use super::{Error, Host, Request, Response};
use crate::api::API_VERSION;

/// How long to wait for a connection. Only connecting is bounded: a
/// following stream (`logs --follow`, events) may stay idle for hours.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one Docker daemon. Cheap to share: clone it or borrow it;
/// all clones share the connection pool and the negotiated version.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    host: Host,
    base: String,
    version: std::sync::Arc<OnceCell<String>>,
}

/// Settings for a [`Client`].
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    host: Option<String>,
    version: Option<String>,
}

impl ClientBuilder {
    /// The daemon address (`unix://…`, `tcp://…`); default `DOCKER_HOST`,
    /// else `unix:///var/run/docker.sock`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Pins the API version (as `DOCKER_API_VERSION` does), skipping negotiation.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Fills unset values from `DOCKER_HOST` and `DOCKER_API_VERSION`.
    pub fn from_env(mut self) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.host = self.host.or_else(|| var("DOCKER_HOST"));
        self.version = self.version.or_else(|| var("DOCKER_API_VERSION"));
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<Client, Error> {
        let host = Host::parse(self.host.as_deref().unwrap_or(DEFAULT_HOST))?;
        let mut http = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
        if let Host::Unix(path) = &host {
            http = http.unix_socket(path.as_path());
        }
        let http = http.build().map_err(Error::Http)?;
        let version = OnceCell::new();
        if let Some(pinned) = self.version {
            let pinned = pinned.trim_start_matches('v').to_owned();
            parse_version(&pinned).ok_or_else(|| Error::InvalidVersion(pinned.clone()))?;
            // A fresh cell cannot already be set; ignoring the result is safe.
            let _ = version.set(pinned);
        }
        Ok(Client {
            base: host.base_url(),
            http,
            host,
            version: std::sync::Arc::new(version),
        })
    }
}

impl Client {
    /// A builder for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `DOCKER_HOST` and `DOCKER_API_VERSION`.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::default().from_env().build()
    }

    /// The daemon address.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The API version requests use, negotiating it first if needed: the
    /// lower of the spec's version and the daemon's.
    pub async fn api_version(&self) -> Result<&str, Error> {
        self.version
            .get_or_try_init(|| self.negotiate())
            .await
            .map(String::as_str)
    }

    async fn negotiate(&self) -> Result<String, Error> {
        let url = format!("{}/_ping", self.base);
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let daemon = response
            .headers()
            .get("api-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(match daemon {
            Some(daemon) => lower_version(&daemon, API_VERSION).to_owned(),
            // A daemon that does not say is old; the spec's version is the best guess.
            None => API_VERSION.to_owned(),
        })
    }

    /// Sends a request under the negotiated version. A status of 400 or above
    /// becomes [`Error::Daemon`] with the daemon's message.
    pub async fn execute(&self, request: Request) -> Result<Response, Error> {
        let version = self.api_version().await?;
        let built = request.into_reqwest(&self.http, &self.base, version)?;
        let response = self
            .http
            .execute(built)
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        if status >= 400 {
            let body = response.bytes().await.map_err(Error::Http)?;
            let mut message = daemon_message(&body);
            if message.is_empty() {
                // HEAD answers, and some errors, carry no body: say what the status means.
                message = response_reason(status);
            }
            return Err(Error::Daemon { status, message });
        }
        Ok(Response::new(response))
    }

    fn transport_error(&self, error: reqwest::Error) -> Error {
        if error.is_connect() {
            Error::Connect {
                host: self.host.to_string(),
                source: error,
            }
        } else {
            Error::Http(error)
        }
    }
}

/// The `message` of a JSON error body, else the body as text.
fn daemon_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => e.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    }
}

fn response_reason(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => format!("status {status}"),
    }
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The lower of two `MAJOR.MINOR` versions; an unreadable one loses.
fn lower_version<'a>(a: &'a str, b: &'a str) -> &'a str {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) if x <= y => a,
        (Some(_), Some(_)) | (None, _) => b,
        (Some(_), None) => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_lower_version() {
        assert_eq!(lower_version("1.41", "1.51"), "1.41");
        assert_eq!(lower_version("1.52", "1.51"), "1.51");
        assert_eq!(lower_version("1.9", "1.41"), "1.9");
        assert_eq!(lower_version("1.100", "1.51"), "1.51");
        assert_eq!(lower_version("junk", "1.51"), "1.51");
    }

    #[test]
    fn daemon_messages_come_from_json_or_text() {
        assert_eq!(
            daemon_message(br#"{"message":"No such container: x"}"#),
            "No such container: x"
        );
        assert_eq!(daemon_message(b"page not found\n"), "page not found");
        assert_eq!(response_reason(404), "404 Not Found");
    }

    #[test]
    fn pinned_versions_are_checked() {
        assert!(Client::builder()
            .host("unix:///x.sock")
            .api_version("1.41")
            .build()
            .is_ok());
        assert!(Client::builder()
            .host("unix:///x.sock")
            .api_version("v1.41")
            .build()
            .is_ok());
        assert!(matches!(
            Client::builder()
                .host("unix:///x.sock")
                .api_version("latest")
                .build(),
            Err(Error::InvalidVersion(_))
        ));
    }
}
