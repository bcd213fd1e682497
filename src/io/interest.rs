//! `Interest` and `Ready`: what a task waits for on a socket, and what the reactor has seen
//! (tokio's types of those names), for `readable()`, `writable()` and `ready()` followed by
//! `try_read`/`try_write`.

use std::fmt;
use std::ops::BitOr;

use crate::reactor::ready as bits;

/// Which readiness to wait for (tokio's `io::Interest`): [`READABLE`](Interest::READABLE),
/// [`WRITABLE`](Interest::WRITABLE), or both with `|`.
///
/// ```
/// use oneloop::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Wait until a read can make progress.
    pub const READABLE: Interest = Interest(1);
    /// Wait until a write can make progress.
    pub const WRITABLE: Interest = Interest(2);

    /// Does it include reading?
    ///
    /// ```
    /// assert!(oneloop::io::Interest::READABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & 1 != 0
    }

    /// Does it include writing?
    ///
    /// ```
    /// assert!(oneloop::io::Interest::WRITABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & 2 != 0
    }

    /// Both interests (the `const` form of `|`).
    ///
    /// ```
    /// use oneloop::io::Interest;
    /// assert!(Interest::READABLE.add(Interest::WRITABLE).is_writable());
    /// ```
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

impl BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            _ => f.write_str("WRITABLE"),
        }
    }
}

/// What the reactor has seen on a socket (tokio's `io::Ready`), as returned by `ready()`.
/// It may be stale: the operation that follows can still get `WouldBlock`, which clears it.
///
/// ```
/// use oneloop::io::{Interest, Ready};
/// use oneloop::net::UdpSocket;
///
/// oneloop::run(async {
///     let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let ready: Ready = socket.ready(Interest::WRITABLE).await.unwrap();
///     assert!(ready.is_writable());
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ready(u8);

impl Ready {
    /// Nothing seen.
    pub const EMPTY: Ready = Ready(0);
    /// Data (or a connection, or an error to report) can be read.
    pub const READABLE: Ready = Ready(bits::READABLE);
    /// There is room to write.
    pub const WRITABLE: Ready = Ready(bits::WRITABLE);
    /// The peer will send no more (end of stream).
    pub const READ_CLOSED: Ready = Ready(bits::READ_CLOSED);
    /// The peer will take no more.
    pub const WRITE_CLOSED: Ready = Ready(bits::WRITE_CLOSED);
    /// An error is waiting to be reported by the next operation.
    pub const ERROR: Ready = Ready(bits::ERROR);

    pub(crate) fn from_bits(bits: u8) -> Ready {
        Ready(bits)
    }

    /// Nothing seen?
    ///
    /// ```
    /// assert!(oneloop::io::Ready::EMPTY.is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Can a read make progress (data, end of stream or an error to report)?
    ///
    /// ```
    /// assert!(oneloop::io::Ready::READ_CLOSED.is_readable());
    /// ```
    pub fn is_readable(self) -> bool {
        self.0 & bits::FOR_READ != 0
    }

    /// Can a write make progress (room, a closed peer or an error to report)?
    ///
    /// ```
    /// assert!(oneloop::io::Ready::WRITABLE.is_writable());
    /// ```
    pub fn is_writable(self) -> bool {
        self.0 & bits::FOR_WRITE != 0
    }

    /// Has the peer closed its side (end of stream)?
    ///
    /// ```
    /// assert!(!oneloop::io::Ready::READABLE.is_read_closed());
    /// ```
    pub fn is_read_closed(self) -> bool {
        self.0 & bits::READ_CLOSED != 0
    }

    /// Will the peer take no more writes?
    ///
    /// ```
    /// assert!(oneloop::io::Ready::WRITE_CLOSED.is_write_closed());
    /// ```
    pub fn is_write_closed(self) -> bool {
        self.0 & bits::WRITE_CLOSED != 0
    }

    /// Is an error waiting?
    ///
    /// ```
    /// assert!(oneloop::io::Ready::ERROR.is_error());
    /// ```
    pub fn is_error(self) -> bool {
        self.0 & bits::ERROR != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .finish()
    }
}
