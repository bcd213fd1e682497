//! The errors of the `mpsc` channels (at tokio's path, `mpsc::error`).

use std::fmt;

/// A send failed; the message is given back in `.0` (or with [`into_inner`](SendError::into_inner)).
///
/// Either the receiver closed the channel or went away, or (`is_cancelled()`) the sending
/// task was cancelled while it waited for a slot.
///
/// ```
/// let (tx, rx) = oneloop::sync::mpsc::unbounded_channel();
/// drop(rx);
/// let err = tx.send(String::from("kept")).unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// assert_eq!(err.0, "kept");
/// ```
pub struct SendError<T>(pub T, Why);

/// Why a send failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Closed,
    Cancelled,
}

impl<T> SendError<T> {
    pub(crate) fn closed(value: T) -> SendError<T> {
        SendError(value, Why::Closed)
    }

    pub(crate) fn cancelled(value: T) -> SendError<T> {
        SendError(value, Why::Cancelled)
    }

    /// Was the send interrupted by a cancel request of its task (rather than a closed channel)?
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::unbounded_channel();
    /// drop(rx);
    /// assert!(!tx.send(()).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.1 == Why::Cancelled
    }

    /// The message that was not sent.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::unbounded_channel();
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Why::Closed => f.write_str("SendError::Closed(..)"),
            Why::Cancelled => f.write_str("SendError::Cancelled(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Why::Closed => f.write_str("channel closed"),
            Why::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> From<SendError<T>> for std::io::Error {
    fn from(err: SendError<T>) -> std::io::Error {
        match err.1 {
            Why::Cancelled => crate::Cancelled.into(),
            Why::Closed => std::io::Error::new(std::io::ErrorKind::BrokenPipe, "channel closed"),
        }
    }
}

/// [`Sender::try_send`](super::Sender::try_send) failed; the message is given back.
///
/// ```
/// use oneloop::sync::mpsc::{self, error::TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2).unwrap_err().to_string(), "no available capacity");
/// drop(rx);
/// assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
/// ```
pub enum TrySendError<T> {
    /// The channel is full (or other senders are queued for its free slots).
    Full(T),
    /// The receiver closed the channel or went away.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("no available capacity"),
            TrySendError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// `try_recv` found nothing.
///
/// ```
/// use oneloop::sync::mpsc::{self, error::TryRecvError};
///
/// let (_tx, mut rx) = mpsc::unbounded_channel::<()>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing queued, but senders remain.
    Empty,
    /// Nothing queued, and no sender remains (or the channel was closed).
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}
