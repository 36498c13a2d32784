//! An interactive session over an upgraded connection (attach, exec, run):
//! stdin flows in (with docker's detach keys recognised), output flows out
//! on the stream it was written to, the remote TTY follows the local
//! window's size, and the local terminal is raw for a TTY and restored after.

use std::io::Write;

use berth_client::api::{ContainerApi, ContainerResizeParams, ExecApi, ExecResizeParams};
use berth_client::{Client, StreamKind, Upgraded};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{signal, SignalKind};

use super::terminal::{self, RawMode};
use berth::support::Error;

/// Docker's default detach keys: ctrl-p, ctrl-q.
pub const DEFAULT_DETACH_KEYS: &[u8] = &[0x10, 0x11];

/// What the remote TTY belongs to, for resizing it.
#[derive(Debug, Clone)]
pub enum Resize {
    /// A container's TTY.
    Container(String),
    /// An exec instance's TTY.
    Exec(String),
}

/// How a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The output stream closed: the process ended. Holds the last bytes of
    /// output, where the daemon reports a command that failed to start.
    OutputClosed(Vec<u8>),
    /// The user typed the detach keys; the process keeps running.
    Detached,
}

/// How much of the output's end a session keeps.
const TAIL: usize = 512;

/// The session's settings.
#[derive(Debug)]
pub struct Session {
    /// Forward stdin.
    pub stdin: bool,
    /// The remote side has a TTY: raw local terminal, resizes, one stream.
    pub tty: Option<Resize>,
    /// The sequence that detaches (`None`: never).
    pub detach_keys: Option<Vec<u8>>,
}

impl Session {
    /// Runs the session until the output ends or the user detaches.
    pub async fn run(&self, client: &Client, connection: Upgraded) -> Result<Ended, Error> {
        let _raw = if self.tty.is_some() && self.stdin {
            RawMode::enable()
        } else {
            None
        };
        if let Some(target) = &self.tty {
            resize(client, target).await;
        }
        let (mut output, input) = connection.split();
        let (detached_tx, mut detached) = tokio::sync::oneshot::channel::<()>();
        let mut watching_detach = self.stdin;
        let _feeder = self.stdin.then(|| {
            AbortOnDrop(tokio::spawn(feed_stdin(
                input,
                self.detach_keys.clone(),
                detached_tx,
            )))
        });
        let mut window = signal(SignalKind::window_change()).map_err(io)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(io)?;
        let mut hangup = signal(SignalKind::hangup()).map_err(io)?;
        let mut tail = Vec::new();
        loop {
            tokio::select! {
                chunk = output.next() => match chunk {
                    Some(chunk) => {
                        let chunk = chunk?;
                        write_chunk(chunk.kind, &chunk.data)?;
                        tail.extend_from_slice(&chunk.data);
                        let excess = tail.len().saturating_sub(TAIL);
                        tail.drain(..excess);
                    }
                    None => return Ok(Ended::OutputClosed(tail)),
                },
                sent = &mut detached, if watching_detach => {
                    if sent.is_ok() {
                        return Ok(Ended::Detached);
                    }
                    // Stdin ended without the keys: keep showing output.
                    watching_detach = false;
                }
                _ = window.recv() => {
                    if let Some(target) = &self.tty {
                        resize(client, target).await;
                    }
                }
                _ = terminate.recv() => return Err(Error::Interrupted),
                _ = hangup.recv() => return Err(Error::Interrupted),
            }
        }
    }
}

/// Copies stdin to the connection until end of file (then half-closes) or
/// the detach keys (then reports them).
async fn feed_stdin(
    mut input: berth_client::runtime::StdinWriter,
    keys: Option<Vec<u8>>,
    detached: tokio::sync::oneshot::Sender<()>,
) {
    let mut stdin = tokio::io::stdin();
    let mut scanner = DetachScanner::new(keys.unwrap_or_default());
    let mut buffer = vec![0u8; 4096];
    loop {
        let n = match stdin.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (forward, detach) = scanner.feed(buffer.get(..n).unwrap_or_default());
        if !forward.is_empty()
            && (input.write_all(&forward).await.is_err() || input.flush().await.is_err())
        {
            return;
        }
        if detach {
            let _ = detached.send(());
            return;
        }
    }
    let _ = input.shutdown().await;
}

/// Aborts a task when dropped, so no session leaves a stdin reader behind.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn write_chunk(kind: StreamKind, data: &[u8]) -> Result<(), Error> {
    let result = match kind {
        StreamKind::Stderr => {
            let mut err = std::io::stderr().lock();
            err.write_all(data).and_then(|()| err.flush())
        }
        StreamKind::Stdout | StreamKind::Stdin => {
            let mut out = std::io::stdout().lock();
            out.write_all(data).and_then(|()| out.flush())
        }
    };
    result.map_err(io)
}

/// Tells the daemon the local window's size (best effort: a process that
/// already ended has nothing to resize).
async fn resize(client: &Client, target: &Resize) {
    let Some((rows, columns)) = terminal::size() else {
        return;
    };
    let (h, w) = (i64::from(rows), i64::from(columns));
    let _ = match target {
        Resize::Container(id) => {
            client
                .container_resize(id, &ContainerResizeParams { h, w })
                .await
        }
        Resize::Exec(id) => client.exec_resize(id, &ExecResizeParams { h, w }).await,
    };
}

fn io(e: std::io::Error) -> Error {
    Error::Client(berth_client::Error::Io(e))
}

/// Finds the detach sequence in typed input. Bytes that start the sequence
/// are held back until it is clear whether it completes; if not, they are
/// forwarded after all.
struct DetachScanner {
    keys: Vec<u8>,
    matched: usize,
}

impl DetachScanner {
    fn new(keys: Vec<u8>) -> Self {
        DetachScanner { keys, matched: 0 }
    }

    /// The bytes to forward, and whether the sequence completed.
    fn feed(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut forward = Vec::with_capacity(input.len());
        if self.keys.is_empty() {
            forward.extend_from_slice(input);
            return (forward, false);
        }
        for &byte in input {
            if self.keys.get(self.matched) == Some(&byte) {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    return (forward, true);
                }
            } else {
                forward.extend_from_slice(self.keys.get(..self.matched).unwrap_or_default());
                self.matched = 0;
                if self.keys.first() == Some(&byte) {
                    self.matched = 1;
                } else {
                    forward.push(byte);
                }
            }
        }
        (forward, false)
    }
}

/// Parses docker's `--detach-keys` form: `ctrl-p,ctrl-q`, `a,b`, `ctrl-@`.
pub fn parse_detach_keys(text: &str) -> Result<Vec<u8>, String> {
    text.split(',')
        .map(|key| {
            let key = key.trim();
            match key.strip_prefix("ctrl-") {
                Some(rest) if rest.len() == 1 => {
                    let c = rest
                        .as_bytes()
                        .first()
                        .copied()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    match c {
                        b'@'..=b'_' => Ok(c - b'@'),
                        _ => Err(format!("invalid detach key {key:?}")),
                    }
                }
                None if key.len() == 1 => Ok(key.as_bytes().first().copied().unwrap_or_default()),
                _ => Err(format!(
                    "invalid detach key {key:?}: use a letter or ctrl-<letter>, comma-separated"
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_are_found_across_reads_and_partial_matches_are_forwarded() {
        let mut s = DetachScanner::new(DEFAULT_DETACH_KEYS.to_vec());
        assert_eq!(
            s.feed(b"ab\x10"),
            (b"ab".to_vec(), false),
            "ctrl-p is held back"
        );
        assert_eq!(
            s.feed(b"c"),
            (b"\x10c".to_vec(), false),
            "and forwarded when no ctrl-q follows"
        );
        assert_eq!(s.feed(b"x\x10\x10"), (b"x\x10".to_vec(), false));
        assert_eq!(s.feed(b"\x11rest"), (Vec::new(), true));
    }

    #[test]
    fn detach_key_notation() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q"), Ok(vec![0x10, 0x11]));
        assert_eq!(parse_detach_keys("ctrl-a,b"), Ok(vec![0x01, b'b']));
        assert!(parse_detach_keys("ctrl-pp").is_err());
        assert!(parse_detach_keys("").is_err());
    }
}
