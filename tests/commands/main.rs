//! The spec, the client and the CLI agree: every operationId in
//! `spec/docker-engine.yaml` is exactly one client operation and exactly one
//! `berth <group> <command>`, and each command's `--help` works.
//!
//! The expected set comes from walking the spec's YAML directly, not from a
//! hand-kept list, so adding an operation to the spec extends this test.

use std::collections::BTreeMap;
use std::process::Command;

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/docker-engine.yaml");
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// operationId → (METHOD, path), straight from the YAML.
fn spec_operations() -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(SPEC).expect("read the spec");
    let doc: serde_norway::Value = serde_norway::from_str(&text).expect("parse the spec");
    let mut ops = BTreeMap::new();
    let paths = doc
        .get("paths")
        .and_then(|p| p.as_mapping())
        .expect("paths");
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                let id = op
                    .get("operationId")
                    .and_then(|v| v.as_str())
                    .expect("operationId")
                    .to_owned();
                let path = path.as_str().unwrap_or_default().to_owned();
                let previous = ops.insert(id.clone(), (method.to_uppercase(), path));
                assert!(
                    previous.is_none(),
                    "operationId {id} appears twice in the spec"
                );
            }
        }
    }
    ops
}

#[test]
fn every_operation_is_exactly_one_client_operation() {
    let spec = spec_operations();
    let mut client: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for op in berth_client::api::OPERATIONS {
        assert!(
            client.insert(op.id, (op.method, op.path)).is_none(),
            "{} is generated twice",
            op.id
        );
    }
    let client: BTreeMap<String, (String, String)> = client
        .into_iter()
        .map(|(id, (m, p))| (id.to_owned(), (m.to_owned(), p.to_owned())))
        .collect();
    assert_eq!(client, spec, "client operations differ from the spec's");
}

#[test]
fn every_operation_is_exactly_one_command_with_working_help() {
    let spec = spec_operations();
    let doc = berth_codegen::load::load_file(SPEC.as_ref()).expect("load the spec");
    let api = berth_codegen::lower::lower(&doc).expect("lower the spec");
    let mut seen = BTreeMap::new();
    for group in &api.groups {
        for op in &group.operations {
            let command = format!("{} {}", group.command, op.cli.name);
            assert!(
                seen.insert(op.id.clone(), command.clone()).is_none(),
                "{} has two commands",
                op.id
            );
            let output = Command::new(env!("CARGO_BIN_EXE_berth"))
                .args([group.command.as_str(), op.cli.name.as_str(), "--help"])
                .env_remove("DOCKER_HOST")
                .output()
                .expect("run berth");
            let help = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "berth {command} --help failed:\n{help}"
            );
            let summary = op
                .summary
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('.');
            assert!(
                help.contains(summary),
                "berth {command} --help does not show the summary {summary:?}:\n{help}"
            );
        }
    }
    let commands: Vec<&String> = seen.keys().collect();
    let expected: Vec<&String> = spec.keys().collect();
    assert_eq!(
        commands, expected,
        "commands differ from the spec's operations"
    );
}
