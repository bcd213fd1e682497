//! `io::copy` and `io::copy_bidirectional`: pump a reader into a writer, one way or both.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Copies `reader` to `writer` until end of stream, then flushes; returns the byte count.
/// Memory stays bounded (one 8 KiB buffer): a slow writer holds the reader back.
///
/// ```
/// oneloop::run(async {
///     let mut out = Vec::new();
///     let n = oneloop::io::copy(&mut &b"abc"[..], &mut out).await.unwrap();
///     assert_eq!((n, out.as_slice()), (3, &b"abc"[..]));
/// });
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = vec![0u8; 8 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            writer.flush().await?;
            return Ok(total);
        }
        writer.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Copies `a` to `b` and `b` to `a` at the same time (tokio's `copy_bidirectional`), until
/// both directions have reached end of stream; returns `(a_to_b, b_to_a)`, the bytes each
/// way. When one side's read ends, the other side's write is shut down (the peer sees end
/// of stream), and the copy goes on the other way. The first error ends both directions.
///
/// Each direction has its own 8 KiB buffer; a direction whose writer is slow stops reading.
/// A cancellation is delivered by whichever read or write is polled first; bytes read but
/// not yet written then stay unwritten, as with tokio.
///
/// ```
/// use oneloop::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// oneloop::run(async {
///     let (mut client, mut proxy_a) = io::duplex(64);
///     let (mut proxy_b, mut server) = io::duplex(64);
///     let proxy = oneloop::spawn(async move {
///         io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await
///     });
///     client.write_all(b"ping").await?;
///     client.shutdown().await?;
///     let mut got = String::new();
///     server.read_to_string(&mut got).await?;
///     server.write_all(b"pong!").await?;
///     drop(server);
///     let mut reply = String::new();
///     client.read_to_string(&mut reply).await?;
///     assert_eq!((got.as_str(), reply.as_str()), ("ping", "pong!"));
///     assert_eq!(proxy.await.unwrap()?, (4, 5));
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::new();
    let mut b_to_a = Transfer::new();
    poll_fn(|cx| {
        // Both directions are polled every time, so each registers its own wakers.
        let forward = a_to_b.poll(cx, &mut *a, &mut *b)?;
        let backward = b_to_a.poll(cx, &mut *b, &mut *a)?;
        match (forward, backward) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            // Woken by whichever reader or writer an unfinished direction waits on.
            _ => Poll::Pending,
        }
    })
    .await
}

/// One direction of `copy_bidirectional`: a buffer between a reader and a writer.
struct Transfer {
    /// Bytes read and not yet written are `buf[pos..cap]`.
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    /// Bytes written so far: the direction's result.
    written: u64,
    /// Written since the last flush: flush before waiting for more input, so a buffering
    /// writer does not sit on data the peer is waiting for.
    need_flush: bool,
    /// Where the direction stands.
    stage: Stage,
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Copying,
    /// The reader ended: shutting the writer down.
    ShuttingDown,
    Done,
}

impl Transfer {
    fn new() -> Transfer {
        Transfer {
            buf: vec![0; 8 * 1024].into_boxed_slice(),
            pos: 0,
            cap: 0,
            written: 0,
            need_flush: false,
            stage: Stage::Copying,
        }
    }

    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            match self.stage {
                Stage::Copying => {
                    if self.pos == self.cap {
                        match Pin::new(&mut *reader).poll_read(cx, &mut self.buf)? {
                            Poll::Ready(0) => {
                                self.stage = Stage::ShuttingDown;
                                continue;
                            }
                            Poll::Ready(n) => (self.pos, self.cap) = (0, n),
                            Poll::Pending => {
                                if self.need_flush {
                                    ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                                    self.need_flush = false;
                                }
                                // Woken by the reader when more input arrives.
                                return Poll::Pending;
                            }
                        }
                    }
                    while self.pos < self.cap {
                        let buf = &self.buf[self.pos..self.cap];
                        match ready!(Pin::new(&mut *writer).poll_write(cx, buf))? {
                            0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                            n => {
                                self.pos += n;
                                self.written += n as u64;
                                self.need_flush = true;
                            }
                        }
                    }
                }
                Stage::ShuttingDown => {
                    ready!(Pin::new(&mut *writer).poll_shutdown(cx))?;
                    self.stage = Stage::Done;
                }
                Stage::Done => return Poll::Ready(Ok(self.written)),
            }
        }
    }
}
