//! `BufWriter`: collects small writes into large ones.
//!
//! The buffer is allocated at the first write that needs it and freed by a `flush` (or
//! `shutdown`) that emptied it, so a connection that answered and now waits holds none; a
//! flush forced by a full buffer keeps it for the writes that follow.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncRead, AsyncWrite};

/// 8 KiB, as `BufReader`.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Adds a write buffer to a writer (tokio's `BufWriter`). Call `flush` (or `shutdown`) at
/// the end: bytes still buffered when it is dropped are lost. Reads pass straight through.
///
/// ```
/// use oneloop::io::{AsyncWriteExt, BufWriter};
///
/// oneloop::run(async {
///     let mut w = BufWriter::new(Vec::new());
///     w.write_all(b"abc").await.unwrap();
///     assert!(w.get_ref().is_empty()); // still buffered
///     w.flush().await.unwrap();
///     assert_eq!(w.get_ref(), b"abc");
/// });
/// ```
#[derive(Debug)]
pub struct BufWriter<W> {
    inner: W,
    /// Bytes accepted but not yet written to `inner`; never longer than `capacity`. No
    /// allocation until a write is buffered, and none again after a `flush` that emptied it.
    buf: Vec<u8>,
    /// `buf[written..]` is what remains to write while flushing.
    written: usize,
    capacity: usize,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// A writer with an 8 KiB buffer.
    ///
    /// ```
    /// let _w = oneloop::io::BufWriter::new(Vec::<u8>::new());
    /// ```
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A writer with a buffer of `capacity` bytes, allocated at the first buffered write.
    ///
    /// ```
    /// let w = oneloop::io::BufWriter::with_capacity(64, Vec::<u8>::new());
    /// assert_eq!(w.capacity(), 64);
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> Self {
        BufWriter {
            inner,
            buf: Vec::new(),
            written: 0,
            capacity: capacity.max(1),
        }
    }
}

impl<W> BufWriter<W> {
    /// The wrapped writer.
    ///
    /// ```
    /// let w = oneloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(w.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The wrapped writer, mutably (writing to it directly skips the buffer).
    ///
    /// ```
    /// let mut w = oneloop::io::BufWriter::new(Vec::<u8>::new());
    /// w.get_mut().push(1);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// How many bytes the buffer holds when it is allocated (tokio's `capacity`).
    ///
    /// ```
    /// let w = oneloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert_eq!(w.capacity(), 8 * 1024);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many bytes of buffer the writer holds right now: 0 until a write is buffered and
    /// after a `flush` that emptied it (oneloop's; tokio has no equivalent).
    ///
    /// ```
    /// use oneloop::io::{AsyncWriteExt, BufWriter};
    ///
    /// oneloop::run(async {
    ///     let mut w = BufWriter::new(Vec::new());
    ///     w.write_all(b"?> ").await.unwrap();
    ///     assert_eq!(w.allocated(), 8 * 1024);
    ///     w.flush().await.unwrap();
    ///     assert_eq!(w.allocated(), 0);
    /// });
    /// ```
    pub fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// The wrapped writer; unflushed bytes are lost.
    ///
    /// ```
    /// let w = oneloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(w.into_inner().is_empty());
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: AsyncWrite + Unpin> BufWriter<W> {
    /// Writes the whole buffer to `inner`.
    fn poll_flush_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            // Pending here means the inner writer will wake us.
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.buf[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.buf.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for BufWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.buf.len() + data.len() > this.capacity {
            ready!(this.poll_flush_buf(cx))?;
        }
        if data.len() >= this.capacity {
            // Too big to buffer: write it through.
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        if this.buf.capacity() == 0 {
            this.buf.reserve_exact(this.capacity); // full size at once: no regrowth
        }
        this.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    /// As `poll_write`, with the slices taken together: if they fit behind the buffered
    /// bytes they are copied in; otherwise the buffer is written out first, and slices that
    /// could not fit even in an empty buffer go to `inner` in one vectored write, uncopied.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if this.buf.len().saturating_add(total) > this.capacity {
            ready!(this.poll_flush_buf(cx))?;
        }
        if total >= this.capacity {
            return Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        }
        if this.buf.capacity() == 0 {
            this.buf.reserve_exact(this.capacity);
        }
        for b in bufs {
            this.buf.extend_from_slice(b);
        }
        Poll::Ready(Ok(total))
    }

    /// Always: small slices are gathered in the buffer, whatever `inner` does.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_buf(cx))?;
        this.buf = Vec::new(); // drained, and the caller is done writing for now: free it
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_buf(cx))?;
        this.buf = Vec::new();
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl<W: AsyncRead + Unpin> AsyncRead for BufWriter<W> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}
