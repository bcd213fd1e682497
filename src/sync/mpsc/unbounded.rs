//! The two ends of an unbounded channel: the same `Chan` without slots, so `send` never waits.

use std::fmt;
use std::rc::Rc;

use super::bounded::{try_recv, Recv};
use super::error::{SendError, TryRecvError};
use super::Chan;

/// The sending end of an unbounded channel (see [`unbounded_channel`](super::unbounded_channel)).
///
/// ```
/// let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
/// tx.clone().send("a").unwrap();
/// assert_eq!(rx.try_recv(), Ok("a"));
/// ```
pub struct UnboundedSender<T> {
    /// The shared channel; every sender counts itself in `Chan::senders`.
    chan: Rc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> UnboundedSender<T> {
        UnboundedSender { chan }
    }

    /// Queues `value` at once; fails with the value back if the receiver is gone or closed.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::unbounded_channel();
    /// drop(rx);
    /// assert_eq!(tx.send(7).unwrap_err().0, 7);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.chan.closed.get() {
            return Err(SendError::closed(value));
        }
        self.chan.push(value);
        Ok(())
    }

    /// Has the receiver closed the channel or gone away?
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel::<()>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.closed.get()
    }

    /// Do both senders feed the same channel?
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        Rc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: Rc::clone(&self.chan),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("queued", &self.chan.len())
            .field("closed", &self.chan.closed.get())
            .finish()
    }
}

/// The receiving end of an unbounded channel.
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
///     oneloop::spawn(async move { tx.send("hi").unwrap() });
///     assert_eq!(rx.recv().await.unwrap(), Some("hi"));
///     assert_eq!(rx.recv().await.unwrap(), None);
/// });
/// ```
pub struct UnboundedReceiver<T> {
    /// The shared channel.
    pub(super) chan: Rc<Chan<T>>,
}

impl<T> UnboundedReceiver<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> UnboundedReceiver<T> {
        UnboundedReceiver { chan }
    }

    /// Receives the next message; `Ok(None)` once every sender is gone and the queue is
    /// drained. A cancellation point (see [`Receiver::recv`](super::Receiver::recv)).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
    ///     tx.send(1).unwrap();
    ///     assert_eq!(rx.recv().await, Ok(Some(1)));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(&self.chan)
    }

    /// Takes a message if one is queued; never waits.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        try_recv(&self.chan)
    }

    /// Closes the channel: sends fail from now on; what is queued can still be received.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Messages queued right now.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::mpsc::unbounded_channel();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Is nothing queued?
    ///
    /// ```
    /// let (_tx, rx) = oneloop::sync::mpsc::unbounded_channel::<()>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("queued", &self.chan.len())
            .field("senders", &self.chan.senders.get())
            .finish()
    }
}
