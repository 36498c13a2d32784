//! Helpers shared by the generator's integration tests.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::{Path, PathBuf};

use berth_codegen::{Builder, File};

/// The path of a fixture spec.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A builder that emits every part.
pub fn all_parts() -> Builder {
    Builder::new().emit_cli(true)
}

/// Renders a spec given as text (YAML).
pub fn render_text(text: &str) -> Result<Vec<File>, berth_codegen::Error> {
    let doc = berth_codegen::load::parse(text, Path::new("inline.yaml"))?;
    all_parts().render_document(&doc, "inline.yaml")
}

/// The error message generating `text` gives; panics if it succeeds.
pub fn error_of(text: &str) -> String {
    match render_text(text) {
        Ok(_) => panic!("expected generation to fail"),
        Err(e) => e.to_string(),
    }
}

/// The text of one generated file.
pub fn file<'a>(files: &'a [File], name: &str) -> &'a str {
    files
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.text.as_str())
        .unwrap_or_default()
}
