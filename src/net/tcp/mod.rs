//! TCP: a listener, a stream, the stream's halves, and a socket to configure before either.
//!
//! The module is public for tokio's paths of the halves (`net::tcp::OwnedReadHalf`, ...);
//! the same types are at `net::` too.

pub(crate) mod listener;
mod ready;
pub(crate) mod socket;
pub(crate) mod split;
pub(crate) mod stream;

pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
