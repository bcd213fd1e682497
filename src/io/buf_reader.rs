//! `BufReader`: reads in large chunks, hands them out in small ones.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncBufRead, AsyncRead, AsyncWrite};

/// 8 KiB, std's and tokio's default: several TCP segments, one page-ish read per syscall.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Adds a buffer to a reader (tokio's `BufReader`); writes pass straight through.
///
/// ```
/// use oneloop::io::{AsyncBufReadExt, BufReader};
///
/// oneloop::run(async {
///     let mut lines = BufReader::new(&b"a\nb\n"[..]).lines();
///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
/// });
/// ```
#[derive(Debug)]
pub struct BufReader<R> {
    inner: R,
    /// The buffer; `buf[pos..filled]` is unread data.
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
}

impl<R: AsyncRead> BufReader<R> {
    /// A reader with an 8 KiB buffer.
    ///
    /// ```
    /// let _r = oneloop::io::BufReader::new(&b""[..]);
    /// ```
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A reader with a buffer of `capacity` bytes (at least 1).
    ///
    /// ```
    /// let r = oneloop::io::BufReader::with_capacity(64, &b""[..]);
    /// assert!(r.buffer().is_empty());
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        BufReader {
            inner,
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            pos: 0,
            filled: 0,
        }
    }
}

impl<R> BufReader<R> {
    /// The wrapped reader.
    ///
    /// ```
    /// let r = oneloop::io::BufReader::new(&b"x"[..]);
    /// assert_eq!(r.get_ref(), &b"x");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped reader, mutably (reading from it directly skips the buffer).
    ///
    /// ```
    /// let mut r = oneloop::io::BufReader::new(&b"x"[..]);
    /// let _inner = r.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The unread buffered bytes.
    ///
    /// ```
    /// let r = oneloop::io::BufReader::new(&b"x"[..]);
    /// assert!(r.buffer().is_empty()); // nothing read yet
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// The wrapped reader; buffered bytes are lost.
    ///
    /// ```
    /// let r = oneloop::io::BufReader::new(&b"x"[..]);
    /// assert_eq!(r.into_inner(), b"x");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // A large read into an empty buffer skips the copy.
        if self.pos == self.filled && out.len() >= self.buf.len() {
            return Pin::new(&mut self.inner).poll_read(cx, out);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos == this.filled {
            // Pending here means the inner reader will wake us.
            let n = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut this.buf))?;
            this.pos = 0;
            this.filled = n;
        }
        Poll::Ready(Ok(&this.buf[this.pos..this.filled]))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }

    fn __can_fill_more(&self) -> bool {
        true
    }

    fn __poll_fill_more(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        // Move the unconsumed bytes to the front, and make room if they fill the buffer (a
        // tiny buffer and a 4-byte character).
        this.buf.copy_within(this.pos..this.filled, 0);
        this.filled -= this.pos;
        this.pos = 0;
        if this.filled == this.buf.len() {
            let mut grown = std::mem::take(&mut this.buf).into_vec();
            grown.resize(grown.len() + 4, 0);
            this.buf = grown.into_boxed_slice();
        }
        // Pending here means the inner reader will wake us.
        let n = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut this.buf[this.filled..]))?;
        this.filled += n;
        Poll::Ready(Ok(&this.buf[..this.filled]))
    }
}

impl<R: AsyncWrite + Unpin> AsyncWrite for BufReader<R> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
