//! Cancellation points: where a `cancel()` request is delivered, and where a task that has
//! run too long without waiting is made to yield.
//!
//! Every oneloop future that can suspend (sleep, I/O, channel, lock, ...) starts its `poll`
//! with [`poll_proceed`]. That one function is the whole of asyncio's rule in this crate:
//!
//! 1. If the current task has an undelivered cancel request and is not inside `shield`,
//!    one request is consumed and the future returns `Err(Cancelled)`.
//! 2. Otherwise, if the task has passed [`BUDGET`] cancellation points in this poll, the
//!    future returns `Pending` and the task is woken again after timers and I/O have had
//!    their turn (the cooperative budget, as in tokio).
//! 3. Otherwise the future goes on with its real work.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::context::{self, Core};

/// How many cancellation points one task may pass in one poll before it must yield. A task
/// reading from a socket that always has data never sees `Pending` from the kernel; without
/// a budget it would hold the loop forever. 128 is tokio's figure: large enough that the
/// cost of going round the loop is amortised, small enough that others wait microseconds.
pub(crate) const BUDGET: u32 = 128;

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

impl From<Cancelled> for io::Error {
    fn from(_: Cancelled) -> io::Error {
        io::Error::new(io::ErrorKind::Interrupted, Cancelled)
    }
}

/// Is this I/O error a delivered cancel request (rather than a real I/O failure)?
///
/// ```
/// let err: std::io::Error = oneloop::Cancelled.into();
/// assert!(oneloop::is_cancelled(&err));
/// assert!(!oneloop::is_cancelled(&std::io::Error::other("boom")));
/// ```
pub fn is_cancelled(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<Cancelled>())
}

/// The cancellation point: see the module docs. `waits_on` names what the caller is about to
/// wait for, for `runtime::tasks()`.
pub(crate) fn poll_proceed(
    cx: &mut Context<'_>,
    waits_on: &'static str,
) -> Poll<Result<(), Cancelled>> {
    context::with_current(|core| {
        let Some(slot) = core.current.get() else {
            return Poll::Ready(Ok(())); // polled outside any task: nothing to deliver
        };
        if take_cancel(core, slot, waits_on) {
            return Poll::Ready(Err(Cancelled));
        }
        match core.budget.get() {
            0 => {
                core.deferred.borrow_mut().push(cx.waker().clone());
                // Woken by the loop at the start of its next turn, after timers and I/O.
                Poll::Pending
            }
            n => {
                core.budget.set(n - 1);
                Poll::Ready(Ok(()))
            }
        }
    })
    .unwrap_or(Poll::Ready(Ok(())))
}

/// Step 1 of `poll_proceed` alone (no budget): consumes one undelivered request, if any.
pub(crate) fn poll_cancelled(waits_on: &'static str) -> Result<(), Cancelled> {
    let taken = context::with_current(|core| {
        core.current
            .get()
            .is_some_and(|slot| take_cancel(core, slot, waits_on))
    });
    match taken {
        Some(true) => Err(Cancelled),
        _ => Ok(()),
    }
}

fn take_cancel(core: &Core, slot: u32, waits_on: &'static str) -> bool {
    let mut tasks = core.tasks.borrow_mut();
    let Some(task) = tasks.get_mut(slot as usize) else {
        return false;
    };
    task.waits_on = waits_on;
    let cancel = &mut task.cancel;
    if cancel.undelivered > 0 && cancel.shield == 0 {
        cancel.undelivered -= 1;
        core.cancels_delivered.set(core.cancels_delivered.get() + 1);
        return true;
    }
    false
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
    with_cancel_state(|c| c.undelivered = c.undelivered.saturating_add(1));
}

/// Applies `f` to the current task's cancel state; `None` outside a task.
fn with_cancel_state<R>(f: impl FnOnce(&mut super::cell::CancelState) -> R) -> Option<R> {
    context::with_current(|core| {
        let slot = core.current.get()?;
        let mut tasks = core.tasks.borrow_mut();
        tasks.get_mut(slot as usize).map(|task| f(&mut task.cancel))
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
