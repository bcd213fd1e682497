//! A single-value channel that keeps only the latest value (tokio's `watch`): [`channel`],
//! its [`Sender`] here, the [`Receiver`] and [`Ref`] in `receiver.rs`.
//!
//! The value sits in a `RefCell` beside a *version*, a counter every send moves on. Each
//! receiver remembers the version it last saw; `changed()` returns as soon as the two
//! differ, and otherwise waits in a `WaitList` that every send wakes whole (`Broadcast`).
//! A change is never lost: the version is checked before a receiver queues, and on one
//! thread nothing can slip between the check and the queueing. A receiver cancelled after
//! its wake-up passes nothing on: the others were woken too, and its own version still
//! says the value is unseen.
//!
//! ```
//! use oneloop::sync::watch;
//!
//! oneloop::run(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let reader = oneloop::spawn(async move {
//!         rx.changed().await.unwrap();
//!         *rx.borrow_and_update()
//!     });
//!     tx.send("ready").unwrap();
//!     assert_eq!(reader.await.unwrap(), "ready");
//! });
//! ```

pub mod error;
mod receiver;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub use receiver::{Changed, Receiver, Ref};

use self::error::SendError;
use super::wait_list::{Outcome, WaitList};
use crate::task::cancel::poll_proceed;
use crate::task::Cancelled;

/// A watch channel holding `init` until the first send.
///
/// ```
/// let (tx, rx) = oneloop::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        value: RefCell::new(init),
        version: Cell::new(0),
        senders: Cell::new(1),
        receivers: Cell::new(0),
        rx_waiters: RefCell::new(WaitList::new()),
        tx_waiters: RefCell::new(WaitList::new()),
        wake_buffer: Cell::new(Vec::new()),
    });
    let rx = Receiver::new(Rc::clone(&shared), 0);
    (Sender { shared }, rx)
}

/// The state both ends share.
pub(crate) struct Shared<T> {
    /// The latest value. A `RefCell`: `Ref`s borrow it, a send borrows it mutably.
    value: RefCell<T>,
    /// Moves on at every send; a receiver compares it with the version it saw.
    version: Cell<u64>,
    /// Live senders; at 0 the receivers' waits end with `Closed`.
    senders: Cell<usize>,
    /// Live receivers; at 0 `send` fails and `Sender::closed` returns.
    receivers: Cell<usize>,
    /// Receivers waiting in `changed()`, all woken by each send.
    rx_waiters: RefCell<WaitList>,
    /// Senders waiting in `closed()`, all woken when the last receiver goes.
    tx_waiters: RefCell<WaitList>,
    /// The wakers of one wake-up of a whole list, kept so a warmed-up channel wakes without
    /// allocating (taken while in use: a send from inside a wake-up gets a fresh one).
    wake_buffer: Cell<Vec<Waker>>,
}

/// Wakes everyone in `list`: their wakers are collected in one pass under one borrow, and
/// woken once it is released (a waker may do anything). `buffer` lends the `Vec`.
fn wake_all(list: &RefCell<WaitList>, buffer: &Cell<Vec<Waker>>) {
    let mut wakers = buffer.take();
    list.borrow_mut().drain_all(Outcome::Broadcast, &mut wakers);
    for waker in wakers.drain(..) {
        waker.wake();
    }
    buffer.set(wakers);
}

/// Queues (or refreshes) a waiter of `list` whose ticket is `key`. A waiter already woken
/// (`Broadcast`) whose condition turned out unmet is queued again.
fn wait_in(list: &RefCell<WaitList>, key: &mut Option<usize>, cx: &Context<'_>) {
    let mut waiters = list.borrow_mut();
    let replaced = match *key {
        Some(k) if waiters.outcome(k) == Outcome::Waiting => waiters.update_waker(k, cx.waker()),
        stale => {
            if let Some(k) = stale {
                waiters.remove(k);
            }
            *key = Some(waiters.push_back(cx.waker(), 1));
            None
        }
    };
    drop(waiters);
    drop(replaced); // outside the borrow
}

/// Leaves `list`: a `Broadcast` wake-up carries nothing to pass on.
fn leave(list: &RefCell<WaitList>, key: &mut Option<usize>) {
    if let Some(k) = key.take() {
        list.borrow_mut().remove(k);
    }
}

/// The sending end of a watch channel.
///
/// ```
/// let (tx, rx) = oneloop::sync::watch::channel(vec![1]);
/// tx.send_modify(|v| v.push(2));
/// assert_eq!(*rx.borrow(), [1, 2]);
/// ```
pub struct Sender<T> {
    /// The channel; every sender counts itself in `Shared::senders`.
    shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (tokio's `Sender::new`): `subscribe` makes them.
    ///
    /// ```
    /// let tx = oneloop::sync::watch::Sender::new(0);
    /// assert!(tx.send(1).is_err()); // nobody to send to
    /// let rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        channel(init).0
    }

    /// Replaces the value and notifies every receiver. Fails, giving the value back and
    /// keeping the old one, if no receiver is alive (tokio's rule).
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// assert_eq!(*rx.borrow(), "b");
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.get() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Changes the value in place and notifies every receiver, even with none alive.
    ///
    /// Panics if a [`Ref`] of this channel is alive (tokio's would deadlock): do not hold
    /// one across an `.await`.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(0);
    /// tx.send_modify(|n| *n += 5);
    /// assert_eq!(*rx.borrow(), 5);
    /// ```
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Changes the value in place; notifies the receivers only if `modify` returns `true`.
    /// Panics as [`send_modify`](Sender::send_modify) does.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(0);
    /// assert!(!tx.send_if_modified(|_| false));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|n| { *n = 1; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        let modified = {
            let mut value = self.shared.value.try_borrow_mut().expect(
                "watch: a send while a `Ref` of the channel is alive (do not keep one across an await)",
            );
            modify(&mut value)
        };
        if modified {
            self.shared
                .version
                .set(self.shared.version.get().wrapping_add(1));
            wake_all(&self.shared.rx_waiters, &self.shared.wake_buffer);
        }
        modified
    }

    /// Replaces the value, notifies every receiver (even with none alive), and returns the
    /// old value. Panics as [`send_modify`](Sender::send_modify) does.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// The current value. Keep the [`Ref`] short: a send while it lives panics.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::watch::channel("v1");
    /// assert_eq!(*tx.borrow(), "v1");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref::new(self.shared.value.borrow(), false)
    }

    /// A new receiver, which counts the current value as seen.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::new(Rc::clone(&self.shared), self.shared.version.get())
    }

    /// Live receivers.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(());
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// Live senders.
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::watch::channel(());
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.get()
    }

    /// Is every receiver gone?
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone. A cancellation point: `Err(Cancelled)` if the
    /// task is cancelled while it waits. **Porting from tokio:** tokio's returns `()`.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, rx) = oneloop::sync::watch::channel(());
    ///     oneloop::spawn(async move { drop(rx) });
    ///     tx.closed().await.unwrap();
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub fn closed(&self) -> Closed<'_, T> {
        Closed {
            shared: &self.shared,
            key: None,
        }
    }

    /// Do both senders feed the same channel?
    ///
    /// ```
    /// let (tx, _rx) = oneloop::sync::watch::channel(());
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.set(self.shared.senders.get() + 1);
        Sender {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let senders = self.shared.senders.get() - 1;
        self.shared.senders.set(senders);
        if senders == 0 {
            wake_all(&self.shared.rx_waiters, &self.shared.wake_buffer); // their `changed()` now fails with `Closed`
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Sender");
        match self.shared.value.try_borrow() {
            Ok(value) => d.field("value", &&*value),
            Err(_) => d.field("value", &format_args!("<being sent>")),
        };
        d.field("version", &self.shared.version.get()).finish()
    }
}

/// The future returned by [`Sender::closed`].
///
/// ```
/// oneloop::run(async {
///     let (tx, rx) = oneloop::sync::watch::channel(0);
///     drop(rx);
///     let closed: oneloop::sync::watch::Closed<'_, i32> = tx.closed();
///     closed.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    /// The channel.
    shared: &'a Shared<T>,
    /// Its ticket in `tx_waiters`, while it waits.
    key: Option<usize>,
}

impl<T> Future for Closed<'_, T> {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let shared = this.shared;
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "watch closed")) {
            leave(&shared.tx_waiters, &mut this.key);
            return Poll::Ready(Err(cancelled));
        }
        if shared.receivers.get() == 0 {
            leave(&shared.tx_waiters, &mut this.key);
            return Poll::Ready(Ok(()));
        }
        wait_in(&shared.tx_waiters, &mut this.key, cx);
        // Woken by the last receiver's drop.
        Poll::Pending
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        leave(&self.shared.tx_waiters, &mut self.key);
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
