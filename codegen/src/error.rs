//! Errors the generator reports. Every problem with the input names where in
//! the spec it is, so a user can go straight to the line to fix.

use std::fmt;
use std::path::PathBuf;

/// Where in the spec a problem is: a JSON pointer, and the operation it
/// belongs to when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// JSON pointer into the document, e.g. `#/paths/~1images~1json/get`.
    pub pointer: String,
    /// The operationId of the enclosing operation, if any.
    pub operation: Option<String>,
}

impl Location {
    /// A location at the document root.
    pub fn root() -> Self {
        Location {
            pointer: "#".to_owned(),
            operation: None,
        }
    }

    /// This location extended by one JSON pointer segment (escaped per RFC 6901).
    pub fn join(&self, segment: &str) -> Self {
        let escaped = segment.replace('~', "~0").replace('/', "~1");
        Location {
            pointer: format!("{}/{escaped}", self.pointer),
            operation: self.operation.clone(),
        }
    }

    /// This location, attributed to an operation.
    pub fn in_operation(&self, operation_id: &str) -> Self {
        Location {
            pointer: self.pointer.clone(),
            operation: Some(operation_id.to_owned()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "{} (operation {op})", self.pointer),
            None => f.write_str(&self.pointer),
        }
    }
}

/// Everything that can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read, or output could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The document is not valid YAML or JSON, or not an OpenAPI document.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// The document is valid but something in it cannot be generated.
    #[error("{location}: {message}")]
    Spec {
        /// Where the problem is.
        location: Location,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// The generator produced code that does not parse. This is a bug in
    /// berth-codegen, not in the spec.
    #[error("internal error: generated {file} does not parse ({message}); please report this")]
    Emit {
        /// The generated file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

impl Error {
    /// A spec error at `location`.
    pub fn spec(location: &Location, message: impl Into<String>) -> Self {
        Error::Spec {
            location: location.clone(),
            message: message.into(),
        }
    }
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
