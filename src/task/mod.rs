//! Tasks: spawning, joining, yielding, and the cancellation rule.
//!
//! A *task* is a future the loop owns and polls whenever its waker is woken. Spawning boxes
//! the future into a task cell, files it in the loop's task slab and puts it on the run
//! queue; [`JoinHandle`] is the spawner's view of it. This module is the public layer; what
//! a task is to the loop (cell, slab, key, states, waker) lives in `runtime/task/`, below it.
//!
//! # The rule of cancellation (after asyncio's)
//!
//! [`JoinHandle::cancel`] does not stop a task; it *asks* it to stop. Each call is one
//! request, delivered once, as `Err(Cancelled)`, by the next oneloop future the task awaits
//! (a sleep, an I/O operation, a channel receive, `yield_now`, ...). The task can catch it,
//! clean up — awaiting more if it likes — and then finish, go on, or return the error.
//! [`cancelling`] counts the requests, [`uncancel`] takes one back, [`shield`] holds them
//! back while an inner future runs. A task cancelled before its first poll never runs.
//! [`JoinHandle::abort`] is the blunt alternative (tokio's): the future is dropped.
//!
//! A task waiting on other futures gets its request in the same turn whatever they are
//! doing: [`gather`](crate::gather), [`as_completed`](crate::as_completed) and `join!`
//! pass it on to every unfinished child, awaiting a [`JoinHandle`] passes it on to the
//! awaited task, [`JoinSet::join_next`] to every task of the set.
//!
//! Where this differs from asyncio (DESIGN.md has the full table): two `cancel()` calls
//! before the task runs again deliver two `Cancelled` (asyncio throws one and counts two);
//! `shield` holds the request until the shielded future finishes (asyncio's raises in the
//! outer await at once); `time::timeout` drops its inner future at the deadline (asyncio's
//! cancels it and lets it clean up).

mod abort;
mod blocking;
pub(crate) mod cancel;
mod join;
mod join_set;
mod local_set;
mod was_cancelled;
mod yield_now;

use std::future::Future;
use std::rc::Rc;

pub use crate::runtime::task::{Id, JoinError};
pub use abort::AbortHandle;
pub use blocking::spawn_blocking;
#[doc(hidden)]
pub use cancel::{__Lent, __PassOn, __cancels_delivered, __redeliver_cancel};
pub use cancel::{cancelling, is_cancelled, shield, uncancel, Cancelled, Shield};
pub use join::JoinHandle;
pub use join_set::{JoinNext, JoinSet};
pub use local_set::LocalSet;
pub use was_cancelled::WasCancelled;
pub use yield_now::{yield_now, YieldNow};

use crate::runtime::context::{self, Core};
use crate::runtime::task::cell::TaskCell;
use crate::runtime::task::key::TaskKey;

/// Spawns `future` as a new task on the current loop and returns its [`JoinHandle`].
///
/// No `Send` bound: everything runs on this thread. New tasks first run in the order they
/// were spawned, after the spawner yields. Panics if called outside a running loop.
///
/// ```
/// use std::rc::Rc; // not Send: fine on the One Loop
///
/// oneloop::run(async {
///     let shared = Rc::new(5);
///     let handle = oneloop::spawn({
///         let shared = Rc::clone(&shared);
///         async move { *shared * 2 }
///     });
///     assert_eq!(handle.await.unwrap(), 10);
/// });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().spawn(future)
}

/// [`spawn`] under tokio's name for spawning `!Send` futures, with tokio's ownership: called
/// while a [`LocalSet`]'s code runs (inside `run_until`, or in a task of the set), the task
/// belongs to that set, and dropping the set aborts it. Elsewhere it is `spawn`.
///
/// ```
/// oneloop::run(async {
///     assert_eq!(oneloop::task::spawn_local(async { 1 }).await.unwrap(), 1);
/// });
/// ```
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    local_set::spawn_local(future)
}

/// Configures a task before spawning it (for now: its name).
///
/// ```
/// oneloop::run(async {
///     let handle = oneloop::task::Builder::new().name("spin").spawn(async {});
///     assert_eq!(format!("{handle:?}"), r#"Task { id: 2, name: "spin", state: Pending }"#);
/// #   handle.await.unwrap();
/// });
/// ```
#[derive(Default, Debug)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    ///
    /// ```
    /// let _builder = oneloop::task::Builder::new();
    /// ```
    pub fn new() -> Self {
        Builder { name: None }
    }

    /// Names the task; the name shows in `Debug`, `JoinHandle::name`, `runtime::tasks()`
    /// and the trace.
    ///
    /// ```
    /// let _builder = oneloop::task::Builder::new().name("worker");
    /// ```
    pub fn name(self, name: &'a str) -> Self {
        Builder { name: Some(name) }
    }

    /// Spawns `future` on the current loop (see [`spawn`]).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let h = oneloop::task::Builder::new().name("two").spawn(async { 2 });
    ///     assert_eq!(h.await.unwrap(), 2);
    /// });
    /// ```
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let core = context::current("oneloop::spawn");
        spawn_on(&core, self.name, future)
    }
}

/// Spawns `future` on `core` (the body of every spawn: `Builder::spawn`, `Handle::spawn`).
pub(crate) fn spawn_on<F>(core: &Rc<Core>, name: Option<&str>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let name: Option<Rc<str>> = name.map(Rc::from);
    if core.closing.get() {
        // The loop is being dropped (a destructor spawned): refuse. The future is
        // dropped unpolled and the handle reports a task cancelled before it ran.
        drop(future);
        let id = Id(core.next_id.get());
        core.next_id.set(id.0 + 1);
        return JoinHandle::new(Rc::clone(core), TaskKey::NONE, id, name);
    }
    let (key, id) = core.insert_task(Some(TaskCell::boxed(future)), name.clone());
    JoinHandle::new(Rc::clone(core), key, id, name)
}
