//! The loop's state (`Core`) and the thread-local that says which loop is running here.
//!
//! `Core` is where the loop internals meet the drivers below them: it owns the task slab and
//! the run queue (`runtime/task/`), and holds the reactor and the timers in `Rc`s that the
//! futures of the public layer share (DESIGN.md, "Layers").
//!
//! Every field sits in its own `RefCell` or `Cell`, and no borrow is ever held while a task
//! is polled, a future is dropped or a waker is woken: those can re-enter the loop (a task
//! spawns, a drop cancels a timer, a wake pushes onto the run queue). The rule, as in
//! async-io's reactor: collect what to do, release the borrow, then do it.

use std::cell::{Cell, RefCell};
use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use super::counters::Counters;
use super::run_queue::RunQueue;
use super::running;
use super::task::cell::{BoxedTask, Task};
use super::task::inject::{self, Remote};
use super::task::key::TaskKey;
use super::task::slab::TaskSlab;
use super::task::state::State;
use super::task::waker::TaskRef;
use super::task::Id;
use super::trace::{self, Recorder};
use crate::reactor::registration::Registration;
use crate::reactor::Reactor;
use crate::time::timers::Timers;

/// One loop's state, shared (`Rc`) by the `Runtime`, its `Handle`s and every `JoinHandle`
/// and `AbortHandle`. (A `Sleep` holds only `timers`, a `Registration` only `reactor`.)
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
    /// The timer wheel and its clock; an `Rc` because every `Sleep` with an entry holds it.
    pub(crate) timers: Rc<Timers>,
    /// Readiness from the operating system; an `Rc` because every `Registration` holds it.
    pub(crate) reactor: Rc<Reactor>,
    /// Inject queue and unparker, for wakes from other threads.
    pub(crate) remote: Arc<Remote>,
    /// Cancel requests delivered so far (all tasks): `select!` compares it before and after
    /// polling a branch to notice a cancellation that a refusing pattern would swallow.
    pub(crate) cancels_delivered: Cell<u64>,
    /// Cancel requests taken so far (all tasks), delivered or passed on (to the children of
    /// `gather`, to an awaited task): a composite future that lent a request to a child
    /// compares it before and after the child's poll to learn whether the child took it.
    pub(crate) requests_taken: Cell<u64>,
    /// Tasks polled since the reactor was last polled: a turn that will not block skips
    /// the reactor until it reaches `MAX_TASKS_PER_TURN` (`turn`, step 2).
    pub(crate) ran_since_io: Cell<usize>,
    /// The `Runtime` is being dropped: `spawn` refuses new tasks (a destructor that spawns
    /// would otherwise file a task in a slab that is being emptied).
    pub(crate) closing: Cell<bool>,
    /// The next `task::Id` to hand out.
    pub(crate) next_id: Cell<u64>,
    /// The clock as read after the latest wait for I/O (the reading the timer wheel was
    /// advanced to). The next turn computes its wait from it instead of reading the clock
    /// again: a "do not block" deadline is as good in the past, and `max_wait` can only end
    /// that wait sooner, never fire a timer early.
    pub(crate) clock: Cell<Instant>,
    /// Wakers collected by one phase of a turn, kept between turns so a busy loop does
    /// not allocate a fresh `Vec` every turn.
    pub(crate) scratch: RefCell<Vec<Waker>>,
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

thread_local! {
    /// The loop running on this thread, set for the duration of `block_on`.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` with the loop running on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| current.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The loop running on this thread; panics with `what` in the message if there is none.
pub(crate) fn current(what: &str) -> Rc<Core> {
    expect_current(what, Rc::clone)
}

/// Runs `f` with the loop running on this thread; panics with `what` in the message if there
/// is none. (What takes one part of the loop, say its timers, clones that part alone.)
pub(crate) fn expect_current<R>(what: &str, f: impl FnOnce(&Rc<Core>) -> R) -> R {
    with_current(f).unwrap_or_else(|| {
        panic!("{what} must be called from inside a oneloop runtime (oneloop::run, #[oneloop::main] or Runtime::block_on)")
    })
}

/// Makes `core` the current loop until the guard is dropped (restoring what was there,
/// with the running task of the loop that was current: `runtime/running.rs`).
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(Some(core)));
    EnterGuard {
        previous,
        running: Some(running::save_and_clear()),
    }
}

pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
    running: Option<running::Saved>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
        if let Some(saved) = self.running.take() {
            running::restore(saved);
        }
    }
}

/// The waker's fast path: if `task` belongs to the loop running on this thread, schedule it
/// here and return `true`; otherwise the waker takes the cross-thread path.
#[inline]
pub(crate) fn schedule_local(task: TaskRef) -> bool {
    with_current(|core| {
        if core.id != task.runtime {
            return false;
        }
        core.schedule(task.key);
        true
    })
    .unwrap_or(false)
}

/// Registers `fd` with the reactor of the loop running on this thread: the first step of
/// every I/O source (sockets, pipes, a child's pidfd). Panics outside a loop.
pub(crate) fn register(fd: RawFd) -> io::Result<Registration> {
    let reactor = expect_current("registering an I/O source", |core| Rc::clone(&core.reactor));
    Registration::new(reactor, fd)
}

impl Core {
    /// A new loop's state: its reactor and timers, and its id in the registry of loops
    /// (which is how wakes from other threads find it). `trace`: print a line per turn;
    /// `recorder`: record a trace file.
    pub(crate) fn new(trace: bool, recorder: Option<Box<Recorder>>) -> io::Result<Core> {
        let (reactor, unparker) = Reactor::new()?;
        let remote = Arc::new(Remote::new(unparker));
        let id = inject::register(Arc::clone(&remote))?;
        Ok(Core {
            id,
            tasks: RefCell::new(TaskSlab::new()),
            run_queue: RefCell::new(RunQueue::new()),
            deferred: RefCell::new(Vec::new()),
            timers: Rc::new(Timers::new()),
            reactor: Rc::new(reactor),
            remote,
            cancels_delivered: Cell::new(0),
            requests_taken: Cell::new(0),
            ran_since_io: Cell::new(0),
            closing: Cell::new(false),
            next_id: Cell::new(1),
            clock: Cell::new(Instant::now()),
            scratch: RefCell::new(Vec::new()),
            counters: Counters::default(),
            trace,
            tracing: recorder.is_some(),
            recorder: RefCell::new(recorder),
        })
    }

    /// Files a new task in the slab and puts it on the run queue. `cell` is `None` only for
    /// the root future of `block_on`.
    pub(crate) fn insert_task(
        &self,
        cell: Option<BoxedTask>,
        name: Option<Rc<str>>,
    ) -> (TaskKey, Id) {
        let id = Id(self.next_id.get());
        self.next_id.set(id.0 + 1);
        // The id's low bits make a fine generation: consecutive tasks never share one.
        let generation = id.0 as u16;
        let slot = {
            let mut tasks = self.tasks.borrow_mut();
            let slot = tasks.insert(Task::new(cell, generation, id, name));
            u32::try_from(slot).expect("more than 2^32 live tasks")
        };
        self.run_queue.borrow_mut().push_back(slot);
        trace::spawned(self, slot);
        self.counters.spawned.set(self.counters.spawned.get() + 1);
        (TaskKey { slot, generation }, id)
    }

    /// Puts a task on the run queue unless it is already there (or finished, or gone).
    pub(crate) fn schedule(&self, key: TaskKey) {
        let Ok(mut tasks) = self.tasks.try_borrow_mut() else {
            // Only reachable if a wake happens while the loop itself holds the slab (it is
            // designed never to); fall back to the inject queue rather than panic.
            self.remote.inject(self.task_ref(key));
            return;
        };
        let Some(task) = tasks.get_mut(key) else {
            return;
        };
        match task.state {
            State::Idle => {
                task.state = State::Scheduled;
                self.run_queue.borrow_mut().push_back(key.slot);
                trace::scheduled(self, key.slot);
            }
            State::Running => task.state = State::Notified,
            State::Scheduled | State::Notified | State::Finished => {}
        }
    }

    /// The address of the task `key` in this loop, for making its waker.
    pub(crate) fn task_ref(&self, key: TaskKey) -> TaskRef {
        TaskRef {
            runtime: self.id,
            key,
        }
    }
}
