//! `AbortHandle`: the right to stop a task (tokio's `abort`) without the right to its output.
//!
//! A `JoinHandle` is one per task and owns the output; an `AbortHandle` is what a
//! supervisor, a `JoinSet` or a `LocalSet` keeps to stop a task it will never join. Both
//! name the task by its `TaskKey`. An `AbortHandle` may outlive the task's slab entry (a
//! `JoinHandle` keeps it until the output is taken), so it checks the task's id as well:
//! a handle to a task whose slot was reused 65,536 times over (wrapping the generation)
//! still finds nothing and does nothing.

use std::fmt;
use std::rc::Rc;

use crate::runtime::context::Core;
use crate::runtime::task::cell::Task;
use crate::runtime::task::key::TaskKey;
use crate::runtime::task::slab::TaskSlab;
use crate::runtime::task::state::State;
use crate::runtime::task::Id;

/// Aborts a task, or asks whether it finished, without owning its output (tokio's
/// `AbortHandle`). Made by [`JoinHandle::abort_handle`](crate::JoinHandle::abort_handle)
/// and returned by [`JoinSet::spawn`](crate::task::JoinSet::spawn).
///
/// ```
/// use oneloop::task::JoinSet;
///
/// oneloop::run(async {
///     let mut set = JoinSet::new();
///     let stuck = set.spawn(std::future::pending::<&str>());
///     set.spawn(async { "done" });
///     stuck.abort();
///     let mut outcomes = Vec::new();
///     while let Some(result) = set.join_next().await {
///         outcomes.push(result.map_err(|e| e.is_cancelled()));
///     }
///     assert_eq!(outcomes, [Err(true), Ok("done")]); // the abort lands first
/// });
/// ```
pub struct AbortHandle {
    /// The loop that owns the task; `None` if made from a `JoinHandle` that had already
    /// taken the output (there is nothing left to abort).
    core: Option<Rc<Core>>,
    /// The task's slot and generation...
    key: TaskKey,
    /// ...and its id: all must match, or the task is gone (see the module docs).
    id: Id,
}

impl AbortHandle {
    pub(crate) fn new(core: Option<Rc<Core>>, key: TaskKey, id: Id) -> AbortHandle {
        AbortHandle { core, key, id }
    }

    /// Aborts the task, as [`JoinHandle::abort`](crate::JoinHandle::abort) does: its future
    /// is dropped at its next scheduling, and joining it gives a `JoinError` with
    /// `is_cancelled()`. Does nothing to a task that finished.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async { 1 });
    ///     let stopper = handle.abort_handle();
    ///     assert_eq!(handle.await.unwrap(), 1);
    ///     stopper.abort(); // finished and joined: nothing happens
    /// });
    /// ```
    pub fn abort(&self) {
        if let Some(core) = &self.core {
            abort_task(core, self.key, self.id);
        }
    }

    /// Has the task finished (returned, panicked or been aborted), or has its output been
    /// taken already?
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async {});
    ///     let watcher = handle.abort_handle();
    ///     assert!(!watcher.is_finished());
    ///     handle.await.unwrap();
    ///     assert!(watcher.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        let Some(core) = &self.core else {
            return true;
        };
        find(&mut core.tasks.borrow_mut(), self.key, self.id)
            .map_or(true, |task| task.state == State::Finished)
    }

    /// The task's id (the same as its `JoinHandle::id`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async {});
    ///     assert_eq!(handle.abort_handle().id(), handle.id());
    /// #   handle.await.unwrap();
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id.0)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// `abort()`'s body: mark the task (if it is still the same one and not finished) and
/// schedule it, so the loop drops its future at its next turn.
pub(crate) fn abort_task(core: &Core, key: TaskKey, id: Id) {
    let aborted = find(&mut core.tasks.borrow_mut(), key, id).is_some_and(|task| {
        if task.state != State::Finished {
            task.aborted = true;
        }
        task.aborted
    });
    if aborted {
        core.schedule(key);
    }
}

/// The task `key` and `id` name, if it is still there: the slab's lookup, plus the id check
/// a handle that may outlive the entry needs (see the module docs).
fn find(tasks: &mut TaskSlab, key: TaskKey, id: Id) -> Option<&mut Task> {
    tasks.get_mut(key).filter(|task| task.id == id)
}
