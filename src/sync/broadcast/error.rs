//! The errors of the `broadcast` channel (at tokio's path, `broadcast::error`).

use std::fmt;

/// [`Sender::send`](super::Sender::send) failed: no receiver is alive, so nobody could ever
/// see the message. It is given back in `.0`.
///
/// ```
/// let (tx, rx) = oneloop::sync::broadcast::channel(1);
/// drop(rx);
/// let err = tx.send("unheard").unwrap_err();
/// assert_eq!(err.0, "unheard");
/// assert_eq!(err.to_string(), "channel closed");
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

/// Why [`Receiver::recv`](super::Receiver::recv) gave no message.
///
/// tokio's two variants, plus `Cancelled` for the cancellation rule. **Porting from tokio:**
/// a `match` that names `Closed` and `Lagged` needs an arm for `Cancelled` too (usually
/// the same as `Closed`: stop receiving).
///
/// ```
/// use oneloop::sync::broadcast::{self, error::RecvError};
///
/// oneloop::run(async {
///     let (tx, mut rx) = broadcast::channel(2);
///     for i in 0..5 {
///         tx.send(i).unwrap();
///     }
///     drop(tx);
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(3))); // 0, 1, 2 were overwritten
///     assert_eq!(rx.recv().await, Ok(3));
///     assert_eq!(rx.recv().await, Ok(4));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Every sender is gone and this receiver has seen every message.
    Closed,
    /// The receiver fell behind: this many messages were overwritten before it could see
    /// them. Its next `recv` gives the oldest message still kept.
    Lagged(u64),
    /// The task was cancelled while it waited (or before): no message was taken.
    Cancelled,
}

impl RecvError {
    /// Is this the delivery of a cancel request?
    ///
    /// ```
    /// use oneloop::sync::broadcast::error::RecvError;
    /// assert!(RecvError::Cancelled.is_cancelled());
    /// assert!(!RecvError::Closed.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        *self == RecvError::Cancelled
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            RecvError::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for RecvError {}

impl From<crate::Cancelled> for RecvError {
    fn from(_: crate::Cancelled) -> RecvError {
        RecvError::Cancelled
    }
}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) gave no message (tokio's enum).
///
/// ```
/// use oneloop::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// assert_eq!(TryRecvError::Lagged(2).to_string(), "channel lagged by 2");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing new yet; senders are still alive.
    Empty,
    /// Every sender is gone and this receiver has seen every message.
    Closed,
    /// This many messages were overwritten before the receiver could see them.
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for TryRecvError {}
