//! The contract suite: the generated client against real answers.
//!
//! `wire` checks what the client puts on the wire against a recording
//! server; the daemon sections call every operation this machine can serve
//! through the generated client and check each answer decodes and each
//! effect is visible.

mod wire;

mod containers;
mod coverage;
mod daemon;
mod exec;
mod images;
mod misc;
mod networks;
mod plugins;
mod support;
mod swarm;
mod system;
mod volumes;
