//! `UnixDatagram`: datagrams over a Unix domain socket.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::task::ready;

use super::SocketAddr;
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// A Unix datagram socket (tokio's `UnixDatagram`). Every send and receive is a
/// cancellation point.
///
/// ```
/// use oneloop::net::UnixDatagram;
///
/// oneloop::run(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"one datagram").await?;
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one datagram");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct UnixDatagram {
    /// Deregistered in `Drop`, before the socket closes.
    registration: Registration,
    inner: mio::net::UnixDatagram,
}

impl UnixDatagram {
    /// A socket bound to `path` (the socket file is created). Not async, as tokio's.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let dir = std::env::temp_dir();
    ///     let (pa, pb) = (dir.join(format!("oneloop-doc-dg-a-{}", std::process::id())),
    ///                     dir.join(format!("oneloop-doc-dg-b-{}", std::process::id())));
    ///     let _ = (std::fs::remove_file(&pa), std::fs::remove_file(&pb));
    ///     let a = oneloop::net::UnixDatagram::bind(&pa)?;
    ///     let b = oneloop::net::UnixDatagram::bind(&pb)?;
    ///     a.send_to(b"hi", &pb).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from.as_pathname()), (&b"hi"[..], Some(pa.as_path())));
    ///     std::fs::remove_file(&pa)?;
    ///     std::fs::remove_file(&pb)
    /// })
    /// .unwrap();
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can send, and receive once connected).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UnixDatagram::unbound().unwrap();
    ///     assert!(s.local_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets (`socketpair`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (_a, _b) = oneloop::net::UnixDatagram::pair().unwrap();
    /// });
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    /// Wraps a `std::os::unix::net::UnixDatagram` (switched to non-blocking mode).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    ///     let _a = oneloop::net::UnixDatagram::from_std(a).unwrap();
    /// });
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    fn from_mio(inner: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        let registration = context::register(inner.as_raw_fd())?;
        Ok(UnixDatagram {
            registration,
            inner,
        })
    }

    /// Sets the default destination for `send` and the only source for `recv`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-dg-connect-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = oneloop::net::UnixDatagram::bind(&path)?;
    ///     let client = oneloop::net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"x").await?;
    ///     assert_eq!(server.recv(&mut [0; 4]).await?, 1);
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.inner.connect(path)
    }

    /// Sends `buf` to the connected peer. A cancellation point.
    ///
    /// See [`UnixDatagram`] for an example.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"abc").await?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io(Direction::Write, "send", || self.inner.send(buf))
            .await
    }

    /// Receives one datagram from the connected peer. A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, b) = oneloop::net::UnixDatagram::pair()?;
    ///     a.send(b"abc").await?;
    ///     assert_eq!(b.recv(&mut [0; 8]).await?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io(Direction::Read, "recv", || self.inner.recv(buf))
            .await
    }

    /// Sends `buf` to the socket bound at `target`. A cancellation point.
    ///
    /// See [`UnixDatagram::bind`] for an example.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("oneloop-doc-dg-send-to-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = oneloop::net::UnixDatagram::bind(&path)?;
    ///     oneloop::net::UnixDatagram::unbound()?.send_to(b"yo", &path).await?;
    ///     assert_eq!(server.recv(&mut [0; 4]).await?, 2);
    ///     std::fs::remove_file(&path)
    /// })
    /// .unwrap();
    /// ```
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = target.as_ref();
        self.io(Direction::Write, "send_to", || {
            self.inner.send_to(buf, target)
        })
        .await
    }

    /// Receives one datagram and its sender's address. A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, b) = oneloop::net::UnixDatagram::pair()?;
    ///     a.send(b"abc").await?;
    ///     let (n, from) = b.recv_from(&mut [0; 8]).await?;
    ///     assert_eq!(n, 3);
    ///     assert!(from.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io(Direction::Read, "recv_from", || self.inner.recv_from(buf))
            .await
    }

    /// The address it is bound to.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixDatagram::pair().unwrap();
    ///     assert!(a.local_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (a, _b) = oneloop::net::UnixDatagram::pair().unwrap();
    ///     assert!(a.peer_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// One operation: the cancellation point, then the system call when ready.
    async fn io<R>(
        &self,
        direction: Direction,
        what: &'static str,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| {
            ready!(poll_proceed(cx, what))?;
            self.registration.poll_io(cx, direction, &mut op)
        })
        .await
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.inner.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl Drop for UnixDatagram {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}
