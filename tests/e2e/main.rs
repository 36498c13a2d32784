//! End-to-end tests: run the built `berth` binary against a real Docker
//! daemon (the one in DOCKER_HOST; `scripts/test.sh` starts a private one).
//!
//! Every resource a test creates has a unique `berth-e2e-…` name, carries the
//! label `berth.test=e2e` where the API allows labels, and is removed by a
//! guard when the test ends, whether it passed or not. Tests run in parallel.

mod build;
mod cli;
mod container;
mod cp;
mod image;
mod interactive;
mod streams;
mod support;
mod system;
