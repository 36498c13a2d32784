//! The client's error type. Its messages are the ones Docker users know:
//! `Error response from daemon: …`, `Cannot connect to the Docker daemon at …`.

/// Everything a call to the daemon can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No daemon answered at the host.
    #[error("Cannot connect to the Docker daemon at {host}. Is the docker daemon running?")]
    Connect {
        /// The host as the user gave it, e.g. `unix:///var/run/docker.sock`.
        host: String,
        /// What the connection attempt reported.
        #[source]
        source: reqwest::Error,
    },
    /// The daemon answered with an error status.
    #[error("Error response from daemon: {message}")]
    Daemon {
        /// The HTTP status.
        status: u16,
        /// The daemon's message (the JSON body's `message`, or the raw body).
        message: String,
    },
    /// A stream the daemon sent reported a failure part-way (a progress
    /// message with an error, or an error frame in a log stream).
    #[error("{0}")]
    Stream(String),
    /// The daemon answered with a status the spec does not list.
    #[error("unexpected status {0} from the daemon")]
    UnexpectedStatus(u16),
    /// The daemon's answer did not match the spec.
    #[error("cannot decode the daemon's answer: {0}")]
    Decode(#[source] serde_json::Error),
    /// A request value could not be encoded as JSON.
    #[error("cannot encode the request: {0}")]
    Encode(#[source] serde_json::Error),
    /// A response header the spec declares could not be read.
    #[error("cannot read the daemon's {name} header: {reason}")]
    Header {
        /// The header.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The host is not one this client can reach.
    #[error("invalid host {host:?}: {reason}")]
    InvalidHost {
        /// The host as given.
        host: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// An API version that is not of the form `1.41`.
    #[error("invalid API version {0:?}: expected MAJOR.MINOR, e.g. 1.41")]
    InvalidVersion(String),
    /// The transfer failed after the connection was made.
    #[error("error talking to the daemon: {0}")]
    Http(#[source] reqwest::Error),
    /// Reading or writing local data failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The daemon's HTTP status, for errors the daemon sent.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Daemon { status, .. } => Some(*status),
            Error::UnexpectedStatus(status) => Some(*status),
            _ => None,
        }
    }

    /// True when the daemon said the object does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}
