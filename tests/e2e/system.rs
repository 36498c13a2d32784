//! `berth system …` and host selection.

use crate::support::{berth, berth_command, docker_host, run};

/// Stdout without one trailing newline.
fn line(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

#[test]
fn ping_prints_ok() {
    let r = berth(&["system", "ping"]);
    r.ok();
    assert_eq!(line(&r.stdout), "OK", "stdout:\n{r}");
    assert_eq!(r.stderr, "", "stderr:\n{r}");
}

#[test]
fn host_flag_overrides_docker_host() {
    let host = docker_host();
    // DOCKER_HOST points nowhere; only -H/--host can make these succeed.
    let missing = format!(
        "unix:///tmp/definitely-missing-{}.sock",
        crate::support::unique_name("env")
    );
    for args in [
        vec!["-H", host.as_str(), "system", "ping"],
        vec!["--host", host.as_str(), "system", "ping"],
    ] {
        let mut cmd = berth_command();
        cmd.env("DOCKER_HOST", &missing);
        let r = run(cmd, &args, None);
        r.ok();
        assert_eq!(line(&r.stdout), "OK", "stdout:\n{r}");
    }
    let joined = format!("--host={host}");
    let mut cmd = berth_command();
    cmd.env_remove("DOCKER_HOST");
    let r = run(cmd, &[joined.as_str(), "system", "ping"], None);
    r.ok();
    assert_eq!(line(&r.stdout), "OK", "stdout:\n{r}");
}

#[test]
fn version_is_a_json_object() {
    let r = berth(&["system", "version"]);
    r.ok();
    let v = r.json_object();
    let api = v
        .get("ApiVersion")
        .and_then(|x| x.as_str())
        .unwrap_or_else(|| panic!("no string \"ApiVersion\":\n{r}"));
    let parts: Vec<&str> = api.split('.').collect();
    assert!(
        parts.len() == 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        "ApiVersion {api:?} is not MAJOR.MINOR:\n{r}"
    );
    let version = v
        .get("Version")
        .and_then(|x| x.as_str())
        .unwrap_or_else(|| panic!("no string \"Version\":\n{r}"));
    assert!(!version.is_empty(), "empty Version:\n{r}");
    assert_eq!(
        v.get("Os").and_then(|x| x.as_str()),
        Some("linux"),
        "Os:\n{r}"
    );
    assert_eq!(r.stderr, "", "stderr:\n{r}");
}
