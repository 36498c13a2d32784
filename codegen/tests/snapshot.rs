//! Snapshot tests: the generated code for each fixture is checked in under
//! `tests/snapshots/<fixture>/`. A change to the output fails the test; run
//! with `UPDATE_SNAPSHOTS=1` to accept it, then review the diff.

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
    let files = common::all_parts()
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
fn mini_engine_snapshot() {
    check_snapshot("mini-engine");
}
