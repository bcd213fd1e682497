//! The loop's invariants, checked at the end of every turn in debug builds.
//!
//! `turn` (`src/runtime.rs`) calls [`check`] last. It walks whole structures (in a big loop
//! only every few turns: see `WALK_PER_TURN`), so it is compiled only with
//! `debug_assertions`: the test suite runs with them on (a bug in the
//! bookkeeping fails the first test that reaches it, at the turn that broke it, instead of
//! showing up later as a lost wake-up), and release builds pay nothing.
//!
//! What must hold between two turns, when no task is being polled:
//!
//! * **The run queue**: a task is on the run queue iff its state is `Scheduled`, and then
//!   exactly once (DESIGN.md, "Task states"). Nothing is `Running` or `Notified`.
//! * **The live-task counter**: `spawned - finished` (what `runtime::stats()` reports as
//!   `live_tasks`) equals the number of slab entries that are not `Finished`.
//! * **The timer wheel**: each level's occupancy bitmap has bit `i` set iff slot `i`'s list
//!   is non-empty, and the lists hold every entry exactly once
//!   (`Wheel::check_invariants`, `src/time/wheel.rs`).

use super::context::Core;
use super::task::state::State;

/// Entries (tasks and timers) walked per turn, on average: with more, the check runs every
/// few turns instead of every turn, so a test with 100,000 live tasks stays linear instead
/// of quadratic (a walk of the whole slab at each of its thousand turns).
const WALK_PER_TURN: usize = 1024;

/// Checks every invariant above (every turn, or every few turns when the loop holds more
/// than `WALK_PER_TURN` entries); panics, saying what broke, if one does not hold.
pub(crate) fn check(core: &Core) {
    // Live tasks stand for the slab's size (finished tasks not yet joined are few).
    let entries = super::live_tasks(core) as usize + core.timers.wheel.borrow().len();
    let stride = (entries / WALK_PER_TURN).max(1) as u64;
    if core.counters.turns.get() % stride != 0 {
        return;
    }
    let tasks = core.tasks.borrow();
    let queue = core.run_queue.borrow();
    let mut queued = std::collections::HashSet::with_capacity(queue.len());
    for &slot in queue.iter() {
        let first_time = queued.insert(slot as usize);
        debug_assert!(first_time, "slot {slot} is on the run queue twice");
    }
    let mut unfinished = 0;
    let mut scheduled = 0;
    for (slot, task) in tasks.iter() {
        debug_assert!(
            !matches!(task.state, State::Running | State::Notified),
            "task in slot {slot} is {:?} between turns",
            task.state
        );
        debug_assert_eq!(
            task.state == State::Scheduled,
            queued.contains(&slot),
            "task in slot {slot} is {:?} but {} the run queue",
            task.state,
            if queued.contains(&slot) {
                "on"
            } else {
                "not on"
            }
        );
        unfinished += u64::from(task.state != State::Finished);
        scheduled += usize::from(task.state == State::Scheduled);
    }
    // Every `Scheduled` task is queued (checked above), once: so the queue holds nothing
    // else (a free slot, a task in another state) iff it is as long as they are many.
    debug_assert_eq!(
        queued.len(),
        scheduled,
        "the run queue holds a slot that is free or not `Scheduled`"
    );
    debug_assert_eq!(
        super::live_tasks(core),
        unfinished,
        "the live-task counter disagrees with the task slab"
    );
    core.timers.wheel.borrow().check_invariants();
}
