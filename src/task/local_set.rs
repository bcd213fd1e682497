//! `LocalSet`: tokio's container for `!Send` tasks, as a thin shim.
//!
//! On tokio, `spawn_local` needs a `LocalSet` because its runtime may move tasks between
//! threads. On the One Loop every task is local, so a `LocalSet` only has to let tokio code
//! that uses one compile and behave the same: its tasks are ordinary tasks, and dropping
//! the set aborts the ones still running (as dropping tokio's does).
//!
//! Which set does `task::spawn_local` (the free function) spawn into? The one whose code is
//! running: a thread-local, [`CURRENT`], names it while `run_until`'s future is polled and
//! while a task of the set is polled (each is wrapped in [`InSet`], which sets it around
//! its poll). So a task spawned with `spawn_local` inside `run_until`, or by a task of the
//! set, belongs to the set, as in tokio. Outside any set, `spawn_local` is `spawn`.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{spawn, AbortHandle, JoinHandle};

thread_local! {
    /// The set whose code is being polled on this thread, if any (see the module docs).
    static CURRENT: RefCell<Option<Rc<Owned>>> = const { RefCell::new(None) };
}

/// The tasks of one set, shared by the set and by the wrappers of its tasks (which need it
/// to file the tasks they spawn).
#[derive(Default)]
struct Owned {
    /// The tasks spawned into the set, so dropping it can abort them. Finished ones are
    /// pruned whenever the list doubles, so a long-lived set does not grow for ever.
    tasks: RefCell<Vec<AbortHandle>>,
}

/// Makes `owned` the current set until dropped, restoring the one before.
struct Enter(Option<Rc<Owned>>);

impl Enter {
    fn new(owned: &Rc<Owned>) -> Enter {
        Enter(CURRENT.with(|current| current.replace(Some(Rc::clone(owned)))))
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}

/// A task of a set: its future, polled with the set made current.
struct InSet<F> {
    owned: Rc<Owned>,
    /// Boxed so that `InSet` is `Unpin` without a pin projection.
    future: Pin<Box<F>>,
}

impl<F: Future> Future for InSet<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _enter = Enter::new(&self.owned);
        // Pending: woken by whatever the inner future waits on.
        self.future.as_mut().poll(cx)
    }
}

/// Spawns `future` into `owned`.
fn spawn_in<F>(owned: &Rc<Owned>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let handle = spawn(InSet {
        owned: Rc::clone(owned),
        future: Box::pin(future),
    });
    let mut tasks = owned.tasks.borrow_mut();
    if tasks.len() == tasks.capacity() {
        tasks.retain(|task| !task.is_finished());
    }
    tasks.push(handle.abort_handle());
    handle
}

/// `task::spawn_local`: into the current set, if code of one is running; else `spawn`.
pub(crate) fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten()
    {
        Some(owned) => spawn_in(&owned, future),
        None => spawn(future),
    }
}

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
    /// The set's tasks (shared with their wrappers, see the module docs).
    owned: Rc<Owned>,
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

    /// Spawns `future` as a task of this set (dropping the set aborts it). Tasks it spawns
    /// with [`task::spawn_local`](crate::task::spawn_local) belong to the set too.
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
        spawn_in(&self.owned, future)
    }

    /// Runs `future` to completion; tasks of the set run meanwhile, as all tasks do.
    /// While it runs, [`task::spawn_local`](crate::task::spawn_local) spawns into this set:
    /// dropping the set aborts those tasks too, as in tokio.
    ///
    /// ```
    /// use oneloop::task::{self, LocalSet};
    ///
    /// oneloop::run(async {
    ///     let local = LocalSet::new();
    ///     let stuck = local
    ///         .run_until(async { task::spawn_local(std::future::pending::<()>()) })
    ///         .await;
    ///     drop(local); // the task belongs to the set: aborted
    ///     assert!(stuck.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            let _enter = Enter::new(&self.owned);
            // Pending: woken by whatever the future waits on.
            future.as_mut().poll(cx)
        })
        .await
    }

    /// Runs `future` on `runtime` (tokio's `LocalSet::block_on`).
    ///
    /// ```
    /// let rt = oneloop::Runtime::new().unwrap();
    /// let local = oneloop::task::LocalSet::new();
    /// assert_eq!(local.block_on(&rt, async { 2 }), 2);
    /// ```
    pub fn block_on<F: Future>(&self, runtime: &crate::Runtime, future: F) -> F::Output {
        runtime.block_on(self.run_until(future))
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        for task in self.owned.tasks.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.owned.tasks.borrow().len())
            .finish()
    }
}
