//! Request bodies that stream: files, stdin, any async reader.

use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// A request body sent as it is read, never held in memory whole.
#[derive(Debug)]
pub struct Body(reqwest::Body);

impl Body {
    /// A body from bytes already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Body(reqwest::Body::from(bytes.into()))
    }

    /// A body read from an async reader as it is sent.
    pub fn from_reader<R: AsyncRead + Send + Sync + 'static>(reader: R) -> Self {
        Body::chunked(reader, 64 * 1024)
    }

    /// A body read from a file as it is sent. Reads are large: each one is a
    /// trip to a blocking thread.
    pub async fn from_file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = tokio::fs::File::open(path).await?;
        Ok(Body::chunked(file, 512 * 1024))
    }

    fn chunked<R: AsyncRead + Send + Sync + 'static>(reader: R, chunk: usize) -> Self {
        Body(reqwest::Body::wrap_stream(ReaderStream::with_capacity(
            reader, chunk,
        )))
    }

    pub(crate) fn into_inner(self) -> reqwest::Body {
        self.0
    }
}
