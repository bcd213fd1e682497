//! `Conn`: a TCP connection plus the read buffer that HTTP parsing works on, shared by the
//! client and the server.
//!
//! Parsing with `httparse` is "try on what has arrived, read more if it says `Partial`":
//! the buffer keeps the bytes of a head until it is complete, and whatever arrived after it
//! (the start of the body, or a pipelined next request) stays for the next reader.
//!
//! The buffer exists only while it holds bytes or a read is under way: a read that finds
//! nothing with nothing buffered frees it (`poll_fill`). An idle keep-alive connection, or
//! one accepted and not yet spoken on, then costs its task and its socket, not 16 KiB.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use crate::net::TcpStream;

/// How much is read from the socket at a time: one system call fills a typical head, or
/// a sizeable piece of a body.
const READ_SIZE: usize = 16 * 1024;

/// The first read into a freed buffer: enough for a typical request head, and a quarter of
/// `READ_SIZE` to zero when a connection wakes from idle. A head that needs more reads more.
const FIRST_READ: usize = 4 * 1024;

/// A connection and its unread bytes.
pub(crate) struct Conn {
    /// The socket.
    pub(crate) stream: TcpStream,
    /// Storage for bytes read but not yet consumed; `buf[start..end]` are those bytes.
    buf: Vec<u8>,
    /// Where the unconsumed bytes start.
    start: usize,
    /// Where they end.
    end: usize,
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    /// The bytes read but not consumed yet.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` buffered bytes as used (all of them if `n` is larger: an error
    /// answer's drain passes `usize::MAX`, so the sum must not overflow).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Takes up to `max` buffered bytes out.
    pub(crate) fn take(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.end - self.start);
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume(n);
        out
    }

    /// Reads once more from the socket, appending to the buffer; `Ok(0)` at end of stream.
    /// A cancellation point (the read is).
    pub(crate) async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // Move the unconsumed bytes to the front rather than growing for ever.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let room = if self.end == 0 && self.buf.is_empty() {
            FIRST_READ
        } else {
            READ_SIZE
        };
        if self.buf.len() - self.end < room {
            self.buf.resize(self.end + room, 0);
        }
        let read = Pin::new(&mut self.stream).poll_read(cx, &mut self.buf[self.end..]);
        if read.is_pending() && self.end == 0 {
            self.buf = Vec::new(); // nothing buffered, nothing to read: wait without a buffer
        }
        // Pending: the reactor wakes the task when the socket is readable.
        let n = std::task::ready!(read)?;
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// Frees the buffer if it holds no unread bytes, so a connection parked in a pool
    /// costs its socket and not 16 KiB; the next `fill` allocates again.
    pub(crate) fn free_idle_buffer(&mut self) {
        if self.start == self.end {
            self.buf = Vec::new();
            self.start = 0;
            self.end = 0;
        }
    }

    /// Bytes of buffer held right now (0 while idle), for the tests.
    #[cfg(test)]
    pub(crate) fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// Writes all of `data`. A cancellation point.
    pub(crate) async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data).await
    }

    /// Writes all of `parts`, in order, with vectored writes: one system call when the kernel
    /// takes everything (the usual case), however large the parts, and no copy. The server
    /// sends a response's head and body this way. A cancellation point.
    pub(crate) async fn write_all_parts<const N: usize>(
        &mut self,
        mut parts: [&[u8]; N],
    ) -> io::Result<()> {
        poll_fn(|cx| {
            while parts.iter().any(|part| !part.is_empty()) {
                let bufs = parts.map(IoSlice::new);
                // Pending: the reactor wakes us when the socket is writable again.
                let n = ready!(Pin::new(&mut self.stream).poll_write_vectored(cx, &bufs))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                advance(&mut parts, n);
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Whether an idle connection can carry another request: nothing unread is buffered and
    /// the server has neither closed it nor sent anything unasked (a peek, which does not
    /// wait and does not consume). `ask_kernel`: always peek (one system call); otherwise
    /// peek only if the reactor has seen the socket readable since its last read, and
    /// trust it if not (a close that arrived since the loop last polled its reactor is then
    /// missed, and the request fails: only for a request that can be retried).
    pub(crate) fn is_reusable(&self, ask_kernel: bool) -> bool {
        if self.end > self.start {
            return false;
        }
        let mut probe = [0u8; 1];
        let peeked = if ask_kernel {
            self.stream.peek_now(&mut probe)
        } else {
            self.stream.peek_if_ready(&mut probe)
        };
        match peeked {
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
            Ok(_) => false, // 0: closed; more: bytes nobody asked for
        }
    }
}

/// Drops the first `n` bytes of `parts`, what a vectored write took; it may end inside a
/// part. (`IoSlice::advance_slices` would do it, but needs Rust 1.81; the crate supports
/// 1.80.)
fn advance(parts: &mut [&[u8]], mut n: usize) {
    for part in parts.iter_mut() {
        let taken = n.min(part.len());
        *part = &part[taken..];
        n -= taken;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::TcpListener;
    use std::future::Future;

    /// A write's count may end inside a part, at a boundary, or take everything.
    #[test]
    fn advance_drops_what_a_write_took_across_parts() {
        let mut parts: [&[u8]; 3] = [b"head", b"", b"body"];
        advance(&mut parts, 2);
        assert_eq!(parts, [&b"ad"[..], b"", b"body"]);
        advance(&mut parts, 2);
        assert_eq!(parts, [&b""[..], b"", b"body"]);
        advance(&mut parts, 3);
        assert_eq!(parts, [&b""[..], b"", b"y"]);
        advance(&mut parts, 1);
        assert!(parts.iter().all(|p| p.is_empty()));
    }

    /// Polls `fill` once: true if it had to wait.
    async fn waits(conn: &mut Conn) -> bool {
        let mut fill = std::pin::pin!(conn.fill());
        poll_fn(|cx| Poll::Ready(fill.as_mut().poll(cx).is_pending())).await
    }

    #[test]
    fn an_idle_connection_holds_no_buffer() {
        crate::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut conn = Conn::new(server);
            assert!(waits(&mut conn).await, "nothing sent yet");
            assert_eq!(conn.allocated(), 0, "accepted, silent: no buffer");
            client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
            let n = crate::time::timeout(std::time::Duration::from_secs(10), conn.fill())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 18);
            assert_eq!(
                conn.allocated(),
                FIRST_READ,
                "a head's worth, not READ_SIZE"
            );
            conn.consume(n);
            assert!(waits(&mut conn).await);
            assert_eq!(conn.allocated(), 0, "answered and idle: freed");
        });
    }

    #[test]
    fn a_pooled_connection_gives_its_buffer_back_only_when_empty() {
        crate::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut conn = Conn::new(server);
            client
                .write_all(b"HTTP/1.1 200 OK\r\n\r\nextra")
                .await
                .unwrap();
            let n = crate::time::timeout(std::time::Duration::from_secs(10), conn.fill())
                .await
                .unwrap()
                .unwrap();
            conn.consume(n - 5);
            conn.free_idle_buffer();
            assert_eq!(conn.buffered(), b"extra", "unread bytes are kept");
            assert!(conn.allocated() > 0);
            conn.consume(5);
            conn.free_idle_buffer();
            assert_eq!(conn.allocated(), 0, "read to the end: freed");
        });
    }
}
