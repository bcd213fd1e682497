//! `TcpListener`: accepts connections.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::task::{ready, Context, Poll};

use super::stream::TcpStream;
use crate::net::ToSocketAddrs;
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// The accept queue length asked of the kernel (it caps it at `net.core.somaxconn`).
const LISTEN_BACKLOG: libc::c_int = 1024;

/// A TCP socket server, listening for connections (tokio's `TcpListener`).
///
/// ```
/// use oneloop::net::{TcpListener, TcpStream};
///
/// oneloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = oneloop::spawn(async move { TcpStream::connect(addr).await });
///     let (_conn, peer) = listener.accept().await?;
///     assert_eq!(peer, client.await.unwrap()?.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct TcpListener {
    /// Deregistered in `Drop`, before the socket closes.
    registration: Registration,
    inner: mio::net::TcpListener,
}

impl TcpListener {
    /// Binds to `addr` (the first resolved address that works) and listens, with
    /// `SO_REUSEADDR` so a restarted server can bind at once. Port 0 picks a free port.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        crate::net::each_addr(addr, |addr| async move {
            let inner = mio::net::TcpListener::bind(addr)?;
            raise_backlog(&inner);
            TcpListener::from_mio(inner)
        })
        .await
    }

    /// Wraps a listening `std::net::TcpListener` (it is switched to non-blocking mode).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let listener = oneloop::net::TcpListener::from_std(std_listener).unwrap();
    /// #   let _ = listener;
    /// });
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_mio(mio::net::TcpListener::from_std(listener))
    }

    fn from_mio(inner: mio::net::TcpListener) -> io::Result<TcpListener> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(TcpListener {
            registration,
            inner,
        })
    }

    /// Waits for a connection. A cancellation point.
    ///
    /// Errors are returned, not retried: in particular `EMFILE`/`ENFILE` ("too many open
    /// files") when the process or system is out of file descriptors. The pending connection
    /// then stays in the kernel's queue and the listener stays ready, so calling `accept`
    /// again at once would fail again at once: back off first (sleep a little) to let other
    /// connections close. That is the busy loop tokio and libuv servers have fallen into;
    /// see the `echo` example for the back-off.
    ///
    /// ```
    /// use oneloop::net::{TcpListener, TcpStream};
    ///
    /// oneloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let _client = oneloop::spawn(async move { TcpStream::connect(addr).await });
    ///     let (stream, _peer) = listener.accept().await.unwrap();
    /// #   let _ = stream;
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The polling form of [`TcpListener::accept`].
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let nothing = oneloop::time::timeout(
    ///         std::time::Duration::from_millis(1),
    ///         std::future::poll_fn(|cx| listener.poll_accept(cx)),
    ///     ).await;
    ///     assert!(nothing.is_err()); // no client: still waiting
    /// });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        ready!(poll_proceed(cx, "accept"))?;
        let (stream, addr) = ready!(self
            .registration
            .poll_io(cx, Direction::Read, || self.inner.accept()))?;
        Poll::Ready(TcpStream::from_mio(stream).map(|s| (s, addr)))
    }

    /// The local address (with the real port, if bound to port 0).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let l = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(l.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Raises the accept queue of a listener we created to [`LISTEN_BACKLOG`].
fn raise_backlog(inner: &mio::net::TcpListener) {
    // mio listens with a backlog of 128; a burst of connections beyond that is dropped
    // by the kernel and the clients retry a second later. Linux lets `listen` be called
    // again on a listening socket to raise it; 1024 is tokio's figure.
    // SAFETY: a plain system call on a descriptor `inner` owns; failure leaves the old backlog.
    #[allow(unsafe_code)]
    unsafe {
        libc::listen(inner.as_raw_fd(), LISTEN_BACKLOG);
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.inner.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}
