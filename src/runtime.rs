//! The One Loop itself: one turn of the loop, and how one task is run.
//!
//! The entry points (`run`, `Runtime`, `block_on`) are in `runtime/entry.rs`, `Handle` in
//! `runtime/handle.rs`; the loop's state is in `runtime/context.rs`, and what a task is to
//! the loop (its cell, slab entry, key, state and waker) in `runtime/task/`. Below this file
//! are only the reactor and the timer wheel; the public layer (`task`, `time`, `net`, ...)
//! is above it, and nothing here uses it (DESIGN.md, "Layers"). One turn, in order
//! (DESIGN.md draws it):
//!
//! 1. **Decide how long to wait**: zero if a task is ready, else until the earliest timer
//!    deadline (exactly: the reactor's timerfd, not epoll's milliseconds), else forever.
//! 2. **Wait for I/O** in the reactor; events wake the tasks waiting on their sources. A
//!    turn that would wait zero skips this unless 128 task polls have passed since the
//!    reactor was last polled.
//! 3. **Take cross-thread wakes** from the inject queue.
//! 4. **Fire due timers**.
//! 5. **Wake deferred tasks** (`yield_now`, spent budgets): they go behind all of the above.
//! 6. **Run ready tasks**, first in first out, at most `MAX_TASKS_PER_TURN` (128).
//!
//! In debug builds a turn ends by checking the loop's invariants (`runtime/invariants.rs`).

mod callback;
pub(crate) mod context;
mod counters;
mod entry;
mod handle;
#[cfg(debug_assertions)]
mod invariants;
mod run_queue;
pub(crate) mod running;
mod stats;
pub(crate) mod task;
pub(crate) mod trace;

use std::any::Any;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

pub use callback::{call_at, call_later, call_soon, CallbackHandle};
pub use entry::{block_on, run, Builder, Runtime};
pub use handle::{Handle, TryCurrentError};
pub use stats::{stats, tasks, Stats, TaskInfo, TaskState};

use context::Core;
use counters::bump;
use task::cell::{BoxedTask, Task};
use task::key::TaskKey;
use task::state::State;
use task::waker::TaskRef;
use task::{Id, JoinError};
use trace::Phase;

/// Tasks run in one turn before the loop looks at timers and I/O again. Ready tasks can keep
/// each other busy for ever (a ping-pong over a channel never lets the run queue empty); the
/// cap bounds how long a timer or a socket waits for its turn, while 128 tasks between two
/// `epoll_wait(0)` calls keep the system call's cost per task small. tokio uses 61. It is
/// also the most task polls between two looks at I/O: a turn that will not block polls the
/// reactor only once this many polls have passed since the last time, so tasks that yield
/// to each other (a few per turn) do not pay a system call per turn.
pub(crate) const MAX_TASKS_PER_TURN: usize = 128;

/// How many cancellation points one task may pass in one poll before it must yield
/// (`task::cancel::poll_proceed` spends it; `run_task` refills it). A task reading from a
/// socket that always has data never sees `Pending` from the kernel; without a budget it
/// would hold the loop forever. 128 is tokio's figure: large enough that the cost of going
/// round the loop is amortised, small enough that others wait microseconds.
pub(crate) const BUDGET: u32 = 128;

/// What the loop needs of the root future of `block_on` (`entry.rs`'s `Root`) without
/// knowing its type: it lives on the caller's stack, not in a task cell.
pub(crate) trait PollRoot {
    /// Polls the root future once; `Ready` once its output is stored.
    fn poll_root(&mut self, cx: &mut Context<'_>) -> Poll<()>;
    /// Has the root future's output been stored?
    fn is_done(&self) -> bool;
}

/// Tasks alive in the loop (spawned and not yet finished).
pub(crate) fn live_tasks(core: &Core) -> u64 {
    core.counters.spawned.get() - core.counters.finished.get()
}

pub(crate) type Panic = Box<dyn Any + Send>;

/// One turn of the loop. Returns the root future's panic, if it panicked.
pub(crate) fn turn(
    core: &Core,
    mut root: Option<(u32, &mut dyn PollRoot)>,
    max_wait: Option<Duration>,
) -> io::Result<Option<Panic>> {
    // The clock as read after the last wait (`Core::clock`): one reading per turn, not two.
    // The trace line alone wants the turn's true start.
    let started = core.clock.get();
    let traced_start = core.trace.then(Instant::now);
    bump(&core.counters.turns, 1); // counted as it begins: `stats()` inside turn 1 says 1
    trace::phase(core, Some(Phase::Wait));
    // 1. How long may we wait?
    let limit = max_wait.and_then(|m| started.checked_add(m));
    let deadline = match (wait_deadline(core, started), limit) {
        (Some(deadline), Some(limit)) => Some(deadline.min(limit)),
        (deadline, limit) => deadline.or(limit),
    };
    // 2. Wait for I/O readiness (or a cross-thread wake, or the deadline). A turn that will
    // not block looks at I/O only if `MAX_TASKS_PER_TURN` polls have passed since the last
    // look: tasks that yield to each other would otherwise pay a system call per turn.
    let mut wakers = std::mem::take(&mut *core.scratch.borrow_mut());
    let io_due = deadline != Some(started) || core.ran_since_io.get() >= MAX_TASKS_PER_TURN;
    let events = if io_due {
        core.ran_since_io.set(0);
        bump(&core.counters.io_polls, 1);
        core.reactor.poll(deadline, &mut wakers)?
    } else {
        0
    };
    bump(&core.counters.io_events, events as u64);
    trace::phase(core, Some(Phase::Io));
    wake_all(&mut wakers);
    // 3. Wakes from other threads.
    trace::phase(core, Some(Phase::Remote));
    let remote = core.remote.drain();
    bump(&core.counters.remote_wakes, remote.len() as u64);
    for TaskRef { key, .. } in remote {
        core.schedule(key);
    }
    // 4. Fire due timers (every timer whose tick has fully passed), cascading on the way.
    trace::phase(core, Some(Phase::Timers));
    // Read after the wait, so no timer fires before its deadline.
    let now = Instant::now();
    core.clock.set(now);
    let now_tick = core.timers.tick_passed_at(now);
    let fired = core
        .timers
        .wheel
        .borrow_mut()
        .advance(now_tick, &mut wakers);
    bump(&core.counters.timers_fired, fired as u64);
    trace::timers_fired(core, fired);
    wake_all(&mut wakers);
    // 5. Deferred wakes (`yield_now`, spent budgets) go behind timers and I/O.
    trace::phase(core, Some(Phase::Deferred));
    std::mem::swap(&mut wakers, &mut *core.deferred.borrow_mut());
    wake_all(&mut wakers);
    *core.scratch.borrow_mut() = wakers;
    // 6. Run ready tasks.
    trace::phase(core, Some(Phase::Run));
    let mut ran = 0;
    let mut root_panic = None;
    while ran < MAX_TASKS_PER_TURN {
        let Some(slot) = core.run_queue.borrow_mut().pop_front() else {
            break;
        };
        ran += 1;
        let root_poll: Option<&mut dyn PollRoot> = match &mut root {
            Some((root_slot, root)) if *root_slot == slot => Some(&mut **root),
            _ => None,
        };
        let polled_root = root_poll.is_some();
        if let Some(panic) = run_task(core, slot, root_poll) {
            root_panic = Some(panic);
            break;
        }
        // `block_on` returns as soon as its future is done: like tokio's, and like
        // asyncio.run, tasks still queued run only if the loop is driven again.
        if polled_root && root.as_ref().is_some_and(|(_, r)| r.is_done()) {
            break;
        }
    }
    core.ran_since_io.set(core.ran_since_io.get() + ran);
    trace::phase(core, None);
    // Between two turns the bookkeeping must add up (run queue, counters, timer wheel).
    #[cfg(debug_assertions)]
    invariants::check(core);
    if let Some(traced_start) = traced_start {
        eprintln!(
            "[oneloop] turn {}: waited {:.1?} (timeout {}), {}, {fired} timers fired, ran {ran} tasks, {} alive",
            core.counters.turns.get(),
            traced_start.elapsed(),
            deadline.map_or("none".into(), |d| format!(
                "{:?}",
                d.saturating_duration_since(traced_start)
            )),
            if io_due {
                format!("{events} I/O events")
            } else {
                "I/O not polled".into()
            },
            live_tasks(core),
        );
    }
    Ok(root_panic)
}

/// Step 1: `now` (do not block) if anything is ready; else the earliest deadline; else
/// `None` (forever).
///
/// The wait ends exactly at the earliest *deadline*, not at the wheel's next event, which may
/// be a cascade (a timer moving down a level) where nothing fires: phase 4's `advance`
/// performs such cascades on its way, so one due timer costs one wake-up. No rounding here:
/// the reactor waits for the instant itself, with nanosecond precision (DESIGN.md, "Waiting
/// for a timer").
fn wait_deadline(core: &Core, now: Instant) -> Option<Instant> {
    if !core.run_queue.borrow().is_empty() || !core.deferred.borrow().is_empty() {
        return Some(now);
    }
    let tick = core.timers.wheel.borrow_mut().next_deadline()?;
    core.timers.instant_of_tick(tick)
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
}

/// Runs each task queued right now once, and none that gets queued meanwhile: the rest of a
/// turn that `block_on` left when its root finished (`run`'s epilogue uses it).
pub(crate) fn run_queued_once(core: &Core) {
    let queued = core.run_queue.borrow().len();
    for _ in 0..queued {
        let Some(slot) = core.run_queue.borrow_mut().pop_front() else {
            break;
        };
        run_task(core, slot, None);
    }
}

/// Step 6 for one task: poll it once (or finish it without polling, if it was aborted or
/// cancelled before it ever ran), then file it by the result. Returns the root's panic.
fn run_task(core: &Core, slot: u32, root: Option<&mut dyn PollRoot>) -> Option<Panic> {
    let (mut cell, generation, id, stop, maybe_cancelled) = {
        let mut tasks = core.tasks.borrow_mut();
        let task = &mut tasks[slot as usize];
        let stop = task.aborted || (!task.started && task.cancel.undelivered > 0);
        task.state = State::Running;
        task.started = true;
        task.polls += 1;
        (
            task.cell.take(),
            task.generation,
            task.id,
            stop,
            task.cancel.undelivered > 0,
        )
    };
    if stop {
        if let Some(cell) = &mut cell {
            finish(cell, id, JoinError::cancelled(id)); // drops the future, outside the borrow
        }
        complete(core, slot, cell);
        return None;
    }
    bump(&core.counters.polls, 1);
    let key = TaskKey { slot, generation };
    running::running(|r| {
        r.task.set(Some(key));
        r.budget.set(BUDGET);
        r.waits_on.set(""); // this poll's cancellation points will say what it waits on now
                            // Cancellation points look at the entry only if a request may be pending.
        r.maybe_cancelled.set(maybe_cancelled);
    });
    let waker = core.task_ref(key).waker();
    let mut cx = Context::from_waker(&waker);
    trace::poll_begins(core, slot, id.0);
    let result = panic::catch_unwind(AssertUnwindSafe(|| match (&mut cell, root) {
        (Some(cell), _) => cell.as_mut().poll(&mut cx),
        (None, Some(root)) => root.poll_root(&mut cx),
        (None, None) => Poll::Ready(()), // a root left over from a finished block_on
    }));
    let waits_on = running::running(|r| {
        r.task.set(None);
        r.waits_on.get()
    });
    trace::poll_ends(core);
    match result {
        Ok(Poll::Pending) => {
            let mut tasks = core.tasks.borrow_mut();
            let task = &mut tasks[slot as usize];
            task.cell = cell;
            task.waits_on = waits_on;
            // Woken during its poll, or aborted by itself: back on the queue (an aborted
            // task is then finished without being polled).
            if task.aborted || task.state == State::Notified {
                task.state = State::Scheduled;
                core.run_queue.borrow_mut().push_back(slot);
            } else {
                task.state = State::Idle;
            }
            None
        }
        Ok(Poll::Ready(())) => {
            complete(core, slot, cell);
            None
        }
        Err(panic) => match cell {
            Some(mut cell) => {
                finish(&mut cell, id, JoinError::panic(id, panic));
                complete(core, slot, Some(cell));
                None
            }
            None => {
                complete(core, slot, None);
                Some(panic)
            }
        },
    }
}

/// Drops the task's future and stores `err` as its result. The future's destructors run
/// here, and a panic in one of them becomes the task's result (a `JoinError` with
/// `is_panic()`) instead of unwinding through the loop.
fn finish(cell: &mut BoxedTask, id: Id, err: JoinError) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| cell.as_mut().finish(err))) {
        // The future's destructor panicked. The assignment that panicked still stored its
        // new stage (Rust writes the new value on the unwind path too); the future is gone.
        // Its panic becomes the result; storing it drops the earlier result, whose payload
        // may panic in its destructor as well: that second panic is caught and dropped.
        let store = AssertUnwindSafe(|| cell.as_mut().finish(JoinError::panic(id, payload)));
        if let Err(again) = panic::catch_unwind(store) {
            drop_payload(again);
        }
    }
}

/// Drops a panic payload; if its destructor panics, that panic's payload is leaked rather
/// than dropped (its destructor could panic again, and there is nobody left to tell).
fn drop_payload(payload: Panic) {
    if let Err(inner) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(inner);
    }
}

/// Files a finished task: its handle's owner is woken, or, with no handle, it is removed.
fn complete(core: &Core, slot: u32, cell: Option<BoxedTask>) {
    bump(&core.counters.finished, 1);
    let mut tasks = core.tasks.borrow_mut();
    let task = &mut tasks[slot as usize];
    task.state = State::Finished;
    if task.has_handle || task.cell.is_none() && cell.is_none() {
        task.cell = cell;
        let join_waker = task.join_waker.take();
        drop(tasks);
        if let Some(waker) = join_waker {
            waker.wake();
        }
        return;
    }
    let orphan = tasks.remove(slot as usize);
    drop(tasks);
    drop_detached(orphan, cell);
}

/// Drops a detached task's entry and output, outside the slab's borrow. A panic in the
/// output's destructor has nobody to report to (tokio ignores it too) and must not unwind
/// through the loop.
#[cold]
#[inline(never)]
fn drop_detached(entry: Task, cell: Option<BoxedTask>) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop((entry, cell)))) {
        drop_payload(payload);
    }
}
