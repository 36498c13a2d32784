//! Tar archives streamed between local files and the daemon, in bounded
//! memory: the tar crate is synchronous, so archives are written and read in
//! blocking tasks that exchange chunks with the async side over bounded
//! channels (a few 64 KiB chunks in flight, never a whole archive).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use berth_client::{Body, ByteStream};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

/// How big the pieces of an archive in flight are, and how many there may be.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 8;

/// One local file, directory or link to put in an archive.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it is.
    pub path: PathBuf,
    /// Its name in the archive (relative; a leading `./` is dropped).
    pub name: PathBuf,
}

/// What a walk does with one path below its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Put it in the archive (and, for a directory, walk it).
    Include,
    /// Leave it out, with everything inside.
    Skip,
    /// Leave a directory out but walk it: something inside may be included.
    Enter,
}

/// Lists `root` and, when it is a directory, everything below it (symbolic
/// links are not followed), named `root_name/…` in the archive. `root_name`
/// `.` puts the contents at the top of the archive, without an entry for the
/// root itself. `visit` decides on every path below the root, given its path
/// relative to the root (`/`-separated) and whether it is a directory.
pub fn walk(
    root: &Path,
    root_name: &str,
    visit: &dyn Fn(&str, bool) -> Visit,
) -> io::Result<Vec<Item>> {
    let meta = fs::symlink_metadata(root).map_err(|e| with_path(e, root))?;
    let mut items = Vec::new();
    if root_name != "." {
        items.push(Item {
            path: root.to_owned(),
            name: PathBuf::from(root_name),
        });
    }
    if meta.is_dir() {
        walk_dir(root, Path::new(root_name), "", visit, &mut items)?;
    }
    Ok(items)
}

fn walk_dir(
    dir: &Path,
    name: &Path,
    relative: &str,
    visit: &dyn Fn(&str, bool) -> Visit,
    items: &mut Vec<Item>,
) -> io::Result<()> {
    let mut children = fs::read_dir(dir)
        .map_err(|e| with_path(e, dir))?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<io::Result<Vec<OsString>>>()
        .map_err(|e| with_path(e, dir))?;
    children.sort();
    for child in children {
        let path = dir.join(&child);
        let meta = fs::symlink_metadata(&path).map_err(|e| with_path(e, &path))?;
        let child_relative = if relative.is_empty() {
            child.to_string_lossy().into_owned()
        } else {
            format!("{relative}/{}", child.to_string_lossy())
        };
        let child_name = name.join(&child);
        let decision = visit(&child_relative, meta.is_dir());
        if decision == Visit::Skip {
            continue;
        }
        if decision == Visit::Include {
            if meta.file_type().is_socket() {
                // Sockets cannot be archived (docker leaves them out too).
                continue;
            }
            items.push(Item {
                path: path.clone(),
                name: child_name.clone(),
            });
        }
        if meta.is_dir() {
            walk_dir(&path, &child_name, &child_relative, visit, items)?;
        }
    }
    Ok(())
}

/// Writes `items` as a tar archive into `out`, file contents read as they
/// are written. Modes, times and symbolic links are kept; files that are
/// hard links of each other become one file and hard links. With `owner`,
/// every entry belongs to that uid and gid (what docker does for build
/// contexts) instead of the local owner.
pub fn write(items: &[Item], out: impl Write, owner: Option<(u64, u64)>) -> io::Result<()> {
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    let mut links: HashMap<(u64, u64), PathBuf> = HashMap::new();
    for item in items {
        let meta = fs::symlink_metadata(&item.path).map_err(|e| with_path(e, &item.path))?;
        let kind = meta.file_type();
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        if let Some((uid, gid)) = owner {
            header.set_uid(uid);
            header.set_gid(gid);
            header.set_username("")?;
            header.set_groupname("")?;
        }
        if kind.is_file() {
            if meta.nlink() > 1 {
                let key = (meta.dev(), meta.ino());
                if let Some(first) = links.get(&key) {
                    header.set_entry_type(tar::EntryType::Link);
                    header.set_size(0);
                    builder.append_link(&mut header, &item.name, first)?;
                    continue;
                }
                links.insert(key, item.name.clone());
            }
            let file = fs::File::open(&item.path).map_err(|e| with_path(e, &item.path))?;
            let exact = Exact {
                inner: file.take(meta.len()),
                remaining: meta.len(),
                path: &item.path,
            };
            builder.append_data(&mut header, &item.name, exact)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&item.path).map_err(|e| with_path(e, &item.path))?;
            builder.append_link(&mut header, &item.name, target)?;
        } else {
            // Directories, fifos and device nodes: a header alone.
            header.set_size(0);
            builder.append_data(&mut header, &item.name, io::empty())?;
        }
    }
    builder.into_inner()?.flush()
}

/// A file's contents, exactly as long as its header says: a file that
/// shrinks while it is read is an error, not a corrupt archive.
struct Exact<'a> {
    inner: io::Take<fs::File>,
    remaining: u64,
    path: &'a Path,
}

impl Read for Exact<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.remaining > 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} changed while it was read", self.path.display()),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A request body fed by a blocking task: what the task writes into the
/// [`ChunkWriter`] is sent as it comes; when the task fails, the body fails
/// too, so the daemon sees a broken upload rather than a short archive.
pub fn pipe() -> (ChunkWriter, Body) {
    let (writer, stream) = channel();
    let body = Body::from_reader(tokio_util::io::StreamReader::new(stream));
    (writer, body)
}

fn channel() -> (ChunkWriter, ChunkStream) {
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    (
        ChunkWriter {
            sender,
            buffer: Vec::with_capacity(CHUNK),
        },
        ChunkStream(receiver),
    )
}

/// The writing end of [`pipe`]; use it from a blocking task only.
pub struct ChunkWriter {
    sender: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, Closed))
    }

    /// Makes the body fail with `error` (the task could not finish it).
    pub fn fail(self, error: io::Error) {
        let _ = self.sender.blocking_send(Err(error));
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buffer.len());
        self.buffer.extend_from_slice(&data[..n]);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The daemon stopped reading the body (it answered, or the request failed).
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the daemon stopped reading")
    }
}

impl std::error::Error for Closed {}

/// True for the error a [`ChunkWriter`] reports once the body is gone.
pub fn is_closed(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<Closed>().is_some())
}

struct ChunkStream(mpsc::Receiver<io::Result<Bytes>>);

impl Stream for ChunkStream {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Sends `request` (whose body comes from [`pipe`]) while `producer` writes
/// the body; the producer's failure wins over the request's, since it is
/// the cause.
pub async fn send<T>(
    request: impl std::future::Future<Output = Result<T, berth_client::Error>>,
    producer: tokio::task::JoinHandle<io::Result<()>>,
) -> Result<T, berth::support::Error> {
    let answer = request.await;
    // The body is gone now (sent or dropped), so the producer ends soon.
    let produced = producer.await.map_err(|e| {
        berth::support::Error::Input(format!("the archive could not be written: {e}"))
    })?;
    match produced {
        Err(e) if !is_closed(&e) => Err(berth::support::Error::Input(e.to_string())),
        _ => answer.map_err(berth::support::Error::from),
    }
}

/// Runs `write_body` in a blocking task writing into a fresh [`pipe`];
/// returns the body and the task.
pub fn produce<F>(write_body: F) -> (Body, tokio::task::JoinHandle<io::Result<()>>)
where
    F: FnOnce(&mut ChunkWriter) -> io::Result<()> + Send + 'static,
{
    let (writer, body) = pipe();
    (body, spawn_producer(writer, write_body))
}

fn spawn_producer<F>(
    mut writer: ChunkWriter,
    write_body: F,
) -> tokio::task::JoinHandle<io::Result<()>>
where
    F: FnOnce(&mut ChunkWriter) -> io::Result<()> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let result = write_body(&mut writer).and_then(|()| writer.flush());
        if let Err(e) = &result {
            if !is_closed(e) {
                writer.fail(io::Error::new(e.kind(), e.to_string()));
            }
        }
        result
    })
}

/// The reading end of a downloaded archive in a blocking task: chunks of
/// the [`ByteStream`] arrive over a bounded channel.
pub struct ChunkReader {
    receiver: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Runs `consume` in a blocking task reading `bytes` as they arrive.
pub async fn consume<T, F>(bytes: ByteStream, consume: F) -> Result<T, berth::support::Error>
where
    T: Send + 'static,
    F: FnOnce(ChunkReader) -> io::Result<T> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let reader = ChunkReader {
        receiver,
        current: Bytes::new(),
    };
    let task = tokio::task::spawn_blocking(move || consume(reader));
    let pump = async move {
        let mut bytes = bytes;
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk.map_err(io::Error::other);
            let failed = chunk.is_err();
            // The reader stopped (finished or failed): nothing more to do.
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    let ((), result) = tokio::join!(pump, task);
    result
        .map_err(|e| berth::support::Error::Input(format!("the archive could not be read: {e}")))?
        .map_err(|e| berth::support::Error::Input(e.to_string()))
}

/// Renames the first element of archive paths: `from` (`.` for an archive
/// of a directory's contents) becomes `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

impl Rename {
    fn apply(&self, name: Vec<OsString>) -> Vec<OsString> {
        let from = elements(&self.from);
        let to = elements(&self.to);
        if name.len() >= from.len() && name[..from.len()] == from[..] {
            to.into_iter()
                .chain(name[from.len()..].iter().cloned())
                .collect()
        } else {
            name
        }
    }
}

/// The elements of a relative archive path (`.` has none).
fn elements(path: &str) -> Vec<OsString> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_owned()),
            _ => None,
        })
        .collect()
}

/// The elements of an entry's path; an absolute path or `..` is refused.
fn entry_elements(path: &Path) -> io::Result<Vec<OsString>> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_owned()),
            Component::CurDir => {}
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the archive holds a path outside the destination: {}",
                        path.display()
                    ),
                ))
            }
        }
    }
    Ok(parts)
}

/// Extracts a tar archive into the existing directory `dir`, renaming its
/// top element by `rename`. Modes (setuid and friends too), times and
/// symbolic links are kept, ownership is not (as docker without root);
/// nothing is written outside `dir`. An entry for `dir` itself (an archive
/// of a directory's contents) leaves `dir` as it is. Device nodes and fifos
/// are skipped.
pub fn extract(reader: impl Read, dir: &Path, rename: &Rename) -> io::Result<()> {
    let root = dir.canonicalize().map_err(|e| with_path(e, dir))?;
    let mut archive = tar::Archive::new(reader);
    // Directories get their mode and time last, so that a read-only one can
    // still be filled, and its time is not changed by what goes inside.
    let mut directories: Vec<(PathBuf, u32, u64)> = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = rename.apply(entry_elements(&entry.path()?)?);
        let kind = entry.header().entry_type();
        if name.is_empty() {
            if kind.is_dir() {
                continue;
            }
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the archive holds a file without a name",
            ));
        }
        let target: PathBuf = name.iter().fold(root.clone(), |path, part| path.join(part));
        if let Some(parent) = target.parent() {
            inside(&root, parent)?;
        }
        if kind.is_dir() {
            match fs::create_dir(&target) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && target.is_dir() => {}
                Err(e) => return Err(with_path(e, &target)),
            }
            let mode = entry.header().mode()?;
            let mtime = entry.header().mtime().unwrap_or(0);
            directories.push((target, mode, mtime));
        } else if kind.is_hard_link() {
            let Some(link) = entry.link_name()? else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a hard link without a target",
                ));
            };
            let source = rename
                .apply(entry_elements(&link)?)
                .iter()
                .fold(root.clone(), |path, part| path.join(part));
            if let Some(parent) = source.parent() {
                inside(&root, parent)?;
            }
            match fs::remove_file(&target) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(with_path(e, &target)),
                _ => {}
            }
            fs::hard_link(&source, &target).map_err(|e| with_path(e, &target))?;
        } else if kind.is_character_special() || kind.is_block_special() || kind.is_fifo() {
            continue;
        } else {
            entry.set_preserve_permissions(true);
            entry.set_preserve_mtime(true);
            entry.unpack(&target)?;
        }
    }
    for (path, mode, mtime) in directories.iter().rev() {
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| with_path(e, path))?;
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(*mtime);
        if let Ok(dir) = fs::File::open(path) {
            let _ = dir.set_times(fs::FileTimes::new().set_modified(time).set_accessed(time));
        }
    }
    Ok(())
}

/// Creates `parent` if missing (0755, as docker does) and checks that it
/// lies inside `root` once symbolic links are resolved.
fn inside(root: &Path, parent: &Path) -> io::Result<()> {
    if !parent.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)
            .map_err(|e| with_path(e, parent))?;
    }
    let resolved = parent.canonicalize().map_err(|e| with_path(e, parent))?;
    if resolved.starts_with(root) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "refusing to write through a symbolic link outside {}: {}",
                root.display(),
                parent.display()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("src");
        let ok = |r: io::Result<()>| r.unwrap_or_else(|e| panic!("{e}"));
        ok(fs::create_dir_all(root.join("sub/empty")));
        ok(fs::write(root.join("a.txt"), b"hello"));
        ok(fs::write(root.join("sub/run.sh"), b"#!/bin/sh\n"));
        ok(fs::set_permissions(
            root.join("sub/run.sh"),
            fs::Permissions::from_mode(0o755),
        ));
        ok(std::os::unix::fs::symlink(
            "../a.txt",
            root.join("sub/link"),
        ));
        ok(fs::hard_link(root.join("a.txt"), root.join("hard.txt")));
        dir
    }

    fn round_trip(root_name: &str, rename: Rename) -> tempfile::TempDir {
        let dir = tree();
        let items = walk(&dir.path().join("src"), root_name, &|_, _| Visit::Include)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tar = Vec::new();
        write(&items, &mut tar, None).unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap_or_else(|e| panic!("{e}"));
        extract(&tar[..], &out, &rename).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn trees_survive_a_round_trip() {
        let dir = round_trip(
            "src",
            Rename {
                from: "src".into(),
                to: "copy".into(),
            },
        );
        let copy = dir.path().join("out/copy");
        assert_eq!(
            fs::read(copy.join("a.txt")).ok().as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(
            fs::read(copy.join("hard.txt")).ok().as_deref(),
            Some(&b"hello"[..])
        );
        let mode = fs::metadata(copy.join("sub/run.sh")).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o755));
        assert_eq!(
            fs::read_link(copy.join("sub/link")).ok(),
            Some(PathBuf::from("../a.txt"))
        );
        assert!(copy.join("sub/empty").is_dir());
    }

    #[test]
    fn contents_archives_have_no_top_directory() {
        let dir = round_trip(
            ".",
            Rename {
                from: ".".into(),
                to: ".".into(),
            },
        );
        assert!(dir.path().join("out/a.txt").is_file());
        assert!(dir.path().join("out/sub/run.sh").is_file());
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(f))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_failing_producer_fails_the_body() {
        let items = run(async {
            let (writer, stream) = channel();
            let task = spawn_producer(writer, |out| {
                out.write_all(&vec![7u8; 3 * CHUNK + 5])?;
                Err(io::Error::other("the disk is on fire"))
            });
            let items: Vec<Result<usize, String>> = stream
                .map(|item| item.map(|b| b.len()).map_err(|e| e.to_string()))
                .collect()
                .await;
            let produced = task.await.unwrap_or_else(|e| panic!("{e}"));
            assert!(produced.is_err_and(|e| e.to_string().contains("fire")));
            items
        });
        assert_eq!(
            items,
            vec![
                Ok(CHUNK),
                Ok(CHUNK),
                Ok(CHUNK),
                Err("the disk is on fire".to_owned())
            ]
        );
    }

    #[test]
    fn downloads_are_read_as_they_arrive() {
        let chunks = vec![
            Ok(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"def")),
        ];
        let bytes = ByteStream::from_stream(futures_util::stream::iter(chunks));
        let read = run(consume(bytes, |mut reader| {
            let mut all = String::new();
            reader.read_to_string(&mut all).map(|_| all)
        }));
        assert_eq!(read.ok().as_deref(), Some("abcdef"));
        let failing = ByteStream::from_stream(futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(berth_client::Error::Stream("cut".to_owned())),
        ]));
        let read = run(consume(failing, |mut reader| {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).map(|_| all)
        }));
        assert!(read.is_err_and(|e| e.to_string().contains("cut")));
    }

    #[test]
    fn paths_outside_the_destination_are_refused() {
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_mode(0o644);
        // Written raw: the builder itself refuses `..`.
        let name = b"../evil";
        if let Some(gnu) = header.as_gnu_mut() {
            gnu.name[..name.len()].copy_from_slice(name);
        }
        header.set_cksum();
        tar.append(&header, &b"x"[..])
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = tar.into_inner().unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap_or_else(|e| panic!("{e}"));
        let rename = Rename {
            from: ".".into(),
            to: ".".into(),
        };
        assert!(extract(&bytes[..], &out, &rename).is_err());
        assert!(!dir.path().join("evil").exists());
    }
}
