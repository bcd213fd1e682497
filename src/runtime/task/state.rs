//! The states of one task, as the loop sees it.
//!
//! ```text
//!            spawn / wake                 pop from run queue
//!   Idle ────────────────▶ Scheduled ───────────────────────▶ Running
//!    ▲                                                          │  │
//!    │ poll returned Pending                     wake during    │  │ poll returned Ready,
//!    └──────────────────────────────────── (Notified) ◀─────────┘  │ panicked, was aborted,
//!                       Notified: back to Scheduled                │ or was cancelled
//!                                                                  ▼ before its first poll
//!                                                              Finished
//! ```
//!
//! A task is in the run queue exactly when it is `Scheduled`, which is what keeps it there
//! at most once however often it is woken: a wake of a `Scheduled` task does nothing.
//!
//! The public views use other words for the same states: `runtime::TaskState` says
//! `Waiting` for `Idle` and `Running` for `Notified`, and a `JoinHandle`'s `Debug` says
//! `Pending` (or `Cancelling`) for every state but `Finished`. The table is on
//! `runtime::TaskState` and in DESIGN.md's glossary.

/// Where one task stands in the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Waiting: not in the run queue; some waker (a timer, the reactor, a channel) will wake it.
    Idle,
    /// In the run queue, exactly once.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Woken while it was being polled: goes straight back to the run queue when the poll
    /// returns `Pending`, to run again in this same turn. (`yield_now` does not wake itself
    /// during its poll: it puts its waker on the deferred list, so the task runs again only
    /// in the next turn, behind timers and I/O.)
    Notified,
    /// Its output (or its `JoinError`) is stored; it will never be polled again.
    Finished,
}
