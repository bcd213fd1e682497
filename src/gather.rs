//! Waiting on many futures at once: [`gather`] (all results, in input order) and
//! [`as_completed`] (each result as it comes); `task::JoinSet` uses the same machinery.
//!
//! A cancel request of the waiting task is passed on to every unfinished child
//! (`task::__PassOn` in `task/cancel.rs` does the bookkeeping): each child is polled in the
//! same turn and sees one `Cancelled` at its next cancellation point.
//!
//! The machinery is [`FutureSet`]: the futures in a slab, each with **its own waker**. A
//! child's waker does not poll anything; it files the child's key in a shared ready list and
//! wakes the task that awaits the set. When that task polls the set, only the children in
//! the ready list are polled. With hundreds of downloads in flight, one finished download
//! costs one child poll, not hundreds (asyncio does the same with one callback per future).
//!
//! A child's waker must be `Send + Sync` like every `Waker`, so the ready list sits behind
//! a `std::sync::Mutex` in an `Arc`, although on the One Loop it is only ever locked from
//! this thread (uncontended: a few nanoseconds).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use crate::task::cancel;

/// Runs `futures` concurrently and returns all their outputs, in input order (asyncio's
/// `gather`, `futures::future::join_all`).
///
/// A cancel request of the awaiting task reaches **every** child still running, as asyncio
/// cancels every child of a cancelled `gather`: each sees one `Cancelled` at its next
/// cancellation point, and `gather` completes with what they returned. The children are
/// futures inside the awaiting task, not tasks: one that panics ends the whole task and
/// drops its siblings (spawn them and gather the `JoinHandle`s where that must not happen).
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let parent = oneloop::spawn(oneloop::gather([1, 2, 3].map(|n| async move {
///         match sleep(Duration::from_secs(60)).await {
///             Ok(()) => 0,
///             Err(_cancelled) => n, // every child sees the cancel and cleans up
///         }
///     })));
///     oneloop::task::yield_now().await.unwrap(); // the children start sleeping
///     parent.cancel();
///     assert_eq!(parent.await.unwrap(), [1, 2, 3]);
/// });
/// ```
///
/// Results in input order, whatever order the children finish in:
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let slow_first = [30, 10, 20].map(|ms| async move {
///         sleep(Duration::from_millis(ms)).await.unwrap();
///         ms
///     });
///     assert_eq!(oneloop::gather(slow_first).await, [30, 10, 20]);
/// });
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let set = FutureSet::from_iter(futures.into_iter().map(Box::pin));
    let outputs = (0..set.len()).map(|_| None).collect();
    Gather { set, outputs }
}

/// The future returned by [`gather`].
///
/// ```
/// use oneloop::time::{sleep, Duration};
/// let gathered: oneloop::Gather<_> = oneloop::gather([sleep(Duration::ZERO), sleep(Duration::ZERO)]);
/// oneloop::run(async move { assert_eq!(gathered.await.len(), 2) });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    /// The futures still running, keyed by input position. Boxed so the set is `Unpin`
    /// whatever `F` is (one allocation per future, once).
    set: FutureSet<Pin<Box<F>>>,
    /// Outputs by input position, filled in as the futures finish.
    outputs: Vec<Option<F::Output>>,
}

// Outputs are plain values, never pinned; the futures are pinned in their own boxes.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Pending inside: woken by a child's waker when that child can make progress.
        while let Some((index, output)) = std::task::ready!(this.set.poll_next(cx, "gather")) {
            this.outputs[index] = Some(output);
        }
        let outputs = std::mem::take(&mut this.outputs);
        Poll::Ready(
            outputs
                .into_iter()
                .map(|o| o.expect("every future finished"))
                .collect(),
        )
    }
}

/// Runs `futures` concurrently and gives their outputs one by one, in the order they finish
/// (asyncio's `as_completed`).
///
/// A cancel request of the task awaiting [`next`](AsCompleted::next) reaches every child
/// still running, as for [`gather`]; `next` goes on giving their outputs, so none is
/// dropped silently.
///
/// ```
/// use oneloop::time::{sleep, Duration};
///
/// oneloop::run(async {
///     let mut done = oneloop::as_completed([30, 10, 20].map(|ms| async move {
///         sleep(Duration::from_millis(ms)).await.unwrap();
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some(ms) = done.next().await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        set: FutureSet::from_iter(futures.into_iter().map(Box::pin)),
    }
}

/// The stream of outputs returned by [`as_completed`]; call [`next`](AsCompleted::next).
///
/// ```
/// oneloop::run(async {
///     let mut done: oneloop::AsCompleted<_> = oneloop::as_completed([async { 'a' }]);
///     assert_eq!(done.next().await, Some('a'));
/// });
/// ```
#[must_use = "as_completed does nothing unless `next` is awaited"]
pub struct AsCompleted<F: Future> {
    /// The futures still running.
    set: FutureSet<Pin<Box<F>>>,
}

impl<F: Future> AsCompleted<F> {
    /// The next output to be ready, or `None` when every future has finished.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let mut done = oneloop::as_completed([async { 1 }]);
    ///     assert_eq!(done.next().await, Some(1));
    ///     assert_eq!(done.next().await, None);
    /// });
    /// ```
    // `next` is asyncio's name (its `async for` calls `__anext__`); an `Iterator` it cannot be.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> AsCompletedNext<'_, F> {
        AsCompletedNext { set: &mut self.set }
    }

    /// How many futures have not finished yet.
    ///
    /// ```
    /// let done = oneloop::as_completed([1, 2].map(|i| async move { i }));
    /// assert_eq!(done.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Has every future finished?
    ///
    /// ```
    /// let done = oneloop::as_completed(Vec::<std::future::Ready<()>>::new());
    /// assert!(done.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.set.len() == 0
    }
}

/// The future returned by [`AsCompleted::next`].
///
/// ```
/// oneloop::run(async {
///     let mut done = oneloop::as_completed([async { 1 }]);
///     let next: oneloop::AsCompletedNext<'_, _> = done.next();
///     assert_eq!(next.await, Some(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AsCompletedNext<'a, F: Future> {
    /// The set to take the next output from.
    set: &'a mut FutureSet<Pin<Box<F>>>,
}

impl<F: Future> Future for AsCompletedNext<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Pending inside: woken by a child's waker.
        self.get_mut()
            .set
            .poll_next(cx, "as_completed")
            .map(|next| next.map(|(_, output)| output))
    }
}

/// Futures polled only when their own waker was woken (see the module docs).
pub(crate) struct FutureSet<F> {
    /// The children, by key. Keys are reused; a late wake for a finished child's key only
    /// causes one spurious poll of whatever lives there now.
    children: Slab<F>,
    /// Each key's waker, made once and kept for the next child of the same key.
    wakers: Vec<Waker>,
    /// The ready list the wakers write to.
    shared: Arc<Shared>,
    /// `owed[key]`: cancel requests of the awaiting task that the child at `key` has not
    /// taken yet. Each is lent to it at its next poll (see `poll_next`).
    owed: Vec<u32>,
    /// Cancel requests taken from the awaiting task and passed on to the children.
    pass_on: cancel::__PassOn,
}

/// What the children's wakers share with the set.
struct Shared {
    /// Behind a `Mutex` only because a `Waker` must be `Sync` (see the module docs).
    state: Mutex<ReadyList>,
}

struct ReadyList {
    /// Keys of children woken since their last poll, in wake order.
    ready: VecDeque<usize>,
    /// `queued[key]`: is `key` in `ready`? Keeps each key there at most once.
    queued: Vec<bool>,
    /// The waker of the task awaiting the set.
    parent: Option<Waker>,
}

/// The waker of one child.
struct ChildWaker {
    /// Which child.
    key: usize,
    /// Where to file it.
    shared: Arc<Shared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut list = self.shared.lock();
            if list.queued[self.key] {
                return; // already filed, and the parent already woken
            }
            list.queued[self.key] = true;
            list.ready.push_back(self.key);
            list.parent.clone()
        };
        // Woken with the lock released: the parent's waker may be another `ChildWaker`
        // (a set awaited inside a set).
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ReadyList> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<F> FromIterator<F> for FutureSet<F> {
    fn from_iter<I: IntoIterator<Item = F>>(futures: I) -> Self {
        let mut set = FutureSet::new();
        for future in futures {
            set.insert(future);
        }
        set
    }
}

impl<F> FutureSet<F> {
    pub(crate) fn new() -> Self {
        FutureSet {
            children: Slab::new(),
            wakers: Vec::new(),
            shared: Arc::new(Shared {
                state: Mutex::new(ReadyList {
                    ready: VecDeque::new(),
                    queued: Vec::new(),
                    parent: None,
                }),
            }),
            owed: Vec::new(),
            pass_on: cancel::__PassOn::new(),
        }
    }

    /// Adds a future, ready for its first poll, and returns its key.
    pub(crate) fn insert(&mut self, future: F) -> usize {
        let key = self.children.insert(future);
        if key == self.owed.len() {
            self.owed.push(0);
        }
        self.owed[key] = 0;
        if key == self.wakers.len() {
            self.wakers.push(Waker::from(Arc::new(ChildWaker {
                key,
                shared: Arc::clone(&self.shared),
            })));
        }
        let mut list = self.shared.lock();
        if key >= list.queued.len() {
            list.queued.resize(key + 1, false);
        }
        if !list.queued[key] {
            list.queued[key] = true;
            list.ready.push_back(key);
        }
        key
    }

    pub(crate) fn len(&self) -> usize {
        self.children.len()
    }

    /// The children, to cancel or abort them (`JoinSet`).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &F> {
        self.children.iter().map(|(_, child)| child)
    }
}

impl<F> FutureSet<F> {
    /// The cancellation rule for a set: requests of the awaiting task are passed on to
    /// **every** child still running (asyncio cancels every child of a cancelled `gather`).
    /// Each child is queued for a poll now, whatever it was waiting for, and owes one
    /// `Cancelled` per request, delivered at its next cancellation point.
    fn pass_on_cancel(&mut self, waits_on: &'static str) {
        if self.children.is_empty() {
            return;
        }
        let taken = self.pass_on.take(waits_on);
        if taken == 0 {
            return;
        }
        let mut list = self.shared.lock();
        for (key, _) in self.children.iter() {
            self.owed[key] += taken;
            if !list.queued[key] {
                list.queued[key] = true;
                list.ready.push_back(key);
            }
        }
    }
}

impl<F: Future + Unpin> FutureSet<F> {
    /// Removes the first child for which `finished` holds and polls it once with its own
    /// waker, expecting its output at once (`JoinSet::try_join_next`: a finished task's
    /// handle is ready). `None` if no child is finished (or it was not ready after all; it
    /// then stays in the set).
    pub(crate) fn take_finished(&mut self, finished: impl Fn(&F) -> bool) -> Option<F::Output> {
        let key = self
            .children
            .iter()
            .find(|(_, child)| finished(child))
            .map(|(key, _)| key)?;
        let mut child_cx = Context::from_waker(&self.wakers[key]);
        let Poll::Ready(output) = Pin::new(&mut self.children[key]).poll(&mut child_cx) else {
            return None;
        };
        drop(self.children.remove(key));
        self.owed[key] = 0;
        Some(output)
    }

    /// Polls the children that were woken, in wake order, until one finishes: `Some((key,
    /// output))`; `None` if the set is empty. Each call polls at most the children that were
    /// ready when it started, so a child that wakes itself at once cannot keep the loop here.
    /// `waits_on` names the waiting future for `runtime::tasks()`.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        waits_on: &'static str,
    ) -> Poll<Option<(usize, F::Output)>> {
        if self.children.is_empty() {
            self.pass_on.give_back();
            return Poll::Ready(None);
        }
        self.pass_on_cancel(waits_on);
        let ready_now = {
            let mut list = self.shared.lock();
            if !list
                .parent
                .as_ref()
                .is_some_and(|p| p.will_wake(cx.waker()))
            {
                list.parent = Some(cx.waker().clone());
            }
            list.ready.len()
        };
        for _ in 0..ready_now {
            let key = {
                let mut list = self.shared.lock();
                let Some(key) = list.ready.pop_front() else {
                    break;
                };
                list.queued[key] = false;
                key
            };
            let Some(child) = self.children.get_mut(key) else {
                continue; // a late wake for a child that already finished
            };
            // A child that owes a `Cancelled` gets a request of its own for this poll; if
            // it reaches no cancellation point (it finishes, or waits inside a `shield`),
            // the request is withdrawn and it still owes one.
            let lent = self.pass_on.lend(self.owed[key]);
            let mut child_cx = Context::from_waker(&self.wakers[key]);
            let poll = Pin::new(child).poll(&mut child_cx);
            if self.pass_on.settle(lent) {
                self.owed[key] -= 1;
            }
            if let Poll::Ready(output) = poll {
                drop(self.children.remove(key));
                self.owed[key] = 0;
                if self.children.is_empty() {
                    self.pass_on.give_back();
                }
                return Poll::Ready(Some((key, output)));
            }
        }
        // Woken by a child's waker (it files the child, then wakes us).
        Poll::Pending
    }
}
