//! `UdpSocket`: datagrams.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::task::ready;

use crate::io::{Interest, Ready};
use crate::net::ToSocketAddrs;
use crate::reactor::registration::Registration;
use crate::reactor::Direction;
use crate::runtime::context;
use crate::task::cancel::poll_proceed;

/// A UDP socket (tokio's `UdpSocket`). Every send and receive is a cancellation point.
///
/// ```
/// use oneloop::net::UdpSocket;
///
/// oneloop::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct UdpSocket {
    /// Deregistered in `Drop`, before the socket closes.
    registration: Registration,
    inner: mio::net::UdpSocket,
}

impl UdpSocket {
    /// Binds to `addr` (port 0 picks a free port).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(s.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        crate::net::each_addr(addr, |addr| async move {
            let inner = mio::net::UdpSocket::bind(addr)?;
            let registration = context::register(inner.as_raw_fd())?;
            Ok(UdpSocket {
                registration,
                inner,
            })
        })
        .await
    }

    /// Sets the default destination for `send` and the only source for `recv`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let a = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.connect(b.local_addr().unwrap()).await.unwrap();
    ///     a.send(b"x").await.unwrap();
    /// });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        crate::net::each_addr(addr, |addr| async move { self.inner.connect(addr) }).await
    }

    /// Sends a datagram to `target`; returns the bytes sent.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(s.send_to(b"hi", s.local_addr().unwrap()).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = crate::net::addr::resolve(&target)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to send to"))?;
        self.io(Direction::Write, "send_to", || {
            self.inner.send_to(buf, target)
        })
        .await
    }

    /// Receives a datagram; returns its length and sender. A datagram longer than `buf` is
    /// truncated (the rest is discarded by the kernel).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     s.send_to(b"me", s.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(s.recv_from(&mut buf).await.unwrap().0, 2);
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io(Direction::Read, "recv_from", || self.inner.recv_from(buf))
            .await
    }

    /// Sends to the connected peer.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     s.connect(s.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.send(b"me").await.unwrap(), 2);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io(Direction::Write, "send", || self.inner.send(buf))
            .await
    }

    /// Receives from the connected peer.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     s.connect(s.local_addr().unwrap()).await.unwrap();
    ///     s.send(b"me").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(s.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io(Direction::Read, "recv", || self.inner.recv(buf))
            .await
    }

    /// The local address.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(s.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The address given to [`connect`](UdpSocket::connect); `NotConnected` before it.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let a = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Waits until a datagram may be waiting (tokio's `readable`; see [`ready`](Self::ready)).
    /// A cancellation point.
    ///
    /// ```
    /// use oneloop::net::UdpSocket;
    ///
    /// oneloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send_to(b"ping", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let n = loop {
    ///         b.readable().await?;
    ///         match b.try_recv(&mut buf) {
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"ping");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a datagram may be sent (tokio's `writable`). A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     s.writable().await?;
    ///     s.try_send_to(b"x", s.local_addr()?)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Waits until the socket may be ready for `interest` and says for what (tokio's
    /// `ready`). The readiness may be stale: a `try_*` then returns `WouldBlock`, which
    /// clears it, and the next wait waits for a new event. A cancellation point.
    ///
    /// ```
    /// use oneloop::io::Interest;
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(s.ready(Interest::WRITABLE).await?.is_writable());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| {
            ready!(poll_proceed(cx, "ready"))?;
            self.registration
                .poll_ready(cx, interest.is_readable(), interest.is_writable())
                .map_ok(Ready::from_bits)
        })
        .await
    }

    /// Sends to the connected peer without waiting (tokio's `try_send`): `WouldBlock` if the
    /// send buffer is full.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     s.connect(s.local_addr()?).await?;
    ///     assert_eq!(s.try_send(b"me")?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Write, || self.inner.send(buf))
    }

    /// Receives a datagram from the connected peer without waiting (tokio's `try_recv`):
    /// `WouldBlock` if none is there.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     s.connect(s.local_addr()?).await?;
    ///     let err = s.try_recv(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Read, || self.inner.recv(buf))
    }

    /// Sends to `target` without waiting (tokio's `try_send_to`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(s.try_send_to(b"me", s.local_addr()?)?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.registration
            .try_io(Direction::Write, || self.inner.send_to(buf, target))
    }

    /// Receives a datagram and its sender without waiting (tokio's `try_recv_from`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let s = oneloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let err = s.try_recv_from(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.registration
            .try_io(Direction::Read, || self.inner.recv_from(buf))
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

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.inner.local_addr().ok())
            .finish()
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        // Deregister before the socket's descriptor is closed (when the fields drop next).
        self.registration.deregister();
    }
}
