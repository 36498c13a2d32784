//! Streams in the body of an answer: raw bytes, JSON values one after
//! another, and Docker's multiplexed stdout/stderr frames.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::Error;

/// Raw body bytes, chunk by chunk as they arrive.
pub struct ByteStream(BoxStream<'static, Result<Bytes, Error>>);

impl ByteStream {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        ByteStream(
            response
                .bytes_stream()
                .map(|r| r.map_err(Error::Http))
                .boxed(),
        )
    }

    /// A stream over chunks from elsewhere (useful in tests).
    pub fn from_stream(stream: impl Stream<Item = Result<Bytes, Error>> + Send + 'static) -> Self {
        ByteStream(stream.boxed())
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ByteStream")
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

/// JSON values of type `T`, one per line, decoded as they arrive.
pub struct JsonLines<T> {
    inner: ByteStream,
    buffer: BytesMut,
    error_pointer: Option<&'static str>,
    done: bool,
    item: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for JsonLines<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLines")
            .field("error_pointer", &self.error_pointer)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> JsonLines<T> {
    /// Decodes `inner`; an item with a value at `error_pointer` ends the
    /// stream with [`Error::Stream`] carrying that value.
    pub fn new(inner: ByteStream, error_pointer: Option<&'static str>) -> Self {
        JsonLines {
            inner,
            buffer: BytesMut::new(),
            error_pointer,
            done: false,
            item: PhantomData,
        }
    }

    fn decode(&mut self, line: &[u8]) -> Result<T, Error> {
        let value: serde_json::Value = serde_json::from_slice(line).map_err(Error::Decode)?;
        if let Some(message) = self
            .error_pointer
            .and_then(|p| value.pointer(p))
            .filter(|v| !v.is_null())
        {
            self.done = true;
            let message = message
                .as_str()
                .map_or_else(|| message.to_string(), str::to_owned);
            return Err(Error::Stream(message));
        }
        serde_json::from_value(value).map_err(Error::Decode)
    }

    /// The next complete line in the buffer, if any (blank lines skipped).
    fn next_line(&mut self, at_end: bool) -> Option<Bytes> {
        loop {
            let line = match self.buffer.iter().position(|&b| b == b'\n') {
                Some(newline) => {
                    let line = self.buffer.split_to(newline + 1).freeze();
                    line.slice(..newline)
                }
                None if at_end && !self.buffer.is_empty() => self.buffer.split().freeze(),
                None => return None,
            };
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some(line);
            }
        }
    }
}

impl<T: DeserializeOwned> Stream for JsonLines<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(line) = this.next_line(false) {
                return Poll::Ready(Some(this.decode(&line)));
            }
            match this.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.buffer.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    let last = this.next_line(true);
                    let item = last.map(|line| this.decode(&line));
                    this.done = true;
                    return Poll::Ready(item);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Which stream a chunk of output belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// Standard input (echoed by some daemons).
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A chunk of a container's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    /// Where the container wrote it. Raw (TTY) output is all stdout.
    pub kind: StreamKind,
    /// The bytes.
    pub data: Bytes,
}

/// A container's output, demultiplexed into stdout and stderr chunks.
pub struct LogStream {
    inner: ByteStream,
    buffer: BytesMut,
    /// `Some(true)`: 8-byte frame headers; `Some(false)`: raw; `None`: not yet known.
    framed: Option<bool>,
    ready: VecDeque<LogChunk>,
    done: bool,
}

impl fmt::Debug for LogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogStream")
            .field("framed", &self.framed)
            .finish_non_exhaustive()
    }
}

const HEADER: usize = 8;

impl LogStream {
    /// Reads `inner`; `framed` is `None` to decide from the first bytes.
    pub fn new(inner: ByteStream, framed: Option<bool>) -> Self {
        LogStream {
            inner,
            buffer: BytesMut::new(),
            framed,
            ready: VecDeque::new(),
            done: false,
        }
    }

    /// Moves what the buffer holds into `ready`; an error frame is an error.
    fn drain(&mut self, at_end: bool) -> Result<(), Error> {
        if self.framed.is_none() {
            match framing_of(&self.buffer) {
                Some(framed) => self.framed = Some(framed),
                None if at_end => self.framed = Some(false),
                None => return Ok(()),
            }
        }
        if self.framed == Some(false) {
            if !self.buffer.is_empty() {
                let data = self.buffer.split().freeze();
                self.ready.push_back(LogChunk {
                    kind: StreamKind::Stdout,
                    data,
                });
            }
            return Ok(());
        }
        // Daemons send a frame per line; consecutive frames of one stream
        // become one chunk, so a chunk costs per read, not per line.
        let mut pending: Option<(StreamKind, BytesMut)> = None;
        while self.buffer.len() >= HEADER {
            let header: [u8; HEADER] = self
                .buffer
                .get(..HEADER)
                .and_then(|h| h.try_into().ok())
                .unwrap_or_default();
            let size = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
            if self.buffer.len() < HEADER + size {
                break;
            }
            self.buffer.advance(HEADER);
            let data = self.buffer.split_to(size);
            let kind = match header[0] {
                0 => StreamKind::Stdin,
                1 => StreamKind::Stdout,
                2 => StreamKind::Stderr,
                3 => {
                    return Err(Error::Stream(
                        String::from_utf8_lossy(&data).trim_end().to_owned(),
                    ))
                }
                other => {
                    return Err(Error::Stream(format!(
                        "unknown stream {other} in multiplexed output"
                    )))
                }
            };
            match &mut pending {
                Some((pending_kind, bytes)) if *pending_kind == kind => {
                    bytes.extend_from_slice(&data)
                }
                _ => {
                    if let Some((kind, bytes)) = pending.replace((kind, data)) {
                        self.ready.push_back(LogChunk {
                            kind,
                            data: bytes.freeze(),
                        });
                    }
                }
            }
        }
        if let Some((kind, bytes)) = pending {
            self.ready.push_back(LogChunk {
                kind,
                data: bytes.freeze(),
            });
        }
        if at_end && !self.buffer.is_empty() {
            return Err(Error::Stream(
                "the output stream ended in the middle of a frame".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Whether output is framed, decided from as few bytes as possible (so a
/// raw shell prompt shows at once): a frame header starts with a stream
/// number 0–3 and three zero bytes. `None` until the bytes tell.
fn framing_of(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [] => None,
        [first, ..] if *first > 3 => Some(false),
        [_, rest @ ..] => {
            let seen = rest.get(..3).unwrap_or(rest);
            if seen.iter().any(|&b| b != 0) {
                Some(false)
            } else if rest.len() >= 3 {
                Some(true)
            } else {
                None
            }
        }
    }
}

impl Stream for LogStream {
    type Item = Result<LogChunk, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let at_end = match this.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    this.buffer.extend_from_slice(&chunk);
                    false
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    true
                }
                Poll::Pending => return Poll::Pending,
            };
            if let Err(e) = this.drain(at_end) {
                this.done = true;
                this.ready.clear();
                return Poll::Ready(Some(Err(e)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{stream, TryStreamExt};

    fn chunks(parts: Vec<&'static [u8]>) -> ByteStream {
        ByteStream::from_stream(stream::iter(
            parts.into_iter().map(|p| Ok(Bytes::from_static(p))),
        ))
    }

    fn frame(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut f = vec![kind, 0, 0, 0];
        f.extend_from_slice(&(data.len() as u32).to_be_bytes());
        f.extend_from_slice(data);
        f
    }

    fn collect_logs(
        bytes: Vec<u8>,
        split_at: usize,
        framed: Option<bool>,
    ) -> Result<Vec<(StreamKind, Vec<u8>)>, String> {
        let (a, b) = bytes.split_at(split_at.min(bytes.len()));
        let a: &'static [u8] = Box::leak(a.to_vec().into_boxed_slice());
        let b: &'static [u8] = Box::leak(b.to_vec().into_boxed_slice());
        let logs = LogStream::new(chunks(vec![a, b]), framed);
        futures_executor::block_on(
            logs.map_ok(|c| (c.kind, c.data.to_vec()))
                .try_collect::<Vec<_>>(),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn frames_split_anywhere_are_demultiplexed() {
        let mut bytes = frame(1, b"out\n");
        bytes.extend(frame(2, b"err\n"));
        for split in 0..bytes.len() {
            for framed in [Some(true), None] {
                assert_eq!(
                    collect_logs(bytes.clone(), split, framed),
                    Ok(vec![
                        (StreamKind::Stdout, b"out\n".to_vec()),
                        (StreamKind::Stderr, b"err\n".to_vec())
                    ]),
                    "split at {split}, framed {framed:?}"
                );
            }
        }
    }

    #[test]
    fn framing_is_decided_as_soon_as_bytes_allow() {
        assert_eq!(framing_of(b""), None);
        assert_eq!(framing_of(b"# "), Some(false), "a prompt shows at once");
        assert_eq!(framing_of(&[1, 0]), None);
        assert_eq!(framing_of(&[1, 0, 0, 0]), Some(true));
        assert_eq!(framing_of(&[2, 0, 7]), Some(false));
    }

    #[test]
    fn raw_output_is_stdout() {
        let got = collect_logs(b"hello tty\r\n".to_vec(), 3, None)
            .map(|v| v.into_iter().flat_map(|(_, d)| d).collect::<Vec<_>>());
        assert_eq!(got, Ok(b"hello tty\r\n".to_vec()));
    }

    #[test]
    fn error_frames_and_truncation_are_errors() {
        assert_eq!(
            collect_logs(frame(3, b"boom\n"), 0, Some(true)),
            Err("boom".to_owned())
        );
        let mut cut = frame(1, b"abcdef");
        cut.truncate(10);
        assert!(collect_logs(cut, 4, Some(true)).is_err());
    }

    #[test]
    fn json_lines_decode_across_chunks_and_stop_at_errors() {
        let body = chunks(vec![
            b"{\"status\":\"a\"}\n{\"sta",
            b"tus\":\"b\"}\n\n{\"error\":\"bad tar\"}\n{\"status\":\"never\"}",
        ]);
        let lines: JsonLines<serde_json::Value> = JsonLines::new(body, Some("/error"));
        let items: Vec<Result<serde_json::Value, String>> =
            futures_executor::block_on(lines.map_err(|e| e.to_string()).collect::<Vec<_>>());
        assert_eq!(
            items,
            vec![
                Ok(serde_json::json!({"status": "a"})),
                Ok(serde_json::json!({"status": "b"})),
                Err("bad tar".to_owned())
            ]
        );
    }

    #[test]
    fn json_lines_without_final_newline() {
        let lines: JsonLines<u32> = JsonLines::new(chunks(vec![b"1\n2"]), None);
        let items =
            futures_executor::block_on(lines.try_collect::<Vec<_>>()).map_err(|e| e.to_string());
        assert_eq!(items, Ok(vec![1, 2]));
    }
}
