//! `io::empty`, `io::sink`, `io::repeat`: the endless and the bottomless streams of tokio
//! (and std). They never wait, but each read or write still passes the cancellation point,
//! so a task copying from `repeat` forever can be cancelled and yields to the loop when its
//! budget is spent.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::{AsyncBufRead, AsyncRead, AsyncWrite};
use crate::task::cancel::poll_proceed;

/// A reader at end of stream from the start (tokio's `io::empty`).
///
/// ```
/// use oneloop::io::AsyncReadExt;
/// oneloop::run(async {
///     let mut all = Vec::new();
///     assert_eq!(oneloop::io::empty().read_to_end(&mut all).await.unwrap(), 0);
/// });
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

/// The reader returned by [`empty`]; also an [`AsyncBufRead`] and a writer that takes
/// everything, as tokio's is.
///
/// ```
/// let _nothing: oneloop::io::Empty = oneloop::io::empty();
/// ```
pub struct Empty {
    _private: (),
}

/// A writer that takes every byte and keeps none (tokio's `io::sink`).
///
/// ```
/// use oneloop::io::AsyncWriteExt;
/// oneloop::run(async {
///     oneloop::io::sink().write_all(b"gone").await.unwrap();
/// });
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

/// The writer returned by [`sink`].
///
/// ```
/// let _hole: oneloop::io::Sink = oneloop::io::sink();
/// ```
pub struct Sink {
    _private: (),
}

/// A reader that gives `byte` for ever (tokio's `io::repeat`).
///
/// ```
/// use oneloop::io::AsyncReadExt;
/// oneloop::run(async {
///     let mut buf = [0; 3];
///     oneloop::io::repeat(b'z').read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"zzz");
/// });
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

/// The reader returned by [`repeat`].
///
/// ```
/// let _zs: oneloop::io::Repeat = oneloop::io::repeat(b'z');
/// ```
pub struct Repeat {
    /// The byte every read fills the buffer with.
    byte: u8,
}

impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "read"))?;
        Poll::Ready(Ok(0))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(poll_proceed(cx, "read"))?;
        Poll::Ready(Ok(&[]))
    }
    fn consume(self: Pin<&mut Self>, _amt: usize) {}
}

/// Writes to `Empty` (and to `Sink`) succeed and go nowhere.
macro_rules! write_nowhere {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                ready!(poll_proceed(cx, "write"))?;
                Poll::Ready(Ok(buf.len()))
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(poll_proceed(cx, "write"))?;
                Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
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
    };
}
write_nowhere!(Empty);
write_nowhere!(Sink);

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "read"))?;
        buf.fill(self.byte);
        Poll::Ready(Ok(buf.len()))
    }
}

impl fmt::Debug for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Empty")
    }
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sink")
    }
}

impl fmt::Debug for Repeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repeat").field("byte", &self.byte).finish()
    }
}
