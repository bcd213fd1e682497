//! `TcpSocket`: a TCP socket not yet listening or connected, for the options that must be
//! set before `bind` (`SO_REUSEADDR`, `SO_REUSEPORT`) — tokio's type of the same name.
//!
//! std and mio have no such type, so this file makes the system calls itself through
//! `libc`: the crate's only socket created by hand. Every call is on a descriptor this
//! type owns (an `OwnedFd`, closed on drop), with arguments built from safe Rust values.

#![allow(unsafe_code)]

use std::fmt;
use std::io;
use std::mem;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::listener::TcpListener;
use super::stream::TcpStream;

/// A TCP socket to configure, then [`bind`](TcpSocket::bind) and
/// [`listen`](TcpSocket::listen) on, or [`connect`](TcpSocket::connect) from.
///
/// ```
/// use oneloop::net::TcpSocket;
///
/// oneloop::run(async {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(1024)?;
///     let addr = listener.local_addr()?;
///     let client = TcpSocket::new_v4()?.connect(addr).await?;
///     let (_server_side, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// ```
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// # let _ = socket;
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// if let Ok(socket) = oneloop::net::TcpSocket::new_v6() {
    /// #   let _ = socket;
    /// }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET6)
    }

    fn new(domain: libc::c_int) -> io::Result<TcpSocket> {
        let flags = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: a plain system call; it returns a new descriptor or -1.
        let fd = unsafe { libc::socket(domain, flags, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(TcpSocket { fd })
    }

    /// Sets `SO_REUSEADDR`: bind a port whose previous connections linger in TIME_WAIT.
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseaddr(true).unwrap();
    /// assert!(socket.reuseaddr().unwrap());
    /// ```
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.set_flag(libc::SO_REUSEADDR, reuse)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// assert!(!socket.reuseaddr().unwrap());
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.flag(libc::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEPORT`: several sockets (of this user) may listen on one port, and the
    /// kernel spreads the connections among them (one loop per process, several processes).
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseport(true).unwrap();
    /// assert!(socket.reuseport().unwrap());
    /// ```
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.set_flag(libc::SO_REUSEPORT, reuse)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// assert!(!socket.reuseport().unwrap());
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        self.flag(libc::SO_REUSEPORT)
    }

    fn set_flag(&self, option: libc::c_int, on: bool) -> io::Result<()> {
        let value = libc::c_int::from(on);
        // SAFETY: the pointer and length describe `value`, alive for the call.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&value as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn flag(&self, option: libc::c_int) -> io::Result<bool> {
        let mut value: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: the pointers describe `value` and `len`, alive for the call.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(value != 0)
    }

    /// Binds the socket to `addr` (port 0 picks a free port).
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let (storage, len) = sockaddr(addr);
        // SAFETY: `storage` holds a valid sockaddr of `len` bytes for `addr`'s family.
        let rc = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&storage as *const libc::sockaddr_storage).cast(),
                len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The local address (after `bind`).
    ///
    /// ```
    /// let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        // Borrow the descriptor as a std listener just to ask (std decodes the sockaddr).
        let fd = self.fd.try_clone()?;
        std::net::TcpListener::from(fd).local_addr()
    }

    /// Starts listening, with a queue of `backlog` pending connections, and registers the
    /// listener with the loop.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    ///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ///     let listener = socket.listen(128).unwrap();
    /// #   let _ = listener;
    /// });
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
        // SAFETY: a plain system call on the descriptor this socket owns.
        if unsafe { libc::listen(self.fd.as_raw_fd(), backlog) } < 0 {
            return Err(io::Error::last_os_error());
        }
        TcpListener::from_std(std::net::TcpListener::from(self.fd))
    }

    /// Connects to `addr`. A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let socket = oneloop::net::TcpSocket::new_v4().unwrap();
    ///     let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
    /// #   let _ = stream;
    /// });
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let (storage, len) = sockaddr(addr);
        // SAFETY: `storage` holds a valid sockaddr of `len` bytes for `addr`'s family.
        let rc = unsafe {
            libc::connect(
                self.fd.as_raw_fd(),
                (&storage as *const libc::sockaddr_storage).cast(),
                len,
            )
        };
        if rc < 0 {
            let err = io::Error::last_os_error();
            // A non-blocking connect is under way: wait for it below.
            if err.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(err);
            }
        }
        let stream = TcpStream::from_std(std::net::TcpStream::from(self.fd))?;
        stream.connected().await?;
        Ok(stream)
    }
}

/// `addr` as a C socket address, and its length.
fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` is plain old data; all zeros is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: `sockaddr_storage` is large and aligned enough for any socket address.
            let sin = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(v4.ip().octets()),
            };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above.
            let sin6 = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: v6.ip().octets(),
            };
            sin6.sin6_scope_id = v6.scope_id();
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}
