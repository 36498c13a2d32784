//! Streams and transfers: logs as the daemon split them (raw for a TTY),
//! `--follow` picking up what is written after it started, and a download
//! with `-o` that leaves no file when the process dies part-way.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{
    berth, berth_command, import_test_image, unique_name, write_rootfs_tar, ContainerGuard,
    ImageGuard,
};

const LABEL: &str = "berth.test=e2e";

#[test]
fn logs_of_a_tty_container_are_raw_on_stdout() {
    let img = import_test_image("ttylogs");
    let name = unique_name("ttylogs");
    let _guard = ContainerGuard::new(&name);
    berth(&[
        "container",
        "create",
        "--name",
        &name,
        "--image",
        &img.reference,
        "--tty",
        "--label",
        LABEL,
        "--cmd",
        "sh",
        "--cmd",
        "-c",
        "--cmd",
        "echo out; echo err >&2",
    ])
    .ok();
    berth(&["container", "start", &name]).ok();
    berth(&["container", "wait", &name]).ok();
    let r = berth(&["container", "logs", &name, "--stdout", "--stderr"]);
    r.ok();
    assert_eq!(
        r.stdout, "out\r\nerr\r\n",
        "a TTY merges the streams and adds carriage returns:\n{r}"
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn follow_picks_up_lines_written_after_it_started() {
    let img = import_test_image("follow");
    let name = unique_name("follow");
    let _guard = ContainerGuard::new(&name);
    berth(&[
        "container",
        "create",
        "--name",
        &name,
        "--image",
        &img.reference,
        "--label",
        LABEL,
        "--cmd",
        "sh",
        "--cmd",
        "-c",
        "--cmd",
        "echo first; sleep 2; echo second; sleep 300",
    ])
    .ok();
    berth(&["container", "start", &name]).ok();
    let mut child = berth_command()
        .args(["container", "logs", &name, "--stdout", "--follow"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn logs --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20));
    let second = rx.recv_timeout(Duration::from_secs(20));
    let still_following = child
        .try_wait()
        .map(|status| status.is_none())
        .unwrap_or(false);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first.as_deref(), Ok("first"));
    assert_eq!(
        second.as_deref(),
        Ok("second"),
        "a line written two seconds later arrives"
    );
    assert!(
        still_following,
        "follow keeps the stream open while the container runs"
    );
}

/// An image with a ~200 MiB layer, so that saving it takes a while.
fn big_image() -> (ImageGuard, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write_rootfs_tar(dir.path());
    let tar_path = dir.path().join("big.tar");
    {
        let file = std::fs::File::create(&tar_path).expect("create tar");
        let mut builder = tar::Builder::new(file);
        let mut base_archive = tar::Archive::new(std::fs::File::open(&base).expect("open base"));
        for entry in base_archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let mut header = entry.header().clone();
            let path = entry.path().expect("path").into_owned();
            builder
                .append_data(&mut header, path, &mut entry)
                .expect("copy entry");
        }
        let size: u64 = 200 << 20;
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_cksum();
        // Pseudo-random bytes (no compression can shrink them much).
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise = std::io::repeat(0).take(size);
        let reader = NoiseReader {
            inner: noise,
            state: &mut state,
        };
        builder
            .append_data(&mut header, "big.bin", reader)
            .expect("big file");
        builder.finish().expect("finish");
    }
    let reference = format!("{}:big", unique_name("big"));
    let guard = ImageGuard::new(&reference);
    berth(&[
        "image",
        "import",
        tar_path.to_str().expect("utf-8"),
        &reference,
    ])
    .ok();
    (guard, reference)
}

use std::io::Read;

/// Fills reads with xorshift noise.
struct NoiseReader<'a, R> {
    inner: R,
    state: &'a mut u64,
}

impl<R: Read> Read for NoiseReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for byte in buf.iter_mut().take(n) {
            *self.state ^= *self.state << 13;
            *self.state ^= *self.state >> 7;
            *self.state ^= *self.state << 17;
            *byte = (*self.state >> 24) as u8;
        }
        Ok(n)
    }
}

#[test]
fn an_interrupted_download_leaves_no_file() {
    let (_guard, reference) = big_image();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let target = out_dir.path().join("saved.tar");
    let target_arg = target.to_str().expect("utf-8").to_owned();

    // Killed outright (SIGKILL) while data flows: nothing may remain.
    let mut child = berth_command()
        .args(["image", "get", &reference, "-o", &target_arg])
        .spawn()
        .expect("spawn image get");
    std::thread::sleep(Duration::from_millis(300));
    let was_running = child.try_wait().map(|s| s.is_none()).unwrap_or(false);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        was_running,
        "the download was still running when killed (make the image bigger if not)"
    );
    let left: Vec<_> = std::fs::read_dir(out_dir.path())
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "no file and no temporary file after SIGKILL: {left:?}"
    );

    // Interrupted (SIGINT, as Ctrl-C): exit 130, still nothing left.
    let child = berth_command()
        .args(["image", "get", &reference, "-o", &target_arg])
        .spawn()
        .expect("spawn image get");
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()));
    let status = child.wait_with_output().expect("wait").status;
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130");
    assert_eq!(
        std::fs::read_dir(out_dir.path()).expect("read dir").count(),
        0,
        "nothing left after Ctrl-C"
    );

    // And a complete download is a complete tar.
    berth(&["image", "get", &reference, "-o", &target_arg]).ok();
    let size = std::fs::metadata(&target).expect("saved").len();
    assert!(size > 200 << 20, "the whole image was saved ({size} bytes)");
}

#[test]
fn stats_prints_a_table_row_per_container() {
    let img = import_test_image("stats");
    let name = unique_name("stats");
    let _guard = ContainerGuard::new(&name);
    berth(&[
        "run",
        "-d",
        "--name",
        &name,
        "-l",
        LABEL,
        &img.reference,
        "sleep",
        "300",
    ])
    .ok();
    let r = berth(&["stats", "--no-stream", &name]);
    r.ok();
    let in_group = berth(&["container", "stats", "--no-stream", &name]);
    in_group.ok();
    assert_eq!(
        in_group.stdout.lines().count(),
        2,
        "`container stats` is the same table:\n{in_group}"
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row:\n{r}");
    let header = lines.first().copied().unwrap_or_default();
    for column in [
        "CONTAINER ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O",
        "BLOCK I/O",
        "PIDS",
    ] {
        assert!(header.contains(column), "{column} in {header:?}");
    }
    let row = lines.get(1).copied().unwrap_or_default();
    assert!(row.contains(&name) && row.contains('%'), "{row:?}");
}

#[test]
fn save_then_load_round_trips_an_image() {
    let img = import_test_image("saveload");
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("saved.tar");
    let archive_arg = archive.to_str().expect("utf-8");
    berth(&["image", "save", &img.reference, "-o", archive_arg]).ok();
    let entries: Vec<String> = tar::Archive::new(std::fs::File::open(&archive).expect("saved"))
        .entries()
        .expect("a tar")
        .flatten()
        .filter_map(|e| e.path().ok().map(|p| p.display().to_string()))
        .collect();
    assert!(
        entries.iter().any(|e| e == "manifest.json"),
        "docker's archive layout: {entries:?}"
    );
    berth(&["image", "delete", &img.reference]).ok();
    berth(&["image", "inspect", &img.reference]).code(1);
    let r = berth(&["image", "load", "--body", archive_arg]);
    r.ok();
    assert!(
        r.stdout
            .contains(&format!("Loaded image: {}", img.reference)),
        "{r}"
    );
    assert_eq!(
        berth(&["image", "inspect", &img.reference]).json()["Id"],
        serde_json::json!(img.id)
    );
}
