//! `Notify`: wake one waiting task, or all of them, without sending data (tokio's `Notify`).
//!
//! `notify_one` serves the oldest waiter (marked `Granted`: if it goes away before it sees
//! the notification, the notification goes to the next waiter), or, with nobody waiting,
//! stores a single permit that the next `notified()` consumes at once. `notify_waiters`
//! wakes everyone waiting (marked `Broadcast`) and stores nothing; it also counts itself in
//! `generation`, so a `Notified` created before the call but not yet polled completes too.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::wait_list::{Outcome, WaitList};
use crate::task::cancel::poll_proceed;
use crate::task::Cancelled;

/// Notifies tasks that something happened (tokio's `Notify`).
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::Notify;
///
/// oneloop::run(async {
///     let notify = Rc::new(Notify::new());
///     let n = Rc::clone(&notify);
///     let waiter = oneloop::spawn(async move { n.notified().await.unwrap(); "notified" });
///     notify.notify_one(); // stored as a permit if the waiter is not waiting yet
///     assert_eq!(waiter.await.unwrap(), "notified");
/// });
/// ```
#[derive(Default)]
pub struct Notify {
    /// A `notify_one` with nobody waiting: the next `notified()` takes it. At most one.
    permit: Cell<bool>,
    /// How many times `notify_waiters` was called; see the module docs.
    generation: Cell<u64>,
    /// Tasks waiting, oldest first.
    waiters: RefCell<WaitList>,
}

impl Notify {
    /// A new `Notify` with no stored permit.
    ///
    /// ```
    /// let _n = oneloop::sync::Notify::new();
    /// ```
    pub const fn new() -> Notify {
        Notify {
            permit: Cell::new(false),
            generation: Cell::new(0),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Wakes the oldest waiter, or stores a permit for the next one if nobody waits.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let n = oneloop::sync::Notify::new();
    ///     n.notify_one();
    ///     n.notified().await.unwrap(); // the stored permit: returns at once
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = self.waiters.borrow_mut().pop_front(Outcome::Granted);
        match waker {
            Some(waker) => waker.wake(), // with the borrow released
            None => self.permit.set(true),
        }
    }

    /// Wakes every task waiting now (and every `Notified` created before this call); stores
    /// no permit.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let n = oneloop::sync::Notify::new();
    ///     let (a, b) = (n.notified(), n.notified());
    ///     n.notify_waiters();
    ///     a.await.unwrap();
    ///     b.await.unwrap();
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        loop {
            let waker = self.waiters.borrow_mut().pop_front(Outcome::Broadcast);
            match waker {
                Some(waker) => waker.wake(),
                None => break,
            }
        }
    }

    /// Waits for a notification. A cancellation point: `Err(Cancelled)` if the task is
    /// cancelled meanwhile (a `notify_one` it had already been given passes to the next waiter).
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// oneloop::run(async {
    ///     let n = Rc::new(oneloop::sync::Notify::new());
    ///     let n2 = Rc::clone(&n);
    ///     let t = oneloop::spawn(async move { n2.notified().await });
    ///     oneloop::task::yield_now().await.unwrap();
    ///     n.notify_waiters();
    ///     t.await.unwrap().unwrap();
    /// });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            key: None,
            generation: self.generation.get(),
            enabled: None,
        }
    }

    /// A waiter leaves: if it had been given a `notify_one`, pass that on.
    fn abandon(&self, key: usize) {
        let outcome = self.waiters.borrow_mut().remove(key);
        if outcome == Outcome::Granted {
            self.notify_one();
        }
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("permit", &self.permit.get())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Notify::notified`].
///
/// ```
/// oneloop::run(async {
///     let notify = oneloop::sync::Notify::new();
///     notify.notify_one(); // stored as a permit
///     let notified: oneloop::sync::Notified<'_> = notify.notified();
///     notified.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Notified<'a> {
    /// The `Notify` it waits on.
    notify: &'a Notify,
    /// Its ticket in the wait list, once queued.
    key: Option<usize>,
    /// `Notify::generation` when this was created: if it moved, `notify_waiters` ran since.
    generation: u64,
    /// What [`enable`](Notified::enable) found already there: the stored permit (`Granted`,
    /// to pass on if this goes away unpolled) or a `notify_waiters` (`Broadcast`).
    enabled: Option<Outcome>,
}

impl Notified<'_> {
    /// Joins the queue of waiters now, before the first poll (tokio's `enable`), so a
    /// `notify_one` or `notify_waiters` between this call and the first `.await` is not
    /// missed. Returns `true` if the notification is already there (the `.await` will return
    /// at once). Like a waiting `Notified`, one enabled and then dropped or cancelled passes
    /// a `notify_one` it was given on to the next waiter.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// oneloop::run(async {
    ///     let notify = oneloop::sync::Notify::new();
    ///     let mut notified = pin!(notify.notified());
    ///     assert!(!notified.as_mut().enable()); // queued, not yet notified
    ///     notify.notify_waiters(); // this `Notified` is counted in, though never polled
    ///     notified.await.unwrap();
    /// });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        let notify = this.notify;
        if this.enabled.is_some() {
            return true;
        }
        if let Some(key) = this.key {
            return notify.waiters.borrow().outcome(key) != Outcome::Waiting;
        }
        if notify.generation.get() != this.generation {
            this.enabled = Some(Outcome::Broadcast);
            return true;
        }
        if notify.permit.replace(false) {
            this.enabled = Some(Outcome::Granted);
            return true;
        }
        // No task to wake yet: the first poll puts its waker in the node.
        this.key = Some(notify.waiters.borrow_mut().push_back(&noop_waker(), 1));
        false
    }
}

/// A waker that does nothing, for a waiter queued by `enable` before it has a task.
fn noop_waker() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    std::task::Waker::from(std::sync::Arc::new(Noop))
}

impl Future for Notified<'_> {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let notify = this.notify;
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "notify")) {
            if let Some(key) = this.key.take() {
                notify.abandon(key);
            }
            if this.enabled.take() == Some(Outcome::Granted) {
                notify.notify_one(); // the permit `enable` took goes on
            }
            return Poll::Ready(Err(cancelled));
        }
        if this.enabled.take().is_some() {
            return Poll::Ready(Ok(()));
        }
        let Some(key) = this.key else {
            if notify.generation.get() != this.generation || notify.permit.replace(false) {
                return Poll::Ready(Ok(()));
            }
            this.key = Some(notify.waiters.borrow_mut().push_back(cx.waker(), 1));
            // Woken by `notify_one` (when our turn comes) or `notify_waiters`.
            return Poll::Pending;
        };
        let mut waiters = notify.waiters.borrow_mut();
        if waiters.outcome(key) == Outcome::Waiting {
            let replaced = waiters.update_waker(key, cx.waker());
            drop(waiters);
            drop(replaced); // outside the borrow
                            // Still queued: woken by `notify_one` or `notify_waiters`.
            return Poll::Pending;
        }
        waiters.remove(key);
        this.key = None;
        Poll::Ready(Ok(()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.notify.abandon(key);
        }
        if self.enabled.take() == Some(Outcome::Granted) {
            self.notify.notify_one(); // the permit `enable` took goes on
        }
    }
}
