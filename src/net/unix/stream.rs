//! `UnixStream`: a connection over a Unix domain socket.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::SocketAddr;
use crate::io::{AsyncRead, AsyncWrite};
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// A Unix stream socket (tokio's `UnixStream`): [`AsyncRead`] + [`AsyncWrite`].
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// use oneloop::net::UnixStream;
///
/// oneloop::run(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"over a socketpair").await?;
///     drop(a);
///     let mut text = String::new();
///     b.read_to_string(&mut text).await?;
///     assert_eq!(text, "over a socketpair");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct UnixStream {
    /// Deregistered in `Drop`, before the socket closes.
    registration: Registration,
    inner: mio::net::UnixStream,
}

impl UnixStream {
    /// Connects to the socket bound at `path`. A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-connect-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = oneloop::net::UnixListener::bind(&path)?;
    ///     let client = oneloop::net::UnixStream::connect(&path).await?;
    ///     let (_server, _) = listener.accept().await?;
    ///     assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path)?)?;
        // A Unix connect completes at once or fails; tokio still waits for writability,
        // which also reports an asynchronous error through SO_ERROR. So do we.
        poll_fn(|cx| {
            ready!(poll_proceed(cx, "connect"))?;
            stream.registration.poll_ready(cx, false, true).map_ok(drop)
        })
        .await?;
        match stream.inner.take_error()? {
            Some(err) => Err(err),
            None => Ok(stream),
        }
    }

    /// A connected pair of streams (`socketpair`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (_a, _b) = oneloop::net::UnixStream::pair().unwrap();
    /// });
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// Wraps a connected `std::os::unix::net::UnixStream` (switched to non-blocking mode).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let _a = oneloop::net::UnixStream::from_std(a).unwrap();
    /// });
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    pub(super) fn from_mio(inner: mio::net::UnixStream) -> io::Result<UnixStream> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(UnixStream {
            registration,
            inner,
        })
    }

    /// This end's address (unnamed for a client or a pair).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixStream::pair().unwrap();
    ///     assert!(a.local_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The other end's address.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixStream::pair().unwrap();
    ///     assert!(a.peer_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Borrowed read and write halves, usable at once in one task.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (mut a, _b) = oneloop::net::UnixStream::pair().unwrap();
    ///     let (_reader, _writer) = a.split();
    /// });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        ReadHalf::pair(self)
    }

    /// Owned halves that separate tasks can hold.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixStream::pair().unwrap();
    ///     let (reader, writer) = a.into_split();
    ///     let _a = reader.reunite(writer).unwrap();
    /// });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        OwnedReadHalf::pair(self)
    }

    /// Reads into `buf` when readable (the leaf of every read on this stream).
    pub(super) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Cancellation point first: a cancel must not cost bytes taken from the kernel.
        ready!(poll_proceed(cx, "read"))?;
        let n = ready!(self
            .registration
            .poll_io(cx, Direction::Read, || (&self.inner).read(buf)))?;
        if n > 0 && n < buf.len() {
            self.registration.clear_data_readiness(Direction::Read); // drained
        }
        Poll::Ready(Ok(n))
    }

    pub(super) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "write"))?;
        let n = ready!(self
            .registration
            .poll_io(cx, Direction::Write, || (&self.inner).write(buf)))?;
        if n < buf.len() {
            self.registration.clear_data_readiness(Direction::Write); // send buffer full
        }
        Poll::Ready(Ok(n))
    }

    /// `poll_write_priv` with one `writev` for all of `bufs`: the same cancellation point,
    /// readiness wait and "short write clears the write readiness" rule.
    ///
    /// `writev` (like a plain `write`) raises SIGPIPE when the peer has closed; a Rust
    /// program ignores SIGPIPE from startup, so the write just fails with `BrokenPipe`.
    pub(super) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "write"))?;
        let n = ready!(self
            .registration
            .poll_io(cx, Direction::Write, || (&self.inner).write_vectored(bufs)))?;
        if n < bufs.iter().map(|b| b.len()).sum() {
            self.registration.clear_data_readiness(Direction::Write); // send buffer full
        }
        Poll::Ready(Ok(n))
    }

    pub(super) fn shutdown_write(&self) -> io::Result<()> {
        match self.inner.shutdown(Shutdown::Write) {
            // Already shut down, or the peer is gone: nothing more will be sent either way.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    /// One `writev` for all of `bufs`.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// A socket has no user-space buffer: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.inner.local_addr().ok())
            .field("peer_addr", &self.inner.peer_addr().ok())
            .finish()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl Drop for UnixStream {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}
