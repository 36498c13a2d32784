//! Connections switched by `101 Switching Protocols` (attach, exec start):
//! the caller writes stdin into one half and reads output from the other.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio_util::io::ReaderStream;

use super::{ByteStream, Error, LogStream};

/// An upgraded connection to the daemon.
pub struct Upgraded(reqwest::Upgraded);

impl Upgraded {
    pub(crate) fn new(io: reqwest::Upgraded) -> Self {
        Upgraded(io)
    }

    /// Splits the connection: the daemon's output as stdout/stderr chunks
    /// (framed or raw, told apart by the first bytes, since 1.41 labels
    /// framed output as raw), and the write half for stdin.
    /// `shutdown()` on the write half half-closes it: stdin's end of file.
    pub fn split(self) -> (LogStream, WriteHalf<Upgraded>) {
        let (read, write) = tokio::io::split(self);
        (LogStream::new(output_bytes(read), None), write)
    }
}

fn output_bytes(read: ReadHalf<Upgraded>) -> ByteStream {
    ByteStream::from_stream(ReaderStream::with_capacity(read, 32 * 1024).map_err(Error::Io))
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Upgraded")
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
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
