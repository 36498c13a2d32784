//! Snapshot tests: the generated code for each fixture is checked in under
//! `tests/snapshots/<fixture>/`. A change to the output fails the test; run
//! with `UPDATE_SNAPSHOTS=1` to accept it, then review the diff.
//!
//! The snapshots are generated as modules of the `berth-fixtures` crate
//! (`examples/fixtures`), which includes and compiles every one of them
//! against berth-client's runtime: a snapshot that does not compile fails
//! the workspace build and test.

// Tests fail by panicking; the no-panic lints guard the generator, not its tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

fn check_snapshot(fixture: &str) {
    let module = fixture.replace('-', "_");
    let files = common::all_parts()
        .types_path(format!("crate::{module}::types"))
        .client_path(format!("crate::{module}::client"))
        .runtime_path("::berth_client::runtime")
        .support_path("crate::support")
        .render(common::fixture(&format!("{fixture}.yaml")))
        .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(fixture);
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    for file in &files {
        // The header names the spec by its path; snapshots use the file name.
        let text = file.text.replacen(
            &common::fixture(&format!("{fixture}.yaml"))
                .display()
                .to_string(),
            &format!("{fixture}.yaml"),
            1,
        );
        let path = dir.join(&file.name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no snapshot {}; run with UPDATE_SNAPSHOTS=1",
                path.display()
            )
        });
        if expected != text {
            let line = expected
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            panic!("{} differs from its snapshot (first at line {line}); run with UPDATE_SNAPSHOTS=1 and review the diff", path.display());
        }
    }
}

#[test]
fn allof_snapshot() {
    check_snapshot("allof");
}

#[test]
fn bodies_snapshot() {
    check_snapshot("bodies");
}

#[test]
fn cli_snapshot() {
    check_snapshot("cli");
}

#[test]
fn enums_snapshot() {
    check_snapshot("enums");
}

#[test]
fn formats_snapshot() {
    check_snapshot("formats");
}

#[test]
fn maps_snapshot() {
    check_snapshot("maps");
}

#[test]
fn mini_engine_snapshot() {
    check_snapshot("mini-engine");
}

#[test]
fn naming_snapshot() {
    check_snapshot("naming");
}

#[test]
fn objects_snapshot() {
    check_snapshot("objects");
}

#[test]
fn operations_snapshot() {
    check_snapshot("operations");
}

#[test]
fn params_snapshot() {
    check_snapshot("params");
}

#[test]
fn recursive_snapshot() {
    check_snapshot("recursive");
}

#[test]
fn responses_snapshot() {
    check_snapshot("responses");
}

#[test]
fn styles_snapshot() {
    check_snapshot("styles");
}

#[test]
fn unions_snapshot() {
    check_snapshot("unions");
}

/// Every fixture has a snapshot test and a module in `examples/fixtures`.
#[test]
fn every_fixture_is_covered() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let lib = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fixtures/src/lib.rs"),
    )
    .unwrap();
    let this = std::fs::read_to_string(file!().replace("codegen/", "")).unwrap_or_default();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".yaml") else {
            continue;
        };
        assert!(
            lib.contains(&format!("\"{stem}\")")),
            "fixture {stem} is not compiled by examples/fixtures/src/lib.rs"
        );
        assert!(
            this.is_empty() || this.contains(&format!("check_snapshot(\"{stem}\")")),
            "fixture {stem} has no snapshot test"
        );
    }
}
