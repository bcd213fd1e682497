//! `JoinHandle`, the owner's view of a spawned task. (`JoinError`, what it gives when the
//! task has no output, is made by the loop: `runtime/task/error.rs`.)

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::abort::{abort_task, AbortHandle};
use super::cancel;
use crate::runtime::context::Core;
use crate::runtime::task::cell::Task;
use crate::runtime::task::key::TaskKey;
use crate::runtime::task::state::State;
use crate::runtime::task::{Id, JoinError};

/// An owned permission to await, cancel or abort a task (tokio's `JoinHandle`).
///
/// Awaiting it gives the task's output, or a [`JoinError`] if the task panicked or was
/// aborted (or cancelled before its first poll). Dropping it detaches the task: it keeps
/// running and its output is dropped when it finishes.
///
/// Awaiting a handle is a cancellation point that passes the request on, as asyncio does:
/// if the awaiting task is cancelled, the awaited task is cancelled in its turn, and the
/// awaiting task learns the outcome from the join result (`Ok(Err(Cancelled))` when the
/// awaited task let the error through).
///
/// "Was it cancelled?" has one answer whichever way it ended, asyncio's `Task.cancelled()`:
/// [`WasCancelled::was_cancelled`](crate::task::WasCancelled::was_cancelled) on the join result.
///
/// ```
/// oneloop::run(async {
///     let handle = oneloop::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    /// The loop that owns the task, until the output is taken (`None`: done; the slot may
    /// already belong to another task). An `Option` of an `Rc` costs no more than the `Rc`.
    core: Option<Rc<Core>>,
    /// The task's slot and generation. While the handle has not taken the output, the slot
    /// cannot be reused (the loop keeps a finished task's entry for its handle), so the key
    /// alone names the task.
    key: TaskKey,
    /// Kept here so `id()` and `Debug` work without touching the loop.
    id: Id,
    /// Kept here so `name()` can hand out a `&str` that lives as long as the handle.
    name: Option<Rc<str>>,
    /// `fn() -> T`: the handle gives out a `T` but holds none, so it is `Unpin` whatever `T` is.
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(core: Rc<Core>, key: TaskKey, id: Id, name: Option<Rc<str>>) -> Self {
        JoinHandle {
            core: Some(core),
            key,
            id,
            name,
            _output: PhantomData,
        }
    }

    /// Runs `f` on the task's slab entry, if the task is still there; the one lookup of
    /// every method.
    fn with_task<R>(&self, f: impl FnOnce(&mut Task) -> R) -> Option<R> {
        let core = self.core.as_ref()?;
        let mut tasks = core.tasks.borrow_mut();
        tasks.get_mut(self.key).map(f)
    }

    /// Requests cancellation, as asyncio's `Task.cancel()`: the task gets `Err(Cancelled)`
    /// at its next await on a oneloop future (once per call), and may clean up, go on, or
    /// return. A task cancelled before its first poll never runs. Returns `false` if the
    /// task had already finished.
    ///
    /// ```
    /// use oneloop::{task, time};
    /// use std::time::Duration;
    ///
    /// oneloop::run(async {
    ///     let handle = task::spawn(async {
    ///         match time::sleep(Duration::from_secs(60)).await {
    ///             Err(_cancelled) => "cleaned up",
    ///             Ok(()) => "slept",
    ///         }
    ///     });
    ///     task::yield_now().await.unwrap();
    ///     assert!(handle.cancel());
    ///     assert_eq!(handle.await.unwrap(), "cleaned up");
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        let requested = self.with_task(|task| {
            if task.state == State::Finished {
                return false;
            }
            task.cancel.requested = task.cancel.requested.saturating_add(1);
            task.cancel.undelivered = task.cancel.undelivered.saturating_add(1);
            true
        });
        match (requested, &self.core) {
            (Some(true), Some(core)) => {
                crate::runtime::running::request_added();
                crate::runtime::trace::cancel_requested(core, self.id.0);
                // Wake it so the request is delivered now, not whenever it would have woken.
                core.schedule(self.key);
                true
            }
            _ => false,
        }
    }

    /// Stops the task without asking it (tokio's `abort`): its future is dropped the next
    /// time the loop schedules it, so destructors run but no code after an await does.
    /// Awaiting the handle then gives a `JoinError` with `is_cancelled()`. Does nothing to a
    /// finished task.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        if let Some(core) = &self.core {
            abort_task(core, self.key, self.id);
        }
    }

    /// A handle that can abort the task, and tell whether it finished, without owning its
    /// output (tokio's `abort_handle`): give it to whoever may have to stop the task.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(std::future::pending::<()>());
    ///     let stopper = handle.abort_handle();
    ///     assert_eq!(stopper.id(), handle.id());
    ///     stopper.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    ///     assert!(stopper.is_finished());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle::new(self.core.clone(), self.key, self.id)
    }

    /// Has the task finished (returned, panicked, or been aborted)?
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async {});
    ///     assert!(!handle.is_finished());
    ///     oneloop::task::yield_now().await.unwrap();
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.with_task(|task| task.state == State::Finished)
            .unwrap_or(true)
    }

    /// The task's id, unique within its loop (the root future of `run` is task 1).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async {});
    ///     assert_eq!(handle.id().to_string(), "2");
    /// #   handle.await.unwrap();
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name), if any.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::task::Builder::new().name("spin").spawn(async {});
    ///     assert_eq!(handle.name(), Some("spin"));
    /// #   handle.await.unwrap();
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(core) = &this.core else {
            panic!("JoinHandle polled after it returned its output");
        };
        let entry = {
            let mut tasks = core.tasks.borrow_mut();
            match tasks.get(this.key).map(|task| task.state) {
                // Only if the loop was dropped (which drops every task) before this poll.
                None => None,
                Some(State::Finished) => Some(tasks.remove(this.key.slot as usize)),
                Some(_) => {
                    drop(tasks);
                    // A cancel request of the task awaiting this one is passed on to this
                    // one, as asyncio does when a task awaiting another is cancelled: the
                    // awaiting task learns how it went from the join result
                    // (`Ok(Err(Cancelled))` if the awaited task let the error through, its
                    // output if it caught it).
                    if cancel::take_request_to_pass_on("join") && !this.cancel() {
                        if let Some(owner) = cancel::current_task() {
                            cancel::give_back_request(owner); // not reached: the task is alive
                        }
                    }
                    let replaced = this
                        .with_task(|task| match &task.join_waker {
                            Some(w) if w.will_wake(cx.waker()) => None,
                            _ => task.join_waker.replace(cx.waker().clone()),
                        })
                        .flatten();
                    // Outside the borrow: a foreign waker's drop may re-enter the loop.
                    drop(replaced);
                    // Woken by the loop when the task finishes.
                    return Poll::Pending;
                }
            }
        }; // the entry (and the output) is dropped below, outside the borrow
        this.core = None;
        let mut output: Option<Result<T, JoinError>> = None;
        if let Some(mut cell) = entry.and_then(|task| task.cell) {
            cell.as_mut().take_output(&mut output);
        }
        Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled(this.id))))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let Some(core) = &self.core else {
            return; // the output was taken, and the entry with it
        };
        // Detach: a finished task's entry (and output) goes now, a live one's when it ends.
        let removed = {
            let Ok(mut tasks) = core.tasks.try_borrow_mut() else {
                return;
            };
            let finished = match tasks.get_mut(self.key) {
                Some(task) if task.state == State::Finished => true,
                Some(task) => {
                    task.has_handle = false;
                    false
                }
                None => false,
            };
            finished.then(|| tasks.remove(self.key.slot as usize))
        };
        drop(removed); // the output's destructor runs outside the borrow
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    /// `Task { id: 2, name: "spin", state: Pending }`, the oneloop version of the line
    /// asyncio prints for a task object. `state` is `Pending` (not finished), `Cancelling`
    /// (not finished, with a cancel request not yet delivered, or aborted) or `Finished`;
    /// `runtime::TaskState`'s docs map these to the loop's states.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self
            .with_task(|task| match task.state {
                State::Finished => "Finished",
                _ if task.aborted || task.cancel.undelivered > 0 => "Cancelling",
                _ => "Pending",
            })
            .unwrap_or("Finished");
        let mut s = f.debug_struct("Task");
        s.field("id", &self.id.0);
        if let Some(name) = &self.name {
            s.field("name", name);
        }
        s.field("state", &format_args!("{state}")).finish()
    }
}

#[cfg(test)]
mod tests {
    /// Returned by every spawn: keep it from growing by accident (40 bytes on 64-bit targets
    /// today: the loop, the task's key, its id and its name).
    #[test]
    fn handle_stays_small() {
        let handle = std::mem::size_of::<super::JoinHandle<()>>();
        assert!(handle <= 40, "JoinHandle is {handle} bytes");
    }
}
