//! A project other than Berth using `berth-codegen` from its `build.rs`:
//! the pet store client in `petstore.yaml` is generated into `OUT_DIR` and
//! included here, over a small runtime of this crate's own ([`runtime`]).
//!
//! ```no_run
//! use berth_example_petstore::{api::PetsApi, api::PetsListParams, runtime::Client};
//!
//! # async fn run() -> Result<(), berth_example_petstore::runtime::Error> {
//! let client = Client::new(&berth_example_petstore::api::SERVERS[0].default_url());
//! let pets = client.pets_list(&PetsListParams { limit: Some(10), ..Default::default() }).await?;
//! # Ok(())
//! # }
//! ```

pub mod runtime;

/// Schema types, generated.
pub mod types {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

/// Client traits and their implementation for [`runtime::Client`], generated.
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}
