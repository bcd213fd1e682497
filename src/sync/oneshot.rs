//! `oneshot`: a channel for exactly one value, e.g. a reply to a request.
//!
//! Both ends share one `Rc<Inner>` of `Cell`s: the value, the receiver's waker, and a flag
//! per side saying it is gone. `send` consumes the sender, so "the sender was dropped
//! without sending" is just "sender gone and no value".

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::cancel::poll_proceed;

/// A channel for one value: [`Sender::send`] it, `.await` the [`Receiver`].
///
/// ```
/// oneloop::run(async {
///     let (tx, rx) = oneloop::sync::oneshot::channel();
///     oneloop::spawn(async move { tx.send(6 * 7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 42);
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(Inner {
        value: Cell::new(None),
        rx_waker: Cell::new(None),
        tx_waker: Cell::new(None),
        tx_gone: Cell::new(false),
        rx_gone: Cell::new(false),
    });
    (
        Sender {
            inner: Rc::clone(&inner),
        },
        Receiver { inner },
    )
}

/// What both ends share.
struct Inner<T> {
    /// The value, between `send` and the receiver taking it.
    value: Cell<Option<T>>,
    /// The receiver's waker while it waits.
    rx_waker: Cell<Option<Waker>>,
    /// The sender's waker while it waits in `closed()`.
    tx_waker: Cell<Option<Waker>>,
    /// The sender sent or was dropped: no value will come after the one (if any) stored.
    tx_gone: Cell<bool>,
    /// The receiver was dropped or closed: `send` fails.
    rx_gone: Cell<bool>,
}

/// Sends the one value (see [`channel`]).
///
/// ```
/// let (tx, rx) = oneloop::sync::oneshot::channel::<u8>();
/// assert!(!tx.is_closed());
/// drop(rx);
/// assert!(tx.is_closed());
/// ```
pub struct Sender<T> {
    /// The shared state.
    inner: Rc<Inner<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`; gives it back if the receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        if self.inner.rx_gone.get() {
            return Err(value);
        }
        self.inner.value.set(Some(value));
        Ok(()) // dropping `self` marks the sender gone and wakes the receiver
    }

    /// Has the receiver gone away or closed?
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::oneshot::channel::<()>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.rx_gone.get()
    }

    /// Waits until the receiver closes or goes away, e.g. to stop computing a reply nobody
    /// wants. A cancellation point: `Err(Cancelled)` if the task is cancelled while it
    /// waits. **Porting from tokio:** tokio's returns `()`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (mut tx, rx) = oneloop::sync::oneshot::channel::<u8>();
    ///     oneloop::spawn(async move { drop(rx) });
    ///     tx.closed().await.unwrap();
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed { inner: &self.inner }
    }
}

/// The future returned by [`Sender::closed`].
///
/// ```
/// oneloop::run(async {
///     let (mut tx, rx) = oneloop::sync::oneshot::channel::<u8>();
///     drop(rx);
///     let closed: oneloop::sync::oneshot::Closed<'_, u8> = tx.closed();
///     closed.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    /// The shared state; borrowed through `&mut Sender`, so one `closed()` waits at a time.
    inner: &'a Inner<T>,
}

impl<T> Future for Closed<'_, T> {
    type Output = Result<(), crate::Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.inner;
        std::task::ready!(poll_proceed(cx, "oneshot closed"))?;
        if inner.rx_gone.get() {
            return Poll::Ready(Ok(()));
        }
        let waker = match inner.tx_waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        inner.tx_waker.set(Some(waker));
        // Woken when the receiver closes or is dropped.
        Poll::Pending
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("closed", &self.inner.rx_gone.get())
            .finish()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.inner.tx_gone.set(true);
        if let Some(waker) = self.inner.rx_waker.take() {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.inner.rx_gone.get())
            .finish()
    }
}

/// Receives the one value: `.await` it for `Result<T, RecvError>`.
///
/// Awaiting is a cancellation point; after an `Err` with `is_cancelled()` the receiver is
/// still usable, and a value sent meanwhile is not lost: await it again to get it.
///
/// ```
/// oneloop::run(async {
///     let (tx, rx) = oneloop::sync::oneshot::channel::<()>();
///     drop(tx);
///     let err = rx.await.unwrap_err();
///     assert!(!err.is_cancelled());
///     assert_eq!(err.to_string(), "channel closed");
/// });
/// ```
pub struct Receiver<T> {
    /// The shared state.
    inner: Rc<Inner<T>>,
}

impl<T> Receiver<T> {
    /// Refuses the value from now on (`send` fails); a value already sent can still be taken.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        self.inner.rx_gone.set(true);
        if let Some(waker) = self.inner.tx_waker.take() {
            waker.wake(); // the sender's `closed()` returns
        }
    }

    /// Takes the value if it was sent; never waits.
    ///
    /// ```
    /// use oneloop::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, error::TryRecvError> {
        match self.inner.value.take() {
            Some(value) => Ok(value),
            None if self.inner.tx_gone.get() => Err(error::TryRecvError::Closed),
            None => Err(error::TryRecvError::Empty),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, error::RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &self.inner;
        if std::task::ready!(poll_proceed(cx, "oneshot")).is_err() {
            return Poll::Ready(Err(error::RecvError { cancelled: true }));
        }
        if let Some(value) = inner.value.take() {
            return Poll::Ready(Ok(value));
        }
        if inner.tx_gone.get() {
            return Poll::Ready(Err(error::RecvError { cancelled: false }));
        }
        let waker = match inner.rx_waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        inner.rx_waker.set(Some(waker));
        // Woken when the sender sends or is dropped (both drop the `Sender`).
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.inner.rx_gone.set(true);
        if let Some(waker) = self.inner.tx_waker.take() {
            waker.wake(); // the sender's `closed()` returns
        }
        drop(self.inner.value.take()); // a value nobody will read goes now
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("sender_gone", &self.inner.tx_gone.get())
            .finish_non_exhaustive()
    }
}

/// The errors of the oneshot channel (at tokio's path, `oneshot::error`).
pub mod error {
    use std::fmt;

    /// Awaiting the [`Receiver`](super::Receiver) gave no value: the sender was dropped
    /// without sending, or (`is_cancelled()`) the task was cancelled while it waited.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, rx) = oneloop::sync::oneshot::channel::<()>();
    ///     drop(tx);
    ///     assert!(!rx.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RecvError {
        /// `true` for a delivered cancel request, `false` for a sender dropped unsent.
        pub(super) cancelled: bool,
    }

    impl RecvError {
        /// Was this a cancel request of the receiving task (the cancellation rule)?
        ///
        /// ```
        /// oneloop::run(async {
        ///     let (_tx, rx) = oneloop::sync::oneshot::channel::<()>();
        ///     let waiter = oneloop::spawn(rx);
        ///     oneloop::task::yield_now().await.unwrap();
        ///     waiter.cancel();
        ///     assert!(waiter.await.unwrap().unwrap_err().is_cancelled());
        /// });
        /// ```
        pub fn is_cancelled(&self) -> bool {
            self.cancelled
        }
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.cancelled {
                true => f.write_str("task was cancelled"),
                false => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    impl From<RecvError> for std::io::Error {
        fn from(err: RecvError) -> std::io::Error {
            match err.cancelled {
                true => crate::Cancelled.into(),
                false => std::io::Error::new(std::io::ErrorKind::BrokenPipe, err),
            }
        }
    }

    /// [`Receiver::try_recv`](super::Receiver::try_recv) found no value.
    ///
    /// ```
    /// use oneloop::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel::<()>();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Not sent yet.
        Empty,
        /// The sender was dropped without sending (or the value was already taken).
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}
