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

/// An operation `GetX` on `/x` with `parameters` and a JSON response of `schema`.
fn op(parameters: &str, schema: &str) -> String {
    format!(
        "{HEAD}paths:\n  /x/{{id}}:\n    get:\n      operationId: GetX\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n{parameters}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
    )
}

#[test]
fn unsupported_constructs_name_their_location() {
    let cases = [
        (
            op("", "{not: {type: string}}"),
            "#/paths/~1x~1{id}/get/responses/200/content/application~1json/schema",
            "`not` is not supported",
        ),
        (
            op(
                "        - {name: p, in: query, style: deepObject, explode: true, schema: {type: array, items: {type: string}}}\n",
                "{type: string}",
            ),
            "#/paths/~1x~1{id}/get/parameters/1",
            "`deepObject` for a value that is not an object",
        ),
        (
            op(
                "        - {name: c, in: cookie, schema: {type: array, items: {type: string}}}\n",
                "{type: string}",
            ),
            "#/paths/~1x~1{id}/get/parameters/1",
            "an array or object in a cookie",
        ),
        (
            op(
                "",
                "{oneOf: [{type: object, properties: {a: {type: string}}}], discriminator: {propertyName: kind}}",
            ),
            "schema/oneOf/0",
            "needs every alternative to be a `$ref`",
        ),
        (
            op(
                "",
                "{type: object, properties: {a: {type: string}}, oneOf: [{type: object}]}",
            ),
            "#/paths/~1x~1{id}/get/responses/200",
            "oneOf/anyOf beside properties",
        ),
    ];
    for (text, pointer, message) in cases {
        let e = error_of(&text);
        assert!(e.contains(pointer), "{e}\n  expected location {pointer}");
        assert!(e.contains("(operation GetX)"), "{e}");
        assert!(e.contains(message), "{e}\n  expected {message}");
    }
}

#[test]
fn label_and_matrix_path_styles_are_refused() {
    let text = format!(
        "{HEAD}paths:\n  /x/{{id}}:\n    get:\n      operationId: GetX\n      parameters:\n        - {{name: id, in: path, required: true, style: label, schema: {{type: string}}}}\n      responses:\n        '204': {{description: ok}}\n"
    );
    let e = error_of(&text);
    assert!(
        e.contains("#/paths/~1x~1{id}/get/parameters/0/style")
            && e.contains("`label` and `matrix`"),
        "{e}"
    );
}

#[test]
fn variadic_arguments_must_fill_an_array_and_come_last() {
    let text = format!(
        "{HEAD}paths:\n  /x:\n    get:\n      operationId: GetX\n      parameters:\n        - {{name: n, in: query, schema: {{type: string}}}}\n      x-berth-cli:\n        commands:\n          - name: get-them\n            args:\n              - {{name: n, to: n, variadic: true}}\n      responses:\n        '204': {{description: ok}}\n"
    );
    let e = error_of(&text);
    assert!(
        e.contains("x-berth-cli/commands/0") && e.contains("variadic"),
        "{e}"
    );
}

#[test]
fn swagger_two_and_malformed_documents_are_explained() {
    let e = error_of("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n");
    assert!(e.contains("Swagger 2.0") && e.contains("Convert it"), "{e}");
    let e = error_of("openapi: 3.0.3\ninfo: {title: t\n");
    assert!(e.contains("invalid YAML") && e.contains("line"), "{e}");
}

#[test]
fn command_line_defaults_must_name_optional_flags() {
    let e = error_of(&spec(
        "  /things/{id}:\n    get:\n      operationId: GetThing\n      x-berth-cli: {defaults: {id: x}}\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'204': {description: ok}}\n",
        OK_SCHEMAS,
    ));
    assert!(
        e.contains("`id` is not an optional query or header parameter")
            && e.contains("x-berth-cli/defaults"),
        "{e}"
    );
}
