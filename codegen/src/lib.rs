//! `berth-codegen` turns an OpenAPI 3.0 document into Rust: serde types for
//! its schemas, one client trait per tag with an implementation over a small
//! runtime, and a clap command tree that dispatches to those traits.
//!
//! It works in three stages — [`load`] (parse and check the document),
//! [`lower`] (build the [`ir`] once), [`emit`] (print each part from the IR) —
//! and is meant to be called from a `build.rs`:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     println!("cargo:rerun-if-changed=../spec/api.yaml");
//!     let out_dir = std::env::var("OUT_DIR")?;
//!     berth_codegen::Builder::new().emit_cli(false).generate("../spec/api.yaml", out_dir)?;
//!     Ok(())
//! }
//! ```

pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;

use std::path::{Path, PathBuf};

pub use emit::File;
pub use error::{Error, Location, Result};

/// Where generated code finds the code it builds on, as Rust paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The generated schema types (`types.rs`).
    pub types: String,
    /// The generated client traits and parameter types (`client.rs`).
    pub client: String,
    /// The runtime: `Client`, `Request`, `Error`, `Body`, stream types.
    pub runtime: String,
    /// The command-line support module: `Output`, `Error`, body readers.
    pub support: String,
    /// Hand-written subcommands added to a tag's command group: (tag, path
    /// of a clap `Subcommand` enum with `async fn run(self, &Client) ->
    /// Result<Output, Error>`).
    pub group_extensions: Vec<(String, String)>,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            types: "crate::types".to_owned(),
            client: "crate::client".to_owned(),
            runtime: "crate::runtime".to_owned(),
            support: "crate::support".to_owned(),
            group_extensions: Vec::new(),
        }
    }
}

/// Configures and runs the generator, in the manner of `prost-build`.
#[derive(Debug, Clone)]
pub struct Builder {
    parts: emit::Parts,
    paths: Paths,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder that emits types and client, but not the CLI.
    pub fn new() -> Self {
        Builder {
            parts: emit::Parts {
                types: true,
                client: true,
                implementation: true,
                cli: false,
            },
            paths: Paths::default(),
        }
    }

    /// Emit `types.rs` (default on).
    pub fn emit_types(mut self, on: bool) -> Self {
        self.parts.types = on;
        self
    }

    /// Emit `client.rs`: parameter types, traits and implementation (default on).
    pub fn emit_client(mut self, on: bool) -> Self {
        self.parts.client = on;
        self
    }

    /// Emit, in `client.rs`, the implementation of the client traits for
    /// the runtime's `Client` (default on). Off, `client.rs` holds only the
    /// traits and their parameter and result types, for you to implement
    /// (a mock, another transport) — no runtime needed but its types.
    pub fn emit_implementation(mut self, on: bool) -> Self {
        self.parts.implementation = on;
        self
    }

    /// Emit `cli.rs`: the clap command tree (default off).
    pub fn emit_cli(mut self, on: bool) -> Self {
        self.parts.cli = on;
        self
    }

    /// Path of the generated types as seen from the generated code.
    pub fn types_path(mut self, path: impl Into<String>) -> Self {
        self.paths.types = path.into();
        self
    }

    /// Path of the generated client module as seen from the generated code.
    pub fn client_path(mut self, path: impl Into<String>) -> Self {
        self.paths.client = path.into();
        self
    }

    /// Path of the runtime module as seen from the generated code.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.paths.runtime = path.into();
        self
    }

    /// Path of the CLI support module as seen from the generated code.
    pub fn support_path(mut self, path: impl Into<String>) -> Self {
        self.paths.support = path.into();
        self
    }

    /// Adds hand-written subcommands to the command group of `tag`: `path`
    /// names a clap `Subcommand` enum whose `run(self, &Client)` returns the
    /// support module's `Result<Output, Error>`; it is flattened into the
    /// group, so its commands sit beside the generated ones (names must not
    /// clash; rename a generated command with `x-berth-cli: {name: …}`).
    pub fn extend_group(mut self, tag: impl Into<String>, path: impl Into<String>) -> Self {
        self.paths.group_extensions.push((tag.into(), path.into()));
        self
    }

    /// Generates from the spec at `spec` and returns the files, writing nothing.
    pub fn render(&self, spec: impl AsRef<Path>) -> Result<Vec<File>> {
        let spec = spec.as_ref();
        let doc = load::load_file(spec)?;
        self.render_document(&doc, &spec.display().to_string())
    }

    /// Generates from a parsed document; `source` names it in file headers.
    pub fn render_document(&self, doc: &openapiv3::OpenAPI, source: &str) -> Result<Vec<File>> {
        self.check_paths()?;
        let api = lower::lower(doc)?;
        emit::emit(&api, self.parts, &self.paths, source)
    }

    /// Generates from the spec at `spec` into `out_dir`, rewriting a file
    /// only when its content changed (so builds stay incremental).
    pub fn generate(
        &self,
        spec: impl AsRef<Path>,
        out_dir: impl AsRef<Path>,
    ) -> Result<Vec<PathBuf>> {
        let spec = spec.as_ref();
        let name = spec.file_name().map_or_else(
            || spec.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let doc = load::load_file(spec)?;
        let files = self.render_document(&doc, &name)?;
        write_files(&files, out_dir.as_ref())
    }

    /// Generates from the spec at `spec` into `$OUT_DIR` (for a `build.rs`),
    /// and tells cargo to rerun the build script when the spec changes.
    pub fn compile(&self, spec: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        let spec = spec.as_ref();
        let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| Error::Io {
            path: PathBuf::from("$OUT_DIR"),
            source: std::io::Error::other(
                "OUT_DIR is not set: call compile() from a build script, or use generate()",
            ),
        })?;
        println!("cargo:rerun-if-changed={}", spec.display());
        self.generate(spec, out_dir)
    }

    fn check_paths(&self) -> Result<()> {
        let Paths {
            types,
            client,
            runtime,
            support,
            group_extensions,
        } = &self.paths;
        let extensions = group_extensions.iter().map(|(_, path)| path);
        for path in [types, client, runtime, support]
            .into_iter()
            .chain(extensions)
        {
            if syn::parse_str::<syn::Path>(path).is_err() {
                return Err(Error::spec(
                    &Location::root(),
                    format!("`{path}` is not a Rust path; check the builder's *_path settings"),
                ));
            }
        }
        Ok(())
    }
}

/// Writes `files` into `dir`, leaving files whose content is unchanged untouched.
pub fn write_files(files: &[File], dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(&file.name);
        let unchanged = std::fs::read(&path).is_ok_and(|old| old == file.text.as_bytes());
        if !unchanged {
            std::fs::write(&path, &file.text).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        written.push(path);
    }
    Ok(written)
}
