//! The little of RFC 6455 an attach over websocket needs: reading the
//! daemon's frames as a byte stream, and writing stdin as masked binary
//! frames. Pings, pongs and fragmentation are handled; extensions are not
//! negotiated, so none can appear.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::stream::StreamExt;
use tokio::io::AsyncWrite;

use super::{ByteStream, Error};

const FIN: u8 = 0x80;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const MASKED: u8 = 0x80;

/// Payload bytes of the data frames in `frames`, ending at a close frame.
pub fn payloads(frames: ByteStream) -> ByteStream {
    let state = (frames, BytesMut::new(), false);
    ByteStream::from_stream(futures_util::stream::unfold(
        state,
        |(mut frames, mut buffer, mut closed)| async move {
            loop {
                if closed {
                    return None;
                }
                match parse_frame(&mut buffer) {
                    Ok(Some((opcode, payload))) => match opcode {
                        CLOSE => closed = true,
                        0x0..=0x2 if !payload.is_empty() => {
                            return Some((Ok(payload), (frames, buffer, closed)))
                        }
                        _ => {} // empty data, ping, pong: nothing to deliver
                    },
                    Ok(None) => match frames.next().await {
                        Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
                        Some(Err(e)) => return Some((Err(e), (frames, buffer, true))),
                        None if buffer.is_empty() => return None,
                        None => {
                            let e = Error::Stream(
                                "the websocket stream ended inside a frame".to_owned(),
                            );
                            return Some((Err(e), (frames, buffer, true)));
                        }
                    },
                    Err(e) => return Some((Err(e), (frames, buffer, true))),
                }
            }
        },
    ))
}

/// Takes one whole frame off the front of `buffer`: (opcode, unmasked payload).
fn parse_frame(buffer: &mut BytesMut) -> Result<Option<(u8, Bytes)>, Error> {
    let Some(&[first, second]) = buffer.get(..2).and_then(|b| <&[u8; 2]>::try_from(b).ok()) else {
        return Ok(None);
    };
    let (length, mut offset) = match second & 0x7f {
        126 => match buffer.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buffer.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(b) => (u64::from_be_bytes(b), 10),
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    let mask = if second & MASKED != 0 {
        let Some(key) = buffer
            .get(offset..offset + 4)
            .and_then(|k| <[u8; 4]>::try_from(k).ok())
        else {
            return Ok(None);
        };
        offset += 4;
        Some(key)
    } else {
        None
    };
    let length = usize::try_from(length)
        .map_err(|_| Error::Stream("websocket frame too large".to_owned()))?;
    if buffer.len() < offset + length {
        return Ok(None);
    }
    buffer.advance(offset);
    let mut payload = buffer.split_to(length);
    if let Some(key) = mask {
        apply_mask(&mut payload, key);
    }
    Ok(Some((first & 0x0f, payload.freeze())))
}

fn apply_mask(data: &mut [u8], key: [u8; 4]) {
    for (byte, k) in data.iter_mut().zip(key.iter().cycle()) {
        *byte ^= k;
    }
}

/// A frame carrying `data` from the client (clients must mask).
fn client_frame(data: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut frame = vec![FIN | BINARY];
    match data.len() {
        n if n < 126 => frame.push(MASKED | n as u8),
        n if n <= usize::from(u16::MAX) => {
            frame.push(MASKED | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(MASKED | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    let start = frame.len();
    frame.extend_from_slice(data);
    if let Some(payload) = frame.get_mut(start..) {
        apply_mask(payload, key);
    }
    frame
}

/// Writes each buffer it is given as one masked binary frame.
pub struct FrameWriter<W> {
    inner: W,
    pending: Bytes,
    frames: u32,
}

impl<W> FrameWriter<W> {
    pub fn new(inner: W) -> Self {
        FrameWriter {
            inner,
            pending: Bytes::new(),
            frames: 0,
        }
    }

    fn next_key(&mut self) -> [u8; 4] {
        self.frames = self.frames.wrapping_add(1);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        (nanos ^ self.frames.rotate_left(16)).to_le_bytes()
    }
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => self.pending.advance(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for FrameWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.poll_drain(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|r| r.map(|()| 0)),
        }
        let take = buf.len().min(64 * 1024);
        let key = self.next_key();
        self.pending = Bytes::from(client_frame(buf.get(..take).unwrap_or_default(), key));
        Poll::Ready(Ok(take))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[test]
    fn frames_round_trip_through_mask_and_parse() {
        for size in [0usize, 5, 125, 126, 300, 70_000] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut buffer = BytesMut::from(&client_frame(&data, [1, 2, 3, 4])[..]);
            let parsed = parse_frame(&mut buffer).ok().flatten();
            assert_eq!(parsed, Some((BINARY, Bytes::from(data))), "size {size}");
            assert!(buffer.is_empty());
        }
    }

    #[test]
    fn server_frames_become_payload_bytes() {
        // binary "hel", continuation "lo", ping, then close; split awkwardly.
        let wire: Vec<u8> = [
            &[0x02, 3][..],
            b"hel",
            &[0x80, 2],
            b"lo",
            &[0x89, 0],
            &[0x88, 0],
            &[0x82, 1],
            b"x",
        ]
        .concat();
        let (a, b) = wire.split_at(4);
        let chunks = vec![Ok(Bytes::copy_from_slice(a)), Ok(Bytes::copy_from_slice(b))];
        let out = payloads(ByteStream::from_stream(futures_util::stream::iter(chunks)));
        let got: Vec<Bytes> = futures_executor::block_on(out.try_collect()).unwrap_or_default();
        assert_eq!(
            got.concat(),
            b"hello",
            "data after the close frame is not delivered"
        );
    }
}
