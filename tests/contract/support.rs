//! What every daemon section shares: the context (client, negotiated
//! version, names and labels of this run, coverage, cleanup list), error
//! handling that names the operation, bounded waits, and tar and stream
//! helpers.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use berth_client::{ByteStream, Client, JsonLines, LogStream, StreamKind};
use futures_util::StreamExt;

use crate::coverage::Coverage;

/// A section's result: `Err` carries a message naming what failed.
pub type R<T = ()> = Result<T, String>;

/// Fails the section with a formatted message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}
pub(crate) use ensure;

/// Names the operation in a client error.
pub trait OpResult<T> {
    fn op(self, operation: &str) -> R<T>;
}

impl<T> OpResult<T> for Result<T, berth_client::Error> {
    fn op(self, operation: &str) -> R<T> {
        self.map_err(|e| format!("{operation}: {e}"))
    }
}

/// The label every object of the suite carries.
pub const TEST_LABEL: (&str, &str) = ("berth.test", "contract");
/// The label that tells this run's objects from another run's.
pub const RUN_LABEL: &str = "berth.contract.run";

/// Objects this run created, removed at the end whatever happened.
#[derive(Debug, Default)]
pub struct Cleanup {
    pub containers: Vec<String>,
    pub images: Vec<String>,
    pub volumes: Vec<String>,
    pub networks: Vec<String>,
    pub plugins: Vec<String>,
    pub services: Vec<String>,
    pub secrets: Vec<String>,
    pub configs: Vec<String>,
    /// The suite initialised the swarm and must leave it.
    pub swarm: bool,
    /// Networks the daemon made for the swarm the suite initialised and
    /// keeps after leaving it (`docker_gwbridge`), if they were not there before.
    pub swarm_networks: Vec<String>,
}

/// Everything a section needs.
#[derive(Debug)]
pub struct Ctx {
    pub client: Client,
    /// The negotiated version, e.g. `1.41`.
    pub version_text: String,
    pub version: (u32, u32),
    /// `berth-contract-<pid>-`: every name starts with it.
    pub prefix: String,
    /// This run's value of [`RUN_LABEL`].
    pub run: String,
    pub coverage: Coverage,
    pub cleanup: Mutex<Cleanup>,
    /// The imported busybox image, `name:tag`.
    pub image: String,
}

impl Ctx {
    /// A name unique to this run.
    pub fn name(&self, what: &str) -> String {
        format!("{}{what}", self.prefix)
    }

    /// The labels every object gets: the test label and this run's label.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TEST_LABEL.0.to_owned(), TEST_LABEL.1.to_owned()),
            (RUN_LABEL.to_owned(), self.run.clone()),
        ])
    }

    /// `key=value` of this run's label, for `label` filters.
    pub fn run_filter(&self) -> String {
        format!("{RUN_LABEL}={}", self.run)
    }

    /// A `filters` map selecting this run's objects by label, plus `extra`.
    pub fn filters(&self, extra: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut map = BTreeMap::from([(
            "label".to_owned(),
            vec![
                format!("{}={}", TEST_LABEL.0, TEST_LABEL.1),
                self.run_filter(),
            ],
        )]);
        for (key, value) in extra {
            map.entry((*key).to_owned())
                .or_default()
                .push((*value).to_owned());
        }
        map
    }

    /// Records that an operation was called and its answer checked.
    pub fn hit(&self, operation: &'static str) {
        self.coverage.hit(operation);
    }

    /// Whether the daemon speaks at least `min`; if not, records the
    /// feature as skipped by version.
    pub fn supports(&self, feature: &'static str, min: (u32, u32)) -> bool {
        let ok = self.version >= min;
        if !ok {
            self.coverage.version_skip(
                feature,
                format!(
                    "needs API {}.{}, daemon speaks {}",
                    min.0, min.1, self.version_text
                ),
            );
        }
        ok
    }

    pub fn track(&self, f: impl FnOnce(&mut Cleanup)) {
        let mut cleanup = self.cleanup.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut cleanup);
    }
}

/// Parses `1.41` into `(1, 41)`.
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Runs `fut`, failing with `what` if it takes longer than `secs`.
pub async fn within<T>(secs: u64, what: &str, fut: impl Future<Output = R<T>>) -> R<T> {
    tokio::time::timeout(Duration::from_secs(secs), fut)
        .await
        .map_err(|_| format!("{what}: no answer within {secs} s"))?
}

/// Calls `probe` every 200 ms until it yields a value, for at most `secs`.
pub async fn poll<T, F, Fut>(secs: u64, what: &str, mut probe: F) -> R<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = R<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = String::from("never ready");
    loop {
        match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last = e,
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("{what}: not within {secs} s (last: {last})"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every item of a JSON-lines stream, decoded, within `secs`.
pub async fn collect_lines<T: serde::de::DeserializeOwned>(
    operation: &str,
    secs: u64,
    stream: JsonLines<T>,
) -> R<Vec<T>> {
    within(secs, operation, async {
        let items: Vec<Result<T, berth_client::Error>> = stream.collect().await;
        items
            .into_iter()
            .collect::<Result<Vec<T>, _>>()
            .op(operation)
    })
    .await
}

/// A whole byte stream, within `secs`.
pub async fn collect_bytes(operation: &str, secs: u64, mut stream: ByteStream) -> R<Vec<u8>> {
    within(secs, operation, async {
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            all.extend_from_slice(&chunk.op(operation)?);
        }
        Ok(all)
    })
    .await
}

/// Output of a log stream: (stdout, stderr), read to its end within `secs`.
pub async fn collect_logs(operation: &str, secs: u64, stream: LogStream) -> R<(String, String)> {
    within(secs, operation, read_logs(operation, stream)).await
}

/// Reads a log stream until its stdout and stderr together contain
/// `needle` (or it ends); returns everything read.
pub async fn read_until(
    operation: &str,
    secs: u64,
    stream: &mut LogStream,
    needle: &str,
) -> R<String> {
    within(secs, operation, async {
        let mut seen = String::new();
        while !seen.contains(needle) {
            match stream.next().await {
                Some(chunk) => seen.push_str(&String::from_utf8_lossy(&chunk.op(operation)?.data)),
                None => break,
            }
        }
        ensure!(
            seen.contains(needle),
            "{operation}: output ended without {needle:?}; got {seen:?}"
        );
        Ok(seen)
    })
    .await
}

async fn read_logs(operation: &str, mut stream: LogStream) -> R<(String, String)> {
    let (mut out, mut err) = (String::new(), String::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.op(operation)?;
        let text = String::from_utf8_lossy(&chunk.data);
        match chunk.kind {
            StreamKind::Stderr => err.push_str(&text),
            StreamKind::Stdout | StreamKind::Stdin => out.push_str(&text),
        }
    }
    Ok((out, err))
}

/// A tar archive of `(path, contents, mode)` files.
pub fn tar_of(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data, mode) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(*mode);
        header.set_mtime(1_700_000_000);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, *data)
            .expect("append to an in-memory tar");
    }
    builder.into_inner().expect("finish an in-memory tar")
}

/// Applets the test image links to busybox.
pub const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "sleep", "ls", "true", "env", "stty", "touch",
];

/// A busybox root filesystem: `/bin/busybox`, applet symlinks, `/etc/passwd`, `/tmp`.
pub fn rootfs_tar() -> R<Vec<u8>> {
    let busybox =
        std::fs::read("/bin/busybox").map_err(|e| format!("reading /bin/busybox: {e}"))?;
    let mut builder = tar::Builder::new(Vec::new());
    let dir = |path: &str, builder: &mut tar::Builder<Vec<u8>>| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
        header.set_mtime(1_700_000_000);
        builder.append_data(&mut header, path, std::io::empty())
    };
    let io = |e: std::io::Error| format!("building the rootfs tar: {e}");
    for path in ["bin/", "etc/", "tmp/"] {
        dir(path, &mut builder).map_err(io)?;
    }
    let file = |path: &str, data: &[u8], mode: u32, builder: &mut tar::Builder<Vec<u8>>| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(1_700_000_000);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, path, data)
    };
    file("bin/busybox", &busybox, 0o755, &mut builder).map_err(io)?;
    file(
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\n",
        0o644,
        &mut builder,
    )
    .map_err(io)?;
    for applet in APPLETS {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        header.set_mode(0o777);
        header.set_mtime(1_700_000_000);
        builder
            .append_link(&mut header, format!("bin/{applet}"), "busybox")
            .map_err(io)?;
    }
    builder.into_inner().map_err(io)
}

/// The entries of a tar archive: path → contents (directories and links empty).
pub fn tar_entries(bytes: &[u8]) -> R<BTreeMap<String, Vec<u8>>> {
    let mut archive = tar::Archive::new(bytes);
    let mut map = BTreeMap::new();
    let entries = archive.entries().map_err(|e| format!("reading tar: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("reading tar entry: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("reading tar path: {e}"))?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data)
            .map_err(|e| format!("reading tar data of {path}: {e}"))?;
        map.insert(path, data);
    }
    Ok(map)
}

/// Seconds since the epoch, with a fraction, as the events API takes them.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

impl Ctx {
    /// Creates a container named `<prefix><what>` with this run's labels
    /// (added to any in `body`) from the test image unless `body` names one.
    pub async fn create_container(
        &self,
        what: &str,
        mut body: berth_client::types::ContainerCreateRequest,
    ) -> R<String> {
        use berth_client::api::{ContainerApi, ContainerCreateParams};
        let mut labels = self.labels();
        labels.extend(body.labels.take().unwrap_or_default());
        body.labels = Some(labels);
        if body.image.is_none() {
            body.image = Some(self.image.clone());
        }
        let params = ContainerCreateParams {
            name: Some(self.name(what)),
            ..Default::default()
        };
        let created = self
            .client
            .container_create(&params, &body)
            .await
            .op("ContainerCreate")?;
        ensure!(
            !created.id.is_empty(),
            "ContainerCreate: empty Id for {what}"
        );
        let id = created.id;
        self.track(|c| c.containers.push(id.clone()));
        self.hit("ContainerCreate");
        Ok(id)
    }

    /// Starts a container, expecting it was not running (204).
    pub async fn start(&self, id: &str) -> R {
        use berth_client::api::{ContainerApi, ContainerStartOutcome, ContainerStartParams};
        match self
            .client
            .container_start(id, &ContainerStartParams::default())
            .await
            .op("ContainerStart")?
        {
            ContainerStartOutcome::NoContent => {
                self.hit("ContainerStart");
                Ok(())
            }
            other => Err(format!("ContainerStart {id}: expected 204, got {other:?}")),
        }
    }

    /// Waits for a container to stop and returns its exit code.
    pub async fn wait_exit(&self, id: &str, secs: u64) -> R<i64> {
        use berth_client::api::{ContainerApi, ContainerWaitParams};
        use berth_client::types::ContainerWaitCondition;
        let params = ContainerWaitParams {
            condition: Some(ContainerWaitCondition::NotRunning),
        };
        let answer = within(secs, "ContainerWait", async {
            self.client
                .container_wait(id, &params)
                .await
                .op("ContainerWait")
        })
        .await?;
        if let Some(error) = answer.error.as_ref().and_then(|e| e.message.as_ref()) {
            ensure!(
                error.is_empty(),
                "ContainerWait {id}: the daemon reports {error:?}"
            );
        }
        self.hit("ContainerWait");
        Ok(answer.status_code)
    }

    /// The container's inspect answer.
    pub async fn inspect(&self, id: &str) -> R<berth_client::types::ContainerInspectResponse> {
        use berth_client::api::{ContainerApi, ContainerInspectParams};
        let answer = self
            .client
            .container_inspect(id, &ContainerInspectParams::default())
            .await
            .op("ContainerInspect")?;
        self.hit("ContainerInspect");
        Ok(answer)
    }
}

/// A container body running `cmd` in the test image.
pub fn run_cmd(cmd: &[&str]) -> berth_client::types::ContainerCreateRequest {
    berth_client::types::ContainerCreateRequest {
        cmd: Some(cmd.iter().map(|s| (*s).to_owned()).collect()),
        ..Default::default()
    }
}

/// True when the result is the daemon's 404.
pub fn is_404<T>(result: &Result<T, berth_client::Error>) -> bool {
    matches!(result, Err(e) if e.is_not_found())
}
