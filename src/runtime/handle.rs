//! `runtime::Handle`: a reference to a loop, to spawn on it or block on it (tokio's
//! `Handle`), shaped for a loop that lives on one thread.
//!
//! tokio's `Handle` is `Send`: any thread can spawn onto a multi-threaded runtime with it.
//! The One Loop's state is `Rc`/`RefCell` on its own thread, so this `Handle` is not
//! `Send`; it is for code on the loop's thread that wants the loop without having it
//! passed down (`Handle::current()`), or for keeping a loop to run later
//! (`Runtime::handle()`). Another thread hands work to the loop through a channel instead
//! (an `mpsc` sender is `Send`).

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use super::context::{self, Core};
use crate::task::JoinHandle;

/// A reference to a oneloop loop (tokio's `runtime::Handle`; here not `Send`, see the
/// module docs).
///
/// ```
/// use oneloop::runtime::Handle;
///
/// oneloop::run(async {
///     let handle = Handle::current();
///     let task = handle.spawn(async { "spawned through the handle" });
///     assert_eq!(task.await.unwrap(), "spawned through the handle");
/// });
/// ```
#[derive(Clone)]
pub struct Handle {
    /// The loop; kept alive by the handle (its tasks are dropped with the `Runtime`).
    core: Rc<Core>,
}

impl Handle {
    pub(crate) fn new(core: Rc<Core>) -> Handle {
        Handle { core }
    }

    /// The loop running on this thread. Panics outside one, with a message that says so
    /// (use [`try_current`](Handle::try_current) to ask).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let _handle = oneloop::runtime::Handle::current();
    /// });
    /// ```
    pub fn current() -> Handle {
        Handle::new(context::current("oneloop::runtime::Handle::current"))
    }

    /// The loop running on this thread, or an error outside one.
    ///
    /// ```
    /// use oneloop::runtime::Handle;
    ///
    /// assert!(Handle::try_current().unwrap_err().is_missing_context());
    /// oneloop::run(async { assert!(Handle::try_current().is_ok()) });
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(Rc::clone)
            .map(Handle::new)
            .ok_or(TryCurrentError { _private: () })
    }

    /// Spawns `future` on this loop, as [`spawn`](crate::spawn) does on the current one.
    /// If the loop is not running (a handle kept from [`Runtime::handle`](crate::Runtime::handle)),
    /// the task runs when it next runs.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let handle = oneloop::runtime::Handle::current();
    ///     assert_eq!(handle.spawn(async { 2 }).await.unwrap(), 2);
    /// });
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::task::spawn_on(&self.core, None, future)
    }

    /// Runs the loop until `future` completes, as [`Runtime::block_on`](crate::Runtime::block_on)
    /// does, and returns its output.
    ///
    /// On one thread there is one way to block: be the loop. So this runs the loop on the
    /// calling thread, which must be the handle's thread (it is not `Send`) and must not be
    /// inside a running loop: called from a task, or from any code the loop is running, it
    /// panics with a message that says so, since blocking there would stop the very loop
    /// that has to make `future` progress (tokio panics there too). In a task, `.await` the
    /// future instead.
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// assert_eq!(handle.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if context::with_current(|_| ()).is_some() {
            panic!("Handle::block_on was called from inside a running oneloop loop, which would block the loop it waits on: `.await` the future (or spawn it) instead");
        }
        if self.core.closing.get() {
            panic!("Handle::block_on: the Runtime of this handle was dropped");
        }
        super::entry::block_on_core(&self.core, future)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("loop", &self.core.id)
            .finish()
    }
}

/// Why [`Handle::try_current`] found no loop: none is running on this thread.
///
/// ```
/// let err = oneloop::runtime::Handle::try_current().unwrap_err();
/// assert!(err.is_missing_context());
/// assert!(err.to_string().contains("no oneloop loop"));
/// ```
pub struct TryCurrentError {
    _private: (),
}

impl TryCurrentError {
    /// No loop runs on this thread (the only reason there is, here; tokio has another).
    ///
    /// ```
    /// assert!(oneloop::runtime::Handle::try_current().unwrap_err().is_missing_context());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        true
    }
}

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryCurrentError::MissingContext")
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no oneloop loop is running on this thread")
    }
}

impl std::error::Error for TryCurrentError {}
