//! `TcpStream`: a connection.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::io::{AsyncRead, AsyncWrite};
use crate::net::ToSocketAddrs;
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// A TCP connection (tokio's `TcpStream`): [`AsyncRead`] + [`AsyncWrite`].
///
/// ```
/// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
/// use oneloop::net::{TcpListener, TcpStream};
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = oneloop::spawn(async move {
///         let (mut conn, _) = listener.accept().await?;
///         conn.write_all(b"hello").await?;
///         Ok::<(), std::io::Error>(())
///     });
///     let mut client = TcpStream::connect(addr).await?;
///     let mut reply = String::new();
///     client.read_to_string(&mut reply).await?;
///     assert_eq!(reply, "hello");
///     server.await.unwrap()
/// }).unwrap();
/// ```
pub struct TcpStream {
    /// Deregistered in `Drop`, before the socket closes.
    pub(super) registration: Registration,
    /// The non-blocking socket (`ready.rs` uses both fields too).
    pub(super) inner: mio::net::TcpStream,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn. A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     // Nobody listens on a port we just bound and closed: refused.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    ///     let err = oneloop::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        crate::net::each_addr(addr, TcpStream::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        stream.connected().await?;
        Ok(stream)
    }

    /// Waits until a non-blocking connect started on this socket has finished. It finishes
    /// when the socket becomes writable; then the outcome is in SO_ERROR (refused,
    /// unreachable, ...). A cancellation point.
    pub(crate) async fn connected(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| {
            ready!(poll_proceed(cx, "connect"))?;
            self.registration.poll_io(cx, Direction::Write, || {
                if let Some(err) = self.inner.take_error()? {
                    return Err(err);
                }
                match self.inner.peer_addr() {
                    Ok(_) => Ok(()),
                    // Not connected yet: a spurious writable edge; wait for the next one.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await
    }

    pub(crate) fn from_mio(inner: mio::net::TcpStream) -> io::Result<TcpStream> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(TcpStream {
            registration,
            inner,
        })
    }

    /// Wraps a connected `std::net::TcpStream` (it is switched to non-blocking mode).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     let stream = oneloop::net::TcpStream::from_std(s).unwrap();
    /// #   let _ = stream;
    /// });
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// The remote address.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), l.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(stream.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// Off by default, as the operating system (and tokio) leave it: the kernel then holds
    /// a small write back while earlier data is unacknowledged, which merges small writes
    /// into full segments. A request/response protocol that writes a small piece after an
    /// earlier one (an answer, then a prompt) waits for the peer's delayed ACK, up to about
    /// 40 ms on Linux, each time. Either write each message in one flush, or turn Nagle off
    /// here, as Python's asyncio does on every TCP transport (the servers of this crate's
    /// examples and `http::serve` do both).
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// stream.set_nodelay(true).unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// assert!(!stream.nodelay().unwrap());
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.nodelay()
    }

    /// Borrowed read and write halves, usable at once in one task (e.g. with `join!`).
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let mut stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let (_reader, _writer) = stream.split();
    /// # });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        ReadHalf::pair(self)
    }

    /// Owned halves that separate tasks can hold.
    ///
    /// ```
    /// # oneloop::run(async {
    /// # let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = oneloop::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let (reader, writer) = stream.into_split();
    /// let stream = reader.reunite(writer).unwrap();
    /// # let _ = stream;
    /// # });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        OwnedReadHalf::pair(self)
    }

    /// Reads into `buf` when readable (the leaf of every read on this stream).
    pub(crate) fn poll_read_priv(
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
            self.registration.clear_data_readiness(Direction::Read); // drained: see `clear_data_readiness`
        }
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_write_priv(
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

    /// `poll_write_priv` with one system call for all of `bufs`: the same cancellation
    /// point, readiness wait and "short write clears the write readiness" rule.
    ///
    /// The call is `sendmsg` with `MSG_NOSIGNAL` ([`send_vectored`]), not `writev` (std's,
    /// mio's and so tokio's vectored write): `writev` raises SIGPIPE on a connection the
    /// peer reset, which kills a program that put SIGPIPE back to its default action (as
    /// command-line tools do), where std's plain `send` and this return `BrokenPipe`.
    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed(cx, "write"))?;
        let n = ready!(self
            .registration
            .poll_io(cx, Direction::Write, || send_vectored(&self.inner, bufs)))?;
        if n < bufs.iter().map(|b| b.len()).sum() {
            self.registration.clear_data_readiness(Direction::Write); // send buffer full
        }
        Poll::Ready(Ok(n))
    }

    /// Peeks without waiting and without touching the readiness state: `WouldBlock` when
    /// nothing has arrived, `Ok(0)` when the peer closed. The HTTP pool uses it to tell a
    /// live idle connection from one the server closed while it sat in the pool.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn peek_now(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek(buf)
    }

    /// [`peek_now`](Self::peek_now), but only if the reactor has seen read readiness (data,
    /// the peer's FIN, an error) that no `WouldBlock` has cleared since: otherwise
    /// `WouldBlock` at once, without a system call. A stream whose last read came back short
    /// has had its data bit cleared, so this costs nothing until an event arrives — but an
    /// event is only seen when the loop polls its reactor, so a FIN that arrived since then
    /// goes unnoticed.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn peek_if_ready(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Read, || self.inner.peek(buf))
    }

    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self.inner.shutdown(Shutdown::Write) {
            // Already shut down, or the peer is gone: either way, nothing more will be sent.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.inner.local_addr().ok())
            .field("peer_addr", &self.inner.peer_addr().ok())
            .finish()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}

/// Most slices one `sendmsg` takes (`IOV_MAX` on Linux); the rest wait for the next call,
/// as with any short write.
const MAX_SLICES: usize = 1024;

/// One `sendmsg(MSG_NOSIGNAL)` of `bufs` on the (non-blocking) socket: a vectored write
/// that reports a reset peer as `BrokenPipe` instead of raising SIGPIPE.
fn send_vectored(socket: &mio::net::TcpStream, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    let slices = &bufs[..bufs.len().min(MAX_SLICES)];
    // SAFETY: an all-zero `msghdr` is valid (no address, no control data, no slices yet).
    #[allow(unsafe_code)]
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is guaranteed ABI-compatible with `iovec` on Unix; the kernel only reads
    // through these pointers, and only during the call, while `bufs` is borrowed.
    msg.msg_iov = slices.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = slices.len() as _;
    // SAFETY: `msg` points at `slices.len()` valid `iovec`s for the duration of the call,
    // and the descriptor belongs to `socket`, borrowed for it.
    #[allow(unsafe_code)]
    let sent = unsafe { libc::sendmsg(socket.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent as usize)
}
