//! Reading a line with a bound on its length: `AsyncBufReadExt::read_until_max`, and the
//! error it gives for a line that is too long. A server reading lines from strangers needs
//! it: without a bound, one client sending a line with no end makes the buffer grow until
//! memory runs out.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::ext::poll_read_until;
use super::AsyncBufRead;

/// The error of [`read_until_max`](crate::io::AsyncBufReadExt::read_until_max) for a line
/// longer than its limit (inside an `io::Error` of kind `InvalidData`).
///
/// ```
/// use oneloop::io::LineTooLong;
/// let err = std::io::Error::new(std::io::ErrorKind::InvalidData, LineTooLong { limit: 4 });
/// assert!(LineTooLong::is(&err));
/// assert_eq!(err.to_string(), "line longer than 4 bytes");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineTooLong {
    /// The limit that was passed.
    pub limit: usize,
}

impl LineTooLong {
    /// Is this I/O error a line that was too long?
    ///
    /// ```
    /// use oneloop::io::LineTooLong;
    /// assert!(!LineTooLong::is(&std::io::Error::other("something else")));
    /// ```
    pub fn is(err: &io::Error) -> bool {
        err.get_ref().is_some_and(|inner| inner.is::<LineTooLong>())
    }
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line longer than {} bytes", self.limit)
    }
}

impl std::error::Error for LineTooLong {}

/// The body of `read_until_max`: reads until `delim` with room for `limit` bytes and the
/// delimiter; a full buffer without the delimiter is a line too long.
pub(super) fn read_until_max<'a, R: AsyncBufRead + Unpin + ?Sized>(
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
    limit: usize,
) -> impl Future<Output = io::Result<usize>> + 'a {
    let start = buf.len();
    let mut read = 0;
    poll_fn(move |cx| {
        let room = start.saturating_add(limit).saturating_add(1);
        // Pending here means the reader will wake us.
        let found = ready!(poll_read_until(
            Pin::new(&mut *reader),
            cx,
            delim,
            buf,
            room,
            &mut read
        ))?;
        if !found && buf.len() >= room {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong { limit },
            )));
        }
        Poll::Ready(Ok(std::mem::take(&mut read)))
    })
}
