//! Multi-producer, single-consumer channels: [`channel`] (bounded) and [`unbounded_channel`].
//!
//! Both are one `Chan` shared by `Rc`: a `VecDeque` of messages, the receiver's waker, a
//! count of live senders, and (bounded only) a [`Semaphore`] holding one permit per free
//! slot. A bounded send acquires a permit, which then travels with the message until
//! `recv` takes the message out and gives the permit back: that is how a channel of
//! capacity n holds exactly n messages, and how waiting senders are served in order.
//!
//! Closing, from either side: when the last sender goes, `recv` drains what is queued and
//! then gives `Ok(None)`; when the receiver closes or goes, the semaphore is closed, waiting
//! and later sends fail with the value given back, and (on drop) the queued messages are
//! dropped at once.
//!
//! ```
//! use oneloop::sync::mpsc;
//!
//! oneloop::run(async {
//!     let (tx, mut rx) = mpsc::channel(8);
//!     for i in 0..3 {
//!         let tx = tx.clone();
//!         oneloop::spawn(async move { tx.send(i).await.unwrap() });
//!     }
//!     drop(tx);
//!     let mut got = Vec::new();
//!     while let Some(i) = rx.recv().await? {
//!         got.push(i);
//!     }
//!     assert_eq!(got, [0, 1, 2]);
//! #   Ok::<(), oneloop::Cancelled>(())
//! }).unwrap();
//! ```

mod bounded;
pub mod error;
mod recv_many;
mod reserve;
mod unbounded;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

pub use bounded::{Receiver, Recv, SendFuture, Sender};
pub use recv_many::RecvMany;
pub use reserve::{Permit, Reserve};
pub use unbounded::{UnboundedReceiver, UnboundedSender};

use super::Semaphore;
use crate::task::cancel::poll_proceed;
use crate::task::Cancelled;

/// A bounded channel holding at most `capacity` messages; `send` waits while it is full.
/// Panics if `capacity` is 0 (as tokio does).
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::channel(1);
///     tx.send("hello").await.unwrap();
///     assert!(tx.try_send("full").is_err());
///     assert_eq!(rx.recv().await.unwrap(), Some("hello"));
/// });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    let chan = std::rc::Rc::new(Chan::new(Some(Semaphore::new(capacity))));
    (Sender::new(std::rc::Rc::clone(&chan)), Receiver::new(chan))
}

/// A channel without a bound: `send` never waits (and is not `async`).
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::mpsc::unbounded_channel();
///     tx.send(1).unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await.unwrap(), Some(1));
///     assert_eq!(rx.recv().await.unwrap(), None);
/// });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = std::rc::Rc::new(Chan::new(None));
    (
        UnboundedSender::new(std::rc::Rc::clone(&chan)),
        UnboundedReceiver::new(chan),
    )
}

/// The state both ends of a channel share.
pub(crate) struct Chan<T> {
    /// Messages sent and not yet received, oldest first.
    queue: RefCell<VecDeque<T>>,
    /// The receiver's waker while it waits in `recv`; taken by the send that wakes it, so
    /// a burst of sends wakes it once.
    rx_waker: Cell<Option<Waker>>,
    /// Live senders; at 0 the receiver sees the end of the stream after draining.
    senders: Cell<usize>,
    /// The receiver closed or dropped: no more sends.
    closed: Cell<bool>,
    /// Bounded channels only: one permit per free slot (see the module docs).
    slots: Option<Semaphore>,
}

impl<T> Chan<T> {
    fn new(slots: Option<Semaphore>) -> Chan<T> {
        Chan {
            queue: RefCell::new(VecDeque::new()),
            rx_waker: Cell::new(None),
            senders: Cell::new(1),
            closed: Cell::new(false),
            slots,
        }
    }

    /// Queues a message (its slot already acquired, for a bounded channel) and wakes the receiver.
    fn push(&self, value: T) {
        self.queue.borrow_mut().push_back(value);
        if let Some(waker) = self.rx_waker.take() {
            waker.wake();
        }
    }

    /// `recv`'s body, shared by both receivers.
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, Cancelled>> {
        std::task::ready!(poll_proceed(cx, "channel recv"))?;
        if let Some(value) = self.try_pop() {
            return Poll::Ready(Ok(Some(value)));
        }
        if self.senders.get() == 0 || self.closed.get() {
            return Poll::Ready(Ok(None));
        }
        let waker = match self.rx_waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        self.rx_waker.set(Some(waker));
        // Woken by the next send, or by the last sender going away.
        Poll::Pending
    }

    /// Takes the oldest message and frees its slot (serving the oldest waiting sender).
    fn try_pop(&self) -> Option<T> {
        let value = self.queue.borrow_mut().pop_front()?;
        if let Some(slots) = &self.slots {
            slots.release(1);
        }
        Some(value)
    }

    fn add_sender(&self) {
        self.senders.set(self.senders.get() + 1);
    }

    /// A sender goes; the last one wakes the receiver so it can see the end of the stream.
    fn drop_sender(&self) {
        self.senders.set(self.senders.get() - 1);
        if self.senders.get() == 0 {
            if let Some(waker) = self.rx_waker.take() {
                waker.wake();
            }
        }
    }

    /// The receiver closes: refuse sends from now on and fail the senders waiting for a slot.
    fn close(&self) {
        self.closed.set(true);
        if let Some(slots) = &self.slots {
            slots.close();
        }
    }

    /// The receiver is dropped: close, and drop the queued messages now (a message may hold
    /// a `Sender` of this very channel: kept, it would keep the channel alive for ever).
    fn drop_receiver(&self) {
        self.close();
        let queued = std::mem::take(&mut *self.queue.borrow_mut());
        drop(queued); // outside the borrow: a message's destructor may use the channel
    }

    fn len(&self) -> usize {
        self.queue.borrow().len()
    }
}
