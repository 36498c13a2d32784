//! Where the daemon listens: `DOCKER_HOST`-style addresses.

use std::fmt;
use std::path::PathBuf;

use crate::runtime::Error;

/// The default daemon address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A daemon address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A Unix socket: `unix:///var/run/docker.sock`.
    Unix(PathBuf),
    /// Plain HTTP over TCP: `tcp://127.0.0.1:2375`.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
}

impl Host {
    /// Parses `unix://PATH`, `tcp://HOST:PORT` or `http://HOST:PORT`
    /// (a bare absolute path is taken as a Unix socket).
    pub fn parse(text: &str) -> Result<Host, Error> {
        let invalid = |reason: &str| Error::InvalidHost {
            host: text.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(path) = text.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(invalid("the socket path is empty"));
            }
            return Ok(Host::Unix(PathBuf::from(path)));
        }
        if text.starts_with('/') {
            return Ok(Host::Unix(PathBuf::from(text)));
        }
        let Some(address) = text
            .strip_prefix("tcp://")
            .or_else(|| text.strip_prefix("http://"))
        else {
            let reason = match text.split_once("://") {
                Some((scheme, _)) => {
                    format!("the `{scheme}://` scheme is not supported; use unix:// or tcp://")
                }
                None => "expected unix://PATH or tcp://HOST:PORT".to_owned(),
            };
            return Err(invalid(&reason));
        };
        let address = address.trim_end_matches('/');
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (
                host,
                port.parse::<u16>()
                    .map_err(|_| invalid("the port is not a number"))?,
            ),
            _ => (address, 2375),
        };
        if host.is_empty() {
            return Err(invalid("the host name is empty"));
        }
        Ok(Host::Tcp {
            host: host.to_owned(),
            port,
        })
    }

    /// The base URL requests are made against.
    pub(crate) fn base_url(&self) -> String {
        match self {
            // The socket carries the request; the URL's host is only the Host header.
            Host::Unix(_) => "http://localhost".to_owned(),
            Host::Tcp { host, port } => format!("http://{host}:{port}"),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Unix(path) => write!(f, "unix://{}", path.display()),
            Host::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_host_forms() {
        assert_eq!(
            Host::parse("unix:///var/run/docker.sock").ok(),
            Some(Host::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            Host::parse("/tmp/d.sock").ok(),
            Some(Host::Unix("/tmp/d.sock".into()))
        );
        assert_eq!(
            Host::parse("tcp://127.0.0.1:2375").ok(),
            Some(Host::Tcp {
                host: "127.0.0.1".into(),
                port: 2375
            })
        );
        assert_eq!(
            Host::parse("tcp://example").ok(),
            Some(Host::Tcp {
                host: "example".into(),
                port: 2375
            })
        );
        assert_eq!(
            Host::parse("tcp://[::1]:2376").ok(),
            Some(Host::Tcp {
                host: "[::1]".into(),
                port: 2376
            })
        );
    }

    #[test]
    fn rejects_what_it_cannot_reach() {
        for bad in [
            "ssh://me@box",
            "npipe:////./pipe/docker_engine",
            "unix://",
            "tcp://:12",
            "tcp://h:port",
            "docker",
        ] {
            assert!(Host::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn displays_as_given() {
        for text in ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"] {
            assert_eq!(
                Host::parse(text).map(|h| h.to_string()).ok().as_deref(),
                Some(text)
            );
        }
    }
}
