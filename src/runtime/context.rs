//! The loop's state (`Core`) and the thread-local that says which loop is running here.
//!
//! Every field sits in its own `RefCell` or `Cell`, and no borrow is ever held while a task
//! is polled, a future is dropped or a waker is woken: those can re-enter the loop (a task
//! spawns, a drop cancels a timer, a wake pushes onto the run queue). The rule, as in
//! async-io's reactor: collect what to do, release the borrow, then do it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use super::run_queue::RunQueue;
use crate::reactor::Reactor;
use crate::runtime::stats::Counters;
use crate::runtime::trace::{self, Recorder};
use crate::task::slab::TaskSlab;
use crate::task::state::State;
use crate::task::waker::{Remote, TaskRef};
use crate::time::wheel::Wheel;

/// One loop's state, shared (`Rc`) by the `Runtime`, every `JoinHandle` and every timer.
pub(crate) struct Core {
    /// This loop's id in the waker registry; every waker it makes carries it.
    pub(crate) id: u16,
    /// Every live task, keyed by slot; the slot is half of a task's address.
    pub(crate) tasks: RefCell<TaskSlab>,
    /// Slots of `Scheduled` tasks, first in first out; grows in pages (`run_queue.rs`).
    pub(crate) run_queue: RefCell<RunQueue>,
    /// Wakers to wake at the start of the next turn, after timers and I/O (`yield_now`,
    /// and tasks that used up their budget).
    pub(crate) deferred: RefCell<Vec<Waker>>,
    /// Timers, in ticks of one microsecond since `epoch` (`NANOS_PER_TICK`).
    pub(crate) timers: RefCell<Wheel<Waker>>,
    /// Tick 0 of the timer wheel.
    pub(crate) epoch: Instant,
    /// Readiness from the operating system.
    pub(crate) reactor: Reactor,
    /// Inject queue and unparker, for wakes from other threads.
    pub(crate) remote: Arc<Remote>,
    /// The slot of the task being polled, for cancellation points and `task::cancelling()`.
    pub(crate) current: Cell<Option<u32>>,
    /// How many more cancellation points the current task may pass before it must yield.
    pub(crate) budget: Cell<u32>,
    /// Cancel requests delivered so far (all tasks): `select!` compares it before and after
    /// polling a branch to notice a cancellation that a refusing pattern would swallow.
    pub(crate) cancels_delivered: Cell<u64>,
    /// Cancel requests taken so far (all tasks), delivered or passed on (to the children of
    /// `gather`, to an awaited task): a composite future that lent a request to a child
    /// compares it before and after the child's poll to learn whether the child took it.
    pub(crate) requests_taken: Cell<u64>,
    /// The `Runtime` is being dropped: `spawn` refuses new tasks (a destructor that spawns
    /// would otherwise file a task in a slab that is being emptied).
    pub(crate) closing: Cell<bool>,
    /// The next `task::Id` to hand out.
    pub(crate) next_id: Cell<u64>,
    /// Wakers collected by one phase of a turn, kept between turns so a busy loop does
    /// not allocate a fresh `Vec` every turn.
    pub(crate) scratch: RefCell<Vec<Waker>>,
    /// Per signal number, the machinery this loop's listeners of that signal (`ctrl_c()`,
    /// `signal::unix::Signal`, a child's exit without pidfd) share, alive while one is.
    pub(crate) signals: RefCell<Vec<(i32, std::rc::Weak<crate::signal::registry::LoopSignal>)>>,
    /// Counters for `runtime::stats()`.
    pub(crate) counters: Counters,
    /// Print one line per turn on stderr.
    pub(crate) trace: bool,
    /// The trace file's recorder (`ONELOOP_TRACE=chrome:PATH`), if any.
    pub(crate) recorder: RefCell<Option<Box<Recorder>>>,
    /// `recorder` was set when the loop was built: a plain `bool`, so that with no trace
    /// file (the default) every recording hook costs one load and one branch.
    pub(crate) tracing: bool,
}

/// One wheel tick is a microsecond: fine enough that rounding a deadline up to a tick adds at
/// most 1 µs of lateness (the loop waits for the exact deadline, see `runtime::turn`), coarse
/// enough that the wheel's 64^6 ticks reach 19 hours before a timer waits in its overflow list.
const NANOS_PER_TICK: u128 = 1_000;

thread_local! {
    /// The loop running on this thread, set for the duration of `block_on`.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` with the loop running on this thread, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| current.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The loop running on this thread; panics with `what` in the message if there is none.
pub(crate) fn current(what: &str) -> Rc<Core> {
    with_current(Rc::clone).unwrap_or_else(|| {
        panic!("{what} must be called from inside a oneloop runtime (oneloop::run, #[oneloop::main] or Runtime::block_on)")
    })
}

/// Makes `core` the current loop until the guard is dropped (restoring what was there).
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(Some(core)));
    EnterGuard { previous }
}

pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}

/// The waker's fast path: if `task` belongs to the loop running on this thread, schedule it
/// here and return `true`; otherwise the waker takes the cross-thread path.
pub(crate) fn schedule_local(task: TaskRef) -> bool {
    with_current(|core| {
        if core.id != task.runtime {
            return false;
        }
        core.schedule(task.slot, task.generation);
        true
    })
    .unwrap_or(false)
}

impl Core {
    /// Puts a task on the run queue unless it is already there (or finished, or gone).
    pub(crate) fn schedule(&self, slot: u32, generation: u16) {
        let Ok(mut tasks) = self.tasks.try_borrow_mut() else {
            // Only reachable if a wake happens while the loop itself holds the slab (it is
            // designed never to); fall back to the inject queue rather than panic.
            self.remote.inject(TaskRef {
                runtime: self.id,
                generation,
                slot,
            });
            return;
        };
        let Some(task) = tasks.get_mut(slot as usize) else {
            return;
        };
        if task.generation != generation {
            return;
        }
        match task.state {
            State::Idle => {
                task.state = State::Scheduled;
                self.run_queue.borrow_mut().push_back(slot);
                trace::scheduled(self, slot);
            }
            State::Running => task.state = State::Notified,
            State::Scheduled | State::Notified | State::Finished => {}
        }
    }

    /// The address of the task in `slot`, for making its waker.
    pub(crate) fn task_ref(&self, slot: u32, generation: u16) -> TaskRef {
        TaskRef {
            runtime: self.id,
            generation,
            slot,
        }
    }

    /// The wheel tick of `instant`, rounded up so a timer filed there never fires early.
    pub(crate) fn tick_at_or_after(&self, instant: Instant) -> u64 {
        let since = instant.saturating_duration_since(self.epoch);
        let rounded = since.as_nanos().div_ceil(NANOS_PER_TICK);
        u64::try_from(rounded).unwrap_or(u64::MAX)
    }

    /// The wheel tick that has fully passed at `instant` (rounded down).
    pub(crate) fn tick_passed_at(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// The instant at which wheel tick `tick` begins.
    pub(crate) fn instant_of_tick(&self, tick: u64) -> Option<Instant> {
        self.epoch.checked_add(Duration::from_micros(tick))
    }
}
