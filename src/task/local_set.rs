//! `LocalSet`: tokio's container for `!Send` tasks, as a thin shim.
//!
//! On tokio, `spawn_local` needs a `LocalSet` because its runtime may move tasks between
//! threads. On the One Loop every task is local, so a `LocalSet` only has to let tokio code
//! that uses one compile and behave the same: its tasks are ordinary tasks, and dropping
//! the set aborts the ones still running (as dropping tokio's does).

use std::cell::RefCell;
use std::future::Future;

use super::join::AbortHandle;
use super::{spawn, JoinHandle};

/// A set of tasks that run on this thread (tokio's `LocalSet`; here, every task does).
///
/// ```
/// use oneloop::task::LocalSet;
///
/// oneloop::run(async {
///     let local = LocalSet::new();
///     let answer = local
///         .run_until(async {
///             let shared = std::rc::Rc::new(41);
///             oneloop::task::spawn_local(async move { *shared + 1 }).await.unwrap()
///         })
///         .await;
///     assert_eq!(answer, 42);
/// });
/// ```
#[derive(Default)]
pub struct LocalSet {
    /// The tasks spawned through the set, so dropping it can abort them. Finished ones are
    /// pruned whenever the list doubles, so a long-lived set does not grow for ever.
    tasks: RefCell<Vec<AbortHandle>>,
}

impl LocalSet {
    /// An empty set.
    ///
    /// ```
    /// let _local = oneloop::task::LocalSet::new();
    /// ```
    pub fn new() -> LocalSet {
        LocalSet::default()
    }

    /// Spawns `future` as a task of this set (dropping the set aborts it).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let local = oneloop::task::LocalSet::new();
    ///     let handle = local.spawn_local(async { 5 });
    ///     assert_eq!(handle.await.unwrap(), 5);
    /// });
    /// ```
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = spawn(future);
        let mut tasks = self.tasks.borrow_mut();
        if tasks.len() == tasks.capacity() {
            tasks.retain(|task| !task.is_finished());
        }
        tasks.push(handle.abort_handle());
        handle
    }

    /// Runs `future` to completion; tasks of the set run meanwhile, as all tasks do.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let local = oneloop::task::LocalSet::new();
    ///     assert_eq!(local.run_until(async { 3 }).await, 3);
    /// });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        future.await
    }

    /// Runs `future` on `runtime` (tokio's `LocalSet::block_on`).
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let local = oneloop::task::LocalSet::new();
    /// assert_eq!(local.block_on(&rt, async { 2 }), 2);
    /// ```
    pub fn block_on<F: Future>(&self, runtime: &crate::Runtime, future: F) -> F::Output {
        runtime.block_on(future)
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        for task in self.tasks.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.tasks.borrow().len())
            .finish()
    }
}
