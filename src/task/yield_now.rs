//! `yield_now`: let every other ready task, the timers and the reactor go first.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::cancel::{poll_cancelled, Cancelled};
use crate::runtime::context;

/// Gives the loop back for one turn: the task goes behind every other ready task *and*
/// behind the timers and I/O of the next turn. (The loop reads I/O readiness at least once
/// every 128 task polls, not in every turn: a task that spins on `yield_now` waiting for a
/// socket sees it ready within that bound.) A cancellation point: a pending cancel request
/// is delivered here as `Err(Cancelled)` (without yielding).
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// oneloop::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = Rc::clone(&log);
///     let other = oneloop::spawn(async move { l.borrow_mut().push("other") });
///     oneloop::task::yield_now().await.unwrap();
///     log.borrow_mut().push("after yield");
///     assert_eq!(*log.borrow(), ["other", "after yield"]);
/// #   other.await.unwrap();
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// oneloop::run(async {
///     let yielding: oneloop::task::YieldNow = oneloop::task::yield_now();
///     yielding.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = Result<(), Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Checked on every poll: a request that arrives while the task is suspended here is
        // delivered by this very `yield_now`, as asyncio and `sleep` do.
        poll_cancelled("yield")?;
        if self.yielded {
            return Poll::Ready(Ok(()));
        }
        self.yielded = true;
        let deferred =
            context::with_current(|core| core.deferred.borrow_mut().push(cx.waker().clone()));
        if deferred.is_none() {
            // Not on a oneloop loop: the best we can do is wake at once.
            cx.waker().wake_by_ref();
        }
        // Woken by the loop at the start of its next turn, after timers and I/O.
        Poll::Pending
    }
}
