//! `berth build` with the classic builder, on top of the busybox test image:
//! tags, `.dockerignore`, quiet mode, build args and labels, failures.

use std::fs;
use std::path::Path;

use crate::support::{
    berth, import_test_image, unique_name, ContainerGuard, ImageGuard, TEST_LABEL_KEY,
    TEST_LABEL_VALUE,
};

fn write(dir: &Path, name: &str, contents: &str) {
    fs::write(dir.join(name), contents).unwrap_or_else(|e| panic!("{e}"));
}

/// True for `sha256:` and 64 lowercase hex digits.
fn is_image_id(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    })
}

/// The image's `Id` from `image inspect`.
fn inspect(reference: &str) -> serde_json::Value {
    let r = berth(&["image", "inspect", reference]);
    r.ok();
    r.json()
}

/// Runs `cmd` in a new container of `image` and returns its output.
fn run_in(image: &str, cmd: &[&str]) -> String {
    let name = unique_name("built-run");
    let _guard = ContainerGuard::new(&name);
    let label = format!("{TEST_LABEL_KEY}={TEST_LABEL_VALUE}");
    let mut args = vec![
        "container",
        "create",
        "--name",
        &name,
        "--image",
        image,
        "--label",
        &label,
    ];
    let cmd: Vec<String> = cmd.iter().map(|c| format!("--cmd={c}")).collect();
    args.extend(cmd.iter().map(String::as_str));
    berth(&args).ok();
    berth(&["container", "start", &name]).ok();
    let r = berth(&["container", "wait", &name]);
    r.ok();
    assert_eq!(r.json()["StatusCode"], serde_json::json!(0), "{r}");
    let r = berth(&["container", "logs", &name, "--stdout", "--stderr"]);
    r.ok();
    r.stdout.clone()
}

#[test]
fn build_with_a_tag_honours_dockerignore() {
    let base = import_test_image("buildbase");
    let tag = format!("{}:1", unique_name("built"));
    let _image = ImageGuard::new(&tag);
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = dir.path();
    write(
        ctx,
        "Dockerfile",
        &format!(
            "FROM {}\nCOPY hello.txt /hello.txt\nCOPY . /ctx/\n",
            base.reference
        ),
    );
    write(ctx, "hello.txt", "hello from berth build\n");
    write(ctx, "secret.txt", "must not be sent\n");
    fs::create_dir(ctx.join("logs")).expect("mkdir");
    write(&ctx.join("logs"), "debug.log", "left out\n");
    write(
        ctx,
        ".dockerignore",
        "# not sent\nsecret.txt\nlogs\nDockerfile\n",
    );

    let r = berth(&["build", "-t", &tag, ctx.to_str().expect("utf-8 path")]);
    r.ok();
    assert!(
        r.stdout.contains("Step 1/3"),
        "the build output is shown:\n{r}"
    );
    let id = r.stdout.lines().last().unwrap_or_default();
    assert!(is_image_id(id), "the last line is the image ID:\n{r}");
    assert_eq!(inspect(&tag)["Id"], serde_json::json!(id), "{r}");

    let out = run_in(&tag, &["sh", "-c", "cat /hello.txt; ls -a /ctx"]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("hello from berth build"), "{out}");
    let listed: Vec<&str> = lines.filter(|l| *l != "." && *l != "..").collect();
    // The Dockerfile is sent even though .dockerignore matches it (else
    // the build could not have run); the daemon then drops it from the
    // context, as docker's classic builder does.
    assert_eq!(
        listed,
        [".dockerignore", "hello.txt"],
        "the context in the image:\n{out}"
    );
}

#[test]
fn quiet_prints_only_the_id() {
    let base = import_test_image("buildquiet");
    let tag = format!("{}:1", unique_name("built-quiet"));
    let _image = ImageGuard::new(&tag);
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        &format!("FROM {}\nENV QUIET=1\n", base.reference),
    );
    let r = berth(&[
        "build",
        "-q",
        "-t",
        &tag,
        dir.path().to_str().expect("utf-8"),
    ]);
    r.ok();
    let id = r.stdout.trim_end();
    assert!(is_image_id(id), "only the ID on stdout:\n{r}");
    assert_eq!(r.stdout.lines().count(), 1, "{r}");
    assert_eq!(inspect(&tag)["Id"], serde_json::json!(id));
}

#[test]
fn a_failing_build_exits_1_with_the_daemons_message() {
    let base = import_test_image("buildfail");
    let tag = format!("{}:1", unique_name("built-fail"));
    let _image = ImageGuard::new(&tag);
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        &format!("FROM {}\nCOPY missing-file.txt /\n", base.reference),
    );
    let r = berth(&["build", "-t", &tag, dir.path().to_str().expect("utf-8")]);
    r.code(1);
    assert!(
        r.stderr.contains("missing-file.txt"),
        "the daemon's message on stderr:\n{r}"
    );
    assert!(!berth(&["image", "inspect", &tag]).stderr.is_empty());

    // No Dockerfile at all: refused before anything is sent.
    let empty = tempfile::tempdir().expect("tempdir");
    let r = berth(&["build", empty.path().to_str().expect("utf-8")]);
    r.code(1);
    assert!(
        r.stderr.contains("Cannot locate specified Dockerfile"),
        "{r}"
    );
}

#[test]
fn build_args_and_labels_reach_the_image() {
    let base = import_test_image("buildargs");
    let tag = format!("{}:1", unique_name("built-args"));
    let _image = ImageGuard::new(&tag);
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("docker")).expect("mkdir");
    write(
        &dir.path().join("docker"),
        "Build.dockerfile",
        &format!("FROM {}\nARG X\nLABEL x=$X\n", base.reference),
    );
    let file = dir.path().join("docker/Build.dockerfile");
    let r = berth(&[
        "build",
        "-t",
        &tag,
        "-f",
        file.to_str().expect("utf-8"),
        "--build-arg",
        "X=from-build-arg",
        "--label",
        "extra=yes",
        dir.path().to_str().expect("utf-8"),
    ]);
    r.ok();
    let labels = &inspect(&tag)["Config"]["Labels"];
    assert_eq!(labels["x"], serde_json::json!("from-build-arg"), "{labels}");
    assert_eq!(labels["extra"], serde_json::json!("yes"), "{labels}");
}
