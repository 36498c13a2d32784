//! The contract suite: the generated client against real answers.
//!
//! `wire` checks what the client puts on the wire against a recording
//! server; the daemon sections call every operation this machine can serve
//! through the generated client and check each answer decodes and each
//! effect is visible.

mod wire;
