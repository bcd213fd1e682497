//! The receiving end of a `broadcast` channel, and the future of one `recv`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::{RecvError, TryRecvError};
use super::Shared;
use crate::task::cancel::poll_proceed;

/// The receiving end of a broadcast channel: sees every message sent after it was created
/// (unless it lags behind by more than the capacity).
///
/// ```
/// use oneloop::sync::broadcast;
///
/// oneloop::run(async {
///     let (tx, mut rx) = broadcast::channel(4);
///     oneloop::spawn(async move {
///         for word in ["one", "two"] {
///             tx.send(word).unwrap();
///         }
///     });
///     let mut heard = Vec::new();
///     while let Ok(word) = rx.recv().await {
///         heard.push(word);
///     }
///     assert_eq!(heard, ["one", "two"]); // then `Closed`: the sender is gone
/// });
/// ```
pub struct Receiver<T> {
    /// The channel; every receiver counts itself in `Shared::receivers`.
    shared: Rc<Shared<T>>,
    /// The position of the next message this receiver wants.
    next: u64,
    /// Its node in the channel's wait list, made by its first wait and kept until it drops:
    /// queued while a `recv` waits, withdrawn (`Idle`) or served (`Broadcast`) between.
    node: Option<usize>,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Rc<Shared<T>>, next: u64) -> Receiver<T> {
        shared.receivers.set(shared.receivers.get() + 1);
        Receiver {
            shared,
            next,
            node: None,
        }
    }

    /// Messages sent that this receiver has not seen yet, counting those it will be told it
    /// lagged over.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::broadcast::channel(2);
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.len(), 3); // one of them is gone already: the next recv reports Lagged(1)
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.tail() - self.next) as usize
    }

    /// Has this receiver seen every message sent so far?
    ///
    /// ```
    /// let (_tx, rx) = oneloop::sync::broadcast::channel::<u8>(2);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new receiver of the same channel that starts from the next message sent (not from
    /// this one's position), as tokio's.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver::new(Rc::clone(&self.shared), self.shared.tail())
    }

    /// Are both receivers of the same channel?
    ///
    /// ```
    /// let (_tx, rx) = oneloop::sync::broadcast::channel::<u8>(1);
    /// assert!(rx.same_channel(&rx.resubscribe()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }

    /// Is every sender gone? (Messages may still be waiting to be received.)
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::broadcast::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.senders.get() == 0
    }
}

impl<T: Clone> Receiver<T> {
    /// Waits for the next message. Gives `Err(RecvError::Lagged(n))` once if `n` messages
    /// were overwritten before this receiver could see them (the next call gives the oldest
    /// kept one), and `Err(RecvError::Closed)` when every sender is gone and everything was
    /// seen. A cancellation point: `Err(RecvError::Cancelled)` if the task is cancelled while
    /// (or before) it waits; no message is taken.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::broadcast::channel(1);
    ///     oneloop::spawn(async move { tx.send(7).unwrap() });
    ///     assert_eq!(rx.recv().await, Ok(7));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            queued: false,
        }
    }

    /// Takes the next message if there is one; never waits.
    ///
    /// ```
    /// use oneloop::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap(); // overwrites 1
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.try_take(&mut self.next)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            // Never queued here (its `Recv` withdrew it) unless a `Recv` was leaked.
            self.shared.waiters.borrow_mut().remove(node);
        }
        self.shared.forget_receiver(self.next);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("unseen", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The future returned by [`Receiver::recv`].
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::broadcast::channel(1);
///     tx.send(3).unwrap();
///     let recv: oneloop::sync::broadcast::Recv<'_, i32> = rx.recv();
///     assert_eq!(recv.await, Ok(3));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    /// The receiver (its position moves as it receives; it owns the wait-list node).
    receiver: &'a mut Receiver<T>,
    /// Has this future queued the receiver's node (so it must withdraw it when it ends)?
    queued: bool,
}

impl<T> Recv<'_, T> {
    /// Leaves the wait list, keeping the receiver's node for its next wait. A waiter is
    /// only ever woken with everyone else (`Broadcast`): it holds no grant to pass on.
    fn leave(&mut self) {
        if std::mem::take(&mut self.queued) {
            if let Some(node) = self.receiver.node {
                self.receiver.shared.waiters.borrow_mut().withdraw(node);
            }
        }
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "broadcast recv")) {
            this.leave();
            return Poll::Ready(Err(cancelled.into()));
        }
        let receiver = &mut *this.receiver;
        let result = match receiver.shared.try_take(&mut receiver.next) {
            Ok(value) => Ok(value),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Empty) => {
                let mut waiters = receiver.shared.waiters.borrow_mut();
                let replaced = match receiver.node {
                    // Served (or withdrawn) and nothing to read: the common case of a
                    // receiver's next wait, or a poll the wake-up was not for (e.g. from a
                    // combinator); the same node goes back to the tail. Still queued (a
                    // second poll of the same wait): it keeps its place.
                    Some(node) => waiters.requeue(node, cx.waker()),
                    None => {
                        receiver.node = Some(waiters.push_back(cx.waker(), 1));
                        None
                    }
                };
                drop(waiters);
                drop(replaced); // outside the borrow
                this.queued = true;

                // Woken by the next send, or by the last sender going away.
                return Poll::Pending;
            }
        };
        // Something to return, so a send or the last sender's drop happened since this
        // future queued: both serve the whole queue, so the node is no longer queued and
        // there is nothing to withdraw (a kept `Broadcast` node is requeued like an `Idle` one).
        if std::mem::take(&mut this.queued) {
            debug_assert!(this.receiver.node.is_some_and(|node| {
                this.receiver.shared.waiters.borrow().outcome(node) != super::Outcome::Waiting
            }));
        }
        Poll::Ready(result)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("waiting", &self.queued)
            .finish()
    }
}
