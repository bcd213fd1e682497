//! Cancellation points: where a `cancel()` request is delivered, and where a task that has
//! run too long without waiting is made to yield.
//!
//! Every oneloop future that can suspend (sleep, I/O, channel, lock, ...) starts its `poll`
//! with [`poll_proceed`]. That one function is the whole of asyncio's rule in this crate:
//!
//! 1. If the current task has an undelivered cancel request and is not inside `shield`,
//!    one request is consumed and the future returns `Err(Cancelled)`.
//! 2. Otherwise, if the task has passed `BUDGET` (128) cancellation points in this poll, the
//!    future returns `Pending` and the task is woken again after timers and I/O have had
//!    their turn (the cooperative budget, as in tokio).
//! 3. Otherwise the future goes on with its real work.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::context::{self, Core};
use crate::runtime::running::{self, running};
use crate::runtime::task::cell::CancelState;
use crate::runtime::task::key::TaskKey;

/// The error a cancellation point returns when the task was cancelled.
///
/// ```
/// use oneloop::{task, time, Cancelled};
/// use std::time::Duration;
///
/// oneloop::run(async {
///     let sleeper = task::spawn(async { time::sleep(Duration::from_secs(60)).await });
///     task::yield_now().await.unwrap(); // let it start sleeping
///     sleeper.cancel();
///     assert_eq!(sleeper.await.unwrap(), Err(Cancelled));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task was cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// A cancellation carried through I/O code: an `io::Error` of kind `Other` with the
/// `Cancelled` inside ([`is_cancelled`] tells it apart). Never `Interrupted`: by convention
/// that kind means "try again", and std's `read_exact` and `write_all` (and many
/// hand-written loops) retry on it, which would swallow the request.
impl From<Cancelled> for io::Error {
    fn from(_: Cancelled) -> io::Error {
        io::Error::other(Cancelled)
    }
}

/// Is this I/O error a delivered cancel request (rather than a real I/O failure)?
///
/// ```
/// let err: std::io::Error = oneloop::Cancelled.into();
/// assert!(oneloop::is_cancelled(&err));
/// assert_eq!(err.kind(), std::io::ErrorKind::Other); // not `Interrupted`: nobody retries it
/// assert!(!oneloop::is_cancelled(&std::io::Error::other("boom")));
/// ```
pub fn is_cancelled(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<Cancelled>())
}

/// The cancellation point: see the module docs. `waits_on` names what the caller is about to
/// wait for, for `runtime::tasks()`.
///
/// The common path (no request added to any task during this poll, none pending when it
/// began: `maybe_cancelled` clear, budget left) reads and writes a few cells of the running
/// task's thread-local (`runtime/running.rs`) and never touches the loop's `Core`.
#[inline]
pub(crate) fn poll_proceed(
    cx: &mut Context<'_>,
    waits_on: &'static str,
) -> Poll<Result<(), Cancelled>> {
    running(|r| {
        let Some(task) = r.task.get() else {
            return Poll::Ready(Ok(())); // polled outside any task: nothing to deliver
        };
        r.waits_on.set(waits_on);
        if r.maybe_cancelled.get() && take_cancel(task, waits_on) {
            return Poll::Ready(Err(Cancelled));
        }
        match r.budget.get() {
            0 => out_of_budget(cx),
            n => {
                r.budget.set(n - 1);
                Poll::Ready(Ok(()))
            }
        }
    })
}

/// The task has spent its budget: it yields, to be woken in the next turn.
#[cold]
#[inline(never)]
fn out_of_budget(cx: &mut Context<'_>) -> Poll<Result<(), Cancelled>> {
    let deferred = context::with_current(|core| {
        core.deferred.borrow_mut().push(cx.waker().clone());
    });
    match deferred {
        // Woken by the loop at the start of its next turn, after timers and I/O.
        Some(()) => Poll::Pending,
        None => Poll::Ready(Ok(())), // no loop current: nobody to yield to
    }
}

/// Step 1 of `poll_proceed` alone (no budget): consumes one undelivered request, if any.
pub(crate) fn poll_cancelled(waits_on: &'static str) -> Result<(), Cancelled> {
    let taken = running(|r| {
        let task = r.task.get()?;
        r.waits_on.set(waits_on);
        Some(r.maybe_cancelled.get() && take_cancel(task, waits_on))
    });
    match taken {
        Some(true) => Err(Cancelled),
        _ => Ok(()),
    }
}

/// A request delivered here, as `Err(Cancelled)`.
#[cold]
#[inline(never)]
fn take_cancel(task: TaskKey, waits_on: &'static str) -> bool {
    context::with_current(|core| {
        let Some(id) = take_request(core, task, waits_on) else {
            return false;
        };
        core.cancels_delivered.set(core.cancels_delivered.get() + 1);
        crate::runtime::trace::cancel_delivered(core, id, waits_on);
        true
    })
    .unwrap_or(false)
}

/// Consumes one undelivered request of the task `key` (the current task) unless it is
/// inside `shield`, and counts it in `requests_taken`; records what the task waits on
/// either way (in the running task's cells, which `run_task` files after the poll).
/// Returns the task's id if a request was taken.
fn take_request(core: &Core, key: TaskKey, waits_on: &'static str) -> Option<u64> {
    running(|r| r.waits_on.set(waits_on));
    let mut tasks = core.tasks.borrow_mut();
    let task = tasks.get_mut(key)?;
    let cancel = &mut task.cancel;
    if cancel.undelivered > 0 && cancel.shield == 0 {
        cancel.undelivered -= 1;
        core.requests_taken.set(core.requests_taken.get() + 1);
        return Some(task.id.0);
    }
    None
}

/// Takes one undelivered request of the current task (unless it is shielded) to hand it on:
/// `JoinHandle` passes it to the task it awaits, `gather` and `as_completed` to each of
/// their children. Counted as delivered by whoever finally takes it, not here.
pub(crate) fn take_request_to_pass_on(waits_on: &'static str) -> bool {
    let Some(task) = current_task() else {
        return false;
    };
    context::with_current(|core| take_request(core, task, waits_on).is_some()).unwrap_or(false)
}

/// Which task is being polled now: a composite future that took a request remembers it,
/// to give the request back only to that task.
pub(crate) fn current_task() -> Option<TaskKey> {
    running::current_task()
}

/// Gives a request taken with [`take_request_to_pass_on`] back to `owner`, if `owner` is
/// the task being polled now, to be delivered at its next cancellation point. Returns
/// whether it was given back (a future dropped by another task, or by the loop's shutdown,
/// has nobody to give it to: its task is gone).
pub(crate) fn give_back_request(owner: TaskKey) -> bool {
    current_task() == Some(owner) && with_cancel_state(add_undelivered).is_some()
}

/// How a future that waits on several children (`gather`, `as_completed`, `JoinSet`,
/// `join!`) passes the cancel requests of its task on to **every** child, as asyncio
/// cancels every child of a cancelled `gather`.
///
/// 1. [`take`](PassOn::take) takes the task's undelivered requests; the caller adds their
///    number to what each unfinished child *owes*, and polls every child that owes one.
/// 2. Around the poll of a child that owes, [`lend`](PassOn::lend) gives the task one
///    request for that poll alone and [`settle`](PassOn::settle) tells whether the child
///    took it (it saw `Cancelled`, or passed it on further). If not (the child finished, or
///    waits inside a `shield`), the request is withdrawn and the child still owes it.
/// 3. A request that no child took by the time the future finishes or is dropped is given
///    back to the task, so its next await delivers it: nothing is lost.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct __PassOn {
    /// Requests taken from the task that no child has taken yet.
    untaken: u32,
    /// The task they came from.
    owner: Option<TaskKey>,
}

impl __PassOn {
    /// Nothing taken yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes every undelivered request of the current task (none inside a `shield`) and
    /// returns how many: each unfinished child now owes that many more.
    pub fn take(&mut self, waits_on: &'static str) -> u32 {
        let mut taken = 0;
        while take_request_to_pass_on(waits_on) {
            taken += 1;
        }
        if taken > 0 {
            self.owner = current_task();
            self.untaken += taken;
        }
        taken
    }

    /// Before polling a child that owes `owed` requests: lends it one.
    pub fn lend(&self, owed: u32) -> Option<__Lent> {
        if owed == 0 {
            return None;
        }
        context::with_current(|core| {
            let before = core.requests_taken.get();
            with_cancel_state(add_undelivered)?;
            Some(__Lent { before })
        })
        .flatten()
    }

    /// After that poll: did the child take the lent request? (`true`: it owes one less.)
    pub fn settle(&mut self, lent: Option<__Lent>) -> bool {
        let Some(lent) = lent else {
            return false;
        };
        let taken = context::with_current(|core| {
            if core.requests_taken.get() != lent.before {
                return true;
            }
            with_cancel_state(|c| c.undelivered = c.undelivered.saturating_sub(1));
            false
        })
        .unwrap_or(false);
        if taken {
            self.untaken = self.untaken.saturating_sub(1);
        }
        taken
    }

    /// Gives the requests no child took back to their task (also done on drop).
    pub fn give_back(&mut self) {
        if let Some(owner) = self.owner {
            for _ in 0..std::mem::take(&mut self.untaken) {
                give_back_request(owner);
            }
        }
    }
}

impl Drop for __PassOn {
    fn drop(&mut self) {
        self.give_back();
    }
}

/// A request lent to one child for one poll (see [`__PassOn::lend`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct __Lent {
    /// The loop's count of requests taken before the child's poll.
    before: u64,
}

/// For `select!`: how many cancel requests this loop has delivered so far.
#[doc(hidden)]
pub fn __cancels_delivered() -> u64 {
    context::with_current(|core| core.cancels_delivered.get()).unwrap_or(0)
}

/// For `select!`: a branch whose pattern refused the output that carried a cancellation
/// (`Ok(v) = rx.recv()` getting `Err(Cancelled)`) would swallow the request; this puts it
/// back, to be delivered at the task's next cancellation point (the next branch, or the
/// next await after the `select!`).
#[doc(hidden)]
pub fn __redeliver_cancel() {
    with_cancel_state(add_undelivered);
}

/// One more undelivered request for the current task (its cancel state is `c`), which its
/// next cancellation point must see (`running::request_added`).
fn add_undelivered(c: &mut CancelState) {
    c.undelivered = c.undelivered.saturating_add(1);
}

/// Applies `f` to the current task's cancel state; `None` outside a task. Whatever `f`
/// does, the task's next cancellation point looks at its entry (`running::request_added`):
/// `f` may have added a request.
fn with_cancel_state<R>(f: impl FnOnce(&mut CancelState) -> R) -> Option<R> {
    let key = current_task()?;
    context::with_current(|core| {
        let mut tasks = core.tasks.borrow_mut();
        let result = tasks.get_mut(key).map(|task| f(&mut task.cancel));
        drop(tasks);
        running::request_added();
        result
    })
    .flatten()
}

/// How many cancel requests the current task has that were not taken back with
/// [`uncancel`] (asyncio's `Task.cancelling()`); 0 outside a task.
///
/// ```
/// use oneloop::{task, time};
/// use std::time::Duration;
///
/// oneloop::run(async {
///     let handle = task::spawn(async {
///         let first = time::sleep(Duration::from_secs(60)).await; // the request arrives here
///         (first.is_err(), task::cancelling())
///     });
///     task::yield_now().await.unwrap(); // let it start: cancelled before its first poll, it would never run
///     handle.cancel();
///     assert_eq!(handle.await.unwrap(), (true, 1));
/// });
/// ```
pub fn cancelling() -> usize {
    with_cancel_state(|c| c.requested as usize).unwrap_or(0)
}

/// Takes back one cancel request of the current task (asyncio's `Task.uncancel()`) and
/// returns how many remain. A request not yet delivered is withdrawn too when no request
/// remains, so a task that handled its cancellation can go on awaiting undisturbed.
///
/// ```
/// use oneloop::{task, time};
/// use std::time::Duration;
///
/// oneloop::run(async {
///     let handle = task::spawn(async {
///         if time::sleep(Duration::from_secs(60)).await.is_err() {
///             assert_eq!(task::uncancel(), 0);
///         }
///         // No request is pending any more: this sleep runs to its end.
///         time::sleep(Duration::from_millis(1)).await.is_ok()
///     });
///     task::yield_now().await.unwrap();
///     handle.cancel();
///     assert!(handle.await.unwrap());
/// });
/// ```
pub fn uncancel() -> usize {
    with_cancel_state(|c| {
        c.requested = c.requested.saturating_sub(1);
        c.undelivered = c.undelivered.min(c.requested);
        c.requested as usize
    })
    .unwrap_or(0)
}

/// Runs `future` with cancellation held back: a request that arrives meanwhile is not
/// delivered inside it; it stays pending and is delivered at the first cancellation point
/// after `future` completes (asyncio's `shield`, applied to the current task).
///
/// ```
/// use oneloop::{task, time};
/// use std::time::Duration;
///
/// oneloop::run(async {
///     let handle = task::spawn(async {
///         // The cancel arrives during this sleep but is not delivered in it...
///         let inner = task::shield(time::sleep(Duration::from_millis(20))).await;
///         // ...it is delivered here.
///         let after = task::yield_now().await;
///         (inner.is_ok(), after.is_err())
///     });
///     task::yield_now().await.unwrap(); // the task starts, and waits inside the shield
///     handle.cancel();
///     assert_eq!(handle.await.unwrap(), (true, true));
/// });
/// ```
pub fn shield<F: Future>(future: F) -> Shield<F> {
    Shield { future }
}

/// The future returned by [`shield`].
///
/// ```
/// oneloop::run(async {
///     let shielded: oneloop::task::Shield<_> = oneloop::task::shield(async { 3 });
///     assert_eq!(shielded.await, 3);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Shield<F> {
    future: F,
}

impl<F: Future> Future for Shield<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Raise the shield for the duration of this poll only; the guard lowers it even if
        // the inner future panics.
        struct Lower;
        impl Drop for Lower {
            fn drop(&mut self) {
                with_cancel_state(|c| c.shield = c.shield.saturating_sub(1));
            }
        }
        let raised = with_cancel_state(|c| c.shield += 1).is_some();
        let _lower = raised.then_some(Lower);
        project(self).poll(cx)
    }
}

#[allow(unsafe_code)]
fn project<F>(shield: Pin<&mut Shield<F>>) -> Pin<&mut F> {
    // SAFETY: `future` is structurally pinned: `Shield` never moves it out, has no `Drop`
    // impl of its own, and is not `Unpin` unless `F` is.
    unsafe { shield.map_unchecked_mut(|s| &mut s.future) }
}
