//! The receiving end of a `watch` channel, its borrow of the value ([`Ref`]), and the
//! future of one wait for a change.

use std::cell;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::RecvError;
use super::{leave, wait_in, Shared};
use crate::task::cancel::poll_proceed;

/// The receiving end of a watch channel; clone it for more watchers (a clone starts with
/// the same seen version).
///
/// ```
/// use oneloop::sync::watch;
///
/// oneloop::run(async {
///     let (tx, mut rx) = watch::channel(0);
///     let watcher = oneloop::spawn(async move {
///         let mut seen = Vec::new();
///         while rx.changed().await.is_ok() {
///             seen.push(*rx.borrow_and_update());
///         }
///         seen
///     });
///     oneloop::task::yield_now().await.unwrap();
///     tx.send(1).unwrap();
///     oneloop::task::yield_now().await.unwrap();
///     tx.send(2).unwrap();
///     tx.send(3).unwrap(); // 2 is overwritten before the watcher runs: only the latest is kept
///     drop(tx);
///     assert_eq!(watcher.await.unwrap(), [1, 3]);
/// });
/// ```
pub struct Receiver<T> {
    /// The channel; every receiver counts itself in `Shared::receivers`.
    shared: Rc<Shared<T>>,
    /// The version this receiver last marked seen.
    seen: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Rc<Shared<T>>, seen: u64) -> Receiver<T> {
        shared.receivers.set(shared.receivers.get() + 1);
        Receiver { shared, seen }
    }

    /// The current value, without marking it seen. Keep the [`Ref`] short: a send while it
    /// lives panics.
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// let value = rx.borrow();
    /// assert!(value.has_changed());
    /// assert_eq!(*value, "b");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let changed = self.seen != self.shared.version.get();
        Ref::new(self.shared.value.borrow(), changed)
    }

    /// The current value, marked seen: `changed()` waits for the next send after this.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let version = self.shared.version.get();
        let changed = self.seen != version;
        self.seen = version;
        Ref::new(self.shared.value.borrow(), changed)
    }

    /// Was a value sent that this receiver has not marked seen? `Err` once every sender is
    /// gone (tokio's rule, even with an unseen value).
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(());
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(()).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.senders.get() == 0 {
            return Err(RecvError::closed());
        }
        Ok(self.seen != self.shared.version.get())
    }

    /// Counts the current value as unseen: the next `changed()` returns at once.
    ///
    /// ```
    /// let (_tx, mut rx) = oneloop::sync::watch::channel(());
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        self.seen = self.shared.version.get().wrapping_sub(1);
    }

    /// Counts the current value as seen.
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::watch::channel(());
    /// tx.send(()).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.get();
    }

    /// Waits until a value this receiver has not seen is there, and marks it seen. Returns
    /// at once if there is one already. `Err` when every sender is gone (and the latest
    /// value was seen), or with [`is_cancelled`](RecvError::is_cancelled) if the task is
    /// cancelled while (or before) it waits. **Porting from tokio:** same signature.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::watch::channel(0);
    ///     oneloop::spawn(async move { tx.send(9).unwrap() });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 9);
    ///     assert!(rx.changed().await.is_err()); // the sender is gone
    /// });
    /// ```
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
        }
    }

    /// Waits until the value satisfies `f` (checking the current value first) and returns
    /// it, marked seen. `Err` if every sender goes before a value satisfies `f`, or if the
    /// task is cancelled while it waits.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let (tx, mut rx) = oneloop::sync::watch::channel(0);
    ///     oneloop::spawn(async move {
    ///         for n in 1..=5 {
    ///             tx.send(n).unwrap();
    ///             oneloop::task::yield_now().await.unwrap();
    ///         }
    ///     });
    ///     assert_eq!(*rx.wait_for(|n| *n >= 3).await.unwrap(), 3);
    /// });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let mut closed = false;
        loop {
            let version = self.shared.version.get();
            let changed = self.seen != version;
            self.seen = version;
            if !closed || changed {
                let value = self.shared.value.borrow();
                if f(&value) {
                    return Ok(Ref::new(value, changed));
                }
            }
            if closed {
                return Err(RecvError::closed());
            }
            let waited = Changed {
                shared: &self.shared,
                seen: &mut self.seen,
                key: None,
            }
            .await;
            match waited {
                Ok(()) => {}
                Err(err) if err.is_cancelled() => return Err(err),
                Err(_closed) => closed = true, // one last look at the final value
            }
        }
    }

    /// Is every sender gone?
    ///
    /// ```
    /// let (tx, rx) = oneloop::sync::watch::channel(());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.senders.get() == 0
    }

    /// Are both receivers of the same channel?
    ///
    /// ```
    /// let (_tx, rx) = oneloop::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver::new(Rc::clone(&self.shared), self.seen)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let receivers = self.shared.receivers.get() - 1;
        self.shared.receivers.set(receivers);
        if receivers == 0 {
            super::wake_all(&self.shared.tx_waiters, &self.shared.wake_buffer); // `Sender::closed()` returns
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("seen", &self.seen)
            .field("version", &self.shared.version.get())
            .finish()
    }
}

/// A borrow of a watch channel's value (tokio's `watch::Ref`): derefs to it, and tells
/// whether it was unseen by the receiver when borrowed.
///
/// ```
/// let (tx, rx) = oneloop::sync::watch::channel(String::from("x"));
/// let value: oneloop::sync::watch::Ref<'_, String> = rx.borrow();
/// assert_eq!(value.len(), 1);
/// assert!(!value.has_changed());
/// drop(value); // before the next send
/// tx.send(String::new()).unwrap();
/// ```
pub struct Ref<'a, T> {
    /// The borrow itself.
    value: cell::Ref<'a, T>,
    /// Was the value unseen by the receiver that borrowed it?
    changed: bool,
}

impl<'a, T> Ref<'a, T> {
    pub(super) fn new(value: cell::Ref<'a, T>, changed: bool) -> Ref<'a, T> {
        Ref { value, changed }
    }

    /// Was this value unseen by the receiver when it borrowed it? (Always `false` from
    /// `Sender::borrow`.)
    ///
    /// ```
    /// let (tx, mut rx) = oneloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// The future returned by [`Receiver::changed`].
///
/// ```
/// oneloop::run(async {
///     let (tx, mut rx) = oneloop::sync::watch::channel(0);
///     tx.send(1).unwrap();
///     let changed: oneloop::sync::watch::Changed<'_, i32> = rx.changed();
///     changed.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Changed<'a, T> {
    /// The channel.
    shared: &'a Shared<T>,
    /// The receiver's seen version, moved on when the change is taken.
    seen: &'a mut u64,
    /// Its ticket in `rx_waiters`, while it waits.
    key: Option<usize>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let shared = this.shared;
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "watch changed")) {
            leave(&shared.rx_waiters, &mut this.key);
            return Poll::Ready(Err(cancelled.into()));
        }
        let version = shared.version.get();
        if *this.seen != version {
            *this.seen = version;
            leave(&shared.rx_waiters, &mut this.key);
            return Poll::Ready(Ok(()));
        }
        if shared.senders.get() == 0 {
            leave(&shared.rx_waiters, &mut this.key);
            return Poll::Ready(Err(RecvError::closed()));
        }
        wait_in(&shared.rx_waiters, &mut this.key, cx);
        // Woken by the next send, or by the last sender's drop.
        Poll::Pending
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        leave(&self.shared.rx_waiters, &mut self.key);
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
