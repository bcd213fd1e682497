//! `Barrier`: `n` tasks wait until all `n` have arrived, then all go on together (tokio's
//! `Barrier`, asyncio's `Barrier` without `reset`/`abort`).
//!
//! A count of arrivals and a [`WaitList`] of the tasks waiting. The `n`-th arrival is the
//! *leader*: it does not wait; it resets the count for the next round and wakes the whole
//! list (`Broadcast`: everyone is released, there is no grant to pass on). A waiter that is
//! cancelled or dropped before the barrier trips *leaves*: its arrival no longer counts, so
//! the barrier still waits for `n` live tasks (asyncio's rule; tokio's keeps the arrival of
//! a dropped wait). One cancelled after the trip gets `Cancelled`; the round has gone on
//! without it either way.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::wait_list::{Outcome, WaitList};
use crate::task::cancel::poll_proceed;
use crate::task::Cancelled;

/// A barrier for `n` tasks (tokio's `Barrier`).
///
/// **Porting from tokio:** `wait().await` is a cancellation point and returns
/// `Result<BarrierWaitResult, Cancelled>`: add `?` or `.unwrap()`.
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::Barrier;
///
/// oneloop::run(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = Rc::clone(&barrier);
///             oneloop::spawn(async move { barrier.wait().await.unwrap().is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for task in tasks {
///         leaders += task.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1); // the last to arrive
/// });
/// ```
pub struct Barrier {
    /// How many tasks a round needs.
    n: usize,
    /// Tasks waiting in the current round.
    arrived: Cell<usize>,
    /// The waiting tasks, released together by the leader.
    waiters: RefCell<WaitList>,
}

impl Barrier {
    /// A barrier for `n` tasks; `n == 0` works like 1 (every `wait` leads at once), as in tokio.
    ///
    /// ```
    /// let barrier = oneloop::sync::Barrier::new(1);
    /// oneloop::run(async move { assert!(barrier.wait().await.unwrap().is_leader()) });
    /// ```
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            n: if n == 0 { 1 } else { n },
            arrived: Cell::new(0),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Waits until `n` tasks wait here. A cancellation point: `Err(Cancelled)` if the task
    /// is cancelled while it waits (its arrival is then withdrawn).
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// oneloop::run(async {
    ///     let barrier = Rc::new(oneloop::sync::Barrier::new(2));
    ///     let b = Rc::clone(&barrier);
    ///     let other = oneloop::spawn(async move { b.wait().await.unwrap().is_leader() });
    ///     let me = barrier.wait().await.unwrap().is_leader();
    ///     assert!(me ^ other.await.unwrap());
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
        }
    }

    /// Tasks waiting in the current round.
    ///
    /// ```
    /// assert_eq!(oneloop::sync::Barrier::new(2).waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.arrived.get()
    }

    /// A waiter leaves: withdraw its arrival if its round has not tripped.
    fn leave(&self, key: usize) {
        if self.waiters.borrow_mut().remove(key) == Outcome::Waiting {
            self.arrived.set(self.arrived.get() - 1);
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &self.arrived.get())
            .finish()
    }
}

/// What [`Barrier::wait`] gives: whether this task was the leader (the last to arrive).
///
/// ```
/// oneloop::run(async {
///     let barrier = oneloop::sync::Barrier::new(1);
///     let result: oneloop::sync::BarrierWaitResult = barrier.wait().await.unwrap();
///     assert!(result.is_leader());
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Was this the task whose arrival released the others? Exactly one per round.
    ///
    /// ```
    /// oneloop::run(async {
    ///     assert!(oneloop::sync::Barrier::new(1).wait().await.unwrap().is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

/// The future returned by [`Barrier::wait`].
///
/// ```
/// oneloop::run(async {
///     let barrier = oneloop::sync::Barrier::new(1);
///     let wait: oneloop::sync::BarrierWait<'_> = barrier.wait();
///     assert!(wait.await.unwrap().is_leader());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct BarrierWait<'a> {
    /// The barrier.
    barrier: &'a Barrier,
    /// Its ticket in the wait list once it has arrived (and is not the leader).
    key: Option<usize>,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let barrier = this.barrier;
        if let Err(cancelled) = std::task::ready!(poll_proceed(cx, "barrier")) {
            if let Some(key) = this.key.take() {
                barrier.leave(key);
            }
            return Poll::Ready(Err(cancelled));
        }
        let Some(key) = this.key else {
            let arrived = barrier.arrived.get() + 1;
            if arrived < barrier.n {
                barrier.arrived.set(arrived);
                this.key = Some(barrier.waiters.borrow_mut().push_back(cx.waker(), 1));
                // Woken by the leader of this round.
                return Poll::Pending;
            }
            // The leader: a new round starts now; release this one.
            barrier.arrived.set(0);
            loop {
                let waker = barrier.waiters.borrow_mut().pop_front(Outcome::Broadcast);
                match waker {
                    Some(waker) => waker.wake(), // with the borrow released
                    None => break,
                }
            }
            return Poll::Ready(Ok(BarrierWaitResult(true)));
        };
        let mut waiters = barrier.waiters.borrow_mut();
        if waiters.outcome(key) == Outcome::Waiting {
            let replaced = waiters.update_waker(key, cx.waker());
            drop(waiters);
            drop(replaced); // outside the borrow

            // Still waiting: woken by the leader of this round.
            return Poll::Pending;
        }
        waiters.remove(key);
        this.key = None;
        Poll::Ready(Ok(BarrierWaitResult(false)))
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.barrier.leave(key);
        }
    }
}
