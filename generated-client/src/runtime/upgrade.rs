//! Connections switched by `101 Switching Protocols` (attach, exec start):
//! the caller writes stdin into one half and reads output from the other.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use tokio::io::{AsyncWrite, WriteHalf};
use tokio_util::io::ReaderStream;

use super::websocket::{self, FrameWriter};
use super::{ByteStream, Error, LogStream};

/// An upgraded connection to the daemon.
pub struct Upgraded {
    io: reqwest::Upgraded,
    websocket: bool,
}

impl Upgraded {
    pub(crate) fn new(io: reqwest::Upgraded, protocol: &str) -> Self {
        Upgraded {
            io,
            websocket: protocol.eq_ignore_ascii_case("websocket"),
        }
    }

    /// Splits the connection: the daemon's output as stdout/stderr chunks
    /// (framed or raw, told apart by the first bytes, since 1.41 labels
    /// framed output as raw), and the writer for stdin. `shutdown()` on the
    /// writer half-closes the connection: stdin's end of file.
    /// A websocket connection's frames are decoded and encoded on the way.
    pub fn split(self) -> (LogStream, StdinWriter) {
        let websocket = self.websocket;
        let (read, write) = tokio::io::split(self.io);
        let bytes = ByteStream::from_stream(
            ReaderStream::with_capacity(read, 32 * 1024).map_err(Error::Io),
        );
        if websocket {
            (
                LogStream::new(websocket::payloads(bytes), None),
                StdinWriter::WebSocket(FrameWriter::new(write)),
            )
        } else {
            (LogStream::new(bytes, None), StdinWriter::Plain(write))
        }
    }
}

/// The writing half of an upgraded connection.
pub enum StdinWriter {
    /// Bytes go to the daemon as they are.
    Plain(WriteHalf<reqwest::Upgraded>),
    /// Bytes go as websocket frames.
    WebSocket(FrameWriter<WriteHalf<reqwest::Upgraded>>),
}

impl AsyncWrite for StdinWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            StdinWriter::Plain(w) => Pin::new(w).poll_write(cx, buf),
            StdinWriter::WebSocket(w) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            StdinWriter::Plain(w) => Pin::new(w).poll_flush(cx),
            StdinWriter::WebSocket(w) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            StdinWriter::Plain(w) => Pin::new(w).poll_shutdown(cx),
            StdinWriter::WebSocket(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}

impl fmt::Debug for StdinWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StdinWriter")
    }
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Upgraded")
    }
}

/// A reply's body with the typed headers the spec declares for it.
#[derive(Debug)]
pub struct WithHeaders<B, H> {
    /// The body.
    pub body: B,
    /// The headers.
    pub headers: H,
}
