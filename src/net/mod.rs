//! Networking: TCP, UDP and Unix domain sockets registered with the loop's reactor.
//!
//! Each socket is a non-blocking `mio::net` socket plus a `Registration` with the reactor.
//! An operation first passes the cancellation point, then tries the system call while the
//! reactor says the socket is ready; `WouldBlock` clears the readiness and parks the task
//! until the reactor sees the socket become ready again.
//!
//! Address arguments take [`ToSocketAddrs`] (tokio's shape, in `addr.rs`): numeric
//! addresses are parsed in place, and a host name is resolved by the system resolver on the
//! blocking thread pool ([`lookup_host`]), so a slow DNS answer never stalls the loop.

mod addr;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};

pub use tcp::listener::TcpListener;
pub use tcp::socket::TcpSocket;
pub use tcp::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use tcp::stream::TcpStream;
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

use std::io;
use std::net::SocketAddr;

/// Resolves `addr` and tries `f` on each address in turn; the last error if none works.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr::resolve(&addr).await? {
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
