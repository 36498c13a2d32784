//! The `berth` package's library: the support module that commands generated
//! by berth-codegen run against — what they return (`Output`), how they fail
//! (`Error`), and how they read bodies and flags. The `berth` binary uses it,
//! and so does the generator's fixture crate, so generated code is always
//! compiled against the support code berth really ships.

pub mod support;
