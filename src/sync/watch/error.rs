//! The errors of the `watch` channel (at tokio's path, `watch::error`).

use std::fmt;

/// [`Sender::send`](super::Sender::send) failed: every receiver is gone. The value is given
/// back in `.0` (the channel keeps its old value).
///
/// ```
/// let (tx, rx) = oneloop::sync::watch::channel(0);
/// drop(rx);
/// assert_eq!(tx.send(1).unwrap_err().0, 1);
/// assert_eq!(*tx.borrow(), 0);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// [`Receiver::changed`](super::Receiver::changed) or
/// [`wait_for`](super::Receiver::wait_for) gave up: every sender is gone, or
/// ([`is_cancelled`](RecvError::is_cancelled)) the task was cancelled while it waited.
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::watch::channel(());
///     drop(tx);
///     let err = rx.changed().await.unwrap_err();
///     assert!(!err.is_cancelled());
///     assert_eq!(err.to_string(), "channel closed");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(Why);

/// Why a wait for a change ended without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Closed,
    Cancelled,
}

impl RecvError {
    pub(super) fn closed() -> RecvError {
        RecvError(Why::Closed)
    }

    /// Was the wait ended by a cancel request of its task (rather than by the senders going)?
    ///
    /// ```
    /// let err: oneloop::sync::watch::error::RecvError = oneloop::Cancelled.into();
    /// assert!(err.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.0 == Why::Cancelled
    }
}

impl From<crate::Cancelled> for RecvError {
    fn from(_: crate::Cancelled) -> RecvError {
        RecvError(Why::Cancelled)
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Why::Closed => f.write_str("channel closed"),
            Why::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for RecvError {}

impl From<RecvError> for std::io::Error {
    fn from(err: RecvError) -> std::io::Error {
        match err.0 {
            Why::Cancelled => crate::Cancelled.into(),
            Why::Closed => std::io::Error::new(std::io::ErrorKind::BrokenPipe, "channel closed"),
        }
    }
}
