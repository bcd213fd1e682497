//! Unix domain sockets: a listener, a stream (with its halves) and a datagram socket, on
//! mio's unix sockets, registered with the reactor as the TCP and UDP types are.
//!
//! Addresses are filesystem paths (`bind` creates the socket file; remove it when done,
//! as with std). The types are at `net::` too; the halves only here, at tokio's paths.

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
