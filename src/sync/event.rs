//! `Event`: asyncio's `Event`, a flag that tasks wait to see set.
//!
//! `set` wakes every waiter at once (each marked `Broadcast` in the wait list), so a waiter
//! woken by `set` returns `Ok` even if `clear` ran before it got to run, as in asyncio.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::wait_list::{Outcome, WaitList};
use crate::task::cancel::poll_proceed;
use crate::task::Cancelled;

/// A flag tasks can wait on (asyncio's `Event`): [`wait`](Event::wait) returns once it is set.
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::Event;
///
/// oneloop::run(async {
///     let ready = Rc::new(Event::new());
///     let r = Rc::clone(&ready);
///     let waiter = oneloop::spawn(async move { r.wait().await.unwrap(); "went" });
///     oneloop::task::yield_now().await.unwrap();
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "went");
/// });
/// ```
#[derive(Default)]
pub struct Event {
    /// The flag.
    set: Cell<bool>,
    /// Tasks waiting for the flag, in arrival order.
    waiters: RefCell<WaitList>,
}

impl Event {
    /// A new event, not set.
    ///
    /// ```
    /// assert!(!oneloop::sync::Event::new().is_set());
    /// ```
    pub const fn new() -> Event {
        Event {
            set: Cell::new(false),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// ```
    /// let e = oneloop::sync::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        self.set.set(true);
        loop {
            let waker = self.waiters.borrow_mut().pop_front(Outcome::Broadcast);
            match waker {
                Some(waker) => waker.wake(), // with the borrow released
                None => break,
            }
        }
    }

    /// Clears the flag: later waits wait again.
    ///
    /// ```
    /// let e = oneloop::sync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.set.set(false);
    }

    /// Is the flag set?
    ///
    /// ```
    /// assert!(!oneloop::sync::Event::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Waits until the flag is set (at once if it is). A cancellation point.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let e = oneloop::sync::Event::new();
    ///     e.set();
    ///     e.wait().await.unwrap();
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            key: None,
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.set.get())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Event::wait`].
///
/// ```
/// oneloop::run(async {
///     let event = oneloop::sync::Event::new();
///     event.set();
///     let wait: oneloop::sync::EventWait<'_> = event.wait();
///     wait.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct EventWait<'a> {
    /// The event it waits on.
    event: &'a Event,
    /// Its ticket in the event's wait list, once queued.
    key: Option<usize>,
}

impl Future for EventWait<'_> {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let event = this.event;
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "event")) {
            if let Some(key) = this.key.take() {
                event.waiters.borrow_mut().remove(key); // a broadcast: nothing to pass on
            }
            return Poll::Ready(Err(cancelled));
        }
        let mut waiters = event.waiters.borrow_mut();
        match this.key {
            None if event.set.get() => Poll::Ready(Ok(())),
            None => {
                this.key = Some(waiters.push_back(cx.waker(), 1));
                // Woken by `Event::set`.
                Poll::Pending
            }
            Some(key) if waiters.outcome(key) == Outcome::Waiting => {
                let replaced = waiters.update_waker(key, cx.waker());
                drop(waiters);
                drop(replaced); // outside the borrow
                                // Still waiting: woken by `Event::set`.
                Poll::Pending
            }
            Some(key) => {
                waiters.remove(key);
                this.key = None;
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.event.waiters.borrow_mut().remove(key);
        }
    }
}
