//! Networking: TCP and UDP sockets registered with the loop's reactor.
//!
//! Each socket is a non-blocking `mio::net` socket plus a `Registration` with the reactor.
//! An operation first passes the cancellation point, then tries the system call while the
//! reactor says the socket is ready; `WouldBlock` clears the readiness and parks the task
//! until the reactor sees the socket become ready again.
//!
//! Address arguments take `std::net::ToSocketAddrs`; a host name is resolved with the
//! system resolver, which blocks the loop for the length of the lookup (numeric addresses
//! and `localhost` do not). A production runtime resolves names on a thread pool.

mod tcp;
mod udp;

pub use tcp::listener::TcpListener;
pub use tcp::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use tcp::stream::TcpStream;
pub use udp::UdpSocket;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` and tries `f` on each address in turn; the last error if none works.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(e) if crate::is_cancelled(&e) => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
