//! Errors that never reach a daemon: unreachable hosts and bad flags.

use crate::support::{berth, berth_command, run, unique_name};

fn cannot_connect(host: &str) -> String {
    format!("Cannot connect to the Docker daemon at {host}. Is the docker daemon running?")
}

#[test]
fn unreachable_host_flag() {
    let host = format!("unix:///tmp/definitely-missing-{}.sock", unique_name("h"));
    let r = berth(&["-H", &host, "system", "ping"]);
    r.code(1);
    assert_eq!(r.stderr.trim_end(), cannot_connect(&host), "stderr:\n{r}");
    assert_eq!(r.stdout, "", "stdout:\n{r}");
}

#[test]
fn unreachable_docker_host_env() {
    let host = format!("unix:///tmp/definitely-missing-{}.sock", unique_name("env"));
    let mut cmd = berth_command();
    cmd.env("DOCKER_HOST", &host);
    let r = run(cmd, &["container", "list", "--all"], None);
    r.code(1);
    assert_eq!(r.stderr.trim_end(), cannot_connect(&host), "stderr:\n{r}");
    assert_eq!(r.stdout, "", "stdout:\n{r}");
}

#[test]
fn bad_flag_is_a_usage_error() {
    let r = berth(&["system", "ping", "--definitely-not-a-flag"]);
    // clap's usage errors exit with 2.
    r.code(2);
    assert!(
        r.stderr.contains("--definitely-not-a-flag"),
        "the error should name the flag:\n{r}"
    );
    assert_eq!(r.stdout, "", "stdout:\n{r}");

    let r = berth(&["container", "definitely-not-a-subcommand"]);
    r.code(2);
    assert!(
        r.stderr.contains("definitely-not-a-subcommand"),
        "the error should name the subcommand:\n{r}"
    );
}
