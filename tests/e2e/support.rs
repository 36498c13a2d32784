//! Helpers shared by the end-to-end tests: running the `berth` binary,
//! unique resource names, a busybox root filesystem tarball and cleanup
//! guards that remove what a test created even when the test panics.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The label every container created by these tests carries.
pub const TEST_LABEL_KEY: &str = "berth.test";
pub const TEST_LABEL_VALUE: &str = "e2e";

/// How long one `berth` invocation may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the rootfs gets its single binary (Debian package busybox-static).
const BUSYBOX: &str = "/bin/busybox";

/// Applets linked to busybox in the test image.
const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "sleep", "ls", "true", "false", "env", "id", "ps", "wc", "head",
];

pub fn berth_bin() -> &'static str {
    env!("CARGO_BIN_EXE_berth")
}

/// The daemon under test. There is deliberately no fallback: without a
/// daemon the tests must fail, not pass vacuously.
pub fn docker_host() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.trim().is_empty() => h,
        _ => panic!(
            "DOCKER_HOST is not set. The e2e tests need a Docker daemon: run them through \
             `scripts/test.sh` (which starts a private daemon), or set DOCKER_HOST to a \
             running daemon (e.g. DOCKER_HOST=unix:///var/run/docker.sock)."
        ),
    }
}

/// A name nobody else uses: `berth-e2e-<pid>-<counter>-<nanos>-<what>`.
/// Lowercase only, so that it is also a valid image repository name.
pub fn unique_name(what: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0);
    format!("berth-e2e-{}-{}-{}-{}", std::process::id(), n, nanos, what)
}

/// The captured result of one `berth` run.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ berth {}", self.args.join(" "))?;
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

impl Run {
    /// Panics unless the command exited with status 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "command failed:\n{self}");
        self
    }

    /// Panics unless the command exited with exactly `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit code:\n{self}");
        self
    }

    /// Stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => panic!("stdout is not a JSON document ({e}):\n{self}"),
        }
    }

    /// Stdout parsed as a JSON array.
    #[track_caller]
    pub fn json_array(&self) -> Vec<serde_json::Value> {
        match self.json() {
            serde_json::Value::Array(a) => a,
            other => panic!("expected a JSON array on stdout, got {other}:\n{self}"),
        }
    }

    /// Stdout parsed as a JSON object.
    #[track_caller]
    pub fn json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        match self.json() {
            serde_json::Value::Object(o) => o,
            other => panic!("expected a JSON object on stdout, got {other}:\n{self}"),
        }
    }
}

/// A `berth` command with DOCKER_HOST taken from the test environment.
pub fn berth_command() -> Command {
    let mut cmd = Command::new(berth_bin());
    cmd.env("DOCKER_HOST", docker_host());
    // Keep the output machine-readable and independent of the user's setup.
    cmd.env_remove("DOCKER_CONTEXT");
    cmd.env_remove("DOCKER_API_VERSION");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs berth against the daemon in DOCKER_HOST.
pub fn berth(args: &[&str]) -> Run {
    run(berth_command(), args, None)
}

/// Runs berth with `stdin` piped to it.
pub fn berth_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    run(berth_command(), args, Some(stdin.to_vec()))
}

/// Runs a prepared berth command (environment already set up) with `args`.
pub fn run(cmd: Command, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    match try_run(cmd, args, stdin) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`run`], but reports failures to run berth (cannot spawn, timed out)
/// as `Err` instead of panicking; for use in `Drop`.
fn try_run(mut cmd: Command, args: &[&str], stdin: Option<Vec<u8>>) -> Result<Run, String> {
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {} {:?}: {e}", berth_bin(), args))?;

    let writer = stdin.map(|data| {
        let pipe = child.stdin.take();
        // A broken pipe just means berth stopped reading; its exit status
        // tells the real story.
        thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let _ = pipe.write_all(&data);
            }
        })
    });
    let (Some(mut out), Some(mut err)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("stdout/stderr not piped".to_string());
    };
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });

    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child
                    .wait()
                    .map_err(|e| format!("waiting for killed berth {args:?}: {e}"))?;
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("waiting for berth {args:?}: {e}")),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let result = Run {
        args,
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    eprintln!("{result}\n");
    if timed_out {
        return Err(format!(
            "berth did not finish within {COMMAND_TIMEOUT:?}; killed it:\n{result}"
        ));
    }
    Ok(result)
}

/// Runs berth for cleanup: never panics; `None` if DOCKER_HOST is unset or
/// berth could not be run.
fn cleanup_berth(args: &[&str]) -> Option<Run> {
    let host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())?;
    let mut cmd = Command::new(berth_bin());
    cmd.env("DOCKER_HOST", host)
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_API_VERSION");
    match try_run(cmd, args, None) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("warning: cleanup failed: {e}");
            None
        }
    }
}

/// Finds the first `sha256:<64 hex>` in `text`.
pub fn find_image_id(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(pos) = rest.find("sha256:") {
        let candidate = &rest[pos + "sha256:".len()..];
        let hex: String = candidate
            .chars()
            .take_while(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            .collect();
        if hex.len() == 64 {
            return Some(format!("sha256:{hex}"));
        }
        rest = &rest[pos + 1..];
    }
    None
}

/// True for a full 64-character lowercase hex container id.
pub fn is_full_id(id: &str) -> bool {
    id.len() == 64 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

/// The busybox root filesystem as a tar archive (built once per process):
/// `bin/busybox`, applet symlinks in `bin/`, `etc/passwd` with root, `tmp/`.
pub fn rootfs_tar() -> &'static [u8] {
    static TAR: OnceLock<Vec<u8>> = OnceLock::new();
    TAR.get_or_init(build_rootfs_tar)
}

fn build_rootfs_tar() -> Vec<u8> {
    let busybox = std::fs::read(BUSYBOX).unwrap_or_else(|e| {
        panic!(
            "cannot read {BUSYBOX} ({e}); install the Debian package busybox-static \
             (scripts/test.sh does this)"
        )
    });
    let mtime = 1_700_000_000;
    let mut builder = tar::Builder::new(Vec::new());

    let dir = |path: &str, mode: u32, builder: &mut tar::Builder<Vec<u8>>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_size(0);
        builder
            .append_data(&mut h, path, std::io::empty())
            .expect("append directory");
    };
    dir("bin/", 0o755, &mut builder);
    dir("etc/", 0o755, &mut builder);
    dir("root/", 0o700, &mut builder);
    dir("tmp/", 0o1777, &mut builder);

    let file = |path: &str, mode: u32, data: &[u8], builder: &mut tar::Builder<Vec<u8>>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_size(data.len() as u64);
        builder
            .append_data(&mut h, path, data)
            .expect("append file");
    };
    file("bin/busybox", 0o755, &busybox, &mut builder);
    file(
        "etc/passwd",
        0o644,
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
        &mut builder,
    );
    file(
        "etc/group",
        0o644,
        b"root:x:0:\nnogroup:x:65534:\n",
        &mut builder,
    );

    for applet in APPLETS {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_mode(0o777);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_size(0);
        builder
            .append_link(&mut h, format!("bin/{applet}"), "busybox")
            .expect("append symlink");
    }
    builder.into_inner().expect("finish rootfs tar")
}

/// Writes the rootfs tarball into `dir` and returns its path.
pub fn write_rootfs_tar(dir: &Path) -> PathBuf {
    let path = dir.join("rootfs.tar");
    std::fs::write(&path, rootfs_tar()).expect("write rootfs tar");
    path
}

/// Best-effort removal through the raw API when berth itself cannot do it
/// (e.g. while berth is still broken). Only for unix sockets, only if curl
/// is installed; failures are reported, never fatal.
fn curl_delete(path_and_query: &str) -> bool {
    let Ok(host) = std::env::var("DOCKER_HOST") else {
        return false;
    };
    let Some(sock) = host.strip_prefix("unix://") else {
        return false;
    };
    Command::new("curl")
        .args(["-sS", "-f", "-X", "DELETE", "--unix-socket", sock])
        .arg(format!("http://docker{path_and_query}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// True when berth removed the resource or it was already gone.
fn removed(run: &Option<Run>) -> bool {
    match run {
        Some(r) => {
            r.code == Some(0) || r.stderr.contains("No such") || r.stderr.contains("no such")
        }
        None => false,
    }
}

/// Removes a container (by name or id) when dropped.
#[derive(Debug)]
pub struct ContainerGuard {
    pub name: String,
}

impl ContainerGuard {
    pub fn new(name: &str) -> Self {
        ContainerGuard {
            name: name.to_string(),
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let r = cleanup_berth(&["container", "delete", "--force", &self.name]);
        if !removed(&r) && !curl_delete(&format!("/containers/{}?force=1&v=1", self.name)) {
            eprintln!("warning: could not remove test container {}", self.name);
        }
    }
}

/// Removes an image reference when dropped.
#[derive(Debug)]
pub struct ImageGuard {
    pub reference: String,
}

impl ImageGuard {
    pub fn new(reference: &str) -> Self {
        ImageGuard {
            reference: reference.to_string(),
        }
    }
}

impl Drop for ImageGuard {
    fn drop(&mut self) {
        let r = cleanup_berth(&["image", "delete", "--force", &self.reference]);
        if !removed(&r) && !curl_delete(&format!("/images/{}?force=1", self.reference)) {
            eprintln!("warning: could not remove test image {}", self.reference);
        }
    }
}

/// An image imported from the busybox rootfs under a unique `repo:e2e`
/// reference; removed when dropped.
#[derive(Debug)]
pub struct TestImage {
    pub repo: String,
    pub reference: String,
    pub id: String,
    _guard: ImageGuard,
}

/// Imports the busybox rootfs as a fresh, uniquely named image.
pub fn import_test_image(what: &str) -> TestImage {
    let repo = unique_name(what);
    let reference = format!("{repo}:e2e");
    // The guard exists before the import so that a half-successful import
    // is cleaned up too.
    let guard = ImageGuard::new(&reference);
    let dir = tempfile::tempdir().expect("tempdir");
    let tar = write_rootfs_tar(dir.path());
    let r = berth(&[
        "image",
        "import",
        tar.to_str().expect("utf-8 path"),
        &reference,
    ]);
    r.ok();
    let id = find_image_id(&r.stdout)
        .unwrap_or_else(|| panic!("no sha256 image id in the import output:\n{r}"));
    TestImage {
        repo,
        reference,
        id,
        _guard: guard,
    }
}

/// Creates a container named `name` from `body` (a ContainerCreate JSON
/// body); the returned guard removes it. Returns the container id.
pub fn create_container(name: &str, body: &serde_json::Value) -> (ContainerGuard, String) {
    let guard = ContainerGuard::new(name);
    let body = body.to_string();
    let r = berth(&["container", "create", "--name", name, "--body", &body]);
    r.ok();
    let created = r.json_object();
    let id = created
        .get("Id")
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no \"Id\" in the create output:\n{r}"))
        .to_string();
    assert!(is_full_id(&id), "\"Id\" is not a 64-hex id:\n{r}");
    let warnings = created
        .get("Warnings")
        .unwrap_or_else(|| panic!("no \"Warnings\" in the create output:\n{r}"));
    assert!(
        warnings.is_null() || warnings.as_array().is_some_and(|w| w.is_empty()),
        "unexpected warnings:\n{r}"
    );
    (guard, id)
}

/// `{"berth.test": "e2e"}`
pub fn test_labels() -> serde_json::Value {
    serde_json::json!({ TEST_LABEL_KEY: TEST_LABEL_VALUE })
}

/// `container inspect` of a container that must exist.
pub fn inspect_container(id: &str) -> serde_json::Map<String, serde_json::Value> {
    let r = berth(&["container", "inspect", id]);
    r.ok();
    r.json_object()
}

/// The `container list --all` entry with this id among the test-labelled
/// containers, if any.
pub fn listed_container(id: &str) -> Option<serde_json::Value> {
    let filter = format!("label={TEST_LABEL_KEY}={TEST_LABEL_VALUE}");
    let r = berth(&["container", "list", "--all", "--filter", &filter]);
    r.ok();
    r.json_array()
        .into_iter()
        .find(|c| c.get("Id").and_then(|v| v.as_str()) == Some(id))
}
