//! Introspection for people studying the loop: counters and a list of live tasks.
//!
//! The public face of the loop's bookkeeping: it reads the counters (`counters.rs`) and
//! the task slab (`runtime/task/`), and writes nothing.

use std::rc::Rc;

use super::context;
use super::task::state::State;
use super::task::Id;

/// A snapshot of the current loop's counters.
///
/// ```
/// oneloop::run(async {
///     let stats: oneloop::runtime::Stats = oneloop::runtime::stats();
///     assert!(stats.live_tasks >= 1); // the root future itself
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Turns of the loop begun so far, the one running now included (inside the first
    /// turn, 1).
    pub turns: u64,
    /// Task polls so far (the root future's included).
    pub polls: u64,
    /// Tasks spawned so far (the root future of each `block_on` included).
    pub spawned: u64,
    /// Tasks that finished (returned, panicked, were aborted or cancelled before running).
    pub finished: u64,
    /// Tasks alive now.
    pub live_tasks: u64,
    /// Timers that fired so far.
    pub timers_fired: u64,
    /// Timers pending now.
    pub timers_pending: u64,
    /// I/O readiness events received so far.
    pub io_events: u64,
    /// Times the loop polled the reactor for I/O readiness. A turn that may block always
    /// does; one that will not (tasks are ready) does only once 128 task polls have passed
    /// since the last time, so this grows slower than `turns` while tasks keep each other busy.
    pub io_polls: u64,
    /// I/O sources registered now.
    pub io_sources: u64,
    /// Wakes that came from other threads through the inject queue.
    pub remote_wakes: u64,
    /// Tasks in the run queue now (`Scheduled`), to be polled in this turn or the next.
    pub run_queue: u64,
    /// Wakers on the deferred list now (`yield_now`, spent budgets), woken in the next
    /// turn after timers and I/O.
    pub deferred: u64,
}

/// The counters of the loop running on this thread. Panics outside a loop.
///
/// ```
/// oneloop::run(async {
///     oneloop::spawn(async {}).await.unwrap();
///     let stats = oneloop::runtime::stats();
///     assert!(stats.spawned >= 2 && stats.finished >= 1);
/// });
/// ```
pub fn stats() -> Stats {
    let core = context::current("oneloop::runtime::stats");
    let c = &core.counters;
    let timers_pending = core.timers.wheel.borrow().len() as u64;
    let run_queue = core.run_queue.borrow().len() as u64;
    let deferred = core.deferred.borrow().len() as u64;
    Stats {
        turns: c.turns.get(),
        polls: c.polls.get(),
        spawned: c.spawned.get(),
        finished: c.finished.get(),
        live_tasks: c.spawned.get() - c.finished.get(),
        timers_fired: c.timers_fired.get(),
        timers_pending,
        io_events: c.io_events.get(),
        io_polls: c.io_polls.get(),
        io_sources: core.reactor.len() as u64,
        remote_wakes: c.remote_wakes.get(),
        run_queue,
        deferred,
    }
}

/// Where a task stands, as shown by [`tasks`].
///
/// The one vocabulary of task states, mapped: the loop's own states (`src/runtime/task/state.rs`,
/// DESIGN.md's diagram) and what a `JoinHandle`'s `Debug` prints are views of the same
/// thing:
///
/// | `TaskState` | the loop's state | `JoinHandle` `Debug` |
/// |---|---|---|
/// | `Scheduled` | `Scheduled` (in the run queue) | `Pending`, or `Cancelling` while a cancel request is undelivered or after `abort()` |
/// | `Running` | `Running`, or `Notified` (woken while being polled) | the same |
/// | `Waiting` | `Idle` (a waker will schedule it) | the same |
/// | `Finished` | `Finished` (output stored, not yet taken) | `Finished` |
///
/// ```
/// use oneloop::runtime::{tasks, TaskState};
/// oneloop::run(async {
///     // The task calling `tasks()` is the one running.
///     assert!(tasks().iter().any(|t| t.state == TaskState::Running));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// In the run queue.
    Scheduled,
    /// Being polled (the task that called `tasks()`).
    Running,
    /// Waiting for a wake (see [`TaskInfo::waits_on`]).
    Waiting,
    /// Finished; its `JoinHandle` has not collected the output yet.
    Finished,
}

/// One live task, as shown by [`tasks`].
///
/// ```
/// oneloop::run(async {
///     let me: oneloop::runtime::TaskInfo = oneloop::runtime::tasks().remove(0);
///     assert_eq!(me.id.to_string(), "1"); // the root future is task 1
/// });
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: Id,
    /// Its name, if it was given one.
    pub name: Option<Rc<str>>,
    /// Where it stands.
    pub state: TaskState,
    /// How many times it was polled.
    pub polls: u32,
    /// What a `Waiting` task waits on now: the oneloop future that returned `Pending` in
    /// its last poll (`"sleep"`, `"read"`, `"join"` for a `JoinHandle`, `"yield"`, ...;
    /// precisely, the last cancellation point that poll passed). Empty for a task that is
    /// not `Waiting`, and for one waiting on a future that is not oneloop's.
    pub waits_on: &'static str,
    /// Cancel requests not taken back (as `task::cancelling()` would say for it).
    pub cancelling: u32,
}

/// Every task of the loop running on this thread, in slot order. Panics outside a loop.
///
/// ```
/// use oneloop::runtime::{tasks, TaskState};
///
/// oneloop::run(async {
///     let h = oneloop::task::Builder::new().name("sleeper").spawn(async {
///         oneloop::time::sleep(std::time::Duration::from_millis(50)).await
///     });
///     oneloop::task::yield_now().await.unwrap();
///     let info = tasks().into_iter().find(|t| t.name.as_deref() == Some("sleeper")).unwrap();
///     assert_eq!((info.state, info.waits_on), (TaskState::Waiting, "sleep"));
///     h.await.unwrap().unwrap();
/// });
/// ```
pub fn tasks() -> Vec<TaskInfo> {
    let core = context::current("oneloop::runtime::tasks");
    let tasks = core.tasks.borrow();
    tasks
        .iter()
        .map(|(_, task)| TaskInfo {
            id: task.id,
            name: task.name.clone(),
            state: match task.state {
                State::Scheduled => TaskState::Scheduled,
                State::Running | State::Notified => TaskState::Running,
                State::Idle => TaskState::Waiting,
                State::Finished => TaskState::Finished,
            },
            polls: task.polls,
            waits_on: match task.state {
                State::Idle => task.waits_on,
                _ => "",
            },
            cancelling: task.cancel.requested,
        })
        .collect()
}
