//! `JoinHandle`, the owner's view of a spawned task, and `JoinError`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::abort::{abort_task, AbortHandle};
use super::cancel;
use super::state::State;
use super::Id;
use crate::runtime::context::Core;

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
/// ```
/// oneloop::run(async {
///     let handle = oneloop::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    /// The loop that owns the task.
    core: Rc<Core>,
    /// The task's slot in the loop's slab...
    slot: u32,
    /// ...and the generation that tells it from later tasks in the same slot.
    generation: u16,
    /// Kept here so `id()` and `Debug` work without touching the loop.
    id: Id,
    /// Kept here so `name()` can hand out a `&str` that lives as long as the handle.
    name: Option<Rc<str>>,
    /// The output was taken: the slot may already belong to another task.
    done: bool,
    /// `fn() -> T`: the handle gives out a `T` but holds none, so it is `Unpin` whatever `T` is.
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(
        core: Rc<Core>,
        slot: u32,
        generation: u16,
        id: Id,
        name: Option<Rc<str>>,
    ) -> Self {
        JoinHandle {
            core,
            slot,
            generation,
            id,
            name,
            done: false,
            _output: PhantomData,
        }
    }

    /// Runs `f` on the task's slab entry, if the task is still there.
    fn with_task<R>(&self, f: impl FnOnce(&mut super::cell::Task) -> R) -> Option<R> {
        if self.done {
            return None;
        }
        let mut tasks = self.core.tasks.borrow_mut();
        match tasks.get_mut(self.slot as usize) {
            Some(task) if task.generation == self.generation && task.id == self.id => Some(f(task)),
            _ => None,
        }
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
        if requested == Some(true) {
            // Wake it so the request is delivered now, not whenever it would have woken.
            self.core.schedule(self.slot, self.generation);
            return true;
        }
        false
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
        if !self.done {
            abort_task(&self.core, self.slot, self.generation, self.id);
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
        AbortHandle::new(Rc::clone(&self.core), self.slot, self.generation, self.id)
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
        self.done
            || self
                .with_task(|task| task.state == State::Finished)
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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.done, "JoinHandle polled after it returned its output");
        let (slot, generation, id) = (self.slot, self.generation, self.id);
        let task = {
            let mut tasks = self.core.tasks.borrow_mut();
            let task = match tasks.get_mut(slot as usize) {
                Some(task) if task.generation == generation && task.id == id => task,
                // Only if the loop was dropped (which drops every task) before this poll.
                _ => {
                    drop(tasks);
                    self.done = true;
                    return Poll::Ready(Err(JoinError::cancelled(id)));
                }
            };
            if task.state != State::Finished {
                drop(tasks);
                // A cancel request of the task awaiting this one is passed on to this one, as
                // asyncio does when a task awaiting another is cancelled: the awaiting task
                // learns how it went from the join result (`Ok(Err(Cancelled))` if the
                // awaited task let the error through, its output if it caught it).
                if cancel::take_request_to_pass_on("join") && !self.cancel() {
                    if let Some(owner) = cancel::current_task() {
                        cancel::give_back_request(owner); // not reached: the task is alive
                    }
                }
                let mut tasks = self.core.tasks.borrow_mut();
                let task = &mut tasks[slot as usize];
                let replaced = match &task.join_waker {
                    Some(w) if w.will_wake(cx.waker()) => None,
                    _ => task.join_waker.replace(cx.waker().clone()),
                };
                drop(tasks);
                // Outside the borrow: a foreign waker's drop may re-enter the loop.
                drop(replaced);
                // Woken by the loop when the task finishes.
                return Poll::Pending;
            }
            tasks.remove(self.slot as usize) // dropped below, outside the borrow
        };
        self.done = true;
        let mut output: Option<Result<T, JoinError>> = None;
        if let Some(mut cell) = task.cell {
            cell.as_mut().take_output(&mut output);
        }
        Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled(self.id))))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Detach: a finished task's entry (and output) goes now, a live one's when it ends.
        let removed = {
            let Ok(mut tasks) = self.core.tasks.try_borrow_mut() else {
                return;
            };
            match tasks.get_mut(self.slot as usize) {
                Some(task) if task.generation == self.generation && task.id == self.id => {
                    if task.state == State::Finished {
                        Some(tasks.remove(self.slot as usize))
                    } else {
                        task.has_handle = false;
                        None
                    }
                }
                _ => None,
            }
        };
        drop(removed); // the output's destructor runs outside the borrow
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    /// `Task { id: 2, name: "spin", state: Pending }`, the oneloop version of the line
    /// asyncio prints for a task object.
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

/// Why awaiting a [`JoinHandle`] gave no output: the task was cancelled (aborted, or
/// cancelled before it first ran) or it panicked.
///
/// ```
/// oneloop::run(async {
///     let handle = oneloop::spawn(async { panic!("boom") });
///     let err = handle.await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"boom"));
/// });
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(payload),
        }
    }

    /// The task was aborted, or cancelled before it first ran.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async {});
    ///     handle.cancel(); // before its first poll: it never runs
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let err = oneloop::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic's payload, to inspect or to `std::panic::resume_unwind`. Panics if the
    /// error is not a panic (use [`JoinError::try_into_panic`] to check).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let err = oneloop::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"boom"));
    /// });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|err| {
            panic!("JoinError::into_panic called on a non-panic error: {err}")
        })
    }

    /// The panic's payload, or the error back if it was not a panic.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::spawn(async { panic!("boom") });
    ///     let id = handle.id();
    ///     assert_eq!(handle.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

/// The text of a panic payload, when it is a string (as `panic!` makes it).
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(payload) => match panic_message(payload.as_ref()) {
                Some(msg) => write!(f, "task {} panicked with message {msg:?}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", self.id),
            Repr::Panic(payload) => match panic_message(payload.as_ref()) {
                Some(msg) => write!(f, "JoinError::Panic({}, {msg:?})", self.id),
                None => write!(f, "JoinError::Panic({}, ..)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err.to_string())
    }
}
