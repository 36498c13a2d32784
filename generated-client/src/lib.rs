//! `berth-client`: a Docker Engine API client generated from Berth's
//! OpenAPI spec (`spec/docker-engine.yaml`) at build time.
//!
//! - [`types`]: the API's schemas as serde types (generated).
//! - [`api`]: one trait per tag (`ContainerApi`, `ImageApi`, …) with a method
//!   per operation, their parameter types, and their implementation for
//!   [`Client`] (generated).
//! - [`runtime`]: transport, version negotiation, errors and stream decoding
//!   (hand-written, operation-agnostic).
//!
//! ```no_run
//! use berth_client::{api::ContainerApi, api::ContainerListParams, Client};
//!
//! # async fn run() -> Result<(), berth_client::Error> {
//! let client = Client::from_env()?;
//! let params = ContainerListParams { all: Some(true), ..Default::default() };
//! for container in client.container_list(&params).await? {
//!     println!("{:?} {:?}", container.id, container.names);
//! }
//! # Ok(())
//! # }
//! ```

pub mod runtime;

/// The API's schemas, generated from `components/schemas`.
pub mod types {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

/// Client traits (one per tag), parameter and outcome types, and their
/// implementation for [`Client`](crate::Client), generated from the paths.
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

pub use runtime::{
    Body, ByteStream, Client, ClientBuilder, Error, Host, JsonLines, LogChunk, LogStream,
    StreamKind, Upgraded, WithHeaders,
};
