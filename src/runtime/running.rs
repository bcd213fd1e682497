//! The task being polled on this thread, and the few cells every cancellation point reads:
//! which task it is, how much of its budget is left, what it waits on, and whether a cancel
//! request may be pending.
//!
//! They live in a thread-local of their own rather than in `Core`, because they are the
//! hottest state of the loop: every oneloop future starts its poll with a cancellation
//! point (`task::cancel::poll_proceed`), so a busy task passes one several times per poll.
//! Reaching `Core` costs a lookup of the `CURRENT` thread-local (which holds an `Rc`, so the
//! thread-local has a destructor and each access checks its state) and a `RefCell` borrow;
//! these cells are plain `Cell`s of `Copy` values in a thread-local without a destructor,
//! one address computation away.
//!
//! They are "the running task of the loop that is current on this thread". Only one loop
//! runs on a thread at a time, but a loop can be made current inside another's task (a
//! `Runtime` dropped there runs its tasks' destructors with its own loop current), so
//! `context::enter` saves these cells and clears them, and its guard puts them back
//! ([`Saved`]).

use std::cell::Cell;

use super::task::key::TaskKey;

/// The running task's cells (see the module docs).
pub(crate) struct Running {
    /// The task being polled, for cancellation points and `task::cancelling()`: set by
    /// `run_task` for the length of one poll.
    pub(crate) task: Cell<Option<TaskKey>>,
    /// How many more cancellation points the task may pass before it must yield.
    pub(crate) budget: Cell<u32>,
    /// What the task's latest cancellation point waits on; `run_task` files it in the task's
    /// entry after the poll (for `runtime::tasks()`), so a cancellation point need not look
    /// the task up.
    pub(crate) waits_on: Cell<&'static str>,
    /// The task may have an undelivered cancel request: set from its entry when its poll
    /// begins, and by every request added during the poll (to any task: see
    /// [`request_added`]). Only when it is set does a cancellation point look at the task's
    /// entry; a request is never missed, since none can appear without setting it.
    pub(crate) maybe_cancelled: Cell<bool>,
}

thread_local! {
    /// The running task of the loop current on this thread.
    static RUNNING: Running = const {
        Running {
            task: Cell::new(None),
            budget: Cell::new(0),
            waits_on: Cell::new(""),
            maybe_cancelled: Cell::new(false),
        }
    };
}

/// Runs `f` with this thread's running-task cells.
#[inline]
pub(crate) fn running<R>(f: impl FnOnce(&Running) -> R) -> R {
    RUNNING.with(f)
}

/// The task being polled on this thread, if any.
#[inline]
pub(crate) fn current_task() -> Option<TaskKey> {
    running(|r| r.task.get())
}

/// A cancel request was added to some task's `undelivered` (or given back, or lent): the
/// task being polled, if it is that one, must look at its entry at its next cancellation
/// point. Every place that raises `undelivered` calls this.
pub(crate) fn request_added() {
    running(|r| r.maybe_cancelled.set(true));
}

/// The cells of a loop that another loop was made current over, put back when that ends.
pub(crate) struct Saved {
    task: Option<TaskKey>,
    budget: u32,
    waits_on: &'static str,
    maybe_cancelled: bool,
}

/// Saves the cells and clears them, for a loop made current on this thread.
pub(crate) fn save_and_clear() -> Saved {
    running(|r| Saved {
        task: r.task.replace(None),
        budget: r.budget.get(),
        waits_on: r.waits_on.replace(""),
        maybe_cancelled: r.maybe_cancelled.replace(false),
    })
}

/// Puts saved cells back. A request added meanwhile may have been for the saved task (its
/// `JoinHandle` can be used from inside the other loop's destructors): `maybe_cancelled`
/// stays set if it was set meanwhile.
pub(crate) fn restore(saved: Saved) {
    running(|r| {
        r.task.set(saved.task);
        r.budget.set(saved.budget);
        r.waits_on.set(saved.waits_on);
        r.maybe_cancelled
            .set(saved.maybe_cancelled || r.maybe_cancelled.get());
    });
}
