//! `BufReader`: reads in large chunks, hands them out in small ones.
//!
//! The buffer exists only while it holds bytes or a read is under way: a read that finds
//! nothing to read (`Pending`) with nothing buffered frees it, and the next read allocates it
//! again at full size. A server with 10,000 clients idle at a prompt then holds no buffer for
//! any of them (nginx does the same with an idle keep-alive connection), while a busy client
//! reads in full-size chunks. The price is one allocation per wait, small beside the wait.

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
    /// The buffer; `buf[pos..filled]` is unread data. Empty (no allocation) while nothing
    /// is buffered and the reader waits: see the module docs.
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// The size the buffer is allocated with.
    capacity: usize,
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

    /// A reader with a buffer of `capacity` bytes (at least 1), allocated at the first read.
    ///
    /// ```
    /// let r = oneloop::io::BufReader::with_capacity(64, &b""[..]);
    /// assert!(r.buffer().is_empty());
    /// assert_eq!(r.capacity(), 64);
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        BufReader {
            inner,
            buf: Box::default(),
            pos: 0,
            filled: 0,
            capacity: capacity.max(1),
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

    /// How many bytes the buffer holds when it is allocated (tokio's `capacity`).
    ///
    /// ```
    /// let r = oneloop::io::BufReader::new(&b""[..]);
    /// assert_eq!(r.capacity(), 8 * 1024);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many bytes of buffer the reader holds right now: [`capacity`](Self::capacity)
    /// while it has unread bytes or since its last read returned data, 0 before the first
    /// read and while it waits with nothing buffered (oneloop's; tokio has no equivalent).
    ///
    /// ```
    /// use oneloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// oneloop::run(async {
    ///     let mut r = BufReader::new(&b"a\n"[..]);
    ///     assert_eq!(r.allocated(), 0); // nothing read yet
    ///     let mut line = String::new();
    ///     r.read_line(&mut line).await.unwrap();
    ///     assert_eq!(r.allocated(), 8 * 1024);
    /// });
    /// ```
    pub fn allocated(&self) -> usize {
        self.buf.len()
    }

    /// Frees the buffer, which must be drained.
    fn release(&mut self) {
        debug_assert_eq!(self.pos, self.filled);
        self.buf = Box::default();
        self.pos = 0;
        self.filled = 0;
    }

    /// Allocates the buffer if it was released.
    fn allocate(&mut self) {
        if self.buf.is_empty() {
            self.buf = vec![0; self.capacity].into_boxed_slice();
        }
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
        if self.pos == self.filled && out.len() >= self.capacity {
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
            this.allocate();
            match Pin::new(&mut this.inner).poll_read(cx, &mut this.buf) {
                Poll::Ready(Ok(n)) => {
                    this.pos = 0;
                    this.filled = n;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    // Nothing buffered and nothing to read: wait without a buffer. The
                    // inner reader will wake us.
                    this.release();
                    return Poll::Pending;
                }
            }
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
        this.allocate();
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
        let read = Pin::new(&mut this.inner).poll_read(cx, &mut this.buf[this.filled..]);
        if read.is_pending() && this.filled == 0 {
            this.release(); // nothing kept: wait without a buffer, as in `poll_fill_buf`
        }
        // Pending here means the inner reader will wake us.
        let n = ready!(read)?;
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
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
