//! `berth container …` against real containers built from the busybox image.

use serde_json::{json, Value};

use crate::support::{
    berth, create_container, import_test_image, inspect_container, listed_container, test_labels,
    unique_name, TEST_LABEL_KEY, TEST_LABEL_VALUE,
};

fn state(v: &serde_json::Map<String, Value>) -> &Value {
    v.get("State").unwrap_or(&Value::Null)
}

#[test]
fn lifecycle_create_start_wait_logs_delete() {
    let img = import_test_image("life");
    let name = unique_name("life");
    let body = json!({
        "Image": img.reference,
        "Cmd": ["sh", "-c", "echo out; echo err >&2; exit 3"],
        "Labels": test_labels(),
    });
    let (_guard, id) = create_container(&name, &body);

    // Created, not yet running.
    let v = inspect_container(&id);
    assert_eq!(v["Id"], json!(id));
    assert_eq!(v["Name"], json!(format!("/{name}")));
    assert_eq!(state(&v)["Status"], json!("created"));
    assert_eq!(
        v["Config"]["Labels"][TEST_LABEL_KEY],
        json!(TEST_LABEL_VALUE)
    );

    let r = berth(&["container", "start", &id]);
    r.ok();
    assert_eq!(r.stderr, "", "stderr:\n{r}");

    let r = berth(&["container", "wait", &id]);
    r.ok();
    assert_eq!(r.json()["StatusCode"], json!(3), "wait:\n{r}");

    // Both streams, each on its own side.
    let r = berth(&["container", "logs", &id, "--stdout", "--stderr"]);
    r.ok();
    assert_eq!(r.stdout, "out\n", "container stdout:\n{r}");
    assert_eq!(r.stderr, "err\n", "container stderr:\n{r}");

    // No flags: both streams, as `docker logs` (x-berth-cli defaults in the spec).
    let r = berth(&["container", "logs", &id]);
    r.ok();
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("out\n", "err\n"),
        "defaults:\n{r}"
    );

    // Only stdout; `--flag=false` spelling of a boolean.
    let r = berth(&["container", "logs", &id, "--stdout", "--stderr=false"]);
    r.ok();
    assert_eq!(r.stdout, "out\n", "container stdout:\n{r}");
    assert_eq!(r.stderr, "", "no stderr asked for:\n{r}");

    // Only stderr.
    let r = berth(&["container", "logs", &id, "--stdout=false", "--stderr"]);
    r.ok();
    assert_eq!(r.stdout, "", "no stdout asked for:\n{r}");
    assert_eq!(r.stderr, "err\n", "container stderr:\n{r}");

    // Listed with the test label, exited.
    let c = listed_container(&id)
        .unwrap_or_else(|| panic!("container {id} not in `container list --all`"));
    assert_eq!(c["Names"], json!([format!("/{name}")]));
    assert_eq!(c["State"], json!("exited"));
    assert_eq!(c["Labels"][TEST_LABEL_KEY], json!(TEST_LABEL_VALUE));

    // Two filters at once (name and label), through the `ps` alias.
    let name_filter = format!("name={name}");
    let label_filter = format!("label={TEST_LABEL_KEY}={TEST_LABEL_VALUE}");
    let r = berth(&[
        "container",
        "ps",
        "--all",
        "--filter",
        &name_filter,
        "--filter",
        &label_filter,
    ]);
    r.ok();
    let list = r.json_array();
    assert_eq!(list.len(), 1, "exactly one container matches:\n{r}");
    assert_eq!(list[0]["Id"], json!(id), "Id:\n{r}");

    // Without --all an exited container is not listed.
    let r = berth(&["container", "ls", "--filter", &name_filter]);
    r.ok();
    assert_eq!(
        r.json_array().len(),
        0,
        "exited containers need --all:\n{r}"
    );

    let v = inspect_container(&id);
    assert_eq!(state(&v)["ExitCode"], json!(3));
    assert_eq!(state(&v)["Running"], json!(false));

    let r = berth(&["container", "delete", &id]);
    r.ok();

    let r = berth(&["container", "inspect", &id]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!(
            "Error response from daemon: No such container: {id}"
        )),
        "stderr:\n{r}"
    );
    assert_eq!(r.stdout, "", "stdout:\n{r}");
}

#[test]
fn long_running_start_twice_top_stop_delete() {
    let img = import_test_image("long");
    let name = unique_name("long");
    // PID 1 ignores SIGTERM unless it handles it; the trap makes `stop`
    // quick (exit 0) instead of waiting 10 s for SIGKILL.
    let body = json!({
        "Image": img.reference,
        "Cmd": ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"],
        "Labels": test_labels(),
    });
    let (_guard, id) = create_container(&name, &body);

    berth(&["container", "start", &name]).ok();
    // Starting a running container is not an error (the daemon says 304).
    let r = berth(&["container", "start", &name]);
    r.ok();
    assert_eq!(r.stderr, "", "stderr:\n{r}");

    let v = inspect_container(&name);
    assert_eq!(state(&v)["Running"], json!(true));
    assert_eq!(state(&v)["Status"], json!("running"));

    let c = listed_container(&id).expect("running container is listed");
    assert_eq!(c["State"], json!("running"));

    let r = berth(&["container", "top", &name]);
    r.ok();
    assert!(
        r.stdout.contains("sleep 300"),
        "top should show the sleep:\n{r}"
    );

    let r = berth(&["container", "stop", &name]);
    r.ok();
    assert_eq!(r.stderr, "", "stderr:\n{r}");

    let c = listed_container(&id).expect("stopped container is listed with --all");
    assert_eq!(c["State"], json!("exited"));
    let v = inspect_container(&id);
    assert_eq!(state(&v)["Running"], json!(false));
    assert_eq!(state(&v)["ExitCode"], json!(0));

    // Stopping a stopped container is not an error either (304).
    berth(&["container", "stop", &name]).ok();

    let r = berth(&["container", "rm", &name]);
    r.ok();
    assert!(
        listed_container(&id).is_none(),
        "container still listed after delete"
    );
}

#[test]
fn kill_a_running_container() {
    let img = import_test_image("kill");
    let name = unique_name("kill");
    let body = json!({
        "Image": img.reference,
        "Cmd": ["sleep", "300"],
        "Labels": test_labels(),
    });
    let (_guard, id) = create_container(&name, &body);

    berth(&["container", "start", &id]).ok();
    assert_eq!(state(&inspect_container(&id))["Running"], json!(true));

    let r = berth(&["container", "kill", &id]);
    r.ok();
    assert_eq!(r.stderr, "", "stderr:\n{r}");

    // SIGKILL: 128 + 9.
    let r = berth(&["container", "wait", &id]);
    r.ok();
    assert_eq!(r.json()["StatusCode"], json!(137), "wait:\n{r}");
    let v = inspect_container(&id);
    assert_eq!(state(&v)["Running"], json!(false));
    assert_eq!(state(&v)["ExitCode"], json!(137));

    // Killing it again is the daemon's 409.
    let r = berth(&["container", "kill", &id]);
    r.code(1);
    assert!(
        r.stderr.contains("Error response from daemon: ") && r.stderr.contains("is not running"),
        "stderr:\n{r}"
    );

    // A running container needs --force to be deleted; this one is stopped.
    berth(&["container", "delete", "--force", &id]).ok();
    let r = berth(&["container", "inspect", &id]);
    r.code(1);
}

#[test]
fn delete_running_container_needs_force() {
    let img = import_test_image("force");
    let name = unique_name("force");
    let body = json!({
        "Image": img.reference,
        "Cmd": ["sleep", "300"],
        "Labels": test_labels(),
    });
    let (_guard, id) = create_container(&name, &body);
    berth(&["container", "start", &id]).ok();

    let r = berth(&["container", "delete", &id]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!(
            "Error response from daemon: You cannot remove a running container {id}."
        )),
        "stderr:\n{r}"
    );
    assert_eq!(state(&inspect_container(&id))["Running"], json!(true));

    berth(&["container", "delete", "--force", &id]).ok();
    let r = berth(&["container", "inspect", &id]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!("No such container: {id}")),
        "stderr:\n{r}"
    );
}

#[test]
fn missing_container_is_the_daemons_error() {
    let name = unique_name("missing");
    let r = berth(&["container", "inspect", &name]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!(
            "Error response from daemon: No such container: {name}"
        )),
        "stderr:\n{r}"
    );
    assert_eq!(r.stdout, "", "stdout:\n{r}");
}

/// Top-level body fields as flags (`--image`, repeatable `--cmd`, `--env`,
/// `--label`), merged over `--body`, with hyphenated values passed through.
#[test]
fn create_from_body_field_flags() {
    let img = import_test_image("flags");
    let name = unique_name("flags");
    let guard = crate::support::ContainerGuard::new(&name);
    let label = format!("{TEST_LABEL_KEY}={TEST_LABEL_VALUE}");
    let r = berth(&[
        "container",
        "create",
        "--name",
        &name,
        "--body",
        r#"{"Image":"overridden-by-the-flag","Labels":{"from.body":"yes"}}"#,
        "--image",
        &img.reference,
        "--cmd",
        "sh",
        "--cmd",
        "-c",
        "--cmd",
        "echo \"$GREETING\"",
        "--env",
        "GREETING=hello from flags",
        "--label",
        &label,
    ]);
    r.ok();
    let id = r.json()["Id"].as_str().unwrap_or_default().to_owned();

    let v = inspect_container(&id);
    assert_eq!(v["Config"]["Image"], json!(img.reference));
    assert_eq!(
        v["Config"]["Cmd"],
        json!(["sh", "-c", "echo \"$GREETING\""])
    );
    assert_eq!(
        v["Config"]["Labels"]["from.body"],
        json!("yes"),
        "--body fields stay"
    );
    assert_eq!(
        v["Config"]["Labels"][TEST_LABEL_KEY],
        json!(TEST_LABEL_VALUE)
    );

    berth(&["container", "start", &id]).ok();
    assert_eq!(
        berth(&["container", "wait", &id]).json()["StatusCode"],
        json!(0)
    );
    let r = berth(&["container", "logs", &id, "--stdout"]);
    r.ok();
    assert_eq!(r.stdout, "hello from flags\n");
    drop(guard);
}
