//! The loop's running totals, bumped as it goes and read by `runtime::stats()` (`stats.rs`).

use std::cell::Cell;

/// Running totals kept by the loop (cheap `Cell`s; read with `runtime::stats()`).
#[derive(Default)]
pub(crate) struct Counters {
    /// Turns begun.
    pub(crate) turns: Cell<u64>,
    /// Task polls (the root future's included).
    pub(crate) polls: Cell<u64>,
    /// Tasks filed (the root future of each `block_on` included).
    pub(crate) spawned: Cell<u64>,
    /// Tasks finished; `spawned - finished` are alive.
    pub(crate) finished: Cell<u64>,
    /// Timers fired.
    pub(crate) timers_fired: Cell<u64>,
    /// I/O readiness events received.
    pub(crate) io_events: Cell<u64>,
    /// Polls of the reactor (turns that skipped it are not counted).
    pub(crate) io_polls: Cell<u64>,
    /// Wakes taken from the inject queue.
    pub(crate) remote_wakes: Cell<u64>,
}

/// Adds `by` to `counter`.
pub(crate) fn bump(counter: &Cell<u64>, by: u64) {
    counter.set(counter.get() + by);
}
