//! The two ends of a bounded channel, and the future of a send that waits for a slot.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::{SendError, TryRecvError, TrySendError};
use super::Chan;
use crate::sync::semaphore::Wait;
use crate::sync::TryAcquireError;
use crate::task::Cancelled;

/// The sending end of a bounded channel (see [`channel`](super::channel)); clone it for
/// more producers.
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::channel(2);
///     let tx2 = tx.clone();
///     tx.send(1).await.unwrap();
///     tx2.send(2).await.unwrap();
///     assert_eq!(rx.recv().await.unwrap(), Some(1));
///     assert_eq!(rx.recv().await.unwrap(), Some(2));
/// });
/// ```
pub struct Sender<T> {
    /// The shared channel; every sender counts itself in `Chan::senders`.
    pub(super) chan: Rc<Chan<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Sender<T> {
        Sender { chan }
    }

    pub(super) fn slots(&self) -> &crate::sync::Semaphore {
        self.chan
            .slots
            .as_ref()
            .expect("a bounded channel has slots")
    }

    /// Sends `value`, waiting for a free slot if the channel is full. Waiting senders are
    /// served in the order they came. A cancellation point.
    ///
    /// Fails, giving the value back, if the receiver is gone or closed
    /// ([`SendError::is_cancelled`] is false) or if the task was cancelled while it waited
    /// (true). A slot granted to a send that is cancelled or dropped passes to the next sender.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, rx) = oneloop::sync::mpsc::channel(1);
    ///     drop(rx);
    ///     let err = tx.send("lost?").await.unwrap_err();
    ///     assert!(!err.is_cancelled());
    ///     assert_eq!(err.into_inner(), "lost?"); // no: given back
    /// });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
            wait: Wait::new(1),
        }
    }

    /// Sends `value` if there is a free slot and no sender is queued for one; never waits.
    ///
    /// ```
    /// use oneloop::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.slots().try_acquire() {
            Ok(permit) => {
                permit.forget(); // the slot now travels with the message
                self.chan.push(value);
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
        }
    }

    /// Has the receiver closed the channel or gone away?
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::channel::<()>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.closed.get()
    }

    /// Free slots right now.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::mpsc::channel(3);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.slots().available_permits()
    }

    /// Do both senders feed the same channel?
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::mpsc::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: Rc::clone(&self.chan),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("queued", &self.chan.len())
            .field("closed", &self.chan.closed.get())
            .finish()
    }
}

/// The future returned by [`Sender::send`].
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::channel(1);
///     let send: oneloop::sync::mpsc::SendFuture<'_, u8> = tx.send(7);
///     send.await.unwrap();
///     assert_eq!(rx.recv().await.unwrap(), Some(7));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    /// The sender (and through it the channel).
    sender: &'a Sender<T>,
    /// The message, until it is queued or given back in the error.
    value: Option<T>,
    /// Its place in the queue of senders waiting for a slot.
    wait: Wait,
}

// The message is never pinned: it is moved into the queue or the error.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let chan = &this.sender.chan;
        let slots = this.sender.slots();
        // Pending: woken by the semaphore when a `recv` frees a slot and it is our turn,
        // or when the receiver closes the channel.
        let acquired = std::task::ready!(slots.poll_acquire(cx, &mut this.wait));
        let value = this
            .value
            .take()
            .expect("SendFuture polled after it returned");
        match acquired {
            // The slot was granted, but the receiver closed or went away before this poll:
            // the message would never be received (and would sit in the queue until the last
            // sender goes). Give the slot back and the value to the caller.
            Ok(()) if chan.closed.get() => {
                slots.release(1);
                Poll::Ready(Err(SendError::closed(value)))
            }
            Ok(()) => {
                chan.push(value);
                Poll::Ready(Ok(()))
            }
            Err(err) if err.is_cancelled() => Poll::Ready(Err(SendError::cancelled(value))),
            Err(_closed) => Poll::Ready(Err(SendError::closed(value))),
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        // A slot granted but not used goes to the next sender.
        self.sender.slots().abandon(&mut self.wait);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// The receiving end of a bounded channel (see [`channel`](super::channel)).
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::channel(4);
///     oneloop::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).await.unwrap();
///         }
///     });
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await.unwrap() {
///         sum += i;
///     }
///     assert_eq!(sum, 3);
/// });
/// ```
pub struct Receiver<T> {
    /// The shared channel.
    pub(super) chan: Rc<Chan<T>>,
}

impl<T> Receiver<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Receiver<T> {
        Receiver { chan }
    }

    /// Receives the next message; `Ok(None)` once every sender is gone (or the channel was
    /// closed) and the queue is drained. A cancellation point: `Err(Cancelled)` if the task
    /// is cancelled while it waits (no message is lost: it stays queued).
    ///
    /// **Porting from tokio:** add `?` (or `.unwrap()`) to `recv().await`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::channel(1);
    ///     tx.send(5).await.unwrap();
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Ok(Some(5)));
    ///     assert_eq!(rx.recv().await, Ok(None));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { chan: &self.chan }
    }

    /// Takes a message if one is queued; never waits.
    ///
    /// ```
    /// use oneloop::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        try_recv(&self.chan)
    }

    /// Closes the channel from the receiving side: sends fail from now on (and senders
    /// waiting for a slot fail, with their value back), but what is queued can still be
    /// received.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await.unwrap(), Some(1));
    ///     assert_eq!(rx.recv().await.unwrap(), None);
    /// });
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Messages queued right now.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::channel(2);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Is nothing queued?
    ///
    /// ```
    /// let (_tx, rx) = oneloop::sync::mpsc::channel::<()>(2);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `try_recv`'s body, shared by both receivers.
pub(super) fn try_recv<T>(chan: &Chan<T>) -> Result<T, TryRecvError> {
    match chan.try_pop() {
        Some(value) => Ok(value),
        None if chan.senders.get() == 0 || chan.closed.get() => Err(TryRecvError::Disconnected),
        None => Err(TryRecvError::Empty),
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("queued", &self.chan.len())
            .field("senders", &self.chan.senders.get())
            .finish()
    }
}

/// The future returned by `recv` on either kind of receiver.
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
///     tx.send("hi").unwrap();
///     let recv: oneloop::sync::mpsc::Recv<'_, &str> = rx.recv();
///     assert_eq!(recv.await.unwrap(), Some("hi"));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    /// The channel; borrowed through `&mut Receiver`, so only one `recv` runs at a time.
    chan: &'a Chan<T>,
}

impl<'a, T> Recv<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>) -> Recv<'a, T> {
        Recv { chan }
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Result<Option<T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Pending inside: woken by the next send or by the last sender's drop.
        self.chan.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
