//! Async I/O traits and helpers: `AsyncRead`, `AsyncWrite`, `AsyncBufRead`, `AsyncSeek`,
//! their `Ext` traits (with the number readers and writers of `num.rs`), `BufReader`,
//! `BufWriter`, `split`, `copy` and `copy_bidirectional`, the in-memory `duplex`, `empty`,
//! `sink` and `repeat`, and the standard streams (`stdio.rs`, on the blocking pool).
//!
//! The traits have tokio's shape, except that `poll_read` fills a plain `&mut [u8]` (no
//! `ReadBuf`): `Ok(0)` means end of stream (or an empty `buf`).
//! `AsyncWrite` is tokio's, vectored writes included: sockets send a `poll_write_vectored`
//! with one system call (TCP: `sendmsg` with `MSG_NOSIGNAL`; Unix sockets: `writev`), and
//! every wrapper here passes it on.
//!
//! **Cancellation.** Every oneloop I/O operation is a cancellation point: a pending cancel
//! request of the task is delivered as an `io::Error` for which [`crate::is_cancelled`] is
//! true, *before* any system call of that poll, so a cancelled read never drops bytes it had
//! taken from the kernel. Where they are then depends on the operation: `read` returned
//! nothing; `read_exact` leaves what it got in the caller's buffer; `read_until` has
//! appended what it got to the caller's `Vec`; `read_line` has appended everything up to the
//! last complete UTF-8 character to the caller's `String`; `BufReader` keeps its buffer.

mod buf_reader;
mod buf_writer;
mod copy;
mod duplex;
mod mem;
// Before `ext`: its traits expand the number-method macros defined there.
#[macro_use]
mod num;
mod ext;
mod interest;
mod line_limit;
mod seek;
mod split;
mod stdio;

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use crate::task::is_cancelled;
pub use buf_reader::BufReader;
pub use buf_writer::BufWriter;
pub use copy::{copy, copy_bidirectional};
pub use duplex::{duplex, DuplexStream};
pub use ext::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, Lines};
pub use interest::{Interest, Ready};
pub use line_limit::LineTooLong;
pub use mem::{empty, repeat, sink, Empty, Repeat, Sink};
pub use seek::{AsyncSeek, AsyncSeekExt, Seek};
pub use split::{split, ReadHalf, WriteHalf};
/// std's I/O error types, re-exported as tokio does, so `oneloop::io::Result` reads as
/// `tokio::io::Result` did.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};

/// Reads bytes asynchronously (tokio's `AsyncRead`, with a plain slice for the buffer).
///
/// ```
/// use oneloop::io::{AsyncRead, AsyncReadExt};
///
/// oneloop::run(async {
///     let mut src: &[u8] = b"hello";
///     let mut buf = [0; 8];
///     assert_eq!(src.read(&mut buf).await.unwrap(), 5);
/// });
/// ```
pub trait AsyncRead {
    /// Reads into `buf`; `Ready(Ok(0))` is end of stream. On `Pending` the task is woken
    /// when the source may be readable.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
}

/// Writes bytes asynchronously (tokio's `AsyncWrite`).
///
/// ```
/// use oneloop::io::AsyncWriteExt;
///
/// oneloop::run(async {
///     let mut out: Vec<u8> = Vec::new();
///     out.write_all(b"hi").await.unwrap();
///     assert_eq!(out, b"hi");
/// });
/// ```
pub trait AsyncWrite {
    /// Writes some of `buf`, returning how much.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;
    /// Pushes buffered data to the destination.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Flushes and shuts down the write side (a TCP FIN).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Writes some of the bytes of `bufs`, in order, returning how many (tokio's
    /// `poll_write_vectored`): a socket sends them all with one system call. A short count can
    /// end in the middle of a slice.
    ///
    /// The default writes only the first non-empty slice, with `poll_write` (and says so
    /// through [`is_write_vectored`](AsyncWrite::is_write_vectored) being `false`).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use std::pin::Pin;
    /// use oneloop::io::AsyncWrite;
    ///
    /// oneloop::run(async {
    ///     let mut out: Vec<u8> = Vec::new();
    ///     let bufs = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    ///     let n = std::future::poll_fn(|cx| Pin::new(&mut out).poll_write_vectored(cx, &bufs))
    ///         .await
    ///         .unwrap();
    ///     assert_eq!((n, out.as_slice()), (9, &b"head body"[..]));
    /// });
    /// ```
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, first)
    }

    /// Whether [`poll_write_vectored`](AsyncWrite::poll_write_vectored) writes more than the
    /// first slice (`true` for sockets, `Vec<u8>` and the wrappers over them; the default
    /// says `false`).
    ///
    /// ```
    /// use oneloop::io::AsyncWrite;
    /// assert!(Vec::<u8>::new().is_write_vectored());
    /// ```
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// Reads through an internal buffer (tokio's `AsyncBufRead`).
///
/// ```
/// use oneloop::io::{AsyncBufReadExt, BufReader};
///
/// oneloop::run(async {
///     let mut reader = BufReader::new(&b"one\ntwo\n"[..]);
///     let mut line = String::new();
///     reader.read_line(&mut line).await.unwrap();
///     assert_eq!(line, "one\n");
/// });
/// ```
pub trait AsyncBufRead: AsyncRead {
    /// The buffered bytes, filling the buffer first if it is empty; empty at end of stream.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;
    /// Marks `amt` buffered bytes as used.
    fn consume(self: Pin<&mut Self>, amt: usize);

    /// Can this reader read more while bytes are still buffered ([`BufReader`] can)? Then
    /// `read_line` leaves an incomplete UTF-8 character in the reader instead of taking it
    /// out, so a cancellation in the middle of one loses no byte.
    #[doc(hidden)]
    fn __can_fill_more(&self) -> bool {
        false
    }

    /// Reads more bytes after the buffered ones (kept at the front) and returns them all;
    /// at end of stream, the same bytes as before. Only called if `__can_fill_more`.
    #[doc(hidden)]
    fn __poll_fill_more(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.poll_fill_buf(cx)
    }
}

// Forwarding impls, so `&mut T` and `Box<T>` work wherever `T` does.
macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}
impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}
impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}
impl<P: DerefMut<Target: AsyncRead> + Unpin> AsyncRead for Pin<P> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

macro_rules! deref_async_write {
    () => {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }
        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }
    };
}
impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}
impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}
impl<P: DerefMut<Target: AsyncWrite> + Unpin> AsyncWrite for Pin<P> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
    }
    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut **self).consume(amt)
    }
    fn __can_fill_more(&self) -> bool {
        (**self).__can_fill_more()
    }
    fn __poll_fill_more(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut **self.get_mut()).__poll_fill_more(cx)
    }
}

/// In-memory sources and sinks, handy in tests and examples (never `Pending`).
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Read::read(&mut *self, buf))
    }
}

impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }
    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt.min(self.len())..];
    }
}

impl AsyncWrite for Vec<u8> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    /// Appends every slice, as one write.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
