//! The hand-written runtime the generated client is built on: how to reach
//! the daemon, negotiate the API version, send requests and read answers.
//! Nothing here knows any particular operation; the spec-derived code in
//! [`crate::api`] supplies paths, parameters and shapes.

mod body;
mod client;
mod error;
mod host;
mod request;
mod response;
mod stream;
mod upgrade;
mod websocket;

pub use body::Body;
pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use host::Host;
pub use request::{encode_path, to_json, Request};
pub use reqwest::Method;
pub use response::Response;
pub use stream::{ByteStream, JsonLines, LogChunk, LogStream, StreamKind};
pub use upgrade::{StdinWriter, Upgraded, WithHeaders};
