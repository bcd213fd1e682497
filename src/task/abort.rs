//! `AbortHandle`: the right to stop a task (tokio's `abort`) without the right to its output.
//!
//! A `JoinHandle` is one per task and owns the output; an `AbortHandle` is what a
//! supervisor, a `JoinSet` or a `LocalSet` keeps to stop a task it will never join. Both
//! name the task by its slot, generation and id, so a handle to a task that has finished
//! and whose slot was reused finds nothing and does nothing.

use std::fmt;
use std::rc::Rc;

use super::state::State;
use super::Id;
use crate::runtime::context::Core;

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
    /// The loop that owns the task.
    core: Rc<Core>,
    /// The task's slot, generation and id: all three must match, or the task is gone.
    slot: u32,
    generation: u16,
    id: Id,
}

impl AbortHandle {
    pub(crate) fn new(core: Rc<Core>, slot: u32, generation: u16, id: Id) -> AbortHandle {
        AbortHandle {
            core,
            slot,
            generation,
            id,
        }
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
        abort_task(&self.core, self.slot, self.generation, self.id);
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
        let tasks = self.core.tasks.borrow();
        match tasks.get(self.slot as usize) {
            Some(task) if task.generation == self.generation && task.id == self.id => {
                task.state == State::Finished
            }
            _ => true,
        }
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
pub(crate) fn abort_task(core: &Core, slot: u32, generation: u16, id: Id) {
    let aborted = {
        let mut tasks = core.tasks.borrow_mut();
        match tasks.get_mut(slot as usize) {
            Some(task) if task.generation == generation && task.id == id => {
                if task.state != State::Finished {
                    task.aborted = true;
                }
                task.aborted
            }
            _ => false,
        }
    };
    if aborted {
        core.schedule(slot, generation);
    }
}
