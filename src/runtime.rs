//! The One Loop itself: `Runtime`, `block_on`, `run`, and one turn of the loop.
//!
//! One turn, in order (DESIGN.md draws it):
//!
//! 1. **Decide how long to wait**: zero if a task is ready, else until the next timer
//!    (rounded *up* to the millisecond), else forever.
//! 2. **Wait for I/O** in the reactor; events wake the tasks waiting on their sources.
//! 3. **Take cross-thread wakes** from the inject queue.
//! 4. **Fire due timers**.
//! 5. **Wake deferred tasks** (`yield_now`, spent budgets): they go behind all of the above.
//! 6. **Run ready tasks**, first in first out, at most `MAX_TASKS_PER_TURN` (128).

pub(crate) mod context;
mod stats;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

pub use stats::{stats, tasks, Stats, TaskInfo, TaskState};

use crate::reactor::Reactor;
use crate::task::cancel::BUDGET;
use crate::task::state::State;
use crate::task::waker::{self, Remote, TaskRef};
use crate::task::JoinError;
use crate::time::wheel::Wheel;
use context::Core;
use stats::bump;

/// Tasks run in one turn before the loop looks at timers and I/O again. Ready tasks can keep
/// each other busy for ever (a ping-pong over a channel never lets the run queue empty); the
/// cap bounds how long a timer or a socket waits for its turn, while 128 tasks between two
/// `epoll_wait(0)` calls keep the system call's cost per task small. tokio uses 61.
pub(crate) const MAX_TASKS_PER_TURN: usize = 128;

/// How long [`run`] lets leftover tasks clean up after it cancelled them, before it drops
/// them. asyncio waits without limit; a task that ignores its cancellation would then hang
/// the program at exit.
const CLEANUP_GRACE: Duration = Duration::from_secs(2);

/// Runs `future` to completion on a new loop on this thread, then cancels every task still
/// alive and lets them run their cleanup (for at most 2 s, then they are dropped), like
/// `asyncio.run`. Panics if called inside a running loop, or if the loop cannot be created
/// (no file descriptors left for its epoll instance).
///
/// ```
/// let answer = oneloop::run(async {
///     oneloop::time::sleep(std::time::Duration::from_millis(1)).await.unwrap();
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    assert_not_nested("oneloop::run");
    let runtime =
        Runtime::new().unwrap_or_else(|e| panic!("oneloop::run could not create the loop: {e}"));
    let output = runtime.block_on(future);
    runtime.cancel_leftovers(CLEANUP_GRACE);
    output
}

/// A loop: tasks, timers and a reactor, run on the thread that calls [`Runtime::block_on`].
///
/// ```
/// let rt = oneloop::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Runtime {
    core: Rc<Core>,
}

/// Builds a [`Runtime`] with options.
///
/// ```
/// let rt = oneloop::Runtime::builder().trace(false).build().unwrap();
/// rt.block_on(async {});
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    trace: Option<bool>,
}

impl Builder {
    /// Prints one line per turn of the loop on stderr (tasks run, timers fired, I/O events,
    /// wait). Without this call, the environment variable `ONELOOP_TRACE=1` turns it on.
    ///
    /// ```
    /// let _builder = oneloop::Runtime::builder().trace(true);
    /// ```
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = Some(on);
        self
    }

    /// Creates the loop: its epoll (or `polling`) instance and its cross-thread waker.
    ///
    /// ```
    /// let rt = oneloop::Runtime::builder().build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let trace = self.trace.unwrap_or_else(|| {
            std::env::var_os("ONELOOP_TRACE").is_some_and(|v| v != "0" && !v.is_empty())
        });
        let (reactor, unparker) = Reactor::new()?;
        let remote = Arc::new(Remote::new(unparker));
        let id = waker::register(Arc::clone(&remote))?;
        let core = Core {
            id,
            tasks: RefCell::new(Slab::new()),
            run_queue: RefCell::new(VecDeque::new()),
            deferred: RefCell::new(Vec::new()),
            timers: RefCell::new(Wheel::new()),
            epoch: Instant::now(),
            reactor,
            remote,
            current: Cell::new(None),
            budget: Cell::new(BUDGET),
            next_id: Cell::new(1),
            scratch: RefCell::new(Vec::new()),
            counters: Default::default(),
            trace,
        };
        Ok(Runtime {
            core: Rc::new(core),
        })
    }
}

impl Runtime {
    /// A loop with default options (see [`Builder`]).
    ///
    /// ```
    /// let rt = oneloop::Runtime::new()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::default().build()
    }

    /// A [`Builder`] for a loop with options.
    ///
    /// ```
    /// let rt = oneloop::Runtime::builder().trace(false).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Runs the loop until `future` completes and returns its output. Tasks it spawned and
    /// that are still alive stay in the loop for the next `block_on` (they are dropped with
    /// the `Runtime`). Panics if called inside a running loop; a panic of `future` itself
    /// propagates to the caller.
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let handle = rt.block_on(async { oneloop::spawn(async { "later" }) });
    /// assert_eq!(rt.block_on(handle).unwrap(), "later");
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert_not_nested("Runtime::block_on");
        let _enter = context::enter(Rc::clone(&self.core));
        let mut root = Root {
            future: std::pin::pin!(future),
            output: None,
        };
        let (slot, _, _) = self.core.insert_task(None, None);
        let outcome = loop {
            match turn(&self.core, Some((slot, &mut root)), None) {
                Ok(None) if root.output.is_none() => continue,
                Ok(None) => break Ok(()),
                Ok(Some(panic)) => break Err(panic),
                Err(e) => panic!("oneloop: waiting for I/O failed, the loop cannot go on: {e}"),
            }
        };
        self.core.tasks.borrow_mut().remove(slot as usize);
        match outcome {
            Ok(()) => root.output.take().expect("root future finished"),
            Err(panic) => panic::resume_unwind(panic),
        }
    }

    /// `run`'s epilogue: cancel every live task, then turn the loop until they have all
    /// finished or `grace` has passed.
    fn cancel_leftovers(&self, grace: Duration) {
        let core = &self.core;
        let _enter = context::enter(Rc::clone(core));
        let live: Vec<(u32, u16)> = core
            .tasks
            .borrow_mut()
            .iter_mut()
            .filter(|(_, task)| task.state != State::Finished)
            .map(|(slot, task)| {
                task.cancel.requested += 1;
                task.cancel.undelivered += 1;
                (slot as u32, task.generation)
            })
            .collect();
        for (slot, generation) in live {
            core.schedule(slot, generation);
        }
        let deadline = Instant::now() + grace;
        while live_tasks(core) > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Err(e) = turn(core, None, Some(left)) {
                panic!("oneloop: waiting for I/O failed during shutdown: {e}");
            }
        }
    }
}

impl Drop for Runtime {
    /// Drops every task's future (their destructors may still use the loop, so it is made
    /// current meanwhile), which also breaks the `Rc` cycles between tasks and handles.
    fn drop(&mut self) {
        let _enter = context::enter(Rc::clone(&self.core));
        loop {
            let cells: Vec<_> = self
                .core
                .tasks
                .borrow_mut()
                .iter_mut()
                .filter_map(|(_, t)| t.cell.take())
                .collect();
            if cells.is_empty() {
                break;
            }
            drop(cells);
        }
        self.core.tasks.borrow_mut().clear();
        self.core.deferred.borrow_mut().clear();
        waker::unregister(self.core.id);
    }
}

fn assert_not_nested(what: &str) {
    if context::with_current(|_| ()).is_some() {
        panic!("{what} was called inside a running oneloop loop; a loop cannot block on itself: await the future or spawn it instead");
    }
}

fn live_tasks(core: &Core) -> u64 {
    core.counters.spawned.get() - core.counters.finished.get()
}

/// The future given to `block_on`, polled in place on the caller's stack.
struct Root<'a, T> {
    future: Pin<&'a mut dyn Future<Output = T>>,
    output: Option<T>,
}

/// What the loop needs of the root future without knowing its type.
trait PollRoot {
    fn poll_root(&mut self, cx: &mut Context<'_>) -> Poll<()>;
    fn is_done(&self) -> bool;
}

impl<T> PollRoot for Root<'_, T> {
    fn is_done(&self) -> bool {
        self.output.is_some()
    }

    fn poll_root(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.future
            .as_mut()
            .poll(cx)
            .map(|output| self.output = Some(output))
    }
}

type Panic = Box<dyn Any + Send>;

/// One turn of the loop. Returns the root future's panic, if it panicked.
fn turn(
    core: &Core,
    mut root: Option<(u32, &mut dyn PollRoot)>,
    max_wait: Option<Duration>,
) -> io::Result<Option<Panic>> {
    let started = Instant::now();
    // 1. How long may we wait?
    let timeout =
        wait_timeout(core, started).map_or(max_wait, |t| Some(max_wait.map_or(t, |m| m.min(t))));
    // 2. Wait for I/O readiness (or a cross-thread wake, or the timeout).
    let mut wakers = std::mem::take(&mut *core.scratch.borrow_mut());
    let events = core.reactor.poll(timeout, &mut wakers)?;
    bump(&core.counters.io_events, events as u64);
    wake_all(&mut wakers);
    // 3. Wakes from other threads.
    let remote = core.remote.drain();
    bump(&core.counters.remote_wakes, remote.len() as u64);
    for TaskRef {
        slot, generation, ..
    } in remote
    {
        core.schedule(slot, generation);
    }
    // 4. Fire due timers: every timer whose tick has fully passed.
    let now_tick = core.tick_passed_at(Instant::now());
    let fired = core.timers.borrow_mut().advance(now_tick, &mut wakers);
    bump(&core.counters.timers_fired, fired as u64);
    wake_all(&mut wakers);
    // 5. Deferred wakes (`yield_now`, spent budgets) go behind timers and I/O.
    std::mem::swap(&mut wakers, &mut *core.deferred.borrow_mut());
    wake_all(&mut wakers);
    *core.scratch.borrow_mut() = wakers;
    // 6. Run ready tasks.
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
    bump(&core.counters.turns, 1);
    if core.trace {
        eprintln!(
            "[oneloop] turn {}: waited {:.1?} (timeout {}), {events} I/O events, {fired} timers fired, ran {ran} tasks, {} alive",
            core.counters.turns.get(),
            started.elapsed(),
            timeout.map_or("none".into(), |t| format!("{t:?}")),
            live_tasks(core),
        );
    }
    Ok(root_panic)
}

/// Step 1: zero if anything is ready; else up to the next timer; else `None` (forever).
fn wait_timeout(core: &Core, now: Instant) -> Option<Duration> {
    if !core.run_queue.borrow().is_empty() || !core.deferred.borrow().is_empty() {
        return Some(Duration::ZERO);
    }
    let tick = core.timers.borrow().next_expiration()?;
    let at = core.instant_of_tick(tick)?;
    let wait = at.saturating_duration_since(now);
    // Round *up* to whole milliseconds: epoll counts in milliseconds and truncating would
    // wake us just before the tick is due, find nothing to fire, and wait 0 ms again and
    // again: a busy loop for up to a millisecond per timer.
    let ms = wait.as_nanos().div_ceil(1_000_000);
    Some(Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)))
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
}

/// Step 6 for one task: poll it once (or finish it without polling, if it was aborted or
/// cancelled before it ever ran), then file it by the result. Returns the root's panic.
fn run_task(core: &Core, slot: u32, root: Option<&mut dyn PollRoot>) -> Option<Panic> {
    let (mut cell, generation, id, stop) = {
        let mut tasks = core.tasks.borrow_mut();
        let task = &mut tasks[slot as usize];
        let stop = task.aborted || (!task.started && task.cancel.undelivered > 0);
        task.state = State::Running;
        task.started = true;
        task.polls += 1;
        (task.cell.take(), task.generation, task.id, stop)
    };
    if stop {
        if let Some(cell) = &mut cell {
            cell.as_mut().finish(JoinError::cancelled(id)); // drops the future, outside the borrow
        }
        complete(core, slot, cell);
        return None;
    }
    bump(&core.counters.polls, 1);
    core.current.set(Some(slot));
    core.budget.set(BUDGET);
    let waker = core.task_ref(slot, generation).waker();
    let mut cx = Context::from_waker(&waker);
    let result = panic::catch_unwind(AssertUnwindSafe(|| match (&mut cell, root) {
        (Some(cell), _) => cell.as_mut().poll(&mut cx),
        (None, Some(root)) => root.poll_root(&mut cx),
        (None, None) => Poll::Ready(()), // a root left over from a finished block_on
    }));
    core.current.set(None);
    match result {
        Ok(Poll::Pending) => {
            let mut tasks = core.tasks.borrow_mut();
            let task = &mut tasks[slot as usize];
            task.cell = cell;
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
                cell.as_mut().finish(JoinError::panic(id, panic));
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

/// Files a finished task: its handle's owner is woken, or, with no handle, it is removed.
fn complete(core: &Core, slot: u32, cell: Option<crate::task::cell::BoxedTask>) {
    bump(&core.counters.finished, 1);
    let (join_waker, orphan) = {
        let mut tasks = core.tasks.borrow_mut();
        let task = &mut tasks[slot as usize];
        task.state = State::Finished;
        if task.has_handle || task.cell.is_none() && cell.is_none() {
            task.cell = cell;
            (task.join_waker.take(), None)
        } else {
            (None, tasks.remove(slot as usize).cell.or(cell))
        }
    };
    drop(orphan); // a detached task's output is dropped outside the borrow
    if let Some(waker) = join_waker {
        waker.wake();
    }
}
