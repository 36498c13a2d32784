//! The same spec always yields byte-identical code, and the code follows the
//! spec: one more operation is one more trait method and one more command.

// Tests fail by panicking; the no-panic lints guard the generator, not its tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use berth_codegen::ir::Api;

const EXTRA_OPERATION: &str = r#"
  /boxes/{id}/pause:
    post:
      operationId: BoxPause
      tags: [Box]
      summary: Pause a box.
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "204": { description: Paused. }
"#;

fn mini_engine_text() -> String {
    std::fs::read_to_string(common::fixture("mini-engine.yaml")).unwrap()
}

/// The fixture with one more path inserted at the top of `paths:`.
fn with_extra_operation() -> String {
    mini_engine_text().replacen(
        "paths:\n",
        &format!("paths:\n{}", EXTRA_OPERATION.trim_start_matches('\n')),
        1,
    )
}

fn lower(text: &str) -> Api {
    let doc = berth_codegen::load::parse(text, std::path::Path::new("inline.yaml")).unwrap();
    berth_codegen::lower::lower(&doc).unwrap()
}

#[test]
fn output_is_byte_identical_across_runs() {
    let first = common::all_parts()
        .render(common::fixture("mini-engine.yaml"))
        .unwrap();
    for _ in 0..5 {
        assert_eq!(
            common::all_parts()
                .render(common::fixture("mini-engine.yaml"))
                .unwrap(),
            first
        );
    }
}

#[test]
fn one_more_operation_is_one_more_method_and_command() {
    let before = lower(&mini_engine_text());
    let after = lower(&with_extra_operation());
    let count = |api: &Api| api.groups.iter().map(|g| g.operations.len()).sum::<usize>();
    assert_eq!(count(&after), count(&before) + 1);

    let old = common::render_text(&mini_engine_text()).unwrap();
    let new = common::render_text(&with_extra_operation()).unwrap();
    let methods = |files: &[berth_codegen::File]| {
        common::file(files, "client.rs")
            .matches("    fn box_")
            .count()
    };
    let commands = |files: &[berth_codegen::File]| {
        common::file(files, "cli.rs")
            .matches("#[command(name = ")
            .count()
    };
    assert_eq!(methods(&new), methods(&old) + 1, "one more trait method");
    assert_eq!(commands(&new), commands(&old) + 1, "one more subcommand");
    assert!(common::file(&new, "client.rs").contains("fn box_pause(&self, id: &str)"));
    assert!(common::file(&new, "cli.rs")
        .contains(r#"#[command(name = "pause", about = "Pause a box.")]"#));
}
