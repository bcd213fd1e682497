//! `Mutex<T>`: a lock held across awaits, handed out first come, first served.
//!
//! It is a [`Semaphore`] of one permit next to a `RefCell<T>`. The permit decides whose turn
//! it is (fairly, with the semaphore's queue); the `RefCell` hands out the `&mut T`. While a
//! task holds the permit nobody else can reach `borrow_mut`, so the `RefCell` never panics:
//! it is there so the whole type is safe code, at the cost of one flag check per lock.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::semaphore::{Semaphore, SemaphorePermit, Wait};
use crate::task::Cancelled;

/// An async mutex (asyncio's `Lock` with a value inside; tokio's `Mutex`).
///
/// Lock it when a critical section spans an `.await`; for a value only touched between
/// awaits a `RefCell` is enough on the One Loop. Waiters get the lock in the order they
/// asked. **Porting from tokio:** `lock().await` is a cancellation point and returns
/// `Result<MutexGuard, Cancelled>`, so add `?` or `.unwrap()`.
///
/// ```
/// use std::rc::Rc;
/// use oneloop::sync::Mutex;
///
/// oneloop::run(async {
///     let log = Rc::new(Mutex::new(Vec::new()));
///     let l = Rc::clone(&log);
///     let writer = oneloop::spawn(async move {
///         let mut guard = l.lock().await.unwrap();
///         guard.push("a");
///         oneloop::task::yield_now().await.unwrap(); // still holding the lock
///         guard.push("b");
///     });
///     oneloop::task::yield_now().await.unwrap();
///     log.lock().await.unwrap().push("c"); // waits for the writer
///     writer.await.unwrap();
///     assert_eq!(*log.lock().await.unwrap(), ["a", "b", "c"]);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    /// One permit: whoever holds it holds the lock; the queue makes it fair.
    pub(super) semaphore: Semaphore,
    /// The value; borrowed mutably only by the permit's holder.
    pub(super) value: RefCell<T>,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    ///
    /// ```
    /// let m = oneloop::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: Semaphore::new(1),
            value: RefCell::new(value),
        }
    }

    /// The value, consuming the mutex.
    ///
    /// ```
    /// assert_eq!(oneloop::sync::Mutex::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock. A cancellation point: `Err(Cancelled)` if the task is cancelled
    /// while it waits; the lock then goes to the next waiter.
    ///
    /// ```
    /// oneloop::run(async {
    ///     let m = oneloop::sync::Mutex::new(1);
    ///     *m.lock().await.unwrap() += 1;
    ///     assert_eq!(*m.lock().await.unwrap(), 2);
    /// });
    /// ```
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            wait: Wait::new(1),
        }
    }

    /// Takes the lock if it is free and nobody is queued for it.
    ///
    /// ```
    /// let m = oneloop::sync::Mutex::new(());
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let permit = self.semaphore.try_acquire().map_err(|_| TryLockError(()))?;
        Ok(self.guard(permit))
    }

    /// The value through `&mut self`: no lock needed, the borrow checker proves exclusivity.
    ///
    /// ```
    /// let mut m = oneloop::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> MutexGuard<'a, T> {
        MutexGuard {
            value: self.value.borrow_mut(),
            _permit: permit,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        // Decided by the permit, not by the `RefCell`: an `OwnedMutexGuard` holds the value
        // without a `RefCell` borrow (see `mutex_owned.rs`).
        match self.semaphore.available_permits() {
            0 => d.field("data", &format_args!("<locked>")),
            _ => d.field("data", &&*self.value.borrow()),
        };
        d.finish()
    }
}

/// The future returned by [`Mutex::lock`].
///
/// ```
/// oneloop::run(async {
///     let mutex = oneloop::sync::Mutex::new(1);
///     let lock: oneloop::sync::Lock<'_, i32> = mutex.lock();
///     assert_eq!(*lock.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Lock<'a, T: ?Sized> {
    /// The mutex it waits on.
    mutex: &'a Mutex<T>,
    /// Its place in the semaphore's queue.
    wait: Wait,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = Result<MutexGuard<'a, T>, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mutex = this.mutex;
        // Pending: woken by the semaphore when the holder before us lets go. The mutex's
        // semaphore is never closed, so the only error is a cancellation.
        match std::task::ready!(mutex.semaphore.poll_acquire(cx, &mut this.wait)) {
            Ok(()) => Poll::Ready(Ok(mutex.guard(SemaphorePermit::adopt(&mutex.semaphore, 1)))),
            Err(_) => Poll::Ready(Err(Cancelled)),
        }
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        self.mutex.semaphore.abandon(&mut self.wait);
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").field("wait", &self.wait).finish()
    }
}

/// The lock held: derefs to the value; dropping it unlocks and serves the next waiter.
///
/// ```
/// let m = oneloop::sync::Mutex::new(String::new());
/// m.try_lock().unwrap().push_str("hi");
/// assert_eq!(&*m.try_lock().unwrap(), "hi");
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct MutexGuard<'a, T: ?Sized> {
    /// The `&mut T`. Declared first so it is dropped first: the value is given back before
    /// the permit lets the next holder in.
    value: RefMut<'a, T>,
    /// The one permit of the mutex's semaphore: the lock itself.
    _permit: SemaphorePermit<'a>,
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.value, f)
    }
}

/// [`Mutex::try_lock`] (or `RwLock`'s `try_read`/`try_write`) failed: the lock is held,
/// or others are queued for it. Its message is tokio's.
///
/// ```
/// let m = oneloop::sync::Mutex::new(());
/// let _g = m.try_lock().unwrap();
/// assert_eq!(m.try_lock().unwrap_err().to_string(), "operation would block");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}
