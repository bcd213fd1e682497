//! `Semaphore`: a counter of permits with a fair queue of tasks waiting for them.
//!
//! The permit count is a `Cell`: one thread, so no atomics. Waiters queue in a [`WaitList`].
//! Permits that come back go to the *oldest* waiter first, at the moment they come back
//! (the waiter is marked `Granted` and woken); so a late `try_acquire`, or an `acquire` whose
//! first poll comes between the release and the waiter's wake-up, finds no permit to jump
//! the queue with. `Mutex` and the bounded `mpsc` channel are built on this type.
//! The permits live in `permit.rs`, the errors in `error.rs`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

mod error;
mod permit;

pub use error::{AcquireError, TryAcquireError};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use super::wait_list::{Outcome, WaitList};
use crate::task::cancel::poll_proceed;

/// A semaphore: a number of permits that tasks acquire and give back, first come, first
/// served (asyncio's `Semaphore`, tokio's API).
///
/// Waiting in [`acquire`](Semaphore::acquire) is a cancellation point. A permit is given
/// back when its [`SemaphorePermit`] is dropped, including when the task holding it is
/// cancelled or aborted; a permit granted to a waiter that goes away before it could take it
/// passes to the next waiter.
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::Semaphore;
///
/// oneloop::run(async {
///     let downloads = Rc::new(Semaphore::new(2)); // at most two at a time
///     let mut tasks = Vec::new();
///     for i in 0..5 {
///         let downloads = Rc::clone(&downloads);
///         tasks.push(oneloop::spawn(async move {
///             let _permit = downloads.acquire().await.unwrap();
///             assert!(downloads.available_permits() < 2);
///             oneloop::time::sleep(std::time::Duration::from_millis(1)).await.unwrap();
///             i
///         }));
///     }
///     for (i, task) in tasks.into_iter().enumerate() {
///         assert_eq!(task.await.unwrap(), i);
///     }
///     assert_eq!(downloads.available_permits(), 2);
/// });
/// ```
pub struct Semaphore {
    /// Permits nobody holds and nobody has been granted. A `Cell`: one thread.
    permits: Cell<usize>,
    /// Set by [`Semaphore::close`]: every acquire fails from then on.
    closed: Cell<bool>,
    /// The tasks waiting for permits, oldest first.
    waiters: RefCell<WaitList>,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub const fn new(permits: usize) -> Semaphore {
        Semaphore {
            permits: Cell::new(permits),
            closed: Cell::new(false),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Permits that can be acquired right now.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.get()
    }

    /// Adds `n` permits, serving waiters first in first out.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Closes the semaphore: waiters and later acquires fail with an error for which
    /// `is_closed()` is true. Permits already held stay valid.
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        self.closed.set(true);
        // Wake them one at a time, never with the list borrowed: a waker may do anything.
        loop {
            let waker = self.waiters.borrow_mut().pop_front(Outcome::Closed);
            match waker {
                Some(waker) => waker.wake(),
                None => break,
            }
        }
    }

    /// Was [`close`](Semaphore::close) called?
    ///
    /// ```
    /// assert!(!oneloop::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Waits for one permit. A cancellation point: gives `Err` with `is_cancelled()` if the
    /// task is cancelled while (or before) it waits.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let sem = oneloop::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once (in the queue like any other waiter: a large request
    /// at the head holds back smaller ones behind it).
    ///
    /// ```
    /// oneloop::run(async {
    ///     let sem = oneloop::sync::Semaphore::new(3);
    ///     let permits = sem.acquire_many(2).await.unwrap();
    ///     assert_eq!(permits.num_permits(), 2);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wait: Wait::new(n),
        }
    }

    /// [`acquire`](Semaphore::acquire) for a semaphore in an `Arc`: the permit keeps the
    /// semaphore alive and borrows nothing, so it can move into a spawned task.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// oneloop::run(async {
    ///     let sem = Arc::new(oneloop::sync::Semaphore::new(1));
    ///     let permit = Arc::clone(&sem).acquire_owned().await.unwrap();
    ///     let task = oneloop::spawn(async move { drop(permit) });
    ///     task.await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned {
            semaphore: Some(self),
            wait: Wait::new(1),
        }
    }

    /// Takes a permit if one is free *and nobody is queued for it*: it never jumps the queue.
    ///
    /// ```
    /// use oneloop::sync::{Semaphore, TryAcquireError};
    ///
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued (see [`try_acquire`](Self::try_acquire)).
    ///
    /// ```
    /// let sem = oneloop::sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit::adopt(self, n))
    }

    /// The fast path shared by `try_acquire` and the first poll of `acquire`.
    fn try_take(&self, n: u32) -> Result<(), TryAcquireError> {
        if self.closed.get() {
            return Err(TryAcquireError::Closed);
        }
        let free = self.permits.get();
        if free >= n as usize && self.waiters.borrow().is_empty() {
            self.permits.set(free - n as usize);
            return Ok(());
        }
        Err(TryAcquireError::NoPermits)
    }

    /// Gives `n` permits back and hands what it can to the waiters, oldest first.
    pub(crate) fn release(&self, n: usize) {
        self.permits.set(self.permits.get() + n);
        loop {
            let waker = {
                let mut waiters = self.waiters.borrow_mut();
                match waiters.front_need() {
                    Some(need) if need as usize <= self.permits.get() => {
                        self.permits.set(self.permits.get() - need as usize);
                        waiters.pop_front(Outcome::Granted)
                    }
                    _ => return,
                }
            };
            // Woken with the borrow released: the waker may re-enter this semaphore.
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// The body of every acquire future's `poll` (the borrowed, owned and channel ones).
    pub(crate) fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        wait: &mut Wait,
    ) -> Poll<Result<(), AcquireError>> {
        if let Err(_cancelled) = std::task::ready!(poll_proceed(cx, "semaphore")) {
            self.abandon(wait);
            return Poll::Ready(Err(AcquireError::cancelled()));
        }
        let Some(key) = wait.key else {
            return match self.try_take(wait.need) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(TryAcquireError::Closed) => Poll::Ready(Err(AcquireError::closed())),
                Err(TryAcquireError::NoPermits) => {
                    wait.key = Some(self.waiters.borrow_mut().push_back(cx.waker(), wait.need));
                    // Woken by `release` (a permit dropped, `add_permits`) when our turn
                    // comes, or by `close`.
                    Poll::Pending
                }
            };
        };
        let mut waiters = self.waiters.borrow_mut();
        match waiters.outcome(key) {
            Outcome::Waiting => {
                let replaced = waiters.update_waker(key, cx.waker());
                drop(waiters);
                drop(replaced); // outside the borrow
                                // Still queued: woken by `release` or `close`, as above.
                Poll::Pending
            }
            outcome => {
                waiters.remove(key);
                wait.key = None;
                match outcome {
                    Outcome::Closed => Poll::Ready(Err(AcquireError::closed())),
                    _ => Poll::Ready(Ok(())),
                }
            }
        }
    }

    /// A waiter goes away (cancelled, or its future dropped): leave the queue, and if permits
    /// were already granted to it, pass them on. Leaving the head of the queue may also let
    /// the waiters behind it through (it may have asked for more than was free).
    pub(crate) fn abandon(&self, wait: &mut Wait) {
        let Some(key) = wait.key.take() else {
            return;
        };
        let outcome = self.waiters.borrow_mut().remove(key);
        match outcome {
            Outcome::Granted => self.release(wait.need as usize),
            Outcome::Waiting => self.release(0),
            Outcome::Broadcast | Outcome::Closed | Outcome::Idle => {}
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.permits.get())
            .field("closed", &self.closed.get())
            .finish_non_exhaustive()
    }
}

/// One acquire's place in the queue, shared by the futures that wait on a semaphore.
#[derive(Debug)]
pub(crate) struct Wait {
    /// How many permits it asks for.
    need: u32,
    /// Its ticket in the wait list, once it queued (`None` before, and after it is served).
    key: Option<usize>,
}

impl Wait {
    pub(crate) const fn new(need: u32) -> Wait {
        Wait { need, key: None }
    }
}

/// The future returned by [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// ```
/// oneloop::run(async {
///     let semaphore = oneloop::sync::Semaphore::new(1);
///     let acquire: oneloop::sync::Acquire<'_> = semaphore.acquire();
///     let _permit = acquire.await.unwrap();
///     assert_eq!(semaphore.available_permits(), 0);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    /// The semaphore it waits on.
    semaphore: &'a Semaphore,
    /// Its place in the queue.
    wait: Wait,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let semaphore = this.semaphore;
        let need = this.wait.need;
        semaphore
            .poll_acquire(cx, &mut this.wait)
            .map_ok(|()| SemaphorePermit::adopt(semaphore, need))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.semaphore.abandon(&mut self.wait);
    }
}

/// The future returned by [`Semaphore::acquire_owned`].
///
/// ```
/// use std::sync::Arc;
/// oneloop::run(async {
///     #[allow(clippy::arc_with_non_send_sync)]
///     let semaphore = Arc::new(oneloop::sync::Semaphore::new(1));
///     let acquire: oneloop::sync::AcquireOwned = Arc::clone(&semaphore).acquire_owned();
///     let _permit = acquire.await.unwrap();
///     assert_eq!(semaphore.available_permits(), 0);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireOwned {
    /// The semaphore; moved into the permit when granted.
    semaphore: Option<Arc<Semaphore>>,
    /// Its place in the queue.
    wait: Wait,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let semaphore = this
            .semaphore
            .as_ref()
            .expect("AcquireOwned polled after it returned");
        let result = std::task::ready!(semaphore.poll_acquire(cx, &mut this.wait));
        let semaphore = this.semaphore.take().expect("checked above");
        let need = this.wait.need;
        Poll::Ready(result.map(|()| OwnedSemaphorePermit::adopt(semaphore, need)))
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        if let Some(semaphore) = &self.semaphore {
            semaphore.abandon(&mut self.wait);
        }
    }
}

impl Semaphore {
    /// [`try_acquire`](Semaphore::try_acquire) for a semaphore in an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(oneloop::sync::Semaphore::new(0));
    /// assert!(sem.try_acquire_owned().is_err());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(1)?;
        Ok(OwnedSemaphorePermit::adopt(self, 1))
    }
}
