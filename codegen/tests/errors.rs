//! Bad input gives an error that names the spec location, never a panic.

// Tests fail by panicking; the no-panic lints guard the generator, not its tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::error_of;

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

fn spec(paths: &str, components: &str) -> String {
    format!("{HEAD}paths:\n{paths}\ncomponents:\n  schemas:\n{components}\n")
}

const OK_SCHEMAS: &str = "    Thing: {type: object, properties: {a: {type: string}}}";

#[test]
fn reference_to_nothing_names_the_pointer() {
    let e = error_of(&spec(
        "  /things:\n    get:\n      operationId: ListThings\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Missing'}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("#/paths/~1things/get/responses/200/content/application~1json/schema"),
        "{e}"
    );
    assert!(
        e.contains("(operation ListThings)") && e.contains("no schema `Missing`"),
        "{e}"
    );
}

#[test]
fn duplicate_operation_ids_are_refused() {
    let op = |path: &str| {
        format!("  {path}:\n    get:\n      operationId: Same\n      responses: {{'204': {{description: ok}}}}\n")
    };
    let e = error_of(&spec(&(op("/a") + &op("/b")), OK_SCHEMAS));
    assert!(
        e.contains("operationId `Same` is used twice") && e.contains("#/paths/~1a/get"),
        "{e}"
    );
}

#[test]
fn path_parameter_missing_from_template() {
    let e = error_of(&spec(
        "  /things/{id}:\n    get:\n      operationId: GetThing\n      responses: {'204': {description: ok}}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("uses `{id}` but no path parameter `id` is declared") && e.contains("GetThing"),
        "{e}"
    );
    let e = error_of(&spec(
        "  /things:\n    get:\n      operationId: GetThing\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'204': {description: ok}}\n",
        OK_SCHEMAS,
    ));
    assert!(e.contains("does not appear in the path template"), "{e}");
}

#[test]
fn bad_stream_extension_is_located() {
    let e = error_of(&spec(
        "  /events:\n    get:\n      operationId: Events\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              x-berth-stream: {framing: smoke-signals}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("x-berth-stream")
            && e.contains("smoke-signals")
            && e.contains("(operation Events)"),
        "{e}"
    );
}

#[test]
fn command_extension_must_name_real_parameters() {
    let e = error_of(&spec(
        "  /things:\n    post:\n      operationId: MakeThing\n      x-berth-cli:\n        commands:\n          - {name: make, args: [{name: x, to: nosuch}]}\n      responses: {'204': {description: ok}}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("`nosuch`, which is not a parameter") && e.contains("x-berth-cli/commands/0"),
        "{e}"
    );
}

#[test]
fn colliding_command_names_are_refused() {
    let e = error_of(&spec(
        "  /a:\n    get:\n      operationId: ThingList\n      tags: [Thing]\n      x-berth-cli: {aliases: [ls]}\n      responses: {'204': {description: ok}}\n  /b:\n    get:\n      operationId: ThingLs\n      tags: [Thing]\n      responses: {'204': {description: ok}}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("command name `ls`") && e.contains("ThingList") && e.contains("ThingLs"),
        "{e}"
    );
}
