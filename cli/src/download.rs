//! Writing a download to a file all-or-nothing: the target appears only when
//! every byte arrived. Until then the data lives in an anonymous file
//! (`O_TMPFILE`) in the target's directory, which the kernel removes if the
//! process dies, however it dies; where the filesystem cannot do that, in a
//! named temporary file that is removed on errors, Ctrl-C and SIGTERM.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use berth_client::ByteStream;
use futures_util::StreamExt;
use rustix::fs::{AtFlags, Mode, OFlags, CWD};
use tokio::signal::unix::{signal, SignalKind};

use berth::support::Error;

/// Streams `bytes` into `target`, replacing it only on success.
pub async fn save(bytes: ByteStream, target: &Path) -> Result<(), Error> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut file = PendingFile::create(&dir)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(io)?;
    tokio::select! {
        written = copy(bytes, file.writer()) => written?,
        _ = interrupt.recv() => return Err(Error::Interrupted),
        _ = terminate.recv() => return Err(Error::Interrupted),
    }
    file.persist(target)
}

async fn copy(mut bytes: ByteStream, out: &mut File) -> Result<(), Error> {
    // Each chunk is written as it arrives: large buffered writes would stall
    // the reading of the socket, and with it the daemon.
    while let Some(chunk) = bytes.next().await {
        out.write_all(&chunk?).map_err(io)?;
    }
    out.flush().map_err(io)
}

/// A file that has no name until it is complete.
enum PendingFile {
    /// Anonymous: nothing to clean up, ever.
    Anonymous(File),
    /// Named: removed when dropped unless persisted.
    Named(tempfile::NamedTempFile),
}

impl PendingFile {
    fn create(dir: &Path) -> Result<Self, Error> {
        let mode = Mode::from_raw_mode(0o666);
        match rustix::fs::openat(
            CWD,
            dir,
            OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
            mode,
        ) {
            Ok(fd) => Ok(PendingFile::Anonymous(File::from(fd))),
            Err(_) => tempfile::Builder::new()
                .prefix(".berth-download-")
                .tempfile_in(dir)
                .map(PendingFile::Named)
                .map_err(|e| Error::Input(format!("cannot write in {}: {e}", dir.display()))),
        }
    }

    fn writer(&mut self) -> &mut File {
        match self {
            PendingFile::Anonymous(file) => file,
            PendingFile::Named(file) => file.as_file_mut(),
        }
    }

    /// Gives the complete file its name, replacing what was there.
    fn persist(self, target: &Path) -> Result<(), Error> {
        let failed =
            |e: std::io::Error| Error::Input(format!("cannot write {}: {e}", target.display()));
        match self {
            PendingFile::Named(file) => file.persist(target).map(drop).map_err(|e| failed(e.error)),
            // No fsync: "complete or nothing" is about the process dying,
            // which the kernel's page cache survives; docker does not sync either.
            PendingFile::Anonymous(file) => {
                let source = format!(
                    "/proc/self/fd/{}",
                    rustix::fd::AsRawFd::as_raw_fd(&file.as_fd())
                );
                let link = |to: &Path| {
                    rustix::fs::linkat(CWD, source.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW)
                };
                match link(target) {
                    Ok(()) => Ok(()),
                    Err(rustix::io::Errno::EXIST) => {
                        // Link under a temporary name, then rename over the old file.
                        let name = target
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let temporary =
                            target.with_file_name(format!(".{name}.berth-{}", std::process::id()));
                        link(&temporary).map_err(|e| failed(e.into()))?;
                        std::fs::rename(&temporary, target).map_err(|e| {
                            let _ = std::fs::remove_file(&temporary);
                            failed(e)
                        })
                    }
                    Err(e) => Err(failed(e.into())),
                }
            }
        }
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Client(berth_client::Error::Io(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn chunks(parts: Vec<Result<&'static [u8], &'static str>>) -> ByteStream {
        ByteStream::from_stream(futures_util::stream::iter(parts.into_iter().map(|p| {
            p.map(Bytes::from_static)
                .map_err(|e| berth_client::Error::Stream(e.to_owned()))
        })))
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(f))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn complete_downloads_replace_the_target() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("out.tar");
        std::fs::write(&target, b"old").unwrap_or_else(|e| panic!("{e}"));
        run(save(chunks(vec![Ok(b"new "), Ok(b"data")]), &target))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read(&target).ok().as_deref(),
            Some(&b"new data"[..])
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "only the target is left: {names:?}");
    }

    #[test]
    fn failed_downloads_leave_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("out.tar");
        let result = run(save(
            chunks(vec![Ok(b"partial"), Err("connection lost")]),
            &target,
        ));
        assert!(result.is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).into_iter().flatten().count(),
            0,
            "no file, not even a temporary one"
        );
    }
}
