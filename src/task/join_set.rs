//! `JoinSet`: a set of spawned tasks, awaited in the order they finish.
//!
//! The handles live in a `FutureSet` (see `gather.rs`), so each has its own waker and
//! `join_next` polls only the handles whose task finished, however many tasks the set holds.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{spawn, AbortHandle, JoinError, JoinHandle};
use crate::gather::FutureSet;

/// A set of tasks spawned on the current loop (tokio's `JoinSet`, asyncio's `TaskGroup`
/// without the scope). [`join_next`](JoinSet::join_next) gives their results as they
/// finish; **dropping the set aborts every task still in it**.
///
/// ```
/// use oneloop::task::JoinSet;
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let mut set = JoinSet::new();
///     for ms in [20, 5, 10] {
///         set.spawn(async move {
///             sleep(Duration::from_millis(ms)).await.unwrap();
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(result) = set.join_next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [5, 10, 20]);
/// });
/// ```
pub struct JoinSet<T> {
    /// The handles of the tasks not yet joined, each with its own waker.
    handles: FutureSet<JoinHandle<T>>,
}

impl<T: 'static> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = oneloop::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        JoinSet {
            handles: FutureSet::new(),
        }
    }

    /// Spawns `future` on the current loop as a task of this set and returns an
    /// [`AbortHandle`] to it (tokio's signature). Panics outside a loop, as
    /// [`spawn`](crate::spawn) does.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     let a = set.spawn(async { 1 });
    ///     let b = set.spawn(async { 2 });
    ///     assert!(a.id() < b.id());
    ///     assert_eq!(set.len(), 2);
    /// });
    /// ```
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = spawn(future);
        let abort = handle.abort_handle();
        self.handles.insert(handle);
        abort
    }

    /// Waits for the next task to finish and removes it from the set: its output, or the
    /// `JoinError` if it panicked or was aborted. `None` when the set is empty.
    ///
    /// Like awaiting a `JoinHandle`, it passes a cancel request of the waiting task on: every
    /// task of the set is cancelled (as by [`cancel_all`](JoinSet::cancel_all)), and
    /// `join_next` goes on giving how each ended.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     set.spawn(async { "done" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "done");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub fn join_next(&mut self) -> JoinNext<'_, T> {
        JoinNext { set: self }
    }

    /// Removes a task that has already finished and gives its result, without waiting
    /// (tokio's `try_join_next`); `None` if no task of the set has finished yet.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     set.spawn(async { 7 });
    ///     assert!(set.try_join_next().is_none()); // it has not run yet
    ///     oneloop::task::yield_now().await.unwrap();
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 7);
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.handles.take_finished(JoinHandle::is_finished)
    }

    /// Waits for every task of the set and returns their outputs, in the order they
    /// finished (tokio's `join_all`). If a task panicked (or was aborted), the panic is
    /// resumed here (for an abort: a panic that says so); the set is dropped on the way,
    /// which aborts the tasks still running. A cancel request of the waiting task is passed
    /// on to every task, as [`join_next`](JoinSet::join_next) does.
    ///
    /// ```
    /// use oneloop::time::{sleep, Duration};
    ///
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     for ms in [15, 5] {
    ///         set.spawn(async move {
    ///             sleep(Duration::from_millis(ms)).await.unwrap();
    ///             ms
    ///         });
    ///     }
    ///     assert_eq!(set.join_all().await, [5, 15]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(err) => panic!("JoinSet::join_all: {err}"),
                },
            }
        }
        outputs
    }

    /// Asks every task in the set to stop, the asyncio way ([`JoinHandle::cancel`]): each
    /// gets `Err(Cancelled)` at its next await and may clean up. They stay in the set; join
    /// them to see how they ended.
    ///
    /// ```
    /// use oneloop::time::{sleep, Duration};
    ///
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     set.spawn(async { sleep(Duration::from_secs(60)).await.is_err() });
    ///     oneloop::task::yield_now().await.unwrap(); // let it start sleeping
    ///     set.cancel_all();
    ///     assert!(set.join_next().await.unwrap().unwrap()); // it saw the Cancelled
    /// });
    /// ```
    pub fn cancel_all(&self) {
        for handle in self.handles.iter() {
            handle.cancel();
        }
    }

    /// Aborts every task in the set ([`JoinHandle::abort`]): their futures are dropped at
    /// their next scheduling. They stay in the set; joining them gives `is_cancelled()` errors.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&self) {
        for handle in self.handles.iter() {
            handle.abort();
        }
    }

    /// Aborts every task and waits until they have all finished (tokio's `shutdown`).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut set = oneloop::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// How many tasks are in the set (running, or finished but not yet joined).
    ///
    /// ```
    /// assert_eq!(oneloop::task::JoinSet::<()>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Is the set empty?
    ///
    /// ```
    /// assert!(oneloop::task::JoinSet::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.handles.len() == 0
    }
}

impl<T: 'static> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts every task still in the set; the handles then detach, and each task's future
    /// is dropped at its next scheduling.
    fn drop(&mut self) {
        for handle in self.handles.iter() {
            handle.abort();
        }
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.handles.len())
            .finish()
    }
}

/// The future returned by [`JoinSet::join_next`].
///
/// ```
/// oneloop::run(async {
///     let mut set = oneloop::task::JoinSet::new();
///     set.spawn(async { 5 });
///     let next: oneloop::task::JoinNext<'_, i32> = set.join_next();
///     assert_eq!(next.await.unwrap().unwrap(), 5);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct JoinNext<'a, T> {
    /// The set to take the next finished task from.
    set: &'a mut JoinSet<T>,
}

impl<T: 'static> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Pending inside: woken by the handle's waker when its task finishes.
        self.get_mut()
            .set
            .handles
            .poll_next(cx, "join_next")
            .map(|next| next.map(|(_, result)| result))
    }
}

impl<T> fmt::Debug for JoinNext<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinNext").finish_non_exhaustive()
    }
}
